//! What the operations of one group-commit batch share while it runs: the heads of the audit
//! chains they extend and the report counters they add.
//!
//! Every write of a center extends that center's chain and adds to the same day's counters, and
//! every intake takes the next number of the day's case sequence. In
//! a batch (one transaction, one operation after the other, the head row locked from the first
//! operation to the commit), reading and writing the head row and the counter rows once per
//! operation only repeats round trips: here the first operation reads the head (and the
//! sequence), the next ones take their places and numbers from memory, and the last head, the
//! last number and the summed counters are written once, just before the commit
//! ([`Batch::take`]).
//!
//! The state lives in a task-local set by the writer task around its batch, so the store code
//! that appends events works unchanged outside a batch. An operation that fails is rolled back
//! to its savepoint; [`end_op`] forgets what it took here as well.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::report::Deltas;

/// A chain head as the batch knows it.
#[derive(Debug, Clone)]
struct Head {
    /// The last place taken.
    last: i64,
    /// The hash of the event at `last` (empty until the operation that took it sets it).
    hash: String,
}

/// The shared state of one batch.
#[derive(Debug, Default)]
pub struct Batch {
    heads: HashMap<i64, Head>,
    /// Heads as they were when the current operation began.
    heads_before: HashMap<i64, Head>,
    /// The last case number taken of each (center, day) sequence.
    numbers: HashMap<(i64, String), i64>,
    /// Numbers as they were when the current operation began.
    numbers_before: HashMap<(i64, String), i64>,
    /// Counters of the operations that succeeded.
    deltas: Deltas,
    /// Counters of the current operation.
    op_deltas: Deltas,
    /// The latest instant an operation wrote at (the counters' `updated_at`).
    now_ms: i64,
}

/// What is left to write when a batch ends.
#[derive(Debug, Default)]
pub struct Pending {
    /// `(chain key, last place, its hash)` of every chain the batch extended.
    pub heads: Vec<(i64, i64, String)>,
    /// `(center, day, last number)` of every case-number sequence the batch used.
    pub numbers: Vec<(i64, String, i64)>,
    /// The summed counters.
    pub deltas: Deltas,
    /// Their `updated_at`.
    pub now_ms: i64,
}

tokio::task_local! {
    static BATCH: RefCell<Batch>;
}

impl Batch {
    /// Runs `f` (the whole batch) with a fresh shared state.
    pub async fn scope<F: std::future::Future>(f: F) -> F::Output {
        BATCH.scope(RefCell::new(Batch::default()), f).await
    }

    /// Takes what the batch still has to write (call once, before the commit).
    pub fn take() -> Pending {
        BATCH
            .try_with(|b| {
                let mut b = b.borrow_mut();
                let mut heads: Vec<_> = b
                    .heads
                    .drain()
                    .map(|(key, h)| (key, h.last, h.hash))
                    .collect();
                heads.sort_by_key(|h| h.0);
                let mut numbers: Vec<_> = b
                    .numbers
                    .drain()
                    .map(|((center, day), last)| (center, day, last))
                    .collect();
                numbers.sort();
                Pending {
                    heads,
                    numbers,
                    deltas: std::mem::take(&mut b.deltas),
                    now_ms: b.now_ms,
                }
            })
            .unwrap_or_default()
    }
}

/// Marks the start of an operation of the batch.
pub fn begin_op() {
    let _ = BATCH.try_with(|b| {
        let mut b = b.borrow_mut();
        b.heads_before = b.heads.clone();
        b.numbers_before = b.numbers.clone();
        b.op_deltas.clear();
    });
}

/// Marks the end of the current operation: kept when `ok`, forgotten otherwise.
pub fn end_op(ok: bool) {
    let _ = BATCH.try_with(|b| {
        let mut b = b.borrow_mut();
        let op = std::mem::take(&mut b.op_deltas);
        if ok {
            for (k, v) in op {
                *b.deltas.entry(k).or_insert(0) += v;
            }
        } else {
            b.heads = std::mem::take(&mut b.heads_before);
            b.numbers = std::mem::take(&mut b.numbers_before);
        }
    });
}

