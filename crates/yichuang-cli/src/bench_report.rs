//! `yichuang bench report`: simulated hall days, then the 日报 and monthly report latency read
//! from the counters, and a full `report rebuild`, beside raw durable SQLite inserts measured in
//! the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use yichuang_core::Core;
use yichuang_domain::clock::FakeClock;

use crate::bench::{print_header, print_row, summarize};
use crate::config::Config;

/// Parameters of the report benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct ReportArgs {
    /// Working days to simulate first.
    #[arg(long, default_value_t = 20)]
    days: u32,
    /// Visitors per simulated day.
    #[arg(long, default_value_t = 300)]
    visitors: u32,
    /// Report reads per scenario.
    #[arg(long, default_value_t = 200)]
    reads: usize,
}

pub(crate) async fn run(cfg: &Config, args: &ReportArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut cfg = cfg.clone();
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.path().to_path_buf();
    }
    let store = crate::app::open_store(&cfg).await?;
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
    let clock = Arc::new(FakeClock::new(
        start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
    ));
    let core = Core::new(store, clock.clone(), cfg.auth.settings());
    if core.is_empty().await? {
        core.load_demo().await?;
    }
    let plan = yichuang_core::simulate::Plan {
        start,
        days: args.days,
        visitors_per_day: args.visitors,
        seed: 11,
    };
    let t = Instant::now();
    let s = core.simulate(&clock, &plan, &|_| {}).await?;
    let sim_secs = t.elapsed().as_secs_f64();
    let events = core
        .store()
        .recent_events(1, 1)
        .await?
        .first()
        .map_or(0, |e| e.id);
    println!(
        "simulated {} working days: {} tickets, {} cases, {} evaluations, {events} events in {sim_secs:.1} s ({:.0} events/s through the use cases)",
        s.days,
        s.tickets,
        s.cases,
        s.evaluations,
        events as f64 / sim_secs
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
    let day = start + chrono::Duration::days(7);
    let month_end = start + chrono::Duration::days(30);
    for (name, from, to) in [
        ("日报 of one day (all breakdowns)", day, day),
        ("report of 30 days (all breakdowns)", start, month_end),
    ] {
        let mut lat = Vec::with_capacity(args.reads);
        let t = Instant::now();
        for _ in 0..args.reads {
            let q = Instant::now();
            let r = core.period_report(&center, from, to).await?;
            std::hint::black_box(&r);
            lat.push(q.elapsed());
        }
        print_row(&summarize(name, lat, 0, t.elapsed().as_secs_f64()));
    }
    let t = Instant::now();
    let n = core.rebuild_reports(&|_| {}).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "report rebuild: {n} events replayed in {secs:.2} s ({:.0} events/s)",
        n as f64 / secs
    );
    Ok(())
}
