//! Queue measures: wait, walk and service per ticket; figures per window and per clerk.

use serde::Serialize;
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::queue::TicketStatus;
use yichuang_store::Ticket;

use crate::access::{require_center, require_role};
use crate::{Core, CoreError, Result};

/// Ticket timings, and figures per window and per clerk.
pub type Measures = (Vec<TicketMeasure>, Vec<WindowMeasure>, Vec<WindowMeasure>);

/// Per-ticket timings (minutes) of a served ticket.
#[derive(Debug, Clone, Serialize)]
pub struct TicketMeasure {
    /// Number.
    pub number: String,
    /// Window.
    pub window: Option<String>,
    /// Called − issued.
    pub wait_minutes: Option<f64>,
    /// Started − called.
    pub walk_minutes: Option<f64>,
    /// Finished − started.
    pub service_minutes: Option<f64>,
}

/// Figures of a day for one window or one clerk.
#[derive(Debug, Clone, Serialize)]
pub struct WindowMeasure {
    /// Window code or clerk username.
    pub who: String,
    /// Tickets finished.
    pub served: u64,
    /// Tickets marked no-show.
    pub no_shows: u64,
    /// Average wait of its tickets, minutes.
    pub avg_wait_minutes: Option<f64>,
    /// Minutes between finishing one ticket and calling the next.
    pub idle_minutes: f64,
}

fn minutes(
    a: Option<chrono::DateTime<chrono::Utc>>,
    b: Option<chrono::DateTime<chrono::Utc>>,
) -> Option<f64> {
    Some((b? - a?).num_milliseconds() as f64 / 60_000.0)
}

impl Core {
    /// Calls one particular waiting ticket out of turn; the reason is recorded with the call.
    pub async fn call_ticket(
        &self,
        user: &StaffUser,
        window: &str,
        ticket_id: i64,
        reason: &str,
    ) -> Result<Ticket> {
        require_role(user, &[Role::Clerk, Role::Issuer])?;
        if user.window.as_deref() != Some(window) {
            return Err(CoreError::Forbidden("只能为本人所在窗口叫号".into()));
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CoreError::invalid("reason", "不按顺序叫号须说明理由"));
        }
        let t = self
            .store()
            .ticket(ticket_id)
            .await?
            .ok_or_else(|| CoreError::NotFound("排队号不存在".into()))?;
        require_center(user, t.center_id)?;
        let w = self
            .store()
            .windows(user.center_id)
            .await?
            .into_iter()
            .find(|w| w.code == window);
        let serves = w.is_some_and(|w| w.group == t.group)
            && t.target_window.as_deref().is_none_or(|tw| tw == window);
        if t.status != TicketStatus::Waiting || !serves {
            return Err(CoreError::InvalidTransition(
                "该号不在本窗口的等候队列中".into(),
            ));
        }
        let mut next = t.clone();
        next.status = TicketStatus::Called;
        next.window = Some(window.to_owned());
        next.clerk = Some(user.username.clone());
        next.called_at = Some(self.clock().now());
        let payload = serde_json::json!({"window": window, "number": t.number, "out_of_order": true, "reason": reason});
        self.store()
            .update_ticket(
                &next,
                TicketStatus::Waiting,
                "ticket_called",
                payload,
                &self.ctx(&user.username),
            )
            .await?;
        self.publish("called", &next).await;
        Ok(next)
    }

    /// Timings of a day's tickets and per-window figures (wait, walk, service, no-shows, idle).
    pub async fn queue_measures(
        &self,
        user: &StaffUser,
        day: chrono::NaiveDate,
    ) -> Result<Measures> {
        require_role(user, &[Role::Clerk, Role::Supervisor, Role::Admin])?;
        let tickets = self.store().tickets(user.center_id, day, &[]).await?;
        let per_ticket: Vec<TicketMeasure> = tickets
            .iter()
            .filter(|t| t.called_at.is_some())
            .map(|t| TicketMeasure {
                number: t.number.clone(),
                window: t.window.clone(),
                wait_minutes: minutes(Some(t.issued_at), t.called_at),
                walk_minutes: minutes(t.called_at, t.started_at),
                service_minutes: minutes(t.started_at, t.finished_at),
            })
            .collect();
        let figures = |key: &dyn Fn(&Ticket) -> Option<String>| {
            let mut keys: Vec<String> = tickets.iter().filter_map(key).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter()
                .map(|k| {
                    let mut mine: Vec<&Ticket> = tickets
                        .iter()
                        .filter(|t| key(t).as_deref() == Some(k.as_str()))
                        .collect();
                    mine.sort_by_key(|t| t.called_at);
                    let waits: Vec<f64> = mine
                        .iter()
                        .filter_map(|t| minutes(Some(t.issued_at), t.called_at))
                        .collect();
                    let idle = mine
                        .windows(2)
                        .filter_map(|p| minutes(p[0].finished_at, p[1].called_at))
                        .filter(|m| *m > 0.0)
                        .sum();
                    WindowMeasure {
                        served: mine
                            .iter()
                            .filter(|t| t.status == TicketStatus::Finished)
                            .count() as u64,
                        no_shows: mine
                            .iter()
                            .filter(|t| t.status == TicketStatus::NoShow)
                            .count() as u64,
                        avg_wait_minutes: (!waits.is_empty())
                            .then(|| waits.iter().sum::<f64>() / waits.len() as f64),
                        idle_minutes: idle,
                        who: k,
                    }
                })
                .collect::<Vec<_>>()
        };
        let per_window = figures(&|t: &Ticket| t.window.clone());
        let per_clerk = figures(&|t: &Ticket| t.clerk.clone());
        Ok((per_ticket, per_window, per_clerk))
    }
}
