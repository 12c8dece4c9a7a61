//! Fan events (the 米粉节 fan festival and 同城会 city meetups): what an event may be, who may
//! take a place when, how long a waitlist offer lasts, who lost the priority window for not
//! turning up, and the signed ticket a scanner checks offline.
//!
//! Places are counted in people: a fan and their guests are one unit that fits whole or waits
//! whole (pretix#974), so `capacity` is never exceeded by a party squeezed in.

use crate::time::Zone;
use crate::{ErrorCode, Millis};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const HOUR: Millis = 3_600_000;

pub const TITLE_MAX_CHARS: usize = 80;
pub const PLACE_MAX_CHARS: usize = 120;
pub const DESCRIPTION_MAX_CHARS: usize = 5_000;
pub const MAX_CAPACITY: i64 = 100_000;
/// A fan brings at most this many guests, whatever an event allows.
pub const MAX_GUESTS: i64 = 10;
pub const MAX_PRIORITY_HOURS: i64 = 24 * 14;
pub const DEFAULT_OFFER_HOURS: i64 = 24;
/// Confirmed fans are asked this long before the start whether they still come.
pub const ATTENDANCE_PROMPT_HOURS: i64 = 48;
/// An offer never lasts less than this, however close the start: someone must be able to see
/// it and answer.
pub const MIN_OFFER_MINUTES: i64 = 15;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The yearly 米粉节.
    Festival,
    /// A 同城会 meetup, usually run by a city club's organisers.
    Meetup,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Festival => "festival",
            EventKind::Meetup => "meetup",
        }
    }

    pub fn parse(raw: &str) -> Result<EventKind, ErrorCode> {
        match raw.trim() {
            "festival" => Ok(EventKind::Festival),
            "meetup" => Ok(EventKind::Meetup),
            _ => Err(ErrorCode::InvalidEventKind),
        }
    }
}

/// Where a fan's place stands. The first three are live (hold or wait for places); the rest
/// end the place and say why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpStatus {
    Confirmed,
    /// A freed place waits for this unit's answer until the offer expires.
    Offered,
    Waitlisted,
    /// The fan gave the place back.
    Cancelled,
    /// The fan left the waitlist.
    Left,
    /// The fan declined an offer.
    Declined,
    /// An offer went unanswered and passed on.
    Expired,
    /// The fan did not confirm they still come, and the place went to the waitlist.
    Released,
    /// The team took the place away, with a reason.
    Removed,
}

impl RsvpStatus {
    pub const LIVE: [RsvpStatus; 3] = [RsvpStatus::Confirmed, RsvpStatus::Offered, RsvpStatus::Waitlisted];

    pub fn as_str(self) -> &'static str {
        match self {
            RsvpStatus::Confirmed => "confirmed",
            RsvpStatus::Offered => "offered",
            RsvpStatus::Waitlisted => "waitlisted",
            RsvpStatus::Cancelled => "cancelled",
            RsvpStatus::Left => "left",
            RsvpStatus::Declined => "declined",
            RsvpStatus::Expired => "expired",
            RsvpStatus::Released => "released",
            RsvpStatus::Removed => "removed",
        }
    }

    pub fn parse(raw: &str) -> Option<RsvpStatus> {
        [
            RsvpStatus::Confirmed,
            RsvpStatus::Offered,
            RsvpStatus::Waitlisted,
            RsvpStatus::Cancelled,
            RsvpStatus::Left,
            RsvpStatus::Declined,
            RsvpStatus::Expired,
            RsvpStatus::Released,
            RsvpStatus::Removed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }

    pub fn is_live(self) -> bool {
        RsvpStatus::LIVE.contains(&self)
    }

    /// Confirmed and offered units hold places; a waitlisted one does not.
    pub fn holds_places(self) -> bool {
        matches!(self, RsvpStatus::Confirmed | RsvpStatus::Offered)
    }

    /// What giving up a live place is called: a confirmed place is cancelled, an offer
    /// declined, a waitlist spot left.
    pub fn given_up(self) -> Option<RsvpStatus> {
        match self {
            RsvpStatus::Confirmed => Some(RsvpStatus::Cancelled),
            RsvpStatus::Offered => Some(RsvpStatus::Declined),
            RsvpStatus::Waitlisted => Some(RsvpStatus::Left),
            _ => None,
        }
    }
}

