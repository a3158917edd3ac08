//! Investment projects (投资项目) and the four stages of the 工程建设项目审批 reform: the project
//! code of the national online approval platform, the stages, and the stage clock.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

/// Parses a project code of the national investment-project online approval platform
/// (全国投资项目在线审批监管平台): `YYYY-AAAAAA-II-TT-NNNNNN` — year of registration, 6-digit
/// administrative division, 2-digit industry, 2-digit kind (01 审批, 02 核准, 03 备案), 6-digit
/// serial number.
pub fn parse_project_code(raw: &str) -> Result<String, &'static str> {
    let code = raw.trim();
    let parts: Vec<&str> = code.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 5
        || !digits(parts[0], 4)
        || !digits(parts[1], 6)
        || !digits(parts[2], 2)
        || !digits(parts[3], 2)
        || !digits(parts[4], 6)
    {
        return Err("项目代码格式应为 年份-行政区划-行业-类别-流水号，如 2019-341800-47-01-000123");
    }
    let year: i32 = parts[0].parse().map_err(|_| "项目代码年份无效")?;
    if !(2014..=2100).contains(&year) {
        return Err("项目代码年份无效");
    }
    if !matches!(parts[3], "01" | "02" | "03") {
        return Err("项目代码类别应为 01（审批）、02（核准）或 03（备案）");
    }
    Ok(code.to_owned())
}

/// The four stages of 工程建设项目审批.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 立项用地规划许可.
    LandPlanning,
    /// 工程建设许可.
    ConstructionPermit,
    /// 施工许可.
    Construction,
    /// 竣工验收.
    Completion,
}

impl Stage {
    /// Every stage in order.
    pub const ALL: [Self; 4] = [
        Self::LandPlanning,
        Self::ConstructionPermit,
        Self::Construction,
        Self::Completion,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::LandPlanning => "land_planning",
            Self::ConstructionPermit => "construction_permit",
            Self::Construction => "construction",
            Self::Completion => "completion",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Self::LandPlanning => "立项用地规划许可",
            Self::ConstructionPermit => "工程建设许可",
            Self::Construction => "施工许可",
            Self::Completion => "竣工验收",
        }
    }

    /// Default promised limit of the stage in working days (configurable per center).
    pub fn default_days(self) -> u32 {
        match self {
            Self::LandPlanning => 20,
            Self::ConstructionPermit => 25,
            Self::Construction => 10,
            Self::Completion => 15,
        }
    }
}

/// The clock of an open or finished stage on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageClock {
    /// Day the stage's application was accepted.
    pub opened_on: NaiveDate,
    /// Promised limit in working days.
    pub limit_days: u32,
    /// Due date.
    pub due: NaiveDate,
    /// Working days used (up to the finish, or up to `today`).
    pub used_days: i64,
    /// `green`, `yellow` or `red`.
    pub light: &'static str,
    /// Every matter of the stage is done.
    pub finished_on: Option<NaiveDate>,
}

/// The stage clock: due `limit` working days after acceptance; yellow once 90 % of the budget
/// is used or one working day is left, red when past due; a finished stage keeps the light of
/// its finishing day.
pub fn stage_clock(
    cal: &Calendar,
    opened_on: NaiveDate,
    limit_days: u32,
    finished_on: Option<NaiveDate>,
    today: NaiveDate,
) -> StageClock {
    let due = cal
        .add_working_days(opened_on, i64::from(limit_days))
        .map_or(opened_on, |w| w.date);
    let at = finished_on.unwrap_or(today);
    let (used, _) = cal.working_days_between(opened_on, at);
    let used = used.max(0);
    let remaining = i64::from(limit_days) - used;
    let light = if at > due {
        "red"
    } else if used * 100 >= i64::from(limit_days) * 90 || remaining <= 1 {
        "yellow"
    } else {
        "green"
    };
    StageClock {
        opened_on,
        limit_days,
        due,
        used_days: used,
        light,
        finished_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn project_codes_follow_the_national_format() {
        assert!(parse_project_code("2019-341800-47-01-000123").is_ok());
        assert!(parse_project_code(" 2026-341802-70-03-000001 ").is_ok());
        for bad in [
            "2019-341800-47-01-00012",
            "2019-34180-47-01-000123",
            "2019-341800-47-04-000123",
            "1999-341800-47-01-000123",
            "2019/341800/47/01/000123",
            "",
        ] {
            assert!(parse_project_code(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_stage_clock_runs_on_working_days_and_turns_yellow_then_red() {
        let cal = Calendar::official();
        // Accepted Monday 2026-11-02, 10 working days: due Monday 2026-11-16.
        let c = stage_clock(&cal, d("2026-11-02"), 10, None, d("2026-11-04"));
        assert_eq!((c.due, c.used_days, c.light), (d("2026-11-16"), 2, "green"));
        let c = stage_clock(&cal, d("2026-11-02"), 10, None, d("2026-11-13"));
        assert_eq!((c.used_days, c.light), (9, "yellow"));
        let c = stage_clock(&cal, d("2026-11-02"), 10, None, d("2026-11-17"));
        assert_eq!(c.light, "red");
        // A stage finished in time keeps its light.
        let c = stage_clock(
            &cal,
            d("2026-11-02"),
            10,
            Some(d("2026-11-05")),
            d("2026-12-01"),
        );
        assert_eq!((c.used_days, c.light), (3, "green"));
        // Across 国庆: accepted Tuesday 2026-09-29, 3 working days → Friday 2026-10-09.
        let c = stage_clock(&cal, d("2026-09-29"), 3, None, d("2026-09-29"));
        assert_eq!(c.due, d("2026-10-09"));
    }
}
