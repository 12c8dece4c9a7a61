//! Insights: what the flywheel did, counted. The vocabulary every panel shares — panels, the
//! date range and granularity (days in the site's zone, never UTC), the co-creation funnel's
//! steps, the days-to-ship buckets, fan lifecycles — and the k-anonymity floor that keeps a
//! count about people from pointing at a person. The store keeps the counts in rollups; the app
//! assembles the panels from them.

use crate::time::Zone;
use crate::{ErrorCode, Locale, Millis, PostStatus};
use serde::{Serialize, Serializer};

/// Below this many fans a cell about people is shown as "<10" and never exported.
pub const K_FLOOR: i64 = 10;

/// The longest range a panel answers, in days: a little over a year, so a panel reads at most
/// a few hundred rollup rows per series.
pub const MAX_RANGE_DAYS: i64 = 400;

/// The range a panel shows when none is asked for: the last 30 days, today included.
pub const DEFAULT_RANGE_DAYS: i64 = 30;

/// The dashboards under `/insights`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Panel {
    CoCreation,
    Board,
    Launch,
    Users,
    Channels,
    Events,
    Referrals,
    Ecosystem,
}

impl Panel {
    pub const ALL: [Panel; 8] = [
        Panel::CoCreation,
        Panel::Board,
        Panel::Launch,
        Panel::Users,
        Panel::Channels,
        Panel::Events,
        Panel::Referrals,
        Panel::Ecosystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Panel::CoCreation => "co-creation",
            Panel::Board => "board",
            Panel::Launch => "launch",
            Panel::Users => "users",
            Panel::Channels => "channels",
            Panel::Events => "events",
            Panel::Referrals => "referrals",
            Panel::Ecosystem => "ecosystem",
        }
    }

    pub fn parse(raw: &str) -> Option<Panel> {
        Panel::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Panel::CoCreation => locale.pick("共创", "Co-creation"),
            Panel::Board => locale.pick("社区", "Board"),
            Panel::Launch => locale.pick("发售", "Launch"),
            Panel::Users => locale.pick("粉丝", "Fans"),
            Panel::Channels => locale.pick("渠道", "Channels"),
            Panel::Events => locale.pick("活动", "Events"),
            Panel::Referrals => locale.pick("口碑", "Referrals"),
            Panel::Ecosystem => locale.pick("人车家", "Ecosystem"),
        }
    }
}

/// How a series is bucketed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    #[default]
    Day,
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 3] = [Granularity::Day, Granularity::Week, Granularity::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    /// `day`, `week` or `month`; empty means the default (day).
    pub fn parse(raw: Option<&str>) -> Result<Granularity, ErrorCode> {
        match raw.map(str::trim) {
            None | Some("") => Ok(Granularity::Day),
            Some(code) => {
                Granularity::ALL.into_iter().find(|g| g.as_str() == code).ok_or(ErrorCode::InvalidGranularity)
            }
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            Granularity::Day => locale.pick("按天", "Daily"),
            Granularity::Week => locale.pick("按周", "Weekly"),
            Granularity::Month => locale.pick("按月", "Monthly"),
        }
    }
}

/// Whole local days `[from, to)`: `from` is the first instant of the first day, `to` of the
/// day after the last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: Millis,
    pub to: Millis,
}

