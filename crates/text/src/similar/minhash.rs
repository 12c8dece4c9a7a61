//! MinHash signatures over character shingles and their LSH band keys.
//!
//! Each shingle is hashed once (64 bits, see `normalize::shingle_hashes`); the 128
//! "permutations" are the multiply-add-shift functions `h ↦ (a·h + b) >> 32` with
//! odd 64-bit `a` and random `b`, fixed at compile time, so signatures are stable
//! across runs and processes. The signature is cut into [`BANDS`] bands of [`ROWS`]
//! rows; two texts become candidates when any band is equal. The probability of
//! that is `1 − (1 − J^ROWS)^BANDS` for 3-gram Jaccard `J`: with 32 × 4 it is 0.56 at
//! J = 0.4, 0.87 at 0.5, 0.99 at 0.6 and 0.9997 at 0.7 (an S-curve centred near
//! 0.42). Candidates are always re-scored exactly, so the low end only costs time.

/// Number of MinHash permutations.
pub const NUM_PERM: usize = 128;
/// Number of LSH bands.
pub const BANDS: usize = 32;
/// Rows (signature values) per band.
pub const ROWS: usize = 4;

const _: () = assert!(BANDS * ROWS <= NUM_PERM);

/// SplitMix64, for the compile-time permutation parameters.
const fn splitmix64(state: u64) -> (u64, u64) {
    let state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (state, z ^ (z >> 31))
}

const fn perm_params() -> ([u64; NUM_PERM], [u64; NUM_PERM]) {
    let mut a = [0u64; NUM_PERM];
    let mut b = [0u64; NUM_PERM];
    let mut state = 0x6361_6e79_755f_6d68; // "canyu_mh"
    let mut i = 0;
    while i < NUM_PERM {
        let (s, x) = splitmix64(state);
        let (s, y) = splitmix64(s);
        state = s;
        a[i] = x | 1;
        b[i] = y;
        i += 1;
    }
    (a, b)
}

const PARAMS: ([u64; NUM_PERM], [u64; NUM_PERM]) = perm_params();
static PERM_A: [u64; NUM_PERM] = PARAMS.0;
static PERM_B: [u64; NUM_PERM] = PARAMS.1;

/// A MinHash signature: for each permutation, the minimum over the shingles.
pub(crate) type Signature = [u32; NUM_PERM];

/// The MinHash signature of a set of 64-bit shingle hashes. An empty set gives
/// all `u32::MAX` (callers do not index empty texts).
///
/// The inner loop (128 multiply-add-shift-min per shingle) vectorises; on x86-64
/// a copy compiled for AVX-512 or AVX2 is chosen at run time (8 or 4 lanes of
/// 64-bit multiplies instead of one), which makes it several times faster.
pub(crate) fn signature(shingles: &[u64]) -> Signature {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU supports AVX-512F/DQ (checked just above).
            return unsafe { signature_avx512(shingles) };
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { signature_avx2(shingles) };
        }
    }
    signature_portable(shingles)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn signature_avx512(shingles: &[u64]) -> Signature {
    signature_portable(shingles)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn signature_avx2(shingles: &[u64]) -> Signature {
    signature_portable(shingles)
}

#[inline(always)]
fn signature_portable(shingles: &[u64]) -> Signature {
    let mut sig = [u32::MAX; NUM_PERM];
    for &h in shingles {
        for i in 0..NUM_PERM {
            let v = (PERM_A[i].wrapping_mul(h).wrapping_add(PERM_B[i]) >> 32) as u32;
            sig[i] = sig[i].min(v);
        }
    }
    sig
}

/// The LSH key of each band: the band's rows hashed together (32 bits; keys of
/// different bands live in different tables, and a rare 32-bit collision only adds
/// a candidate that re-scoring rejects).
pub(crate) fn band_keys(sig: &Signature) -> [u32; BANDS] {
    let mut keys = [0u32; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        let rows = &sig[band * ROWS..(band + 1) * ROWS];
        let mut h = super::hash::mix64(band as u64 + 1);
        for &r in rows {
            h = super::hash::mix64(h ^ r as u64);
        }
        *key = (h >> 32) as u32;
    }
    keys
}

/// The Jaccard similarity estimated from two signatures (share of equal values).
#[cfg(test)]
pub(crate) fn estimate(a: &Signature, b: &Signature) -> f32 {
    a.iter().zip(b.iter()).filter(|(x, y)| x == y).count() as f32 / NUM_PERM as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similar::normalize::{jaccard_sorted, shingle_hashes, shingle_set};

    fn shingles(text: &str) -> Vec<u64> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        shingle_hashes(&chars, &mut out);
        out
    }

    #[test]
    fn vectorised_signatures_equal_the_portable_one() {
        let h = shingles("这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量");
        let portable = signature_portable(&h);
        assert_eq!(signature(&h), portable);
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 is available (checked just above).
                assert_eq!(unsafe { signature_avx2(&h) }, portable);
            }
            if std::is_x86_feature_detected!("avx512dq") {
                // SAFETY: AVX-512F/DQ are available (checked just above).
                assert_eq!(unsafe { signature_avx512(&h) }, portable);
            }
        }
        assert_eq!(signature(&[]), [u32::MAX; NUM_PERM]);
    }

    #[test]
    fn parameters_are_odd_and_distinct() {
        assert!(PERM_A.iter().all(|a| a % 2 == 1));
        let mut a = PERM_A.to_vec();
        a.sort_unstable();
        a.dedup();
        assert_eq!(a.len(), NUM_PERM);
    }

    #[test]
    fn estimate_tracks_exact_jaccard() {
        let a = shingles("这款手机的续航能力非常强，一天重度使用下来还剩百分之三十的电量，充电速度也很快");
        let b = shingles("这款手机的续航能力非常强，一天中度使用下来还剩百分之四十的电量，充电速度也挺快");
        let exact = jaccard_sorted(&shingle_set(&a), &shingle_set(&b));
        let est = estimate(&signature(&a), &signature(&b));
        assert!((exact - est).abs() < 0.15, "exact {exact} estimate {est}");
        assert_eq!(estimate(&signature(&a), &signature(&a)), 1.0);
        assert_eq!(band_keys(&signature(&a)), band_keys(&signature(&a)));
    }
}
