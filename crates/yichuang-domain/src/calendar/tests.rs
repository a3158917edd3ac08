use chrono::{Datelike, NaiveDate, Weekday};
use proptest::prelude::*;

use super::*;
use crate::holidays::{OFFICIAL_DAYS, OFFICIAL_YEARS};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn every_official_holiday_day_is_off_and_every_makeup_day_is_on() {
    let cal = Calendar::official();
    let mut holidays = 0;
    let mut makeups = 0;
    for entry in OFFICIAL_DAYS {
        let from = d(entry.from.0, entry.from.1, entry.from.2);
        let to = d(entry.to.0, entry.to.1, entry.to.2);
        let mut day = from;
        while day <= to {
            match entry.kind {
                DayKind::Holiday => {
                    assert!(
                        !cal.is_working_day(day),
                        "{day} ({}) must be a holiday",
                        entry.note
                    );
                    holidays += 1;
                }
                DayKind::Workday => {
                    assert!(
                        cal.is_working_day(day),
                        "{day} ({}) must be a working day",
                        entry.note
                    );
                    assert!(matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
                    makeups += 1;
                }
            }
            day = day.succ_opt().unwrap();
        }
    }
    // domain.md §7: 28 + 33 holiday-block days, 5 + 6 make-up days.
    assert_eq!(holidays, 28 + 33);
    assert_eq!(makeups, 5 + 6);
}

#[test]
fn each_official_year_has_248_working_days() {
    let cal = Calendar::official();
    for year in OFFICIAL_YEARS {
        let (n, provisional) = cal.working_days_between(d(year - 1, 12, 31), d(*year, 12, 31));
        assert_eq!(n, 248, "{year}");
        // The start day (Dec 31 of the previous year) lies in an unloaded year for 2025.
        assert_eq!(provisional, *year == 2025);
    }
}

#[test]
fn holiday_blocks_are_skipped_at_their_edges() {
    let cal = Calendar::official();
    // 2025 春节: Jan 28 – Feb 4 off, Jan 26 (Sun) and Feb 8 (Sat) on.
    assert_eq!(
        cal.add_working_days(d(2025, 1, 24), 1).unwrap().date,
        d(2025, 1, 26)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 1, 27), 1).unwrap().date,
        d(2025, 2, 5)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 2, 7), 1).unwrap().date,
        d(2025, 2, 8)
    );
    // 2025 元旦, 清明, 劳动节 (Apr 27 Sunday on), 端午.
    assert_eq!(
        cal.add_working_days(d(2024, 12, 31), 1).unwrap().date,
        d(2025, 1, 2)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 4, 3), 1).unwrap().date,
        d(2025, 4, 7)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 4, 25), 1).unwrap().date,
        d(2025, 4, 27)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 4, 30), 1).unwrap().date,
        d(2025, 5, 6)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 5, 30), 1).unwrap().date,
        d(2025, 6, 3)
    );
    // 2025 国庆+中秋: Sep 28 (Sun) on, Oct 1–8 off, Oct 11 (Sat) on.
    assert_eq!(
        cal.add_working_days(d(2025, 9, 26), 1).unwrap().date,
        d(2025, 9, 28)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 9, 30), 1).unwrap().date,
        d(2025, 10, 9)
    );
    assert_eq!(
        cal.add_working_days(d(2025, 10, 10), 1).unwrap().date,
        d(2025, 10, 11)
    );
    // 2026 元旦 (Jan 4 Sun on), 春节 (Feb 14 Sat and Feb 28 Sat on), 清明, 劳动节 (May 9 Sat on).
    assert_eq!(
        cal.add_working_days(d(2025, 12, 31), 1).unwrap().date,
        d(2026, 1, 4)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 2, 13), 1).unwrap().date,
        d(2026, 2, 14)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 2, 14), 1).unwrap().date,
        d(2026, 2, 24)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 2, 27), 1).unwrap().date,
        d(2026, 2, 28)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 4, 3), 1).unwrap().date,
        d(2026, 4, 7)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 4, 30), 1).unwrap().date,
        d(2026, 5, 6)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 5, 8), 1).unwrap().date,
        d(2026, 5, 9)
    );
    // 2026 端午, 中秋, 国庆 (Sep 20 Sun and Oct 10 Sat on).
    assert_eq!(
        cal.add_working_days(d(2026, 6, 18), 1).unwrap().date,
        d(2026, 6, 22)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 9, 18), 1).unwrap().date,
        d(2026, 9, 20)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 9, 24), 1).unwrap().date,
        d(2026, 9, 28)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 9, 30), 1).unwrap().date,
        d(2026, 10, 8)
    );
    assert_eq!(
        cal.add_working_days(d(2026, 10, 9), 1).unwrap().date,
        d(2026, 10, 10)
    );
}

