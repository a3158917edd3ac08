//! Hand-worked replays: exact waits with measured service times, and windows that open and close
//! on the hour.

use yichuang_staffing::{
    Arrival, ServiceMode, ServiceTimes, SimResult, StaffingError, WindowPlan, simulate,
};

fn run(arrivals: Vec<Arrival>, plan: &WindowPlan) -> SimResult {
    simulate(
        &[arrivals],
        plan,
        &ServiceTimes::new(),
        ServiceMode::Measured,
        0,
    )
    .unwrap()
}

fn waits(res: &SimResult) -> Vec<Option<f64>> {
    res.tickets.iter().map(|t| t.wait_min()).collect()
}

#[test]
fn one_window_measured_service_gives_exact_waits() {
    // 09:00, 09:01, 09:02, 5 minutes each at one window: served at 09:00, 09:05, 09:10.
    let plan = WindowPlan::new().with_hours("q", 9..10, 1);
    let res = run(
        vec![
            Arrival::measured("q", 540.0, 5.0),
            Arrival::measured("q", 541.0, 5.0),
            Arrival::measured("q", 542.0, 5.0),
        ],
        &plan,
    );
    assert_eq!(waits(&res), [Some(0.0), Some(4.0), Some(8.0)]);
    let h9 = res.hour("q", 9).unwrap();
    assert_eq!((h9.arrivals, h9.served, h9.unserved), (3, 3, 0));
    assert_eq!(h9.mean_wait_min, Some(4.0));
    assert_eq!(h9.p90_wait_min, Some(8.0));
    assert_eq!(h9.prob_wait, Some(2.0 / 3.0));
    // 15 busy minutes of 60 open.
    assert_eq!(h9.utilisation(), Some(0.25));
}

#[test]
fn input_order_is_kept_and_fifo_holds_across_windows() {
    // Given out of time order, two windows: the 09:00 and 09:01 customers start on arrival, the
    // 09:02 one waits for the window that frees at 09:03.
    let plan = WindowPlan::new().with_hours("q", 9..10, 2);
    let res = run(
        vec![
            Arrival::measured("q", 541.0, 9.0),
            Arrival::measured("q", 540.0, 3.0),
            Arrival::measured("q", 542.0, 1.0),
        ],
        &plan,
    );
    assert_eq!(waits(&res), [Some(0.0), Some(0.0), Some(1.0)]);
}

#[test]
fn nobody_is_served_in_an_hour_without_windows() {
    // 1 window at 09:00–10:00 and from 11:00; a ticket taken at 10:10 waits until 11:00.
    let plan = WindowPlan::new()
        .with_hours("q", 9..10, 1)
        .with_hours("q", 11..12, 1);
    let res = run(vec![Arrival::measured("q", 610.0, 5.0)], &plan);
    assert_eq!(res.tickets[0].start_min, Some(660.0));
    assert_eq!(waits(&res), [Some(50.0)]);
    assert_eq!(res.hour("q", 10).unwrap().p90_wait_min, Some(50.0));
    assert_eq!(res.hour("q", 10).unwrap().open_window_min, 0.0);
}

#[test]
fn a_closing_window_finishes_its_customer_first() {
    // The window closes at 10:00 while serving the 09:58 customer (10 minutes): it finishes at
    // 10:08 (2 busy minutes in hour 9, 8 overtime in hour 10), and the 09:59 customer waits for
    // the window that opens at 11:00.
    let plan = WindowPlan::new()
        .with_hours("q", 9..10, 1)
        .with_hours("q", 11..12, 1);
    let res = run(
        vec![
            Arrival::measured("q", 598.0, 10.0),
            Arrival::measured("q", 599.0, 4.0),
        ],
        &plan,
    );
    assert_eq!(waits(&res), [Some(0.0), Some(61.0)]);
    let (h9, h10, h11) = (
        res.hour("q", 9).unwrap(),
        res.hour("q", 10).unwrap(),
        res.hour("q", 11).unwrap(),
    );
    assert!((h9.busy_window_min - 2.0).abs() < 1e-9);
    assert!((h10.overtime_window_min - 8.0).abs() < 1e-9);
    assert_eq!(h10.busy_window_min, 0.0);
    assert!((h11.busy_window_min - 4.0).abs() < 1e-9);
    assert_eq!(res.queues["q"].total.overtime_window_min, 8.0);
}

#[test]
fn when_windows_drop_the_first_to_free_closes() {
    // 2 windows until 10:00, then 1. At 10:10 the first window frees and closes (the plan has
    // one, still busy); the 09:52 customer is served when the second frees, at 10:21.
    let plan = WindowPlan::new()
        .with_hours("q", 9..10, 2)
        .with_hours("q", 10..11, 1);
    let res = run(
        vec![
            Arrival::measured("q", 590.0, 20.0),
            Arrival::measured("q", 591.0, 30.0),
            Arrival::measured("q", 592.0, 5.0),
        ],
        &plan,
    );
    assert_eq!(waits(&res), [Some(0.0), Some(0.0), Some(29.0)]);
    // In hour 10: 10 minutes of two serving with one planned (10 busy + 10 overtime), then 11
    // minutes of one, then the 5-minute service.
    let h10 = res.hour("q", 10).unwrap();
    assert!(
        (h10.busy_window_min - 26.0).abs() < 1e-9,
        "{}",
        h10.busy_window_min
    );
    assert!((h10.overtime_window_min - 10.0).abs() < 1e-9);
}

#[test]
fn whoever_waits_when_the_hall_closes_is_unserved() {
    let plan = WindowPlan::new().with_hours("q", 9..17, 1);
    let res = run(
        vec![
            Arrival::measured("q", 1015.0, 10.0),
            Arrival::measured("q", 1016.0, 10.0),
            Arrival::measured("other", 600.0, 10.0),
        ],
        &plan,
    );
    assert_eq!(waits(&res), [Some(0.0), None, None]);
    assert_eq!(res.queues["q"].total.unserved, 1);
    // A queue the plan does not know has no window at all.
    assert_eq!(res.queues["other"].total.unserved, 1);
    assert_eq!(res.overall.unserved, 2);
}

#[test]
fn bad_input_is_refused() {
    let plan = WindowPlan::new().with_hours("q", 9..17, 1);
    let err = |a: Arrival| {
        simulate(
            &[vec![a]],
            &plan,
            &ServiceTimes::new(),
            ServiceMode::Measured,
            0,
        )
        .unwrap_err()
    };
    assert!(matches!(
        err(Arrival::measured("q", 1500.0, 1.0)),
        StaffingError::InvalidArrival {
            day: 0,
            index: 0,
            ..
        }
    ));
    assert!(matches!(
        err(Arrival::measured("q", 600.0, -1.0)),
        StaffingError::InvalidArrival { .. }
    ));
    assert_eq!(
        err(Arrival::unmeasured("q", 600.0)),
        StaffingError::NoServiceTimes {
            queue: "q".to_owned()
        }
    );
}
