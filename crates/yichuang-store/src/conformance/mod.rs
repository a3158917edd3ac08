//! The conformance suite: scenarios every backend must pass, run against SQLite always and
//! against PostgreSQL when `YICHUANG_TEST_POSTGRES_URL` is set. Each backend invokes
//! [`conformance_tests!`](crate::conformance_tests) with a factory returning a fresh store.

#![allow(clippy::unwrap_used, reason = "test scenarios")]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use yichuang_domain::account::Role;
use yichuang_domain::calendar::{Calendar, DayKind};
use yichuang_domain::catalog::{Catalog, parse_catalog};

use crate::{Ctx, MatterFilter, NewCenter, NewSession, NewUser, SessionKind, Store, StoreError};

mod audit;
mod exchange;
mod hall;
mod intake;
mod portal;
pub use audit::*;
pub use exchange::*;
pub use hall::*;
pub use intake::*;
pub use portal::*;

/// The demo catalog shipped with the product.
pub const DEMO_CATALOG: &str = include_str!("../../../../demo/xuancheng.json");

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

fn ctx() -> Ctx {
    Ctx::new("test", t0())
}

fn catalog() -> Catalog {
    parse_catalog(DEMO_CATALOG).unwrap()
}

async fn center(store: &dyn Store) -> i64 {
    let new = NewCenter {
        code: "341800".into(),
        name: "宣城市政务服务中心".into(),
        ..Default::default()
    };
    store
        .create_center(&new, &Calendar::official(), &ctx())
        .await
        .unwrap()
        .id
}

async fn imported(store: &dyn Store) -> i64 {
    let id = center(store).await;
    store
        .import_catalog(id, &catalog(), &ctx(), &|_| {})
        .await
        .unwrap();
    id
}

/// A center keeps its calendar, and the center's creation is an event.
pub async fn center_keeps_its_calendar(store: &dyn Store) {
    let id = center(store).await;
    assert_eq!(store.calendar(id).await.unwrap(), Calendar::official());
    let centers = store.centers().await.unwrap();
    assert_eq!(centers.len(), 1);
    assert_eq!(
        store.center_by_code("341800").await.unwrap().unwrap().id,
        id
    );
    assert!(store.center_by_code("nope").await.unwrap().is_none());
    let events = store.events_for("center", "341800").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "center_created");
    let dup = NewCenter {
        code: "341800".into(),
        name: "重复".into(),
        ..Default::default()
    };
    let err = store
        .create_center(&dup, &Calendar::empty(), &ctx())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
}

/// Importing the demo catalog stores everything; importing it again changes nothing.
pub async fn catalog_import_is_idempotent(store: &dyn Store) {
    let id = center(store).await;
    let cat = catalog();
    let seen = std::sync::atomic::AtomicU64::new(0);
    let report = store
        .import_catalog(id, &cat, &ctx(), &|n| {
            seen.store(n, std::sync::atomic::Ordering::SeqCst)
        })
        .await
        .unwrap();
    assert_eq!(report.matters_created, 255);
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 255);
    let events_before = store.recent_events(id, 10_000).await.unwrap().len();
    let later = Ctx::new("test", t0() + Duration::days(1));
    let again = store
        .import_catalog(id, &cat, &later, &|_| {})
        .await
        .unwrap();
    assert_eq!(again.matters_unchanged, 255);
    assert!(!again.changed(), "{again:?}");
    assert_eq!(
        store.recent_events(id, 10_000).await.unwrap().len(),
        events_before
    );
    let (items, total) = store
        .list_matters(
            id,
            &MatterFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 255);
    assert_eq!(items.len(), 255);
    assert_eq!(items[0].code, cat.matters[0].code);
    assert!(items.iter().all(|m| m.version == 1));
    assert_eq!(store.region(id).await.unwrap().unwrap().name, "宣城市");
    assert_eq!(store.referrals(id).await.unwrap(), cat.elsewhere);
    assert!(!cat.elsewhere.is_empty());
    assert!(store.referrals(id + 1000).await.unwrap().is_empty());
    assert_eq!(store.window_groups(id).await.unwrap().len(), 9);
    assert_eq!(store.windows(id).await.unwrap().len(), 40);
    assert_eq!(
        store.license_types(id).await.unwrap().len(),
        cat.license_types.len()
    );
    let depts = store.departments(id).await.unwrap();
    assert_eq!(depts.len(), 44);
    assert_eq!(depts.iter().map(|(_, n)| n).sum::<u64>(), 255);
    assert_eq!(depts[0].0, cat.departments[0]);
    let one = store
        .department(id, &cat.departments[3].code)
        .await
        .unwrap();
    assert_eq!(one.as_ref(), Some(&cat.departments[3]));
    assert!(store.department(id, "nope").await.unwrap().is_none());
}

