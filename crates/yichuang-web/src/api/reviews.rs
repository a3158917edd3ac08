//! 好差评 endpoints: evaluations of tickets and cases, and 差评整改 rectifications.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_core::CoreError;
use yichuang_core::evaluations::{
    CaseRating, Rater, RectificationAction, RectificationRates, rectification_rates,
};
use yichuang_core::store::{
    EvaluationOutcome, Rectification, RectificationFilter, RectificationStatus,
};
use yichuang_domain::evaluation::{Channel, Level};

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery, ApiStaff, request_token};
use crate::state::AppState;

/// An evaluation (好差评) of a finished ticket (一次一评) or of a case (一事一评).
#[derive(Deserialize, ToSchema)]
pub(crate) struct EvaluationBody {
    /// The case rated (with `name`, an invitation `token`, or a staff token).
    case_no: Option<String>,
    /// The ticket rated (staff of the center).
    ticket_id: Option<i64>,
    /// The applicant's name as on the progress page (rating a case without logging in).
    name: Option<String>,
    /// An invitation token from the 送达回证 or an SMS link.
    token: Option<String>,
    /// very_satisfied | satisfied | basically_satisfied | dissatisfied | very_dissatisfied
    level: String,
    /// Indicator code → level. On site: efficiency, competence, attitude; online: efficiency,
    /// guide_accuracy, convenience, usability.
    indicators: Option<HashMap<String, String>>,
    /// pad | web | mobile | sms | qr | phone
    channel: String,
    comment: Option<String>,
}

/// The rectification a bad review opened.
#[derive(Serialize, ToSchema)]
pub(crate) struct RectificationRef {
    id: i64,
    /// `YYYY-MM-DD`.
    due: String,
}

/// A recorded evaluation.
#[derive(Serialize, ToSchema)]
pub(crate) struct EvaluationCreated {
    id: i64,
    rectification: Option<RectificationRef>,
}

/// The overall level, the channel and the indicators of a rating.
type ParsedRating = (Level, Channel, Vec<(String, Level)>);

fn parse_rating(body: &EvaluationBody) -> Result<ParsedRating, CoreError> {
    let level = Level::parse(&body.level).ok_or_else(|| {
        CoreError::invalid(
            "level",
            "level 应为 very_satisfied、satisfied、basically_satisfied、dissatisfied 或 very_dissatisfied",
        )
    })?;
    let channel = Channel::parse(&body.channel).ok_or_else(|| {
        CoreError::invalid("channel", "channel 应为 pad、web、mobile、sms、qr 或 phone")
    })?;
    let mut indicators = Vec::new();
    for (k, v) in body.indicators.clone().unwrap_or_default() {
        let l = Level::parse(&v)
            .ok_or_else(|| CoreError::invalid("indicators", format!("指标 {k} 的评价等级无效")))?;
        indicators.push((k, l));
    }
    indicators.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((level, channel, indicators))
}

fn created(out: EvaluationOutcome) -> EvaluationCreated {
    EvaluationCreated {
        id: out.id,
        rectification: out.rectification.map(|r| RectificationRef {
            id: r.id,
            due: r.due_on.to_string(),
        }),
    }
}

/// Record an evaluation. A ticket: staff of the center. A case: its applicant (`case_no` +
/// `name`), the holder of an invitation `token`, or staff of the center (a pad or a phone
/// call-back); anyone else gets 404. A bad review opens a rectification.
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations",
    request_body = EvaluationBody,
    responses((status = 201, body = EvaluationCreated), (status = 400, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "已评价或服务未结束", body = crate::api::ErrorBody)))]
pub(crate) async fn evaluate(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EvaluationBody>,
) -> Result<(StatusCode, axum::Json<EvaluationCreated>), ApiError> {
    let (level, channel, indicators) = parse_rating(&body)?;
    let comment = body.comment.clone().unwrap_or_default();
    let staff = match request_token(&headers) {
        Some(t) => Some(state.core.authenticate(&t).await?),
        None => None,
    };
    if let Some(ticket_id) = body.ticket_id {
        let user = staff.ok_or(CoreError::Unauthenticated)?;
        let rating = yichuang_core::queue::TicketRating {
            ticket_id,
            level,
            indicators,
            channel,
            comment,
        };
        let out = state.core.rate_ticket(rating, None, Some(&user)).await?;
        return Ok((StatusCode::CREATED, axum::Json(created(out))));
    }
    let rater = match (&body.token, &staff, &body.name) {
        (Some(token), _, _) => Rater::Invite { token },
        (None, Some(user), _) => Rater::Staff(user),
        (None, None, Some(name)) => Rater::Applicant { name },
        (None, None, None) => {
            return Err(CoreError::NotFound("办件不存在，或您无权评价该办件".into()).into());
        }
    };
    if body.case_no.is_none() && body.token.is_none() {
        return Err(CoreError::invalid("case_no", "请提供 case_no 或 ticket_id").into());
    }
    let rating = CaseRating {
        case_no: body.case_no.clone(),
        level,
        indicators,
        channel,
        comment,
    };
    let out = state.core.evaluate_case(rating, rater).await?;
    Ok((StatusCode::CREATED, axum::Json(created(out))))
}

/// Filter of the rectification list.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct RectificationQuery {
    department: Option<String>,
    /// open | appealed | completed | voided
    status: Option<String>,
    case_no: Option<String>,
}

