//! The clerk's desk (`/desk`): the called ticket, matter search (the applicant's own words go
//! to the plain-words search), online applications waiting for pre-review, 代办 for the center
//! above, today's cases, and the intake form (`/desk/new`).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveTime, TimeZone};
use chrono_tz::Asia::Shanghai;
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::store::{CaseFilter, MatterFilter};
use yichuang_domain::account::StaffUser;
use yichuang_domain::catalog::Handling;

use super::Chrome;
use super::cases::{CaseRow, Clerks, row};
use crate::action;
use crate::error::AppError;
use crate::extract::{AnyStaff, CsrfForm, PageQuery, PageStaff, urlencode};
use crate::state::AppState;

pub(crate) struct MatterRow {
    code: String,
    name: String,
    department_name: String,
    handling: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/desk.html")]
pub(crate) struct DeskPage {
    chrome: Chrome,
    /// The center above, for 代办 (code, name), when the clerk's center has one.
    parent: Option<(String, String)>,
    aq: String,
    /// Matters of the center above found by `aq`: (code, name, department).
    agency_matters: Vec<(String, String, String)>,
    /// Cases this clerk submitted as agent.
    agency: Vec<CaseRow>,
    /// Online applications waiting for pre-review (预审).
    online: Vec<CaseRow>,
    current: Option<CurrentTicket>,
    transfer_groups: Vec<(String, String)>,
    paused: bool,
    ticket_message: Option<String>,
    window_name: String,
    q: String,
    matters: Vec<MatterRow>,
    /// Where another agency handles what the searched question asks for, to tell the applicant.
    referral: Option<yichuang_domain::catalog::Referral>,
    cases: Vec<CaseRow>,
}

#[derive(Deserialize)]
pub(crate) struct DeskQuery {
    #[serde(default)]
    q: String,
    /// A search among the matters of the center above (代办).
    #[serde(default)]
    aq: String,
    msg: Option<String>,
}

/// The ticket at the clerk's window.
pub(crate) struct CurrentTicket {
    id: i64,
    number: String,
    status: &'static str,
    recalls: u32,
    /// Called and not yet served: 重呼, 过号 and 开始办理 apply only then.
    called: bool,
}

async fn window_of(
    state: &AppState,
    user: &StaffUser,
) -> Result<yichuang_domain::catalog::Window, AppError> {
    let code = user
        .window
        .clone()
        .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
    state
        .core
        .store()
        .windows(user.center_id)
        .await?
        .into_iter()
        .find(|w| w.code == code)
        .ok_or_else(|| CoreError::Forbidden("您的窗口不存在".into()).into())
}

pub(crate) async fn desk(
    State(state): State<AppState>,
    staff: PageStaff<Clerks>,
    chrome: Chrome,
    PageQuery(q): PageQuery<DeskQuery>,
) -> Result<DeskPage, AppError> {
    let window = window_of(&state, &staff.user).await?;
    let question = q.q.trim();
    let mut referral = None;
    let matters = if question.is_empty() {
        Vec::new()
    } else if !question.is_ascii() {
        // The applicant's own words, as the clerk types them: the plain-words search, limited
        // to what this window accepts.
        let answer = state
            .core
            .search_answer(
                staff.user.center_id,
                question,
                None,
                Some(window.group.as_str()),
                30,
            )
            .await?;
        referral = answer.referral;
        answer
            .hits
            .into_iter()
            .map(|h| MatterRow {
                handling: h.matter.handling.label(),
                code: h.matter.code,
                name: h.matter.name,
                department_name: h.matter.department_name,
            })
            .collect()
    } else {
        let filter = MatterFilter {
            q: Some(q.q.clone()),
            window_group: Some(window.group.clone()),
            limit: 30,
            ..MatterFilter::default()
        };
        state
            .core
            .list_matters(staff.user.center_id, filter)
            .await?
            .0
            .into_iter()
            .map(|m| MatterRow {
                handling: m.handling.label(),
                code: m.code,
                name: m.name,
                department_name: m.department_name,
            })
            .collect()
    };
    let today = state.core.clock().today();
    let since = Shanghai
        .from_local_datetime(&today.and_time(NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&chrono::Utc));
    let filter = CaseFilter {
        received_since: since,
        limit: 200,
        ..CaseFilter::default()
    };
    let cases = state
        .core
        .cases_for(&staff.user, filter)
        .await?
        .iter()
        .map(row)
        .collect();
    let current = state
        .core
        .current_ticket(staff.user.center_id, &window.code)
        .await?
        .map(|t| CurrentTicket {
            id: t.id,
            number: t.number,
            status: t.status.label(),
            recalls: t.recalls,
            called: t.status == yichuang_domain::queue::TicketStatus::Called,
        });
    let transfer_groups = state
        .core
        .queue_status(staff.user.center_id)
        .await?
        .into_iter()
        .filter(|(code, _, _)| *code != window.group)
        .map(|(code, name, _)| (code, name))
        .collect();
    let paused = state
        .core
        .store()
        .window_paused(staff.user.center_id, &window.code)
        .await?;
    let online = state
        .core
        .prereview_queue(&staff.user)
        .await?
        .iter()
        .map(row)
        .collect();
    let own = state.core.center_of(&staff.user).await?;
    let parent = match own.parent_id {
        Some(id) => state.core.centers().await?.into_iter().find(|c| c.id == id),
        None => None,
    };
    let mut agency_matters = Vec::new();
    let mut agency = Vec::new();
    if let Some(p) = &parent {
        if !q.aq.trim().is_empty() {
            agency_matters = state
                .core
                .search_matters(p.id, q.aq.trim(), None, None, 20)
                .await?
                .into_iter()
                .map(|h| (h.matter.code, h.matter.name, h.matter.department_name))
                .collect();
        }
        agency = state
            .core
            .agency_cases(&staff.user)
            .await?
            .iter()
            .map(row)
            .collect();
    }
    Ok(DeskPage {
        chrome,
        parent: parent.map(|p| (p.code, p.name)),
        aq: q.aq,
        agency_matters,
        agency,
        online,
        current,
        transfer_groups,
        paused,
        ticket_message: q.msg,
        window_name: window.name,
        q: q.q,
        matters,
        referral,
        cases,
    })
}

#[derive(Deserialize)]
pub(crate) struct FindQuery {
    #[serde(default)]
    case_no: String,
}

pub(crate) async fn find(
    _staff: PageStaff<AnyStaff>,
    PageQuery(q): PageQuery<FindQuery>,
) -> Redirect {
    Redirect::to(&format!("/cases/{}", urlencode(q.case_no.trim())))
}

pub(crate) struct ChecklistRow {
    n: usize,
    index: usize,
    name: String,
    required: bool,
    license: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/desk_new.html")]
pub(crate) struct NewCasePage {
    chrome: Chrome,
    matter_code: String,
    matter_name: String,
    department_name: String,
    handling: &'static str,
    promised: String,
    version: i64,
    materials: Vec<ChecklistRow>,
    error: Option<String>,
    /// 代办: the center above (code, name) the application is submitted to.
    submit_to: Option<(String, String)>,
    /// The ID number the holder of the ticket at this window typed at the kiosk.
    kiosk_id: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NewQuery {
    #[serde(default)]
    matter: String,
    /// 代办: the code of the center above.
    #[serde(default)]
    submit_to: String,
}

async fn new_case_page(
    state: &AppState,
    chrome: Chrome,
    user: &StaffUser,
    code: &str,
    submit_to: &str,
    error: Option<String>,
) -> Result<NewCasePage, AppError> {
    // 代办 takes the guide of the center the application goes to.
    let target = match submit_to {
        "" => None,
        t => Some(state.core.center(Some(t)).await?),
    };
    let center_id = target.as_ref().map_or(user.center_id, |c| c.id);
    let v = state.core.matter(center_id, code).await?;
    let store = state.core.store();
    let licenses = store.license_types(center_id).await?;
    let department_name = store
        .department(center_id, &v.matter.department)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    let m = v.matter;
    Ok(NewCasePage {
        materials: m
            .materials
            .iter()
            .enumerate()
            .map(|(index, x)| ChecklistRow {
                n: index + 1,
                index,
                name: x.name.clone(),
                required: x.required,
                license: x.license_type.as_ref().map(|c| {
                    licenses
                        .iter()
                        .find(|l| &l.code == c)
                        .map_or_else(|| c.clone(), |l| l.name.clone())
                }),
            })
            .collect(),
        chrome,
        matter_code: m.code.clone(),
        matter_name: m.name.clone(),
        department_name,
        handling: m.handling.label(),
        promised: match m.handling {
            Handling::Immediate => "即时办结".into(),
            Handling::Promised => format!("{}个工作日", m.promised_limit_days),
        },
        version: v.version,
        error,
        submit_to: target.map(|c| (c.code, c.name)),
        kiosk_id: state.core.holder_at_window(user).await?,
    })
}

pub(crate) async fn new_form(
    State(state): State<AppState>,
    staff: PageStaff<Clerks>,
    chrome: Chrome,
    PageQuery(q): PageQuery<NewQuery>,
) -> Result<NewCasePage, AppError> {
    new_case_page(&state, chrome, &staff.user, &q.matter, &q.submit_to, None).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    staff: PageStaff<Clerks>,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut body = action::form_to_json(&fields);
    // The intake form puts the refusal reason and the correction note in one field.
    if let Some(reason) = body.get("reason").cloned() {
        body["note"] = reason;
    }
    let code = fields.get("matter_code").cloned().unwrap_or_default();
    let submit_to = fields.get("submit_to").cloned().unwrap_or_default();
    let result = match action::new_case(&body) {
        Ok(input) if !submit_to.is_empty() => {
            state
                .core
                .open_agency_case(&staff.user, &submit_to, input)
                .await
        }
        Ok(input) => state.core.open_case(&staff.user, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => {
            let msg = format!("{}：{}", d.case.status.label(), d.case.case_no());
            Ok(Redirect::to(&format!(
                "/cases/{}?saved={}",
                d.case.case_no(),
                urlencode(&msg)
            ))
            .into_response())
        }
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::Unprocessable { .. }
            | CoreError::InvalidTransition(_)),
        ) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            let page = new_case_page(
                &state,
                chrome,
                &staff.user,
                &code,
                &submit_to,
                Some(err.public_message()),
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
