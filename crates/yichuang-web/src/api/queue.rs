//! Hall queue endpoints: tickets, calling, actions, waiting counts and the live event stream.

use std::convert::Infallible;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_core::CoreError;
use yichuang_core::queue::TicketAction;
use yichuang_core::store::Ticket;
use yichuang_domain::queue::TicketKind;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiStaff};
use crate::state::AppState;

/// A ticket as the API shows it (nothing personal).
#[derive(Serialize, ToSchema)]
pub(crate) struct TicketDto {
    id: i64,
    number: String,
    group: String,
    /// normal | priority | appointment
    kind: String,
    /// waiting | called | serving | finished | no_show
    status: String,
    window: Option<String>,
    issued_at: String,
    recalls: u32,
    waiting_ahead: Option<u64>,
}

pub(crate) fn dto(t: &Ticket, waiting_ahead: Option<u64>) -> TicketDto {
    TicketDto {
        id: t.id,
        number: t.number.clone(),
        group: t.group.clone(),
        kind: t.kind.code().into(),
        status: t.status.code().into(),
        window: t.window.clone(),
        issued_at: t.issued_at.to_rfc3339(),
        recalls: t.recalls,
        waiting_ahead,
    }
}

/// A ticket request.
#[derive(Deserialize, ToSchema)]
pub(crate) struct NewTicketBody {
    /// Window group (category), e.g. `comprehensive`.
    group: String,
    /// `normal` (default) or `priority` (绿色通道).
    priority: Option<String>,
    /// Optional 居民身份证号码: one waiting ticket per person per category.
    id_number: Option<String>,
}

pub(crate) fn kind_of(priority: Option<&str>) -> Result<TicketKind, CoreError> {
    match priority.unwrap_or("normal") {
        "normal" | "" => Ok(TicketKind::Normal),
        "priority" => Ok(TicketKind::Priority),
        other => Err(CoreError::invalid(
            "priority",
            format!("priority 应为 normal 或 priority，而不是 \"{other}\""),
        )),
    }
}

