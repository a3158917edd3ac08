//! Reading the audit trail. The SQL is shared with the other backend
//! (`yichuang-store/shared/audit.rs`).

use crate::db;

type Backend = crate::PgStore;

fn read_pool(s: &Backend) -> &sqlx::PgPool {
    &s.pool
}

fn write_pool(s: &Backend) -> &sqlx::PgPool {
    &s.pool
}

/// Old row versions are reclaimed by autovacuum; nothing to do at once.
async fn after_log_rewrite(_s: &Backend) -> yichuang_store::Result<()> {
    Ok(())
}

include!("../../yichuang-store/shared/audit.rs");
