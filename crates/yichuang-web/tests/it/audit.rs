//! The audit trail over HTTP: each write records the client's address and program; only the
//! 审计管理员 reads the log (masked, exported, itself logged); a log edited in the database
//! raises the alarm on `/admin` and `/audit`.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{ID, all_materials, person};

const CLIENT_IP: &str = "198.51.100.23";
const CLIENT_UA: &str = "窗口终端/1.0 (高拍仪)";

/// clerk1 takes a case from `CLIENT_IP` with `CLIENT_UA`; returns the case number.
async fn intake_from_a_window(app: &TestApp) -> String {
    let token = app.token("clerk1").await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "accept"});
    let r = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&token)
        .header("x-forwarded-for", CLIENT_IP)
        .header("user-agent", CLIENT_UA)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: Value = r.json().await.unwrap();
    v["case_no"].as_str().unwrap().to_owned()
}

async fn the_auditor_reads_who_did_what_from_where(app: &TestApp) {
    let case_no = intake_from_a_window(app).await;
    let auditor = app.token("auditor").await;
    let (s, log) = app
        .get_json_as(&auditor, &format!("/api/v1/audit/events?subject={case_no}"))
        .await;
    assert_eq!(s, 200, "{log}");
    let rows = log.as_array().unwrap();
    let received = rows
        .iter()
        .find(|e| e["kind"] == "case_received")
        .unwrap_or_else(|| panic!("no case_received in {log}"));
    assert_eq!(received["actor"], "clerk1");
    assert_eq!(received["ip"], CLIENT_IP);
    assert_eq!(received["user_agent"], CLIENT_UA);
    assert_eq!(received["kind_label"], "收件");
    assert_eq!(received["hash"].as_str().unwrap().len(), 64);
    let text = log.to_string();
    assert!(!text.contains(ID), "full ID number in the audit log");
    assert!(!text.contains("13912345678"), "full phone in the audit log");

    // Filters: by actor, by kind prefix, by day; a bad date is refused in Chinese.
    let (_, by_actor) = app
        .get_json_as(&auditor, "/api/v1/audit/events?actor=nobody")
        .await;
    assert_eq!(by_actor, json!([]));
    let (_, by_kind) = app
        .get_json_as(&auditor, "/api/v1/audit/events?kind=case_&limit=5")
        .await;
    let by_kind = by_kind.as_array().unwrap();
    assert!(!by_kind.is_empty() && by_kind.len() <= 5);
    assert!(
        by_kind
            .iter()
            .all(|e| e["kind"].as_str().unwrap().starts_with("case_"))
    );
    let (s, bad) = app
        .get_json_as(&auditor, "/api/v1/audit/events?from=2026-13-01")
        .await;
    assert_eq!(s, 400, "{bad}");
    assert!(bad["error"]["message"].as_str().unwrap().contains("日期"));

    // Reading the log is itself logged.
    let (_, reads) = app
        .get_json_as(&auditor, "/api/v1/audit/events?kind=audit_log_read")
        .await;
    assert!(reads.as_array().unwrap().len() >= 3, "{reads}");

    // The export is a workbook with the same rows.
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/audit/events?subject={case_no}&format=xlsx"
        )))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("审计日志").unwrap();
    assert_eq!(
        sheet.get_value((0, 7)),
        Some(&calamine::Data::String("来源地址".into()))
    );
    assert_eq!(sheet.height(), rows.len() + 1);

    // Nobody else reads it, not even the administrator; the auditor reads nothing else.
    for who in ["admin", "supervisor", "clerk1"] {
        let t = app.token(who).await;
        let (s, _) = app.get_json_as(&t, "/api/v1/audit/events").await;
        assert_eq!(s, 403, "{who} read the audit log");
    }
    let (s, _) = app
        .get_json_as(&auditor, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(s, 403, "the auditor read a case");

    // The chain verifies from end to end.
    let (s, report) = app
        .send_json(
            Method::POST,
            "/api/v1/audit/verify",
            Some(&auditor),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["unchained"], 0);
    assert!(
        report["chains"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["broken"].is_null())
    );
}

#[tokio::test]
async fn the_auditor_reads_who_did_what_from_where_on_sqlite() {
    the_auditor_reads_who_did_what_from_where(&TestApp::sqlite().await).await;
}

#[tokio::test]
async fn the_auditor_reads_who_did_what_from_where_on_postgres() {
    if let Some(app) = TestApp::postgres("postgres audit log").await {
        the_auditor_reads_who_did_what_from_where(&app).await;
    }
}

/// Someone with the database file drops the trigger and rewrites a case's event: the next
/// check finds it, and administrator and auditor see the alarm on their pages.
#[tokio::test]
async fn an_edited_event_raises_the_alarm_on_admin() {
    let app = TestApp::sqlite().await;
    let case_no = intake_from_a_window(&app).await;
    let admin = app.token("admin").await;
    let auditor = app.token("auditor").await;
    let (s, page) = app.get_text_as(&admin, "/admin").await;
    assert_eq!(s, 200);
    assert!(!page.contains("audit-alarm"));

    let db = app.data_dir.as_ref().unwrap().join("yichuang.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
        .await
        .unwrap();
    sqlx::query("drop trigger events_no_update")
        .execute(&pool)
        .await
        .unwrap();
    let changed = sqlx::query(
        "update events set actor = 'clerk2' where subject_id = $1 and kind = 'case_received'",
    )
    .bind(&case_no)
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    pool.close().await;

    let (s, report) = app
        .send_json(
            Method::POST,
            "/api/v1/audit/verify",
            Some(&auditor),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200);
    let broken = report["chains"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["broken"].as_object().cloned())
        .unwrap_or_else(|| panic!("not detected: {report}"));
    assert!(broken["reason"].as_str().unwrap().contains("篡改"));

    for (who, token, path) in [("admin", &admin, "/admin"), ("auditor", &auditor, "/audit")] {
        let (s, page) = app.get_text_as(token, path).await;
        assert_eq!(s, 200, "{who}");
        assert!(page.contains("id=\"audit-alarm\""), "{who} sees no alarm");
        assert!(page.contains("审计链校验失败"), "{who}");
    }
    // The citizen home page shows no alarm to a clerk.
    let clerk = app.token("clerk1").await;
    let (_, page) = app.get_text_as(&clerk, "/desk").await;
    assert!(!page.contains("audit-alarm"));
}
