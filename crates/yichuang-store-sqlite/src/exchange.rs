//! Data exchange: the case-event feed, the export's case order and the push queue. The SQL is
//! shared with the other backend (`yichuang-store/shared/exchange.rs`).

use crate::{db, ms};

type Backend = crate::SqliteStore;
type Conn = sqlx::SqliteConnection;

fn read_pool(s: &Backend) -> &sqlx::SqlitePool {
    &s.reader
}

fn write_pool(s: &Backend) -> &sqlx::SqlitePool {
    &s.writer
}

include!("../../yichuang-store/shared/exchange.rs");
