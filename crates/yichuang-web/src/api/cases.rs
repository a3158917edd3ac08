//! Case endpoints: intake, actions, reads scoped by role, the timeline, notices, the public
//! progress query and supervision lights.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use yichuang_core::CoreError;
use yichuang_core::cases::CaseDetail;
use yichuang_core::guard::Attempt;
use yichuang_core::store::CaseFilter;
use yichuang_domain::case::{ApplicantKind, CaseStatus, LightLevel};
use yichuang_domain::mask::{mask_id, mask_in_text, mask_json, mask_phone};

use crate::action;
use crate::error::ApiError;
use crate::extract::{
    AnyStaff, ApiJson, ApiPath, ApiQuery, ApiStaff, ClientIp, Policy, StaffOrApplicant,
};
use crate::state::AppState;

/// Supervisors and administrators.
pub(crate) struct Supervisors;
impl Policy for Supervisors {
    const ROLES: &'static [yichuang_domain::account::Role] = &[
        yichuang_domain::account::Role::Supervisor,
        yichuang_domain::account::Role::Admin,
    ];
}

/// Why one item must be corrected.
#[derive(Serialize, ToSchema)]
pub(crate) struct CorrectionReasonDto {
    index: usize,
    reason: String,
}

/// One checklist item of a case.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseMaterialDto {
    index: usize,
    name: String,
    required: bool,
    /// original | copy | upload | license | commitment | deferred | missing
    mode: String,
    deferred_due: Option<String>,
    license_type: Option<String>,
    /// The upload (online applications).
    file_id: Option<String>,
    /// The licence that satisfied the item (已通过证照库核验).
    license_no: Option<String>,
    license_trust_level: Option<String>,
}

/// A special procedure.
#[derive(Serialize, ToSchema)]
pub(crate) struct SuspensionDto {
    procedure: String,
    procedure_label: String,
    reason: String,
    expected_days: u32,
    started_at: String,
    ended_at: Option<String>,
}

/// An extension.
#[derive(Serialize, ToSchema)]
pub(crate) struct ExtensionDto {
    days: u32,
    reason: String,
    requested_at: String,
    requested_by: String,
    approved_at: Option<String>,
    approved_by: Option<String>,
}

/// The applicant, with the ID number and phone masked.
#[derive(Serialize, ToSchema)]
pub(crate) struct ApplicantDto {
    /// person | org
    #[serde(rename = "type")]
    kind: String,
    name: String,
    id_number: String,
    phone: String,
}

/// A case.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseDto {
    case_no: String,
    status: String,
    status_label: String,
    /// approved | denied, once concluded.
    outcome: Option<String>,
    matter_code: String,
    matter_name: String,
    matter_version: i64,
    department: String,
    window: String,
    /// immediate | promised
    handling: String,
    applicant: ApplicantDto,
    received_at: String,
    accepted_at: Option<String>,
    deemed_accepted: bool,
    /// No correction notice within 5 working days: counts as accepted on the receipt date.
    deemed_pending: bool,
    due_promised: Option<String>,
    due_legal: Option<String>,
    provisional: bool,
    correction_due: String,
    delivery_due: Option<String>,
    current_step: String,
    steps: Vec<String>,
    /// green | yellow | red, for clocked cases.
    light: Option<String>,
    legal_overdue: bool,
    remaining_days: Option<i64>,
    /// The current back-office step's light: green | yellow | red.
    step_light: Option<String>,
    /// Working days the current step has used, and may use.
    step_used_days: Option<i64>,
    step_budget_days: Option<i64>,
    materials: Vec<CaseMaterialDto>,
    correction_missing: Vec<usize>,
    /// What is wrong with each item of the correction notice, where the clerk said.
    correction_reasons: Vec<CorrectionReasonDto>,
    suspensions: Vec<SuspensionDto>,
    extensions: Vec<ExtensionDto>,
    refused_reason: Option<String>,
    outcome_reason: Option<String>,
    /// Why pre-review returned an online application.
    returned_reason: Option<String>,
    /// The licence issued with an approval.
    license_no: Option<String>,
    /// Why the deadlines are what they are.
    explanation: Vec<String>,
    /// Notices that can be printed now.
    notices: Vec<String>,
    version: u64,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

