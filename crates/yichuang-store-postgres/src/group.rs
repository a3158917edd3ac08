//! Group commit on PostgreSQL (the writer task and its batches are shared with the SQLite store:
//! `yichuang-store/shared/group.rs`), and the hot writes that go through it.
//!
//! Every intake of a center locks the same rows until its commit has been flushed: the day's
//! case number, the day's report counters and the audit chain's head. With one transaction per
//! request, intakes followed one another at the pace of the WAL flush (about 390 cases/s here,
//! whatever the number of clients or instances). A batch takes those locks once for up to
//! [`MAX_BATCH`] requests.

use crate::PgStore;

type Db = sqlx::Postgres;

/// Key of the transaction-scoped advisory lock every batch takes first: the writer tasks of
/// several instances on one database run their batches one after the other. Interleaved, two
/// batches would lock the hot rows of different operations in different orders and deadlock.
const BATCH_LOCK: i64 = 0x7963_6763; // "ycgc"

/// Batches run without savepoints first: each statement is a round trip to the server, and
/// moving a savepoint after every operation cost as much as a third of an intake.
const OPTIMISTIC: bool = true;

/// Opens a batch's transaction and waits for the other instances' batches; with `savepoint`,
/// sets the first savepoint. One round trip: `BEGIN`, the lock and the savepoint go as one
/// simple query.
async fn begin_batch(
    pool: &sqlx::PgPool,
    savepoint: bool,
) -> std::result::Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let mut sql = format!("begin; select pg_advisory_xact_lock({BATCH_LOCK})");
    if savepoint {
        sql.push_str(&format!("; savepoint {SAVEPOINT}"));
    }
    pool.begin_with(sql).await
}

include!("../../yichuang-store/shared/group.rs");

/// The store the shared hot writes are implemented for.
type HotStore = PgStore;

include!("../../yichuang-store/shared/hot_writes.rs");

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;
    use crate::testing::{PgTestDb, test_server_url};
    use yichuang_store::StoreError;

    /// Inserts `k` with the id of the transaction it ran in, and adds one to the hot row every
    /// operation touches (as every intake touches the day's case number). With `refuse`, the
    /// operation then fails without any statement failing (as a stale case update does after
    /// its statement matched no row): its writes must be undone all the same.
    fn insert(
        k: i64,
        v: String,
        refuse: bool,
    ) -> impl for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, Result<i64>> + Send + Sync + 'static {
        move |conn: &mut Conn| {
            let v = v.clone();
            Box::pin(async move {
                sqlx::query("update hot set n = n + 1 where id = 1")
                    .execute(&mut *conn)
                    .await
                    .map_err(crate::db)?;
                sqlx::query("insert into t (k, v, tx) values ($1, $2, txid_current())")
                    .bind(k)
                    .bind(&v)
                    .execute(&mut *conn)
                    .await
                    .map_err(crate::db)?;
                if refuse {
                    return Err(StoreError::Conflict("refused after writing".into()));
                }
                Ok(k)
            })
        }
    }

    /// Two writers (as two instances would have) over one database, 300 operations at once,
    /// every tenth a duplicate and 20 more refused after writing: exactly the acknowledged rows
    /// are stored, the hot row counts exactly them (a failing operation's update is undone with
    /// it, in the optimistic run and in the run again with savepoints), operations share
    /// transactions, and no batch deadlocks against the other writer's.
    #[tokio::test]
    async fn batches_of_two_writers_share_transactions_and_undo_failures_alone() {
        let Some(admin) = test_server_url("postgres group commit") else {
            return;
        };
        let db = PgTestDb::create(&admin).await.unwrap();
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::query("create table t (k bigint primary key, v text not null unique, tx bigint)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("create table hot (id bigint primary key, n bigint not null)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("insert into hot values (1, 0)")
            .execute(&pool)
            .await
            .unwrap();
        let open = || {
            let url = db.url.clone();
            async move { sqlx::PgPool::connect(&url).await }
        };
        let writers = [GroupCommit::start(open()), GroupCommit::start(open())];
        let mut handles = Vec::new();
        for k in 0..300_i64 {
            let g = writers[usize::try_from(k % 2).unwrap()].clone();
            let v = if k % 10 == 9 {
                format!("v{}", k - 1)
            } else {
                format!("v{k}")
            };
            let refuse = k % 15 == 7;
            handles.push(tokio::spawn(
                async move { g.run(insert(k, v, refuse)).await },
            ));
        }
        let (mut ok, mut conflicts) = (0, 0);
        for h in handles {
            match h.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!((ok, conflicts), (250, 50));
        let (rows, txs): (i64, i64) = sqlx::query_as("select count(*), count(distinct tx) from t")
            .fetch_one(&pool)
            .await
            .unwrap();
        let hot: i64 = sqlx::query_scalar("select n from hot")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((rows, hot), (250, 250));
        assert!(txs < 150, "300 operations committed in {txs} transactions");
        pool.close().await;
    }
}
