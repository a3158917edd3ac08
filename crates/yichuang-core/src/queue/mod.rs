//! Hall queue use cases: taking a ticket, calling by rule, recall / no-show / start / finish /
//! transfer / reactivate, the waiting counts, and the live hall events that displays follow.

use chrono::Duration;
use serde::Serialize;
use sha2::{Digest, Sha256};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::ids::parse_id_number;
use yichuang_domain::queue::{Ratio, TicketKind, TicketStatus};
use yichuang_store::{CallRequest, NewTicket, Ticket};

use crate::access::{require_center, require_role};
use crate::{Core, CoreError, Result};

/// Queue settings of a center.
#[derive(Debug, Clone, Copy)]
pub struct QueueSettings {
    /// Priority : normal calling ratio.
    pub ratio: Ratio,
    /// Recalls allowed per ticket (重呼).
    pub max_recalls: u32,
    /// Minutes within which a no-show ticket can be reactivated.
    pub reactivate_minutes: i64,
    /// A ticket waiting longer than this many minutes shows on the 电子监察 board.
    pub long_wait_minutes: i64,
    /// Holders at least this old (from the birth date in their ID number) get a 绿色通道
    /// ticket without having to ask for one; 0 switches it off.
    pub elderly_age: u32,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            ratio: Ratio::default(),
            max_recalls: 3,
            reactivate_minutes: 30,
            long_wait_minutes: 30,
            elderly_age: 65,
        }
    }
}

/// Something every display in the hall should show or say.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct HallEvent {
    /// `issued`, `called`, `recalled`, `started`, `finished`, `no_show`, `transferred`,
    /// `reactivated`.
    pub kind: String,
    /// Center.
    pub center_id: i64,
    /// Ticket id.
    pub ticket_id: i64,
    /// Ticket number.
    pub number: String,
    /// Window code, for calls.
    pub window: Option<String>,
    /// Window name, for the announcement.
    pub window_name: Option<String>,
    /// Group of the ticket.
    pub group: String,
}

/// An action on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketAction {
    /// 重呼.
    Recall,
    /// 过号.
    NoShow,
    /// The holder arrived at the window.
    Start,
    /// Service finished.
    Finish,
    /// To another group or window, keeping the original waiting time.
    Transfer {
        /// New group.
        to_group: Option<String>,
        /// A particular window.
        to_window: Option<String>,
    },
    /// A no-show holder comes back within the time limit: to the back of the queue.
    Reactivate,
}

/// The SHA-256 an ID number was kept as before blind indexes: an 18-digit ID has few enough
/// possible values (region × birth date × sequence) that this digest is reversed by trying
/// them all, so it is only compared with (holders of appointments booked before the upgrade),
/// never written.
pub(crate) fn legacy_id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

impl Core {
    /// What tickets and appointments keep of their holder's ID number: its keyed blind index
    /// (HMAC-SM3 under the installation's index key), enough to refuse a second waiting ticket
    /// or booking and to let the holder cancel, useless to someone who copies the database.
    /// A store without keys (the conformance suite) keeps the SHA-256 earlier versions kept.
    pub(crate) fn id_hash(&self, id: &str) -> String {
        let sealer = self.store().sealer();
        if sealer.is_on() {
            sealer.holder_index(id)
        } else {
            legacy_id_hash(id)
        }
    }

    /// What a ticket or booking of the same holder written before blind indexes keeps: the
    /// re-keyed old digest, which a new one cannot equal, so the store looks for it besides.
    pub(crate) fn legacy_holder(&self, id: &str) -> Option<String> {
        let sealer = self.store().sealer();
        sealer
            .is_on()
            .then(|| sealer.rekeyed_legacy_digest(&legacy_id_hash(id)))
    }

    /// Whether `stored` (a ticket's or appointment's `id_hash`) is the holder of `id`'s: the
    /// current index, or the digest of a row written before blind indexes (re-keyed at start).
    pub(crate) fn holds_id(&self, stored: &str, id: &str) -> bool {
        let legacy = legacy_id_hash(id);
        stored == self.id_hash(id)
            || stored == legacy
            || stored == self.store().sealer().rekeyed_legacy_digest(&legacy)
    }

