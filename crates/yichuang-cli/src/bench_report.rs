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
    /// Cases of synthetic history before the simulated days (their report counters only, as the
    /// events of intake, acceptance, decision and delivery would have produced them).
    #[arg(long, default_value_t = 0)]
    history_cases: u64,
    /// Cases per working day of that history.
    #[arg(long, default_value_t = 10_000)]
    history_per_day: u64,
}

/// Adds the report counters of `cases` synthetic cases, `per_day` per working day on the days
/// before `before`, each counted through the same function as live events (intake with five
/// items on paper, acceptance, approval on time or late, delivery). Returns (days, counter rows
/// written).
async fn load_history(
    core: &Core,
    center_id: i64,
    cases: u64,
    per_day: u64,
    before: chrono::NaiveDate,
) -> anyhow::Result<(u64, u64)> {
    use chrono::Datelike;
    use serde_json::json;
    use yichuang_store::report::{Deltas, EventFacts, add_deltas};
    let filter = yichuang_store::MatterFilter {
        limit: 500,
        ..Default::default()
    };
    let (matters, _) = core.store().list_matters(center_id, &filter).await?;
    anyhow::ensure!(!matters.is_empty(), "the demo catalog has no matters");
    let windows = core.store().windows(center_id).await?;
    let window_of = |group: &str| {
        windows
            .iter()
            .find(|w| w.group == group)
            .map_or_else(|| "W01".to_owned(), |w| w.code.clone())
    };
    let bar = indicatif::ProgressBar::new(cases);
    let (mut day, mut left, mut days, mut rows) = (before, cases, 0u64, 0u64);
    let ctx = core.ctx("bench");
    while left > 0 {
        day = day.pred_opt().unwrap_or(day);
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        let n = left.min(per_day.max(1));
        let mut deltas = Deltas::new();
        // 09:00 Asia/Shanghai, one case a second: every event falls on `day` there.
        let base = day.and_hms_opt(1, 0, 0).unwrap_or_default().and_utc();
        for i in 0..n {
            let m = &matters[(usize::try_from(i).unwrap_or(0) * 7919
                + usize::try_from(days).unwrap_or(0))
                % matters.len()];
            let window = if m.window_group == "comprehensive" {
                format!("W0{}", 1 + i % 4)
            } else {
                window_of(&m.window_group)
            };
            let clerk = format!("clerk{}", 1 + i % 4);
            let at = base + chrono::Duration::seconds(i64::try_from(i % 50_000).unwrap_or(0));
            let dims = |event: serde_json::Value| {
                json!({"event": event, "department": m.department_code, "window": window,
                    "matter": m.code, "actor_window": window})
            };
            let mut concluded = dims(json!({"type": "concluded", "outcome": "approved"}));
            concluded["on_time"] = json!(i % 20 != 0);
            let paper = json!([{"mode": "original"}, {"mode": "original"}, {"mode": "copy"},
                {"mode": "original"}, {"mode": "copy"}]);
            for (kind, payload) in [
                (
                    "case_received",
                    dims(json!({"type": "received", "materials": paper})),
                ),
                ("case_accepted", dims(json!({"type": "accepted"}))),
                ("case_concluded", concluded),
                ("case_delivered", dims(json!({"type": "delivered"}))),
            ] {
                let facts = EventFacts {
                    center_id: Some(center_id),
                    at,
                    actor: &clerk,
                    kind,
                    payload: &payload,
                };
                add_deltas(&facts, &mut deltas);
            }
        }
        rows += deltas.len() as u64;
        core.store().add_report_counters(&deltas, &ctx).await?;
        left -= n;
        days += 1;
        bar.inc(n);
    }
    bar.finish_and_clear();
    Ok((days, rows))
}

/// A fresh database (SQLite in a temporary directory unless a URL is configured) with the demo
/// center, and a core on a fake clock set to `at` (UTC).
pub(crate) async fn demo_core(
    cfg: &Config,
    at: chrono::NaiveDateTime,
) -> anyhow::Result<(tempfile::TempDir, Arc<FakeClock>, Core)> {
    let dir = tempfile::tempdir()?;
    let (clock, core) = demo_core_in(cfg, at, dir.path()).await?;
    Ok((dir, clock, core))
}

/// [`demo_core`] over the data directory `dir` (SQLite; a PostgreSQL URL in `cfg` wins).
pub(crate) async fn demo_core_in(
    cfg: &Config,
    at: chrono::NaiveDateTime,
    dir: &std::path::Path,
) -> anyhow::Result<(Arc<FakeClock>, Core)> {
    let mut cfg = cfg.clone();
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.to_path_buf();
    }
    let store = crate::app::open_store(&cfg).await?;
    let clock = Arc::new(FakeClock::new(at.and_utc()));
    let core = Core::new(store, clock.clone(), cfg.auth.settings());
    if core.is_empty().await? {
        core.load_demo().await?;
    }
    Ok((clock, core))
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
    if args.history_cases > 0 {
        let t = Instant::now();
        let (days, rows) = load_history(
            &core,
            center.id,
            args.history_cases,
            args.history_per_day,
            start,
        )
        .await?;
        println!(
            "history: counters of {} cases over {days} working days before {start} ({rows} counter rows) written in {:.1} s",
            args.history_cases,
            t.elapsed().as_secs_f64()
        );
    }
    let day = start + chrono::Duration::days(7);
    let month_end = start + chrono::Duration::days(30);
    let history_day = start - chrono::Duration::days(3);
    for (name, from, to) in [
        ("日报 of one day (all breakdowns)", day, day),
        (
            "日报 of a history day (all breakdowns)",
            history_day,
            history_day,
        ),
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
                std::hint::black_box(core.store().light_board(center.id, today, None).await?);
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
