//! Latency of `SearchIndex::search` on the demo catalog and the development questions.
//!
//! Run with `cargo bench -p yichuang-search`. Prints the build time, queries per second and
//! latency percentiles, and, as a physical anchor, the cost of a bare jieba search-mode
//! segmentation of the same questions (the floor any jieba-based search pays).

use std::hint::black_box;
use std::time::{Duration, Instant};

use yichuang_search::SearchIndex;

#[path = "../tests/common/mod.rs"]
mod common;
use common::{catalog_docs, catalog_referrals, load_json, text};

const ITERATIONS: usize = 200;
const LIMIT: usize = 10;

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
    // As the application builds it: every query also checks the referrals.
    let index =
        SearchIndex::build_with_referrals(&docs, &catalog_referrals()).expect("index builds");
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
