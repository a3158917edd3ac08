//! `yichuang bench coldstart`: bulk-loads open cases (as `bench board` and `yichuang simulate
//! --open-cases` do), then starts a fresh server over the same data, as a restart would: a new
//! core and new pools, the start-up steps of `yichuang serve` (personal-data reseal check, audit
//! tail check, hall listener). It times the start to the first `/healthz` 200, to the first page
//! and to the first department inbox, reads the resident memory, and measures the approver's
//! inbox beside raw durable inserts. Then the same restart as a separate `yichuang serve`
//! process, whose memory is its own.

use std::time::{Duration, Instant};

use clap::Args;
use tokio::net::TcpListener;
use yichuang_web::{AppState, WebSettings};

use crate::bench::{login, ms, print_header, print_row, summarize};
use crate::bench_soak::{mib, rss_kib};
use crate::config::Config;

/// Events at the end of each audit chain `yichuang serve` checks when it starts (its
/// `AUDIT_TAIL_AT_START`).
const AUDIT_TAIL_AT_START: i64 = 10_000;

/// Parameters of the cold-start benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct ColdstartArgs {
    /// Open cases to load in bulk.
    #[arg(long, default_value_t = 1_000_000)]
    open_cases: u64,
    /// Working days the cases were received over (ending yesterday).
    #[arg(long, default_value_t = 40)]
    spread: u32,
    /// Requests per inbox scenario (one at a time).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Skip the restart as a separate `yichuang serve` process.
    #[arg(long)]
    no_process: bool,
    /// Load into this SQLite data directory and keep it; when it already holds a load of the
    /// same size (a previous run with the same `--open-cases`), skip the load and measure the
    /// restart over it (reloading a million cases takes a quarter of an hour).
    #[arg(long)]
    keep: Option<std::path::PathBuf>,
}

/// The file in a kept data directory that records the load it holds.
const LOAD_MARK: &str = "coldstart-load";

