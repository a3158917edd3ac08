//! Records of the hall queue.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yichuang_domain::queue::{Ratio, TicketKind, TicketStatus};

/// A ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// Id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// The Asia/Shanghai day it was issued for.
    pub day: NaiveDate,
    /// Window group (category).
    pub group: String,
    /// Number shown and called, e.g. `A001`.
    pub number: String,
    /// Normal, priority or appointment.
    pub kind: TicketKind,
    /// Status.
    pub status: TicketStatus,
    /// Issued.
    pub issued_at: DateTime<Utc>,
    /// Not callable before (an appointment's slot start).
    pub callable_at: DateTime<Utc>,
    /// Position key in its class: arrival, kept on transfer, reset on reactivation.
    pub queue_at: DateTime<Utc>,
    /// Transferred to this window only.
    pub target_window: Option<String>,
    /// Window that called it.
    pub window: Option<String>,
    /// Clerk who called it.
    pub clerk: Option<String>,
    /// Called.
    pub called_at: Option<DateTime<Utc>>,
    /// Service started.
    pub started_at: Option<DateTime<Utc>>,
    /// Service finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Marked as no-show.
    pub no_show_at: Option<DateTime<Utc>>,
    /// Recalls so far.
    pub recalls: u32,
    /// Case opened for it.
    pub case_no: Option<String>,
}

/// A ticket to issue.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// Center.
    pub center_id: i64,
    /// Day.
    pub day: NaiveDate,
    /// Window group.
    pub group: String,
    /// Kind.
    pub kind: TicketKind,
    /// What the ticket keeps of the holder's ID number (keyed index), when given.
    pub id_hash: Option<String>,
    /// What a waiting ticket of the same holder issued before blind indexes keeps (the re-keyed
    /// old digest): such a ticket counts as the holder's too.
    pub also_held_as: Option<String>,
    /// The holder's ID number as typed at the kiosk (stored sealed, dropped when the ticket
    /// ends), for the window that serves the ticket.
    pub holder_id: Option<String>,
    /// Callable from.
    pub callable_at: DateTime<Utc>,
}

/// A call request.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// Center.
    pub center_id: i64,
    /// Calling window.
    pub window: String,
    /// Groups the window serves.
    pub groups: Vec<String>,
    /// Priority : normal ratio.
    pub ratio: Ratio,
}

/// An evaluation to record.
#[derive(Debug, Clone)]
pub struct NewEvaluation {
    /// Center.
    pub center_id: i64,
    /// The rated ticket (一次一评).
    pub ticket_id: Option<i64>,
    /// The linked case.
    pub case_no: Option<String>,
    /// Window.
    pub window: Option<String>,
    /// Clerk who served.
    pub clerk: Option<String>,
    /// Overall level.
    pub level: yichuang_domain::evaluation::Level,
    /// Indicator code → level.
    pub indicators: Vec<(String, yichuang_domain::evaluation::Level)>,
    /// Channel.
    pub channel: yichuang_domain::evaluation::Channel,
    /// Free text.
    pub comment: String,
    /// Responsible department of the rated case.
    pub department: Option<String>,
    /// Matter of the rated case.
    pub matter: Option<String>,
    /// Stage of a case evaluation (`handling` or `result`); `None` for a ticket's.
    pub stage: Option<String>,
    /// A bad review opens a rectification due on this date for `department` (empty: the
    /// center).
    pub rectification_due: Option<chrono::NaiveDate>,
}

/// A stored evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRecord {
    /// Id.
    pub id: i64,
    /// Ticket.
    pub ticket_id: Option<i64>,
    /// Case.
    pub case_no: Option<String>,
    /// Window.
    pub window: Option<String>,
    /// Clerk.
    pub clerk: Option<String>,
    /// Level code.
    pub level: String,
    /// Indicators as JSON (`{"attitude": "satisfied", …}`).
    pub indicators: serde_json::Value,
    /// Channel code.
    pub channel: String,
    /// Comment.
    pub comment: String,
    /// Stage of a case evaluation.
    pub stage: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// An appointment to book.
#[derive(Debug, Clone)]
pub struct NewAppointment {
    /// Center.
    pub center_id: i64,
    /// Category.
    pub group: String,
    /// Day.
    pub day: NaiveDate,
    /// Slot start.
    pub slot_start: DateTime<Utc>,
    /// Slot end.
    pub slot_end: DateTime<Utc>,
    /// Capacity of the slot.
    pub capacity: u32,
    /// What the booking keeps of the holder's ID number (keyed index).
    pub id_hash: String,
    /// What a booking of the same holder made before blind indexes keeps (the re-keyed old
    /// digest): such a booking counts as the holder's too.
    pub also_held_as: Option<String>,
    /// Holder's name.
    pub name: String,
    /// Holder's phone.
    pub phone: String,
}

/// A stored appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appointment {
    /// Id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// Category.
    pub group: String,
    /// Day.
    pub day: NaiveDate,
    /// Slot start.
    pub slot_start: DateTime<Utc>,
    /// Slot end.
    pub slot_end: DateTime<Utc>,
    /// SHA-256 of the holder's ID number (never shown).
    #[serde(skip)]
    pub id_hash: String,
    /// `booked`, `cancelled` or `checked_in`.
    pub status: String,
    /// Ticket issued at check-in.
    pub ticket_id: Option<i64>,
}
