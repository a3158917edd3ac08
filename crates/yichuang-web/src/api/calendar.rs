//! Working-day calendar endpoints: deadline arithmetic (public) and administration (admin).

use axum::extract::State;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use yichuang_core::CoreError;
use yichuang_domain::calendar::DayKind;

use crate::error::ApiError;
use crate::extract::{AdminOnly, ApiJson, ApiPath, ApiQuery, ApiStaff};
use crate::state::AppState;

/// Parses a `YYYY-MM-DD` date with a Chinese error naming the field.
pub(crate) fn parse_date(field: &str, s: &str) -> Result<NaiveDate, CoreError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| CoreError::invalid(field, format!("日期 \"{s}\" 格式不正确，应为 YYYY-MM-DD")))
}

/// Query of the deadline calculator.
#[derive(Deserialize, IntoParams)]
pub(crate) struct AddQuery {
    /// Start date `YYYY-MM-DD` (not counted).
    from: Option<String>,
    /// Working days to add, 0–3650.
    days: Option<String>,
}

/// A notable day skipped or counted on the way.
#[derive(Serialize, ToSchema)]
pub(crate) struct NotableDay {
    day: String,
    /// holiday | workday
    kind: String,
    note: String,
}

/// Result of the deadline calculator.
#[derive(Serialize, ToSchema)]
pub(crate) struct AddResult {
    /// The date `days` working days after `from`.
    date: String,
    /// True when a year without an entered official schedule was involved.
    provisional: bool,
    /// Holidays skipped and make-up working days counted between the two dates.
    notable_days: Vec<NotableDay>,
}

