//! Confidence: how much of the question a matter explains.
//!
//! BM25 scores are unbounded and grow with query length, so they cannot be compared with a fixed
//! threshold. The confidence instead is a weighted coverage, always in `0..=1`:
//!
//! ```text
//! confidence(q, d) = Σ_u w(u) · m(u, d) / Σ_u w(u)
//! ```
//!
//! over the informative units `u` of the question (precise-mode jieba words without filler):
//!
//! - `w(u)` is the unit's rarity in the catalog, BM25's `ln(1 + (N - df + 0.5) / (df + 0.5))`, where
//!   `df` counts the
//!   matters whose text contains `u`. Words every guide uses (登记, 审批, 证) weigh almost
//!   nothing, so matching only them cannot reach the threshold. A word the catalog never uses
//!   gets the fixed [`OOV_WEIGHT`]: it is either colloquial filler (黑乎乎) or the real topic of a
//!   question the center cannot answer (护照), and a middling weight is the honest compromise.
//!   Before that, a word the catalog does not know is tried without its spoken verb complements
//!   (砍掉 → 砍, 转回来 → 转): the guides never say how an action ends.
//! - `m(u, d)` is the best field match: the field's weight ([`FieldWeights`]) times 1 when the
//!   field contains `u`, or, for a partial match, half the rarity-weighted share of `u`'s
//!   characters found in the field. The partial credit is what lets 营业执找 or 证名 still count
//!   for something without letting a typo count as much as the right word.

use std::collections::HashMap;

use crate::SearchDoc;
use crate::analyze::normalize;

/// Weight of a unit the catalog never contains (see the module docs).
pub(crate) const OOV_WEIGHT: f32 = 1.6;

/// Directional and resultative complements of spoken verbs (砍掉, 转回来, 拿走, 盖好), stripped
/// from a word the catalog does not know (see [`Corpus::resolve`]).
const COMPLEMENTS: &[char] = &[
    '掉', '回', '来', '去', '过', '出', '走', '好', '完', '起', '上', '下', '到', '着', '了',
];

/// Factor on the weight of a one-character unit: a lone character is ambiguous (快 in 快过期 and in
/// 快速注销), so matching it is weaker evidence, and missing it a weaker objection.
const SINGLE_CHAR_FACTOR: f32 = 0.5;

/// Share of a unit's weight that a character-level partial match can earn at most.
const PARTIAL_SHARE: f32 = 0.35;

/// Coverage weight of each field: a word in the name or a 俗称 is the matter itself; a word in
/// the materials or conditions is only context.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldWeights;

impl FieldWeights {
    const NAME: f32 = 1.0;
    const ALIASES: f32 = 1.0;
    const RESULT: f32 = 0.7;
    const MATERIALS: f32 = 0.45;
    const DEPARTMENT: f32 = 0.45;
    const CONDITIONS: f32 = 0.4;
    const KIND: f32 = 0.3;
    const LEGAL_BASIS: f32 = 0.25;
}

/// Normalised text of one matter, one string per field (multi-valued fields joined with a
/// separator that never occurs inside a unit).
#[derive(Debug)]
struct DocText {
    fields: Vec<(f32, String)>,
    all: String,
}

impl DocText {
    fn new(doc: &SearchDoc) -> Self {
        let fields = vec![
            (FieldWeights::NAME, normalize(&doc.name)),
            (FieldWeights::ALIASES, normalize(&doc.aliases.join("|"))),
            (FieldWeights::RESULT, normalize(&doc.result)),
            (FieldWeights::MATERIALS, normalize(&doc.materials.join("|"))),
            (FieldWeights::DEPARTMENT, normalize(&doc.department)),
            (
                FieldWeights::CONDITIONS,
                normalize(&doc.conditions.join("|")),
            ),
            (FieldWeights::KIND, normalize(&doc.kind)),
            (
                FieldWeights::LEGAL_BASIS,
                normalize(&doc.legal_basis.join("|")),
            ),
        ];
        let all = fields
            .iter()
            .map(|(_, text)| text.as_str())
            .collect::<Vec<_>>()
            .join("|");
        Self { fields, all }
    }
}

/// The catalog's text and character statistics, built once with the index.
#[derive(Debug)]
pub(crate) struct Corpus {
    docs: Vec<DocText>,
    char_df: HashMap<char, u32>,
}

/// Weights of a query's units, computed once per search.
#[derive(Debug)]
pub(crate) struct UnitWeights {
    units: Vec<(String, f32)>,
    total: f32,
}

impl Corpus {
    /// Indexes the text of `docs` (in the same order as the search index ordinals).
    pub(crate) fn new(docs: &[SearchDoc]) -> Self {
        let docs: Vec<DocText> = docs.iter().map(DocText::new).collect();
        let mut char_df: HashMap<char, u32> = HashMap::new();
        for doc in &docs {
            let mut seen: Vec<char> = doc.all.chars().collect();
            seen.sort_unstable();
            seen.dedup();
            for c in seen {
                *char_df.entry(c).or_default() += 1;
            }
        }
        Self { docs, char_df }
    }