/// The notices a case can print in its current state.
pub(crate) fn available_notices(d: &CaseDetail) -> Vec<&'static str> {
    let c = &d.case;
    let mut out = vec!["receipt"];
    if c.correction_requested_at.is_some() {
        out.push("correction");
    }
    if c.accepted_at.is_some() {
        out.push("acceptance");
    }
    if c.status == CaseStatus::Refused {
        out.push("refusal");
    }
    if c.extensions.iter().any(|e| e.approved_at.is_some()) {
        out.push("extension");
    }
    if !c.suspensions.is_empty() {
        out.push("special_procedure");
    }
    if c.outcome.is_some() {
        out.push("decision");
        out.push("delivery");
    }
    out
}

impl From<CaseDetail> for CaseDto {
    fn from(d: CaseDetail) -> Self {
        let notices = available_notices(&d)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let c = d.case;
        let dl = d.deadlines;
        let a = &c.received.applicant;
        Self {
            case_no: c.received.case_no.clone(),
            status: c.status.code().into(),
            status_label: c.status.label().into(),
            outcome: c.outcome.map(|o| o.code().into()),
            matter_code: c.received.matter_code.clone(),
            matter_name: c.received.matter_name.clone(),
            matter_version: c.received.matter_version,
            department: c.received.department.clone(),
            window: c.received.window.clone(),
            handling: c.received.handling.code().into(),
            applicant: ApplicantDto {
                kind: match a.kind {
                    ApplicantKind::Person => "person".into(),
                    ApplicantKind::Org => "org".into(),
                },
                name: a.name.clone(),
                id_number: mask_id(&a.id_number),
                phone: mask_phone(&a.phone),
            },
            received_at: ts(c.received_at),
            accepted_at: c.accepted_at.map(ts),
            deemed_accepted: c.deemed_accepted,
            deemed_pending: d.deemed_pending,
            due_promised: dl.due_promised.map(|d| d.to_string()),
            due_legal: dl.due_legal.map(|d| d.to_string()),
            provisional: dl.provisional,
            correction_due: dl.correction_due.to_string(),
            delivery_due: dl.delivery_due.map(|d| d.to_string()),
            current_step: c.current_step_name(),
            steps: c.received.steps.clone(),
            light: d.light.map(|l| l.level.code().into()),
            legal_overdue: d.light.is_some_and(|l| l.legal_overdue),
            remaining_days: d.light.map(|l| l.remaining_days),
            step_light: d.step_light.as_ref().map(|l| l.level.code().into()),
            step_used_days: d.step_light.as_ref().map(|l| l.used_days),
            step_budget_days: d.step_light.as_ref().map(|l| l.budget_days),
            materials: c
                .materials
                .iter()
                .map(|m| CaseMaterialDto {
                    index: m.index,
                    name: m.name.clone(),
                    required: m.required,
                    mode: m.mode.code().into(),
                    deferred_due: m.deferred_due.map(|d| d.to_string()),
                    license_type: m.license_type.clone(),
                    file_id: m.file_id.clone(),
                    license_no: m.license.as_ref().map(|l| l.number.clone()),
                    license_trust_level: m.license.as_ref().map(|l| l.trust_level.clone()),
                })
                .collect(),
            correction_missing: c.correction_missing.clone(),
            correction_reasons: c
                .correction_reasons
                .iter()
                .map(|r| CorrectionReasonDto {
                    index: r.index,
                    reason: r.reason.clone(),
                })
                .collect(),
            suspensions: c
                .suspensions
                .iter()
                .map(|s| SuspensionDto {
                    procedure: s.procedure.code().into(),
                    procedure_label: s.procedure.label().into(),
                    reason: s.reason.clone(),
                    expected_days: s.expected_days,
                    started_at: ts(s.started_at),
                    ended_at: s.ended_at.map(ts),
                })
                .collect(),
            extensions: c
                .extensions
                .iter()
                .map(|e| ExtensionDto {
                    days: e.days,
                    reason: e.reason.clone(),
                    requested_at: ts(e.requested_at),
                    requested_by: e.requested_by.clone(),
                    approved_at: e.approved_at.map(ts),
                    approved_by: e.approved_by.clone(),
                })
                .collect(),
            refused_reason: c.refused_reason.clone(),
            outcome_reason: (!c.outcome_reason.is_empty()).then(|| c.outcome_reason.clone()),
            returned_reason: c.returned_reason.clone(),
            license_no: c.license_no.clone(),
            explanation: dl.explanation,
            notices,
            version: c.version,
        }
    }
}

