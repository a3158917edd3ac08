//! The hall queue (排队叫号): ticket vocabulary and the calling rule.
//!
//! Calling is by rule, not by choice: appointment tickets whose slot has started go first; then
//! priority (绿色通道) and normal tickets alternate in a fixed cycle of `p` priority and `n`
//! normal calls, so neither class starves; within a class, the earliest `queue_at` goes first
//! (arrival time, kept on transfer, reset by a no-show reactivation).

use serde::{Deserialize, Serialize};

/// Kind of ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// Walk-in.
    Normal,
    /// 绿色通道: elderly, disabled, pregnant, military.
    Priority,
    /// Booked appointment, callable from its slot start.
    Appointment,
}

impl TicketKind {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Priority => "priority",
            Self::Appointment => "appointment",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "normal" => Some(Self::Normal),
            "priority" => Some(Self::Priority),
            "appointment" => Some(Self::Appointment),
            _ => None,
        }
    }

    /// Number prefix: V for priority, Y for appointments.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Normal => "",
            Self::Priority => "V",
            Self::Appointment => "Y",
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// 等候中.
    Waiting,
    /// 已叫号.
    Called,
    /// 办理中.
    Serving,
    /// 已完成.
    Finished,
    /// 过号.
    NoShow,
}

impl TicketStatus {
    /// Every status.
    pub const ALL: [Self; 5] = [
        Self::Waiting,
        Self::Called,
        Self::Serving,
        Self::Finished,
        Self::NoShow,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Called => "called",
            Self::Serving => "serving",
            Self::Finished => "finished",
            Self::NoShow => "no_show",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "等候中",
            Self::Called => "已叫号",
            Self::Serving => "办理中",
            Self::Finished => "已完成",
            Self::NoShow => "过号",
        }
    }
}

/// The ticket letter of a window group (A 综合, B 投资项目, C 商事登记, D 联合办税, E 公安消防,
/// F 交通运输, G 咨询, H 出件, J 帮办); other groups get Z.
pub fn group_letter(group: &str) -> char {
    match group {
        "comprehensive" => 'A',
        "investment" => 'B',
        "commercial_registration" => 'C',
        "tax" => 'D',
        "fire" => 'E',
        "transport" => 'F',
        "consult" => 'G',
        "issuance" => 'H',
        "assist" => 'J',
        _ => 'Z',
    }
}

/// A ticket number: prefix, group letter, three-digit daily sequence (`VA012`).
pub fn ticket_number(kind: TicketKind, group: &str, seq: i64) -> String {
    format!("{}{}{seq:03}", kind.prefix(), group_letter(group))
}

/// The class a window calls next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallClass {
    /// An appointment whose slot has started.
    Appointment,
    /// 绿色通道.
    Priority,
    /// Walk-in.
    Normal,
}

/// The priority : normal calling ratio, e.g. 1 : 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratio {
    /// Priority calls per cycle.
    pub priority: u32,
    /// Normal calls per cycle.
    pub normal: u32,
}

impl Default for Ratio {
    fn default() -> Self {
        Self {
            priority: 1,
            normal: 3,
        }
    }
}

/// Decides the next class and the window's next cycle position. `cycle` counts calls in the
/// current cycle: positions `0..priority` want a priority ticket, the rest a normal one. When the
/// wanted class is empty the other is called and the cycle does not advance, so an empty class
/// never holds the queue up and a waiting class is never skipped for more than one cycle.
pub fn next_class(
    cycle: u32,
    ratio: Ratio,
    has_appointment: bool,
    has_priority: bool,
    has_normal: bool,
) -> Option<(CallClass, u32)> {
    if has_appointment {
        return Some((CallClass::Appointment, cycle));
    }
    let len = (ratio.priority + ratio.normal).max(1);
    let cycle = cycle % len;
    let wants_priority = cycle < ratio.priority;
    let advance = (cycle + 1) % len;
    match (wants_priority, has_priority, has_normal) {
        (true, true, _) => Some((CallClass::Priority, advance)),
        (false, _, true) => Some((CallClass::Normal, advance)),
        (true, false, true) => Some((CallClass::Normal, cycle)),
        (false, true, false) => Some((CallClass::Priority, cycle)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Simulates `calls` calls with both classes always waiting.
    fn sequence(ratio: Ratio, calls: usize) -> Vec<CallClass> {
        let mut cycle = 0;
        let mut out = Vec::new();
        for _ in 0..calls {
            let (class, next) = next_class(cycle, ratio, false, true, true).unwrap();
            out.push(class);
            cycle = next;
        }
        out
    }

    #[test]
    fn one_priority_then_three_normal() {
        use CallClass::{Normal as N, Priority as P};
        assert_eq!(sequence(Ratio::default(), 8), [P, N, N, N, P, N, N, N]);
        assert_eq!(
            sequence(
                Ratio {
                    priority: 2,
                    normal: 1
                },
                6
            ),
            [P, P, N, P, P, N]
        );
    }

    #[test]
    fn an_empty_class_does_not_hold_the_queue() {
        assert_eq!(
            next_class(0, Ratio::default(), false, false, true),
            Some((CallClass::Normal, 0))
        );
        assert_eq!(
            next_class(2, Ratio::default(), false, true, false),
            Some((CallClass::Priority, 2))
        );
        assert_eq!(next_class(0, Ratio::default(), false, false, false), None);
        assert_eq!(
            next_class(3, Ratio::default(), true, true, true),
            Some((CallClass::Appointment, 3))
        );
    }

    #[test]
    fn numbers_carry_prefix_letter_and_sequence() {
        assert_eq!(
            ticket_number(TicketKind::Normal, "comprehensive", 1),
            "A001"
        );
        assert_eq!(ticket_number(TicketKind::Priority, "tax", 12), "VD012");
        assert_eq!(
            ticket_number(TicketKind::Appointment, "investment", 3),
            "YB003"
        );
    }
}
