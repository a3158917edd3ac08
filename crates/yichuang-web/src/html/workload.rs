//! 工作量统计 (`/reports/workload`): per window and per person, handling time per matter, and a
//! heat map of each queue's wait by hour of day.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{Days, NaiveDate};
use serde::Deserialize;
use yichuang_core::reports::workload::{Handling, WorkloadReport};

use super::Chrome;
use super::reports::{Chart, chart};
use crate::error::AppError;
use crate::extract::{AnyStaff, PageQuery, PageStaff};
use crate::state::AppState;

/// One cell of the heat map.
pub(crate) struct Cell {
    x: u32,
    fill: String,
    text: String,
    title: String,
}

/// One queue row of the heat map.
pub(crate) struct HeatRow {
    name: String,
    y: u32,
    cells: Vec<Cell>,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/report_workload.html")]
pub(crate) struct WorkloadPage {
    chrome: Chrome,
    from: String,
    to: String,
    r: WorkloadReport,
    chart: Chart,
    heat: Vec<HeatRow>,
    /// Hour labels with their x.
    hours: Vec<(u32, String)>,
    heat_w: u32,
    heat_h: u32,
}

impl WorkloadPage {
    fn min(v: &Option<f64>) -> String {
        v.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}"))
    }

    fn whole(v: &f64) -> String {
        format!("{v:.0}")
    }

    fn served(h: &Handling) -> u64 {
        h.served
    }
}

/// Heat colour of a mean wait: white at 0, deep red from 30 minutes.
fn heat(mean: Option<f64>) -> String {
    let Some(m) = mean else {
        return "#f6f8fa".to_owned();
    };
    let t = (m / 30.0).clamp(0.0, 1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let c = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        c(255.0, 207.0),
        c(255.0, 34.0),
        c(255.0, 46.0)
    )
}

fn heat_map(r: &WorkloadReport) -> (Vec<HeatRow>, Vec<(u32, String)>, u32, u32) {
    let used: Vec<usize> = (0..24)
        .filter(|&h| r.queues.iter().any(|q| q.hours[h].served > 0))
        .collect();
    let (first, last) = match (used.first(), used.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => (9, 17),
    };
    let cols: Vec<usize> = (first..=last).collect();
    let rows = (0u32..)
        .zip(&r.queues)
        .map(|(i, q)| HeatRow {
            name: q.name.clone(),
            y: i * 28,
            cells: (0u32..)
                .zip(&cols)
                .map(|(j, &h)| {
                    let x = &q.hours[h];
                    Cell {
                        x: j * 44,
                        fill: heat(x.mean_min),
                        text: x.mean_min.map_or_else(String::new, |m| format!("{m:.0}")),
                        title: format!(
                            "{}  {h:02}:00–{:02}:00：叫号 {}，平均等候 {}，P90 {} 分钟",
                            q.name,
                            h + 1,
                            x.served,
                            WorkloadPage::min(&x.mean_min),
                            WorkloadPage::min(&x.p90_min)
                        ),
                    }
                })
                .collect(),
        })
        .collect();
    let hours = (0u32..)
        .zip(&cols)
        .map(|(j, h)| (j * 44 + 22, format!("{h:02}")))
        .collect();
    let w = u32::try_from(cols.len()).unwrap_or(0) * 44;
    let h = u32::try_from(r.queues.len()).unwrap_or(0) * 28 + 20;
    (rows, hours, w, h)
}

#[derive(Deserialize)]
pub(crate) struct WorkloadQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Parses the range: `to` default today, `from` default 29 days before it.
pub(crate) fn parse_range(
    today: NaiveDate,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), yichuang_core::CoreError> {
    let to = match to.filter(|s| !s.is_empty()) {
        Some(s) => crate::api::parse_date("to", s)?,
        None => today,
    };
    let from = match from.filter(|s| !s.is_empty()) {
        Some(s) => crate::api::parse_date("from", s)?,
        None => to.checked_sub_days(Days::new(29)).unwrap_or(to),
    };
    Ok((from, to))
}

/// `GET /reports/workload?from=&to=`.
pub(crate) async fn workload(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<WorkloadQuery>,
) -> Result<WorkloadPage, AppError> {
    let (from, to) = parse_range(
        state.core.clock().today(),
        q.from.as_deref(),
        q.to.as_deref(),
    )?;
    let r = state.core.workload_report(&staff.user, from, to).await?;
    #[allow(clippy::cast_precision_loss)]
    let bars = r
        .windows
        .iter()
        .filter(|w| w.handling.served > 0)
        .map(|w| {
            (
                w.name.clone(),
                w.handling.served as f64,
                w.handling.served.to_string(),
            )
        })
        .collect();
    let (heat, hours, heat_w, heat_h) = heat_map(&r);
    Ok(WorkloadPage {
        chrome,
        from: from.to_string(),
        to: to.to_string(),
        chart: chart("各窗口服务完成（张）", bars),
        heat,
        hours,
        heat_w,
        heat_h,
        r,
    })
}
