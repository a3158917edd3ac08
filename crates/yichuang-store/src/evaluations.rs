//! Records of 好差评 on cases (一事一评), their invitations, and 差评整改 (rectifications).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// What recording an evaluation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationOutcome {
    /// The evaluation's id.
    pub id: i64,
    /// The rectification a bad review opened.
    pub rectification: Option<Rectification>,
}

/// Status of a rectification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RectificationStatus {
    /// 整改中.
    Open,
    /// 申诉中: the department appealed; a supervisor decides.
    Appealed,
    /// 已整改.
    Completed,
    /// 申诉成立: the review does not count against the department.
    Voided,
}

impl RectificationStatus {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Appealed => "appealed",
            Self::Completed => "completed",
            Self::Voided => "voided",
        }
    }

    /// Parses a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Open, Self::Appealed, Self::Completed, Self::Voided]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "整改中",
            Self::Appealed => "申诉中",
            Self::Completed => "已整改",
            Self::Voided => "申诉成立",
        }
    }
}

/// A 差评整改 order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rectification {
    /// Id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// The bad review.
    pub evaluation_id: i64,
    /// The case rated, if any.
    pub case_no: Option<String>,
    /// Responsible department (empty: the center's hall management).
    pub department: String,
    /// Level of the review.
    pub level: String,
    /// The applicant's comment.
    pub comment: String,
    /// Opened on.
    pub opened_on: NaiveDate,
    /// Due (working days after opening).
    pub due_on: NaiveDate,
    /// Status.
    pub status: RectificationStatus,
    /// 回访 recorded at.
    pub callback_at: Option<DateTime<Utc>>,
    /// Whether the applicant was reached.
    pub callback_reached: Option<bool>,
    /// What the applicant said.
    pub callback_response: Option<String>,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// Completed on (Asia/Shanghai).
    pub completed_on: Option<NaiveDate>,
    /// What was done.
    pub completion_note: Option<String>,
    /// The department's appeal.
    pub appeal_reason: Option<String>,
    /// Appealed at.
    pub appealed_at: Option<DateTime<Utc>>,
    /// `upheld` or `rejected`.
    pub appeal_decision: Option<String>,
    /// Supervisor who decided.
    pub appeal_decided_by: Option<String>,
    /// Opened at.
    pub created_at: DateTime<Utc>,
}

/// Filter of rectification lists.
#[derive(Debug, Clone, Default)]
pub struct RectificationFilter {
    /// Center.
    pub center_id: i64,
    /// Department.
    pub department: Option<String>,
    /// Status.
    pub status: Option<RectificationStatus>,
    /// Case.
    pub case_no: Option<String>,
    /// Opened on or after.
    pub opened_from: Option<NaiveDate>,
    /// Opened on or before.
    pub opened_to: Option<NaiveDate>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// A message for an outside channel (SMS, WeChat).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// Center.
    pub center_id: i64,
    /// `sms` or `wechat`.
    pub channel: String,
    /// A department code (its duty phone is configured in the gateway) or a phone number.
    pub recipient: String,
    /// What it is about: `case`, `rectification`, `order`.
    pub subject_kind: String,
    /// Its id.
    pub subject_id: String,
    /// The text.
    pub message: String,
}

/// A queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxRecord {
    /// Id.
    pub id: i64,
    /// Channel.
    pub channel: String,
    /// Recipient.
    pub recipient: String,
    /// Subject kind.
    pub subject_kind: String,
    /// Subject id.
    pub subject_id: String,
    /// Text.
    pub message: String,
    /// `queued` (the default notifier) or a gateway's status; for the push to the provincial
    /// platform (channel `exchange`) `queued`, `retry`, `sending`, `sent` or `dead`.
    pub status: String,
    /// Delivery attempts so far (the push; 0 for messages a gateway picks up).
    pub attempts: u32,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
}
