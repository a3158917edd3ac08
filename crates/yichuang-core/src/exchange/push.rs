//! The push to the provincial platform: every case event and every 好差评 evaluation is queued
//! in the outbox (channel `exchange`, one row per event id) and POSTed as JSON to the configured
//! endpoint with an `Idempotency-Key: <center code>-<event id>` header.
//!
//! Guarantee: messages are sent one at a time in event-id order (within a center that is the
//! order the events were committed; across centers, the global id order), and a message is not
//! sent before every earlier one was delivered or given up. A failure is retried after an
//! exponential backoff on the injected clock (the base doubled per attempt, capped), while
//! everything after it waits; after `max_attempts` the message becomes a dead letter, shown with
//! its last error on /admin/outbox, and the queue moves on. With several instances on one
//! database, the head message is leased to one sender at a time (`Store::claim_push`); a sender
//! that dies mid-send loses the lease and another resends the same message with the same key,
//! so the receiver must treat a repeated key as already delivered (at-least-once transport,
//! exactly-once effect). Only a 2xx answer counts as delivered.

use std::sync::Arc;

use chrono::Duration;
use yichuang_store::exchange::{PushMessage, PushOutcome};

use crate::{Core, CoreError, Result};

/// Events queued per center per run (the rest on the next run).
const QUEUE_BATCH: u32 = 1000;
/// Messages sent per run at most, so one run cannot hold a tick forever.
const SENDS_PER_RUN: u32 = 1000;
/// Longest error text kept for the administrator.
const ERROR_CHARS: usize = 300;

/// Settings of the push (`[exchange]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeSettings {
    /// The endpoint, `http://…`.
    pub url: String,
    /// An extra header, e.g. (`Authorization`, `Bearer …`).
    pub auth_header: Option<(String, String)>,
    /// Attempts before a message is a dead letter.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// How long a claimed message stays with its sender (longer than `timeout`).
    pub lease: Duration,
    /// HTTP timeout of one attempt.
    pub timeout: std::time::Duration,
}

impl ExchangeSettings {
    /// Checks the configured values: `auth_header` is `Name: value` (or empty for none).
    pub fn new(
        url: &str,
        auth_header: &str,
        max_attempts: u32,
        backoff_seconds: u32,
    ) -> Result<Self> {
        let url = url.trim();
        if url.starts_with("https://") {
            return Err(CoreError::invalid(
                "exchange.url",
                "exchange.url 暂只支持 http:// 地址（本程序未内置 TLS，HTTPS 请经本机网关或反向代理转发）",
            ));
        }
        let rest = url.strip_prefix("http://").unwrap_or_default();
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(CoreError::invalid(
                "exchange.url",
                "exchange.url 应为 http:// 开头的完整地址",
            ));
        }
        let auth_header = match auth_header.trim() {
            "" => None,
            h => {
                let (name, value) = h.split_once(':').ok_or_else(|| {
                    CoreError::invalid(
                        "exchange.auth_header",
                        "exchange.auth_header 应为“名称: 值”，例如 Authorization: Bearer …",
                    )
                })?;
                let (name, value) = (name.trim(), value.trim());
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(token) || value.is_empty() {
                    return Err(CoreError::invalid(
                        "exchange.auth_header",
                        "exchange.auth_header 的名称或值无效",
                    ));
                }
                Some((name.to_owned(), value.to_owned()))
            }
        };
        if !(1..=100).contains(&max_attempts) {
            return Err(CoreError::invalid(
                "exchange.max_attempts",
                "exchange.max_attempts 应在 1 至 100 之间",
            ));
        }
        if !(1..=3600).contains(&backoff_seconds) {
            return Err(CoreError::invalid(
                "exchange.backoff_seconds",
                "exchange.backoff_seconds 应在 1 至 3600 之间",
            ));
        }
        Ok(Self {
            url: url.to_owned(),
            auth_header,
            max_attempts,
            backoff: Duration::seconds(i64::from(backoff_seconds)),
            max_backoff: Duration::hours(6),
            lease: Duration::minutes(2),
            timeout: std::time::Duration::from_secs(30),
        })
    }

    /// The wait after the `attempts`-th failed attempt (1 for the first).
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let factor = 1i32
            .checked_shl(attempts.saturating_sub(1).min(30))
            .unwrap_or(i32::MAX);
        self.backoff
            .checked_mul(factor)
            .map_or(self.max_backoff, |d| d.min(self.max_backoff))
    }
}

/// The configured push: its settings and an HTTP client.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    settings: ExchangeSettings,
    client: reqwest::Client,
}

