//! Server-rendered pages. Every page embeds [`Chrome`]: the center's name, the logged-in user,
//! the large-type preference and the CSRF token for its forms. No JavaScript framework; pages
//! work with the keyboard, on phones, and in print.

mod activity;
mod admin;
mod audit;
mod auth;
pub(crate) mod cases;
mod catalog;
mod desk;
mod orders;
mod portal;
mod projects;
mod queue;
mod register;
mod reports;
mod reviews;
mod staffing;
mod supervision;
mod timeline;
mod workload;

pub(crate) use activity::parse_query as activity_query;
pub(crate) use staffing::parse_query as staffing_query;
pub(crate) use workload::parse_range as workload_range;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use yichuang_domain::account::{Role, StaffUser};

use crate::error::AppError;
use crate::extract::{CONTRAST_COOKIE, LARGE_COOKIE, request_token, urlencode};
use crate::middleware::{CsrfToken, ensure_csrf_cookie};
use crate::state::AppState;

/// Largest multipart body of an online application: several uploads of up to 10 MB each.
const APPLY_BODY_LIMIT: usize = 60 * 1024 * 1024;

/// Page routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(catalog::home))
        .route("/matters", get(catalog::list))
        .route("/matters/{code}", get(catalog::show))
        .route("/departments", get(catalog::departments))
        .route("/login", get(auth::login_form).post(auth::login))
        .route("/logout", axum::routing::post(auth::logout))
        .route("/prefs/large", get(auth::toggle_large))
        .route("/prefs/contrast", get(auth::toggle_contrast))
        .route("/admin", get(admin::home))
        .route("/audit", get(audit::page))
        .route("/audit/export", get(audit::export))
        .route("/audit/verify", axum::routing::post(audit::verify))
        .route("/admin/calendar", get(admin::calendar))
        .route("/admin/outbox", get(admin::outbox))
        .route("/admin/calendar/day", axum::routing::post(admin::set_day))
        .route("/admin/calendar/year", axum::routing::post(admin::set_year))
        .route(
            "/register",
            get(register::register_form).post(register::register),
        )
        .route("/register/code", axum::routing::post(register::send_code))
        .route("/my", get(portal::my))
        .route("/my/cases/{case_no}", get(portal::my_case))
        .route(
            "/my/cases/{case_no}/rate",
            axum::routing::post(portal::rate),
        )
        .route(
            "/my/appointments",
            get(portal::appointments).post(portal::book),
        )
        .route(
            "/my/cases/{case_no}/resubmit",
            axum::routing::post(portal::resubmit)
                .layer(axum::extract::DefaultBodyLimit::max(APPLY_BODY_LIMIT)),
        )
        .route(
            "/apply/{code}",
            get(portal::apply_form)
                .post(portal::apply)
                .layer(axum::extract::DefaultBodyLimit::max(APPLY_BODY_LIMIT)),
        )
        .route("/files/{id}", get(portal::file))
        .route("/projects", get(projects::list))
        .route(
            "/projects/new",
            get(projects::new_form).post(projects::create),
        )
        .route("/projects/{code}", get(projects::show))
        .route("/desk", get(desk::desk))
        .route("/desk/find", get(desk::find))
        .route("/desk/new", get(desk::new_form).post(desk::create))
        .route("/office", get(cases::office))
        .route("/issuance", get(cases::issuance))
        .route("/cases/{case_no}", get(cases::show))
        .route("/cases/{case_no}/action", axum::routing::post(cases::act))
        .route("/cases/{case_no}/order", axum::routing::post(orders::order))
        .route(
            "/supervision/orders/{id}/reply",
            axum::routing::post(orders::reply),
        )
        .route("/progress", get(cases::progress))
        .route("/kiosk", get(queue::kiosk).post(queue::take))
        .route("/kiosk/tickets/{id}", get(queue::kiosk_ticket))
        .route("/queue/tickets/{id}", get(queue::position))
        .route("/display", get(queue::display))
        .route("/display/window/{code}", get(queue::display_window))
        .route("/desk/ticket", axum::routing::post(queue::desk_ticket))
        .route("/pad/{code}", get(queue::pad).post(queue::pad_rate))
        .route("/rate/{token}", get(reviews::rate_form).post(reviews::rate))
        .route("/rectifications", get(reviews::rectifications))
        .route("/reports/daily", get(reports::daily))
        .route("/reports/performance", get(reports::performance))
        .route("/reports/staffing", get(staffing::staffing))
        .route("/reports/workload", get(workload::workload))
        .route("/reports/bulletin", get(supervision::bulletin))
        .route("/supervision", get(supervision::board))
        .route("/supervision/windows", get(activity::windows))
        .route(
            "/rectifications/{id}/action",
            axum::routing::post(reviews::rectification_action),
        )
        .layer(axum::middleware::from_fn(ensure_csrf_cookie))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .route("/favicon.ico", get(favicon))
        .route("/favicon.svg", get(favicon))
}