/// An event as staff or organisers set it up, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct EventPlan {
    pub title: String,
    pub kind: EventKind,
    pub city: String,
    pub venue: String,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub zone: Zone,
    pub capacity: i64,
    pub rsvp_opens_at: Millis,
    pub rsvp_closes_at: Millis,
    pub max_guests: i64,
    /// Fans at this level or above take places `priority_hours` before everyone else.
    pub priority_min_level: Option<u8>,
    pub priority_hours: i64,
    pub offer_hours: i64,
    pub description: String,
}

/// What [`EventPlan::parse`] reads; the adapters fill it from JSON or a form.
pub struct EventDraft<'a> {
    pub title: &'a str,
    pub kind: &'a str,
    pub city: &'a str,
    pub venue: &'a str,
    pub starts_at: Millis,
    pub ends_at: Millis,
    pub time_zone: Option<&'a str>,
    pub capacity: i64,
    pub rsvp_opens_at: Millis,
    pub rsvp_closes_at: Millis,
    pub max_guests: Option<i64>,
    pub priority_min_level: Option<i64>,
    pub priority_hours: Option<i64>,
    pub offer_hours: Option<i64>,
    pub description: &'a str,
}

fn clean(raw: &str, max: usize, empty: ErrorCode, long: ErrorCode) -> Result<String, ErrorCode> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(empty);
    }
    if text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(long);
    }
    Ok(text.to_string())
}

impl EventPlan {
    /// Checks a draft: texts within bounds, the event ends after it starts, places are taken
    /// in a window that closes by the start, and the numbers are sane. `site_zone` is used when
    /// the draft names none.
    pub fn parse(d: EventDraft<'_>, site_zone: &Zone) -> Result<EventPlan, ErrorCode> {
        let title =
            clean(d.title, TITLE_MAX_CHARS, ErrorCode::EventTitleInvalid, ErrorCode::EventTitleInvalid)?;
        let kind = EventKind::parse(d.kind)?;
        let city = clean(d.city, 40, ErrorCode::EventPlaceInvalid, ErrorCode::EventPlaceInvalid)?;
        let venue =
            clean(d.venue, PLACE_MAX_CHARS, ErrorCode::EventPlaceInvalid, ErrorCode::EventPlaceInvalid)?;
        let zone = match d.time_zone.map(str::trim).filter(|z| !z.is_empty()) {
            Some(name) => Zone::parse(name).map_err(|_| ErrorCode::InvalidTimeZone)?,
            None => site_zone.clone(),
        };
        if d.ends_at <= d.starts_at
            || d.rsvp_closes_at <= d.rsvp_opens_at
            || d.rsvp_closes_at > d.starts_at
            || d.ends_at - d.starts_at > 14 * 24 * HOUR
        {
            return Err(ErrorCode::InvalidEventTimes);
        }
        if !(1..=MAX_CAPACITY).contains(&d.capacity) {
            return Err(ErrorCode::InvalidCapacity);
        }
        let max_guests = d.max_guests.unwrap_or(0);
        if !(0..=MAX_GUESTS).contains(&max_guests) || max_guests >= d.capacity {
            return Err(ErrorCode::TooManyGuests);
        }
        let priority_min_level = match d.priority_min_level {
            None => None,
            Some(l @ 1..=6) => Some(l as u8),
            Some(_) => return Err(ErrorCode::InvalidPriority),
        };
        let priority_hours = d.priority_hours.unwrap_or(if priority_min_level.is_some() { 24 } else { 0 });
        if !(0..=MAX_PRIORITY_HOURS).contains(&priority_hours)
            || (priority_hours > 0 && priority_min_level.is_none())
        {
            return Err(ErrorCode::InvalidPriority);
        }
        let offer_hours = d.offer_hours.unwrap_or(DEFAULT_OFFER_HOURS);
        if !(1..=168).contains(&offer_hours) {
            return Err(ErrorCode::InvalidEventTimes);
        }
        let description = d.description.trim();
        if description.chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(ErrorCode::BodyTooLong);
        }
        Ok(EventPlan {
            title,
            kind,
            city,
            venue,
            starts_at: d.starts_at,
            ends_at: d.ends_at,
            zone,
            capacity: d.capacity,
            rsvp_opens_at: d.rsvp_opens_at,
            rsvp_closes_at: d.rsvp_closes_at,
            max_guests,
            priority_min_level,
            priority_hours,
            offer_hours,
            description: description.to_string(),
        })
    }

    /// When fans with priority may start taking places.
    pub fn priority_opens_at(&self) -> Millis {
        self.rsvp_opens_at - self.priority_hours * HOUR
    }
}

