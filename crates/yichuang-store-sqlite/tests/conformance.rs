//! The store conformance suite on SQLite, plus SQLite-specific durability checks.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;

use yichuang_store::Store;
use yichuang_store_sqlite::SqliteStore;

async fn fresh() -> Option<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteStore::open_in_dir(dir.path(), 2)
        .await
        .expect("open sqlite");
    store.migrate().await.expect("migrate");
    Some((dir, Arc::new(store)))
}

yichuang_store::conformance_tests!(fresh);

#[tokio::test]
async fn events_are_append_only_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    yichuang_store::conformance::center_keeps_its_calendar(&store).await;
    let url = format!("sqlite:{}", dir.path().join("yichuang.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let update = sqlx::query("update events set actor = 'x'")
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("delete from events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn the_database_runs_in_wal_with_full_sync() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
    store.migrate().await.unwrap();
    let (mode, sync) = store.pragmas().await.unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous must be FULL (2)");
}
