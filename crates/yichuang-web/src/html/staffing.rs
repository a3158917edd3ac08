//! 窗口配置测算 (`/reports/staffing`): the plan in force next to the proposed plan, per queue and
//! hour, with the model's check against the measured waits.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use yichuang_core::reports::staffing::StaffingReport;
use yichuang_staffing::{Comparison, Stats};

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, PageQuery, PageStaff};
use crate::state::AppState;

/// Days read when the form gives no start (four working weeks and a bit).
const DEFAULT_DAYS: u64 = 30;

/// One hour of one queue, as shown.
pub(crate) struct HourRow {
    hour: String,
    /// The hour alone ("09"), under its bars.
    short: String,
    arrivals: String,
    current: u32,
    proposed: u32,
    /// `more`, `fewer` or empty: how the proposal changes the hour.
    change: &'static str,
    current_p90: String,
    proposed_p90: String,
    current_util: String,
    proposed_util: String,
    erlang: String,
    /// Bar heights (px) of the small hour chart, current and proposed.
    current_h: u32,
    proposed_h: u32,
    x: u32,
}

/// One queue, as shown.
pub(crate) struct QueueRow {
    code: String,
    name: String,
    counters: u32,
    current_hours: u32,
    proposed_hours: u32,
    current_p90: String,
    proposed_p90: String,
    current_util: String,
    proposed_util: String,
    /// The proposal asks for more windows at once than the queue has counters.
    over_counters: bool,
    peak: u32,
    hours: Vec<HourRow>,
    chart_w: u32,
}

/// The model check, as shown.
pub(crate) struct CheckRow {
    name: String,
    tickets: u64,
    measured_mean: String,
    simulated_mean: String,
    measured_p90: String,
    simulated_p90: String,
    verdict: &'static str,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/report_staffing.html")]
pub(crate) struct StaffingPage {
    chrome: Chrome,
    from: String,
    to: String,
    target: String,
    r: StaffingReport,
    queues: Vec<QueueRow>,
    checks: Vec<CheckRow>,
    check_passed: bool,
    current_hours: u32,
    proposed_hours: u32,
    /// "每天可节省 3 人时" / "每天需增加 2 人时" / "人时不变".
    saving: String,
    confirmed: bool,
    unmeasured: Vec<String>,
}

fn minutes(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.0}%", x * 100.0))
}

fn check_row(name: String, c: &Comparison) -> CheckRow {
    CheckRow {
        name,
        tickets: c.tickets,
        measured_mean: format!("{:.1}", c.measured_mean_wait_min),
        simulated_mean: format!("{:.1}", c.simulated_mean_wait_min),
        measured_p90: format!("{:.1}", c.measured_p90_wait_min),
        simulated_p90: format!("{:.1}", c.simulated_p90_wait_min),
        verdict: match (c.judged, c.mean_within && c.p90_within) {
            (false, _) => "样本少，不评判",
            (true, true) => "在 ±20% 以内",
            (true, false) => "超出 ±20%",
        },
    }
}