/// Open a case at the clerk's window.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])),
    request_body(content = Object, description = "{matter_code, applicant: {type, name, id_number | credit_code, phone}, materials: [{index, mode}], decision, reason?, missing?, note?}"),
    responses((status = 201, body = CaseDto),
        (status = 400, body = crate::api::ErrorBody),
        (status = 403, description = "窗口不受理该事项", body = crate::api::ErrorBody),
        (status = 422, description = "invalid_id_number / invalid_credit_code / missing_required_material", body = crate::api::ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, axum::Json<CaseDto>), ApiError> {
    let input = action::new_case(&body)?;
    // `submit_to`: a township clerk submits to the center above as agent (代办).
    let detail = match body.get("submit_to").and_then(Value::as_str) {
        Some(target) => {
            state
                .core
                .open_agency_case(&staff.user, target, input)
                .await?
        }
        None => state.core.open_case(&staff.user, input).await?,
    };
    Ok((StatusCode::CREATED, axum::Json(detail.into())))
}

/// A case.
#[utoipa::path(get, path = "/api/v1/cases/{case_no}", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path)),
    responses((status = 200, body = CaseDto), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    staff: ApiStaff<StaffOrApplicant>,
    ApiPath(case_no): ApiPath<String>,
) -> Result<axum::Json<CaseDto>, ApiError> {
    Ok(axum::Json(
        state.core.case_for(&staff.user, &case_no).await?.into(),
    ))
}

/// Perform an action.
#[utoipa::path(post, path = "/api/v1/cases/{case_no}/actions", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path)),
    request_body(content = Object, description = "{action: request_correction | supplement | accept | refuse | pass | return | suspend | resume | request_extension | approve_extension | conclude | deliver | withdraw, …}"),
    responses((status = 200, body = CaseDto), (status = 400, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 409, description = "invalid_transition", body = crate::api::ErrorBody),
        (status = 422, body = crate::api::ErrorBody)))]
pub(crate) async fn act(
    State(state): State<AppState>,
    staff: ApiStaff<StaffOrApplicant>,
    ApiPath(case_no): ApiPath<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<axum::Json<CaseDto>, ApiError> {
    let cmd = action::command(&body)?;
    Ok(axum::Json(
        state
            .core
            .act_on_case(&staff.user, &case_no, cmd)
            .await?
            .into(),
    ))
}

/// Filters of the case list.
#[derive(Deserialize, IntoParams)]
pub(crate) struct ListQuery {
    /// Status code.
    status: Option<String>,
    /// Department code (supervisors; others are scoped to their own).
    department: Option<String>,
    /// green | yellow | red
    light: Option<String>,
    /// Page size (default 50, at most 500).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<i64>,
    /// Center code: a center below the user's (admins and supervisors).
    center: Option<String>,
}

/// A page of cases.
#[derive(Serialize, ToSchema)]
pub(crate) struct CaseList {
    items: Vec<CaseDto>,
    next_cursor: Option<i64>,
}

/// List cases within the caller's scope.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = CaseList), (status = 400, body = crate::api::ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    staff: ApiStaff<AnyStaff>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<axum::Json<CaseList>, ApiError> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(
            CaseStatus::parse(s)
                .ok_or_else(|| CoreError::invalid("status", format!("未知状态 \"{s}\"")))?,
        ),
        None => None,
    };
    let light = match q.light.as_deref().filter(|s| !s.is_empty()) {
        Some(l) => Some(
            LightLevel::parse(l)
                .ok_or_else(|| CoreError::invalid("light", "light 应为 green、yellow 或 red"))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(50);
    if limit == 0 || limit > 500 {
        return Err(CoreError::invalid("limit", "每页 1 至 500 条").into());
    }
    let filter = CaseFilter {
        status,
        department: q.department.filter(|d| !d.is_empty()),
        limit,
        before_id: q.cursor,
        ..CaseFilter::default()
    };
    let page = match q.center.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => state.core.cases_in(&staff.user, code, filter).await?,
        None => state.core.cases_for(&staff.user, filter).await?,
    };
    let next_cursor = (page.len() == limit as usize)
        .then(|| page.last().map(|d| d.id))
        .flatten();
    let items = page
        .into_iter()
        .filter(|d| light.is_none_or(|l| d.light.map(|x| x.level) == Some(l)))
        .map(Into::into)
        .collect();
    Ok(axum::Json(CaseList { items, next_cursor }))
}

