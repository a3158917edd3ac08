//! The audit trail for the 审计管理员: the filtered log (JSON or xlsx) and the chain check.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use yichuang_core::CoreError;
use yichuang_core::audit::{AUDIT_LIMIT, AuditQuery};

use crate::api::parse_date;
use crate::api::reports::xlsx_response;
use crate::error::ApiError;
use crate::extract::{ApiQuery, ApiStaff, AuditorOnly};
use crate::state::AppState;

/// Filter of the audit log.
#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
pub(crate) struct AuditParams {
    /// Username of the actor.
    pub(crate) actor: Option<String>,
    /// Event kind, or its beginning (e.g. `case_`).
    pub(crate) kind: Option<String>,
    /// Subject: case number, username, matter code….
    pub(crate) subject: Option<String>,
    /// First day `YYYY-MM-DD` (Beijing time).
    pub(crate) from: Option<String>,
    /// Last day `YYYY-MM-DD` (inclusive).
    pub(crate) to: Option<String>,
    /// At most this many rows (default 200, at most 5000).
    pub(crate) limit: Option<u32>,
    /// `json` (default) or `xlsx`.
    #[serde(skip_serializing)]
    pub(crate) format: Option<String>,
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_time(NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || d.and_time(NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

fn text(v: Option<&String>, field: &str) -> Result<Option<String>, CoreError> {
    let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if v.as_ref().is_some_and(|s| s.chars().count() > 100) {
        return Err(CoreError::invalid(field, "筛选条件不能超过 100 个字符"));
    }
    Ok(v)
}

impl AuditParams {
    /// The core query, dates checked.
    pub(crate) fn query(&self, default_limit: u32) -> Result<AuditQuery, CoreError> {
        let date = |field: &str, v: Option<&String>| -> Result<Option<NaiveDate>, CoreError> {
            v.map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| parse_date(field, s))
                .transpose()
        };
        let from = date("from", self.from.as_ref())?;
        let to = date("to", self.to.as_ref())?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(CoreError::invalid("to", "结束日期不能早于开始日期"));
        }
        Ok(AuditQuery {
            actor: text(self.actor.as_ref(), "actor")?,
            kind: text(self.kind.as_ref(), "kind")?,
            subject: text(self.subject.as_ref(), "subject")?,
            from: from.map(day_start),
            until: to.and_then(|t| t.succ_opt()).map(day_start),
            limit: self.limit.unwrap_or(default_limit).clamp(1, AUDIT_LIMIT),
        })
    }
}

/// The audit log of the auditor's center, newest first: who did what, when, from which
/// address and program, with each event's SM3 hash. ID numbers and phones are masked. Every
/// read is itself logged. `format=xlsx` downloads the same rows as an Excel workbook.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit", security(("bearer" = [])),
    params(AuditParams),
    responses((status = 200, description = "审计日志 JSON，或 xlsx 文件"),
        (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn events(
    State(state): State<AppState>,
    staff: ApiStaff<AuditorOnly>,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Result<Response, ApiError> {
    let format = q.format.clone().unwrap_or_else(|| "json".into());
    if format != "json" && format != "xlsx" {
        return Err(CoreError::invalid("format", "format 应为 json 或 xlsx").into());
    }
    let query = q.query(200)?;
    let entries = state.core.audit_log(&staff.user, &query).await?;
    if format == "xlsx" {
        let bytes = yichuang_core::audit::audit_xlsx(&entries)?;
        return Ok(xlsx_response(bytes, "审计日志.xlsx"));
    }
    Ok(axum::Json(entries).into_response())
}

/// Checks the whole SM3 chain of every center now and returns what it found (the first broken
/// event of each chain, if any).
#[utoipa::path(post, path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "校验结果"), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    _staff: ApiStaff<AuditorOnly>,
) -> Result<Response, ApiError> {
    let report = state.core.verify_audit(1, None).await?;
    Ok(axum::Json(report).into_response())
}
