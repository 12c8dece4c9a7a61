//! Chinese word segmentation: the shared jieba dictionary, [`segment_words`],
//! and the tantivy tokenizer used by the search index.

use std::sync::LazyLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, Token, TokenStream, Tokenizer};

/// The one jieba instance of the process. Loading the default dictionary
/// costs ~100 ms and tens of MB, so everything in this crate (segmentation,
/// indexing, querying, snippets) shares it.
pub(crate) static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Name under which [`analyzer`] is registered with tantivy.
pub(crate) const TOKENIZER_NAME: &str = "jieba";

/// Tokens longer than this (in bytes) are not indexed (URLs, base64 blobs ...).
/// Query terms longer than this are dropped too, so both sides agree.
pub(crate) const MAX_TOKEN_BYTES: usize = 64;

/// Splits `text` into words with jieba (precise mode, HMM on for unknown
/// words), dropping tokens made only of whitespace or punctuation.
///
/// Words keep their original case and spelling; this is meant for keyword
/// labels, duplicate detection and the like. The search index uses its own,
/// normalised tokens.
pub fn segment_words(text: &str) -> Vec<String> {
    JIEBA.cut(text, true).into_iter().filter(|t| is_wordlike(t.word)).map(|t| t.word.to_string()).collect()
}

/// True if `word` contains at least one letter, digit or CJK character
/// (i.e. it is not whitespace / punctuation / symbols only).
pub(crate) fn is_wordlike(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

/// True for connector-joined latin compounds such as `Wi-Fi`, `wi_fi`,
/// `MIUI-14`, `v1.2`: these are indexed and queried in their joined form
/// (`wifi`), so `Wi-Fi`, `wi-fi` and `wifi` all find each other. Purely
/// numeric ones (`3.5`, `2024-01`) are kept as they are.
fn is_latin_compound(word: &str) -> bool {
    word.bytes().any(|b| matches!(b, b'.' | b'_' | b'-')) && word.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Appends the normalised form of a jieba word to `out`, without lowercasing
/// (the analyzer's [`LowerCaser`] does that on the index side).
fn push_joined(word: &str, out: &mut String) {
    if is_latin_compound(word) {
        out.extend(word.chars().filter(|c| !matches!(c, '.' | '_' | '-')));
    } else {
        out.push_str(word);
    }
}

/// The terms a user query is made of: jieba precise mode (HMM on), the same
/// normalisation as the index (lowercase, joined latin compounds, length
/// limit), punctuation dropped, duplicates removed (first occurrence kept).
///
/// Precise mode is used on the query side on purpose: the index holds every
/// precise-mode word *plus* the dictionary sub-words of long words (search
/// mode) and the dictionary words straddling word boundaries (full mode), so
/// a precise query word matches documents that contain it as a word, as part
/// of a longer word, or across a segmentation boundary.
pub(crate) fn query_terms(text: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for token in JIEBA.cut(text, true) {
        if !is_wordlike(token.word) {
            continue;
        }
        let mut term = String::new();
        push_joined(token.word, &mut term);
        let term = term.to_lowercase();
        if term.is_empty() || term.len() > MAX_TOKEN_BYTES || terms.contains(&term) {
            continue;
        }
        terms.push(term);
    }
    terms
}

/// Function words that are dropped from the *required* query terms when the
/// query has other terms (`手机的续航` requires 手机 and 续航, not 的).
pub(crate) fn is_stop_word(term: &str) -> bool {
    matches!(
        term,
        "的" | "地"
            | "得"
            | "了"
            | "着"
            | "过"
            | "吗"
            | "呢"
            | "吧"
            | "啊"
            | "呀"
            | "嘛"
            | "哦"
            | "和"
            | "与"
            | "及"
            | "或"
            | "也"
            | "都"
            | "很"
            | "是"
            | "在"
            | "就"
            | "还"
            | "有点"
            | "the"
            | "a"
            | "an"
            | "of"
            | "to"
            | "is"
            | "and"
            | "or"
            | "in"
    )
}

/// The analyzer used for the `title` and `body` fields: jieba search mode
/// (HMM on) plus the multi-character CJK words of full mode, punctuation
/// dropped, latin compounds joined, lowercased, tokens
/// over [`MAX_TOKEN_BYTES`] removed.
pub(crate) fn analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(JiebaSearchTokenizer)
        .filter(LowerCaser)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .build()
}

/// A tantivy tokenizer over the shared [`JIEBA`]: search mode plus the
/// CJK words of full mode. Tokens overlap and are not in offset order.
///
/// Why not `tantivy_jieba::JiebaTokenizer`: its default constructor loads a
/// second copy of the dictionary, `with_jieba` makes every tokenizer clone
/// (tantivy clones analyzers per indexing thread and per snippet) deep-copy
/// the dictionary, and it emits punctuation tokens. Like its
/// ordinal-position mode, positions here are token ordinals.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JiebaSearchTokenizer;

pub(crate) struct JiebaTokenStream<'a> {
    text: &'a str,
    tokens: std::vec::IntoIter<jieba_rs::Token<'a>>,
    token: Token,
    next_position: usize,
}

