//! 电子监察 sweep: each light change recorded exactly once, whatever the number of sweeps.

use chrono::Duration;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

async fn walk_the_lights(app: &TestApp) {
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (s, c) = crate::api_cases::open(app, "clerk1", body).await;
    assert_eq!(s, 201);
    let no = c["case_no"].as_str().unwrap().to_owned();
    // Promised 5 working days from Monday 2026-11-02 → due Monday 11-09; legal 20 → 11-30.
    let steps = [
        (Duration::hours(1), "green", false),
        (Duration::days(4), "yellow", false),
        (Duration::days(8), "red", false),
        (Duration::days(29), "red", true),
    ];
    let lights = |events: &[yichuang_core::store::Event], kind: &str| {
        events.iter().filter(|e| e.kind == kind).count()
    };
    for (at, light, legal) in steps {
        app.clock.set(yichuang_testkit::start_instant() + at);
        let before = app.core.store().events_for("case", &no).await.unwrap();
        let (a, b) = tokio::join!(app.core.sweep_lights(), app.core.sweep_lights());
        let again = app.core.sweep_lights().await.unwrap();
        let events = app.core.store().events_for("case", &no).await.unwrap();
        // The case light changed once, the step light at most once, and every recorded change
        // is exactly one event however many sweeps ran.
        assert_eq!(
            lights(&events, "light_changed") - lights(&before, "light_changed"),
            1,
            "{light}: one change, recorded once"
        );
        let steps_new =
            lights(&events, "step_light_changed") - lights(&before, "step_light_changed");
        assert!(steps_new <= 1);
        assert_eq!(a.unwrap() + b.unwrap() + again, (1 + steps_new) as u64);
        assert_eq!(app.core.sweep_lights().await.unwrap(), 0);
        let last = events
            .iter()
            .rev()
            .find(|e| e.kind == "light_changed")
            .unwrap();
        assert_eq!(
            (
                last.payload["to"].as_str(),
                last.payload["legal_overdue"].as_bool()
            ),
            (Some(light), Some(legal))
        );
    }
    // The default notifier queued an SMS for the department at yellow, red and legal overdue.
    let admin = app.token("admin").await;
    let (s, outbox) = app.get_json_as(&admin, "/api/v1/outbox").await;
    assert_eq!(s, 200, "{outbox}");
    let queued: Vec<&serde_json::Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["subject_id"] == no.as_str())
        .collect();
    assert_eq!(queued.len(), 3, "{outbox}");
    assert!(
        queued
            .iter()
            .all(|m| m["recipient"] == "cgj" && m["status"] == "queued")
    );
    let clerk = app.token("clerk1").await;
    assert_eq!(app.get_json_as(&clerk, "/api/v1/outbox").await.0, 403);
    let changes = app
        .core
        .store()
        .events_for("case", &no)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "light_changed")
        .count();
    assert_eq!(changes, 4);
    let head = app.token("cgj-head").await;
    let (s, list) = app.get_json_as(&head, "/api/v1/notifications").await;
    assert_eq!(s, 200);
    let case_notes: Vec<&serde_json::Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "light_changed")
        .collect();
    assert_eq!(case_notes.len(), 4);
    // 环节时限: the 审查 step (2 of the 5 promised days) went green, then red, each once.
    let step_events: Vec<String> = app
        .core
        .store()
        .events_for("case", &no)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "step_light_changed")
        .map(|e| {
            format!(
                "{}:{}",
                e.payload["step"],
                e.payload["to"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(step_events, ["1:green", "1:red"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "step_light_changed"
                && n["message"].as_str().unwrap().contains("审查"))
    );
    assert!(
        case_notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("超过法定期限")
    );
    let other = app.token("rsj-head").await;
    assert_eq!(
        app.get_json_as(&other, "/api/v1/notifications?department=cgj")
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn light_changes_are_recorded_exactly_once() {
    let app = TestApp::sqlite().await;
    walk_the_lights(&app).await;
}

#[tokio::test]
async fn postgres_light_changes_are_recorded_exactly_once() {
    let Some(app) = TestApp::postgres("postgres light sweep").await else {
        return;
    };
    walk_the_lights(&app).await;
}

#[tokio::test]
async fn a_supervision_order_is_answered_or_escalated_on_the_timeline() {
    use reqwest::Method;
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (_, c) = crate::api_cases::open(&app, "clerk1", body.clone()).await;
    let no = c["case_no"].as_str().unwrap().to_owned();
    let (_, c2) = crate::api_cases::open(&app, "clerk2", body).await;
    let no2 = c2["case_no"].as_str().unwrap().to_owned();
    let supervisor = app.token("supervisor").await;
    let order = json!({"case_no": no, "content": "请说明办理进度并加快办理", "reply_days": 2});
    let clerk = app.token("clerk1").await;
    assert_eq!(
        app.send_json(
            Method::POST,
            "/api/v1/supervision/orders",
            Some(&clerk),
            &order
        )
        .await
        .0,
        403
    );
    let bad = json!({"case_no": no, "content": "", "reply_days": 2});
    assert_eq!(
        app.send_json(
            Method::POST,
            "/api/v1/supervision/orders",
            Some(&supervisor),
            &bad
        )
        .await
        .0,
        400
    );
    let (s, o) = app
        .send_json(
            Method::POST,
            "/api/v1/supervision/orders",
            Some(&supervisor),
            &order,
        )
        .await;
    assert_eq!(s, 201, "{o}");
    assert_eq!(
        (
            o["due"].as_str(),
            o["warning"].as_str(),
            o["department"].as_str()
        ),
        (Some("2026-11-04"), Some("green"), Some("cgj"))
    );
    assert!(o["number"].as_str().unwrap().starts_with("DB-"));
    let other = app.token("rsj-approver").await;
    let reply = json!({"content": "已组织现场核查，本周内办结"});
    let url = format!("/api/v1/supervision/orders/{}/reply", o["id"]);
    assert_eq!(
        app.send_json(Method::POST, &url, Some(&other), &reply)
            .await
            .0,
        403
    );
    let approver = app.token("cgj-approver").await;
    let (s, r) = app
        .send_json(Method::POST, &url, Some(&approver), &reply)
        .await;
    assert_eq!(
        (s, r["reply"].as_str()),
        (200, Some("已组织现场核查，本周内办结"))
    );
    assert_eq!(
        app.send_json(Method::POST, &url, Some(&approver), &reply)
            .await
            .0,
        409,
        "answered once"
    );
    let events = app.core.store().events_for("case", &no).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"supervision_order_issued") && kinds.contains(&"supervision_order_replied"),
        "{kinds:?}"
    );

    let late = json!({"case_no": no2, "content": "请尽快办理", "reply_days": 1});
    let (_, o2) = app
        .send_json(
            Method::POST,
            "/api/v1/supervision/orders",
            Some(&supervisor),
            &late,
        )
        .await;
    app.clock
        .set(yichuang_testkit::start_instant() + Duration::days(1));
    assert_eq!(
        app.core.sweep_orders().await.unwrap(),
        0,
        "due Tuesday, still in time on Tuesday"
    );
    app.clock
        .set(yichuang_testkit::start_instant() + Duration::days(2));
    assert_eq!(app.core.sweep_orders().await.unwrap(), 1);
    assert_eq!(app.core.sweep_orders().await.unwrap(), 0, "escalated once");
    let stored = app
        .core
        .store()
        .order(o2["id"].as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.escalated_at.is_some());
    let head = app.token("cgj-head").await;
    let (_, list) = app.get_json_as(&head, "/api/v1/notifications").await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "order_escalated")
    );
    let events = app.core.store().events_for("case", &no2).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.kind == "supervision_order_escalated")
    );
}

