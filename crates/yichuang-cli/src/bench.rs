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
    /// Concurrent clients create and accept cases (5 materials) over HTTP, beside raw durable
    /// single-row SQLite inserts measured in the same run.
    Intake(IntakeArgs),
    /// Simulated days, then the 日报 and monthly report latency and a full counter rebuild,
    /// beside raw durable inserts.
    Report(crate::bench_report::ReportArgs),
    /// Bulk-loads open cases (default one million), then times the light board, the 日报 and
    /// the re-projection of every open case after a calendar change, beside raw durable inserts.
    Board(crate::bench_report::BoardArgs),
    /// Ticket issue and call throughput, call latency with many windows calling at once, and
    /// the latency from a call to a connected display, beside raw durable inserts.
    Queue(QueueArgs),
    /// PostgreSQL intake with one or more server instances over one fresh database, beside
    /// `pgbench -N` on the same server in the same run.
    PgIntake(crate::bench_pg::PgIntakeArgs),
    /// A steady open-loop mixed load (intake, tickets, calls, catalog reads) for minutes, at
    /// half the intake capacity measured first: latency and memory per minute.
    Soak(crate::bench_soak::SoakArgs),
    /// Bulk-loads open cases, then restarts the server over the same data: time to the first
    /// `/healthz` and page, memory, and the department inbox latency, beside raw durable inserts.
    Coldstart(crate::bench_coldstart::ColdstartArgs),
    /// Simulated days, then the hall-history read, the 窗口配置测算 and the 工作量统计 time,
    /// beside raw durable inserts (optionally over a million bulk-loaded open cases).
    Staffing(crate::bench_staffing::StaffingBenchArgs),
}

/// Parameters of the queue benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct QueueArgs {
    /// Windows calling at once (the demo's 40 are extended with extra comprehensive windows).
    #[arg(long, default_value_t = 300)]
    windows: usize,
    /// Seconds of ticket issuing.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Calls whose display latency is measured.
    #[arg(long, default_value_t = 200)]
    events: usize,
}

/// Parameters of the intake benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct IntakeArgs {
    /// Client counts to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![16, 64])]
    clients: Vec<usize>,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
}

/// Load parameters.
#[derive(Debug, Clone, Args)]
pub(crate) struct LoadArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    pub(crate) clients: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 5)]
    pub(crate) seconds: u64,
}

/// Latency summary of one scenario.
pub(crate) struct Summary {
    /// What was measured.
    pub(crate) name: String,
    /// Successful requests.
    pub(crate) requests: usize,
    /// Failed requests.
    pub(crate) errors: usize,
    /// Successful requests per second.
    pub(crate) rps: f64,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 90th percentile.
    pub(crate) p90: Duration,
    /// 99th percentile.
    pub(crate) p99: Duration,
    /// Slowest request.
    pub(crate) max: Duration,
}

/// The `p`-th percentile (nearest rank) of sorted latencies.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What one benchmark request is.
#[derive(Clone)]
pub(crate) enum Request {
    /// GET one of these URLs, round-robin.
    Get(Arc<Vec<String>>),
    /// POST this JSON with a bearer token; success is 201. Client `i` posts to
    /// `urls[i % urls.len()]` (one URL per server instance).
    Post {
        urls: Arc<Vec<String>>,
        token: String,
        body: Arc<serde_json::Value>,
    },
}

/// Runs `clients` loops against one URL list for `seconds`, round-robin over `urls`.
async fn load(name: &str, urls: Arc<Vec<String>>, args: &LoadArgs) -> anyhow::Result<Summary> {
    load_requests(name, Request::Get(urls), args).await
}