/// One entry of a case's timeline.
#[derive(Serialize, ToSchema)]
pub(crate) struct TimelineEntry {
    at: String,
    actor: String,
    kind: String,
    /// The event with where the actor works.
    payload: Value,
}

/// The case's timeline (its event log).
#[utoipa::path(get, path = "/api/v1/cases/{case_no}/events", tag = "cases", security(("bearer" = [])),
    params(("case_no" = String, Path)),
    responses((status = 200, body = [TimelineEntry]), (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn events(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(case_no): ApiPath<String>,
) -> Result<axum::Json<Vec<TimelineEntry>>, ApiError> {
    let events = state.core.case_events(&staff.user, &case_no).await?;
    Ok(axum::Json(
        events
            .into_iter()
            .map(|mut e| {
                // The log keeps what happened in full; what is shown is masked like the case
                // page. The full values come only through the audited reveal action.
                mask_json(&mut e.payload);
                TimelineEntry {
                    at: ts(e.at),
                    actor: mask_in_text(&e.actor).unwrap_or(e.actor),
                    kind: e.kind,
                    payload: e.payload,
                }
            })
            .collect(),
    ))
}

/// Query of the public progress lookup.
#[derive(Deserialize, IntoParams)]
pub(crate) struct ProgressQuery {
    /// 办件编号.
    case_no: Option<String>,
    /// 申请人名称, exactly as on the application.
    name: Option<String>,
}

/// Progress in plain words.
#[derive(Serialize, ToSchema)]
pub(crate) struct Progress {
    pub(crate) case_no: String,
    pub(crate) matter_name: String,
    pub(crate) status: String,
    pub(crate) status_label: String,
    /// Plain words for the applicant.
    pub(crate) description: String,
    pub(crate) current_step: String,
    pub(crate) due_promised: Option<String>,
    /// What happened so far, in plain words, oldest first (no names, no comments).
    pub(crate) timeline: Vec<ProgressEntry>,
}

/// One entry of the public timeline.
#[derive(Serialize, ToSchema)]
pub(crate) struct ProgressEntry {
    /// Local time, `YYYY-MM-DD HH:MM`.
    pub(crate) at: String,
    /// What happened.
    pub(crate) label: String,
}

/// Public progress lookup: number and applicant name.
#[utoipa::path(get, path = "/api/v1/public/progress", tag = "cases", params(ProgressQuery),
    responses((status = 200, body = Progress), (status = 404, body = crate::api::ErrorBody),
        (status = 429, description = "同一地址查询过于频繁 (rate_limited)，见 Retry-After", body = crate::api::ErrorBody)))]
pub(crate) async fn progress(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiQuery(q): ApiQuery<ProgressQuery>,
) -> Result<axum::Json<Progress>, ApiError> {
    // Case numbers are guessable; the name check alone would let a script walk them.
    state.core.check_attempt(Attempt::Progress, ip)?;
    let d = state
        .core
        .public_progress(
            q.case_no.as_deref().unwrap_or_default(),
            q.name.as_deref().unwrap_or_default(),
        )
        .await?;
    let events = state
        .core
        .store()
        .events_for("case", d.case.case_no())
        .await?;
    Ok(axum::Json(progress_of(&d, &events)))
}

