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

/// Query of the staffing proposal.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct StaffingQuery {
    /// First day `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day `YYYY-MM-DD` (default: today).
    to: Option<String>,
    /// Target p90 wait in minutes, 1–120 (default 15).
    target: Option<String>,
}

/// One queue-hour of the staffing proposal.
#[derive(serde::Serialize)]
struct StaffingHour {
    queue: String,
    hour: usize,
    arrivals_per_day: f64,
    current_windows: u32,
    proposed_windows: u32,
    erlang_windows: Option<u32>,
    current_p90_wait_min: Option<f64>,
    proposed_p90_wait_min: Option<f64>,
    current_utilisation: Option<f64>,
    proposed_utilisation: Option<f64>,
}

/// 窗口配置测算: per queue and hour, the windows open in `from..=to` next to the windows needed
/// to keep the p90 wait under `target` (Erlang C, confirmed by replaying the same arrivals),
/// and the replay of the same days against the measured waits (admins and supervisors).
#[utoipa::path(get, path = "/api/v1/reports/staffing", tag = "reports", security(("bearer" = [])),
    params(StaffingQuery),
    responses((status = 200, description = "当前与建议窗口配置、模型校验"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn staffing(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<StaffingQuery>,
) -> Result<Response, ApiError> {
    let (from, to, target) = crate::html::staffing_query(
        state.core.clock().today(),
        q.from.as_deref(),
        q.to.as_deref(),
        q.target.as_deref(),
    )?;
    let r = state
        .core
        .staffing_report(&staff.user, from, to, target)
        .await?;
    let p = r.proposal.as_ref();
    let hours: Vec<StaffingHour> = p
        .map(|p| {
            p.rows
                .iter()
                .map(|h| StaffingHour {
                    queue: h.queue.clone(),
                    hour: h.hour,
                    arrivals_per_day: h.current.arrivals_per_day(),
                    current_windows: h.current_windows,
                    proposed_windows: h.proposed_windows,
                    erlang_windows: h.erlang.windows,
                    current_p90_wait_min: h.current.p90_wait_min,
                    proposed_p90_wait_min: h.proposed.p90_wait_min,
                    current_utilisation: h.current.utilisation(),
                    proposed_utilisation: h.proposed.utilisation(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(axum::Json(serde_json::json!({
        "from": r.from,
        "to": r.to,
        "target_p90_wait_min": r.target_wait_min,
        "days": r.days,
        "tickets": r.tickets,
        "queues": r.queue_names,
        "counters": r.counters,
        "unmeasured_queues": r.unmeasured_queues,
        "current_staff_hours": p.map(|p| p.current_staff_hours),
        "proposed_staff_hours": p.map(|p| p.proposed_staff_hours),
        "staff_hours_saved": p.map(|p| p.staff_hours_saved),
        "confirmed": p.map(|p| p.confirmed),
        "current_p90_wait_min": p.and_then(|p| p.current_result.overall.p90_wait_min),
        "proposed_p90_wait_min": p.and_then(|p| p.proposed_result.overall.p90_wait_min),
        "hours": hours,
        "validation": r.validation,
    }))
    .into_response())
}

/// Query of the workload report.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct WorkloadQuery {
    /// First day `YYYY-MM-DD` (default: 29 days before `to`).
    from: Option<String>,
    /// Last day `YYYY-MM-DD` (default: today).
    to: Option<String>,
    /// `json` (default) or `xlsx`.
    format: Option<String>,
}

/// 工作量统计: per window and per person tickets served, handling time (average, p90), cases
/// accepted, serving/paused/idle minutes; handling time per matter; each queue's wait by hour
/// of day (admins and supervisors).
#[utoipa::path(get, path = "/api/v1/reports/workload", tag = "reports", security(("bearer" = [])),
    params(WorkloadQuery),
    responses((status = 200, description = "工作量统计"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn workload(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<WorkloadQuery>,
) -> Result<Response, ApiError> {
    let (from, to) = crate::html::workload_range(
        state.core.clock().today(),
        q.from.as_deref(),
        q.to.as_deref(),
    )?;
    let r = state.core.workload_report(&staff.user, from, to).await?;
    match q.format.as_deref() {
        None | Some("" | "json") => Ok(axum::Json(r).into_response()),
        Some("xlsx") => {
            let bytes = yichuang_core::reports::workload_xlsx(&r)?;
            Ok(xlsx_response(
                bytes,
                &format!("工作量统计-{from}至{to}.xlsx"),
            ))
        }
        Some(other) => Err(CoreError::invalid(
            "format",
            format!("未知格式 \"{other}\"，可选 json 或 xlsx"),
        )
        .into()),
    }
}