/// Inside a batch whose head of `key` is known: takes `n` places from memory and returns the
/// first with the hash it links to. `None` outside a batch or for a chain not yet read.
pub fn take_places(key: i64, n: i64) -> Option<(i64, String)> {
    BATCH
        .try_with(|b| {
            let mut b = b.borrow_mut();
            let h = b.heads.get_mut(&key)?;
            let first = h.last + 1;
            h.last += n;
            Some((first, h.hash.clone()))
        })
        .ok()
        .flatten()
}

/// Records a head read from the database (its last place after a reservation of places, and
/// the hash linked to), when inside a batch.
pub fn know_head(key: i64, last: i64, hash: &str) {
    let _ = BATCH.try_with(|b| {
        b.borrow_mut().heads.insert(
            key,
            Head {
                last,
                hash: hash.to_owned(),
            },
        );
    });
}

/// Inside a batch, records the hash of the chain's last event instead of writing it; returns
/// whether it did (outside a batch the caller writes the head).
pub fn leave_head(key: i64, hash: &str) -> bool {
    BATCH
        .try_with(|b| match b.borrow_mut().heads.get_mut(&key) {
            Some(h) => {
                h.hash = hash.to_owned();
                true
            }
            None => false,
        })
        .unwrap_or(false)
}

/// Inside a batch that already used the case-number sequence of `center` and `day`: the next
/// number of it, from memory. `None` outside a batch or for a sequence not yet read.
pub fn next_number(center: i64, day: &str) -> Option<i64> {
    BATCH
        .try_with(|b| {
            let mut b = b.borrow_mut();
            let last = b.numbers.get_mut(&(center, day.to_owned()))?;
            *last += 1;
            Some(*last)
        })
        .ok()
        .flatten()
}

/// Records a number just taken from the database, when inside a batch.
pub fn know_number(center: i64, day: &str, last: i64) {
    let _ = BATCH.try_with(|b| {
        b.borrow_mut()
            .numbers
            .insert((center, day.to_owned()), last);
    });
}

/// Inside a batch, adds `deltas` to the counters written at its end; returns whether it did.
pub fn defer_counters(deltas: &Deltas, now_ms: i64) -> bool {
    BATCH
        .try_with(|b| {
            let mut b = b.borrow_mut();
            for (k, v) in deltas {
                *b.op_deltas.entry(k.clone()).or_insert(0) += v;
            }
            b.now_ms = b.now_ms.max(now_ms);
        })
        .is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    fn key(metric: &str) -> crate::report::CounterKey {
        crate::report::CounterKey {
            center_id: 1,
            day: chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            dim: "center",
            key: String::new(),
            metric: metric.into(),
        }
    }

    #[tokio::test]
    async fn a_failed_operation_leaves_no_places_and_no_counters() {
        let pending = Batch::scope(async {
            begin_op();
            assert_eq!(take_places(7, 1), None, "unknown until read");
            know_head(7, 10, "h10");
            assert!(leave_head(7, "h10"));
            end_op(true);

            begin_op();
            assert_eq!(take_places(7, 2), Some((11, "h10".into())));
            assert!(leave_head(7, "h12"));
            let mut d = Deltas::new();
            d.insert(key("received"), 1);
            assert!(defer_counters(&d, 5));
            know_number(2, "2026-12-08", 9);
            end_op(false);
            assert_eq!(
                next_number(2, "2026-12-08"),
                None,
                "its number is forgotten"
            );

            begin_op();
            assert_eq!(take_places(7, 1), Some((11, "h10".into())));
            assert!(leave_head(7, "h11"));
            assert_eq!(next_number(1, "2026-12-08"), None);
            know_number(1, "2026-12-08", 4);
            assert_eq!(next_number(1, "2026-12-08"), Some(5));
            let mut d = Deltas::new();
            d.insert(key("accepted"), 2);
            assert!(defer_counters(&d, 6));
            end_op(true);
            Batch::take()
        })
        .await;
        assert_eq!(pending.heads, vec![(7, 11, "h11".to_owned())]);
        assert_eq!(pending.numbers, vec![(1, "2026-12-08".to_owned(), 5)]);
        assert_eq!(pending.deltas.values().copied().collect::<Vec<_>>(), [2]);
        assert_eq!(pending.now_ms, 6);
        // Outside a batch nothing is taken over.
        assert!(!leave_head(7, "x"));
        assert!(!defer_counters(&Deltas::new(), 1));
        assert_eq!(take_places(7, 1), None);
    }
}
