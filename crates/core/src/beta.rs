//! The beta programme (内测): a product's group of fans who get beta releases and a
//! members-only board early, in exchange for weekly duties. Seats are limited; fans apply
//! with a short motivation and are admitted by staff or by a minimum-level rule. A member who
//! misses a week's duties is removed, and may not reapply for a while.

use crate::release::PlanDate;
use crate::{ErrorCode, Millis};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

pub const MAX_SEATS: i64 = 1_000_000;
pub const MAX_COOLDOWN_DAYS: i64 = 365;
pub const DEFAULT_REMOVAL_COOLDOWN_DAYS: i64 = 30;
pub const DEFAULT_LEAVE_COOLDOWN_DAYS: i64 = 14;
pub const MOTIVATION_MIN_CHARS: usize = 5;
pub const MOTIVATION_MAX_CHARS: usize = 500;
const DAY_MS: Millis = 86_400_000;

/// How a product runs its beta group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BetaRules {
    pub seats: i64,
    /// Fans at this level or above are admitted as they apply, while seats last.
    pub min_level: Option<u8>,
    /// Days a removed member waits before applying again.
    pub removal_cooldown_days: i64,
    /// Days a member who left (or whose application was declined) waits.
    pub leave_cooldown_days: i64,
    /// Whether applications are accepted.
    pub open: bool,
    /// 人车家: only owners of this product may apply (`None`: anyone).
    pub owners_of: Option<i64>,
}

impl BetaRules {
    pub fn parse(
        seats: i64,
        min_level: Option<i64>,
        removal_cooldown_days: Option<i64>,
        leave_cooldown_days: Option<i64>,
        open: Option<bool>,
    ) -> Result<BetaRules, ErrorCode> {
        if !(1..=MAX_SEATS).contains(&seats) {
            return Err(ErrorCode::InvalidBetaSeats);
        }
        let max_level = crate::points::LEVELS.len() as i64;
        let min_level = match min_level {
            Some(l) if (1..=max_level).contains(&l) => Some(l as u8),
            Some(_) => return Err(ErrorCode::InvalidBetaLevel),
            None => None,
        };
        let cooldown = |days: Option<i64>, default: i64| match days {
            None => Ok(default),
            Some(d) if (0..=MAX_COOLDOWN_DAYS).contains(&d) => Ok(d),
            Some(_) => Err(ErrorCode::InvalidBetaCooldown),
        };
        Ok(BetaRules {
            seats,
            min_level,
            removal_cooldown_days: cooldown(removal_cooldown_days, DEFAULT_REMOVAL_COOLDOWN_DAYS)?,
            leave_cooldown_days: cooldown(leave_cooldown_days, DEFAULT_LEAVE_COOLDOWN_DAYS)?,
            open: open.unwrap_or(true),
            owners_of: None,
        })
    }

    /// The same rules, for owners of `product` only (or anyone, with `None`).
    pub fn with_owners_of(self, product: Option<i64>) -> BetaRules {
        BetaRules { owners_of: product, ..self }
    }

    /// Whether a fan at `level` is admitted by the rule (seats permitting).
    pub fn admits_by_level(&self, level: u8) -> bool {
        self.min_level.is_some_and(|min| level >= min)
    }

    /// When a fan whose last membership ended as `status` at `ended_at` may apply again.
    /// `None`: the status does not hold anyone back.
    pub fn reapply_at(&self, status: MemberStatus, ended_at: Millis) -> Option<Millis> {
        let days = match status {
            MemberStatus::Removed => self.removal_cooldown_days,
            // A declined application waits like a fan who left: otherwise a refused fan
            // could fill the review queue again the same minute.
            MemberStatus::Left | MemberStatus::Rejected => self.leave_cooldown_days,
            MemberStatus::Pending | MemberStatus::Member => return None,
        };
        Some(ended_at + days * DAY_MS)
    }
}

/// A fan's reason to join, as they wrote it: 5–500 characters after trimming.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Motivation(String);

impl Motivation {
    pub fn parse(raw: &str) -> Result<Motivation, ErrorCode> {
        crate::text::refuse_controls_multiline(raw)?;
        let text = raw.trim();
        let chars = text.chars().count();
        if !(MOTIVATION_MIN_CHARS..=MOTIVATION_MAX_CHARS).contains(&chars) {
            return Err(ErrorCode::InvalidMotivation);
        }
        Ok(Motivation(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a fan stands with a product's beta group. `pending` and `member` are live (at most
/// one per fan and product); the others are history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Pending,
    Member,
    Rejected,
    Left,
    Removed,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 5] = [
        MemberStatus::Pending,
        MemberStatus::Member,
        MemberStatus::Rejected,
        MemberStatus::Left,
        MemberStatus::Removed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Pending => "pending",
            MemberStatus::Member => "member",
            MemberStatus::Rejected => "rejected",
            MemberStatus::Left => "left",
            MemberStatus::Removed => "removed",
        }
    }

    pub fn parse(raw: &str) -> Result<MemberStatus, ErrorCode> {
        MemberStatus::ALL.into_iter().find(|s| s.as_str() == raw).ok_or(ErrorCode::InvalidBetaStatus)
    }

    pub fn is_live(self) -> bool {
        matches!(self, MemberStatus::Pending | MemberStatus::Member)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MemberStatus::Pending => "审核中",
            MemberStatus::Member => "内测成员",
            MemberStatus::Rejected => "未通过",
            MemberStatus::Left => "已退出",
            MemberStatus::Removed => "已移出",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MemberStatus::Pending => "Under review",
            MemberStatus::Member => "Member",
            MemberStatus::Rejected => "Declined",
            MemberStatus::Left => "Left",
            MemberStatus::Removed => "Removed",
        }
    }
}

