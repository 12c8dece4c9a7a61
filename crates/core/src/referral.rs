//! 口碑 (word of mouth): fans bring fans. Each fan has a referral code; a fan who signs up
//! with it is their invitee. The reward vests only after the invitee's own qualifying action
//! (a first own-channel order past China's 7-day no-reason return window, or locked), once per
//! invitee, capped per referrer per month, and never for the referrer's own second account:
//! the rules below name why a referral was refused.

use crate::{ErrorCode, Locale, Millis};
use std::net::IpAddr;

/// Codes are written from this alphabet: no 0/O, 1/I/L, so a code read off a poster is typed
/// back right.
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 8;
/// The referral cookie's lifetime: a link opened today still counts for a sign-up this month.
pub const COOKIE_DAYS: i64 = 30;
/// A paid order vests its referral once China's 7-day no-reason return window
/// (七天无理由退货) has passed without a return; a locked order vests at once.
pub const VEST_AFTER_MS: Millis = 7 * 86_400_000;
/// Invitees of one referrer signing up from one network (/24 or /64) within an hour: from the
/// `BURST`-th on, the whole burst waits for staff review.
pub const BURST: i64 = 3;
pub const BURST_WINDOW_MS: Millis = 3_600_000;
/// Rewards a referrer collects in one calendar month by default; the rest stay qualified
/// and are paid in a later month.
pub const DEFAULT_MONTHLY_CAP: i64 = 10;
pub const NOTE_MAX_CHARS: usize = 200;

/// A referral code as stored: eight characters of [`ALPHABET`], upper case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralCode(String);

impl ReferralCode {
    /// Reads a code as a fan types or a link carries it: case and surrounding spaces ignored.
    pub fn parse(raw: &str) -> Result<ReferralCode, ErrorCode> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b)) {
            Ok(ReferralCode(code))
        } else {
            Err(ErrorCode::ReferralCodeUnknown)
        }
    }

    /// A code from random bytes (the caller's randomness: this crate does no I/O).
    pub fn from_random(bytes: [u8; CODE_LEN]) -> ReferralCode {
        ReferralCode(bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a referral stands. `Held` is shown to the referrer as pending, under review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferralStatus {
    /// Signed up; the qualifying action has not happened yet.
    Pending,
    /// Part of a burst from one network: waits for staff to approve or reject it.
    Held,
    /// Qualified; the reward waits for the referrer's monthly cap to have room.
    Qualified,
    Rewarded,
    Rejected,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 5] = [
        ReferralStatus::Pending,
        ReferralStatus::Held,
        ReferralStatus::Qualified,
        ReferralStatus::Rewarded,
        ReferralStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::Pending => "pending",
            ReferralStatus::Held => "held",
            ReferralStatus::Qualified => "qualified",
            ReferralStatus::Rewarded => "rewarded",
            ReferralStatus::Rejected => "rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<ReferralStatus> {
        ReferralStatus::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// What the referrer is told: a held referral is still pending for them.
    pub fn public(self) -> ReferralStatus {
        match self {
            ReferralStatus::Held => ReferralStatus::Pending,
            other => other,
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ReferralStatus::Pending, Locale::ZhCn) => "待达标",
            (ReferralStatus::Held, Locale::ZhCn) => "审核中",
            (ReferralStatus::Qualified, Locale::ZhCn) => "已达标",
            (ReferralStatus::Rewarded, Locale::ZhCn) => "已奖励",
            (ReferralStatus::Rejected, Locale::ZhCn) => "未通过",
            (ReferralStatus::Pending, Locale::En) => "Pending",
            (ReferralStatus::Held, Locale::En) => "Under review",
            (ReferralStatus::Qualified, Locale::En) => "Qualified",
            (ReferralStatus::Rewarded, Locale::En) => "Rewarded",
            (ReferralStatus::Rejected, Locale::En) => "Rejected",
        }
    }
}

/// Why a referral earned nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// The invitee signed up or ordered from a browser or app the referrer uses.
    SameDevice,
    /// The invitee is verified (实名) as the same person as the referrer.
    SamePerson,
    /// The invitee's order goes to an address the referrer's orders went to.
    SameAddress,
    /// The invitee's first order was refunded or returned before the reward vested.
    Refunded,
    /// Staff rejected it on review (their note says why).
    StaffRejected,
}

