//! The HTTP layer of 一窗通: the JSON API under `/api/v1`, server-rendered pages, static assets,
//! health and metrics. Handlers are thin: extract, call `yichuang-core`, render.
//!
//! Two seams are public: [`router`] builds the whole application for a state, and [`serve`] runs
//! it on a listener until a shutdown future resolves. `main` and the tests both use them.

mod action;
mod api;
mod error;
mod extract;
mod html;
mod middleware;
mod notice;
mod state;

use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;

pub use api::openapi_document;
pub use error::{ApiError, AppError};
pub use state::{AppState, WebSettings, metrics_handle};

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    // Install the recorder before the first request so that every request is counted.
    metrics_handle();
    let timeout = Duration::from_secs(state.settings.request_timeout_secs);
    // Uploads need more than the JSON limit; axum's extractors keep their own 2 MB default.
    let body_limit = state.settings.body_limit_bytes.max(api::UPLOAD_BODY_LIMIT);
    let secure = state.settings.secure_cookies;
    let trusted = std::sync::Arc::new(state.settings.trusted_proxies.clone());
    Router::new()
        .merge(api::routes())
        .merge(html::routes())
        .merge(api::docs())
        .fallback(html::not_found)
        .layer(axum::middleware::from_fn_with_state(
            trusted,
            middleware::record_origin,
        ))
        .layer(axum::middleware::from_fn(middleware::log_errors))
        .layer(axum::middleware::from_fn(middleware::track_metrics))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::uniform_errors))
        .layer(axum::middleware::from_fn_with_state(
            secure,
            middleware::security_headers,
        ))
        .layer(middleware::trace_layer())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains open connections.
///
/// Every request carries the peer address as `ConnectInfo<SocketAddr>`, which rate limits and
/// the audit trail read (through the trusted-proxy rules) to know where a request came from.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
