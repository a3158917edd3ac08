//! The same HTTP slice on PostgreSQL (skipped without `YICHUANG_TEST_POSTGRES_URL`).

use reqwest::Method;
use serde_json::json;
use yichuang_testkit::TestApp;

use crate::FIRST_MATTER;

#[tokio::test]
async fn postgres_serves_the_catalog_logins_and_the_calendar() {
    let Some(app) = TestApp::postgres("postgres http slice").await else {
        return;
    };
    let (status, body) = app.get_json("/api/v1/matters").await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(255)));
    let (status, g) = app
        .get_json(&format!("/api/v1/matters/{FIRST_MATTER}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(g["materials"].as_array().unwrap().len(), 6);
    let admin = app.token("admin").await;
    let body = json!({"kind": "holiday", "note": "地方节日"});
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&admin),
            &body,
        )
        .await;
    assert_eq!(status, 200);
    let (_, v) = app
        .get_json("/api/v1/calendar/add-working-days?from=2026-12-01&days=1")
        .await;
    assert_eq!(v["date"], "2026-12-03");
    let clerk = app.token("clerk1").await;
    let (status, _) = app
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&clerk),
            &body,
        )
        .await;
    assert_eq!(status, 403);
    let (_, page) = app.get_text(&format!("/matters/{FIRST_MATTER}")).await;
    assert!(page.contains("城市建筑垃圾处置核准申请表"));
}