/// Runs `args.clients` closed loops of `request` for `args.seconds`.
pub(crate) async fn load_requests(
    name: &str,
    request: Request,
    args: &LoadArgs,
) -> anyhow::Result<Summary> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.clients {
        let client = client.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0usize;
            let mut n = i;
            while Instant::now() < deadline {
                let send = match &request {
                    Request::Get(urls) => client.get(&urls[n % urls.len()]),
                    Request::Post { urls, token, body } => client
                        .post(&urls[i % urls.len()])
                        .bearer_auth(token)
                        .json(&**body),
                };
                n += 1;
                let t = Instant::now();
                match send.send().await {
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
    Ok(summarize(name, all, errors, start.elapsed().as_secs_f64()))
}

/// Milliseconds with two decimals.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

pub(crate) async fn run(cfg: &Config, cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Catalog(args) => catalog(cfg, &args).await,
        BenchCommand::Intake(args) => intake(cfg, &args).await,
        BenchCommand::Queue(args) => queue(cfg, &args).await,
        BenchCommand::Report(args) => crate::bench_report::run(cfg, &args).await,
        BenchCommand::Board(args) => crate::bench_report::board(cfg, &args).await,
        BenchCommand::PgIntake(args) => crate::bench_pg::run(cfg, &args).await,
        BenchCommand::Soak(args) => crate::bench_soak::run(cfg, &args).await,
        BenchCommand::Coldstart(args) => crate::bench_coldstart::run(cfg, &args).await,
        BenchCommand::Staffing(args) => crate::bench_staffing::run(cfg, &args).await,
    }
}

/// Starts a server on 127.0.0.1 with its own runtime; returns its base URL and a stop handle.
fn start_server(
    cfg: &Config,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let cfg = bench_config(cfg, &dir);
    let (base, stop) = start_server_on(cfg)?;
    Ok((base, stop, dir))
}

/// The configuration of a benchmark: the given database URL, or SQLite in `dir`.
pub(crate) fn bench_config(cfg: &Config, dir: &tempfile::TempDir) -> Config {
    let mut cfg = cfg.clone();
    // Every client of a benchmark logs in from 127.0.0.1: the per-address login limit that
    // stops password guessing would refuse the 300 windows of `bench queue` after ten.
    cfg.limits.login_per_ip_minute = 1_000_000;
    if cfg.database.url.is_empty() {
        cfg.database.data_dir = dir.path().to_path_buf();
    }
    cfg
}

/// Starts a server on 127.0.0.1 with its own runtime over an already prepared configuration.
pub(crate) fn start_server_on(
    cfg: Config,
) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
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
                core.start_hall_listener().await?;
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
    Ok((base, stop_tx))
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
        print_row(&s);
    }
    let _ = stop.send(());
    Ok(())
}

/// Sorts the latencies and summarises them over `elapsed` seconds.
pub(crate) fn summarize(
    name: &str,
    mut all: Vec<Duration>,
    errors: usize,
    elapsed: f64,
) -> Summary {
    all.sort_unstable();
    Summary {
        name: name.to_owned(),
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50: percentile(&all, 50.0),
        p90: percentile(&all, 90.0),
        p99: percentile(&all, 99.0),
        max: all.last().copied().unwrap_or_default(),
    }
}