#[tokio::test]
async fn the_board_filters_alerts_forecasts_and_the_bulletin_counts_them() {
    let app = TestApp::sqlite().await;
    walk_the_lights(&app).await;
    let sup = app.token("supervisor").await;
    let (s, b) = app
        .get_json_as(&sup, "/api/v1/supervision/alerts?level=legal_overdue")
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(b["total"]["legal_overdue"], 1);
    assert_eq!(b["departments"][0]["code"], "cgj");
    let (_, b) = app
        .get_json_as(&sup, "/api/v1/supervision/alerts?level=green")
        .await;
    assert!(b["alerts"].as_array().unwrap().is_empty());
    let (_, b) = app
        .get_json_as(&sup, "/api/v1/supervision/alerts?department=rsj")
        .await;
    assert!(b["alerts"].as_array().unwrap().is_empty());
    assert_eq!(
        app.get_json_as(&sup, "/api/v1/supervision/alerts?level=blue")
            .await
            .0,
        400
    );
    let clerk = app.token("clerk1").await;
    assert_eq!(
        app.get_json_as(&clerk, "/api/v1/supervision/alerts")
            .await
            .0,
        403
    );
    // The case is due Monday 11-09: on that morning it is yellow, and red by Friday 11-13.
    let (_, b) = app
        .get_json_as(
            &sup,
            "/api/v1/supervision/alerts?at=2026-11-09T09:00:00%2B08:00",
        )
        .await;
    assert_eq!(b["turning_red"].as_array().unwrap().len(), 1, "{b}");
    // The page shows the counts, the trend and the case.
    let page = app
        .client
        .get(app.url("/supervision"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("近 14 天亮灯趋势") && html.contains("/cases/341800-"));
    // 通报: red in November, past the legal deadline in December.
    let (s, nov) = app
        .get_json_as(&sup, "/api/v1/reports/bulletin?month=2026-11")
        .await;
    assert_eq!(s, 200, "{nov}");
    assert_eq!(nov["departments"][0]["code"], "cgj", "{nov}");
    assert_eq!(nov["departments"][0]["turned_red"], 1);
    let (_, dec) = app
        .get_json_as(&sup, "/api/v1/reports/bulletin?month=2026-12")
        .await;
    assert_eq!(dec["departments"][0]["legal_overdue"], 1);
    let r = app
        .client
        .get(app.url("/api/v1/reports/bulletin?month=2026-11&format=xlsx"))
        .bearer_auth(&sup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(r.bytes().await.unwrap().to_vec()))
            .unwrap();
    let sheet = wb.worksheet_range("通报").unwrap();
    assert_eq!(sheet.get_value((2, 2)), Some(&calamine::Data::Float(1.0)));
}

#[tokio::test]
async fn the_board_shows_lapsed_correction_windows_and_long_waits() {
    let app = TestApp::sqlite().await;
    // Received without a decision: the window for a correction notice is 5 working days.
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "receive"});
    let (s, c) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    let no = c["case_no"].as_str().unwrap().to_owned();
    let kiosk = json!({"group": "comprehensive"});
    let clerk = app.token("clerk1").await;
    let (s, t) = app
        .send_json(
            reqwest::Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &kiosk,
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let sup = app.token("supervisor").await;
    let (_, b) = app.get_json_as(&sup, "/api/v1/supervision/alerts").await;
    assert!(b["correction_overdue"].as_array().unwrap().is_empty());
    assert!(b["long_waits"].as_array().unwrap().is_empty());
    // 40 minutes later the ticket is still waiting.
    app.clock.advance(Duration::minutes(40));
    let (_, b) = app.get_json_as(&sup, "/api/v1/supervision/alerts").await;
    assert_eq!(b["long_waits"][0]["number"], t["number"], "{b}");
    assert!(b["long_waits"][0]["minutes"].as_i64().unwrap() >= 40);
    // Monday 11-09: the window (to Monday 11-09) ends today; Tuesday it has lapsed.
    app.clock
        .set(yichuang_testkit::start_instant() + Duration::days(7));
    let sup = app.token("supervisor").await;
    let (_, b) = app.get_json_as(&sup, "/api/v1/supervision/alerts").await;
    assert_eq!(b["correction_overdue"][0]["case_no"], no.as_str(), "{b}");
    assert_eq!(b["correction_overdue"][0]["lapsed"], false);
    app.clock.advance(Duration::days(1));
    let (_, b) = app.get_json_as(&sup, "/api/v1/supervision/alerts").await;
    assert_eq!(b["correction_overdue"][0]["lapsed"], true, "{b}");
}

