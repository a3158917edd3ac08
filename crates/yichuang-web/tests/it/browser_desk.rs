//! The window's electronic materials in real Chromium: a scan and a document-camera photo at
//! intake, the ID-card reader filling the applicant, the approver viewing the images inline and
//! saying which were examined, and the decision by a second person.

use std::time::Duration;

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::browser_cases::{click, login, open_intake, set_field, text};

const SCAN: &[u8] = include_bytes!("fixtures/scan.png");

/// Waits until a hidden input has a value (an upload finished) and returns it.
async fn wait_value(d: &WebDriver, id: &str) -> String {
    for _ in 0..400 {
        let v = d
            .find(By::Id(id))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        if !v.is_empty() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let status = d.source().await.unwrap_or_default();
    panic!(
        "#{id} got no value; page: {}",
        &status[..status.len().min(3000)]
    );
}

/// Clicks a control that does not leave the page.
async fn tap(d: &WebDriver, css: &str) {
    d.find(By::Css(css)).await.unwrap().click().await.unwrap();
}

/// Whether an image on the page has been loaded and decoded.
async fn image_shown(d: &WebDriver, css: &str) -> bool {
    let el = d.find(By::Css(css)).await.unwrap();
    for _ in 0..200 {
        let ret = d
            .execute(
                "return arguments[0].complete && arguments[0].naturalWidth;",
                vec![el.to_json().unwrap()],
            )
            .await
            .unwrap();
        if ret.json().as_u64().unwrap_or(0) > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    false
}

/// A4 portrait with 1 cm margins, nothing shrunk to fit.
fn a4() -> thirtyfour::common::print::PrintParameters {
    thirtyfour::common::print::PrintParameters {
        page: thirtyfour::common::print::PrintPage {
            width: 21.0,
            height: 29.7,
        },
        shrink_to_fit: false,
        ..Default::default()
    }
}

/// Pages of a PDF Chromium printed: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

#[tokio::test]
async fn browser_a_scan_at_intake_is_seen_by_the_approver_and_decided_by_another() {
    let Some(b) = browser::start("browser scanned materials journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("身份证复印件.png");
    std::fs::write(&scan, SCAN).unwrap();

    login(d, &app, "clerk1").await;
    open_intake(d, &app).await;
    // Nothing was preselected: the page shows 请选择 before the helper chose.
    let token = app.token("clerk1").await;
    let (_, form) = app
        .get_text_as(&token, &format!("/desk/new?matter={}", crate::FIRST_MATTER))
        .await;
    assert!(form.contains("<option value=\"\" selected>请选择</option>"));
    assert!(!form.contains("value=\"original\" selected"));

    // The ID-card reader of window W01 posts a card; the button fills the applicant.
    let posted = d
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch('/api/v1/desk/id-card', {method: 'POST', headers: {'Content-Type': 'application/json'},
               body: JSON.stringify({name: '李四', id_number: '110105194912310021'})})
               .then(function (r) { done(r.status); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        posted.json().as_u64(),
        Some(400),
        "a bad check digit is refused"
    );
    let posted = d
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch('/api/v1/desk/id-card', {method: 'POST', headers: {'Content-Type': 'application/json'},
               body: JSON.stringify({name: '李四', id_number: '11010519491231002X', address: '安徽省宣城市'})})
               .then(function (r) { done(r.status); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(posted.json().as_u64(), Some(202));
    tap(d, "#read-id-card").await;
    for _ in 0..200 {
        if text(d, "id-card-status").await.contains("已从身份证读取") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(text(d, "id-card-status").await.contains("李四"));
    let name = d.find(By::Id("applicant-name")).await.unwrap();
    assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("李四"));
    assert!(text(d, "id-hint").await.contains("校验通过"));

    // Item 1: a scan from a file; item 2: a photo from the document camera.
    d.find(By::Css("input[data-scan-for='0']"))
        .await
        .unwrap()
        .send_keys(scan.to_string_lossy())
        .await
        .unwrap();
    let scan_id = wait_value(d, "file-0").await;
    assert!(text(d, "scan-status-0").await.contains("已留存"));
    tap(d, "button[data-camera-for='1']").await;
    // The fake camera needs a moment to deliver its first frame.
    for _ in 0..200 {
        let ready = d
            .execute(
                "var v = document.getElementById('camera-video'); return v.videoWidth > 0 && !document.getElementById('camera').hidden;",
                vec![],
            )
            .await
            .unwrap();
        if ready.json().as_bool() == Some(true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tap(d, "#camera-shot").await;
    let photo_id = wait_value(d, "file-1").await;
    assert_ne!(scan_id, photo_id);
    set_field(d, "select[name=mode_1]", "copy").await;
    b.screenshot("desk-intake-with-scans").await;
    click(d, "button[value=accept]").await;
    assert_eq!(text(d, "case-status").await, "已受理");
    let case_no = text(d, "case-no").await;

    // The notices handed out print on one A4 page each.
    for kind in ["receipt", "acceptance"] {
        d.goto(app.url(&format!("/api/v1/cases/{case_no}/notices/{kind}")))
            .await
            .unwrap();
        if kind == "acceptance" {
            assert!(
                text(d, "notice-items")
                    .await
                    .contains("营业执照（已收复印件）")
            );
            b.screenshot("notice-acceptance").await;
        }
        let pdf = d.print_page(a4()).await.unwrap();
        assert_eq!(
            pdf_pages(&pdf),
            1,
            "the {kind} notice runs past one A4 page"
        );
    }

    // The approver views both inline and says so with the decision.
    login(d, &app, "cgj-approver").await;
    d.goto(app.url("/office")).await.unwrap();
    click(d, &format!("a[href='/cases/{case_no}']")).await;
    assert!(
        image_shown(d, "#material-view-0 img").await,
        "the scan shows in the page"
    );
    assert!(
        image_shown(d, "#material-view-1 img").await,
        "the photo shows in the page"
    );
    b.screenshot("office-case-with-materials").await;
    for i in [0, 1] {
        d.find(By::Css(format!("input[name=seen_{i}]")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    click(d, "#btn-pass").await;
    assert_eq!(text(d, "case-step").await, "决定");
    let timeline = text(d, "timeline").await;
    assert!(timeline.contains("查阅电子材料"), "{timeline}");

    // A second person decides; the 承办人 may not (separation of duties).
    login(d, &app, "cgj-head").await;
    d.goto(app.url(&format!("/cases/{case_no}"))).await.unwrap();
    assert!(image_shown(d, "#material-view-0 img").await);
    for step in ["制证", "送达", "待办结"] {
        click(d, "#btn-pass").await;
        assert_eq!(text(d, "case-step").await, step);
    }
    tap(d, "#conclude-form input[name=seen_0]").await;
    d.find(By::Css("#conclude-form input[name=reason]"))
        .await
        .unwrap()
        .send_keys("材料齐全，符合条件")
        .await
        .unwrap();
    click(d, "#conclude-form button[type=submit]").await;
    assert_eq!(text(d, "case-status").await, "已办结");
    let timeline = text(d, "timeline").await;
    assert!(timeline.matches("查阅电子材料").count() >= 2, "{timeline}");
    b.quit().await;
}