/// A changed matter gets a new version; the old version stays readable.
pub async fn changed_matter_gets_a_new_version(store: &dyn Store) {
    let id = imported(store).await;
    let mut cat = catalog();
    let code = cat.matters[3].code.clone();
    cat.matters[3].fee = "按规定收费".into();
    // Referrals are replaced whole by the new file's.
    cat.elsewhere.truncate(1);
    let later = Ctx::new("admin", t0() + Duration::days(3));
    let report = store
        .import_catalog(id, &cat, &later, &|_| {})
        .await
        .unwrap();
    assert_eq!(report.matters_versioned, 1);
    assert_eq!(report.matters_unchanged, 254);
    assert!(report.reference_rows_changed >= 1, "{report:?}");
    assert_eq!(store.referrals(id).await.unwrap(), cat.elsewhere);
    let current = store.matter(id, &code).await.unwrap().unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(current.matter.fee, "按规定收费");
    assert_eq!(current.effective_from, later.now);
    let old = store.matter_version(id, &code, 1).await.unwrap().unwrap();
    assert_eq!(old.matter, catalog().matters[3]);
    let history = store.matter_history(id, &code).await.unwrap();
    assert_eq!(history, vec![(1, t0()), (2, later.now)]);
    let events = store.events_for("matter", &code).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].payload["version"], 2);
    assert_eq!(events[1].actor, "admin");
    assert!(store.matter(id, "no-such-code").await.unwrap().is_none());
}

/// Listing filters by name, department and window group, pages, and treats `%` literally.
pub async fn matters_are_filtered_and_paged(store: &dyn Store) {
    let id = imported(store).await;
    let cat = catalog();
    let page =
        |q: Option<&str>, dept: Option<&str>, group: Option<&str>, limit, offset| MatterFilter {
            q: q.map(Into::into),
            department: dept.map(Into::into),
            window_group: group.map(Into::into),
            limit,
            offset,
        };
    let (_, total) = store
        .list_matters(id, &page(None, Some("rsj"), None, 5, 0))
        .await
        .unwrap();
    let expected = cat.matters.iter().filter(|m| m.department == "rsj").count() as u64;
    assert_eq!(total, expected);
    let (items, total) = store
        .list_matters(id, &page(None, None, Some("tax"), 1000, 0))
        .await
        .unwrap();
    assert_eq!(
        total,
        cat.matters
            .iter()
            .filter(|m| m.window_group == "tax")
            .count() as u64
    );
    assert!(items.iter().all(|m| m.window_group == "tax"));
    let name = &cat.matters[10].name;
    let (items, _) = store
        .list_matters(id, &page(Some(name), None, None, 10, 0))
        .await
        .unwrap();
    assert!(items.iter().any(|m| &m.name == name));
    let (items, total) = store
        .list_matters(id, &page(Some("%"), None, None, 10, 0))
        .await
        .unwrap();
    assert_eq!((items.len(), total), (0, 0));
    let (first, _) = store
        .list_matters(id, &page(None, None, None, 10, 0))
        .await
        .unwrap();
    let (second, _) = store
        .list_matters(id, &page(None, None, None, 10, 10))
        .await
        .unwrap();
    assert_eq!(second[0].code, cat.matters[10].code);
    assert_ne!(first[0].code, second[0].code);
    assert_eq!(first[0].department_name, cat.departments[0].name);
}

