//! The 电子监察 light board in SQL over the derived deadline columns of `cases`, so that counting
//! a million open cases reads one covering index instead of every case's state. The SQL text is
//! shared by both backends (dates are `YYYY-MM-DD` text, which compares in date order).
//!
//! For a clocked case (受理, 审批中, 特别程序中) the effective day is the given day, or the start
//! of a running special procedure if earlier (the light is frozen there). Red: effective day after
//! the promised due date. Yellow: not red and on or after `yellow_from`. Legal overdue: after the
//! legal due date. This is the rule of `yichuang_domain::case::light_at`; the tests compare both.
//! Immediate matters (minute budgets) and cases awaiting deemed acceptance are not on the board.

use chrono::NaiveDate;
use serde::Serialize;

/// Light counts of one department.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DepartmentLights {
    /// Department code.
    pub department: String,
    /// Green.
    pub green: i64,
    /// Yellow.
    pub yellow: i64,
    /// Red.
    pub red: i64,
    /// Of the red, past the legal deadline.
    pub legal_overdue: i64,
}

/// Which cases to list.
#[derive(Debug, Clone)]
pub struct LightQuery {
    /// Center.
    pub center_id: i64,
    /// The day the lights are for.
    pub day: NaiveDate,
    /// `green`, `yellow`, `red`, `legal_overdue`, `turning_red` (not red on `day`, red on
    /// `later`) or empty for every clocked case.
    pub level: String,
    /// The forecast day of `turning_red`.
    pub later: NaiveDate,
    /// Department code, or empty for all.
    pub department: String,
    /// At most this many, most urgent first.
    pub limit: u32,
}

/// A listed case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LightRow {
    /// Case number.
    pub case_no: String,
    /// Matter code.
    pub matter_code: String,
    /// Department code.
    pub department: String,
    /// The day the light is read on (frozen during a special procedure).
    pub effective_day: NaiveDate,
    /// Promised due date.
    pub due_promised: NaiveDate,
    /// Legal due date.
    pub due_legal: Option<NaiveDate>,
    /// First yellow day.
    pub yellow_from: Option<NaiveDate>,
}

impl LightRow {
    /// `green`, `yellow` or `red`.
    pub fn light(&self) -> &'static str {
        if self.effective_day > self.due_promised {
            "red"
        } else if self.yellow_from.is_some_and(|y| self.effective_day >= y) {
            "yellow"
        } else {
            "green"
        }
    }

    /// Past the legal deadline.
    pub fn legal_overdue(&self) -> bool {
        self.due_legal.is_some_and(|l| self.effective_day > l)
    }
}

/// The effective day on `$2` and on `$3`, from index columns only.
const EFF: &str = "case when frozen_on is not null and frozen_on < $2 then frozen_on else $2 end";
const EFF_LATER: &str =
    "case when frozen_on is not null and frozen_on < $3 then frozen_on else $3 end";

/// The clocked open cases of center `$1`: every column read is in the covering index
/// `cases_light_board`, so SQLite and PostgreSQL never read a case's state here.
const CLOCKED: &str = "from cases where center_id = $1 \
     and status in ('accepted', 'in_process', 'suspended') and due_promised is not null";

/// Counts by department: `$1` center, `$2` day, `$3` the day again (unused by the counts).
pub fn board_sql() -> String {
    format!(
        "select department_code, \
         sum(case when eff > due_promised then 0 \
             when yellow_from is not null and eff >= yellow_from then 0 else 1 end), \
         sum(case when eff > due_promised then 0 \
             when yellow_from is not null and eff >= yellow_from then 1 else 0 end), \
         sum(case when eff > due_promised then 1 else 0 end), \
         sum(case when due_legal is not null and eff > due_legal then 1 else 0 end) \
         from (select department_code, due_promised, due_legal, yellow_from, {EFF} as eff, \
               {EFF_LATER} as eff_later {CLOCKED}) c \
         group by department_code order by department_code"
    )
}

/// The listed cases: `$1` center, `$2` day, `$3` later day, `$4` level, `$5` department or
/// empty, `$6` limit. The candidates are chosen and ordered on index columns; only the listed
/// rows are read from the table.
pub fn list_sql() -> String {
    format!(
        "select c.case_no, c.matter_code, c.department_code, x.eff, c.due_promised, \
         c.due_legal, c.yellow_from from ( \
           select id, due_promised, eff from ( \
             select id, department_code, due_promised, due_legal, yellow_from, \
             {EFF} as eff, {EFF_LATER} as eff_later {CLOCKED} \
             and ($4 <> 'red' or due_promised < $2) \
             and ($4 <> 'turning_red' or due_promised < $3)) k \
           where ($5 = '' or department_code = $5) and ( \
             $4 = '' \
             or ($4 = 'red' and eff > due_promised) \
             or ($4 = 'yellow' and eff <= due_promised and yellow_from is not null \
                 and eff >= yellow_from) \
             or ($4 = 'green' and eff <= due_promised \
                 and (yellow_from is null or eff < yellow_from)) \
             or ($4 = 'legal_overdue' and due_legal is not null and eff > due_legal) \
             or ($4 = 'turning_red' and eff <= due_promised and eff_later > due_promised)) \
           order by due_promised, id limit $6) x \
         join cases c on c.id = x.id order by x.due_promised, c.id"
    )
}

/// Parses a stored date column.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}
