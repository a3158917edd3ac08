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
    /// Check in for a booked appointment instead (its ticket is callable from the slot start).
    appointment_id: Option<i64>,
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

/// Take a ticket: a registered kiosk's token (`POST /api/v1/kiosks`) or a clerk's.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "queue", security(("bearer" = [])), request_body = NewTicketBody,
    responses((status = 201, body = TicketDto), (status = 400, body = crate::api::ErrorBody),
        (status = 409, description = "已有等候中的号", body = crate::api::ErrorBody),
        (status = 422, description = "invalid_id_number", body = crate::api::ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: ApiStaff<crate::extract::TicketIssuers>,
    ApiJson(body): ApiJson<NewTicketBody>,
) -> Result<(StatusCode, axum::Json<TicketDto>), ApiError> {
    let (t, ahead) = match body.appointment_id {
        Some(id) => state.core.check_in(id, &staff.user.username).await?,
        None => {
            let kind = kind_of(body.priority.as_deref())?;
            state
                .core
                .take_ticket(
                    staff.user.center_id,
                    &body.group,
                    kind,
                    body.id_number.as_deref(),
                    &staff.user.username,
                )
                .await?
        }
    };
    Ok((StatusCode::CREATED, axum::Json(dto(&t, Some(ahead)))))
}

/// A called ticket.
#[derive(Serialize, ToSchema)]
pub(crate) struct Called {
    ticket: TicketDto,
}

/// Optional body of a call: a particular ticket out of turn, with the reason.
#[derive(Deserialize, ToSchema, Default)]
pub(crate) struct CallBody {
    ticket_id: Option<i64>,
    reason: Option<String>,
}

/// Call the next ticket at the caller's window by rule (204 when nobody is waiting); with
/// `{ticket_id, reason}`, call that ticket out of turn (the reason is recorded).
#[utoipa::path(post, path = "/api/v1/windows/{code}/call", tag = "queue", security(("bearer" = [])),
    params(("code" = String, Path)), request_body(content = CallBody, description = "可选"),
    responses((status = 200, body = Called), (status = 204), (status = 403, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn call(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(code): ApiPath<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let body: CallBody = if body.is_empty() {
        CallBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| CoreError::invalid("body", "请求体不是合法的 JSON"))?
    };
    let called = match body.ticket_id {
        Some(id) => Some(
            state
                .core
                .call_ticket(
                    &staff.user,
                    &code,
                    id,
                    body.reason.as_deref().unwrap_or_default(),
                )
                .await?,
        ),
        None => state.core.call_next(&staff.user, &code).await?,
    };
    Ok(match called {
        Some(t) => axum::Json(Called {
            ticket: dto(&t, None),
        })
        .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// Query of the measures.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct MeasuresQuery {
    /// `YYYY-MM-DD`, default today.
    date: Option<String>,
}

/// Ticket timings and window figures of a day.
#[derive(Serialize, ToSchema)]
pub(crate) struct Measures {
    date: String,
    #[schema(value_type = Vec<Object>)]
    tickets: Vec<yichuang_core::queue::TicketMeasure>,
    #[schema(value_type = Vec<Object>)]
    windows: Vec<yichuang_core::queue::WindowMeasure>,
    #[schema(value_type = Vec<Object>)]
    clerks: Vec<yichuang_core::queue::WindowMeasure>,
}

/// Wait, walk and service time per ticket; served, no-shows, average wait and idle time per
/// window (clerks, supervisors).
#[utoipa::path(get, path = "/api/v1/queue/measures", tag = "queue", security(("bearer" = [])), params(MeasuresQuery),
    responses((status = 200, body = Measures), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn measures(
    State(state): State<AppState>,
    staff: ApiStaff,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<MeasuresQuery>,
) -> Result<axum::Json<Measures>, ApiError> {
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => crate::api::parse_date("date", d)?,
        None => state.core.clock().today(),
    };
    let (tickets, windows, clerks) = state.core.queue_measures(&staff.user, date).await?;
    Ok(axum::Json(Measures {
        date: date.to_string(),
        tickets,
        windows,
        clerks,
    }))
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

/// Which center (code); the city center when absent.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CenterParam {
    center: Option<String>,
}

/// Waiting tickets per category today.
#[utoipa::path(get, path = "/api/v1/queue/status", tag = "queue", params(CenterParam), responses((status = 200, body = QueueStatus)))]
pub(crate) async fn status(
    State(state): State<AppState>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<CenterParam>,
) -> Result<axum::Json<QueueStatus>, ApiError> {
    let center = state
        .core
        .center(q.center.as_deref().filter(|c| !c.is_empty()))
        .await?;
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

/// Query of the slot list.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct SlotQuery {
    /// Category.
    group: String,
    /// `YYYY-MM-DD`.
    date: String,
}

/// Slots of a category and day.
#[derive(Serialize, ToSchema)]
pub(crate) struct SlotList {
    group: String,
    date: String,
    /// Empty on a day the center is closed.
    slots: Vec<SlotDto>,
}

/// A slot.
#[derive(Serialize, ToSchema)]
pub(crate) struct SlotDto {
    start: String,
    end: String,
    capacity: u32,
    booked: u32,
    available: u32,
}

/// Appointment slots of a category on a day.
#[utoipa::path(get, path = "/api/v1/appointments/slots", tag = "queue", params(SlotQuery),
    responses((status = 200, body = SlotList), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn slots(
    State(state): State<AppState>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<SlotQuery>,
) -> Result<axum::Json<SlotList>, ApiError> {
    let center = state.core.default_center().await?;
    let date = crate::api::parse_date("date", &q.date)?;
    let slots = state
        .core
        .appointment_slots(center.id, &q.group, date)
        .await?
        .into_iter()
        .map(|s| SlotDto {
            available: s.capacity.saturating_sub(s.booked),
            start: s.start,
            end: s.end,
            capacity: s.capacity,
            booked: s.booked,
        })
        .collect();
    Ok(axum::Json(SlotList {
        group: q.group,
        date: date.to_string(),
        slots,
    }))
}

/// A booking.
#[derive(Deserialize, ToSchema)]
pub(crate) struct BookingBody {
    group: String,
    /// `YYYY-MM-DD`.
    date: String,
    /// Slot start, local `HH:MM`.
    start: String,
    id_number: String,
    name: String,
    phone: String,
}

/// A booked appointment.
#[derive(Serialize, ToSchema)]
pub(crate) struct AppointmentDto {
    id: i64,
    group: String,
    date: String,
    start: String,
    end: String,
    /// booked | cancelled | checked_in
    status: String,
}

/// Book an appointment.
#[utoipa::path(post, path = "/api/v1/appointments", tag = "queue", request_body = BookingBody,
    responses((status = 201, body = AppointmentDto), (status = 400, body = crate::api::ErrorBody),
        (status = 409, description = "已约满或已预约", body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
pub(crate) async fn book(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<BookingBody>,
) -> Result<(StatusCode, axum::Json<AppointmentDto>), ApiError> {
    let center = state.core.default_center().await?;
    let date = crate::api::parse_date("date", &b.date)?;
    let booking = yichuang_core::queue::Booking {
        group: b.group,
        date,
        start: b.start,
        id_number: b.id_number,
        name: b.name,
        phone: b.phone,
    };
    let a = state.core.book_appointment(center.id, &booking).await?;
    let hm = |t: chrono::DateTime<chrono::Utc>| {
        yichuang_domain::clock::to_shanghai(t)
            .format("%H:%M")
            .to_string()
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(AppointmentDto {
            id: a.id,
            group: a.group,
            date: a.day.to_string(),
            start: hm(a.slot_start),
            end: hm(a.slot_end),
            status: a.status,
        }),
    ))
}

/// Proof of the holder.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CancelQuery {
    /// The ID number used when booking.
    id_number: String,
}

/// Cancel an appointment (the holder proves it with the ID number used to book).
#[utoipa::path(delete, path = "/api/v1/appointments/{id}", tag = "queue", params(("id" = i64, Path), CancelQuery),
    responses((status = 204), (status = 404, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<CancelQuery>,
) -> Result<StatusCode, ApiError> {
    state.core.cancel_appointment(id, &q.id_number).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A kiosk to register.
#[derive(Deserialize, ToSchema)]
pub(crate) struct KioskBody {
    /// Short code, letters, digits and dashes, e.g. `hall-1`.
    code: String,
    /// Name, e.g. 一楼大厅1号机.
    name: String,
}

/// A registered kiosk and its token (shown once).
#[derive(Serialize, ToSchema)]
pub(crate) struct KioskRegistered {
    username: String,
    token: String,
    expires_at: String,
}

/// Register a self-service kiosk of the center (admin); its token may only issue tickets.
#[utoipa::path(post, path = "/api/v1/kiosks", tag = "queue", security(("bearer" = [])), request_body = KioskBody,
    responses((status = 201, body = KioskRegistered), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn register_kiosk(
    State(state): State<AppState>,
    staff: ApiStaff<crate::extract::AdminOnly>,
    ApiJson(body): ApiJson<KioskBody>,
) -> Result<(StatusCode, axum::Json<KioskRegistered>), ApiError> {
    let login = state
        .core
        .register_kiosk(&staff.user, &body.code, &body.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(KioskRegistered {
            username: login.user.username,
            token: login.token,
            expires_at: login.expires_at.to_rfc3339(),
        }),
    ))
}
