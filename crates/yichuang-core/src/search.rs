//! Plain-words matter search for the portal, the kiosk, the desks and `GET /api/v1/matters?q=`:
//! the catalog of a center mapped into a [`yichuang_search::SearchIndex`], built on first use and
//! rebuilt after an import (it is derived data, never stored). A question about another
//! agency's service gets the catalog's referral (`elsewhere`) instead of hits.

use std::collections::HashMap;
use std::sync::Arc;

use yichuang_domain::catalog::Referral;
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

/// What a question gets: matters, or where another agency handles what it asks for.
#[derive(Debug, Clone, Default)]
pub struct MatterAnswer {
    /// Matters found, best first; empty when `referral` is given.
    pub hits: Vec<MatterHit>,
    /// The other agency's service the question is about (非本中心业务), if any.
    pub referral: Option<Referral>,
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
        let referrals: Vec<yichuang_search::Referral> = self
            .store()
            .referrals(center_id)
            .await?
            .into_iter()
            .map(|r| yichuang_search::Referral {
                service: r.service,
                keywords: r.keywords,
                place: r.place,
                note: r.note,
            })
            .collect();
        let index = tokio::task::spawn_blocking(move || {
            SearchIndex::build_with_referrals(&docs, &referrals)
        })
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
    /// threshold; `department` and `window_group` narrow the result. None for a question about
    /// another agency's service (see [`Core::search_answer`]).
    pub async fn search_matters(
        &self,
        center_id: i64,
        q: &str,
        department: Option<&str>,
        window_group: Option<&str>,
        limit: usize,
    ) -> Result<Vec<MatterHit>> {
        Ok(self
            .search_answer(center_id, q, department, window_group, limit)
            .await?
            .hits)
    }

    /// As [`Core::search_matters`], with the referral that answers a question about another
    /// agency's service (护照, 驾照, 公积金) instead of hits.
    pub async fn search_answer(
        &self,
        center_id: i64,
        q: &str,
        department: Option<&str>,
        window_group: Option<&str>,
        limit: usize,
    ) -> Result<MatterAnswer> {
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
        let answer = tokio::task::spawn_blocking(move || searched.index.search_answer(&q, want))
            .await
            .map_err(|e| CoreError::Internal(e.into()))?;
        if let Some(r) = answer.referral {
            return Ok(MatterAnswer {
                hits: Vec::new(),
                referral: Some(Referral {
                    service: r.service,
                    keywords: r.keywords,
                    place: r.place,
                    note: r.note,
                }),
            });
        }
        let hits = answer.hits;
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
        Ok(MatterAnswer {
            hits: out,
            referral: None,
        })
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
