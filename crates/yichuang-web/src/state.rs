//! Shared state of the web layer.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use yichuang_core::Core;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Whether the demo center is loaded: the login page then lists the demo accounts.
    pub demo_mode: bool,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Request timeout in seconds.
    pub request_timeout_secs: u64,
    /// Largest accepted request body in bytes.
    pub body_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed; every other peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// When set, `/metrics` answers only with `Authorization: Bearer <token>`; when unset, only
    /// to loopback peers (a Prometheus on the same host).
    pub metrics_token: Option<String>,
    /// The address citizens reach the hall at (`[server] public_url`, e.g.
    /// `https://zwfw.example.gov.cn`): the host of every QR code and printed link. Unset, the
    /// request's own host is used.
    pub public_url: Option<String>,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            demo_mode: false,
            secure_cookies: false,
            request_timeout_secs: 30,
            body_limit_bytes: 2 * 1024 * 1024,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            public_url: None,
        }
    }
}

/// The state every handler receives.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Use cases.
    pub core: Core,
    /// Settings.
    pub settings: WebSettings,
    /// ID cards read at each window, waiting for the intake form (in memory only).
    pub id_reads: crate::api::desk::IdCardReads,
}

impl AppState {
    /// Builds the state.
    pub fn new(core: Core, settings: WebSettings) -> Self {
        Self {
            core,
            settings,
            id_reads: Default::default(),
        }
    }
}

/// The process-wide Prometheus recorder. `metrics` has one global recorder, so every router in
/// the process (tests start many) shares it.
pub fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
        }
        handle
    })
}
