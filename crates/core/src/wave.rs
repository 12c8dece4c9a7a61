//! Waves (分阶段放货): limited stock of a product released at a set time, sold first come
//! first served or by draw, to fans who are eligible, at most `per_fan_limit` each.

use crate::{ErrorCode, Millis};
use std::collections::BTreeMap;

pub const MAX_QUANTITY: i64 = 10_000_000;
pub const MAX_PER_FAN_LIMIT: i64 = 100;
/// A wave lasts at most 90 days.
pub const MAX_WAVE_MS: Millis = 90 * 86_400_000;
pub const SKU_MAX_CHARS: usize = 64;
/// Idempotency keys: 1–128 printable ASCII characters (a UUID fits).
pub const IDEMPOTENCY_KEY_MAX: usize = 128;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaveMode {
    /// First come, first served.
    Fcfs,
    /// Entries during the window, winners drawn at the close.
    Draw,
}

impl WaveMode {
    pub const ALL: [WaveMode; 2] = [WaveMode::Fcfs, WaveMode::Draw];

    pub fn parse(raw: &str) -> Result<WaveMode, ErrorCode> {
        match raw.trim() {
            "fcfs" => Ok(WaveMode::Fcfs),
            "draw" => Ok(WaveMode::Draw),
            _ => Err(ErrorCode::InvalidWaveMode),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WaveMode::Fcfs => "fcfs",
            WaveMode::Draw => "draw",
        }
    }
}

/// Who may buy in a wave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eligibility {
    Everyone,
    /// Fans at this level or above.
    MinLevel(u8),
    /// Members of the product's beta group.
    Beta,
    /// Holders of a redeemed F-code for the wave.
    FCode,
    /// Fans holding a reservation in the wave's campaign; the fan lane may order first.
    Reservation,
    /// 人车家: fans who own a device of this product (an SU7 owner's first go at the YU7).
    OwnersOf(i64),
}

impl Eligibility {
    /// Every `kind()`, as `parse` takes them.
    pub const KINDS: [&'static str; 6] =
        ["everyone", "min_level", "beta", "fcode", "reservation", "owners_of"];

    /// `everyone` (default), `min_level` with `min_level`, `beta`, `fcode`, `reservation`, or
    /// `owners_of` with the owned product's id.
    pub fn parse(
        kind: Option<&str>,
        min_level: Option<i64>,
        owners_of: Option<i64>,
    ) -> Result<Eligibility, ErrorCode> {
        let levels = crate::points::LEVELS.len() as i64;
        match (kind.map(str::trim).unwrap_or("everyone"), min_level, owners_of) {
            ("everyone", None, None) => Ok(Eligibility::Everyone),
            ("beta", None, None) => Ok(Eligibility::Beta),
            ("fcode", None, None) => Ok(Eligibility::FCode),
            ("reservation", None, None) => Ok(Eligibility::Reservation),
            ("min_level", Some(l), None) if (1..=levels).contains(&l) => Ok(Eligibility::MinLevel(l as u8)),
            ("owners_of", None, Some(product)) => Ok(Eligibility::OwnersOf(product)),
            _ => Err(ErrorCode::InvalidEligibility),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Eligibility::Everyone => "everyone",
            Eligibility::MinLevel(_) => "min_level",
            Eligibility::Beta => "beta",
            Eligibility::FCode => "fcode",
            Eligibility::Reservation => "reservation",
            Eligibility::OwnersOf(_) => "owners_of",
        }
    }

    /// The product whose owners may buy, for `owners_of`.
    pub fn owners_of(self) -> Option<i64> {
        match self {
            Eligibility::OwnersOf(product) => Some(product),
            _ => None,
        }
    }

    pub fn min_level(self) -> Option<u8> {
        match self {
            Eligibility::MinLevel(l) => Some(l),
            _ => None,
        }
    }
}

/// A validated wave definition, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaveRules {
    pub sku: String,
    pub quantity: i64,
    pub mode: WaveMode,
    pub per_fan_limit: i64,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub eligibility: Eligibility,
    /// Units per channel (codes of the channel registry, checked by the use case), summing to
    /// `quantity`; empty: all of it online. Orders through canyu are the own channel's
    /// (`online`); the other channels' units are theirs to sell.
    pub channels: BTreeMap<String, i64>,
    /// Of the online units, those kept for F-code holders (the F-code lane): sold only to
    /// orders that use a code, even when the general stock is gone. 0 by default.
    pub fcode_quantity: i64,
}

