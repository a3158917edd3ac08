//! 工作量统计 over days the product simulated: every figure recomputed here from the tickets and
//! the 日报 counters themselves; the xlsx reads back; scope and bad input.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use yichuang_domain::queue::TicketStatus;

const RANGE: &str = "from=2026-11-02&to=2026-11-03";

#[tokio::test]
async fn workload_figures_equal_the_tickets_and_the_counters() {
    let app = crate::staffing::simulated(150).await;
    let center = app.core.default_center().await.unwrap();
    let mut tickets = Vec::new();
    for d in [2, 3] {
        let day = NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let all = [
            TicketStatus::Waiting,
            TicketStatus::Called,
            TicketStatus::Serving,
            TicketStatus::Finished,
            TicketStatus::NoShow,
        ];
        tickets.extend(
            app.core
                .store()
                .tickets(center.id, day, &all)
                .await
                .unwrap(),
        );
    }
    let supervisor = app.token("supervisor").await;
    let (s, r) = app
        .get_json_as(&supervisor, &format!("/api/v1/reports/workload?{RANGE}"))
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["days"], 2);

    // Per window: tickets finished and their mean handling time, straight from the rows.
    let mut want: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut no_shows: BTreeMap<String, u64> = BTreeMap::new();
    for t in &tickets {
        let w = t.window.clone().unwrap();
        if t.status == TicketStatus::Finished {
            let m = (t.finished_at.unwrap() - t.called_at.unwrap()).num_milliseconds() as f64;
            want.entry(w).or_default().push(m / 60_000.0);
        } else if t.status == TicketStatus::NoShow {
            *no_shows.entry(w).or_default() += 1;
        }
    }
    let windows = r["windows"].as_array().unwrap();
    assert!(windows.len() >= 10, "{}", windows.len());
    for w in windows {
        let code = w["code"].as_str().unwrap();
        let mine = want.get(code).cloned().unwrap_or_default();
        assert_eq!(w["handling"]["served"], mine.len(), "{code}");
        if !mine.is_empty() {
            let mean = mine.iter().sum::<f64>() / mine.len() as f64;
            assert!((w["handling"]["mean_min"].as_f64().unwrap() - mean).abs() < 1e-9);
        }
        assert_eq!(
            w["no_shows"],
            no_shows.get(code).copied().unwrap_or(0),
            "{code}"
        );
        // The simulated hall never pauses; a window's time is serving or idle.
        assert_eq!(w["paused_min"], 0.0);
        assert!(w["serving_min"].as_f64().unwrap() >= 0.0);
    }
    // Cases accepted add up to the 日报's figure over the same days.
    let (_, d2) = app
        .get_json_as(&supervisor, "/api/v1/reports/daily?date=2026-11-02")
        .await;
    let (_, d3) = app
        .get_json_as(&supervisor, "/api/v1/reports/daily?date=2026-11-03")
        .await;
    let accepted: i64 = windows
        .iter()
        .map(|w| w["cases_accepted"].as_i64().unwrap())
        .sum();
    let want_accepted =
        d2["cases"]["accepted"].as_i64().unwrap() + d3["cases"]["accepted"].as_i64().unwrap();
    assert!(accepted > 0);
    assert_eq!(accepted, want_accepted);
    // People: the same tickets, counted by the clerk who called them.
    let people = r["people"].as_array().unwrap();
    let served: u64 = people
        .iter()
        .map(|p| p["handling"]["served"].as_u64().unwrap())
        .sum();
    let finished = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Finished)
        .count();
    assert_eq!(served as usize, finished);
    assert!(
        people
            .iter()
            .all(|p| !p["name"].as_str().unwrap().is_empty())
    );
    // Matters: every finished ticket that opened a case, under its case's matter.
    let by_matter: u64 = r["matters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["handling"]["served"].as_u64().unwrap())
        .sum();
    let with_case = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Finished && t.case_no.is_some())
        .count();
    assert_eq!(by_matter as usize, with_case);
    // Waits by hour: every called ticket once.
    let called: u64 = r["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["total"]["served"].as_u64().unwrap())
        .sum();
    assert_eq!(
        called as usize,
        tickets.iter().filter(|t| t.called_at.is_some()).count()
    );

    // The page draws the heat map and the bars; the workbook reads back.
    let (s, page) = app
        .get_text_as(&supervisor, &format!("/reports/workload?{RANGE}"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"workload-heat\""));
    assert!(page.contains("各窗口服务完成（张）"));
    let bytes = app
        .client
        .get(app.url(&format!("/api/v1/reports/workload?{RANGE}&format=xlsx")))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["窗口", "人员", "事项", "分时等候"]);
    let sheet = wb.worksheet_range("窗口").unwrap();
    assert_eq!(
        sheet.get_value((0, 2)),
        Some(&calamine::Data::String("服务完成".into()))
    );
    let first = &windows[0];
    assert_eq!(
        sheet.get_value((1, 0)),
        Some(&calamine::Data::String(
            first["code"].as_str().unwrap().into()
        ))
    );
    assert_eq!(
        sheet.get_value((1, 2)),
        Some(&calamine::Data::Float(
            first["handling"]["served"].as_f64().unwrap()
        ))
    );
}

#[tokio::test]
async fn workload_refuses_bad_input_and_other_roles() {
    let app = yichuang_testkit::TestApp::sqlite().await;
    let supervisor = app.token("supervisor").await;
    for q in ["from=2026-11-05&to=2026-11-01", "from=x", "format=pdf"] {
        let (s, r) = app
            .get_json_as(&supervisor, &format!("/api/v1/reports/workload?{q}"))
            .await;
        assert_eq!(s, 400, "{q}: {r}");
    }
    for user in ["clerk1", "rsj-head", "rsj-approver"] {
        let token = app.token(user).await;
        let (s, _) = app.get_json_as(&token, "/api/v1/reports/workload").await;
        assert_eq!(s, 403, "{user}");
    }
    let (s, r) = app
        .get_json_as(&supervisor, "/api/v1/reports/workload")
        .await;
    assert_eq!(s, 200);
    assert!(r["windows"].as_array().unwrap().is_empty());
}
