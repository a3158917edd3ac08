//! Text analysis shared by indexing and querying: normalisation, jieba segmentation, filler
//! words, and the character-bigram tokenizer.
//!
//! Rule: every string that reaches the index or a query goes through [`normalize`] first, so both
//! sides agree on case and full-width forms without relying on tokenizer filters.

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy_jieba::JiebaTokenizer;

/// Name under which the jieba analyzer is registered on the index.
pub(crate) const JIEBA: &str = "yc_jieba";
/// Name under which the bigram analyzer is registered on the index.
pub(crate) const BIGRAM: &str = "yc_bigram";

/// Words that carry no topic in a spoken question. Kept small on purpose: anything that could
/// name a matter (申请, 证明, 补办, 自己 …) stays, and the catalog-derived weights in
/// [`crate::confidence`] already make frequent words cheap.
const STOP_WORDS: &[&str] = &[
    // Pronouns and people.
    "我",
    "我们",
    "俺",
    "俺们",
    "咱",
    "咱们",
    "你",
    "你们",
    "您",
    "他",
    "她",
    "它",
    "他们",
    "她们",
    "人家",
    "别人",
    "家里",
    "我家",
    // Wanting, needing, being able to: the question's frame, not its topic.
    "想",
    "想要",
    "要",
    "需要",
    "得",
    "能",
    "能不能",
    "可以",
    "可不可以",
    "应该",
    "必须",
    "打算",
    // Question words and particles.
    "怎么",
    "怎么样",
    "怎样",
    "怎么办",
    "咋",
    "咋办",
    "咋整",
    "咋弄",
    "咋样",
    "如何",
    "啥",
    "什么",
    "哪",
    "哪里",
    "哪儿",
    "哪个",
    "哪些",
    "去哪",
    "去哪儿",
    "去哪里",
    "到哪",
    "在哪",
    "在哪里",
    "谁",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "么",
    "嘛",
    "哦",
    "不",
    "没",
    "没有",
    "是不是",
    "有没有",
    "算不算",
    // "Do it / go there": every matter is done somewhere by someone.
    "办",
    "办理",
    "弄",
    "整",
    "搞",
    "找",
    "去",
    "到",
    "在",
    "做",
    "手续",
    "部门",
    "窗口",
    "地方",
    "流程",
    "一下",
    "操作",
    // Adverbs of time and degree: they frame the action (快到期, 该年检, 刚招), never name it.
    "快",
    "该",
    "刚",
    "刚刚",
    "点",
    "一点",
    "有点",
    "好",
    "全部",
    "一些",
    // Direction complements standing alone (提取出来, 转回来): how an action ends.
    "出来",
    "回来",
    "过来",
    "下来",
    "上来",
    "起来",
    "进来",
    "出去",
    "回去",
    "过去",
    "下去",
    "上去",
    // Function words.
    "的",
    "了",
    "着",
    "过",
    "个",
    "一个",
    "和",
    "跟",
    "与",
    "及",
    "把",
    "被",
    "给",
    "是",
    "有",
    "这",
    "那",
    "这个",
    "那个",
    "这些",
    "那些",
    "就",
    "都",
    "也",
    "还",
    "又",
    "很",
    "才",
    "对",
    "从",
    "向",
    "让",
    "会",
    "用",
    "上",
    "下",
    "里",
    "中",
    "时候",
    "现在",
    "已经",
    "听说",
    "请问",
    // Where and when, relative to the speaker: frames the question, never names a matter.
    "附近",
    "旁边",
    "周边",
    "这里",
    "那里",
    "今天",
    "明天",
    "昨天",
    // Every matter here is a government service of this city: naming them adds nothing.
    "政府",
    "宣城",
    "宣城市",
    "市里",
];

