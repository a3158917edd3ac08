//! Report counters: added with every event, read by the reports, rebuilt from the event log. The
//! SQL is shared with the other backend (`yichuang-store/shared/counters.rs`).

type Conn = sqlx::SqliteConnection;
type Pool = sqlx::SqlitePool;

/// SQLite has one writer: nobody adds counters while the rebuild's transaction is open.
async fn lock_for_rebuild(_conn: &mut Conn) -> Result<()> {
    Ok(())
}

include!("../../yichuang-store/shared/counters.rs");
