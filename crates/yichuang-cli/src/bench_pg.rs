//! `yichuang bench pg-intake`: case intake over HTTP against one or more server instances that
//! share one fresh PostgreSQL database, beside `pgbench -N` (the built-in simple-update script)
//! run on the same server in the same run. Every scenario gets a database of its own, created
//! on the server and dropped afterwards; each instance is a separate core with its own pool,
//! as two `yichuang serve` processes would be.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use yichuang_store_postgres::testing::PgTestDb;

use crate::bench::{IntakeRequest, LoadArgs, Request, Summary, intake_request, load_requests, ms};
use crate::config::{Config, redact_url};

/// Where pgbench is expected.
const PGBENCH: &str = "/usr/bin/pgbench";

/// Parameters of the PostgreSQL intake benchmark (the server comes from `--database-url`).
#[derive(Debug, Clone, Args)]
pub(crate) struct PgIntakeArgs {
    /// Server instance counts to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![1, 2])]
    instances: Vec<usize>,
    /// Client counts to run, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = vec![16, 64])]
    clients: Vec<usize>,
    /// Seconds per scenario (and per pgbench run).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// pgbench scale factor of the anchor's scratch database (`pgbench -i -s N`).
    #[arg(long, default_value_t = 10)]
    pgbench_scale: u32,
    /// Threads of pgbench (`-j`).
    #[arg(long, default_value_t = 2)]
    pgbench_threads: usize,
}

/// `url` with its database name replaced by `db` (query parameters kept).
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let prefix = match base.find("://") {
        Some(s) => match base[s + 3..].find('/') {
            Some(slash) => &base[..s + 3 + slash],
            None => base,
        },
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{db}?{q}"),
        None => format!("{prefix}/{db}"),
    }
}

/// The `tps = …` figure of pgbench's output.
fn parse_tps(output: &str) -> Option<f64> {
    output
        .lines()
        .find_map(|l| l.trim().strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The pgbench anchor: a scratch database initialised once, then `pgbench -N` per client count.
struct Pgbench {
    db: PgTestDb,
    threads: usize,
}

impl Pgbench {
    /// Creates and initialises the scratch database, or `None` (after a loud SKIPPED line) when
    /// pgbench is not installed.
    async fn init(admin_url: &str, scale: u32, threads: usize) -> anyhow::Result<Option<Self>> {
        if !std::path::Path::new(PGBENCH).exists() {
            println!(
                "SKIPPED the pgbench anchor: {PGBENCH} is not installed (apt-get install postgresql-contrib or postgresql-client)"
            );
            return Ok(None);
        }
        let db = PgTestDb::create(admin_url).await?;
        let out = tokio::process::Command::new(PGBENCH)
            .args(["-i", "-q", "-s", &scale.to_string(), &db.url])
            .output()
            .await?;
        anyhow::ensure!(
            out.status.success(),
            "pgbench -i failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(Some(Self { db, threads }))
    }

    /// `pgbench -N -c clients -j threads -T seconds`: transactions per second.
    async fn run(&self, clients: usize, seconds: u64) -> anyhow::Result<f64> {
        let threads = self.threads.min(clients).max(1);
        let out = tokio::process::Command::new(PGBENCH)
            .args([
                "-N",
                "-c",
                &clients.to_string(),
                "-j",
                &threads.to_string(),
                "-T",
                &seconds.to_string(),
                &self.db.url,
            ])
            .output()
            .await?;
        let text = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(
            out.status.success(),
            "pgbench -N failed: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        );
        parse_tps(&text).ok_or_else(|| anyhow::anyhow!("no `tps = …` line in pgbench's output"))
    }
}

/// One scenario: a fresh database, `instances` servers over it, `clients` spread round-robin.
async fn scenario(
    cfg: &Config,
    admin_url: &str,
    instances: usize,
    clients: usize,
    seconds: u64,
) -> anyhow::Result<Summary> {
    let db = PgTestDb::create(admin_url).await?;
    // One data directory for every instance: they must share the keys that seal personal data.
    let dir = tempfile::tempdir()?;
    let mut cfg = cfg.clone();
    cfg.database.url.clone_from(&db.url);
    cfg.database.data_dir = dir.path().to_path_buf();
    let mut servers = Vec::new();
    // One after the other: the first migrates and loads the demo center, the others find both.
    for _ in 0..instances.max(1) {
        servers.push(crate::bench::start_server_on(cfg.clone())?);
    }
    let client = reqwest::Client::new();
    let IntakeRequest { token, body, .. } = intake_request(&client, &servers[0].0).await?;
    let request = Request::Post {
        urls: Arc::new(
            servers
                .iter()
                .map(|(base, _)| format!("{base}/api/v1/cases"))
                .collect(),
        ),
        token,
        body: Arc::new(body),
    };
    let s = load_requests(
        &format!("POST /api/v1/cases, {instances} instance(s), {clients} clients"),
        request,
        &LoadArgs { clients, seconds },
    )
    .await;
    for (_, stop) in servers {
        let _ = stop.send(());
    }
    // Let the servers' runtimes wind down before the database is dropped (with force).
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(db);
    s
}

/// Runs the benchmark.
pub(crate) async fn run(cfg: &Config, args: &PgIntakeArgs) -> anyhow::Result<()> {
    let url = cfg.database.url.clone();
    anyhow::ensure!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "bench pg-intake needs --database-url postgres://…"
    );
    // Scratch databases are created from the server's maintenance database.
    let admin_url = with_database(&url, "postgres");
    println!(
        "一窗通 bench pg-intake — server {}, {} s per scenario, a fresh database per scenario, chain on, personal data sealed, clients round-robin over the instances",
        redact_url(&with_database(&url, "…")),
        args.seconds
    );
    let pgbench = Pgbench::init(&admin_url, args.pgbench_scale, args.pgbench_threads).await?;
    println!(
        "| scenario | requests | errors | cases/s | p50 ms | p90 ms | p99 ms | max ms | pgbench -N tps | ÷ pgbench |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &clients in &args.clients {
        let tps = match &pgbench {
            Some(p) => Some(p.run(clients, args.seconds).await?),
            None => None,
        };
        let tps_text = tps.map_or_else(|| "SKIPPED".to_owned(), |t| format!("{t:.0}"));
        println!(
            "| pgbench -N -c {clients} -j {} -T {} (scale {}, anchor) | | | | | | | | {tps_text} | |",
            args.pgbench_threads.min(clients).max(1),
            args.seconds,
            args.pgbench_scale
        );
        for &instances in &args.instances {
            let s = scenario(cfg, &admin_url, instances, clients, args.seconds).await?;
            let ratio = tps.map_or_else(
                || "—".to_owned(),
                |t| format!("{:.2} ×", s.rps / t.max(1.0)),
            );
            println!(
                "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {tps_text} | {ratio} |",
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
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_swapped_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/bench", "postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(
            with_database("postgres://h:1/db?sslmode=disable", "x"),
            "postgres://h:1/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }

    #[test]
    fn the_tps_line_of_pgbench_is_read() {
        let out = "latency average = 1.071 ms\ninitial connection time = 12.746 ms\ntps = 3736.373404 (without initial connection time)\n";
        assert_eq!(parse_tps(out), Some(3736.373404));
        assert_eq!(parse_tps("nothing"), None);
    }
}
