//! Personal data at rest: after a window case, a registration, an online application, an
//! appointment, an imported licence and an investment project, no ID number, credit code or
//! phone is anywhere in the database in the clear (SQLite: the raw bytes of every file of the
//! data directory; PostgreSQL: the text of every row of every table), while the people who may
//! read them still can. Rows written before sealing are sealed when the server starts.

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{all_materials, open};
use crate::portal::{PDF, TOBACCO_NEW, code_for, register, upload};

/// Window applicant, portal applicant, appointment, licence holder, company.
const WINDOW_ID: &str = "11010519491231002X";
const WINDOW_PHONE: &str = "13912345678";
const PORTAL_ID: &str = "341802198001011230";
const PORTAL_PHONE: &str = "13800000002";
const BOOKING_ID: &str = "341802199203034566";
const BOOKING_PHONE: &str = "13700000077";
const HOLDER_ID: &str = "340102195506071236";
const CREDIT: &str = "91341800MA2N000019";
const CONTACT_PHONE: &str = "13800000009";
const TICKET_ID: &str = "341802197005051235";

const SECRETS: &[&str] = &[
    WINDOW_ID,
    WINDOW_PHONE,
    PORTAL_ID,
    PORTAL_PHONE,
    BOOKING_ID,
    BOOKING_PHONE,
    HOLDER_ID,
    CREDIT,
    CONTACT_PHONE,
    TICKET_ID,
];

/// The plain SHA-256 of every planted ID number, as tickets and appointments kept them before:
/// the ID space is small enough to reverse it by trying every value, so it is as good as the
/// ID itself to someone who copies the database.
fn digests() -> Vec<String> {
    use sha2::Digest;
    [WINDOW_ID, PORTAL_ID, BOOKING_ID, HOLDER_ID, TICKET_ID]
        .iter()
        .map(|id| hex::encode(sha2::Sha256::digest(id.as_bytes())))
        .collect()
}

/// Puts every kind of personal data the product stores into it, through the API.
async fn plant_personal_data(app: &TestApp) -> (String, String) {
    let applicant = json!({"type": "person", "name": "张三", "id_number": WINDOW_ID,
        "phone": WINDOW_PHONE});
    let body = json!({"matter_code": FIRST_MATTER, "applicant": applicant,
        "materials": all_materials(), "decision": "accept"});
    let (s, case) = open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    let window_case = case["case_no"].as_str().unwrap().to_owned();

    let citizen = register(app, PORTAL_PHONE, "王五", PORTAL_ID).await;
    let mut items = Vec::new();
    for index in 0..4 {
        let (s, f) = upload(app, &citizen, &format!("材料{index}.pdf"), PDF).await;
        assert_eq!(s, 201);
        items.push(json!({"index": index, "file_id": f["file_id"]}));
    }
    let (s, online) = app
        .send_json(
            Method::POST,
            "/api/v1/applications",
            Some(&citizen),
            &json!({"matter_code": TOBACCO_NEW, "materials": items}),
        )
        .await;
    assert_eq!(s, 201, "{online}");
    // A code sent and not yet used (its table is keyed by the phone).
    let (s, _) = app
        .send_json(
            Method::POST,
            "/api/v1/applicants/verification",
            None,
            &json!({"phone": "13600000066"}),
        )
        .await;
    assert_eq!(s, 202);

    let booking = json!({"group": "comprehensive", "date": "2026-11-02", "start": "10:00",
        "id_number": BOOKING_ID, "name": "赵六", "phone": BOOKING_PHONE});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/appointments", None, &booking)
        .await;
    assert_eq!(s, 201, "{v}");
    let ticket = json!({"group": "comprehensive", "id_number": TICKET_ID});
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&app.token("clerk1").await),
            &ticket,
        )
        .await;
    assert_eq!(s, 201, "{v}");

    let admin = app.token("admin").await;
    let csv = format!(
        "number,type_code,holder_name,holder_id,issued_on,expires_on,issuer,trust_level\n\
         YC-2021-0001,yclsxkz,孙八,{HOLDER_ID},2021-12-01,2026-12-01,,A\n"
    );
    let r = app
        .client
        .post(app.url("/api/v1/licenses/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    let inv = app.token("clerk-inv").await;
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/projects",
            Some(&inv),
            &crate::projects::application(&[crate::projects::SITE]),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    (window_case, online["case_no"].as_str().unwrap().to_owned())
}

/// What the readers who may see the data still see, opened.
async fn readers_still_read_it(app: &TestApp, window_case: &str) {
    // The applicant logs in with the phone; the profile is found by the ID number's index.
    let token = app.token_for(PORTAL_PHONE, "mima-2026-ok").await;
    let (s, mine) = app.get_json_as(&token, "/api/v1/my/cases").await;
    assert_eq!(s, 200, "{mine}");
    let profile = app
        .core
        .store()
        .applicant_by_id_number(PORTAL_ID)
        .await
        .unwrap()
        .expect("the profile is found by its ID number");
    assert_eq!(profile.phone, PORTAL_PHONE);
    // The window case opens (masked for staff), the licence is found by its holder's number,
    // the project by its company's code.
    let clerk = app.token("clerk1").await;
    let (s, c) = app
        .get_json_as(&clerk, &format!("/api/v1/cases/{window_case}"))
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["applicant"]["name"], "张三", "{c}");
    let stored = app
        .core
        .store()
        .case_by_no(window_case)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.case.received.applicant.id_number, WINDOW_ID);
    assert_eq!(stored.case.received.applicant.phone, WINDOW_PHONE);
    let (s, l) = app
        .get_json_as(&clerk, &format!("/api/v1/licenses?holder_id={HOLDER_ID}"))
        .await;
    assert_eq!(s, 200, "{l}");
    assert_eq!(l.as_array().map(Vec::len), Some(1), "{l}");
    let center = app.core.default_center().await.unwrap().id;
    let projects = app
        .core
        .store()
        .projects(center, Some(CREDIT))
        .await
        .unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0].credit_code, CREDIT);
    // The outbox still reaches the phone (the gateway reads the opened recipient).
    assert_eq!(code_for(app, "13600000066").await.len(), 6);
}