/// Calendar overrides and loaded years are stored, cleared and logged.
pub async fn calendar_days_are_set_and_cleared(store: &dyn Store) {
    let id = center(store).await;
    let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    store
        .set_calendar_day(id, day, Some(DayKind::Holiday), "地方节日", &ctx())
        .await
        .unwrap();
    let cal = store.calendar(id).await.unwrap();
    assert!(!cal.is_working_day(day));
    assert_eq!(cal.override_of(day), Some((DayKind::Holiday, "地方节日")));
    store
        .set_calendar_day(id, day, None, "", &ctx())
        .await
        .unwrap();
    assert!(store.calendar(id).await.unwrap().is_working_day(day));
    store
        .set_calendar_year(id, 2027, true, &ctx())
        .await
        .unwrap();
    assert!(store.calendar(id).await.unwrap().is_year_loaded(2027));
    store
        .set_calendar_year(id, 2027, false, &ctx())
        .await
        .unwrap();
    assert!(!store.calendar(id).await.unwrap().is_year_loaded(2027));
    let events = store.events_for("calendar", "2026-12-02").await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].payload["previous"]["kind"], "holiday");
}

fn user(center_id: i64, name: &str, roles: Vec<Role>) -> NewUser {
    NewUser {
        center_id,
        username: name.into(),
        display_name: name.into(),
        password_hash: "$argon2id$fake".into(),
        roles,
        department: Some("rsj".into()),
        window: None,
    }
}

/// A batch with a duplicate username creates nobody.
pub async fn user_creation_is_all_or_nothing(store: &dyn Store) {
    let id = center(store).await;
    store
        .create_users(&[user(id, "a", vec![Role::Admin])], &ctx())
        .await
        .unwrap();
    let batch = [
        user(id, "b", vec![Role::Approver]),
        user(id, "a", vec![Role::Clerk]),
    ];
    let err = store.create_users(&batch, &ctx()).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(store.user_by_username("b").await.unwrap().is_none());
    let a = store.user_by_username("a").await.unwrap().unwrap();
    assert_eq!(a.user.roles, vec![Role::Admin]);
    assert_eq!(a.user.department.as_deref(), Some("rsj"));
    assert_eq!(store.users(id).await.unwrap().len(), 1);
}

/// Failed logins lock the account at the threshold; a login clears the counter.
pub async fn login_failures_lock_the_account(store: &dyn Store) {
    let id = center(store).await;
    let u = store
        .create_users(&[user(id, "c", vec![Role::Clerk])], &ctx())
        .await
        .unwrap();
    let uid = u[0].user.id;
    let until = t0() + Duration::minutes(15);
    assert!(
        !store
            .record_login_failure(uid, 3, until, &ctx())
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_login_failure(uid, 3, until, &ctx())
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .user_by_username("c")
            .await
            .unwrap()
            .unwrap()
            .failed_logins,
        2
    );
    assert!(
        store
            .record_login_failure(uid, 3, until, &ctx())
            .await
            .unwrap()
    );
    let rec = store.user_by_username("c").await.unwrap().unwrap();
    assert_eq!(rec.locked_until, Some(until));
    let kinds: Vec<String> = store
        .events_for("user", "c")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"account_locked".to_owned()), "{kinds:?}");
    let s = NewSession {
        token_hash: "h1".into(),
        user_id: uid,
        kind: SessionKind::Cookie,
        expires_at: t0() + Duration::hours(12),
    };
    store.start_session(&s, &ctx()).await.unwrap();
    let rec = store.user_by_username("c").await.unwrap().unwrap();
    assert_eq!((rec.failed_logins, rec.locked_until), (0, None));
}

