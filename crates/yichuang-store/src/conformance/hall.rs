//! Conformance scenarios of the hall queue: numbering, guards and concurrent calls.

use chrono::NaiveDate;

use super::{ctx, imported, t0};
use crate::{Store, StoreError};

/// 300 simultaneous calls from 20 windows never hand out a ticket twice, and every ticket is
/// called exactly once.
pub async fn concurrent_calls_never_share_a_ticket(store: &dyn Store) {
    use yichuang_domain::queue::{Ratio, TicketKind};
    let id = imported(store).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let windows: Vec<(String, String)> = store
        .windows(id)
        .await
        .unwrap()
        .into_iter()
        .take(20)
        .map(|w| (w.code, w.group))
        .collect();
    let mut groups: Vec<String> = windows.iter().map(|(_, g)| g.clone()).collect();
    groups.dedup();
    for i in 0..300 {
        let group = &groups[i % groups.len()];
        let kind = if i % 7 == 0 {
            TicketKind::Priority
        } else {
            TicketKind::Normal
        };
        let new = crate::NewTicket {
            center_id: id,
            day,
            group: group.clone(),
            kind,
            id_hash: None,
            also_held_as: None,
            holder_id: None,
            callable_at: t0(),
        };
        store.issue_ticket(&new, &ctx()).await.unwrap();
    }
    let calls = (0..300).map(|i| {
        let (window, group) = windows[i % windows.len()].clone();
        async move {
            let req = crate::CallRequest {
                center_id: id,
                window,
                groups: vec![group],
                ratio: Ratio::default(),
            };
            store.call_next(&req, &ctx()).await
        }
    });
    let mut called: Vec<i64> = Vec::new();
    for r in futures_util::future::join_all(calls).await {
        if let Some(t) = r.unwrap() {
            called.push(t.id);
        }
    }
    let n = called.len();
    called.sort_unstable();
    called.dedup();
    assert_eq!(called.len(), n, "a ticket was called twice");
    // Drain what the uneven group split left and check every ticket was called once.
    loop {
        let mut any = false;
        for (window, group) in &windows {
            let req = crate::CallRequest {
                center_id: id,
                window: window.clone(),
                groups: vec![group.clone()],
                ratio: Ratio::default(),
            };
            if let Some(t) = store.call_next(&req, &ctx()).await.unwrap() {
                called.push(t.id);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    let total = called.len();
    called.sort_unstable();
    called.dedup();
    assert_eq!((called.len(), total), (300, 300));
}

/// Numbers run per group and day with the kind's prefix; a second waiting ticket for the same
/// person and group is refused; a transition from a stale status is refused.
pub async fn tickets_are_numbered_and_guarded(store: &dyn Store) {
    use yichuang_domain::queue::{Ratio, TicketKind, TicketStatus};
    let id = imported(store).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let ticket = |kind, hash: Option<&str>| crate::NewTicket {
        center_id: id,
        day,
        group: "comprehensive".into(),
        kind,
        id_hash: hash.map(Into::into),
        also_held_as: None,
        holder_id: None,
        callable_at: t0(),
    };
    let a = store
        .issue_ticket(&ticket(TicketKind::Normal, Some("h1")), &ctx())
        .await
        .unwrap();
    let b = store
        .issue_ticket(&ticket(TicketKind::Priority, None), &ctx())
        .await
        .unwrap();
    assert_eq!((a.number.as_str(), b.number.as_str()), ("A001", "VA002"));
    let dup = store
        .issue_ticket(&ticket(TicketKind::Normal, Some("h1")), &ctx())
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict(_)));
    let req = crate::CallRequest {
        center_id: id,
        window: "W01".into(),
        groups: vec!["comprehensive".into()],
        ratio: Ratio::default(),
    };
    let first = store.call_next(&req, &ctx()).await.unwrap().unwrap();
    assert_eq!(first.number, "VA002", "priority first in a fresh cycle");
    assert_eq!(first.window.as_deref(), Some("W01"));
    let mut finished = first.clone();
    finished.status = TicketStatus::Finished;
    store
        .update_ticket(
            &finished,
            TicketStatus::Serving,
            "ticket_finished",
            serde_json::json!({}),
            &ctx(),
        )
        .await
        .unwrap_err();
    finished.status = TicketStatus::Serving;
    store
        .update_ticket(
            &finished,
            TicketStatus::Called,
            "ticket_started",
            serde_json::json!({}),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.ticket(first.id).await.unwrap().unwrap().status,
        TicketStatus::Serving
    );
    // The window's current ticket is found by the window, and only there.
    let at = store.window_ticket(id, day, "W01").await.unwrap().unwrap();
    assert_eq!((at.id, at.status), (first.id, TicketStatus::Serving));
    assert!(store.window_ticket(id, day, "W02").await.unwrap().is_none());
    assert!(
        store
            .window_ticket(id, day.succ_opt().unwrap(), "W01")
            .await
            .unwrap()
            .is_none()
    );
    store
        .set_window_paused(id, "W02", true, &ctx())
        .await
        .unwrap();
    let paused = crate::CallRequest {
        window: "W02".into(),
        ..req.clone()
    };
    assert!(
        store.call_next(&paused, &ctx()).await.unwrap().is_none(),
        "a paused window calls nobody"
    );
    assert!(store.window_paused(id, "W02").await.unwrap());
    let waiting = store
        .tickets(id, day, &[TicketStatus::Waiting])
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
}
