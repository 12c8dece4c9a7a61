//! Highlighting of query terms in titles and bodies, HTML-escaped.
//!
//! tantivy's `SnippetGenerator` is not used: it assumes token offsets grow
//! monotonically, but jieba search mode emits the sub-words of a long word
//! *before* the word itself (`中华`, `华人`, …, `中华人民共和国`), so a fragment
//! can start after a highlighted token's start, and its relative-offset
//! arithmetic underflows (verified: "attempt to subtract with overflow" at
//! tantivy-0.27.0/src/snippet/mod.rs:263 in debug builds; garbage offsets in
//! release). Its `max_num_chars` also counts bytes, not characters. This
//! module tokenises with the same analyzer as the index, merges overlapping
//! matches and picks the window with the most distinct query terms.

use std::collections::HashSet;
use std::ops::Range;

use tantivy::tokenizer::TextAnalyzer;

const MARK_OPEN: &str = "<mark>";
const MARK_CLOSE: &str = "</mark>";
const ELLIPSIS: &str = "…";
/// How many characters of context to keep before the first highlight of a
/// snippet window.
const LEAD_CHARS: usize = 12;

/// Escapes `&`, `<`, `>`, `"` and `'` into `out`.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// A highlighted span: byte range in the text and the term it matched.
struct Match {
    range: Range<usize>,
    /// Index of the query term in `Highlighter::terms`.
    term: usize,
}

pub(crate) struct Highlighter {
    analyzer: TextAnalyzer,
    terms: Vec<String>,
}

impl Highlighter {
    /// `terms` are normalised query terms (as produced by `query_terms`).
    pub(crate) fn new(analyzer: TextAnalyzer, terms: Vec<String>) -> Self {
        Highlighter { analyzer, terms }
    }

    /// All matches in `text`, sorted by start, overlapping ones merged (a
    /// merged span keeps the term of its first piece).
    fn matches(&mut self, text: &str) -> (Vec<Match>, HashSet<usize>) {
        let mut raw: Vec<Match> = Vec::new();
        let mut stream = self.analyzer.token_stream(text);
        while let Some(token) = stream.next() {
            if let Some(term) = self.terms.iter().position(|t| *t == token.text) {
                raw.push(Match { range: token.offset_from..token.offset_to, term });
            }
        }
        drop(stream);
        let terms_seen: HashSet<usize> = raw.iter().map(|m| m.term).collect();
        raw.sort_by_key(|m| (m.range.start, std::cmp::Reverse(m.range.end)));
        let mut merged: Vec<Match> = Vec::with_capacity(raw.len());
        for m in raw {
            match merged.last_mut() {
                Some(last) if m.range.start < last.range.end => {
                    last.range.end = last.range.end.max(m.range.end);
                }
                _ => merged.push(m),
            }
        }
        (merged, terms_seen)
    }

    /// The whole `text`, escaped, with every match wrapped in `<mark>`.
    pub(crate) fn full_html(&mut self, text: &str) -> String {
        let (matches, _) = self.matches(text);
        let mut out = String::with_capacity(text.len() + matches.len() * 13);
        render(text, 0..text.len(), &matches, &mut out);
        out
    }

