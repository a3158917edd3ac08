//! Registration of an applicant account (注册): an SMS code, then the real-name form, in one
//! form that asks for the phone once.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yichuang_core::CoreError;
use yichuang_core::portal::Registration;
use yichuang_core::store::SessionKind;

use super::Chrome;
use crate::error::AppError;
use crate::extract::{ClientIp, CsrfForm};
use crate::state::AppState;

/// The registration page.
#[derive(Template, WebTemplate)]
#[template(path = "pages/register.html")]
pub(crate) struct RegisterPage {
    chrome: Chrome,
    phone: String,
    name: String,
    kind: String,
    id_number: String,
    message: Option<String>,
    error: Option<String>,
}

impl RegisterPage {
    fn blank(chrome: Chrome) -> Self {
        Self {
            chrome,
            phone: String::new(),
            name: String::new(),
            kind: "person".into(),
            id_number: String::new(),
            message: None,
            error: None,
        }
    }
}

/// `GET /register`.
pub(crate) async fn register_form(chrome: Chrome) -> RegisterPage {
    RegisterPage::blank(chrome)
}

/// The registration form as posted by its 获取验证码 button: the phone, and whatever else was
/// already typed, so that the page comes back with it (the password excepted).
#[derive(Deserialize)]
pub(crate) struct CodeForm {
    phone: String,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
}

/// `POST /register/code`: sends the code and shows the form again with what was typed.
pub(crate) async fn send_code(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let mut page = RegisterPage::blank(chrome);
    page.phone = form.phone.trim().to_owned();
    page.name = form.name;
    page.id_number = form.id_number;
    if let Some(kind) = form.kind.filter(|k| k == "org" || k == "person") {
        page.kind = kind;
    }
    match state.core.send_verification_code(&form.phone, ip).await {
        Ok(()) => page.message = Some("验证码已发送，10 分钟内有效".into()),
        Err(e @ (CoreError::Unprocessable { .. } | CoreError::RateLimited { .. })) => {
            let e = AppError::from(e);
            page.error = Some(e.public_message());
            let mut response = (e.status_and_code().0, page).into_response();
            if let Some(v) = e.retry_after() {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, v);
            }
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub(crate) struct RegisterForm {
    phone: String,
    code: String,
    password: String,
    kind: String,
    name: String,
    id_number: String,
}

/// `POST /register`: creates the account and logs in.
pub(crate) async fn register(
    State(state): State<AppState>,
    chrome: Chrome,
    ClientIp(ip): ClientIp,
    CsrfForm(form): CsrfForm<RegisterForm>,
) -> Result<Response, AppError> {
    let reg = Registration {
        phone: form.phone.clone(),
        code: form.code.clone(),
        password: form.password.clone(),
        kind: form.kind.clone(),
        name: form.name.clone(),
        id_number: Some(form.id_number.clone()),
        credit_code: Some(form.id_number.clone()),
    };
    if let Err(e) = state.core.register_applicant(reg).await {
        let e = AppError::from(e);
        if e.status_and_code().0.is_server_error() {
            return Err(e);
        }
        let page = RegisterPage {
            chrome,
            phone: form.phone,
            name: form.name,
            kind: form.kind,
            id_number: form.id_number,
            message: None,
            error: Some(e.public_message()),
        };
        return Ok((e.status_and_code().0, page).into_response());
    }
    let login = state
        .core
        .login(form.phone.trim(), &form.password, SessionKind::Cookie, ip)
        .await?;
    Ok(super::auth::session_redirect(&state, &login, "/my"))
}