/// The public view of a case: its state and its plain-words timeline from `events`.
pub(crate) fn progress_of(d: &CaseDetail, events: &[yichuang_core::store::Event]) -> Progress {
    Progress {
        case_no: d.case.case_no().to_owned(),
        matter_name: d.case.received.matter_name.clone(),
        status: d.case.status.code().into(),
        status_label: d.case.status.label().into(),
        description: d.case.status.plain().into(),
        current_step: d.case.current_step_name(),
        due_promised: d.deadlines.due_promised.map(|x| x.to_string()),
        timeline: events
            .iter()
            .filter(|e| e.kind.starts_with("case_"))
            .filter_map(|e| {
                Some(ProgressEntry {
                    at: yichuang_domain::clock::to_shanghai(e.at)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    label: yichuang_core::audit::event_label(&e.kind)?.to_owned(),
                })
            })
            .collect(),
    }
}

/// Query of the light board.
#[derive(Deserialize, IntoParams)]
pub(crate) struct LightsQuery {
    /// Instant (RFC 3339); default now. A future instant gives a forecast.
    at: Option<String>,
}

/// One light.
#[derive(Serialize, ToSchema)]
pub(crate) struct LightItem {
    case_no: String,
    light: String,
    legal_overdue: bool,
    due_promised: Option<String>,
    department: String,
    status: String,
}

/// The lights.
#[derive(Serialize, ToSchema)]
pub(crate) struct LightsList {
    at: String,
    items: Vec<LightItem>,
}

/// Lights of every open case as of `at` (supervisors).
#[utoipa::path(get, path = "/api/v1/supervision/lights", tag = "cases", security(("bearer" = [])),
    params(LightsQuery),
    responses((status = 200, body = LightsList), (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn lights(
    State(state): State<AppState>,
    staff: ApiStaff<Supervisors>,
    ApiQuery(q): ApiQuery<LightsQuery>,
) -> Result<axum::Json<LightsList>, ApiError> {
    let at = match q.at.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|_| {
                CoreError::invalid("at", "时间格式应为 RFC 3339，如 2026-11-30T09:00:00+08:00")
            })?
            .with_timezone(&Utc),
        None => state.core.clock().now(),
    };
    let items = state
        .core
        .lights_at(&staff.user, at)
        .await?
        .into_iter()
        .filter_map(|d| {
            let l = d.light?;
            Some(LightItem {
                case_no: d.case.case_no().to_owned(),
                light: l.level.code().into(),
                legal_overdue: l.legal_overdue,
                due_promised: d.deadlines.due_promised.map(|x| x.to_string()),
                department: d.case.received.department.clone(),
                status: d.case.status.code().into(),
            })
        })
        .collect();
    Ok(axum::Json(LightsList { at: ts(at), items }))
}

/// Query of the notification list.
#[derive(Deserialize, IntoParams)]
pub(crate) struct NotificationQuery {
    /// Department (supervisors); approvers and heads see their own.
    department: Option<String>,
}

/// A notification.
#[derive(Serialize, ToSchema)]
pub(crate) struct NotificationDto {
    id: i64,
    case_no: Option<String>,
    kind: String,
    message: String,
    created_at: String,
}

/// The department's notifications (light changes), newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "cases", security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, body = [NotificationDto]), (status = 403, body = crate::api::ErrorBody)))]
pub(crate) async fn notifications(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiQuery(q): ApiQuery<NotificationQuery>,
) -> Result<axum::Json<Vec<NotificationDto>>, ApiError> {
    let list = state
        .core
        .notifications(
            &staff.user,
            q.department.as_deref().filter(|d| !d.is_empty()),
        )
        .await?;
    Ok(axum::Json(
        list.into_iter()
            .map(|n| NotificationDto {
                id: n.id,
                case_no: n.case_no,
                kind: n.kind,
                message: n.message,
                created_at: ts(n.created_at),
            })
            .collect(),
    ))
}

