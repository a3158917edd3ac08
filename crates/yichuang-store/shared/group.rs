// Group commit, shared by the SQLite and PostgreSQL stores through `include!`: each defines
// `type Db` (its sqlx database), `const OPTIMISTIC: bool` and
// `async fn begin_batch(&Pool<Db>, savepoint: bool)`, which opens the batch's transaction the
// way that backend needs (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: a transaction-scoped advisory
// lock, so the batches of several instances never interleave) and, when asked, sets the
// savepoint [`SAVEPOINT`].
//
// The hot writes (case intake and updates, ticket issue, call and update) go to one writer
// task, which runs every request waiting for it in one transaction, each in its own savepoint,
// and answers them only after that transaction's `COMMIT` returned.
//
// Why: every commit waits for the disk (SQLite `synchronous=FULL`, PostgreSQL
// `synchronous_commit=on`), and on PostgreSQL the rows every intake of a center touches (the
// day's case number, the report counters, the audit chain's head) stay locked until that flush,
// so one transaction per request allowed about one intake per flush. While one batch is being
// committed the next requests queue up; the next batch takes all of them (up to [`MAX_BATCH`])
// at once, so the flush and the locks are shared and nothing waits on a timer.
//
// Durability is unchanged: a request is acknowledged only when the commit that holds its
// writes has returned. A request whose own work fails is rolled back to its savepoint alone
// and answered with its own error; the others of the batch still commit. If the batch itself
// cannot commit, every request of it is answered with an error and nothing of it is kept.
//
// With `OPTIMISTIC` (PostgreSQL, where every statement is a round trip to the server) a batch
// first runs without savepoints: moving one after each operation cost as much as a third of an
// intake. When every operation succeeds, that is the batch. When one fails, the whole
// transaction is rolled back (nothing of it was acknowledged) and the batch runs again from the
// start with a savepoint after each operation, so that the failing one is undone alone. The
// operations are therefore `Fn`: they must only touch the connection and the batch's shared
// state, both of which start afresh for the second run.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use sqlx::Pool;
use tokio::sync::{mpsc, oneshot};
use yichuang_store::{Result, StoreError};

/// The backend's connection type.
pub(crate) type Conn = <Db as sqlx::Database>::Connection;

/// A boxed future borrowing the connection (the same type as `futures_util`'s `BoxFuture`).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Most operations in one transaction: bounds the time the first of a batch waits for the
/// others' work (each is a few statements) and the transaction's size.
pub(crate) const MAX_BATCH: usize = 64;

/// The savepoint every batch's transaction holds; `begin_batch` must set it.
const SAVEPOINT: &str = "group_op";

/// Requests waiting for the writer task: beyond this, callers wait to enqueue (backpressure).
const QUEUE: usize = 4096;

type Output = Box<dyn Any + Send>;
type Work = Box<dyn for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, Result<Output>> + Send + Sync>;

struct Job {
    work: Work,
    reply: oneshot::Sender<Result<Output>>,
}

/// Handle to the writer task; cheap to clone. The task ends when every handle is dropped.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("waiting", &(QUEUE - self.jobs.capacity()))
            .finish()
    }
}

/// How one batch went, for the tests and the trace log.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BatchStats {
    /// Operations in the batch.
    pub ops: usize,
    /// Of them, rolled back to their savepoint.
    pub failed: usize,
    /// Whether the batch ran a second time with savepoints (an operation failed in the
    /// optimistic run).
    pub rerun: bool,
    /// Microseconds spent opening the transaction, running the operations, and writing what
    /// they shared and committing (for the trace log: where a batch's time goes).
    pub micros: [u128; 3],
}

