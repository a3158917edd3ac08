//! Reports: the 日报 of simulated days equals counts computed here from the cases, tickets and
//! evaluations themselves; `report rebuild` equals the live counters; the xlsx parses back.

use chrono::{DateTime, NaiveDate, Utc};
use yichuang_core::simulate::Plan;
use yichuang_domain::clock::{Clock, shanghai_date};
use yichuang_domain::queue::TicketStatus;
use yichuang_testkit::TestApp;

fn on(d: NaiveDate, t: Option<DateTime<Utc>>) -> bool {
    t.is_some_and(|t| shanghai_date(t) == d)
}

async fn simulate(app: &TestApp, visitors: u32) -> NaiveDate {
    let plan = Plan {
        start: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        days: 2,
        visitors_per_day: visitors,
        seed: 7,
    };
    let s = app.core.simulate(&app.clock, &plan, &|_| {}).await.unwrap();
    assert_eq!(s.days, 2);
    assert!(s.cases > u64::from(visitors), "{s:?}");
    // The back offices conclude cases, decisions passed by a second person (职责分离).
    assert!(s.concluded > 0, "{s:?}");
    NaiveDate::from_ymd_opt(2026, 11, 3).unwrap()
}

/// Counts of `day` computed from the records, independently of the counters.
async fn expected(app: &TestApp, day: NaiveDate) -> serde_json::Value {
    let store = app.core.store();
    let center = app.core.default_center().await.unwrap();
    let all = [
        TicketStatus::Waiting,
        TicketStatus::Called,
        TicketStatus::Serving,
        TicketStatus::Finished,
        TicketStatus::NoShow,
    ];
    let tickets = store.tickets(center.id, day, &all).await.unwrap();
    let finished: Vec<_> = tickets
        .iter()
        .filter(|t| t.status == TicketStatus::Finished)
        .collect();
    let mut waits: Vec<i64> = finished
        .iter()
        .map(|t| (t.called_at.unwrap() - t.issued_at.max(t.callable_at)).num_seconds())
        .collect();
    waits.sort_unstable();
    let avg = (waits.iter().sum::<i64>() as f64 / waits.len() as f64 / 60.0 * 10.0).round() / 10.0;
    let mut minutes: Vec<i64> = waits.iter().map(|w| w / 60).collect();
    minutes.sort_unstable();
    let p90 = minutes[(minutes.len() * 9).div_ceil(10) - 1];
    let filter = yichuang_core::store::CaseFilter {
        center_id: center.id,
        limit: 100_000,
        ..Default::default()
    };
    let cal = app.core.calendar(center.id).await.unwrap();
    let cases = store.list_cases(&filter).await.unwrap();
    let (mut received, mut accepted, mut refused, mut corrections) = (0, 0, 0, 0);
    let (mut approved, mut denied, mut delivered, mut on_time, mut overdue) = (0, 0, 0, 0, 0);
    for s in &cases {
        let c = &s.case;
        let got_today = on(day, Some(c.received_at));
        received += i32::from(got_today);
        refused += i32::from(got_today && c.status == yichuang_domain::case::CaseStatus::Refused);
        corrections += i32::from(on(day, c.correction_requested_at));
        accepted += i32::from(on(day, c.accepted_at));
        delivered += i32::from(on(day, c.delivery.as_ref().map(|d| d.delivered_at)));
        if on(day, c.concluded_at) {
            match c.outcome {
                Some(yichuang_domain::case::Outcome::Approved) => approved += 1,
                _ => denied += 1,
            }
            let d = yichuang_domain::case::deadlines(c, &cal);
            let done = c.concluded_at.unwrap();
            let in_time = match d.immediate_due_at {
                Some(due) => done <= due,
                None => d.due_promised.is_none_or(|due| shanghai_date(done) <= due),
            };
            if in_time {
                on_time += 1;
            } else {
                overdue += 1;
            }
        }
    }
    let evaluations: Vec<_> = store
        .evaluations(center.id, 100_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| on(day, Some(e.created_at)))
        .collect();
    let level = |l: &str| evaluations.iter().filter(|e| e.level == l).count();
    serde_json::json!({
        "tickets": {"issued": tickets.len(), "served": finished.len(),
            "no_show": tickets.iter().filter(|t| t.status == TicketStatus::NoShow).count(),
            "avg_wait_minutes": avg, "p90_wait_minutes": p90},
        "cases": {"received": received, "accepted": accepted, "refused": refused,
            "correction_requested": corrections, "concluded_approved": approved,
            "concluded_denied": denied, "delivered": delivered, "on_time": on_time,
            "overdue": overdue},
        "evaluations": {"total": evaluations.len(), "by_level": {
            "very_satisfied": level("very_satisfied"), "satisfied": level("satisfied"),
            "basically_satisfied": level("basically_satisfied"),
            "dissatisfied": level("dissatisfied"), "very_dissatisfied": level("very_dissatisfied")}},
    })
}

async fn counters(app: &TestApp) -> Vec<yichuang_core::store::report::Counter> {
    let center = app.core.default_center().await.unwrap();
    let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    app.core
        .store()
        .report_counters(center.id, from, to, None)
        .await
        .unwrap()
}

