//! Highlighting: HTML-escaped text with the query's words wrapped in `<mark>`.
//!
//! Matching runs on the normalised text ([`norm_char`] maps one character to one character), so
//! marks land on the original characters. Needles are query words and bigrams of at least two
//! characters: marking every 证 or 办 a query shares with a name would mark noise.

use crate::analyze::norm_char;

/// Longest snippet, in characters, before it is cut around its first mark.
const SNIPPET_CHARS: usize = 36;
/// Characters kept before the first mark when a snippet is cut.
const SNIPPET_LEAD: usize = 10;

/// Text split into characters with a per-character "matched" flag.
pub(crate) struct Marked {
    chars: Vec<char>,
    mask: Vec<bool>,
}

impl Marked {
    /// Marks every occurrence of every needle in `text`.
    pub(crate) fn new(text: &str, needles: &[&str]) -> Self {
        let chars: Vec<char> = text.chars().collect();
        let norm: Vec<char> = chars.iter().copied().map(norm_char).collect();
        let mut mask = vec![false; chars.len()];
        for needle in needles {
            let needle: Vec<char> = needle.chars().collect();
            if needle.len() < 2 || needle.len() > norm.len() {
                continue;
            }
            for start in 0..=norm.len() - needle.len() {
                if norm[start..start + needle.len()] == needle[..] {
                    mask[start..start + needle.len()].fill(true);
                }
            }
        }
        Self { chars, mask }
    }

    /// Number of marked characters.
    pub(crate) fn marked(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// The whole text as HTML.
    pub(crate) fn html(&self) -> String {
        self.html_range(0, self.chars.len())
    }

    /// A window of at most [`SNIPPET_CHARS`] characters around the first mark, as HTML, with an
    /// ellipsis where text was cut.
    pub(crate) fn snippet_html(&self) -> String {
        let len = self.chars.len();
        if len <= SNIPPET_CHARS {
            return self.html();
        }
        let first = self.mask.iter().position(|&m| m).unwrap_or(0);
        let start = first.saturating_sub(SNIPPET_LEAD).min(len - SNIPPET_CHARS);
        let end = start + SNIPPET_CHARS;
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        out.push_str(&self.html_range(start, end));
        if end < len {
            out.push('…');
        }
        out
    }

    fn html_range(&self, start: usize, end: usize) -> String {
        let mut out = String::with_capacity((end - start) * 4);
        let mut open = false;
        for i in start..end {
            if self.mask[i] != open {
                out.push_str(if open { "</mark>" } else { "<mark>" });
                open = !open;
            }
            push_escaped(&mut out, self.chars[i]);
        }
        if open {
            out.push_str("</mark>");
        }
        out
    }
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_needles_and_escapes_the_rest() {
        let marked = Marked::new("<b>营业执照</b> & 补领", &["执照", "补领"]);
        assert_eq!(
            marked.html(),
            "&lt;b&gt;营业<mark>执照</mark>&lt;/b&gt; &amp; <mark>补领</mark>"
        );
        assert_eq!(marked.marked(), 4);
    }

    #[test]
    fn adjacent_needles_share_one_mark() {
        let marked = Marked::new("社会保障卡挂失", &["保障", "障卡"]);
        assert_eq!(marked.html(), "社会<mark>保障卡</mark>挂失");
    }

    #[test]
    fn long_snippets_are_cut_around_the_mark() {
        let text = format!("{}低保{}", "一".repeat(30), "二".repeat(30));
        let html = Marked::new(&text, &["低保"]).snippet_html();
        assert!(html.starts_with('…') && html.ends_with('…'));
        assert!(html.contains("<mark>低保</mark>"));
    }
}
