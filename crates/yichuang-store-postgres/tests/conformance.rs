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

/// The deployment of docs/deploy.md: `migrate` as the owner, `serve` as an application role.
/// The application role does the work of the hall, but cannot drop or disable the event log's
/// triggers, change or remove an event, or touch the migrations.
#[tokio::test]
async fn the_app_role_works_but_cannot_touch_the_log() {
    let Some((db, owner)) = PgTestDb::store("postgres app role").await else {
        return;
    };
    let role = format!("app_{}", uuid::Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
    sqlx::query(&format!("create role {role} login"))
        .execute(&admin)
        .await
        .unwrap();
    owner.grant_app_role(&role).await.unwrap();
    assert!(owner.grant_app_role("x; drop table events").await.is_err());

    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    let app_url = format!("{scheme}://{role}@{host}");
    let app = yichuang_store_postgres::PgStore::connect(&app_url, 3)
        .await
        .unwrap();
    // The hall's work, as the application role.
    yichuang_store::conformance::cases_are_numbered_versioned_and_replayable(&app).await;
    yichuang_store::conformance::chain_breaks_at_none(&app).await;

    let raw = sqlx::PgPool::connect(&app_url).await.unwrap();
    for sql in [
        "drop trigger events_no_update on events",
        "alter table events disable trigger all",
        "update events set actor = 'x'",
        "delete from events",
        "truncate events",
        "delete from _sqlx_migrations",
        "drop table events",
    ] {
        let err = sqlx::query(sql)
            .execute(&raw)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("must be owner") || err.contains("permission denied"),
            "{sql}: {err}"
        );
    }
    raw.close().await;
    app.close().await;
    sqlx::query(&format!("drop owned by {role}"))
        .execute(&admin)
        .await
        .unwrap();
    sqlx::query(&format!("drop role {role}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
}