/// When a fan may take a place: `Ok` when they may now, else why not.
pub fn may_take_place(
    now: Millis,
    opens_at: Millis,
    closes_at: Millis,
    priority_opens_at: Millis,
    has_priority: bool,
) -> Result<(), ErrorCode> {
    if now >= closes_at {
        return Err(ErrorCode::RsvpClosed);
    }
    if now >= opens_at {
        return Ok(());
    }
    if now < priority_opens_at || priority_opens_at >= opens_at {
        return Err(ErrorCode::RsvpNotOpen);
    }
    if has_priority { Ok(()) } else { Err(ErrorCode::NotEligible) }
}

/// When an offer made at `now` expires: `offer_hours` later, but close to the event it must
/// leave time for the place to pass on, so it lasts at most half the time left before the
/// start (never under [`MIN_OFFER_MINUTES`]). `None` once the event has started.
pub fn offer_expires_at(now: Millis, starts_at: Millis, offer_hours: i64) -> Option<Millis> {
    if now >= starts_at {
        return None;
    }
    let full = offer_hours * HOUR;
    let half_left = (starts_at - now) / 2;
    Some(now + full.min(half_left).max(MIN_OFFER_MINUTES * 60_000))
}

/// The no-show rule: fans with `limit` or more no-shows at events that ended in the last
/// `window_days` lose the priority window for `penalty_days` after the latest of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoShowRule {
    pub limit: i64,
    pub window_days: i64,
    pub penalty_days: i64,
}

impl Default for NoShowRule {
    fn default() -> Self {
        NoShowRule { limit: 2, window_days: 180, penalty_days: 90 }
    }
}

impl NoShowRule {
    /// Whether a fan whose no-shows happened at `no_shows` (events' end times) keeps the
    /// priority window at `now`.
    pub fn keeps_priority(&self, no_shows: &[Millis], now: Millis) -> bool {
        if self.limit <= 0 {
            return true;
        }
        let day = 24 * HOUR;
        let mut recent: Vec<Millis> =
            no_shows.iter().copied().filter(|&at| at <= now && at > now - self.window_days * day).collect();
        if (recent.len() as i64) < self.limit {
            return true;
        }
        recent.sort_unstable();
        // The penalty runs from the no-show that reached the limit: the latest one.
        let latest = recent.last().copied().unwrap_or(now);
        now >= latest + self.penalty_days * day
    }
}

// ---- tickets: what the QR code carries ----

/// `CY1.<payload>.<signature>`, both base64url without padding. The payload names the event,
/// the place (its row, which is also what a re-taken place changes) and the fan by number, and
/// the guests; nothing personal is in clear. The signature is Ed25519 over a domain tag and the
/// payload, with the event's own key, so a scanner checks it offline with the public key and
/// a copied code for one event is worthless at another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    pub event_id: i64,
    pub rsvp_id: i64,
    pub user_id: i64,
    pub guests: u8,
}

const TICKET_PREFIX: &str = "CY1.";
const TICKET_DOMAIN: &[u8] = b"canyu-ticket-v1:";
const PAYLOAD_LEN: usize = 25;

impl Ticket {
    fn payload(&self) -> [u8; PAYLOAD_LEN] {
        let mut out = [0u8; PAYLOAD_LEN];
        out[0..8].copy_from_slice(&self.event_id.to_be_bytes());
        out[8..16].copy_from_slice(&self.rsvp_id.to_be_bytes());
        out[16..24].copy_from_slice(&self.user_id.to_be_bytes());
        out[24] = self.guests;
        out
    }

    fn message(payload: &[u8]) -> Vec<u8> {
        [TICKET_DOMAIN, payload].concat()
    }

    pub fn sign(&self, key: &EventKey) -> String {
        let payload = self.payload();
        let signature = key.signing.sign(&Self::message(&payload));
        format!("{TICKET_PREFIX}{}.{}", b64(&payload), b64(&signature.to_bytes()))
    }

