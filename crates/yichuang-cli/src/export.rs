//! `yichuang export cases`: the cases received in a date range as the GB/T 39046-2020 case data
//! sets (办件基本信息、办件材料信息、办件过程信息、办件结果信息), as JSON or as CSV files. Personal data is
//! masked, as in the API (see `yichuang_core::exchange::gbt39046`); the export is recorded on
//! the center's event log.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use yichuang_core::Core;
use yichuang_core::exchange::gbt39046::{
    self, BASIC_ELEMENTS, MATERIAL_ELEMENTS, PROCESS_ELEMENTS, RESULT_ELEMENTS,
};
use yichuang_domain::clock::SystemClock;

use crate::app::open_store;
use crate::config::Config;

/// `yichuang export …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ExportCommand {
    /// Cases received on the days FROM..=TO (Beijing dates) in the national data format.
    Cases(CasesArgs),
}

/// `yichuang export cases`.
#[derive(Debug, Args)]
pub(crate) struct CasesArgs {
    /// First day, YYYY-MM-DD.
    #[arg(long)]
    from: String,
    /// Last day, YYYY-MM-DD.
    #[arg(long)]
    to: String,
    /// Data format: gbt39046 (GB/T 39046-2020).
    #[arg(long, default_value = "gbt39046")]
    format: String,
    /// CSV files (办件基本信息.csv, 办件材料信息.csv, 办件过程信息.csv, 办件结果信息.csv) into
    /// the --out directory instead of one JSON document.
    #[arg(long)]
    csv: bool,
    /// Output file (JSON; default standard output) or, with --csv, a directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Center code (default: the first center).
    #[arg(long)]
    center: Option<String>,
}

fn date(name: &str, s: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .with_context(|| format!("--{name} 应为 YYYY-MM-DD 格式的日期（现为 {s}）"))
}

/// Runs an export command.
pub(crate) async fn run(cfg: &Config, cmd: ExportCommand) -> anyhow::Result<()> {
    let ExportCommand::Cases(args) = cmd;
    // Every argument is checked before the database is touched.
    anyhow::ensure!(
        args.format == "gbt39046",
        "不支持的导出格式 {}：目前只支持 gbt39046（GB/T 39046-2020）",
        args.format
    );
    let (from, to) = (date("from", &args.from)?, date("to", &args.to)?);
    anyhow::ensure!(from <= to, "--to 不能早于 --from");
    if args.csv && args.out.is_none() {
        anyhow::bail!(
            "--csv 需要用 --out 指定输出目录（写入 办件基本信息.csv、办件材料信息.csv、办件过程信息.csv、办件结果信息.csv）"
        );
    }
    let core = Core::new(
        open_store(cfg).await?,
        Arc::new(SystemClock),
        cfg.auth.settings(),
    );
    let center = core.center(args.center.as_deref()).await?;
    let records = core.export_cases(&center, from, to, "cli").await?;
    match (&args.out, args.csv) {
        (Some(dir), true) => write_csv(dir, &records)?,
        (out, _) => {
            let doc = serde_json::json!({
                "standard": "GB/T 39046-2020",
                "center": center.code,
                "from": from.to_string(),
                "to": to.to_string(),
                "records": records,
            });
            let text = serde_json::to_string_pretty(&doc)? + "\n";
            match out {
                Some(path) => std::fs::write(path, text)
                    .with_context(|| format!("无法写入 {}", path.display()))?,
                None => print!("{text}"),
            }
        }
    }
    eprintln!("已导出 {} 件（{from} 至 {to}）", records.len());
    Ok(())
}

/// The data sets as CSV files in `dir` (created if missing).
fn write_csv(dir: &Path, records: &[gbt39046::CaseRecord]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("无法创建目录 {}", dir.display()))?;
    let files = [
        (
            "办件基本信息.csv",
            gbt39046::csv(&BASIC_ELEMENTS, records.iter().map(|r| &r.basic))?,
        ),
        (
            "办件材料信息.csv",
            gbt39046::csv(
                &MATERIAL_ELEMENTS,
                records.iter().flat_map(|r| &r.materials),
            )?,
        ),
        (
            "办件过程信息.csv",
            gbt39046::csv(&PROCESS_ELEMENTS, records.iter().flat_map(|r| &r.process))?,
        ),
        (
            "办件结果信息.csv",
            gbt39046::csv(
                &RESULT_ELEMENTS,
                records.iter().filter_map(|r| r.result.as_ref()),
            )?,
        ),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    }
    Ok(())
}
