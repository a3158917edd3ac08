//! 窗口活动时间轴: what each window did through one day — serving (with the ticket and case),
//! paused, idle — from the tickets and the pause events. It stands in for the seed's video
//! supervision, which needs cameras: a supervisor sees every pause longer than a threshold.
//!
//! Rules: a window's day runs from its first call (or pause) to its last end (or resume); inside
//! it every minute is serving, paused or idle; a pause not resumed that day ends when the hall's
//! last ticket ended (or now, for today), never later.

use chrono::NaiveDate;
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};

use super::hall::{HallDay, local_min};
use crate::access::require_role;
use crate::{Core, CoreError, Result};

/// Roles that read the window timelines.
pub const ACTIVITY_ROLES: [Role; 2] = [Role::Admin, Role::Supervisor];

/// Pause alert thresholds a reader may choose, minutes.
pub const PAUSE_RANGE: std::ops::RangeInclusive<u32> = 1..=480;

/// What a window was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Serving a ticket (from the call to its end).
    Serving,
    /// Called a ticket whose holder did not come (过号).
    NoShow,
    /// Paused (暂停服务).
    Paused,
    /// Open, nobody at the counter.
    Idle,
}

impl ActivityKind {
    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Serving => "服务",
            Self::NoShow => "过号",
            Self::Paused => "暂停",
            Self::Idle => "空闲",
        }
    }
}

/// One interval of a window's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interval {
    /// What the window did.
    pub kind: ActivityKind,
    /// From, local minutes since midnight.
    pub from_min: f64,
    /// To, local minutes since midnight.
    pub to_min: f64,
    /// The ticket number served.
    pub ticket: Option<String>,
    /// The case opened for that ticket.
    pub case_no: Option<String>,
    /// The clerk who called it.
    pub clerk: Option<String>,
}

impl Interval {
    /// Length in minutes.
    pub fn minutes(&self) -> f64 {
        self.to_min - self.from_min
    }
}

/// One window's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowDay {
    /// Window code.
    pub window: String,
    /// Window name.
    pub name: String,
    /// Its intervals, in time order, covering its day without gaps.
    pub intervals: Vec<Interval>,
    /// Tickets served to the end.
    pub served: u32,
    /// No-shows.
    pub no_shows: u32,
    /// Cases opened for its tickets.
    pub cases: u32,
    /// Minutes serving (no-shows included).
    pub serving_min: f64,
    /// Minutes paused.
    pub paused_min: f64,
    /// Minutes idle.
    pub idle_min: f64,
}

/// A pause longer than the threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongPause {
    /// Window code.
    pub window: String,
    /// Window name.
    pub name: String,
    /// From, local minutes.
    pub from_min: f64,
    /// To, local minutes.
    pub to_min: f64,
    /// Still paused (today, not resumed yet).
    pub ongoing: bool,
}

/// The timelines of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowActivity {
    /// The day.
    pub day: NaiveDate,
    /// The pause alert threshold, minutes.
    pub pause_threshold_min: u32,
    /// Windows with any activity, by code.
    pub windows: Vec<WindowDay>,
    /// Pauses longer than the threshold, longest first.
    pub long_pauses: Vec<LongPause>,
    /// Earliest and latest minute of any window's day (the drawing's range).
    pub span_min: (f64, f64),
}

