//! Latency of `SearchIndex::search` on the demo catalog and the development questions.
//!
//! Run with `cargo bench -p yichuang-search`. Prints the build time, queries per second and
//! latency percentiles, and, as a physical anchor, the cost of a bare jieba search-mode
//! segmentation of the same questions (the floor any jieba-based search pays).

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use yichuang_search::{SearchDoc, SearchIndex};

const ITERATIONS: usize = 200;
const LIMIT: usize = 10;

fn load_json(rel: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    let text = std::fs::read_to_string(&path).expect("demo file readable");
    serde_json::from_str(&text).expect("demo file is JSON")
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn catalog_docs() -> Vec<SearchDoc> {
    let catalog = load_json("demo/xuancheng.json");
    let departments: HashMap<String, String> = catalog["departments"]
        .as_array()
        .expect("departments")
        .iter()
        .map(|d| (text(&d["code"]), text(&d["name"])))
        .collect();
    catalog["matters"]
        .as_array()
        .expect("matters")
        .iter()
        .map(|m| SearchDoc {
            code: text(&m["code"]),
            name: text(&m["name"]),
            aliases: strings(&m["aliases"]),
            department: departments
                .get(&text(&m["department"]))
                .cloned()
                .unwrap_or_default(),
            kind: text(&m["kind"]),
            conditions: strings(&m["conditions"]),
            materials: m["materials"]
                .as_array()
                .map(|a| a.iter().map(|x| text(&x["name"])).collect())
                .unwrap_or_default(),
            result: text(&m["result"]["name"]),
            legal_basis: strings(&m["legal_basis"]),
        })
        .collect()
}

/// The `p` quantile of sorted durations, in microseconds.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1e6
}

fn main() {
    let docs = catalog_docs();
    let questions: Vec<String> = load_json("demo/eval/search_dev.json")
        .as_array()
        .expect("question list")
        .iter()
        .map(|q| text(&q["q"]))
        .collect();

    let started = Instant::now();
    let index = SearchIndex::build(&docs).expect("index builds");
    let build = started.elapsed();
    // The first search pays for loading jieba's dictionary; keep it out of the latencies.
    let first = Instant::now();
    black_box(index.search(&questions[0], LIMIT));
    let warmup = first.elapsed();

    let mut latencies = Vec::with_capacity(questions.len() * ITERATIONS);
    let total = Instant::now();
    for _ in 0..ITERATIONS {
        for q in &questions {
            let t = Instant::now();
            black_box(index.search(black_box(q), LIMIT));
            latencies.push(t.elapsed());
        }
    }
    let total = total.elapsed();
    latencies.sort_unstable();

    let jieba = jieba_rs::Jieba::new();
    let mut segment = Vec::with_capacity(questions.len() * ITERATIONS);
    for _ in 0..ITERATIONS {
        for q in &questions {
            let t = Instant::now();
            black_box(jieba.cut_for_search(black_box(q), true));
            segment.push(t.elapsed());
        }
    }
    segment.sort_unstable();

    let n = latencies.len();
    println!(
        "catalog: {} matters, {} questions x {ITERATIONS}",
        docs.len(),
        questions.len()
    );
    println!(
        "build:   {:.1} ms (first search, jieba load: {:.1} ms)",
        build.as_secs_f64() * 1e3,
        warmup.as_secs_f64() * 1e3
    );
    println!("search:  {:.0} queries/s", n as f64 / total.as_secs_f64());
    println!(
        "latency: p50 {:.0} us, p90 {:.0} us, p99 {:.0} us, max {:.0} us",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    println!(
        "anchor, bare jieba cut_for_search: p50 {:.1} us, p99 {:.1} us",
        percentile(&segment, 0.50),
        percentile(&segment, 0.99)
    );
}
