//! The push to a provincial platform: a receiver on 127.0.0.1 that fails (retries on the fake
//! clock, each event once and in order, dead letters on /admin/outbox), two PostgreSQL instances
//! pushing at once, and an event stream on one instance carrying another's events.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::Duration;
use serde_json::{Value, json};
use yichuang_core::exchange::push::ExchangeSettings;
use yichuang_core::store::exchange::FeedQuery;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;
use crate::api_cases::ID;
use crate::exchange::{RSJ_MATTER, accepted, delivered, sse_events};

/// A receiver of the push on 127.0.0.1 that answers 500 to its first `fail_first` requests
/// (or to all), and records every request.
#[derive(Default)]
struct Receiver {
    fail_first: usize,
    always_fail: bool,
    hits: Mutex<Vec<(u16, String, String, Value)>>,
}

impl Receiver {
    async fn start(self) -> (Arc<Self>, String) {
        let me = Arc::new(self);
        let router = axum::Router::new()
            .route("/in", axum::routing::post(receive))
            .with_state(Arc::clone(&me));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/in", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (me, url)
    }

    /// The idempotency keys of the requests answered 200, in arrival order.
    fn delivered(&self) -> Vec<String> {
        let hits = self.hits.lock().unwrap();
        hits.iter()
            .filter(|h| h.0 == 200)
            .map(|h| h.1.clone())
            .collect()
    }

    fn requests(&self) -> usize {
        self.hits.lock().unwrap().len()
    }
}

async fn receive(
    State(r): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, &'static str) {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let mut hits = r.hits.lock().unwrap();
    let fail = r.always_fail || hits.len() < r.fail_first;
    let status = if fail { 500 } else { 200 };
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    hits.push((
        status,
        header("idempotency-key"),
        header("authorization"),
        body,
    ));
    if fail {
        (StatusCode::INTERNAL_SERVER_ERROR, "省平台维护中")
    } else {
        (StatusCode::OK, "ok")
    }
}

/// The keys the push must deliver: every case event and evaluation of the center, in order.
async fn expected_keys(app: &TestApp) -> Vec<String> {
    let center = app.core.default_center().await.unwrap();
    let q = FeedQuery {
        center_id: center.id,
        department: None,
        after: 0,
        limit: 500,
        evaluations: true,
    };
    let events = app.core.store().case_feed(&q).await.unwrap();
    events
        .iter()
        .map(|e| format!("{}-{}", center.code, e.id))
        .collect()
}

#[tokio::test]
async fn the_push_delivers_every_event_once_in_order_through_a_failing_receiver() {
    let app = TestApp::sqlite().await;
    let no = delivered(&app).await;
    let rating = json!({"case_no": no, "name": "张三", "level": "satisfied", "channel": "web"});
    let (s, v) = app
        .send_json(reqwest::Method::POST, "/api/v1/evaluations", None, &rating)
        .await;
    assert!(s == 200 || s == 201, "{v}");
    let expected = expected_keys(&app).await;
    assert_eq!(
        expected.len(),
        10,
        "9 case events and the evaluation: {expected:?}"
    );

    let (rx, url) = Receiver {
        fail_first: 2,
        ..Default::default()
    }
    .start()
    .await;
    let settings = ExchangeSettings::new(&url, "Authorization: Bearer t0ken", 5, 30).unwrap();
    let core = app.core.clone().with_exchange(settings).unwrap();

    let run = core.run_push("a").await.unwrap();
    assert_eq!((run.queued, run.sent, run.failed), (10, 0, 1));
    let run = core.run_push("a").await.unwrap();
    assert_eq!((run.queued, run.sent, run.failed), (0, 0, 0), "not due yet");
    assert_eq!(rx.requests(), 1, "nothing overtakes the failed head");
    app.clock.advance(Duration::seconds(30));
    let run = core.run_push("a").await.unwrap();
    assert_eq!(
        (run.sent, run.failed),
        (0, 1),
        "the second attempt fails too"
    );
    app.clock.advance(Duration::seconds(59));
    assert_eq!(
        core.run_push("a").await.unwrap().sent,
        0,
        "backoff doubled to 60 s"
    );
    app.clock.advance(Duration::seconds(1));
    let run = core.run_push("a").await.unwrap();
    assert_eq!((run.sent, run.failed, run.dead), (10, 0, 0));
    assert_eq!(rx.delivered(), expected, "each once, in event order");
    assert_eq!(rx.requests(), 12);

    // Nothing is sent twice; a new event goes once.
    assert_eq!(core.run_push("b").await.unwrap(), Default::default());
    let admin = app.token("admin").await;
    let reveal = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/cases/{no}/reveal"),
            Some(&admin),
            &json!({"reason": "核对身份"}),
        )
        .await;
    assert_eq!(reveal.0, 200, "{}", reveal.1);
    let later = accepted(&app, RSJ_MATTER).await;
    let run = core.run_push("b").await.unwrap();
    assert_eq!(
        (run.queued, run.sent),
        (2, 2),
        "the audited reveal is not pushed"
    );
    let all = expected_keys(&app).await;
    assert_eq!(rx.delivered(), all);

    let hits = rx.hits.lock().unwrap();
    for (status, key, auth, body) in hits.iter() {
        assert_eq!(auth, "Bearer t0ken");
        assert_eq!(key, &format!("341800-{}", body["event_id"]), "{status}");
    }
    let last = &hits.last().unwrap().3;
    assert_eq!(
        (last["subject_id"].as_str(), last["kind"].as_str()),
        (Some(later.as_str()), Some("case_accepted"))
    );
    assert_eq!(
        last["payload"]["matter"], RSJ_MATTER,
        "codes are not masked"
    );
    let rated = hits
        .iter()
        .find(|h| h.3["kind"] == "evaluation_recorded")
        .unwrap();
    assert_eq!(rated.3["payload"]["case_no"], no.as_str());
    let raw = serde_json::to_string(&hits.iter().map(|h| &h.3).collect::<Vec<_>>()).unwrap();
    assert!(
        !raw.contains(ID) && !raw.contains("13912345678"),
        "masked: {raw}"
    );
}

