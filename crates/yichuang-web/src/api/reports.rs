//! Report endpoints: the 日报 (JSON or xlsx) and the monthly performance ranking.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yichuang_core::CoreError;

use crate::error::ApiError;
use crate::extract::{ApiQuery, ApiStaff, urlencode};
use crate::state::AppState;

/// Query of the daily report.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct DailyQuery {
    /// `YYYY-MM-DD` (default: today).
    date: Option<String>,
    /// Center code (default: this installation's center).
    center: Option<String>,
    /// `json` (default) or `xlsx`.
    format: Option<String>,
}

/// The xlsx download of a workbook.
pub(crate) fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"report.xlsx\"; filename*=UTF-8''{}",
                    urlencode(file_name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The 日报 of a center for a date: tickets, cases and evaluations, in total and per department,
/// window, clerk and matter. `format=xlsx` returns an Excel workbook.
#[utoipa::path(get, path = "/api/v1/reports/daily", tag = "reports", security(("bearer" = [])),
    params(DailyQuery),
    responses((status = 200, description = "日报 JSON，或 xlsx 文件"),
        (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn daily(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<DailyQuery>,
) -> Result<Response, ApiError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => crate::api::parse_date("date", d)?,
        None => state.core.clock().today(),
    };
    // `center=all`: the user's center rolled up with the centers below it.
    let report = if q.center.as_deref() == Some("all") {
        state.core.daily_report_rollup(&staff.user, date).await?
    } else {
        let center = match q.center.as_deref().filter(|c| !c.is_empty()) {
            Some(code) => state.core.center(Some(code)).await?,
            None => state.core.center_of(&staff.user).await?,
        };
        state.core.daily_report(&staff.user, &center, date).await?
    };
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(axum::Json(report).into_response()),
        "xlsx" => {
            let bytes = yichuang_core::reports::daily_xlsx(&report)?;
            Ok(xlsx_response(
                bytes,
                &format!("{}日报-{date}.xlsx", report.center.name),
            ))
        }
        _ => Err(CoreError::invalid("format", "format 应为 json 或 xlsx").into()),
    }
}

/// Query of the performance ranking.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct PerformanceQuery {
    /// `YYYY-MM`.
    month: String,
    /// Center code.
    center: Option<String>,
    /// `json` (default) or `xlsx` (the ranking, or the 减证便民 report).
    #[serde(default)]
    format: Option<String>,
}

/// The monthly performance (绩效) ranking of departments and windows, with its formula.
#[utoipa::path(get, path = "/api/v1/reports/performance", tag = "reports", security(("bearer" = [])),
    params(PerformanceQuery),
    responses((status = 200, description = "排名与公式"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn performance(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<PerformanceQuery>,
) -> Result<Response, ApiError> {
    let center = state.core.center(q.center.as_deref()).await?;
    let report = state
        .core
        .performance_report(&staff.user, &center, &q.month)
        .await?;
    if q.format.as_deref() == Some("xlsx") {
        let bytes = yichuang_core::reports::performance_xlsx(&report)?;
        return Ok(xlsx_response(
            bytes,
            &format!("{}绩效排名-{}.xlsx", center.name, q.month),
        ));
    }
    Ok(axum::Json(report).into_response())
}

/// 减证便民 figures of a month: per matter, items provided from the 电子证照库, by 告知承诺, as
/// uploads or on paper, and the paperless share.
#[utoipa::path(get, path = "/api/v1/reports/materials", tag = "reports", security(("bearer" = [])),
    params(PerformanceQuery),
    responses((status = 200, description = "减证便民统计"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn materials(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<PerformanceQuery>,
) -> Result<Response, ApiError> {
    let center = state.core.center(q.center.as_deref()).await?;
    let report = state
        .core
        .materials_report(&staff.user, &center, &q.month)
        .await?;
    if q.format.as_deref() == Some("xlsx") {
        let bytes = yichuang_core::reports::materials_xlsx(&report)?;
        return Ok(xlsx_response(
            bytes,
            &format!("{}减证便民-{}.xlsx", center.name, q.month),
        ));
    }
    let row = |m: &yichuang_core::reports::MaterialSources| {
        serde_json::json!({"code": m.code, "name": m.name, "license": m.license,
            "commitment": m.commitment, "shared": m.shared, "upload": m.upload, "paper": m.paper,
            "deferred": m.deferred, "total": m.total(), "paperless_rate": m.paperless_rate()})
    };
    Ok(axum::Json(
        serde_json::json!({"month": report.month, "total": row(&report.total),
        "matters": report.matters.iter().map(row).collect::<Vec<_>>()}),
    )
    .into_response())
}