/// A 督办 order to issue.
#[derive(Deserialize, ToSchema)]
pub(crate) struct OrderBody {
    case_no: String,
    content: String,
    /// Working days to reply (1–30).
    reply_days: u32,
}

/// A reply.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReplyBody {
    content: String,
}

/// A 督办 order (GB/T 39046 Table 11 elements).
#[derive(Serialize, ToSchema)]
pub(crate) struct OrderDto {
    id: i64,
    /// 监察编号.
    number: String,
    case_no: String,
    /// 被督办机构 (department code).
    department: String,
    /// 事项类型.
    matter_kind: String,
    /// 监察预警类型 at issuance: green | yellow | red | legal_overdue | none.
    warning: String,
    content: String,
    due: String,
    issued_by: String,
    issued_at: String,
    /// 监察结果描述.
    reply: Option<String>,
    replied_at: Option<String>,
    escalated_at: Option<String>,
}

fn order_dto(o: yichuang_core::store::SupervisionOrder) -> OrderDto {
    OrderDto {
        id: o.id,
        number: o.number,
        case_no: o.case_no,
        department: o.department,
        matter_kind: o.matter_kind,
        warning: o.warning,
        content: o.content,
        due: o.due_on.to_string(),
        issued_by: o.issued_by,
        issued_at: ts(o.issued_at),
        reply: o.reply,
        replied_at: o.replied_at.map(ts),
        escalated_at: o.escalated_at.map(ts),
    }
}

/// Issue a 督办 order on a case (supervisors).
#[utoipa::path(post, path = "/api/v1/supervision/orders", tag = "cases", security(("bearer" = [])), request_body = OrderBody,
    responses((status = 201, body = OrderDto), (status = 400, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody)))]
pub(crate) async fn issue_order(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiJson(b): ApiJson<OrderBody>,
) -> Result<(StatusCode, axum::Json<OrderDto>), ApiError> {
    let o = state
        .core
        .issue_order(&staff.user, &b.case_no, &b.content, b.reply_days)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(order_dto(o))))
}

/// The ordered department replies.
#[utoipa::path(post, path = "/api/v1/supervision/orders/{id}/reply", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReplyBody,
    responses((status = 200, body = OrderDto), (status = 403, body = crate::api::ErrorBody), (status = 409, body = crate::api::ErrorBody)))]
pub(crate) async fn reply_order(
    State(state): State<AppState>,
    staff: ApiStaff,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReplyBody>,
) -> Result<axum::Json<OrderDto>, ApiError> {
    Ok(axum::Json(order_dto(
        state.core.reply_order(&staff.user, id, &b.content).await?,
    )))
}

/// The cases a township clerk submitted to the center above as agent (代办), newest first.
#[utoipa::path(get, path = "/api/v1/agency/cases", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = [CaseDto])))]
pub(crate) async fn agency(
    State(state): State<AppState>,
    staff: ApiStaff,
) -> Result<axum::Json<Vec<CaseDto>>, ApiError> {
    let list = state.core.agency_cases(&staff.user).await?;
    Ok(axum::Json(list.into_iter().map(CaseDto::from).collect()))
}

/// A center of the installation.
#[derive(Serialize, ToSchema)]
pub(crate) struct CenterDto {
    code: String,
    name: String,
    /// city | sub_center | district | township
    kind: String,
    /// Code of the center it reports to.
    parent: Option<String>,
}

/// The centers of the installation: the city center, its sub-centers and townships.
#[utoipa::path(get, path = "/api/v1/centers", tag = "catalog",
    responses((status = 200, body = [CenterDto])))]
pub(crate) async fn centers(
    State(state): State<AppState>,
) -> Result<axum::Json<Vec<CenterDto>>, ApiError> {
    let all = state.core.centers().await?;
    let code_of = |id: i64| all.iter().find(|c| c.id == id).map(|c| c.code.clone());
    Ok(axum::Json(
        all.iter()
            .map(|c| CenterDto {
                code: c.code.clone(),
                name: c.name.clone(),
                kind: c.kind.clone(),
                parent: c.parent_id.and_then(code_of),
            })
            .collect(),
    ))
}
