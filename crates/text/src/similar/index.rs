//! [`SimilarIndex`]: texts by id, queried for the most similar ones.

use super::Scores;
use super::hash::MixMap;
use super::lcs::LcsPattern;
use super::minhash::{self, BANDS};
use super::normalize;
use super::words::{self, Vocab};
use super::{Prepared, SHORT_SHINGLES, prior_vector_of};

/// Words per text entered in the word inverted index (its highest TF-IDF words).
const TOP_WORDS: usize = 4;
/// A query word whose posting list is longer than this is not used to find
/// candidates (it is too common to point at similar texts; LSH still finds
/// near-duplicates that contain it).
const MAX_POSTINGS: usize = 512;
/// Queries with a minimum score above this look for near-duplicates only (see
/// [`SimilarIndex::query_min`]).
pub(crate) const NEAR_DUPLICATE_MIN: f32 = 0.3;
/// At most this many texts are taken from one LSH bucket (newest first). A bucket
/// this full holds near-identical texts, so any of them links a duplicate group.
const MAX_BUCKET: usize = 256;
/// Compact when more than this many slots are dead and they outnumber the live ones.
const COMPACT_MIN_DEAD: usize = 1_024;

/// One indexed text.
#[derive(Debug, Clone)]
struct Doc {
    id: i64,
    /// The normalised text.
    norm: Box<str>,
    /// The shingle set (sorted, distinct 32-bit 3-gram hashes).
    shingles: Box<[u32]>,
    /// Word ids with term weights, sorted by id.
    words: Box<[(u32, f32)]>,
    /// The folded text, when its words are left to be computed on demand (see
    /// [`SimilarIndex::words_on_demand`]).
    folded: Option<Box<str>>,
}

/// An in-memory index of texts by id for similar-text queries and near-duplicate
/// detection.
///
/// Each text costs its normalised form (3 bytes per CJK character), its 3-gram
/// set (4 bytes per distinct 3-gram), its word ids (8 bytes per distinct word),
/// 32 LSH entries (about 14 bytes each) and up to four word postings: about 1 KB
/// for a 45-character review (200,000 of them: about 270 MB resident with the
/// dedup pipeline, 145 MB characters-only).
///
/// Not internally synchronised: share it behind a lock (`query` takes `&self`, so
/// queries can run concurrently under a read lock).
#[derive(Debug, Default, Clone)]
pub struct SimilarIndex {
    /// By slot; `None` once removed.
    docs: Vec<Option<Doc>>,
    slot_of: MixMap<i64, u32>,
    /// The LSH buckets of each band.
    bands: Vec<Band>,
    vocab: Vocab,
    /// Word id → slots having that word among their top words, oldest first.
    postings: Vec<Vec<u32>>,
    /// By slot: number of normalised characters and of distinct 3-grams (saturated
    /// at `u16::MAX`), to rule candidates out by length without touching them.
    sizes: Vec<(u16, u16)>,
    live: usize,
    /// Characters only: no words (no jieba), the combined score is
    /// `max(jaccard, sequence²)`.
    chars_only: bool,
    /// Words only where they matter, IDF from jieba's table alone (see
    /// [`SimilarIndex::words_on_demand`]).
    words_on_demand: bool,
}

/// The LSH buckets of one band: each bucket is a list of slots, newest first,
/// threaded through `next`.
#[derive(Debug, Default, Clone)]
struct Band {
    /// Key → newest slot + 1.
    heads: MixMap<u32, u32>,
    /// Slot → next (older) slot + 1 in the same bucket, 0 at the end.
    next: Vec<u32>,
}

impl Band {
    /// Adds `slot` (the next one) under `key`; appends to `recent` the slots
    /// `>= since` already in that bucket.
    #[inline]
    fn push(&mut self, key: u32, slot: u32, since: u32, recent: &mut Vec<u32>) {
        debug_assert_eq!(self.next.len(), slot as usize);
        let previous = self.heads.insert(key, slot + 1).unwrap_or(0);
        self.next.push(previous);
        let mut cur = previous;
        while cur != 0 && cur > since {
            recent.push(cur - 1);
            cur = self.next[cur as usize - 1];
        }
    }

    /// The slots under `key`, newest first, at most [`MAX_BUCKET`].
    #[inline]
    fn bucket(&self, key: u32, out: &mut Vec<u32>) {
        let mut cur = self.heads.get(&key).copied().unwrap_or(0);
        let mut taken = 0;
        while cur != 0 && taken < MAX_BUCKET {
            out.push(cur - 1);
            taken += 1;
            cur = self.next[cur as usize - 1];
        }
    }
}

