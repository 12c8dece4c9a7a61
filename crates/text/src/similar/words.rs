//! Word-level relevance: jieba words weighted by TF-IDF, compared by cosine.
//!
//! IDF comes from two sources, blended as pseudo-counts:
//!
//! * a *prior* per word: jieba's own IDF table (the one its TF-IDF keyword
//!   extractor ships, learned on a large general corpus; words it does not know get
//!   its median, 11.95). The prior alone is used by the corpus-free
//!   [`similarity`](super::similarity);
//! * the *document frequencies* of the indexed corpus, counted as documents are
//!   added to a [`SimilarIndex`](super::SimilarIndex) and removed from it.
//!
//! `idf(w) = ln((N + M) / (df(w) + M·e^(−prior(w))))` with `M` = [`PRIOR_DOCS`]: the
//! prior behaves as `M` imaginary documents, so the IDF equals the prior on an
//! empty index and moves to the corpus's own `ln(N / df)` as `N` grows past `M`.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::{LazyLock, RwLock};

use jieba_rs::{KeywordExtract, KeywordExtractConfig, TfIdf};

use super::hash::{MixMap, word_hash};
use super::normalize::is_cjk_ideograph;
use crate::segment::JIEBA;

/// Weight of the prior IDF, in documents.
pub const PRIOR_DOCS: f32 = 1_000.0;

/// jieba's IDF for words its table does not hold (the table's median).
const UNKNOWN_IDF: f32 = 11.954_767;

/// Words longer than this (bytes) are ignored (URLs, pasted hashes...).
const MAX_WORD_BYTES: usize = 64;

/// jieba's IDF table behind its keyword extractor, configured to return the IDF of
/// any single word (no stop words, no minimum length).
static PRIOR: LazyLock<TfIdf> = LazyLock::new(|| {
    let mut tfidf = TfIdf::default();
    *tfidf.config_mut() = KeywordExtractConfig::builder()
        .set_stop_words(BTreeSet::new())
        .min_keyword_length(1)
        .use_hmm(false)
        .build();
    tfidf
});

/// Loads jieba's dictionary and IDF table (about 0.1 s each) on two threads, so a
/// bulk job does not pay for them one after the other.
pub(crate) fn warm_up() {
    std::thread::scope(|scope| {
        scope.spawn(|| LazyLock::force(&PRIOR));
        LazyLock::force(&JIEBA);
    });
}

thread_local! {
    /// Per thread: word hash → `M·e^(−prior)` of the words already looked up.
    /// Cleared at [`PRIOR_CACHE_MAX`]. In front of [`SHARED_PRIOR`].
    static PRIOR_CACHE: RefCell<MixMap<u64, f32>> = RefCell::new(MixMap::default());
}
const PRIOR_CACHE_MAX: usize = 1 << 20;

/// The same for the whole process (a lookup segments and tags the word, a few µs,
/// and threads that live for one batch of work would otherwise start cold).
static SHARED_PRIOR: LazyLock<RwLock<MixMap<u64, f32>>> = LazyLock::new(RwLock::default);

/// `M·e^(−prior)` of a word (see [`prior_pseudo_df`]), cached by its hash.
pub(crate) fn cached_pseudo_df(hash: u64, word: &str) -> f32 {
    PRIOR_CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return shared_pseudo_df(hash, word);
        };
        if let Some(&v) = cache.get(&hash) {
            return v;
        }
        let v = shared_pseudo_df(hash, word);
        if cache.len() >= PRIOR_CACHE_MAX {
            cache.clear();
        }
        cache.insert(hash, v);
        v
    })
}

fn shared_pseudo_df(hash: u64, word: &str) -> f32 {
    if let Ok(shared) = SHARED_PRIOR.read()
        && let Some(&v) = shared.get(&hash)
    {
        return v;
    }
    let v = prior_pseudo_df(prior_idf(word));
    if let Ok(mut shared) = SHARED_PRIOR.write() {
        if shared.len() >= PRIOR_CACHE_MAX {
            shared.clear();
        }
        shared.insert(hash, v);
    }
    v
}

/// The prior IDF of one (folded) word: jieba's IDF table, or its median for
/// words the table does not hold.
pub(crate) fn prior_idf(word: &str) -> f32 {
    // One word, tf = 1 of 1: the keyword weight is the word's IDF, provided jieba
    // keeps the word in one piece.
    match PRIOR.extract_keywords(&JIEBA, word, 1, Vec::new()).first() {
        Some(k) if k.keyword == word => k.weight as f32,
        _ => UNKNOWN_IDF,
    }
}

/// `M·e^(−prior)`: the prior's share of the document frequency.
pub(crate) fn prior_pseudo_df(prior: f32) -> f32 {
    PRIOR_DOCS * (-prior).exp()
}

/// The blended IDF (see the module docs). Never below a small positive floor, so
/// a text made of stop words still has a direction.
#[inline]
pub(crate) fn idf(docs: usize, df: u32, pseudo_df: f32) -> f32 {
    (((docs as f32 + PRIOR_DOCS) / (df as f32 + pseudo_df)).ln()).max(0.05)
}

