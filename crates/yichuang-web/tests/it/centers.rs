//! Several centers in one installation: the demo's city center, sub-center and township; a
//! township agency (代办) case from the township to delivery at the city center; reports per
//! center and rolled up.

use reqwest::Method;
use serde_json::{Value, json};
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::{act, all_materials, person};

async fn ticket(app: &TestApp, clerk: &str, group: &str) {
    let token = app.token(clerk).await;
    let (s, v) = app
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&token),
            &json!({"group": group}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
}

async fn daily(app: &TestApp, user: &str, center: &str) -> (u16, Value) {
    let token = app.token(user).await;
    app.get_json_as(
        &token,
        &format!("/api/v1/reports/daily?date=2026-11-02&center={center}"),
    )
    .await
}

#[tokio::test]
async fn the_demo_has_a_city_a_sub_center_and_a_township() {
    let app = TestApp::sqlite().await;
    let (s, v) = app.get_json("/api/v1/centers").await;
    assert_eq!(s, 200);
    let kinds: Vec<(&str, &str, Option<&str>)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
                c["parent"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("341800", "city", None),
            ("341800-JT", "sub_center", Some("341800")),
            ("341802-SY", "township", Some("341800")),
        ]
    );
    // Each has its own queue.
    let (_, q) = app.get_json("/api/v1/queue/status?center=341802-SY").await;
    let groups: Vec<&str> = q["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["comprehensive"]);
    let (s, _) = app.get_json("/api/v1/queue/status?center=nope").await;
    assert_eq!(s, 404);
    // … and its own hall screen and kiosk.
    let (s, screen) = app.get_text("/display?center=341802-SY").await;
    assert_eq!(s, 200);
    // The screen's own windows travel in a data attribute (HTML-escaped JSON) for app.js.
    let windows = screen
        .split("data-windows=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .replace("&quot;", "\"")
        .replace("&#34;", "\"");
    assert!(
        screen.contains("水阳镇便民服务中心") && windows == "[\"SY01\"]",
        "{windows}"
    );
    let (_, kiosk) = app.get_text("/kiosk?center=341800-JT").await;
    assert!(kiosk.contains("value=\"transport\"") && !kiosk.contains("value=\"comprehensive\""));
}

#[tokio::test]
async fn a_township_takes_a_city_matter_as_agent_and_follows_it_to_delivery() {
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "receive", "submit_to": "341800"});
    // A city clerk cannot submit "up" to a township.
    let mut wrong = body.clone();
    wrong["submit_to"] = json!("341802-SY");
    let (s, _) = crate::api_cases::open(&app, "clerk1", wrong).await;
    assert_eq!(s, 403);

    let (s, c) = crate::api_cases::open(&app, "sy-clerk", body).await;
    assert_eq!(s, 201, "{c}");
    assert_eq!(c["status"], "submitted");
    assert_eq!(c["window"], "SY01");
    let no = c["case_no"].as_str().unwrap().to_owned();
    assert!(no.starts_with("341800-20261102-"), "{no}");
    let sy = app.token("sy-clerk").await;
    let (_, mine) = app.get_json_as(&sy, "/api/v1/agency/cases").await;
    assert_eq!(mine[0]["case_no"], no.as_str());

    // The city center pre-reviews, accepts, decides and delivers.
    let clerk = app.token("clerk1").await;
    for action in ["receive", "accept"] {
        let (s, v) = act(&app, &clerk, &no, json!({"action": action})).await;
        assert_eq!(s, 200, "{v}");
    }
    let approver = app.token("cgj-approver").await;
    crate::api_cases::pass_all_steps(&app, "cgj", &no).await;
    let (s, v) = act(
        &app,
        &approver,
        &no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let issuer = app.token("issuer").await;
    let (s, v) = act(
        &app,
        &issuer,
        &no,
        json!({"action": "deliver", "method": "pickup", "recipient": "张三"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    // The township follows it to the end; another township clerk's center does not see it.
    let (s, v) = app.get_json_as(&sy, &format!("/api/v1/cases/{no}")).await;
    assert_eq!((s, v["status"].as_str()), (200, Some("delivered")));
    let jt = app.token("jt-clerk").await;
    let (s, _) = app.get_json_as(&jt, &format!("/api/v1/cases/{no}")).await;
    assert_eq!(s, 403);
    // The township clerk cannot act on the city's case.
    let (s, _) = act(&app, &sy, &no, json!({"action": "withdraw", "reason": "x"})).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn reports_roll_up_across_centers_as_the_sum_of_each() {
    let app = TestApp::sqlite().await;
    ticket(&app, "clerk1", "comprehensive").await;
    ticket(&app, "clerk1", "comprehensive").await;
    ticket(&app, "sy-clerk", "comprehensive").await;
    ticket(&app, "jt-clerk", "transport").await;
    ticket(&app, "jt-clerk", "transport").await;
    ticket(&app, "jt-clerk", "transport").await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": person(),
        "materials": all_materials(), "decision": "accept"});
    let (s, _) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201);

    let (s, city) = daily(&app, "admin", "341800").await;
    assert_eq!(s, 200, "{city}");
    let (_, sub) = daily(&app, "admin", "341800-JT").await;
    let (_, town) = daily(&app, "admin", "341802-SY").await;
    let (_, all) = daily(&app, "admin", "all").await;
    for path in [
        ["tickets", "issued"],
        ["cases", "received"],
        ["cases", "accepted"],
    ] {
        let get = |v: &Value| v[path[0]][path[1]].as_i64().unwrap_or(0);
        assert_eq!(
            get(&all),
            get(&city) + get(&sub) + get(&town),
            "{path:?}: {all}"
        );
    }
    assert_eq!(all["tickets"]["issued"], 6);
    assert_eq!(town["tickets"]["issued"], 1);
    assert_eq!(sub["tickets"]["issued"], 3);

    // A township reads its own report and its own roll-up, not the city's.
    let (s, _) = daily(&app, "sy-admin", "341800").await;
    assert_eq!(s, 403);
    let (s, own) = daily(&app, "sy-admin", "all").await;
    assert_eq!(s, 200);
    assert_eq!(own["tickets"]["issued"], 1);
    // The 日报 page offers the centers below and the roll-up.
    let admin = app.token("admin").await;
    let page = app
        .client
        .get(app.url("/reports/daily?date=2026-11-02&center=all"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("宣州区水阳镇便民服务中心") && page.contains("全部（汇总）"));
    assert!(page.contains("含下属 2 个中心"), "{page}");
}
