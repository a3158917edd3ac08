//! Operational endpoints: liveness, readiness, Prometheus metrics, and the API's 404.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::error::{ApiError, AppError};
use crate::state::{AppState, metrics_handle};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// Liveness: the process answers. Touches no database (the benchmark's anchor route).
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.core.store().ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "数据库不可用")
        }
    }
}

/// Prometheus text exposition.
async fn metrics() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics_handle().render(),
    )
}

/// Unknown API paths answer JSON, not the HTML 404 page.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError(AppError::NotFound("接口不存在".into()))
}
