//! Wait and utilisation figures of a group of tickets (a queue-hour, a queue, a whole replay).
//!
//! Rules: waits are of served tickets only (a ticket still waiting when its queue closes for the
//! day is counted as unserved, never as a wait); quantiles are nearest-rank, so a p90 is always
//! a wait some ticket really had.

use serde::{Deserialize, Serialize};

/// The nearest-rank `q`-quantile of `sorted` (ascending): the smallest value that at least a
/// share `q` of the values do not exceed. `None` for no values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // ceil(q·n) as a 1-based rank, clamped to 1..=n; the cast truncates a value already ceiled.
    let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as usize).clamp(1, n);
    Some(sorted[rank - 1])
}

/// Figures of a group of tickets and of the windows that served them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Tickets taken (over all replayed days).
    pub arrivals: u64,
    /// Tickets served.
    pub served: u64,
    /// Tickets still waiting when no window would open again that day.
    pub unserved: u64,
    /// Mean wait of the served tickets, minutes.
    pub mean_wait_min: Option<f64>,
    /// p90 wait of the served tickets, minutes (nearest rank).
    pub p90_wait_min: Option<f64>,
    /// Longest wait, minutes.
    pub max_wait_min: Option<f64>,
    /// Share of served tickets that waited at all (more than 1e-9 min).
    pub prob_wait: Option<f64>,
    /// Window-minutes planned open (over all replayed days).
    pub open_window_min: f64,
    /// Window-minutes spent serving while planned open.
    pub busy_window_min: f64,
    /// Window-minutes spent finishing a customer after the plan had closed the window.
    pub overtime_window_min: f64,
    /// Days replayed, so that per-day figures can be derived.
    pub days: u32,
}

impl Stats {
    /// Busy over open window time; `None` when no window was open. Overtime is not counted, so
    /// this never exceeds 1.
    pub fn utilisation(&self) -> Option<f64> {
        (self.open_window_min > 0.0).then(|| self.busy_window_min / self.open_window_min)
    }

    /// Tickets per day.
    pub fn arrivals_per_day(&self) -> f64 {
        if self.days == 0 {
            return 0.0;
        }
        self.arrivals as f64 / f64::from(self.days)
    }
}

/// Collects waits and window time, then turns into [`Stats`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Acc {
    pub(crate) waits: Vec<f64>,
    pub(crate) arrivals: u64,
    pub(crate) unserved: u64,
    pub(crate) open_window_min: f64,
    pub(crate) busy_window_min: f64,
    pub(crate) overtime_window_min: f64,
}

impl Acc {
    pub(crate) fn merge(&mut self, other: &Self) {
        self.waits.extend_from_slice(&other.waits);
        self.arrivals += other.arrivals;
        self.unserved += other.unserved;
        self.open_window_min += other.open_window_min;
        self.busy_window_min += other.busy_window_min;
        self.overtime_window_min += other.overtime_window_min;
    }

    pub(crate) fn finish(mut self, days: u32) -> Stats {
        self.waits.sort_by(f64::total_cmp);
        let n = self.waits.len();
        let mean = (n > 0).then(|| self.waits.iter().sum::<f64>() / n as f64);
        let waited = self.waits.iter().filter(|w| **w > 1e-9).count();
        Stats {
            arrivals: self.arrivals,
            served: n as u64,
            unserved: self.unserved,
            mean_wait_min: mean,
            p90_wait_min: quantile_sorted(&self.waits, 0.9),
            max_wait_min: self.waits.last().copied(),
            prob_wait: (n > 0).then(|| waited as f64 / n as f64),
            open_window_min: self.open_window_min,
            busy_window_min: self.busy_window_min,
            overtime_window_min: self.overtime_window_min,
            days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_sorted(&v, 0.9), Some(9.0));
        assert_eq!(quantile_sorted(&v, 0.91), Some(10.0));
        assert_eq!(quantile_sorted(&v, 0.0), Some(1.0));
        assert_eq!(quantile_sorted(&[4.0], 0.9), Some(4.0));
        assert_eq!(quantile_sorted(&[], 0.9), None);
    }
}