    /// BM25's idf: positive even for a word every matter contains.
    fn idf(&self, df: u32) -> f32 {
        let n = self.docs.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn char_weight(&self, c: char) -> f32 {
        match self.char_df.get(&c) {
            Some(&df) => self.idf(df),
            None => self.idf(0),
        }
    }

    /// Weighs each unit by its rarity in the catalog (see the module docs).
    pub(crate) fn weigh(&self, units: &[String]) -> UnitWeights {
        let units: Vec<(String, f32)> = units
            .iter()
            .map(|unit| {
                let (unit, df) = self.resolve(unit);
                let mut weight = if df == 0 {
                    OOV_WEIGHT
                } else {
                    self.idf(u32::try_from(df).unwrap_or(u32::MAX))
                };
                if unit.chars().count() == 1 {
                    weight *= SINGLE_CHAR_FACTOR;
                }
                (unit, weight)
            })
            .collect();
        let total = units.iter().map(|(_, w)| w).sum();
        UnitWeights { units, total }
    }

    /// Number of matters whose text contains `unit`.
    fn df(&self, unit: &str) -> usize {
        self.docs.iter().filter(|d| d.all.contains(unit)).count()
    }

    /// The unit as the catalog can know it, with its document frequency: a word the catalog
    /// never uses that is a verb plus a spoken complement (砍掉, 转回来, 取出, 盖好) stands for
    /// the bare verb (砍, 转, 取, 盖) when the catalog uses that. Complements say how an action
    /// ends, which the guides never spell out, so without this the one word that carries the
    /// topic would count as unknown.
    fn resolve(&self, unit: &str) -> (String, usize) {
        let df = self.df(unit);
        if df > 0 {
            return (unit.to_owned(), df);
        }
        let mut stem = unit;
        while let Some(rest) = stem.strip_suffix(|c: char| COMPLEMENTS.contains(&c)) {
            if rest.is_empty() {
                break;
            }
            stem = rest;
            let df = self.df(stem);
            if df > 0 {
                return (stem.to_owned(), df);
            }
        }
        (unit.to_owned(), 0)
    }

    /// Confidence of matter `ord` for a query with the given unit weights, in `0..=1`.
    pub(crate) fn confidence(&self, weights: &UnitWeights, ord: usize) -> f32 {
        let Some(doc) = self.docs.get(ord) else {
            return 0.0;
        };
        if weights.total <= 0.0 {
            return 0.0;
        }
        let covered: f32 = weights
            .units
            .iter()
            .map(|(unit, weight)| weight * self.best_match(doc, unit))
            .sum();
        (covered / weights.total).clamp(0.0, 1.0)
    }

    /// `m(u, d)`: the best weighted field match of one unit.
    fn best_match(&self, doc: &DocText, unit: &str) -> f32 {
        let char_total: f32 = unit.chars().map(|c| self.char_weight(c)).sum();
        let mut best = 0.0_f32;
        for (field_weight, text) in &doc.fields {
            let m = if text.contains(unit) {
                1.0
            } else if char_total > 0.0 && unit.chars().count() > 1 {
                let found: f32 = unit
                    .chars()
                    .filter(|&c| text.contains(c))
                    .map(|c| self.char_weight(c))
                    .sum();
                PARTIAL_SHARE * found / char_total
            } else {
                0.0
            };
            best = best.max(field_weight * m);
            if best >= 1.0 {
                break;
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, conditions: &[&str]) -> SearchDoc {
        SearchDoc {
            code: name.to_owned(),
            name: name.to_owned(),
            conditions: conditions.iter().map(|s| (*s).to_owned()).collect(),
            ..SearchDoc::default()
        }
    }

    #[test]
    fn name_match_counts_more_than_condition_match() {
        let corpus = Corpus::new(&[doc("失业登记", &[]), doc("就业登记", &["未失业"])]);
        let weights = corpus.weigh(&["失业".to_owned()]);
        assert!(corpus.confidence(&weights, 0) > corpus.confidence(&weights, 1));
        assert!((corpus.confidence(&weights, 0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn spoken_complements_fall_back_to_the_verb() {
        let corpus = Corpus::new(&[doc("砍伐树木审批", &[]), doc("就业登记", &[])]);
        assert_eq!(corpus.resolve("砍掉"), ("砍".to_owned(), 1));
        assert_eq!(corpus.resolve("护照"), ("护照".to_owned(), 0));
        let weights = corpus.weigh(&["砍掉".to_owned()]);
        assert!((corpus.confidence(&weights, 0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn unknown_words_dilute_confidence() {
        let corpus = Corpus::new(&[doc("失业登记", &[]), doc("就业登记", &[])]);
        let focused = corpus.weigh(&["失业".to_owned()]);
        let diluted = corpus.weigh(&["失业".to_owned(), "护照".to_owned()]);
        assert!(corpus.confidence(&diluted, 0) < corpus.confidence(&focused, 0));
    }

    /// Tuning aid for `index::explain`.
    impl Corpus {
        pub(crate) fn describe(&self, weights: &UnitWeights) -> String {
            weights
                .units
                .iter()
                .map(|(u, w)| {
                    let df = self
                        .docs
                        .iter()
                        .filter(|d| d.all.contains(u.as_str()))
                        .count();
                    format!("{u}/{w:.1}/df{df}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        }

        pub(crate) fn describe_match(&self, weights: &UnitWeights, ord: usize) -> String {
            weights
                .units
                .iter()
                .map(|(u, _)| format!("{u}={:.2}", self.best_match(&self.docs[ord], u)))
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
