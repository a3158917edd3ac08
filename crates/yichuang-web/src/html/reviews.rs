//! 好差评 pages: the public rating page behind an invitation link (QR on the 送达回证, or an SMS
//! link), and the rectification desk of departments and supervisors.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::evaluations::{CaseRating, Rater, RectificationRates, rectification_rates};
use yichuang_core::store::{Rectification, RectificationFilter, RectificationStatus};
use yichuang_domain::account::Role;
use yichuang_domain::evaluation::{Channel, Level, ONLINE_INDICATORS};

use super::Chrome;
use crate::error::AppError;
use crate::extract::{AnyStaff, CsrfForm, PagePath, PageQuery, PageStaff, urlencode};
use crate::state::AppState;

/// The public rating page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/rate.html")]
pub(crate) struct RatePage {
    chrome: Chrome,
    token: String,
    case_no: String,
    matter_name: String,
    stage_label: &'static str,
    via: String,
    levels: Vec<(&'static str, &'static str)>,
    indicators: Vec<(&'static str, &'static str)>,
    thanks: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RateQuery {
    via: Option<String>,
    thanks: Option<String>,
}

async fn rate_page(
    state: &AppState,
    chrome: Chrome,
    token: &str,
    via: Option<&str>,
    thanks: bool,
    error: Option<String>,
) -> Result<RatePage, AppError> {
    let case_no = state.core.invited_case(token).await?;
    let stored = state
        .core
        .store()
        .case_by_no(&case_no)
        .await?
        .ok_or_else(|| AppError::NotFound("评价链接无效".into()))?;
    Ok(RatePage {
        chrome,
        token: token.to_owned(),
        matter_name: stored.case.received.matter_name.clone(),
        stage_label: if stored.case.status.is_open() {
            "办理中"
        } else {
            "办结后"
        },
        case_no,
        via: if via == Some("sms") { "sms" } else { "qr" }.to_owned(),
        levels: Level::ALL.iter().map(|l| (l.code(), l.label())).collect(),
        indicators: ONLINE_INDICATORS.to_vec(),
        thanks,
        error,
    })
}

/// `GET /rate/{token}`: the rating form of an invited case.
pub(crate) async fn rate_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PagePath(token): PagePath<String>,
    PageQuery(q): PageQuery<RateQuery>,
) -> Result<RatePage, AppError> {
    rate_page(
        &state,
        chrome,
        &token,
        q.via.as_deref(),
        q.thanks.is_some(),
        None,
    )
    .await
}

