//! 窗口活动时间轴 (`/supervision/windows`): per window one day's serving, paused and idle
//! intervals as a bar, and the pauses longer than the chosen threshold.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::NaiveDate;
use serde::Deserialize;
use yichuang_core::reports::activity::{ActivityKind, WindowActivity};

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, PageQuery, PageStaff};
use crate::state::AppState;

/// Width of a timeline bar, SVG units.
const BAR_W: f64 = 720.0;

/// The pause alert threshold when the form gives none, minutes.
pub(crate) const DEFAULT_PAUSE_MIN: u32 = 15;

/// `HH:MM` of a local minute.
pub(crate) fn hhmm(m: f64) -> String {
    #[allow(clippy::cast_possible_truncation)]
    let m = m.round() as i64;
    format!("{:02}:{:02}", m.div_euclid(60), m.rem_euclid(60))
}

/// One drawn interval.
pub(crate) struct Segment {
    x: String,
    w: String,
    class: &'static str,
    title: String,
}

/// One drawn window.
pub(crate) struct Row {
    code: String,
    name: String,
    segments: Vec<Segment>,
    served: u32,
    no_shows: u32,
    cases: u32,
    serving: String,
    paused: String,
    idle: String,
}

/// An hour mark under the bars.
pub(crate) struct Tick {
    x: String,
    label: String,
}

/// A long pause, as listed.
pub(crate) struct PauseRow {
    name: String,
    from: String,
    to: String,
    minutes: String,
    ongoing: bool,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/window_activity.html")]
pub(crate) struct ActivityPage {
    chrome: Chrome,
    date: String,
    pause: u32,
    rows: Vec<Row>,
    ticks: Vec<Tick>,
    pauses: Vec<PauseRow>,
}

fn minutes(m: f64) -> String {
    format!("{m:.0}")
}

fn build(a: &WindowActivity) -> (Vec<Row>, Vec<Tick>, Vec<PauseRow>) {
    let start = (a.span_min.0 / 60.0).floor() * 60.0;
    let end = ((a.span_min.1 / 60.0).ceil() * 60.0).max(start + 60.0);
    let x = |m: f64| (m - start) / (end - start) * BAR_W;
    let rows = a
        .windows
        .iter()
        .map(|w| Row {
            code: w.window.clone(),
            name: w.name.clone(),
            segments: w
                .intervals
                .iter()
                .map(|i| {
                    let what = match (&i.ticket, &i.case_no) {
                        (Some(t), Some(c)) => format!(" {t}（办件 {c}）"),
                        (Some(t), None) => format!(" {t}"),
                        _ => String::new(),
                    };
                    Segment {
                        x: format!("{:.1}", x(i.from_min)),
                        w: format!("{:.1}", (x(i.to_min) - x(i.from_min)).max(0.5)),
                        class: match i.kind {
                            ActivityKind::Serving => "serving",
                            ActivityKind::NoShow => "noshow",
                            ActivityKind::Paused => "paused",
                            ActivityKind::Idle => "idle",
                        },
                        title: format!(
                            "{}–{} {}{what}",
                            hhmm(i.from_min),
                            hhmm(i.to_min),
                            i.kind.label()
                        ),
                    }
                })
                .collect(),
            served: w.served,
            no_shows: w.no_shows,
            cases: w.cases,
            serving: minutes(w.serving_min),
            paused: minutes(w.paused_min),
            idle: minutes(w.idle_min),
        })
        .collect();
    let mut ticks = Vec::new();
    let mut h = start;
    while h <= end {
        ticks.push(Tick {
            x: format!("{:.1}", x(h)),
            label: hhmm(h),
        });
        h += 60.0;
    }
    let pauses = a
        .long_pauses
        .iter()
        .map(|p| PauseRow {
            name: p.name.clone(),
            from: hhmm(p.from_min),
            to: hhmm(p.to_min),
            minutes: minutes(p.to_min - p.from_min),
            ongoing: p.ongoing,
        })
        .collect();
    (rows, ticks, pauses)
}

#[derive(Deserialize)]
pub(crate) struct ActivityQuery {
    date: Option<String>,
    pause: Option<String>,
}

/// Parses the date (default today) and the pause threshold (default 15 minutes).
pub(crate) fn parse_query(
    today: NaiveDate,
    date: Option<&str>,
    pause: Option<&str>,
) -> Result<(NaiveDate, u32), yichuang_core::CoreError> {
    let day = match date.filter(|s| !s.is_empty()) {
        Some(s) => crate::api::parse_date("date", s)?,
        None => today,
    };
    let pause = match pause.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.parse::<u32>().map_err(|_| {
            yichuang_core::CoreError::invalid("pause", "暂停提醒阈值须为整数分钟，例如 15")
        })?,
        None => DEFAULT_PAUSE_MIN,
    };
    Ok((day, pause))
}

/// `GET /supervision/windows?date=&pause=`.
pub(crate) async fn windows(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<ActivityQuery>,
) -> Result<ActivityPage, AppError> {
    let (day, pause) = parse_query(
        state.core.clock().today(),
        q.date.as_deref(),
        q.pause.as_deref(),
    )?;
    let a = state.core.window_activity(&staff.user, day, pause).await?;
    let (rows, ticks, pauses) = build(&a);
    Ok(ActivityPage {
        chrome,
        date: day.to_string(),
        pause,
        rows,
        ticks,
        pauses,
    })
}
