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
