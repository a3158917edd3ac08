//! The legal clock of a case, derived from its state (the fold of its events) and the center's
//! calendar; nothing here is stored as "time left".
//!
//! - Promised and legal deadlines run from acceptance: `budget + extensions + paused` working days
//!   after the acceptance date (the start day is not counted).
//! - A special procedure pauses the clock: the working days after its start date up to and
//!   including its end date are not counted. While it runs, deadlines are as of its start and the
//!   light is frozen.
//! - The correction notice is due 5 working days after receipt.
//! - A granted result must be delivered within 10 working days of the decision.
//! - Lights: remaining = working days after the date up to and including the promised due date;
//!   yellow when remaining ≤ 1 or ≥ 90 % of the promised budget is used; red once the promised due
//!   date has passed; `legal_overdue` once the legal due date has passed.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use super::state::Case;
use super::types::{CaseStatus, Outcome};
use crate::calendar::{Calendar, DayKind, WorkDate};
use crate::catalog::Handling;
use crate::clock::shanghai_date;

/// Working days within which a correction notice must be issued (行政许可法 Art. 32).
pub const CORRECTION_NOTICE_DAYS: i64 = 5;
/// Working days within which a granted result must be delivered (Art. 44).
pub const DELIVERY_DAYS: i64 = 10;

/// The derived deadlines of a case, with their explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// Acceptance date (Asia/Shanghai).
    pub accepted_on: Option<NaiveDate>,
    /// Promised budget in working days, extensions included.
    pub promised_budget: u32,
    /// Legal budget in working days, extensions included.
    pub legal_budget: u32,
    /// Working days paused by finished special procedures.
    pub paused_days: i64,
    /// Promised due date.
    pub due_promised: Option<NaiveDate>,
    /// Legal due date.
    pub due_legal: Option<NaiveDate>,
    /// First date the light turns yellow.
    pub yellow_from: Option<NaiveDate>,
    /// Last day for a correction notice (received cases).
    pub correction_due: NaiveDate,
    /// Last day to deliver a granted result.
    pub delivery_due: Option<NaiveDate>,
    /// Due instant of an immediate matter (minute clock).
    pub immediate_due_at: Option<DateTime<Utc>>,
    /// A year without an entered schedule was involved.
    pub provisional: bool,
    /// Why the dates are what they are, in Chinese.
    pub explanation: Vec<String>,
}

fn fmt_days(days: &[(NaiveDate, String)]) -> String {
    days.iter()
        .map(|(d, n)| format!("{}（{n}）", d.format("%Y-%m-%d")))
        .collect::<Vec<_>>()
        .join("、")
}

/// Working days paused by finished suspensions, counted up to `until`.
fn paused_until(case: &Case, cal: &Calendar, until: NaiveDate) -> i64 {
    case.suspensions
        .iter()
        .filter_map(|s| {
            let start = shanghai_date(s.started_at);
            let end = shanghai_date(s.ended_at?).min(until);
            (end > start).then(|| cal.working_days_between(start, end).0)
        })
        .sum()
}

