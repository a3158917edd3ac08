//! Erlang C against exactly derivable values and against the textbook sum formula.

use yichuang_staffing::{Mmc, erlang_c, servers_needed};

/// Erlang C from its defining sum, `C = X / (Σ_{k<c} A^k/k! + X)` with `X = A^c/c! · c/(c−A)`:
/// an independent check of the library's recursion.
fn erlang_c_direct(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // A^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    let x = term * f64::from(c) / (f64::from(c) - a);
    x / (sum + x)
}

#[test]
fn erlang_c_matches_exact_values() {
    // c = 1: C = ρ.
    assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
    // c = 2, A = 1: B = 1/5, C = 2·(1/5) / (2 − 4/5) = 1/3.
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // c = 3, A = 2: B = 4/19, C = 3·(4/19) / (3 − 2·15/19) = 4/9.
    assert!((erlang_c(3, 2.0) - 4.0 / 9.0).abs() < 1e-12);
}

#[test]
fn erlang_c_matches_the_direct_sum() {
    let direct = erlang_c_direct(10, 8.0);
    assert!((direct - 0.409_2).abs() < 1e-3, "direct {direct}");
    assert!((erlang_c(10, 8.0) - direct).abs() < 1e-12);
    for (c, a) in [(5, 4.5), (20, 17.0), (40, 30.0), (12, 0.3), (7, 6.99)] {
        let (lib, dir) = (erlang_c(c, a), erlang_c_direct(c, a));
        assert!(
            (lib - dir).abs() < 1e-10 * dir.max(1e-3),
            "c={c} A={a}: {lib} vs {dir}"
        );
    }
}

#[test]
fn mean_wait_and_p90_by_hand() {
    // λ = 0.5/min, 4 min service, 3 windows: A = 2, C = 4/9, cμ − λ = 3/4 − 1/2 = 1/4,
    // W_q = (4/9) / (1/4) = 16/9 min, p90 = ln((4/9)/0.1) / (1/4) = 4·ln(40/9) min.
    let q = Mmc {
        arrival_rate_per_min: 0.5,
        mean_service_min: 4.0,
        servers: 3,
    };
    assert!((q.utilisation() - 2.0 / 3.0).abs() < 1e-12);
    assert!((q.prob_wait() - 4.0 / 9.0).abs() < 1e-12);
    assert!((q.mean_wait_min().unwrap() - 16.0 / 9.0).abs() < 1e-12);
    let p90 = q.wait_quantile_min(0.9).unwrap();
    assert!((p90 - 4.0 * (40.0_f64 / 9.0).ln()).abs() < 1e-12, "{p90}");
    assert!((p90 - 5.966).abs() < 1e-3);
}

#[test]
fn servers_needed_is_minimal_and_monotone() {
    let p90 = |rate: f64, service: f64, servers: u32| {
        Mmc {
            arrival_rate_per_min: rate,
            mean_service_min: service,
            servers,
        }
        .wait_quantile_min(0.9)
    };
    let target = 10.0;
    let mut last = 0;
    for i in 1..=60 {
        let rate = f64::from(i) * 0.05; // 0.05 … 3 per minute
        let c = servers_needed(rate, 8.0, target, 100).unwrap();
        assert!(
            p90(rate, 8.0, c).unwrap() <= target,
            "rate {rate}: {c} misses"
        );
        // One window fewer misses the target or is unstable.
        assert!(
            p90(rate, 8.0, c - 1).is_none_or(|w| w > target),
            "rate {rate}: {c} not minimal"
        );
        assert!(c >= last, "not monotone in the rate at {rate}");
        last = c;
    }
    // A stricter target never needs fewer windows.
    let mut last = u32::MAX;
    for target in [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0] {
        let c = servers_needed(1.5, 8.0, target, 100).unwrap();
        assert!(c <= last, "not monotone in the target at {target}");
        last = c;
    }
    // Out of reach, and nothing to staff.
    assert_eq!(servers_needed(3.0, 8.0, 10.0, 20), None);
    assert_eq!(servers_needed(0.0, 8.0, 10.0, 20), Some(0));
}