/// What every page shows around its content.
pub(crate) struct Chrome {
    pub(crate) center_name: String,
    pub(crate) user_name: Option<String>,
    pub(crate) is_admin: bool,
    pub(crate) is_clerk: bool,
    pub(crate) is_office: bool,
    pub(crate) is_issuer: bool,
    /// Reads reports (admins, supervisors, department heads).
    pub(crate) is_reporter: bool,
    /// Opens the 电子监察 board (admins, supervisors).
    pub(crate) is_supervisor: bool,
    /// A portal applicant (申请人): sees 我的办件 instead of staff desks.
    pub(crate) is_applicant: bool,
    /// The 审计管理员: sees the audit log.
    pub(crate) is_auditor: bool,
    /// For administrators and the auditor: the audit chain is broken (what and where).
    pub(crate) audit_alarm: Option<String>,
    pub(crate) large: bool,
    /// 高对比度 is on.
    pub(crate) contrast: bool,
    /// The classes of `<html>`: `large`, `contrast`.
    pub(crate) html_class: String,
    pub(crate) csrf: String,
    pub(crate) path_encoded: String,
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let jar = CookieJar::from_headers(&parts.headers);
        let large = jar.get(LARGE_COOKIE).is_some_and(|c| c.value() == "1");
        let contrast = jar.get(CONTRAST_COOKIE).is_some_and(|c| c.value() == "1");
        let html_class = [(large, "large"), (contrast, "contrast")]
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, c)| *c)
            .collect::<Vec<_>>()
            .join(" ");
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|t| t.0.clone())
            .unwrap_or_default();
        let user = match (
            parts.extensions.get::<crate::extract::Authenticated>(),
            request_token(&parts.headers),
        ) {
            (Some(known), _) => Some(known.0.clone()),
            (None, Some(token)) => state.core.authenticate(&token).await.ok(),
            (None, None) => None,
        };
        let center_name = match state.core.default_center().await {
            Ok(c) => c.name,
            Err(_) => "一窗通".to_owned(),
        };
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        Ok(Self {
            center_name,
            is_admin: user.as_ref().is_some_and(|u| u.has_role(Role::Admin)),
            is_clerk: user.as_ref().is_some_and(|u| u.has_role(Role::Clerk)),
            is_office: user.as_ref().is_some_and(|u| {
                u.has_any_role(&[Role::Approver, Role::DeptHead, Role::Supervisor])
            }),
            is_issuer: user.as_ref().is_some_and(|u| u.has_role(Role::Issuer)),
            is_supervisor: user
                .as_ref()
                .is_some_and(|u| u.has_any_role(&[Role::Admin, Role::Supervisor])),
            is_reporter: user
                .as_ref()
                .is_some_and(|u| u.has_any_role(&yichuang_core::reports::REPORT_ROLES)),
            is_applicant: user.as_ref().is_some_and(StaffUser::is_applicant),
            is_auditor: user.as_ref().is_some_and(|u| u.has_role(Role::Auditor)),
            audit_alarm: user
                .as_ref()
                .filter(|u| u.has_any_role(&[Role::Admin, Role::Auditor]))
                .and_then(|_| state.core.audit_alarm())
                .map(|r| audit_alarm_text(&r)),
            user_name: user.map(|u| u.display_name),
            large,
            contrast,
            html_class,
            csrf,
            path_encoded: urlencode(path),
        })
    }
}

/// The alarm of a broken audit chain, in words: the first broken place of each chain.
pub(crate) fn audit_alarm_text(r: &yichuang_core::store::audit::AuditReport) -> String {
    let mut parts: Vec<String> = r
        .chains
        .iter()
        .filter_map(|c| {
            c.broken.as_ref().map(|b| {
                format!(
                    "{}第 {} 号事件{}",
                    if c.chain_key == 0 {
                        "中心之外的链".to_owned()
                    } else {
                        format!("中心 {} 的链", c.chain_key)
                    },
                    b.seq,
                    b.reason
                )
            })
        })
        .collect();
    if r.unchained > 0 {
        parts.push(format!("{} 条事件未入链（绕过系统写入）", r.unchained));
    }
    format!(
        "审计链校验失败：{}。请立即核查数据库，并运行 yichuang audit verify 查看详情。",
        parts.join("；")
    )
}

/// The stylesheet, embedded in the binary and cached by ETag.
async fn stylesheet(headers: axum::http::HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    asset(
        &headers,
        include_str!("../../static/app.css"),
        "text/css; charset=utf-8",
        &ETAG,
    )
}

/// The pages' one script (the CSP forbids inline script), embedded and cached by ETag.
async fn script(headers: axum::http::HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    asset(
        &headers,
        include_str!("../../static/app.js"),
        "text/javascript; charset=utf-8",
        &ETAG,
    )
}

/// The site icon (SVG; browsers take it for `/favicon.ico` too).
async fn favicon(headers: axum::http::HeaderMap) -> Response {
    static ETAG: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    asset(
        &headers,
        include_str!("../../static/favicon.svg"),
        "image/svg+xml",
        &ETAG,
    )
}

fn asset(
    headers: &axum::http::HeaderMap,
    body: &'static str,
    content_type: &'static str,
    etag: &'static std::sync::OnceLock<String>,
) -> Response {
    let etag = etag.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        format!("\"{:x}\"", h.finish())
    });
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Ok(v) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// The fallback for unknown paths.
pub(crate) async fn not_found(State(_): State<AppState>) -> AppError {
    AppError::NotFound("您访问的页面不存在".into())
}
