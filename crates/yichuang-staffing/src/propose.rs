//! The proposal: windows per queue per hour from Erlang C, confirmed (and corrected) by replaying
//! the history under the proposed plan, shown next to the current plan.
//!
//! Rules:
//! - a queue is only staffed in its service hours: the hours the current plan opens it (a
//!   simulator does not change the hall's published hours), or, for a queue the current plan
//!   does not staff at all, the hours it had arrivals;
//! - in a service hour the proposal opens at least `min_windows`, at most `max_windows`;
//! - the target is judged on the queue-hours of the service hours that had arrivals: the p90 wait
//!   of the tickets taken in that hour, over all history days, must not exceed the target and
//!   nobody may be left unserved. The replay closes a queue when its plan does, so a plan must
//!   clear the line by closing time; for a hall that serves everyone holding a ticket, give the
//!   current plan its overtime hour and the proposal keeps it as a service hour.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::erlang::{Mmc, servers_needed};
use crate::input::{Arrival, HOURS, QUARTER_HOURS as SLOTS, ServiceMode, ServiceTimes, WindowPlan};
use crate::sim::{SimResult, simulate};
use crate::stats::Stats;
use crate::{Result, StaffingError};

/// How to propose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposeOptions {
    /// The p90 wait not to exceed in any queue-hour, minutes.
    pub target_p90_wait_min: f64,
    /// The most windows a queue can open in one hour (the counters it has).
    pub max_windows: u32,
    /// The fewest windows open in a service hour, even without arrivals.
    pub min_windows: u32,
    /// Service times for the confirming replay.
    pub mode: ServiceMode,
    /// Seed of the sampled service times.
    pub seed: u64,
    /// Replays at most (the first confirms the Erlang C plan, each further one follows adding a
    /// window to every queue-hour that missed the target).
    pub max_rounds: u32,
}

impl ProposeOptions {
    /// Options for `target_p90_wait_min`: at most 20 windows per queue, at least 1 in a service
    /// hour, measured service times, seed 0, at most 24 replays.
    pub fn new(target_p90_wait_min: f64) -> Self {
        Self {
            target_p90_wait_min,
            max_windows: 20,
            min_windows: 1,
            mode: ServiceMode::Measured,
            seed: 0,
            max_rounds: 24,
        }
    }
}

/// The Erlang C view of one queue-hour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErlangEstimate {
    /// Mean arrivals per minute over the hour, averaged over the history days.
    pub mean_rate_per_min: f64,
    /// Arrivals per minute in the hour's busiest quarter-hour (averaged over the days): the
    /// staffing basis.
    pub peak_rate_per_min: f64,
    /// Mean service time of the queue, minutes.
    pub mean_service_min: f64,
    /// Windows Erlang C asks for at the peak rate; `None` when even `max_windows` miss the
    /// target.
    pub windows: Option<u32>,
    /// Erlang C p90 wait at the peak rate with the current plan's windows (`None`: unstable).
    pub current_p90_wait_min: Option<f64>,
    /// Erlang C p90 wait at the peak rate with the proposed plan's windows (`None`: unstable).
    pub proposed_p90_wait_min: Option<f64>,
}

/// One queue-hour of the proposal, current plan next to proposed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueHour {
    /// The queue.
    pub queue: String,
    /// Hour of day (`0..24`).
    pub hour: usize,
    /// Windows in the current plan.
    pub current_windows: u32,
    /// Windows in the proposed plan.
    pub proposed_windows: u32,
    /// The Erlang C estimate.
    pub erlang: ErlangEstimate,
    /// Replayed figures with the current plan.
    pub current: Stats,
    /// Replayed figures with the proposed plan.
    pub proposed: Stats,
    /// Whether the current plan meets the target here; `None` when the hour is not judged (no
    /// arrivals, or outside the service hours).
    pub current_meets_target: Option<bool>,
    /// Whether the proposed plan meets the target here; `None` when not judged.
    pub proposed_meets_target: Option<bool>,
}

/// Current plan vs proposed plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The target p90 wait, minutes.
    pub target_p90_wait_min: f64,
    /// The plan in force.
    pub current_plan: WindowPlan,
    /// The proposed plan.
    pub proposed_plan: WindowPlan,
    /// Every queue-hour that has windows in either plan or had arrivals, by queue then hour.
    pub rows: Vec<QueueHour>,
    /// The history replayed with the current plan.
    pub current_result: SimResult,
    /// The history replayed with the proposed plan.
    pub proposed_result: SimResult,
    /// Staff-hours per day of the current plan.
    pub current_staff_hours: u32,
    /// Staff-hours per day of the proposed plan.
    pub proposed_staff_hours: u32,
    /// `current − proposed` staff-hours per day: positive is saved, negative is needed.
    pub staff_hours_saved: i64,
    /// Replays run under proposed plans (the confirming rounds and the trimming trials).
    pub rounds: u32,
    /// Whether the replay confirmed the proposed plan meets the target in every judged hour
    /// (`false` when `max_windows` or `max_rounds` ran out first).
    pub confirmed: bool,
}

