//! 人车家 ownership: the devices fans own. A serial belongs to one fan at a time; a released
//! device cools off before anyone else may claim it (at once for the fan its owner named);
//! owners' words carry an owner chip ("车主 · 8 个月") that never shows the serial.
//!
//! "Owned device" is the name throughout, so it never clashes with the browser device id the
//! anti-scalper rules use ([`crate::campaign::parse_device_id`]).

use crate::{ErrorCode, Locale, Millis};

pub const SERIAL_MIN_CHARS: usize = 4;
pub const SERIAL_MAX_CHARS: usize = 64;
pub const PATTERN_MAX_CHARS: usize = 200;
/// Days a released device waits before anyone but the named fan may claim it: China's 7-day
/// no-reason return window, so a returned device is not claimed from under the shop.
pub const DEFAULT_COOLING_OFF_DAYS: i64 = 7;
const DAY: Millis = 86_400_000;

/// A serial number as stored: spaces dropped, letters upper-cased, 4–64 of `A-Z 0-9 - /`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Serial(String);

impl Serial {
    /// Reads a serial as a fan types it (`su7 2024 0001` → `SU720240001`), and checks it
    /// against the product's pattern when it has one.
    pub fn parse(raw: &str, pattern: Option<&SerialPattern>) -> Result<Serial, ErrorCode> {
        let s: String = raw.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect();
        let n = s.chars().count();
        if !(SERIAL_MIN_CHARS..=SERIAL_MAX_CHARS).contains(&n)
            || !s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-' || c == '/')
        {
            return Err(ErrorCode::InvalidSerial);
        }
        if let Some(p) = pattern
            && !p.matches(&s)
        {
            return Err(ErrorCode::InvalidSerial);
        }
        Ok(Serial(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a product's serials look like, as staff write it: `#` a digit, `@` a letter, `*` a
/// letter or digit, anything else itself; alternatives separated by `|`
/// (`SU7-########|SU7U-########`). A mask, not a regular expression: nothing a staff member
/// types can make matching slow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerialPattern {
    source: String,
    alternatives: Vec<Vec<char>>,
}

impl SerialPattern {
    pub fn parse(raw: &str) -> Result<SerialPattern, ErrorCode> {
        let source = raw.trim().to_ascii_uppercase();
        if source.is_empty() || source.chars().count() > PATTERN_MAX_CHARS {
            return Err(ErrorCode::InvalidSerialPattern);
        }
        let mut alternatives = Vec::new();
        for alt in source.split('|') {
            let chars: Vec<char> = alt.chars().collect();
            let valid = chars.iter().all(|c| {
                matches!(c, '#' | '@' | '*' | '-' | '/') || c.is_ascii_uppercase() || c.is_ascii_digit()
            });
            if !valid || !(SERIAL_MIN_CHARS..=SERIAL_MAX_CHARS).contains(&chars.len()) {
                return Err(ErrorCode::InvalidSerialPattern);
            }
            alternatives.push(chars);
        }
        Ok(SerialPattern { source, alternatives })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    pub fn matches(&self, serial: &str) -> bool {
        self.alternatives.iter().any(|alt| {
            serial.chars().count() == alt.len()
                && serial.chars().zip(alt).all(|(c, p)| match p {
                    '#' => c.is_ascii_digit(),
                    '@' => c.is_ascii_uppercase(),
                    '*' => c.is_ascii_alphanumeric(),
                    lit => c == *lit,
                })
        })
    }
}

/// How the current owner came to own a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnedVia {
    /// Delivered from a launch order.
    Order,
    /// Claimed by the fan with its serial.
    Claim,
    /// Bound by staff at a store.
    Store,
    /// Handed on by the previous owner, who named this fan.
    Transfer,
}

impl OwnedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnedVia::Order => "order",
            OwnedVia::Claim => "claim",
            OwnedVia::Store => "store",
            OwnedVia::Transfer => "transfer",
        }
    }

    pub fn parse(raw: &str) -> Option<OwnedVia> {
        Some(match raw {
            "order" => OwnedVia::Order,
            "claim" => OwnedVia::Claim,
            "store" => OwnedVia::Store,
            "transfer" => OwnedVia::Transfer,
            _ => return None,
        })
    }
}

