//! Test-only helpers for 一窗通: a [`TestApp`] serving the real router on a loopback port over a
//! fresh SQLite directory or a fresh PostgreSQL database, with a [`FakeClock`]; and a
//! [`browser`] driving Debian's Chromium through chromedriver.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "test helpers"
)]

pub mod browser;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;
use tokio::net::TcpListener;
use yichuang_core::guard::LimitSettings;
use yichuang_core::{AuthSettings, Core};
use yichuang_store::Store;
use yichuang_store_postgres::testing::PgTestDb;
use yichuang_store_sqlite::SqliteStore;
use yichuang_web::{AppState, WebSettings};

pub use yichuang_domain::clock::FakeClock;

/// Monday 2026-11-02 09:00 in Asia/Shanghai: where every test clock starts.
pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

/// The limits of most tests: per-phone limits as in production, per-address limits off,
/// because every test request comes from one address.
pub fn test_limits() -> LimitSettings {
    LimitSettings {
        code_per_ip_hour: 0,
        login_per_ip_minute: 0,
        progress_per_ip_minute: 0,
        ..LimitSettings::default()
    }
}

/// The key ring of a data directory (`dir/keys`, created on first use), as `serve` opens it.
pub fn key_ring(dir: &Path) -> Arc<yichuang_crypto::KeyRing> {
    Arc::new(yichuang_crypto::KeyRing::open_or_create(&dir.join("keys")).unwrap())
}

/// Whatever must live as long as the app: a temp dir or a test database.
enum Guard {
    Dir(#[allow(dead_code, reason = "held for its Drop")] Option<tempfile::TempDir>),
    Pg(#[allow(dead_code, reason = "held for its Drop")] PgTestDb),
}

/// A running application for tests.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The core, for assertions and setup that bypass HTTP.
    pub core: Core,
    /// The clock the app reads.
    pub clock: Arc<FakeClock>,
    /// An HTTP client with a cookie store and redirects disabled.
    pub client: reqwest::Client,
    /// The SQLite data directory, when on SQLite.
    pub data_dir: Option<PathBuf>,
    /// The PostgreSQL database, when on PostgreSQL (for tests that read it directly).
    pub database_url: Option<String>,
    /// Where uploads are stored.
    pub files_dir: PathBuf,
    _files: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _guard: Guard,
}

impl TestApp {
    /// The demo center on a fresh SQLite directory.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        Self::sqlite_in(&path, Some(dir), true).await
    }

    /// The demo center on SQLite with the production rate limits (the other constructors
    /// switch the per-address limits off: every test request comes from 127.0.0.1).
    pub async fn sqlite_with_limits(limits: LimitSettings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keys = key_ring(dir.path());
        let store = SqliteStore::open_in_dir(dir.path(), 2)
            .await
            .unwrap()
            .with_keys(keys.clone());
        store.migrate().await.unwrap();
        let mut app = Self::start(Arc::new(store), keys, Guard::Dir(None), true, limits).await;
        app.data_dir = Some(dir.path().to_path_buf());
        app._guard = Guard::Dir(Some(dir));
        app
    }

    /// The demo center on PostgreSQL with the given rate limits, or `None` (SKIPPED).
    pub async fn postgres_with_limits(test: &str, limits: LimitSettings) -> Option<Self> {
        let (db, store) = PgTestDb::store(test).await?;
        let keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let store = store.with_keys(keys.clone());
        Some(Self::start(Arc::new(store), keys, Guard::Pg(db), true, limits).await)
    }

    /// The app on the SQLite database in `dir` (kept by the caller when `guard` is `None`),
    /// sealing with the keys of `dir/keys` as the server does with its data directory.
    pub async fn sqlite_in(dir: &Path, guard: Option<tempfile::TempDir>, demo: bool) -> Self {
        let keys = key_ring(dir);
        let store = SqliteStore::open_in_dir(dir, 2)
            .await
            .unwrap()
            .with_keys(keys.clone());
        store.migrate().await.unwrap();
        let mut app = Self::start(
            Arc::new(store),
            keys,
            Guard::Dir(guard),
            demo,
            test_limits(),
        )
        .await;
        app.data_dir = Some(dir.to_path_buf());
        app
    }

    /// The demo center on a fresh PostgreSQL database, or `None` (SKIPPED) without one.
    pub async fn postgres(test: &str) -> Option<Self> {
        let (db, store) = PgTestDb::store(test).await?;
        let url = db.url.clone();
        let keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let store = store.with_keys(keys.clone());
        let mut app = Self::start(Arc::new(store), keys, Guard::Pg(db), true, test_limits()).await;
        app.database_url = Some(url);
        Some(app)
    }

    /// The demo center on the SQLite database in `dir` written the way versions before
    /// sealing wrote it: personal data in plain text, applicants named by their phone.
    pub async fn sqlite_plain_in(dir: &Path) -> Self {
        let store = SqliteStore::open_in_dir(dir, 2).await.unwrap();
        store.migrate().await.unwrap();
        // Uploads are still sealed (with a throw-away key): only the database is "old".
        let files_keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let mut app = Self::start(
            Arc::new(store),
            files_keys,
            Guard::Dir(None),
            true,
            test_limits(),
        )
        .await;
        app.data_dir = Some(dir.to_path_buf());
        app
    }

