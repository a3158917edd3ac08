//! The composition root: logging, store selection by URL, and the server's life cycle.

use std::sync::Arc;

use anyhow::Context;
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
use yichuang_core::Core;
use yichuang_domain::clock::{Clock, SystemClock};
use yichuang_store::Store;
use yichuang_store_postgres::PgStore;
use yichuang_store_sqlite::SqliteStore;
use yichuang_web::{AppState, WebSettings};

use crate::config::{Config, LogConfig, redact_url};

/// Initialises tracing: pretty or JSON lines, filtered by `RUST_LOG` or the configuration.
pub(crate) fn init_logging(cfg: &LogConfig) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&cfg.filter))?;
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    // A log line that cannot be written (stderr closed) must never take a request down:
    // tracing's fallback `eprintln!` would panic on the same broken pipe.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .log_internal_errors(false);
    let result = match cfg.format.as_str() {
        "json" => builder.json().try_init(),
        "pretty" => builder.try_init(),
        other => anyhow::bail!("log.format 应为 pretty 或 json，而不是 \"{other}\""),
    };
    result.map_err(|e| anyhow::anyhow!("cannot initialise logging: {e}"))
}

/// The data keys of the installation: `<data>/keys`, created at first start. Every instance
/// over one PostgreSQL database needs a copy of the same directory.
pub(crate) fn key_ring(cfg: &Config) -> anyhow::Result<Arc<yichuang_crypto::KeyRing>> {
    let dir = cfg.database.data_dir.join("keys");
    yichuang_crypto::KeyRing::open_or_create(&dir)
        .map(Arc::new)
        .map_err(|e| anyhow::anyhow!("无法打开密钥目录 {}：{e}", dir.display()))
}

