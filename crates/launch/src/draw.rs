//! Provably fair draws (抽签): commit to a secret seed, freeze the entries, draw, reveal.
//!
//! 1. Before the wave opens canyu generates a [`Seed`] and publishes its [`commitment`]
//!    (SHA-256 of the seed).
//! 2. Fans enter during the window. At close the entries are frozen as an [`EntryList`]
//!    (sorted by UTF-8 bytes, no duplicates) and [`EntryList::hash`] is published.
//! 3. The winners are [`draw_winners`]: a partial Fisher–Yates shuffle driven by
//!    `SHA-256(seed || entries_hash || counter)`, with rejection sampling (no modulo bias).
//! 4. The seed is revealed; anyone can [`verify`] a [`PublishedDraw`].
//!
//! `docs/draw.md` specifies the algorithm byte by byte, with a Python reference
//! implementation that the tests run against this one.
//!
//! Why both inputs feed the shuffle: the seed alone is fixed before any entry exists, so fans
//! cannot steer it; but canyu knows the seed all along, and could then reorder the entries to
//! place a favourite where the seed's shuffle picks. Sorting the entries canonically removes
//! the reordering, and hashing the entry list into the stream means any entry added or removed
//! after publication changes every winner, so the published entries hash pins the one list the
//! draw is over. What no commit–reveal by one party prevents is canyu adding fake entries
//! before close; the entry list is published so fans can check they are in it and count it.

use rand::TryRngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bytes in a seed.
pub const SEED_LEN: usize = 32;

/// Errors of draws and of their verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    /// The operating system gave no randomness for a new seed.
    #[error("no randomness from the operating system: {0}")]
    Randomness(String),
    /// The seed is not 64 hexadecimal digits (32 bytes).
    #[error("the seed must be 64 hexadecimal digits (32 bytes): {0}")]
    InvalidSeed(String),
    /// The revealed seed does not hash to the commitment published before the draw.
    #[error(
        "the seed does not match the commitment: SHA-256(seed) is {computed}, the commitment was {published}"
    )]
    CommitmentMismatch { published: String, computed: String },
    /// The same entry appears twice; each fan enters once.
    #[error("duplicate entry {entry:?}")]
    DuplicateEntry { entry: String },
    /// The published entries are not in canonical order (ascending UTF-8 bytes).
    #[error("entries are not in canonical order (ascending UTF-8 bytes) at position {index}")]
    EntriesNotCanonical { index: usize },
    /// The entries do not hash to the published entries hash.
    #[error(
        "the entries do not match the entries hash: they hash to {computed}, the published hash is {published}"
    )]
    EntriesHashMismatch { published: String, computed: String },
    /// The published winners differ from the recomputed ones.
    #[error(
        "the published winners are wrong: at position {position} the draw gives {expected:?}, published is {published:?}"
    )]
    WinnersMismatch { position: usize, expected: Option<String>, published: Option<String> },
}

/// The secret of a draw. Its `Debug` form hides the bytes so it cannot leak into logs
/// before the reveal; [`Seed::to_hex`] is the deliberate way out.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; SEED_LEN]);

impl Seed {
    /// A new seed from the operating system's randomness.
    pub fn generate() -> Result<Seed, DrawError> {
        let mut bytes = [0u8; SEED_LEN];
        rand::rngs::OsRng.try_fill_bytes(&mut bytes).map_err(|e| DrawError::Randomness(e.to_string()))?;
        Ok(Seed(bytes))
    }

    pub fn from_bytes(bytes: [u8; SEED_LEN]) -> Seed {
        Seed(bytes)
    }

    /// Parses 64 hexadecimal digits (either case).
    pub fn from_hex(hex_seed: &str) -> Result<Seed, DrawError> {
        let mut bytes = [0u8; SEED_LEN];
        hex::decode_to_slice(hex_seed.trim(), &mut bytes)
            .map_err(|e| DrawError::InvalidSeed(e.to_string()))?;
        Ok(Seed(bytes))
    }

    /// Lowercase hexadecimal: the form published at the reveal.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; SEED_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for Seed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seed(<secret>)")
    }
}

/// The commitment published before the draw opens: lowercase hex of SHA-256(seed).
pub fn commitment(seed: &Seed) -> String {
    hex::encode(Sha256::digest(seed.0))
}