/// `POST /rate/{token}`: records the rating; a bad review opens a rectification.
pub(crate) async fn rate(
    State(state): State<AppState>,
    chrome: Chrome,
    PagePath(token): PagePath<String>,
    CsrfForm(fields): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let via = fields.get("via").map(String::as_str);
    let channel = if via == Some("sms") {
        Channel::Sms
    } else {
        Channel::Qr
    };
    let parsed = fields
        .get("level")
        .and_then(|l| Level::parse(l))
        .ok_or_else(|| CoreError::invalid("level", "请选择总体评价"));
    let result = match parsed {
        Ok(level) => {
            let indicators = ONLINE_INDICATORS
                .iter()
                .map(|(k, _)| {
                    let v = fields
                        .get(&format!("ind_{k}"))
                        .and_then(|v| Level::parse(v))
                        .unwrap_or(level);
                    ((*k).to_owned(), v)
                })
                .collect();
            let rating = CaseRating {
                case_no: None,
                level,
                indicators,
                channel,
                comment: fields.get("comment").cloned().unwrap_or_default(),
            };
            state
                .core
                .evaluate_case(rating, Rater::Invite { token: &token })
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/rate/{}?thanks=1", urlencode(&token))).into_response()),
        Err(e @ (CoreError::Invalid { .. } | CoreError::Conflict(_))) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            let page = rate_page(
                &state,
                chrome,
                &token,
                via,
                false,
                Some(err.public_message()),
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One row of the rectification desk.
pub(crate) struct RectRow {
    r: Rectification,
    level_label: &'static str,
    overdue: bool,
    can_callback: bool,
    can_complete: bool,
    can_appeal: bool,
    can_decide: bool,
}

/// The rectification desk.
#[derive(Template, WebTemplate)]
#[template(path = "pages/rectifications.html")]
pub(crate) struct RectificationsPage {
    chrome: Chrome,
    rows: Vec<RectRow>,
    rates: RectificationRates,
    status: String,
    saved: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RectQuery {
    status: Option<String>,
    saved: Option<String>,
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.1}%", x * 100.0))
}

impl RectificationsPage {
    fn callback_rate(&self) -> String {
        pct(self.rates.callback_rate)
    }

    fn on_time_rate(&self) -> String {
        pct(self.rates.on_time_rate)
    }
}

async fn rect_page(
    state: &AppState,
    user: &yichuang_domain::account::StaffUser,
    chrome: Chrome,
    status: Option<&str>,
    saved: Option<String>,
    error: Option<String>,
) -> Result<RectificationsPage, AppError> {
    let filter = RectificationFilter {
        status: status.and_then(RectificationStatus::parse),
        ..RectificationFilter::default()
    };
    let items = state.core.rectifications_for(user, filter).await?;
    let today = state.core.clock().today();
    let rates = rectification_rates(&items, today);
    let supervisor = user.has_any_role(&[Role::Admin, Role::Supervisor]);
    let department = user.has_any_role(&[Role::Admin, Role::DeptHead, Role::Approver]);
    let rows = items
        .into_iter()
        .map(|r| RectRow {
            level_label: Level::parse(&r.level).map_or("", Level::label),
            overdue: r.status == RectificationStatus::Open && r.due_on < today,
            can_callback: r.callback_at.is_none() && r.status != RectificationStatus::Voided,
            can_complete: department && r.status == RectificationStatus::Open,
            can_appeal: department
                && r.status == RectificationStatus::Open
                && r.appealed_at.is_none(),
            can_decide: supervisor && r.status == RectificationStatus::Appealed,
            r,
        })
        .collect();
    Ok(RectificationsPage {
        chrome,
        rows,
        rates,
        status: status.unwrap_or_default().to_owned(),
        saved,
        error,
    })
}

/// `GET /rectifications`.
pub(crate) async fn rectifications(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PageQuery(q): PageQuery<RectQuery>,
) -> Result<RectificationsPage, AppError> {
    rect_page(
        &state,
        &staff.user,
        chrome,
        q.status.as_deref().filter(|s| !s.is_empty()),
        q.saved,
        None,
    )
    .await
}

/// `POST /rectifications/{id}/action`: the same actions as the API, from the desk's forms.
pub(crate) async fn rectification_action(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PagePath(id): PagePath<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let get = |k: &str| f.get(k).cloned();
    let yes = |k: &str| get(k).map(|v| v == "yes");
    let body = crate::api::reviews::RectificationActionForm {
        action: get("action").unwrap_or_default(),
        reached: yes("reached"),
        response: get("response"),
        note: get("note"),
        reason: get("reason"),
        upheld: yes("upheld"),
    };
    let result = match crate::api::reviews::parse_action(body.into()) {
        Ok(action) => state
            .core
            .act_on_rectification(&staff.user, id, action)
            .await
            .map(|r| format!("整改单 {} 已更新：{}", r.id, r.status.label())),
        Err(e) => Err(e),
    };
    match result {
        Ok(msg) => {
            Ok(Redirect::to(&format!("/rectifications?saved={}", urlencode(&msg))).into_response())
        }
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::InvalidTransition(_)
            | CoreError::Conflict(_)),
        ) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            let page = rect_page(
                &state,
                &staff.user,
                chrome,
                None,
                None,
                Some(err.public_message()),
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