/// One distinct word of a text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WordTf {
    /// [`word_hash`] of the word: its identity.
    pub(crate) hash: u64,
    /// Term weight `1 + ln(count)`.
    pub(crate) tf: f32,
    /// `M·e^(−prior IDF)`.
    pub(crate) pseudo_df: f32,
}

/// The distinct words of a folded text with their term weights, sorted by hash.
/// jieba precise mode without HMM; tokens without a letter or digit are dropped.
pub(crate) fn term_weights(folded: &str) -> Vec<WordTf> {
    // HMM off: only dictionary words, so a phrase segments the same way whatever
    // surrounds it (with HMM, 很慢 is one word in one sentence and 很 / 慢 in the
    // next); unknown words fall apart into characters, which still match.
    let mut words: Vec<(u64, &str)> = JIEBA
        .cut(folded, false)
        .into_iter()
        .map(|t| t.word.trim())
        .filter(|w| {
            w.len() <= MAX_WORD_BYTES && w.chars().any(|c| is_cjk_ideograph(c) || c.is_alphanumeric())
        })
        .map(|w| (word_hash(w), w))
        .collect();
    words.sort_unstable_by_key(|&(h, _)| h);
    let mut out: Vec<WordTf> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let mut j = i + 1;
        while j < words.len() && words[j].0 == words[i].0 {
            j += 1;
        }
        let (hash, word) = words[i];
        out.push(WordTf { hash, tf: 1.0 + ((j - i) as f32).ln(), pseudo_df: cached_pseudo_df(hash, word) });
        i = j;
    }
    out
}

/// Cosine of two TF-IDF vectors given as `(word, tf, idf)` sorted by word.
pub(crate) fn cosine_sorted<K: Ord>(a: &[(K, f32, f32)], b: &[(K, f32, f32)]) -> f32 {
    let norm = |v: &[(K, f32, f32)]| v.iter().map(|(_, tf, idf)| (tf * idf) * (tf * idf)).sum::<f32>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    if na == 0.0 || nb == 0.0 {
        return if a.is_empty() && b.is_empty() { 1.0 } else { 0.0 };
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += (a[i].1 * a[i].2) * (b[j].1 * b[j].2);
                i += 1;
                j += 1;
            }
        }
    }
    (dot / (na * nb)).clamp(0.0, 1.0)
}

/// The words of an index, by hash: ids, prior pseudo document frequencies and
/// document frequencies.
#[derive(Debug, Default, Clone)]
pub(crate) struct Vocab {
    ids: MixMap<u64, u32>,
    /// Per word id: its hash.
    pub(crate) hash: Vec<u64>,
    /// Per word id: `M·e^(−prior)`.
    pub(crate) pseudo_df: Vec<f32>,
    /// Per word id: live documents containing the word.
    pub(crate) df: Vec<u32>,
}

impl Vocab {
    /// The id of a word, adding it if new.
    pub(crate) fn intern(&mut self, word: &WordTf) -> u32 {
        let next = self.pseudo_df.len() as u32;
        let id = *self.ids.entry(word.hash).or_insert(next);
        if id == next {
            self.hash.push(word.hash);
            self.pseudo_df.push(word.pseudo_df);
            self.df.push(0);
        }
        id
    }

    pub(crate) fn get(&self, hash: u64) -> Option<u32> {
        self.ids.get(&hash).copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.pseudo_df.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_idf_follows_jiebas_table() {
        let de = prior_idf("的");
        let battery = prior_idf("续航");
        assert!(de < 1.5, "的 {de}");
        assert!(battery > 8.0, "续航 {battery}");
        assert_eq!(prior_idf("zzqqxxyy"), UNKNOWN_IDF);
        // With no corpus, the blended IDF is the prior.
        assert!((idf(0, 0, prior_pseudo_df(battery)) - battery).abs() < 1e-3);
        // A word in every document of a large corpus weighs little.
        assert!(idf(100_000, 100_000, prior_pseudo_df(battery)) < 0.1);
    }

    #[test]
    fn term_weights_count_words() {
        let tw = term_weights("续航,续航 很差");
        let battery = tw.iter().find(|w| w.hash == word_hash("续航"));
        assert_eq!(battery.map(|w| w.tf), Some(1.0 + 2f32.ln()));
        assert_eq!(battery.map(|w| w.pseudo_df), Some(prior_pseudo_df(prior_idf("续航"))));
        assert!(tw.iter().all(|w| w.hash != word_hash(",")));
        assert!(tw.windows(2).all(|p| p[0].hash < p[1].hash));
        assert!(tw.len() >= 2 && tw.len() <= 3, "{tw:?}");
    }

    #[test]
    fn cosine_of_sorted_vectors() {
        let a = [("a", 1.0, 1.0), ("b", 1.0, 1.0)];
        let b = [("b", 1.0, 1.0), ("c", 1.0, 1.0)];
        assert!((cosine_sorted(&a, &b) - 0.5).abs() < 1e-6);
        assert!((cosine_sorted(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(cosine_sorted::<&str>(&[], &[]), 1.0);
        assert_eq!(cosine_sorted(&a, &[]), 0.0);
    }
}