/// Lowercase hex of SHA-256 over the entries in the order given:
/// `u64be(count)`, then for each entry `u64be(byte length) || UTF-8 bytes`.
/// Length prefixes make the encoding unambiguous (`["ab", "c"]` ≠ `["a", "bc"]`).
pub fn entries_hash(entries: &[impl AsRef<str>]) -> String {
    hex::encode(entries_digest(entries))
}

fn entries_digest(entries: &[impl AsRef<str>]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update((entries.len() as u64).to_be_bytes());
    for entry in entries {
        let bytes = entry.as_ref().as_bytes();
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    }
    hasher.finalize().into()
}

/// A frozen entry list in canonical order: ascending UTF-8 bytes, each entry once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryList {
    entries: Vec<String>,
    digest: [u8; 32],
}

impl EntryList {
    /// Freezes entries given in any order: sorts them, refuses duplicates.
    pub fn new(mut entries: Vec<String>) -> Result<EntryList, DrawError> {
        entries.sort_unstable();
        if let Some(pair) = entries.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(DrawError::DuplicateEntry { entry: pair[0].clone() });
        }
        Ok(EntryList::from_sorted_unique(entries))
    }

    /// Accepts entries exactly as published: already in canonical order, or refused.
    pub fn from_canonical(entries: Vec<String>) -> Result<EntryList, DrawError> {
        for (index, pair) in entries.windows(2).enumerate() {
            if pair[0] == pair[1] {
                return Err(DrawError::DuplicateEntry { entry: pair[0].clone() });
            }
            if pair[0] > pair[1] {
                return Err(DrawError::EntriesNotCanonical { index: index + 1 });
            }
        }
        Ok(EntryList::from_sorted_unique(entries))
    }

    fn from_sorted_unique(entries: Vec<String>) -> EntryList {
        let digest = entries_digest(&entries);
        EntryList { entries, digest }
    }

    /// The published entries hash ([`entries_hash`] of the canonical order).
    pub fn hash(&self) -> String {
        hex::encode(self.digest)
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn into_entries(self) -> Vec<String> {
        self.entries
    }
}

/// The deterministic word stream of a draw: 64-bit big-endian words read from the blocks
/// `SHA-256(seed || entries_digest || u64be(counter))`, counter = 0, 1, 2, ...
struct DrawStream {
    prefix: [u8; SEED_LEN + 32],
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl DrawStream {
    fn new(seed: &Seed, entries_digest: &[u8; 32]) -> DrawStream {
        let mut prefix = [0u8; SEED_LEN + 32];
        prefix[..SEED_LEN].copy_from_slice(&seed.0);
        prefix[SEED_LEN..].copy_from_slice(entries_digest);
        // `used` at the end forces the first block to be computed on the first read.
        DrawStream { prefix, counter: 0, block: [0; 32], used: 32 }
    }

    fn next_word(&mut self) -> u64 {
        if self.used == self.block.len() {
            let mut hasher = Sha256::new();
            hasher.update(self.prefix);
            hasher.update(self.counter.to_be_bytes());
            self.block = hasher.finalize().into();
            self.counter += 1;
            self.used = 0;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.block[self.used..self.used + 8]);
        self.used += 8;
        u64::from_be_bytes(word)
    }
}

/// A uniform integer in `0..bound` (`bound` ≥ 1) from `next_word`. Words in the incomplete
/// last stretch `[2^64 - (2^64 mod bound), 2^64)` are skipped, so every remainder is equally
/// likely: a plain `word % bound` would favour the small remainders.
fn uniform_below(bound: u64, mut next_word: impl FnMut() -> u64) -> u64 {
    debug_assert!(bound > 0);
    let incomplete = (u64::MAX % bound + 1) % bound; // 2^64 mod bound
    let last_accepted = u64::MAX - incomplete;
    loop {
        let word = next_word();
        if word <= last_accepted {
            return word % bound;
        }
    }
}

/// The winners, in order, as indexes into `entries`: the first `min(count, entries.len())`
/// positions of a partial Fisher–Yates shuffle of `0..entries.len()`. At step `i` the
/// position `i + uniform_below(n - i)` is swapped with `i`.
pub fn draw_winners(seed: &Seed, entries: &EntryList, count: usize) -> Vec<usize> {
    let n = entries.len();
    let winners = count.min(n);
    let mut order: Vec<usize> = (0..n).collect();
    let mut stream = DrawStream::new(seed, &entries.digest);
    for i in 0..winners {
        let offset = uniform_below((n - i) as u64, || stream.next_word());
        // offset < n - i, which came from a usize.
        order.swap(i, i + offset as usize);
    }
    order.truncate(winners);
    order
}

/// Everything published about one draw: enough for anyone to recompute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedDraw {
    /// SHA-256 of the seed, published before the wave opened (lowercase hex).
    pub commitment: String,
    /// The frozen entries in canonical order (ascending UTF-8 bytes).
    pub entries: Vec<String>,
    /// [`entries_hash`] of `entries`, published at close.
    pub entries_hash: String,
    /// The revealed seed (hex).
    pub seed: String,
    /// How many winners were drawn (all entries win when there are fewer).
    pub winner_count: usize,
    /// The winners in drawn order.
    pub winners: Vec<String>,
}

