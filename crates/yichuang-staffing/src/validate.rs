//! Validation of the replay against a measured day: replay the day's tickets under the plan that
//! was really in force and compare the simulated waits with the waits the tickets really had.
//!
//! Rules: a figure passes when the simulated value is within `tolerance` (relative) of the
//! measured one, or within `floor_min` minutes of it — ticket times are stamped to the minute,
//! so a relative error on a queue whose waits are a minute or less measures the clock, not the
//! model. Queues with fewer than `min_tickets` measured waits are reported but not judged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::{Arrival, ServiceMode, ServiceTimes, WindowPlan};
use crate::sim::simulate;
use crate::stats::quantile_sorted;
use crate::{Result, StaffingError};

/// A ticket of a measured day: the arrival and the wait it really had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredTicket {
    /// The ticket as taken (with its measured service time, if any).
    pub arrival: Arrival,
    /// Minutes from taking the ticket to being called; `None` if it was never called.
    pub wait_min: Option<f64>,
}

/// How to validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateOptions {
    /// Allowed relative error of the mean and p90 wait (0.2 = ±20 %).
    pub tolerance: f64,
    /// Absolute error always allowed, minutes.
    pub floor_min: f64,
    /// Queues with fewer measured waits are not judged.
    pub min_tickets: u64,
    /// Service times of the replay.
    pub mode: ServiceMode,
    /// Seed of the first replication.
    pub seed: u64,
    /// Replications averaged (seeds `seed`, `seed + 1`, …); one is enough for a measured replay,
    /// a sampled one needs several to average out its own noise.
    pub replications: u32,
}

impl Default for ValidateOptions {
    /// ±20 %, 1 minute floor, at least 30 tickets, measured service times, one replication.
    fn default() -> Self {
        Self {
            tolerance: 0.2,
            floor_min: 1.0,
            min_tickets: 30,
            mode: ServiceMode::Measured,
            seed: 0,
            replications: 1,
        }
    }
}

/// Measured vs simulated waits of one queue (or of all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Tickets with a measured wait.
    pub tickets: u64,
    /// Measured mean wait, minutes.
    pub measured_mean_wait_min: f64,
    /// Simulated mean wait (mean over replications), minutes.
    pub simulated_mean_wait_min: f64,
    /// Measured p90 wait, minutes (nearest rank).
    pub measured_p90_wait_min: f64,
    /// Simulated p90 wait (mean over replications), minutes.
    pub simulated_p90_wait_min: f64,
    /// Whether the simulated mean is within tolerance.
    pub mean_within: bool,
    /// Whether the simulated p90 is within tolerance.
    pub p90_within: bool,
    /// Whether this comparison counts towards passing.
    pub judged: bool,
}

impl Comparison {
    /// Simulated over measured mean wait minus one (`0.1` = 10 % high); `None` when nothing was
    /// measured to wait.
    pub fn mean_relative_error(&self) -> Option<f64> {
        relative(self.simulated_mean_wait_min, self.measured_mean_wait_min)
    }

    /// Simulated over measured p90 wait minus one.
    pub fn p90_relative_error(&self) -> Option<f64> {
        relative(self.simulated_p90_wait_min, self.measured_p90_wait_min)
    }
}

fn relative(sim: f64, measured: f64) -> Option<f64> {
    (measured > 0.0).then(|| sim / measured - 1.0)
}

/// The outcome of a validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// Per queue.
    pub queues: BTreeMap<String, Comparison>,
    /// All queues together (always judged).
    pub overall: Comparison,
    /// Whether every judged comparison is within tolerance for both mean and p90.
    pub passed: bool,
}

/// Replays `days` (measured tickets, one `Vec` per day) under `actual_plan` and compares the
/// simulated waits with the measured ones.
pub fn validate(
    days: &[Vec<MeasuredTicket>],
    actual_plan: &WindowPlan,
    service: &ServiceTimes,
    options: &ValidateOptions,
) -> Result<Validation> {
    validate_plans(days, Plans::Same(actual_plan), service, options)
}

/// Like [`validate`], with the plan each day really had (`plans[d]` for `days[d]`): a hall's
/// windows differ from day to day, and one averaged plan replays a quiet queue's days with
/// windows none of them had.
pub fn validate_days(
    days: &[Vec<MeasuredTicket>],
    plans: &[WindowPlan],
    service: &ServiceTimes,
    options: &ValidateOptions,
) -> Result<Validation> {
    if plans.len() != days.len() {
        return Err(StaffingError::InvalidOption(format!(
            "{} plans for {} days",
            plans.len(),
            days.len()
        )));
    }
    validate_plans(days, Plans::PerDay(plans), service, options)
}