/// Sessions resolve to their user until they expire or end.
pub async fn sessions_expire_and_end(store: &dyn Store) {
    let id = center(store).await;
    let u = store
        .create_users(&[user(id, "d", vec![Role::Supervisor])], &ctx())
        .await
        .unwrap();
    let s = NewSession {
        token_hash: "h2".into(),
        user_id: u[0].user.id,
        kind: SessionKind::Api,
        expires_at: t0() + Duration::hours(1),
    };
    store.start_session(&s, &ctx()).await.unwrap();
    let live = store.session("h2", t0()).await.unwrap().unwrap();
    assert_eq!(live.user.username, "d");
    assert_eq!(live.expires_at, s.expires_at);
    assert_eq!(live.kind, SessionKind::Api);
    assert_eq!(live.last_seen_at, ctx().now);
    // A request moves "last seen" on (the idle timeout); a late, older touch never moves it back.
    let later = ctx().now + Duration::minutes(10);
    store.touch_session("h2", later).await.unwrap();
    store.touch_session("h2", ctx().now).await.unwrap();
    let live = store.session("h2", t0()).await.unwrap().unwrap();
    assert_eq!(live.last_seen_at, later);
    assert!(
        store
            .session("h2", t0() + Duration::hours(2))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.session("unknown", t0()).await.unwrap().is_none());
    store.end_session("h2", &ctx()).await.unwrap();
    assert!(store.session("h2", t0()).await.unwrap().is_none());
    let kinds: Vec<String> = store
        .events_for("user", "d")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["user_created", "login", "logout"]);
}

fn demo_case(
    center_id: i64,
    case_no: &str,
    at: DateTime<Utc>,
) -> (yichuang_domain::case::Case, Vec<crate::CaseEventWrite>) {
    use yichuang_domain::case::{
        Applicant, ApplicantKind, Case, CaseEvent, IntakeDecision, MaterialInput, MaterialMode,
        OpenCase, open_case,
    };
    let cat = catalog();
    let m = &cat.matters[0];
    let input = OpenCase {
        case_no: case_no.into(),
        center_id,
        matter: m,
        matter_version: 1,
        window: "W01".into(),
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13912345678".into(),
            legal_representative: None,
            contact: None,
        },
        materials: (0..m.materials.len())
            .map(|index| MaterialInput {
                index,
                mode: MaterialMode::Original,
                deferred_due: None,
                file_id: None,
            })
            .collect(),
        decision: IntakeDecision::Accept,
        immediate_minutes: 30,
        light_rules: Default::default(),
        now: at,
        today: yichuang_domain::clock::shanghai_date(at),
        extras: Default::default(),
    };
    let events = open_case(input).unwrap();
    let CaseEvent::Received(r) = &events[0] else {
        unreachable!()
    };
    let mut case = Case::from_received(r, at, "clerk1");
    for e in &events[1..] {
        case.apply(at, "clerk1", e);
    }
    (
        case,
        events
            .into_iter()
            .map(|event| crate::CaseEventWrite { at, event })
            .collect(),
    )
}

fn write_of(
    case: yichuang_domain::case::Case,
    events: Vec<crate::CaseEventWrite>,
) -> crate::CaseWrite {
    crate::CaseWrite {
        index: crate::case_index(&case, &Calendar::official()),
        case,
        events,
        actor_window: Some("W01".into()),
        actor_department: None,
        concluded_on_time: None,
    }
}