/// Computes the deadlines of a case on a calendar.
pub fn deadlines(case: &Case, cal: &Calendar) -> Deadlines {
    let r = &case.received;
    let received_on = shanghai_date(case.received_at);
    let correction = cal.add_working_days(received_on, CORRECTION_NOTICE_DAYS);
    let correction_due = correction.map_or(received_on, |w| w.date);
    let mut provisional = correction.is_some_and(|w| w.provisional);
    let mut explanation = Vec::new();
    let ext = case.approved_extension_days();
    let promised_budget = r.promised_limit_days + ext;
    let legal_budget = if r.legal_limit_days > 0 {
        r.legal_limit_days + ext
    } else {
        0
    };
    let mut out = Deadlines {
        accepted_on: None,
        promised_budget,
        legal_budget,
        paused_days: 0,
        due_promised: None,
        due_legal: None,
        yellow_from: None,
        correction_due,
        delivery_due: None,
        immediate_due_at: None,
        provisional,
        explanation: Vec::new(),
    };
    if matches!(
        case.status,
        CaseStatus::Received | CaseStatus::CorrectionRequested
    ) {
        explanation.push(format!(
            "补正告知期限：收件日 {received_on} 起 {CORRECTION_NOTICE_DAYS} 个工作日内，至 {correction_due}；逾期未告知的，自收件之日起即视为受理。"
        ));
    }
    let Some(accepted_at) = case.accepted_at else {
        out.explanation = explanation;
        return out;
    };
    let accepted_on = shanghai_date(accepted_at);
    out.accepted_on = Some(accepted_on);
    if r.handling == Handling::Immediate {
        let due = accepted_at + Duration::minutes(i64::from(r.immediate_minutes));
        out.immediate_due_at = Some(due);
        explanation.push(format!(
            "即办件：受理后 {} 分钟内当场办结。",
            r.immediate_minutes
        ));
        out.explanation = explanation;
        return out;
    }
    // While a procedure runs, dates are as of its start: the clock stands still.
    let horizon = case
        .suspensions
        .last()
        .filter(|s| s.ended_at.is_none())
        .map(|s| shanghai_date(s.started_at));
    let paused = paused_until(case, cal, NaiveDate::MAX);
    out.paused_days = paused;
    let add = |days: u32| cal.add_working_days(accepted_on, i64::from(days) + paused);
    let due_promised: Option<WorkDate> = add(promised_budget);
    let due_legal: Option<WorkDate> = (legal_budget > 0).then(|| add(legal_budget)).flatten();
    provisional |=
        due_promised.is_some_and(|w| w.provisional) || due_legal.is_some_and(|w| w.provisional);
    out.due_promised = due_promised.map(|w| w.date);
    out.due_legal = due_legal.map(|w| w.date);
    let start_text = if case.deemed_accepted {
        format!(
            "视为受理日 {accepted_on}（收件后 {CORRECTION_NOTICE_DAYS} 个工作日内未出具补正告知）"
        )
    } else if case.correction_requested_at.is_some() {
        format!("受理日 {accepted_on}（补正材料收齐之日）")
    } else {
        format!("受理日 {accepted_on}")
    };
    if let Some(due) = out.due_promised {
        explanation.push(format!(
            "承诺办结期限：自{start_text}起 {promised_budget} 个工作日，至 {due}。"
        ));
        let span_end = out.due_legal.map_or(due, |l| l.max(due));
        let notable: Vec<_> = cal.notable_days(accepted_on, span_end);
        let holidays: Vec<_> = notable
            .iter()
            .filter(|o| o.kind == DayKind::Holiday)
            .map(|o| (o.day, o.note.clone()))
            .collect();
        let makeups: Vec<_> = notable
            .iter()
            .filter(|o| o.kind == DayKind::Workday)
            .map(|o| (o.day, o.note.clone()))
            .collect();
        if !holidays.is_empty() {
            explanation.push(format!("期间法定节假日不计：{}。", fmt_days(&holidays)));
        }
        if !makeups.is_empty() {
            explanation.push(format!("调休上班日计入：{}。", fmt_days(&makeups)));
        }
    }
    if let Some(due) = out.due_legal {
        explanation.push(format!("法定办结期限：{legal_budget} 个工作日，至 {due}。"));
    }
    for s in &case.suspensions {
        let start = shanghai_date(s.started_at);
        match s.ended_at {
            Some(end) => {
                let end = shanghai_date(end);
                let n = if end > start { cal.working_days_between(start, end).0 } else { 0 };
                explanation.push(format!(
                    "特别程序（{}）：{start} 至 {end}，不计入办理时限 {n} 个工作日。",
                    s.procedure.label()
                ));
            }
            None => explanation.push(format!(
                "特别程序（{}）自 {start} 起进行中，预计 {} 个工作日，期间暂停计时；上述期限将顺延。",
                s.procedure.label(),
                s.expected_days
            )),
        }
    }
    for e in case.extensions.iter().filter(|e| e.approved_at.is_some()) {
        explanation.push(format!(
            "延期：增加 {} 个工作日（{}），经部门负责人批准。",
            e.days, e.reason
        ));
    }
    if let (Some(due), Some(start)) = (out.due_promised, out.accepted_on) {
        out.yellow_from = first_yellow(case, cal, start, due, promised_budget, horizon);
    }
    if case.outcome == Some(Outcome::Approved)
        && let Some(concluded) = case.concluded_at
    {
        let on = shanghai_date(concluded);
        if let Some(w) = cal.add_working_days(on, DELIVERY_DAYS) {
            out.delivery_due = Some(w.date);
            provisional |= w.provisional;
            explanation.push(format!(
                "送达期限：准予决定之日 {on} 起 {DELIVERY_DAYS} 个工作日内，至 {}。",
                w.date
            ));
        }
    }
    out.provisional = provisional;
    if provisional {
        explanation.push(
            "注意：期限涉及尚未录入国务院放假安排的年份，按周一至周五计算，为暂定期限。".into(),
        );
    }
    out.explanation = explanation;
    out
}

/// The first date on which the yellow rule holds, scanning from acceptance to the due date.
fn first_yellow(
    case: &Case,
    cal: &Calendar,
    start: NaiveDate,
    due: NaiveDate,
    budget: u32,
    horizon: Option<NaiveDate>,
) -> Option<NaiveDate> {
    let mut day = start;
    while day <= due {
        if horizon.is_some_and(|h| day > h) {
            return None;
        }
        if is_yellow(case, cal, start, due, budget, day) {
            return Some(day);
        }
        day = day.succ_opt()?;
    }
    Some(due)
}

