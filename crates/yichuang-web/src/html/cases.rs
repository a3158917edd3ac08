//! Case pages: the department inbox (`/office`), issuance (`/issuance`), one case with the
//! actions the user may take (`/cases/{no}`), and the public progress page (`/progress`). The
//! clerk's desk is in `desk.rs`.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::cases::CaseDetail;
use yichuang_core::guard::Attempt;
use yichuang_core::store::CaseFilter;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::{CaseStatus, Procedure};
use yichuang_domain::catalog::Handling;
use yichuang_domain::clock::to_shanghai;
use yichuang_domain::mask::{mask_id, mask_phone};

use super::Chrome;
use super::timeline::{event_detail, event_label, notice_label};
use crate::action;
use crate::api::{available_notices, progress_of};
use crate::error::AppError;
use crate::extract::{
    AnyStaff, ClientIp, CsrfForm, PagePath, PageQuery, PageStaff, Policy, urlencode,
};
use crate::state::AppState;

/// Window clerks.
pub(crate) struct Clerks;
impl Policy for Clerks {
    const ROLES: &'static [Role] = &[Role::Clerk];
}

/// Department staff and supervisors.
pub(crate) struct OfficeStaff;
impl Policy for OfficeStaff {
    const ROLES: &'static [Role] = &[
        Role::Approver,
        Role::DeptHead,
        Role::Supervisor,
        Role::Admin,
    ];
}

/// Issuance clerks.
pub(crate) struct Issuers;
impl Policy for Issuers {
    const ROLES: &'static [Role] = &[Role::Issuer];
}

/// One row of a case table.
pub(crate) struct CaseRow {
    pub(crate) case_no: String,
    pub(crate) matter_name: String,
    pub(crate) applicant: String,
    pub(crate) status: &'static str,
    pub(crate) step: String,
    pub(crate) due: String,
    pub(crate) light: &'static str,
    pub(crate) light_class: &'static str,
}

fn light_of(d: &CaseDetail) -> (&'static str, &'static str) {
    match d.light {
        Some(l) if l.legal_overdue => ("超法定期限", "red overdue"),
        Some(l) => (l.level.label(), l.level.code()),
        None => ("", ""),
    }
}

