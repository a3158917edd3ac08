//! Journeys in real Chromium (skipped without chromium and chromium-driver; failing in CI).

use thirtyfour::prelude::*;
use yichuang_testkit::{TestApp, browser};

use crate::FIRST_MATTER;

#[tokio::test]
async fn browser_a_citizen_finds_a_guide_and_reads_its_materials() {
    let Some(b) = browser::start("browser guide journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    d.goto(app.url("/")).await.unwrap();
    let search = d.find(By::Name("q")).await.unwrap();
    search.send_keys("建筑垃圾").await.unwrap();
    search.send_keys(Key::Enter).await.unwrap();
    let old = d.find(By::Tag("html")).await.unwrap();
    let link = d.find(By::LinkText("城市建筑垃圾处置核准")).await.unwrap();
    link.click().await.unwrap();
    // The click does not wait for the navigation it starts.
    while old.tag_name().await.is_ok() {
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        d.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with(FIRST_MATTER)
    );
    let rows = d.find_all(By::Css("#materials tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 6);
    let text = d
        .find(By::Id("materials"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("城市建筑垃圾处置核准申请表"));
    assert!(text.contains("营业执照"));
    let h1 = d.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "城市建筑垃圾处置核准");
    d.find(By::Id("large-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let class = d
        .find(By::Tag("html"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(class.as_deref(), Some("large"));
    b.quit().await;
}

#[tokio::test]
async fn browser_an_administrator_logs_in_and_marks_a_holiday() {
    let Some(b) = browser::start("browser calendar journey").await else {
        return;
    };
    let app = TestApp::sqlite().await;
    let d = &b.driver;
    d.goto(app.url("/admin/calendar?month=2026-12"))
        .await
        .unwrap();
    assert!(
        d.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/login?next=")
    );
    assert!(d.find(By::Id("demo-accounts")).await.is_ok());
    d.find(By::Name("username"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    let pw = d.find(By::Name("password")).await.unwrap();
    pw.send_keys("demo").await.unwrap();
    pw.send_keys(Key::Enter).await.unwrap();
    let h1 = d.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "工作日历 · 2026年12月");
    let form = d.find(By::Id("day-form")).await.unwrap();
    let day = form.find(By::Name("day")).await.unwrap();
    // Date inputs take the value typed as digits in the locale's order; set it directly.
    d.execute(
        "arguments[0].value = '2026-12-02';",
        vec![day.to_json().unwrap()],
    )
    .await
    .unwrap();
    form.find(By::Name("note"))
        .await
        .unwrap()
        .send_keys("地方节日")
        .await
        .unwrap();
    // Wait for the navigation the submit starts before looking for its result.
    crate::browser_cases::click(d, "#day-form button[type=submit]").await;
    let flash = d.find(By::Id("flash")).await.unwrap().text().await.unwrap();
    assert!(flash.contains("2026-12-02"));
    let cell = d.find(By::Css("td[data-day='2026-12-02']")).await.unwrap();
    assert!(cell.text().await.unwrap().contains("地方节日"));
    assert_eq!(cell.attr("class").await.unwrap().as_deref(), Some("off"));
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-01&days=1")
        .await;
    assert_eq!(v["date"], "2026-12-03");
    b.quit().await;
}
