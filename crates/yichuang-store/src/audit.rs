//! The tamper-evident audit trail. Every event takes the next place (`seq`) in its center's chain
//! and carries `hash = SM3(prev_hash ‖ canonical event)`, written in the transaction that
//! appends it, so that changing, removing or inserting any event afterwards breaks every link
//! after it. Both backends compute the hash with [`event_hash`] and are checked by [`verify`].
//!
//! Where a request came from (client address and user agent) travels with the request in a task
//! local set by the HTTP layer ([`Origin::scope`]) and is copied into every [`crate::Ctx`] made
//! while the request runs, so store code never has to be handed it.

use std::future::Future;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sm3::{Digest, Sm3};

use crate::Result;

tokio::task_local! {
    static ORIGIN: Origin;
}

/// Where a request came from, recorded with every event it causes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// Client address, after the trusted-proxy rules.
    pub ip: Option<String>,
    /// The `User-Agent` header, cut to 256 characters.
    pub user_agent: Option<String>,
}

impl Origin {
    /// Runs `f` with `self` as the origin of every context made inside it.
    pub async fn scope<F: Future>(self, f: F) -> F::Output {
        ORIGIN.scope(self, f).await
    }

    /// The origin of the running request; empty outside one (jobs, the command line).
    pub fn current() -> Self {
        ORIGIN.try_with(Clone::clone).unwrap_or_default()
    }
}

/// Off only inside `yichuang bench intake`, which measures what the chain costs by running the
/// same scenario with and without it in one process. Nothing else sets it.
static CHAIN_OFF: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Benchmarks only: write events without linking them, to measure the chain's cost in the same
/// run. The server never calls this; `yichuang audit verify` reports such events as unchained.
#[doc(hidden)]
pub fn set_chain_off_for_benchmark(off: bool) {
    CHAIN_OFF.store(off, std::sync::atomic::Ordering::SeqCst);
}

/// Whether appended events are linked into the chain (always, outside the benchmark).
pub fn chain_on() -> bool {
    !CHAIN_OFF.load(std::sync::atomic::Ordering::Relaxed)
}

/// The chain an event belongs to: its center, or chain 0 for events outside any center.
pub fn chain_key(center_id: Option<i64>) -> i64 {
    center_id.unwrap_or(0)
}

/// The fields of an event that its hash covers, in the order they are hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainedEvent {
    /// Row id.
    pub id: i64,
    /// Place in the chain, from 1.
    pub seq: i64,
    /// When, in epoch milliseconds (as stored).
    pub at_ms: i64,
    /// Who.
    pub actor: String,
    /// Center.
    pub center_id: Option<i64>,
    /// Subject kind.
    pub subject_kind: String,
    /// Subject id.
    pub subject_id: String,
    /// Event kind.
    pub kind: String,
    /// Payload exactly as stored (JSON text).
    pub payload: String,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Hash of the event before it in the chain (empty for the first).
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
}

/// The SM3 hash (lower-case hex) of an event linked after `prev_hash`. The event is serialized
/// as a JSON array, which has exactly one text for given values, so every backend and every
/// later check computes the same bytes.
#[allow(
    clippy::too_many_arguments,
    reason = "the hashed fields, in their fixed order"
)]
pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    at_ms: i64,
    actor: &str,
    center_id: Option<i64>,
    subject: (&str, &str),
    kind: &str,
    payload: &str,
    origin: &Origin,
) -> String {
    let canonical = serde_json::json!([
        seq,
        at_ms,
        actor,
        center_id,
        subject.0,
        subject.1,
        kind,
        payload,
        origin.ip,
        origin.user_agent,
    ]);
    let mut hasher = Sm3::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

impl ChainedEvent {
    /// The hash this event should carry after `prev_hash`.
    pub fn expected_hash(&self, prev_hash: &str) -> String {
        let origin = Origin {
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
        };
        event_hash(
            prev_hash,
            self.seq,
            self.at_ms,
            &self.actor,
            self.center_id,
            (&self.subject_kind, &self.subject_id),
            &self.kind,
            &self.payload,
            &origin,
        )
    }
}

/// The last link of one chain, as the store keeps it beside the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditHead {
    /// Chain key ([`chain_key`]).
    pub chain_key: i64,
    /// The last `seq` handed out.
    pub seq: i64,
    /// The hash of that event.
    pub hash: String,
}

/// What rewriting one chain of the log did ([`AuditStore::reseal_event_log`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainRewrite {
    /// Chain key.
    pub chain_key: i64,
    /// The first place whose event changed: every place before it keeps its hash.
    pub from_seq: i64,
    /// Events whose stored content changed (a personal value sealed or re-sealed with the
    /// current key, an applicant's phone replaced by the account's new name).
    pub rewritten: u64,
    /// Events from `from_seq` on that got a new hash (every one after the first change).
    pub relinked: u64,
    /// The head before the rewrite: anchors kept of places from `from_seq` on no longer hold.
    pub old_head: AuditHead,
    /// The head after it, the `audit_log_resealed` event that records it included.
    pub new_head: AuditHead,
}

