//! The discrete-event replay: historical (or synthetic) arrivals served under a window plan.
//!
//! Rules, per queue and per day (days and queues never share windows or carry a backlog):
//! - FIFO: tickets are served in the order they were taken (ties keep the input order);
//! - a ticket starts as soon as fewer windows are serving than the plan has open at that moment;
//! - when the plan drops windows at an hour boundary, serving windows finish their customer and
//!   only then close (the time after the plan closed them is overtime, not utilisation);
//! - with no window open, people wait until one opens; whoever is still waiting when no window
//!   will open again that day (at the latest at midnight) is unserved;
//! - service times are measured or sampled ([`ServiceMode`]); the samples are drawn per ticket
//!   from a per-day stream of the seed whatever the plan, so two plans replayed with the same
//!   seed see the same customers with the same service times (common random numbers: the
//!   difference between plans is not sampling noise).

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::StaffingError;
use crate::input::{Arrival, DAY_MIN, HOURS, ServiceMode, ServiceTimes, WindowPlan, hour_of};
use crate::stats::{Acc, Stats};

/// What happened to one ticket in a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketOutcome {
    /// Day (index into the days given).
    pub day: usize,
    /// Ticket (index into that day).
    pub index: usize,
    /// The queue.
    pub queue: String,
    /// When the ticket was taken, minutes since midnight.
    pub at_min: f64,
    /// The service time used (measured or sampled), minutes.
    pub service_min: f64,
    /// When a window started serving it; `None` if it was never served.
    pub start_min: Option<f64>,
}

impl TicketOutcome {
    /// Minutes from taking the ticket to being served; `None` if never served.
    pub fn wait_min(&self) -> Option<f64> {
        self.start_min.map(|s| s - self.at_min)
    }
}

/// One queue's figures, per hour of arrival and in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueResult {
    /// Per hour of day (`0..24`): the waits of the tickets taken in that hour, and the window
    /// time planned open, busy and overtime within that hour.
    pub hours: [Stats; HOURS],
    /// The whole day(s).
    pub total: Stats,
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// Per queue: every queue of the plan and every queue that had arrivals.
    pub queues: BTreeMap<String, QueueResult>,
    /// All queues together.
    pub overall: Stats,
    /// Every ticket, days in order, each day in input order.
    pub tickets: Vec<TicketOutcome>,
}

impl SimResult {
    /// The figures of `queue` in `hour`, if the queue was replayed.
    pub fn hour(&self, queue: &str, hour: usize) -> Option<&Stats> {
        self.queues.get(queue).and_then(|q| q.hours.get(hour))
    }
}

/// Replays `days` (one `Vec<Arrival>` per day) under `plan`.
///
/// Deterministic: the same inputs and `seed` give the same result. The seed only matters for
/// sampled service times.
pub fn simulate(
    days: &[Vec<Arrival>],
    plan: &WindowPlan,
    service: &ServiceTimes,
    mode: ServiceMode,
    seed: u64,
) -> Result<SimResult, StaffingError> {
    let mut accs: BTreeMap<String, [Acc; HOURS]> = plan
        .queues()
        .map(|q| (q.to_owned(), std::array::from_fn(|_| Acc::default())))
        .collect();
    let mut tickets = Vec::with_capacity(days.iter().map(Vec::len).sum());
    for (day, arrivals) in days.iter().enumerate() {
        let services = service_times(day, arrivals, service, mode, seed)?;
        let mut by_queue: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, a) in arrivals.iter().enumerate() {
            by_queue.entry(a.queue.as_str()).or_default().push(i);
        }
        let first = tickets.len();
        tickets.extend(
            arrivals
                .iter()
                .zip(&services)
                .enumerate()
                .map(|(i, (a, s))| TicketOutcome {
                    day,
                    index: i,
                    queue: a.queue.clone(),
                    at_min: a.at_min,
                    service_min: *s,
                    start_min: None,
                }),
        );
        for (queue, acc) in &mut accs {
            let row = plan.row(queue);
            for (h, a) in acc.iter_mut().enumerate() {
                a.open_window_min += f64::from(row[h]) * 60.0;
            }
        }
        for (queue, mut idx) in by_queue {
            let row = plan.row(queue);
            let acc = accs
                .entry(queue.to_owned())
                .or_insert_with(|| std::array::from_fn(|_| Acc::default()));
            // Stable sort: simultaneous tickets keep the input (ticket number) order.
            idx.sort_by(|&a, &b| arrivals[a].at_min.total_cmp(&arrivals[b].at_min));
            let jobs: Vec<(f64, f64)> = idx
                .iter()
                .map(|&i| (arrivals[i].at_min, services[i]))
                .collect();
            let starts = run_queue_day(&jobs, &row, acc);
            for (k, &i) in idx.iter().enumerate() {
                let h = hour_of(arrivals[i].at_min);
                acc[h].arrivals += 1;
                match starts[k] {
                    Some(s) => acc[h].waits.push(s - arrivals[i].at_min),
                    None => acc[h].unserved += 1,
                }
                tickets[first + i].start_min = starts[k];
            }
        }
    }
    let n_days = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let mut overall = Acc::default();
    let queues = accs
        .into_iter()
        .map(|(q, hours)| {
            let mut total = Acc::default();
            for h in &hours {
                total.merge(h);
            }
            overall.merge(&total);
            let result = QueueResult {
                hours: hours.map(|h| h.finish(n_days)),
                total: total.finish(n_days),
            };
            (q, result)
        })
        .collect();
    Ok(SimResult {
        queues,
        overall: overall.finish(n_days),
        tickets,
    })
}

