//! Plain-words search over the matter catalog (事项搜索).
//!
//! A citizen types what they would say at the counter ("营业执照丢了咋整", "吃低保要啥条件"),
//! and this crate answers with the matters that fit, ranked, each with a confidence in `0..=1`
//! so that a question about something the center does not handle gets no answer instead of a
//! wrong one.
//!
//! How it works, in short:
//! - an in-RAM tantivy index with one jieba-segmented field per part of the guide (name,
//!   aliases/俗称, result, materials, department, kind, conditions, legal basis) and one field of
//!   character bigrams of name + aliases, which is what makes a one-character typo (营业执找)
//!   still land on the right matter;
//! - the query is normalised, segmented with jieba (search mode), stripped of filler words
//!   ([`analyze`]), and turned into a `BooleanQuery` of boosted `TermQuery`s, never through
//!   `QueryParser`, which would turn unspaced Chinese into a phrase query;
//! - the BM25 candidates are re-scored by a coverage measure ([`confidence`]): how much of the
//!   question's informative weight the matter explains, and in which field. That number is the
//!   confidence, and [`CONFIDENCE_THRESHOLD`] cuts it.
//!
//! The crate knows nothing about the rest of 一窗通: callers map their catalog into
//! [`SearchDoc`]s.

mod analyze;
mod confidence;
mod highlight;
mod index;

pub use index::SearchIndex;

/// Hits below this confidence are not returned.
///
/// Chosen on the development questions: below it, real questions start to lose their answer;
/// above it, unrelated chatter (哈哈哈, 帮我写一首诗) still gets none. Near-miss questions about
/// services outside the catalog (护照, 公积金) share real words with it and are not reliably
/// rejected at any threshold that keeps the real questions.
pub const CONFIDENCE_THRESHOLD: f32 = 0.22;

/// One matter as the search sees it: plain strings, no catalog types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchDoc {
    /// Implementation code, unique; returned in [`Hit::code`].
    pub code: String,
    /// Official matter name (事项名称).
    pub name: String,
    /// What people call the matter or say when they need it (俗称).
    pub aliases: Vec<String>,
    /// Name of the responsible department.
    pub department: String,
    /// Matter type (行政许可, 公共服务 …).
    pub kind: String,
    /// Conditions (受理条件).
    pub conditions: Vec<String>,
    /// Names of the required materials.
    pub materials: Vec<String>,
    /// Name of the result (licence, certificate, payment …).
    pub result: String,
    /// Legal basis (设定依据).
    pub legal_basis: Vec<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Code of the matched [`SearchDoc`].
    pub code: String,
    /// Confidence in `0..=1`: the weighted share of the question this matter explains (see the
    /// crate docs); never below [`CONFIDENCE_THRESHOLD`] or the index's own threshold.
    pub score: f32,
    /// Matter name, HTML-escaped, with matched words wrapped in `<mark>…</mark>`.
    pub name_html: String,
    /// When the name itself does not show the match: a short highlighted fragment of the alias,
    /// result, material or condition that did, HTML-escaped the same way.
    pub snippet_html: Option<String>,
}

/// Errors while building the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed to create, fill or open the in-RAM index.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Two documents share a code, so hits could not be told apart.
    #[error("duplicate matter code in search documents: {0}")]
    DuplicateCode(String),
}