/// Who holds a serial now, as far as claiming it goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holding {
    /// Nobody has ever claimed it.
    Unknown,
    Owned {
        owner: i64,
    },
    /// Released at `at`, perhaps naming who should have it next.
    Released {
        at: Millis,
        next_owner: Option<i64>,
    },
}

/// Whether `claimant` may take the serial now, and how it would come to them: a serial
/// belongs to one fan at a time (`serial_owned`); a released one goes at once to the fan its
/// owner named, to anyone else after `cooling_off_days` (`serial_cooling_off`).
pub fn may_claim(
    holding: Holding,
    claimant: i64,
    now: Millis,
    cooling_off_days: i64,
) -> Result<OwnedVia, ErrorCode> {
    match holding {
        Holding::Unknown => Ok(OwnedVia::Claim),
        Holding::Owned { .. } => Err(ErrorCode::SerialOwned),
        Holding::Released { next_owner: Some(named), .. } if named == claimant => Ok(OwnedVia::Transfer),
        Holding::Released { at, .. } if now < claimable_at(at, cooling_off_days) => {
            Err(ErrorCode::SerialCoolingOff)
        }
        Holding::Released { .. } => Ok(OwnedVia::Claim),
    }
}

/// When a device released at `released_at` may be claimed by anyone.
pub fn claimable_at(released_at: Millis, cooling_off_days: i64) -> Millis {
    released_at + cooling_off_days.max(0) * DAY
}

/// Whole months (of 30 days) a fan has owned a product.
pub fn months_owned(since: Millis, now: Millis) -> i64 {
    ((now - since).max(0)) / (30 * DAY)
}

/// The owner chip beside a fan's words on a product's board: "车主 · 8 个月". Car owners are
/// 车主 (what Xiaomi's car community calls them); owners of anything else 已购.
pub fn owner_chip(locale: Locale, category: &str, since: Millis, now: Millis) -> String {
    let months = months_owned(since, now);
    match locale {
        Locale::ZhCn => {
            let who = if category == "car" { "车主" } else { "已购" };
            if months < 1 { format!("{who} · 不到 1 个月") } else { format!("{who} · {months} 个月") }
        }
        Locale::En => match months {
            0 => "Owner · under a month".to_string(),
            1 => "Owner · 1 month".to_string(),
            m => format!("Owner · {m} months"),
        },
    }
}

/// 人车家: a fan who owns a phone, a car and something for the home (category slugs `phone`,
/// `car`, and `home` or `smart-home`) holds the whole ecosystem.
pub fn whole_ecosystem<'a>(categories: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut phone, mut car, mut home) = (false, false, false);
    for c in categories {
        match c {
            "phone" => phone = true,
            "car" => car = true,
            "home" | "smart-home" => home = true,
            _ => {}
        }
    }
    phone && car && home
}

/// "Owners of X also own Y" is shown only where at least this many fans own both, and X
/// has at least [`MIN_PRODUCT_OWNERS`] owners: small groups would point at people.
pub const MIN_SHARED_OWNERS: i64 = 5;
pub const MIN_PRODUCT_OWNERS: i64 = 20;
/// How many other products a product page names.
pub const TOP_AFFINITIES: usize = 5;

/// An association rule X → Y over owners: of everyone who owns anything (`n`), `nx` own X,
/// `ny` own Y, `nxy` own both.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affinity {
    /// Share of all owners who own both (0–1).
    pub support: f64,
    /// Share of X's owners who also own Y (0–1).
    pub confidence: f64,
    /// How much likelier an owner of X is to own Y than an owner at large (1: no link).
    pub lift: f64,
}