/// A query's word vector: `(word id, tf, idf)` sorted by id; words the index has
/// never seen get ids from `u32::MAX` down (they only add to the norm).
type QueryVector = Vec<(u32, f32, f32)>;

/// A query's features against the current index.
struct Query<'p> {
    p: &'p Prepared,
    vector: QueryVector,
    /// Built on first use (many queries have no candidate).
    pattern: Option<LcsPattern>,
    /// The words as `(hash, tf, prior IDF)` sorted by hash, built on first use
    /// ([`SimilarIndex::words_on_demand`] only).
    prior: Option<Vec<(u64, f32, f32)>>,
}

impl SimilarIndex {
    /// An empty index.
    pub fn new() -> Self {
        SimilarIndex { bands: vec![Band::default(); BANDS], ..Default::default() }
    }

    /// An empty index that compares characters only: 3-gram Jaccard and the LCS
    /// ratio, no jieba words. Several times cheaper per text; it finds near-identical
    /// texts but not the same words in another order.
    pub fn chars_only() -> Self {
        SimilarIndex { chars_only: true, ..SimilarIndex::new() }
    }

    /// An empty index for near-duplicate detection only (every query with a minimum
    /// score above [`NEAR_DUPLICATE_MIN`]), which segments words only where they
    /// matter there:
    ///
    /// * texts of at most `SHORT_SHINGLES` distinct 3-grams, on insertion: they look
    ///   for near-duplicates through the word index too (a few edits remove most of
    ///   a short text's 3-grams);
    /// * longer texts only when a comparison with a candidate cannot be decided by
    ///   the characters alone, i.e. when the LCS ratio is at least the minimum but its
    ///   square and the 3-gram Jaccard are below it (the words can then lift the
    ///   score to the minimum, see [`Scores::combined`]).
    ///
    /// Word IDF is jieba's table alone, as for [`similarity`](super::similarity):
    /// the corpus's document frequencies would need every text segmented. The score
    /// of a pair is then [`similarity`](super::similarity) of the two texts, whatever
    /// else is indexed; a hit reports the character part of the score when that alone
    /// reaches the minimum.
    pub(crate) fn words_on_demand() -> Self {
        SimilarIndex { words_on_demand: true, ..SimilarIndex::new() }
    }

    /// True if this index compares characters only (see [`chars_only`](Self::chars_only)).
    pub fn is_chars_only(&self) -> bool {
        self.chars_only
    }

    /// Prepares a text the way this index compares texts.
    pub(crate) fn prepare(&self, text: &str) -> Prepared {
        if self.chars_only {
            Prepared::chars_only(text)
        } else if self.words_on_demand {
            Prepared::short_words(text)
        } else {
            Prepared::new(text)
        }
    }

    /// Number of texts in the index.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True if the index holds no text.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// True if a text with this id is indexed.
    pub fn contains(&self, id: i64) -> bool {
        self.slot_of.contains_key(&id)
    }

    /// Adds (or replaces) the text of `id`. A text with no letter or digit is not
    /// indexed (it is similar to nothing); it still replaces an earlier text of `id`.
    pub fn insert(&mut self, id: i64, text: &str) {
        self.insert_prepared(id, self.prepare(text));
    }

