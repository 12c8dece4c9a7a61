//! The weekly release train (橙色星期五): versions, channels and planned dates.
//!
//! Dates are calendar days in China Standard Time (UTC+8, no daylight saving), stored as
//! `YYYY-MM-DD` text so that no database ever converts them.

use crate::{ErrorCode, Millis};

/// Who gets a release: everybody, or the product's beta group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    Stable,
    Beta,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Stable => "stable",
            Channel::Beta => "beta",
        }
    }

    pub fn parse(raw: &str) -> Result<Channel, ErrorCode> {
        match raw.trim() {
            "stable" => Ok(Channel::Stable),
            "beta" => Ok(Channel::Beta),
            _ => Err(ErrorCode::InvalidChannel),
        }
    }
}

/// A version label: 1–32 characters, letters, digits and `.`, `-`, `+`, `_`, starting with
/// a letter or digit (`1.2.0`, `v2.1-beta.3`, `OS2.0.105`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version(String);

impl Version {
    pub fn parse(raw: &str) -> Result<Version, ErrorCode> {
        let s = raw.trim();
        let ok = (1..=32).contains(&s.chars().count())
            && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_'));
        if ok { Ok(Version(s.to_string())) } else { Err(ErrorCode::InvalidVersion) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Days of the week, Monday first (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// `friday`, `fri` or `5` (ISO number, Monday = 1).
    pub fn parse(raw: &str) -> Option<Weekday> {
        let raw = raw.trim().to_ascii_lowercase();
        Weekday::ALL.into_iter().enumerate().find_map(|(i, d)| {
            let name = d.name();
            (raw == name || raw == name[..3] || raw == (i + 1).to_string()).then_some(d)
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// 0 for Monday … 6 for Sunday.
    pub(crate) fn index(self) -> i64 {
        Weekday::ALL.iter().position(|d| *d == self).unwrap_or(0) as i64
    }
}

/// A calendar day (China Standard Time): days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanDate(i64);

const CST_OFFSET_MS: Millis = 8 * 3600 * 1000;

impl PlanDate {
    /// `YYYY-MM-DD`, a real date between 2000 and 2999.
    pub fn parse(raw: &str) -> Result<PlanDate, ErrorCode> {
        let mut parts = raw.trim().splitn(3, '-');
        let mut next = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<i64>().ok())
        };
        let (Some(y), Some(m), Some(d)) = (next(4), next(2), next(2)) else {
            return Err(ErrorCode::InvalidDate);
        };
        if !(2000..=2999).contains(&y) || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return Err(ErrorCode::InvalidDate);
        }
        Ok(PlanDate(days_from_civil(y, m, d)))
    }

    /// The day `at` falls on in China.
    pub fn of(at: Millis) -> PlanDate {
        PlanDate((at + CST_OFFSET_MS).div_euclid(86_400_000))
    }

    /// The first `weekday` on or after the day of `at`: the train's next departure.
    pub fn next_on_or_after(at: Millis, weekday: Weekday) -> PlanDate {
        let today = PlanDate::of(at);
        let ahead = (weekday.index() - today.weekday().index()).rem_euclid(7);
        PlanDate(today.0 + ahead)
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        Weekday::ALL[(self.0 + 3).rem_euclid(7) as usize]
    }

    /// Start of the day (00:00 China Standard Time), in milliseconds.
    pub fn start_millis(self) -> Millis {
        self.0 * 86_400_000 - CST_OFFSET_MS
    }

    pub fn to_iso(self) -> String {
        crate::time::date(self.0 * 86_400_000)
    }

    /// Days since 1970-01-01.
    pub(crate) fn days(self) -> i64 {
        self.0
    }

    pub(crate) fn from_days(days: i64) -> PlanDate {
        PlanDate(days)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's algorithm: a proleptic Gregorian date to days since 1970-01-01.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Release notes: Markdown, at most 20,000 characters.
pub fn parse_notes(raw: &str) -> Result<String, ErrorCode> {
    let notes = raw.trim().replace("\r\n", "\n");
    if notes.chars().count() > 20_000 { Err(ErrorCode::BodyTooLong) } else { Ok(notes) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_and_versions() {
        assert_eq!(Channel::parse("beta"), Ok(Channel::Beta));
        assert_eq!(Channel::parse("nightly"), Err(ErrorCode::InvalidChannel));
        for ok in ["1.2.0", "v2.1-beta.3", "OS2.0.105", "2026_48"] {
            assert_eq!(Version::parse(ok).map(|v| v.as_str().to_string()), Ok(ok.to_string()));
        }
        for bad in ["", " ", "-1", "1 2", "版本1", &"9".repeat(33), "<b>"] {
            assert_eq!(Version::parse(bad), Err(ErrorCode::InvalidVersion), "{bad}");
        }
    }

    #[test]
    fn dates_parse_and_round_trip() {
        let d = PlanDate::parse("2026-11-27").unwrap();
        assert_eq!(d.to_iso(), "2026-11-27");
        assert_eq!(d.weekday(), Weekday::Friday);
        assert_eq!(PlanDate::parse("2028-02-29").map(|d| d.to_iso()), Ok("2028-02-29".into()));
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-32", "x", "1999-12-31"] {
            assert_eq!(PlanDate::parse(bad), Err(ErrorCode::InvalidDate), "{bad}");
        }
    }

    #[test]
    fn the_train_leaves_on_the_next_friday_in_china() {
        // 2026-11-27 is a Friday. 15:59 UTC is 23:59 in Beijing: still Friday.
        let friday_late = 1_795_795_199_000;
        assert_eq!(PlanDate::next_on_or_after(friday_late, Weekday::Friday).to_iso(), "2026-11-27");
        // A second later it is Saturday in Beijing: the next train is a week on.
        assert_eq!(PlanDate::next_on_or_after(friday_late + 1000, Weekday::Friday).to_iso(), "2026-12-04");
        assert_eq!(PlanDate::next_on_or_after(friday_late, Weekday::Monday).to_iso(), "2026-11-30");
        assert_eq!(PlanDate::of(friday_late + 1000).start_millis(), friday_late + 1000);
    }

    #[test]
    fn weekdays_parse() {
        assert_eq!(Weekday::parse("Friday"), Some(Weekday::Friday));
        assert_eq!(Weekday::parse("fri"), Some(Weekday::Friday));
        assert_eq!(Weekday::parse("5"), Some(Weekday::Friday));
        assert_eq!(Weekday::parse("7"), Some(Weekday::Sunday));
        assert_eq!(Weekday::parse("funday"), None);
    }
}
