//! Reading the audit trail. The SQL is shared with the other backend
//! (`yichuang-store/shared/audit.rs`).

use crate::db;

type Backend = crate::SqliteStore;

fn read_pool(s: &Backend) -> &sqlx::SqlitePool {
    &s.reader
}

fn write_pool(s: &Backend) -> &sqlx::SqlitePool {
    &s.writer
}

/// Values rewritten in place (old payloads, plain personal data) are gone from the rows but
/// not from the file: freed pages and the WAL keep them until the database is rewritten.
pub(crate) async fn after_log_rewrite(s: &Backend) -> yichuang_store::Result<()> {
    for sql in [
        "pragma wal_checkpoint(truncate)",
        "vacuum",
        "pragma wal_checkpoint(truncate)",
    ] {
        sqlx::query(sql).execute(&s.writer).await.map_err(db)?;
    }
    Ok(())
}

include!("../../yichuang-store/shared/audit.rs");
