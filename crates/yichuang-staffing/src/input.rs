//! The inputs: tickets as they arrived, the window plan, and the measured service times.
//!
//! Rules: time is minutes since local midnight of the ticket's own day (`0.0 ≤ t < 1440.0`), a
//! day is a `Vec<Arrival>`, and a history is a slice of days; a plan is the same for every day
//! it is applied to.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Hours in a day; a plan has one window count per hour.
pub const HOURS: usize = 24;

/// Quarter-hours in a day: the slots of the arrival pattern ([`crate::arrival_rates`]).
pub const QUARTER_HOURS: usize = 96;

/// Minutes in a day: arrivals must fall in `0.0..DAY_MIN`.
pub const DAY_MIN: f64 = 1440.0;

/// One ticket taken in the hall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arrival {
    /// The queue (window group) the ticket is for, e.g. `"comprehensive"`.
    pub queue: String,
    /// When the ticket was taken, in minutes since local midnight.
    pub at_min: f64,
    /// How long a window was busy with this ticket (call to finish, including a no-show's short
    /// call), when measured. Replays in [`ServiceMode::Measured`] use it; `None` is sampled.
    pub service_min: Option<f64>,
}

impl Arrival {
    /// A ticket with a measured service time.
    pub fn measured(queue: impl Into<String>, at_min: f64, service_min: f64) -> Self {
        Self {
            queue: queue.into(),
            at_min,
            service_min: Some(service_min),
        }
    }

    /// A ticket whose service time is unknown (sampled during a replay).
    pub fn unmeasured(queue: impl Into<String>, at_min: f64) -> Self {
        Self {
            queue: queue.into(),
            at_min,
            service_min: None,
        }
    }

    /// The hour of day the ticket was taken (`0..24`).
    pub fn hour(&self) -> usize {
        hour_of(self.at_min)
    }
}

/// The hour of day (`0..24`) of a minute since midnight; times past midnight count in hour 23.
pub(crate) fn hour_of(at_min: f64) -> usize {
    if at_min <= 0.0 {
        return 0;
    }
    // Truncating cast is the point: 61.5 min is in hour 1.
    ((at_min / 60.0) as usize).min(HOURS - 1)
}

/// Open windows per queue per hour of day. A queue or hour not set has no open window.
///
/// A plan counts windows, not named windows: when the count drops at an hour boundary, the
/// windows that are serving finish their customer and then close, and the first ones to fall
/// idle are the ones that close.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowPlan {
    queues: BTreeMap<String, [u32; HOURS]>,
}

impl WindowPlan {
    /// An empty plan (no window open anywhere).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the windows of `queue` in `hour` (`0..24`; larger hours are ignored).
    pub fn set(&mut self, queue: &str, hour: usize, windows: u32) {
        if hour < HOURS {
            self.row_mut(queue)[hour] = windows;
        }
    }

    /// Sets the windows of `queue` for every hour in `hours` (e.g. `9..17` for 09:00–17:00).
    pub fn set_hours(&mut self, queue: &str, hours: std::ops::Range<usize>, windows: u32) {
        let row = self.row_mut(queue);
        for h in hours.take_while(|&h| h < HOURS) {
            row[h] = windows;
        }
    }

    /// Builder form of [`WindowPlan::set_hours`].
    #[must_use]
    pub fn with_hours(mut self, queue: &str, hours: std::ops::Range<usize>, windows: u32) -> Self {
        self.set_hours(queue, hours, windows);
        self
    }

    /// Names `queue` in the plan (with no window) if it is not there yet.
    pub(crate) fn add_queue(&mut self, queue: &str) {
        self.row_mut(queue);
    }

    fn row_mut(&mut self, queue: &str) -> &mut [u32; HOURS] {
        self.queues.entry(queue.to_owned()).or_insert([0; HOURS])
    }