impl WaveRules {
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        sku: Option<&str>,
        quantity: i64,
        mode: &str,
        per_fan_limit: Option<i64>,
        starts_at: Millis,
        ends_at: Millis,
        eligibility: Eligibility,
        channels: BTreeMap<String, i64>,
    ) -> Result<WaveRules, ErrorCode> {
        let sku = sku.map(str::trim).unwrap_or("").to_string();
        if sku.chars().count() > SKU_MAX_CHARS || sku.chars().any(char::is_control) {
            return Err(ErrorCode::InvalidSku);
        }
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(ErrorCode::InvalidWaveQuantity);
        }
        let mode = WaveMode::parse(mode)?;
        let per_fan_limit = per_fan_limit.unwrap_or(1);
        if !(1..=MAX_PER_FAN_LIMIT).contains(&per_fan_limit) {
            return Err(ErrorCode::InvalidPerFanLimit);
        }
        if ends_at <= starts_at || ends_at - starts_at > MAX_WAVE_MS {
            return Err(ErrorCode::InvalidWaveWindow);
        }
        if !channels.is_empty()
            && (channels.keys().any(|c| crate::pricing::parse_channel_code(c).as_deref() != Ok(c.as_str()))
                || channels.values().any(|&n| n < 0)
                // Checked: units near i64::MAX would wrap around to the quantity.
                || channels.values().try_fold(0i64, |sum, &n| sum.checked_add(n)) != Some(quantity))
        {
            return Err(ErrorCode::InvalidChannels);
        }
        Ok(WaveRules {
            sku,
            quantity,
            mode,
            per_fan_limit,
            starts_at,
            ends_at,
            eligibility,
            channels,
            fcode_quantity: 0,
        })
    }

    /// Keeps `fcode_quantity` of the online units for F-code holders (0 to the online quantity).
    pub fn with_fcode_quantity(mut self, fcode_quantity: i64) -> Result<WaveRules, ErrorCode> {
        if !(0..=self.online_quantity()).contains(&fcode_quantity) {
            return Err(ErrorCode::InvalidFCodeQuantity);
        }
        self.fcode_quantity = fcode_quantity;
        Ok(self)
    }

    /// The rules with a new total `quantity` (staff adding stock to a wave, or taking back
    /// units not sold). Units added or taken back are the online channel's, the only one
    /// canyu sells; the F-code lane keeps its units. Whether enough units are left for what
    /// was sold is the engine's to say, under its lock.
    pub fn with_quantity(&self, quantity: i64) -> Result<WaveRules, ErrorCode> {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(ErrorCode::InvalidWaveQuantity);
        }
        let mut rules = self.clone();
        if !rules.channels.is_empty() {
            let online = rules.channels.entry("online".to_string()).or_insert(0);
            *online += quantity - self.quantity;
            if *online < 0 {
                return Err(ErrorCode::QuantityBelowOtherChannels);
            }
        }
        rules.quantity = quantity;
        if rules.online_quantity() < rules.fcode_quantity {
            return Err(ErrorCode::QuantityBelowFCodeLane);
        }
        Ok(rules)
    }

    /// The window a wave may be moved to at `now` (staff ending a wave early, giving it
    /// longer, or moving one that has not started). `starts_at` may only move before the
    /// wave starts, and not into the past; the end may not move into the past; a wave that
    /// has ended stays ended (its buyers were told so, and a draw closed its list); and the
    /// window keeps its rules: the end after the start, at most [`MAX_WAVE_MS`] later.
    pub fn moved_window(
        &self,
        starts_at: Option<Millis>,
        ends_at: Option<Millis>,
        now: Millis,
    ) -> Result<(Millis, Millis), ErrorCode> {
        if now >= self.ends_at {
            return Err(ErrorCode::WaveEnded);
        }
        let starts_at = match starts_at {
            Some(s) if s == self.starts_at => s,
            Some(_) if now >= self.starts_at => return Err(ErrorCode::WaveAlreadyStarted),
            Some(s) if s < now => return Err(ErrorCode::WaveStartInPast),
            Some(s) => s,
            None => self.starts_at,
        };
        let ends_at = ends_at.unwrap_or(self.ends_at);
        if ends_at < now {
            return Err(ErrorCode::WaveEndInPast);
        }
        if ends_at <= starts_at || ends_at - starts_at > MAX_WAVE_MS {
            return Err(ErrorCode::InvalidWaveWindow);
        }
        Ok((starts_at, ends_at))
    }

    /// Whether `now` falls in the window (from its start, until its end).
    pub fn in_window(&self, now: Millis) -> bool {
        (self.starts_at..self.ends_at).contains(&now)
    }

    /// Units sold through canyu's own order endpoint.
    pub fn online_quantity(&self) -> i64 {
        if self.channels.is_empty() {
            self.quantity
        } else {
            self.channels.get("online").copied().unwrap_or(0)
        }
    }
}

