//! The in-RAM index: schema, build, query construction, re-scoring and hits.
//!
//! Rules: the index is written once in [`SearchIndex::build`] and never changes, so the reader,
//! the segment list and the doc-id → matter mapping are captured once and shared by every search.
//! The analyzers are registered on the index right after it is created, because tantivy does not
//! persist tokenizers.

use std::collections::HashSet;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyze::{self, BIGRAM, JIEBA, QueryTerms, normalize};
use crate::confidence::Corpus;
use crate::highlight::Marked;
use crate::referral::Referrals;
use crate::{Answer, CONFIDENCE_THRESHOLD, Hit, Referral, SearchDoc, SearchError};

/// BM25 boosts of the jieba fields: the name says what the matter is, a 俗称 says what people
/// call it, the result is what they ask for by name (营业执照), and the rest is context.
const BOOSTS: Boosts = Boosts {
    name: 4.0,
    aliases: 3.5,
    result: 2.0,
    materials: 1.0,
    department: 1.0,
    kind: 0.5,
    conditions: 0.5,
    legal_basis: 0.3,
};
/// Boost of one matching character bigram of name + aliases: a weak signal on its own, enough to
/// carry a typo (营业执找 shares 营业, 业执 with 营业执照).
const BIGRAM_BOOST: f32 = 0.8;
/// Boost of one matching character of name + aliases: the weakest signal, for recall only.
const UNIGRAM_BOOST: f32 = 0.3;
/// BM25 candidates re-scored by confidence; far more than any page shows.
const CANDIDATES: usize = 40;
/// Memory budget of the single indexing thread; tantivy's minimum, ample for a catalog.
const WRITER_BUDGET: usize = 15_000_000;

struct Boosts {
    name: f32,
    aliases: f32,
    result: f32,
    materials: f32,
    department: f32,
    kind: f32,
    conditions: f32,
    legal_basis: f32,
}

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    name: Field,
    aliases: Field,
    result: Field,
    materials: Field,
    department: Field,
    kind: Field,
    conditions: Field,
    legal_basis: Field,
    grams: Field,
    ord: Field,
}

impl Fields {
    fn schema() -> (Schema, Self) {
        let text = |tokenizer: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let mut builder = Schema::builder();
        let fields = Self {
            name: builder.add_text_field("name", text(JIEBA)),
            aliases: builder.add_text_field("aliases", text(JIEBA)),
            result: builder.add_text_field("result", text(JIEBA)),
            materials: builder.add_text_field("materials", text(JIEBA)),
            department: builder.add_text_field("department", text(JIEBA)),
            kind: builder.add_text_field("kind", text(JIEBA)),
            conditions: builder.add_text_field("conditions", text(JIEBA)),
            legal_basis: builder.add_text_field("legal_basis", text(JIEBA)),
            grams: builder.add_text_field("grams", text(BIGRAM)),
            ord: builder.add_u64_field("ord", NumericOptions::default().set_fast()),
        };
        (builder.build(), fields)
    }

    /// The jieba fields with their boosts.
    fn boosted(&self) -> [(Field, f32); 8] {
        [
            (self.name, BOOSTS.name),
            (self.aliases, BOOSTS.aliases),
            (self.result, BOOSTS.result),
            (self.materials, BOOSTS.materials),
            (self.department, BOOSTS.department),
            (self.kind, BOOSTS.kind),
            (self.conditions, BOOSTS.conditions),
            (self.legal_basis, BOOSTS.legal_basis),
        ]
    }

    fn document(&self, ord: u64, doc: &SearchDoc) -> TantivyDocument {
        let mut out = TantivyDocument::default();
        out.add_u64(self.ord, ord);
        out.add_text(self.name, normalize(&doc.name));
        out.add_text(self.grams, normalize(&doc.name));
        for alias in &doc.aliases {
            out.add_text(self.aliases, normalize(alias));
            out.add_text(self.grams, normalize(alias));
        }
        out.add_text(self.result, normalize(&doc.result));
        for material in &doc.materials {
            out.add_text(self.materials, normalize(material));
        }
        out.add_text(self.department, normalize(&doc.department));
        out.add_text(self.kind, normalize(&doc.kind));
        for condition in &doc.conditions {
            out.add_text(self.conditions, normalize(condition));
        }
        for basis in &doc.legal_basis {
            out.add_text(self.legal_basis, normalize(basis));
        }
        out
    }
}

