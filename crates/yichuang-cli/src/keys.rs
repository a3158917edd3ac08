//! `yichuang keys …`: the SM4 keys of `<data>/keys` and the stored files they seal.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use yichuang_crypto::KeyRing;

use crate::config::Config;

/// Key management.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Make a new SM4 key current and re-seal every stored file and every personal field of
    /// the database with it (values stored before encryption included). Older keys are kept:
    /// the append-only event log and backups sealed with them stay readable. Restart the
    /// server afterwards so that new writes use the new key.
    Rotate,
    /// The key ids, the current one, and how many stored files each key seals.
    Status,
}

/// Every stored blob under `dir` (not temporary files).
fn blobs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(blobs(&path)?);
        } else if path.extension().is_none_or(|e| e != "tmp") {
            out.push(path);
        }
    }
    Ok(out)
}

/// Replaces `path` with `data` durably: temp file, fsync, rename, fsync of the directory.
fn replace(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        std::fs::File::open(parent)?.sync_all()?;
    }
    Ok(())
}

pub(crate) async fn run(cfg: &Config, cmd: &KeysCommand) -> anyhow::Result<()> {
    let data = &cfg.database.data_dir;
    let mut ring = KeyRing::open_or_create(&data.join("keys"))
        .map_err(|e| anyhow::anyhow!("无法打开密钥目录：{e}"))?;
    let files = blobs(&data.join("files"))?;
    match cmd {
        KeysCommand::Status => {
            let mut by_key = std::collections::BTreeMap::<String, usize>::new();
            for f in &files {
                let bytes = std::fs::read(f)?;
                let kid = KeyRing::blob_kid(&bytes).unwrap_or("明文");
                *by_key.entry(kid.to_owned()).or_default() += 1;
            }
            println!("当前密钥：{}", ring.current_kid());
            for (kid, n) in by_key {
                println!("{kid}\t{n} 个文件");
            }
        }
        KeysCommand::Rotate => {
            let kid = ring
                .rotate()
                .map_err(|e| anyhow::anyhow!("无法生成新密钥：{e}"))?;
            // A running server looks for the switch every ROTATION_CHECK; once it has, nothing
            // more is sealed with the old key, so the passes below miss nothing it wrote.
            println!("已启用新密钥 {kid}，等待运行中的服务改用它……");
            std::thread::sleep(2 * yichuang_store::sealing::ROTATION_CHECK);
            let bar = ProgressBar::new(files.len() as u64);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} 个文件 {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            let (mut resealed, mut plain) = (0, 0);
            for f in &files {
                let bytes = std::fs::read(f)?;
                match KeyRing::blob_kid(&bytes) {
                    Some(k) if k == kid => {}
                    found => {
                        let open = ring
                            .open_blob(&bytes)
                            .map_err(|e| anyhow::anyhow!("{}：{e}", f.display()))?;
                        replace(f, &ring.seal(&open)?)?;
                        resealed += 1;
                        if found.is_none() {
                            plain += 1;
                        }
                    }
                }
                bar.inc(1);
            }
            bar.finish_and_clear();
            println!("已用新密钥 {kid} 重新加密了 {resealed} 个文件（其中 {plain} 个原为明文）。");
            let rows = reseal_rows(cfg).await?;
            println!(
                "数据库中 {} 行个人信息已用新密钥重新加密（其中 {} 行原为明文）。运行中的服务在一秒内已改用新密钥加密新写入的数据，无需重启。",
                rows.rows, rows.were_plain
            );
        }
    }
    Ok(())
}

/// Re-seals the personal fields of the database with the (new) current key, batch by batch.
async fn reseal_rows(cfg: &Config) -> anyhow::Result<yichuang_store::ResealReport> {
    let store = crate::app::open_store(cfg).await?;
    let spinner = ProgressBar::new_spinner();
    spinner.set_style(
        ProgressStyle::with_template("{spinner} 数据库：已检查 {pos} 行 {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let ctx = yichuang_store::Ctx::new(
        "cli",
        yichuang_domain::clock::Clock::now(&yichuang_domain::clock::SystemClock),
    )
    .sealed(store.sealer());
    let report = store
        .reseal_personal_data(&ctx, &|seen| spinner.set_position(seen))
        .await?;
    spinner.finish_and_clear();
    Ok(report)
}
