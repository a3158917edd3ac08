//! 工作量统计 and 窗口配置测算 in real Chromium: the supervisor reads the workload of simulated
//! days, goes from the 日报 to the staffing page, picks the days and a target, and reads the
//! proposal and the model check.

use thirtyfour::prelude::*;
use yichuang_testkit::browser;

use crate::browser_cases::{click, login, set_field, text};

#[tokio::test]
async fn browser_a_supervisor_reads_a_staffing_proposal() {
    let Some(b) = browser::start("browser staffing journey").await else {
        return;
    };
    let app = crate::staffing::simulated(120).await;
    let d = &b.driver;
    login(d, &app, "supervisor").await;
    // The workload of the same days first: heat map, bars and tables.
    d.goto(app.url("/reports/workload?from=2026-11-02&to=2026-11-03"))
        .await
        .unwrap();
    assert!(
        text(d, "workload-days")
            .await
            .contains("有取号的工作日 2 天")
    );
    let cells = d.find_all(By::Css("#workload-heat rect")).await.unwrap();
    assert!(cells.len() >= 6, "{}", cells.len());
    let rows = d
        .find_all(By::Css("#workload-windows tbody tr"))
        .await
        .unwrap();
    assert!(rows.len() >= 5, "{}", rows.len());
    b.screenshot("report-workload").await;
    d.goto(app.url("/reports/daily?date=2026-11-03"))
        .await
        .unwrap();
    click(d, "#staffing-link").await;
    // The default range (the last 30 days of the fake clock) may hold no tickets: pick the days.
    set_field(d, "#staffing-form input[name=from]", "2026-11-02").await;
    set_field(d, "#staffing-form input[name=to]", "2026-11-03").await;
    set_field(d, "#staffing-form input[name=target]", "10").await;
    click(d, "#staffing-form button[type=submit]").await;
    let summary = text(d, "staffing-summary").await;
    assert!(
        summary.contains("读取 2 个有取号的工作日、240 张号"),
        "{summary}"
    );
    assert!(summary.contains("建议配置"), "{summary}");
    let saving = text(d, "staffing-saving").await;
    assert!(saving.contains("人时"), "{saving}");
    // Each queue has a row, with its hours in a table and a chart underneath.
    let queues = d
        .find_all(By::Css("#staffing-queues tbody tr"))
        .await
        .unwrap();
    assert!(queues.len() >= 3, "{}", queues.len());
    let comprehensive = text(d, "staffing-comprehensive").await;
    assert!(comprehensive.contains("09:00–10:00"), "{comprehensive}");
    assert!(
        d.find(By::Css("#staffing-comprehensive svg rect"))
            .await
            .is_ok()
    );
    assert!(text(d, "staffing-check").await.contains("校验通过"));
    let url = d.current_url().await.unwrap();
    assert!(url.as_str().contains("target=10"), "{url}");
    b.screenshot("report-staffing").await;
    b.quit().await;
}
