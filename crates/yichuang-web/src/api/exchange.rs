//! Data exchange endpoints: the GB/T 39046 export of cases, paged by cursor, and the case-event
//! feed for integrators as pages and as a server-sent event stream. Scopes and masking are the
//! core's (`yichuang_core::exchange`).

use std::collections::VecDeque;
use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use yichuang_core::exchange::FeedEvent;
use yichuang_core::{Core, CoreError};
use yichuang_domain::account::StaffUser;

use crate::error::ApiError;
use crate::extract::{ApiQuery, ApiStaff};
use crate::state::AppState;

/// How often an open stream looks for new events. The database is the source of truth, so a
/// stream on any instance sees the events written on every other (no notification to lose).
const STREAM_POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// Events a stream reads per query.
const STREAM_PAGE: u32 = 100;

/// Query of the export.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportQuery {
    /// The `next` of the previous page (0 or absent for the first).
    since: Option<String>,
    /// Page size, 1–500 (default 100).
    limit: Option<String>,
}

/// Query of the feed.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct FeedQuery {
    /// Events with an id above this one (the `next` of the previous page; 0 for the first).
    after: Option<String>,
    /// Page size, 1–500 (default 100).
    limit: Option<String>,
}

/// Parses an optional non-negative integer parameter.
fn number<T: std::str::FromStr>(name: &str, v: Option<&str>) -> Result<Option<T>, CoreError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| CoreError::invalid(name, format!("{name} 应为非负整数"))),
    }
}

/// Cases of the center as the GB/T 39046 data sets 办件基本信息, 办件材料信息, 办件过程信息 and
/// 办件结果信息, in a stable order (case id), `limit` at a time; pass `next` back as `since` until it is
/// null. Element names are the standard's Chinese names; ID numbers and phones are masked.
/// 系统管理员 and 监察人员 only.
#[utoipa::path(get, path = "/api/v1/exchange/cases", tag = "exchange", security(("bearer" = [])),
    params(ExportQuery),
    responses((status = 200, description = "{records, next}"),
        (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn cases(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let since = number::<i64>("since", q.since.as_deref())?.unwrap_or(0);
    let limit = number::<u32>("limit", q.limit.as_deref())?;
    let page = state.core.exchange_cases(&staff.user, since, limit).await?;
    Ok(axum::Json(page).into_response())
}

/// Case events after `after`, in id order, as far as the caller's role reaches: the whole
/// center for 系统管理员 and 监察人员, the department's cases for its 审批人员 and 部门负责人.
/// Returns `{events, next}`; pass `next` back as `after`.
#[utoipa::path(get, path = "/api/v1/events", tag = "exchange", security(("bearer" = [])),
    params(FeedQuery),
    responses((status = 200, description = "{events, next}"),
        (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn events(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Response, ApiError> {
    let after = number::<i64>("after", q.after.as_deref())?.unwrap_or(0);
    let limit = number::<u32>("limit", q.limit.as_deref())?;
    let page = state.core.event_feed(&staff.user, after, limit).await?;
    Ok(axum::Json(page).into_response())
}

/// The same events as a server-sent event stream: each event's SSE `id` is the event id (a
/// reconnecting client's `Last-Event-ID` resumes after it), its `event` the kind, its `data`
/// the event as `/api/v1/events` gives it. New events arrive within about a second, from every
/// server instance.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "exchange", security(("bearer" = [])),
    params(FeedQuery),
    responses((status = 200, content_type = "text/event-stream"),
        (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    staff: ApiStaff,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> Result<Response, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let after = match resume {
        Some(id) => number::<i64>("Last-Event-ID", Some(&id))?,
        None => number::<i64>("after", q.after.as_deref())?,
    }
    .unwrap_or(0);
    // Refuse before the stream starts: a 403 or 400 is an answer, not an empty stream.
    state.core.event_feed(&staff.user, after, Some(1)).await?;
    let s = feed_stream(state.core.clone(), staff.user, after);
    Ok(Sse::new(s).keep_alive(KeepAlive::default()).into_response())
}

/// What a stream holds between polls.
struct Cursor {
    core: Core,
    user: StaffUser,
    after: i64,
    ready: VecDeque<FeedEvent>,
}

fn feed_stream(
    core: Core,
    user: StaffUser,
    after: i64,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let start = Cursor {
        core,
        user,
        after,
        ready: VecDeque::new(),
    };
    futures_util::stream::unfold(start, |mut c| async move {
        loop {
            if let Some(e) = c.ready.pop_front() {
                let data = serde_json::to_string(&e).unwrap_or_default();
                let sse = Event::default()
                    .id(e.id.to_string())
                    .event(e.kind)
                    .data(data);
                return Some((Ok(sse), c));
            }
            match c.core.event_feed(&c.user, c.after, Some(STREAM_PAGE)).await {
                Ok(page) if !page.events.is_empty() => {
                    c.after = page.next;
                    c.ready.extend(page.events);
                }
                Ok(_) => tokio::time::sleep(STREAM_POLL).await,
                Err(e) => {
                    // The account lost its role or the database failed: end the stream, the
                    // client reconnects with its Last-Event-ID and hears why.
                    tracing::warn!(error = %e, "event stream ended");
                    return None;
                }
            }
        }
    })
}
