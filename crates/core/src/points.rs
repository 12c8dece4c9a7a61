//! Fan points: what earns them, how much, and the levels and badges they lead to.
//!
//! Points are an append-only ledger (see the store): every entry has a [`Reason`] and a
//! reference (the post, the vote...) and a fan can earn each (reason, reference) once. A
//! fan's balance is the sum of their entries; nothing is ever edited, so a correction is a
//! new entry ([`Reason::Adjustment`]).

use crate::{ErrorCode, Millis};

/// Why points moved. The string forms are stored; never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The fan posted (capped per day).
    PostCreated,
    /// The fan voted for a post (capped per day).
    VoteCast,
    /// The team planned the fan's post.
    PostPlanned,
    /// The fan's post shipped.
    PostShipped,
    /// A post the fan voted for shipped.
    VotedPostShipped,
    /// The fan did their weekly beta duties.
    BetaDutyDone,
    /// A correction by staff, with a note.
    Adjustment,
    /// Margin over the pledge given back to a period's own-channel buyers, pro rata.
    GiveBack,
    /// The fan turned up at a fan event (checked in at the door).
    EventAttended,
    /// A fan the referrer invited qualified (口碑), once per invitee.
    ReferralRewarded,
    /// The invitee's welcome gift, when their referral vests.
    ReferralWelcome,
}

impl Reason {
    pub const ALL: [Reason; 11] = [
        Reason::PostCreated,
        Reason::VoteCast,
        Reason::PostPlanned,
        Reason::PostShipped,
        Reason::VotedPostShipped,
        Reason::BetaDutyDone,
        Reason::Adjustment,
        Reason::GiveBack,
        Reason::EventAttended,
        Reason::ReferralRewarded,
        Reason::ReferralWelcome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PostCreated => "post_created",
            Reason::VoteCast => "vote_cast",
            Reason::PostPlanned => "post_planned",
            Reason::PostShipped => "post_shipped",
            Reason::VotedPostShipped => "voted_post_shipped",
            Reason::BetaDutyDone => "beta_duty_done",
            Reason::Adjustment => "adjustment",
            Reason::GiveBack => "give_back",
            Reason::EventAttended => "event_attended",
            Reason::ReferralRewarded => "referral_rewarded",
            Reason::ReferralWelcome => "referral_welcome",
        }
    }

    pub fn parse(raw: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// Points awarded (adjustments and give-backs carry their own amount).
    pub fn points(self) -> i64 {
        match self {
            Reason::PostCreated => 2,
            Reason::VoteCast => 1,
            Reason::PostPlanned => 20,
            Reason::PostShipped => 100,
            Reason::VotedPostShipped => 5,
            Reason::BetaDutyDone => 30,
            Reason::EventAttended => 20,
            Reason::ReferralRewarded => 50,
            Reason::ReferralWelcome => 20,
            Reason::Adjustment | Reason::GiveBack => 0,
        }
    }

    /// At most this many awards of this reason per fan per day (China Standard Time), so
    /// points reward taking part rather than clicking.
    pub fn daily_cap(self) -> Option<i64> {
        match self {
            Reason::PostCreated => Some(5),
            Reason::VoteCast => Some(20),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Reason::PostCreated => "发帖",
            Reason::VoteCast => "投票支持",
            Reason::PostPlanned => "建议被列入计划",
            Reason::PostShipped => "建议已上线",
            Reason::VotedPostShipped => "支持的建议已上线",
            Reason::BetaDutyDone => "完成内测任务",
            Reason::Adjustment => "人工调整",
            Reason::GiveBack => "利润超出承诺返还",
            Reason::EventAttended => "参加米粉活动",
            Reason::ReferralRewarded => "邀请的好友达标",
            Reason::ReferralWelcome => "受邀加入的见面礼",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Reason::PostCreated => "Posted",
            Reason::VoteCast => "Voted",
            Reason::PostPlanned => "Post planned",
            Reason::PostShipped => "Post shipped",
            Reason::VotedPostShipped => "A post you voted for shipped",
            Reason::BetaDutyDone => "Beta duties done",
            Reason::Adjustment => "Adjustment",
            Reason::GiveBack => "Margin over the pledge, given back",
            Reason::EventAttended => "Came to a fan event",
            Reason::ReferralRewarded => "A friend you invited qualified",
            Reason::ReferralWelcome => "Welcome gift for joining by invitation",
        }
    }
}

/// Start of the day (00:00 China Standard Time) that `at` falls in: daily caps reset then.
pub fn day_start(at: Millis) -> Millis {
    crate::release::PlanDate::of(at).start_millis()
}

/// The largest staff adjustment either way.
pub const MAX_ADJUSTMENT: i64 = 100_000;

/// A staff correction: a non-zero amount within bounds, with a reason people can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adjustment {
    pub delta: i64,
    pub note: String,
}

impl Adjustment {
    pub fn parse(delta: i64, note: &str) -> Result<Adjustment, ErrorCode> {
        crate::text::refuse_controls(note)?;
        let note = note.trim();
        if delta == 0
            || delta.unsigned_abs() > MAX_ADJUSTMENT.unsigned_abs()
            || note.is_empty()
            || note.chars().count() > 200
        {
            return Err(ErrorCode::InvalidPointsAdjustment);
        }
        Ok(Adjustment { delta, note: note.to_string() })
    }
}

/// A fan level: reached at `min_points`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    pub number: u8,
    pub min_points: i64,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