impl PublishedDraw {
    /// Runs a draw and assembles its publication.
    pub fn draw(seed: &Seed, entries: &EntryList, winner_count: usize) -> PublishedDraw {
        let winners = draw_winners(seed, entries, winner_count)
            .into_iter()
            .map(|i| entries.entries[i].clone())
            .collect();
        PublishedDraw {
            commitment: commitment(seed),
            entries: entries.entries.clone(),
            entries_hash: entries.hash(),
            seed: seed.to_hex(),
            winner_count,
            winners,
        }
    }
}

/// Checks a published draw: the seed matches the commitment, the entries are canonical and
/// match their hash, and the winners are exactly the ones the seed draws. Returns the winners.
pub fn verify(published: &PublishedDraw) -> Result<Vec<String>, DrawError> {
    let seed = Seed::from_hex(&published.seed)?;
    let computed = commitment(&seed);
    if !computed.eq_ignore_ascii_case(published.commitment.trim()) {
        return Err(DrawError::CommitmentMismatch { published: published.commitment.clone(), computed });
    }
    let entries = EntryList::from_canonical(published.entries.clone())?;
    let computed = entries.hash();
    if !computed.eq_ignore_ascii_case(published.entries_hash.trim()) {
        return Err(DrawError::EntriesHashMismatch { published: published.entries_hash.clone(), computed });
    }
    let expected: Vec<String> = draw_winners(&seed, &entries, published.winner_count)
        .into_iter()
        .map(|i| entries.entries[i].clone())
        .collect();
    let longest = expected.len().max(published.winners.len());
    if let Some(position) = (0..longest).find(|&i| expected.get(i) != published.winners.get(i)) {
        return Err(DrawError::WinnersMismatch {
            position,
            expected: expected.get(position).cloned(),
            published: published.winners.get(position).cloned(),
        });
    }
    Ok(expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_of(byte: u8) -> Seed {
        Seed::from_bytes([byte; SEED_LEN])
    }

    fn list(entries: &[&str]) -> EntryList {
        EntryList::new(entries.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    fn fans(n: usize) -> EntryList {
        EntryList::new((0..n).map(|i| format!("fan{i:03}")).collect()).unwrap()
    }

    // Known answers: if any of these change, the published algorithm changed and every past
    // draw would verify differently. docs/draw.md states the same vectors.
    #[test]
    fn known_answer_vectors() {
        let seed =
            Seed::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f").unwrap();
        assert_eq!(commitment(&seed), "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd");
        assert_eq!(
            entries_hash(&[] as &[&str]),
            "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc"
        );
        let entries = list(&["小米粉丝", "alice", "bob", "carol", "dave", "erin", "frank", "grace"]);
        assert_eq!(
            entries.entries(),
            ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "小米粉丝"]
        );
        assert_eq!(entries.hash(), "0f5e3830b68d6ac3d6f98b3848a609c984e9eed503945108e4dc546029bfa834");
        assert_eq!(draw_winners(&seed, &entries, 3), vec![0, 3, 4]);
        assert_eq!(draw_winners(&seed, &entries, 100), vec![0, 3, 4, 5, 7, 6, 2, 1]);
        let draw = PublishedDraw::draw(&seed, &entries, 3);
        assert_eq!(draw.winners, ["alice", "dave", "erin"]);
        assert_eq!(verify(&draw), Ok(draw.winners.clone()));
    }

    #[test]
    fn seed_round_trips_through_hex_and_hides_in_debug() {
        let seed = Seed::generate().unwrap();
        assert_eq!(Seed::from_hex(&seed.to_hex()).unwrap(), seed);
        assert_eq!(Seed::from_hex(&seed.to_hex().to_uppercase()).unwrap(), seed);
        assert_eq!(format!("{seed:?}"), "Seed(<secret>)");
        assert_ne!(Seed::generate().unwrap(), seed);
        assert!(matches!(Seed::from_hex("abcd"), Err(DrawError::InvalidSeed(_))));
        assert!(matches!(Seed::from_hex(&"zz".repeat(32)), Err(DrawError::InvalidSeed(_))));
    }

    #[test]
    fn entry_encoding_is_unambiguous() {
        assert_ne!(entries_hash(&["ab", "c"]), entries_hash(&["a", "bc"]));
        assert_ne!(entries_hash(&["a"]), entries_hash(&["a", ""]));
        assert_ne!(entries_hash(&[] as &[&str]), entries_hash(&[""]));
    }

    #[test]
    fn entry_lists_are_canonical_and_refuse_duplicates() {
        let entries = list(&["carol", "alice", "bob"]);
        assert_eq!(entries.entries(), ["alice", "bob", "carol"]);
        assert_eq!(
            EntryList::new(vec!["a".into(), "b".into(), "a".into()]),
            Err(DrawError::DuplicateEntry { entry: "a".into() })
        );
        assert_eq!(
            EntryList::from_canonical(vec!["a".into(), "c".into(), "b".into()]),
            Err(DrawError::EntriesNotCanonical { index: 2 })
        );
        assert_eq!(
            EntryList::from_canonical(vec!["a".into(), "a".into()]),
            Err(DrawError::DuplicateEntry { entry: "a".into() })
        );
    }

    #[test]
    fn winners_are_distinct_and_the_draw_is_deterministic() {
        let entries = fans(100);
        let seed = Seed::generate().unwrap();
        let winners = draw_winners(&seed, &entries, 10);
        assert_eq!(winners, draw_winners(&seed, &entries, 10));
        let mut unique = winners.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        // A larger draw extends a smaller one: the first winners do not depend on the count.
        assert_eq!(draw_winners(&seed, &entries, 20)[..10], winners[..]);
        assert_ne!(draw_winners(&seed_of(1), &entries, 10), draw_winners(&seed_of(2), &entries, 10));
    }

    #[test]
    fn more_winners_than_entries_draws_everyone_and_empty_draws_no_one() {
        let entries = fans(5);
        let mut all = draw_winners(&seed_of(7), &entries, 50);
        assert_eq!(all.len(), 5);
        all.sort_unstable();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
        let empty = EntryList::new(Vec::new()).unwrap();
        assert!(draw_winners(&seed_of(7), &empty, 3).is_empty());
        let published = PublishedDraw::draw(&seed_of(7), &empty, 3);
        assert_eq!(verify(&published), Ok(Vec::new()));
        assert_eq!(draw_winners(&seed_of(7), &entries, 0), Vec::<usize>::new());
    }

    #[test]
    fn rejection_sampling_skips_the_incomplete_last_stretch() {
        // 2^64 mod 3 = 1, so u64::MAX is the one word a fair draw below 3 must skip.
        let mut words = [u64::MAX, 5].into_iter();
        assert_eq!(uniform_below(3, || words.next().unwrap_or(0)), 2);
        let mut words = [u64::MAX - 1].into_iter();
        assert_eq!(uniform_below(3, || words.next().unwrap_or(0)), (u64::MAX - 1) % 3);
        // Powers of two divide 2^64: nothing is skipped.
        let mut words = [u64::MAX].into_iter();
        assert_eq!(uniform_below(8, || words.next().unwrap_or(0)), 7);
        let mut words = [u64::MAX].into_iter();
        assert_eq!(uniform_below(1, || words.next().unwrap_or(1)), 0);
        // A bound just over 2^63 rejects almost half the words: all from 2^63 + 1 up.
        let bound = (1u64 << 63) + 1;
        let mut words = [u64::MAX, bound, 3].into_iter();
        assert_eq!(uniform_below(bound, || words.next().unwrap_or(0)), 3);
        let mut words = [1u64 << 63].into_iter();
        assert_eq!(uniform_below(bound, || words.next().unwrap_or(0)), 1 << 63);
        let mut words = [bound, 1u64 << 63].into_iter();
        assert_eq!(uniform_below(bound, || words.next().unwrap_or(0)), 1 << 63);
    }

    /// Every ordering of 4 entries should come up equally often over many seeds. Chi-square
    /// with 23 degrees of freedom: 49.7 is the 0.1% critical value. The seeds are fixed, so
    /// the test is deterministic; a biased shuffle (e.g. the naive swap-with-any-position
    /// variant) fails it by a wide margin.
    #[test]
    fn permutations_are_uniform_over_seeds() {
        let entries = list(&["a", "b", "c", "d"]);
        let draws = 24_000u32;
        let mut counts = std::collections::HashMap::<Vec<usize>, u32>::new();
        for i in 0..draws {
            let seed = Seed::from_bytes(Sha256::digest(i.to_be_bytes()).into());
            *counts.entry(draw_winners(&seed, &entries, 4)).or_default() += 1;
        }
        assert_eq!(counts.len(), 24);
        let expected = f64::from(draws) / 24.0;
        let chi_square: f64 = counts.values().map(|&c| (f64::from(c) - expected).powi(2) / expected).sum();
        assert!(chi_square < 49.7, "chi-square {chi_square} over {counts:?}");

        // First winner of 3 entries: 2 degrees of freedom, 13.8 at 0.1%.
        let entries = list(&["x", "y", "z"]);
        let mut firsts = [0u32; 3];
        for i in 0..draws {
            let seed = Seed::from_bytes(Sha256::digest((i + draws).to_be_bytes()).into());
            firsts[draw_winners(&seed, &entries, 1)[0]] += 1;
        }
        let expected = f64::from(draws) / 3.0;
        let chi_square: f64 = firsts.iter().map(|&c| (f64::from(c) - expected).powi(2) / expected).sum();
        assert!(chi_square < 13.8, "chi-square {chi_square} over {firsts:?}");
    }

    #[test]
    fn verify_accepts_an_honest_draw_and_round_trips_json() {
        let seed = Seed::generate().unwrap();
        let published = PublishedDraw::draw(&seed, &fans(50), 7);
        let json = serde_json::to_string(&published).unwrap();
        let parsed: PublishedDraw = serde_json::from_str(&json).unwrap();
        assert_eq!(verify(&parsed), Ok(published.winners.clone()));
        assert_eq!(published.winners.len(), 7);
    }

    #[test]
    fn verify_detects_tampering() {
        let seed = seed_of(42);
        let honest = PublishedDraw::draw(&seed, &fans(30), 5);

        let mut other_seed = honest.clone();
        other_seed.seed = seed_of(43).to_hex();
        assert!(matches!(verify(&other_seed), Err(DrawError::CommitmentMismatch { .. })));

        let mut bad_hex = honest.clone();
        bad_hex.seed = "not hex".into();
        assert!(matches!(verify(&bad_hex), Err(DrawError::InvalidSeed(_))));

        // Seed and commitment swapped together: the commitment published before the draw
        // would differ, and the winners do not follow.
        let mut reseeded = honest.clone();
        reseeded.seed = seed_of(43).to_hex();
        reseeded.commitment = commitment(&seed_of(43));
        assert!(matches!(verify(&reseeded), Err(DrawError::WinnersMismatch { .. })));

        let mut added = honest.clone();
        added.entries.push("fan999".into());
        assert!(matches!(verify(&added), Err(DrawError::EntriesHashMismatch { .. })));

        let mut reordered = honest.clone();
        reordered.entries.swap(0, 1);
        assert_eq!(verify(&reordered), Err(DrawError::EntriesNotCanonical { index: 1 }));

        let mut duplicated = honest.clone();
        duplicated.entries.insert(1, duplicated.entries[0].clone());
        assert!(matches!(verify(&duplicated), Err(DrawError::DuplicateEntry { .. })));

        let mut swapped_winner = honest.clone();
        let loser = honest.entries.iter().find(|e| !honest.winners.contains(e)).unwrap().clone();
        swapped_winner.winners[2] = loser.clone();
        assert_eq!(
            verify(&swapped_winner),
            Err(DrawError::WinnersMismatch {
                position: 2,
                expected: Some(honest.winners[2].clone()),
                published: Some(loser)
            })
        );

        let mut reordered_winners = honest.clone();
        reordered_winners.winners.swap(0, 1);
        assert!(matches!(verify(&reordered_winners), Err(DrawError::WinnersMismatch { position: 0, .. })));

        let mut missing_winner = honest.clone();
        missing_winner.winners.pop();
        assert!(matches!(
            verify(&missing_winner),
            Err(DrawError::WinnersMismatch { position: 4, published: None, .. })
        ));

        let mut more_winners = honest.clone();
        more_winners.winner_count = 6;
        assert!(matches!(verify(&more_winners), Err(DrawError::WinnersMismatch { position: 5, .. })));
    }
}