impl Tokenizer for JiebaSearchTokenizer {
    type TokenStream<'a> = JiebaTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaTokenStream<'a> {
        let mut tokens = JIEBA.cut_for_search(text, true);
        // Search mode only offers sub-words *inside* the words precise mode
        // chose, so a word straddling two of them is lost (请客服 → 请客 / 服
        // hides 客服; 内存在 → 内 / 存在 hides 内存). Full mode lists every
        // dictionary word of the text: add its multi-character CJK words that
        // search mode did not emit (about 4% more tokens on real reviews,
        // raising recall of 客服 from 0.94 to 1.0).
        let mut spans: Vec<(usize, usize)> = tokens.iter().map(|t| (t.byte_start, t.byte_end)).collect();
        spans.sort_unstable();
        for t in JIEBA.cut_all(text) {
            if t.end - t.start >= 2
                && t.word.chars().all(|c| !c.is_ascii() && c.is_alphanumeric())
                && spans.binary_search(&(t.byte_start, t.byte_end)).is_err()
            {
                tokens.push(t);
            }
        }
        JiebaTokenStream { text, tokens: tokens.into_iter(), token: Token::default(), next_position: 0 }
    }
}

impl TokenStream for JiebaTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for t in self.tokens.by_ref() {
            if !is_wordlike(t.word) {
                continue;
            }
            debug_assert_eq!(&self.text[t.byte_start..t.byte_end], t.word);
            self.token.offset_from = t.byte_start;
            self.token.offset_to = t.byte_end;
            self.token.position = self.next_position;
            self.token.position_length = 1;
            self.token.text.clear();
            push_joined(t.word, &mut self.token.text);
            self.next_position += 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(text: &str) -> Vec<String> {
        let mut a = analyzer();
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            assert!(text.get(t.offset_from..t.offset_to).is_some());
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn segment_words_drops_punctuation() {
        let words = segment_words("续航能力很强，发热也不严重！  Wi-Fi 信号好");
        assert!(words.contains(&"续航".to_string()), "{words:?}");
        assert!(words.contains(&"发热".to_string()), "{words:?}");
        assert!(words.iter().all(|w| is_wordlike(w)), "{words:?}");
        assert!(!words.iter().any(|w| w == "，" || w == "！" || w.trim().is_empty()));
        assert!(segment_words("  ，。!! ").is_empty());
        assert!(segment_words("").is_empty());
    }

    #[test]
    fn analyzer_emits_sub_words_lowercase_and_joined_compounds() {
        let toks = analyze("中华人民共和国的Wi-Fi和MIUI，a:b");
        for expected in ["中华", "人民", "共和国", "wi", "fi", "wifi", "miui", "a", "b"] {
            assert!(toks.iter().any(|t| t == expected), "{expected} not in {toks:?}");
        }
        assert!(!toks.iter().any(|t| t == "，" || t == ":"), "{toks:?}");
    }

    #[test]
    fn query_terms_are_normalised() {
        assert_eq!(query_terms("Wi-Fi"), vec!["wifi"]);
        assert_eq!(query_terms("WIFI wifi"), vec!["wifi"]);
        assert_eq!(query_terms("a:b (c \"d"), vec!["a", "b", "c", "d"]);
        assert!(query_terms("  ,.;  ").is_empty());
        assert_eq!(query_terms("续航"), vec!["续航"]);
    }
}