/// Words that say what is done with a document or a procedure (replace, renew, apply, pay,
/// certify), not what it is about. They stay in the query, because 补办 does tell 营业执照遗失补领
/// from 营业执照 changes, but they do not name the topic: "护照丢了怎么补办" is about a 护照, and a
/// matter that shares only 补办 with it is no answer. See [`crate::confidence`].
const GENERIC_WORDS: &[&str] = &[
    // Losing, replacing, renewing.
    "丢",
    "丢失",
    "遗失",
    "掉",
    "补",
    "补办",
    "补领",
    "补发",
    "补证",
    "补换",
    "换",
    "换证",
    "换发",
    "换新",
    "更换",
    "新办",
    "续",
    "续办",
    "延续",
    "延期",
    "到期",
    "过期",
    "快到期",
    "变更",
    "注销",
    // Applying, registering, approving.
    "申请",
    "申领",
    "申报",
    "报名",
    "登记",
    "备案",
    "审批",
    "批",
    "许可",
    "认定",
    "核发",
    "处理",
    "办证",
    "领证",
    "领",
    "证",
    "证件",
    "证明",
    "开证明",
    // Paying and taking out.
    "交",
    "缴",
    "缴费",
    "缴纳",
    "交钱",
    "提取",
    "取",
    // Asking about the procedure itself.
    "查",
    "查询",
    "咨询",
    "材料",
    "资料",
    "条件",
    "要求",
    "费用",
    "收费",
    "准备",
    "带",
    "多久",
    "多少钱",
    "提前",
];

/// True for a generic word ([`GENERIC_WORDS`]) and for numbers (12分, 2024年): a number in a
/// question is a detail of the applicant's case, not a topic.
pub(crate) fn is_generic(token: &str) -> bool {
    GENERIC_WORDS.contains(&token) || token.chars().all(|c| c.is_ascii_digit())
}

/// Lower-cases and folds full-width ASCII (Ｘ光, ＫＴＶ) to half-width, one character for one
/// character, so positions in a normalised string are positions in the original.
pub(crate) fn norm_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_lowercase().next().unwrap_or(c)
}

/// [`norm_char`] over a whole string.
pub(crate) fn normalize(text: &str) -> String {
    text.chars().map(norm_char).collect()
}

/// Characters that can be part of a word: letters, digits and CJK ideographs.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// True for filler words and for tokens with no word character at all (punctuation, spaces).
pub(crate) fn is_stop(token: &str) -> bool {
    !token.chars().any(is_word_char) || STOP_WORDS.contains(&token)
}

/// The jieba analyzer used for every text field: search-mode segmentation over the process-wide
/// jieba dictionary of `tantivy-jieba`, which is loaded once and shared by every clone.
pub(crate) fn jieba_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new()).build()
}

/// The analyzer of the bigram field.
pub(crate) fn bigram_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(BigramTokenizer).build()
}

