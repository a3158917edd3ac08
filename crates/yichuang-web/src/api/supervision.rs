//! 电子监察 endpoints: the alert board with filters, and the monthly 通报.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use yichuang_core::CoreError;

use crate::error::ApiError;
use crate::extract::{ApiQuery, ApiStaff};
use crate::state::AppState;

/// Query of the alert board.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct AlertsQuery {
    /// green | yellow | red | legal_overdue (default: yellow and red).
    level: Option<String>,
    /// Department code.
    department: Option<String>,
    /// Instant (RFC 3339); default now. A future instant gives a forecast.
    at: Option<String>,
}

/// Parses an optional RFC 3339 instant.
pub(crate) fn parse_at(at: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>, CoreError> {
    match at.filter(|s| !s.is_empty()) {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                CoreError::invalid("at", "时间格式应为 RFC 3339，如 2026-11-30T09:00:00+08:00")
            }),
        None => Ok(now),
    }
}

/// Alerts of open cases as of `at` (supervisors): the filtered list with counts by light and
/// department, the Friday forecast and the 14-day trend.
#[utoipa::path(get, path = "/api/v1/supervision/alerts", tag = "cases", security(("bearer" = [])),
    params(AlertsQuery),
    responses((status = 200, description = "预警列表与统计"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn alerts(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> Result<Response, ApiError> {
    let at = parse_at(q.at.as_deref(), state.core.clock().now())?;
    let level = q.level.as_deref().filter(|l| !l.is_empty());
    if let Some(l) = level
        && !["green", "yellow", "red", "legal_overdue"].contains(&l)
    {
        return Err(
            CoreError::invalid("level", "level 应为 green、yellow、red 或 legal_overdue").into(),
        );
    }
    let filter = yichuang_core::board::BoardFilter {
        level: level.map(str::to_owned),
        department: q.department.filter(|d| !d.is_empty()),
        limit: 1000,
    };
    let board = state.core.board(&staff.user, at, &filter).await?;
    Ok(axum::Json(board).into_response())
}

/// Query of the bulletin.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct BulletinQuery {
    /// `YYYY-MM`.
    month: String,
    /// `json` (default) or `xlsx`.
    format: Option<String>,
}

/// The monthly 通报: overdue cases and late 督办 replies per department.
#[utoipa::path(get, path = "/api/v1/reports/bulletin", tag = "reports", security(("bearer" = [])),
    params(BulletinQuery),
    responses((status = 200, description = "通报 JSON 或 xlsx"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn bulletin(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<BulletinQuery>,
) -> Result<Response, ApiError> {
    let center = state.core.default_center().await?;
    let b = state.core.bulletin(&staff.user, &center, &q.month).await?;
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(axum::Json(b).into_response()),
        "xlsx" => {
            let bytes = yichuang_core::reports::bulletin_xlsx(&b)?;
            Ok(crate::api::reports::xlsx_response(
                bytes,
                &format!("{}通报-{}.xlsx", center.name, q.month),
            ))
        }
        _ => Err(CoreError::invalid("format", "format 应为 json 或 xlsx").into()),
    }
}

/// Outbox filter.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub(crate) struct OutboxQuery {
    /// Only messages to this recipient (a phone number).
    to: Option<String>,
}

/// Messages sent through the default notifier, newest first (administrators and supervisors):
/// how an administrator checks what was sent. Phone numbers are masked; verification codes are
/// shown only in demo mode.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "cases", security(("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, description = "发件箱"), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn outbox(
    State(state): State<AppState>,
    staff: ApiStaff,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<OutboxQuery>,
) -> Result<Response, ApiError> {
    let to = q.to.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let demo = state.settings.demo_mode;
    let items: Vec<_> = state
        .core
        .outbox_for(&staff.user)
        .await?
        .into_iter()
        .filter(|m| to.as_deref().is_none_or(|t| m.recipient == t))
        .map(|mut m| {
            if !demo && m.subject_kind == "applicant" {
                m.message = hide_digits(&m.message);
            }
            if m.recipient.chars().all(|c| c.is_ascii_digit()) {
                m.recipient = yichuang_domain::mask::mask_phone(&m.recipient);
            }
            m
        })
        .collect();
    Ok(axum::Json(items).into_response())
}

/// Hides a verification code outside demo mode (a real gateway delivers it; nobody reads it).
pub(crate) fn hide_digits(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_ascii_digit() { '*' } else { c })
        .collect()
}

/// Query of the window timelines.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct WindowsQuery {
    /// `YYYY-MM-DD` (default: today).
    date: Option<String>,
    /// Pauses longer than this many minutes are listed (1–480, default 15).
    pause: Option<String>,
}

/// 窗口活动时间轴: per window one day's serving, no-show, paused and idle intervals (local
/// minutes since midnight) with the ticket and case of each, and the pauses longer than the
/// threshold (admins and supervisors).
#[utoipa::path(get, path = "/api/v1/supervision/windows", tag = "cases", security(("bearer" = [])),
    params(WindowsQuery),
    responses((status = 200, description = "各窗口当天活动"), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn windows(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<WindowsQuery>,
) -> Result<axum::Json<yichuang_core::reports::activity::WindowActivity>, ApiError> {
    let (day, pause) = crate::html::activity_query(
        state.core.clock().today(),
        q.date.as_deref(),
        q.pause.as_deref(),
    )?;
    Ok(axum::Json(
        state.core.window_activity(&staff.user, day, pause).await?,
    ))
}
