//! `yichuang bench soak`: a steady open-loop mixed load for minutes against a server in this
//! process. Requests are sent at a fixed rate whatever the answers' latency (open loop), and each
//! latency is counted from the instant its request was due, so a stall shows as latency instead
//! of as a lower rate. The rate defaults to half the intake capacity measured by a short
//! closed-loop burst in the same run. Per minute it prints requests, errors, latency and the
//! process's resident memory (server and load generator share the process).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;

use crate::bench::{
    IntakeRequest, LoadArgs, Request, bench_config, intake_request, load_requests, login, ms,
    percentile, print_header, print_row, start_server_on,
};
use crate::config::Config;

/// Parameters of the soak benchmark.
#[derive(Debug, Clone, Args)]
pub(crate) struct SoakArgs {
    /// Minutes of steady load.
    #[arg(long, default_value_t = 10)]
    minutes: u64,
    /// Requests per second of the mixed load (default: half the intake capacity measured by
    /// the burst).
    #[arg(long)]
    rate: Option<f64>,
    /// Clients of the closed-loop intake burst that measures the capacity.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Seconds of that burst.
    #[arg(long, default_value_t = 10)]
    burst_seconds: u64,
    /// Requests in flight at most; the next due request waits for one to finish (and its wait
    /// counts as latency).
    #[arg(long, default_value_t = 1024)]
    max_in_flight: usize,
}

/// Resident memory of a process in KiB (`VmRSS` of `/proc/<pid>/status`; `None` = this one).
pub(crate) fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = pid.map_or_else(
        || "/proc/self/status".to_owned(),
        |p| format!("/proc/{p}/status"),
    );
    let status = std::fs::read_to_string(path).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// KiB as MiB with one decimal, or `?` when unknown.