#[tokio::test]
async fn the_current_step_has_its_own_clock() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (s, c) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["step_light"], "green", "{c}");
    assert_eq!(c["step_used_days"], 0);
    let no = c["case_no"].as_str().unwrap().to_owned();
    // Promised 5 working days: whatever the share of the first step, 6 working days later it is
    // late (red) — a case-level red as well here, but the step clock is reported on its own.
    app.clock
        .set(yichuang_testkit::start_instant() + Duration::days(8));
    let head = app.token("cgj-head").await;
    let (s, c) = app.get_json_as(&head, &format!("/api/v1/cases/{no}")).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["step_light"], "red", "{c}");
    assert!(c["step_used_days"].as_i64().unwrap() > c["step_budget_days"].as_i64().unwrap());
    let page = app
        .client
        .get(app.url(&format!("/cases/{no}")))
        .bearer_auth(&head)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"step-light\""),
        "the case page shows the step clock"
    );
}

#[tokio::test]
async fn sweeps_run_once_per_period() {
    let app = TestApp::sqlite().await;
    assert!(app.core.run_sweeps("this").await.unwrap().ran);
    assert!(!app.core.run_sweeps("other").await.unwrap().ran);
    app.clock.advance(Duration::seconds(30));
    assert!(!app.core.run_sweeps("other").await.unwrap().ran);
    app.clock.advance(Duration::seconds(30));
    let run = app.core.run_sweeps("other").await.unwrap();
    assert_eq!((run.ran, run.failed), (true, 0));
}