/// An ISO 8601 week (Monday to Sunday), in China Standard Time: the unit of beta duties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    /// The week's Monday.
    monday: Date,
}

impl IsoWeek {
    /// The week `at` falls in, in China.
    pub fn of(at: Millis) -> IsoWeek {
        let day = PlanDate::of(at).date();
        IsoWeek { monday: day.saturating_sub(i64::from(day.weekday().to_monday_zero_offset()).days()) }
    }

    pub fn start_millis(self) -> Millis {
        PlanDate::from_date(self.monday).start_millis()
    }

    /// The first moment after the week (next Monday 00:00 in China).
    pub fn end_millis(self) -> Millis {
        self.next().start_millis()
    }

    pub fn next(self) -> IsoWeek {
        IsoWeek { monday: self.monday.saturating_add(1.week()) }
    }

    pub fn previous(self) -> IsoWeek {
        IsoWeek { monday: self.monday.saturating_sub(1.week()) }
    }

    /// ISO week-numbering year and week number: the week belongs to the year of its Thursday.
    pub fn year_week(self) -> (i64, u32) {
        let week = self.monday.iso_week_date();
        (i64::from(week.year()), week.week().unsigned_abs().into())
    }

    /// `2026-W48`: stable, sortable, used as a reference in the points ledger.
    pub fn key(self) -> String {
        let (year, week) = self.year_week();
        format!("{year:04}-W{week:02}")
    }

    /// The week's Monday as `YYYY-MM-DD`.
    pub fn monday_iso(self) -> String {
        PlanDate::from_date(self.monday).to_iso()
    }
}

/// A member's posts on the beta board during one week.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DutyTally {
    pub bugs: i64,
    pub suggestions: i64,
}

impl DutyTally {
    /// The weekly duty: at least one bug report and one suggestion.
    pub fn done(self) -> bool {
        self.bugs >= 1 && self.suggestions >= 1
    }
}