    /// A snippet of at most about `max_chars` characters of `text`, escaped,
    /// matches wrapped in `<mark>`, `…` where text was cut. Texts of at most
    /// `max_chars` characters are returned whole. Without any match, the
    /// first `max_chars` characters.
    pub(crate) fn snippet_html(&mut self, text: &str, max_chars: usize) -> String {
        let (matches, terms_seen) = self.matches(text);
        // Byte offset of every char boundary, plus text.len().
        let bounds: Vec<usize> =
            text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect();
        let num_chars = bounds.len() - 1;
        let mut out = String::new();
        if num_chars <= max_chars {
            render(text, 0..text.len(), &matches, &mut out);
            return out;
        }
        let window_of = |start_char: usize| -> Range<usize> {
            let start_char = start_char.min(num_chars - max_chars);
            bounds[start_char]..bounds[start_char + max_chars]
        };
        let mut best: Range<usize> = window_of(0);
        if !matches.is_empty() {
            // Candidate windows start a little before each match; score =
            // distinct terms fully inside, then number of matches inside.
            let mut best_score = (0usize, 0usize);
            for m in &matches {
                let start_char = bounds.partition_point(|&b| b < m.range.start);
                let window = window_of(start_char.saturating_sub(LEAD_CHARS));
                let inside =
                    || matches.iter().filter(|x| x.range.start >= window.start && x.range.end <= window.end);
                let distinct: HashSet<usize> = inside().map(|x| x.term).collect();
                let score = (distinct.len(), inside().count());
                if score > best_score {
                    best_score = score;
                    best = window;
                }
                if best_score.0 == terms_seen.len() && best_score.1 >= 3 {
                    break; // good enough: everything that occurs is shown
                }
            }
        }
        if best.start > 0 {
            out.push_str(ELLIPSIS);
        }
        render(text, best.clone(), &matches, &mut out);
        if best.end < text.len() {
            out.push_str(ELLIPSIS);
        }
        out
    }
}

/// Renders `text[window]`, escaped, with the parts of `matches` inside the
/// window wrapped in marks (matches cut by the window edge are clipped).
fn render(text: &str, window: Range<usize>, matches: &[Match], out: &mut String) {
    let mut pos = window.start;
    for m in matches {
        let start = m.range.start.max(window.start);
        let end = m.range.end.min(window.end);
        if start >= end || start < pos {
            continue;
        }
        escape_into(&text[pos..start], out);
        out.push_str(MARK_OPEN);
        escape_into(&text[start..end], out);
        out.push_str(MARK_CLOSE);
        pos = end;
    }
    escape_into(&text[pos..window.end], out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::analyzer;

    fn hl(terms: &[&str]) -> Highlighter {
        Highlighter::new(analyzer(), terms.iter().map(|t| t.to_string()).collect())
    }

    #[test]
    fn escapes_everything_outside_marks() {
        let mut h = hl(&["续航"]);
        let html = h.full_html("<script>alert('续航')</script> & \"x\"");
        assert_eq!(
            html,
            "&lt;script&gt;alert(&#39;<mark>续航</mark>&#39;)&lt;/script&gt; &amp; &quot;x&quot;"
        );
    }

    #[test]
    fn overlapping_sub_words_are_merged() {
        // search mode emits 中华, 华人, 人民, ..., 中华人民共和国: all overlap.
        let mut h = hl(&["中华", "人民", "中华人民共和国"]);
        assert_eq!(h.full_html("我爱中华人民共和国。"), "我爱<mark>中华人民共和国</mark>。");
    }

    #[test]
    fn long_text_gets_a_window_around_the_match() {
        let body = format!("{}手机发热很严重{}", "很长的开头。".repeat(40), "结尾的文字。".repeat(40));
        let mut h = hl(&["发热"]);
        let html = h.snippet_html(&body, 120);
        assert!(html.starts_with(ELLIPSIS) && html.ends_with(ELLIPSIS), "{html}");
        assert!(html.contains("手机<mark>发热</mark>很严重"), "{html}");
        let plain = html.replace(MARK_OPEN, "").replace(MARK_CLOSE, "").replace(ELLIPSIS, "");
        assert_eq!(plain.chars().count(), 120);
        // No match: the beginning.
        let mut h = hl(&["屏幕"]);
        let html = h.snippet_html(&body, 120);
        assert!(html.starts_with("很长的开头") && html.ends_with(ELLIPSIS), "{html}");
        // Short texts are returned whole.
        assert_eq!(h.snippet_html("屏幕很好", 120), "<mark>屏幕</mark>很好");
    }
}