#[tokio::test]
async fn postgres_a_display_on_one_instance_sees_calls_made_on_another() {
    let Some((a, b)) = TestApp::postgres_pair("postgres two instances").await else {
        return;
    };
    let mut stream = a
        .client
        .get(a.url("/api/v1/queue/events"))
        .send()
        .await
        .unwrap();
    let clerk = b.token("clerk4").await;
    let (s, _) = b
        .send_json(
            Method::POST,
            "/api/v1/tickets",
            Some(&clerk),
            &json!({"group": "comprehensive"}),
        )
        .await;
    assert_eq!(s, 201);
    let r = b
        .client
        .post(b.url("/api/v1/windows/W04/call"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !seen.contains("event: called") {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .expect("the call on the other instance arrives within 5 s")
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(
        seen.contains("\"number\":\"A001\"") && seen.contains("综合窗口4号"),
        "{seen}"
    );
}

#[tokio::test]
async fn postgres_serves_the_hall_queue() {
    let Some(app) = TestApp::postgres("postgres queue slice").await else {
        return;
    };
    let clerk = app.token("clerk1").await;
    for p in ["normal", "priority", "normal"] {
        let body = json!({"group": "comprehensive", "priority": p});
        assert_eq!(
            app.send_json(Method::POST, "/api/v1/tickets", Some(&clerk), &body)
                .await
                .0,
            201
        );
    }
    let r = app
        .client
        .post(app.url("/api/v1/windows/W01/call"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["ticket"]["number"], "VA002");
    let (_, status) = app.get_json("/api/v1/queue/status").await;
    let c = status["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == "comprehensive")
        .unwrap()
        .clone();
    assert_eq!(c["waiting"], 2);
}

/// Four windows on two instances (two each) call 60 tickets at once: every ticket is called
/// exactly once, and the display connected to instance A sees every call, B's included.
/// Tickets waiting in every group, as the instance's queue status shows them.
async fn waiting(app: &TestApp) -> u64 {
    let (_, status) = app.get_json("/api/v1/queue/status").await;
    status["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["waiting"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn postgres_two_instances_calling_at_once_never_call_a_ticket_twice() {
    let Some((a, b)) = TestApp::postgres_pair("postgres two instances calling").await else {
        return;
    };
    let a = std::sync::Arc::new(a);
    let b = std::sync::Arc::new(b);
    let mut stream = a
        .client
        .get(a.url("/api/v1/queue/events"))
        .send()
        .await
        .unwrap();
    let kiosk = a.token("clerk1").await;
    for i in 0..60 {
        let app = if i % 2 == 0 { &a } else { &b };
        let body = json!({"group": "comprehensive"});
        let (s, _) = app
            .send_json(Method::POST, "/api/v1/tickets", Some(&kiosk), &body)
            .await;
        assert_eq!(s, 201);
    }
    // Every window logs in first, so that all four start calling together (logging in one
    // after the other, the last window found the 60 tickets already called).
    let mut windows = Vec::new();
    for (n, app) in [(1, &a), (2, &a), (3, &b), (4, &b)] {
        windows.push((
            n,
            std::sync::Arc::clone(app),
            app.token(&format!("clerk{n}")).await,
        ));
    }
    let mut tasks = Vec::new();
    for (n, app, token) in windows {
        tasks.push(tokio::spawn(async move {
            let mut called = Vec::new();
            // SKIP LOCKED may answer "nobody" while another window's batch holds the last rows
            // (for as long as that batch takes under load); only a queue with nobody waiting
            // ends the loop.
            loop {
                let r = app
                    .client
                    .post(app.url(&format!("/api/v1/windows/W{n:02}/call")))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                match r.status().as_u16() {
                    200 => {
                        let v: serde_json::Value = r.json().await.unwrap();
                        called.push(v["ticket"]["id"].as_i64().unwrap());
                    }
                    204 => {
                        if waiting(&app).await == 0 {
                            break;
                        }
                        tokio::task::yield_now().await;
                    }
                    s => panic!("call answered {s}"),
                }
            }
            called
        }));
    }
    let mut all = Vec::new();
    let mut per_instance = [0usize; 2];
    let mut calling = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let called = t.await.unwrap();
        per_instance[i / 2] += called.len();
        if !called.is_empty() {
            calling.push(format!("综合窗口{}号", i + 1));
        }
        all.extend(called);
    }
    let distinct: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(
        (all.len(), distinct.len()),
        (60, 60),
        "no ticket called twice"
    );
    assert!(
        per_instance[0] > 0 && per_instance[1] > 0,
        "both instances called: {per_instance:?}"
    );
    assert_eq!(waiting(&b).await, 0);
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.matches("event: called").count() < 60 {
        let chunk = tokio::time::timeout_at(deadline, stream.chunk())
            .await
            .unwrap_or_else(|_| {
                let n = seen.matches("event: called").count();
                panic!("the display on A saw {n} of 60 calls")
            })
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    // The display on A sees the calls of every window that called, those of B included
    // (both instances called, asserted above).
    for w in &calling {
        assert!(seen.contains(w.as_str()), "a call of {w} reached A");
    }
}

/// A calendar change on one instance reaches the other's cache at once (NOTIFY), although the
/// cache there trusts entries for a minute.
#[tokio::test]
async fn postgres_a_calendar_change_on_one_instance_is_seen_by_the_other_at_once() {
    let Some((a, b)) = TestApp::postgres_pair("postgres cache invalidation").await else {
        return;
    };
    let path = "/api/v1/calendar/add-working-days?from=2026-12-01&days=1";
    let (_, v) = b.get_json(path).await;
    assert_eq!(v["date"], "2026-12-02", "B has the calendar cached now");
    let admin = a.token("admin").await;
    let body = json!({"kind": "holiday", "note": "地方节日"});
    let (status, _) = a
        .send_json(
            Method::PUT,
            "/api/v1/calendar/days/2026-12-02",
            Some(&admin),
            &body,
        )
        .await;
    assert_eq!(status, 200);
    assert!(yichuang_core::SHARED_CACHE_TTL.as_secs() >= 60);
    // Within less than even the single-process TTL: only the notification can explain it.
    let deadline = tokio::time::Instant::now() + yichuang_core::CACHE_TTL * 3 / 4;
    loop {
        let (_, v) = b.get_json(path).await;
        if v["date"] == "2026-12-03" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "B still computes with the old calendar: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Both instances tick at the same moment: the sweeps run on exactly one, once per period, and
/// the other takes over when the first stops ticking.
#[tokio::test]
async fn postgres_sweeps_run_on_one_instance_per_period() {
    let Some((a, b)) = TestApp::postgres_pair("postgres sweeps once").await else {
        return;
    };
    let (ra, rb) = tokio::join!(a.core.run_sweeps("a"), b.core.run_sweeps("b"));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert!(ra.ran ^ rb.ran, "exactly one ran: {ra:?} {rb:?}");
    assert_eq!((ra.failed, rb.failed), (0, 0));
    assert!(!a.core.run_sweeps("a").await.unwrap().ran);
    assert!(!b.core.run_sweeps("b").await.unwrap().ran);
    for app in [&a, &b] {
        app.clock.advance(chrono::Duration::seconds(60));
    }
    let (ra, rb) = tokio::join!(a.core.run_sweeps("a"), b.core.run_sweeps("b"));
    assert!(ra.unwrap().ran ^ rb.unwrap().ran, "again exactly one");
    // A stops; B keeps ticking and runs the next period itself.
    b.clock.advance(chrono::Duration::seconds(60));
    assert!(b.core.run_sweeps("b").await.unwrap().ran);
}
