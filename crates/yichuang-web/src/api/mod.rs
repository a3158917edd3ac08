//! The JSON API under `/api/v1`: a stable contract for integrators. Every error is
//! `{"error": {"code", "message"}}`; the OpenAPI 3.1 document is generated from the handlers.

pub(crate) mod audit;
mod auth;
pub(crate) mod calendar;
pub(crate) mod cases;
mod catalog;
pub(crate) mod desk;
mod exchange;
mod notices;
mod ops;
pub(crate) mod portal;
pub(crate) mod projects;
pub(crate) mod queue;
pub(crate) mod reports;
mod reveal;
pub(crate) mod reviews;
pub(crate) mod supervision;

use axum::Router;
use axum::routing::{get, post, put};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

pub(crate) use calendar::parse_date;
pub(crate) use cases::{available_notices, progress_of};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "一窗通 API",
        version = env!("CARGO_PKG_VERSION"),
        description = "一窗通政务服务平台的 JSON 接口。错误统一为 {\"error\": {\"code\", \"message\"}}。",
        license(name = "Apache-2.0")
    ),
    paths(
        audit::events,
        audit::verify,
        auth::create_token,
        auth::revoke_token,
        auth::me,
        catalog::list_matters,
        catalog::show_matter,
        catalog::departments,
        catalog::windows,
        catalog::window_groups,
        calendar::add_working_days,
        calendar::show_year,
        calendar::set_day,
        calendar::set_year,
        cases::create,
        cases::agency,
        cases::centers,
        cases::show,
        cases::act,
        cases::list,
        cases::events,
        reveal::reveal,
        desk::post_read,
        desk::take_read,
        notices::notice,
        cases::progress,
        cases::lights,
        cases::notifications,
        cases::issue_order,
        cases::reply_order,
        queue::create,
        queue::call,
        queue::act,
        queue::show,
        queue::status,
        queue::events,
        reviews::evaluate,
        reviews::list,
        reviews::act,
        reports::daily,
        reports::performance,
        reports::materials,
        reports::staffing,
        reports::workload,
        supervision::alerts,
        supervision::bulletin,
        supervision::outbox,
        supervision::windows,
        queue::slots,
        queue::book,
        queue::cancel,
        queue::measures,
        queue::register_kiosk,
        portal::send_code,
        portal::register,
        portal::upload,
        portal::download,
        portal::apply,
        portal::resubmit,
        portal::my_cases,
        portal::my_licenses,
        portal::licenses,
        portal::import,
        projects::create,
        projects::show,
        projects::list,
        projects::add_agent,
        exchange::cases,
        exchange::events,
        exchange::stream,
    ),
    components(schemas(crate::api::ErrorBody, crate::api::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "audit", description = "审计日志与 SM3 审计链（审计管理员）"),
        (name = "auth", description = "登录与令牌"),
        (name = "catalog", description = "事项目录与办事指南"),
        (name = "calendar", description = "工作日历"),
        (name = "cases", description = "办件：受理、审批、出件、进度、亮灯"),
        (name = "queue", description = "排队叫号"),
        (name = "evaluations", description = "好差评与差评整改"),
        (name = "reports", description = "日报与绩效排名"),
        (name = "projects", description = "投资项目：分阶段并联审批"),
        (name = "portal", description = "一网通办：申请人账号、网上申请、电子证照库"),
        (name = "exchange", description = "数据交换：GB/T 39046 办件导出、办件事件订阅")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The error envelope of every API error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// One error.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable snake_case code, e.g. `not_found`.
    code: String,
    /// Chinese explanation.
    message: String,
}

/// The OpenAPI document of the API.
/// Largest multipart body of an upload: the core's 10 MB file limit plus room for the form, so
/// that a file just over the limit still gets the core's Chinese 413 message.
pub(crate) const UPLOAD_BODY_LIMIT: usize = 11 * 1024 * 1024;

pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// API routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/auth/token",
            post(auth::create_token).delete(auth::revoke_token),
        )
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/audit/events", get(audit::events))
        .route("/api/v1/audit/verify", post(audit::verify))
        .route("/api/v1/matters", get(catalog::list_matters))
        .route("/api/v1/matters/{code}", get(catalog::show_matter))
        .route("/api/v1/departments", get(catalog::departments))
        .route("/api/v1/windows", get(catalog::windows))
        .route("/api/v1/window-groups", get(catalog::window_groups))
        .route("/api/v1/calendar", get(calendar::show_year))
        .route(
            "/api/v1/calendar/add-working-days",
            get(calendar::add_working_days),
        )
        .route("/api/v1/calendar/days/{day}", put(calendar::set_day))
        .route("/api/v1/calendar/years/{year}", put(calendar::set_year))
        .route("/api/v1/cases", get(cases::list).post(cases::create))
        .route("/api/v1/agency/cases", get(cases::agency))
        .route("/api/v1/centers", get(cases::centers))
        .route("/api/v1/cases/{case_no}", get(cases::show))
        .route("/api/v1/cases/{case_no}/actions", post(cases::act))
        .route("/api/v1/cases/{case_no}/events", get(cases::events))
        .route("/api/v1/cases/{case_no}/reveal", post(reveal::reveal))
        .route(
            "/api/v1/desk/id-card",
            post(desk::post_read).get(desk::take_read),
        )
        .route(
            "/api/v1/cases/{case_no}/notices/{kind}",
            get(notices::notice),
        )
        .route("/api/v1/public/progress", get(cases::progress))
        .route("/api/v1/supervision/lights", get(cases::lights))
        .route("/api/v1/notifications", get(cases::notifications))
        .route("/api/v1/supervision/orders", post(cases::issue_order))
        .route(
            "/api/v1/supervision/orders/{id}/reply",
            post(cases::reply_order),
        )
        .route("/api/v1/applicants/verification", post(portal::send_code))
        .route("/api/v1/applicants", post(portal::register))
        .route(
            "/api/v1/files",
            post(portal::upload).layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/api/v1/files/{id}", get(portal::download))
        .route("/api/v1/applications", post(portal::apply))
        .route(
            "/api/v1/applications/{case_no}/resubmit",
            post(portal::resubmit),
        )
        .route("/api/v1/my/cases", get(portal::my_cases))
        .route("/api/v1/my/licenses", get(portal::my_licenses))
        .route("/api/v1/licenses", get(portal::licenses))
        .route("/api/v1/licenses/import", post(portal::import))
        .route(
            "/api/v1/projects",
            get(projects::list).post(projects::create),
        )
        .route("/api/v1/projects/{code}", get(projects::show))
        .route("/api/v1/projects/{code}/agents", post(projects::add_agent))
        .route("/api/v1/tickets", post(queue::create))
        .route("/api/v1/tickets/{id}", get(queue::show))
        .route("/api/v1/tickets/{id}/actions", post(queue::act))
        .route("/api/v1/windows/{code}/call", post(queue::call))
        .route("/api/v1/queue/status", get(queue::status))
        .route("/api/v1/queue/events", get(queue::events))
        .route("/api/v1/queue/measures", get(queue::measures))
        .route("/api/v1/kiosks", post(queue::register_kiosk))
        .route("/api/v1/evaluations", post(reviews::evaluate))
        .route("/api/v1/rectifications", get(reviews::list))
        .route("/api/v1/rectifications/{id}/actions", post(reviews::act))
        .route("/api/v1/reports/daily", get(reports::daily))
        .route("/api/v1/reports/performance", get(reports::performance))
        .route("/api/v1/reports/staffing", get(reports::staffing))
        .route("/api/v1/reports/workload", get(reports::workload))
        .route("/api/v1/supervision/windows", get(supervision::windows))
        .route("/api/v1/reports/materials", get(reports::materials))
        .route("/api/v1/reports/bulletin", get(supervision::bulletin))
        .route("/api/v1/supervision/alerts", get(supervision::alerts))
        .route("/api/v1/outbox", get(supervision::outbox))
        .route("/api/v1/appointments/slots", get(queue::slots))
        .route("/api/v1/appointments", post(queue::book))
        .route(
            "/api/v1/appointments/{id}",
            axum::routing::delete(queue::cancel),
        )
        .route("/api/v1/exchange/cases", get(exchange::cases))
        .route("/api/v1/events", get(exchange::events))
        .route("/api/v1/events/stream", get(exchange::stream))
        .route("/api/v1/{*rest}", axum::routing::any(ops::api_not_found))
        .merge(ops::routes())
}

/// Swagger UI at `/api/docs` (assets vendored in the binary) and the document at
/// `/api/v1/openapi.json`.
pub(crate) fn docs() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", ApiDoc::openapi()))
}
