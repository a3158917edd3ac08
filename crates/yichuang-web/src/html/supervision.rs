//! The 电子监察 page (`/supervision`) and the monthly 通报 page (`/reports/bulletin`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use yichuang_core::board::Board;
use yichuang_core::reports::Bulletin;

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, PageQuery, PageStaff};
use crate::state::AppState;

/// One day's columns of the trend chart (heights in px, drawn by the template).
pub(crate) struct Column {
    label: String,
    x: u32,
    yellow: i64,
    red: i64,
    yellow_h: u32,
    red_h: u32,
}

/// The board page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/supervision.html")]
pub(crate) struct SupervisionPage {
    chrome: Chrome,
    b: Board,
    at_label: String,
    forecast_label: String,
    columns: Vec<Column>,
}

const CHART_H: f64 = 120.0;

/// Query of the board page.
#[derive(Deserialize)]
pub(crate) struct BoardQuery {
    at: Option<String>,
}

/// `GET /supervision`.
pub(crate) async fn board(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<BoardQuery>,
) -> Result<SupervisionPage, AppError> {
    let at = crate::api::supervision::parse_at(q.at.as_deref(), state.core.clock().now())?;
    let filter = yichuang_core::board::BoardFilter {
        limit: 300,
        ..Default::default()
    };
    let b = state.core.board(&staff.user, at, &filter).await?;
    let max = b
        .trend
        .iter()
        .map(|d| d.yellow.max(d.red))
        .max()
        .unwrap_or(0)
        .max(1);
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let h = |v: i64| (v as f64 / max as f64 * CHART_H).round() as u32;
    let columns = (0u32..)
        .zip(&b.trend)
        .map(|(i, d)| Column {
            label: d.day.format("%m-%d").to_string(),
            x: 30 + i * 40,
            yellow: d.yellow,
            red: d.red,
            yellow_h: h(d.yellow),
            red_h: h(d.red),
        })
        .collect();
    let show = |t| {
        yichuang_domain::clock::to_shanghai(t)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    Ok(SupervisionPage {
        chrome,
        at_label: show(b.at),
        forecast_label: show(b.forecast_at),
        columns,
        b,
    })
}

/// The bulletin page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/bulletin.html")]
pub(crate) struct BulletinPage {
    chrome: Chrome,
    b: Bulletin,
}

#[derive(Deserialize)]
pub(crate) struct MonthQuery {
    month: Option<String>,
}

/// `GET /reports/bulletin?month=`.
pub(crate) async fn bulletin(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<MonthQuery>,
) -> Result<BulletinPage, AppError> {
    let month = q
        .month
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| state.core.clock().today().format("%Y-%m").to_string());
    let center = state.core.default_center().await?;
    let b = state.core.bulletin(&staff.user, &center, &month).await?;
    Ok(BulletinPage { chrome, b })
}
