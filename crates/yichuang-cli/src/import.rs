//! `yichuang import catalog FILE`: validate the whole file, list every problem, import all or
//! nothing, with a progress bar. Safe to run next to a running server on the same data: the
//! import is one write transaction that waits for the server's writer.

use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use yichuang_core::CoreError;
use yichuang_domain::catalog::parse_catalog;

use crate::app::open_core;
use crate::config::Config;

pub(crate) async fn catalog(cfg: &Config, file: &Path, center: Option<&str>) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("无法读取目录文件 {}", file.display()))?;
    let catalog = match parse_catalog(&text) {
        Ok(c) => c,
        Err(problems) => {
            eprintln!(
                "目录文件 {} 有 {} 处问题，未导入任何内容：",
                file.display(),
                problems.len()
            );
            for p in &problems {
                eprintln!("  {p}");
            }
            anyhow::bail!("目录文件校验未通过");
        }
    };
    let core = open_core(cfg).await?;
    let center = match center {
        Some(code) => core.center(Some(code)).await?,
        None => match core.default_center().await {
            Ok(c) => c,
            Err(CoreError::NotFound(_)) => {
                let name = format!("{}政务服务中心", catalog.region.name);
                core.create_center(&catalog.region.code, &name, "cli")
                    .await?
            }
            Err(e) => return Err(e.into()),
        },
    };
    let bar = ProgressBar::new(catalog.matters.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("导入事项");
    let report = core
        .import_catalog(center.id, &catalog, "cli", &|n| bar.set_position(n))
        .await?;
    bar.finish_and_clear();
    println!(
        "已导入到 {}：新增事项 {}，新版本 {}，未变化 {}，部门/窗口/证照类型变更 {}",
        center.name,
        report.matters_created,
        report.matters_versioned,
        report.matters_unchanged,
        report.reference_rows_changed
    );
    Ok(())
}
