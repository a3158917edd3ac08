//! Re-sealing the stored personal data with the current key, and rewriting the event log to
//! match. The SQL is shared with the other backend (`yichuang-store/shared/sealing.rs`).

use crate::db;

type Pool = sqlx::PgPool;

/// Disables the trigger that refuses every change of an event, inside the rewrite's
/// transaction (undone by a rollback). Only the table's owner may do this — the application
/// role `serve` runs as cannot — and the `alter table` holds the table's exclusive lock to
/// commit, so nobody appends to the log while it is rewritten.
const LIFT_LOG_TRIGGER: &str = "alter table events disable trigger events_no_update";

/// The statement that enables the trigger again.
async fn log_relock(_pool: &Pool) -> yichuang_store::Result<String> {
    Ok("alter table events enable trigger events_no_update".into())
}

include!("../../yichuang-store/shared/sealing.rs");