/// The rule X → Y, or `None` where the groups are too small to show without pointing at
/// people (or the counts make no sense).
pub fn affinity(nx: i64, ny: i64, nxy: i64, n: i64) -> Option<Affinity> {
    if nxy < MIN_SHARED_OWNERS || nx < MIN_PRODUCT_OWNERS || ny < nxy || nx < nxy || n < nx.max(ny) {
        return None;
    }
    let (n, nx, ny, nxy) = (n as f64, nx as f64, ny as f64, nxy as f64);
    let confidence = nxy / nx;
    Some(Affinity { support: nxy / n, confidence, lift: confidence / (ny / n) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_normalised_and_checked_against_the_pattern() {
        assert_eq!(Serial::parse(" su7 2024-0001 ", None).map(|s| s.0), Ok("SU72024-0001".into()));
        for bad in ["", "ab", "序列号一二三", "SU7_0001", &"A".repeat(65)] {
            assert_eq!(Serial::parse(bad, None), Err(ErrorCode::InvalidSerial), "{bad}");
        }
        let p = SerialPattern::parse("su7-########|SU7U-@@##").expect("pattern");
        assert_eq!(p.as_str(), "SU7-########|SU7U-@@##");
        assert!(Serial::parse("SU7-20240001", Some(&p)).is_ok());
        assert!(Serial::parse("su7u-ab12", Some(&p)).is_ok());
        for bad in ["SU7-2024000", "SU7-2024000A", "SU7U-1212", "SU8-20240001"] {
            assert_eq!(Serial::parse(bad, Some(&p)), Err(ErrorCode::InvalidSerial), "{bad}");
        }
        for bad in ["", "AB", "SU7 ####", "(a|b)*", &"#".repeat(201)] {
            assert_eq!(SerialPattern::parse(bad), Err(ErrorCode::InvalidSerialPattern), "{bad}");
        }
    }

    #[test]
    fn a_serial_has_one_owner_and_a_released_one_cools_off_except_for_the_named_fan() {
        let (a, b, c) = (1, 2, 3);
        assert_eq!(may_claim(Holding::Unknown, a, 0, 7), Ok(OwnedVia::Claim));
        assert_eq!(may_claim(Holding::Owned { owner: a }, b, 0, 7), Err(ErrorCode::SerialOwned));
        assert_eq!(may_claim(Holding::Owned { owner: a }, a, 0, 7), Err(ErrorCode::SerialOwned));
        let released = Holding::Released { at: 1_000, next_owner: Some(b) };
        assert_eq!(may_claim(released, b, 1_000, 7), Ok(OwnedVia::Transfer));
        assert_eq!(may_claim(released, c, 1_000 + 7 * DAY - 1, 7), Err(ErrorCode::SerialCoolingOff));
        assert_eq!(may_claim(released, c, 1_000 + 7 * DAY, 7), Ok(OwnedVia::Claim));
        let unnamed = Holding::Released { at: 0, next_owner: None };
        assert_eq!(may_claim(unnamed, a, 0, 0), Ok(OwnedVia::Claim), "no cooling-off when set to 0 days");
    }

    #[test]
    fn affinities_need_enough_owners_and_measure_the_link() {
        // 1,000 owners; 100 own a car, 200 a phone, 50 both: half the car owners own the
        // phone, 2.5 times the share of owners at large.
        let a = affinity(100, 200, 50, 1000).expect("shown");
        assert!((a.support - 0.05).abs() < 1e-9 && (a.confidence - 0.5).abs() < 1e-9);
        assert!((a.lift - 2.5).abs() < 1e-9);
        assert_eq!(affinity(100, 200, 4, 1000), None, "four shared owners point at people");
        assert_eq!(affinity(19, 200, 10, 1000), None, "too few owners of X");
        assert_eq!(affinity(100, 40, 50, 1000), None, "more shared than owners of Y");
        assert_eq!(affinity(100, 200, 50, 150), None, "fewer owners than owners of Y");
    }

    #[test]
    fn the_whole_ecosystem_is_a_phone_a_car_and_a_home() {
        assert!(whole_ecosystem(["car", "phone", "smart-home", "wearable"]));
        assert!(whole_ecosystem(["home", "car", "phone"]));
        assert!(!whole_ecosystem(["car", "phone", "wearable"]));
        assert!(!whole_ecosystem([]));
    }

    #[test]
    fn owner_chips_count_whole_months_and_never_show_a_serial() {
        let now = 400 * DAY;
        assert_eq!(owner_chip(Locale::ZhCn, "car", now - 245 * DAY, now), "车主 · 8 个月");
        assert_eq!(owner_chip(Locale::ZhCn, "phone", now - DAY, now), "已购 · 不到 1 个月");
        assert_eq!(owner_chip(Locale::En, "car", now - 31 * DAY, now), "Owner · 1 month");
        assert_eq!(owner_chip(Locale::En, "home", now + DAY, now), "Owner · under a month");
        assert!(OwnedVia::parse("order").is_some() && OwnedVia::parse("x").is_none());
    }
}
