//! Opening the database (one writer, a read pool, WAL with `synchronous = FULL`), migrations,
//! write transactions, and the raw durable-insert anchor of the benchmarks.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use yichuang_store::{Result, StoreError};

use crate::{SqliteStore, db};

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` (`sqlite:path` or a plain path) with one
    /// writer connection and `read_connections` readers.
    pub async fn open(url: &str, read_connections: u32) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Other(anyhow::anyhow!("invalid SQLite URL {url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // The writer keeps 128 MB of pages: big transactions (catalog imports, re-projecting every
        // open case after a calendar change) otherwise spill to the WAL page by page.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone().pragma("cache_size", "-131072"))
            .await
            .map_err(db)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(read_connections.max(1))
            .connect_with(options.read_only(true))
            .await
            .map_err(db)?;
        Ok(Self {
            group: crate::group::GroupCommit::start(std::future::ready(Ok(writer.clone()))),
            writer,
            reader,
            sealer: yichuang_store::Sealer::default(),
        })
    }

    /// Opens the database file `yichuang.db` inside `dir`, creating the directory.
    pub async fn open_in_dir(dir: &Path, read_connections: u32) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Other(anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let url = format!("sqlite:{}", dir.join("yichuang.db").display());
        Self::open(&url, read_connections).await
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
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Other(anyhow::anyhow!("migration failed: {e}")))?;
        // Events from before the audit chain get their place in it, once.
        let mut tx = self.begin().await?;
        crate::events::chain_unhashed(&mut tx).await?;
        tx.commit().await.map_err(db)
    }

    /// The applied migration versions, for `yichuang migrate --status`.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        sqlx::query_scalar("select version from _sqlx_migrations order by version")
            .fetch_all(&self.reader)
            .await
            .map_err(db)
    }

    /// The journal mode and synchronous level of the writer connection, for checks.
    pub async fn pragmas(&self) -> Result<(String, i64)> {
        let mode: String = sqlx::query_scalar("pragma journal_mode")
            .fetch_one(&self.writer)
            .await
            .map_err(db)?;
        let sync: i64 = sqlx::query_scalar("pragma synchronous")
            .fetch_one(&self.writer)
            .await
            .map_err(db)?;
        Ok((mode, sync))
    }

    /// Starts a write transaction that takes the write lock up front.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.writer.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }

    /// Writes a consistent copy of the whole database to `target` (which must not exist) while
    /// the server keeps running: `VACUUM INTO` reads one snapshot in a read transaction, so it
    /// includes every transaction committed before it began, WAL included, and blocks no writer.
    pub async fn backup_into(&self, target: &Path) -> Result<()> {
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("backup path is not UTF-8")))?;
        sqlx::query("VACUUM INTO ?")
            .bind(path)
            .execute(&self.reader)
            .await
            .map_err(db)?;
        Ok(())
    }

    /// Closes both pools (checkpointing the WAL).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// The physical anchor of the intake benchmark: single-row durable inserts (WAL,
/// `synchronous = FULL`, one connection, one autocommit transaction per row, no HTTP) into a
/// scratch database in `dir`, for `duration`. Returns the latency of every insert.
pub async fn durable_insert_anchor(dir: &Path, duration: Duration) -> Result<Vec<Duration>> {
    let path = dir.join("anchor.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(db)?;
    sqlx::query(
        "create table if not exists t (id integer primary key, name text, created_at bigint)",
    )
    .execute(&pool)
    .await
    .map_err(db)?;
    let mut latencies = Vec::new();
    let end = std::time::Instant::now() + duration;
    let mut i: i64 = 0;
    while std::time::Instant::now() < end {
        let t = std::time::Instant::now();
        sqlx::query("insert into t (name, created_at) values ($1, $2)")
            .bind("办件")
            .bind(i)
            .execute(&pool)
            .await
            .map_err(db)?;
        latencies.push(t.elapsed());
        i += 1;
    }
    pool.close().await;
    Ok(latencies)
}
