//! `yichuang backup` and `yichuang restore`: a consistent copy of a running installation.
//!
//! SQLite: `VACUUM INTO` (one read snapshot, WAL included, writers keep going) plus the stored
//! files and the key directory. Copying the `.db` file alone loses whatever still sits in the
//! WAL; that is what this replaces. PostgreSQL: `pg_dump --format=custom` plus the files.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use yichuang_domain::clock::Clock;
use yichuang_store_sqlite::SqliteStore;

use crate::config::Config;

/// What a backup directory holds, written last so that a half-written backup has no manifest.
const MANIFEST: &str = "backup.json";

/// `yichuang backup --to DIR`.
pub(crate) async fn backup(cfg: &Config, to: &Path) -> anyhow::Result<()> {
    if to.join(MANIFEST).exists() {
        bail!("{} 已有一份备份，请换一个空目录", to.display());
    }
    std::fs::create_dir_all(to).with_context(|| format!("无法创建 {}", to.display()))?;
    let url = cfg.database.effective_url();
    let started = yichuang_domain::clock::SystemClock.now();
    let backend = if url.starts_with("postgres") {
        let out = std::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(to.join("yichuang.dump"))
            .arg(&url)
            .output()
            .context("无法运行 pg_dump（请安装 PostgreSQL 客户端）")?;
        if !out.status.success() {
            bail!("pg_dump 失败：{}", String::from_utf8_lossy(&out.stderr));
        }
        "postgres"
    } else {
        let store = SqliteStore::open(&url, 1).await?;
        let result = store.backup_into(&to.join("yichuang.db")).await;
        store.close().await;
        result?;
        "sqlite"
    };
    let data = &cfg.database.data_dir;
    let files = copy_tree(&data.join("files"), &to.join("files"))?;
    copy_tree(&data.join("keys"), &to.join("keys"))?;
    let manifest = serde_json::json!({
        "backend": backend,
        "started_at": started.to_rfc3339(),
        "finished_at": yichuang_domain::clock::SystemClock.now().to_rfc3339(),
        "files": files,
        "version": env!("CARGO_PKG_VERSION"),
    });
    std::fs::write(to.join(MANIFEST), serde_json::to_vec_pretty(&manifest)?)?;
    println!("备份完成：{}（{backend}，{files} 个文件）", to.display());
    Ok(())
}

/// `yichuang restore --from DIR [--force]` into the configured database and data directory.
pub(crate) async fn restore(cfg: &Config, from: &Path, force: bool) -> anyhow::Result<()> {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(from.join(MANIFEST))
            .with_context(|| format!("{} 不是完整的备份（缺少 {MANIFEST}）", from.display()))?,
    )?;
    let data = &cfg.database.data_dir;
    let url = cfg.database.effective_url();
    match manifest["backend"].as_str() {
        Some("sqlite") => {
            if url.starts_with("postgres") {
                bail!("这是 SQLite 备份，不能恢复到 PostgreSQL");
            }
            let db = PathBuf::from(url.trim_start_matches("sqlite:"));
            if db.exists() && !force {
                bail!(
                    "{} 已存在；确认要覆盖请加 --force（请先停止服务）",
                    db.display()
                );
            }
            if let Some(parent) = db.parent() {
                std::fs::create_dir_all(parent)?;
            }
            // A stale WAL next to the restored file would be replayed into it.
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", db.display()));
                if side.exists() {
                    std::fs::remove_file(&side)?;
                }
            }
            std::fs::copy(from.join("yichuang.db"), &db)
                .with_context(|| format!("无法写入 {}", db.display()))?;
        }
        Some("postgres") => {
            let mut cmd = std::process::Command::new("pg_restore");
            cmd.args(["--no-owner", "--exit-on-error"]);
            if force {
                cmd.args(["--clean", "--if-exists"]);
            }
            let out = cmd
                .arg("--dbname")
                .arg(&url)
                .arg(from.join("yichuang.dump"))
                .output()
                .context("无法运行 pg_restore（请安装 PostgreSQL 客户端）")?;
            if !out.status.success() {
                bail!("pg_restore 失败：{}", String::from_utf8_lossy(&out.stderr));
            }
        }
        _ => bail!("无法识别的备份（manifest 中没有 backend）"),
    }
    let files = copy_tree(&from.join("files"), &data.join("files"))?;
    copy_tree(&from.join("keys"), &data.join("keys"))?;
    println!("恢复完成：来自 {}（{files} 个文件）", from.display());
    Ok(())
}

/// Copies a directory tree (missing source: nothing to do); answers the number of files.
/// Stored files are content-addressed and never change, so a copy taken while uploads arrive
/// holds at least every file the database snapshot refers to.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to)?;
    let mut n = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            n += copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("无法复制 {}", entry.path().display()))?;
            n += 1;
        }
    }
    Ok(n)
}