pub const LEVELS: [Level; 6] = [
    Level { number: 1, min_points: 0, name_zh: "新粉", name_en: "Newcomer" },
    Level { number: 2, min_points: 50, name_zh: "活跃粉丝", name_en: "Regular" },
    Level { number: 3, min_points: 200, name_zh: "资深粉丝", name_en: "Enthusiast" },
    Level { number: 4, min_points: 600, name_zh: "核心粉丝", name_en: "Core fan" },
    Level { number: 5, min_points: 1500, name_zh: "荣誉粉丝", name_en: "Honoured fan" },
    Level { number: 6, min_points: 5000, name_zh: "传奇粉丝", name_en: "Legend" },
];

/// The level a balance reaches, and the next one (if any).
pub fn level_for(points: i64) -> (Level, Option<Level>) {
    let i = LEVELS.iter().rposition(|l| points >= l.min_points).unwrap_or(0);
    (LEVELS[i], LEVELS.get(i + 1).copied())
}

/// Badges: earned from what a fan has done, recomputed from the ledger and the posts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Badge {
    /// At least one of the fan's posts shipped.
    CoCreator,
    /// Five or more of the fan's posts shipped.
    SerialCoCreator,
    /// Voted for 10 posts that shipped.
    TrendSpotter,
    /// Completed beta duties in 4 or more weeks.
    BetaVeteran,
}

/// What the badges are computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BadgeFacts {
    pub shipped_posts: i64,
    pub shipped_votes: i64,
    pub beta_weeks: i64,
}

impl Badge {
    pub fn as_str(self) -> &'static str {
        match self {
            Badge::CoCreator => "co_creator",
            Badge::SerialCoCreator => "serial_co_creator",
            Badge::TrendSpotter => "trend_spotter",
            Badge::BetaVeteran => "beta_veteran",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Badge::CoCreator => "共创者",
            Badge::SerialCoCreator => "共创达人",
            Badge::TrendSpotter => "慧眼",
            Badge::BetaVeteran => "内测老兵",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Badge::CoCreator => "Co-creator",
            Badge::SerialCoCreator => "Serial co-creator",
            Badge::TrendSpotter => "Trend spotter",
            Badge::BetaVeteran => "Beta veteran",
        }
    }

    pub fn earned(facts: BadgeFacts) -> Vec<Badge> {
        let mut badges = Vec::new();
        if facts.shipped_posts >= 1 {
            badges.push(Badge::CoCreator);
        }
        if facts.shipped_posts >= 5 {
            badges.push(Badge::SerialCoCreator);
        }
        if facts.shipped_votes >= 10 {
            badges.push(Badge::TrendSpotter);
        }
        if facts.beta_weeks >= 4 {
            badges.push(Badge::BetaVeteran);
        }
        badges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::parse(r.as_str()), Some(r));
        }
        assert_eq!(Reason::parse("bogus"), None);
    }

    #[test]
    fn levels_from_thresholds() {
        assert_eq!(level_for(0).0.number, 1);
        assert_eq!(level_for(49).0.number, 1);
        assert_eq!(level_for(49).1.map(|l| l.min_points), Some(50));
        assert_eq!(level_for(50).0.number, 2);
        assert_eq!(level_for(1_000_000), (LEVELS[5], None));
        assert_eq!(level_for(-5).0.number, 1);
        assert!(LEVELS.windows(2).all(|w| w[0].min_points < w[1].min_points));
    }

    #[test]
    fn days_start_at_midnight_in_china() {
        // 2026-11-27 15:59:59 UTC is 23:59:59 in Beijing; a second later is the next day.
        let late = 1_795_795_199_000;
        let next = late + 1000;
        assert_eq!(next - day_start(next), 0);
        assert_eq!(day_start(late), next - 24 * 3_600_000);
        // The epoch is 08:00 in Beijing: that day began eight hours earlier.
        assert_eq!(day_start(-1), -8 * 3_600_000);
    }

    #[test]
    fn adjustments_parse() {
        assert!(Adjustment::parse(10, "活动奖励").is_ok());
        assert_eq!(Adjustment::parse(0, "x"), Err(ErrorCode::InvalidPointsAdjustment));
        assert_eq!(Adjustment::parse(5, "  "), Err(ErrorCode::InvalidPointsAdjustment));
        assert_eq!(Adjustment::parse(MAX_ADJUSTMENT + 1, "x"), Err(ErrorCode::InvalidPointsAdjustment));
        assert_eq!(Adjustment::parse(-MAX_ADJUSTMENT, "x").map(|a| a.delta), Ok(-MAX_ADJUSTMENT));
        // Issue #17 (8): `i64::MIN.abs()` wraps to itself (negative) in release builds and
        // passed the bound; `unsigned_abs` does not wrap.
        assert_eq!(Adjustment::parse(i64::MIN, "x"), Err(ErrorCode::InvalidPointsAdjustment));
        assert_eq!(Adjustment::parse(i64::MAX, "x"), Err(ErrorCode::InvalidPointsAdjustment));
        assert_eq!(Adjustment::parse(-MAX_ADJUSTMENT - 1, "x"), Err(ErrorCode::InvalidPointsAdjustment));
    }

    #[test]
    fn badges_from_facts() {
        assert!(Badge::earned(BadgeFacts::default()).is_empty());
        let b = Badge::earned(BadgeFacts { shipped_posts: 5, shipped_votes: 10, beta_weeks: 4 });
        assert_eq!(b.len(), 4);
        assert_eq!(
            Badge::earned(BadgeFacts { shipped_posts: 1, ..Default::default() }),
            vec![Badge::CoCreator]
        );
    }
}