/// Case numbers follow a daily sequence per center; writes are guarded by the version; the
/// stored state equals the replay of the stored events.
pub async fn cases_are_numbered_versioned_and_replayable(store: &dyn Store) {
    use yichuang_domain::case::{Case, CaseEvent, CaseStatus, Command};
    let id = imported(store).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let a = store
        .next_case_no(id, day, "341800-20261102-")
        .await
        .unwrap();
    let b = store
        .next_case_no(id, day, "341800-20261102-")
        .await
        .unwrap();
    let next_day = store
        .next_case_no(id, day.succ_opt().unwrap(), "341800-20261103-")
        .await
        .unwrap();
    assert_eq!(
        (a.as_str(), b.as_str(), next_day.as_str()),
        (
            "341800-20261102-0001",
            "341800-20261102-0002",
            "341800-20261103-0001"
        )
    );
    let (case, events) = demo_case(id, &a, t0());
    store
        .create_case(
            &write_of(case.clone(), events),
            None,
            &Ctx::new("clerk1", t0()),
        )
        .await
        .unwrap();
    let stored = store.case_by_no(&a).await.unwrap().unwrap();
    assert_eq!(stored.case, case);
    assert_eq!(
        stored.index.due_promised,
        NaiveDate::from_ymd_opt(2026, 11, 9)
    );
    let later = t0() + Duration::hours(2);
    let cmd = Command::Pass {
        comment: "同意".into(),
        seen: vec![],
    };
    let new_events = case.decide(&cmd, later, day).unwrap();
    let mut next = case.clone();
    for e in &new_events {
        next.apply(later, "cgj-approver", e);
    }
    let writes: Vec<_> = new_events
        .iter()
        .cloned()
        .map(|event| crate::CaseEventWrite { at: later, event })
        .collect();
    let w = write_of(next.clone(), writes);
    store
        .update_case(&w, case.version, &Ctx::new("cgj-approver", later))
        .await
        .unwrap();
    let err = store
        .update_case(&w, case.version, &Ctx::new("cgj-approver", later))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict(_)),
        "a stale version is refused: {err:?}"
    );
    let stored = store.case_by_no(&a).await.unwrap().unwrap();
    assert_eq!(stored.case.status, CaseStatus::InProcess);
    let log = store.events_for("case", &a).await.unwrap();
    assert_eq!(
        log.len(),
        3,
        "received, accepted, step passed — the failed write added nothing"
    );
    // The events of one write take consecutive places in the center's chain (reserved with one
    // statement), in their order, and the chain verifies.
    let chain = store
        .chained_events(crate::audit::chain_key(Some(id)), 1, 100_000)
        .await
        .unwrap();
    let places: Vec<(i64, i64)> = chain
        .iter()
        .filter(|e| e.subject_id == a)
        .map(|e| (e.id, e.seq))
        .collect();
    assert_eq!(places.len(), 3, "{places:?}");
    assert!(
        places
            .windows(2)
            .all(|w| w[1].1 == w[0].1 + 1 && w[1].0 > w[0].0),
        "{places:?}"
    );
    let report = crate::audit::verify(store, 1, None).await.unwrap();
    assert!(report.intact(), "{report:?}");
    let parsed: Vec<(DateTime<Utc>, String, CaseEvent)> = log
        .iter()
        .map(|e| {
            (
                e.at,
                e.actor.clone(),
                serde_json::from_value(e.payload["event"].clone()).unwrap(),
            )
        })
        .collect();
    let replayed = Case::replay(parsed.iter().map(|(t, a, e)| (*t, a.as_str(), e))).unwrap();
    assert_eq!(
        replayed, stored.case,
        "the projection is the fold of the log"
    );
    let dup = store
        .create_case(&write_of(case, Vec::new()), None, &ctx())
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
}