/// An immutable in-RAM search index over a catalog.
///
/// Build it once at startup and share it (`Arc<SearchIndex>`); searching takes `&self` and is
/// safe from any number of threads.
pub struct SearchIndex {
    docs: Vec<SearchDoc>,
    corpus: Corpus,
    fields: Fields,
    reader: IndexReader,
    /// Per segment, doc id → position in `docs`, read once from the `ord` fast field.
    ords: Vec<Vec<u32>>,
    threshold: f32,
    referrals: Referrals,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("docs", &self.docs.len())
            .field("threshold", &self.threshold)
            .finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Indexes `docs` in RAM, without referrals.
    ///
    /// # Errors
    ///
    /// [`SearchError::DuplicateCode`] when two documents share a code, [`SearchError::Index`]
    /// when tantivy fails.
    pub fn build(docs: &[SearchDoc]) -> Result<Self, SearchError> {
        Self::build_with_referrals(docs, &[])
    }

    /// Indexes `docs` in RAM, with the other agencies' services the catalog refers to (see
    /// [`SearchIndex::search_answer`]).
    ///
    /// # Errors
    ///
    /// As [`SearchIndex::build`].
    pub fn build_with_referrals(
        docs: &[SearchDoc],
        referrals: &[Referral],
    ) -> Result<Self, SearchError> {
        let mut codes = HashSet::new();
        if let Some(dup) = docs.iter().find(|d| !codes.insert(d.code.as_str())) {
            return Err(SearchError::DuplicateCode(dup.code.clone()));
        }
        let (schema, fields) = Fields::schema();
        let index = Index::create_in_ram(schema);
        index
            .tokenizers()
            .register(JIEBA, analyze::jieba_analyzer());
        index
            .tokenizers()
            .register(BIGRAM, analyze::bigram_analyzer());

        let mut writer: IndexWriter<TantivyDocument> =
            index.writer_with_num_threads(1, WRITER_BUDGET)?;
        for (ord, doc) in docs.iter().enumerate() {
            writer.add_document(fields.document(ord as u64, doc))?;
        }
        writer.commit()?;

        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let ords = read_ords(&reader)?;
        Ok(Self {
            docs: docs.to_vec(),
            corpus: Corpus::new(docs),
            fields,
            reader,
            ords,
            threshold: CONFIDENCE_THRESHOLD,
            referrals: Referrals::new(referrals, docs),
        })
    }

    /// Replaces the confidence threshold (default [`CONFIDENCE_THRESHOLD`]), clamped to `0..=1`.
    #[must_use]
    pub fn with_threshold(mut self, threshold: f32) -> Self {
        self.threshold = threshold.clamp(0.0, 1.0);
        self
    }

    /// The confidence threshold in use.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// Number of indexed matters.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when the index holds no matter.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The hits of `query`, or the referral that answers it instead.
    ///
    /// A referral answers when the question, compacted to its word characters (full-width
    /// folded, spaces dropped), holds one of its keywords, and no matter's name or alias: where
    /// a keyword and a catalog term overlap the longer wins (结婚证 inside the alias 结婚证明 is
    /// the catalog's, the alias 年检 inside the keyword 车辆年检 is the keyword's), and a catalog
    /// term left anywhere in the question means it is about that matter. The longest keyword
    /// picks among several referrals.
    pub fn search_answer(&self, query: &str, limit: usize) -> Answer {
        match self.referral(query) {
            Some(r) => Answer {
                hits: Vec::new(),
                referral: Some(r.clone()),
            },
            None => Answer {
                hits: self.ranked(query, limit),
                referral: None,
            },
        }
    }

