//! Re-sealing the stored personal data with the current key, and rewriting the event log to
//! match. The SQL is shared with the other backend (`yichuang-store/shared/sealing.rs`).

use crate::db;

type Pool = sqlx::SqlitePool;

/// Lifts the trigger that refuses every change of an event, as the rewrite's first statement
/// (SQLite's DDL is transactional: a rollback puts it back). Being a write, it takes the write
/// lock before anything is read (a read first could not later upgrade past another process's
/// write).
const LIFT_LOG_TRIGGER: &str = "drop trigger events_no_update";

/// The statement that puts the trigger back, read before the rewrite's transaction begins.
async fn log_relock(pool: &Pool) -> yichuang_store::Result<String> {
    sqlx::query_scalar(
        "select sql from sqlite_master where type = 'trigger' and name = 'events_no_update'",
    )
    .fetch_one(pool)
    .await
    .map_err(db)
}

include!("../../yichuang-store/shared/sealing.rs");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    /// The search every start makes for cases without an applicant index goes through the
    /// partial index, not through the whole table (over a million cases that scan took 2.2 s).
    #[tokio::test]
    async fn the_start_up_check_reads_only_unindexed_cases() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::SqliteStore::open_in_dir(dir.path(), 1).await.unwrap();
        store.migrate().await.unwrap();
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("explain query plan {}", super::UNINDEXED_CASES))
                .bind(0_i64)
                .bind(100_i64)
                .fetch_all(&store.reader)
                .await
                .unwrap();
        let cases = plan
            .iter()
            .map(|r| r.3.as_str())
            .find(|d| d.contains("cases ") && !d.contains("case_states"))
            .unwrap();
        assert!(cases.contains("cases_unindexed"), "{plan:?}");
    }
}
