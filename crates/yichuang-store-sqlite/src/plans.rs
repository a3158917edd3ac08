//! Query plans of the searches that must stay cheap over a million cases: each goes through its
//! partial index instead of reading the cases table (SQLite uses a partial index only when the
//! query repeats its predicate, which these tests hold the SQL to).

#![allow(clippy::unwrap_used, reason = "tests")]

use sqlx::SqlitePool;

/// The plan's line about the `cases` table (not the join of `case_states`).
async fn cases_plan(pool: &SqlitePool, sql: &str, binds: &[&str]) -> String {
    let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(sql);
    for b in binds {
        q = q.bind(*b);
    }
    let plan = q.fetch_all(pool).await.unwrap();
    plan.iter()
        .map(|r| r.3.clone())
        .find(|d| d.contains("cases ") && !d.contains("case_states"))
        .unwrap_or_else(|| panic!("{plan:?}"))
}

async fn store() -> (tempfile::TempDir, crate::SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = crate::SqliteStore::open_in_dir(dir.path(), 1)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

/// The search every start makes for cases without an applicant index (over a million cases
/// the table scan took 2.2 s).
#[tokio::test]
async fn the_start_up_check_reads_only_unindexed_cases() {
    let (_dir, store) = store().await;
    let sql = format!("explain query plan {}", crate::sealing::UNINDEXED_CASES);
    let plan = cases_plan(&store.reader, &sql, &["0", "100"]).await;
    assert!(plan.contains("cases_unindexed"), "{plan}");
}

/// The searches every start makes for events not yet in the audit chain (9 s over a million
/// cases as a table scan).
#[tokio::test]
async fn the_start_up_chain_checks_read_only_unchained_events() {
    let (_dir, store) = store().await;
    for query in [
        crate::events::UNHASHED_EVENTS,
        crate::audit::UNCHAINED_COUNT,
    ] {
        let sql = format!("explain query plan {query}");
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&sql).fetch_all(&store.reader).await.unwrap();
        assert!(
            plan.iter().any(|r| r.3.contains("events_unhashed")),
            "{query}: {plan:?}"
        );
    }
}

/// The light board counts from the trigger-kept `case_light_counts`, not from the cases (1.3 s
/// over a million as an index scan).
#[tokio::test]
async fn the_light_board_reads_the_kept_counts() {
    let (_dir, store) = store().await;
    for sql in [
        yichuang_store::board::BOARD_SQL.to_owned(),
        yichuang_store::board::board_sql_of_department(),
    ] {
        let sql = format!("explain query plan {}", sql.replace('$', "?"));
        let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(&sql)
            .bind(1)
            .bind("2026-12-08")
            .bind("d1")
            .fetch_all(&store.reader)
            .await
            .unwrap();
        assert!(
            plan.iter().any(|r| r.3.contains("case_light_counts"))
                && !plan.iter().any(|r| r.3.contains("cases ")),
            "{plan:?}"
        );
    }
}

mod light_counts {
    use super::*;

    type Pool = SqlitePool;

    async fn exec(pool: &Pool, sql: &str) {
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    async fn rows(pool: &Pool, sql: &str) -> Vec<LightCountRow> {
        sqlx::query_as(sql).fetch_all(pool).await.unwrap()
    }

    include!("../../yichuang-store/shared/light_counts_test.rs");

    #[tokio::test]
    async fn the_light_counts_follow_every_write_of_cases() {
        let (_dir, store) = store().await;
        light_counts_follow_every_write(&store.writer).await;
    }
}
