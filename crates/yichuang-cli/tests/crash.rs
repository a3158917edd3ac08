//! kill -9 during concurrent intake loses no acknowledged case, with group commit on: the real
//! `yichuang serve` on a SQLite data directory takes intake from 16 clients, is killed with
//! SIGKILL mid-stream, restarted, and every case number it answered 201 for must be there.
//!
//! Rounds: 3 by default (CI time); `YICHUANG_CRASH_ROUNDS=20` for the full run recorded in
//! `docs/benchmarks.md`. Prints `acknowledged N, found N` per round.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

mod common;
use common::{serve, token};

const MATTER: &str = "340101001000-341800000000-000-11341800030413869K-1-00";

fn intake() -> Value {
    let materials: Vec<Value> = (0..6)
        .map(|i| json!({"index": i, "mode": "original"}))
        .collect();
    json!({"matter_code": MATTER, "decision": "accept", "materials": materials,
        "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X",
                      "phone": "13912345678"}})
}

/// Case numbers of `wanted` the server at `base` does not have.
async fn missing(client: &reqwest::Client, base: &str, wanted: &BTreeSet<String>) -> Vec<String> {
    let t = token(client, base, "clerk1").await;
    let mut out = Vec::new();
    for no in wanted {
        let r = client
            .get(format!("{base}/api/v1/cases/{no}"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        if r.status() != 200 {
            out.push(no.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_concurrent_intake_loses_no_acknowledged_case() {
    let rounds: usize = std::env::var("YICHUANG_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();
    let acknowledged: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    for round in 1..=rounds {
        let (mut child, base) = serve(dir.path(), None).await;
        let so_far = acknowledged.lock().unwrap().clone();
        let lost = missing(&client, &base, &so_far).await;
        assert!(
            lost.is_empty(),
            "round {round}: acknowledged but lost: {lost:?}"
        );
        let t = token(&client, &base, "clerk1").await;
        let before = acknowledged.lock().unwrap().len();
        let mut clients = Vec::new();
        for _ in 0..16 {
            let (client, base, t, acked) = (
                client.clone(),
                base.clone(),
                t.clone(),
                acknowledged.clone(),
            );
            clients.push(tokio::spawn(async move {
                loop {
                    let r = client
                        .post(format!("{base}/api/v1/cases"))
                        .bearer_auth(&t)
                        .json(&intake())
                        .send()
                        .await;
                    // Once the server is gone, requests fail: the client stops.
                    let Ok(r) = r else { return };
                    if r.status() == 201 {
                        let Ok(v) = r.json::<Value>().await else {
                            return;
                        };
                        if let Some(no) = v["case_no"].as_str() {
                            acked.lock().unwrap().insert(no.to_owned());
                        }
                    }
                }
            }));
        }
        // Kill mid-stream, once some cases of this round have been acknowledged.
        for _ in 0..400 {
            if acknowledged.lock().unwrap().len() >= before + 40 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }
        let acked = acknowledged.lock().unwrap().len();
        assert!(acked > before, "round {round}: no case acknowledged");
        println!(
            "round {round}: acknowledged {} this round, {acked} in all",
            acked - before
        );
    }
    let (mut child, base) = serve(dir.path(), None).await;
    let all = acknowledged.lock().unwrap().clone();
    let lost = missing(&client, &base, &all).await;
    println!(
        "kill -9 × {rounds}: acknowledged {}, found {}",
        all.len(),
        all.len() - lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    child.kill().unwrap();
    child.wait().unwrap();
}
