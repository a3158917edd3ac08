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

/// An owner who can drop the triggers edits the log: the audit check names the first event that
/// no longer holds, for each kind of edit.
#[tokio::test]
async fn an_edited_log_breaks_the_audit_chain_where_it_was_edited() {
    let cases = [
        ("update events set payload = '{}' where {at} = 3", 3, "篡改"),
        ("update events set at = at + 1 where {at} = 5", 5, "篡改"),
        (
            "update events set prev_hash = '00' where {at} = 4",
            4,
            "前序",
        ),
        ("delete from events where {at} = 2", 2, "缺失"),
        ("delete from events where {at} = {last}", -1, "链尾"),
    ];
    for (sql, seq, reason) in cases {
        let Some((db, store)) = PgTestDb::store("postgres audit chain").await else {
            return;
        };
        let (center, chain) = yichuang_store::conformance::chained_center(&store).await;
        yichuang_store::conformance::chain_breaks_at_none(&store).await;
        let last = chain.last().unwrap().seq;
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query("drop trigger events_no_update on events")
            .execute(&pool)
            .await
            .unwrap();
        let sql = sql
            .replace("{at}", &format!("center_id = {center} and seq"))
            .replace("{last}", &last.to_string());
        let changed = sqlx::query(&sql).execute(&pool).await.unwrap();
        assert_eq!(changed.rows_affected(), 1, "{sql}");
        pool.close().await;
        let seq = if seq < 0 { last } else { seq };
        yichuang_store::conformance::chain_breaks_at(&store, seq, reason).await;
    }
}
