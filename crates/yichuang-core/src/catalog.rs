//! Catalog use cases: importing a catalog file and reading guides.

use yichuang_domain::catalog::{Catalog, parse_catalog};
use yichuang_store::{ImportReport, MatterFilter, MatterSummary, MatterVersion, Progress};

use crate::{Core, CoreError, Result};

/// Largest page of matters one request may ask for.
pub const MAX_PAGE: u32 = 500;

impl Core {
    /// Validates a catalog file and imports it into a center, all or nothing. A file with
    /// problems changes nothing and returns every problem.
    pub async fn import_catalog_text(
        &self,
        center_id: i64,
        text: &str,
        actor: &str,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let catalog = parse_catalog(text).map_err(CoreError::InvalidCatalog)?;
        self.import_catalog(center_id, &catalog, actor, progress)
            .await
    }

    /// Imports an already validated catalog.
    pub async fn import_catalog(
        &self,
        center_id: i64,
        catalog: &Catalog,
        actor: &str,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let report = self
            .store()
            .import_catalog(center_id, catalog, &self.ctx(actor), progress)
            .await?;
        self.reference_data_changed(crate::cache::CHANGED_CATALOG)
            .await;
        tracing::info!(center_id, ?report, "catalog imported");
        Ok(report)
    }

    /// Lists matters; `limit` defaults to 20 and may not exceed [`MAX_PAGE`].
    pub async fn list_matters(
        &self,
        center_id: i64,
        mut filter: MatterFilter,
    ) -> Result<(Vec<MatterSummary>, u64)> {
        if filter.limit == 0 {
            filter.limit = 20;
        }
        if filter.limit > MAX_PAGE {
            return Err(CoreError::invalid(
                "limit",
                format!("每页最多 {MAX_PAGE} 条"),
            ));
        }
        if filter.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            return Err(CoreError::invalid("q", "查询词过长（最多 100 个字）"));
        }
        Ok(self.store().list_matters(center_id, &filter).await?)
    }

    /// The guide in force for a matter (briefly cached; an import here clears the cache).
    pub async fn matter(&self, center_id: i64, code: &str) -> Result<MatterVersion> {
        let key = (center_id, code.to_owned());
        if let Some(v) = self.matters.get(&key) {
            return Ok((*v).clone());
        }
        let stamp = self.matters.stamp();
        let v = self
            .store()
            .matter(center_id, code)
            .await?
            .ok_or_else(|| CoreError::NotFound(format!("事项 \"{code}\" 不存在")))?;
        Ok((*self.matters.put(stamp, key, v)).clone())
    }

    /// The windows of a center (briefly cached; an import here clears the cache).
    pub async fn windows(
        &self,
        center_id: i64,
    ) -> Result<std::sync::Arc<Vec<yichuang_domain::catalog::Window>>> {
        if let Some(w) = self.windows.get(&center_id) {
            return Ok(w);
        }
        let stamp = self.windows.stamp();
        Ok(self
            .windows
            .put(stamp, center_id, self.store().windows(center_id).await?))
    }
}
