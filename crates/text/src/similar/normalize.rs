//! Text normalisation and character shingles.
//!
//! Two forms of a text are used:
//!
//! * the *folded* text: lowercase, full-width ASCII (`ＡＢＣ１２３！`) turned
//!   into half-width, the ideographic space into a plain space; punctuation and
//!   spaces are kept, so jieba still sees sentence boundaries;
//! * the *normalised* text ([`normalize`](super::normalize)): the folded text with everything that
//!   is not a letter or a digit removed (CJK ideographs count as letters). The
//!   character shingles and the character sequence similarity are computed on it,
//!   so `续航很差！！` and `续航 很差` are the same text.

use super::hash::mix64;

/// Folds one character: full-width ASCII to half-width, ideographic space to space.
#[inline]
fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// True for the CJK Unified Ideographs block (U+4E00–U+9FFF), which holds nearly
/// every character of Chinese text: letters, with no case. Checked first because
/// `char::is_alphanumeric` looks these up in slow tables.
#[inline]
pub(crate) fn is_cjk_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// The folded text (lowercase, full-width ASCII as half-width, punctuation kept)
/// and its normalised characters (letters and digits only), in one pass.
pub(crate) fn fold_and_normalize(text: &str) -> (String, Vec<char>) {
    let mut folded = String::with_capacity(text.len());
    let mut chars = Vec::with_capacity(text.len() / 2);
    for c in text.chars() {
        let c = fold_char(c);
        if is_cjk_ideograph(c) {
            folded.push(c);
            chars.push(c);
        } else if c.is_ascii() {
            let c = c.to_ascii_lowercase();
            folded.push(c);
            if c.is_ascii_alphanumeric() {
                chars.push(c);
            }
        } else {
            for l in c.to_lowercase() {
                folded.push(l);
                if l.is_alphanumeric() {
                    chars.push(l);
                }
            }
        }
    }
    (folded, chars)
}

/// The folded text: lowercase, full-width ASCII as half-width, punctuation kept.
#[cfg(test)]
pub(crate) fn fold(text: &str) -> String {
    fold_and_normalize(text).0
}

/// The normalised text of `text`: lowercase, full-width → half-width, whitespace,
/// punctuation and symbols removed.
///
/// ```
/// assert_eq!(canyu_text::similar::normalize("ＭＩＵＩ 续航，很差！！"), "miui续航很差");
/// ```
pub fn normalize(text: &str) -> String {
    fold_and_normalize(text).1.into_iter().collect()
}

/// Length of the character shingles.
pub const SHINGLE_CHARS: usize = 3;

/// Seeds that keep the keys of 1- and 2-character texts apart from 3-grams.
const SHORT_SEED: [u64; 3] = [0, 0x9e37_79b9_7f4a_7c15, 0x3c6e_f372_fe94_f82a];

/// Writes the 64-bit hashes of the character 3-grams of the normalised character
/// sequence `chars` into `out` (cleared first; in text order, repeats included).
///
/// A 3-gram is packed losslessly into 63 bits (three 21-bit code points) and mixed,
/// so two different 3-grams collide only through the 64-bit mixer. A text of one or
/// two characters has a single shingle: itself. An empty text has none.
pub(crate) fn shingle_hashes(chars: &[char], out: &mut Vec<u64>) {
    out.clear();
    match chars.len() {
        0 => {}
        n @ (1 | 2) => {
            let key = chars.iter().fold(0u64, |k, &c| (k << 21) | c as u64);
            out.push(mix64(key ^ SHORT_SEED[n]));
        }
        _ => out.extend(
            chars
                .windows(SHINGLE_CHARS)
                .map(|w| mix64(((w[0] as u64) << 42) | ((w[1] as u64) << 21) | w[2] as u64)),
        ),
    }
}

/// The shingle set used for exact Jaccard: the top 32 bits of each hash, sorted and
/// de-duplicated (a spurious 32-bit collision inside one pair has probability about
/// n·m/2³², i.e. 10⁻⁶ for two 60-character posts).
pub(crate) fn shingle_set(hashes: &[u64]) -> Vec<u32> {
    let mut set: Vec<u32> = hashes.iter().map(|h| (h >> 32) as u32).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// Exact Jaccard similarity of two sorted, de-duplicated sets.
/// Two empty sets are identical (1.0); one empty set shares nothing (0.0).
pub(crate) fn jaccard_sorted<T: Ord>(a: &[T], b: &[T]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f32 / (a.len() + b.len() - common) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_and_strips() {
        assert_eq!(normalize("ＡＢＣ１２３！？"), "abc123");
        assert_eq!(normalize("续航 很差，。！!  \t真的"), "续航很差真的");
        assert_eq!(normalize("Wi-Fi 断流"), "wifi断流");
        assert_eq!(normalize("  ，。 "), "");
        assert_eq!(fold("ＭＩＵＩ，好"), "miui,好");
        let (folded, chars) = fold_and_normalize("ＭＩＵＩ，好 Ok");
        assert_eq!(folded, "miui,好 ok");
        assert_eq!(chars.into_iter().collect::<String>(), "miui好ok");
    }

    #[test]
    fn shingles_of_short_and_long_texts() {
        let mut out = Vec::new();
        shingle_hashes(&[], &mut out);
        assert!(out.is_empty());
        shingle_hashes(&['好'], &mut out);
        assert_eq!(out.len(), 1);
        let one = out[0];
        shingle_hashes(&['好', '好'], &mut out);
        assert_eq!(out.len(), 1);
        assert_ne!(out[0], one);
        let chars: Vec<char> = "好好好好好".chars().collect();
        shingle_hashes(&chars, &mut out);
        assert_eq!(out.len(), 3);
        assert_eq!(shingle_set(&out).len(), 1, "repeated 3-grams are one shingle");
        let chars: Vec<char> = "abcdef".chars().collect();
        shingle_hashes(&chars, &mut out);
        let set = shingle_set(&out);
        assert_eq!(set.len(), 4);
        assert!(set.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn jaccard_of_sorted_sets() {
        assert_eq!(jaccard_sorted::<u32>(&[], &[]), 1.0);
        assert_eq!(jaccard_sorted(&[1], &[]), 0.0);
        assert_eq!(jaccard_sorted(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard_sorted(&[1, 2], &[1, 2]), 1.0);
    }
}
