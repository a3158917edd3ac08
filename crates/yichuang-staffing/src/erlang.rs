//! Erlang C: the closed-form M/M/c queue, used as the fast estimate of how many windows an hour
//! needs.
//!
//! Rules: loads are in Erlangs (arrival rate × mean service time); a queue whose load reaches its
//! number of servers is unstable (the wait grows without bound), which every function here
//! reports as "everyone waits" (`1.0`) or `None`, never as a finite number.

use serde::{Deserialize, Serialize};

/// Erlang B: the blocking probability of `servers` servers offered `offered_load_erlangs`.
///
/// Computed by the recursion `B(0) = 1`, `B(k) = A·B(k-1) / (k + A·B(k-1))`, which never forms
/// `A^c` or `c!` and so stays accurate for hundreds of servers, where the textbook sum overflows.
pub fn erlang_b(servers: u32, offered_load_erlangs: f64) -> f64 {
    let a = offered_load_erlangs;
    if a.is_nan() {
        return f64::NAN;
    }
    if a <= 0.0 {
        // No traffic: nobody is ever blocked (with zero servers the question is moot).
        return if servers == 0 { 1.0 } else { 0.0 };
    }
    let mut b = 1.0;
    for k in 1..=servers {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
    }
    b
}

/// Erlang C: the probability that an arrival has to wait, for `servers` servers offered
/// `offered_load_erlangs` Erlangs.
///
/// Returns `1.0` when the load is at or above the number of servers (an unstable queue: every
/// arrival eventually waits), `0.0` for no load, and NaN for a NaN load. Derived from Erlang B
/// as `C = c·B / (c − A·(1 − B))`, which is exact and inherits B's numerical stability.
pub fn erlang_c(servers: u32, offered_load_erlangs: f64) -> f64 {
    let a = offered_load_erlangs;
    if a.is_nan() {
        return f64::NAN;
    }
    if a <= 0.0 {
        return if servers == 0 { 1.0 } else { 0.0 };
    }
    let c = f64::from(servers);
    if a >= c {
        return 1.0;
    }
    let b = erlang_b(servers, a);
    c * b / (c - a * (1.0 - b))
}

/// An M/M/c queue: Poisson arrivals, exponential service, `servers` identical windows, FIFO.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mmc {
    /// Arrivals per minute (λ).
    pub arrival_rate_per_min: f64,
    /// Mean service time in minutes (1/μ).
    pub mean_service_min: f64,
    /// Open windows (c).
    pub servers: u32,
}

impl Mmc {
    /// Offered load in Erlangs, `A = λ / μ`.
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate_per_min * self.mean_service_min
    }

    /// Utilisation `ρ = A / c`, the share of window time spent serving. Infinite with no windows
    /// and some load; `ρ ≥ 1` means the queue is unstable.
    pub fn utilisation(&self) -> f64 {
        let a = self.offered_load();
        if self.servers == 0 {
            return if a > 0.0 { f64::INFINITY } else { 0.0 };
        }
        a / f64::from(self.servers)
    }

    /// Whether the queue reaches a steady state (`ρ < 1`).
    pub fn is_stable(&self) -> bool {
        self.utilisation() < 1.0
    }

    /// Probability that an arrival waits at all (Erlang C).
    pub fn prob_wait(&self) -> f64 {
        erlang_c(self.servers, self.offered_load())
    }

    /// The rate `cμ − λ` at which the tail `P(W > t) = C·e^{−(cμ−λ)t}` decays; `None` when
    /// unstable, infinite for instant service (nobody waits).
    fn decay_rate(&self) -> Option<f64> {
        if !self.is_stable() {
            return None;
        }
        if self.mean_service_min <= 0.0 {
            return Some(f64::INFINITY);
        }
        Some(f64::from(self.servers) / self.mean_service_min - self.arrival_rate_per_min)
    }

    /// Mean wait in the queue, `W_q = C / (cμ − λ)` minutes; `None` when unstable.
    pub fn mean_wait_min(&self) -> Option<f64> {
        if self.arrival_rate_per_min <= 0.0 {
            return Some(0.0);
        }
        self.decay_rate().map(|r| self.prob_wait() / r)
    }

    /// The `q`-quantile of the wait in minutes, `max(0, ln(C / (1 − q)) / (cμ − λ))`: the wait
    /// that a share `q` of arrivals does not exceed. `None` when unstable or `q ∉ [0, 1)`.
    pub fn wait_quantile_min(&self, q: f64) -> Option<f64> {
        if !(0.0..1.0).contains(&q) {
            return None;
        }
        if self.arrival_rate_per_min <= 0.0 {
            return Some(0.0);
        }
        let rate = self.decay_rate()?;
        let c = self.prob_wait();
        // At most a share 1 − q waits longer than t: if even the share that waits at all is
        // below that, the quantile is zero.
        if c <= 1.0 - q {
            return Some(0.0);
        }
        Some((c / (1.0 - q)).ln() / rate)
    }
}

