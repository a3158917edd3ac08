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

/// Which cases to list (see [`list_sql`] for the levels).
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

/// Counts by status and department: `$1` center, `$2` day. Columns: status, department,
/// clocked cases, red, yellow, legal overdue (green is the rest).
///
/// They are read from `case_light_counts`, which the database keeps by trigger on every write
/// of `cases`: the clocked open cases counted by their deadline columns, a few thousand rows
/// however many cases there are (counting the cases themselves read every one of them: 1.3 s
/// over a million). A missing date is stored there as `9999-12-31`, so "never frozen", "never
/// yellow" and "no legal deadline" need no NULL test.
///
/// Only a running special procedure sets `frozen_on`; the light of such a case is read on the
/// earlier of the day and `frozen_on`, which the conditions spell out without a computed column.
pub const BOARD_SQL: &str = "select status, department_code, cast(sum(n) as bigint), \
     cast(coalesce(sum(n) filter (where due_promised < $2 and frozen_on > due_promised), 0) \
         as bigint), \
     cast(coalesce(sum(n) filter (where yellow_from <= $2 and frozen_on >= yellow_from \
         and not (due_promised < $2 and frozen_on > due_promised)), 0) as bigint), \
     cast(coalesce(sum(n) filter (where due_legal < $2 and frozen_on > due_legal), 0) \
         as bigint) \
     from case_light_counts where center_id = $1 \
     and status in ('accepted', 'in_process', 'suspended') group by status, department_code";

/// [`BOARD_SQL`] for one department (`$3`).
pub fn board_sql_of_department() -> String {
    BOARD_SQL.replace(
        " group by status, department_code",
        " and department_code = $3 group by status, department_code",
    )
}

/// The condition of a level for running cases (light read on the day `$2` itself; `$3` is the
/// forecast day), or `None` for an unknown level.
fn running(level: &str) -> Option<&'static str> {
    Some(match level {
        "red" => "due_promised < $2",
        "yellow" => "due_promised >= $2 and yellow_from <= $2",
        "green" => "due_promised >= $2 and (yellow_from is null or yellow_from > $2)",
        "legal_overdue" => "due_legal < $2",
        "turning_red" => "due_promised >= $2 and due_promised < $3",
        "" => "1 = 1",
        _ => return None,
    })
}

/// The same for suspended cases, whose light is frozen at the start of the procedure.
fn suspended(level: &str) -> Option<&'static str> {
    Some(match level {
        "red" => "eff > due_promised",
        "yellow" => "eff <= due_promised and yellow_from <= eff",
        "green" => "eff <= due_promised and (yellow_from is null or yellow_from > eff)",
        "legal_overdue" => "eff > due_legal",
        "turning_red" => "eff <= due_promised and eff_later > due_promised",
        "" => "1 = 1",
        _ => return None,
    })
}

/// The list of one level: `$1` center, `$2` day, `$3` forecast day, `$4` department or empty,
/// `$5` limit. Running cases come from the partial index `cases_running_due` in due-date order,
/// so the database stops after `$5` matches; suspended cases (few) are added, and only the
/// listed rows are read from the table. Ties of a due date go by id, so that a longer list
/// begins with the shorter one. `None` for an unknown level.
pub fn list_sql(level: &str) -> Option<String> {
    let (run, sus) = (running(level)?, suspended(level)?);
    Some(format!(
        "select c.case_no, c.matter_code, c.department_code, x.eff, c.due_promised, \
         c.due_legal, c.yellow_from from ( \
           select * from (select id, due_promised, $2 as eff from cases \
             where center_id = $1 and status in ('accepted', 'in_process') \
             and due_promised is not null and ($4 = '' or department_code = $4) and {run} \
             order by due_promised, id limit $5) r \
           union all \
           select id, due_promised, eff from ( \
             select id, department_code, due_promised, due_legal, yellow_from, \
             case when frozen_on is not null and frozen_on < $2 then frozen_on else $2 end as eff, \
             case when frozen_on is not null and frozen_on < $3 then frozen_on else $3 end \
               as eff_later \
             from cases where center_id = $1 and status = 'suspended' \
             and due_promised is not null and ($4 = '' or department_code = $4)) s \
           where {sus}) x \
         join cases c on c.id = x.id order by x.due_promised, c.id limit $5"
    ))
}

/// Parses a stored date column.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Sums the rows of [`BOARD_SQL`] (status, department, clocked, red, yellow, legal overdue) into
/// departments.
pub fn fold_counts(rows: Vec<(String, String, i64, i64, i64, i64)>) -> Vec<DepartmentLights> {
    let mut out: std::collections::BTreeMap<String, DepartmentLights> = Default::default();
    for (_, dept, total, red, yellow, legal) in rows {
        let d = out.entry(dept.clone()).or_insert_with(|| DepartmentLights {
            department: dept,
            ..DepartmentLights::default()
        });
        d.green += total - red - yellow;
        d.yellow += yellow;
        d.red += red;
        d.legal_overdue += legal;
    }
    out.into_values().collect()
}

/// A listed row as the databases return it: case number, matter, department, effective day,
/// promised, legal and yellow dates (dates as `YYYY-MM-DD` text).
pub type LightRowText = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// Decodes listed rows; a row with an unreadable date is skipped.
pub fn light_rows(rows: Vec<LightRowText>) -> Vec<LightRow> {
    rows.into_iter()
        .filter_map(|r| {
            Some(LightRow {
                case_no: r.0,
                matter_code: r.1,
                department: r.2,
                effective_day: parse_day(&r.3)?,
                due_promised: parse_day(&r.4)?,
                due_legal: r.5.as_deref().and_then(parse_day),
                yellow_from: r.6.as_deref().and_then(parse_day),
            })
        })
        .collect()
}
