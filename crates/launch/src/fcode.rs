//! F-codes (F码): single-use priority purchase codes.
//!
//! A code is 12 payload symbols (60 random bits) and 1 check symbol in Crockford's base32
//! alphabet `0123456789ABCDEFGHJKMNPQRSTVWXYZ` (no I, L, O, U: nothing to misread), shown
//! as `XXXX-XXXX-XXXXX`. The check symbol is Crockford's: the payload read as a base-32
//! number, modulo 37. A prime modulus above 32 catches every single wrong symbol and every
//! swap of two neighbours, so most typos are refused before any database lookup. Crockford
//! spells check values 32–36 with `*~$=U`; canyu never issues those codes (it draws another
//! payload, costing 0.2 of 60 bits) so every code is plain letters and digits to type on a
//! phone.
//!
//! The database keeps [`FCode::storage_hash`], not the code, like API tokens.

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt;

/// Crockford's base32 alphabet, value = position.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols of the random part.
pub const PAYLOAD_SYMBOLS: usize = 12;
/// Symbols of a whole code: payload and check.
pub const CODE_SYMBOLS: usize = PAYLOAD_SYMBOLS + 1;
const PAYLOAD_BITS: u32 = 5 * PAYLOAD_SYMBOLS as u32;
const CHECK_MODULUS: u64 = 37;
/// Where the display form puts dashes: `XXXX-XXXX-XXXXX`.
const GROUPS: [usize; 3] = [4, 4, 5];

/// Why a typed code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FCodeError {
    /// A character that is not a code symbol, a space or a dash.
    #[error("{symbol:?} is not a letter or digit of an F-code")]
    InvalidSymbol { symbol: char },
    /// Too few or too many symbols (separators not counted).
    #[error("an F-code has {CODE_SYMBOLS} letters and digits, this has {symbols}")]
    WrongLength { symbols: usize },
    /// The check symbol does not match: a typo somewhere.
    #[error("this F-code has a typo: its check symbol does not match")]
    BadCheckSymbol,
}

/// A well-formed F-code in canonical form (13 uppercase symbols, no separators).
/// Whether it was issued and is unused is for the database to say.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct FCode([u8; CODE_SYMBOLS]);

impl FCode {
    /// Reads a code as a person typed it: any case, spaces and dashes anywhere, full-width
    /// characters from a Chinese input method, `O` for 0 and `I`/`L` for 1.
    pub fn parse(typed: &str) -> Result<FCode, FCodeError> {
        let mut symbols = Vec::with_capacity(CODE_SYMBOLS);
        for typed_char in typed.chars() {
            let c = halfwidth(typed_char);
            if c.is_whitespace() || matches!(c, '-' | '_' | '\u{2010}'..='\u{2015}') {
                continue;
            }
            let value = symbol_value(c).ok_or(FCodeError::InvalidSymbol { symbol: typed_char })?;
            symbols.push(value);
        }
        if symbols.len() != CODE_SYMBOLS {
            return Err(FCodeError::WrongLength { symbols: symbols.len() });
        }
        let payload = symbols[..PAYLOAD_SYMBOLS].iter().fold(0u64, |acc, &v| acc << 5 | u64::from(v));
        if payload % CHECK_MODULUS != u64::from(symbols[PAYLOAD_SYMBOLS]) {
            return Err(FCodeError::BadCheckSymbol);
        }
        Ok(FCode::from_payload(payload))
    }

    /// A new random code.
    pub fn generate<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> FCode {
        loop {
            let payload = rng.next_u64() >> (64 - PAYLOAD_BITS);
            if payload % CHECK_MODULUS < 32 {
                return FCode::from_payload(payload);
            }
        }
    }

    /// `count` distinct new codes from the thread's cryptographic generator.
    pub fn generate_batch(count: usize) -> Vec<FCode> {
        FCode::generate_batch_with(count, &mut rand::rng())
    }

    /// `count` distinct new codes from `rng`. Distinct within the batch; across batches a
    /// unique index on [`FCode::storage_hash`] is the guard (a clash of 60 random bits is
    /// not expected in any real number of codes, but costs nothing to catch).
    pub fn generate_batch_with<R: rand::CryptoRng + ?Sized>(count: usize, rng: &mut R) -> Vec<FCode> {
        let mut seen = HashSet::with_capacity(count);
        let mut codes = Vec::with_capacity(count);
        while codes.len() < count {
            let code = FCode::generate(rng);
            if seen.insert(code.clone()) {
                codes.push(code);
            }
        }
        codes
    }

    /// `payload` < 2^60 with a check value below 32.
    fn from_payload(payload: u64) -> FCode {
        let mut symbols = [0u8; CODE_SYMBOLS];
        for (i, symbol) in symbols[..PAYLOAD_SYMBOLS].iter_mut().enumerate() {
            let shift = 5 * (PAYLOAD_SYMBOLS - 1 - i);
            *symbol = ALPHABET[((payload >> shift) & 31) as usize];
        }
        symbols[PAYLOAD_SYMBOLS] = ALPHABET[(payload % CHECK_MODULUS) as usize % ALPHABET.len()];
        FCode(symbols)
    }

