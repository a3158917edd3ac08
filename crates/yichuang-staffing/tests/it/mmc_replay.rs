//! The replay against M/M/c theory, and its determinism.

use std::time::Instant;

use yichuang_staffing::{Arrival, Mmc, ServiceMode, ServiceTimes, WindowPlan, simulate};

use crate::common::{exponential, poisson};

/// c = 3 windows, 1 minute mean exponential service, λ = 2.4/min (ρ = 0.8), open around the
/// clock; arrivals stop at 23:00 so the day's line drains before midnight, and each day starts
/// empty (a warm-up of a few tens of minutes in a 23-hour day: about 2 % of the customers).
#[test]
fn replay_matches_erlang_c_for_m_m_3() {
    let mut rng = fastrand::Rng::with_seed(7);
    let days: Vec<Vec<Arrival>> = (0..61)
        .map(|_| poisson(&mut rng, "q", 0.0, 1380.0, 2.4, |r| exponential(r, 1.0)))
        .collect();
    let customers: usize = days.iter().map(Vec::len).sum();
    assert!(customers > 200_000, "{customers}");
    let plan = WindowPlan::new().with_hours("q", 0..24, 3);
    let started = Instant::now();
    let res = simulate(&days, &plan, &ServiceTimes::new(), ServiceMode::Measured, 0).unwrap();
    let elapsed = started.elapsed();
    let theory = Mmc {
        arrival_rate_per_min: 2.4,
        mean_service_min: 1.0,
        servers: 3,
    };
    let st = &res.queues["q"].total;
    let (sim_mean, sim_pw) = (st.mean_wait_min.unwrap(), st.prob_wait.unwrap());
    let (th_mean, th_pw) = (theory.mean_wait_min().unwrap(), theory.prob_wait());
    let (sim_p90, th_p90) = (
        st.p90_wait_min.unwrap(),
        theory.wait_quantile_min(0.9).unwrap(),
    );
    let util = st.busy_window_min / (3.0 * 1380.0 * 61.0);
    println!(
        "M/M/3 ρ=0.8, {customers} customers in {elapsed:?}: mean wait {sim_mean:.4} vs {th_mean:.4}, \
         P(wait>0) {sim_pw:.4} vs {th_pw:.4}, p90 {sim_p90:.4} vs {th_p90:.4}, busy share {util:.4}"
    );
    assert_eq!(st.unserved, 0);
    assert!(
        (sim_mean / th_mean - 1.0).abs() < 0.10,
        "mean {sim_mean} vs {th_mean}"
    );
    assert!(
        (sim_pw / th_pw - 1.0).abs() < 0.10,
        "P(wait) {sim_pw} vs {th_pw}"
    );
    assert!(
        (sim_p90 / th_p90 - 1.0).abs() < 0.10,
        "p90 {sim_p90} vs {th_p90}"
    );
    assert!((util - 0.8).abs() < 0.02, "utilisation {util}");
}

fn sampled_days() -> (Vec<Vec<Arrival>>, ServiceTimes) {
    let mut rng = fastrand::Rng::with_seed(11);
    let days: Vec<Vec<Arrival>> = (0..3)
        .map(|_| {
            let mut d = poisson(&mut rng, "a", 540.0, 1020.0, 0.5, |_| 0.0);
            d.extend(poisson(&mut rng, "b", 540.0, 1020.0, 0.2, |_| 0.0));
            d.iter_mut().for_each(|a| a.service_min = None);
            d
        })
        .collect();
    let mut service = ServiceTimes::new();
    service.extend("a", (8..=25).map(f64::from));
    service.extend("b", [5.0, 10.0, 30.0]);
    (days, service)
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let (days, service) = sampled_days();
    let plan = WindowPlan::new()
        .with_hours("a", 9..18, 9)
        .with_hours("b", 9..18, 3);
    let run = |seed| simulate(&days, &plan, &service, ServiceMode::Sampled, seed).unwrap();
    let (one, again, other) = (run(42), run(42), run(43));
    assert_eq!(one, again);
    assert_ne!(one, other);
    let differ = one
        .tickets
        .iter()
        .zip(&other.tickets)
        .filter(|(x, y)| x.service_min != y.service_min)
        .count();
    assert!(
        differ > one.tickets.len() / 2,
        "only {differ} service times differ"
    );
    assert_ne!(one.overall.mean_wait_min, other.overall.mean_wait_min);
}

#[test]
fn another_plan_sees_the_same_sampled_customers() {
    // Common random numbers: the plan changes when people are served, never their service time.
    let (days, service) = sampled_days();
    let plan = WindowPlan::new()
        .with_hours("a", 9..18, 9)
        .with_hours("b", 9..18, 3);
    let fewer = WindowPlan::new()
        .with_hours("a", 9..18, 8)
        .with_hours("b", 9..12, 2);
    let x = simulate(&days, &plan, &service, ServiceMode::Sampled, 5).unwrap();
    let y = simulate(&days, &fewer, &service, ServiceMode::Sampled, 5).unwrap();
    assert!(
        x.tickets
            .iter()
            .zip(&y.tickets)
            .all(|(a, b)| a.service_min == b.service_min)
    );
    assert_ne!(x.overall.mean_wait_min, y.overall.mean_wait_min);
}
