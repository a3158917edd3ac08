//! Use cases of 一窗通 over an `Arc<dyn Store>` and an `Arc<dyn Clock>`. The web layer, the CLI
//! and background jobs all call these; none of them talks to the store directly for writes.

pub mod access;
pub mod audit;
pub mod auth;
pub mod board;
pub mod bulk;
mod cache;
pub mod calendar;
pub mod cases;
pub mod catalog;
pub mod centers;
pub mod demo;
mod error;
pub mod evaluations;
pub mod exchange;
pub mod files;
pub mod guard;
pub mod inbox;
pub mod jobs;
pub mod notify;
pub mod portal;
pub mod projects;
pub mod queue;
pub mod reports;
pub mod search;
pub mod simulate;
pub mod supervision;

use std::sync::Arc;

use yichuang_domain::calendar::Calendar;
use yichuang_domain::clock::Clock;
use yichuang_store::{Center, Ctx, Store};

pub use error::{CoreError, Result};
/// The store's records, re-exported so that callers need not name the store crate.
pub use yichuang_store as store;

/// Settings of the authentication use cases.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Lifetime of a browser session, in hours.
    pub session_hours: i64,
    /// A browser session unused this many minutes ends (beside the absolute lifetime); API
    /// tokens of kiosks and integrations have no idle timeout.
    pub idle_minutes: i64,
    /// Lifetime of an API token, in days.
    pub token_days: i64,
    /// Failed logins that lock an account.
    pub max_failed_logins: u32,
    /// How long a locked account stays locked, in minutes.
    pub lockout_minutes: i64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_hours: 12,
            idle_minutes: 30,
            token_days: 30,
            max_failed_logins: 5,
            lockout_minutes: 15,
        }
    }
}

/// Settings of case handling.
#[derive(Debug, Clone)]
pub struct CaseSettings {
    /// Minute budget of immediate matters (即办件).
    pub immediate_minutes: u32,
    /// 电子监察 thresholds of the center.
    pub light_rules: yichuang_domain::case::LightRules,
    /// Thresholds of particular matters, by matter code.
    pub matter_light_rules: std::collections::HashMap<String, yichuang_domain::case::LightRules>,
}

impl Default for CaseSettings {
    fn default() -> Self {
        Self {
            immediate_minutes: 30,
            light_rules: yichuang_domain::case::LightRules::default(),
            matter_light_rules: std::collections::HashMap::new(),
        }
    }
}

/// Settings of 好差评.
#[derive(Debug, Clone)]
pub struct EvaluationSettings {
    /// Working days a department has to rectify a bad review.
    pub rectification_days: u32,
}

impl Default for EvaluationSettings {
    fn default() -> Self {
        Self {
            rectification_days: evaluations::RECTIFICATION_DAYS,
        }
    }
}

/// The application core: the store, the clock and settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Core {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    auth: AuthSettings,
    cases: CaseSettings,
    evaluation: EvaluationSettings,
    performance: reports::PerformanceFormula,
    portal: portal::PortalSettings,
    projects: projects::ProjectSettings,
    search: search::Indexes,
    notifier: Arc<dyn notify::Notifier>,
    /// The first center never changes once it exists; caching it saves a query per request.
    default_center: Arc<tokio::sync::OnceCell<Center>>,
    /// Calendars by center (every intake and case read computes deadlines).
    calendars: Arc<cache::TtlCache<i64, Calendar>>,
    /// Matter versions in force, by center and code.
    matters: Arc<cache::TtlCache<(i64, String), yichuang_store::MatterVersion>>,
    /// Windows by center.
    windows: Arc<cache::TtlCache<i64, Vec<yichuang_domain::catalog::Window>>>,
    queue: queue::QueueSettings,
    /// Live hall events (calls, finishes) for displays in this process.
    hall: tokio::sync::broadcast::Sender<queue::HallEvent>,
    /// Hall events travel through the database to every instance (PostgreSQL).
    hall_shared: Arc<std::sync::atomic::AtomicBool>,
    /// Rate limits and login lockouts of this process.
    guard: Arc<guard::Guard>,
    /// The last audit chain check.
    audit: Arc<std::sync::RwLock<Option<yichuang_store::audit::AuditReport>>>,
    /// The push to the provincial platform, when configured.
    exchange: Option<Arc<exchange::push::Exchange>>,
}

pub use cache::{CACHE_TTL, SHARED_CACHE_TTL};

