use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

#[tokio::test]
async fn working_days_follow_the_official_calendar() {
    let app = TestApp::sqlite().await;
    let (status, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2025-09-26&days=20")
        .await;
    assert_eq!(status, 200);
    assert_eq!(v["date"], "2025-10-30");
    assert_eq!(v["provisional"], false);
    let notable: Vec<&str> = v["notable_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["day"].as_str().unwrap())
        .collect();
    assert!(notable.contains(&"2025-09-28") && notable.contains(&"2025-10-08"));
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-02-10&days=20")
        .await;
    assert_eq!(v["date"], "2026-03-16");
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-30&days=5")
        .await;
    assert_eq!(v["provisional"], true);
}

#[tokio::test]
async fn bad_calculator_input_gets_400() {
    let app = TestApp::sqlite().await;
    for (query, field) in [
        ("from=2026-13-01&days=1", "from"),
        ("from=2026-01-01&days=-1", "days"),
        ("from=2026-01-01&days=99999", "days"),
        ("from=2026-01-01&days=abc", "days"),
        ("days=3", "from"),
        ("from=2026-01-01", "days"),
    ] {
        let (status, v) = app
            .get_json(&format!("/api/v1/calendar/add-working-days?{query}"))
            .await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(v["error"]["field"], field, "{query}");
        assert!(
            !v["error"]["message"].as_str().unwrap().is_ascii(),
            "message must be Chinese"
        );
    }
}

#[tokio::test]
async fn an_administrator_marks_days_and_deadlines_follow() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let (_, before) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-01&days=1")
        .await;
    assert_eq!(before["date"], "2026-12-02");
    let body = json!({"kind": "holiday", "note": "地方节日"});
    let (status, v) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&admin),
            &body,
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["is_working_day"], false);
    let (_, after) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-01&days=1")
        .await;
    assert_eq!(after["date"], "2026-12-03");
    let (_, year) = app.get_json("/api/v1/calendar?year=2026").await;
    assert_eq!(year["working_days"], 247);
    let body = json!({"kind": "default"});
    let (status, v) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&admin),
            &body,
        )
        .await;
    assert_eq!((status, v["kind"].as_str()), (200, Some("default")));
    let events = app
        .core
        .store()
        .events_for("calendar", "2026-12-02")
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].actor, "admin");
}

#[tokio::test]
async fn a_bad_day_change_changes_nothing() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let before = app.event_count().await;
    for (path, body) in [
        (
            "/api/v1/calendar/days/2026-12-02",
            json!({"kind": "vacation"}),
        ),
        (
            "/api/v1/calendar/days/02-12-2026",
            json!({"kind": "holiday"}),
        ),
        ("/api/v1/calendar/days/2026-12-02", json!({"note": "x"})),
        (
            "/api/v1/calendar/days/1999-12-02",
            json!({"kind": "holiday"}),
        ),
    ] {
        let (status, v) = app.send_json(Method::PUT, path, Some(&admin), &body).await;
        assert_eq!(status, 400, "{path} {body} → {v}");
    }
    assert_eq!(app.event_count().await, before);
}

#[tokio::test]
async fn a_year_can_be_marked_as_entered() {
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let (_, v) = app.get_json("/api/v1/calendar?year=2027").await;
    assert_eq!(v["loaded"], false);
    let (status, v) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            &json!({"loaded": true}),
        )
        .await;
    assert_eq!((status, v["loaded"].as_bool()), (200, Some(true)));
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-30&days=5")
        .await;
    assert_eq!(v["provisional"], false);
}

#[tokio::test]
async fn from_november_the_calendar_page_asks_for_next_years_schedule_until_it_is_confirmed() {
    use chrono::TimeZone;
    let app = TestApp::sqlite().await;
    let admin = app.token("admin").await;
    let at = |m, d| {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, m, d, 10, 0, 0)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    app.clock.set(at(10, 31));
    let (s, page) = app.get_text_as(&admin, "/admin/calendar").await;
    assert_eq!(s, 200);
    assert!(!page.contains("next-year-banner"));
    app.clock.set(at(11, 1));
    let (_, page) = app.get_text_as(&admin, "/admin/calendar").await;
    assert!(page.contains("id=\"next-year-banner\""), "{page}");
    assert!(page.contains("请录入2027年放假安排"));
    assert!(page.contains("href=\"/admin/calendar?month=2027-01\""));
    // Until then, deadlines running into 2027 are provisional.
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-30&days=5")
        .await;
    assert_eq!(v["provisional"], true);
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/years/2027",
            Some(&admin),
            &json!({"loaded": true}),
        )
        .await;
    assert_eq!(status, 200);
    app.clock.set(at(12, 7));
    let (_, page) = app.get_text_as(&admin, "/admin/calendar").await;
    assert!(!page.contains("next-year-banner"));
}
