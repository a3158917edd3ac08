//! Data exchange: the case-event feed (scoped, paged), cases in a stable order, and the push
//! queue (each event once, strictly in order, leased, retried, dead-lettered).

use chrono::Duration;
use serde_json::json;

use super::{ctx, demo_case, imported, t0, write_of};
use crate::exchange::{CaseRange, FeedQuery, PushOutcome};
use crate::{Ctx, Store};

/// The feed holds case events (not audit reads) in id order, scoped to a department, paged by
/// cursor; cases come in id order; the push queues each event once and sends one at a time.
pub async fn exchange_feed_and_push_queue(store: &dyn Store) {
    let id = imported(store).await;
    let mut nos = Vec::new();
    for i in 1..=3 {
        let no = format!("341800-20261102-000{i}");
        let (case, events) = demo_case(id, &no, t0());
        store
            .create_case(&write_of(case, events), None, &Ctx::new("clerk1", t0()))
            .await
            .unwrap();
        nos.push(no);
    }
    let department = store.case_by_no(&nos[0]).await.unwrap().unwrap();
    let department = department.case.received.department.clone();
    // An audited read on a case's timeline, and an evaluation.
    store
        .record_event(
            Some(id),
            ("case", &nos[0]),
            "personal_data_revealed",
            json!({}),
            &ctx(),
        )
        .await
        .unwrap();
    store
        .record_event(
            Some(id),
            ("evaluation", "7"),
            "evaluation_recorded",
            json!({"level": "very_satisfied", "phone": "13912345678"}),
            &ctx(),
        )
        .await
        .unwrap();

    let q = |after: i64, limit: u32, department: Option<&str>, evaluations: bool| FeedQuery {
        center_id: id,
        department: department.map(str::to_owned),
        after,
        limit,
        evaluations,
    };
    let all = store.case_feed(&q(0, 100, None, false)).await.unwrap();
    assert_eq!(
        all.len(),
        6,
        "received and accepted of three cases: {all:?}"
    );
    assert!(all.iter().all(|e| e.subject_kind == "case"));
    assert!(all.iter().all(|e| e.kind != "personal_data_revealed"));
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    // Pages of two, each after the last id of the one before: the same events, no gaps.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.case_feed(&q(after, 2, None, false)).await.unwrap();
        let Some(last) = page.last() else { break };
        after = last.id;
        paged.extend(page);
    }
    assert_eq!(paged, all);
    let with_evaluations = store.case_feed(&q(0, 100, None, true)).await.unwrap();
    assert_eq!(with_evaluations.len(), 7);
    assert_eq!(with_evaluations[6].kind, "evaluation_recorded");
    let own = store
        .case_feed(&q(0, 100, Some(&department), true))
        .await
        .unwrap();
    assert_eq!(own.len(), 6, "a department sees its cases, not evaluations");
    let other = store
        .case_feed(&q(0, 100, Some("no-such-department"), false))
        .await
        .unwrap();
    assert!(
        other.is_empty(),
        "another department sees nothing: {other:?}"
    );
    let elsewhere = FeedQuery {
        center_id: id + 1000,
        ..q(0, 100, None, true)
    };
    assert!(store.case_feed(&elsewhere).await.unwrap().is_empty());

    // Cases in id order, paged by id.
    let range = |after_id, limit| CaseRange {
        center_id: id,
        after_id,
        received_from: Some(t0()),
        received_before: Some(t0() + Duration::days(1)),
        limit,
    };
    let first = store.cases_in_order(&range(0, 2)).await.unwrap();
    let rest = store.cases_in_order(&range(first[1].id, 2)).await.unwrap();
    let got: Vec<&str> = first
        .iter()
        .chain(&rest)
        .map(|c| c.case.case_no())
        .collect();
    assert_eq!(got, nos.iter().map(String::as_str).collect::<Vec<_>>());
    let later = CaseRange {
        received_from: Some(t0() + Duration::days(1)),
        received_before: None,
        ..range(0, 10)
    };
    assert!(store.cases_in_order(&later).await.unwrap().is_empty());

    // The push queue: every case event and the evaluation, once.
    let now = t0();
    let at = Ctx::new("system", now);
    assert_eq!(store.enqueue_push(id, "341800", 4, &at).await.unwrap(), 4);
    assert_eq!(store.enqueue_push(id, "341800", 100, &at).await.unwrap(), 3);
    assert_eq!(store.enqueue_push(id, "341800", 100, &at).await.unwrap(), 0);
    let lease = Duration::minutes(2);
    let m1 = store.claim_push("a", now, lease).await.unwrap().unwrap();
    assert_eq!(
        m1.event_id, with_evaluations[0].id,
        "the oldest event first"
    );
    assert_eq!(m1.idempotency_key, format!("341800-{}", m1.event_id));
    assert_eq!(m1.attempts, 0);
    let body: serde_json::Value = serde_json::from_str(&m1.body).unwrap();
    assert_eq!(body["kind"], "case_received");
    assert!(
        !m1.body.contains("11010519491231002X") && !m1.body.contains("13912345678"),
        "personal data leaves masked: {}",
        m1.body
    );
    assert!(
        store.claim_push("b", now, lease).await.unwrap().is_none(),
        "one sender at a time, and nothing overtakes the head"
    );
    let retry_at = now + Duration::seconds(30);
    let failed = PushOutcome::Retry {
        error: "HTTP 500".into(),
        next_at: retry_at,
    };
    assert!(store.finish_push(m1.id, "a", &failed, &at).await.unwrap());
    assert!(
        store.claim_push("b", now, lease).await.unwrap().is_none(),
        "not due before its retry time"
    );
    let again = store
        .claim_push("b", retry_at, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (m1.id, 1));
    // A sender whose lease ran out loses the message to another, and cannot finish it.
    let expired = retry_at + lease;
    let taken = store
        .claim_push("c", expired, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, m1.id);
    assert!(
        !store
            .finish_push(m1.id, "b", &PushOutcome::Sent, &at)
            .await
            .unwrap()
    );
    assert!(
        store
            .finish_push(m1.id, "c", &PushOutcome::Sent, &at)
            .await
            .unwrap()
    );
    let m2 = store
        .claim_push("c", expired, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m2.event_id, with_evaluations[1].id);
    let dead = PushOutcome::Dead {
        error: "HTTP 500 Internal Server Error".into(),
    };
    assert!(store.finish_push(m2.id, "c", &dead, &at).await.unwrap());
    let m3 = store
        .claim_push("c", expired, lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        m3.event_id, with_evaluations[2].id,
        "a dead letter is passed"
    );
    assert!(
        store.outbox(id, 100).await.unwrap().is_empty(),
        "the SMS outbox does not list the push"
    );
    let report = store.push_report(id, 100).await.unwrap();
    let counts: Vec<(&str, u64)> = report
        .counts
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(
        counts,
        [("dead", 1), ("queued", 4), ("sending", 1), ("sent", 1)]
    );
    let ids: Vec<i64> = report.attention.iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [m3.id, m2.id],
        "newest first; sent and queued need no attention"
    );
    let dead_row = &report.attention[1];
    assert_eq!((dead_row.status.as_str(), dead_row.attempts), ("dead", 1));
    assert_eq!(
        dead_row.last_error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    assert_eq!(dead_row.recipient, "省级政务服务平台");
    assert!(
        store
            .push_report(id + 1000, 100)
            .await
            .unwrap()
            .counts
            .is_empty()
    );
}
