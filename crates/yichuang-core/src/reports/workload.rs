//! 工作量统计: per window and per person over a date range — tickets served, cases accepted,
//! handling time (average and p90, also per matter), serving, paused and idle time — and the
//! wait of each queue by hour of day.
//!
//! Sources: the tickets and window pauses ([`super::hall`]) for everything timed, the report
//! counters for cases accepted (so a case accepted at a desk without a ticket still counts), and
//! each ticket's case for its matter.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};

use super::activity::activity_of;
use super::hall::{HallHistory, check_range};
use crate::access::require_role;
use crate::{Core, Result};

/// Roles that read the workload of windows and people.
pub const WORKLOAD_ROLES: [Role; 2] = [Role::Admin, Role::Supervisor];

/// Handling-time figures of a group of tickets.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Handling {
    /// Tickets served to the end.
    pub served: u64,
    /// Average handling time (call to finish), minutes.
    pub mean_min: Option<f64>,
    /// 90th percentile handling time, minutes (nearest rank).
    pub p90_min: Option<f64>,
}

fn handling(mut minutes: Vec<f64>) -> Handling {
    minutes.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let mean = (!minutes.is_empty()).then(|| minutes.iter().sum::<f64>() / minutes.len() as f64);
    Handling {
        served: minutes.len() as u64,
        mean_min: mean,
        p90_min: yichuang_staffing::quantile_sorted(&minutes, 0.9),
    }
}

/// One window's workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowLoad {
    /// Window code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Handling of the tickets it served.
    pub handling: Handling,
    /// No-shows it called.
    pub no_shows: u64,
    /// Cases it accepted (report counters).
    pub cases_accepted: i64,
    /// Minutes serving, paused and idle over the range (see the window timeline's rules).
    pub serving_min: f64,
    /// Minutes paused.
    pub paused_min: f64,
    /// Minutes idle.
    pub idle_min: f64,
}

/// One person's workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonLoad {
    /// Username.
    pub username: String,
    /// Name.
    pub name: String,
    /// Handling of the tickets they served.
    pub handling: Handling,
    /// Cases they accepted (report counters).
    pub cases_accepted: i64,
}

/// Handling time of one matter's window visits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatterLoad {
    /// Matter code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Handling of the tickets whose case is of this matter.
    pub handling: Handling,
}

/// One queue's wait by hour of the day the ticket was taken.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueWaits {
    /// Queue (window group) code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Per hour `0..24`: tickets called, average and p90 wait (minutes).
    pub hours: Vec<Handling>,
    /// The whole range.
    pub total: Handling,
}

/// The workload report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkloadReport {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Days with tickets.
    pub days: usize,
    /// Per window, by code.
    pub windows: Vec<WindowLoad>,
    /// Per person, most tickets first.
    pub people: Vec<PersonLoad>,
    /// Per matter, most tickets first.
    pub matters: Vec<MatterLoad>,
    /// Waits per queue (for waits, `Handling::served` counts the tickets called).
    pub queues: Vec<QueueWaits>,
}

