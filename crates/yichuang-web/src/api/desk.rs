//! The window's ID-card reader (身份证读卡器). The reader's helper program on the clerk's PC
//! reads the chip of a second-generation ID card and posts what it read here, as the clerk
//! (the clerk's bearer token); the intake form's 读取身份证 button then takes the read of its
//! own window and fills the name and number. A read waits at most two minutes and is handed out
//! once; it is kept in memory only and never logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_core::CoreError;
use yichuang_domain::account::StaffUser;
use yichuang_domain::ids::{parse_id_number, parse_name};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiStaff};
use crate::html::cases::Clerks;
use crate::state::AppState;

/// How long a read waits for the form to take it.
const READ_TTL: Duration = Duration::minutes(2);

/// What the reader read from the card's chip. Only `name` and `id_number` are required.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub(crate) struct IdCardRead {
    /// 姓名.
    name: String,
    /// 公民身份号码 (18 characters, check character verified).
    id_number: String,
    /// 性别.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    /// 民族.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nation: Option<String>,
    /// 住址.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    /// 签发机关.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    /// 有效期限, as printed (e.g. `2016.01.01-2036.01.01` or `2016.01.01-长期`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid: Option<String>,
}

/// A window: (center, window code).
type WindowKey = (i64, String);

/// The reads waiting at each window, with when they arrived.
#[derive(Clone, Default)]
pub struct IdCardReads(Arc<Mutex<Waiting>>);

/// What waits at each window: the read and when it arrived.
type Waiting = HashMap<WindowKey, (IdCardRead, DateTime<Utc>)>;

impl std::fmt::Debug for IdCardReads {
    // Never print what a card said.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdCardReads")
    }
}

impl IdCardReads {
    fn put(&self, key: WindowKey, read: IdCardRead, at: DateTime<Utc>) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|_, (_, t)| at - *t < READ_TTL);
            m.insert(key, (read, at));
        }
    }

    fn take(&self, key: &WindowKey, now: DateTime<Utc>) -> Option<IdCardRead> {
        let mut m = self.0.lock().ok()?;
        let (read, at) = m.remove(key)?;
        (now - at < READ_TTL).then_some(read)
    }
}

fn window_key(user: &StaffUser) -> Result<WindowKey, CoreError> {
    let window = user
        .window
        .clone()
        .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
    Ok((user.center_id, window))
}

fn trimmed(v: Option<String>, max: usize) -> Option<String> {
    v.map(|s| s.trim().chars().take(max).collect::<String>())
        .filter(|s| !s.is_empty())
}

/// The reader posts a card it read, for the clerk's window (202: waiting for the form).
#[utoipa::path(post, path = "/api/v1/desk/id-card", tag = "cases", security(("bearer" = [])),
    request_body = IdCardRead,
    responses((status = 202, description = "已收到，等待受理表单读取"),
        (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn post_read(
    State(state): State<AppState>,
    who: ApiStaff<Clerks>,
    ApiJson(read): ApiJson<IdCardRead>,
) -> Result<StatusCode, ApiError> {
    let key = window_key(&who.user)?;
    let name = parse_name(&read.name).map_err(|m| CoreError::invalid("name", m))?;
    let id_number =
        parse_id_number(&read.id_number).map_err(|m| CoreError::invalid("id_number", m))?;
    let read = IdCardRead {
        name,
        id_number,
        gender: trimmed(read.gender, 4),
        nation: trimmed(read.nation, 20),
        address: trimmed(read.address, 200),
        issuer: trimmed(read.issuer, 100),
        valid: trimmed(read.valid, 40),
    };
    state.id_reads.put(key, read, state.core.clock().now());
    Ok(StatusCode::ACCEPTED)
}

/// The intake form takes the card read at its window (once; 404 when none is waiting).
#[utoipa::path(get, path = "/api/v1/desk/id-card", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = IdCardRead), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn take_read(
    State(state): State<AppState>,
    who: ApiStaff<Clerks>,
) -> Result<axum::Json<IdCardRead>, ApiError> {
    let key = window_key(&who.user)?;
    state
        .id_reads
        .take(&key, state.core.clock().now())
        .map(axum::Json)
        .ok_or_else(|| {
            CoreError::NotFound("未读到身份证：请把身份证放在读卡器上，读卡完成后再点一次".into())
                .into()
        })
}
