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
    for (at, light, legal) in steps {
        app.clock.set(yichuang_testkit::start_instant() + at);
        let (a, b) = tokio::join!(app.core.sweep_lights(), app.core.sweep_lights());
        let again = app.core.sweep_lights().await.unwrap();
        assert_eq!(
            a.unwrap() + b.unwrap() + again,
            1,
            "{light}: one change, recorded once"
        );
        let events = app.core.store().events_for("case", &no).await.unwrap();
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
    assert_eq!(list.as_array().unwrap().len(), 4);
    assert!(
        list[0]["message"]
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
