//! Small, fast hashing helpers: a 64-bit mixer, a word hash and a `HashMap`
//! hasher for keys that are already hashes or small integers.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A strong 64-bit mixer (the MurmurHash3 finaliser).
#[inline]
pub(crate) fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^= x >> 33;
    x
}

/// A 64-bit hash of a word (its identity in a vocabulary: with 64 bits, two of a
/// million distinct words collide with probability about 3·10⁻⁸).
#[inline]
pub(crate) fn word_hash(word: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ word.len() as u64;
    let mut chunks = word.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        h = mix64(h ^ u64::from_le_bytes(b)).wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
    let mut rest = 0u64;
    for (i, &b) in chunks.remainder().iter().enumerate() {
        rest |= u64::from(b) << (8 * i);
    }
    mix64(h ^ rest)
}

/// Hasher for keys that are already well mixed (hashes) or small integers
/// (ids): one multiply or mix spreads them over the 64 bits hashbrown looks at.
#[derive(Default)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = mix64(self.0 ^ u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (n >> 29);
    }
    fn write_i64(&mut self, n: i64) {
        self.0 = mix64(n as u64);
    }
}

/// A `HashMap` with [`MixHasher`].
pub(crate) type MixMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_hashes_differ() {
        let words = ["", "a", "续航", "续航能力", "12345678", "123456789", "wifi", "WiFi"];
        let mut hashes: Vec<u64> = words.iter().map(|w| word_hash(w)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), words.len());
        assert_eq!(word_hash("续航"), word_hash("续航"));
    }
}
