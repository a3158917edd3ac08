//! 好差评 and 电子监察 in real Chromium: the applicant rates a case through the invitation link,
//! the department completes the rectification at its desk, the supervisor reads the board and
//! the 日报.

use serde_json::json;
use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::FIRST_MATTER;
use crate::browser_cases::{click, login, set_field, text};

#[tokio::test]
async fn browser_a_bad_review_is_rectified_and_counted() {
    let Some(b) = browser::start("browser review journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let body = json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (s, c) = crate::api_cases::open(&app, "clerk1", body).await;
    assert_eq!(s, 201, "{c}");
    let no = c["case_no"].as_str().unwrap().to_owned();
    let clerk = app
        .core
        .authenticate(&app.token("clerk1").await)
        .await
        .unwrap();
    let token = app.core.invite_to_rate(&clerk, &no).await.unwrap();
    let d = &b.driver;

    // The applicant, not logged in, rates the handling through the link.
    d.goto(app.url(&format!("/rate/{token}?via=sms")))
        .await
        .unwrap();
    assert_eq!(text(d, "rate-case").await, no);
    d.find(By::Css("input[name=level][value=dissatisfied]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    set_field(d, "textarea[name=comment]", "材料清单与窗口要求不一致").await;
    click(d, "#rate-submit").await;
    assert!(text(d, "rate-thanks").await.contains("感谢您的评价"));

    // The department sees the rectification and completes it.
    login(d, &app, "cgj-head").await;
    d.goto(app.url("/rectifications")).await.unwrap();
    assert!(text(d, "rect-rates").await.contains("整改单 1 件"));
    set_field(d, ".rect-complete input[name=note]", "已统一窗口材料清单").await;
    click(d, ".rect-complete button[type=submit]").await;
    assert!(text(d, "rect-saved").await.contains("已整改"));

    // The supervisor reads the board and the day's report.
    login(d, &app, "supervisor").await;
    d.goto(app.url("/supervision")).await.unwrap();
    assert_eq!(text(d, "count-green").await, "1");
    d.goto(app.url("/reports/daily?date=2026-11-02"))
        .await
        .unwrap();
    assert_eq!(text(d, "total-received").await, "1");
    assert_eq!(text(d, "satisfaction").await, "0.0%");
    b.quit().await;
}