pub(crate) fn row(d: &CaseDetail) -> CaseRow {
    let (light, light_class) = light_of(d);
    CaseRow {
        case_no: d.case.case_no().to_owned(),
        matter_name: d.case.received.matter_name.clone(),
        applicant: d.case.received.applicant.name.clone(),
        status: d.case.status.label(),
        step: d.case.current_step_name(),
        due: d
            .deadlines
            .due_promised
            .map_or_else(|| "—".to_owned(), |x| x.to_string()),
        light,
        light_class,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/office.html")]
pub(crate) struct ListPage {
    chrome: Chrome,
    heading: String,
    summary: String,
    cases: Vec<CaseRow>,
    /// The link to a longer page, when the desk holds more cases than it shows.
    more: Option<MoreLink>,
}

/// A link below a list to show more of it.
pub(crate) struct MoreLink {
    href: String,
    label: String,
}

/// `/office?n=`: how many of the most urgent cases the desk shows.
#[derive(Deserialize)]
pub(crate) struct OfficeQuery {
    n: Option<u32>,
}

pub(crate) async fn office(
    State(state): State<AppState>,
    staff: PageStaff<OfficeStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<OfficeQuery>,
) -> Result<ListPage, AppError> {
    use yichuang_core::inbox::{INBOX_MAX, INBOX_PAGE};
    let shown = q.n.unwrap_or(INBOX_PAGE);
    let inbox = state.core.inbox(&staff.user, shown).await?;
    let dept = match &staff.user.department {
        Some(code) => state
            .core
            .store()
            .department(staff.user.center_id, code)
            .await?
            .map_or_else(|| code.clone(), |d| d.name),
        None => "全部部门".into(),
    };
    let more = (inbox.more && shown < INBOX_MAX).then(|| {
        let next = (shown + INBOX_PAGE).min(INBOX_MAX);
        MoreLink {
            href: format!("/office?n={next}"),
            label: format!("再显示 {} 件", next - shown),
        }
    });
    let shown_note = if inbox.more {
        format!("显示最紧急的 {} 件。", inbox.cases.len())
    } else {
        String::new()
    };
    Ok(ListPage {
        chrome,
        heading: format!("审批办理 · {dept}"),
        summary: format!(
            "在办 {} 件：红灯 {}，黄灯 {}，绿灯 {}。按紧急程度排序。{shown_note}",
            inbox.total, inbox.red, inbox.yellow, inbox.green
        ),
        cases: inbox.cases.iter().map(row).collect(),
        more,
    })
}

pub(crate) async fn issuance(
    State(state): State<AppState>,
    staff: PageStaff<Issuers>,
    chrome: Chrome,
) -> Result<ListPage, AppError> {
    let filter = CaseFilter {
        status: Some(CaseStatus::Concluded),
        limit: 500,
        ..CaseFilter::default()
    };
    let cases = state.core.cases_for(&staff.user, filter).await?;
    Ok(ListPage {
        chrome,
        heading: "审核出件".into(),
        summary: format!(
            "已办结待送达 {} 件。准予的结果应在决定之日起 10 个工作日内送达。",
            cases.len()
        ),
        cases: cases.iter().map(row).collect(),
        more: None,
    })
}

pub(crate) struct CaseFacts {
    case_no: String,
    matter_name: String,
    status: &'static str,
    step: String,
    applicant: String,
    id_masked: String,
    phone_masked: String,
    received: String,
    accepted: String,
    due: String,
    due_legal: String,
    light: &'static str,
    light_class: &'static str,
    /// "审查 已用 3 / 5 个工作日", with the step's light.
    step_clock: String,
    step_class: &'static str,
    window: String,
}

pub(crate) struct MaterialLine {
    n: usize,
    index: usize,
    name: String,
    required: bool,
    mode: &'static str,
    missing: bool,
    /// The licence number and trust level that satisfied the item.
    license: Option<String>,
    /// The stored electronic copy: an online upload or a scan taken at the window.
    file_id: Option<String>,
    /// How the page shows it inline: `image`, `pdf`.
    file_kind: &'static str,
    /// Whether the approver may tick it as examined (it has an electronic copy).
    viewable: bool,
}

pub(crate) struct TimelineLine {
    at: String,
    actor: String,
    label: &'static str,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/case.html")]
pub(crate) struct CasePage {
    chrome: Chrome,
    c: CaseFacts,
    back_href: &'static str,
    back_label: &'static str,
    flash: Option<String>,
    error: Option<String>,
    explanation: Vec<String>,
    notices: Vec<(&'static str, &'static str)>,
    materials: Vec<MaterialLine>,
    /// Some item has a stored electronic copy (shown inline).
    has_files: bool,
    /// Some item can be ticked as examined (a file or a licence).
    has_viewable: bool,
    timeline: Vec<TimelineLine>,
    procedures: Vec<(&'static str, &'static str)>,
    can_intake: bool,
    /// An online application waiting for this clerk's pre-review.
    can_prereview: bool,
    /// The applicant's note and the last return reason of an online application.
    online_note: String,
    returned_reason: Option<String>,
    can_correct: bool,
    can_supplement: bool,
    can_backoffice: bool,
    /// A back-office step is still to pass (otherwise the case waits for its decision).
    step_pending: bool,
    can_resume: bool,
    can_approve_extension: bool,
    pending_extension: String,
    can_deliver: bool,
    can_withdraw: bool,
    orders: Vec<OrderLine>,
    can_order: bool,
    can_reply: bool,
}

/// A 督办 order on the case page.
pub(crate) struct OrderLine {
    id: i64,
    number: String,
    content: String,
    due: String,
    reply: Option<String>,
    escalated: bool,
}

pub(crate) async fn case_page(
    state: &AppState,
    user: &StaffUser,
    chrome: Chrome,
    case_no: &str,
    flash: Option<String>,
    error: Option<String>,
) -> Result<CasePage, AppError> {
    let d = state.core.case_for(user, case_no).await?;
    let events = state.core.store().events_for("case", case_no).await?;
    let c = &d.case;
    let r = &c.received;
    let names = super::timeline::Names::of(state, r.center_id, &events).await?;
    let material_names: Vec<String> = c.materials.iter().map(|m| m.name.clone()).collect();
    // Images show in the page, PDFs in a frame: the record says which a stored file is.
    let mut file_kinds = Vec::with_capacity(c.materials.len());
    for m in &c.materials {
        let kind = match &m.file_id {
            Some(id) => match state.core.store().file(id).await? {
                Some(f) if f.content_type == "application/pdf" => "pdf",
                Some(f) if f.content_type.starts_with("image/") => "image",
                _ => "",
            },
            None => "",
        };
        file_kinds.push(kind);
    }
    let in_dept = user.department.as_deref() == Some(r.department.as_str());
    let office = user.has_any_role(&[Role::Approver, Role::DeptHead])
        && in_dept
        && user.center_id == r.center_id;
    // A township that took the case as agent only follows it: no actions on another center's case.
    let clerk = user.has_role(Role::Clerk) && user.center_id == r.center_id;
    let status = c.status;
    let (light, light_class) = light_of(&d);
    let fmt_t =
        |t: chrono::DateTime<chrono::Utc>| to_shanghai(t).format("%Y-%m-%d %H:%M").to_string();
    Ok(CasePage {
        c: CaseFacts {
            case_no: c.case_no().to_owned(),
            matter_name: r.matter_name.clone(),
            status: status.label(),
            step: c.current_step_name(),
            applicant: r.applicant.name.clone(),
            id_masked: mask_id(&r.applicant.id_number),
            phone_masked: mask_phone(&r.applicant.phone),
            received: fmt_t(c.received_at),
            accepted: d
                .deadlines
                .accepted_on
                .map_or_else(|| "—".into(), |x| x.to_string()),
            due: d
                .deadlines
                .due_promised
                .map_or_else(|| "—".into(), |x| x.to_string()),
            due_legal: d
                .deadlines
                .due_legal
                .map_or_else(|| "—".into(), |x| x.to_string()),
            light,
            light_class,
            step_clock: d.step_light.as_ref().map_or_else(String::new, |l| {
                format!(
                    "{} 已用 {} / {} 个工作日（{}）",
                    l.name,
                    l.used_days,
                    l.budget_days,
                    l.level.label()
                )
            }),
            step_class: d.step_light.as_ref().map_or("", |l| l.level.code()),
            window: names.place(&r.window).to_owned(),
        },
        back_href: if clerk {
            "/desk"
        } else if user.has_role(Role::Issuer) {
            "/issuance"
        } else {
            "/office"
        },
        back_label: if clerk {
            "综合受理"
        } else if user.has_role(Role::Issuer) {
            "审核出件"
        } else {
            "审批办理"
        },
        flash,
        error,
        explanation: d.deadlines.explanation.clone(),
        notices: available_notices(&d)
            .into_iter()
            .map(|k| (k, notice_label(k)))
            .collect(),
        has_files: c.materials.iter().any(|m| m.file_id.is_some()),
        has_viewable: c
            .materials
            .iter()
            .any(|m| m.file_id.is_some() || m.license.is_some()),
        materials: c
            .materials
            .iter()
            .zip(&file_kinds)
            .map(|(m, kind)| MaterialLine {
                n: m.index + 1,
                index: m.index,
                name: m.name.clone(),
                required: m.required,
                mode: m.mode.label(),
                missing: !m.mode.satisfied() || c.correction_missing.contains(&m.index),
                license: m
                    .license
                    .as_ref()
                    .map(|l| format!("{}，可信等级 {}", l.number, l.trust_level)),
                file_id: m.file_id.clone(),
                file_kind: kind,
                viewable: m.file_id.is_some() || m.license.is_some(),
            })
            .collect(),
        timeline: events
            .iter()
            .map(|e| TimelineLine {
                at: fmt_t(e.at),
                actor: names.actor(&e.actor),
                label: event_label(&e.kind),
                detail: event_detail(&e.payload, &r.steps, &material_names, &names),
            })
            .collect(),
        procedures: Procedure::ALL
            .iter()
            .map(|p| (p.code(), p.label()))
            .collect(),
        can_intake: clerk && status == CaseStatus::Received,
        can_prereview: clerk && status == CaseStatus::Submitted,
        online_note: r.note.clone(),
        returned_reason: c.returned_reason.clone(),
        can_correct: c.correction_requested_at.is_none(),
        can_supplement: clerk && status == CaseStatus::CorrectionRequested,
        can_backoffice: office && matches!(status, CaseStatus::Accepted | CaseStatus::InProcess),
        step_pending: c.current_step.is_some(),
        can_resume: office && status == CaseStatus::Suspended,
        can_approve_extension: user.has_role(Role::DeptHead)
            && in_dept
            && c.pending_extension().is_some(),
        pending_extension: c
            .pending_extension()
            .map(|e| {
                format!(
                    "延长 {} 个工作日：{}（{}）",
                    e.days, e.reason, e.requested_by
                )
            })
            .unwrap_or_default(),
        can_deliver: status == CaseStatus::Concluded
            && (user.has_role(Role::Issuer)
                || (clerk
                    && r.handling == Handling::Immediate
                    && user.window.as_deref() == Some(r.window.as_str()))),
        can_withdraw: status.is_open() && (clerk || office),
        orders: state
            .core
            .store()
            .orders_for_case(case_no)
            .await?
            .into_iter()
            .map(|o| OrderLine {
                id: o.id,
                number: o.number,
                content: o.content,
                due: o.due_on.to_string(),
                reply: o.reply,
                escalated: o.escalated_at.is_some(),
            })
            .collect(),
        can_order: user.has_role(Role::Supervisor) && status.is_open(),
        can_reply: office,
        chrome,
    })
}

#[derive(Deserialize)]
pub(crate) struct CaseQuery {
    saved: Option<String>,
    /// The reason an action was refused (the form posts and comes back here).
    error: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PagePath(case_no): PagePath<String>,
    PageQuery(q): PageQuery<CaseQuery>,
) -> Result<CasePage, AppError> {
    case_page(&state, &staff.user, chrome, &case_no, q.saved, q.error).await
}

pub(crate) async fn act(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    PagePath(case_no): PagePath<String>,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let body = action::form_to_json(&fields);
    let result = match action::command(&body) {
        Ok(cmd) => state.core.act_on_case(&staff.user, &case_no, cmd).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => {
            let msg = format!("已保存，当前状态：{}", d.case.status.label());
            Ok(Redirect::to(&format!(
                "/cases/{}?saved={}",
                urlencode(&case_no),
                urlencode(&msg)
            ))
            .into_response())
        }
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::Unprocessable { .. }
            | CoreError::InvalidTransition(_)
            | CoreError::Conflict(_)),
        ) => {
            // Back to the case page itself, with the reason: a reload then repeats nothing and
            // the address bar is the case's, not the form's.
            let err = AppError::from(e);
            Ok(Redirect::to(&format!(
                "/cases/{}?error={}",
                urlencode(&case_no),
                urlencode(&err.public_message())
            ))
            .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/progress.html")]
pub(crate) struct ProgressPage {
    chrome: Chrome,
    case_no: String,
    name: String,
    progress: Option<crate::api::cases::Progress>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ProgressQuery {
    #[serde(default)]
    case_no: String,
    #[serde(default)]
    name: String,
}

pub(crate) async fn progress(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientIp(ip): ClientIp,
    PageQuery(q): PageQuery<ProgressQuery>,
) -> Result<Response, AppError> {
    let mut page = ProgressPage {
        chrome,
        case_no: q.case_no.clone(),
        name: q.name.clone(),
        progress: None,
        error: None,
    };
    if q.case_no.trim().is_empty() && q.name.trim().is_empty() {
        return Ok(page.into_response());
    }
    state.core.check_attempt(Attempt::Progress, ip)?;
    match state.core.public_progress(&q.case_no, &q.name).await {
        Ok(d) => {
            let events = state
                .core
                .store()
                .events_for("case", d.case.case_no())
                .await?;
            page.progress = Some(progress_of(&d, &events));
            Ok(page.into_response())
        }
        Err(CoreError::NotFound(m)) => {
            page.error = Some(m);
            Ok((StatusCode::NOT_FOUND, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
