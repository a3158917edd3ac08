//! Data exchange: the case-event feed, the export's case order and the push queue. The SQL is
//! shared with the other backend (`yichuang-store/shared/exchange.rs`).

use crate::{db, ms};

type Backend = crate::PgStore;
type Conn = sqlx::PgConnection;

fn read_pool(s: &Backend) -> &sqlx::PgPool {
    &s.pool
}

fn write_pool(s: &Backend) -> &sqlx::PgPool {
    &s.pool
}

include!("../../yichuang-store/shared/exchange.rs");
