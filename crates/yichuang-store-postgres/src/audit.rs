//! Reading the audit trail. The SQL is shared with the other backend
//! (`yichuang-store/shared/audit.rs`).

use crate::db;

type Backend = crate::PgStore;

fn read_pool(s: &Backend) -> &sqlx::PgPool {
    &s.pool
}

include!("../../yichuang-store/shared/audit.rs");
