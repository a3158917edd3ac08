//! 督办 forms on the case page: a supervisor issues an order, the department replies.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_domain::account::StaffUser;

use super::Chrome;
use super::cases::case_page;
use crate::error::AppError;
use crate::extract::{AnyStaff, CsrfForm, PagePath, PageStaff, urlencode};
use crate::state::AppState;

#[derive(Deserialize)]
pub(crate) struct OrderForm {
    content: String,
    reply_days: String,
}

/// A supervisor issues a 督办 order from the case page.
pub(crate) async fn order(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PagePath(case_no): PagePath<String>,
    CsrfForm(form): CsrfForm<OrderForm>,
) -> Result<Response, AppError> {
    let days = form
        .reply_days
        .trim()
        .parse::<u32>()
        .map_err(|_| CoreError::invalid("reply_days", "回复期限应为 1 至 30 个工作日"));
    let result = match days {
        Ok(days) => state
            .core
            .issue_order(&staff.user, &case_no, &form.content, days)
            .await
            .map(|o| format!("已下达督办单 {}", o.number)),
        Err(e) => Err(e),
    };
    page_result(&state, &staff.user, chrome, &case_no, result).await
}

#[derive(Deserialize)]
pub(crate) struct ReplyForm {
    content: String,
    case_no: String,
}

/// The department replies to a 督办 order from the case page.
pub(crate) async fn reply(
    State(state): State<AppState>,
    staff: PageStaff<AnyStaff>,
    chrome: Chrome,
    PagePath(id): PagePath<i64>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<Response, AppError> {
    let result = state
        .core
        .reply_order(&staff.user, id, &form.content)
        .await
        .map(|o| format!("已回复督办单 {}", o.number));
    page_result(&state, &staff.user, chrome, &form.case_no, result).await
}

/// Redirects to the case page with a message, or shows it again with the error.
async fn page_result(
    state: &AppState,
    user: &StaffUser,
    chrome: Chrome,
    case_no: &str,
    result: Result<String, CoreError>,
) -> Result<Response, AppError> {
    match result {
        Ok(msg) => Ok(Redirect::to(&format!(
            "/cases/{}?saved={}",
            urlencode(case_no),
            urlencode(&msg)
        ))
        .into_response()),
        Err(
            e @ (CoreError::Invalid { .. }
            | CoreError::InvalidTransition(_)
            | CoreError::Conflict(_)),
        ) => {
            let err = AppError::from(e);
            let status = err.status_and_code().0;
            let page = case_page(
                state,
                user,
                chrome,
                case_no,
                None,
                Some(err.public_message()),
            )
            .await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