    /// Reads a ticket and checks its signature with `public_key`: `invalid_ticket` for
    /// anything forged, altered, truncated or signed by another event's key.
    pub fn verify(raw: &str, public_key: &[u8; 32]) -> Result<Ticket, ErrorCode> {
        let invalid = ErrorCode::InvalidTicket;
        let rest = raw.trim().strip_prefix(TICKET_PREFIX).ok_or(invalid)?;
        let (payload, signature) = rest.split_once('.').ok_or(invalid)?;
        let payload = unb64(payload).ok_or(invalid)?;
        let signature: [u8; 64] = unb64(signature).and_then(|s| s.try_into().ok()).ok_or(invalid)?;
        if payload.len() != PAYLOAD_LEN {
            return Err(invalid);
        }
        let key = VerifyingKey::from_bytes(public_key).map_err(|_| invalid)?;
        key.verify_strict(&Self::message(&payload), &Signature::from_bytes(&signature))
            .map_err(|_| invalid)?;
        let int = |range: std::ops::Range<usize>| {
            payload[range].try_into().map(i64::from_be_bytes).map_err(|_| invalid)
        };
        Ok(Ticket { event_id: int(0..8)?, rsvp_id: int(8..16)?, user_id: int(16..24)?, guests: payload[24] })
    }
}

/// An event's ticket key. The seed is kept with the event (only the server signs); the public
/// half goes to scanners.
pub struct EventKey {
    signing: SigningKey,
}

impl EventKey {
    pub fn from_seed(seed: [u8; 32]) -> EventKey {
        EventKey { signing: SigningKey::from_bytes(&seed) }
    }

    /// The seed as stored (base64url).
    pub fn seed_text(&self) -> String {
        b64(&self.signing.to_bytes())
    }