/// The smallest number of windows, at most `max_servers`, that keeps the M/M/c p90 wait at or
/// under `target_p90_wait_min` (and the queue stable). `Some(0)` when there are no arrivals;
/// `None` when even `max_servers` windows do not meet the target.
///
/// The p90 wait falls as windows are added, so the first count that meets the target is the
/// minimum; the search starts at the first stable count, `⌊A⌋ + 1`.
pub fn servers_needed(
    arrival_rate_per_min: f64,
    mean_service_min: f64,
    target_p90_wait_min: f64,
    max_servers: u32,
) -> Option<u32> {
    if arrival_rate_per_min <= 0.0 {
        return Some(0);
    }
    let load = arrival_rate_per_min * mean_service_min;
    if !load.is_finite() || !target_p90_wait_min.is_finite() {
        return None;
    }
    // Saturating float-to-int cast: a load above u32::MAX is beyond any max_servers anyway.
    let first_stable = (load.floor() as u32).saturating_add(1);
    (first_stable..=max_servers).find(|&servers| {
        let q = Mmc {
            arrival_rate_per_min,
            mean_service_min,
            servers,
        };
        q.wait_quantile_min(0.9)
            .is_some_and(|p90| p90 <= target_p90_wait_min)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_of_one_server_is_a_over_one_plus_a() {
        assert!((erlang_b(1, 2.0) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn overloaded_and_idle_edges() {
        assert_eq!(erlang_c(2, 2.0), 1.0);
        assert_eq!(erlang_c(2, 5.0), 1.0);
        assert_eq!(erlang_c(0, 1.0), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        assert!(erlang_c(3, f64::NAN).is_nan());
        let q = Mmc {
            arrival_rate_per_min: 2.0,
            mean_service_min: 1.0,
            servers: 2,
        };
        assert_eq!(q.mean_wait_min(), None);
        assert_eq!(q.wait_quantile_min(0.9), None);
    }

    #[test]
    fn instant_service_never_waits() {
        let q = Mmc {
            arrival_rate_per_min: 3.0,
            mean_service_min: 0.0,
            servers: 1,
        };
        assert_eq!(q.mean_wait_min(), Some(0.0));
        assert_eq!(q.wait_quantile_min(0.9), Some(0.0));
        assert_eq!(servers_needed(3.0, 0.0, 0.0, 5), Some(1));
    }

    #[test]
    fn quantile_is_zero_when_few_wait() {
        // c = 10, A = 2: C is tiny, so 90 % of arrivals do not wait at all.
        let q = Mmc {
            arrival_rate_per_min: 2.0,
            mean_service_min: 1.0,
            servers: 10,
        };
        assert!(q.prob_wait() < 0.1);
        assert_eq!(q.wait_quantile_min(0.9), Some(0.0));
    }

    #[test]
    fn large_centres_stay_finite() {
        // 300 servers at 95 %: the direct formula would overflow A^c / c!.
        let c = erlang_c(300, 285.0);
        assert!(c.is_finite() && c > 0.0 && c < 1.0, "{c}");
    }
}
