//! The State Council holiday schedules (国务院办公厅关于部分节假日安排的通知) that ship with
//! 一窗通. Source: 国办发明电〔2024〕12号 for 2025 and the notice of 2025-11-04 for 2026, as
//! transcribed in `shared/research/domain.md` §7. Later years are entered by administrators when
//! the notice is published (usually in November); they are data, never computed from lunar rules.

use chrono::NaiveDate;

use crate::calendar::DayKind;

/// One official entry: a holiday block or a make-up working day (调休上班).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficialDay {
    /// First day of the block (inclusive).
    pub from: (i32, u32, u32),
    /// Last day of the block (inclusive).
    pub to: (i32, u32, u32),
    /// Holiday or make-up working day.
    pub kind: DayKind,
    /// The holiday's name, shown on the calendar.
    pub note: &'static str,
}

const fn holiday(from: (i32, u32, u32), to: (i32, u32, u32), note: &'static str) -> OfficialDay {
    OfficialDay {
        from,
        to,
        kind: DayKind::Holiday,
        note,
    }
}

const fn workday(day: (i32, u32, u32), note: &'static str) -> OfficialDay {
    OfficialDay {
        from: day,
        to: day,
        kind: DayKind::Workday,
        note,
    }
}

/// Years whose official schedule ships with the product.
pub const OFFICIAL_YEARS: &[i32] = &[2025, 2026];

/// Every official holiday block and make-up day of [`OFFICIAL_YEARS`].
pub const OFFICIAL_DAYS: &[OfficialDay] = &[
    // 2025
    holiday((2025, 1, 1), (2025, 1, 1), "元旦"),
    holiday((2025, 1, 28), (2025, 2, 4), "春节"),
    workday((2025, 1, 26), "春节调休上班"),
    workday((2025, 2, 8), "春节调休上班"),
    holiday((2025, 4, 4), (2025, 4, 6), "清明节"),
    holiday((2025, 5, 1), (2025, 5, 5), "劳动节"),
    workday((2025, 4, 27), "劳动节调休上班"),
    holiday((2025, 5, 31), (2025, 6, 2), "端午节"),
    holiday((2025, 10, 1), (2025, 10, 8), "国庆节、中秋节"),
    workday((2025, 9, 28), "国庆节调休上班"),
    workday((2025, 10, 11), "国庆节调休上班"),
    // 2026
    holiday((2026, 1, 1), (2026, 1, 3), "元旦"),
    workday((2026, 1, 4), "元旦调休上班"),
    holiday((2026, 2, 15), (2026, 2, 23), "春节"),
    workday((2026, 2, 14), "春节调休上班"),
    workday((2026, 2, 28), "春节调休上班"),
    holiday((2026, 4, 4), (2026, 4, 6), "清明节"),
    holiday((2026, 5, 1), (2026, 5, 5), "劳动节"),
    workday((2026, 5, 9), "劳动节调休上班"),
    holiday((2026, 6, 19), (2026, 6, 21), "端午节"),
    holiday((2026, 9, 25), (2026, 9, 27), "中秋节"),
    holiday((2026, 10, 1), (2026, 10, 7), "国庆节"),
    workday((2026, 9, 20), "国庆节调休上班"),
    workday((2026, 10, 10), "国庆节调休上班"),
];

/// The official schedule expanded to one entry per day: `(date, kind, note)`.
pub fn official_days() -> Vec<(NaiveDate, DayKind, &'static str)> {
    let mut out = Vec::new();
    for entry in OFFICIAL_DAYS {
        let (Some(from), Some(to)) = (ymd(entry.from), ymd(entry.to)) else {
            continue;
        };
        let mut day = from;
        while day <= to {
            out.push((day, entry.kind, entry.note));
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
    }
    out
}

fn ymd((y, m, d): (i32, u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}
