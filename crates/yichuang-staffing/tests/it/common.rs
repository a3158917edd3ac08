//! Synthetic arrivals shared by the tests.

use yichuang_staffing::Arrival;

/// An exponential draw with the given mean (inverse transform; `1 − u` avoids `ln 0`).
pub(crate) fn exponential(rng: &mut fastrand::Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.f64()).ln()
}

/// Poisson arrivals to `queue` over `[from, to)` minutes at `rate` per minute, each with a
/// measured service time from `service`.
pub(crate) fn poisson(
    rng: &mut fastrand::Rng,
    queue: &str,
    from: f64,
    to: f64,
    rate: f64,
    mut service: impl FnMut(&mut fastrand::Rng) -> f64,
) -> Vec<Arrival> {
    let mut out = Vec::new();
    let mut t = from + exponential(rng, 1.0 / rate);
    while t < to {
        let s = service(rng);
        out.push(Arrival::measured(queue, t, s));
        t += exponential(rng, 1.0 / rate);
    }
    out
}
