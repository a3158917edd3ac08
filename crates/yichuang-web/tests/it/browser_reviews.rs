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
    // A second department with a long name, so the report's charts carry a long label.
    let body = json!({"matter_code": "340702003000-341800000000-000-113418000304277265-1-00",
        "applicant": crate::api_cases::person(), "materials": [], "decision": "receive"});
    let (s, v) = crate::api_cases::open(&app, "clerk2", body).await;
    assert_eq!(s, 201, "{v}");
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
    assert_eq!(text(d, "total-received").await, "2");
    assert_eq!(text(d, "satisfaction").await, "0.0%");
    // Every chart label is drawn inside its chart (long department names used to be clipped).
    let outside = d
        .execute(
            "var out = []; document.querySelectorAll('figure.chart svg').forEach(function (svg) {
               var w = svg.viewBox.baseVal.width;
               svg.querySelectorAll('text').forEach(function (t) {
                 var b = t.getBBox(); if (b.x < 0 || b.x + b.width > w + 0.5) out.push(t.textContent);
               });
             }); return out;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        outside.json(),
        &serde_json::json!([]),
        "labels drawn outside their chart"
    );
    let labels = d
        .execute(
            "return document.querySelectorAll('figure.chart svg text').length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        labels.json().as_u64().unwrap_or(0) > 0,
        "the report draws charts"
    );
    b.screenshot("report-daily").await;
    b.quit().await;
}