/// Lists filter by status, department, window and page by id; a calendar change moves the
/// deadline columns of open cases in the same transaction.
pub async fn case_lists_and_calendar_reprojection(store: &dyn Store) {
    use yichuang_domain::case::CaseStatus;
    let id = imported(store).await;
    for i in 1..=3 {
        let no = format!("341800-20261102-000{i}");
        let (case, events) = demo_case(id, &no, t0());
        store
            .create_case(&write_of(case, events), None, &ctx())
            .await
            .unwrap();
    }
    let all = crate::CaseFilter {
        center_id: id,
        limit: 10,
        ..Default::default()
    };
    let page = store.list_cases(&all).await.unwrap();
    assert_eq!(page.len(), 3);
    assert_eq!(
        page[0].case.case_no(),
        "341800-20261102-0003",
        "newest first"
    );
    let rest = store
        .list_cases(&crate::CaseFilter {
            before_id: Some(page[0].id),
            ..all.clone()
        })
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    let dept = cat_department();
    let by_dept = crate::CaseFilter {
        department: Some(dept),
        open_only: true,
        ..all.clone()
    };
    assert_eq!(store.list_cases(&by_dept).await.unwrap().len(), 3);
    let other = crate::CaseFilter {
        department: Some("nope".into()),
        ..all.clone()
    };
    assert!(store.list_cases(&other).await.unwrap().is_empty());
    let closed = crate::CaseFilter {
        status: Some(CaseStatus::Delivered),
        ..all.clone()
    };
    assert!(store.list_cases(&closed).await.unwrap().is_empty());
    let by_window = crate::CaseFilter {
        window: Some("W01".into()),
        ..all.clone()
    };
    assert_eq!(store.list_cases(&by_window).await.unwrap().len(), 3);
    let holiday = NaiveDate::from_ymd_opt(2026, 11, 4).unwrap();
    store
        .set_calendar_day(id, holiday, Some(DayKind::Holiday), "地方节日", &ctx())
        .await
        .unwrap();
    for c in store.list_cases(&all).await.unwrap() {
        assert_eq!(
            c.index.due_promised,
            NaiveDate::from_ymd_opt(2026, 11, 10),
            "{}",
            c.case.case_no()
        );
    }
    let events = store.events_for("calendar", "2026-11-04").await.unwrap();
    assert_eq!(events[0].payload["reprojected_cases"], 3);
    // A change after every deadline moves nothing, and nothing is even read for it; a change
    // before the due dates moves them. Either way the stored columns equal a full recompute.
    let far = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    store
        .set_calendar_day(id, far, Some(DayKind::Holiday), "远期", &ctx())
        .await
        .unwrap();
    let events = store.events_for("calendar", "2027-03-01").await.unwrap();
    assert_eq!(events[0].payload["reprojected_cases"], 0);
    let near = NaiveDate::from_ymd_opt(2026, 11, 9).unwrap();
    store
        .set_calendar_day(id, near, Some(DayKind::Holiday), "地方节日", &ctx())
        .await
        .unwrap();
    let cal = store.calendar(id).await.unwrap();
    for c in store.list_cases(&all).await.unwrap() {
        assert_eq!(c.index.due_promised, NaiveDate::from_ymd_opt(2026, 11, 11));
        assert_eq!(
            c.index,
            crate::case_index(&c.case, &cal),
            "{}",
            c.case.case_no()
        );
    }
}

fn cat_department() -> String {
    catalog().matters[0].department.clone()
}

/// Expands to one `#[tokio::test]` per scenario, each with a fresh store from `$factory`
/// (an async fn returning `Option<(guard, Arc<dyn Store>)>`; `None` means skipped).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@each $factory;
            center_keeps_its_calendar,
            catalog_import_is_idempotent,
            changed_matter_gets_a_new_version,
            matters_are_filtered_and_paged,
            calendar_days_are_set_and_cleared,
            user_creation_is_all_or_nothing,
            login_failures_lock_the_account,
            sessions_expire_and_end,
            cases_are_numbered_versioned_and_replayable,
            case_lists_and_calendar_reprojection,
            concurrent_calls_never_share_a_ticket,
            tickets_are_numbered_and_guarded,
            applicants_codes_files_and_licences,
            a_project_stage_opens_its_cases_in_one_transaction,
            carried_over_counters_add_up,
            events_form_a_verified_chain_with_their_origin,
            exchange_feed_and_push_queue,
            concurrent_intakes_are_numbered_once_and_failures_undone_alone
        );
    };
    (@each $factory:path; $($name:ident),*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some((_guard, store)) = $factory().await else { return };
                $crate::conformance::$name(&*store).await;
            }
        )*
    };
}