/// A started server: its base URL, its stop handle, and how long each start-up step took.
type Started = (
    String,
    tokio::sync::oneshot::Sender<()>,
    Vec<(&'static str, Duration)>,
);

/// Starts a server like `yichuang serve` does, without the periodic jobs, on its own runtime.
fn start_like_serve(cfg: Config) -> anyhow::Result<Started> {
    let (tx, rx) = std::sync::mpsc::channel::<anyhow::Result<(String, Vec<_>)>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(e.into()));
                return;
            }
        };
        rt.block_on(async move {
            let started = async {
                let mut steps = Vec::new();
                let mut t = Instant::now();
                let mut step = |name: &'static str, t: &mut Instant| {
                    steps.push((name, t.elapsed()));
                    *t = Instant::now();
                };
                let core = crate::app::open_core(&cfg).await?;
                step("open store and core (migrations checked)", &mut t);
                crate::app::first_start(&core, true, None).await?;
                step("first-start check", &mut t);
                let sealed = core
                    .store()
                    .reseal_personal_data(&core.ctx("system"), &|_| {})
                    .await?;
                step(
                    if sealed.rows > 0 {
                        "personal data reseal (rows were sealed: not a routine start)"
                    } else {
                        "personal data reseal check (nothing to seal)"
                    },
                    &mut t,
                );
                core.verify_audit(1, Some(AUDIT_TAIL_AT_START)).await?;
                step("audit chain tail check (10 000 events)", &mut t);
                core.start_hall_listener().await?;
                let warm = core.clone();
                tokio::spawn(async move {
                    if let Ok(c) = warm.default_center().await {
                        let _ = warm.search_matters(c.id, "营业执照", None, None, 1).await;
                    }
                });
                let router = yichuang_web::router(AppState::new(core, WebSettings::default()));
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                step("hall listener, router, bind", &mut t);
                anyhow::Ok((router, listener, addr, steps))
            }
            .await;
            match started {
                Ok((router, listener, addr, steps)) => {
                    let _ = tx.send(Ok((format!("http://{addr}"), steps)));
                    let stop = async move {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = yichuang_web::serve(listener, router, stop).await {
                        eprintln!("server error: {e}");
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    let (base, steps) = rx.recv()??;
    Ok((base, stop_tx, steps))
}

/// Polls `/healthz` until it answers 200 (or `limit` passes).
async fn wait_healthy(client: &reqwest::Client, base: &str, limit: Duration) -> anyhow::Result<()> {
    let until = Instant::now() + limit;
    loop {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < until, "no /healthz 200 within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// GETs `url` with an optional bearer token; returns the body of a 200.
async fn get_ok(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
) -> anyhow::Result<String> {
    let mut req = client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await?;
    let status = r.status();
    let body = r.text().await?;
    anyhow::ensure!(status == 200, "GET {url}: {status}");
    Ok(body)
}

/// The milestones of a restart, measured from `t0`: first `/healthz` 200, first page (`/`),
/// first inbox page (approver login included). Returns them and the approver's token.
async fn milestones(
    client: &reqwest::Client,
    base: &str,
    approver: &str,
    t0: Instant,
) -> anyhow::Result<([(&'static str, Duration); 3], String)> {
    wait_healthy(client, base, Duration::from_secs(600)).await?;
    let health = t0.elapsed();
    get_ok(client, &format!("{base}/"), None).await?;
    let page = t0.elapsed();
    let token = login(client, base, approver).await?;
    get_ok(client, &format!("{base}/office"), Some(&token)).await?;
    let inbox = t0.elapsed();
    Ok((
        [
            ("first /healthz 200", health),
            ("first page (GET /)", page),
            ("first inbox page (login + GET /office)", inbox),
        ],
        token,
    ))
}

/// `requests` GETs of `url` one at a time, printed as a row; returns the last body.
async fn timed(
    client: &reqwest::Client,
    name: &str,
    url: &str,
    token: &str,
    requests: usize,
) -> anyhow::Result<String> {
    let mut lat = Vec::with_capacity(requests);
    let mut errors = 0;
    let mut last = String::new();
    let t = Instant::now();
    for _ in 0..requests {
        let q = Instant::now();
        match get_ok(client, url, Some(token)).await {
            Ok(body) => {
                lat.push(q.elapsed());
                last = body;
            }
            Err(_) => errors += 1,
        }
    }
    print_row(&summarize(name, lat, errors, t.elapsed().as_secs_f64()));
    Ok(last)
}

/// The inbox scenarios: the `/office` page and the filtered 100-row API list.
async fn inbox_rows(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    dept: &str,
    requests: usize,
) -> anyhow::Result<()> {
    let page = timed(
        client,
        &format!("GET /office as {dept}-approver (open clocked cases of the department, most urgent first)"),
        &format!("{base}/office"),
        token,
        requests,
    )
    .await?;
    let api = timed(
        client,
        &format!("GET /api/v1/cases?status=accepted&limit=100 as {dept}-approver"),
        &format!("{base}/api/v1/cases?status=accepted&limit=100"),
        token,
        requests,
    )
    .await?;
    let items = serde_json::from_str::<serde_json::Value>(&api)
        .ok()
        .and_then(|v| v["items"].as_array().map(Vec::len))
        .unwrap_or(0);
    println!(
        "|  ↳ the page lists {} cases, the API page {items} | | | | | | | |",
        page.matches("href=\"/cases/").count()
    );
    Ok(())
}

/// Runs the benchmark.
pub(crate) async fn run(cfg: &Config, args: &ColdstartArgs) -> anyhow::Result<()> {
    use yichuang_domain::clock::Clock;
    // The cases are current for the restarted server, which runs on the system clock.
    let end = yichuang_domain::clock::SystemClock.today();
    let at = end.and_hms_opt(1, 0, 0).unwrap_or_default();
    let temp;
    let dir = match &args.keep {
        Some(d) => {
            anyhow::ensure!(
                cfg.database.url.is_empty(),
                "--keep is a SQLite data directory; it cannot go with --database-url"
            );
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let mark = dir.join(LOAD_MARK);
    let reuse = args.keep.is_some()
        && std::fs::read_to_string(&mark).is_ok_and(|m| m.trim() == args.open_cases.to_string());
    let (clock, core) = crate::bench_report::demo_core_in(cfg, at, &dir).await?;
    let mut cfg = cfg.clone();
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.clone();
    }
    let t = Instant::now();
    let n = if reuse {
        args.open_cases
    } else {
        // What the first `serve` over an empty database does after loading the demo: the full
        // sealing pass that marks the data as sealed with the current key. Without it the
        // restart below would run that one-time pass over every bulk-loaded case.
        core.store()
            .reseal_personal_data(&core.ctx("system"), &|_| {})
            .await?;
        let bar = indicatif::ProgressBar::new(args.open_cases);
        let n = core
            .bulk_open_cases(&clock, args.open_cases, end, args.spread, 5, &|n| {
                bar.set_position(n);
            })
            .await?;
        bar.finish_and_clear();
        if args.keep.is_some() {
            std::fs::write(&mark, n.to_string())?;
        }
        n
    };
    let load = t.elapsed().as_secs_f64();
    let center = core.default_center().await?;
    let lights = core.store().light_board(center.id, end, None).await?;
    let (dept, open) = lights
        .iter()
        .map(|d| (d.department.clone(), d.green + d.yellow + d.red))
        .max_by_key(|(_, n)| *n)
        .ok_or_else(|| anyhow::anyhow!("no open cases by department"))?;
    // Close the loading core: the restart opens its own pools.
    drop(core);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded = if reuse {
        format!("reused the load of {n} open cases kept there")
    } else {
        format!(
            "loaded {n} open cases in {load:.1} s ({:.0} cases/s), received over the {} working days before {end}",
            n as f64 / load,
            args.spread
        )
    };
    println!(
        "一窗通 bench coldstart — store: {}; {loaded}; department {dept} holds the most ({open} open)",
        if cfg.database.url.is_empty() {
            format!("sqlite in {}", dir.display())
        } else {
            crate::config::redact_url(&cfg.database.url)
        },
    );
    print_header();
    let anchor_start = Instant::now();
    let anchor = yichuang_store_sqlite::durable_insert_anchor(&dir, Duration::from_secs(2)).await?;
    print_row(&summarize(
        "raw SQLite single-row durable insert (anchor)",
        anchor,
        0,
        anchor_start.elapsed().as_secs_f64(),
    ));

    // Restart in this process.
    let client = reqwest::Client::new();
    let approver = format!("{dept}-approver");
    let rss_before = rss_kib(None);
    let t0 = Instant::now();
    let (base, stop, steps) = start_like_serve(cfg.clone())?;
    let (marks, token) = milestones(&client, &base, &approver, t0).await?;
    let rss_after = rss_kib(None);
    inbox_rows(&client, &base, &token, &dept, args.requests).await?;
    let rss_end = rss_kib(None);
    let _ = stop.send(());
    println!(
        "restart in this process (new core, new pools, the start-up steps of `serve` but no periodic jobs):"
    );
    for (name, d) in steps {
        println!("  {name}: {} ms", ms(d));
    }
    for (name, d) in marks {
        println!("  {name}: {} ms after the start", ms(d));
    }
    println!(
        "  process RSS: {} MiB before the restart (the bulk load's memory included), {} MiB after the first inbox page, {} MiB after the inbox requests",
        mib(rss_before),
        mib(rss_after),
        mib(rss_end)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    if !args.no_process {
        restart_as_process(&cfg, &client, &approver, &dept, args.requests).await?;
    }
    Ok(())
}

/// The same restart as a separate `yichuang serve` process (periodic jobs included), killed
/// afterwards.
async fn restart_as_process(
    cfg: &Config,
    client: &reqwest::Client,
    approver: &str,
    dept: &str,
    requests: usize,
) -> anyhow::Result<()> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let log = std::fs::File::create(cfg.database.data_dir.join("serve.log"))?;
    let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
    cmd.arg("serve")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(&cfg.database.data_dir)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .kill_on_drop(true);
    if !cfg.database.url.is_empty() {
        cmd.arg("--database-url").arg(&cfg.database.url);
    }
    let t0 = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let result = async {
        let (marks, token) = milestones(client, &base, approver, t0).await?;
        let rss_start = rss_kib(pid);
        print_header();
        inbox_rows(client, &base, &token, dept, requests).await?;
        let rss_end = rss_kib(pid);
        println!("restart as a `yichuang serve` process (periodic jobs on, their first sweep runs at start):");
        for (name, d) in marks {
            println!("  {name}: {} ms after the spawn", ms(d));
        }
        println!(
            "  serve process RSS: {} MiB after the first inbox page, {} MiB after the inbox requests",
            mib(rss_start),
            mib(rss_end)
        );
        anyhow::Ok(())
    }
    .await;
    let _ = child.start_kill();
    let _ = child.wait().await;
    result
}
