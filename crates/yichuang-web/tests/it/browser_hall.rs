//! The hall in real Chromium: kiosk ticket → clerk calls from the desk → the display in another
//! tab shows the number within a second → the pad records a rating.

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

/// Clicks and waits (at most 10 s) until the browser has left the old page.
async fn wait_nav(d: &WebDriver, css: &str) {
    let old = d.find(By::Tag("html")).await.unwrap();
    d.find(By::Css(css)).await.unwrap().click().await.unwrap();
    for _ in 0..400 {
        if old.tag_name().await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let url = d
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("clicking {css} did not navigate (still on {url})");
}

#[tokio::test]
async fn browser_kiosk_desk_display_and_pad() {
    let Some(b) = browser::start("browser hall journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    d.goto(app.url("/display")).await.unwrap();
    let display = d.window().await.unwrap();
    // The display marks itself live once its event stream is connected.
    d.find(By::Css("body[data-live='1']")).await.unwrap();

    let desk = d.new_tab().await.unwrap();
    d.switch_to_window(desk.clone()).await.unwrap();
    d.goto(app.url("/kiosk")).await.unwrap();
    // The kiosk has no site navigation, and its keypad types the ID number.
    assert!(d.find_all(By::Css("header nav")).await.unwrap().is_empty());
    for key in ["3", "4", "X", "back", "1"] {
        d.find(By::Css(format!("#kiosk-keypad [data-key='{key}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let typed = d.find(By::Id("kiosk-id")).await.unwrap();
    assert_eq!(typed.prop("value").await.unwrap().as_deref(), Some("341"));
    d.find(By::Css("#kiosk-keypad [data-key='clear']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(typed.prop("value").await.unwrap().as_deref(), Some(""));
    // The applicant types the ID number on the keypad; the window will not ask again.
    for key in "341802199003071231".chars() {
        d.find(By::Css(format!("#kiosk-keypad [data-key='{key}']")))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    assert_eq!(
        typed.prop("value").await.unwrap().as_deref(),
        Some("341802199003071231")
    );
    b.screenshot("kiosk").await;
    wait_nav(d, "button[name=group][value=comprehensive]").await;
    let number = d
        .find(By::Id("ticket-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(number, "A001");
    assert_eq!(
        d.find(By::Id("waiting-ahead"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "0"
    );

    d.goto(app.url("/login?next=%2Fdesk")).await.unwrap();
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys("clerk1")
        .await
        .unwrap();
    let pw = d.find(By::Name("password")).await.unwrap();
    pw.send_keys("demo").await.unwrap();
    pw.send_keys(Key::Enter).await.unwrap();
    d.find(By::Id("btn-call")).await.unwrap();
    wait_nav(d, "#btn-call").await;
    assert_eq!(
        d.find(By::Id("current-ticket"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "A001"
    );

    d.switch_to_window(display).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let first = d.find(By::Css("#calls li:first-child")).await;
        if let Ok(li) = first {
            let text = li.text().await.unwrap_or_default();
            if text.contains("A001") {
                assert!(text.contains("综合窗口1号"), "{text}");
                break;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the display did not show A001 within a second"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    d.switch_to_window(desk).await.unwrap();
    b.screenshot("desk").await;
    // The intake form of the calling window already holds the number typed at the kiosk.
    d.goto(app.url(&format!("/desk/new?matter={}", crate::FIRST_MATTER)))
        .await
        .unwrap();
    let id = d.find(By::Id("id-number")).await.unwrap();
    assert_eq!(
        id.prop("value").await.unwrap().as_deref(),
        Some("341802199003071231")
    );
    assert!(
        d.find(By::Id("kiosk-id-note"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("请与申请人证件核对")
    );
    d.goto(app.url("/desk")).await.unwrap();
    wait_nav(d, "button[value=start]").await;
    wait_nav(d, "button[value=finish]").await;
    assert!(
        d.find(By::Id("ticket-message"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("已办结")
    );
    d.goto(app.url("/pad/W01")).await.unwrap();
    b.screenshot("pad").await;
    assert_eq!(
        d.find(By::Id("pad-ticket"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "A001"
    );
    wait_nav(d, "#pad-form button[value=satisfied]").await;
    d.find(By::Id("pad-thanks")).await.unwrap();
    let center = app.core.default_center().await.unwrap();
    let evals = app.core.store().evaluations(center.id, 10).await.unwrap();
    assert_eq!(evals.len(), 1);
    assert_eq!(
        (evals[0].level.as_str(), evals[0].channel.as_str()),
        ("satisfied", "pad")
    );
    assert_eq!(evals[0].window.as_deref(), Some("W01"));
    assert_eq!(evals[0].clerk.as_deref(), Some("clerk1"));
    assert_eq!(evals[0].indicators["attitude"], "satisfied");
    b.quit().await;
}