/// Add working days to a date on the center's calendar.
#[utoipa::path(get, path = "/api/v1/calendar/add-working-days", tag = "calendar",
    params(AddQuery),
    responses((status = 200, body = AddResult), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn add_working_days(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AddQuery>,
) -> Result<axum::Json<AddResult>, ApiError> {
    let from = q
        .from
        .ok_or_else(|| CoreError::invalid("from", "缺少起算日期 from"))?;
    let from = parse_date("from", &from)?;
    let days = q
        .days
        .ok_or_else(|| CoreError::invalid("days", "缺少工作日天数 days"))?;
    let days: i64 = days
        .trim()
        .parse()
        .map_err(|_| CoreError::invalid("days", format!("工作日天数 \"{days}\" 不是整数")))?;
    let center = state.core.default_center().await?;
    let result = state.core.add_working_days(center.id, from, days).await?;
    let calendar = state.core.calendar(center.id).await?;
    let notable_days = calendar
        .notable_days(from, result.date)
        .into_iter()
        .map(|o| NotableDay {
            day: o.day.to_string(),
            kind: o.kind.code().into(),
            note: o.note,
        })
        .collect();
    Ok(axum::Json(AddResult {
        date: result.date.to_string(),
        provisional: result.provisional,
        notable_days,
    }))
}

/// Query of the year view.
#[derive(Deserialize, IntoParams)]
pub(crate) struct YearQuery {
    /// Year, e.g. 2026.
    year: i32,
}

/// A year of the calendar.
#[derive(Serialize, ToSchema)]
pub(crate) struct YearView {
    year: i32,
    /// Whether the year's official schedule has been entered.
    loaded: bool,
    /// Days that differ from the Monday–Friday rule.
    days: Vec<NotableDay>,
    /// Working days in the year.
    working_days: i64,
}

/// A year of the center's calendar.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", params(YearQuery),
    responses((status = 200, body = YearView), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn show_year(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> Result<axum::Json<YearView>, ApiError> {
    if !yichuang_core::calendar::EDITABLE_YEARS.contains(&q.year) {
        return Err(CoreError::invalid("year", "年份应在 2000 至 2100 之间").into());
    }
    let center = state.core.default_center().await?;
    let cal = state.core.calendar(center.id).await?;
    let (first, last) = year_bounds(q.year)?;
    let days = cal
        .notable_days(first, last)
        .into_iter()
        .map(|o| NotableDay {
            day: o.day.to_string(),
            kind: o.kind.code().into(),
            note: o.note,
        })
        .collect();
    Ok(axum::Json(YearView {
        year: q.year,
        loaded: cal.is_year_loaded(q.year),
        days,
        working_days: cal.working_days_between(first, last).0,
    }))
}

/// The day before January 1st and December 31st of `year`.
fn year_bounds(year: i32) -> Result<(NaiveDate, NaiveDate), CoreError> {
    let bad = || CoreError::invalid("year", "年份无效");
    let first = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.pred_opt())
        .ok_or_else(bad)?;
    let last = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(bad)?;
    Ok((first, last))
}

/// Body of a day change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SetDay {
    /// `holiday` (休息), `workday` (调休上班) or `default` (按周一至周五).
    kind: String,
    /// Note such as 春节.
    #[serde(default)]
    note: String,
}

/// A day after the change.
#[derive(Serialize, ToSchema)]
pub(crate) struct DayView {
    day: String,
    kind: String,
    note: String,
    is_working_day: bool,
}

/// Mark a day as holiday, working day, or back to the default rule (admin).
#[utoipa::path(put, path = "/api/v1/calendar/days/{day}", tag = "calendar",
    security(("bearer" = [])),
    params(("day" = String, Path, description = "YYYY-MM-DD")), request_body = SetDay,
    responses((status = 200, body = DayView), (status = 400, body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn set_day(
    State(state): State<AppState>,
    staff: ApiStaff<AdminOnly>,
    ApiPath(day): ApiPath<String>,
    ApiJson(body): ApiJson<SetDay>,
) -> Result<axum::Json<DayView>, ApiError> {
    let day = parse_date("day", &day)?;
    let kind =
        match body.kind.as_str() {
            "default" => None,
            other => Some(DayKind::parse(other).ok_or_else(|| {
                CoreError::invalid("kind", "kind 应为 holiday、workday 或 default")
            })?),
        };
    let center = staff.user.center_id;
    state
        .core
        .set_calendar_day(center, day, kind, &body.note, &staff.user.username)
        .await?;
    let cal = state.core.calendar(center).await?;
    let (kind, note) = cal
        .override_of(day)
        .map_or(("default", ""), |(k, n)| (k.code(), n));
    Ok(axum::Json(DayView {
        day: day.to_string(),
        kind: kind.into(),
        note: note.into(),
        is_working_day: cal.is_working_day(day),
    }))
}

/// Body of a year change.
#[derive(Deserialize, ToSchema)]
pub(crate) struct SetYear {
    /// Whether the official schedule of the year has been entered completely.
    loaded: bool,
}

/// Mark a year's official schedule as entered (admin).
#[utoipa::path(put, path = "/api/v1/calendar/years/{year}", tag = "calendar",
    security(("bearer" = [])), params(("year" = i32, Path)), request_body = SetYear,
    responses((status = 200, body = YearView), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn set_year(
    State(state): State<AppState>,
    staff: ApiStaff<AdminOnly>,
    ApiPath(year): ApiPath<i32>,
    ApiJson(body): ApiJson<SetYear>,
) -> Result<axum::Json<YearView>, ApiError> {
    let center = staff.user.center_id;
    state
        .core
        .set_calendar_year(center, year, body.loaded, &staff.user.username)
        .await?;
    let cal = state.core.calendar(center).await?;
    let (first, last) = year_bounds(year)?;
    Ok(axum::Json(YearView {
        year,
        loaded: cal.is_year_loaded(year),
        days: Vec::new(),
        working_days: cal.working_days_between(first, last).0,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn dates_parse_with_chinese_errors() {
        assert_eq!(parse_date("from", "2026-02-10").unwrap().day(), 10);
        let err = parse_date("from", "2026/02/10").unwrap_err();
        assert!(err.to_string().contains("格式不正确"));
    }
}
