//! Referrals (非本中心业务指引): questions about another agency's service (护照, 驾照, 公积金)
//! are answered with where that service is handled, not with a catalog matter that merely shares
//! a word with them.
//!
//! The rule, on the question compacted to its word characters (full-width folded, lower case,
//! spaces and punctuation dropped, so 护 照 and ＧＪＪ match like 护照 and gjj):
//! 1. find every occurrence of a referral keyword and of a catalog term (a matter's name or
//!    alias);
//! 2. where the two overlap, the longer one wins: a keyword inside a catalog term is part of that
//!    term (结婚证 inside the alias 结婚证明, 通行证 inside 超限通行证), a catalog term inside a
//!    keyword is part of the keyword (年检 inside 车辆年检);
//! 3. the referral answers only when a keyword is left and no catalog term is: a question that
//!    still names a catalog matter (办网约车驾驶员证要驾驶证吗) is about that matter, and gets
//!    the ordinary hits.
//!
//! So a keyword that is itself a catalog name or alias never fires, and the catalog always wins
//! a tie. Among several referrals left, the one with the longest keyword answers (the first
//! listed on equal length).

use crate::SearchDoc;
use crate::analyze::{is_word_char, normalize};

/// A service the center does not handle, and where it is handled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Referral {
    /// What the service is, e.g. 护照、港澳台通行证、签证.
    pub service: String,
    /// Words that name it in a question.
    pub keywords: Vec<String>,
    /// Where it is handled.
    pub place: String,
    /// Anything else worth knowing, if any.
    pub note: Option<String>,
}

/// The referrals with their keywords compacted, and the catalog's own terms.
#[derive(Debug, Default)]
pub(crate) struct Referrals {
    list: Vec<Referral>,
    /// `(compacted keyword, position in list)`.
    keywords: Vec<(String, usize)>,
    /// Compacted names and aliases of the catalog's matters.
    terms: Vec<String>,
}

/// A found occurrence: character span `[start, end)` in the compacted question.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn len(self) -> usize {
        self.end - self.start
    }

    fn contains(self, other: Self) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// The word characters of `text`, normalised: what both sides are compared on.
pub(crate) fn compact(text: &str) -> Vec<char> {
    normalize(text)
        .chars()
        .filter(|c| is_word_char(*c))
        .collect()
}

/// Every occurrence of `needle` in `hay`, overlapping ones included.
fn occurrences(hay: &[char], needle: &[char]) -> impl Iterator<Item = Span> {
    let n = needle.len();
    let last = if n == 0 || n > hay.len() {
        0
    } else {
        hay.len() - n + 1
    };
    (0..last)
        .filter(move |&i| hay[i..i + n] == *needle)
        .map(move |start| Span {
            start,
            end: start + n,
        })
}

impl Referrals {
    pub(crate) fn new(referrals: &[Referral], docs: &[SearchDoc]) -> Self {
        let mut keywords = Vec::new();
        for (at, r) in referrals.iter().enumerate() {
            for k in &r.keywords {
                let k: String = compact(k).into_iter().collect();
                if !k.is_empty() {
                    keywords.push((k, at));
                }
            }
        }
        let mut terms: Vec<String> = docs
            .iter()
            .flat_map(|d| std::iter::once(&d.name).chain(&d.aliases))
            .map(|t| compact(t).into_iter().collect::<String>())
            .filter(|t| !t.is_empty())
            .collect();
        terms.sort();
        terms.dedup();
        Self {
            list: referrals.to_vec(),
            keywords,
            terms,
        }
    }

