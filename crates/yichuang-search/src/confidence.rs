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
//!   (砍掉 → 砍, 转回来 → 转) or a modal verb glued to it (想开 → 开).
//! - `m(u, d)` is the best field match: the field's weight ([`FieldWeights`]) times 1 when the
//!   field has `u` as a word, [`INSIDE_WORD`] when `u` only occurs inside a longer word
//!   (结婚证 in 结婚证明), or, for a partial match, a rarity-weighted share of `u`'s characters
//!   found in the field. The partial credit is what lets 营业执找 or 证名 still count for
//!   something without letting a typo count as much as the right word. Next to a word the
//!   catalog does not know, a unit's match counts [`UNKNOWN_NEIGHBOUR`] (港澳 + 通行证).
//! - Generic words ([`crate::analyze`]: 补办, 换证, 到期, 申请) weigh [`GENERIC_FACTOR`] of their
//!   rarity, and unknown words together weigh at most [`UNKNOWN_CAP`], so that a long spoken
//!   story does not drown the words that matched.
//!
//! The coverage is then scaled by how much of the question's *topic* (its units that are not
//! generic) the name, aliases and result explain: fully from [`TOPIC_FULL`] of it, down to
//! [`TOPIC_FLOOR`] when they explain none. A matter that shares only materials (户口簿) or only
//! generic words (补办) with a question is therefore not confident.

use std::collections::{HashMap, HashSet};

use crate::SearchDoc;
use crate::analyze::{is_generic, normalize, segment};

/// Weight of a unit the catalog never contains (see the module docs).
pub(crate) const OOV_WEIGHT: f32 = 1.6;

/// Directional and resultative complements of spoken verbs (砍掉, 转回来, 拿走, 盖好), stripped
/// from a word the catalog does not know (see [`Corpus::resolve`]).
const COMPLEMENTS: &[char] = &[
    '掉', '回', '来', '去', '过', '出', '走', '好', '完', '起', '上', '下', '到', '着', '了',
];

/// Modal verbs that jieba glues to the verb after them (想开, 要交, 能领); stripped from a word
/// the catalog does not know (see [`Corpus::resolve`]).
const MODALS: &[char] = &['想', '要', '能', '得', '可'];

/// Factor on the weight of a one-character unit: a lone character is ambiguous (快 in 快过期 and in
/// 快速注销), so matching it is weaker evidence, and missing it a weaker objection.
const SINGLE_CHAR_FACTOR: f32 = 0.5;

/// Factor on the weight of a generic word ([`is_generic`]: 补办, 换证, 到期, 申请 …). Such a word
/// is rare in the catalog only because few matters are about replacing or renewing, so its
/// rarity overstates what it says about the topic.
const GENERIC_FACTOR: f32 = 0.3;

/// Most weight that the unknown words of a question, together, put against a match.
const UNKNOWN_CAP: f32 = 2.4;

/// Match of a word found inside a longer word of a field (结婚证 in 结婚证明): the characters are
/// there, the word is not.
const INSIDE_WORD: f32 = 0.5;

/// Factor on the match of a unit next to a word the catalog does not know, when the two are not
/// a catalog phrase either: 港澳通行证 is not the 通行证 of 公路超限运输许可, and 出国旅游 is not
/// what a 旅行社 licence is about.
const UNKNOWN_NEIGHBOUR: f32 = 0.5;

/// Share of a unit's weight that a character-level partial match can earn at most.
const PARTIAL_SHARE: f32 = 0.35;

/// Share of the question's topic weight that name, aliases and result must explain for the
/// coverage to count in full (see [`Corpus::confidence`]).
const TOPIC_FULL: f32 = 0.4;

/// What is left of the coverage of a matter whose name, aliases and result explain none of the
/// question's topic: the matter shares only generic words or guide details with the question.
const TOPIC_FLOOR: f32 = 0.15;

/// Coverage weight of each field: a word in the name or a 俗称 is the matter itself; a word in
/// the materials or conditions is only context. Materials weigh least: almost every guide asks
/// for 身份证 or 户口簿, so a material says what the applicant brings, not what the matter is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldWeights;

impl FieldWeights {
    const NAME: f32 = 1.0;
    const ALIASES: f32 = 1.0;
    const RESULT: f32 = 0.7;
    const DEPARTMENT: f32 = 0.4;
    const CONDITIONS: f32 = 0.25;
    const MATERIALS: f32 = 0.15;
    const KIND: f32 = 0.2;
    const LEGAL_BASIS: f32 = 0.1;
}

/// One normalised field of a matter: its coverage weight, whether it says what the matter is
/// (name, aliases, result), and its text (multi-valued fields joined with a separator that never
/// occurs inside a unit).
#[derive(Debug)]
struct FieldText {
    weight: f32,
    title: bool,
    text: String,
    /// The field's jieba words (search mode: whole words and their sub-words).
    words: HashSet<String>,
}

/// Normalised text of one matter, one entry per field.
#[derive(Debug)]
struct DocText {
    fields: Vec<FieldText>,
    all: String,
}

