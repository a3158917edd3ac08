//! `yichuang bench staffing`: simulated hall days (optionally beside a million bulk-loaded open
//! cases), then the time to read the hall history, to compute the 窗口配置测算 and the 工作量统计, beside raw
//! durable SQLite inserts measured in the same run.

use std::time::{Duration, Instant};

use clap::Args;
use yichuang_core::reports::staffing::staffing_of;

use crate::bench::{print_header, print_row, summarize};
use crate::bench_report::demo_core;
use crate::config::Config;

/// Parameters of the staffing benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct StaffingBenchArgs {
    /// Working days to simulate.
    #[arg(long, default_value_t = 20)]
    days: u32,
    /// Visitors per simulated day.
    #[arg(long, default_value_t = 300)]
    visitors: u32,
    /// Open cases to bulk-load before the simulated days (0: none).
    #[arg(long, default_value_t = 0)]
    open_cases: u64,
    /// Repetitions per scenario.
    #[arg(long, default_value_t = 10)]
    reads: usize,
    /// Target p90 wait, minutes.
    #[arg(long, default_value_t = 15.0)]
    target_wait: f64,
}

/// Runs the benchmark.
pub(crate) async fn run(cfg: &Config, args: &StaffingBenchArgs) -> anyhow::Result<()> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
    let (dir, clock, core) = demo_core(cfg, start.and_hms_opt(0, 0, 0).unwrap_or_default()).await?;
    if args.open_cases > 0 {
        let t = Instant::now();
        let n = core
            .bulk_open_cases(&clock, args.open_cases, start, 40, 5, &|_| {})
            .await?;
        println!(
            "loaded {n} open cases in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let plan = yichuang_core::simulate::Plan {
        start,
        days: args.days,
        visitors_per_day: args.visitors,
        seed: 2026,
    };
    let t = Instant::now();
    let s = core.simulate(&clock, &plan, &|_| {}).await?;
    println!(
        "simulated {} working days: {} tickets, {} cases in {:.1} s",
        s.days,
        s.tickets,
        s.cases,
        t.elapsed().as_secs_f64()
    );
    let anchor_start = Instant::now();
    let anchor =
        yichuang_store_sqlite::durable_insert_anchor(dir.path(), Duration::from_secs(2)).await?;
    print_header();
    print_row(&summarize(
        "raw SQLite single-row durable insert (anchor)",
        anchor,
        0,
        anchor_start.elapsed().as_secs_f64(),
    ));
    let center = core.default_center().await?;
    // The simulated days span about four calendar weeks from `start`.
    let to = start + chrono::Duration::days(i64::from(args.days) * 7 / 5 + 7);
    let mut reads = Vec::with_capacity(args.reads);
    let mut computes = Vec::with_capacity(args.reads);
    let mut last = None;
    let t = Instant::now();
    for _ in 0..args.reads {
        let q = Instant::now();
        let history = core.hall_history(center.id, start, to).await?;
        reads.push(q.elapsed());
        let q = Instant::now();
        let r = staffing_of(&history, start, to, args.target_wait)?;
        computes.push(q.elapsed());
        last = Some(r);
    }
    let elapsed = t.elapsed().as_secs_f64();
    print_row(&summarize(
        &format!(
            "hall history read ({} days of tickets and pauses)",
            args.days
        ),
        reads,
        0,
        elapsed,
    ));
    print_row(&summarize(
        "staffing: Erlang C + confirming replays + validation replay",
        computes,
        0,
        elapsed,
    ));
    let supervisor = core
        .store()
        .user_by_username("supervisor")
        .await?
        .map(|r| r.user)
        .ok_or_else(|| anyhow::anyhow!("demo supervisor missing"))?;
    let mut lat = Vec::with_capacity(args.reads);
    let t = Instant::now();
    let mut windows = 0;
    for _ in 0..args.reads {
        let q = Instant::now();
        let w = core.workload_report(&supervisor, start, to).await?;
        lat.push(q.elapsed());
        windows = w.windows.len();
    }
    print_row(&summarize(
        &format!("workload report ({windows} windows, people, matters, waits by hour)"),
        lat,
        0,
        t.elapsed().as_secs_f64(),
    ));
    if let Some(r) = last
        && let Some(p) = &r.proposal
    {
        println!(
            "staffing: {} days, {} tickets; staff-hours/day {} current vs {} proposed; {} replays; confirmed {}; validation passed {}",
            r.days,
            r.tickets,
            p.current_staff_hours,
            p.proposed_staff_hours,
            p.rounds,
            p.confirmed,
            r.validation.as_ref().is_some_and(|v| v.passed)
        );
    }
    Ok(())
}
