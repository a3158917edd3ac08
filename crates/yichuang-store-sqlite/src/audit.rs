//! Reading the audit trail. The SQL is shared with the other backend
//! (`yichuang-store/shared/audit.rs`).

use crate::db;

type Backend = crate::SqliteStore;

fn read_pool(s: &Backend) -> &sqlx::SqlitePool {
    &s.reader
}

include!("../../yichuang-store/shared/audit.rs");