impl RejectReason {
    pub const ALL: [RejectReason; 5] = [
        RejectReason::SameDevice,
        RejectReason::SamePerson,
        RejectReason::SameAddress,
        RejectReason::Refunded,
        RejectReason::StaffRejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::SameDevice => "same_device",
            RejectReason::SamePerson => "same_person",
            RejectReason::SameAddress => "same_address",
            RejectReason::Refunded => "refunded",
            RejectReason::StaffRejected => "staff_rejected",
        }
    }

    pub fn parse(raw: &str) -> Option<RejectReason> {
        RejectReason::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (RejectReason::SameDevice, Locale::ZhCn) => "与邀请人使用同一设备",
            (RejectReason::SamePerson, Locale::ZhCn) => "与邀请人实名认证为同一人",
            (RejectReason::SameAddress, Locale::ZhCn) => "与邀请人收货地址相同",
            (RejectReason::Refunded, Locale::ZhCn) => "首单在奖励生效前退款或退货",
            (RejectReason::StaffRejected, Locale::ZhCn) => "工作人员审核未通过",
            (RejectReason::SameDevice, Locale::En) => "Same device as the referrer",
            (RejectReason::SamePerson, Locale::En) => "Verified as the same person as the referrer",
            (RejectReason::SameAddress, Locale::En) => "Same delivery address as the referrer",
            (RejectReason::Refunded, Locale::En) => {
                "First order refunded or returned before the reward vested"
            }
            (RejectReason::StaffRejected, Locale::En) => "Rejected by staff on review",
        }
    }
}

/// The network a sign-up came from, for the burst rule: the /24 of an IPv4 address, the /64
/// of an IPv6 one (one household or office gets a whole /64). An IPv4-mapped IPv6 address
/// counts as IPv4.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What vests a referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QualifyRule {
    /// Reaching this level (2–6) qualifies too; `None`: only an order does.
    pub level: Option<u8>,
}

/// The invitee's first own-channel order as the vesting rule sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstOrder {
    /// Paid in full at this time; returnable for seven days.
    Paid { at: Millis },
    /// Locked (锁单): no longer refundable.
    Locked,
    /// Refunded or returned.
    Undone,
    /// Placed or deposited, not yet sold.
    Open,
}

/// What the vesting job does with a pending referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vesting {
    Wait,
    Qualify,
    Reject(RejectReason),
}

/// Decides a pending referral from the invitee's first sold-or-undone order and level.
pub fn vesting(first: Option<FirstOrder>, invitee_level: u8, rule: QualifyRule, now: Millis) -> Vesting {
    match first {
        Some(FirstOrder::Locked) => Vesting::Qualify,
        Some(FirstOrder::Paid { at }) if now >= at + VEST_AFTER_MS => Vesting::Qualify,
        Some(FirstOrder::Undone) => Vesting::Reject(RejectReason::Refunded),
        _ if rule.level.is_some_and(|l| invitee_level >= l) => Vesting::Qualify,
        _ => Vesting::Wait,
    }
}

/// Where a referral starts: refused when the invitee signs up from a device the referrer
/// uses, held for review when it is the [`BURST`]-th or later sign-up of the referrer's
/// invitees from one network within the hour, pending otherwise.
pub fn at_sign_up(shares_device: bool, burst_nth: i64) -> (ReferralStatus, Option<RejectReason>) {
    if shares_device {
        (ReferralStatus::Rejected, Some(RejectReason::SameDevice))
    } else if is_burst(burst_nth) {
        (ReferralStatus::Held, None)
    } else {
        (ReferralStatus::Pending, None)
    }
}

/// Whether the `nth` sign-up (counting this one) of a referrer's invitees from one network
/// within the burst window waits for review.
pub fn is_burst(nth: i64) -> bool {
    nth >= BURST
}