    /// The referral answering `query` by the module's rule, if any.
    pub(crate) fn find(&self, query: &str) -> Option<&Referral> {
        if self.keywords.is_empty() {
            return None;
        }
        let q = compact(query);
        let found: Vec<(Span, usize)> = self
            .keywords
            .iter()
            .flat_map(|(k, at)| {
                let k: Vec<char> = k.chars().collect();
                occurrences(&q, &k)
                    .map(|span| (span, *at))
                    .collect::<Vec<_>>()
            })
            .collect();
        if found.is_empty() {
            return None;
        }
        let terms: Vec<Span> = self
            .terms
            .iter()
            .flat_map(|t| {
                let t: Vec<char> = t.chars().collect();
                occurrences(&q, &t).collect::<Vec<_>>()
            })
            .collect();
        // A keyword inside a longer (or equal) catalog term belongs to the term.
        let left: Vec<(Span, usize)> = found
            .into_iter()
            .filter(|(k, _)| !terms.iter().any(|t| t.contains(*k)))
            .collect();
        // A catalog term strictly inside a keyword left belongs to the keyword; any other
        // catalog term names a matter, and the question is the catalog's.
        let names_a_matter = terms.iter().any(|t| {
            !left
                .iter()
                .any(|(k, _)| k.contains(*t) && k.len() > t.len())
        });
        if names_a_matter {
            return None;
        }
        left.iter()
            .max_by(|a, b| a.0.len().cmp(&b.0.len()).then(b.1.cmp(&a.1)))
            .and_then(|(_, at)| self.list.get(*at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral(service: &str, keywords: &[&str]) -> Referral {
        Referral {
            service: service.to_owned(),
            keywords: keywords.iter().map(|s| (*s).to_owned()).collect(),
            place: format!("{service}大厅"),
            note: None,
        }
    }

    fn doc(name: &str, aliases: &[&str]) -> SearchDoc {
        SearchDoc {
            code: name.to_owned(),
            name: name.to_owned(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            ..SearchDoc::default()
        }
    }

    fn sample() -> Referrals {
        Referrals::new(
            &[
                referral("出入境", &["护照", "通行证", "港澳通行证"]),
                referral("婚姻登记", &["结婚证"]),
                referral("机动车", &["车辆年检"]),
                referral("驾驶证", &["驾驶证"]),
                referral("营业执照", &["营业执照"]),
            ],
            &[
                doc("婚姻登记档案查询出证", &["结婚证明"]),
                doc("公路超限运输许可", &["超限通行证"]),
                doc("企业年度报告公示", &["年检"]),
                doc("网络预约出租汽车驾驶员证核发", &["网约车驾驶员证"]),
                doc("个体工商户设立登记", &["营业执照"]),
            ],
        )
    }

    fn service(r: &Referrals, q: &str) -> Option<String> {
        r.find(q).map(|x| x.service.clone())
    }

    #[test]
    fn a_keyword_in_the_question_refers() {
        let r = sample();
        assert_eq!(service(&r, "护照快过期了怎么办").as_deref(), Some("出入境"));
        assert_eq!(service(&r, "领结婚证要带什么").as_deref(), Some("婚姻登记"));
        assert_eq!(service(&r, "附近有什么好吃的"), None);
    }

    #[test]
    fn full_width_and_spaces_do_not_hide_a_keyword() {
        let r = sample();
        assert_eq!(service(&r, "护 照 丢了").as_deref(), Some("出入境"));
        assert_eq!(service(&r, "办护照？").as_deref(), Some("出入境"));
        let latin = Referrals::new(&[referral("公积金", &["GJJ"])], &[]);
        assert_eq!(service(&latin, "ｇｊｊ 怎么取").as_deref(), Some("公积金"));
    }

    #[test]
    fn a_keyword_inside_a_catalog_alias_belongs_to_the_catalog() {
        let r = sample();
        assert_eq!(service(&r, "开个结婚证明"), None);
        assert_eq!(service(&r, "超限通行证怎么办"), None);
        // A keyword that is itself an alias never fires.
        assert_eq!(service(&r, "营业执照丢了"), None);
    }

    #[test]
    fn a_catalog_alias_inside_a_keyword_belongs_to_the_keyword() {
        let r = sample();
        assert_eq!(service(&r, "车辆年检去哪").as_deref(), Some("机动车"));
        // The bare alias elsewhere in the question names the catalog matter.
        assert_eq!(service(&r, "公司年检和护照"), None);
    }

    #[test]
    fn a_question_naming_a_catalog_matter_gets_no_referral() {
        let r = sample();
        assert_eq!(service(&r, "办网约车驾驶员证要驾驶证吗"), None);
        assert_eq!(service(&r, "驾驶证到期了"), Some("驾驶证".to_owned()));
    }

    #[test]
    fn the_longest_keyword_decides() {
        let r = Referrals::new(
            &[
                referral("short", &["通行证"]),
                referral("long", &["港澳通行证"]),
            ],
            &[],
        );
        assert_eq!(service(&r, "港澳通行证续签").as_deref(), Some("long"));
    }
}
