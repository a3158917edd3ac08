//! The file store of materials: applicants' uploads and window clerks' scans, checked by
//! content, sealed with SM4-GCM and written durably under their hash; read back by their owner
//! or by staff through a case whose materials include them.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use yichuang_domain::account::{Role, StaffUser};
use yichuang_domain::case::{MaterialInput, MaterialMode};
use yichuang_store::StoredFile;

use crate::access::require_role;
use crate::auth::random_token;
use crate::{Core, CoreError, Result};

/// The content type of an upload, from its first bytes (never from its name).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    match infer::get(bytes)?.mime_type() {
        m @ ("application/pdf" | "image/jpeg" | "image/png") => Some(m),
        _ => None,
    }
}

impl Core {
    /// Stores an upload — an applicant's material, or a window clerk's scan or photo of one
    /// (收件扫描): refused when empty, too large or not a PDF, JPG or PNG by content;
    /// written under its hash (temp file, fsync, rename) before the record is stored.
    pub async fn upload_file(
        &self,
        user: &StaffUser,
        name: &str,
        bytes: &[u8],
    ) -> Result<StoredFile> {
        if !user.is_applicant() {
            require_role(user, &[Role::Clerk])?;
        }
        if bytes.is_empty() {
            return Err(CoreError::Unprocessable {
                code: "empty_file",
                message: "文件是空的，请重新选择".into(),
            });
        }
        let max = self.portal.max_upload_bytes;
        if bytes.len() > max {
            return Err(CoreError::TooLarge(format!(
                "文件太大（{:.1} MB），每个文件不超过 {} MB",
                bytes.len() as f64 / 1_048_576.0,
                max / 1_048_576
            )));
        }
        let Some(content_type) = sniff(bytes) else {
            return Err(CoreError::UnsupportedType(
                "只能上传 PDF、JPG 或 PNG 文件（按文件内容识别，改扩展名无效）".into(),
            ));
        };
        let dir = self
            .portal
            .files_dir
            .clone()
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("no files directory")))?;
        let keys = self
            .portal
            .keys
            .clone()
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("no keys to seal uploads")))?;
        // The name stays the SHA-256 of the plaintext, so the same scan is stored once; the
        // bytes on disk are sealed with SM4-GCM.
        let sha256 = hex::encode(Sha256::digest(bytes));
        let data = keys
            .seal_blob(bytes)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("sealing upload: {e}")))?;
        let hash = sha256.clone();
        tokio::task::spawn_blocking(move || write_blob(&dir, &hash, &data))
            .await
            .map_err(|e| CoreError::Internal(e.into()))?
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("storing upload: {e}")))?;
        let name: String = name.trim().chars().take(200).collect();
        let file = StoredFile {
            id: random_token()?[..32].to_owned(),
            owner: user.id,
            sha256,
            size: bytes.len() as u64,
            content_type: content_type.to_owned(),
            name: if name.is_empty() {
                "材料".into()
            } else {
                name
            },
            created_at: self.clock().now(),
        };
        self.store()
            .create_file(&file, &self.ctx(&user.username))
            .await?;
        Ok(file)
    }

    /// A file and its bytes, for its owner, or for staff who may read a case (`case_no`) whose
    /// materials include it; anyone else gets 404.
    pub async fn file_for(
        &self,
        user: &StaffUser,
        id: &str,
        case_no: Option<&str>,
    ) -> Result<(StoredFile, Vec<u8>)> {
        let not_found = || CoreError::NotFound("文件不存在".into());
        let file = self.store().file(id).await?.ok_or_else(not_found)?;
        if file.owner != user.id {
            // Staff reach an upload through the case it belongs to, with that case's scope.
            let case_no = case_no.filter(|_| user.has_any_role(&Role::STAFF));
            let Some(case_no) = case_no else {
                return Err(not_found());
            };
            let d = self
                .case_for(user, case_no)
                .await
                .map_err(|_| not_found())?;
            if !d
                .case
                .materials
                .iter()
                .any(|m| m.file_id.as_deref() == Some(id))
            {
                return Err(not_found());
            }
        }
        let dir = self.portal.files_dir.clone().ok_or_else(not_found)?;
        let path = blob_path(&dir, &file.sha256);
        let sealed = tokio::fs::read(&path)
            .await
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("reading {}: {e}", path.display())))?;
        let keys = self.portal.keys.clone().ok_or_else(not_found)?;
        // A file re-sealed by `yichuang keys rotate` while this server ran names a key that
        // only the key directory knows yet: the sealer rereads it.
        let bytes = keys
            .open_blob(&sealed)
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("opening {}: {e}", path.display())))?;
        Ok((file, bytes))
    }

    /// Checks the scans a clerk attached to checklist items: each one a stored file of this
    /// clerk's (a scan id from another account, or made up, is refused), and never on an item
    /// marked missing.
    pub(crate) async fn check_window_scans(
        &self,
        user: &StaffUser,
        materials: &[MaterialInput],
    ) -> Result<()> {
        for m in materials {
            let Some(id) = m.file_id.as_deref() else {
                continue;
            };
            if m.mode == MaterialMode::Missing {
                return Err(CoreError::invalid(
                    "materials",
                    format!("第 {} 项材料选择了“缺少”，却附有扫描件", m.index + 1),
                ));
            }
            match self.store().file(id).await? {
                Some(f) if f.owner == user.id => {}
                _ => {
                    return Err(CoreError::invalid(
                        "materials",
                        format!("第 {} 项材料的扫描件不存在，请重新扫描或拍照", m.index + 1),
                    ));
                }
            }
        }
        Ok(())
    }

    pub(crate) async fn owned_file(&self, user: &StaffUser, id: &str) -> Result<StoredFile> {
        match self.store().file(id).await? {
            Some(f) if f.owner == user.id => Ok(f),
            _ => Err(CoreError::NotFound(format!("文件 {id} 不存在"))),
        }
    }
}

fn blob_path(dir: &std::path::Path, sha: &str) -> PathBuf {
    dir.join(&sha[..2]).join(sha)
}

/// Writes a blob durably: a temp file, fsync, rename, fsync of the directory. Content-addressed,
/// so an existing blob is the same bytes and is kept.
fn write_blob(dir: &std::path::Path, sha: &str, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let path = blob_path(dir, sha);
    if path.exists() {
        return Ok(());
    }
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!("{sha}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    std::fs::File::open(parent)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_not_names() {
        assert_eq!(
            sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
            Some("application/pdf")
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01"),
            Some("image/png")
        );
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some("image/jpeg"));
        assert_eq!(sniff(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(sniff(b"hello, this is text"), None);
    }
}
