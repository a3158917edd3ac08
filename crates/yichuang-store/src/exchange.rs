//! Data exchange with integrators and the provincial platform: the case-event feed, the cases
//! of the GB/T 39046 export in a stable order, and the push queue (outbox channel
//! [`PUSH_CHANNEL`]) that delivers every case event and evaluation once, in event order.
//!
//! Order: within one center, the events visible to a reader always form a prefix of that
//! center's event ids, because every append holds the center's audit-chain head row from taking
//! its ids to commit (`events::append_many`). A cursor "after event id N" over one center
//! therefore never skips an event that commits later with a smaller id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Ctx, Event, OutboxRecord, Result, StoredCase};

/// The outbox channel of the push to the provincial platform.
pub const PUSH_CHANNEL: &str = "exchange";

/// Event kinds on a case's timeline that are audit records of reads, not things that happened
/// to the case: they stay out of the feed and the push.
pub const AUDIT_ONLY_KINDS: &[&str] = &["personal_data_revealed"];

/// The evaluation event the push carries (好差评).
pub const EVALUATION_KIND: &str = "evaluation_recorded";

/// Which events a feed page holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery {
    /// Center.
    pub center_id: i64,
    /// Only events of cases of this department (a department approver's scope).
    pub department: Option<String>,
    /// Events with an id above this one.
    pub after: i64,
    /// Page size (at least 1).
    pub limit: u32,
    /// Whether evaluation events (`evaluation_recorded`) are included beside case events.
    pub evaluations: bool,
}

/// Cases of a center in id order, for the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRange {
    /// Center.
    pub center_id: i64,
    /// Cases with an id above this one.
    pub after_id: i64,
    /// Received at or after this instant.
    pub received_from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub received_before: Option<DateTime<Utc>>,
    /// Page size (at least 1).
    pub limit: u32,
}

/// A push message claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PushMessage {
    /// Outbox row id.
    pub id: i64,
    /// Center.
    pub center_id: i64,
    /// The event it carries.
    pub event_id: i64,
    /// `case` or `evaluation`.
    pub subject_kind: String,
    /// Case number or evaluation id.
    pub subject_id: String,
    /// The JSON body to send.
    pub body: String,
    /// The value of the `Idempotency-Key` header: `<center code>-<event id>`.
    pub idempotency_key: String,
    /// Attempts before this one.
    pub attempts: u32,
}

/// What an attempt to send a push message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// The receiver accepted it.
    Sent,
    /// It failed; try again at `next_at`.
    Retry {
        /// Why.
        error: String,
        /// When to try again.
        next_at: DateTime<Utc>,
    },
    /// It failed for the last time (dead letter, shown on /admin/outbox).
    Dead {
        /// Why.
        error: String,
    },
}

/// The state of a center's push, for /admin/outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushReport {
    /// Messages by status (`queued`, `retry`, `sending`, `sent`, `dead`).
    pub counts: Vec<(String, u64)>,
    /// Messages that need attention (waiting for a retry, being sent, dead), newest event first.
    pub attention: Vec<OutboxRecord>,
}

/// Keys whose values are codes, never personal data, though a code may hold a digit run that
/// looks like an ID number (an 实施编码 carries its unit's 18-digit credit code).
const CODE_KEYS: &[&str] = &["matter", "matter_code"];

/// Masks every ID number and phone in a JSON document as `mask::mask_json` does, but leaves
/// matter codes whole: the exchange must carry them exactly.
pub fn mask_for_exchange(value: &mut serde_json::Value) {
    let original = value.clone();
    yichuang_domain::mask::mask_json(value);
    restore_codes(value, &original);
}

fn restore_codes(value: &mut serde_json::Value, original: &serde_json::Value) {
    use serde_json::Value;
    match (value, original) {
        (Value::Object(map), Value::Object(orig)) => {
            for (key, v) in map.iter_mut() {
                let Some(o) = orig.get(key) else { continue };
                if CODE_KEYS.contains(&key.as_str()) && o.is_string() {
                    v.clone_from(o);
                } else {
                    restore_codes(v, o);
                }
            }
        }
        (Value::Array(items), Value::Array(orig)) => {
            for (v, o) in items.iter_mut().zip(orig) {
                restore_codes(v, o);
            }
        }
        _ => {}
    }
}

/// The body pushed for one event: the event with its center, personal data masked (the full
/// values leave the center only through the audited reveal, never in bulk).
pub fn push_body(center_code: &str, e: &Event) -> serde_json::Value {
    let mut v = serde_json::json!({
        "center": center_code,
        "event_id": e.id,
        "kind": e.kind,
        "subject_kind": e.subject_kind,
        "subject_id": e.subject_id,
        "at": e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "actor": e.actor,
        "payload": e.payload,
    });
    mask_for_exchange(&mut v);
    v
}

/// The storage side of data exchange. Both backends implement it; see the module comment for
/// the order guarantee.
#[async_trait]
pub trait ExchangeStore: Send + Sync {
    /// Case events (and with [`FeedQuery::evaluations`] evaluation events) of a center after a
    /// cursor, in event id order, payloads opened (callers mask them).
    async fn case_feed(&self, q: &FeedQuery) -> Result<Vec<Event>>;

    /// Cases of a center in id order after a cursor, optionally received within a range.
    async fn cases_in_order(&self, q: &CaseRange) -> Result<Vec<StoredCase>>;

    /// Queues for the push every case event and evaluation of a center not yet queued (at most
    /// `limit`), in event order, each once: a row per event id, whoever else queues at the same
    /// time. Returns the number queued.
    async fn enqueue_push(
        &self,
        center_id: i64,
        center_code: &str,
        limit: u32,
        ctx: &Ctx,
    ) -> Result<u64>;

    /// Claims the oldest unsent push message (lowest event id) for `holder` until
    /// `now + lease`, if it is due: queued or retry with its next attempt at or before `now`, or
    /// sending under a lease that ran out (its sender died). `None` while the oldest is not due
    /// or held by another sender: messages go strictly one after another.
    async fn claim_push(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Option<PushMessage>>;

    /// Counts of a center's push messages by status, and the newest `limit` of those waiting
    /// for a retry, being sent or dead.
    async fn push_report(&self, center_id: i64, limit: u32) -> Result<PushReport>;

    /// Records the outcome of the attempt `holder` made. Returns `false` (and changes nothing)
    /// when the lease was lost to another sender meanwhile.
    async fn finish_push(
        &self,
        id: i64,
        holder: &str,
        outcome: &PushOutcome,
        ctx: &Ctx,
    ) -> Result<bool>;
}