/// Builds the report (pure): `accepted` maps (`window` | `clerk`, code) to cases accepted,
/// `names` (`clerk` | `matter`, code) to names, `matter_of` case number to matter code.
pub fn workload_of(
    history: &HallHistory,
    from: NaiveDate,
    to: NaiveDate,
    accepted: &BTreeMap<(&'static str, String), i64>,
    names: &BTreeMap<(&'static str, String), String>,
    matter_of: &BTreeMap<String, String>,
) -> WorkloadReport {
    let mut by_window: BTreeMap<String, (Vec<f64>, u64, f64, f64, f64)> = BTreeMap::new();
    let mut by_person: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut by_matter: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut waits: BTreeMap<String, Vec<Vec<f64>>> = BTreeMap::new();
    for day in &history.days {
        for t in &day.tickets {
            if let Some(w) = t.wait_min() {
                let hours = waits
                    .entry(t.queue.clone())
                    .or_insert_with(|| vec![Vec::new(); 24]);
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let h = ((t.arrived_min.max(0.0) / 60.0) as usize).min(23);
                hours[h].push(w);
            }
            let Some(window) = &t.window else { continue };
            let entry = by_window.entry(window.clone()).or_default();
            if t.no_show {
                entry.1 += 1;
                continue;
            }
            let Some(s) = t.service_min() else { continue };
            entry.0.push(s);
            if let Some(c) = &t.clerk {
                by_person.entry(c.clone()).or_default().push(s);
            }
            if let Some(m) = t.case_no.as_ref().and_then(|c| matter_of.get(c)) {
                by_matter.entry(m.clone()).or_default().push(s);
            }
        }
        for w in activity_of(day, &history.window_names, u32::MAX, None).windows {
            let e = by_window.entry(w.window).or_default();
            e.2 += w.serving_min;
            e.3 += w.paused_min;
            e.4 += w.idle_min;
        }
    }
    for ((dim, code), _) in accepted.iter().filter(|(_, n)| **n > 0) {
        match *dim {
            "window" => {
                by_window.entry(code.clone()).or_default();
            }
            "clerk" => {
                by_person.entry(code.clone()).or_default();
            }
            _ => {}
        }
    }
    let count =
        |dim: &'static str, code: &str| accepted.get(&(dim, code.to_owned())).copied().unwrap_or(0);
    let name = |dim: &'static str, code: &str| {
        names
            .get(&(dim, code.to_owned()))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    };
    let windows = by_window
        .into_iter()
        .map(
            |(code, (minutes, no_shows, serving, paused, idle))| WindowLoad {
                name: history
                    .window_names
                    .get(&code)
                    .cloned()
                    .unwrap_or_else(|| code.clone()),
                cases_accepted: count("window", &code),
                handling: handling(minutes),
                no_shows,
                serving_min: serving,
                paused_min: paused,
                idle_min: idle,
                code,
            },
        )
        .collect();
    let mut people: Vec<PersonLoad> = by_person
        .into_iter()
        .map(|(username, minutes)| PersonLoad {
            name: name("clerk", &username),
            cases_accepted: count("clerk", &username),
            handling: handling(minutes),
            username,
        })
        .collect();
    people.sort_by_key(|p| std::cmp::Reverse(p.handling.served));
    let mut matters: Vec<MatterLoad> = by_matter
        .into_iter()
        .map(|(code, minutes)| MatterLoad {
            name: name("matter", &code),
            handling: handling(minutes),
            code,
        })
        .collect();
    matters.sort_by_key(|m| std::cmp::Reverse(m.handling.served));
    let queues = waits
        .into_iter()
        .map(|(code, hours)| QueueWaits {
            name: history
                .group_names
                .get(&code)
                .cloned()
                .unwrap_or_else(|| code.clone()),
            total: handling(hours.iter().flatten().copied().collect()),
            hours: hours.into_iter().map(handling).collect(),
            code,
        })
        .collect();
    WorkloadReport {
        from,
        to,
        days: history.days.len(),
        windows,
        people,
        matters,
        queues,
    }
}

impl Core {
    /// The workload of the user's center over `from..=to` (admins and supervisors).
    pub async fn workload_report(
        &self,
        user: &StaffUser,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<WorkloadReport> {
        require_role(user, &WORKLOAD_ROLES)?;
        check_range(from, to)?;
        let center = self.center_of(user).await?;
        let history = self.hall_history(center.id, from, to).await?;
        let counters = self.period_report(&center, from, to).await?;
        let mut accepted = BTreeMap::new();
        let mut names = BTreeMap::new();
        for (dim, rows) in [("window", &counters.windows), ("clerk", &counters.clerks)] {
            for r in rows {
                accepted.insert((dim, r.code.clone()), r.figures.cases.accepted);
                names.insert((dim, r.code.clone()), r.name.clone());
            }
        }
        for r in &counters.matters {
            names.insert(("matter", r.code.clone()), r.name.clone());
        }
        // The matter of each ticket's case, looked up by case number (a unique index): its
        // cost follows the tickets of the range, not the cases of the center. Listing the
        // center's cases, filtered by receipt or paged newest first, took seconds over a
        // million older ones.
        let mut matter_of = BTreeMap::new();
        let numbers: std::collections::BTreeSet<&str> = history
            .days
            .iter()
            .flat_map(|d| &d.tickets)
            .filter_map(|t| t.case_no.as_deref())
            .collect();
        for no in numbers {
            if let Some(c) = self.store().case_by_no(no).await? {
                let r = &c.case.received;
                names
                    .entry(("matter", r.matter_code.clone()))
                    .or_insert_with(|| r.matter_name.clone());
                matter_of.insert(r.case_no.clone(), r.matter_code.clone());
            }
        }
        Ok(workload_of(
            &history, from, to, &accepted, &names, &matter_of,
        ))
    }
}