    /// Open windows of `queue` in `hour` (0 for an unknown queue or hour).
    pub fn windows(&self, queue: &str, hour: usize) -> u32 {
        self.queues
            .get(queue)
            .and_then(|row| row.get(hour))
            .copied()
            .unwrap_or(0)
    }

    /// The 24 hourly window counts of `queue` (all zero for an unknown queue).
    pub fn row(&self, queue: &str) -> [u32; HOURS] {
        self.queues.get(queue).copied().unwrap_or([0; HOURS])
    }

    /// The queues the plan names, in order.
    pub fn queues(&self) -> impl Iterator<Item = &str> {
        self.queues.keys().map(String::as_str)
    }

    /// Staff-hours per day of one queue: each open window for one hour is one staff-hour.
    pub fn queue_staff_hours(&self, queue: &str) -> u32 {
        self.row(queue).iter().sum()
    }

    /// Staff-hours per day of the whole plan.
    pub fn staff_hours(&self) -> u32 {
        self.queues.values().flat_map(|row| row.iter()).sum()
    }
}

/// Where a replay takes each ticket's service time from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    /// The ticket's measured time, sampling only the tickets without one. Replaying the same
    /// customers with their own service times is the most faithful what-if, because a window
    /// plan changes when people are served, not how long each takes.
    #[default]
    Measured,
    /// Always sampled from the queue's empirical distribution (a fresh day like the history).
    Sampled,
}

/// Measured service times per queue: the empirical distribution a replay samples from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServiceTimes {
    samples: BTreeMap<String, Vec<f64>>,
}

impl ServiceTimes {
    /// No samples.
    pub fn new() -> Self {
        Self::default()
    }

    /// Collects every measured service time (finite, not negative) in `days`, per queue.
    pub fn from_days(days: &[Vec<Arrival>]) -> Self {
        let mut times = Self::new();
        for a in days.iter().flatten() {
            if let Some(s) = a.service_min.filter(|s| s.is_finite() && *s >= 0.0) {
                times.samples.entry(a.queue.clone()).or_default().push(s);
            }
        }
        times
    }

    /// Adds samples for `queue` (non-finite and negative values are dropped).
    pub fn extend(&mut self, queue: &str, samples: impl IntoIterator<Item = f64>) {
        let v = self.samples.entry(queue.to_owned()).or_default();
        v.extend(samples.into_iter().filter(|s| s.is_finite() && *s >= 0.0));
    }

    /// The samples of `queue` (empty when none).
    pub fn samples(&self, queue: &str) -> &[f64] {
        self.samples.get(queue).map_or(&[], Vec::as_slice)
    }

    /// Mean service time of `queue`; `None` without samples.
    pub fn mean(&self, queue: &str) -> Option<f64> {
        let s = self.samples(queue);
        (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
    }

    /// One service time for `queue`, drawn uniformly from its samples (a bootstrap draw, so the
    /// replay keeps the measured shape — the 8–25 minute spread of a counter, not an
    /// exponential); `None` without samples.
    pub(crate) fn draw(&self, queue: &str, rng: &mut fastrand::Rng) -> Option<f64> {
        let s = self.samples(queue);
        (!s.is_empty()).then(|| s[rng.usize(0..s.len())])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_hours_count_window_hours() {
        let plan = WindowPlan::new()
            .with_hours("a", 9..12, 3)
            .with_hours("b", 9..17, 1);
        assert_eq!(plan.queue_staff_hours("a"), 9);
        assert_eq!(plan.staff_hours(), 17);
        assert_eq!(plan.windows("a", 11), 3);
        assert_eq!(plan.windows("a", 12), 0);
        assert_eq!(plan.windows("nope", 9), 0);
    }

    #[test]
    fn hours_of_the_day() {
        assert_eq!(hour_of(0.0), 0);
        assert_eq!(hour_of(59.999), 0);
        assert_eq!(hour_of(60.0), 1);
        assert_eq!(hour_of(1500.0), 23);
    }
}