impl Exchange {
    /// One attempt: `Ok` on a 2xx answer, else why not.
    async fn send(&self, m: &PushMessage) -> std::result::Result<(), String> {
        let mut req = self
            .client
            .post(&self.settings.url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &m.idempotency_key)
            .body(m.body.clone());
        if let Some((name, value)) = &self.settings.auth_header {
            req = req.header(name.as_str(), value.as_str());
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                let text: String = text.chars().take(ERROR_CHARS).collect();
                Err(format!("HTTP {status} {}", text.trim()).trim().to_owned())
            }
            // Without the source chain: reqwest's message names the URL and the kind of failure.
            Err(e) => Err(e.to_string().chars().take(ERROR_CHARS).collect()),
        }
    }
}

/// What one run of the push did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushRun {
    /// Events newly queued.
    pub queued: u64,
    /// Messages delivered.
    pub sent: u32,
    /// Attempts that failed and will be retried.
    pub failed: u32,
    /// Messages given up (dead letters).
    pub dead: u32,
}

impl Core {
    /// Configures the push to the provincial platform.
    pub fn with_exchange(mut self, settings: ExchangeSettings) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("HTTP client: {e}")))?;
        self.exchange = Some(Arc::new(Exchange { settings, client }));
        Ok(self)
    }

    /// The state of the push of the user's center (administrators and supervisors).
    pub async fn push_report_for(
        &self,
        user: &yichuang_domain::account::StaffUser,
    ) -> Result<yichuang_store::exchange::PushReport> {
        crate::access::require_role(
            user,
            &[
                yichuang_domain::account::Role::Admin,
                yichuang_domain::account::Role::Supervisor,
            ],
        )?;
        Ok(self.store().push_report(user.center_id, 200).await?)
    }

    /// Whether a push endpoint is configured.
    pub fn push_configured(&self) -> bool {
        self.exchange.is_some()
    }

    /// Queues the events not yet queued, then sends due messages in order until one fails,
    /// none is due, or another instance holds the head (see the module comment). `holder`
    /// names this instance. Does nothing without `[exchange] url`.
    pub async fn run_push(&self, holder: &str) -> Result<PushRun> {
        let Some(x) = self.exchange.clone() else {
            return Ok(PushRun::default());
        };
        let mut run = PushRun::default();
        for c in self.store().centers().await? {
            run.queued += self
                .store()
                .enqueue_push(c.id, &c.code, QUEUE_BATCH, &self.ctx("system"))
                .await?;
        }
        for _ in 0..SENDS_PER_RUN {
            let now = self.clock().now();
            let Some(m) = self
                .store()
                .claim_push(holder, now, x.settings.lease)
                .await?
            else {
                break;
            };
            let outcome = match x.send(&m).await {
                Ok(()) => PushOutcome::Sent,
                Err(error) => {
                    let attempts = m.attempts + 1;
                    tracing::warn!(event_id = m.event_id, attempts, %error, "push failed");
                    if attempts >= x.settings.max_attempts {
                        PushOutcome::Dead { error }
                    } else {
                        PushOutcome::Retry {
                            error,
                            next_at: now + x.settings.backoff_after(attempts),
                        }
                    }
                }
            };
            let ctx = self.ctx("system");
            if !self
                .store()
                .finish_push(m.id, holder, &outcome, &ctx)
                .await?
            {
                tracing::warn!(event_id = m.event_id, "push lease lost to another instance");
                break;
            }
            match outcome {
                PushOutcome::Sent => run.sent += 1,
                PushOutcome::Dead { .. } => run.dead += 1,
                // Everything after it waits for its retry.
                PushOutcome::Retry { .. } => {
                    run.failed += 1;
                    break;
                }
            }
        }
        Ok(run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_and_backoff_doubles_up_to_its_cap() {
        let s = ExchangeSettings::new("http://127.0.0.1:9/in", "Authorization: Bearer x", 5, 30)
            .unwrap();
        assert_eq!(
            s.auth_header,
            Some(("Authorization".to_owned(), "Bearer x".to_owned()))
        );
        let waits: Vec<i64> = (1..=4).map(|a| s.backoff_after(a).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240]);
        assert_eq!(s.backoff_after(40), Duration::hours(6));
        for (url, header) in [
            ("https://x/in", ""),
            ("ftp://x", ""),
            ("http://", ""),
            ("http://x/in", "Bearer x"),
            ("http://x/in", "Bad Name: x"),
        ] {
            let err = ExchangeSettings::new(url, header, 5, 30).unwrap_err();
            assert!(matches!(err, CoreError::Invalid { .. }), "{url} {header}");
        }
        assert!(ExchangeSettings::new("http://x/in", "", 0, 30).is_err());
    }
}