/// The word-of-mouth coefficient of a month: the share of the month's new fans who came by a
/// referral that qualified (0–1). `None` for a month nobody joined.
pub fn word_of_mouth(new_fans: i64, qualified_invitees: i64) -> Option<f64> {
    (new_fans > 0).then(|| qualified_invitees.clamp(0, new_fans) as f64 / new_fans as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_as_typed() {
        let code = ReferralCode::from_random([0, 1, 30, 31, 200, 255, 7, 8]);
        assert_eq!(code.as_str().len(), CODE_LEN);
        assert_eq!(ReferralCode::parse(&format!(" {} ", code.as_str().to_lowercase())), Ok(code.clone()));
        for bad in ["", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", "ABCDEFG\u{0}", "阿BCDEFG"] {
            assert_eq!(ReferralCode::parse(bad), Err(ErrorCode::ReferralCodeUnknown), "{bad:?}");
        }
    }

    #[test]
    fn networks_group_a_household() {
        let a: IpAddr = "203.0.113.7".parse().unwrap();
        let b: IpAddr = "203.0.113.250".parse().unwrap();
        let c: IpAddr = "203.0.114.7".parse().unwrap();
        assert_eq!(network_of(a), network_of(b));
        assert_ne!(network_of(a), network_of(c));
        let v6a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let v6c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network_of(v6a), "2001:db8:1:2::/64");
        assert_eq!(network_of(v6a), network_of(v6b));
        assert_ne!(network_of(v6a), network_of(v6c));
        let mapped: IpAddr = "::ffff:203.0.113.9".parse().unwrap();
        assert_eq!(network_of(mapped), network_of(a));
    }

    #[test]
    fn a_reward_vests_after_the_return_window() {
        let rule = QualifyRule { level: None };
        let paid = 1_000;
        let first = Some(FirstOrder::Paid { at: paid });
        assert_eq!(vesting(first, 1, rule, paid + VEST_AFTER_MS - 1), Vesting::Wait);
        assert_eq!(vesting(first, 1, rule, paid + VEST_AFTER_MS), Vesting::Qualify);
        assert_eq!(vesting(Some(FirstOrder::Locked), 1, rule, 0), Vesting::Qualify);
        assert_eq!(vesting(Some(FirstOrder::Undone), 6, rule, 0), Vesting::Reject(RejectReason::Refunded));
        assert_eq!(vesting(Some(FirstOrder::Open), 6, rule, 0), Vesting::Wait);
        assert_eq!(vesting(None, 6, rule, 0), Vesting::Wait);
        let by_level = QualifyRule { level: Some(3) };
        assert_eq!(vesting(None, 2, by_level, 0), Vesting::Wait);
        assert_eq!(vesting(None, 3, by_level, 0), Vesting::Qualify);
        assert_eq!(vesting(Some(FirstOrder::Open), 4, by_level, 0), Vesting::Qualify);
    }

    #[test]
    fn a_sign_up_starts_pending_held_or_refused() {
        assert_eq!(at_sign_up(false, 1), (ReferralStatus::Pending, None));
        assert_eq!(at_sign_up(false, BURST), (ReferralStatus::Held, None));
        assert_eq!(at_sign_up(true, BURST), (ReferralStatus::Rejected, Some(RejectReason::SameDevice)));
    }

    #[test]
    fn bursts_and_the_coefficient() {
        assert!(!is_burst(BURST - 1));
        assert!(is_burst(BURST));
        assert_eq!(word_of_mouth(0, 0), None);
        assert_eq!(word_of_mouth(10, 3), Some(0.3));
        assert_eq!(word_of_mouth(2, 5), Some(1.0));
    }

    #[test]
    fn held_is_pending_to_the_referrer() {
        assert_eq!(ReferralStatus::Held.public(), ReferralStatus::Pending);
        for s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(s.as_str()), Some(s));
        }
        for r in RejectReason::ALL {
            assert_eq!(RejectReason::parse(r.as_str()), Some(r));
        }
    }
}