/// Opens the store named by the configuration, applying migrations when configured. The store
/// seals personal data with the keys of `<data>/keys`.
pub(crate) async fn open_store(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    let url = cfg.database.effective_url();
    let store: Arc<dyn Store> = if url.starts_with("sqlite:") {
        if cfg.database.url.is_empty() {
            std::fs::create_dir_all(&cfg.database.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", cfg.database.data_dir.display()))?;
        }
        let store = SqliteStore::open(&url, cfg.database.read_connections)
            .await?
            .with_keys(key_ring(cfg)?);
        if cfg.database.auto_migrate {
            store.migrate().await?;
        }
        Arc::new(store)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let store = PgStore::connect(&url, cfg.database.max_connections)
            .await?
            .with_keys(key_ring(cfg)?);
        if cfg.database.auto_migrate {
            store.migrate().await?;
        }
        Arc::new(store)
    } else {
        anyhow::bail!(
            "不支持的数据库地址 {}：应以 sqlite:、postgres:// 或 postgresql:// 开头",
            redact_url(&url)
        );
    };
    tracing::info!(backend = store.backend(), url = %redact_url(&url), "store opened");
    Ok(store)
}

/// The core over the configured store and the system clock.
pub(crate) async fn open_core(cfg: &Config) -> anyhow::Result<Core> {
    let store = open_store(cfg).await?;
    // Files and fields share the store's live ring, so a rotation reaches both.
    let keys = Some(store.sealer()).filter(yichuang_store::Sealer::is_on);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let core = Core::new(store, clock, cfg.auth.settings())
        .with_case_settings(cfg.supervision.case_settings()?)
        .with_queue_settings(cfg.supervision.queue_settings()?)
        .with_evaluation_settings(yichuang_core::EvaluationSettings {
            rectification_days: cfg.evaluation.rectification_days,
        })
        .with_performance_formula(cfg.performance.clone())
        .with_portal_settings(cfg.portal.settings(&cfg.database.data_dir, keys)?)
        .with_project_settings(cfg.projects.settings()?)
        .with_limits(&cfg.limits);
    Ok(match cfg.exchange.settings()? {
        Some(push) => core.with_exchange(push)?,
        None => core,
    })
}

/// `yichuang migrate [--grant-to ROLE]`.
pub(crate) async fn migrate(cfg: &Config, grant_to: Option<&str>) -> anyhow::Result<()> {
    let mut cfg = cfg.clone();
    cfg.database.auto_migrate = true;
    open_store(&cfg).await?;
    println!("数据库迁移已完成");
    if let Some(role) = grant_to {
        let url = cfg.database.effective_url();
        if url.starts_with("sqlite:") {
            anyhow::bail!("--grant-to 只用于 PostgreSQL");
        }
        PgStore::connect(&url, 1)
            .await?
            .grant_app_role(role)
            .await?;
        println!("已授权应用角色 {role}：可读写业务表，只能追加审计事件，不能删除触发器");
    }
    Ok(())
}

/// Prepares an empty database: the demo center, or an empty center with one `admin` account.
pub(crate) async fn first_start(
    core: &Core,
    demo: bool,
    admin_password: Option<String>,
) -> anyhow::Result<()> {
    if !core.is_empty().await? {
        return Ok(());
    }
    if demo {
        let center = core.load_demo().await?;
        tracing::info!(center = %center.name, "演示中心已载入：演示账号密码均为 demo");
        return Ok(());
    }
    let center = core.create_center("main", "政务服务中心", "system").await?;
    let (password, generated) = match admin_password {
        Some(p) => (p, false),
        None => (yichuang_core::auth::random_token()?[..16].to_owned(), true),
    };
    let new = yichuang_core::auth::NewStaff {
        username: "admin".into(),
        display_name: "系统管理员".into(),
        password: password.clone(),
        roles: vec![yichuang_domain::account::Role::Admin],
        department: None,
        window: None,
    };
    core.create_staff(center.id, new, "system").await?;
    if generated {
        // Printed once, to the terminal only: the password is never logged.
        println!("已创建管理员账号 admin，初始密码：{password}（仅显示这一次，请登录后修改）");
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// `yichuang serve`.
/// Events at the end of each audit chain checked when the server starts.
const AUDIT_TAIL_AT_START: i64 = 10_000;

pub(crate) async fn serve(
    cfg: Config,
    demo: bool,
    admin_password: Option<String>,
) -> anyhow::Result<()> {
    let core = open_core(&cfg).await?;
    let demo_mode = demo && (core.is_empty().await? || has_demo_accounts(&core).await?);
    first_start(&core, demo, admin_password).await?;
    // Personal data written before encryption was on, or sealed with a key since rotated, is
    // sealed with the current key now; once done this costs one read per start.
    let sealed = core
        .store()
        .reseal_personal_data(&core.ctx("system"), &|_| {})
        .await?;
    if sealed.rows > 0 {
        tracing::info!(
            rows = sealed.rows,
            were_plain = sealed.were_plain,
            usernames = sealed.usernames,
            "personal data sealed with the current key"
        );
    }
    // A quick check of the end of every audit chain; a break stays on /admin as an alarm (the
    // whole chain is walked by `yichuang audit verify`).
    let audit = core.verify_audit(1, Some(AUDIT_TAIL_AT_START)).await?;
    tracing::info!(
        checked = audit.checked(),
        intact = audit.intact(),
        "audit chain tail checked"
    );
    let settings = WebSettings {
        demo_mode,
        secure_cookies: cfg.server.cookies_secure(),
        trusted_proxies: cfg.server.trusted_proxies.clone(),
        metrics_token: Some(cfg.server.metrics_token.clone()).filter(|t| !t.is_empty()),
        public_url: Some(
            cfg.server
                .public_url
                .trim()
                .trim_end_matches('/')
                .to_owned(),
        )
        .filter(|u| !u.is_empty()),
        request_timeout_secs: cfg.server.request_timeout_secs,
        body_limit_bytes: cfg.server.body_limit_bytes,
    };
    core.start_hall_listener().await?;
    spawn_jobs(core.clone());
    // Build the search index now rather than on the first visitor's question.
    let warm = core.clone();
    tokio::spawn(async move {
        if let Ok(c) = warm.default_center().await
            && let Err(e) = warm.search_matters(c.id, "营业执照", None, None, 1).await
        {
            tracing::warn!(error = %e, "search index warm-up failed");
        }
    });
    yichuang_web::metrics_handle();
    let router = yichuang_web::router(AppState::new(core, settings));
    let listener = TcpListener::bind(&cfg.server.bind)
        .await
        .with_context(|| format!("无法监听 {}", cfg.server.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!("一窗通已启动：http://{addr}/");
    yichuang_web::serve(listener, router, shutdown_signal()).await?;
    Ok(())
}

/// Background jobs. Each run takes its time from the clock and is idempotent, so a missed or
/// repeated tick is harmless; with several instances on one PostgreSQL database only the one
/// that claims a period runs the sweeps ([`Core::run_sweeps`]).
fn spawn_jobs(core: yichuang_core::Core) {
    spawn_key_reload_on_sighup(core.clone());
    let holder = instance_name();
    tracing::info!(%holder, "background jobs started");
    let (core_for_push, holder_for_push) = (core.clone(), holder.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(yichuang_core::jobs::SWEEP_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match core.run_sweeps(&holder).await {
                Ok(run) if !run.ran => tracing::debug!("sweeps ran on another instance"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not claim the sweeps"),
            }
            // Per-process state: every instance does these itself.
            core.sweep_limits();
            refresh_keys(&core);
        }
    });
    spawn_push(core_for_push, holder_for_push);
}

/// How often the push to the provincial platform looks for work. Retry times come from the
/// clock; this only bounds how late a due message is sent.
const PUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// The push to the provincial platform, when `[exchange] url` is set. Every instance ticks; the
/// store leases each message to one of them (`Core::run_push`).
fn spawn_push(core: Core, holder: String) {
    if !core.push_configured() {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match core.run_push(&holder).await {
                Ok(run) if run.sent + run.failed + run.dead > 0 => tracing::info!(
                    queued = run.queued,
                    sent = run.sent,
                    failed = run.failed,
                    dead = run.dead,
                    "push to the provincial platform"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "push run failed"),
            }
        }
    });
}

/// This process among the instances on the database: host name and process id.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// Picks up a key rotated by `yichuang keys rotate` beside this server: new seals use it.
fn refresh_keys(core: &Core) {
    match core.store().sealer().refresh() {
        Ok(Some(kid)) => tracing::info!(%kid, "data key rotated: sealing with the new key"),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "rereading the key directory failed"),
    }
}

/// `kill -HUP` rereads the key directory at once instead of within the minute.
fn spawn_key_reload_on_sighup(core: Core) {
    tokio::spawn(async move {
        let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP");
                return;
            }
        };
        while hup.recv().await.is_some() {
            refresh_keys(&core);
        }
    });
}

/// Whether the database is the demo center (its login page then lists the demo accounts).
async fn has_demo_accounts(core: &Core) -> anyhow::Result<bool> {
    let center = core.default_center().await?;
    Ok(center.code == yichuang_core::demo::DEMO_CENTER_CODE
        && core.store().user_by_username("clerk1").await?.is_some())
}
