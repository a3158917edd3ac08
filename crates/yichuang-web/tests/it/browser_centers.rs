//! Township agency (代办) in real Chromium: the 水阳镇 clerk finds a city-level matter, checks
//! the materials and submits it to the city center; the city pre-reviews and accepts; the result
//! is delivered at the city center and the township sees it delivered.

use serde_json::json;
use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::FIRST_MATTER;
use crate::api_cases::act;
use crate::browser_cases::{click, login, text};

#[tokio::test]
async fn browser_a_township_submits_as_agent_and_follows_to_delivery() {
    let Some(b) = browser::start("browser township agency journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    login(d, &app, "sy-clerk").await;
    d.goto(app.url("/desk")).await.unwrap();
    let q = d.find(By::Name("aq")).await.unwrap();
    q.send_keys("建筑垃圾处置").await.unwrap();
    q.send_keys(Key::Enter).await.unwrap();
    click(
        d,
        &format!("a[href='/desk/new?matter={FIRST_MATTER}&submit_to=341800']"),
    )
    .await;
    assert!(text(d, "agency-note").await.contains("宣城市政务服务中心"));
    for (name, value) in [
        ("applicant_name", "张三"),
        ("applicant_id_number", "11010519491231002X"),
        ("applicant_phone", "13912345678"),
    ] {
        d.find(By::Name(name))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    crate::browser_cases::check_all_materials(d, "original").await;
    click(d, "#btn-agency-submit").await;
    assert_eq!(text(d, "case-status").await, "待预审");
    let case_no = text(d, "case-no").await;
    assert!(case_no.starts_with("341800-"));
    // The township follows the case but has no actions on it.
    assert!(
        d.find_all(By::Id("prereview-form"))
            .await
            .unwrap()
            .is_empty()
    );

    // The city center pre-reviews and accepts it at its desk.
    login(d, &app, "clerk1").await;
    d.goto(app.url("/desk")).await.unwrap();
    assert!(text(d, "online-queue").await.contains(&case_no));
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    click(d, "#btn-prereview-pass").await;
    click(d, "#intake-form button[value=accept]").await;
    assert_eq!(text(d, "case-status").await, "已受理");

    // The department decides; the result is delivered at the city's issuance window.
    let approver = app.token("cgj-approver").await;
    crate::api_cases::pass_all_steps(&app, "cgj", &case_no).await;
    act(
        &app,
        &approver,
        &case_no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await;
    let issuer = app.token("issuer").await;
    let (s, v) = act(
        &app,
        &issuer,
        &case_no,
        json!({"action": "deliver", "method": "pickup", "recipient": "张三"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    // Back at the township: the 代办件 list shows it delivered.
    login(d, &app, "sy-clerk").await;
    d.goto(app.url("/desk")).await.unwrap();
    let cases = text(d, "agency-cases").await;
    assert!(
        cases.contains(&case_no) && cases.contains("已送达"),
        "{cases}"
    );
    b.quit().await;
}