impl Range {
    /// The days `from`..=`to` (`YYYY-MM-DD` in `zone`, both included). Missing ends default to
    /// the last [`DEFAULT_RANGE_DAYS`] days up to today; a range that runs backwards or spans
    /// more than [`MAX_RANGE_DAYS`] is refused.
    pub fn parse(zone: &Zone, from: Option<&str>, to: Option<&str>, now: Millis) -> Result<Range, ErrorCode> {
        let day = |raw: Option<&str>| match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => zone.parse_date(text).map(Some).ok_or(ErrorCode::InvalidInsightRange),
        };
        let last = day(to)?.unwrap_or_else(|| zone.start_of_day(now));
        let first = match day(from)? {
            Some(first) => first,
            None => zone.start_of_day(last - (DEFAULT_RANGE_DAYS - 1) * DAY_MS + DAY_MS / 2),
        };
        if first > last {
            return Err(ErrorCode::InvalidInsightRange);
        }
        let range = Range { from: first, to: zone.next_day(last) };
        if range.days() > MAX_RANGE_DAYS {
            return Err(ErrorCode::InvalidInsightRange);
        }
        Ok(range)
    }

    /// Calendar days in the range (a daylight-saving day counts as one).
    pub fn days(&self) -> i64 {
        // Days are 23 to 25 hours long, so rounding the hours to whole days is exact.
        ((self.to - self.from) as f64 / DAY_MS as f64).round() as i64
    }
}

const DAY_MS: Millis = 86_400_000;

/// The local days of `range` as `(start, next start)`, in order.
pub fn days(zone: &Zone, range: Range) -> Vec<(Millis, Millis)> {
    let mut out = Vec::new();
    let mut day = range.from;
    while day < range.to {
        let next = zone.next_day(day);
        out.push((day, next));
        day = next;
    }
    out
}

/// The buckets of `range` at `granularity`, each `(start, end)` clipped to the range: a week
/// starts on Monday and a month on the 1st, but the first and last may be partial.
pub fn buckets(zone: &Zone, range: Range, granularity: Granularity) -> Vec<(Millis, Millis)> {
    let mut out = Vec::new();
    let mut start = range.from;
    while start < range.to {
        let natural_end = match granularity {
            Granularity::Day => zone.next_day(start),
            Granularity::Week => zone.next_week(zone.week_of(start)),
            Granularity::Month => zone.month_of(start).1,
        };
        let end = natural_end.min(range.to);
        out.push((start, end));
        start = end;
    }
    out
}

/// How a bucket is named in tables and CSV: its first day, or `YYYY-MM` for a month.
pub fn bucket_label(zone: &Zone, start: Millis, granularity: Granularity) -> String {
    match granularity {
        Granularity::Month => zone.month_label(start),
        _ => zone.date(start),
    }
}

/// A count of people as shown and exported: exact from [`K_FLOOR`] up, "<10" below (zero
/// included, so a missing cell reveals nothing either).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Count(i64),
    Few,
}

impl Cell {
    pub fn of(n: i64) -> Cell {
        if n >= K_FLOOR { Cell::Count(n) } else { Cell::Few }
    }

    pub fn count(self) -> Option<i64> {
        match self {
            Cell::Count(n) => Some(n),
            Cell::Few => None,
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Count(n) => write!(f, "{n}"),
            Cell::Few => write!(f, "<{K_FLOOR}"),
        }
    }
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Count(n) => s.serialize_i64(*n),
            Cell::Few => s.serialize_str(&format!("<{K_FLOOR}")),
        }
    }
}

/// `part / whole` as a share in [0, 1]; `None` when there is no whole to divide.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The co-creation funnel: a post is counted at every step up to the furthest it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FunnelStep {
    Posted,
    Acknowledged,
    Planned,
    Shipped,
}

impl FunnelStep {
    pub const ALL: [FunnelStep; 4] =
        [FunnelStep::Posted, FunnelStep::Acknowledged, FunnelStep::Planned, FunnelStep::Shipped];

    /// The rollup metric counting posts (by the day they were posted) that reached this step.
    pub fn metric(self) -> &'static str {
        match self {
            FunnelStep::Posted => metric::POSTS,
            FunnelStep::Acknowledged => "reached_acknowledged",
            FunnelStep::Planned => "reached_planned",
            FunnelStep::Shipped => "reached_shipped",
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match self {
            FunnelStep::Posted => locale.pick("发帖", "Posted"),
            FunnelStep::Acknowledged => locale.pick("已确认", "Acknowledged"),
            FunnelStep::Planned => locale.pick("已计划", "Planned"),
            FunnelStep::Shipped => locale.pick("已上线", "Shipped"),
        }
    }