/// Every planted value found in `bytes`, named with where it was found.
fn found_in(place: &str, bytes: &[u8]) -> Vec<String> {
    let digests = digests();
    SECRETS
        .iter()
        .copied()
        .chain(digests.iter().map(String::as_str))
        .filter(|s| bytes.windows(s.len()).any(|w| w == s.as_bytes()))
        .map(|s| format!("{s} in {place}"))
        .collect()
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn no_personal_data_is_in_the_sqlite_files_in_the_clear() {
    let app = TestApp::sqlite().await;
    let (window_case, _) = plant_personal_data(&app).await;
    readers_still_read_it(&app, &window_case).await;
    // Every byte of the data directory (database, WAL, shared memory) and of the uploads.
    let data = app.data_dir.clone().unwrap();
    let mut leaks = Vec::new();
    let mut scanned = 0;
    for f in files_under(&data)
        .into_iter()
        .chain(files_under(&app.files_dir))
    {
        let bytes = std::fs::read(&f).unwrap();
        scanned += bytes.len();
        leaks.extend(found_in(&f.display().to_string(), &bytes));
    }
    assert!(
        scanned > 100_000,
        "the database was not scanned ({scanned} bytes)"
    );
    assert!(leaks.is_empty(), "personal data in the clear: {leaks:#?}");
}

#[tokio::test]
async fn no_personal_data_is_in_any_postgres_row_in_the_clear() {
    let Some(app) = TestApp::postgres("sealing_rows").await else {
        return;
    };
    let (window_case, _) = plant_personal_data(&app).await;
    readers_still_read_it(&app, &window_case).await;
    let leaks = pg_leaks(&app.database_url.clone().unwrap(), &[]).await;
    assert!(leaks.is_empty(), "personal data in the clear: {leaks:#?}");
}

/// Every planted value in the text of any row of any table but `skip`.
async fn pg_leaks(url: &str, skip: &[&str]) -> Vec<String> {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_name::text from information_schema.tables \
         where table_schema = current_schema() and table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(tables.len() > 20, "{tables:?}");
    let mut leaks = Vec::new();
    for t in tables.iter().filter(|t| !skip.contains(&t.as_str())) {
        let text: Option<String> =
            sqlx::query_scalar(&format!("select string_agg(t::text, '|') from \"{t}\" t"))
                .fetch_one(&mut conn)
                .await
                .unwrap();
        leaks.extend(found_in(t, text.unwrap_or_default().as_bytes()));
    }
    leaks
}

/// The same upgrade on PostgreSQL: rows sealed at start, old holders keep their place, and
/// the log, rewritten by the operator, holds no plain value in any row.
#[tokio::test]
async fn postgres_rows_and_log_written_before_sealing_are_sealed() {
    let Some(plain) = TestApp::postgres_plain("sealing_upgrade").await else {
        return;
    };
    let (window_case, _) = plant_personal_data(&plain).await;
    let url = plain.database_url.clone().unwrap();
    assert!(
        !pg_leaks(&url, &[]).await.is_empty(),
        "the plain store should have written plain values"
    );
    let app = plain.reopen_sealed().await;
    readers_still_read_it(&app, &window_case).await;
    let leaks = pg_leaks(&url, &["events"]).await;
    assert!(
        leaks.is_empty(),
        "plain values left after sealing: {leaks:#?}"
    );
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let (id, digest): (i64, String) = sqlx::query_as("select id, id_hash from appointments")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(digest.starts_with("v0:"), "{digest}");
    let ticket: String = sqlx::query_scalar(
        "select id_hash from tickets where id_hash is not null order by id limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(ticket.starts_with("v0:"), "{ticket}");
    old_holders_keep_their_place(&app, id).await;
    assert!(
        !pg_leaks(&url, &[]).await.is_empty(),
        "the log recorded plain values"
    );
    the_log_is_resealed(&app, &window_case).await;
    let leaks = pg_leaks(&url, &[]).await;
    assert!(
        leaks.is_empty(),
        "plain values left after the rewrite: {leaks:#?}"
    );
}

/// A data directory written before sealing (plain values, the phone as login name) is sealed
/// when the server starts, and everything still works: login by phone, lookups, the case.
#[tokio::test]
async fn rows_written_before_sealing_are_sealed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let window_case = {
        let app = TestApp::sqlite_plain_in(dir.path()).await;
        let (window_case, _) = plant_personal_data(&app).await;
        let db = std::fs::read(dir.path().join("yichuang.db-wal")).unwrap_or_default();
        let main = std::fs::read(dir.path().join("yichuang.db")).unwrap();
        assert!(
            !found_in("db", &[main, db].concat()).is_empty(),
            "the plain store should have written plain values"
        );
        drop(app);
        window_case
    };
    let app = TestApp::sqlite_in(dir.path(), None, true).await;
    readers_still_read_it(&app, &window_case).await;
    let report = app
        .core
        .store()
        .reseal_personal_data(&app.core.ctx("system"), &|_| {})
        .await
        .unwrap();
    assert_eq!(report.rows, 0, "a second pass has nothing to do");
    // The append-only event log keeps what it recorded (its hashes prove those bytes); every
    // other table is sealed in place. A copy without the log holds no plain value anywhere,
    // freed pages included.
    let copy = dir.path().join("without-log.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite:{}",
        dir.path().join("yichuang.db").display()
    ))
    .await
    .unwrap();
    sqlx::query(&format!("vacuum into '{}'", copy.display()))
        .execute(&mut conn)
        .await
        .unwrap();
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite:{}",
        copy.display()
    ))
    .await
    .unwrap();
    for sql in ["drop table events", "vacuum"] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    drop(conn);
    let leaks = found_in(
        "the database without its log",
        &std::fs::read(&copy).unwrap(),
    );
    assert!(
        leaks.is_empty(),
        "plain values left after sealing: {leaks:#?}"
    );
    // The log itself still verifies: nothing in it was rewritten.
    let verified = app.core.verify_audit(1, None).await.unwrap();
    assert!(verified.intact(), "{verified:?}");
    // The booking made before keeps a re-keyed digest its holder still cancels with; once it
    // ended it keeps nothing.
    let db = format!("sqlite:{}", dir.path().join("yichuang.db").display());
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db)
        .await
        .unwrap();
    let (id, digest): (i64, String) = sqlx::query_as("select id, id_hash from appointments")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(digest.starts_with("v0:"), "{digest}");
    old_holders_keep_their_place(&app, id).await;
    let after: String = sqlx::query_scalar("select id_hash from appointments")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(after, "-");
    let ticket: String = sqlx::query_scalar(
        "select id_hash from tickets where id_hash is not null order by id limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(ticket.starts_with("v0:"), "{ticket}");

    // The log: plain until rewritten, then nowhere in any byte of the data directory.
    let whole_dir = || {
        files_under(dir.path())
            .into_iter()
            .filter(|f| f != &copy)
            .flat_map(|f| found_in(&f.display().to_string(), &std::fs::read(&f).unwrap()))
            .collect::<Vec<_>>()
    };
    assert!(!whole_dir().is_empty(), "the log recorded plain values");
    the_log_is_resealed(&app, &window_case).await;
    let leaks = whole_dir();
    assert!(
        leaks.is_empty(),
        "plain values left after the rewrite: {leaks:#?}"
    );
    // A log that does not verify is never rewritten (that would hide the break).
    let trigger: String = sqlx::query_scalar(
        "select sql from sqlite_master where type = 'trigger' and name = 'events_no_update'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    for sql in [
        "drop trigger events_no_update",
        "update events set actor = 'intruder' where id = (select min(id) from events)",
        &trigger,
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    let heads = app.core.audit_anchors().await.unwrap();
    let err = app
        .core
        .reseal_audit_log("system", &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("断链"), "{err}");
    assert_eq!(app.core.audit_anchors().await.unwrap(), heads);
}

/// A holder whose booking (appointment `id`) and waiting ticket were made before blind
/// indexes may not book the same day again nor take a second ticket, although the new rows'
/// index cannot equal the old digests (this passed before the store looked for the re-keyed
/// digest too); another ID may not cancel the booking, the holder's own does.
async fn old_holders_keep_their_place(app: &TestApp, id: i64) {
    let again = json!({"group": "comprehensive", "date": "2026-11-02", "start": "11:00",
        "id_number": BOOKING_ID, "name": "赵六", "phone": BOOKING_PHONE});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/appointments", None, &again)
        .await;
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["message"], "您当天已预约了此类业务", "{v}");
    let clerk = app.token("clerk1").await;
    let second = json!({"group": "comprehensive", "id_number": TICKET_ID});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &second)
        .await;
    assert_eq!(s, 409, "{v}");
    let other = json!({"group": "comprehensive", "id_number": WINDOW_ID});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &other)
        .await;
    assert_eq!(s, 201, "another holder still gets a ticket: {v}");
    let wrong = app.core.cancel_appointment(id, WINDOW_ID).await;
    assert!(wrong.is_err(), "another ID number may not cancel it");
    app.core.cancel_appointment(id, BOOKING_ID).await.unwrap();
}

