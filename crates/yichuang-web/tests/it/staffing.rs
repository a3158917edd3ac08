//! 窗口配置测算 over days the product itself simulated: the tickets read back as arrivals and
//! service times, the plan in force recovered from what the windows did, the replay under that
//! plan within ±20 % of the measured waits, and a proposal that meets the target.

use chrono::NaiveDate;
use yichuang_core::simulate::Plan;
use yichuang_testkit::TestApp;

const FROM: &str = "2026-11-02";
const TO: &str = "2026-11-03";

/// Two simulated hall days of `visitors` each (2026-11-02 and 03).
pub(crate) async fn simulated(visitors: u32) -> TestApp {
    let app = TestApp::sqlite().await;
    let plan = Plan {
        start: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        days: 2,
        visitors_per_day: visitors,
        seed: 2026,
    };
    let s = app.core.simulate(&app.clock, &plan, &|_| {}).await.unwrap();
    assert_eq!(s.days, 2);
    app
}

#[tokio::test]
async fn staffing_of_simulated_days_is_validated_and_meets_the_target() {
    let app = simulated(200).await;
    let center = app.core.default_center().await.unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let history = app
        .core
        .hall_history(center.id, d(FROM), d(TO))
        .await
        .unwrap();
    assert_eq!(history.days.len(), 2);
    let tickets: Vec<_> = history.days.iter().flat_map(|d| &d.tickets).collect();
    assert_eq!(tickets.len(), 400);
    // A no-show keeps its window two minutes in the simulated hall, and the ticket row says so.
    let no_shows: Vec<_> = tickets.iter().filter(|t| t.no_show).collect();
    assert!(!no_shows.is_empty());
    for t in &no_shows {
        assert!((t.service_min().unwrap() - 2.0).abs() < 1e-6, "{t:?}");
    }
    // Served tickets take the simulated 8–25 minutes.
    for t in tickets.iter().filter(|t| !t.no_show) {
        let s = t.service_min().unwrap();
        assert!((8.0..=25.0 + 1e-6).contains(&s), "{t:?}");
    }

    let supervisor = app.token("supervisor").await;
    let (s, r) = app
        .get_json_as(
            &supervisor,
            &format!("/api/v1/reports/staffing?from={FROM}&to={TO}&target=15"),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["days"], 2);
    assert_eq!(r["tickets"], 400);
    // The replay of the same days under the plan the windows really ran is within ±20 %.
    let v = &r["validation"];
    assert_eq!(v["passed"], true, "{v:#}");
    let overall = &v["overall"];
    let (sim, measured) = (
        overall["simulated_p90_wait_min"].as_f64().unwrap(),
        overall["measured_p90_wait_min"].as_f64().unwrap(),
    );
    assert!(
        (sim - measured).abs() <= (0.2 * measured).max(1.0),
        "p90 {sim} vs {measured}"
    );
    // The proposal is confirmed by its replay: no judged hour over 15 minutes at p90.
    assert_eq!(r["confirmed"], true, "{r:#}");
    let hours = r["hours"].as_array().unwrap();
    assert!(!hours.is_empty());
    for h in hours {
        if h["arrivals_per_day"].as_f64().unwrap() > 0.0
            && let Some(p90) = h["proposed_p90_wait_min"].as_f64()
        {
            assert!(p90 <= 15.0 + 1e-9, "{h}");
        }
        // The plan in force never has more windows than the queue's counters.
        let counters = r["counters"][h["queue"].as_str().unwrap()]
            .as_u64()
            .unwrap();
        assert!(h["current_windows"].as_u64().unwrap() <= counters, "{h}");
    }
    // The comprehensive windows were all at work in the busy hours of these days.
    let busiest = hours
        .iter()
        .filter(|h| h["queue"] == "comprehensive")
        .map(|h| h["current_windows"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(busiest >= 2, "{busiest}");
    let saved = r["staff_hours_saved"].as_i64().unwrap();
    assert_eq!(
        saved,
        r["current_staff_hours"].as_i64().unwrap() - r["proposed_staff_hours"].as_i64().unwrap()
    );

    // A tighter target never needs fewer staff-hours.
    let (s, tight) = app
        .get_json_as(
            &supervisor,
            &format!("/api/v1/reports/staffing?from={FROM}&to={TO}&target=3"),
        )
        .await;
    assert_eq!(s, 200, "{tight}");
    assert!(
        tight["proposed_staff_hours"].as_i64().unwrap()
            >= r["proposed_staff_hours"].as_i64().unwrap()
    );

    // The page shows the same proposal.
    let (s, page) = app
        .get_text_as(
            &supervisor,
            &format!("/reports/staffing?from={FROM}&to={TO}&target=15"),
        )
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("窗口配置测算"));
    assert!(page.contains(&format!(
        "建议配置 <b id=\"staffing-proposed-hours\">{}</b>",
        r["proposed_staff_hours"]
    )));
    assert!(page.contains("校验通过"));
}

#[tokio::test]
async fn staffing_refuses_bad_input_and_other_roles() {
    let app = TestApp::sqlite().await;
    let supervisor = app.token("supervisor").await;
    for (q, field) in [
        ("from=2026-11-05&to=2026-11-01", "结束日期不能早于开始日期"),
        ("from=2025-01-01&to=2026-11-01", "日期范围最长"),
        (
            "from=2026-11-01&to=2026-11-02&target=0",
            "目标等候时间须在 1 至 120 分钟之间",
        ),
        (
            "from=2026-11-01&to=2026-11-02&target=abc",
            "目标等候时间须为分钟数",
        ),
        ("from=2026-13-01", "格式不正确"),
    ] {
        let (s, r) = app
            .get_json_as(&supervisor, &format!("/api/v1/reports/staffing?{q}"))
            .await;
        assert_eq!(s, 400, "{q}: {r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(field),
            "{q}: {r}"
        );
    }
    // Staffing is the hall's business: a clerk and a department head may not read it.
    for user in ["clerk1", "rsj-head"] {
        let token = app.token(user).await;
        let (s, r) = app
            .get_json_as(
                &token,
                "/api/v1/reports/staffing?from=2026-11-01&to=2026-11-02",
            )
            .await;
        assert_eq!(s, 403, "{user}: {r}");
    }
    // A range without tickets is an answer, not an error.
    let (s, r) = app
        .get_json_as(
            &supervisor,
            "/api/v1/reports/staffing?from=2026-11-01&to=2026-11-02",
        )
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["tickets"], 0);
    assert!(r["hours"].as_array().unwrap().is_empty());
    let (s, page) = app
        .get_text_as(
            &supervisor,
            "/reports/staffing?from=2026-11-01&to=2026-11-02",
        )
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("没有已办结的取号记录"));
}