/// A rectification.
#[derive(Serialize, ToSchema)]
pub(crate) struct RectificationDto {
    id: i64,
    evaluation_id: i64,
    case_no: Option<String>,
    department: String,
    level: String,
    comment: String,
    opened_on: String,
    due: String,
    /// open | appealed | completed | voided
    status: String,
    status_label: String,
    callback_reached: Option<bool>,
    callback_response: Option<String>,
    completed_on: Option<String>,
    completion_note: Option<String>,
    appeal_reason: Option<String>,
    appeal_decision: Option<String>,
}

pub(crate) fn rect_dto(r: &Rectification) -> RectificationDto {
    RectificationDto {
        id: r.id,
        evaluation_id: r.evaluation_id,
        case_no: r.case_no.clone(),
        department: r.department.clone(),
        level: r.level.clone(),
        comment: r.comment.clone(),
        opened_on: r.opened_on.to_string(),
        due: r.due_on.to_string(),
        status: r.status.code().to_owned(),
        status_label: r.status.label().to_owned(),
        callback_reached: r.callback_reached,
        callback_response: r.callback_response.clone(),
        completed_on: r.completed_on.map(|d| d.to_string()),
        completion_note: r.completion_note.clone(),
        appeal_reason: r.appeal_reason.clone(),
        appeal_decision: r.appeal_decision.clone(),
    }
}

/// Rates of the listed rectifications.
#[derive(Serialize, ToSchema)]
pub(crate) struct RatesDto {
    total: u64,
    called_back: u64,
    /// 回访率.
    callback_rate: Option<f64>,
    completed_on_time: u64,
    due: u64,
    /// 按时整改率.
    on_time_rate: Option<f64>,
    voided: u64,
}

impl From<RectificationRates> for RatesDto {
    fn from(r: RectificationRates) -> Self {
        Self {
            total: r.total,
            called_back: r.called_back,
            callback_rate: r.callback_rate,
            completed_on_time: r.completed_on_time,
            due: r.due,
            on_time_rate: r.on_time_rate,
            voided: r.voided,
        }
    }
}

/// The list and its rates.
#[derive(Serialize, ToSchema)]
pub(crate) struct RectificationList {
    items: Vec<RectificationDto>,
    rates: RatesDto,
}

/// Rectifications (supervisors all; department heads and approvers their department's), with
/// the 回访率 and 按时整改率 of the list.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "evaluations", security(("bearer" = [])),
    params(RectificationQuery),
    responses((status = 200, body = RectificationList), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> Result<axum::Json<RectificationList>, ApiError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(RectificationStatus::parse(s).ok_or_else(|| {
            CoreError::invalid("status", "status 应为 open、appealed、completed 或 voided")
        })?),
        None => None,
    };
    let filter = RectificationFilter {
        department: q.department.filter(|d| !d.is_empty()),
        status,
        case_no: q.case_no.filter(|c| !c.is_empty()),
        ..RectificationFilter::default()
    };
    let items = state.core.rectifications_for(&staff.user, filter).await?;
    let rates = rectification_rates(&items, state.core.clock().today());
    Ok(axum::Json(RectificationList {
        items: items.iter().map(rect_dto).collect(),
        rates: rates.into(),
    }))
}

/// An action on a rectification.
#[derive(Deserialize, ToSchema)]
pub(crate) struct RectificationActionBody {
    /// callback | complete | appeal | decide_appeal
    action: String,
    /// callback: whether the applicant was reached.
    reached: Option<bool>,
    /// callback: what the applicant said.
    response: Option<String>,
    /// complete: what was done; decide_appeal: explanation.
    note: Option<String>,
    /// appeal: why the review should not count.
    reason: Option<String>,
    /// decide_appeal: upheld (the review is voided) or not.
    upheld: Option<bool>,
}

/// The same action from a page form.
pub(crate) struct RectificationActionForm {
    pub(crate) action: String,
    pub(crate) reached: Option<bool>,
    pub(crate) response: Option<String>,
    pub(crate) note: Option<String>,
    pub(crate) reason: Option<String>,
    pub(crate) upheld: Option<bool>,
}

impl From<RectificationActionForm> for RectificationActionBody {
    fn from(f: RectificationActionForm) -> Self {
        Self {
            action: f.action,
            reached: f.reached,
            response: f.response,
            note: f.note,
            reason: f.reason,
            upheld: f.upheld,
        }
    }
}

/// Parses an action body.
pub(crate) fn parse_action(b: RectificationActionBody) -> Result<RectificationAction, CoreError> {
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(match b.action.as_str() {
        "callback" => RectificationAction::Callback {
            reached: b
                .reached
                .ok_or_else(|| CoreError::invalid("reached", "请说明是否联系上申请人"))?,
            response: text(b.response),
        },
        "complete" => RectificationAction::Complete { note: text(b.note) },
        "appeal" => RectificationAction::Appeal {
            reason: text(b.reason),
        },
        "decide_appeal" => RectificationAction::DecideAppeal {
            upheld: b
                .upheld
                .ok_or_else(|| CoreError::invalid("upheld", "请选择申诉是否成立"))?,
            note: text(b.note),
        },
        other => {
            return Err(CoreError::invalid(
                "action",
                format!("未知操作 {other}，可用：callback、complete、appeal、decide_appeal"),
            ));
        }
    })
}

/// Call back, complete, appeal, or decide an appeal.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/actions", tag = "evaluations",
    security(("bearer" = [])), request_body = RectificationActionBody,
    responses((status = 200, body = RectificationDto), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn act(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<RectificationActionBody>,
) -> Result<axum::Json<RectificationDto>, ApiError> {
    let action = parse_action(body)?;
    let r = state
        .core
        .act_on_rectification(&staff.user, id, action)
        .await?;
    Ok(axum::Json(rect_dto(&r)))
}
