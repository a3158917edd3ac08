//! Group commit on SQLite (the writer task and its batches are shared with the PostgreSQL store:
//! `yichuang-store/shared/group.rs`). A batch is one `BEGIN IMMEDIATE` transaction on the
//! one-connection writer pool.

type Db = sqlx::Sqlite;

/// A savepoint costs no round trip here (the database is in the process), so batches run with
/// one per operation from the start.
const OPTIMISTIC: bool = false;

/// Opens a batch's transaction: `BEGIN IMMEDIATE` takes the write lock at once, so a batch never
/// fails half-way on a lock upgrade. With `savepoint`, sets the first savepoint.
async fn begin_batch(
    writer: &sqlx::SqlitePool,
    savepoint: bool,
) -> std::result::Result<sqlx::Transaction<'static, Db>, sqlx::Error> {
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    if savepoint {
        raw(&mut tx, format!("savepoint {SAVEPOINT}")).await?;
    }
    Ok(tx)
}

include!("../../yichuang-store/shared/group.rs");

/// The store the shared hot writes are implemented for.
type HotStore = crate::SqliteStore;

include!("../../yichuang-store/shared/hot_writes.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use sqlx::{SqliteConnection, SqlitePool};

    async fn pool(dir: &std::path::Path) -> SqlitePool {
        let opts = SqliteConnectOptions::new()
            .filename(dir.join("g.db"))
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .unwrap();
        sqlx::query("create table t (k integer primary key, v text not null unique)")
            .execute(&pool)
            .await
            .unwrap();
        pool
    }

    fn insert(
        k: i64,
        v: String,
    ) -> impl for<'c> Fn(&'c mut SqliteConnection) -> BoxFuture<'c, Result<i64>> + Send + Sync + 'static
    {
        move |conn: &mut SqliteConnection| {
            let v = v.clone();
            Box::pin(async move {
                sqlx::query("insert into t (k, v) values ($1, $2)")
                    .bind(k)
                    .bind(&v)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| StoreError::Conflict(e.to_string()))?;
                Ok(k)
            })
        }
    }

    #[tokio::test]
    async fn a_failing_operation_is_undone_alone_and_the_rest_of_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let pool = pool(dir.path()).await;
        let g = GroupCommit::start(std::future::ready(Ok(pool.clone())));
        // 200 concurrent inserts, every tenth a duplicate value: batches form while one commits.
        let mut handles = Vec::new();
        for k in 0..200_i64 {
            let g = g.clone();
            let v = if k % 10 == 9 {
                format!("v{}", k - 1)
            } else {
                format!("v{k}")
            };
            handles.push(tokio::spawn(async move { g.run(insert(k, v)).await }));
        }
        let mut ok = 0;
        let mut conflicts = 0;
        for h in handles {
            match h.await.unwrap() {
                Ok(_) => ok += 1,
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(e) => panic!("unexpected {e}"),
            }
        }
        assert_eq!((ok, conflicts), (180, 20));
        let rows: i64 = sqlx::query_scalar("select count(*) from t")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 180, "exactly the acknowledged rows are stored");
    }
}
