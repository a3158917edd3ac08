//! Our own extractors. Axum's raw `Json`, `Query`, `Path` and `Form` reject with English text;
//! these wrappers reject with a Chinese message in our error shape. Authentication and role
//! checks happen here, in one place: [`authorize`], used by [`ApiStaff`] and [`PageStaff`].

use std::marker::PhantomData;
use std::net::{IpAddr, SocketAddr};

use axum::extract::rejection::{FormRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use yichuang_core::{CoreError, access};
use yichuang_domain::account::{Role, StaffUser};

use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// Cookie holding the session token.
pub(crate) const SESSION_COOKIE: &str = "yc_session";
/// Cookie holding the double-submit CSRF token.
pub(crate) const CSRF_COOKIE: &str = "yc_csrf";
/// Cookie holding the large-type preference.
pub(crate) const LARGE_COOKIE: &str = "yc_large";
/// The high-contrast preference (高对比度), beside large type.
pub(crate) const CONTRAST_COOKIE: &str = "yc_contrast";

/// Turns serde's English messages into Chinese ones a person can act on.
fn translate(detail: &str) -> String {
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or("").to_owned();
    if detail.contains("missing field") {
        format!("缺少字段 {}", quoted(detail))
    } else if detail.contains("unknown variant") {
        format!("取值 {} 无效", quoted(detail))
    } else if detail.contains("unknown field") {
        format!("不认识的字段 {}", quoted(detail))
    } else if detail.contains("invalid digit") || detail.contains("invalid type") {
        "字段类型不正确，请检查数字和文本".to_owned()
    } else if detail.contains("premature end of input")
        || detail.contains("input contains invalid characters")
    {
        "日期格式不正确，应为 YYYY-MM-DD".to_owned()
    } else {
        "请求格式不正确".to_owned()
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::MissingJsonContentType(_) => {
                Self::BadRequest("请求须使用 Content-Type: application/json".into())
            }
            JsonRejection::JsonSyntaxError(_) => Self::BadRequest("请求体不是合法的 JSON".into()),
            JsonRejection::JsonDataError(e) => Self::BadRequest(translate(&e.body_text())),
            other => Self::BadRequest(format!("请求体无法读取（{}）", other.status())),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        Self::BadRequest(format!("查询参数不正确：{}", translate(&r.body_text())))
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        Self::BadRequest(format!("路径参数不正确：{}", translate(&r.body_text())))
    }
}

impl From<FormRejection> for AppError {
    fn from(r: FormRejection) -> Self {
        Self::BadRequest(format!("表单内容不正确：{}", translate(&r.body_text())))
    }
}

/// JSON body for API handlers.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub(crate) struct ApiJson<T>(pub(crate) T);

/// Query string for API handlers.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub(crate) struct ApiQuery<T>(pub(crate) T);

/// Path parameters for API handlers.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub(crate) struct ApiPath<T>(pub(crate) T);

/// Query string for pages.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub(crate) struct PageQuery<T>(pub(crate) T);

/// Path parameters for pages.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub(crate) struct PagePath<T>(pub(crate) T);

/// The client's address: the peer, or — when the peer is a trusted reverse proxy — the nearest
/// untrusted address in `X-Forwarded-For`. `None` when the request did not come over a socket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub(crate) Option<IpAddr>);

/// The client address of a request (see [`ClientIp`]).
pub(crate) fn client_ip(parts: &Parts, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    // Walk from the nearest hop outwards; the first address that is not one of our proxies is
    // the client. Addresses further left were written by the client itself and prove nothing.
    Some(
        forwarded
            .iter()
            .rev()
            .find(|a| !trusted.contains(a))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts, &state.settings.trusted_proxies)))
    }
}

/// Which roles a guarded route admits.
pub(crate) trait Policy: Send + Sync + 'static {
    /// Roles admitted; any one suffices.
    const ROLES: &'static [Role];
}

/// Any logged-in staff member (not a device).
pub(crate) struct AnyStaff;
impl Policy for AnyStaff {
    const ROLES: &'static [Role] = &Role::STAFF;
}

/// Who may issue tickets: window staff and registered kiosks.
pub(crate) struct TicketIssuers;
impl Policy for TicketIssuers {
    const ROLES: &'static [Role] = &[Role::Clerk, Role::Issuer, Role::Kiosk];
}

/// Staff, or an applicant for their own records (the core answers 404 for anything else).
pub(crate) struct StaffOrApplicant;
impl Policy for StaffOrApplicant {
    const ROLES: &'static [Role] = &[
        Role::Admin,
        Role::Clerk,
        Role::Approver,
        Role::DeptHead,
        Role::Issuer,
        Role::Supervisor,
        Role::Applicant,
    ];
}

/// Anyone signed in, whatever the role (who am I).
pub(crate) struct AnyUser;
impl Policy for AnyUser {
    const ROLES: &'static [Role] = &Role::ALL;
}

/// Portal applicants only.
pub(crate) struct ApplicantOnly;
impl Policy for ApplicantOnly {
    const ROLES: &'static [Role] = &[Role::Applicant];
}

/// Who stores files: applicants (their materials) and window clerks (scans taken at intake).
pub(crate) struct Uploaders;
impl Policy for Uploaders {
    const ROLES: &'static [Role] = &[Role::Applicant, Role::Clerk];
}

