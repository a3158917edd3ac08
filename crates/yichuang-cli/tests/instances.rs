//! Two real `yichuang serve` processes on one PostgreSQL database act as one hall: windows
//! calling on both at once never call a ticket twice, and a display connected to the first
//! process sees every call made on the second (LISTEN/NOTIFY). Skipped (loudly) without
//! `YICHUANG_TEST_POSTGRES_URL`; a failure under `CI=true`.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;
use std::process::Child;

use serde_json::{Value, json};
use yichuang_store_postgres::testing::{PgTestDb, test_server_url};

mod common;
use common::{serve, token};

/// Kills the server process even when an assertion fails first.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const TICKETS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_database_call_each_ticket_once_and_share_displays() {
    let Some(server) = test_server_url("two server processes") else {
        return;
    };
    let db = PgTestDb::create(&server).await.unwrap();
    // One host: both processes use the same data directory, so the same keys and files.
    let dir = tempfile::tempdir().unwrap();
    // The first start migrates and loads the demo center; the second finds them.
    let (a, base_a) = serve(dir.path(), Some(&db.url)).await;
    let _a = Running(a);
    let (b, base_b) = serve(dir.path(), Some(&db.url)).await;
    let _b = Running(b);
    assert_ne!(base_a, base_b);
    let client = reqwest::Client::new();
    let mut display = client
        .get(format!("{base_a}/api/v1/queue/events"))
        .send()
        .await
        .unwrap();
    let kiosk = token(&client, &base_b, "clerk1").await;
    for i in 0..TICKETS {
        let base = if i % 2 == 0 { &base_a } else { &base_b };
        let r = client
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(&kiosk)
            .json(&json!({"group": "comprehensive"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let mut windows = Vec::new();
    for (n, base) in [(1, &base_a), (2, &base_a), (3, &base_b), (4, &base_b)] {
        let (client, base) = (client.clone(), base.clone());
        let t = token(&client, &base, &format!("clerk{n}")).await;
        windows.push(tokio::spawn(async move {
            let mut called = Vec::new();
            let mut empty = 0;
            while empty < 3 {
                let r = client
                    .post(format!("{base}/api/v1/windows/W{n:02}/call"))
                    .bearer_auth(&t)
                    .send()
                    .await
                    .unwrap();
                match r.status().as_u16() {
                    200 => {
                        let v: Value = r.json().await.unwrap();
                        called.push(v["ticket"]["id"].as_i64().unwrap());
                        empty = 0;
                    }
                    204 => empty += 1,
                    s => panic!("W{n:02} call answered {s}"),
                }
            }
            called
        }));
    }
    let mut all = Vec::new();
    let mut on_b = 0;
    for (i, w) in windows.into_iter().enumerate() {
        let called = w.await.unwrap();
        if i >= 2 {
            on_b += called.len();
        }
        all.extend(called);
    }
    let distinct: BTreeSet<_> = all.iter().collect();
    println!(
        "two processes: {} calls, {} distinct tickets, {on_b} called on B",
        all.len(),
        distinct.len()
    );
    assert_eq!((all.len(), distinct.len()), (TICKETS, TICKETS));
    assert!(on_b > 0, "the windows on B called too");
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.matches("event: called").count() < TICKETS {
        let chunk = tokio::time::timeout_at(deadline, display.chunk())
            .await
            .unwrap_or_else(|_| {
                let n = seen.matches("event: called").count();
                panic!("the display on A saw {n} of {TICKETS} calls")
            })
            .unwrap()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(seen.contains("综合窗口3号") || seen.contains("综合窗口4号"));
}