/// Proposes a window plan for the days of `history` (one `Vec<Arrival>` per day) against the
/// `current` plan. `service` gives the mean service times for Erlang C and the samples for any
/// sampled replay (usually [`ServiceTimes::from_days`] of the history).
pub fn propose(
    history: &[Vec<Arrival>],
    current: &WindowPlan,
    service: &ServiceTimes,
    options: &ProposeOptions,
) -> Result<Proposal> {
    let target = options.target_p90_wait_min;
    if !(target.is_finite() && target >= 0.0) {
        return Err(StaffingError::InvalidOption(
            "target p90 wait must be a finite number of minutes ≥ 0".to_owned(),
        ));
    }
    if options.max_windows == 0 || options.max_rounds == 0 {
        return Err(StaffingError::InvalidOption(
            "max_windows and max_rounds must be at least 1".to_owned(),
        ));
    }
    let rates = arrival_rates(history);
    let queues: BTreeSet<&str> = current
        .queues()
        .chain(rates.keys().map(String::as_str))
        .collect();
    let floor = options.min_windows.min(options.max_windows);
    let mut service_hours: BTreeMap<&str, [bool; HOURS]> = BTreeMap::new();
    let mut estimates: BTreeMap<(&str, usize), ErlangEstimate> = BTreeMap::new();
    let mut proposed = WindowPlan::new();
    for &q in &queues {
        let row = current.row(q);
        let slots = rates.get(q);
        let open: [bool; HOURS] = if row.iter().any(|&w| w > 0) {
            row.map(|w| w > 0)
        } else {
            std::array::from_fn(|h| slots.is_some_and(|s| hour_mean(s, h) > 0.0))
        };
        let mean_service = service.mean(q);
        for h in 0..HOURS {
            let (mean_rate, peak_rate) =
                slots.map_or((0.0, 0.0), |s| (hour_mean(s, h), hour_peak(s, h)));
            let needed = match mean_service {
                Some(s) => servers_needed(peak_rate, s, target, options.max_windows),
                None if peak_rate == 0.0 => Some(0),
                None => {
                    return Err(StaffingError::NoServiceTimes {
                        queue: q.to_owned(),
                    });
                }
            };
            let mean_service_min = mean_service.unwrap_or(0.0);
            let p90 = |servers| {
                Mmc {
                    arrival_rate_per_min: peak_rate,
                    mean_service_min,
                    servers,
                }
                .wait_quantile_min(0.9)
            };
            estimates.insert(
                (q, h),
                ErlangEstimate {
                    mean_rate_per_min: mean_rate,
                    peak_rate_per_min: peak_rate,
                    mean_service_min,
                    windows: needed,
                    current_p90_wait_min: p90(row[h]),
                    proposed_p90_wait_min: None,
                },
            );
            if open[h] {
                let w = needed.unwrap_or(options.max_windows).max(floor);
                proposed.set(q, h, w);
            }
        }
        // A queue with no service hour still appears in the plan, with no window, so that the
        // page lists it next to the current plan.
        proposed.add_queue(q);
        service_hours.insert(q, open);
    }

    let judge = |res: &SimResult, q: &str, h: usize| -> Option<bool> {
        let open = service_hours.get(q).is_some_and(|o| o[h]);
        let st = res.hour(q, h)?;
        (open && st.arrivals > 0)
            .then(|| st.unserved == 0 && st.p90_wait_min.is_some_and(|p| p <= target + 1e-9))
    };
    let replay = |plan: &WindowPlan| simulate(history, plan, service, options.mode, options.seed);

    let mut result = replay(&proposed)?;
    let mut rounds = 1;
    let confirmed = loop {
        let failing: Vec<(&str, usize)> = queues
            .iter()
            .flat_map(|&q| (0..HOURS).map(move |h| (q, h)))
            .filter(|&(q, h)| judge(&result, q, h) == Some(false))
            .collect();
        if failing.is_empty() {
            break true;
        }
        if rounds >= options.max_rounds {
            break false;
        }
        let mut changed = false;
        for (q, h) in failing {
            let w = proposed.windows(q, h);
            if w < options.max_windows {
                proposed.set(q, h, w + 1);
                changed = true;
            }
        }
        if !changed {
            break false;
        }
        result = replay(&proposed)?;
        rounds += 1;
    };

    // Erlang C at the busiest quarter-hour errs on the generous side, and a window added for one
    // failing hour also shortens the next hour's queue: take back, queue by queue and hour by
    // hour from the largest, every window whose removal still keeps each judged hour of that
    // queue on target. Queues share no window in the replay, so each is replayed alone.
    if confirmed {
        for &q in &queues {
            let own: Vec<Vec<Arrival>> = history
                .iter()
                .map(|d| d.iter().filter(|a| a.queue == q).cloned().collect())
                .collect();
            let mut hours: Vec<usize> = (0..HOURS)
                .filter(|&h| proposed.windows(q, h) > floor)
                .collect();
            hours.sort_by_key(|&h| std::cmp::Reverse(proposed.windows(q, h)));
            for h in hours {
                while proposed.windows(q, h) > floor {
                    let w = proposed.windows(q, h);
                    let mut trial = WindowPlan::new();
                    for hh in 0..HOURS {
                        trial.set(q, hh, proposed.windows(q, hh));
                    }
                    trial.set(q, h, w - 1);
                    let res = simulate(&own, &trial, service, options.mode, options.seed)?;
                    rounds += 1;
                    if (0..HOURS).all(|hh| judge(&res, q, hh) != Some(false)) {
                        proposed.set(q, h, w - 1);
                    } else {
                        break;
                    }
                }
            }
        }
        result = replay(&proposed)?;
    }

    let current_result = replay(current)?;
    let mut rows = Vec::new();
    for &q in &queues {
        for h in 0..HOURS {
            let (cw, pw) = (current.windows(q, h), proposed.windows(q, h));
            let empty = Stats::default();
            let cur = current_result.hour(q, h).unwrap_or(&empty);
            let pro = result.hour(q, h).unwrap_or(&empty);
            if cw == 0 && pw == 0 && cur.arrivals == 0 {
                continue;
            }
            let Some(mut erlang) = estimates.get(&(q, h)).cloned() else {
                continue;
            };
            erlang.proposed_p90_wait_min = Mmc {
                arrival_rate_per_min: erlang.peak_rate_per_min,
                mean_service_min: erlang.mean_service_min,
                servers: pw,
            }
            .wait_quantile_min(0.9);
            rows.push(QueueHour {
                queue: q.to_owned(),
                hour: h,
                current_windows: cw,
                proposed_windows: pw,
                erlang,
                current: cur.clone(),
                proposed: pro.clone(),
                current_meets_target: judge(&current_result, q, h),
                proposed_meets_target: judge(&result, q, h),
            });
        }
    }
    let (cur_h, pro_h) = (current.staff_hours(), proposed.staff_hours());
    Ok(Proposal {
        target_p90_wait_min: target,
        current_plan: current.clone(),
        proposed_plan: proposed,
        rows,
        current_result,
        proposed_result: result,
        current_staff_hours: cur_h,
        proposed_staff_hours: pro_h,
        staff_hours_saved: i64::from(cur_h) - i64::from(pro_h),
        rounds,
        confirmed,
    })
}