impl GroupCommit {
    /// Starts the writer task on the pool `open` yields (SQLite: the one-connection writer
    /// pool; PostgreSQL: a pool of the writer's own, opened there), on a thread of its own.
    ///
    /// Why a thread: on the request runtime, every statement's answer woke the writer behind
    /// the request handlers queued on the same workers, and the batch, which holds the hot
    /// rows, waited for them (PostgreSQL intake left a third of the CPU idle). With its own
    /// single-threaded runtime the writer runs as soon as the kernel wakes it. A PostgreSQL
    /// pool is opened there so that its sockets belong to that runtime.
    pub(crate) fn start<F>(open: F) -> Self
    where
        F: Future<Output = std::result::Result<Pool<Db>, sqlx::Error>> + Send + 'static,
    {
        let (jobs, rx) = mpsc::channel(QUEUE);
        let task = async move {
            match open.await {
                Ok(writer) => run_writer(writer, rx).await,
                Err(e) => tracing::error!(error = %e, "group commit: the writer cannot connect"),
            }
        };
        let spawned = std::thread::Builder::new()
            .name("yichuang-writer".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(task),
                    Err(e) => tracing::error!(error = %e, "group commit: no runtime for the writer"),
                }
            });
        if let Err(e) = spawned {
            // Every hot write then answers that the writer has stopped.
            tracing::error!(error = %e, "group commit: cannot start the writer thread");
        }
        Self { jobs }
    }

    /// Runs `work` in the next batch and returns its result once the batch is committed.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Conn) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work: Work = Box::new(move |conn| {
            let fut = work(conn);
            Box::pin(async move { fut.await.map(|v| Box::new(v) as Output) })
        });
        self.jobs
            .send(Job { work, reply })
            .await
            .map_err(|_| stopped())?;
        let out = answer.await.map_err(|_| stopped())??;
        out.downcast::<T>().map(|b| *b).map_err(|_| {
            StoreError::Other(anyhow::anyhow!("group commit: result of the wrong type"))
        })
    }
}

fn stopped() -> StoreError {
    StoreError::Other(anyhow::anyhow!("group commit writer has stopped"))
}

/// The error every operation of a batch that could not commit is answered with.
fn batch_failed(why: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!("写入未能提交，请重试（{why}）"))
}

async fn run_writer(writer: Pool<Db>, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let stats = run_batch(&writer, batch).await;
        let [begin_us, ops_us, commit_us] = stats.micros;
        tracing::trace!(
            ops = stats.ops,
            failed = stats.failed,
            rerun = stats.rerun,
            begin_us,
            ops_us,
            commit_us,
            "group commit batch"
        );
    }
}

/// Runs statements without parameters in one round trip.
fn raw(conn: &mut Conn, sql: String) -> BoxFuture<'_, std::result::Result<(), sqlx::Error>> {
    Box::pin(async move {
        // A plain string with no arguments goes as one simple query (several statements).
        sqlx::Executor::execute(&mut *conn, sql.as_str()).await?;
        Ok(())
    })
}

/// How the optimistic run of a batch ended.
enum Optimistic {
    /// Committed: the results of its operations, in order, and the microseconds its phases
    /// took (as [`BatchStats::micros`]).
    Committed(Vec<Result<Output>>, [u128; 3]),
    /// An operation failed (or the batch could not start or flush): nothing is kept, run it
    /// again with savepoints.
    Again,
    /// The commit itself failed: whether it took effect is unknown, so nothing is run again.
    CommitFailed(String),
}

/// Runs one batch and answers every job of it: optimistically first where the backend wants
/// it, with a savepoint per operation otherwise or when an operation failed.
async fn run_batch(writer: &Pool<Db>, batch: Vec<Job>) -> BatchStats {
    use yichuang_store::batch::Batch;
    if OPTIMISTIC {
        match Batch::scope(run_optimistic(writer, &batch)).await {
            Optimistic::Committed(results, micros) => {
                let ops = batch.len();
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
                return BatchStats {
                    ops,
                    micros,
                    ..BatchStats::default()
                };
            }
            Optimistic::CommitFailed(why) => {
                let n = batch.len();
                for job in batch {
                    let _ = job.reply.send(Err(batch_failed(&why)));
                }
                return BatchStats {
                    ops: n,
                    failed: n,
                    ..BatchStats::default()
                };
            }
            Optimistic::Again => {
                let mut stats = Batch::scope(run_with_savepoints(writer, batch)).await;
                stats.rerun = true;
                return stats;
            }
        }
    }
    Batch::scope(run_with_savepoints(writer, batch)).await
}

