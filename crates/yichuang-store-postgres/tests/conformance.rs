//! The store conformance suite on PostgreSQL. Runs when `YICHUANG_TEST_POSTGRES_URL` is set (CI
//! sets it); otherwise each test prints SKIPPED, and under `CI=true` fails.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::sync::Arc;

use yichuang_store::Store;
use yichuang_store_postgres::testing::PgTestDb;

async fn fresh() -> Option<(PgTestDb, Arc<dyn Store>)> {
    let (db, store) = PgTestDb::store("postgres conformance").await?;
    Some((db, Arc::new(store)))
}

yichuang_store::conformance_tests!(fresh);

#[tokio::test]
async fn events_are_append_only_in_the_database() {
    let Some((db, store)) = PgTestDb::store("postgres append-only").await else {
        return;
    };
    yichuang_store::conformance::center_keeps_its_calendar(&store).await;
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let update = sqlx::query("update events set actor = 'x'")
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("delete from events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    pool.close().await;
}
