//! Report counters: added with every event, read by the reports, rebuilt from the event log. The
//! SQL is shared with the other backend (`yichuang-store/shared/counters.rs`).

type Conn = sqlx::PgConnection;
type Pool = sqlx::PgPool;

/// Writers wait for the rebuild: an event committed before the lock is replayed by it, and one
/// whose transaction is still open adds its counters after the rebuild commits.
async fn lock_for_rebuild(conn: &mut Conn) -> Result<()> {
    sqlx::query("lock table report_counters in exclusive mode")
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

include!("../../yichuang-store/shared/counters.rs");
