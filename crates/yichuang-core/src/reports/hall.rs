//! What the hall did, read back from the tickets and the window events: the common input of the
//! staffing proposal, the workload report and the window timeline.
//!
//! Rules: minutes are local (Asia/Shanghai) minutes since midnight of the ticket's day; a ticket's
//! queue is its window group; a window is busy from calling a ticket until it is finished or
//! marked as a no-show; a window is open in an hour when it was busy at some time in that hour's
//! span between its first call and its last end of the day, and was not paused for the whole hour.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use yichuang_domain::queue::TicketStatus;
use yichuang_store::Ticket;

use crate::{Core, CoreError, Result};

/// Longest range a hall report reads, in days (a year and a bit, so "last year" always fits).
pub const MAX_RANGE_DAYS: i64 = 400;

/// Every status, so a report reads every ticket of a day.
const ALL_STATUSES: [TicketStatus; 5] = [
    TicketStatus::Waiting,
    TicketStatus::Called,
    TicketStatus::Serving,
    TicketStatus::Finished,
    TicketStatus::NoShow,
];

/// One ticket as the reports see it.
#[derive(Debug, Clone, PartialEq)]
pub struct HallTicket {
    /// Ticket id.
    pub id: i64,
    /// Number shown, e.g. `A001`.
    pub number: String,
    /// Queue (window group code).
    pub queue: String,
    /// Joined the queue: issued, or an appointment's slot start when later (minutes).
    pub arrived_min: f64,
    /// Called (minutes), if it was.
    pub called_min: Option<f64>,
    /// Finished or marked as a no-show (minutes), if it was.
    pub ended_min: Option<f64>,
    /// Marked as a no-show.
    pub no_show: bool,
    /// The window that called it.
    pub window: Option<String>,
    /// The clerk who called it.
    pub clerk: Option<String>,
    /// The case opened for it.
    pub case_no: Option<String>,
}

impl HallTicket {
    /// Minutes from joining the queue to being called.
    pub fn wait_min(&self) -> Option<f64> {
        self.called_min.map(|c| (c - self.arrived_min).max(0.0))
    }

    /// Minutes a window was busy with it (call to end).
    pub fn service_min(&self) -> Option<f64> {
        match (self.called_min, self.ended_min) {
            (Some(c), Some(e)) => Some((e - c).max(0.0)),
            _ => None,
        }
    }
}

/// A pause of a window, minutes (`to` is the day's end when it was not resumed that day).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pause {
    /// Paused at.
    pub from_min: f64,
    /// Resumed at.
    pub to_min: f64,
}

/// One day of the hall.
#[derive(Debug, Clone, PartialEq)]
pub struct HallDay {
    /// The day.
    pub day: NaiveDate,
    /// Its tickets, in arrival order.
    pub tickets: Vec<HallTicket>,
    /// Pauses per window code.
    pub pauses: BTreeMap<String, Vec<Pause>>,
}

/// Days of the hall with at least one ticket, and the windows of the center.
#[derive(Debug, Clone, PartialEq)]
pub struct HallHistory {
    /// The days with tickets, in order.
    pub days: Vec<HallDay>,
    /// Window code → window group code.
    pub window_groups: BTreeMap<String, String>,
    /// Window code → name.
    pub window_names: BTreeMap<String, String>,
    /// Window group code → name.
    pub group_names: BTreeMap<String, String>,
}

/// Local minutes since midnight of `day` of an instant (may exceed 1440 past midnight).
pub fn local_min(day: NaiveDate, at: DateTime<Utc>) -> f64 {
    let local = at.with_timezone(&chrono_tz::Asia::Shanghai);
    let days = (local.date_naive() - day).num_days() as f64;
    days * 1440.0
        + f64::from(local.hour() * 60 + local.minute())
        + f64::from(local.second()) / 60.0
        + f64::from(local.nanosecond() / 1_000_000) / 60_000.0
}

/// Checks a date range: `from ≤ to`, at most [`MAX_RANGE_DAYS`] days.
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(CoreError::invalid("to", "结束日期不能早于开始日期"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(CoreError::invalid(
            "to",
            format!("日期范围最长 {MAX_RANGE_DAYS} 天，请缩短范围"),
        ));
    }
    Ok(())
}

fn hall_ticket(day: NaiveDate, t: &Ticket) -> HallTicket {
    let joined = t.issued_at.max(t.callable_at);
    let ended = t.finished_at.or(t.no_show_at);
    HallTicket {
        id: t.id,
        number: t.number.clone(),
        queue: t.group.clone(),
        arrived_min: local_min(day, joined),
        called_min: t.called_at.map(|c| local_min(day, c)),
        ended_min: ended.map(|e| local_min(day, e)),
        no_show: t.status == TicketStatus::NoShow,
        window: t.window.clone(),
        clerk: t.clerk.clone(),
        case_no: t.case_no.clone(),
    }
}