fn queue_rows(r: &StaffingReport) -> Vec<QueueRow> {
    let Some(p) = &r.proposal else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let empty = Stats::default();
    for code in p.proposed_plan.queues().chain(p.current_plan.queues()) {
        if out.iter().any(|q: &QueueRow| q.code == code) {
            continue;
        }
        let total = |res: &yichuang_staffing::SimResult| {
            res.queues.get(code).map_or(&empty, |q| &q.total).clone()
        };
        let (cur, pro) = (total(&p.current_result), total(&p.proposed_result));
        let rows: Vec<&yichuang_staffing::QueueHour> =
            p.rows.iter().filter(|h| h.queue == code).collect();
        let peak = rows
            .iter()
            .map(|h| h.current_windows.max(h.proposed_windows))
            .max()
            .unwrap_or(0);
        let counters = r.counters.get(code).copied().unwrap_or(0);
        let scale = |n: u32| (n * 60).checked_div(peak).unwrap_or(0);
        let hours = (0u32..)
            .zip(&rows)
            .map(|(i, h)| HourRow {
                hour: format!("{:02}:00–{:02}:00", h.hour, h.hour + 1),
                short: format!("{:02}", h.hour),
                arrivals: format!("{:.1}", h.current.arrivals_per_day()),
                current: h.current_windows,
                proposed: h.proposed_windows,
                change: match h.proposed_windows.cmp(&h.current_windows) {
                    std::cmp::Ordering::Greater => "more",
                    std::cmp::Ordering::Less => "fewer",
                    std::cmp::Ordering::Equal => "",
                },
                current_p90: minutes(h.current.p90_wait_min),
                proposed_p90: minutes(h.proposed.p90_wait_min),
                current_util: pct(h.current.utilisation()),
                proposed_util: pct(h.proposed.utilisation()),
                erlang: h
                    .erlang
                    .windows
                    .map_or_else(|| "超出上限".to_owned(), |w| w.to_string()),
                current_h: scale(h.current_windows),
                proposed_h: scale(h.proposed_windows),
                x: i * 22,
            })
            .collect::<Vec<_>>();
        out.push(QueueRow {
            code: code.to_owned(),
            name: r
                .queue_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_owned()),
            counters,
            current_hours: p.current_plan.queue_staff_hours(code),
            proposed_hours: p.proposed_plan.queue_staff_hours(code),
            current_p90: minutes(cur.p90_wait_min),
            proposed_p90: minutes(pro.p90_wait_min),
            current_util: pct(cur.utilisation()),
            proposed_util: pct(pro.utilisation()),
            over_counters: counters > 0 && rows.iter().any(|h| h.proposed_windows > counters),
            peak,
            chart_w: u32::try_from(hours.len()).unwrap_or(0) * 22 + 4,
            hours,
        });
    }
    out
}

#[derive(Deserialize)]
pub(crate) struct StaffingQuery {
    from: Option<String>,
    to: Option<String>,
    target: Option<String>,
}

/// Parses the form (and the API query): dates (default the last 30 days), target minutes (default 15).
pub(crate) fn parse_query(
    today: NaiveDate,
    from: Option<&str>,
    to: Option<&str>,
    target: Option<&str>,
) -> Result<(NaiveDate, NaiveDate, f64), yichuang_core::CoreError> {
    let to = match to.filter(|s| !s.is_empty()) {
        Some(s) => crate::api::parse_date("to", s)?,
        None => today,
    };
    let from = match from.filter(|s| !s.is_empty()) {
        Some(s) => crate::api::parse_date("from", s)?,
        None => to
            .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(to),
    };
    let target = match target.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|t| t.is_finite())
            .ok_or_else(|| {
                yichuang_core::CoreError::invalid("target", "目标等候时间须为分钟数，例如 15")
            })?,
        None => 15.0,
    };
    Ok((from, to, target))
}

/// `GET /reports/staffing?from=&to=&target=`.
pub(crate) async fn staffing(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<StaffingQuery>,
) -> Result<StaffingPage, AppError> {
    let (from, to, target) = parse_query(
        state.core.clock().today(),
        q.from.as_deref(),
        q.to.as_deref(),
        q.target.as_deref(),
    )?;
    let r = state
        .core
        .staffing_report(&staff.user, from, to, target)
        .await?;
    let queues = queue_rows(&r);
    let mut checks = Vec::new();
    let mut check_passed = false;
    if let Some(v) = &r.validation {
        checks.push(check_row("全部队列".into(), &v.overall));
        for (code, c) in &v.queues {
            let name = r
                .queue_names
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.clone());
            checks.push(check_row(name, c));
        }
        check_passed = v.passed;
    }
    let (current_hours, proposed_hours, saved, confirmed) =
        r.proposal.as_ref().map_or((0, 0, 0, false), |p| {
            (
                p.current_staff_hours,
                p.proposed_staff_hours,
                p.staff_hours_saved,
                p.confirmed,
            )
        });
    let saving = match saved {
        0 => "人时不变".to_owned(),
        s if s > 0 => format!("每天可节省 {s} 人时"),
        s => format!("每天需增加 {} 人时", -s),
    };
    let unmeasured = r
        .unmeasured_queues
        .iter()
        .map(|q| r.queue_names.get(q).cloned().unwrap_or_else(|| q.clone()))
        .collect();
    Ok(StaffingPage {
        chrome,
        from: from.to_string(),
        to: to.to_string(),
        target: format!("{target}"),
        queues,
        checks,
        check_passed,
        current_hours,
        proposed_hours,
        saving,
        confirmed,
        unmeasured,
        r,
    })
}
