//! Records of the case store: what a case write carries, and the derived index columns.

use chrono::{DateTime, NaiveDate, Utc};
use yichuang_domain::calendar::Calendar;
use yichuang_domain::case::{Case, CaseEvent, CaseStatus, deadlines};

/// The columns of a case derived from its state and the calendar, used by lists and supervision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseIndex {
    /// Acceptance date.
    pub accepted_on: Option<NaiveDate>,
    /// Promised due date.
    pub due_promised: Option<NaiveDate>,
    /// Legal due date.
    pub due_legal: Option<NaiveDate>,
    /// First yellow date.
    pub yellow_from: Option<NaiveDate>,
    /// Correction-notice deadline.
    pub correction_due: NaiveDate,
    /// Start date of a running special procedure (the light is frozen there).
    pub frozen_on: Option<NaiveDate>,
}

/// Computes the index columns of a case on a calendar.
pub fn case_index(case: &Case, cal: &Calendar) -> CaseIndex {
    let d = deadlines(case, cal);
    let frozen_on = (case.status == CaseStatus::Suspended)
        .then(|| {
            case.suspensions
                .last()
                .map(|s| yichuang_domain::clock::shanghai_date(s.started_at))
        })
        .flatten();
    CaseIndex {
        accepted_on: d.accepted_on,
        due_promised: d.due_promised,
        due_legal: d.due_legal,
        yellow_from: d.yellow_from,
        correction_due: d.correction_due,
        frozen_on,
    }
}

/// One event to append with a case write.
#[derive(Debug, Clone)]
pub struct CaseEventWrite {
    /// When.
    pub at: DateTime<Utc>,
    /// The event.
    pub event: CaseEvent,
}

/// A case write: the new state, its index columns, and the events that produced it, stored in
/// one transaction.
#[derive(Debug, Clone)]
pub struct CaseWrite {
    /// The state after the events.
    pub case: Case,
    /// Derived columns.
    pub index: CaseIndex,
    /// New events, oldest first.
    pub events: Vec<CaseEventWrite>,
    /// Window of the acting user, recorded with each event.
    pub actor_window: Option<String>,
    /// Department of the acting user, recorded with each event.
    pub actor_department: Option<String>,
    /// Whether a conclusion among `events` came within the promised limit (recorded with the
    /// conclusion event for the reports).
    pub concluded_on_time: Option<bool>,
}

/// A stored case.
#[derive(Debug, Clone)]
pub struct StoredCase {
    /// Row id (the list cursor).
    pub id: i64,
    /// The folded state.
    pub case: Case,
    /// Stored index columns.
    pub index: CaseIndex,
}

/// Filter of case lists.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Center.
    pub center_id: i64,
    /// Status.
    pub status: Option<CaseStatus>,
    /// Only open cases.
    pub open_only: bool,
    /// Only these case numbers (none: no such condition).
    pub case_nos: Vec<String>,
    /// Department.
    pub department: Option<String>,
    /// Accepting window.
    pub window: Option<String>,
    /// Only the online cases of this applicant account.
    pub owner: Option<i64>,
    /// Only the cases filed under this ID number or credit code (matched through its blind
    /// index). With [`CaseFilter::owner`] as well, a case matching *either* is selected: the
    /// applicant's online cases and the ones taken for them at a window.
    pub applicant_id: Option<String>,
    /// Received on or after this instant.
    pub received_since: Option<DateTime<Utc>>,
    /// Page size.
    pub limit: u32,
    /// Rows with an id below this one (the next page).
    pub before_id: Option<i64>,
}

/// The event log payload of a case event: the event, where the actor works, and the case's
/// department, accepting window and matter, so that the report counters can be recomputed from
/// the event log alone.
pub fn event_payload(event: &CaseEvent, w: &CaseWrite) -> serde_json::Value {
    let r = &w.case.received;
    let mut v = serde_json::json!({"event": event, "actor_window": w.actor_window,
        "actor_department": w.actor_department, "department": r.department,
        "window": r.window, "matter": r.matter_code});
    if matches!(event, CaseEvent::Concluded { .. })
        && let (Some(on_time), Some(m)) = (w.concluded_on_time, v.as_object_mut())
    {
        m.insert("on_time".into(), on_time.into());
    }
    v
}

/// How to number a new case: `<prefix><daily sequence>` for the center's `day`.
#[derive(Debug, Clone)]
pub struct CaseNumbering {
    /// E.g. `341800-20261102-`.
    pub prefix: String,
    /// The day whose sequence is used.
    pub day: NaiveDate,
}

impl CaseWrite {
    /// The same write with the case number set in the state and the receipt event.
    pub fn numbered(&self, case_no: &str) -> Self {
        let mut w = self.clone();
        w.case.received.case_no = case_no.to_owned();
        for e in &mut w.events {
            if let CaseEvent::Received(r) | CaseEvent::Submitted(r) = &mut e.event {
                r.case_no = case_no.to_owned();
            }
        }
        w
    }
}

/// A light to record for a case.
#[derive(Debug, Clone)]
pub struct LightChange {
    /// Center.
    pub center_id: i64,
    /// Case.
    pub case_no: String,
    /// Responsible department.
    pub department: String,
    /// `green`, `yellow` or `red`.
    pub light: String,
    /// Past the legal deadline.
    pub legal_overdue: bool,
    /// Notification text for the department (Chinese).
    pub message: String,
    /// The back-office step whose own light this is (环节时限); `None` for the case's light.
    pub step: Option<usize>,
}

impl LightChange {
    /// The key of the recorded light: the case, or the case and its step.
    pub fn key(&self) -> String {
        match self.step {
            Some(s) => format!("{}#{s}", self.case_no),
            None => self.case_no.clone(),
        }
    }

    /// The event and notification kind.
    pub fn kind(&self) -> &'static str {
        if self.step.is_some() {
            "step_light_changed"
        } else {
            "light_changed"
        }
    }
}

/// An in-app notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_no: Option<String>,
    /// Kind, e.g. `light_changed`.
    pub kind: String,
    /// Text.
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A 督办 order to issue.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Center.
    pub center_id: i64,
    /// Case.
    pub case_no: String,
    /// Department ordered (被督办机构).
    pub department: String,
    /// Matter type (事项类型).
    pub matter_kind: String,
    /// Warning type at issuance (监察预警类型): the case's light.
    pub warning: String,
    /// Content (督办内容).
    pub content: String,
    /// Working days to reply.
    pub reply_days: u32,
    /// Reply due date.
    pub due_on: NaiveDate,
}

/// A stored 督办 order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SupervisionOrder {
    /// Id.
    pub id: i64,
    /// 监察编号.
    pub number: String,
    /// Case.
    pub case_no: String,
    /// Department.
    pub department: String,
    /// Matter type.
    pub matter_kind: String,
    /// Warning type at issuance.
    pub warning: String,
    /// Content.
    pub content: String,
    /// Reply due date.
    pub due_on: NaiveDate,
    /// Issued by.
    pub issued_by: String,
    /// Issued at.
    pub issued_at: DateTime<Utc>,
    /// Reply (监察结果描述).
    pub reply: Option<String>,
    /// Replied at.
    pub replied_at: Option<DateTime<Utc>>,
    /// Escalated at (late reply).
    pub escalated_at: Option<DateTime<Utc>>,
}