/// Builds the timelines of `day` (pure). `now_min` is the current local minute when `day` is
/// today, so a pause not yet resumed runs until now.
pub fn activity_of(
    day: &HallDay,
    names: &std::collections::BTreeMap<String, String>,
    pause_threshold_min: u32,
    now_min: Option<f64>,
) -> WindowActivity {
    let hall_end = day
        .tickets
        .iter()
        .filter_map(|t| t.ended_min.or(t.called_min))
        .fold(f64::NEG_INFINITY, f64::max);
    let mut codes: Vec<&str> = day
        .tickets
        .iter()
        .filter_map(|t| t.window.as_deref())
        .chain(day.pauses.keys().map(String::as_str))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let mut windows = Vec::new();
    let mut long_pauses = Vec::new();
    for code in codes {
        let mut busy: Vec<Interval> = day
            .tickets
            .iter()
            .filter(|t| t.window.as_deref() == Some(code))
            .filter_map(|t| {
                let from = t.called_min?;
                let to = t.ended_min.or(now_min).unwrap_or(from).max(from);
                Some(Interval {
                    kind: if t.no_show {
                        ActivityKind::NoShow
                    } else {
                        ActivityKind::Serving
                    },
                    from_min: from,
                    to_min: to,
                    ticket: Some(t.number.clone()),
                    case_no: t.case_no.clone(),
                    clerk: t.clerk.clone(),
                })
            })
            .collect();
        for p in day.pauses.get(code).into_iter().flatten() {
            // A pause the day's events never closed: until now (today) or the hall's last end.
            let open_end = p.to_min >= 1440.0;
            let end = if open_end {
                now_min.unwrap_or(hall_end).max(p.from_min)
            } else {
                p.to_min
            };
            busy.push(Interval {
                kind: ActivityKind::Paused,
                from_min: p.from_min,
                to_min: end,
                ticket: None,
                case_no: None,
                clerk: None,
            });
            if end - p.from_min > f64::from(pause_threshold_min) {
                long_pauses.push(LongPause {
                    window: code.to_owned(),
                    name: names.get(code).cloned().unwrap_or_else(|| code.to_owned()),
                    from_min: p.from_min,
                    to_min: end,
                    ongoing: open_end && now_min.is_some(),
                });
            }
        }
        busy.sort_by(|a, b| a.from_min.total_cmp(&b.from_min));
        // Fill the gaps with idle time; an overlap (a call while paused) starts where the
        // previous interval ends, so the timeline never counts a minute twice.
        let mut intervals: Vec<Interval> = Vec::with_capacity(busy.len() * 2);
        let mut at = f64::NEG_INFINITY;
        for mut i in busy {
            if at.is_finite() && i.from_min > at {
                intervals.push(Interval {
                    kind: ActivityKind::Idle,
                    from_min: at,
                    to_min: i.from_min,
                    ticket: None,
                    case_no: None,
                    clerk: None,
                });
            }
            if at.is_finite() && i.from_min < at {
                i.from_min = at.min(i.to_min);
            }
            at = at.max(i.to_min);
            intervals.push(i);
        }
        let sum = |k: &[ActivityKind]| {
            intervals
                .iter()
                .filter(|i| k.contains(&i.kind))
                .map(Interval::minutes)
                .sum::<f64>()
        };
        let count = |k: ActivityKind| {
            u32::try_from(intervals.iter().filter(|i| i.kind == k).count()).unwrap_or(u32::MAX)
        };
        windows.push(WindowDay {
            window: code.to_owned(),
            name: names.get(code).cloned().unwrap_or_else(|| code.to_owned()),
            served: count(ActivityKind::Serving),
            no_shows: count(ActivityKind::NoShow),
            cases: u32::try_from(intervals.iter().filter(|i| i.case_no.is_some()).count())
                .unwrap_or(u32::MAX),
            serving_min: sum(&[ActivityKind::Serving, ActivityKind::NoShow]),
            paused_min: sum(&[ActivityKind::Paused]),
            idle_min: sum(&[ActivityKind::Idle]),
            intervals,
        });
    }
    long_pauses.sort_by(|a, b| (b.to_min - b.from_min).total_cmp(&(a.to_min - a.from_min)));
    let span_min = windows
        .iter()
        .flat_map(|w| w.intervals.iter())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), i| {
            (lo.min(i.from_min), hi.max(i.to_min))
        });
    WindowActivity {
        day: day.day,
        pause_threshold_min,
        windows,
        long_pauses,
        span_min: if span_min.0.is_finite() {
            span_min
        } else {
            (540.0, 1020.0)
        },
    }
}

impl Core {
    /// The window timelines of the user's center on `day` (admins and supervisors).
    pub async fn window_activity(
        &self,
        user: &StaffUser,
        day: NaiveDate,
        pause_threshold_min: u32,
    ) -> Result<WindowActivity> {
        require_role(user, &ACTIVITY_ROLES)?;
        if !PAUSE_RANGE.contains(&pause_threshold_min) {
            return Err(CoreError::invalid(
                "pause",
                "暂停提醒阈值须在 1 至 480 分钟之间",
            ));
        }
        let history = self.hall_history(user.center_id, day, day).await?;
        let now = self.clock().now();
        let now_min = (self.clock().today() == day).then(|| local_min(day, now));
        let empty = HallDay {
            day,
            tickets: Vec::new(),
            pauses: std::collections::BTreeMap::new(),
        };
        let hall_day = history.days.first().unwrap_or(&empty);
        Ok(activity_of(
            hall_day,
            &history.window_names,
            pause_threshold_min,
            now_min,
        ))
    }
}