    /// The statuses that mean a post got at least this far: in progress is past planned.
    pub fn statuses(self) -> &'static [PostStatus] {
        use PostStatus::*;
        match self {
            FunnelStep::Posted => &[],
            FunnelStep::Acknowledged => &[Acknowledged, Planned, InProgress, Shipped],
            FunnelStep::Planned => &[Planned, InProgress, Shipped],
            FunnelStep::Shipped => &[Shipped],
        }
    }
}

/// Days from posting to shipping, as the distribution's buckets: `(metric, last day included)`;
/// the last bucket is open.
pub const SHIP_BUCKETS: [(&str, i64); 5] = [
    ("ship_days_0_7", 7),
    ("ship_days_8_30", 30),
    ("ship_days_31_90", 90),
    ("ship_days_91_180", 180),
    ("ship_days_181_plus", i64::MAX),
];

/// The bucket of [`SHIP_BUCKETS`] a post that shipped `days` whole days after it was posted
/// falls in.
pub fn ship_bucket(days: i64) -> usize {
    SHIP_BUCKETS.iter().position(|&(_, last)| days <= last).unwrap_or(SHIP_BUCKETS.len() - 1)
}

/// How the buckets read on a chart.
pub fn ship_bucket_label(i: usize, locale: Locale) -> &'static str {
    match i {
        0 => locale.pick("0–7 天", "0-7 days"),
        1 => locale.pick("8–30 天", "8-30 days"),
        2 => locale.pick("31–90 天", "31-90 days"),
        3 => locale.pick("91–180 天", "91-180 days"),
        _ => locale.pick("180 天以上", "Over 180 days"),
    }
}

/// The names of the daily rollup's counts, one place for the store (which writes them) and the
/// app (which reads them).
pub mod metric {
    /// Posts written that day (funnel step one).
    pub const POSTS: &str = "posts";
    pub const VOTES: &str = "votes";
    pub const COMMENTS: &str = "comments";
    /// Accounts created that day (site-wide only).
    pub const NEW_FANS: &str = "new_fans";
    /// Fans who posted, voted or commented that day / in the 7 / 30 days ending that day.
    pub const DAU: &str = "active_1d";
    pub const WAU: &str = "active_7d";
    pub const MAU: &str = "active_30d";
    /// Keyed by a week's Monday: that week's active fans by lifecycle.
    pub const WEEK_NEW: &str = "week_new";
    pub const WEEK_RETURNING: &str = "week_returning";
    pub const WEEK_RESURRECTED: &str = "week_resurrected";
    pub const WEEK_DORMANT: &str = "week_dormant";
    /// Keyed by a sign-up week's Monday: the cohort's size.
    pub const COHORT_SIZE: &str = "cohort_size";
    /// Keyed by a sign-up week's Monday: `cohort_week_{k}` is how many of the cohort were
    /// active k weeks later.
    pub const COHORT_WEEK_PREFIX: &str = "cohort_week_";
    /// How many weeks after sign-up retention is followed.
    pub const COHORT_WEEKS: i64 = 12;
    /// Referrals made that day (by the invitee's sign-up; site-wide only), and of those, the
    /// ones qualified (or rewarded) and rejected as they stand at the day's last recomputation.
    pub const REFERRALS: &str = "referrals";
    pub const REFERRALS_QUALIFIED: &str = "referrals_qualified";
    pub const REFERRALS_REJECTED: &str = "referrals_rejected";

    /// Units a sales channel sold that day (the ledger's `sold_at`), per product and site-wide.
    pub fn channel_units(channel_id: i64) -> String {
        format!("channel_units_{channel_id}")
    }

    /// Revenue in fen a sales channel took that day (reversals subtract).
    pub fn channel_revenue(channel_id: i64) -> String {
        format!("channel_revenue_{channel_id}")
    }
}

/// Where a fan active in a week stands, PostHog's lifecycle: new (signed up that week),
/// returning (active the week before too), resurrected (back after a quiet week or more).
/// Dormant fans, active the week before but not this one, are counted beside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    New,
    Returning,
    Resurrected,
}