/// Mean arrivals per quarter-hour slot of the day, per queue, averaged over the days.
///
/// Averaged, not the worst day: the plan is for a typical day, and the confirming replay runs
/// every actual day, so a bad day still weighs in the p90 of all tickets.
pub fn arrival_rates(days: &[Vec<Arrival>]) -> BTreeMap<String, [f64; SLOTS]> {
    let mut counts: BTreeMap<String, [f64; SLOTS]> = BTreeMap::new();
    if days.is_empty() {
        return counts;
    }
    for a in days.iter().flatten() {
        if !(a.at_min.is_finite() && a.at_min >= 0.0) {
            continue;
        }
        // Truncating cast: minute 14.9 is in slot 0.
        let slot = ((a.at_min / 15.0) as usize).min(SLOTS - 1);
        counts.entry(a.queue.clone()).or_insert([0.0; SLOTS])[slot] += 1.0;
    }
    let n = days.len() as f64;
    for row in counts.values_mut() {
        for c in row.iter_mut() {
            *c /= n;
        }
    }
    counts
}

/// Mean arrivals per minute over hour `h`.
fn hour_mean(slots: &[f64; SLOTS], h: usize) -> f64 {
    slots[4 * h..4 * h + 4].iter().sum::<f64>() / 60.0
}

/// Arrivals per minute in the busiest quarter-hour of hour `h`.
///
/// Why the peak quarter and not the hour's mean: windows change only by the hour, while
/// arrivals within an hour are not flat (the rush when the hall opens, the lull before lunch).
/// Erlang C is a steady-state formula; fed the hour's mean it assumes the rush is spread out and
/// under-staffs exactly the quarter in which the line builds — and a line built in fifteen
/// minutes takes long to drain. The busiest quarter is the usual contact-centre interval; in a
/// flat hour it equals the mean, and where it over-staffs, the replay shows it as utilisation.
fn hour_peak(slots: &[f64; SLOTS], h: usize) -> f64 {
    slots[4 * h..4 * h + 4]
        .iter()
        .fold(0.0_f64, |m, &c| m.max(c))
        / 15.0
}