/// The log recorded before sealing still holds plain values until the operator rewrites it;
/// afterwards it verifies, anchors taken before no longer hold where it changed, the new heads
/// do, the rewrite is itself an event, and a second run has nothing to do.
async fn the_log_is_resealed(app: &TestApp, window_case: &str) {
    let before = app.core.audit_anchors().await.unwrap();
    let rewrites = app.core.reseal_audit_log("system", &|_| {}).await.unwrap();
    assert!(!rewrites.is_empty(), "the plain events were rewritten");
    for r in &rewrites {
        assert!(r.rewritten > 0 && r.relinked >= r.rewritten, "{r:?}");
        assert!(
            r.new_head.seq == r.old_head.seq + 1,
            "one event records it: {r:?}"
        );
    }
    let verified = app.core.verify_audit(1, None).await.unwrap();
    assert!(verified.intact(), "{verified:?}");
    let against_old = app.core.verify_audit_against(1, &before).await.unwrap();
    for r in &rewrites {
        let chain = against_old
            .chains
            .iter()
            .find(|c| c.chain_key == r.chain_key)
            .unwrap();
        assert!(
            chain.broken.is_some(),
            "an anchor of a rewritten place fails: {chain:?}"
        );
    }
    let now = app.core.audit_anchors().await.unwrap();
    let against_new = app.core.verify_audit_against(1, &now).await.unwrap();
    assert!(against_new.intact(), "{against_new:?}");
    let events = app.core.store().events_for("audit", "log").await.unwrap();
    let recorded: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "audit_log_resealed")
        .collect();
    assert_eq!(recorded.len(), rewrites.len());
    assert_eq!(
        recorded[0].payload["old_head"],
        rewrites[0].old_head.to_string()
    );
    let again = app.core.reseal_audit_log("system", &|_| {}).await.unwrap();
    assert!(again.is_empty(), "{again:?}");
    // The case's events still open to what they recorded.
    let log = app
        .core
        .store()
        .events_for("case", window_case)
        .await
        .unwrap();
    let opened =
        serde_json::to_string(&log.iter().map(|e| &e.payload).collect::<Vec<_>>()).unwrap();
    assert!(opened.contains(WINDOW_ID), "{opened}");
}
