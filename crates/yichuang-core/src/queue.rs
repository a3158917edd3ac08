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
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            ratio: Ratio::default(),
            max_recalls: 3,
            reactivate_minutes: 30,
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

/// The SHA-256 of an ID number: enough to refuse a second waiting ticket, useless to a thief.
fn id_hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

impl Core {
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
                    if let Err(e) = self.store().notify_hall(&v).await {
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

    /// Connects this process to the hall events of every instance on the same database, where
    /// the backend supports it (PostgreSQL LISTEN/NOTIFY). Call once at start-up.
    pub async fn start_hall_listener(&self) -> Result<()> {
        let hall = self.hall.clone();
        let sink: yichuang_store::HallSink = std::sync::Arc::new(move |v| {
            if let Ok(e) = serde_json::from_value::<HallEvent>(v) {
                let _ = hall.send(e);
            }
        });
        let shared = self.store().listen_hall(sink).await?;
        self.hall_shared
            .store(shared, std::sync::atomic::Ordering::Relaxed);
        Ok(())
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
        let id_hash = match id_number.map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => Some(id_hash(&parse_id_number(raw).map_err(|m| {
                CoreError::Unprocessable {
                    code: "invalid_id_number",
                    message: m.into(),
                }
            })?)),
            None => None,
        };
        let now = self.clock().now();
        let new = NewTicket {
            center_id,
            day: self.clock().today(),
            group: group.to_owned(),
            kind,
            id_hash,
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

    /// The ticket currently called or served at a window.
    pub async fn current_ticket(&self, center_id: i64, window: &str) -> Result<Option<Ticket>> {
        let day = self.clock().today();
        let open = self
            .store()
            .tickets(
                center_id,
                day,
                &[TicketStatus::Called, TicketStatus::Serving],
            )
            .await?;
        Ok(open
            .into_iter()
            .filter(|t| t.window.as_deref() == Some(window))
            .max_by_key(|t| t.called_at))
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
                ("no_show", serde_json::json!({}))
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
                if t.status != TicketStatus::Serving || !own_window {
                    return Err(not_now());
                }
                next.status = TicketStatus::Finished;
                next.finished_at = Some(now);
                ("finished", serde_json::json!({}))
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

/// Minutes after a ticket is finished during which the window's pad may rate it.
pub const PAD_MINUTES: i64 = 15;

/// A rating given on site (一次一评).
#[derive(Debug, Clone)]
pub struct TicketRating {
    /// The ticket.
    pub ticket_id: i64,
    /// Overall level.
    pub level: yichuang_domain::evaluation::Level,
    /// Indicator code → level.
    pub indicators: Vec<(String, yichuang_domain::evaluation::Level)>,
    /// Channel.
    pub channel: yichuang_domain::evaluation::Channel,
    /// Free text.
    pub comment: String,
}

impl Core {
    /// The finished, not yet rated ticket the pad at `window` should offer, if any.
    pub async fn pad_ticket(&self, center_id: i64, window: &str) -> Result<Option<Ticket>> {
        let now = self.clock().now();
        let finished = self
            .store()
            .tickets(center_id, self.clock().today(), &[TicketStatus::Finished])
            .await?;
        let rated: Vec<i64> = self
            .store()
            .evaluations(center_id, 500)
            .await?
            .into_iter()
            .filter_map(|e| e.ticket_id)
            .collect();
        Ok(finished
            .into_iter()
            .filter(|t| t.window.as_deref() == Some(window) && !rated.contains(&t.id))
            .filter(|t| {
                t.finished_at
                    .is_some_and(|f| now - f <= Duration::minutes(PAD_MINUTES))
            })
            .max_by_key(|t| t.finished_at))
    }

    /// Records a rating of a finished ticket. From a pad (`pad_window`), only the window's own
    /// ticket within [`PAD_MINUTES`] of finishing; otherwise by a clerk of the center.
    pub async fn rate_ticket(
        &self,
        rating: TicketRating,
        pad_window: Option<&str>,
        user: Option<&StaffUser>,
    ) -> Result<i64> {
        let t = self
            .store()
            .ticket(rating.ticket_id)
            .await?
            .ok_or_else(|| CoreError::NotFound("排队号不存在".into()))?;
        match (pad_window, user) {
            (Some(w), _) => {
                let now = self.clock().now();
                let recent = t
                    .finished_at
                    .is_some_and(|f| now - f <= Duration::minutes(PAD_MINUTES));
                if t.window.as_deref() != Some(w) || !recent {
                    return Err(CoreError::NotFound("没有待评价的服务".into()));
                }
            }
            (None, Some(u)) => require_center(u, t.center_id)?,
            (None, None) => return Err(CoreError::Unauthenticated),
        }
        if t.status != TicketStatus::Finished {
            return Err(CoreError::InvalidTransition(
                "服务尚未结束，暂不能评价".into(),
            ));
        }
        if rating.comment.chars().count() > 500 {
            return Err(CoreError::invalid("comment", "评价内容最多 500 字"));
        }
        let clerk = self
            .store()
            .events_for("ticket", &t.id.to_string())
            .await?
            .into_iter()
            .rev()
            .find(|e| e.kind == "ticket_finished")
            .map(|e| e.actor);
        let new = yichuang_store::NewEvaluation {
            center_id: t.center_id,
            ticket_id: Some(t.id),
            case_no: t.case_no.clone(),
            window: t.window.clone(),
            clerk,
            level: rating.level,
            indicators: rating.indicators,
            channel: rating.channel,
            comment: rating.comment.trim().to_owned(),
        };
        let actor = pad_window.map_or_else(
            || user.map_or("system".to_owned(), |u| u.username.clone()),
            |w| format!("pad:{w}"),
        );
        Ok(self
            .store()
            .record_evaluation(&new, &self.ctx(&actor))
            .await?)
    }

    /// Links the ticket being served at the clerk's window to a case opened there.
    pub async fn link_ticket_to_case(&self, user: &StaffUser, case_no: &str) -> Result<()> {
        let Some(window) = &user.window else {
            return Ok(());
        };
        let Some(t) = self.current_ticket(user.center_id, window).await? else {
            return Ok(());
        };
        if t.case_no.is_some() {
            return Ok(());
        }
        let mut linked = t.clone();
        linked.case_no = Some(case_no.to_owned());
        let payload = serde_json::json!({"case_no": case_no});
        self.store()
            .update_ticket(
                &linked,
                t.status,
                "ticket_linked",
                payload,
                &self.ctx(&user.username),
            )
            .await?;
        Ok(())
    }
}

/// Appointment hours: Monday–Friday (working days of the center's calendar) 9:00–12:00 and
/// 13:30–17:00, in slots of this many minutes.
pub const SLOT_MINUTES: i64 = 30;
/// How far ahead appointments can be booked, in days.
pub const BOOKING_DAYS_AHEAD: i64 = 30;

/// A booking request.
#[derive(Debug, Clone)]
pub struct Booking {
    /// Category.
    pub group: String,
    /// Day.
    pub date: chrono::NaiveDate,
    /// Slot start, local `HH:MM`.
    pub start: String,
    /// 居民身份证号码.
    pub id_number: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
}

/// One appointment slot.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    /// Start (local time `HH:MM`).
    pub start: String,
    /// End (local time `HH:MM`).
    pub end: String,
    /// Capacity.
    pub capacity: u32,
    /// Booked so far.
    pub booked: u32,
    /// Start instant.
    #[serde(skip)]
    pub start_at: chrono::DateTime<chrono::Utc>,
    /// End instant.
    #[serde(skip)]
    pub end_at: chrono::DateTime<chrono::Utc>,
}

fn local(day: chrono::NaiveDate, h: u32, m: u32) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_hms_opt(h, m, 0)?)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

impl Core {
    /// The slots of a category on a day; none on a day the center's calendar says is off.
    pub async fn appointment_slots(
        &self,
        center_id: i64,
        group: &str,
        day: chrono::NaiveDate,
    ) -> Result<Vec<Slot>> {
        let windows = self.store().windows(center_id).await?;
        let capacity =
            u32::try_from(windows.iter().filter(|w| w.group == group).count()).unwrap_or(0);
        if capacity == 0 {
            return Err(CoreError::invalid(
                "group",
                format!("没有办理“{group}”业务的窗口"),
            ));
        }
        if !self.calendar(center_id).await?.is_working_day(day) {
            return Ok(Vec::new());
        }
        let booked = self
            .store()
            .booked_appointments(center_id, group, day)
            .await?;
        let mut slots = Vec::new();
        for (from, to) in [((9, 0), (12, 0)), ((13, 30), (17, 0))] {
            let (Some(mut start), Some(end)) = (local(day, from.0, from.1), local(day, to.0, to.1))
            else {
                continue;
            };
            while start < end {
                let next = start + Duration::minutes(SLOT_MINUTES);
                let n = booked.iter().filter(|a| a.slot_start == start).count();
                let fmt = |t: chrono::DateTime<chrono::Utc>| {
                    yichuang_domain::clock::to_shanghai(t)
                        .format("%H:%M")
                        .to_string()
                };
                slots.push(Slot {
                    start: fmt(start),
                    end: fmt(next),
                    capacity,
                    booked: u32::try_from(n).unwrap_or(u32::MAX),
                    start_at: start,
                    end_at: next,
                });
                start = next;
            }
        }
        Ok(slots)
    }

    /// Books a slot for a holder identified by a checked ID number.
    pub async fn book_appointment(
        &self,
        center_id: i64,
        b: &Booking,
    ) -> Result<yichuang_store::Appointment> {
        let (group, day, start, name) =
            (b.group.as_str(), b.date, b.start.as_str(), b.name.as_str());
        let id = parse_id_number(&b.id_number).map_err(|m| CoreError::Unprocessable {
            code: "invalid_id_number",
            message: m.into(),
        })?;
        let phone =
            yichuang_domain::ids::parse_phone(&b.phone).map_err(|m| CoreError::Unprocessable {
                code: "invalid_phone",
                message: m.into(),
            })?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(CoreError::invalid("name", "请填写预约人姓名"));
        }
        let today = self.clock().today();
        if day < today || day > today + Duration::days(BOOKING_DAYS_AHEAD) {
            return Err(CoreError::invalid(
                "date",
                format!("只能预约今天起 {BOOKING_DAYS_AHEAD} 天内的日期"),
            ));
        }
        let slots = self.appointment_slots(center_id, group, day).await?;
        if slots.is_empty() {
            return Err(CoreError::invalid("date", "该日为休息日，不能预约"));
        }
        let slot = slots
            .iter()
            .find(|s| s.start == start)
            .ok_or_else(|| CoreError::invalid("start", format!("没有 {start} 开始的预约时段")))?;
        if slot.start_at <= self.clock().now() {
            return Err(CoreError::invalid(
                "start",
                "该时段已开始，请选择之后的时段",
            ));
        }
        let new = yichuang_store::NewAppointment {
            center_id,
            group: group.to_owned(),
            day,
            slot_start: slot.start_at,
            slot_end: slot.end_at,
            capacity: slot.capacity,
            id_hash: id_hash(&id),
            name: name.to_owned(),
            phone,
        };
        Ok(self
            .store()
            .book_appointment(&new, &self.ctx("applicant"))
            .await?)
    }

    /// Cancels an appointment; the holder proves it with the same ID number.
    pub async fn cancel_appointment(&self, id: i64, id_number: &str) -> Result<()> {
        let a = self
            .store()
            .appointment(id)
            .await?
            .ok_or_else(|| CoreError::NotFound("预约不存在".into()))?;
        let matches = parse_id_number(id_number).is_ok_and(|n| id_hash(&n) == a.id_hash);
        if !matches {
            return Err(CoreError::NotFound("预约不存在".into()));
        }
        Ok(self
            .store()
            .cancel_appointment(id, &self.ctx("applicant"))
            .await?)
    }

    /// Issues the ticket of an appointment on its day: callable from the slot start, then ahead
    /// of walk-ins.
    pub async fn check_in(&self, appointment_id: i64, actor: &str) -> Result<(Ticket, u64)> {
        let a = self
            .store()
            .appointment(appointment_id)
            .await?
            .ok_or_else(|| CoreError::NotFound("预约不存在".into()))?;
        if a.status != "booked" {
            return Err(CoreError::InvalidTransition("该预约已取消或已取号".into()));
        }
        if a.day != self.clock().today() {
            return Err(CoreError::InvalidTransition(format!(
                "该预约的日期是 {}，请当天取号",
                a.day
            )));
        }
        let new = NewTicket {
            center_id: a.center_id,
            day: a.day,
            group: a.group.clone(),
            kind: TicketKind::Appointment,
            id_hash: None,
            callable_at: a.slot_start,
        };
        let ticket = self
            .store()
            .check_in_appointment(a.id, &new, &self.ctx(actor))
            .await?;
        let ahead = self.waiting_ahead(&ticket).await?;
        self.publish("issued", &ticket).await;
        Ok((ticket, ahead))
    }
}

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
