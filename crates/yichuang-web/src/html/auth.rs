//! Login and logout pages, and the large-type preference.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::store::SessionKind;

use super::Chrome;
use crate::error::AppError;
use crate::extract::{
    CONTRAST_COOKIE, ClientIp, CsrfForm, LARGE_COOKIE, PageQuery, SESSION_COOKIE, request_token,
};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "pages/login.html")]
pub(crate) struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    next: String,
    username: String,
    demo: bool,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only same-site relative paths may be redirect targets (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

pub(crate) async fn login_form(
    State(state): State<AppState>,
    chrome: Chrome,
    PageQuery(q): PageQuery<NextQuery>,
) -> LoginPage {
    LoginPage {
        chrome,
        error: None,
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        demo: state.settings.demo_mode,
    }
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// The page a role starts its day on: the desk of its first role (in the order of
/// [`Role::ALL`]), 我的办件 for applicants.
pub(crate) fn home_for(user: &yichuang_domain::account::StaffUser) -> &'static str {
    use yichuang_domain::account::Role;
    Role::ALL
        .into_iter()
        .find(|r| user.has_role(*r))
        .map_or("/", |r| match r {
            Role::Admin => "/admin",
            Role::Clerk => "/desk",
            Role::Approver | Role::DeptHead => "/office",
            Role::Issuer => "/issuance",
            Role::Supervisor => "/supervision",
            Role::Auditor => "/audit",
            Role::Kiosk => "/kiosk",
            Role::Applicant => "/my",
        })
}

/// A redirect to `next` that sets the session cookie of a fresh login (HttpOnly, SameSite=Lax,
/// Secure behind HTTPS, lasting as long as the session).
pub(crate) fn session_redirect(
    state: &AppState,
    login: &yichuang_core::auth::Login,
    next: &str,
) -> Response {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = (login.expires_at - state.core.clock().now())
        .num_seconds()
        .max(0);
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        login.token
    );
    let mut response = Redirect::to(next).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub(crate) async fn login(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, AppError> {
    let next = safe_next(form.next.as_deref());
    match state
        .core
        .login(&form.username, &form.password, SessionKind::Cookie, ip)
        .await
    {
        Ok(login) => {
            // Everyone lands on their own desk unless they were on their way somewhere.
            let next = if next == "/" {
                home_for(&login.user).to_owned()
            } else {
                next
            };
            Ok(session_redirect(&state, &login, &next))
        }
        Err(
            e @ (CoreError::InvalidCredentials
            | CoreError::AccountLocked(_)
            | CoreError::Invalid { .. }),
        ) => {
            let error = AppError::from(e);
            let status = error.status_and_code().0;
            let page = LoginPage {
                chrome,
                error: Some(error.public_message()),
                next,
                username: form.username,
                demo: state.settings.demo_mode,
            };
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct LogoutForm {}

pub(crate) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<LogoutForm>,
) -> Result<Response, AppError> {
    if let Some(token) = request_token(&headers) {
        let who = state
            .core
            .authenticate(&token)
            .await
            .map(|u| u.username)
            .unwrap_or_default();
        state.core.logout(&token, &who).await?;
    }
    let mut response = Redirect::to("/").into_response();
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// Flips the large-type (适老化) preference, kept in a cookie for a year, and goes back.
pub(crate) async fn toggle_large(headers: HeaderMap, q: PageQuery<NextQuery>) -> Response {
    toggle(LARGE_COOKIE, &headers, q)
}

/// `GET /prefs/contrast`: switches 高对比度 on or off, remembered for a year, and goes back.
pub(crate) async fn toggle_contrast(headers: HeaderMap, q: PageQuery<NextQuery>) -> Response {
    toggle(CONTRAST_COOKIE, &headers, q)
}

fn toggle(name: &str, headers: &HeaderMap, PageQuery(q): PageQuery<NextQuery>) -> Response {
    let on = axum_extra::extract::CookieJar::from_headers(headers)
        .get(name)
        .is_some_and(|c| c.value() == "1");
    let value = if on { "0" } else { "1" };
    let cookie = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age=31536000");
    let mut response = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_next(Some("/admin/calendar")), "/admin/calendar");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