/// Checks one day's arrivals and fixes each ticket's service time.
fn service_times(
    day: usize,
    arrivals: &[Arrival],
    service: &ServiceTimes,
    mode: ServiceMode,
    seed: u64,
) -> Result<Vec<f64>, StaffingError> {
    // One stream per day, so that adding or removing a day leaves the other days' draws alone.
    let day_key = (day as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = fastrand::Rng::with_seed(seed ^ day_key);
    let invalid = |index, reason: &str| StaffingError::InvalidArrival {
        day,
        index,
        reason: reason.to_owned(),
    };
    let mut out = Vec::with_capacity(arrivals.len());
    for (i, a) in arrivals.iter().enumerate() {
        if !(a.at_min.is_finite() && (0.0..DAY_MIN).contains(&a.at_min)) {
            return Err(invalid(i, "arrival time outside 0..1440 minutes"));
        }
        if a.service_min.is_some_and(|s| !(s.is_finite() && s >= 0.0)) {
            return Err(invalid(i, "service time negative or not finite"));
        }
        // Draw for every ticket that can be drawn for, used or not, so that the draws of one
        // ticket never depend on whether another ticket was measured.
        let drawn = service.draw(&a.queue, &mut rng);
        let chosen = match mode {
            ServiceMode::Measured => a.service_min.or(drawn),
            ServiceMode::Sampled => drawn,
        };
        out.push(chosen.ok_or_else(|| StaffingError::NoServiceTimes {
            queue: a.queue.clone(),
        })?);
    }
    Ok(out)
}

/// A time on the event calendar, ordered totally so it can sit in a heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Time(f64);

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Windows the plan has open at minute `t` (none from midnight on).
fn open_at(row: &[u32; HOURS], t: f64) -> usize {
    if t >= DAY_MIN {
        return 0;
    }
    row[hour_of(t)] as usize
}

/// Serves one queue's day: `jobs` are `(arrival, service)` in FIFO order. Returns each job's
/// start time and adds the window time to `acc` (per hour of day).
fn run_queue_day(
    jobs: &[(f64, f64)],
    row: &[u32; HOURS],
    acc: &mut [Acc; HOURS],
) -> Vec<Option<f64>> {
    let mut starts = vec![None; jobs.len()];
    let mut busy: BinaryHeap<Reverse<Time>> = BinaryHeap::new();
    let mut waiting: VecDeque<usize> = VecDeque::new();
    let mut next = 0;
    let mut t = jobs.first().map_or(0.0, |j| j.0);
    loop {
        // At one instant: completions free windows and arrivals join the line before anyone is
        // called, so a window that frees at t serves whoever is first at t.
        while busy.peek().is_some_and(|Reverse(Time(done))| *done <= t) {
            busy.pop();
        }
        while next < jobs.len() && jobs[next].0 <= t {
            waiting.push_back(next);
            next += 1;
        }
        let open = open_at(row, t);
        while busy.len() < open {
            let Some(k) = waiting.pop_front() else { break };
            starts[k] = Some(t);
            busy.push(Reverse(Time(t + jobs[k].1)));
        }
        let mut t_next = f64::INFINITY;
        if let Some(&(at, _)) = jobs.get(next) {
            t_next = t_next.min(at);
        }
        if let Some(Reverse(Time(done))) = busy.peek() {
            t_next = t_next.min(*done);
        }
        if !waiting.is_empty()
            && let Some(opening) = next_opening(row, t, busy.len())
        {
            t_next = t_next.min(opening);
        }
        if !t_next.is_finite() {
            break;
        }
        add_busy(t, t_next, busy.len(), row, acc);
        t = t_next;
    }
    starts
}

/// The next hour boundary after `t` at which the plan has more than `busy` windows open.
fn next_opening(row: &[u32; HOURS], t: f64, busy: usize) -> Option<f64> {
    if t >= DAY_MIN {
        return None;
    }
    (hour_of(t) + 1..HOURS)
        .find(|&h| row[h] as usize > busy)
        .map(|h| h as f64 * 60.0)
}

/// Adds `busy` serving windows over `[from, to)` to the hours they fall in: up to the planned
/// count as busy time, beyond it as overtime.
fn add_busy(from: f64, to: f64, busy: usize, row: &[u32; HOURS], acc: &mut [Acc; HOURS]) {
    if busy == 0 || to <= from {
        return;
    }
    let busy = busy as f64;
    let mut a = from;
    while a < to {
        if a >= DAY_MIN {
            // Past midnight only overtime is possible; book it on the last hour.
            acc[HOURS - 1].overtime_window_min += busy * (to - a);
            return;
        }
        let h = hour_of(a);
        let end = to.min((h + 1) as f64 * 60.0);
        let len = end - a;
        let planned = f64::from(row[h]).min(busy);
        acc[h].busy_window_min += planned * len;
        acc[h].overtime_window_min += (busy - planned) * len;
        a = end;
    }
}