/// The optimistic run: every operation in one transaction without savepoints, committed only
/// if all of them succeeded. Answers nobody.
async fn run_optimistic(writer: &Pool<Db>, batch: &[Job]) -> Optimistic {
    let mut t = std::time::Instant::now();
    let mut micros = [0; 3];
    let mut lap = |i: usize| {
        micros[i] = t.elapsed().as_micros();
        t = std::time::Instant::now();
    };
    let Ok(mut tx) = begin_batch(writer, false).await else {
        return Optimistic::Again;
    };
    lap(0);
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        yichuang_store::batch::begin_op();
        let result = (job.work)(&mut tx).await;
        yichuang_store::batch::end_op(result.is_ok());
        if result.is_err() {
            let _ = tx.rollback().await;
            return Optimistic::Again;
        }
        results.push(result);
    }
    lap(1);
    let pending = yichuang_store::batch::Batch::take();
    if crate::events::flush_batch(&mut tx, pending).await.is_err() {
        let _ = tx.rollback().await;
        return Optimistic::Again;
    }
    let committed = tx.commit().await;
    lap(2);
    match committed {
        Ok(()) => Optimistic::Committed(results, micros),
        Err(e) => Optimistic::CommitFailed(e.to_string()),
    }
}

/// Runs one batch in one transaction with a savepoint after each operation, and answers every
/// job of it.
async fn run_with_savepoints(writer: &Pool<Db>, batch: Vec<Job>) -> BatchStats {
    let mut stats = BatchStats {
        ops: batch.len(),
        ..BatchStats::default()
    };
    let mut t = std::time::Instant::now();
    let mut lap = |i: usize, stats: &mut BatchStats| {
        stats.micros[i] = t.elapsed().as_micros();
        t = std::time::Instant::now();
    };
    let mut tx = match begin_batch(writer, true).await {
        Ok(tx) => tx,
        Err(e) => {
            let why = e.to_string();
            for job in batch {
                let _ = job.reply.send(Err(batch_failed(&why)));
            }
            stats.failed = stats.ops;
            return stats;
        }
    };
    lap(0, &mut stats);
    let mut done: Vec<(oneshot::Sender<Result<Output>>, Result<Output>)> =
        Vec::with_capacity(batch.len());
    let mut broken: Option<String> = None;
    let mut jobs = batch.into_iter();
    // One savepoint, [`SAVEPOINT`], marks the state after the last operation that succeeded:
    // `begin_batch` sets it, a success moves it (release and set again, one round trip), and a
    // failure rolls back to it (which keeps it). A failing operation is undone alone.
    let mut moved = true;
    for job in jobs.by_ref() {
        if !moved {
            let again = format!("release savepoint {SAVEPOINT}; savepoint {SAVEPOINT}");
            if let Err(e) = raw(&mut tx, again).await {
                broken = Some(e.to_string());
                let _ = job.reply.send(Err(batch_failed("savepoint")));
                break;
            }
        }
        yichuang_store::batch::begin_op();
        let result = (job.work)(&mut tx).await;
        yichuang_store::batch::end_op(result.is_ok());
        moved = result.is_err();
        if result.is_err() {
            stats.failed += 1;
            let back = format!("rollback to savepoint {SAVEPOINT}");
            if let Err(e) = raw(&mut tx, back).await {
                broken = Some(e.to_string());
                let _ = job.reply.send(Err(batch_failed("savepoint")));
                break;
            }
        }
        done.push((job.reply, result));
    }
    lap(1, &mut stats);
    let committed = match broken {
        None => {
            // The chain heads and counters the operations shared, then the commit.
            let pending = yichuang_store::batch::Batch::take();
            match crate::events::flush_batch(&mut tx, pending).await {
                Ok(()) => tx.commit().await.map_err(|e| e.to_string()),
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e.to_string())
                }
            }
        }
        Some(why) => {
            let _ = tx.rollback().await;
            Err(why)
        }
    };
    lap(2, &mut stats);
    match committed {
        Ok(()) => {
            for (reply, result) in done {
                let _ = reply.send(result);
            }
        }
        Err(why) => {
            // Nothing of the batch is kept: an operation that succeeded in its savepoint is
            // answered with an error too, never acknowledged.
            for (reply, result) in done {
                let _ = reply.send(result.and(Err(batch_failed(&why))));
            }
            stats.failed = stats.ops;
        }
    }
    for job in jobs {
        let _ = job.reply.send(Err(batch_failed("batch aborted")));
    }
    stats
}
