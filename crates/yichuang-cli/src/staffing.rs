//! `yichuang staffing`: the 窗口配置测算 of the web page, printed (or as JSON) for a date range.

use std::time::Instant;

use chrono::NaiveDate;
use clap::Args;
use yichuang_core::reports::staffing::{StaffingReport, staffing_of};

use crate::app::open_core;
use crate::config::Config;

/// Arguments of `yichuang staffing`.
#[derive(Debug, Args)]
pub(crate) struct StaffingArgs {
    /// First day read (`YYYY-MM-DD`).
    #[arg(long)]
    from: NaiveDate,
    /// Last day read (`YYYY-MM-DD`).
    #[arg(long)]
    to: NaiveDate,
    /// The p90 wait not to exceed, minutes.
    #[arg(long, default_value_t = 15.0)]
    target_wait: f64,
    /// Center code (default: this installation's center).
    #[arg(long)]
    center: Option<String>,
    /// Print the proposal as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn minutes(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{:.0}%", x * 100.0))
}

fn print(r: &StaffingReport) {
    println!(
        "窗口配置测算 {} 至 {}：{} 个有取号的工作日，{} 张号，目标 90% 等候不超过 {} 分钟",
        r.from, r.to, r.days, r.tickets, r.target_wait_min
    );
    let Some(p) = &r.proposal else {
        println!("期间没有已办结的取号记录，无法测算。");
        return;
    };
    let name = |q: &str| {
        r.queue_names
            .get(q)
            .cloned()
            .unwrap_or_else(|| q.to_owned())
    };
    println!(
        "当前 {} 人时/天，建议 {} 人时/天（{}）；p90 等候 当前 {} 分钟，建议 {} 分钟；{}",
        p.current_staff_hours,
        p.proposed_staff_hours,
        match p.staff_hours_saved {
            0 => "不变".to_owned(),
            s if s > 0 => format!("节省 {s}"),
            s => format!("需增加 {}", -s),
        },
        minutes(p.current_result.overall.p90_wait_min),
        minutes(p.proposed_result.overall.p90_wait_min),
        if p.confirmed {
            "回放复核达标"
        } else {
            "部分时段开到上限仍未达标"
        }
    );
    println!(
        "{:<14} {:>5} {:>8} {:>5} {:>5} {:>9} {:>9} {:>7} {:>7}",
        "队列", "时段", "日均到达", "当前", "建议", "当前p90", "建议p90", "当前利用", "建议利用"
    );
    for h in &p.rows {
        println!(
            "{:<14} {:>5} {:>8.1} {:>5} {:>5} {:>9} {:>9} {:>7} {:>7}",
            name(&h.queue),
            format!("{:02}时", h.hour),
            h.current.arrivals_per_day(),
            h.current_windows,
            h.proposed_windows,
            minutes(h.current.p90_wait_min),
            minutes(h.proposed.p90_wait_min),
            pct(h.current.utilisation()),
            pct(h.proposed.utilisation()),
        );
    }
    if let Some(v) = &r.validation {
        let o = &v.overall;
        println!(
            "模型校验（按实际配置回放 vs 实测）：平均等候 {:.1} vs {:.1} 分钟，p90 {:.1} vs {:.1} 分钟，{}",
            o.simulated_mean_wait_min,
            o.measured_mean_wait_min,
            o.simulated_p90_wait_min,
            o.measured_p90_wait_min,
            if v.passed {
                "在 ±20% 以内"
            } else {
                "超出 ±20%，结果仅供参考"
            }
        );
    }
    if !r.unmeasured_queues.is_empty() {
        let names: Vec<String> = r.unmeasured_queues.iter().map(|q| name(q)).collect();
        println!("未测算（无服务时长）：{}", names.join("、"));
    }
}

/// Runs `yichuang staffing`.
pub(crate) async fn run(cfg: &Config, args: &StaffingArgs) -> anyhow::Result<()> {
    let core = open_core(cfg).await?;
    let center = core.center(args.center.as_deref()).await?;
    let started = Instant::now();
    let history = core.hall_history(center.id, args.from, args.to).await?;
    let read = started.elapsed();
    let r = staffing_of(&history, args.from, args.to, args.target_wait)?;
    let total = started.elapsed();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        print(&r);
    }
    eprintln!(
        "读取 {:.0} ms，测算 {:.0} ms",
        read.as_secs_f64() * 1000.0,
        (total - read).as_secs_f64() * 1000.0
    );
    Ok(())
}