async fn check(app: &TestApp, visitors: u32) {
    let day = simulate(app, visitors).await;
    let supervisor = app.token("supervisor").await;
    let (s, r) = app
        .get_json_as(&supervisor, &format!("/api/v1/reports/daily?date={day}"))
        .await;
    assert_eq!(s, 200, "{r}");
    let want = expected(app, day).await;
    for section in ["tickets", "cases"] {
        for (k, v) in want[section].as_object().unwrap() {
            assert_eq!(&r[section][k], v, "{section}.{k}");
        }
    }
    assert_eq!(r["evaluations"]["total"], want["evaluations"]["total"]);
    assert_eq!(
        r["evaluations"]["by_level"],
        want["evaluations"]["by_level"]
    );
    assert!(r["cases"]["received"].as_i64().unwrap() > 0);
    assert!(r["cases"]["delivered"].as_i64().unwrap() > 0);
    // Departments add up to the total.
    let sum: i64 = r["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["cases"]["received"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, r["cases"]["received"].as_i64().unwrap());
    assert!(!r["clerks"].as_array().unwrap().is_empty());

    // Bulk-loaded open cases (counters summed per batch) join the board and the rebuild check.
    let n = app
        .core
        .bulk_open_cases(&app.clock, 1_200, day, 10, 3, &|_| {})
        .await
        .unwrap();
    assert_eq!(n, 1_200);

    // The SQL light board agrees with the domain's light of every case, now and later.
    let user = app
        .core
        .authenticate(&app.token("supervisor").await)
        .await
        .unwrap();
    for days in [0, 5, 12, 40] {
        let at = app.clock.now() + chrono::Duration::days(days);
        let mut want = std::collections::BTreeMap::<String, [u64; 4]>::new();
        for d in app.core.lights_at(&user, at).await.unwrap() {
            let Some(l) = d.light else { continue };
            let e = want.entry(d.case.received.department.clone()).or_default();
            e[l.level as usize] += 1;
            e[3] += u64::from(l.legal_overdue);
        }
        let board = app
            .core
            .board(&user, at, &yichuang_core::board::BoardFilter::default())
            .await
            .unwrap();
        let got: std::collections::BTreeMap<String, [u64; 4]> = board
            .departments
            .iter()
            .map(|d| (d.code.clone(), [d.green, d.yellow, d.red, d.legal_overdue]))
            .collect();
        assert_eq!(got, want, "{days} days later");
        let listed = |l: &str| board.alerts.iter().filter(|a| a.light == l).count() as u64;
        assert_eq!(listed("red"), board.total.red.min(500));
        assert_eq!(listed("yellow"), board.total.yellow.min(500));
        // The forecast lists exactly the cases the domain says turn red by Friday evening.
        let red_at = |t| {
            let user = user.clone();
            let core = app.core.clone();
            async move {
                core.lights_at(&user, t)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|d| {
                        d.light
                            .is_some_and(|l| l.level == yichuang_domain::case::LightLevel::Red)
                    })
                    .map(|d| d.case.case_no().to_owned())
                    .collect::<std::collections::BTreeSet<_>>()
            }
        };
        let (now_red, then_red) = (red_at(at).await, red_at(board.forecast_at).await);
        let turning: std::collections::BTreeSet<String> =
            then_red.difference(&now_red).cloned().collect();
        let listed_turning: std::collections::BTreeSet<String> = board
            .turning_red
            .iter()
            .map(|a| a.case_no.clone())
            .collect();
        if turning.len() <= 500 {
            assert_eq!(listed_turning, turning, "{days} days later");
        }
        for (level, alerts) in [("legal_overdue", 20), ("green", 20)] {
            let f = yichuang_core::board::BoardFilter {
                level: Some(level.into()),
                department: None,
                limit: alerts,
            };
            let b = app.core.board(&user, at, &f).await.unwrap();
            let want = if level == "green" {
                board.total.green
            } else {
                board.total.legal_overdue
            };
            assert_eq!(b.alerts.len() as u64, want.min(20), "{level}");
            assert!(b.alerts.iter().all(|a| if level == "green" {
                a.light == "green"
            } else {
                a.legal_overdue
            }));
        }
    }

    // A rebuild from the event log gives the same counters.
    let live = counters(app).await;
    assert!(live.len() > 100);
    app.core.rebuild_reports(&|_| {}).await.unwrap();
    assert_eq!(counters(app).await, live);
}