impl std::fmt::Display for AuditHead {
    /// The anchor form `<chain>:<seq>:<hash>` that is copied off the machine.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.chain_key, self.seq, self.hash)
    }
}

impl std::str::FromStr for AuditHead {
    type Err = String;

    /// Parses an anchor `<chain>:<seq>:<hash>` (as [`AuditHead`] prints it).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("锚点“{s}”格式不对，应为 链号:序号:哈希（如 1:1234:9f…）");
        let mut parts = s.trim().splitn(3, ':');
        let chain_key = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let seq: i64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
        let hash = parts.next().unwrap_or_default().to_ascii_lowercase();
        if seq < 1 || hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self {
            chain_key,
            seq,
            hash,
        })
    }
}

/// Checks `report` (from [`verify`]) against heads written down earlier somewhere the
/// database's owner cannot reach (the 日报, a copy made by cron). The chain alone cannot show
/// a log rewritten as a whole — events edited and every later hash recomputed, the head too —
/// but such a rewrite changes the hash at every anchored place after the edit. The first
/// anchor that no longer holds marks its chain broken (when nothing earlier broke it).
pub async fn check_anchors(
    store: &dyn AuditStore,
    report: &mut AuditReport,
    anchors: &[AuditHead],
) -> Result<()> {
    for anchor in anchors {
        let found = store
            .chained_events(anchor.chain_key, anchor.seq, 1)
            .await?
            .into_iter()
            .next()
            .filter(|e| e.seq == anchor.seq);
        let broken = match found {
            None => Some(BrokenLink {
                seq: anchor.seq,
                event_id: None,
                reason: "锚点记录的事件已不存在（记录被删除或链被截短）".into(),
            }),
            Some(e) if e.hash != anchor.hash => Some(BrokenLink {
                seq: anchor.seq,
                event_id: Some(e.id),
                reason: "与外部保存的锚点不符（此前的记录被改写，哈希被重算）".into(),
            }),
            Some(_) => None,
        };
        // An anchor of a chain that has no head any more: the whole chain is gone.
        if !report
            .chains
            .iter()
            .any(|c| c.chain_key == anchor.chain_key)
        {
            report.chains.push(ChainReport {
                chain_key: anchor.chain_key,
                checked: 0,
                head_seq: 0,
                broken: None,
                anchors_held: 0,
            });
        }
        let Some(chain) = report
            .chains
            .iter_mut()
            .find(|c| c.chain_key == anchor.chain_key)
        else {
            continue;
        };
        if chain.broken.is_none() {
            chain.broken = broken;
        }
        if chain.broken.is_none() {
            chain.anchors_held += 1;
        }
    }
    Ok(())
}

/// A filter over the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events of this center (`Some(0)` for events outside any center).
    pub chain_key: Option<i64>,
    /// Only this actor.
    pub actor: Option<String>,
    /// Only kinds starting with this text.
    pub kind_prefix: Option<String>,
    /// Only this subject id (case number, username, matter code…).
    pub subject_id: Option<String>,
    /// From (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until (exclusive).
    pub until: Option<DateTime<Utc>>,
    /// At most this many, newest first.
    pub limit: u32,
}

/// Reading the audit trail. Every [`crate::Store`] is one.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The head of every chain.
    async fn audit_heads(&self) -> Result<Vec<AuditHead>>;

    /// Events of chain `chain_key` with `seq >= from_seq`, in `seq` order, at most `limit`.
    async fn chained_events(
        &self,
        chain_key: i64,
        from_seq: i64,
        limit: u32,
    ) -> Result<Vec<ChainedEvent>>;

    /// How many events have no place in any chain (none should, once migrated).
    async fn unchained_events(&self) -> Result<i64>;

    /// Events matching `filter`, newest first.
    async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<ChainedEvent>>;

    /// Rewrites the log so that no event keeps a plain personal value (written before
    /// sealing), a value sealed with an older key, or an applicant's phone as its actor; every
    /// later event of a changed chain is linked again and the chain records the rewrite in an
    /// `audit_log_resealed` event (old and new head). A chain that does not verify is refused,
    /// so a rewrite never hides a break. Needs the owner's rights (it lifts the append-only
    /// trigger inside its transaction, which also keeps every other writer of the log out);
    /// `progress` hears the events looked at so far. Anchors taken of rewritten places no
    /// longer hold: the new heads replace them.
    async fn reseal_event_log(
        &self,
        ctx: &crate::Ctx,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Vec<ChainRewrite>>;
}

/// What [`verify`] found in one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Chain key.
    pub chain_key: i64,
    /// Events checked.
    pub checked: i64,
    /// The head's `seq`.
    pub head_seq: i64,
    /// The first broken link, if any.
    pub broken: Option<BrokenLink>,
    /// External anchors of this chain that still hold.
    pub anchors_held: u32,
}

/// The first place where a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The place in the chain.
    pub seq: i64,
    /// The event's row id, when the event is there.
    pub event_id: Option<i64>,
    /// What is wrong, in Chinese.
    pub reason: String,
}

/// The outcome of checking every chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Per chain.
    pub chains: Vec<ChainReport>,
    /// Events outside every chain.
    pub unchained: i64,
}