/// Whether a member who joined at `joined_at` is held to `week`'s duties: only for weeks
/// they were a member from the start of, so joining on a Sunday costs nobody their seat.
pub fn owes_duties(joined_at: Millis, week: IsoWeek) -> bool {
    joined_at <= week.start_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 3_600_000;

    fn at(date: &str, hour_cst: i64) -> Millis {
        PlanDate::parse(date).expect("date").start_millis() + hour_cst * HOUR
    }

    #[test]
    fn iso_weeks_follow_the_standard() {
        // 2026-11-27 is a Friday in week 48.
        assert_eq!(IsoWeek::of(at("2026-11-27", 12)).key(), "2026-W48");
        assert_eq!(IsoWeek::of(at("2026-11-27", 12)).monday_iso(), "2026-11-23");
        // 2021-01-03 (Sunday) still belongs to 2020's week 53; 2024-12-30 (Monday) is 2025-W01.
        assert_eq!(IsoWeek::of(at("2021-01-03", 10)).key(), "2020-W53");
        assert_eq!(IsoWeek::of(at("2024-12-30", 0)).key(), "2025-W01");
        assert_eq!(IsoWeek::of(at("2026-01-01", 0)).key(), "2026-W01");
    }

    #[test]
    fn weeks_turn_at_midnight_china_time() {
        let monday = at("2026-11-23", 0);
        assert_eq!(IsoWeek::of(monday).key(), "2026-W48");
        assert_eq!(IsoWeek::of(monday - 1).key(), "2026-W47");
        assert_eq!(IsoWeek::of(monday).start_millis(), monday);
        assert_eq!(IsoWeek::of(monday).end_millis(), monday + 7 * 24 * HOUR);
        assert_eq!(IsoWeek::of(monday).previous().next(), IsoWeek::of(monday));
    }

    #[test]
    fn week_53_and_year_boundaries_in_china_time() {
        // 2026 has 53 ISO weeks: Thursday 2026-12-31 and Friday 2027-01-01 are both in W53.
        assert_eq!(IsoWeek::of(at("2026-12-31", 12)).key(), "2026-W53");
        assert_eq!(IsoWeek::of(at("2027-01-01", 0)).key(), "2026-W53");
        assert_eq!(IsoWeek::of(at("2027-01-03", 23)).key(), "2026-W53");
        assert_eq!(IsoWeek::of(at("2027-01-04", 0)).key(), "2027-W01");
        assert_eq!(IsoWeek::of(at("2027-01-01", 0)).monday_iso(), "2026-12-28");
        assert_eq!(IsoWeek::of(at("2026-12-31", 12)).year_week(), (2026, 53));
        // Monday 2027-01-04 starts in Beijing while it is still Sunday afternoon in UTC.
        let monday_china = at("2027-01-04", 0);
        assert_eq!(crate::time::rfc3339(monday_china), "2027-01-03T16:00:00Z");
        assert_eq!(IsoWeek::of(monday_china - 1).key(), "2026-W53");
        assert_eq!(IsoWeek::of(monday_china).key(), "2027-W01");
        assert_eq!(IsoWeek::of(monday_china).previous().key(), "2026-W53");
        assert_eq!(IsoWeek::of(at("2026-12-21", 0)).next().next().key(), "2027-W01");
        // A week with a leap day: Monday 2028-02-28 to Sunday 2028-03-05.
        let leap = IsoWeek::of(at("2028-02-29", 12));
        assert_eq!((leap.key(), leap.monday_iso()), ("2028-W09".to_string(), "2028-02-28".to_string()));
        assert_eq!(leap.end_millis() - leap.start_millis(), 7 * 24 * HOUR);
        assert_eq!(IsoWeek::of(at("2028-03-05", 23)), leap);
        // The first day of a year can fall in the week of the year before, or the one after.
        assert_eq!(IsoWeek::of(at("2027-12-31", 0)).key(), "2027-W52");
        assert_eq!(IsoWeek::of(at("2029-12-31", 0)).key(), "2030-W01");
    }

    #[test]
    fn duties_need_a_bug_and_a_suggestion() {
        assert!(DutyTally { bugs: 1, suggestions: 1 }.done());
        assert!(!DutyTally { bugs: 3, suggestions: 0 }.done());
        assert!(!DutyTally { bugs: 0, suggestions: 2 }.done());
    }

    #[test]
    fn members_owe_only_whole_weeks() {
        let week = IsoWeek::of(at("2026-11-25", 12));
        assert!(owes_duties(week.start_millis() - 1, week));
        assert!(owes_duties(week.start_millis(), week));
        assert!(!owes_duties(week.start_millis() + 1, week));
    }

    #[test]
    fn rules_parse_and_cooldowns_apply() {
        let rules = BetaRules::parse(100, Some(3), None, None, None).expect("rules");
        assert_eq!(rules.removal_cooldown_days, 30);
        assert_eq!(rules.leave_cooldown_days, 14);
        assert!(rules.admits_by_level(3) && rules.admits_by_level(6) && !rules.admits_by_level(2));
        assert_eq!(rules.reapply_at(MemberStatus::Removed, 0), Some(30 * DAY_MS));
        assert_eq!(rules.reapply_at(MemberStatus::Left, 0), Some(14 * DAY_MS));
        assert_eq!(rules.reapply_at(MemberStatus::Rejected, 0), Some(14 * DAY_MS));
        assert_eq!(rules.reapply_at(MemberStatus::Member, 0), None);
        assert_eq!(BetaRules::parse(0, None, None, None, None), Err(ErrorCode::InvalidBetaSeats));
        assert_eq!(BetaRules::parse(5, Some(7), None, None, None), Err(ErrorCode::InvalidBetaLevel));
        assert_eq!(BetaRules::parse(5, None, Some(-1), None, None), Err(ErrorCode::InvalidBetaCooldown));
        assert_eq!(BetaRules::parse(5, None, None, Some(400), None), Err(ErrorCode::InvalidBetaCooldown));
        let none = BetaRules::parse(5, None, Some(0), Some(0), Some(false)).expect("rules");
        assert!(!none.admits_by_level(6) && !none.open);
    }

    #[test]
    fn motivation_is_short_text() {
        assert_eq!(
            Motivation::parse("  想第一时间体验新功能  ").expect("ok").as_str(),
            "想第一时间体验新功能"
        );
        assert_eq!(Motivation::parse("想体验"), Err(ErrorCode::InvalidMotivation));
        assert_eq!(Motivation::parse(&"长".repeat(501)), Err(ErrorCode::InvalidMotivation));
        assert!(Motivation::parse(&"长".repeat(500)).is_ok());
    }

    #[test]
    fn statuses_round_trip() {
        for s in MemberStatus::ALL {
            assert_eq!(MemberStatus::parse(s.as_str()), Ok(s));
        }
        assert!(MemberStatus::Pending.is_live() && !MemberStatus::Removed.is_live());
    }
}