#[test]
fn worked_examples_of_the_domain_brief() {
    let cal = Calendar::official();
    // Accepted Fri 2025-09-26 → 20 working days ends Thu 2025-10-30.
    let due = cal.add_working_days(d(2025, 9, 26), 20).unwrap();
    assert_eq!(
        due,
        WorkDate {
            date: d(2025, 10, 30),
            provisional: false
        }
    );
    // Correction-notice deadline for materials received Tue 2025-09-30 → Tue 2025-10-14.
    assert_eq!(
        cal.add_working_days(d(2025, 9, 30), 5).unwrap().date,
        d(2025, 10, 14)
    );
    // Accepted Tue 2026-02-10 → 20 working days ends Mon 2026-03-16.
    assert_eq!(
        cal.add_working_days(d(2026, 2, 10), 20).unwrap().date,
        d(2026, 3, 16)
    );
}

#[test]
fn instants_are_counted_on_shanghai_dates() {
    use chrono::TimeZone;
    let cal = Calendar::official();
    // 2025-09-30 17:00 UTC is already Wednesday 2025-10-01 in Shanghai (a holiday).
    let from = chrono::Utc.with_ymd_and_hms(2025, 9, 29, 2, 0, 0).unwrap();
    let to = chrono::Utc.with_ymd_and_hms(2025, 9, 30, 17, 0, 0).unwrap();
    assert_eq!(cal.working_days_between_instants(from, to), (1, false));
    let to = chrono::Utc.with_ymd_and_hms(2025, 10, 9, 1, 0, 0).unwrap();
    assert_eq!(cal.working_days_between_instants(from, to).0, 2);
}

#[test]
fn unloaded_years_fall_back_to_weekdays_and_are_provisional() {
    let cal = Calendar::official();
    // 2027-01-01 is a Friday; without a loaded 2027 it counts as a working day.
    let r = cal.add_working_days(d(2026, 12, 31), 1).unwrap();
    assert_eq!(
        r,
        WorkDate {
            date: d(2027, 1, 1),
            provisional: true
        }
    );
    // Entirely inside 2026: not provisional.
    assert!(!cal.add_working_days(d(2026, 12, 1), 5).unwrap().provisional);
    // Once 2027 is marked loaded the flag goes away.
    let mut cal = cal;
    cal.mark_year_loaded(2027);
    assert!(
        !cal.add_working_days(d(2026, 12, 31), 1)
            .unwrap()
            .provisional
    );
}

#[test]
fn an_administrator_override_changes_the_result() {
    let mut cal = Calendar::official();
    assert_eq!(
        cal.add_working_days(d(2026, 12, 1), 1).unwrap().date,
        d(2026, 12, 2)
    );
    cal.set(d(2026, 12, 2), Some((DayKind::Holiday, "地方节日".into())));
    assert_eq!(
        cal.add_working_days(d(2026, 12, 1), 1).unwrap().date,
        d(2026, 12, 3)
    );
    cal.set(d(2026, 12, 2), None);
    assert_eq!(
        cal.add_working_days(d(2026, 12, 1), 1).unwrap().date,
        d(2026, 12, 2)
    );
}

#[test]
fn out_of_range_inputs_are_refused() {
    let cal = Calendar::official();
    assert!(cal.add_working_days(d(2026, 1, 1), -1).is_none());
    assert!(
        cal.add_working_days(d(2026, 1, 1), MAX_WORKING_DAYS + 1)
            .is_none()
    );
    assert_eq!(
        cal.add_working_days(d(2026, 1, 1), 0).unwrap().date,
        d(2026, 1, 1)
    );
}

fn any_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..(365 * 3)).prop_map(|n| d(2024, 12, 1) + chrono::Duration::days(n))
}

proptest! {
    #[test]
    fn adding_lands_on_a_working_day_and_between_inverts_it(from in any_date(), n in 1i64..60) {
        let cal = Calendar::official();
        let r = cal.add_working_days(from, n).unwrap();
        prop_assert!(cal.is_working_day(r.date));
        prop_assert!(r.date > from);
        prop_assert_eq!(cal.working_days_between(from, r.date).0, n);
        // The day before the result still has one working day to go.
        let before = r.date.pred_opt().unwrap();
        prop_assert_eq!(cal.working_days_between(from, before).0, n - 1);
    }

    #[test]
    fn adding_is_additive(from in any_date(), a in 0i64..40, b in 0i64..40) {
        let cal = Calendar::official();
        let ab = cal.add_working_days(from, a + b).unwrap().date;
        let mid = cal.add_working_days(from, a).unwrap().date;
        prop_assert_eq!(cal.add_working_days(mid, b).unwrap().date, ab);
    }

    #[test]
    fn between_counts_what_walking_the_days_counts(a in any_date(), len in 0i64..800) {
        let cal = Calendar::official();
        let b = a + chrono::Duration::days(len);
        let mut walked = 0;
        let mut day = a;
        while day < b {
            day = day.succ_opt().unwrap();
            walked += i64::from(cal.is_working_day(day));
        }
        let years_loaded = (a.year()..=b.year()).all(|y| cal.is_year_loaded(y));
        prop_assert_eq!(cal.working_days_between(a, b), (walked, !years_loaded));
    }

    #[test]
    fn between_is_antisymmetric(a in any_date(), b in any_date()) {
        let cal = Calendar::official();
        prop_assert_eq!(cal.working_days_between(a, b).0, -cal.working_days_between(b, a).0);
    }
}