    /// The referral answering `query`, if any (see [`SearchIndex::search_answer`]).
    pub fn referral(&self, query: &str) -> Option<&Referral> {
        self.referrals.find(query)
    }

    /// The best `limit` matters for a plain-words `query`, highest confidence first, only those
    /// at or above the threshold; nothing when a referral answers it (see
    /// [`SearchIndex::search_answer`]). Empty, whitespace-only, punctuation-only and filler-only
    /// queries return nothing; so does a failure inside tantivy, which cannot happen on an index
    /// that is never written after build.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.search_answer(query, limit).hits
    }

    fn ranked(&self, query: &str, limit: usize) -> Vec<Hit> {
        if limit == 0 {
            return Vec::new();
        }
        let terms = QueryTerms::new(query);
        if terms.is_empty() {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let collector = TopDocs::with_limit(CANDIDATES).order_by_score();
        let Ok(candidates) = searcher.search(&self.query(&terms), &collector) else {
            return Vec::new();
        };

        let weights = self.corpus.weigh(&terms.units, &terms.pairs);
        let mut scored: Vec<(f32, f32, usize)> = candidates
            .into_iter()
            .filter_map(|(bm25, address)| {
                let ord = *self
                    .ords
                    .get(address.segment_ord as usize)?
                    .get(address.doc_id as usize)? as usize;
                Some((self.corpus.confidence(&weights, ord), bm25, ord))
            })
            .filter(|(confidence, _, _)| *confidence >= self.threshold)
            .collect();
        // Confidence decides; BM25 (term frequency, field length, boosts) breaks ties.
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.total_cmp(&a.1)));
        scored.truncate(limit);

        let needles = needles(&terms);
        scored
            .into_iter()
            .map(|(confidence, _, ord)| self.hit(ord, confidence, &needles))
            .collect()
    }

    /// `should` term queries of every token in every jieba field, plus the query's bigrams and
    /// characters in the gram field.
    fn query(&self, terms: &QueryTerms) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for token in &terms.tokens {
            for (field, boost) in self.fields.boosted() {
                clauses.push((Occur::Should, boosted_term(field, token, boost)));
            }
        }
        for bigram in &terms.bigrams {
            clauses.push((
                Occur::Should,
                boosted_term(self.fields.grams, bigram, BIGRAM_BOOST),
            ));
        }
        for unigram in &terms.unigrams {
            clauses.push((
                Occur::Should,
                boosted_term(self.fields.grams, unigram, UNIGRAM_BOOST),
            ));
        }
        BooleanQuery::new(clauses)
    }

    fn hit(&self, ord: usize, confidence: f32, needles: &[&str]) -> Hit {
        let doc = &self.docs[ord];
        let name = Marked::new(&doc.name, needles);
        let snippet_html = snippet(doc, needles, name.marked());
        Hit {
            code: doc.code.clone(),
            score: confidence,
            name_html: name.html(),
            snippet_html,
        }
    }
}

fn boosted_term(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let term = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Box::new(BoostQuery::new(Box::new(term), boost))
}

/// Words to highlight: the query's words and bigrams, longest first so that overlapping
/// needles do not matter.
fn needles(terms: &QueryTerms) -> Vec<&str> {
    let mut out: Vec<&str> = terms
        .units
        .iter()
        .chain(&terms.tokens)
        .chain(&terms.bigrams)
        .map(String::as_str)
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    out.dedup();
    out
}

/// The guide fragment that shows best why a matter matched, in field order of importance, when
/// it shows more of the query than the name (`name_marked` characters) does.
fn snippet(doc: &SearchDoc, needles: &[&str], name_marked: usize) -> Option<String> {
    let pieces = doc
        .aliases
        .iter()
        .chain(std::iter::once(&doc.result))
        .chain(&doc.materials)
        .chain(std::iter::once(&doc.department))
        .chain(&doc.conditions);
    let mut best: Option<Marked> = None;
    for piece in pieces {
        let marked = Marked::new(piece, needles);
        if marked.marked() > best.as_ref().map_or(name_marked, Marked::marked) {
            best = Some(marked);
        }
    }
    best.map(|m| m.snippet_html())
}

