//! 窗口活动时间轴: one window's day built from its calls, no-show and pause, the pause alert
//! threshold, and who may read it.

use chrono::{Duration, TimeZone};
use yichuang_core::queue::TicketAction;
use yichuang_domain::queue::TicketKind;
use yichuang_testkit::TestApp;

/// 2026-11-04 at `h:m` in Shanghai.
fn at(h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 11, 4, h, m, 0)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// clerk1, the center, their window and its group.
async fn clerk1_at_window(
    app: &TestApp,
) -> (
    yichuang_core::store::Center,
    yichuang_domain::account::StaffUser,
    String,
    String,
) {
    let center = app.core.default_center().await.unwrap();
    let clerk = app
        .core
        .authenticate(&app.token("clerk1").await)
        .await
        .unwrap();
    let window = clerk.window.clone().unwrap();
    let group = app
        .core
        .windows(center.id)
        .await
        .unwrap()
        .iter()
        .find(|w| w.code == window)
        .unwrap()
        .group
        .clone();
    (center, clerk, window, group)
}

#[tokio::test]
async fn a_windows_day_is_serving_paused_and_idle_and_long_pauses_are_listed() {
    let app = TestApp::sqlite().await;
    let (center, clerk, window, group) = clerk1_at_window(&app).await;
    app.clock.set(at(8, 55));
    for _ in 0..2 {
        app.core
            .take_ticket(center.id, &group, TicketKind::Normal, None, "kiosk")
            .await
            .unwrap();
    }
    // 09:00 call, 09:10 finished; 09:15–09:45 paused; 09:50 call, 09:52 no-show.
    app.clock.set(at(9, 0));
    let first = app.core.call_next(&clerk, &window).await.unwrap().unwrap();
    app.core
        .ticket_action(&clerk, first.id, TicketAction::Start)
        .await
        .unwrap();
    app.clock.set(at(9, 10));
    app.core
        .ticket_action(&clerk, first.id, TicketAction::Finish)
        .await
        .unwrap();
    app.clock.set(at(9, 15));
    app.core.pause_window(&clerk, true).await.unwrap();
    app.clock.set(at(9, 45));
    app.core.pause_window(&clerk, false).await.unwrap();
    app.clock.set(at(9, 50));
    let second = app.core.call_next(&clerk, &window).await.unwrap().unwrap();
    app.clock.set(at(9, 52));
    app.core
        .ticket_action(&clerk, second.id, TicketAction::NoShow)
        .await
        .unwrap();
    app.clock.set(at(18, 0) + Duration::days(1));

    let supervisor = app.token("supervisor").await;
    let (s, r) = app
        .get_json_as(
            &supervisor,
            "/api/v1/supervision/windows?date=2026-11-04&pause=20",
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let windows = r["windows"].as_array().unwrap();
    assert_eq!(windows.len(), 1, "{r:#}");
    let w = &windows[0];
    assert_eq!(w["window"], window.as_str());
    let got: Vec<(String, f64, f64, String)> = w["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["from_min"].as_f64().unwrap(),
                i["to_min"].as_f64().unwrap(),
                i["ticket"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let m = |h: f64, mm: f64| h * 60.0 + mm;
    let want = vec![
        (
            "serving".to_owned(),
            m(9.0, 0.0),
            m(9.0, 10.0),
            first.number.clone(),
        ),
        ("idle".to_owned(), m(9.0, 10.0), m(9.0, 15.0), String::new()),
        (
            "paused".to_owned(),
            m(9.0, 15.0),
            m(9.0, 45.0),
            String::new(),
        ),
        ("idle".to_owned(), m(9.0, 45.0), m(9.0, 50.0), String::new()),
        (
            "no_show".to_owned(),
            m(9.0, 50.0),
            m(9.0, 52.0),
            second.number.clone(),
        ),
    ];
    assert_eq!(got, want);
    assert_eq!(w["served"], 1);
    assert_eq!(w["no_shows"], 1);
    assert_eq!(w["serving_min"], 12.0);
    assert_eq!(w["paused_min"], 30.0);
    assert_eq!(w["idle_min"], 10.0);
    // The 30-minute pause is over a 20-minute threshold, and not over a 45-minute one.
    let pauses = r["long_pauses"].as_array().unwrap();
    assert_eq!(pauses.len(), 1, "{r:#}");
    assert_eq!(pauses[0]["from_min"], m(9.0, 15.0));
    assert_eq!(pauses[0]["ongoing"], false);
    let (_, r45) = app
        .get_json_as(
            &supervisor,
            "/api/v1/supervision/windows?date=2026-11-04&pause=45",
        )
        .await;
    assert!(r45["long_pauses"].as_array().unwrap().is_empty());

    // The page draws the same day and lists the pause.
    let (s, page) = app
        .get_text_as(&supervisor, "/supervision/windows?date=2026-11-04&pause=20")
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("09:15–09:45 暂停"), "{page}");
    assert!(page.contains(&format!("09:00–09:10 服务 {}", first.number)));
    assert!(page.contains("<td>30</td>"));

    // Other days are empty; bad input is refused; clerks and departments may not read it.
    let (s, r) = app
        .get_json_as(&supervisor, "/api/v1/supervision/windows?date=2026-11-05")
        .await;
    assert_eq!(s, 200);
    assert!(r["windows"].as_array().unwrap().is_empty());
    for q in [
        "date=2026-11-40",
        "date=2026-11-04&pause=0",
        "date=2026-11-04&pause=abc",
    ] {
        let (s, r) = app
            .get_json_as(&supervisor, &format!("/api/v1/supervision/windows?{q}"))
            .await;
        assert_eq!(s, 400, "{q}: {r}");
        assert!(!r["error"]["message"].as_str().unwrap().is_empty());
    }
    for user in ["clerk1", "rsj-head", "rsj-approver"] {
        let token = app.token(user).await;
        let (s, _) = app
            .get_json_as(&token, "/api/v1/supervision/windows?date=2026-11-04")
            .await;
        assert_eq!(s, 403, "{user}");
    }
}

#[tokio::test]
async fn a_pause_not_resumed_today_is_ongoing_until_now() {
    let app = TestApp::sqlite().await;
    let (center, clerk, window, group) = clerk1_at_window(&app).await;
    app.clock.set(at(9, 0));
    app.core
        .take_ticket(center.id, &group, TicketKind::Normal, None, "kiosk")
        .await
        .unwrap();
    let t = app.core.call_next(&clerk, &window).await.unwrap().unwrap();
    app.clock.set(at(9, 5));
    app.core
        .ticket_action(&clerk, t.id, TicketAction::NoShow)
        .await
        .unwrap();
    app.clock.set(at(10, 0));
    app.core.pause_window(&clerk, true).await.unwrap();
    app.clock.set(at(11, 0));
    let supervisor = app.token("supervisor").await;
    let (s, r) = app
        .get_json_as(&supervisor, "/api/v1/supervision/windows?date=2026-11-04")
        .await;
    assert_eq!(s, 200, "{r}");
    let p = &r["long_pauses"][0];
    assert_eq!(p["ongoing"], true, "{r:#}");
    assert_eq!(p["from_min"], 600.0);
    assert_eq!(p["to_min"], 660.0);
}
