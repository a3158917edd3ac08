//! `yichuang report …`, `yichuang audit verify` and `yichuang simulate`.

use std::sync::Arc;

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use yichuang_core::Core;
use yichuang_domain::clock::{Clock, FakeClock, SystemClock};

use crate::app::open_store;
use crate::config::Config;

/// Reports.
#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Recompute every report counter from the event log (the live counters must equal it).
    Rebuild,
    /// Print the 日报 of a date as JSON.
    Daily {
        /// `YYYY-MM-DD` (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
}

/// `yichuang audit …`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Walk every center's SM3 chain and name the first broken event (exit status 1 if any).
    Verify {
        /// Start at this place of each chain (default: the first event).
        #[arg(long, default_value_t = 1)]
        from: i64,
        /// A head copied off the machine earlier (`链号:序号:哈希`, as `audit anchor` prints
        /// it); may be given several times.
        #[arg(long = "anchor")]
        anchors: Vec<String>,
        /// A file of such heads, one per line (what `audit anchor >> FILE` collected).
        #[arg(long)]
        anchors_file: Option<std::path::PathBuf>,
    },
    /// Print the head of every chain (`链号:序号:哈希`), to be kept where this machine's
    /// administrators cannot change it (another host, a printed 日报); `verify --anchor` later
    /// proves the log was not rewritten as a whole since.
    Anchor,
    /// Rewrite the log so that events recorded before sealing (or under an older key) hold no
    /// personal value in the clear: needs the database owner's rights; each changed chain is
    /// relinked from its first change and records the rewrite. Anchors kept of the rewritten
    /// places stop holding; the new heads are printed to replace them.
    Reseal {
        /// Confirms the rewrite (the log is otherwise never changed).
        #[arg(long)]
        yes: bool,
    },
}

