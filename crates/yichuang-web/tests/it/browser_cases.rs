//! Case journeys in real Chromium: window → back office → issuance → public progress, and the
//! correction journey with acceptance dated at the supplement.

use chrono::Duration;
use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::FIRST_MATTER;

pub(crate) async fn login(d: &WebDriver, app: &TestApp, user: &str) {
    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/login")).await.unwrap();
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    let pw = d.find(By::Name("password")).await.unwrap();
    pw.send_keys("demo").await.unwrap();
    pw.send_keys(Key::Enter).await.unwrap();
    if let Err(e) = appears(d, "header .who span").await {
        // Say where the browser got stuck: an intermittent hang here is still unexplained.
        let url = d
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let source: String = d
            .source()
            .await
            .unwrap_or_default()
            .chars()
            .take(2000)
            .collect();
        panic!("login of {user} did not finish on {url}: {e}\n{source}");
    }
}

/// Waits (up to 10 s) for an element: a key press that submits a form does not wait for the
/// page it loads, and looking too early finds the old page.
pub(crate) async fn appears(d: &WebDriver, css: &str) -> WebDriverResult<WebElement> {
    let mut last = None;
    for _ in 0..400 {
        match d.find(By::Css(css)).await {
            Ok(el) => return Ok(el),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    match last {
        Some(e) => Err(e),
        None => d.find(By::Css(css)).await,
    }
}

pub(crate) async fn text(d: &WebDriver, id: &str) -> String {
    match d.find(By::Id(id)).await {
        Ok(el) => el.text().await.unwrap(),
        Err(e) => {
            let url = d
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            let source = d.source().await.unwrap_or_default();
            let excerpt: String = source.chars().take(3000).collect();
            panic!("#{id} not found on {url}: {e}\n{excerpt}");
        }
    }
}

async fn submit_form(d: &WebDriver, form_css: &str) {
    click(d, &format!("{form_css} button[type=submit]")).await;
}

pub(crate) async fn set_field(d: &WebDriver, css: &str, value: &str) {
    let el = d.find(By::Css(css)).await.unwrap();
    d.execute(
        "arguments[0].value = arguments[1];",
        vec![el.to_json().unwrap(), serde_json::json!(value)],
    )
    .await
    .unwrap();
}

/// Clicks a control that submits a form and waits until the browser has left the old page: a
/// WebDriver click does not wait for the navigation it starts, and reading the next page too
/// early finds the old one.
pub(crate) async fn click(d: &WebDriver, css: &str) {
    let old = d.find(By::Tag("html")).await.unwrap();
    d.find(By::Css(css)).await.unwrap().click().await.unwrap();
    for _ in 0..400 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    // Say why: a field the browser's own validation refused keeps the form from posting.
    let invalid = d
        .execute(
            "return Array.from(document.querySelectorAll(':invalid')).map(function (e) { return (e.name || e.id || e.tagName) + ': ' + e.validationMessage; });",
            vec![],
        )
        .await
        .map(|r| r.json().to_string())
        .unwrap_or_default();
    panic!("clicking {css} did not navigate; invalid fields: {invalid}");
}

/// Moves the fake clock; sessions last 12 hours, so the user logs in again and reopens the case.
async fn later(d: &WebDriver, app: &TestApp, user: &str, case_no: &str, by: Duration) {
    app.clock.advance(by);
    login(d, app, user).await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
}

/// Chooses how every checklist item was provided (the form preselects nothing).
pub(crate) async fn check_all_materials(d: &WebDriver, mode: &str) {
    d.execute(
        "var m = arguments[0]; document.querySelectorAll('select[name^=mode_]').forEach(function (s) { s.value = m; });",
        vec![serde_json::json!(mode)],
    )
    .await
    .unwrap();
}

pub(crate) async fn open_intake(d: &WebDriver, app: &TestApp) {
    d.goto(app.url("/desk")).await.unwrap();
    let q = d.find(By::Name("q")).await.unwrap();
    q.send_keys("建筑垃圾").await.unwrap();
    q.send_keys(Key::Enter).await.unwrap();
    click(d, &format!("a[href='/desk/new?matter={FIRST_MATTER}']")).await;
    d.find(By::Name("applicant_name"))
        .await
        .unwrap()
        .send_keys("张三")
        .await
        .unwrap();
    let id = d.find(By::Id("id-number")).await.unwrap();
    id.send_keys("110105194912310021").await.unwrap();
    assert!(
        text(d, "id-hint").await.contains("校验位不正确"),
        "live validation flags a bad check digit"
    );
    id.clear().await.unwrap();
    id.send_keys("11010519491231002X").await.unwrap();
    assert!(text(d, "id-hint").await.contains("校验通过"));
    d.find(By::Name("applicant_phone"))
        .await
        .unwrap()
        .send_keys("13912345678")
        .await
        .unwrap();
    check_all_materials(d, "original").await;
}

#[tokio::test]
async fn browser_a_promised_matter_goes_from_window_to_delivery() {
    let Some(b) = browser::start("browser case journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    login(d, &app, "clerk1").await;
    open_intake(d, &app).await;
    click(d, "button[value=accept]").await;
    assert_eq!(text(d, "case-status").await, "已受理");
    let case_no = text(d, "case-no").await;
    assert_eq!(text(d, "due-promised").await, "2026-11-09");

    login(d, &app, "cgj-approver").await;
    d.goto(app.url("/office")).await.unwrap();
    click(d, &format!("a[href='/cases/{case_no}']")).await;
    click(d, "#btn-pass").await;
    assert_eq!(text(d, "case-step").await, "决定");
    later(d, &app, "cgj-approver", &case_no, Duration::days(1)).await;
    set_field(d, "#suspend-form select[name=procedure]", "site_survey").await;
    d.find(By::Css("#suspend-form input[name=reason]"))
        .await
        .unwrap()
        .send_keys("现场勘验消纳场所")
        .await
        .unwrap();
    submit_form(d, "#suspend-form").await;
    assert_eq!(text(d, "case-status").await, "特别程序中");
    later(d, &app, "cgj-approver", &case_no, Duration::days(2)).await;
    click(d, "#btn-resume").await;
    assert_eq!(text(d, "due-promised").await, "2026-11-11");
    set_field(d, "#extension-form input[name=days]", "3").await;
    d.find(By::Css("#extension-form input[name=reason]"))
        .await
        .unwrap()
        .send_keys("需征求相关部门意见")
        .await
        .unwrap();
    submit_form(d, "#extension-form").await;
    assert!(text(d, "flash").await.contains("已保存"));

    login(d, &app, "cgj-head").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    submit_form(d, "#approve-extension").await;
    assert_eq!(text(d, "due-promised").await, "2026-11-16");
    // 决定 by another person than the 承办人 who passed 审查 (separation of duties).
    click(d, "#btn-pass").await;
    assert_eq!(text(d, "case-step").await, "制证");

    login(d, &app, "cgj-approver").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    for step in ["送达", "待办结"] {
        click(d, "#btn-pass").await;
        assert_eq!(text(d, "case-step").await, step);
    }
    d.find(By::Css("#conclude-form input[name=reason]"))
        .await
        .unwrap()
        .send_keys("符合条件")
        .await
        .unwrap();
    submit_form(d, "#conclude-form").await;
    assert_eq!(text(d, "case-status").await, "已办结");

    login(d, &app, "issuer").await;
    d.goto(app.url("/issuance")).await.unwrap();
    click(d, &format!("a[href='/cases/{case_no}']")).await;
    d.find(By::Css("#deliver-actions input[name=recipient]"))
        .await
        .unwrap()
        .send_keys("张三（身份证已核验）")
        .await
        .unwrap();
    click(d, "#btn-pickup").await;
    assert_eq!(text(d, "case-status").await, "已送达");
    let timeline = text(d, "timeline").await;
    for label in [
        "收件",
        "受理",
        "特别程序开始",
        "特别程序结束",
        "申请延期",
        "批准延期",
        "办结",
        "送达",
    ] {
        assert!(
            timeline.contains(label),
            "{label} missing from the timeline"
        );
    }

    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/progress")).await.unwrap();
    d.find(By::Name("case_no"))
        .await
        .unwrap()
        .send_keys(&case_no)
        .await
        .unwrap();
    let name = d.find(By::Name("name")).await.unwrap();
    name.send_keys("张三").await.unwrap();
    name.send_keys(Key::Enter).await.unwrap();
    assert_eq!(text(d, "progress-status").await, "已送达");
    b.quit().await;
}

#[tokio::test]
async fn browser_a_correction_notice_then_supplement_then_acceptance() {
    let Some(b) = browser::start("browser correction journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    login(d, &app, "clerk2").await;
    open_intake(d, &app).await;
    for i in [2, 3, 4] {
        set_field(d, &format!("select[name=mode_{i}]"), "missing").await;
    }
    click(d, "button[value=request_correction]").await;
    assert_eq!(text(d, "case-status").await, "待补正");
    let case_no = text(d, "case-no").await;
    let notices = text(d, "notices").await;
    assert!(notices.contains("一次性告知书"));
    later(d, &app, "clerk2", &case_no, Duration::days(2)).await;
    // 补正登记: nothing preselected (the browser will not post an unchosen item); a scan of
    // one supplied item is kept and shown to the approver like an intake scan.
    let unchosen: i64 = d
        .execute(
            "return Array.from(document.querySelectorAll('#supplement-form select')).filter(function (s) { return s.value === ''; }).length;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(unchosen, 3, "every supplied item starts at 请选择");
    let scan = app.files_dir.parent().unwrap().join("补正扫描件.png");
    std::fs::write(&scan, include_bytes!("fixtures/scan.png")).unwrap();
    d.find(By::Css("#supplement-form input[data-scan-for='2']"))
        .await
        .unwrap()
        .send_keys(scan.to_string_lossy().as_ref())
        .await
        .unwrap();
    for _ in 0..400 {
        if text(d, "scan-status-2").await.contains("已留存") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(text(d, "scan-status-2").await.contains("已留存"));
    for i in [2, 3, 4] {
        set_field(
            d,
            &format!("#supplement-form select[name=mode_{i}]"),
            "original",
        )
        .await;
    }
    submit_form(d, "#supplement-form").await;
    assert_eq!(text(d, "case-status").await, "已收件");
    d.find(By::Css("#material-view-2 img")).await.unwrap();
    later(d, &app, "clerk3", &case_no, Duration::days(1)).await;
    click(d, "#intake-form button[value=accept]").await;
    assert_eq!(text(d, "case-status").await, "已受理");
    let facts = text(d, "case-facts").await;
    assert!(
        facts.contains("2026-11-04"),
        "accepted on the supplement day: {facts}"
    );
    assert_eq!(text(d, "due-promised").await, "2026-11-11");
    let explanation = text(d, "explanation").await;
    assert!(explanation.contains("补正材料收齐之日"));
    d.goto(app.url(&format!("/api/v1/cases/{case_no}/notices/correction")))
        .await
        .unwrap();
    let items = text(d, "notice-items").await;
    assert!(items.contains("建筑垃圾处置方案") && items.contains("消纳场所证明材料"));
    b.quit().await;
}

#[tokio::test]
async fn browser_a_supervision_order_and_its_reply_show_on_the_timeline() {
    let Some(b) = browser::start("browser supervision order journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let body = serde_json::json!({"matter_code": FIRST_MATTER, "applicant": crate::api_cases::person(),
        "materials": crate::api_cases::all_materials(), "decision": "accept"});
    let (_, c) = crate::api_cases::open(&app, "clerk1", body).await;
    let case_no = c["case_no"].as_str().unwrap().to_owned();
    let d = &b.driver;
    login(d, &app, "supervisor").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    d.find(By::Css("#order-form input[name=content]"))
        .await
        .unwrap()
        .send_keys("请说明进度并加快办理")
        .await
        .unwrap();
    submit_form(d, "#order-form").await;
    assert!(text(d, "flash").await.contains("已下达督办单"));
    login(d, &app, "cgj-approver").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    d.find(By::Css(".reply-form input[name=content]"))
        .await
        .unwrap()
        .send_keys("已组织核查，本周办结")
        .await
        .unwrap();
    submit_form(d, ".reply-form").await;
    assert!(text(d, "flash").await.contains("已回复督办单"));
    let timeline = text(d, "timeline").await;
    assert!(
        timeline.contains("督办") && timeline.contains("请说明进度并加快办理"),
        "{timeline}"
    );
    assert!(
        timeline.contains("督办回复") && timeline.contains("已组织核查，本周办结"),
        "{timeline}"
    );
    b.quit().await;
}
