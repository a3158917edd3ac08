//! The audit chain: every write links its events into its center's SM3 chain with the origin of
//! the request, and a check of the chain finds the first event changed behind the store's back.

use chrono::NaiveDate;
use yichuang_domain::calendar::DayKind;

use super::{ctx, imported};
use crate::audit::{AuditFilter, ChainedEvent, Origin, chain_key, verify};
use crate::{Ctx, Store};

/// Writes a center with its catalog and a few calendar changes, the last ones from a request
/// with an origin; returns the center and its chain in order.
pub async fn chained_center(store: &dyn Store) -> (i64, Vec<ChainedEvent>) {
    let id = imported(store).await;
    let origin = Origin {
        ip: Some("203.0.113.7".into()),
        user_agent: Some("Mozilla/5.0 审计测试".into()),
    };
    origin
        .scope(async {
            for d in 1..=3 {
                let day = NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
                store
                    .set_calendar_day(id, day, Some(DayKind::Holiday), "地方节日", &ctx())
                    .await
                    .unwrap();
            }
        })
        .await;
    let chain = store
        .chained_events(chain_key(Some(id)), 1, 100_000)
        .await
        .unwrap();
    (id, chain)
}

/// Events are numbered 1, 2, 3… per center, each linked to the one before, with the request's
/// origin; the whole trail verifies; the audit log filters by actor, kind and subject.
pub async fn events_form_a_verified_chain_with_their_origin(store: &dyn Store) {
    let (id, chain) = chained_center(store).await;
    assert!(
        chain.len() > 3,
        "catalog import and calendar events are chained"
    );
    let mut prev = String::new();
    for (i, e) in chain.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1);
        assert_eq!(e.prev_hash, prev);
        assert_eq!(e.expected_hash(&prev), e.hash);
        prev.clone_from(&e.hash);
    }
    let last = chain.last().unwrap();
    assert_eq!(last.ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(last.user_agent.as_deref(), Some("Mozilla/5.0 审计测试"));
    assert_eq!(chain[0].ip, None, "writes outside a request have no origin");
    let heads = store.audit_heads().await.unwrap();
    let head = heads.iter().find(|h| h.chain_key == id).unwrap();
    assert_eq!(
        (head.seq, head.hash.as_str()),
        (last.seq, last.hash.as_str())
    );

    let report = verify(store, 1, None).await.unwrap();
    assert!(report.intact(), "{report:?}");
    assert!(report.checked() >= chain.len() as i64);
    let tail = verify(store, 1, Some(2)).await.unwrap();
    assert!(tail.intact());
    assert!(tail.checked() <= 2 * heads.len() as i64);

    // Writes made on behalf of one actor are found by actor, kind prefix and subject.
    let other = Ctx::new("auditor-probe", ctx().now);
    let day = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
    store
        .set_calendar_day(id, day, Some(DayKind::Holiday), "测试", &other)
        .await
        .unwrap();
    let found = store
        .audit_log(&AuditFilter {
            chain_key: Some(id),
            actor: Some("auditor-probe".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let kind = &found[0].kind;
    let by_kind = store
        .audit_log(&AuditFilter {
            kind_prefix: Some(kind[..kind.len() - 1].to_owned()),
            subject_id: Some(found[0].subject_id.clone()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(by_kind.iter().any(|e| e.id == found[0].id));
    let none = store
        .audit_log(&AuditFilter {
            kind_prefix: Some("%".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty(), "a % in the filter is literal");
    let newest_first = store
        .audit_log(&AuditFilter {
            chain_key: Some(id),
            limit: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(newest_first.len(), 2);
    assert!(newest_first[0].id > newest_first[1].id);
}

/// After `tamper` changed the chain behind the store's back, the check names `seq` as the first
/// broken place, for `reason` (a part of the Chinese text).
pub async fn chain_breaks_at(store: &dyn Store, seq: i64, reason: &str) {
    let report = verify(store, 1, None).await.unwrap();
    assert!(!report.intact());
    let broken = report
        .chains
        .iter()
        .find_map(|c| c.broken.clone())
        .unwrap_or_else(|| panic!("no broken chain in {report:?}"));
    assert_eq!(broken.seq, seq, "{broken:?}");
    assert!(broken.reason.contains(reason), "{broken:?}");
}

/// The whole trail verifies.
pub async fn chain_breaks_at_none(store: &dyn Store) {
    let report = verify(store, 1, None).await.unwrap();
    assert!(report.intact(), "{report:?}");
}