#[tokio::test]
async fn a_receiver_that_always_fails_leaves_a_dead_letter_on_admin_outbox() {
    let app = TestApp::sqlite().await;
    accepted(&app, FIRST_MATTER).await;
    let (rx, url) = Receiver {
        always_fail: true,
        ..Default::default()
    }
    .start()
    .await;
    let core = app
        .core
        .clone()
        .with_exchange(ExchangeSettings::new(&url, "", 3, 10).unwrap())
        .unwrap();
    assert_eq!(core.run_push("a").await.unwrap().failed, 1);
    app.clock.advance(Duration::seconds(10));
    assert_eq!(core.run_push("a").await.unwrap().failed, 1);
    app.clock.advance(Duration::seconds(20));
    let run = core.run_push("a").await.unwrap();
    assert_eq!(
        (run.dead, run.failed),
        (1, 1),
        "the third failure gives the head up; the next one is tried and waits"
    );
    assert_eq!(rx.requests(), 4);
    let keys: Vec<String> = rx
        .hits
        .lock()
        .unwrap()
        .iter()
        .map(|h| h.1.clone())
        .collect();
    let expected = expected_keys(&app).await;
    assert_eq!(
        keys,
        [&expected[0], &expected[0], &expected[0], &expected[1]].map(String::clone)
    );

    let admin = app.token("admin").await;
    let (s, page) = app.get_text_as(&admin, "/admin/outbox").await;
    assert_eq!(s, 200);
    for text in [
        "省级平台推送",
        "已放弃（死信）：1 条",
        "等待重试：1 条",
        "已放弃（死信）",
        "HTTP 500",
        "省平台维护中",
    ] {
        assert!(page.contains(text), "{text} missing: {page}");
    }
    let attention = &page[page.find("id=\"push-attention\"").unwrap()..];
    assert!(
        attention.contains("<td>3</td>"),
        "three attempts shown: {attention}"
    );
    let clerk = app.token("clerk1").await;
    assert_eq!(app.get_text_as(&clerk, "/admin/outbox").await.0, 403);
}

#[tokio::test]
async fn postgres_two_instances_push_each_event_once_in_order() {
    let Some((a, b)) = TestApp::postgres_pair("postgres push two instances").await else {
        return;
    };
    for matter in [FIRST_MATTER, RSJ_MATTER, FIRST_MATTER] {
        accepted(&a, matter).await;
    }
    let (rx, url) = Receiver::default().start().await;
    let settings = ExchangeSettings::new(&url, "", 5, 30).unwrap();
    let one = a.core.clone().with_exchange(settings.clone()).unwrap();
    let two = b.core.clone().with_exchange(settings).unwrap();
    for _ in 0..3 {
        let (x, y) = tokio::join!(one.run_push("a"), two.run_push("b"));
        x.unwrap();
        y.unwrap();
    }
    let expected = expected_keys(&a).await;
    assert_eq!(expected.len(), 6);
    assert_eq!(
        rx.delivered(),
        expected,
        "once each, in order, across both instances"
    );
    assert_eq!(rx.requests(), 6);
}

#[tokio::test]
async fn postgres_a_stream_on_one_instance_carries_the_events_written_on_another() {
    let Some((a, b)) = TestApp::postgres_pair("postgres event stream two instances").await else {
        return;
    };
    let supervisor = a.token("supervisor").await;
    let r = a
        .client
        .get(a.url("/api/v1/events/stream"))
        .bearer_auth(&supervisor)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Written through the other instance after the stream started.
    let no = accepted(&b, FIRST_MATTER).await;
    let events = sse_events(r, 2).await;
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["case_no"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            (no.as_str(), "case_received"),
            (no.as_str(), "case_accepted")
        ]
    );
}
