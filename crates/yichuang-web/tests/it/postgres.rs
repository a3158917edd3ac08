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

#[tokio::test]
async fn postgres_a_display_on_one_instance_sees_calls_made_on_another() {
    let Some((a, b)) = TestApp::postgres_pair("postgres two instances").await else {
        return;
    };
    let mut stream = a
        .client
        .get(a.url("/api/v1/queue/events"))
        .send()
        .await
        .unwrap();
    let clerk = b.token("clerk4").await;
    let (s, _) = b
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &json!({"group": "comprehensive"}),
        )
        .await;
    assert_eq!(s, 201);
    let r = b
        .client
        .post(b.url("/api/v1/windows/W04/call"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains("event: called") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the call on the other instance arrives within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        seen.contains("\"number\":\"A001\"") && seen.contains("综合窗口4号"),
        "{seen}"
    );
}

#[tokio::test]
async fn postgres_serves_the_hall_queue() {
    let Some(app) = TestApp::postgres("postgres queue slice").await else {
        return;
    };
    let clerk = app.token("clerk1").await;
    for p in ["normal", "priority", "normal"] {
        let body = json!({"group": "comprehensive", "priority": p});
        assert_eq!(
            app.send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
                .await
                .0,
            201
        );
    }
    let r = app
        .client
        .post(app.url("/api/v1/windows/W01/call"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["ticket"]["number"], "VA002");
    let (_, status) = app.get_json("/api/v1/queue/status").await;
    let c = status["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "comprehensive")
        .unwrap()
        .clone();
    assert_eq!(c["waiting"], 2);
}
