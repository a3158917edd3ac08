//! 我的办件 gathers the cases taken at a window under the applicant's verified ID number, not
//! only the online ones; nobody else sees them, and cases written before the index existed are
//! found after a restart.

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{ID, all_materials, open, person};
use crate::portal::register;

/// The page at `path` as the bearer of `token`: (status, body).
async fn page(app: &TestApp, token: &str, path: &str) -> (u16, String) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Takes a case at window W01 for 张三 (ID [`ID`]) and returns its number.
async fn window_case(app: &TestApp) -> String {
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "accept"});
    let (s, case) = open(app, "clerk1", body).await;
    assert_eq!(s, 201, "{case}");
    case["case_no"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_case_taken_at_the_window_appears_in_my_cases_of_the_holder_of_the_id() {
    let app = TestApp::sqlite().await;
    let case_no = window_case(&app).await;
    // The check letter typed in lower case is the same person.
    let holder = register(&app, "13900000001", "张三", &ID.to_lowercase()).await;
    let other = register(&app, "13900000002", "李四", "341802198001011230").await;

    let (s, mine) = app.get_json_as(&holder, "/api/v1/my/cases").await;
    assert_eq!(s, 200, "{mine}");
    let listed: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["case_no"].as_str())
        .collect();
    assert_eq!(listed, vec![case_no.as_str()]);
    let (s, html) = page(&app, &holder, "/my").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&case_no) && html.contains("大厅窗口受理"),
        "{html}"
    );

    let (s, html) = page(&app, &holder, &format!("/my/cases/{case_no}")).await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("按您的身份证件号码归集"), "{html}");
    // Personal data stays masked on the applicant's own page too.
    assert!(!html.contains(ID), "{html}");

    // Another applicant sees nothing of it, by list, page or API.
    let (_, theirs) = app.get_json_as(&other, "/api/v1/my/cases").await;
    assert_eq!(theirs.as_array().map(Vec::len), Some(0), "{theirs}");
    assert_eq!(
        page(&app, &other, &format!("/my/cases/{case_no}")).await.0,
        404
    );
    let (s, _) = app
        .get_json_as(&other, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(s, 404);

    // The holder follows the case but acts on it only at the window: no withdrawal online.
    let (s, v) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/cases/{case_no}/actions"),
            Some(&holder),
            &json!({"action": "withdraw", "reason": "不办了"}),
        )
        .await;
    assert_eq!(s, 404, "{v}");
    // 一事一评: the holder may rate their case, the other applicant may not.
    let rating = json!({"case_no": case_no, "level": "satisfied", "channel": "web"});
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&other), &rating)
        .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = app
        .send_json(Method::POST, "/api/v1/evaluations", Some(&holder), &rating)
        .await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn cases_stored_before_the_index_are_found_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let case_no = {
        let app = TestApp::sqlite_in(dir.path(), None, true).await;
        let case_no = window_case(&app).await;
        register(&app, "13900000001", "张三", ID).await;
        drop(app);
        case_no
    };
    // As a store of the previous version left it: no index on the case.
    {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
            "sqlite:{}",
            dir.path().join("yichuang.db").display()
        ))
        .await
        .unwrap();
        let done = sqlx::query("update cases set applicant_index = null")
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
    }
    let app = TestApp::sqlite_in(dir.path(), None, false).await;
    let holder = app.token_for("13900000001", "mima-2026-ok").await;
    let (_, mine) = app.get_json_as(&holder, "/api/v1/my/cases").await;
    assert_eq!(
        mine[0]["case_no"].as_str(),
        Some(case_no.as_str()),
        "{mine}"
    );
}