/// Reads the `ord` fast field of every document once.
fn read_ords(reader: &IndexReader) -> Result<Vec<Vec<u32>>, SearchError> {
    let searcher = reader.searcher();
    let mut out = Vec::new();
    for segment in searcher.segment_readers() {
        let column = segment.fast_fields().u64("ord")?;
        let ords = (0..segment.max_doc())
            .map(|doc| {
                column
                    .first(doc)
                    .and_then(|ord| u32::try_from(ord).ok())
                    .unwrap_or(u32::MAX)
            })
            .collect();
        out.push(ords);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(code: &str, name: &str, aliases: &[&str], conditions: &[&str]) -> SearchDoc {
        SearchDoc {
            code: code.to_owned(),
            name: name.to_owned(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            conditions: conditions.iter().map(|s| (*s).to_owned()).collect(),
            ..SearchDoc::default()
        }
    }

    fn sample() -> SearchIndex {
        SearchIndex::build(&[
            doc(
                "licence",
                "个体工商户设立登记",
                &["营业执照", "个体户"],
                &[],
            ),
            doc("lost", "营业执照遗失补领", &["补办营业执照"], &[]),
            doc("birth", "出生医学证明补发、换发", &["出生证"], &[]),
            doc("cond", "食品小作坊登记", &[], &["持有失业登记证明的人员"]),
            doc("jobless", "失业登记", &["失业证明"], &[]),
            doc("tag", "<b>标签&测试</b>", &[], &[]),
        ])
        .expect("index builds")
    }

    #[test]
    fn empty_and_punctuation_queries_return_nothing() {
        let index = sample();
        assert!(index.search("", 5).is_empty());
        assert!(index.search("   \t", 5).is_empty());
        assert!(index.search("？！，。...", 5).is_empty());
        assert!(index.search("我想咋办", 5).is_empty());
    }

    #[test]
    fn a_typo_still_finds_the_business_licence() {
        let index = sample();
        let hits = index.search("营业执找丢了", 3);
        assert!(!hits.is_empty(), "no hit for the typo");
        assert!(hits.iter().any(|h| h.code == "lost" || h.code == "licence"));
    }

    #[test]
    fn name_outranks_a_body_only_match() {
        let index = sample();
        let hits = index.search("失业登记", 5);
        assert_eq!(hits.first().map(|h| h.code.as_str()), Some("jobless"));
        let body = hits.iter().position(|h| h.code == "cond");
        assert!(body.is_none_or(|p| p > 0));
    }

    #[test]
    fn highlight_marks_the_match_and_escapes_html() {
        let index = sample();
        let hits = index.search("标签测试", 1);
        assert_eq!(hits.len(), 1);
        assert_eq!(
            hits[0].name_html,
            "&lt;b&gt;<mark>标签</mark>&amp;<mark>测试</mark>&lt;/b&gt;"
        );
    }

    #[test]
    fn alias_match_comes_with_a_snippet() {
        let index = sample();
        let hits = index.search("个体户", 1);
        assert_eq!(hits[0].code, "licence");
        assert_eq!(hits[0].snippet_html.as_deref(), Some("<mark>个体户</mark>"));
    }

    #[test]
    fn duplicate_codes_are_rejected() {
        let err = SearchIndex::build(&[doc("a", "x", &[], &[]), doc("a", "y", &[], &[])]);
        assert!(matches!(err, Err(SearchError::DuplicateCode(code)) if code == "a"));
    }

    #[test]
    fn a_referral_replaces_the_hits() {
        let docs = [
            doc("licence", "营业执照遗失补领", &["补办营业执照"], &[]),
            doc("archive", "婚姻登记档案查询出证", &["结婚证明"], &[]),
        ];
        let passport = Referral {
            service: "护照".to_owned(),
            keywords: vec!["护照".to_owned(), "结婚证".to_owned()],
            place: "出入境接待大厅".to_owned(),
            note: None,
        };
        let index = SearchIndex::build_with_referrals(&docs, std::slice::from_ref(&passport))
            .expect("index builds")
            .with_threshold(0.0);
        let answer = index.search_answer("护照丢了怎么补办", 3);
        assert!(answer.hits.is_empty(), "{answer:?}");
        assert_eq!(answer.referral.as_ref(), Some(&passport));
        assert!(index.search("护照丢了怎么补办", 3).is_empty());
        // The catalog's own alias holds the keyword: an ordinary search.
        let answer = index.search_answer("开结婚证明", 3);
        assert_eq!(answer.referral, None);
        assert_eq!(
            answer.hits.first().map(|h| h.code.as_str()),
            Some("archive")
        );
        // Without referrals the same question is only searched.
        let plain = SearchIndex::build(&docs).expect("index builds");
        assert_eq!(plain.referral("护照丢了怎么补办"), None);
    }

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SearchIndex>();
    }
}

#[cfg(test)]
mod explain {
    //! Tuning aid: `EXPLAIN=1 cargo test -p yichuang-search explain -- --ignored --nocapture`.
    use super::*;
    use serde_json::Value;

    fn load(rel: &str) -> Value {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(rel);
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("json")
    }

    fn strs(v: &Value) -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    #[ignore = "tuning aid"]
    fn explain_questions() {
        let catalog = load("demo/xuancheng.json");
        let deps: std::collections::HashMap<String, String> = catalog["departments"]
            .as_array()
            .expect("deps")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_owned(),
                    d["name"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let docs: Vec<SearchDoc> = catalog["matters"]
            .as_array()
            .expect("matters")
            .iter()
            .map(|m| SearchDoc {
                code: m["code"].as_str().unwrap_or_default().to_owned(),
                name: m["name"].as_str().unwrap_or_default().to_owned(),
                aliases: strs(&m["aliases"]),
                department: deps
                    .get(m["department"].as_str().unwrap_or_default())
                    .cloned()
                    .unwrap_or_default(),
                kind: m["kind"].as_str().unwrap_or_default().to_owned(),
                conditions: strs(&m["conditions"]),
                materials: m["materials"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|x| x["name"].as_str().unwrap_or_default().to_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
                result: m["result"]["name"].as_str().unwrap_or_default().to_owned(),
                legal_basis: strs(&m["legal_basis"]),
            })
            .collect();
        let index = SearchIndex::build(&docs)
            .expect("builds")
            .with_threshold(0.0);
        let only_miss = std::env::var("ALL").is_err();
        for set in ["dev", "holdout", "reject"] {
            for q in load(&format!("demo/eval/search_{set}.json"))
                .as_array()
                .expect("list")
            {
                let query = q["q"].as_str().unwrap_or_default();
                let expected = strs(&q["expected"]);
                let hits = index.search(query, 3);
                let ok = if expected.is_empty() {
                    hits.first().is_none_or(|h| h.score < CONFIDENCE_THRESHOLD)
                } else {
                    hits.iter()
                        .any(|h| expected.contains(&h.code) && h.score >= CONFIDENCE_THRESHOLD)
                };
                if ok && only_miss {
                    continue;
                }
                let terms = QueryTerms::new(query);
                let weights = index.corpus.weigh(&terms.units, &terms.pairs);
                println!("{} [{set}] {query}", if ok { "ok  " } else { "MISS" });
                println!("   units {}", index.corpus.describe(&weights));
                let exp: Vec<usize> = expected
                    .iter()
                    .filter_map(|c| docs.iter().position(|d| &d.code == c))
                    .collect();
                for ord in exp {
                    println!(
                        "   want {:.2} {} :: {}",
                        index.corpus.confidence(&weights, ord),
                        docs[ord].name,
                        index.corpus.describe_match(&weights, ord)
                    );
                }
                for h in &hits {
                    let ord = docs.iter().position(|d| d.code == h.code).unwrap_or(0);
                    println!(
                        "   got  {:.2} {} :: {}",
                        h.score,
                        docs[ord].name,
                        index.corpus.describe_match(&weights, ord)
                    );
                }
            }
        }
    }
}
