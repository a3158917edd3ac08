//! 一网通办 in real Chromium: register with an SMS code, find the matter by a colloquial
//! question, apply online with uploads, pre-review and acceptance at the desk, approval, the
//! licence in the library and on the applicant's page, and a second application that needs no
//! paper for that licence.

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::browser_cases::{click, login, set_field, text};
use crate::portal::{PDF, TOBACCO_NEW, TOBACCO_RENEW, code_for};

pub(crate) async fn login_applicant(d: &WebDriver, app: &TestApp, phone: &str) {
    d.delete_all_cookies().await.unwrap();
    d.goto(app.url("/login")).await.unwrap();
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys(phone)
        .await
        .unwrap();
    let pw = d.find(By::Name("password")).await.unwrap();
    pw.send_keys("mima-2026-ok").await.unwrap();
    pw.send_keys(Key::Enter).await.unwrap();
    crate::browser_cases::appears(d, "#nav-my").await.unwrap();
}

async fn attach(d: &WebDriver, id: &str, path: &std::path::Path) {
    d.find(By::Id(id))
        .await
        .unwrap()
        .send_keys(path.to_string_lossy().as_ref())
        .await
        .unwrap();
}

#[tokio::test]
async fn browser_register_search_apply_approve_and_reuse_the_licence() {
    let Some(b) = browser::start("browser portal journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    // Build the search index before the browser asks (in a debug build under a loaded test run
    // the first build can outlast the WebDriver's wait for the result page).
    let center = app.core.default_center().await.unwrap();
    app.core
        .search_matters(center.id, "营业执照", None, None, 1)
        .await
        .unwrap();
    // The file to pick lives in the app's own temp directory (beside the stored blobs).
    let pdf = app.files_dir.parent().unwrap().join("材料.pdf");
    std::fs::write(&pdf, PDF).unwrap();
    let d = &b.driver;
    let phone = "13955550001";

    // Register: a code by SMS (read from the admin's outbox), then the real-name form.
    d.goto(app.url("/register")).await.unwrap();
    set_field(d, "#reg-phone", phone).await;
    click(d, "#btn-send-code").await;
    assert!(text(d, "register-message").await.contains("验证码已发送"));
    let code = code_for(&app, phone).await;
    set_field(d, "#reg-code", &code).await;
    set_field(d, "#reg-password", "mima-2026-ok").await;
    set_field(d, "#reg-name", "吴小卖").await;
    set_field(d, "#reg-id", "341802198512124560").await;
    click(d, "#btn-register").await;
    assert!(text(d, "no-cases").await.contains("还没有"));

    // A colloquial question finds the matter; its guide offers 在线办理.
    d.goto(app.url("/")).await.unwrap();
    let q = d.find(By::Name("q")).await.unwrap();
    q.send_keys("开了个便利店，想卖香烟得办什么证")
        .await
        .unwrap();
    q.send_keys(Key::Enter).await.unwrap();
    let link = d
        .find(By::Css(format!("a[href='/matters/{TOBACCO_NEW}']")))
        .await
        .unwrap();
    link.click().await.unwrap();
    click(d, "#btn-online").await;
    // The form fits a phone: no sideways scrolling at 390 px.
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    let wide: bool = d
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(!wide, "the apply form scrolls sideways on a phone");
    d.set_window_rect(0, 0, 1280, 900).await.unwrap();
    for i in 0..4 {
        attach(d, &format!("file-{i}"), &pdf).await;
    }
    click(d, "#btn-apply").await;
    assert_eq!(text(d, "my-status").await, "待预审");
    let url = d.current_url().await.unwrap().to_string();
    let case_no = url.rsplit('/').next().unwrap().to_owned();

    // The clerk pre-reviews and receives it, then accepts.
    login(d, &app, "clerk1").await;
    d.goto(app.url("/desk")).await.unwrap();
    assert!(text(d, "online-queue").await.contains(&case_no));
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    click(d, "#btn-prereview-pass").await;
    assert_eq!(text(d, "case-status").await, "已收件");
    click(d, "#intake-form button[value=accept]").await;
    assert_eq!(text(d, "case-status").await, "已受理");

    // The approver passes 实地核查 as 承办人; 审核 and 决定 go to the department head (the
    // 承办人 may not also review or decide); 制证 back to the approver, who concludes.
    // 受理 is the window's; 实地核查, 审核, 决定, 制证 are the department's four steps.
    login(d, &app, "ycj-approver").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    click(d, "#btn-pass").await;
    click(d, "#btn-pass").await;
    assert!(text(d, "action-error").await.contains("职责分离"));
    login(d, &app, "ycj-head").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    for _ in 0..2 {
        click(d, "#btn-pass").await;
    }
    assert_eq!(text(d, "case-step").await, "制证");
    login(d, &app, "ycj-approver").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    click(d, "#btn-pass").await;
    click(d, "#conclude-form button[type=submit]").await;
    assert_eq!(text(d, "case-status").await, "已办结");

    // The licence is in the library and on the applicant's page.
    let clerk = app.token("clerk1").await;
    let (_, lic) = app
        .get_json_as(&clerk, "/api/v1/licenses?holder_id=341802198512124560")
        .await;
    let number = lic[0]["number"]
        .as_str()
        .expect("issued licence")
        .to_owned();
    login_applicant(d, &app, phone).await;
    d.goto(app.url("/my")).await.unwrap();
    assert!(text(d, "my-licenses").await.contains(&number));

    // 一事一评 on the applicant's own page, then an appointment at the hall.
    d.goto(app.url(&format!("/my/cases/{case_no}")))
        .await
        .unwrap();
    assert!(text(d, "my-notices").await.contains("决定书"));
    d.find(By::Css("#rate-form input[value=very_satisfied]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(d, "#btn-rate").await;
    assert!(text(d, "my-flash").await.contains("感谢"));
    assert!(text(d, "rated").await.contains("已评价"));
    d.goto(app.url("/my/appointments")).await.unwrap();
    click(d, "#slots .book-slot").await;
    assert!(text(d, "booked").await.contains("已预约 2026-11-03"));

    // Renewal: the licence item is checked against the library, no upload.
    d.goto(app.url(&format!("/apply/{TOBACCO_RENEW}")))
        .await
        .unwrap();
    let ok = d.find(By::Css(".license-ok")).await.unwrap();
    assert!(ok.text().await.unwrap().contains(&number));
    attach(d, "file-0", &pdf).await;
    attach(d, "file-2", &pdf).await;
    click(d, "#btn-apply").await;
    assert_eq!(text(d, "my-status").await, "待预审");
    assert!(text(d, "my-materials").await.contains("已通过证照库核验"));
    b.quit().await;
}