/// The `Idempotency-Key` header: required on orders so a retry is recognised.
pub fn parse_idempotency_key(raw: Option<&str>) -> Result<String, ErrorCode> {
    let key = raw.map(str::trim).unwrap_or("");
    if key.is_empty() {
        return Err(ErrorCode::IdempotencyKeyRequired);
    }
    if key.len() > IDEMPOTENCY_KEY_MAX || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ErrorCode::InvalidIdempotencyKey);
    }
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_modes_and_eligibility_kinds_are_the_parsed_ones() {
        for mode in WaveMode::ALL {
            assert_eq!(WaveMode::parse(mode.as_str()), Ok(mode));
        }
        for kind in Eligibility::KINDS {
            let level = (kind == "min_level").then_some(1);
            let product = (kind == "owners_of").then_some(7);
            assert_eq!(Eligibility::parse(Some(kind), level, product).map(Eligibility::kind), Ok(kind));
        }
        assert_eq!(WaveMode::parse("first_come"), Err(ErrorCode::InvalidWaveMode));
    }

    #[test]
    fn a_new_quantity_moves_the_online_units() {
        let channels: BTreeMap<String, i64> =
            [("online".to_string(), 60), ("offline".to_string(), 40)].into();
        let rules =
            WaveRules::parse(None, 100, "fcfs", None, 0, 1_000, Eligibility::Everyone, channels).unwrap();
        let rules = rules.with_fcode_quantity(10).unwrap();
        let more = rules.with_quantity(150).unwrap();
        assert_eq!((more.quantity, more.online_quantity(), more.channels["offline"]), (150, 110, 40));
        let fewer = rules.with_quantity(50).unwrap();
        assert_eq!((fewer.online_quantity(), fewer.fcode_quantity), (10, 10));
        assert_eq!(rules.with_quantity(49), Err(ErrorCode::QuantityBelowFCodeLane));
        assert_eq!(rules.with_quantity(39), Err(ErrorCode::QuantityBelowOtherChannels));
        assert_eq!(rules.with_quantity(0), Err(ErrorCode::InvalidWaveQuantity));
        let plain = WaveRules::parse(None, 5, "fcfs", None, 0, 1_000, Eligibility::Everyone, BTreeMap::new());
        assert_eq!(plain.unwrap().with_quantity(7).unwrap().online_quantity(), 7);
    }

    #[test]
    fn a_wave_on_sale_may_end_early_or_later_and_a_future_one_may_move() {
        let wave = rules(10, 1_000, 5_000, &[]).expect("valid");
        let window: Vec<bool> = [999, 1_000, 4_999, 5_000].iter().map(|&t| wave.in_window(t)).collect();
        assert_eq!(window, [false, true, true, false], "from the start, until the end");
        let end = |e, now| wave.moved_window(None, Some(e), now);
        assert_eq!(end(2_000, 2_000), Ok((1_000, 2_000)), "ending now");
        assert_eq!(end(9_000, 2_000), Ok((1_000, 9_000)), "longer");
        assert_eq!(end(1_999, 2_000), Err(ErrorCode::WaveEndInPast));
        assert_eq!(end(1_000 + MAX_WAVE_MS + 1, 2_000), Err(ErrorCode::InvalidWaveWindow));
        assert_eq!(end(9_000, 5_000), Err(ErrorCode::WaveEnded), "ended stays ended");
        assert_eq!(end(800, 500), Err(ErrorCode::InvalidWaveWindow), "not before its start");
        // Before the start, the start moves too (not into the past); after it, it is fixed.
        assert_eq!(wave.moved_window(Some(3_000), None, 500), Ok((3_000, 5_000)));
        assert_eq!(wave.moved_window(Some(6_000), Some(8_000), 500), Ok((6_000, 8_000)));
        assert_eq!(wave.moved_window(Some(6_000), None, 500), Err(ErrorCode::InvalidWaveWindow));
        assert_eq!(wave.moved_window(Some(400), None, 500), Err(ErrorCode::WaveStartInPast));
        assert_eq!(wave.moved_window(Some(3_000), None, 2_000), Err(ErrorCode::WaveAlreadyStarted));
        assert_eq!(wave.moved_window(Some(1_000), Some(9_000), 2_000), Ok((1_000, 9_000)), "same start");
    }

    fn rules(
        quantity: i64,
        start: Millis,
        end: Millis,
        channels: &[(&str, i64)],
    ) -> Result<WaveRules, ErrorCode> {
        WaveRules::parse(
            Some("SU7 Max 橄榄绿"),
            quantity,
            "fcfs",
            None,
            start,
            end,
            Eligibility::Everyone,
            channels.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        )
    }

    #[test]
    fn waves_validate() {
        let ok = rules(1000, 0, 60_000, &[]).expect("valid");
        assert_eq!((ok.per_fan_limit, ok.online_quantity()), (1, 1000));
        assert_eq!(rules(0, 0, 1, &[]), Err(ErrorCode::InvalidWaveQuantity));
        assert_eq!(rules(10, 5, 5, &[]), Err(ErrorCode::InvalidWaveWindow));
        assert_eq!(rules(10, 0, MAX_WAVE_MS + 1, &[]), Err(ErrorCode::InvalidWaveWindow));
        let split =
            rules(1000, 0, 1, &[("online", 700), ("partners", 200), ("offline", 100)]).expect("split");
        assert_eq!(split.online_quantity(), 700);
        assert_eq!(rules(1000, 0, 1, &[("online", 700)]), Err(ErrorCode::InvalidChannels));
        // Any registry code is the rule's to accept (the use case checks the registry).
        assert!(rules(10, 0, 1, &[("tmall", 10)]).is_ok());
        assert_eq!(rules(10, 0, 1, &[("Tmall!", 10)]), Err(ErrorCode::InvalidChannels));
        assert_eq!(rules(10, 0, 1, &[(" tmall", 10)]), Err(ErrorCode::InvalidChannels));
        // Two units of i64::MAX and 12 wrap around to 10 when summed unchecked.
        let wraps = [("online", i64::MAX), ("partners", i64::MAX), ("offline", 12)];
        assert_eq!(rules(10, 0, 1, &wraps), Err(ErrorCode::InvalidChannels));
        assert_eq!(
            WaveRules::parse(None, 1, "lottery", None, 0, 1, Eligibility::Everyone, BTreeMap::new()),
            Err(ErrorCode::InvalidWaveMode)
        );
        assert_eq!(
            WaveRules::parse(None, 1, "fcfs", Some(0), 0, 1, Eligibility::Everyone, BTreeMap::new()),
            Err(ErrorCode::InvalidPerFanLimit)
        );
    }

    #[test]
    fn eligibility_parses() {
        assert_eq!(Eligibility::parse(None, None, None), Ok(Eligibility::Everyone));
        assert_eq!(Eligibility::parse(Some("min_level"), Some(3), None), Ok(Eligibility::MinLevel(3)));
        assert_eq!(Eligibility::parse(Some("min_level"), None, None), Err(ErrorCode::InvalidEligibility));
        assert_eq!(Eligibility::parse(Some("beta"), Some(2), None), Err(ErrorCode::InvalidEligibility));
        assert_eq!(Eligibility::parse(Some("vip"), None, None), Err(ErrorCode::InvalidEligibility));
        assert_eq!(Eligibility::parse(Some("fcode"), None, None), Ok(Eligibility::FCode));
        assert_eq!(Eligibility::parse(Some("reservation"), None, None), Ok(Eligibility::Reservation));
        assert_eq!(Eligibility::parse(Some("owners_of"), None, Some(3)), Ok(Eligibility::OwnersOf(3)));
        assert_eq!(Eligibility::parse(Some("owners_of"), None, None), Err(ErrorCode::InvalidEligibility));
        assert_eq!(Eligibility::parse(Some("everyone"), None, Some(3)), Err(ErrorCode::InvalidEligibility));
    }

    #[test]
    fn idempotency_keys() {
        assert_eq!(parse_idempotency_key(Some(" 4b1c-9 ")), Ok("4b1c-9".into()));
        assert_eq!(parse_idempotency_key(None), Err(ErrorCode::IdempotencyKeyRequired));
        assert_eq!(parse_idempotency_key(Some("a b")), Err(ErrorCode::InvalidIdempotencyKey));
        assert_eq!(parse_idempotency_key(Some(&"k".repeat(129))), Err(ErrorCode::InvalidIdempotencyKey));
    }
}