enum Plans<'a> {
    Same(&'a WindowPlan),
    PerDay(&'a [WindowPlan]),
}

/// The served waits of one replay, per queue and (under `None`) all together.
fn replay_waits(
    arrivals: &[Vec<Arrival>],
    plans: &Plans<'_>,
    service: &ServiceTimes,
    mode: crate::input::ServiceMode,
    seed: u64,
) -> Result<BTreeMap<Option<String>, Vec<f64>>> {
    let mut out: BTreeMap<Option<String>, Vec<f64>> = BTreeMap::new();
    let mut add = |res: crate::sim::SimResult| {
        for t in &res.tickets {
            if let Some(w) = t.wait_min() {
                out.entry(Some(t.queue.clone())).or_default().push(w);
                out.entry(None).or_default().push(w);
            }
        }
    };
    match plans {
        Plans::Same(plan) => add(simulate(arrivals, plan, service, mode, seed)?),
        Plans::PerDay(plans) => {
            for (d, (day, plan)) in arrivals.iter().zip(plans.iter()).enumerate() {
                // Each day its own draws, as a whole-range replay would give it.
                let day_seed = seed.wrapping_add((d as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
                add(simulate(
                    std::slice::from_ref(day),
                    plan,
                    service,
                    mode,
                    day_seed,
                )?);
            }
        }
    }
    Ok(out)
}

fn validate_plans(
    days: &[Vec<MeasuredTicket>],
    plans: Plans<'_>,
    service: &ServiceTimes,
    options: &ValidateOptions,
) -> Result<Validation> {
    if options.replications == 0 || !(options.tolerance >= 0.0 && options.floor_min >= 0.0) {
        return Err(StaffingError::InvalidOption(
            "replications ≥ 1, tolerance ≥ 0 and floor ≥ 0 required".to_owned(),
        ));
    }
    let arrivals: Vec<Vec<Arrival>> = days
        .iter()
        .map(|d| d.iter().map(|t| t.arrival.clone()).collect())
        .collect();
    let mut measured: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for t in days.iter().flatten() {
        if let Some(w) = t.wait_min.filter(|w| w.is_finite()) {
            measured.entry(t.arrival.queue.clone()).or_default().push(w);
        }
    }
    // Per queue (`None` for all queues): simulated mean and p90, averaged over replications.
    let mut sim: BTreeMap<Option<String>, (f64, f64)> = BTreeMap::new();
    let reps = f64::from(options.replications);
    for r in 0..options.replications {
        let waits = replay_waits(
            &arrivals,
            &plans,
            service,
            options.mode,
            options.seed.wrapping_add(u64::from(r)),
        )?;
        for (key, mut w) in waits {
            w.sort_by(f64::total_cmp);
            let mean = w.iter().sum::<f64>() / w.len().max(1) as f64;
            let e = sim.entry(key).or_insert((0.0, 0.0));
            e.0 += mean / reps;
            e.1 += quantile_sorted(&w, 0.9).unwrap_or(0.0) / reps;
        }
    }
    let compare = |waits: &mut Vec<f64>, key: Option<String>, always: bool| {
        waits.sort_by(f64::total_cmp);
        let n = waits.len();
        let m_mean = if n == 0 {
            0.0
        } else {
            waits.iter().sum::<f64>() / n as f64
        };
        let m_p90 = quantile_sorted(waits, 0.9).unwrap_or(0.0);
        let (s_mean, s_p90) = sim.get(&key).copied().unwrap_or((0.0, 0.0));
        let within =
            |s: f64, m: f64| (s - m).abs() <= (options.tolerance * m).max(options.floor_min);
        Comparison {
            tickets: n as u64,
            measured_mean_wait_min: m_mean,
            simulated_mean_wait_min: s_mean,
            measured_p90_wait_min: m_p90,
            simulated_p90_wait_min: s_p90,
            mean_within: within(s_mean, m_mean),
            p90_within: within(s_p90, m_p90),
            judged: always || n as u64 >= options.min_tickets,
        }
    };
    let mut all: Vec<f64> = measured.values().flatten().copied().collect();
    let overall = compare(&mut all, None, true);
    let queues: BTreeMap<String, Comparison> = measured
        .into_iter()
        .map(|(q, mut w)| {
            let c = compare(&mut w, Some(q.clone()), false);
            (q, c)
        })
        .collect();
    let passed = std::iter::once(&overall)
        .chain(queues.values())
        .filter(|c| c.judged)
        .all(|c| c.mean_within && c.p90_within);
    Ok(Validation {
        queues,
        overall,
        passed,
    })
}
