//! Plain-words matter search for the portal, the kiosk, the desks and `GET /api/v1/matters?q=`:
//! the catalog of a center mapped into a [`yichuang_search::SearchIndex`], built on first use and
//! rebuilt after an import (it is derived data, never stored).

use std::collections::HashMap;
use std::sync::Arc;

use yichuang_search::{SearchDoc, SearchIndex};
use yichuang_store::{MatterFilter, MatterSummary};

use crate::{Core, CoreError, Result};

/// The per-center indexes.
pub(crate) type Indexes = Arc<tokio::sync::Mutex<HashMap<i64, Arc<CenterSearch>>>>;

/// What the portal derives from a center's catalog: the search index and the matters of each
/// life event, in catalog order.
#[derive(Debug)]
pub(crate) struct CenterSearch {
    index: SearchIndex,
    life_events: HashMap<String, Vec<String>>,
    /// The list rows of the matters, so that a search answers without reading the store.
    summaries: HashMap<String, MatterSummary>,
}

/// A life event with the number of its matters.
#[derive(Debug, Clone)]
pub struct LifeEventCount {
    /// Code.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// Matters listed under it.
    pub count: usize,
}

/// A matter found by a question.
#[derive(Debug, Clone)]
pub struct MatterHit {
    /// The matter.
    pub matter: MatterSummary,
    /// Confidence in `0..=1`.
    pub score: f32,
    /// The name with matched words in `<mark>`, HTML-escaped.
    pub name_html: String,
    /// A highlighted fragment of aliases or guide text, when the name alone does not explain it.
    pub snippet_html: Option<String>,
}

impl Core {
    async fn search_index(&self, center_id: i64) -> Result<Arc<CenterSearch>> {
        let mut indexes = self.search.lock().await;
        if let Some(i) = indexes.get(&center_id) {
            return Ok(Arc::clone(i));
        }
        let departments: HashMap<String, String> = self
            .store()
            .departments(center_id)
            .await?
            .into_iter()
            .map(|(d, _)| (d.code, d.name))
            .collect();
        let mut docs = Vec::new();
        let mut life_events: HashMap<String, Vec<String>> = HashMap::new();
        let mut summaries = HashMap::new();
        let mut offset = 0;
        loop {
            let filter = MatterFilter {
                limit: crate::catalog::MAX_PAGE,
                offset,
                ..Default::default()
            };
            let (page, total) = self.store().list_matters(center_id, &filter).await?;
            for s in &page {
                let Some(v) = self.store().matter(center_id, &s.code).await? else {
                    continue;
                };
                summaries.insert(s.code.clone(), s.clone());
                let m = v.matter;
                for e in &m.life_events {
                    life_events
                        .entry(e.clone())
                        .or_default()
                        .push(m.code.clone());
                }
                docs.push(SearchDoc {
                    department: departments.get(&m.department).cloned().unwrap_or_default(),
                    code: m.code,
                    name: m.name,
                    aliases: m.aliases,
                    kind: m.kind,
                    conditions: m.conditions,
                    materials: m.materials.into_iter().map(|x| x.name).collect(),
                    result: m.result.name,
                    legal_basis: m.legal_basis,
                });
            }
            offset += crate::catalog::MAX_PAGE;
            if page.is_empty() || u64::from(offset) >= total {
                break;
            }
        }
        let index = tokio::task::spawn_blocking(move || SearchIndex::build(&docs))
            .await
            .map_err(|e| CoreError::Internal(e.into()))?
            .map_err(|e| CoreError::Internal(anyhow::anyhow!("search index: {e}")))?;
        tracing::info!(center_id, matters = index.len(), "search index built");
        let built = Arc::new(CenterSearch {
            index,
            life_events,
            summaries,
        });
        indexes.insert(center_id, Arc::clone(&built));
        Ok(built)
    }

    /// Drops the search indexes (after a catalog import).
    pub(crate) async fn reset_search(&self) {
        self.search.lock().await.clear();
    }

    /// Matters answering a question in plain words, best first, only above the confidence
    /// threshold; `department` and `window_group` narrow the result.
    pub async fn search_matters(
        &self,
        center_id: i64,
        q: &str,
        department: Option<&str>,
        window_group: Option<&str>,
        limit: usize,
    ) -> Result<Vec<MatterHit>> {
        if q.chars().count() > 100 {
            return Err(CoreError::invalid("q", "查询词过长（最多 100 个字）"));
        }
        let index = self.search_index(center_id).await?;
        let q = q.to_owned();
        // Filters apply after ranking, so ask for more when a filter may drop hits.
        let want = if department.is_some() || window_group.is_some() {
            200
        } else {
            limit
        };
        let searched = Arc::clone(&index);
        let hits = tokio::task::spawn_blocking(move || searched.index.search(&q, want))
            .await
            .map_err(|e| CoreError::Internal(e.into()))?;
        let mut out = Vec::with_capacity(hits.len().min(limit));
        for h in hits {
            let Some(summary) = index.summaries.get(&h.code).cloned() else {
                continue;
            };
            if department.is_some_and(|d| d != summary.department_code)
                || window_group.is_some_and(|g| g != summary.window_group)
            {
                continue;
            }
            out.push(MatterHit {
                matter: summary,
                score: h.score,
                name_html: h.name_html,
                snippet_html: h.snippet_html,
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The life events of a center's portal with their matter counts (empty ones left out).
    pub async fn life_events(&self, center_id: i64) -> Result<Vec<LifeEventCount>> {
        let s = self.search_index(center_id).await?;
        Ok(yichuang_domain::catalog::LIFE_EVENTS
            .iter()
            .filter_map(|(code, name)| {
                let count = s.life_events.get(*code).map_or(0, Vec::len);
                (count > 0).then_some(LifeEventCount { code, name, count })
            })
            .collect())
    }

    /// The matters of a life event, in catalog order.
    pub async fn life_event_matters(
        &self,
        center_id: i64,
        code: &str,
    ) -> Result<Vec<MatterSummary>> {
        let s = self.search_index(center_id).await?;
        let mut out = Vec::new();
        for c in s.life_events.get(code).into_iter().flatten() {
            if let Some(m) = s.summaries.get(c) {
                out.push(m.clone());
            }
        }
        Ok(out)
    }
}