    /// Subscribes to hall events.
    pub fn hall_events(&self) -> tokio::sync::broadcast::Receiver<HallEvent> {
        self.hall.subscribe()
    }

    async fn publish(&self, kind: &str, t: &Ticket) {
        let window_name = match &t.window {
            Some(code) => self
                .store()
                .windows(t.center_id)
                .await
                .ok()
                .and_then(|ws| ws.into_iter().find(|w| &w.code == code).map(|w| w.name)),
            None => None,
        };
        let event = HallEvent {
            kind: kind.to_owned(),
            center_id: t.center_id,
            ticket_id: t.id,
            number: t.number.clone(),
            window: t.window.clone(),
            window_name,
            group: t.group.clone(),
        };
        if self.hall_shared.load(std::sync::atomic::Ordering::Relaxed) {
            // Every instance (this one included) receives it back through the database.
            match serde_json::to_value(&event) {
                Ok(v) => {
                    if let Err(e) = self.store().notify(yichuang_store::Channel::Hall, &v).await {
                        tracing::warn!(error = %e, "could not share a hall event");
                        let _ = self.hall.send(event);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not encode a hall event"),
            }
        } else {
            // No subscriber is fine: nobody is watching.
            let _ = self.hall.send(event);
        }
    }

    /// Connects this process to the hall events and reference data changes of every instance
    /// on the same database, where the backend supports it (PostgreSQL LISTEN/NOTIFY). Call
    /// once at start-up.
    pub async fn start_hall_listener(&self) -> Result<()> {
        let hall = self.hall.clone();
        let sink: yichuang_store::HallSink = std::sync::Arc::new(move |v| {
            if let Ok(e) = serde_json::from_value::<HallEvent>(v) {
                let _ = hall.send(e);
            }
        });
        let shared = self
            .store()
            .listen(yichuang_store::Channel::Hall, sink)
            .await?;
        self.hall_shared
            .store(shared, std::sync::atomic::Ordering::Relaxed);
        self.start_change_listener().await
    }

    /// Issues a ticket for a window group; returns it with the number of people waiting ahead.
    pub async fn take_ticket(
        &self,
        center_id: i64,
        group: &str,
        kind: TicketKind,
        id_number: Option<&str>,
        actor: &str,
    ) -> Result<(Ticket, u64)> {
        let groups = self.store().window_groups(center_id).await?;
        let windows = self.store().windows(center_id).await?;
        if !groups.iter().any(|g| g.code == group) || !windows.iter().any(|w| w.group == group) {
            return Err(CoreError::invalid(
                "group",
                format!("没有办理“{group}”业务的窗口"),
            ));
        }
        if kind == TicketKind::Appointment {
            return Err(CoreError::invalid("priority", "预约号由预约记录生成"));
        }
        let holder = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Some(parse_id_number(raw).map_err(|m| CoreError::Unprocessable {
                code: "invalid_id_number",
                message: m.into(),
            })?),
            None => None,
        };
        // Older people go ahead without having to say so at the kiosk (尊老优先).
        let today = self.clock().today();
        let elderly = |id: &str| {
            yichuang_domain::ids::id_birth_date(id).is_some_and(|born| {
                self.queue.elderly_age > 0
                    && today.years_since(born).unwrap_or(0) >= self.queue.elderly_age
            })
        };
        let kind = if kind == TicketKind::Normal && holder.as_deref().is_some_and(elderly) {
            TicketKind::Priority
        } else {
            kind
        };
        let now = self.clock().now();
        let new = NewTicket {
            center_id,
            day: today,
            group: group.to_owned(),
            kind,
            id_hash: holder.as_deref().map(|id| self.id_hash(id)),
            also_held_as: holder.as_deref().and_then(|id| self.legacy_holder(id)),
            holder_id: holder.clone(),
            callable_at: now,
        };
        let ticket = self.store().issue_ticket(&new, &self.ctx(actor)).await?;
        let ahead = self.waiting_ahead(&ticket).await?;
        self.publish("issued", &ticket).await;
        Ok((ticket, ahead))
    }

    /// People waiting ahead of a ticket in its group.
    pub async fn waiting_ahead(&self, ticket: &Ticket) -> Result<u64> {
        Ok(self.store().waiting_ahead(ticket).await?)
    }

    /// Calls the next ticket for the clerk's window.
    pub async fn call_next(&self, user: &StaffUser, window: &str) -> Result<Option<Ticket>> {
        require_role(user, &[Role::Clerk, Role::Issuer])?;
        if user.window.as_deref() != Some(window) {
            return Err(CoreError::Forbidden("只能为本人所在窗口叫号".into()));
        }
        let w = self
            .store()
            .windows(user.center_id)
            .await?
            .into_iter()
            .find(|w| w.code == window)
            .ok_or_else(|| CoreError::NotFound(format!("窗口 {window} 不存在")))?;
        let req = CallRequest {
            center_id: user.center_id,
            window: w.code,
            groups: vec![w.group],
            ratio: self.queue.ratio,
        };
        let called = self
            .store()
            .call_next(&req, &self.ctx(&user.username))
            .await?;
        if let Some(t) = &called {
            self.publish("called", t).await;
        }
        Ok(called)
    }

    /// The ID number the holder of the ticket now at the clerk's window typed at the kiosk, to
    /// carry into the intake form; `None` without a ticket there or a number given.
    pub async fn holder_at_window(&self, user: &StaffUser) -> Result<Option<String>> {
        require_role(user, &[Role::Clerk])?;
        let Some(window) = user.window.as_deref() else {
            return Ok(None);
        };
        match self.current_ticket(user.center_id, window).await? {
            Some(t) => Ok(self.store().ticket_holder(t.id).await?),
            None => Ok(None),
        }
    }

    /// The ticket currently called or served at a window.
    pub async fn current_ticket(&self, center_id: i64, window: &str) -> Result<Option<Ticket>> {
        let day = self.clock().today();
        Ok(self.store().window_ticket(center_id, day, window).await?)
    }

    /// Applies a ticket action by a clerk.
    pub async fn ticket_action(
        &self,
        user: &StaffUser,
        id: i64,
        action: TicketAction,
    ) -> Result<Ticket> {
        require_role(user, &[Role::Clerk, Role::Issuer])?;
        let t = self
            .store()
            .ticket(id)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("排队号 {id} 不存在")))?;
        require_center(user, t.center_id)?;
        let now = self.clock().now();
        let mut next = t.clone();
        let own_window = t.window.is_some() && t.window == user.window;
        let not_now = || {
            CoreError::InvalidTransition(format!(
                "该号当前状态为“{}”，不能执行此操作",
                t.status.label()
            ))
        };
        let (kind, payload) = match &action {
            TicketAction::Recall => {
                if t.status != TicketStatus::Called || !own_window {
                    return Err(not_now());
                }
                if t.recalls >= self.queue.max_recalls {
                    return Err(CoreError::InvalidTransition(format!(
                        "已重呼 {} 次，请按过号处理",
                        t.recalls
                    )));
                }
                next.recalls += 1;
                ("recalled", serde_json::json!({"recalls": next.recalls}))
            }
            TicketAction::NoShow => {
                if t.status != TicketStatus::Called || !own_window {
                    return Err(not_now());
                }
                next.status = TicketStatus::NoShow;
                next.no_show_at = Some(now);
                ("no_show", serde_json::json!({"window": t.window}))
            }
            TicketAction::Start => {
                if t.status != TicketStatus::Called || !own_window {
                    return Err(not_now());
                }
                next.status = TicketStatus::Serving;
                next.started_at = Some(now);
                ("started", serde_json::json!({}))
            }
            TicketAction::Finish => {
                if !matches!(t.status, TicketStatus::Called | TicketStatus::Serving) || !own_window
                {
                    return Err(not_now());
                }
                // Straight from 已叫号 (the clerk served without pressing 开始办理): the service
                // began when the person was called.
                if t.status == TicketStatus::Called {
                    next.started_at = t.called_at.or(Some(now));
                }
                next.status = TicketStatus::Finished;
                next.finished_at = Some(now);
                // The wait the daily report counts: from when the ticket could be called (its
                // issue, or an appointment's slot start) to its last call.
                let wait = t
                    .called_at
                    .map(|c| (c - t.issued_at.max(t.callable_at)).num_seconds().max(0));
                (
                    "finished",
                    serde_json::json!({"window": t.window, "wait_seconds": wait}),
                )
            }
            TicketAction::Transfer {
                to_group,
                to_window,
            } => {
                if !matches!(t.status, TicketStatus::Called | TicketStatus::Serving) || !own_window
                {
                    return Err(not_now());
                }
                let windows = self.store().windows(t.center_id).await?;
                if let Some(w) = to_window {
                    let target = windows.iter().find(|x| &x.code == w).ok_or_else(|| {
                        CoreError::invalid("to_window", format!("窗口 {w} 不存在"))
                    })?;
                    next.group.clone_from(&target.group);
                    next.target_window = Some(target.code.clone());
                } else if let Some(g) = to_group {
                    if !windows.iter().any(|x| &x.group == g) {
                        return Err(CoreError::invalid(
                            "to_group",
                            format!("没有办理“{g}”业务的窗口"),
                        ));
                    }
                    next.group.clone_from(g);
                    next.target_window = None;
                } else {
                    return Err(CoreError::invalid("to_group", "请指定转入的业务类别或窗口"));
                }
                // The holder keeps the original waiting time: queue_at does not change.
                next.status = TicketStatus::Waiting;
                next.window = None;
                next.clerk = None;
                next.called_at = None;
                next.started_at = None;
                next.recalls = 0;
                (
                    "transferred",
                    serde_json::json!({"to_group": next.group, "to_window": next.target_window}),
                )
            }
            TicketAction::Reactivate => {
                if t.status != TicketStatus::NoShow {
                    return Err(not_now());
                }
                let limit = Duration::minutes(self.queue.reactivate_minutes);
                if t.no_show_at.is_none_or(|at| now - at > limit) {
                    return Err(CoreError::InvalidTransition(format!(
                        "过号已超过 {} 分钟，请重新取号",
                        self.queue.reactivate_minutes
                    )));
                }
                next.status = TicketStatus::Waiting;
                next.queue_at = now;
                next.window = None;
                next.clerk = None;
                next.called_at = None;
                next.recalls = 0;
                ("reactivated", serde_json::json!({}))
            }
        };
        self.store()
            .update_ticket(
                &next,
                t.status,
                &format!("ticket_{kind}"),
                payload,
                &self.ctx(&user.username),
            )
            .await?;
        let mut shown = next.clone();
        if kind == "recalled" || kind == "transferred" {
            shown.window = t.window.clone();
        }
        self.publish(kind, &shown).await;
        Ok(next)
    }

    /// Waiting tickets per window group of a center today: `(code, name, waiting)`.
    pub async fn queue_status(&self, center_id: i64) -> Result<Vec<(String, String, u64)>> {
        let counts = self
            .store()
            .waiting_counts(center_id, self.clock().today())
            .await?;
        let windows = self.store().windows(center_id).await?;
        Ok(self
            .store()
            .window_groups(center_id)
            .await?
            .into_iter()
            .filter(|g| windows.iter().any(|w| w.group == g.code))
            .map(|g| {
                let n = counts
                    .iter()
                    .find(|(code, _)| *code == g.code)
                    .map_or(0, |(_, n)| *n);
                (g.code, g.name, n)
            })
            .collect())
    }

    /// Pauses or resumes calling at the clerk's window.
    pub async fn pause_window(&self, user: &StaffUser, paused: bool) -> Result<()> {
        require_role(user, &[Role::Clerk, Role::Issuer])?;
        let window = user
            .window
            .clone()
            .ok_or_else(|| CoreError::Forbidden("您的账号未绑定窗口".into()))?;
        Ok(self
            .store()
            .set_window_paused(user.center_id, &window, paused, &self.ctx(&user.username))
            .await?)
    }
}

mod appointments;
mod measures;
mod ratings;

pub use appointments::{BOOKING_DAYS_AHEAD, Booking, SLOT_MINUTES, Slot};
pub use measures::{Measures, TicketMeasure, WindowMeasure};
pub use ratings::{PAD_MINUTES, TicketRating};