/// Pause intervals of one window of `center_id` on `day`, from its `window_paused` and
/// `window_resumed` events (window codes repeat across centers, so the center is checked).
fn pauses_on(center_id: i64, day: NaiveDate, events: &[yichuang_store::Event]) -> Vec<Pause> {
    let mut out = Vec::new();
    let mut open: Option<f64> = None;
    for e in events.iter().filter(|e| e.center_id == Some(center_id)) {
        let local_day = e.at.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
        if local_day != day {
            continue;
        }
        let m = local_min(day, e.at);
        match e.kind.as_str() {
            "window_paused" if open.is_none() => open = Some(m),
            "window_resumed" => {
                if let Some(from) = open.take() {
                    out.push(Pause {
                        from_min: from,
                        to_min: m,
                    });
                }
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push(Pause {
            from_min: from,
            to_min: 1440.0,
        });
    }
    out
}

/// A busy interval of a window: (called, ended), minutes.
type Busy = (f64, f64);

impl HallDay {
    /// Windows open per queue per hour of this day (see the module rules). A window counts for
    /// its own group's queue. An hour in which its queue had no arrival and the window served
    /// nobody is not counted even inside the window's span: that is a closed hour (the lunch
    /// break of a hall that closes at noon), not an idle open window.
    pub fn open_windows(
        &self,
        window_groups: &BTreeMap<String, String>,
    ) -> BTreeMap<String, [u32; 24]> {
        let hour_of = |m: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let h = (m.max(0.0) / 60.0) as usize;
            h.min(23)
        };
        let mut arrivals: BTreeMap<&str, [bool; 24]> = BTreeMap::new();
        // Per window: first call, last end, and the busy intervals.
        let mut windows: BTreeMap<&str, (f64, f64, Vec<Busy>)> = BTreeMap::new();
        for t in &self.tickets {
            arrivals.entry(t.queue.as_str()).or_insert([false; 24])[hour_of(t.arrived_min)] = true;
            let (Some(w), Some(c)) = (t.window.as_deref(), t.called_min) else {
                continue;
            };
            let end = t.ended_min.unwrap_or(c);
            let s = windows.entry(w).or_insert((c, end, Vec::new()));
            s.0 = s.0.min(c);
            s.1 = s.1.max(end);
            s.2.push((c, end));
        }
        let mut out: BTreeMap<String, [u32; 24]> = BTreeMap::new();
        for (w, (first, last, busy)) in windows {
            let Some(group) = window_groups.get(w) else {
                continue;
            };
            let came = arrivals.get(group.as_str()).copied().unwrap_or([false; 24]);
            let pauses = self.pauses.get(w).map_or(&[][..], Vec::as_slice);
            let row = out.entry(group.clone()).or_insert([0; 24]);
            for (h, slot) in row.iter_mut().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let (hs, he) = (h as f64 * 60.0, (h + 1) as f64 * 60.0);
                let in_span = first < he && (last > hs || first >= hs);
                let served = busy.iter().any(|&(c, e)| c < he && (e > hs || c >= hs));
                let paused_all = pauses.iter().any(|p| p.from_min <= hs && p.to_min >= he);
                if in_span && (came[h] || served) && !paused_all {
                    *slot += 1;
                }
            }
        }
        out
    }
}

impl Core {
    /// The hall's days from `from` to `to` (inclusive) of a center: tickets and window pauses.
    pub async fn hall_history(
        &self,
        center_id: i64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HallHistory> {
        check_range(from, to)?;
        let windows = self.windows(center_id).await?;
        let groups = self.store().window_groups(center_id).await?;
        let mut paused_windows: BTreeMap<String, Vec<yichuang_store::Event>> = BTreeMap::new();
        let mut days = Vec::new();
        let mut day = from;
        while day <= to {
            let tickets = self.store().tickets(center_id, day, &ALL_STATUSES).await?;
            if !tickets.is_empty() {
                let mut hall: Vec<HallTicket> =
                    tickets.iter().map(|t| hall_ticket(day, t)).collect();
                hall.sort_by(|a, b| {
                    a.arrived_min
                        .total_cmp(&b.arrived_min)
                        .then(a.id.cmp(&b.id))
                });
                // Every window of the center, not only those that called today: a window paused
                // all day is what a supervisor most wants to see.
                let mut pauses = BTreeMap::new();
                for w in windows.iter().map(|w| w.code.as_str()) {
                    if !paused_windows.contains_key(w) {
                        let events = self.store().events_for("window", w).await?;
                        paused_windows.insert(w.to_owned(), events);
                    }
                    let p = pauses_on(center_id, day, &paused_windows[w]);
                    if !p.is_empty() {
                        pauses.insert(w.to_owned(), p);
                    }
                }
                days.push(HallDay {
                    day,
                    tickets: hall,
                    pauses,
                });
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        Ok(HallHistory {
            days,
            window_groups: windows
                .iter()
                .map(|w| (w.code.clone(), w.group.clone()))
                .collect(),
            window_names: windows
                .iter()
                .map(|w| (w.code.clone(), w.name.clone()))
                .collect(),
            group_names: groups.into_iter().map(|g| (g.code, g.name)).collect(),
        })
    }
}
