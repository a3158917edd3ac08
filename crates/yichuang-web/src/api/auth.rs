//! `POST /api/v1/auth/token`: API tokens for integrators and staff tools.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use yichuang_core::store::SessionKind;
use yichuang_domain::account::StaffUser;

use crate::error::ApiError;
use crate::extract::{ApiJson, ApiStaff, ClientIp, request_token};
use crate::state::AppState;

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub(crate) struct TokenRequest {
    /// Login name.
    username: String,
    /// Password.
    password: String,
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
pub(crate) struct UserDto {
    username: String,
    display_name: String,
    /// Role codes: admin, clerk, approver, dept_head, issuer, supervisor.
    roles: Vec<String>,
    department: Option<String>,
    window: Option<String>,
}

impl From<StaffUser> for UserDto {
    fn from(u: StaffUser) -> Self {
        Self {
            // An applicant logs in with their phone; it is shown masked like any phone.
            username: yichuang_core::auth::mask_username(&u.username),
            display_name: u.display_name,
            roles: u.roles.iter().map(|r| r.code().to_owned()).collect(),
            department: u.department,
            window: u.window,
        }
    }
}

/// A fresh token.
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenResponse {
    /// Bearer token; send as `Authorization: Bearer <token>`.
    token: String,
    /// Expiry (RFC 3339).
    expires_at: String,
    user: UserDto,
}

/// Issue an API token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "用户名或密码错误 (invalid_credentials)", body = crate::api::ErrorBody),
        (status = 423, description = "账号临时锁定 (account_locked)", body = crate::api::ErrorBody),
        (status = 429, description = "本地址登录尝试过于频繁 (rate_limited)，见 Retry-After", body = crate::api::ErrorBody)
    ))]
pub(crate) async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<axum::Json<TokenResponse>, ApiError> {
    let login = state
        .core
        .login(&req.username, &req.password, SessionKind::Api, ip)
        .await?;
    Ok(axum::Json(TokenResponse {
        token: login.token,
        expires_at: login.expires_at.to_rfc3339(),
        user: login.user.into(),
    }))
}

/// Revoke the bearer token of this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth",
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    staff: ApiStaff<crate::extract::StaffOrApplicant>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    if let Some(token) = request_token(&headers) {
        state.core.logout(&token, &staff.user.username).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The user behind the token.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 401, body = crate::api::ErrorBody)))]
pub(crate) async fn me(staff: ApiStaff<crate::extract::AnyUser>) -> axum::Json<UserDto> {
    axum::Json(staff.user.into())
}
