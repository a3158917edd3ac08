//! One error type, two renderings: [`AppError`] renders the Chinese error page, [`ApiError`]
//! renders `{"error": {"code", "message"}}`. Each variant has one status and one stable code,
//! listed in [`AppError::status_and_code`]. Internal errors are logged once by the
//! `log_errors` middleware and never shown.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::json;
use yichuang_core::CoreError;
use yichuang_domain::catalog::Problem;

/// An error of the web layer.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A use-case error.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A request that cannot be parsed.
    #[error("{0}")]
    BadRequest(String),
    /// A page or resource that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A form whose CSRF token does not match.
    #[error("页面已过期，请刷新后重试")]
    Csrf,
}

impl From<yichuang_core::store::StoreError> for AppError {
    fn from(e: yichuang_core::store::StoreError) -> Self {
        Self::Core(e.into())
    }
}

/// The logged cause of an internal error, carried to the logging middleware.
#[derive(Debug, Clone)]
pub(crate) struct InternalCause(pub(crate) String);

impl AppError {
    /// The HTTP status and the stable API code of this error.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::Csrf => (StatusCode::FORBIDDEN, "csrf_failed"),
            Self::Core(e) => match e {
                CoreError::Invalid { .. } => (StatusCode::BAD_REQUEST, "invalid_input"),
                CoreError::InvalidCatalog(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "invalid_catalog")
                }
                CoreError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                CoreError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
                CoreError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
                CoreError::InvalidCredentials => (StatusCode::UNAUTHORIZED, "invalid_credentials"),
                CoreError::AccountLocked(_) => (StatusCode::LOCKED, "account_locked"),
                CoreError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
                CoreError::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
                CoreError::InvalidTransition(_) => (StatusCode::CONFLICT, "invalid_transition"),
                CoreError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "file_too_large"),
                CoreError::UnsupportedType(_) => {
                    (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_file_type")
                }
                CoreError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
                CoreError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            },
        }
    }

    /// The message shown to people: Chinese, and never internal details.
    pub fn public_message(&self) -> String {
        match self {
            Self::Core(CoreError::Internal(_)) => "服务器内部错误，请稍后重试".into(),
            Self::Core(CoreError::Invalid { reason, .. }) => reason.clone(),
            other => other.to_string(),
        }
    }

    fn problems(&self) -> Option<&[Problem]> {
        match self {
            Self::Core(CoreError::InvalidCatalog(p)) => Some(p),
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            Self::Core(CoreError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    /// `Retry-After` (seconds) of a rate-limited request.
    pub(crate) fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            Self::Core(CoreError::RateLimited {
                retry_after_secs, ..
            }) => HeaderValue::from_str(&retry_after_secs.to_string()).ok(),
            _ => None,
        }
    }

    fn internal_cause(&self) -> Option<InternalCause> {
        match self {
            Self::Core(CoreError::Internal(e)) => Some(InternalCause(format!("{e:?}"))),
            _ => None,
        }
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    status: u16,
    title: &'static str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, _) = self.status_and_code();
        if status == StatusCode::UNAUTHORIZED {
            return axum::response::Redirect::to("/login").into_response();
        }
        let title = match status {
            StatusCode::NOT_FOUND => "页面不存在",
            StatusCode::FORBIDDEN => "没有权限",
            StatusCode::INTERNAL_SERVER_ERROR => "系统繁忙",
            _ => "无法完成操作",
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            message: self.public_message(),
        };
        let body = page.render().unwrap_or_else(|_| "服务器内部错误".into());
        let mut response = (status, Html(body)).into_response();
        if let Some(v) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Some(cause) = self.internal_cause() {
            response.extensions_mut().insert(cause);
        }
        response
    }
}

/// The JSON rendering of [`AppError`], returned by API handlers.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.0.status_and_code();
        let mut error = json!({"code": code, "message": self.0.public_message()});
        if let Some(field) = self.0.field() {
            error["field"] = json!(field);
        }
        if let Some(problems) = self.0.problems() {
            error["details"] = json!(problems);
        }
        let mut response = (status, axum::Json(json!({ "error": error }))).into_response();
        if let Some(v) = self.0.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Some(cause) = self.0.internal_cause() {
            response.extensions_mut().insert(cause);
        }
        response
    }
}