fn is_yellow(
    case: &Case,
    cal: &Calendar,
    start: NaiveDate,
    due: NaiveDate,
    budget: u32,
    day: NaiveDate,
) -> bool {
    let rules = case.received.light_rules;
    let remaining = cal.working_days_between(day, due).0;
    let used = cal.working_days_between(start, day).0 - paused_until(case, cal, day);
    remaining <= i64::from(rules.yellow_remaining_days)
        || used * 100 >= i64::from(budget) * i64::from(rules.yellow_percent)
}

/// Light levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LightLevel {
    /// 绿灯.
    Green,
    /// 黄灯.
    Yellow,
    /// 红灯.
    Red,
}

impl LightLevel {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "green" => Some(Self::Green),
            "yellow" => Some(Self::Yellow),
            "red" => Some(Self::Red),
            _ => None,
        }
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "绿灯",
            Self::Yellow => "黄灯",
            Self::Red => "红灯",
        }
    }
}

/// The supervision light of a case at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Light {
    /// Level.
    pub level: LightLevel,
    /// Past the legal due date.
    pub legal_overdue: bool,
    /// Working days left until the promised due date (negative when late).
    pub remaining_days: i64,
}

/// The light of a case at instant `at`, or `None` when no clock runs (not accepted, or closed).
pub fn light_at(case: &Case, d: &Deadlines, cal: &Calendar, at: DateTime<Utc>) -> Option<Light> {
    if !case.status.is_clocked() {
        return None;
    }
    if let Some(due_at) = d.immediate_due_at {
        let late = at > due_at;
        let level = if late {
            LightLevel::Red
        } else {
            LightLevel::Green
        };
        return Some(Light {
            level,
            legal_overdue: false,
            remaining_days: 0,
        });
    }
    let (start, due) = (d.accepted_on?, d.due_promised?);
    let mut day = shanghai_date(at);
    // A running procedure freezes the light at its start.
    if let Some(s) = case.suspensions.last().filter(|s| s.ended_at.is_none()) {
        day = day.min(shanghai_date(s.started_at));
    }
    let legal_overdue = d.due_legal.is_some_and(|l| day > l);
    let remaining = cal.working_days_between(day, due).0;
    let level = if day > due {
        LightLevel::Red
    } else if is_yellow(case, cal, start, due, d.promised_budget, day) {
        LightLevel::Yellow
    } else {
        LightLevel::Green
    };
    Some(Light {
        level,
        legal_overdue,
        remaining_days: remaining,
    })
}

/// The light of the current back-office step (环节超时: a step can be late even when the case
/// is not). A step's budget is the promised limit shared evenly by the back-office steps (rounded
/// up, at least one working day); the case's yellow rules apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepLight {
    /// Step index.
    pub step: usize,
    /// Step name.
    pub name: String,
    /// Working days the step may take.
    pub budget_days: i64,
    /// Working days it has taken so far.
    pub used_days: i64,
    /// Its light.
    pub level: LightLevel,
}

/// The light of the current step at `at`, or `None` without a running back-office step (not
/// yet accepted, suspended, immediate, or all steps passed).
pub fn step_light(case: &Case, cal: &Calendar, at: DateTime<Utc>) -> Option<StepLight> {
    if !matches!(case.status, CaseStatus::Accepted | CaseStatus::InProcess)
        || case.received.handling == Handling::Immediate
    {
        return None;
    }
    let step = case.current_step?;
    let steps = case.received.steps.len().saturating_sub(1).max(1);
    let started = shanghai_date(case.step_started_at.or(case.accepted_at)?);
    let promised = i64::from(case.received.promised_limit_days);
    // The share is rounded up: five days over four steps gives each two, not one.
    let n = i64::try_from(steps).unwrap_or(1);
    let budget = ((promised + n - 1) / n).max(1);
    let day = shanghai_date(at);
    let used = cal.working_days_between(started, day).0 - paused_until(case, cal, day)
        + paused_until(case, cal, started);
    let rules = case.received.light_rules;
    let level = if used > budget {
        LightLevel::Red
    } else if budget - used <= i64::from(rules.yellow_remaining_days)
        || used * 100 >= budget * i64::from(rules.yellow_percent)
    {
        LightLevel::Yellow
    } else {
        LightLevel::Green
    };
    Some(StepLight {
        step,
        name: case.received.steps.get(step).cloned().unwrap_or_default(),
        budget_days: budget,
        used_days: used,
        level,
    })
}

#[cfg(test)]
mod tests;