pub fn lifecycle(signed_up_this_week: bool, active_last_week: bool) -> Lifecycle {
    match (signed_up_this_week, active_last_week) {
        (true, _) => Lifecycle::New,
        (false, true) => Lifecycle::Returning,
        (false, false) => Lifecycle::Resurrected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn china() -> Zone {
        Zone::china()
    }

    #[test]
    fn ranges_are_whole_local_days() {
        let z = china();
        let now = crate::time::parse_rfc3339("2026-12-07T01:00:00+08:00").expect("time");
        let r = Range::parse(&z, Some("2026-12-01"), Some("2026-12-07"), now).expect("range");
        assert_eq!(z.rfc3339(r.from), "2026-12-01T00:00:00+08:00");
        assert_eq!(z.rfc3339(r.to), "2026-12-08T00:00:00+08:00");
        assert_eq!(r.days(), 7);
        let default = Range::parse(&z, None, None, now).expect("range");
        assert_eq!(default.days(), DEFAULT_RANGE_DAYS);
        assert_eq!(z.date(default.to - 1), "2026-12-07");
        assert_eq!(
            Range::parse(&z, Some("2026-12-08"), Some("2026-12-07"), now),
            Err(ErrorCode::InvalidInsightRange)
        );
        assert_eq!(
            Range::parse(&z, Some("2025-01-01"), Some("2026-12-07"), now),
            Err(ErrorCode::InvalidInsightRange)
        );
        assert_eq!(Range::parse(&z, Some("12/01"), None, now), Err(ErrorCode::InvalidInsightRange));
    }

    #[test]
    fn buckets_cover_the_range_at_week_and_month_edges() {
        let z = china();
        let now = 0;
        // Wednesday 2026-11-25 to Thursday 2026-12-10.
        let r = Range::parse(&z, Some("2026-11-25"), Some("2026-12-10"), now).expect("range");
        let weeks = buckets(&z, r, Granularity::Week);
        let labels: Vec<String> = weeks.iter().map(|b| bucket_label(&z, b.0, Granularity::Week)).collect();
        assert_eq!(labels, ["2026-11-25", "2026-11-30", "2026-12-07"]);
        assert_eq!(weeks.last().map(|b| b.1), Some(r.to));
        let months = buckets(&z, r, Granularity::Month);
        let labels: Vec<String> = months.iter().map(|b| bucket_label(&z, b.0, Granularity::Month)).collect();
        assert_eq!(labels, ["2026-11", "2026-12"]);
        assert_eq!(buckets(&z, r, Granularity::Day).len(), 16);
        assert_eq!(days(&z, r).len(), 16);
    }

    #[test]
    fn few_people_are_never_counted_exactly() {
        assert_eq!(Cell::of(9).to_string(), "<10");
        assert_eq!(Cell::of(0).to_string(), "<10");
        assert_eq!(Cell::of(10).to_string(), "10");
        assert_eq!(
            serde_json::to_string(&[Cell::of(3), Cell::of(12)]).ok().as_deref(),
            Some(r#"["<10",12]"#)
        );
    }

    #[test]
    fn funnel_steps_and_ship_buckets() {
        assert!(FunnelStep::Planned.statuses().contains(&PostStatus::InProgress));
        assert!(!FunnelStep::Shipped.statuses().contains(&PostStatus::Planned));
        assert_eq!(ship_bucket(0), 0);
        assert_eq!(ship_bucket(7), 0);
        assert_eq!(ship_bucket(8), 1);
        assert_eq!(ship_bucket(181), 4);
        assert_eq!(share(1, 4), Some(0.25));
        assert_eq!(share(1, 0), None);
        assert_eq!(lifecycle(true, true), Lifecycle::New);
        assert_eq!(lifecycle(false, true), Lifecycle::Returning);
        assert_eq!(lifecycle(false, false), Lifecycle::Resurrected);
    }
}
