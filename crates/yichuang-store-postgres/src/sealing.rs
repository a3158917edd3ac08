//! Re-sealing the stored personal data with the current key. The SQL is shared with the other
//! backend (`yichuang-store/shared/sealing.rs`).

use crate::db;

type Pool = sqlx::PgPool;

include!("../../yichuang-store/shared/sealing.rs");
