//! The working-day calendar of a center and the deadline arithmetic built on it.
//!
//! Rules (行政许可法 Art. 82, 民法典 Art. 201): periods count working days; the start day is not
//! counted, so "N working days from D" ends at the end of the Nth working day after D. A day is a
//! working day when an override says so (调休上班), or when it is Monday–Friday and no override
//! makes it a holiday. Years without a loaded official schedule fall back to Monday–Friday and
//! every result that touches them is marked provisional, because a deadline computed without
//! the year's holidays may be wrong.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::holidays;

/// How a calendar override classifies a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A day off even if it is a weekday (法定节假日).
    Holiday,
    /// A working day even if it is a weekend (调休上班).
    Workday,
}

impl DayKind {
    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Workday => "workday",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "holiday" => Some(Self::Holiday),
            "workday" => Some(Self::Workday),
            _ => None,
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Holiday => "休息日",
            Self::Workday => "工作日",
        }
    }
}

/// One override of the default Monday–Friday rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarOverride {
    /// The day.
    pub day: NaiveDate,
    /// Holiday or working day.
    pub kind: DayKind,
    /// A note such as "春节".
    pub note: String,
}

/// A date produced by calendar arithmetic, with the provisional flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WorkDate {
    /// The resulting date.
    pub date: NaiveDate,
    /// True when a year without a loaded schedule was touched.
    pub provisional: bool,
}

/// Upper bound on the working days one computation may add; longer periods are input errors.
pub const MAX_WORKING_DAYS: i64 = 3650;

/// A center's working-day calendar.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    overrides: BTreeMap<NaiveDate, (DayKind, String)>,
    loaded_years: BTreeSet<i32>,
}

impl Calendar {
    /// A calendar with no overrides and no loaded year: pure Monday–Friday, all provisional.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The calendar with the official schedules that ship with the product.
    pub fn official() -> Self {
        let mut cal = Self::empty();
        for (day, kind, note) in holidays::official_days() {
            cal.set(day, Some((kind, note.to_owned())));
        }
        for year in holidays::OFFICIAL_YEARS {
            cal.loaded_years.insert(*year);
        }
        cal
    }

    /// Builds a calendar from stored overrides and the set of loaded years.
    pub fn from_parts(
        overrides: impl IntoIterator<Item = CalendarOverride>,
        loaded_years: impl IntoIterator<Item = i32>,
    ) -> Self {
        Self {
            overrides: overrides
                .into_iter()
                .map(|o| (o.day, (o.kind, o.note)))
                .collect(),
            loaded_years: loaded_years.into_iter().collect(),
        }
    }

    /// Sets (`Some`) or clears (`None`) the override of one day.
    pub fn set(&mut self, day: NaiveDate, value: Option<(DayKind, String)>) {
        match value {
            Some(v) => {
                self.overrides.insert(day, v);
            }
            None => {
                self.overrides.remove(&day);
            }
        }
    }

    /// Marks a year's schedule as loaded (no longer provisional).
    pub fn mark_year_loaded(&mut self, year: i32) {
        self.loaded_years.insert(year);
    }

    /// The override of a day, if any.
    pub fn override_of(&self, day: NaiveDate) -> Option<(DayKind, &str)> {
        self.overrides.get(&day).map(|(k, n)| (*k, n.as_str()))
    }

    /// All overrides, in date order.
    pub fn overrides(&self) -> impl Iterator<Item = CalendarOverride> + '_ {
        self.overrides
            .iter()
            .map(|(day, (kind, note))| CalendarOverride {
                day: *day,
                kind: *kind,
                note: note.clone(),
            })
    }

    /// Years whose schedule is loaded.
    pub fn loaded_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.loaded_years.iter().copied()
    }

    /// Whether `year` has a loaded schedule.
    pub fn is_year_loaded(&self, year: i32) -> bool {
        self.loaded_years.contains(&year)
    }

    /// The next year whose State Council schedule should be entered now: from 1 November (the
    /// schedule is usually published in November or December) until that year is confirmed.
    /// `None` before November, or once the next year is loaded.
    pub fn next_year_due(&self, today: NaiveDate) -> Option<i32> {
        use chrono::Datelike;
        let next = today.year() + 1;
        (today.month() >= 11 && !self.is_year_loaded(next)).then_some(next)
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.overrides.get(&day) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The date `days` working days after `from` (the start day is not counted). `days == 0`
    /// returns `from`. Returns `None` when `days` is negative, above [`MAX_WORKING_DAYS`], or the
    /// result leaves chrono's date range.
    pub fn add_working_days(&self, from: NaiveDate, days: i64) -> Option<WorkDate> {
        if !(0..=MAX_WORKING_DAYS).contains(&days) {
            return None;
        }
        let mut provisional = !self.is_year_loaded(from.year());
        let mut day = from;
        let mut left = days;
        while left > 0 {
            day = day.succ_opt()?;
            provisional |= !self.is_year_loaded(day.year());
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        Some(WorkDate {
            date: day,
            provisional,
        })
    }

    /// Working days in the half-open interval `(from, to]`: how many working days have elapsed
    /// at the end of `to` counting from `from`. Negative when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> (i64, bool) {
        if to < from {
            let (n, p) = self.working_days_between(to, from);
            return (-n, p);
        }
        // Counted without walking the days (a case list computes this for every case): the
        // Monday–Friday days of the interval, corrected by the overrides that fall in it.
        let provisional = (from.year()..=to.year()).any(|y| !self.is_year_loaded(y));
        let mut count = weekdays_after(from, to);
        let first = from.succ_opt().unwrap_or(from);
        if first <= to {
            for (day, (kind, _)) in self.overrides.range(first..=to) {
                let weekday = !matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
                match (weekday, kind) {
                    (true, DayKind::Holiday) => count -= 1,
                    (false, DayKind::Workday) => count += 1,
                    _ => {}
                }
            }
        }
        (count, provisional)
    }

    /// Working days elapsed between two instants, counted on their Asia/Shanghai dates: the
    /// working days after the date of `from` up to and including the date of `to`.
    pub fn working_days_between_instants(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> (i64, bool) {
        self.working_days_between(
            crate::clock::shanghai_date(from),
            crate::clock::shanghai_date(to),
        )
    }

    /// Non-working days strictly after `from` up to and including `to` that fall on Monday–Friday
    /// (holidays) or working weekend days (make-up days): the explanation of a deadline.
    pub fn notable_days(&self, from: NaiveDate, to: NaiveDate) -> Vec<CalendarOverride> {
        self.overrides
            .range(from.succ_opt().unwrap_or(from)..=to)
            .map(|(day, (kind, note))| CalendarOverride {
                day: *day,
                kind: *kind,
                note: note.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

/// Monday–Friday days in `(from, to]` (`from <= to`): five per whole week, then the rest
/// counted one by one (at most six).
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> i64 {
    let days = (to - from).num_days();
    let mut count = days / 7 * 5;
    let mut day = from + chrono::Duration::days(days / 7 * 7);
    while day < to {
        let Some(next) = day.succ_opt() else { break };
        day = next;
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            count += 1;
        }
    }
    count
}