pub(crate) fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "?".to_owned(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// The kinds of request of the mix.
#[derive(Clone, Copy)]
enum Op {
    /// `POST /api/v1/cases`: create and accept a case.
    Intake,
    /// `POST /api/v1/tickets`: issue a ticket.
    Issue,
    /// `POST /api/v1/windows/{code}/call`: call the next ticket (204 when none waits).
    Call,
    /// `GET /api/v1/matters?department=…&limit=20`.
    List,
    /// `GET /api/v1/matters/{code}`.
    Guide,
}

/// One cycle of the mix: 3 intakes, 2 tickets issued and 2 calls, 3 catalog reads.
const MIX: [Op; 10] = [
    Op::Intake,
    Op::List,
    Op::Issue,
    Op::Call,
    Op::Guide,
    Op::Intake,
    Op::Issue,
    Op::Call,
    Op::List,
    Op::Intake,
];

/// What every request task needs.
struct Target {
    client: reqwest::Client,
    base: String,
    intake: IntakeRequest,
    /// (token, window) of the four comprehensive windows' clerks.
    windows: Vec<(String, String)>,
    departments: Vec<String>,
    codes: Vec<String>,
}

impl Target {
    /// Sends request number `k` of the run; `Ok` when its answer is a success.
    async fn send(&self, k: u64) -> Result<(), String> {
        let n = usize::try_from(k / MIX.len() as u64).unwrap_or(0);
        let op = MIX[usize::try_from(k % MIX.len() as u64).unwrap_or(0)];
        let base = &self.base;
        let (token, window) = &self.windows[n % self.windows.len()];
        let req = match op {
            Op::Intake => self
                .client
                .post(format!("{base}/api/v1/cases"))
                .bearer_auth(&self.intake.token)
                .json(&self.intake.body),
            Op::Issue => self
                .client
                .post(format!("{base}/api/v1/tickets"))
                .bearer_auth(token)
                .json(&serde_json::json!({"group": "comprehensive"})),
            Op::Call => self
                .client
                .post(format!("{base}/api/v1/windows/{window}/call"))
                .bearer_auth(token),
            Op::List => self.client.get(format!(
                "{base}/api/v1/matters?department={}&limit=20",
                self.departments[n % self.departments.len()]
            )),
            Op::Guide => self.client.get(format!(
                "{base}/api/v1/matters/{}",
                self.codes[n % self.codes.len()]
            )),
        };
        match req.send().await {
            Ok(r) if r.status().is_success() => {
                if matches!(op, Op::Call) && r.status() == 204 {
                    EMPTY_CALLS.fetch_add(1, Ordering::Relaxed);
                }
                let _ = r.bytes().await;
                Ok(())
            }
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                Err(format!(
                    "{status}: {}",
                    text.chars().take(200).collect::<String>()
                ))
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Calls that found no ticket waiting (counted, not errors).
static EMPTY_CALLS: AtomicU64 = AtomicU64::new(0);

/// The answers of one minute.
#[derive(Default)]
struct Minute {
    latencies: Vec<Duration>,
    errors: usize,
}

/// Everything the request tasks record.
#[derive(Default)]
struct Record {
    minutes: Vec<Minute>,
    /// The first few errors, to print.
    samples: Vec<String>,
}

impl Record {
    fn add(&mut self, minute: usize, result: Result<Duration, String>) {
        if self.minutes.len() <= minute {
            self.minutes.resize_with(minute + 1, Minute::default);
        }
        match result {
            Ok(d) => self.minutes[minute].latencies.push(d),
            Err(e) => {
                self.minutes[minute].errors += 1;
                if self.samples.len() < 5 {
                    self.samples.push(e);
                }
            }
        }
    }
}

/// The catalog's department codes and matter codes.
async fn catalog(
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let body: serde_json::Value = client
        .get(format!("{base}/api/v1/matters?limit=500"))
        .send()
        .await?
        .json()
        .await?;
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let field = |pick: &dyn Fn(&serde_json::Value) -> Option<&str>| {
        let mut v: Vec<String> = items
            .iter()
            .filter_map(|m| pick(m).map(str::to_owned))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let departments = field(&|m| m["department"]["code"].as_str());
    let codes = field(&|m| m["code"].as_str());
    anyhow::ensure!(
        !codes.is_empty() && !departments.is_empty(),
        "the benchmark server has no matters"
    );
    Ok((departments, codes))
}

/// Runs the benchmark; fails if any request failed.
pub(crate) async fn run(cfg: &Config, args: &SoakArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let cfg = bench_config(cfg, &dir);
    let (base, stop) = start_server_on(cfg.clone())?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.max_in_flight.max(args.clients))
        .build()?;
    let intake = intake_request(&client, &base).await?;
    let mut windows = Vec::new();
    for n in 1..=4 {
        windows.push((
            login(&client, &base, &format!("clerk{n}")).await?,
            format!("W{n:02}"),
        ));
    }
    let (departments, codes) = catalog(&client, &base).await?;
    println!(
        "一窗通 bench soak — store: {}, matter {} for intake; mix per 10 requests: 3 intake (create + accept), 2 ticket issue, 2 calls, 3 catalog reads",
        if cfg.database.url.is_empty() {
            "sqlite (WAL, synchronous=FULL, group commit)".to_owned()
        } else {
            crate::config::redact_url(&cfg.database.url)
        },
        intake.matter
    );
    let rate = match args.rate {
        Some(r) => r,
        None => {
            print_header();
            let burst = load_requests(
                &format!(
                    "capacity: POST /api/v1/cases, {} clients, closed loop, {} s",
                    args.clients, args.burst_seconds
                ),
                Request::Post {
                    urls: Arc::new(vec![format!("{base}/api/v1/cases")]),
                    token: intake.token.clone(),
                    body: Arc::new(intake.body.clone()),
                },
                &LoadArgs {
                    clients: args.clients,
                    seconds: args.burst_seconds,
                },
            )
            .await?;
            print_row(&burst);
            burst.rps / 2.0
        }
    };
    anyhow::ensure!(rate > 0.0, "the rate must be above zero");
    println!(
        "steady load: {rate:.0} requests/s for {} min, open loop (latency from the instant each request was due), at most {} in flight",
        args.minutes, args.max_in_flight
    );
    let target = Arc::new(Target {
        client,
        base,
        intake,
        windows,
        departments,
        codes,
    });
    let record = Arc::new(Mutex::new(Record::default()));
    let permits = Arc::new(tokio::sync::Semaphore::new(args.max_in_flight));
    let total = Duration::from_secs(args.minutes * 60);
    let start = Instant::now();
    let mut rss = vec![rss_kib(None)];
    let mut k = 0u64;
    loop {
        let offset = Duration::from_secs_f64(k as f64 / rate);
        if offset >= total {
            break;
        }
        let due = start + offset;
        tokio::time::sleep_until(tokio::time::Instant::from_std(due)).await;
        // Memory at each minute's boundary: the end of one minute, the start of the next.
        while start.elapsed() >= Duration::from_secs(60 * rss.len() as u64)
            && rss.len() as u64 <= args.minutes
        {
            rss.push(rss_kib(None));
        }
        let permit = permits.clone().acquire_owned().await?;
        let (target, record) = (target.clone(), record.clone());
        let minute = usize::try_from(offset.as_secs() / 60).unwrap_or(0);
        tokio::spawn(async move {
            let result = target.send(k).await.map(|()| due.elapsed());
            if let Ok(mut r) = record.lock() {
                r.add(minute, result);
            }
            // The record first: once every permit is back, no task holds it.
            drop(record);
            drop(permit);
        });
        k += 1;
    }
    let all = u32::try_from(args.max_in_flight).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await?;
    let elapsed = start.elapsed();
    while (rss.len() as u64) <= args.minutes {
        rss.push(rss_kib(None));
    }
    let _ = stop.send(());
    let record = match Arc::try_unwrap(record) {
        Ok(m) => m
            .into_inner()
            .map_err(|_| anyhow::anyhow!("a request task panicked"))?,
        Err(_) => anyhow::bail!("request tasks still hold the record"),
    };
    report(&record, &rss, k, elapsed)
}

/// Prints the per-minute table and the summary; fails if any request failed.
fn report(
    record: &Record,
    rss: &[Option<u64>],
    sent: u64,
    elapsed: Duration,
) -> anyhow::Result<()> {
    println!(
        "| minute | requests | errors | req/s | p50 ms | p99 ms | max ms | RSS start MiB | RSS end MiB |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut errors, mut p99s) = (0usize, Vec::new());
    for (i, m) in record.minutes.iter().enumerate() {
        let mut lat = m.latencies.clone();
        lat.sort_unstable();
        let p99 = percentile(&lat, 99.0);
        p99s.push(p99);
        errors += m.errors;
        println!(
            "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} |",
            i + 1,
            lat.len() + m.errors,
            m.errors,
            (lat.len() + m.errors) as f64 / 60.0,
            ms(percentile(&lat, 50.0)),
            ms(p99),
            ms(lat.last().copied().unwrap_or_default()),
            mib(rss.get(i).copied().flatten()),
            mib(rss.get(i + 1).copied().flatten()),
        );
    }
    let (lo, hi) = (
        p99s.iter().min().copied().unwrap_or_default(),
        p99s.iter().max().copied().unwrap_or_default(),
    );
    println!(
        "summary: {sent} requests in {:.0} s, {errors} errors, {} calls found the queue empty; p99 per minute {}–{} ms (max ÷ min = {:.2}); RSS {} MiB at start, {} MiB at end",
        elapsed.as_secs_f64(),
        EMPTY_CALLS.load(Ordering::Relaxed),
        ms(lo),
        ms(hi),
        hi.as_secs_f64() / lo.as_secs_f64().max(1e-9),
        mib(rss.first().copied().flatten()),
        mib(rss.last().copied().flatten()),
    );
    for e in &record.samples {
        println!("error: {e}");
    }
    anyhow::ensure!(errors == 0, "{errors} requests failed during the soak");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resident_memory_of_this_process_is_read() {
        assert!(rss_kib(None).is_some_and(|k| k > 0));
        assert_eq!(mib(Some(1536)), "1.5");
        assert_eq!(mib(None), "?");
    }

    #[test]
    fn a_soak_with_an_error_fails() {
        let mut record = Record::default();
        record.add(0, Ok(Duration::from_millis(2)));
        record.add(1, Err("500: boom".into()));
        let rss = [Some(1024), Some(2048), Some(2048)];
        assert!(report(&record, &rss, 2, Duration::from_secs(120)).is_err());
        let mut clean = Record::default();
        clean.add(0, Ok(Duration::from_millis(2)));
        assert!(report(&clean, &rss, 1, Duration::from_secs(60)).is_ok());
    }
}