impl DocText {
    fn new(doc: &SearchDoc) -> Self {
        let field = |weight: f32, title: bool, text: &str| {
            let text = normalize(text);
            let words = segment(&text, true).into_iter().collect();
            FieldText {
                weight,
                title,
                text,
                words,
            }
        };
        let fields = vec![
            field(FieldWeights::NAME, true, &doc.name),
            field(FieldWeights::ALIASES, true, &doc.aliases.join("|")),
            field(FieldWeights::RESULT, true, &doc.result),
            field(FieldWeights::DEPARTMENT, false, &doc.department),
            field(FieldWeights::CONDITIONS, false, &doc.conditions.join("|")),
            field(FieldWeights::MATERIALS, false, &doc.materials.join("|")),
            field(FieldWeights::KIND, false, &doc.kind),
            field(FieldWeights::LEGAL_BASIS, false, &doc.legal_basis.join("|")),
        ];
        let all = fields
            .iter()
            .map(|f| f.text.as_str())
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

/// One unit of a query with its weight.
#[derive(Debug)]
struct Unit {
    text: String,
    weight: f32,
    /// Whether the unit names the topic of the question, i.e. is not a generic word.
    topic: bool,
    /// Factor on the unit's match: [`UNKNOWN_NEIGHBOUR`] next to an unknown word, else 1.
    factor: f32,
    /// Whether the catalog never uses the unit.
    unknown: bool,
}

/// Weights of a query's units, computed once per search.
#[derive(Debug)]
pub(crate) struct UnitWeights {
    units: Vec<Unit>,
    total: f32,
    topic_total: f32,
}

/// `m(u, d)` over all fields and over the title fields only.
#[derive(Debug, Clone, Copy, Default)]
struct Match {
    any: f32,
    title: f32,
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
    /// `pairs` are the units that follow each other in the question
    /// ([`crate::analyze::QueryTerms::pairs`]).
    pub(crate) fn weigh(&self, units: &[String], pairs: &[(String, String)]) -> UnitWeights {
        let unknown = |unit: &str| self.resolve(unit).1 == 0;
        let beside_unknown = |unit: &str| {
            pairs.iter().any(|(a, b)| {
                let other = if a == unit {
                    b
                } else if b == unit {
                    a
                } else {
                    return false;
                };
                !unknown(unit) && unknown(other) && self.df(&format!("{a}{b}")) == 0
            })
        };
        let mut units: Vec<Unit> = units
            .iter()
            .map(|raw| {
                let factor = if beside_unknown(raw) {
                    UNKNOWN_NEIGHBOUR
                } else {
                    1.0
                };
                let (unit, df) = self.resolve(raw);
                let mut weight = if df == 0 {
                    OOV_WEIGHT
                } else {
                    self.idf(u32::try_from(df).unwrap_or(u32::MAX))
                };
                if unit.chars().count() == 1 {
                    weight *= SINGLE_CHAR_FACTOR;
                }
                let topic = !is_generic(&unit);
                if !topic {
                    weight *= GENERIC_FACTOR;
                }
                Unit {
                    text: unit,
                    weight,
                    topic,
                    factor,
                    unknown: df == 0,
                }
            })
            .collect();
        // A question of generic words only (证明怎么开) has no other topic than those words.
        if units.iter().all(|u| !u.topic) {
            for unit in &mut units {
                unit.topic = true;
            }
        }
        // Unknown words past the first few are the speaker's story (楼下, 黑乎乎, 日子): they
        // count against a match only up to a cap, or long questions could never be answered.
        let known: f32 = units.iter().filter(|u| !u.unknown).map(|u| u.weight).sum();
        let known_topic: f32 = units
            .iter()
            .filter(|u| !u.unknown && u.topic)
            .map(|u| u.weight)
            .sum();
        let unknown: f32 = units.iter().filter(|u| u.unknown).map(|u| u.weight).sum();
        let total = known + unknown.min(UNKNOWN_CAP);
        let topic_total = known_topic + unknown.min(UNKNOWN_CAP);
        UnitWeights {
            units,
            total,
            topic_total,
        }
    }

    /// Number of matters whose text contains `unit`.
    fn df(&self, unit: &str) -> usize {
        self.docs.iter().filter(|d| d.all.contains(unit)).count()
    }

    /// The unit as the catalog can know it, with its document frequency. A word the catalog
    /// never uses stands for a shorter word the catalog does use when it is
    /// - that word behind a modal verb jieba glued to it (想开 → 开, 要交 → 交): the
    ///   modal verb is the question's frame, the rest its topic;
    /// - that verb plus spoken complements (砍掉 → 砍, 转回来 → 转, 取出 → 取, 盖好 → 盖):
    ///   complements say how an action ends, which the guides never spell out.
    ///
    /// Without this the one word that carries the topic would count as unknown.
    fn resolve(&self, unit: &str) -> (String, usize) {
        let df = self.df(unit);
        if df > 0 {
            return (unit.to_owned(), df);
        }
        let mut chars = unit.chars();
        if let Some(first) = chars.next() {
            let rest = chars.as_str();
            if !rest.is_empty() && MODALS.contains(&first) {
                let df = self.df(rest);
                if df > 0 {
                    return (rest.to_owned(), df);
                }
            }
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
    ///
    /// The coverage over all fields, scaled down when the matter's name, aliases and result
    /// explain less than [`TOPIC_FULL`] of the question's topic words, to [`TOPIC_FLOOR`] of it
    /// when they explain none: a matter that shares only 补办 or 身份证 with a question about a
    /// 护照 is not an answer, however rare 补办 is in the catalog.
    pub(crate) fn confidence(&self, weights: &UnitWeights, ord: usize) -> f32 {
        let Some(doc) = self.docs.get(ord) else {
            return 0.0;
        };
        if weights.total <= 0.0 {
            return 0.0;
        }
        let mut covered = 0.0;
        let mut topic_covered = 0.0;
        for unit in &weights.units {
            let m = self.best_match(doc, &unit.text);
            covered += unit.weight * unit.factor * m.any;
            if unit.topic {
                topic_covered += unit.weight * unit.factor * m.title;
            }
        }
        let base = covered / weights.total;
        let topic_share = if weights.topic_total > 0.0 {
            topic_covered / weights.topic_total
        } else {
            1.0
        };
        let topic_factor = TOPIC_FLOOR + (1.0 - TOPIC_FLOOR) * (topic_share / TOPIC_FULL).min(1.0);
        (base * topic_factor).clamp(0.0, 1.0)
    }

    /// `m(u, d)`: the best weighted field match of one unit, over all fields and over the title
    /// fields.
    fn best_match(&self, doc: &DocText, unit: &str) -> Match {
        let char_total: f32 = unit.chars().map(|c| self.char_weight(c)).sum();
        let single = unit.chars().count() == 1;
        let mut best = Match::default();
        for field in &doc.fields {
            let m = if field.words.contains(unit) || (single && field.text.contains(unit)) {
                1.0
            } else if field.text.contains(unit) {
                INSIDE_WORD
            } else if char_total > 0.0 && unit.chars().count() > 1 {
                let found: f32 = unit
                    .chars()
                    .filter(|&c| field.text.contains(c))
                    .map(|c| self.char_weight(c))
                    .sum();
                PARTIAL_SHARE * found / char_total
            } else {
                0.0
            };
            let partial = m < INSIDE_WORD;
            let m = field.weight * m;
            best.any = best.any.max(m);
            if field.title {
                // A few shared characters (护照 and 护士, 照 of 营业执照) do not show that the
                // matter is about the question's topic; they count half for it.
                let m = if partial { m * 0.5 } else { m };
                best.title = best.title.max(m);
            }
            if best.title >= 1.0 {
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
        let weights = corpus.weigh(&["失业".to_owned()], &[]);
        assert!(corpus.confidence(&weights, 0) > corpus.confidence(&weights, 1));
        assert!((corpus.confidence(&weights, 0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn spoken_complements_fall_back_to_the_verb() {
        let corpus = Corpus::new(&[doc("砍伐树木审批", &[]), doc("就业登记", &[])]);
        assert_eq!(corpus.resolve("砍掉"), ("砍".to_owned(), 1));
        assert_eq!(corpus.resolve("护照"), ("护照".to_owned(), 0));
        let weights = corpus.weigh(&["砍掉".to_owned()], &[]);
        assert!((corpus.confidence(&weights, 0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn unknown_words_dilute_confidence() {
        let corpus = Corpus::new(&[doc("失业登记", &[]), doc("就业登记", &[])]);
        let focused = corpus.weigh(&["失业".to_owned()], &[]);
        let diluted = corpus.weigh(&["失业".to_owned(), "护照".to_owned()], &[]);
        assert!(corpus.confidence(&diluted, 0) < corpus.confidence(&focused, 0));
    }

    #[test]
    fn a_generic_word_alone_does_not_make_a_match() {
        let corpus = Corpus::new(&[doc("营业执照遗失补办", &[]), doc("就业登记", &[])]);
        let units = |words: &[&str]| words.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
        let topic = corpus.weigh(&units(&["营业执照", "补办"]), &[]);
        let generic = corpus.weigh(&units(&["护照", "补办"]), &[]);
        assert!(corpus.confidence(&topic, 0) > 0.9);
        assert!(corpus.confidence(&generic, 0) < 0.1);
    }

    /// Tuning aid for `index::explain`.
    impl Corpus {
        pub(crate) fn describe(&self, weights: &UnitWeights) -> String {
            weights
                .units
                .iter()
                .map(|u| {
                    let df = self.df(&u.text);
                    let generic = if u.topic { "" } else { "/g" };
                    format!("{}/{:.1}/df{df}{generic}", u.text, u.weight)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }

        pub(crate) fn describe_match(&self, weights: &UnitWeights, ord: usize) -> String {
            weights
                .units
                .iter()
                .map(|u| {
                    let m = self.best_match(&self.docs[ord], &u.text);
                    format!("{}={:.2}/{:.2}", u.text, m.any, m.title)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
    }
}