/// Prints the header of the latency table.
pub(crate) fn print_header() {
    println!("| scenario | requests | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
}

/// Prints one row of the latency table.
pub(crate) fn print_row(s: &Summary) {
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

/// What an intake request needs: a clerk's token and the body of a case of a promised matter
/// with 5 materials, all provided, accepted at intake.
pub(crate) struct IntakeRequest {
    /// Bearer token of `clerk1`.
    pub(crate) token: String,
    /// The JSON body of `POST /api/v1/cases`.
    pub(crate) body: serde_json::Value,
    /// The matter's code.
    pub(crate) matter: String,
}

/// Logs `clerk1` in and finds a promised matter with 5 materials in the catalog served at
/// `base`.
pub(crate) async fn intake_request(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<IntakeRequest> {
    let login: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": "clerk1", "password": "demo"}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().unwrap_or_default().to_owned();
    let list: serde_json::Value = client
        .get(format!(
            "{base}/api/v1/matters?window_group=comprehensive&limit=500"
        ))
        .send()
        .await?
        .json()
        .await?;
    let mut matter = None;
    for m in list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["handling"] == "promised")
    {
        let code = m["code"].as_str().unwrap_or_default();
        let guide: serde_json::Value = client
            .get(format!("{base}/api/v1/matters/{code}"))
            .send()
            .await?
            .json()
            .await?;
        if guide["materials"].as_array().map(Vec::len) == Some(5) {
            matter = Some(code.to_owned());
            break;
        }
    }
    let matter = matter
        .ok_or_else(|| anyhow::anyhow!("no promised matter with 5 materials in the catalog"))?;
    let body = serde_json::json!({
        "matter_code": matter,
        "applicant": {"type": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13912345678"},
        "materials": (0..5).map(|i| serde_json::json!({"index": i, "mode": "original"})).collect::<Vec<_>>(),
        "decision": "accept",
    });
    Ok(IntakeRequest {
        token,
        body,
        matter,
    })
}

async fn intake(cfg: &Config, args: &IntakeArgs) -> anyhow::Result<()> {
    let (base, stop, dir) = start_server(cfg)?;
    let client = reqwest::Client::new();
    let IntakeRequest {
        token,
        body,
        matter,
    } = intake_request(&client, &base).await?;
    println!(
        "一窗通 bench intake — {} s per scenario, store: {}, matter {matter} (5 materials, accepted at intake)",
        args.seconds,
        if cfg.database.url.is_empty() {
            "sqlite (WAL, synchronous=FULL, one writer)".to_owned()
        } else {
            crate::config::redact_url(&cfg.database.url)
        },
    );
    println!("| scenario | requests | errors | per s | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let anchor_start = Instant::now();
    let anchor =
        yichuang_store_sqlite::durable_insert_anchor(dir.path(), Duration::from_secs(args.seconds))
            .await?;
    let anchor = summarize(
        "raw SQLite single-row durable insert (WAL, FULL, 1 connection, no HTTP)",
        anchor,
        0,
        anchor_start.elapsed().as_secs_f64(),
    );
    print_row(&anchor);
    for clients in &args.clients {
        let load_args = LoadArgs {
            clients: *clients,
            seconds: args.seconds,
        };
        // The same scenario with no protection, with the SM3 audit chain, and with the chain
        // and SM4 sealing of personal data, interleaved (0-1-2-2-1-0-0-2-1) so that the
        // database growing over the run, and the VM's drift, weigh on all three alike.
        const NAMES: [&str; 3] = ["chain off, plain", "chain on, plain", "chain on, sealed"];
        let mut sums = [(0.0, 0usize); 3];
        for config in [0usize, 1, 2, 2, 1, 0, 0, 2, 1] {
            yichuang_store::audit::set_chain_off_for_benchmark(config == 0);
            yichuang_store::sealing::set_sealing_off_for_benchmark(config < 2);
            let request = Request::Post {
                urls: Arc::new(vec![format!("{base}/api/v1/cases")]),
                token: token.clone(),
                body: Arc::new(body.clone()),
            };
            let s = load_requests(
                &format!("POST /api/v1/cases, {clients} clients, {}", NAMES[config]),
                request,
                &load_args,
            )
            .await?;
            print_row(&s);
            sums[config].0 += s.rps;
            sums[config].1 += 1;
        }
        yichuang_store::audit::set_chain_off_for_benchmark(false);
        yichuang_store::sealing::set_sealing_off_for_benchmark(false);
        let [bare, chained, sealed] = sums.map(|(sum, n)| sum / n.max(1) as f64);
        let raw = anchor.rps.max(1.0);
        println!(
            "|  ↳ {clients} clients: bare {bare:.0}/s ({:.2} × raw); chain {chained:.0}/s (costs {:.1} %); chain + sealing {sealed:.0}/s ({:.2} × raw; sealing costs {:.1} %, both {:.1} %) | | | | | | | |",
            bare / raw,
            100.0 * (1.0 - chained / bare.max(1.0)),
            sealed / raw,
            100.0 * (1.0 - sealed / chained.max(1.0)),
            100.0 * (1.0 - sealed / bare.max(1.0)),
        );
    }
    let _ = stop.send(());
    Ok(())
}

/// Adds comprehensive windows up to `n` and one clerk per window (`bench-<code>`, password
/// `demo`), so that `n` windows can call at once.
async fn prepare_windows(cfg: &Config, n: usize) -> anyhow::Result<Vec<(String, String)>> {
    let core = crate::app::open_core(cfg).await?;
    crate::app::first_start(&core, true, None).await?;
    let center = core.default_center().await?;
    let mut catalog = yichuang_domain::catalog::parse_catalog(yichuang_core::demo::DEMO_CATALOG)
        .map_err(|p| anyhow::anyhow!("demo catalog: {} problems", p.len()))?;
    let mut i = catalog.windows.len();
    while catalog
        .windows
        .iter()
        .filter(|w| w.group == "comprehensive")
        .count()
        < n
    {
        i += 1;
        catalog.windows.push(yichuang_domain::catalog::Window {
            code: format!("W{i:03}"),
            name: format!("综合窗口{i}号"),
            group: "comprehensive".into(),
        });
    }
    core.import_catalog(center.id, &catalog, "bench", &|_| {})
        .await?;
    let hash = yichuang_core::auth::hash_password("demo").await?;
    let comprehensive: Vec<String> = catalog
        .windows
        .iter()
        .filter(|w| w.group == "comprehensive")
        .map(|w| w.code.clone())
        .collect();
    let users: Vec<yichuang_core::store::NewUser> = comprehensive
        .iter()
        .map(|w| yichuang_core::store::NewUser {
            center_id: center.id,
            username: format!("bench-{w}"),
            display_name: format!("压测{w}"),
            password_hash: hash.clone(),
            roles: vec![yichuang_domain::account::Role::Clerk],
            department: None,
            window: Some(w.clone()),
        })
        .collect();
    core.store()
        .create_users(&users, &core.ctx("bench"))
        .await?;
    Ok(comprehensive
        .into_iter()
        .map(|w| (format!("bench-{w}"), w))
        .collect())
}

/// A bearer token for a demo account (password `demo`).
pub(crate) async fn login(
    client: &reqwest::Client,
    base: &str,
    user: &str,
) -> anyhow::Result<String> {
    let v: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"username": user, "password": "demo"}))
        .send()
        .await?
        .json()
        .await?;
    v["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("login of {user} failed: {v}"))
}

async fn queue(cfg: &Config, args: &QueueArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let cfg = bench_config(cfg, &dir);
    let windows = prepare_windows(&cfg, args.windows).await?;
    let (base, stop) = start_server_on(cfg.clone())?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let mut tokens = Vec::new();
    for (user, window) in windows.iter().take(args.windows) {
        tokens.push((login(&client, &base, user).await?, window.clone()));
    }
    println!(
        "一窗通 bench queue — {} calling windows, store: {}",
        tokens.len(),
        if cfg.database.url.is_empty() {
            "sqlite (WAL, synchronous=FULL, one writer)".to_owned()
        } else {
            crate::config::redact_url(&cfg.database.url)
        }
    );
    println!("| scenario | requests | errors | per s | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let anchor_start = Instant::now();
    let anchor =
        yichuang_store_sqlite::durable_insert_anchor(dir.path(), Duration::from_secs(args.seconds))
            .await?;
    print_row(&summarize(
        "raw SQLite single-row durable insert (anchor)",
        anchor,
        0,
        anchor_start.elapsed().as_secs_f64(),
    ));

    let issue = Request::Post {
        urls: Arc::new(vec![format!("{base}/api/v1/tickets")]),
        token: tokens[0].0.clone(),
        body: Arc::new(serde_json::json!({"group": "comprehensive"})),
    };
    let issued = load_requests(
        "POST /api/v1/tickets, 32 clients",
        issue,
        &LoadArgs {
            clients: 32,
            seconds: args.seconds,
        },
    )
    .await?;
    print_row(&issued);

    // Every window calls at once, repeatedly, until the queue is empty.
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (token, window) in tokens.clone() {
        let client = client.clone();
        let url = format!("{base}/api/v1/windows/{window}/call");
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut ids = Vec::new();
            let mut errors = 0usize;
            loop {
                let t = Instant::now();
                match client.post(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status() == 200 => {
                        lat.push(t.elapsed());
                        let v: serde_json::Value = r.json().await.unwrap_or_default();
                        ids.push(v["ticket"]["id"].as_i64().unwrap_or(-1));
                    }
                    Ok(r) if r.status() == 204 => break,
                    _ => {
                        errors += 1;
                        if errors > 100 {
                            break;
                        }
                    }
                }
            }
            (lat, ids, errors)
        }));
    }
    let (mut all, mut ids, mut errors) = (Vec::new(), Vec::new(), 0);
    for t in tasks {
        let (l, i, e) = t.await?;
        all.extend(l);
        ids.extend(i);
        errors += e;
    }
    let calls = summarize(
        &format!(
            "POST /api/v1/windows/{{code}}/call, {} windows at once",
            tokens.len()
        ),
        all,
        errors,
        start.elapsed().as_secs_f64(),
    );
    print_row(&calls);
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    println!(
        "|  ↳ {n} calls, {} distinct tickets, {} duplicates | | | | | | | |",
        ids.len(),
        n - ids.len()
    );

    // Latency from a call to a connected display (server-sent events).
    let mut sse = client
        .get(format!("{base}/api/v1/queue/events"))
        .send()
        .await?;
    let (token, window) = tokens[0].clone();
    let mut lat = Vec::new();
    let mut buffer = String::new();
    let started = Instant::now();
    for _ in 0..args.events {
        client
            .post(format!("{base}/api/v1/tickets"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"group": "comprehensive"}))
            .send()
            .await?;
        let t = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/windows/{window}/call"))
            .bearer_auth(&token)
            .send()
            .await?;
        let v: serde_json::Value = r.json().await?;
        let needle = format!("\"ticket_id\":{}", v["ticket"]["id"]);
        loop {
            if let Some(pos) = buffer.find(&needle) {
                buffer.drain(..pos + needle.len());
                lat.push(t.elapsed());
                break;
            }
            match tokio::time::timeout(Duration::from_secs(5), sse.chunk()).await {
                Ok(Ok(Some(chunk))) => buffer.push_str(&String::from_utf8_lossy(&chunk)),
                _ => anyhow::bail!("the display stream stopped"),
            }
        }
    }
    // One call at a time (take a ticket, call it, wait for the event): the rate is sequential.
    print_row(&summarize(
        "take + call → event at a connected display (SSE), one at a time",
        lat,
        0,
        started.elapsed().as_secs_f64(),
    ));
    let _ = stop.send(());
    Ok(())
}