    pub fn parse_seed(text: &str) -> Option<EventKey> {
        let seed: [u8; 32] = unb64(text)?.try_into().ok()?;
        Some(EventKey::from_seed(seed))
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The public key as scanners get it (base64url).
    pub fn public_key_text(&self) -> String {
        b64(&self.public_key())
    }
}

pub fn parse_public_key(text: &str) -> Option<[u8; 32]> {
    unb64(text)?.try_into().ok()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding, the few lines it takes: core has no I/O and no base64 crate.
fn b64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn unb64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero padding, or two texts would decode to one ticket.
    if bits >= 6 || acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = HOUR;

    #[test]
    fn base64url_round_trips_every_length_and_refuses_non_canonical_text() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(unb64(&b64(&bytes)).as_deref(), Some(&bytes[..]), "{len}");
        }
        assert_eq!(b64(b"\xfb\xff"), "-_8");
        assert!(unb64("-_9").is_none(), "non-zero padding bits");
        assert!(unb64("ab+c").is_none(), "standard alphabet refused");
        assert!(unb64("a").is_none());
    }

    #[test]
    fn a_signed_ticket_verifies_and_any_change_is_refused() {
        let key = EventKey::from_seed([7; 32]);
        let ticket = Ticket { event_id: 12, rsvp_id: 345, user_id: 6789, guests: 2 };
        let raw = ticket.sign(&key);
        assert!(raw.starts_with("CY1."));
        assert_eq!(Ticket::verify(&raw, &key.public_key()), Ok(ticket));
        // Another event's key.
        let other = EventKey::from_seed([8; 32]);
        assert_eq!(Ticket::verify(&raw, &other.public_key()), Err(ErrorCode::InvalidTicket));
        // Every single-character change of the payload or signature.
        let bytes = raw.as_bytes();
        for i in 4..raw.len() {
            if bytes[i] == b'.' {
                continue;
            }
            let mut altered = bytes.to_vec();
            altered[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let altered = String::from_utf8(altered).unwrap();
            assert_eq!(Ticket::verify(&altered, &key.public_key()), Err(ErrorCode::InvalidTicket), "{i}");
        }
        // More guests, signed with another key: refused.
        let forged = Ticket { guests: 9, ..ticket }.sign(&other);
        assert_eq!(Ticket::verify(&forged, &key.public_key()), Err(ErrorCode::InvalidTicket));
        for junk in ["", "CY1.", "CY1..", "CY2.AAAA.BBBB", "hello"] {
            assert_eq!(Ticket::verify(junk, &key.public_key()), Err(ErrorCode::InvalidTicket));
        }
        let key_again = EventKey::parse_seed(&key.seed_text()).unwrap();
        assert_eq!(key_again.public_key(), key.public_key());
        assert_eq!(parse_public_key(&key.public_key_text()), Some(key.public_key()));
    }

    #[test]
    fn the_priority_window_opens_first_for_fans_with_priority() {
        let (priority, opens, closes) = (10 * H, 20 * H, 30 * H);
        assert_eq!(may_take_place(9 * H, opens, closes, priority, true), Err(ErrorCode::RsvpNotOpen));
        assert_eq!(may_take_place(10 * H, opens, closes, priority, true), Ok(()));
        assert_eq!(may_take_place(10 * H, opens, closes, priority, false), Err(ErrorCode::NotEligible));
        assert_eq!(may_take_place(20 * H, opens, closes, priority, false), Ok(()));
        assert_eq!(may_take_place(30 * H, opens, closes, priority, true), Err(ErrorCode::RsvpClosed));
        // No priority window at all: nobody early.
        assert_eq!(may_take_place(19 * H, opens, closes, opens, true), Err(ErrorCode::RsvpNotOpen));
    }

    #[test]
    fn offers_shorten_close_to_the_event() {
        let start = 100 * H;
        assert_eq!(offer_expires_at(0, start, 24), Some(24 * H));
        assert_eq!(offer_expires_at(90 * H, start, 24), Some(95 * H), "half the 10 hours left");
        assert_eq!(offer_expires_at(start - 60_000, start, 24), Some(start - 60_000 + 15 * 60_000));
        assert_eq!(offer_expires_at(start, start, 24), None);
    }

    #[test]
    fn two_no_shows_in_the_window_cost_the_priority_for_the_penalty() {
        let rule = NoShowRule::default();
        let day = 24 * H;
        let now = 1_000 * day;
        assert!(rule.keeps_priority(&[], now));
        assert!(rule.keeps_priority(&[now - 10 * day], now), "one is forgiven");
        assert!(!rule.keeps_priority(&[now - 100 * day, now - 10 * day], now));
        assert!(rule.keeps_priority(&[now - 100 * day, now - 91 * day], now), "penalty served");
        assert!(
            rule.keeps_priority(&[now - 200 * day, now - 10 * day], now),
            "the old one is outside the window"
        );
        assert!(NoShowRule { limit: 0, ..rule }.keeps_priority(&[now, now], now), "limit 0: rule off");
    }

    fn draft(zone: Option<&str>) -> EventDraft<'_> {
        EventDraft {
            title: " 米粉节 2026 ",
            kind: "festival",
            city: "北京",
            venue: "国家会议中心",
            starts_at: 100 * H,
            ends_at: 106 * H,
            time_zone: zone,
            capacity: 100,
            rsvp_opens_at: 10 * H,
            rsvp_closes_at: 99 * H,
            max_guests: Some(2),
            priority_min_level: Some(3),
            priority_hours: None,
            offer_hours: None,
            description: "",
        }
    }

    #[test]
    fn an_event_plan_is_checked() {
        let plan = EventPlan::parse(draft(None), &Zone::china()).unwrap();
        assert_eq!(plan.title, "米粉节 2026");
        assert_eq!(plan.zone.name(), "Asia/Shanghai");
        assert_eq!(plan.priority_hours, 24);
        assert_eq!(plan.priority_opens_at(), -14 * H);
        let berlin = EventPlan::parse(draft(Some("europe/berlin")), &Zone::china()).unwrap();
        assert_eq!(berlin.zone.name(), "Europe/Berlin");
        let bad = |f: fn(&mut EventDraft<'_>), code: ErrorCode| {
            let mut d = draft(None);
            f(&mut d);
            assert_eq!(EventPlan::parse(d, &Zone::china()).err(), Some(code));
        };
        bad(|d| d.title = "  ", ErrorCode::EventTitleInvalid);
        bad(|d| d.kind = "party", ErrorCode::InvalidEventKind);
        bad(|d| d.time_zone = Some("Mars/Olympus"), ErrorCode::InvalidTimeZone);
        bad(|d| d.ends_at = d.starts_at, ErrorCode::InvalidEventTimes);
        bad(|d| d.rsvp_closes_at = d.starts_at + 1, ErrorCode::InvalidEventTimes);
        bad(|d| d.capacity = 0, ErrorCode::InvalidCapacity);
        bad(|d| d.max_guests = Some(11), ErrorCode::TooManyGuests);
        bad(|d| d.priority_min_level = Some(7), ErrorCode::InvalidPriority);
        bad(
            |d| {
                d.priority_min_level = None;
                d.priority_hours = Some(5)
            },
            ErrorCode::InvalidPriority,
        );
    }
}