impl Core {
    /// Wires the core.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, auth: AuthSettings) -> Self {
        let guard = Arc::new(guard::Guard::new(
            Arc::clone(&clock),
            &guard::LimitSettings::default(),
        ));
        Self {
            notifier: Arc::new(notify::OutboxNotifier::new(Arc::clone(&store))),
            store,
            clock,
            auth,
            cases: CaseSettings::default(),
            evaluation: EvaluationSettings::default(),
            performance: reports::PerformanceFormula::default(),
            portal: portal::PortalSettings::default(),
            projects: projects::ProjectSettings::default(),
            search: Arc::default(),
            default_center: Arc::default(),
            calendars: Arc::default(),
            matters: Arc::default(),
            windows: Arc::default(),
            queue: queue::QueueSettings::default(),
            hall: tokio::sync::broadcast::channel(256).0,
            hall_shared: Arc::default(),
            guard,
            audit: Arc::default(),
            exchange: None,
        }
    }

    /// Replaces the case settings.
    #[must_use]
    pub fn with_case_settings(mut self, cases: CaseSettings) -> Self {
        self.cases = cases;
        self
    }

    /// The 电子监察 thresholds of a matter: its own, or the center's.
    pub fn light_rules_for(&self, matter_code: &str) -> yichuang_domain::case::LightRules {
        self.cases
            .matter_light_rules
            .get(matter_code)
            .copied()
            .unwrap_or(self.cases.light_rules)
    }

    /// Replaces the evaluation settings.
    #[must_use]
    pub fn with_evaluation_settings(mut self, evaluation: EvaluationSettings) -> Self {
        self.evaluation = evaluation;
        self
    }

    /// Replaces the hall queue settings.
    /// Sets the stage limits of investment projects.
    #[must_use]
    pub fn with_project_settings(mut self, projects: projects::ProjectSettings) -> Self {
        self.projects = projects;
        self
    }

    /// Sets where uploads are stored and how large they may be.
    #[must_use]
    pub fn with_portal_settings(mut self, portal: portal::PortalSettings) -> Self {
        self.portal = portal;
        self
    }

    #[must_use]
    pub fn with_queue_settings(mut self, queue: queue::QueueSettings) -> Self {
        self.queue = queue;
        self
    }

    /// Replaces the notifier of outside channels (the default queues in the outbox table).
    #[must_use]
    pub fn with_notifier(mut self, notifier: Arc<dyn notify::Notifier>) -> Self {
        self.notifier = notifier;
        self
    }

    /// Sends a message through the notifier; a failure is logged, never fatal (the in-app
    /// notification is already recorded).
    pub(crate) async fn notify(&self, msg: yichuang_store::OutboxMessage) {
        if let Err(e) = self.notifier.send(&msg, &self.ctx("system")).await {
            tracing::warn!(error = %e, subject = msg.subject_id, "notifier failed");
        }
    }

    /// Queued outside messages of the user's center (administrators and supervisors).
    pub async fn outbox_for(
        &self,
        user: &yichuang_domain::account::StaffUser,
    ) -> Result<Vec<yichuang_store::OutboxRecord>> {
        access::require_role(
            user,
            &[
                yichuang_domain::account::Role::Admin,
                yichuang_domain::account::Role::Supervisor,
            ],
        )?;
        Ok(self.store.outbox(user.center_id, 500).await?)
    }

    /// Replaces the performance formula.
    #[must_use]
    pub fn with_performance_formula(mut self, formula: reports::PerformanceFormula) -> Self {
        self.performance = formula;
        self
    }

    /// Replaces the rate limits (and forgets what the old limiters counted).
    #[must_use]
    pub fn with_limits(mut self, limits: &guard::LimitSettings) -> Self {
        self.guard = Arc::new(guard::Guard::new(Arc::clone(&self.clock), limits));
        self
    }

    /// Counts an attempt of `kind` from `ip`; `RateLimited` when the address has used its quota.
    pub fn check_attempt(&self, kind: guard::Attempt, ip: Option<std::net::IpAddr>) -> Result<()> {
        self.guard.check_attempt(kind, ip)
    }

    /// Drops limiter and lockout state that no longer limits anything (a periodic job).
    pub fn sweep_limits(&self) {
        self.guard.sweep(
            self.clock.now(),
            chrono::Duration::minutes(self.auth.lockout_minutes),
        );
    }

    /// The store, for read-only queries that need no rules.
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    /// A write context for `actor` now.
    pub fn ctx(&self, actor: &str) -> Ctx {
        Ctx::new(actor, self.clock.now()).sealed(self.store.sealer())
    }

    /// The center this installation serves by default: the first one created.
    pub async fn default_center(&self) -> Result<Center> {
        let center = self
            .default_center
            .get_or_try_init(|| async {
                self.store
                    .centers()
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| CoreError::NotFound("尚未建立政务服务中心，请先导入目录".into()))
            })
            .await?;
        Ok(center.clone())
    }

    /// A center by code, or the default center when `code` is `None`.
    pub async fn center(&self, code: Option<&str>) -> Result<Center> {
        match code {
            None => self.default_center().await,
            Some(code) => self
                .store
                .center_by_code(code)
                .await?
                .ok_or_else(|| CoreError::NotFound(format!("中心 \"{code}\" 不存在"))),
        }
    }
}
