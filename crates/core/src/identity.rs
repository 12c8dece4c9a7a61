//! Real-name verification (实名认证): a fan's legal name and mainland resident identity
//! number, so "one order per person" can mean one per person rather than one per account.
//!
//! Only the number's shape is checked here (GB 11643-1999: 17 digits and an ISO 7064
//! MOD 11-2 check character, with a real birth date). Whether the number belongs to the
//! person is the identity provider's question; canyu stores a slow keyed digest of the
//! number, never the number itself, plus its last four characters for the fan to recognise.

use crate::{ErrorCode, Millis};

pub const REAL_NAME_MAX_CHARS: usize = 30;

/// A name as it appears on an identity card: Chinese characters, Latin letters, the
/// interpunct of transliterated names (`·`), spaces and hyphens; 2 to 30 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealName(String);

impl RealName {
    pub fn parse(raw: &str) -> Result<RealName, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        // Normalise the interpuncts people type for `·` (the full stop `．` and the katakana dot).
        let name: String =
            raw.trim().chars().map(|c| if matches!(c, '•' | '・' | '．' | '‧') { '·' } else { c }).collect();
        let len = name.chars().count();
        let allowed = |c: char| c.is_alphabetic() || matches!(c, '·' | ' ' | '-');
        if !(2..=REAL_NAME_MAX_CHARS).contains(&len)
            || !name.chars().all(allowed)
            || name.contains("  ")
            || !name.chars().any(char::is_alphabetic)
        {
            return Err(ErrorCode::InvalidRealName);
        }
        Ok(RealName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An 18-character resident identity number (居民身份证号码) that passed its check.
#[derive(Clone, PartialEq, Eq)]
pub struct ResidentId(String);

// The number is personal data: keep it out of logs and panics.
impl std::fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResidentId({})", self.hint())
    }
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

impl ResidentId {
    /// Parses a number typed by a person (spaces ignored, `x` accepted for `X`), refusing
    /// one with a wrong check character, an impossible birth date, or a birth date after
    /// `now`.
    pub fn parse(raw: &str, now: Millis) -> Result<ResidentId, ErrorCode> {
        let id: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
        let bytes = id.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) || bytes[0] == b'0' {
            return Err(ErrorCode::InvalidIdNumber);
        }
        let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
        if bytes[17] != CHECK_CHARS[(sum % 11) as usize] {
            return Err(ErrorCode::InvalidIdNumber);
        }
        let birth = format!("{}-{}-{}T00:00:00Z", &id[6..10], &id[10..12], &id[12..14]);
        match crate::time::parse_rfc3339(&birth) {
            Some(born) if born <= now && &id[6..10] >= "1900" => Ok(ResidentId(id)),
            _ => Err(ErrorCode::InvalidIdNumber),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four characters, which is what the fan is shown back.
    pub fn hint(&self) -> &str {
        &self.0[14..]
    }
}

/// `**************002X`: the number as the fan sees it once verified.
pub fn masked(hint: &str) -> String {
    format!("{}{hint}", "*".repeat(14))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Millis = 1_795_000_000_000; // 2026-11-18

    #[test]
    fn numbers_with_a_good_check_character_and_birth_date_parse() {
        // The standard's own example, and the same with spaces and a lowercase x.
        let id = ResidentId::parse("11010519491231002X", NOW).unwrap();
        assert_eq!(id.hint(), "002X");
        assert_eq!(ResidentId::parse(" 110105 19491231 002x ", NOW).unwrap(), id);
        assert!(ResidentId::parse("440524198001010013", NOW).is_ok());
        assert_eq!(masked(id.hint()), "**************002X");
        assert!(!format!("{id:?}").contains("1949"));
    }

    #[test]
    fn wrong_numbers_are_refused() {
        for bad in [
            "",
            "11010519491231002",                    // 17 characters
            "110105194912310021",                   // wrong check character
            "11010519491231002Y",                   // not a check character
            "1101051949123100X2",                   // X in the middle
            "010105194912310026",                   // no region starts with 0
            "110105194902300020",                   // 30 February
            "11010520300101001X",                   // born in 2030
            "110105189912310023",                   // born before 1900
            "１１０１０５１９４９１２３１００２Ｘ", // full-width digits
        ] {
            assert_eq!(ResidentId::parse(bad, NOW), Err(ErrorCode::InvalidIdNumber), "{bad}");
        }
    }

    #[test]
    fn names_as_on_the_card() {
        assert_eq!(RealName::parse(" 张三 ").unwrap().as_str(), "张三");
        assert_eq!(RealName::parse("买买提•艾力").unwrap().as_str(), "买买提·艾力");
        assert!(RealName::parse("Anna-Lena Schmidt").is_ok());
        for bad in ["张", "", "张三3", "<b>张三</b>", "张  三", "··", &"张".repeat(31)] {
            assert_eq!(RealName::parse(bad), Err(ErrorCode::InvalidRealName), "{bad:?}");
        }
        assert_eq!(RealName::parse("张\u{0}三"), Err(ErrorCode::ControlCharacter));
    }
}