impl AuditReport {
    /// True when every link holds and every event is chained.
    pub fn intact(&self) -> bool {
        self.unchained == 0 && self.chains.iter().all(|c| c.broken.is_none())
    }

    /// Events checked in all chains.
    pub fn checked(&self) -> i64 {
        self.chains.iter().map(|c| c.checked).sum()
    }
}

const BATCH: u32 = 2_000;

/// Checks every chain from `from_seq` (1 = the whole chain) to its head. With `tail`, each chain
/// is checked only over its last `tail` events (the quick check at server start).
pub async fn verify(
    store: &dyn AuditStore,
    from_seq: i64,
    tail: Option<i64>,
) -> Result<AuditReport> {
    let mut report = AuditReport {
        chains: Vec::new(),
        unchained: store.unchained_events().await?,
    };
    for head in store.audit_heads().await? {
        let start = match tail {
            Some(n) => (head.seq - n + 1).max(from_seq),
            None => from_seq,
        }
        .max(1);
        report.chains.push(verify_chain(store, &head, start).await?);
    }
    Ok(report)
}

async fn verify_chain(store: &dyn AuditStore, head: &AuditHead, start: i64) -> Result<ChainReport> {
    let mut report = ChainReport {
        chain_key: head.chain_key,
        checked: 0,
        head_seq: head.seq,
        broken: None,
        anchors_held: 0,
    };
    let broken = |seq, event_id, reason: &str| {
        Some(BrokenLink {
            seq,
            event_id,
            reason: reason.to_owned(),
        })
    };
    // The link into the first checked event is the hash of the one before it.
    let mut prev = String::new();
    if start > 1 {
        match store
            .chained_events(head.chain_key, start - 1, 1)
            .await?
            .first()
        {
            Some(e) if e.seq == start - 1 => prev = e.hash.clone(),
            _ => {
                report.broken = broken(start - 1, None, "事件缺失（记录被删除）");
                return Ok(report);
            }
        }
    }
    let mut expected = start;
    loop {
        let batch = store
            .chained_events(head.chain_key, expected, BATCH)
            .await?;
        for e in &batch {
            if e.seq != expected {
                report.broken = broken(expected, None, "事件缺失（记录被删除）");
                return Ok(report);
            }
            if e.prev_hash != prev {
                report.broken = broken(e.seq, Some(e.id), "与前一事件的链接不符（前序被改动）");
                return Ok(report);
            }
            if e.expected_hash(&prev) != e.hash {
                report.broken = broken(e.seq, Some(e.id), "内容与哈希不符（记录被篡改）");
                return Ok(report);
            }
            prev.clone_from(&e.hash);
            expected += 1;
            report.checked += 1;
        }
        if batch.len() < BATCH as usize {
            break;
        }
    }
    if expected <= head.seq {
        report.broken = broken(expected, None, "链尾事件缺失（记录被删除）");
    } else if head.seq > 0 && prev != head.hash {
        report.broken = broken(head.seq, None, "链头与最后一个事件不符");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_matches_the_standard_vector() {
        // GM/T 0004-2012, example 1.
        assert_eq!(
            hex::encode(Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn every_hashed_field_changes_the_hash() {
        let origin = Origin {
            ip: Some("10.0.0.1".into()),
            user_agent: Some("UA".into()),
        };
        let base = event_hash("p", 1, 2, "a", Some(1), ("case", "1"), "k", "{}", &origin);
        let other_origin = Origin {
            ip: Some("10.0.0.2".into()),
            ..origin.clone()
        };
        let variants = [
            event_hash("q", 1, 2, "a", Some(1), ("case", "1"), "k", "{}", &origin),
            event_hash("p", 2, 2, "a", Some(1), ("case", "1"), "k", "{}", &origin),
            event_hash("p", 1, 3, "a", Some(1), ("case", "1"), "k", "{}", &origin),
            event_hash("p", 1, 2, "b", Some(1), ("case", "1"), "k", "{}", &origin),
            event_hash("p", 1, 2, "a", None, ("case", "1"), "k", "{}", &origin),
            event_hash("p", 1, 2, "a", Some(1), ("user", "1"), "k", "{}", &origin),
            event_hash("p", 1, 2, "a", Some(1), ("case", "2"), "k", "{}", &origin),
            event_hash("p", 1, 2, "a", Some(1), ("case", "1"), "j", "{}", &origin),
            event_hash("p", 1, 2, "a", Some(1), ("case", "1"), "k", "[]", &origin),
            event_hash(
                "p",
                1,
                2,
                "a",
                Some(1),
                ("case", "1"),
                "k",
                "{}",
                &other_origin,
            ),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
        assert_eq!(base.len(), 64);
    }

    #[tokio::test]
    async fn origin_is_seen_inside_its_scope_only() {
        let o = Origin {
            ip: Some("1.2.3.4".into()),
            user_agent: None,
        };
        let inside = o.clone().scope(async { Origin::current() }).await;
        assert_eq!(inside, o);
        assert_eq!(Origin::current(), Origin::default());
    }
}
