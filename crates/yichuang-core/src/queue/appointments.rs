//! Appointments: slots on the center's working days, booking, cancelling, check-in.

use chrono::Duration;
use serde::Serialize;
use yichuang_domain::ids::parse_id_number;
use yichuang_domain::queue::TicketKind;
use yichuang_store::{NewTicket, Ticket};

use crate::{Core, CoreError, Result};

/// Appointment hours: Monday–Friday (working days of the center's calendar) 9:00–12:00 and
/// 13:30–17:00, in slots of this many minutes.
pub const SLOT_MINUTES: i64 = 30;
/// The hall's opening hours on a working day (local time): appointments are booked in them,
/// and the kiosk warns outside them.
pub(crate) const HALL_HOURS: [((u32, u32), (u32, u32)); 2] =
    [((9, 0), (12, 0)), ((13, 30), (17, 0))];

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
    /// Whether the hall is open now: a working day of the center's calendar, within
    /// [`HALL_HOURS`].
    pub async fn hall_open_now(&self, center_id: i64) -> Result<bool> {
        let now = self.clock().now();
        let day = yichuang_domain::clock::shanghai_date(now);
        if !self.calendar(center_id).await?.is_working_day(day) {
            return Ok(false);
        }
        Ok(HALL_HOURS.iter().any(|(from, to)| {
            matches!(
                (local(day, from.0, from.1), local(day, to.0, to.1)),
                (Some(a), Some(b)) if a <= now && now < b
            )
        }))
    }

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
        for (from, to) in HALL_HOURS {
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
            id_hash: self.id_hash(&id),
            also_held_as: self.legacy_holder(&id),
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
        // An appointment that ended keeps no trace of its holder's ID to prove it with.
        if a.status != "booked" {
            return Err(CoreError::InvalidTransition(
                "该预约已取消或已取号，不能再取消".into(),
            ));
        }
        let matches = parse_id_number(id_number).is_ok_and(|n| self.holds_id(&a.id_hash, &n));
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
            also_held_as: None,
            holder_id: None,
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