/// Take a ticket (clerk's walk-in button, or an integrator on behalf of a kiosk).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "queue", security(("bearer" = [])), request_body = NewTicketBody,
    responses((status = 201, body = TicketDto), (status = 400, body = crate::api::ErrorBody),
        (status = 409, description = "已有等候中的号", body = crate::api::ErrorBody),
        (status = 422, description = "invalid_id_number", body = crate::api::ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> Result<(StatusCode, axum::Json<TicketDto>), ApiError> {
    let kind = kind_of(body.priority.as_deref())?;
    let (t, ahead) = state
        .core
        .take_ticket(
            staff.user.center_id,
            &body.group,
            kind,
            body.id_number.as_deref(),
            &staff.user.username,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(dto(&t, Some(ahead)))))
}

/// A called ticket.
#[derive(Serialize, ToSchema)]
pub(crate) struct Called {
    ticket: TicketDto,
}

/// Call the next ticket at the caller's window (204 when nobody is waiting).
#[utoipa::path(post, path = "/api/v1/windows/{code}/call", tag = "queue", security(("bearer" = [])),
    params(("code" = String, Path)),
    responses((status = 200, body = Called), (status = 204), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn call(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(code): ApiPath<String>,
) -> Result<Response, ApiError> {
    Ok(match state.core.call_next(&staff.user, &code).await? {
        Some(t) => axum::Json(Called {
            ticket: dto(&t, None),
        })
        .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// A ticket action.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ActionBody {
    /// recall | no_show | start | finish | transfer | reactivate
    action: String,
    to_group: Option<String>,
    to_window: Option<String>,
}

pub(crate) fn action_of(
    action: &str,
    to_group: Option<String>,
    to_window: Option<String>,
) -> Result<TicketAction, CoreError> {
    Ok(match action {
        "recall" => TicketAction::Recall,
        "no_show" => TicketAction::NoShow,
        "start" => TicketAction::Start,
        "finish" => TicketAction::Finish,
        "transfer" => TicketAction::Transfer {
            to_group: to_group.filter(|s| !s.is_empty()),
            to_window: to_window.filter(|s| !s.is_empty()),
        },
        "reactivate" => TicketAction::Reactivate,
        other => {
            return Err(CoreError::invalid(
                "action",
                format!("不支持的操作 \"{other}\""),
            ));
        }
    })
}

/// Recall, no-show, start, finish, transfer or reactivate a ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/actions", tag = "queue", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ActionBody,
    responses((status = 200, body = TicketDto), (status = 400, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn act(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ActionBody>,
) -> Result<axum::Json<TicketDto>, ApiError> {
    let action = action_of(&body.action, body.to_group, body.to_window)?;
    let t = state.core.ticket_action(&staff.user, id, action).await?;
    Ok(axum::Json(dto(&t, None)))
}

/// A ticket's position (public: a number and a position, nothing personal).
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "queue", params(("id" = i64, Path)),
    responses((status = 200, body = TicketDto), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<axum::Json<TicketDto>, ApiError> {
    let t = state
        .core
        .store()
        .ticket(id)
        .await?
        .ok_or_else(|| CoreError::NotFound("排队号不存在".into()))?;
    let ahead = state.core.waiting_ahead(&t).await?;
    Ok(axum::Json(dto(&t, Some(ahead))))
}

/// Waiting tickets of one category.
#[derive(Serialize, ToSchema)]
pub(crate) struct GroupStatus {
    code: String,
    name: String,
    waiting: u64,
}

/// Waiting per category.
#[derive(Serialize, ToSchema)]
pub(crate) struct QueueStatus {
    groups: Vec<GroupStatus>,
}

/// Waiting tickets per category today.
#[utoipa::path(get, path = "/api/v1/queue/status", tag = "queue", responses((status = 200, body = QueueStatus)))]
pub(crate) async fn status(
    State(state): State<AppState>,
) -> Result<axum::Json<QueueStatus>, ApiError> {
    let center = state.core.default_center().await?;
    let groups = state
        .core
        .queue_status(center.id)
        .await?
        .into_iter()
        .map(|(code, name, waiting)| GroupStatus {
            code,
            name,
            waiting,
        })
        .collect();
    Ok(axum::Json(QueueStatus { groups }))
}

/// Live hall events as server-sent events (`called`, `recalled`, `finished`, …), each with the
/// number and the window.
#[utoipa::path(get, path = "/api/v1/queue/events", tag = "queue",
    responses((status = 200, content_type = "text/event-stream")))]
pub(crate) async fn events(
    State(state): State<AppState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut rx = state.core.hall_events();
    let stream = async_stream(move |tx| async move {
        loop {
            match rx.recv().await {
                Ok(e) => {
                    let data = serde_json::to_string(&e).unwrap_or_default();
                    if tx
                        .send(Event::default().event(e.kind.clone()).data(data))
                        .await
                        .is_err()
                    {
                        break;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// A stream fed by a task through a channel: the task ends when the client goes away.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(f(tx));
    futures_util::stream::unfold(
        rx,
        |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) },
    )
}

/// An evaluation (好差评) of a finished ticket.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EvaluationBody {
    ticket_id: i64,
    /// very_satisfied | satisfied | basically_satisfied | dissatisfied | very_dissatisfied
    level: String,
    /// Indicator code → level, e.g. `{"attitude": "satisfied"}`.
    indicators: Option<std::collections::HashMap<String, String>>,
    /// pad | web | mobile | sms | qr | phone
    channel: String,
    comment: Option<String>,
}

/// The id of a recorded evaluation.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationCreated {
    id: i64,
}

/// Record an evaluation of a finished ticket (staff of the center; the window's pad uses
/// `/pad/{window}`).
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "queue", security(("bearer" = [])),
    request_body = EvaluationBody,
    responses((status = 201, body = EvaluationCreated), (status = 400, body = crate::api::ErrorBody),
        (status = 409, description = "已评价或服务未结束", body = crate::api::ErrorBody)))]
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiJson(body): ApiJson<EvaluationBody>,
) -> Result<(StatusCode, axum::Json<EvaluationCreated>), ApiError> {
    use yichuang_domain::evaluation::{Channel, Level};
    let level = Level::parse(&body.level)
        .ok_or_else(|| CoreError::invalid("level", "level 应为 very_satisfied、satisfied、basically_satisfied、dissatisfied 或 very_dissatisfied"))?;
    let channel = Channel::parse(&body.channel).ok_or_else(|| {
        CoreError::invalid("channel", "channel 应为 pad、web、mobile、sms、qr 或 phone")
    })?;
    let mut indicators = Vec::new();
    for (k, v) in body.indicators.unwrap_or_default() {
        let l = Level::parse(&v)
            .ok_or_else(|| CoreError::invalid("indicators", format!("指标 {k} 的评价等级无效")))?;
        indicators.push((k, l));
    }
    indicators.sort_by(|a, b| a.0.cmp(&b.0));
    let rating = yichuang_core::queue::TicketRating {
        ticket_id: body.ticket_id,
        level,
        indicators,
        channel,
        comment: body.comment.unwrap_or_default(),
    };
    let id = state
        .core
        .rate_ticket(rating, None, Some(&staff.user))
        .await?;
    Ok((StatusCode::CREATED, axum::Json(EvaluationCreated { id })))
}