    /// Removes the text of `id`; false if there was none.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(slot) = self.slot_of.remove(&id) else {
            return false;
        };
        if let Some(doc) = self.docs[slot as usize].take() {
            for &(w, _) in doc.words.iter() {
                let df = &mut self.vocab.df[w as usize];
                *df = df.saturating_sub(1);
            }
            self.live -= 1;
        }
        let dead = self.docs.len() - self.live;
        if dead > COMPACT_MIN_DEAD && dead > self.live {
            self.compact();
        }
        true
    }

    /// The texts most similar to `text`: up to `limit` `(id, score)` pairs with a
    /// combined score above 0, best first (ties by id). Candidates come from the LSH
    /// buckets and from the word index, so this finds near-duplicates and texts
    /// sharing rare words; it is not an exhaustive scan.
    pub fn query(&self, text: &str, limit: usize) -> Vec<(i64, f32)> {
        self.query_min(text, limit, f32::MIN_POSITIVE)
    }

    /// Like [`query`](Self::query), keeping only scores `>= min_score`. With
    /// `min_score` above 0.3 (near-duplicate search) the word index is used only
    /// for short texts (at most 32 distinct 3-grams, where LSH is weak) and a
    /// candidate must share all but one of the top words: several times cheaper,
    /// and what such a threshold needs.
    pub fn query_min(&self, text: &str, limit: usize, min_score: f32) -> Vec<(i64, f32)> {
        let mut hits = self.query_prepared(&self.prepare(text), min_score);
        hits.truncate(limit);
        hits
    }

    /// The three measures of `text` against each candidate, unsorted (for
    /// diagnostics and tuning).
    pub fn query_scores(&self, text: &str) -> Vec<(i64, Scores)> {
        let p = self.prepare(text);
        if p.is_empty() {
            return Vec::new();
        }
        let mut q = self.prepare_query(&p);
        let mut scratch = Scratch::default();
        self.candidates(&q, 0.0)
            .into_iter()
            .filter_map(|slot| {
                let doc = self.docs[slot as usize].as_ref()?;
                Some((doc.id, self.score(&mut q, doc, &mut scratch)))
            })
            .collect()
    }

    /// All hits with a combined score `>= min_score`, best first.
    pub(crate) fn query_prepared(&self, p: &Prepared, min_score: f32) -> Vec<(i64, f32)> {
        self.query_prepared_from(p, min_score, None)
    }

    /// The LSH candidates of each text of `batch` (what `candidates` finds in the
    /// LSH buckets), appended to `out[i]`. Looked up band by band: one band's table
    /// at a time stays in the caches and the TLB for the whole batch.
    pub(crate) fn lsh_candidates_batch(&self, batch: &[Prepared], out: &mut [Vec<u32>]) {
        for (b, band) in self.bands.iter().enumerate() {
            for (p, out) in batch.iter().zip(out.iter_mut()) {
                if let Some(keys) = &p.bands {
                    band.bucket(keys[b], out);
                }
            }
        }
    }

    /// [`query_prepared`](Self::query_prepared), with the LSH candidates already
    /// looked up (`lsh_candidates_batch`) when `lsh` is given.
    pub(crate) fn query_prepared_from(
        &self,
        p: &Prepared,
        min_score: f32,
        lsh: Option<Vec<u32>>,
    ) -> Vec<(i64, f32)> {
        if p.is_empty() || self.live == 0 {
            return Vec::new();
        }
        let mut q = self.prepare_query(p);
        let candidates = match lsh {
            Some(lsh) => self.word_candidates(&q, min_score, lsh),
            None => self.candidates(&q, min_score),
        };
        let mut scratch = Scratch::default();
        let (chars, shingles) = (saturate(p.chars.len()), saturate(p.shingles.len()));
        let mut hits: Vec<(i64, f32)> = candidates
            .into_iter()
            .filter_map(|slot| {
                let (c, sh) = self.sizes[slot as usize];
                if sequence_bound(chars, c) < min_score && jaccard_bound(shingles, sh) < min_score {
                    return None;
                }
                let doc = self.docs[slot as usize].as_ref()?;
                let s = self.score_at_least(&mut q, doc, &mut scratch, min_score)?;
                Some((doc.id, s))
            })
            .collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// The id of the text in `slot`, if live.
    pub(crate) fn id_of(&self, slot: u32) -> Option<i64> {
        self.docs.get(slot as usize)?.as_ref().map(|d| d.id)
    }

    /// Number of slots used so far (live or dead); the next insert takes this one.
    pub(crate) fn next_slot(&self) -> u32 {
        self.docs.len() as u32
    }

    pub(crate) fn insert_prepared(&mut self, id: i64, p: Prepared) {
        self.insert_collecting(id, p, u32::MAX, &mut Vec::new());
    }

    /// Inserts, and appends to `recent` the slots `>= since` that share an LSH
    /// bucket or the top words with the new text (the candidates the text would
    /// have found among them; unsorted, possibly repeated). Returns the new slot,
    /// or `None` if the text was empty (not indexed).
    pub(crate) fn insert_collecting(
        &mut self,
        id: i64,
        p: Prepared,
        since: u32,
        recent: &mut Vec<u32>,
    ) -> Option<u32> {
        let (slot, bands) = self.add_doc(id, p)?;
        self.link(slot, &bands, since, recent);
        Some(slot)
    }

    /// Inserts a batch of texts (empty ones are skipped), entering them in the LSH
    /// bands on up to `threads` threads (the bands are independent tables) while
    /// this thread does the word postings. Returns the pairs `(slot, older slot)`
    /// of the batch that met in an LSH bucket or in the word postings (unsorted,
    /// repeated): the candidates the texts would have found among each other.
    pub(crate) fn insert_batch(&mut self, items: Vec<(i64, Prepared)>, threads: usize) -> Vec<(u32, u32)> {
        let since = self.next_slot();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut keyed: Vec<(u32, [u32; BANDS])> = Vec::with_capacity(items.len());
        for (id, p) in items {
            if let Some(entry) = self.add_doc(id, p) {
                keyed.push(entry);
            }
        }
        let per = BANDS.div_ceil(threads.clamp(1, BANDS));
        let keyed = &keyed;
        // Band by band: one band's table at a time stays in the caches and the TLB
        // for the whole batch, where visiting every band for each text in turn
        // touches a page of each table per text.
        let link_group = move |first: usize, group: &mut [Band]| -> Vec<(u32, u32)> {
            let mut found = Vec::new();
            let mut recent = Vec::new();
            for (b, band) in group.iter_mut().enumerate() {
                for (slot, keys) in keyed {
                    recent.clear();
                    band.push(keys[first + b], *slot, since, &mut recent);
                    found.extend(recent.iter().map(|&other| (*slot, other)));
                }
            }
            found
        };
        // The bands on their own threads, the words on this one.
        let docs_for_idf = (!self.words_on_demand).then_some(self.live);
        let SimilarIndex { bands, postings, vocab, docs, .. } = self;
        std::thread::scope(|scope| {
            let handles: Vec<_> = bands
                .chunks_mut(per)
                .enumerate()
                .map(|(g, group)| scope.spawn(move || link_group(g * per, group)))
                .collect();
            let mut recent = Vec::new();
            for (slot, _) in keyed {
                recent.clear();
                link_words(postings, vocab, docs, docs_for_idf, *slot, since, &mut recent);
                pairs.extend(recent.iter().map(|&other| (*slot, other)));
            }
            for handle in handles {
                pairs.extend(handle.join().unwrap_or_default());
            }
        });
        pairs
    }

    /// Adds a text to `docs` and the vocabulary (not yet to the LSH bands or the
    /// postings): its slot and band keys, or `None` for an empty text.
    fn add_doc(&mut self, id: i64, p: Prepared) -> Option<(u32, [u32; BANDS])> {
        self.remove(id);
        let bands = p.bands?;
        let slot = self.docs.len() as u32;
        let mut word_ids: Vec<(u32, f32)> = p.words.iter().map(|w| (self.vocab.intern(w), w.tf)).collect();
        word_ids.sort_unstable_by_key(|&(w, _)| w);
        for &(w, _) in &word_ids {
            self.vocab.df[w as usize] += 1;
        }
        self.sizes.push((saturate(p.chars.len()), saturate(p.shingles.len())));
        self.docs.push(Some(Doc {
            id,
            norm: p.norm.into_boxed_str(),
            shingles: p.shingles.into_boxed_slice(),
            words: word_ids.into_boxed_slice(),
            folded: p.folded,
        }));
        self.slot_of.insert(id, slot);
        self.live += 1;
        Some((slot, bands))
    }

    /// Enters `slot` (already in `docs`) in the LSH tables and the word postings,
    /// collecting the slots `>= since` it meets there (see `insert_collecting`).
    fn link(&mut self, slot: u32, bands: &[u32; BANDS], since: u32, recent: &mut Vec<u32>) {
        for (band, &key) in self.bands.iter_mut().zip(bands.iter()) {
            band.push(key, slot, since, recent);
        }
        self.link_words(slot, since, recent);
    }

    /// Enters `slot` in the postings of its top words, collecting the slots
    /// `>= since` sharing them (for short texts; see `candidates`).
    fn link_words(&mut self, slot: u32, since: u32, recent: &mut Vec<u32>) {
        let prior_only = self.words_on_demand;
        let SimilarIndex { postings, vocab, docs, live, .. } = self;
        link_words(postings, vocab, docs, (!prior_only).then_some(*live), slot, since, recent);
    }

    /// Rebuilds slots, LSH tables and postings from the live documents.
    fn compact(&mut self) {
        let docs: Vec<Doc> = std::mem::take(&mut self.docs).into_iter().flatten().collect();
        self.slot_of.clear();
        self.sizes.clear();
        self.bands = vec![Band::default(); BANDS];
        self.postings.clear();
        let mut chars = Vec::new();
        let mut hashes = Vec::new();
        for (slot, doc) in docs.into_iter().enumerate() {
            chars.clear();
            chars.extend(doc.norm.chars());
            normalize::shingle_hashes(&chars, &mut hashes);
            let bands = minhash::band_keys(&minhash::signature(&hashes));
            self.slot_of.insert(doc.id, slot as u32);
            self.sizes.push((saturate(chars.len()), saturate(doc.shingles.len())));
            self.docs.push(Some(doc));
            self.link(slot as u32, &bands, u32::MAX, &mut Vec::new());
        }
    }

    fn prepare_query<'p>(&self, p: &'p Prepared) -> Query<'p> {
        let n = if self.words_on_demand { 0 } else { self.live };
        let mut unknown = u32::MAX;
        let mut vector: QueryVector = p
            .words
            .iter()
            .map(|w| match self.vocab.get(w.hash) {
                Some(id) => (id, w.tf, self.word_idf(id)),
                None => {
                    unknown -= 1;
                    (unknown, w.tf, words::idf(n, 0, w.pseudo_df))
                }
            })
            .collect();
        vector.sort_unstable_by_key(|&(w, _, _)| w);
        Query { p, vector, pattern: None, prior: None }
    }

    /// The IDF of an indexed word: blended with the corpus's document frequencies,
    /// or jieba's alone ([`words_on_demand`](Self::words_on_demand)).
    #[inline]
    fn word_idf(&self, w: u32) -> f32 {
        let pseudo_df = self.vocab.pseudo_df[w as usize];
        if self.words_on_demand {
            words::idf(0, 0, pseudo_df)
        } else {
            words::idf(self.live, self.vocab.df[w as usize], pseudo_df)
        }
    }

    /// The words of an indexed text as `(hash, tf, prior IDF)` sorted by hash,
    /// segmenting it now if that was left for later.
    fn doc_prior_vector(&self, doc: &Doc) -> Vec<(u64, f32, f32)> {
        if let Some(folded) = &doc.folded {
            return prior_vector_of(&words::term_weights(folded));
        }
        let mut v: Vec<(u64, f32, f32)> = doc
            .words
            .iter()
            .map(|&(w, tf)| {
                (self.vocab.hash[w as usize], tf, words::idf(0, 0, self.vocab.pseudo_df[w as usize]))
            })
            .collect();
        v.sort_unstable_by_key(|e| e.0);
        v
    }

    /// Candidate slots (distinct, live or dead) for a non-empty text: its LSH
    /// buckets, and texts sharing two of its top words. When only high scores are
    /// wanted (`min_score > 0.3`, near-duplicate detection) all but one of the top
    /// words must be shared (a text sharing half of the rare words is related, not a
    /// duplicate), and only texts of at most [`SHORT_SHINGLES`] 3-grams use words.
    fn candidates(&self, q: &Query<'_>, min_score: f32) -> Vec<u32> {
        let mut out = Vec::new();
        if let Some(bands) = &q.p.bands {
            for (band, &key) in self.bands.iter().zip(bands.iter()) {
                band.bucket(key, &mut out);
            }
        }
        self.word_candidates(q, min_score, out)
    }

    /// `candidates` after the LSH buckets (`out`): adds the texts found through the
    /// word index, then sorts and de-duplicates.
    fn word_candidates(&self, q: &Query<'_>, min_score: f32, mut out: Vec<u32>) -> Vec<u32> {
        // Near-duplicates of longer texts share enough 3-grams for LSH; the word
        // index is needed for short ones (a few edits remove most of their 3-grams)
        // and for related texts.
        let near_duplicates_only = min_score > NEAR_DUPLICATE_MIN;
        if near_duplicates_only && q.p.shingles.len() > SHORT_SHINGLES {
            out.sort_unstable();
            out.dedup();
            return out;
        }
        // The query's top words (by TF-IDF) that are rare enough to point at similar
        // texts. Only the best few are looked at: each look is a cache miss.
        let mut ranked: Vec<(f32, u32)> = q.vector.iter().map(|&(w, tf, idf)| (tf * idf, w)).collect();
        ranked.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let top: Vec<(f32, u32)> = ranked
            .into_iter()
            .take(2 * TOP_WORDS)
            .filter(|&(_, w)| {
                self.postings
                    .get(w as usize)
                    .is_some_and(|list| !list.is_empty() && list.len() <= MAX_POSTINGS)
            })
            .take(TOP_WORDS)
            .collect();
        if !top.is_empty() {
            let need =
                if near_duplicates_only { top.len().saturating_sub(1).max(2) } else { 2 }.min(top.len());
            let lists: Vec<&[u32]> = top.iter().map(|&(_, w)| self.postings[w as usize].as_slice()).collect();
            merge_counted(&lists, need, &mut out);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The combined score if it is `>= min`, else `None`. Measures are computed
    /// cheapest first and the rest skipped once the answer is known: the combined
    /// score is `max(jaccard, sequence², words·sequence)`, so with `sequence < min`
    /// and `sequence² < min` the words cannot lift it to `min`.
    fn score_at_least(&self, q: &mut Query<'_>, doc: &Doc, s: &mut Scratch, min: f32) -> Option<f32> {
        let jaccard = normalize::jaccard_sorted(&q.p.shingles, &doc.shingles);
        let pattern = q.pattern.get_or_insert_with(|| LcsPattern::new(&q.p.chars));
        s.chars.clear();
        s.chars.extend(doc.norm.chars());
        let sequence = pattern.ratio(&s.chars, &mut s.lcs);
        if jaccard.max(sequence) < min {
            return None;
        }
        if self.words_on_demand {
            let characters = jaccard.max(sequence * sequence);
            if characters >= min {
                return Some(characters);
            }
        }
        let words = self.words_measure(q, doc, s);
        let combined = super::combine(jaccard, sequence, words);
        (combined >= min).then_some(combined)
    }

    /// The words measure of a query and an indexed text.
    fn words_measure(&self, q: &mut Query<'_>, doc: &Doc, s: &mut Scratch) -> f32 {
        if self.chars_only {
            return 0.0;
        }
        if self.words_on_demand {
            let p = q.p;
            let query = q.prior.get_or_insert_with(|| p.prior_vector());
            return words::cosine_sorted(query, &self.doc_prior_vector(doc));
        }
        self.cosine(&q.vector, doc, s)
    }

    fn cosine(&self, vector: &QueryVector, doc: &Doc, s: &mut Scratch) -> f32 {
        if self.chars_only {
            return 0.0;
        }
        s.vector.clear();
        s.vector.extend(doc.words.iter().map(|&(w, tf)| (w, tf, self.word_idf(w))));
        words::cosine_sorted(vector, &s.vector)
    }

    fn score(&self, q: &mut Query<'_>, doc: &Doc, s: &mut Scratch) -> Scores {
        let pattern = q.pattern.get_or_insert_with(|| LcsPattern::new(&q.p.chars));
        s.chars.clear();
        s.chars.extend(doc.norm.chars());
        let sequence = pattern.ratio(&s.chars, &mut s.lcs);
        Scores {
            jaccard: normalize::jaccard_sorted(&q.p.shingles, &doc.shingles),
            sequence,
            words: self.words_measure(q, doc, s),
        }
    }

    /// The id of the text in slot `b` and its combined score with the text in slot
    /// `a`, if both are live and the score is at least `min` (like
    /// `score_at_least`, the score reported by a [`words_on_demand`](Self::words_on_demand)
    /// index may be the character part alone).
    pub(crate) fn score_slots(&self, a: u32, b: u32, min: f32) -> Option<(i64, f32)> {
        let da = self.docs.get(a as usize)?.as_ref()?;
        let db = self.docs.get(b as usize)?.as_ref()?;
        let chars: Vec<char> = da.norm.chars().collect();
        let mut scratch = Scratch::default();
        scratch.chars.extend(db.norm.chars());
        let sequence = LcsPattern::new(&chars).ratio(&scratch.chars, &mut scratch.lcs);
        let jaccard = normalize::jaccard_sorted(&da.shingles, &db.shingles);
        // The combined score is at most max(jaccard, sequence) (see `score_at_least`).
        if jaccard.max(sequence) < min {
            return None;
        }
        let words = if self.words_on_demand {
            let characters = jaccard.max(sequence * sequence);
            if characters >= min {
                return Some((db.id, characters));
            }
            words::cosine_sorted(&self.doc_prior_vector(da), &self.doc_prior_vector(db))
        } else {
            let vector: QueryVector = da.words.iter().map(|&(w, tf)| (w, tf, self.word_idf(w))).collect();
            self.cosine(&vector, db, &mut scratch)
        };
        let combined = super::combine(jaccard, sequence, words);
        (combined >= min).then_some((db.id, combined))
    }
}

/// [`SimilarIndex::link_words`] on the fields it needs, so that it can run beside
/// the band linking of [`SimilarIndex::insert_batch`].
fn link_words(
    postings: &mut Vec<Vec<u32>>,
    vocab: &Vocab,
    docs: &[Option<Doc>],
    docs_for_idf: Option<usize>,
    slot: u32,
    since: u32,
    recent: &mut Vec<u32>,
) {
    let Some(doc) = docs.get(slot as usize).and_then(Option::as_ref) else {
        return;
    };
    let mut top: Vec<(f32, u32)> = doc
        .words
        .iter()
        .map(|&(w, tf)| {
            let (live, df) = docs_for_idf.map_or((0, 0), |live| (live, vocab.df[w as usize]));
            (tf * words::idf(live, df, vocab.pseudo_df[w as usize]), w)
        })
        .collect();
    top.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    top.truncate(TOP_WORDS);
    if postings.len() < vocab.len() {
        postings.resize_with(vocab.len(), Vec::new);
    }
    for &(_, w) in &top {
        postings[w as usize].push(slot);
    }
    if since != u32::MAX && !top.is_empty() && doc.shingles.len() <= SHORT_SHINGLES {
        // The postings' tails from `since` on, without the new slot itself.
        let tails: Vec<&[u32]> = top
            .iter()
            .map(|&(_, w)| {
                let list = &postings[w as usize];
                let list = &list[..list.len() - 1];
                if list.len() > MAX_POSTINGS {
                    return &list[list.len()..];
                }
                &list[list.partition_point(|&s| s < since)..]
            })
            .collect();
        let need = top.len().saturating_sub(1).max(2).min(top.len());
        merge_counted(&tails, need, recent);
    }
}

fn saturate(n: usize) -> u16 {
    n.min(u16::MAX as usize) as u16
}

/// The most the LCS ratio of sequences of lengths `a` and `b` can be: `2·min / (a + b)`.
fn sequence_bound(a: u16, b: u16) -> f32 {
    let sum = f32::from(a) + f32::from(b);
    if sum == 0.0 { 1.0 } else { 2.0 * f32::from(a.min(b)) / sum }
}

/// The most the Jaccard similarity of sets of sizes `a` and `b` can be: `min / max`.
fn jaccard_bound(a: u16, b: u16) -> f32 {
    if a.max(b) == 0 { 1.0 } else { f32::from(a.min(b)) / f32::from(a.max(b)) }
}

/// Appends to `out` each value found in at least `need` of the ascending `lists`.
/// The longest list is not merged: a value needs `need − 1` of the others and is
/// then looked up in it by binary search (it is typically most of the volume).
fn merge_counted(lists: &[&[u32]], need: usize, out: &mut Vec<u32>) {
    if need == 0 || lists.is_empty() {
        return;
    }
    let longest = (0..lists.len()).max_by_key(|&i| lists[i].len()).unwrap_or(0);
    let (rest, need_rest, check): (Vec<&[u32]>, usize, Option<&[u32]>) = if need >= 2 {
        let rest = lists.iter().enumerate().filter(|&(i, _)| i != longest).map(|(_, l)| *l).collect();
        (rest, need - 1, Some(lists[longest]))
    } else {
        (lists.to_vec(), need, None)
    };
    let mut heads = [0usize; TOP_WORDS];
    debug_assert!(rest.len() <= TOP_WORDS);
    let n = rest.len().min(heads.len());
    loop {
        let mut min = u32::MAX;
        for i in 0..n {
            if let Some(&v) = rest[i].get(heads[i]) {
                min = min.min(v);
            }
        }
        if min == u32::MAX {
            break;
        }
        let mut count = 0;
        for i in 0..n {
            if rest[i].get(heads[i]) == Some(&min) {
                count += 1;
                heads[i] += 1;
            }
        }
        if count >= need_rest {
            let in_check = check.is_some_and(|l| l.binary_search(&min).is_ok());
            if count + usize::from(in_check) >= need {
                out.push(min);
            }
        }
    }
}

/// Buffers reused while scoring the candidates of one query.
#[derive(Default)]
struct Scratch {
    chars: Vec<char>,
    vector: Vec<(u32, f32, f32)>,
    lcs: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_counted_matches_counting() {
        let lists: [&[u32]; 4] = [&[1, 3, 5, 7, 9], &[3, 4, 5, 9], &[5, 9, 11], &[0, 3, 9, 11, 12, 13]];
        let naive = |need: usize| -> Vec<u32> {
            (0..20).filter(|v| lists.iter().filter(|l| l.contains(v)).count() >= need).collect()
        };
        for need in 1..=4 {
            let mut out = Vec::new();
            merge_counted(&lists, need, &mut out);
            out.sort_unstable();
            out.dedup();
            assert_eq!(out, naive(need), "need {need}");
        }
        let mut out = Vec::new();
        merge_counted(&[], 2, &mut out);
        merge_counted(&lists, 0, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn batch_insert_equals_one_by_one() {
        let texts: Vec<String> = (0..300)
            .map(|i| match i % 3 {
                0 => format!("第{i}条：手机续航很差，充电也很慢，希望第{}版修复", i / 3),
                1 => format!("第{i}条：屏幕色彩偏黄，夜间模式太亮，第{}批", i / 3),
                _ => format!("物流很快，包装完好，编号{}", i * 7919 % 1000),
            })
            .collect();
        let mut one = SimilarIndex::new();
        for (i, t) in texts.iter().enumerate() {
            one.insert(i as i64, t);
        }
        let mut batch = SimilarIndex::new();
        let mut pairs = Vec::new();
        for (c, chunk) in texts.chunks(128).enumerate() {
            let items =
                chunk.iter().enumerate().map(|(i, t)| ((c * 128 + i) as i64, Prepared::new(t))).collect();
            pairs.extend(batch.insert_batch(items, 3));
        }
        assert_eq!(batch.len(), one.len());
        assert!(pairs.iter().all(|&(a, b)| b < a && a / 128 == b / 128), "pairs stay inside a batch");
        assert!(!pairs.is_empty());
        for probe in ["第30条：手机续航很差，充电也很慢，希望第10版修复", "物流很快，包装完好，编号7"]
        {
            let mut a = one.query(probe, 10);
            let mut b = batch.query(probe, 10);
            a.sort_by_key(|h| h.0);
            b.sort_by_key(|h| h.0);
            assert_eq!(a.iter().map(|h| h.0).collect::<Vec<_>>(), b.iter().map(|h| h.0).collect::<Vec<_>>());
        }
    }

    #[test]
    fn chars_only_ignores_words() {
        let mut index = SimilarIndex::chars_only();
        assert!(index.is_chars_only());
        index.insert(1, "希望增加夜间模式和护眼模式");
        index.insert(2, "物流很快，包装也很好，第二天就收到了");
        let hits = index.query("物流很快，包装也很好，第二天收到了", 5);
        assert_eq!(hits.first().map(|h| h.0), Some(2));
        let scores = index.query_scores("护眼模式和夜间模式希望能增加");
        assert!(scores.iter().all(|(_, s)| s.words == 0.0), "{scores:?}");
        assert_eq!(index.vocab.len(), 0, "no words are kept");
    }

    #[test]
    fn words_on_demand_scores_as_similarity() {
        let texts = [
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量，充电速度也很快",
            "物流很快，包装也很好",
            "屏幕显示效果一般，色彩偏黄，希望下个版本能改进，夜间模式也太亮了一些",
            "酒店位置不错，离地铁站很近，早餐种类也多",
        ];
        let mut index = SimilarIndex::words_on_demand();
        for (i, t) in texts.iter().enumerate() {
            index.insert(i as i64, t);
        }
        // Short texts are segmented on insertion, longer ones keep their folded text.
        let short = index.docs[1].as_ref().map(|d| (d.words.len(), d.folded.is_some()));
        assert!(matches!(short, Some((n, false)) if n > 0), "{short:?}");
        let long = index.docs[0].as_ref().map(|d| (d.words.len(), d.folded.is_some()));
        assert_eq!(long, Some((0, true)));
        let probes = [
            "这款手机的续航能力非常强，一天重度使用下来还剩百分之二十的电量，充电速度也挺快",
            "物流很快包装很好！",
            "夜间模式也太亮了一些，色彩偏黄，屏幕显示效果一般，希望下个版本能改进",
            "酒店离地铁站很近",
        ];
        for probe in probes {
            let hits = index.query_min(probe, 10, 0.5);
            for (id, score) in &hits {
                let exact = crate::similar::similarity(probe, texts[*id as usize]);
                assert!(exact >= 0.5 && *score <= exact + 1e-5, "{probe} / {id}: {score} vs {exact}");
            }
            for (id, text) in texts.iter().enumerate() {
                if crate::similar::similarity(probe, text) >= 0.5 {
                    assert!(hits.iter().any(|h| h.0 == id as i64), "{probe} should find {text}: {hits:?}");
                }
            }
        }
        let found = index.query_min(probes[2], 10, 0.5);
        assert_eq!(found.first().map(|h| h.0), Some(2), "reordered clauses: {found:?}");
        // The words of long texts, segmented on demand, are those `scores` compares.
        for (probe, id) in [(probes[0], 0usize), (probes[1], 1)] {
            let scored = index.query_scores(probe);
            let got = scored.iter().find(|(i, _)| *i == id as i64).map(|(_, s)| *s);
            let exact = crate::similar::scores(probe, texts[id]);
            let got = got.unwrap_or_else(|| panic!("{probe}: {scored:?}"));
            assert!((got.words - exact.words).abs() < 1e-5, "{got:?} vs {exact:?}");
            assert!(
                (got.sequence - exact.sequence).abs() < 1e-6 && (got.jaccard - exact.jaccard).abs() < 1e-6
            );
        }
    }

    #[test]
    fn bounds() {
        assert_eq!(sequence_bound(10, 10), 1.0);
        assert_eq!(sequence_bound(10, 30), 0.5);
        assert_eq!(jaccard_bound(10, 40), 0.25);
        assert_eq!(jaccard_bound(0, 0), 1.0);
    }
}