    /// The demo center on a fresh PostgreSQL database written the way versions before sealing
    /// wrote it (see [`TestApp::sqlite_plain_in`]), or `None` (SKIPPED) without PostgreSQL.
    pub async fn postgres_plain(test: &str) -> Option<Self> {
        let (db, store) = PgTestDb::store(test).await?;
        let url = db.url.clone();
        let files_keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let mut app = Self::start(
            Arc::new(store),
            files_keys,
            Guard::Pg(db),
            true,
            test_limits(),
        )
        .await;
        app.database_url = Some(url);
        Some(app)
    }

    /// Stops this PostgreSQL app and starts the server again on the same database with keys,
    /// as this version's `serve` does on its first start over an older database.
    pub async fn reopen_sealed(mut self) -> Self {
        let url = self.database_url.clone().expect("a PostgreSQL app");
        let guard = std::mem::replace(&mut self._guard, Guard::Dir(None));
        drop(self);
        let keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let store = yichuang_store_postgres::PgStore::connect(&url, 5)
            .await
            .unwrap()
            .with_keys(keys.clone());
        let mut app = Self::start(Arc::new(store), keys, guard, true, test_limits()).await;
        app.database_url = Some(url);
        app
    }

    /// Two server instances on one fresh PostgreSQL database (the second shares the first's
    /// demo data), or `None` (SKIPPED) without PostgreSQL.
    pub async fn postgres_pair(test: &str) -> Option<(Self, Self)> {
        let (db, store) = PgTestDb::store(test).await?;
        // Both instances hold a copy of the same key directory, as a deployment must.
        let keys = Arc::new(yichuang_crypto::KeyRing::ephemeral().unwrap());
        let store = store.with_keys(keys.clone());
        let second = yichuang_store_postgres::PgStore::connect(&db.url, 5)
            .await
            .unwrap()
            .with_keys(keys.clone());
        let first = Self::start(
            Arc::new(store),
            keys.clone(),
            Guard::Pg(db),
            true,
            test_limits(),
        )
        .await;
        let other = Self::start(
            Arc::new(second),
            keys,
            Guard::Dir(None),
            true,
            test_limits(),
        )
        .await;
        Some((first, other))
    }

    async fn start(
        store: Arc<dyn Store>,
        keys: Arc<yichuang_crypto::KeyRing>,
        guard: Guard,
        demo: bool,
        limits: LimitSettings,
    ) -> Self {
        let clock = Arc::new(FakeClock::new(start_instant()));
        let files = tempfile::tempdir().unwrap();
        let core = Core::new(store, clock.clone(), AuthSettings::default())
            .with_portal_settings(yichuang_core::portal::PortalSettings {
                files_dir: Some(files.path().join("files")),
                keys: Some(yichuang_store::Sealer::new(keys)),
                ..Default::default()
            })
            .with_limits(&limits);
        if demo && core.is_empty().await.unwrap() {
            core.load_demo().await.unwrap();
        }
        // As `serve` does at every start.
        core.store()
            .reseal_personal_data(&core.ctx("system"), &|_| {})
            .await
            .unwrap();
        core.start_hall_listener().await.unwrap();
        let settings = WebSettings {
            demo_mode: demo,
            // Tests stand behind "a proxy" on loopback so that they can speak for other
            // addresses with X-Forwarded-For.
            trusted_proxies: vec![std::net::Ipv4Addr::LOCALHOST.into()],
            ..WebSettings::default()
        };
        let router = yichuang_web::router(AppState::new(core.clone(), settings));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(yichuang_web::serve(listener, router, async move {
            let _ = stopped.await;
        }));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            base,
            core,
            clock,
            client,
            data_dir: None,
            database_url: None,
            files_dir: files.path().join("files"),
            _files: files,
            stop: Some(stop),
            _guard: guard,
        }
    }

    /// The absolute URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET `path`, returning status and parsed JSON (or `Null`).
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET `path` with a bearer token.
    pub async fn get_json_as(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Sends `body` as JSON with `method` and an optional bearer token.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET `path` as text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// GET `path` as the holder of `token`, as text (pages accept a bearer token too).
    pub async fn get_text_as(&self, token: &str, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// An API token for a demo account (password `demo`).
    pub async fn token(&self, username: &str) -> String {
        self.token_for(username, "demo").await
    }

    /// An API token for `username` (or an applicant's phone) with `password`.
    pub async fn token_for(&self, username: &str, password: &str) -> String {
        let body = serde_json::json!({"username": username, "password": password});
        let (status, v) = self
            .send_json(reqwest::Method::POST, "/api/v1/auth/token", None, &body)
            .await;
        assert_eq!(status, 200, "login of {username} failed: {v}");
        v["token"].as_str().unwrap().to_owned()
    }

    /// The number of events in the log of the default center.
    pub async fn event_count(&self) -> usize {
        let center = self.core.default_center().await.unwrap();
        self.core
            .store()
            .recent_events(center.id, 1_000_000)
            .await
            .unwrap()
            .len()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