#[tokio::test]
async fn the_daily_report_of_simulated_days_matches_the_records_and_a_rebuild() {
    let app = TestApp::sqlite().await;
    check(&app, 60).await;

    // The xlsx parses back with Chinese sheet names and the same figures.
    let supervisor = app.token("supervisor").await;
    let r = app
        .client
        .get(app.url("/api/v1/reports/daily?date=2026-11-03&format=xlsx"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["汇总", "部门", "窗口", "人员", "事项"]
    );
    let sheet = wb.worksheet_range("汇总").unwrap();
    assert_eq!(
        sheet.get_value((0, 7)),
        Some(&calamine::Data::String("收件".into()))
    );
    let (_, json) = app
        .get_json_as(&supervisor, "/api/v1/reports/daily?date=2026-11-03")
        .await;
    assert_eq!(
        sheet.get_value((1, 7)),
        Some(&calamine::Data::Float(
            json["cases"]["received"].as_f64().unwrap()
        ))
    );
    // The 日报 carries the head of the center's audit chain, which later proves the log.
    let anchor: yichuang_core::store::audit::AuditHead =
        json["audit_anchor"].as_str().unwrap().parse().unwrap();
    let center = app.core.default_center().await.unwrap().id;
    assert_eq!(
        app.core.audit_anchor_of(center).await.unwrap(),
        Some(anchor.clone())
    );
    let checked = app.core.verify_audit_against(1, &[anchor]).await.unwrap();
    assert!(checked.intact(), "{checked:?}");
    assert_eq!(
        checked.chains.iter().map(|c| c.anchors_held).sum::<u32>(),
        1
    );
    let depts = wb.worksheet_range("部门").unwrap();
    assert_eq!(
        depts.height() - 1,
        json["departments"].as_array().unwrap().len()
    );

    // Access: a clerk may not read reports; bad dates and formats are refused.
    let clerk = app.token("clerk1").await;
    assert_eq!(
        app.get_json_as(&clerk, "/api/v1/reports/daily").await.0,
        403
    );
    let (s, e) = app
        .get_json_as(&supervisor, "/api/v1/reports/daily?date=2026-02-30")
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(
        app.get_json_as(&supervisor, "/api/v1/reports/daily?format=pdf")
            .await
            .0,
        400
    );
    // The report page draws its charts.
    let page = app
        .client
        .get(app.url("/reports/daily?date=2026-11-03"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("各部门收件"));
    let perf = app
        .client
        .get(app.url("/reports/performance?month=2026-11"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(perf.status(), 200);
    assert!(perf.text().await.unwrap().contains("评分公式"));
}

#[tokio::test]
async fn report_counters_rebuild_identically_on_postgres() {
    let Some(app) = TestApp::postgres("report_rebuild").await else {
        return;
    };
    check(&app, 30).await;
}

#[tokio::test]
async fn departments_without_data_are_not_ranked_and_the_ranking_exports_to_xlsx() {
    use calamine::Reader;
    use serde_json::json;
    let app = TestApp::sqlite().await;
    let (s, c) = crate::api_cases::open(
        &app,
        "clerk1",
        json!({"matter_code": crate::FIRST_MATTER, "applicant": crate::api_cases::person(),
            "materials": crate::api_cases::all_materials(), "decision": "accept"}),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let case_no = c["case_no"].as_str().unwrap();
    crate::api_cases::pass_all_steps(&app, "cgj", case_no).await;
    let head = app.token("cgj-head").await;
    let (s, v) = crate::api_cases::act(
        &app,
        &head,
        case_no,
        json!({"action": "conclude", "outcome": "approved", "reason": "符合条件"}),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    let supervisor = app.token("supervisor").await;
    let (s, perf) = app
        .get_json_as(&supervisor, "/api/v1/reports/performance?month=2026-11")
        .await;
    assert_eq!(s, 200, "{perf}");
    let departments = perf["departments"].as_array().unwrap();
    assert_eq!(departments[0]["code"], "cgj");
    assert_eq!(departments[0]["rank"], 1);
    assert_eq!(departments[0]["score"], 100.0);
    assert!(departments.len() > 2);
    for d in &departments[1..] {
        assert!(d["rank"].is_null() && d["score"].is_null(), "{d}");
    }

    let (_, page) = app
        .get_text_as(&supervisor, "/reports/performance?month=2026-11")
        .await;
    assert!(page.contains("无数据"));
    assert!(page.contains("不参加排名"));
    assert!(!page.contains(">JSON<"), "leaders get no JSON button");
    assert!(page.contains("id=\"perf-export\" href=\"/api/v1/reports/performance?month=2026-11"));

    let r = app
        .client
        .get(app.url("/api/v1/reports/performance?month=2026-11&format=xlsx"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = wb.worksheet_range("部门排名").unwrap();
    assert_eq!(
        sheet.get_value((1, 3)),
        Some(&calamine::Data::String("得分".into()))
    );
    assert_eq!(sheet.get_value((2, 0)), Some(&calamine::Data::Float(1.0)));
    assert_eq!(
        sheet.get_value((3, 3)),
        Some(&calamine::Data::String("无数据".into()))
    );
    assert!(wb.worksheet_range("窗口排名").is_ok());

    // The daily report's 分人员 names the person, not the window.
    let (_, daily) = app
        .get_text_as(&supervisor, "/reports/daily?date=2026-11-02")
        .await;
    let start = daily.find("id=\"report-clerks\"").unwrap();
    let clerks = &daily[start..];
    assert!(clerks.contains("<td>王芳</td>"), "{clerks}");
    assert!(!clerks.contains("综合窗口1号"));
}