/// The 审计管理员 only (the audit trail).
pub(crate) struct AuditorOnly;
impl Policy for AuditorOnly {
    const ROLES: &'static [Role] = &[Role::Auditor];
}

/// Administrators only.
pub(crate) struct AdminOnly;
impl Policy for AdminOnly {
    const ROLES: &'static [Role] = &[Role::Admin];
}

/// The token of the request: a bearer token, or else the session cookie.
pub(crate) fn request_token(headers: &HeaderMap) -> Option<String> {
    if let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return value.strip_prefix("Bearer ").map(|t| t.trim().to_owned());
    }
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// Authenticates the request and checks its roles: the single access check of the web layer.
pub(crate) async fn authorize(
    parts: &Parts,
    state: &AppState,
    roles: &[Role],
) -> Result<StaffUser, AppError> {
    let token = request_token(&parts.headers).ok_or(CoreError::Unauthenticated)?;
    let user = state.core.authenticate(&token).await?;
    if user.is_applicant() && !roles.contains(&Role::Applicant) {
        // Staff pages and APIs do not exist for applicants: 404, not a hint that they do.
        return Err(AppError::Core(CoreError::NotFound("页面不存在".into())));
    }
    access::require_role(&user, roles)?;
    Ok(user)
}

/// Whether a JSON API request may act on the strength of the session cookie. Bearer tokens
/// and safe methods always may; a cookie-authenticated write must prove it comes from our own
/// pages: `Sec-Fetch-Site: same-origin`, an `Origin` equal to the request's host, or an
/// `X-CSRF-Token` header equal to the CSRF cookie. A cross-site form or script fails all three.
fn cookie_write_allowed(parts: &Parts) -> bool {
    use axum::http::Method;
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        || parts.headers.contains_key(AUTHORIZATION)
    {
        return true;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    if jar.get(SESSION_COOKIE).is_none() {
        // Without a session cookie there is no ambient authority to abuse.
        return true;
    }
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site") == Some("same-origin") {
        return true;
    }
    if let (Some(origin), Some(host)) = (header("origin"), header("host")) {
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        if origin_host.eq_ignore_ascii_case(host) {
            return true;
        }
    }
    match (header("x-csrf-token"), jar.get(CSRF_COOKIE)) {
        (Some(sent), Some(cookie)) => {
            !sent.is_empty() && constant_time_eq(sent.as_bytes(), cookie.value().as_bytes())
        }
        _ => false,
    }
}

/// A logged-in staff member admitted by policy `P`, for API handlers (401/403 as JSON).
pub(crate) struct ApiStaff<P: Policy = AnyStaff> {
    pub(crate) user: StaffUser,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for ApiStaff<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !cookie_write_allowed(parts) {
            return Err(ApiError(AppError::Csrf));
        }
        let user = authorize(parts, state, P::ROLES).await?;
        Ok(Self {
            user,
            _policy: PhantomData,
        })
    }
}

/// A logged-in staff member admitted by policy `P`, for pages: without a session the browser is
/// sent to the login page and back; with the wrong role it sees the error page.
pub(crate) struct PageStaff<P: Policy = AnyStaff> {
    pub(crate) user: StaffUser,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for PageStaff<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match authorize(parts, state, P::ROLES).await {
            Ok(user) => {
                // The page's chrome (its navigation) needs the same user: it takes it from here
                // instead of reading the session a second time.
                parts.extensions.insert(Authenticated(user.clone()));
                Ok(Self {
                    user,
                    _policy: PhantomData,
                })
            }
            Err(AppError::Core(CoreError::Unauthenticated)) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let target = format!("/login?next={}", urlencode(next));
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// The user a page's own extractor authenticated for this request (request extensions are
/// the server's own: a client cannot set one).
#[derive(Clone)]
pub(crate) struct Authenticated(pub(crate) StaffUser);

/// Percent-encodes a path for a query parameter.
pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .map(|e| e[2..].to_owned())
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A form post whose `csrf` field must match the CSRF cookie (double-submit). Together with
/// `SameSite=Strict` cookies this stops cross-site form posts.
pub(crate) struct CsrfForm<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let cookie = CookieJar::from_headers(req.headers())
            .get(CSRF_COOKIE)
            .map(|c| c.value().to_owned())
            .unwrap_or_default();
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("表单内容无法读取".into()))?;
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("表单内容不正确".into()))?;
        if cookie.is_empty() || !constant_time_eq(cookie.as_bytes(), field.csrf.as_bytes()) {
            return Err(AppError::Csrf);
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(CsrfForm)
            .map_err(|e| {
                AppError::BadRequest(format!("表单内容不正确：{}", translate(&e.to_string())))
            })
    }
}

/// Compares secrets without an early exit.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_chinese() {
        assert_eq!(
            translate("missing field `password` at line 1"),
            "缺少字段 password"
        );
        assert_eq!(
            translate("unknown variant `x`, expected one of"),
            "取值 x 无效"
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert_eq!(
            urlencode("/admin/calendar?m=2026-11"),
            "%2Fadmin%2Fcalendar%3Fm%3D2026-11"
        );
    }
}
