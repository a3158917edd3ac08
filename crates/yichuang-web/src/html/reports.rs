//! Report pages: the 日报 with SVG charts and an Excel download, and the monthly ranking.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use yichuang_core::reports::{PerformanceReport, PeriodReport, ScopeRow};
use yichuang_domain::evaluation::Level;

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, PageQuery, PageStaff};
use crate::state::AppState;

/// One bar of a horizontal SVG bar chart (drawn by the template, so labels are escaped there).
pub(crate) struct Bar {
    /// The label as drawn (shortened with … when it would not fit).
    pub(crate) label: String,
    /// The whole label, as the bar's tooltip and for screen readers.
    pub(crate) full: String,
    pub(crate) value: String,
    pub(crate) y: u32,
    pub(crate) width: u32,
}

/// A horizontal bar chart. The label column is as wide as its longest label, so that no label
/// runs past the left edge (they did, clipped, with long department names).
pub(crate) struct Chart {
    pub(crate) title: &'static str,
    pub(crate) bars: Vec<Bar>,
    pub(crate) height: u32,
    /// Right edge of the labels (they are right-aligned there).
    pub(crate) label_x: u32,
    /// Left edge of the bars.
    pub(crate) bar_x: u32,
    /// Width of the drawing.
    pub(crate) width: u32,
}

const BAR_MAX: f64 = 360.0;
/// Font size of the labels, in SVG units.
const FONT: u32 = 13;
/// The widest label column; longer labels are shortened.
const LABEL_MAX: u32 = 15 * FONT;

/// The drawn width of a label: CJK and full-width characters take a whole em, others about
/// six tenths of one (SVG text cannot be measured on the server; this errs on the wide side).
fn text_width(s: &str) -> u32 {
    s.chars()
        .map(|c| if c.is_ascii() { FONT * 6 / 10 } else { FONT })
        .sum()
}

