//! The same HTTP slice on PostgreSQL (skipped without `YICHUANG_TEST_POSTGRES_URL`).

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

#[tokio::test]
async fn postgres_serves_the_catalog_logins_and_the_calendar() {
    let Some(app) = TestApp::postgres("postgres http slice").await else {
        return;
    };
    let (status, body) = app.get_json("/api/v1/matters").await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(255)));
    let (status, g) = app
        .get_json(&format!("/api/v1/matters/{FIRST_MATTER}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(g["materials"].as_array().unwrap().len(), 6);
    let admin = app.token("admin").await;
    let body = json!({"kind": "holiday", "note": "地方节日"});
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&admin),
            &body,
        )
        .await;
    assert_eq!(status, 200);
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-01&days=1")
        .await;
    assert_eq!(v["date"], "2026-12-03");
    let clerk = app.token("clerk1").await;
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&clerk),
            &body,
        )
        .await;
    assert_eq!(status, 403);
    let (_, page) = app.get_text(&format!("/matters/{FIRST_MATTER}")).await;
    assert!(page.contains("城市建筑垃圾处置核准申请表"));
}