    /// The 13 symbols without separators: the form that is hashed.
    pub fn canonical(&self) -> &str {
        // The symbols all come from ALPHABET, which is ASCII.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The display form, `XXXX-XXXX-XXXXX` (also what `Display` prints).
    pub fn grouped(&self) -> String {
        let canonical = self.canonical();
        let mut out = String::with_capacity(CODE_SYMBOLS + GROUPS.len() - 1);
        let mut start = 0;
        for (i, len) in GROUPS.iter().enumerate() {
            if i > 0 {
                out.push('-');
            }
            out.push_str(&canonical[start..start + len]);
            start += len;
        }
        out
    }

    /// Lowercase hex SHA-256 of the canonical form: what the database stores and looks up.
    pub fn storage_hash(&self) -> String {
        hex::encode(Sha256::digest(self.0))
    }
}

impl fmt::Display for FCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Shows only the first group, so a code in a log line cannot be redeemed by its reader.
impl fmt::Debug for FCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FCode({}-…)", &self.canonical()[..GROUPS[0]])
    }
}

/// Full-width ASCII (U+FF01–U+FF5E, typed by Chinese input methods) and the ideographic
/// space as their ASCII counterparts.
fn halfwidth(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// The value of a typed symbol, reading look-alikes as Crockford does.
fn symbol_value(c: char) -> Option<u8> {
    let upper = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET.iter().position(|&a| char::from(a) == upper).map(|v| v as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn fixed_rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(2026)
    }

    #[test]
    fn known_code_and_its_hash() {
        // Payload 0 has check 0; payload 1 has check 1; 2^60 - 1 ≡ 9 (mod 37).
        assert_eq!(FCode::from_payload(0).grouped(), "0000-0000-00000");
        assert_eq!(FCode::from_payload(1).grouped(), "0000-0000-00011");
        assert_eq!(FCode::from_payload((1 << 60) - 1).grouped(), "ZZZZ-ZZZZ-ZZZZ9");
        assert_eq!(FCode::parse("ZZZZ-ZZZZ-ZZZZ9").unwrap(), FCode::from_payload((1 << 60) - 1));
        assert_eq!(FCode::from_payload(0).storage_hash(), hex::encode(Sha256::digest(b"0000000000000")),);
    }

    #[test]
    fn generated_codes_parse_back_in_every_typed_form() {
        for code in FCode::generate_batch_with(200, &mut fixed_rng()) {
            let grouped = code.to_string();
            assert_eq!(grouped.len(), 15);
            assert_eq!(FCode::parse(&grouped).unwrap(), code);
            assert_eq!(FCode::parse(code.canonical()).unwrap(), code);
            assert_eq!(FCode::parse(&grouped.to_lowercase()).unwrap(), code);
            let spaced: String = code.canonical().chars().flat_map(|c| [c, ' ']).collect();
            assert_eq!(FCode::parse(&spaced).unwrap(), code);
            let fullwidth: String =
                grouped.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)).collect();
            assert_eq!(FCode::parse(&fullwidth).unwrap(), code);
        }
    }

    #[test]
    fn look_alikes_read_as_digits() {
        let code = FCode::from_payload(1 << 55 | 1 << 5);
        assert_eq!(code.canonical(), "100000000010Y");
        assert_eq!(FCode::parse("i000-OOOO-oOlOy").unwrap(), code);
        assert_eq!(FCode::parse("L000 0000 0010Y").unwrap(), code);
    }

    #[test]
    fn typos_are_caught_with_distinct_errors() {
        let code = FCode::generate(&mut fixed_rng());
        let canonical = code.canonical().to_string();
        assert_eq!(FCode::parse(&canonical[..12]), Err(FCodeError::WrongLength { symbols: 12 }));
        assert_eq!(FCode::parse(&format!("{canonical}0")), Err(FCodeError::WrongLength { symbols: 14 }));
        assert_eq!(FCode::parse(""), Err(FCodeError::WrongLength { symbols: 0 }));
        assert_eq!(FCode::parse("ABCD-EFGH-JKMN*"), Err(FCodeError::InvalidSymbol { symbol: '*' }));
        assert_eq!(FCode::parse("ABCD-EFGH-JKMNU"), Err(FCodeError::InvalidSymbol { symbol: 'U' }));

        // Every single wrong symbol and every swap of neighbours is refused.
        let symbols: Vec<char> = canonical.chars().collect();
        for position in 0..CODE_SYMBOLS {
            for &replacement in ALPHABET.iter() {
                let replacement = char::from(replacement);
                if replacement == symbols[position] {
                    continue;
                }
                let mut typo = symbols.clone();
                typo[position] = replacement;
                let typo: String = typo.into_iter().collect();
                assert_eq!(FCode::parse(&typo), Err(FCodeError::BadCheckSymbol), "{typo}");
            }
        }
        for position in 0..CODE_SYMBOLS - 1 {
            if symbols[position] == symbols[position + 1] {
                continue;
            }
            let mut swapped = symbols.clone();
            swapped.swap(position, position + 1);
            let swapped: String = swapped.into_iter().collect();
            assert_eq!(FCode::parse(&swapped), Err(FCodeError::BadCheckSymbol), "{swapped}");
        }
    }

    #[test]
    fn batches_are_distinct_and_checks_are_plain_symbols() {
        let codes = FCode::generate_batch(5_000);
        let distinct: HashSet<_> = codes.iter().map(FCode::storage_hash).collect();
        assert_eq!(distinct.len(), 5_000);
        assert!(codes.iter().all(|c| c.canonical().bytes().all(|b| ALPHABET.contains(&b))));
        assert_eq!(FCode::generate_batch(0), Vec::new());
    }

    #[test]
    fn debug_hides_the_code() {
        let code = FCode::from_payload(0);
        assert_eq!(format!("{code:?}"), "FCode(0000-…)");
    }
}
