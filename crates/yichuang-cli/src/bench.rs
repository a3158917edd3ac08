//! `yichuang bench …`: load benchmarks over real HTTP against a server started in this process
//! (on its own runtime, so client and server schedulers do not share queues). Run them from a
//! release build; every figure is printed next to an anchor measured in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use tokio::net::TcpListener;
use yichuang_web::{AppState, WebSettings};

use crate::config::Config;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Matter list and guide requests per second and latency, beside `/healthz` (no database).
    Catalog(LoadArgs),
}

/// Load parameters.
#[derive(Debug, Clone, Args)]
pub(crate) struct LoadArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// Latency summary of one scenario.
struct Summary {
    name: String,
    requests: usize,
    errors: usize,
    rps: f64,
    p50: Duration,
    p90: Duration,
    p99: Duration,
    max: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Runs `clients` loops against one URL list for `seconds`, round-robin over `urls`.
async fn load(name: &str, urls: Arc<Vec<String>>, args: &LoadArgs) -> anyhow::Result<Summary> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.clients {
        let client = client.clone();
        let urls = Arc::clone(&urls);
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut n = i;
            while Instant::now() < deadline {
                let url = &urls[n % urls.len()];
                n += 1;
                let t = Instant::now();
                match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await?;
        all.extend(lat);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    Ok(Summary {
        name: name.to_owned(),
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50: percentile(&all, 50.0),
        p90: percentile(&all, 90.0),
        p99: percentile(&all, 99.0),
        max: all.last().copied().unwrap_or_default(),
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub(crate) async fn run(cfg: &Config, cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Catalog(args) => catalog(cfg, &args).await,
    }
}

/// Starts a server on 127.0.0.1 with its own runtime; returns its base URL and a stop handle.
fn start_server(
    cfg: &Config,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let mut cfg = cfg.clone();
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.path().to_path_buf();
    }
    let (addr_tx, addr_rx) = std::sync::mpsc::channel::<anyhow::Result<String>>();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = addr_tx.send(Err(e.into()));
                return;
            }
        };
        rt.block_on(async move {
            let started = async {
                let core = crate::app::open_core(&cfg).await?;
                crate::app::first_start(&core, true, None).await?;
                let router = yichuang_web::router(AppState::new(core, WebSettings::default()));
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                let addr = listener.local_addr()?;
                anyhow::Ok((router, listener, addr))
            }
            .await;
            match started {
                Ok((router, listener, addr)) => {
                    let _ = addr_tx.send(Ok(format!("http://{addr}")));
                    let stop = async move {
                        let _ = stop_rx.await;
                    };
                    if let Err(e) = yichuang_web::serve(listener, router, stop).await {
                        eprintln!("server error: {e}");
                    }
                }
                Err(e) => {
                    let _ = addr_tx.send(Err(e));
                }
            }
        });
    });
    let base = addr_rx.recv()??;
    Ok((base, stop_tx, dir))
}

async fn catalog(cfg: &Config, args: &LoadArgs) -> anyhow::Result<()> {
    let (base, stop, _dir) = start_server(cfg)?;
    let codes: Vec<String> = {
        let body: serde_json::Value = reqwest::get(format!("{base}/api/v1/matters?limit=500"))
            .await?
            .json()
            .await?;
        body["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|m| m["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    anyhow::ensure!(!codes.is_empty(), "the benchmark server has no matters");
    let depts = ["rsj", "gtj", "scjgj", "jtj", "wjw"];
    let scenarios: Vec<(&str, Vec<String>)> = vec![
        (
            "GET /healthz (no database, anchor)",
            vec![format!("{base}/healthz")],
        ),
        (
            "GET /api/v1/matters?department=…&limit=20",
            depts
                .iter()
                .map(|d| format!("{base}/api/v1/matters?department={d}&limit=20"))
                .collect(),
        ),
        (
            "GET /api/v1/matters/{code} (guide)",
            codes
                .iter()
                .map(|c| format!("{base}/api/v1/matters/{c}"))
                .collect(),
        ),
    ];
    println!(
        "一窗通 bench catalog — {} clients, {} s per scenario, store: {}, {} matters",
        args.clients,
        args.seconds,
        if cfg.database.url.is_empty() {
            "sqlite (WAL, synchronous=FULL, temporary directory)".to_owned()
        } else {
            crate::config::redact_url(&cfg.database.url)
        },
        codes.len()
    );
    println!("| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, urls) in scenarios {
        let s = load(name, Arc::new(urls), args).await?;
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} |",
            s.name,
            s.requests,
            s.errors,
            s.rps,
            ms(s.p50),
            ms(s.p90),
            ms(s.p99),
            ms(s.max)
        );
    }
    let _ = stop.send(());
    Ok(())
}
