//! The weekly release train (橙色星期五): versions, channels and planned dates.
//!
//! Dates are calendar days in China Standard Time (UTC+8, no daylight saving), stored as
//! `YYYY-MM-DD` text so that no database ever converts them.

use crate::{ErrorCode, Millis, time};
use jiff::ToSpan;
use jiff::civil::{self, Date};

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
        crate::text::refuse_controls(raw)?;
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

    fn to_jiff(self) -> civil::Weekday {
        match self {
            Weekday::Monday => civil::Weekday::Monday,
            Weekday::Tuesday => civil::Weekday::Tuesday,
            Weekday::Wednesday => civil::Weekday::Wednesday,
            Weekday::Thursday => civil::Weekday::Thursday,
            Weekday::Friday => civil::Weekday::Friday,
            Weekday::Saturday => civil::Weekday::Saturday,
            Weekday::Sunday => civil::Weekday::Sunday,
        }
    }

    fn from_jiff(day: civil::Weekday) -> Weekday {
        match day {
            civil::Weekday::Monday => Weekday::Monday,
            civil::Weekday::Tuesday => Weekday::Tuesday,
            civil::Weekday::Wednesday => Weekday::Wednesday,
            civil::Weekday::Thursday => Weekday::Thursday,
            civil::Weekday::Friday => Weekday::Friday,
            civil::Weekday::Saturday => Weekday::Saturday,
            civil::Weekday::Sunday => Weekday::Sunday,
        }
    }
}

/// A calendar day in China Standard Time (see [`crate::time`] for why a fixed UTC+8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PlanDate(Date);

impl PlanDate {
    /// `YYYY-MM-DD`, a real date between 2000 and 2999.
    pub fn parse(raw: &str) -> Result<PlanDate, ErrorCode> {
        let mut parts = raw.trim().splitn(3, '-');
        let mut next = |len: usize| {
            parts
                .next()
                .filter(|p| p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<i16>().ok())
        };
        let (Some(y), Some(m), Some(d)) = (next(4), next(2), next(2)) else {
            return Err(ErrorCode::InvalidDate);
        };
        if !(2000..=2999).contains(&y) {
            return Err(ErrorCode::InvalidDate);
        }
        let month = i8::try_from(m).map_err(|_| ErrorCode::InvalidDate)?;
        let day = i8::try_from(d).map_err(|_| ErrorCode::InvalidDate)?;
        Date::new(y, month, day).map(PlanDate).map_err(|_| ErrorCode::InvalidDate)
    }

    /// The day `at` falls on in China.
    pub fn of(at: Millis) -> PlanDate {
        PlanDate(time::china().to_datetime(time::timestamp(at)).date())
    }

    /// The first `weekday` on or after the day of `at`: the train's next departure.
    pub fn next_on_or_after(at: Millis, weekday: Weekday) -> PlanDate {
        let today = PlanDate::of(at).0;
        let ahead = weekday.to_jiff().since(today.weekday());
        PlanDate(today.saturating_add(i64::from(ahead).days()))
    }

    pub fn weekday(self) -> Weekday {
        Weekday::from_jiff(self.0.weekday())
    }

    /// Start of the day (00:00 China Standard Time), in milliseconds.
    pub fn start_millis(self) -> Millis {
        time::millis_at(&time::china(), self.0.to_datetime(civil::Time::midnight()))
    }

    pub fn to_iso(self) -> String {
        time::ymd(self.0)
    }

    pub(crate) fn date(self) -> Date {
        self.0
    }

    pub(crate) fn from_date(date: Date) -> PlanDate {
        PlanDate(date)
    }
}

/// Release notes: Markdown, at most 20,000 characters.
pub fn parse_notes(raw: &str) -> Result<String, ErrorCode> {
    crate::text::refuse_controls_multiline(raw)?;
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
    fn days_turn_at_midnight_china_time_not_utc() {
        // 2026-12-31T16:00Z is midnight of 2027-01-01 in Beijing.
        let china_new_year = crate::time::parse_rfc3339("2027-01-01T00:00:00+08:00").unwrap();
        assert_eq!(PlanDate::of(china_new_year).to_iso(), "2027-01-01");
        assert_eq!(PlanDate::of(china_new_year - 1).to_iso(), "2026-12-31");
        assert_eq!(PlanDate::parse("2027-01-01").unwrap().start_millis(), china_new_year);
        // UTC midnight is 08:00 in Beijing: the same China day on both sides.
        let utc_new_year = crate::time::parse_rfc3339("2027-01-01T00:00:00Z").unwrap();
        assert_eq!(PlanDate::of(utc_new_year - 1).to_iso(), "2027-01-01");
        assert_eq!(PlanDate::of(utc_new_year).to_iso(), "2027-01-01");
        // 1970-01-01 00:00 in Beijing was eight hours before the epoch.
        assert_eq!(PlanDate::of(-1).to_iso(), "1970-01-01");
        assert_eq!(PlanDate::of(-8 * 3_600_000 - 1).to_iso(), "1969-12-31");
    }

    #[test]
    fn the_train_crosses_years_and_leap_days() {
        // 2026-12-31 is a Thursday: the next Friday is in 2027, the next Thursday is today.
        let thursday = PlanDate::parse("2026-12-31").unwrap();
        assert_eq!(thursday.weekday(), Weekday::Thursday);
        let noon = thursday.start_millis() + 12 * 3_600_000;
        assert_eq!(PlanDate::next_on_or_after(noon, Weekday::Friday).to_iso(), "2027-01-01");
        assert_eq!(PlanDate::next_on_or_after(noon, Weekday::Thursday).to_iso(), "2026-12-31");
        assert_eq!(PlanDate::next_on_or_after(noon, Weekday::Wednesday).to_iso(), "2027-01-06");
        // 2028-02-28 is a Monday; the Tuesday after is the leap day.
        let monday = PlanDate::parse("2028-02-28").unwrap().start_millis();
        assert_eq!(PlanDate::next_on_or_after(monday, Weekday::Tuesday).to_iso(), "2028-02-29");
        assert_eq!(PlanDate::next_on_or_after(monday, Weekday::Wednesday).to_iso(), "2028-03-01");
        assert_eq!(PlanDate::parse("2028-02-29").unwrap().weekday(), Weekday::Tuesday);
        for bad in ["2100-02-29", "2027-02-29", "3000-01-01", "2026-04-31"] {
            assert_eq!(PlanDate::parse(bad), Err(ErrorCode::InvalidDate), "{bad}");
        }
        assert_eq!(PlanDate::parse("2000-02-29").map(|d| d.to_iso()), Ok("2000-02-29".into()));
        assert_eq!(PlanDate::parse("2999-12-31").map(|d| d.weekday()), Ok(Weekday::Tuesday));
    }

    #[test]
    fn far_times_saturate_instead_of_panicking() {
        assert_eq!(PlanDate::of(Millis::MAX).to_iso(), "9999-12-31");
        assert_eq!(PlanDate::next_on_or_after(Millis::MAX, Weekday::Monday).to_iso(), "9999-12-31");
        assert!(PlanDate::of(Millis::MIN).start_millis() < 0);
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
