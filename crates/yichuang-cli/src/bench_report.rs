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

/// A fresh database (SQLite in a temporary directory unless a URL is configured) with the demo
/// center, and a core on a fake clock set to `at` (UTC).
async fn demo_core(
    cfg: &Config,
    at: chrono::NaiveDateTime,
) -> anyhow::Result<(tempfile::TempDir, Arc<FakeClock>, Core)> {
    let dir = tempfile::tempdir()?;
    let mut cfg = cfg.clone();
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.path().to_path_buf();
    }
    let store = crate::app::open_store(&cfg).await?;
    let clock = Arc::new(FakeClock::new(at.and_utc()));
    let core = Core::new(store, clock.clone(), cfg.auth.settings());
    if core.is_empty().await? {
        core.load_demo().await?;
    }
    Ok((dir, clock, core))
}

pub(crate) async fn run(cfg: &Config, args: &ReportArgs) -> anyhow::Result<()> {
    let start = chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap_or_default();
    let (dir, clock, core) = demo_core(cfg, start.and_hms_opt(0, 0, 0).unwrap_or_default()).await?;
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

/// Parameters of the board benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct BoardArgs {
    /// Open cases to load in bulk.
    #[arg(long, default_value_t = 1_000_000)]
    open: u64,
    /// Working days the cases were received over.
    #[arg(long, default_value_t = 40)]
    spread: u32,
    /// Reads per scenario.
    #[arg(long, default_value_t = 20)]
    reads: usize,
}

/// Loads `open` accepted open cases, then times the light board, the 日报 and the re-projection
/// of every open case after a calendar change.
pub(crate) async fn board(cfg: &Config, args: &BoardArgs) -> anyhow::Result<()> {
    let end = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    let (dir, clock, core) = demo_core(cfg, end.and_hms_opt(1, 0, 0).unwrap_or_default()).await?;
    let bar = indicatif::ProgressBar::new(args.open);
    let t = Instant::now();
    let n = core
        .bulk_open_cases(&clock, args.open, end, args.spread, 5, &|n| {
            bar.set_position(n)
        })
        .await?;
    bar.finish_and_clear();
    let load = t.elapsed().as_secs_f64();
    println!(
        "loaded {n} open cases in {load:.1} s ({:.0} cases/s, receipt + acceptance events and counters included)",
        n as f64 / load
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
    let supervisor = core
        .store()
        .user_by_username("supervisor")
        .await?
        .map(|r| r.user)
        .ok_or_else(|| anyhow::anyhow!("demo supervisor missing"))?;
    let center = core.default_center().await?;
    clock.set(yichuang_core::simulate::at_for_bench(end, 9 * 60));
    let filter = yichuang_core::board::BoardFilter::default();
    let mut lat = Vec::new();
    let t = Instant::now();
    let mut last = None;
    for _ in 0..args.reads {
        let q = Instant::now();
        let b = core.board(&supervisor, clock_now(&clock), &filter).await?;
        lat.push(q.elapsed());
        last = Some(b);
    }
    print_row(&summarize(
        "light board: counts by department + 500 red + 500 yellow + Friday forecast",
        lat,
        0,
        t.elapsed().as_secs_f64(),
    ));
    if let Some(b) = last {
        println!(
            "board: green {} yellow {} red {} (legal overdue {}), {} turning red by Friday",
            b.total.green,
            b.total.yellow,
            b.total.red,
            b.total.legal_overdue,
            b.turning_red.len()
        );
    }
    // Its parts: the counts, and each list.
    let today = end;
    let mut parts = vec![("  counts by department and light", String::new())];
    for level in ["red", "yellow", "turning_red"] {
        parts.push(("  list of 500", level.to_owned()));
    }
    for (name, level) in parts {
        let mut lat = Vec::new();
        let t = Instant::now();
        for _ in 0..args.reads {
            let q = Instant::now();
            if level.is_empty() {
                std::hint::black_box(core.store().light_board(center.id, today).await?);
            } else {
                let query = yichuang_core::store::board::LightQuery {
                    center_id: center.id,
                    day: today,
                    level: level.clone(),
                    later: today + chrono::Duration::days(4),
                    department: String::new(),
                    limit: 500,
                };
                std::hint::black_box(core.store().light_cases(&query).await?);
            }
            lat.push(q.elapsed());
        }
        print_row(&summarize(
            &format!("{name} {level}"),
            lat,
            0,
            t.elapsed().as_secs_f64(),
        ));
    }
    let day = end - chrono::Duration::days(3);
    let mut lat = Vec::new();
    let t = Instant::now();
    for _ in 0..args.reads {
        let q = Instant::now();
        std::hint::black_box(core.period_report(&center, day, day).await?);
        lat.push(q.elapsed());
    }
    print_row(&summarize(
        "日报 of one day",
        lat,
        0,
        t.elapsed().as_secs_f64(),
    ));
    // A local holiday on a working day inside every open case's deadline window moves them all.
    let holiday = end + chrono::Duration::days(2);
    let t = Instant::now();
    core.set_calendar_day(
        center.id,
        holiday,
        Some(yichuang_domain::calendar::DayKind::Holiday),
        "基准测试：临时休息日",
        "bench",
    )
    .await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "calendar change re-projected the open cases in {secs:.1} s ({:.0} open cases/s)",
        n as f64 / secs
    );
    Ok(())
}

fn clock_now(clock: &FakeClock) -> chrono::DateTime<chrono::Utc> {
    use yichuang_domain::clock::Clock;
    clock.now()
}
