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
//!   question's informative weight the matter explains, and in which field. Materials and
//!   conditions weigh little (nearly every guide asks for a 身份证 or 户口簿), and generic words
//!   (补办, 换证, 到期, 申请) weigh little and do not count as the question's topic: a matter
//!   whose name, aliases and result explain none of the topic keeps only a small share of its
//!   coverage, so 护照丢了怎么补办 does not land on 营业执照遗失补领 through 补办. That number is
//!   the confidence, and [`CONFIDENCE_THRESHOLD`] cuts it.
//!
//! A question about another agency's service (护照, 驾照, 公积金) gets no hit but a
//! [`Referral`] to where that service is handled, when the index was built with the catalog's
//! referrals ([`SearchIndex::build_with_referrals`]) and the question names no catalog matter
//! (the rule is in [`SearchIndex::search_answer`]). The confidence alone cannot do this: such a
//! question often shares a word with some matter (年检, 结婚, 通行证).
//!
//! The crate knows nothing about the rest of 一窗通: callers map their catalog into
//! [`SearchDoc`]s and [`Referral`]s.

mod analyze;
mod confidence;
mod highlight;
mod index;
mod referral;

pub use index::SearchIndex;
pub use referral::Referral;

/// What a question gets: the hits, or, for a question about another agency's service, no hit
/// and where to go instead.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Answer {
    /// Matters above the threshold, best first; empty whenever `referral` is given.
    pub hits: Vec<Hit>,
    /// The other agency's service the question is about, if any.
    pub referral: Option<Referral>,
}

/// Hits below this confidence are not returned.
///
/// Chosen on the development questions (the highest value that keeps their hit@3 at 0.90):
/// above it, real questions start to lose their answer. Chatter (哈哈哈, 帮我写一首诗) and
/// questions whose topic the catalog only mentions among materials (孩子上户口, 身份证过期) or
/// does not know at all (护照丢了怎么补办, 公积金怎么提取, 驾驶证到期) stay under it, because a
/// matter whose name, aliases and result explain none of the question's topic keeps only a
/// small share of its coverage (see the crate docs). By the threshold alone 0.60 of
/// `demo/eval/search_reject.json` is rejected: a catalog word of another meaning can cover the
/// topic (小轿车年检 and the 年检 of 企业年度报告; 领结婚证 and 婚姻登记档案查询出证), or a
/// known word next to the unknown one can be most of the question (公积金贷款 and 创业担保贷款,
/// 出国旅游 and 旅行社). The catalog's referrals ([`Referral`]) take most of those out before
/// the confidence is even computed.
pub const CONFIDENCE_THRESHOLD: f32 = 0.17;

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
