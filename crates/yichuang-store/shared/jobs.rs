// Background-job claims shared by the SQLite and PostgreSQL stores: each includes this file with
// its own `Pool` type. Not a module of `yichuang-store` itself.

use chrono::{DateTime, Duration, Utc};
use yichuang_store::Result;

use crate::db;

/// One conditional upsert: it inserts the job's first run, or moves `run_at` forward only when
/// the last run is at least `every` old. Both databases evaluate the `where` against the row as
/// committed by a concurrent claimant (PostgreSQL locks the conflicting row, SQLite has one
/// writer), so exactly one of several instances ticking at once gets a row back.
pub(crate) async fn claim(
    pool: &Pool,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    every: Duration,
) -> Result<bool> {
    let now_ms = now.timestamp_millis();
    let due_before = (now - every).timestamp_millis();
    let done = sqlx::query(
        "insert into job_runs (name, holder, run_at) values ($1, $2, $3) \
         on conflict (name) do update set holder = excluded.holder, run_at = excluded.run_at \
         where job_runs.run_at <= $4",
    )
    .bind(name)
    .bind(holder)
    .bind(now_ms)
    .bind(due_before)
    .execute(pool)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}
