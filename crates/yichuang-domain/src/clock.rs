//! The injected clock. Nothing in 一窗通 reads the wall clock except [`SystemClock`]; tests use
//! [`FakeClock`] and move it forward instead of sleeping.

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// A source of the current instant.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in Asia/Shanghai, the date every person and the law sees.
    fn today(&self) -> NaiveDate {
        shanghai_date(self.now())
    }
}

/// The Asia/Shanghai calendar date of an instant.
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// An instant in Asia/Shanghai local time, for display.
pub fn to_shanghai(at: DateTime<Utc>) -> DateTime<chrono_tz::Tz> {
    at.with_timezone(&Shanghai)
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the wall clock"
    )]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug)]
pub struct FakeClock {
    now: Mutex<DateTime<Utc>>,
}

impl FakeClock {
    /// A fake clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(at),
        }
    }

    /// Moves the clock forward (or backward, for a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = at;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shanghai_date_is_eight_hours_ahead_of_utc() {
        let at = Utc.with_ymd_and_hms(2025, 9, 30, 16, 30, 0).unwrap();
        assert_eq!(
            shanghai_date(at),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap()
        );
    }

    #[test]
    fn fake_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap();
        let clock = FakeClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::days(2));
        assert_eq!(clock.now(), start + chrono::Duration::days(2));
    }
}
