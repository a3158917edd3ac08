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