/// Segments `text` with jieba: search mode (overlapping sub-words, as indexed) or precise mode
/// (one non-overlapping cut, used to measure coverage). Precise mode runs without the HMM, so a
/// typo like 营业执找 splits into dictionary words and characters (营业 / 执 / 找) instead of being
/// glued into one unknown word that matches nothing.
pub(crate) fn segment(text: &str, search_mode: bool) -> Vec<String> {
    let mut tokenizer = JiebaTokenizer::with_search_mode(search_mode);
    tokenizer.set_hmm(search_mode);
    let mut stream = tokenizer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// Character bigrams inside runs of word characters (never across punctuation).
pub(crate) fn bigrams(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in text.split(|c: char| !is_word_char(c)) {
        let chars: Vec<char> = run.chars().collect();
        out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    }
    out
}

/// Single word characters: in Chinese one character (砍, 树, 烟) often still carries the topic
/// when the word around it is colloquial (砍掉, 大树, 香烟).
pub(crate) fn unigrams(text: &str) -> Vec<String> {
    text.chars()
        .filter(|&c| is_word_char(c))
        .map(String::from)
        .collect()
}

/// What the gram field indexes: bigrams, then unigrams.
fn grams(text: &str) -> Vec<String> {
    let mut out = bigrams(text);
    out.extend(unigrams(text));
    out
}

/// What a query contributes, computed once per search.
#[derive(Debug, Default)]
pub(crate) struct QueryTerms {
    /// Search-mode jieba tokens without filler, deduplicated: the term queries.
    pub(crate) tokens: Vec<String>,
    /// Precise-mode jieba tokens without filler, deduplicated: the units of coverage.
    pub(crate) units: Vec<String>,
    /// Units that follow each other in the question with no filler between them (港澳 +
    /// 通行证): a compound whose other half the catalog does not know is a different thing.
    pub(crate) pairs: Vec<(String, String)>,
    /// Character bigrams of the informative stretches of the query.
    pub(crate) bigrams: Vec<String>,
    /// Characters of the informative stretches of the query.
    pub(crate) unigrams: Vec<String>,
}

impl QueryTerms {
    /// Analyses a raw user query.
    pub(crate) fn new(raw: &str) -> Self {
        let text = normalize(raw);
        let mut terms = Self::default();
        for token in segment(&text, true) {
            if !is_stop(&token) && !terms.tokens.contains(&token) {
                terms.tokens.push(token);
            }
        }
        // Filler words split the query into informative stretches; bigrams never straddle a
        // filler word, or 想开 and 咋领 would become evidence.
        let mut stretch = String::new();
        let mut stretches = Vec::new();
        let mut previous: Option<String> = None;
        for unit in segment(&text, false) {
            if is_stop(&unit) {
                stretches.push(std::mem::take(&mut stretch));
                previous = None;
                continue;
            }
            stretch.push_str(&unit);
            if let Some(before) = previous.replace(unit.clone()) {
                terms.pairs.push((before, unit.clone()));
            }
            if !terms.units.contains(&unit) {
                terms.units.push(unit);
            }
        }
        stretches.push(stretch);
        for stretch in stretches {
            for bigram in bigrams(&stretch) {
                if !terms.bigrams.contains(&bigram) {
                    terms.bigrams.push(bigram);
                }
            }
            for unigram in unigrams(&stretch) {
                if !terms.unigrams.contains(&unigram) {
                    terms.unigrams.push(unigram);
                }
            }
        }
        terms
    }

    /// True when nothing informative is left (empty, punctuation, only filler).
    pub(crate) fn is_empty(&self) -> bool {
        self.units.is_empty() && self.tokens.is_empty()
    }
}

/// Tokenizer of the gram field: [`bigrams`] and [`unigrams`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct BigramTokenizer;

/// Token stream over precomputed bigrams.
pub(crate) struct BigramStream {
    tokens: std::vec::IntoIter<Token>,
    current: Token,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream {
        // Offsets are not used (the field has no positions), so only texts and positions are
        // filled in.
        let tokens: Vec<Token> = grams(text)
            .into_iter()
            .enumerate()
            .map(|(position, text)| Token {
                position,
                text,
                ..Token::default()
            })
            .collect();
        BigramStream {
            tokens: tokens.into_iter(),
            current: Token::default(),
        }
    }
}

impl TokenStream for BigramStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.current = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.current
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_full_width_and_case() {
        assert_eq!(normalize("ＫＴＶ与X光"), "ktv与x光");
    }

    #[test]
    fn bigrams_stay_inside_runs() {
        assert_eq!(bigrams("营业执照，证"), vec!["营业", "业执", "执照"]);
        assert_eq!(grams("执照，证"), vec!["执照", "执", "照", "证"]);
    }

    #[test]
    fn filler_is_dropped_from_queries() {
        let terms = QueryTerms::new("我想办营业执照咋办？");
        assert!(terms.tokens.iter().any(|t| t == "营业执照"));
        assert!(
            !terms
                .tokens
                .iter()
                .any(|t| t == "我" || t == "想" || t == "咋办")
        );
        assert!(QueryTerms::new(" ，。？! ").is_empty());
        assert!(QueryTerms::new("我想咋办").is_empty());
    }
}
