//! The proposal on a synthetic day with a morning peak.

use yichuang_staffing::{
    Arrival, ProposeOptions, ServiceMode, ServiceTimes, WindowPlan, propose, simulate,
};

use crate::common::poisson;

/// Ten days of one queue: 1.2 tickets a minute 09:00–11:00, 0.3 a minute 11:00–12:00 and
/// 14:00–17:00; service uniform 4–12 minutes (mean 8), measured per ticket.
fn peak_history() -> Vec<Vec<Arrival>> {
    let mut rng = fastrand::Rng::with_seed(2026);
    let service = |r: &mut fastrand::Rng| 4.0 + 8.0 * r.f64();
    (0..10)
        .map(|_| {
            let mut d = poisson(&mut rng, "comprehensive", 540.0, 660.0, 1.2, service);
            d.extend(poisson(
                &mut rng,
                "comprehensive",
                660.0,
                720.0,
                0.3,
                service,
            ));
            d.extend(poisson(
                &mut rng,
                "comprehensive",
                840.0,
                1020.0,
                0.3,
                service,
            ));
            d
        })
        .collect()
}

#[test]
fn peak_gets_more_windows_and_every_hour_meets_the_target() {
    let history = peak_history();
    let service = ServiceTimes::from_days(&history);
    // The hall today: 7 windows all day, 09:00–12:00 and 14:00–17:00.
    let current = WindowPlan::new()
        .with_hours("comprehensive", 9..12, 7)
        .with_hours("comprehensive", 14..17, 7);
    let options = ProposeOptions::new(10.0);
    let p = propose(&history, &current, &service, &options).unwrap();

    println!("hour  cur pro erlang  λpeak   sim p90 cur → pro   util cur → pro");
    for r in &p.rows {
        println!(
            "{:>4} {:>4} {:>3} {:>6} {:>6.3} {:>9.1} → {:<6.1} {:>6.2} → {:.2}",
            r.hour,
            r.current_windows,
            r.proposed_windows,
            format!("{:?}", r.erlang.windows.unwrap_or(0)),
            r.erlang.peak_rate_per_min,
            r.current.p90_wait_min.unwrap_or(f64::NAN),
            r.proposed.p90_wait_min.unwrap_or(f64::NAN),
            r.current.utilisation().unwrap_or(f64::NAN),
            r.proposed.utilisation().unwrap_or(f64::NAN),
        );
    }
    println!(
        "staff-hours {} → {} (saved {}), rounds {}",
        p.current_staff_hours, p.proposed_staff_hours, p.staff_hours_saved, p.rounds
    );

    let w = |h| p.proposed_plan.windows("comprehensive", h);
    // The peak needs more than the off-peak.
    assert!(
        w(9) > w(11) && w(10) > w(11),
        "{:?}",
        p.proposed_plan.row("comprehensive")
    );
    for h in 14..17 {
        assert!(w(9) > w(h) && w(10) > w(h));
    }
    // Only the service hours are staffed, and lunch stays closed.
    assert_eq!(w(8), 0);
    assert_eq!(w(12), 0);
    assert_eq!(w(13), 0);
    // The current flat plan misses the target at the peak; the proposal meets it everywhere.
    assert!(p.rows.iter().any(|r| r.current_meets_target == Some(false)));
    assert!(p.confirmed);
    for h in (9..12).chain(14..17) {
        let st = p.proposed_result.hour("comprehensive", h).unwrap();
        assert!(st.arrivals > 0);
        assert!(
            st.p90_wait_min.unwrap() <= 10.0,
            "hour {h}: {:?}",
            st.p90_wait_min
        );
        assert_eq!(st.unserved, 0);
    }
    // The figures are what a replay of the history under each plan gives.
    let replay = |plan| simulate(&history, plan, &service, ServiceMode::Measured, 0).unwrap();
    assert_eq!(replay(&p.proposed_plan), p.proposed_result);
    assert_eq!(replay(&current), p.current_result);
    // Staff-hours per day: the plans' window-hours, saved = current − proposed.
    assert_eq!(p.current_staff_hours, 42);
    assert_eq!(p.proposed_staff_hours, p.proposed_plan.staff_hours());
    assert_eq!(
        p.staff_hours_saved,
        i64::from(p.current_staff_hours) - i64::from(p.proposed_staff_hours)
    );
    // Each row carries the Erlang estimate that started it.
    let r9 = p.rows.iter().find(|r| r.hour == 9).unwrap();
    assert!((r9.erlang.mean_service_min - 8.0).abs() < 0.2);
    assert!(r9.erlang.peak_rate_per_min >= r9.erlang.mean_rate_per_min);
    assert!(r9.erlang.windows.unwrap() >= 10);
}

#[test]
fn proposal_is_bounded_by_max_windows() {
    let history = peak_history();
    let service = ServiceTimes::from_days(&history);
    let current = WindowPlan::new().with_hours("comprehensive", 9..17, 7);
    let mut options = ProposeOptions::new(10.0);
    options.max_windows = 6;
    let p = propose(&history, &current, &service, &options).unwrap();
    assert!(!p.confirmed);
    assert!(p.proposed_plan.row("comprehensive").iter().all(|&w| w <= 6));
    assert!(p.rows.iter().any(|r| r.erlang.windows.is_none()));
    assert!(
        p.rows
            .iter()
            .any(|r| r.proposed_meets_target == Some(false))
    );
}

#[test]
fn no_window_of_the_proposal_can_be_taken_back() {
    // Minimal: with any one queue-hour one window lower, some judged hour misses the target, so
    // the proposal asks for no staff-hour it does not need.
    let history = peak_history();
    let service = ServiceTimes::from_days(&history);
    let current = WindowPlan::new()
        .with_hours("comprehensive", 9..12, 7)
        .with_hours("comprehensive", 14..17, 7);
    let p = propose(&history, &current, &service, &ProposeOptions::new(10.0)).unwrap();
    assert!(p.confirmed);
    let meets = |plan: &WindowPlan| {
        let res = simulate(&history, plan, &service, ServiceMode::Measured, 0).unwrap();
        (0..24).all(|h| {
            res.hour("comprehensive", h).is_none_or(|st| {
                st.arrivals == 0
                    || plan.windows("comprehensive", h) == 0
                    || (st.unserved == 0 && st.p90_wait_min.is_some_and(|w| w <= 10.0 + 1e-9))
            })
        })
    };
    assert!(meets(&p.proposed_plan));
    let mut trimmed_any = false;
    for h in 0..24 {
        let w = p.proposed_plan.windows("comprehensive", h);
        if w <= 1 {
            continue;
        }
        let mut fewer = p.proposed_plan.clone();
        fewer.set("comprehensive", h, w - 1);
        assert!(!meets(&fewer), "hour {h} could do with {} windows", w - 1);
        trimmed_any = true;
    }
    assert!(trimmed_any);
    // Fewer than the Erlang C estimate somewhere: the replay, not the formula, has the last word.
    assert!(
        p.rows
            .iter()
            .any(|r| r.erlang.windows.is_some_and(|e| r.proposed_windows < e))
    );
}
