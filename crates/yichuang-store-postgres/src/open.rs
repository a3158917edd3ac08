//! Connecting (with the server-version check), migrations, transactions, closing.

use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use yichuang_store::{Result, StoreError};

use crate::{MIN_SERVER_VERSION, PgStore, db};

impl PgStore {
    /// Connects to `url` (`postgres://…`) with at most `max_connections` connections (and one
    /// more for the group-commit writer) and checks the server version.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(db)?;
        let version: String = sqlx::query_scalar("show server_version_num")
            .fetch_one(&pool)
            .await
            .map_err(db)?;
        let version: i64 = version.trim().parse().unwrap_or(0);
        if version < MIN_SERVER_VERSION {
            return Err(StoreError::Other(anyhow::anyhow!(
                "PostgreSQL {version} is too old; 一窗通 needs 13 or later"
            )));
        }
        // The group-commit writer's own connection (opened on its thread).
        let writer = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10));
        let writer_url = url.to_owned();
        Ok(Self {
            group: crate::group::GroupCommit::start(
                async move { writer.connect(&writer_url).await },
            ),
            pool,
            sealer: yichuang_store::Sealer::default(),
        })
    }

    /// The store sealing personal data with `keys` (the key ring of the data directory).
    #[must_use]
    pub fn with_keys(mut self, keys: std::sync::Arc<yichuang_crypto::KeyRing>) -> Self {
        self.sealer = yichuang_store::Sealer::new(keys);
        self
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Other(anyhow::anyhow!("migration failed: {e}")))?;
        // Events from before the audit chain get their place in it, once.
        let mut tx = self.pool.begin().await.map_err(db)?;
        crate::events::chain_unhashed(&mut tx).await?;
        tx.commit().await.map_err(db)
    }

    /// The applied migration versions.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        sqlx::query_scalar("select version from _sqlx_migrations order by version")
            .fetch_all(&self.pool)
            .await
            .map_err(db)
    }

    /// Starts a transaction.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        self.pool.begin().await.map_err(db)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