/// The anchors given on the command line and in a file.
fn read_anchors(
    given: &[String],
    file: Option<&std::path::Path>,
) -> anyhow::Result<Vec<yichuang_store::audit::AuditHead>> {
    let mut lines: Vec<String> = given.to_vec();
    if let Some(f) = file {
        let text = std::fs::read_to_string(f)
            .map_err(|e| anyhow::anyhow!("无法读取锚点文件 {}：{e}", f.display()))?;
        lines.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    lines
        .iter()
        .map(|l| l.parse().map_err(|e: String| anyhow::anyhow!(e)))
        .collect()
}

/// Parameters of a simulation.
#[derive(Debug, Clone, Args)]
pub(crate) struct SimulateArgs {
    /// First day (default: 30 days ago).
    #[arg(long)]
    start: Option<NaiveDate>,
    /// Working days to simulate.
    #[arg(long, default_value_t = 5)]
    days: u32,
    /// Visitors per day.
    #[arg(long, default_value_t = 300)]
    visitors: u32,
    /// Random seed.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Afterwards, add this many accepted open cases received over the 40 working days before
    /// the first simulated day (volume for the light board and benchmarks).
    #[arg(long, default_value_t = 0)]
    open_cases: u64,
}

fn bar(len: u64, msg: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(msg);
    bar
}

pub(crate) async fn report(cfg: &Config, cmd: ReportCommand) -> anyhow::Result<()> {
    let store = open_store(cfg).await?;
    let core = Core::new(store, Arc::new(SystemClock), cfg.auth.settings());
    match cmd {
        ReportCommand::Rebuild => {
            let spinner = ProgressBar::new_spinner();
            spinner.set_message("重放事件");
            let started = std::time::Instant::now();
            let n = core.rebuild_reports(&|n| spinner.set_position(n)).await?;
            spinner.finish_and_clear();
            println!(
                "已根据 {n} 条事件重建报表计数（{:.1} 秒）",
                started.elapsed().as_secs_f64()
            );
        }
        ReportCommand::Daily { date } => {
            let center = core.default_center().await?;
            let date = date.unwrap_or_else(|| core.clock().today());
            let r = core.period_report(&center, date, date).await?;
            println!("{}", serde_json::to_string_pretty(&r)?);
        }
    }
    Ok(())
}

pub(crate) async fn audit(cfg: &Config, cmd: AuditCommand) -> anyhow::Result<()> {
    let store = open_store(cfg).await?;
    let core = Core::new(store, Arc::new(SystemClock), cfg.auth.settings());
    let (from, anchors) = match cmd {
        AuditCommand::Anchor => {
            for head in core.audit_anchors().await? {
                println!("{head}");
            }
            return Ok(());
        }
        AuditCommand::Reseal { yes } => return reseal_log(&core, yes).await,
        AuditCommand::Verify {
            from,
            anchors,
            anchors_file,
        } => (from, read_anchors(&anchors, anchors_file.as_deref())?),
    };
    let started = std::time::Instant::now();
    let report = core.verify_audit_against(from.max(1), &anchors).await?;
    for c in &report.chains {
        let name = if c.chain_key == 0 {
            "中心之外".to_owned()
        } else {
            format!("中心 {}", c.chain_key)
        };
        match &c.broken {
            None => println!(
                "{name}：校验 {} 条事件，链完整（链头第 {} 号）{}",
                c.checked,
                c.head_seq,
                if c.anchors_held > 0 {
                    format!("，{} 个外部锚点相符", c.anchors_held)
                } else {
                    String::new()
                }
            ),
            Some(b) => println!(
                "{name}：第 {} 号事件{}断链：{}",
                b.seq,
                b.event_id
                    .map(|id| format!("（记录 {id}）"))
                    .unwrap_or_default(),
                b.reason
            ),
        }
    }
    if report.unchained > 0 {
        println!(
            "有 {} 条事件不在任何链中（被绕过存储写入）",
            report.unchained
        );
    }
    println!(
        "共校验 {} 条事件，用时 {:.1} 秒",
        report.checked(),
        started.elapsed().as_secs_f64()
    );
    if !report.intact() {
        anyhow::bail!("审计链不完整");
    }
    Ok(())
}

/// `yichuang audit reseal`.
async fn reseal_log(core: &Core, yes: bool) -> anyhow::Result<()> {
    if !yes {
        anyhow::bail!(
            "重写审计日志会使此前保存的外部锚点失效；确认要重写请加 --yes（先用 yichuang backup 备份）"
        );
    }
    if !core.store().sealer().is_on() {
        anyhow::bail!("数据目录没有密钥，无法封存");
    }
    let spinner = ProgressBar::new_spinner();
    spinner.set_message("检查并重写事件");
    let started = std::time::Instant::now();
    let rewrites = core
        .reseal_audit_log("system", &|n| spinner.set_position(n))
        .await?;
    spinner.finish_and_clear();
    if rewrites.is_empty() {
        println!("审计日志中没有需要封存的事件，未作改动");
        return Ok(());
    }
    for r in &rewrites {
        println!(
            "链 {}：封存 {} 条事件，自第 {} 号起重新链接 {} 条；原链头 {}，新链头 {}",
            r.chain_key, r.rewritten, r.from_seq, r.relinked, r.old_head, r.new_head
        );
    }
    println!(
        "用时 {:.1} 秒。此前保存的、位于重写位置之后的锚点已不再成立，请改存以下新锚点：",
        started.elapsed().as_secs_f64()
    );
    for head in core.audit_anchors().await? {
        println!("{head}");
    }
    Ok(())
}

pub(crate) async fn simulate(cfg: &Config, args: &SimulateArgs) -> anyhow::Result<()> {
    let store = open_store(cfg).await?;
    let start = args
        .start
        .unwrap_or_else(|| SystemClock.today() - chrono::Duration::days(30));
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
        seed: args.seed,
    };
    let bar = bar(u64::from(args.days), "模拟办事日");
    let started = std::time::Instant::now();
    let s = core
        .simulate(&clock, &plan, &|n| bar.set_position(n))
        .await?;
    bar.finish_and_clear();
    if args.open_cases > 0 {
        let bulk = ProgressBar::new(args.open_cases);
        bulk.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bulk.set_message("批量在办件");
        let n = core
            .bulk_open_cases(&clock, args.open_cases, start, 40, args.seed, &|n| {
                bulk.set_position(n);
            })
            .await?;
        bulk.finish_and_clear();
        println!("已加入 {n} 件在办承诺件");
    }
    println!(
        "已模拟 {} 个工作日：取号 {}，办件 {}，办结 {}，评价 {}，被规则拒绝的操作 {}（{:.1} 秒）",
        s.days,
        s.tickets,
        s.cases,
        s.concluded,
        s.evaluations,
        s.refused_operations,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
