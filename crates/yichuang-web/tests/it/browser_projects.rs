//! An investment project in real Chromium: the investment window accepts a stage with four
//! matters in three departments, one matter blocks the stage, finishing it completes the stage,
//! and the company follows it from its own account.

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::browser_cases::{click, login, set_field, text};
use crate::projects::{CODE, CREDIT, EIA, LAND_PRE, LAND_USE_PLAN, SITE, approve};

#[tokio::test]
async fn browser_a_stage_with_parallel_matters_blocks_then_completes() {
    let Some(b) = browser::start("browser project journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    login(d, &app, "clerk-inv").await;
    d.goto(app.url("/projects")).await.unwrap();
    click(d, "#btn-new-stage").await;
    set_field(d, "#p-code", CODE).await;
    set_field(d, "#p-name", "宣城新材料产业园一期").await;
    set_field(d, "#p-company", "宣城某新材料有限公司").await;
    set_field(d, "#p-credit", CREDIT).await;
    set_field(d, "#p-contact", "周经理").await;
    set_field(d, "#p-phone", "13800000009").await;
    for code in [SITE, LAND_USE_PLAN, LAND_PRE, EIA] {
        d.find(By::Css(format!("input.stage-matter[value='{code}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    click(d, "#btn-open-stage").await;
    assert_eq!(text(d, "project-code").await, CODE);
    let rows = d.find_all(By::Css(".stage-cases tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 4);
    let light = d.find(By::Css(".stage-light")).await.unwrap();
    assert_eq!(light.text().await.unwrap(), "绿灯");

    // Three departments finish; the land pre-review keeps the stage open.
    let (_, p) = app
        .get_json_as(
            &app.token("clerk-inv").await,
            &format!("/api/v1/projects/{CODE}"),
        )
        .await;
    let no = |code: &str| {
        p["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["matter_code"] == code)
            .unwrap()["case_no"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    approve(&app, "ghj", &no(SITE)).await;
    approve(&app, "ghj", &no(LAND_USE_PLAN)).await;
    approve(&app, "hbj", &no(EIA)).await;
    app.clock.advance(chrono::Duration::days(25));
    login(d, &app, "clerk-inv").await;
    d.goto(app.url(&format!("/projects/{CODE}"))).await.unwrap();
    let blocking = d.find(By::Css(".stage-blocking")).await.unwrap();
    assert!(blocking.text().await.unwrap().contains("建设项目用地预审"));
    assert_eq!(
        d.find(By::Css(".stage-light"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "黄灯"
    );
    assert_eq!(d.find_all(By::Css("tr.blocking")).await.unwrap().len(), 1);

    // The last department finishes: the stage is complete.
    approve(&app, "gtj", &no(LAND_PRE)).await;
    d.goto(app.url(&format!("/projects/{CODE}"))).await.unwrap();
    let done = d.find(By::Css(".stage-done")).await.unwrap();
    assert!(done.text().await.unwrap().contains("全部办结"));
    assert!(
        d.find_all(By::Css(".stage-blocking"))
            .await
            .unwrap()
            .is_empty()
    );

    // The company follows its project from its own account.
    let _ = crate::portal::register_org(&app, "13800000021", "宣城某新材料有限公司", CREDIT).await;
    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/login")).await.unwrap();
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys("13800000021")
        .await
        .unwrap();
    let pw = d.find(By::Name("password")).await.unwrap();
    pw.send_keys("mima-2026-ok").await.unwrap();
    pw.send_keys(Key::Enter).await.unwrap();
    d.find(By::Id("nav-my")).await.unwrap();
    assert!(text(d, "my-projects").await.contains(CODE));
    b.quit().await;
}
