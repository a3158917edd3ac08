//! Operational endpoints: liveness, readiness, Prometheus metrics, and the API's 404.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use yichuang_core::CoreError;

use crate::error::{ApiError, AppError};
use crate::extract::{ClientIp, constant_time_eq};
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

/// Prometheus text exposition: with `Authorization: Bearer <metrics_token>` when a token is
/// configured, otherwise to loopback clients only. Route names and counts tell an attacker
/// what the hall runs and how busy it is, so they are not public.
async fn metrics(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    let allowed = match &state.settings.metrics_token {
        Some(token) => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|t| constant_time_eq(t.trim().as_bytes(), token.as_bytes())),
        None => ip.is_some_and(|a| a.is_loopback()),
    };
    if !allowed {
        return Err(ApiError(AppError::Core(CoreError::Forbidden(
            "监控指标仅对本机或持有监控令牌的请求开放".into(),
        ))));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics_handle().render(),
    ))
}

/// Unknown API paths answer JSON, not the HTML 404 page.
pub(crate) async fn api_not_found() -> ApiError {
    ApiError(AppError::NotFound("接口不存在".into()))
}