/// The label shortened to `max` drawn width, with … when cut.
fn fit(label: &str, max: u32) -> String {
    if text_width(label) <= max {
        return label.to_owned();
    }
    let mut out = String::new();
    let mut used = FONT;
    for c in label.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Builds a chart of `(label, value)`, longest bar = the largest value.
pub(crate) fn chart(title: &'static str, items: Vec<(String, f64, String)>) -> Chart {
    let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
    let label_w = items
        .iter()
        .map(|i| text_width(&i.0))
        .max()
        .unwrap_or(0)
        .min(LABEL_MAX);
    let value_w = items.iter().map(|i| text_width(&i.2)).max().unwrap_or(0);
    let label_x = label_w + 6;
    let bar_x = label_x + 8;
    let bars: Vec<Bar> = (0u32..)
        .zip(items)
        .map(|(i, (label, v, shown))| Bar {
            label: fit(&label, LABEL_MAX),
            full: label,
            value: shown,
            y: i * 26 + 4,
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            width: if max > 0.0 {
                (v / max * BAR_MAX).round() as u32
            } else {
                0
            },
        })
        .collect();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let width = bar_x + BAR_MAX as u32 + 6 + value_w + 6;
    Chart {
        title,
        height: u32::try_from(bars.len()).unwrap_or(0) * 26 + 8,
        bars,
        label_x,
        bar_x,
        width,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_labels_fit_their_column() {
        let c = chart(
            "t",
            vec![
                ("宣城市人力资源和社会保障局".into(), 3.0, "3".into()),
                (
                    "宣城市自然资源和规划局宣州分局不动产登记中心".into(),
                    1.0,
                    "1".into(),
                ),
                ("W01".into(), 2.0, "2".into()),
            ],
        );
        // The column fits the first label whole; the second is shortened, never past x = 0.
        assert_eq!(c.bars[0].label, "宣城市人力资源和社会保障局");
        assert!(c.label_x >= text_width(&c.bars[0].label));
        assert!(c.bars[1].label.ends_with('…'));
        assert!(text_width(&c.bars[1].label) <= c.label_x);
        assert_eq!(
            c.bars[1].full,
            "宣城市自然资源和规划局宣州分局不动产登记中心"
        );
        assert!(c.width >= c.bar_x + 360 + text_width("3"));
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

/// The 日报 page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/report_daily.html")]
pub(crate) struct DailyPage {
    chrome: Chrome,
    /// Centers the reader may choose (code, name), and the choice (`all` for the roll-up).
    centers: Vec<(String, String)>,
    chosen: String,
    r: PeriodReport,
    charts: Vec<Chart>,
    satisfaction: String,
    on_time_rate: String,
    callback_rate: String,
}

impl DailyPage {
    fn avg_wait(&self) -> String {
        self.r
            .total
            .tickets
            .avg_wait_minutes
            .map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
    }

    fn p90_wait(&self) -> String {
        self.r
            .total
            .tickets
            .p90_wait_minutes
            .map_or_else(|| "—".to_owned(), |v| v.to_string())
    }

    fn rate(row: &ScopeRow) -> String {
        pct(row.figures.evaluations.satisfaction_rate)
    }
}

#[derive(Deserialize)]
pub(crate) struct DailyQuery {
    date: Option<String>,
    /// A center code below the user's, or `all` for the roll-up.
    center: Option<String>,
}

/// `GET /reports/daily?date=`.
pub(crate) async fn daily(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<DailyQuery>,
) -> Result<DailyPage, AppError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => crate::api::parse_date("date", d)?,
        None => state.core.clock().today(),
    };
    let chosen = q
        .center
        .clone()
        .filter(|c| !c.is_empty())
        .unwrap_or_default();
    let r = if chosen == "all" {
        state.core.daily_report_rollup(&staff.user, date).await?
    } else {
        let center = if chosen.is_empty() {
            state.core.center_of(&staff.user).await?
        } else {
            state.core.center(Some(&chosen)).await?
        };
        state.core.daily_report(&staff.user, &center, date).await?
    };
    // The centers this reader oversees: their own and those below it.
    let own = state.core.center_of(&staff.user).await?;
    let centers: Vec<(String, String)> = state
        .core
        .center_and_below(&own)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let mut by_dept: Vec<(String, f64, String)> = r
        .departments
        .iter()
        .filter(|d| d.figures.cases.received > 0)
        .map(|d| {
            let n = d.figures.cases.received;
            (d.name.clone(), n as f64, n.to_string())
        })
        .collect();
    by_dept.sort_by(|a, b| b.1.total_cmp(&a.1));
    by_dept.truncate(12);
    let levels = &r.total.evaluations.by_level;
    #[allow(clippy::cast_precision_loss)]
    let by_level = Level::ALL
        .iter()
        .zip([
            levels.very_satisfied,
            levels.satisfied,
            levels.basically_satisfied,
            levels.dissatisfied,
            levels.very_dissatisfied,
        ])
        .map(|(l, n)| (l.label().to_owned(), n as f64, n.to_string()))
        .collect();
    let c = &r.total.cases;
    #[allow(clippy::cast_precision_loss)]
    let flow = [
        ("收件", c.received),
        ("受理", c.accepted),
        ("补正告知", c.correction_requested),
        ("不予受理", c.refused),
        ("准予", c.concluded_approved),
        ("不予准予", c.concluded_denied),
        ("送达", c.delivered),
    ]
    .into_iter()
    .map(|(l, n)| (l.to_owned(), n as f64, n.to_string()))
    .collect();
    let on_time = {
        let done = c.on_time + c.overdue;
        #[allow(clippy::cast_precision_loss)]
        (done > 0).then(|| c.on_time as f64 / done as f64)
    };
    Ok(DailyPage {
        chrome,
        centers,
        chosen,
        charts: vec![
            chart("办件流转", flow),
            chart("各部门收件（前 12 位）", by_dept),
            chart("评价等级分布", by_level),
        ],
        satisfaction: pct(r.total.evaluations.satisfaction_rate),
        on_time_rate: pct(on_time),
        callback_rate: pct(r.rectification_rates.callback_rate),
        r,
    })
}

/// The ranking page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/report_performance.html")]
pub(crate) struct PerformancePage {
    chrome: Chrome,
    p: PerformanceReport,
    chart: Chart,
    /// 减证便民: how checklist items were provided in the month.
    m: yichuang_core::reports::MaterialsReport,
}

impl PerformancePage {
    fn pct(v: &Option<f64>) -> String {
        pct(*v)
    }

    fn rate(m: &yichuang_core::reports::MaterialSources) -> String {
        pct((m.total() > 0).then(|| m.paperless_rate()))
    }
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

/// `GET /reports/performance?month=`.
pub(crate) async fn performance(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<MonthQuery>,
) -> Result<PerformancePage, AppError> {
    let month = q
        .month
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| state.core.clock().today().format("%Y-%m").to_string());
    let center = state.core.default_center().await?;
    let p = state
        .core
        .performance_report(&staff.user, &center, &month)
        .await?;
    // Units without data have no score to draw.
    let items = p
        .departments
        .iter()
        .filter_map(|d| {
            d.rates
                .score
                .map(|s| (d.name.clone(), s, format!("{s:.2}")))
        })
        .take(15)
        .collect();
    let m = state
        .core
        .materials_report(&staff.user, &center, &month)
        .await?;
    Ok(PerformancePage {
        chrome,
        m,
        chart: chart("部门得分（前 15 位）", items),
        p,
    })
}
