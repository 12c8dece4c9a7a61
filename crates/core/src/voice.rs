//! Official voices (人设营销): the people behind the brand, marked by an admin with a title,
//! followed by fans, publishing announcements (动态) to their followers. The badge and title
//! are what prove an account is the founder's: a look-alike handle is refused at sign-up
//! (`handle_confusable`) and can never carry them, since only an admin sets a title.

use crate::{ErrorCode, Millis};

pub const TITLE_MIN_CHARS: usize = 2;
pub const TITLE_MAX_CHARS: usize = 30;
pub const ANNOUNCEMENT_MAX_CHARS: usize = 5_000;
pub const MAX_IMAGES_PER_ANNOUNCEMENT: usize = 9;

/// An official account's title, e.g. "小米集团创始人": 2–30 characters on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficialTitle(String);

impl OfficialTitle {
    pub fn parse(raw: &str) -> Result<OfficialTitle, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = s.chars().count();
        if (TITLE_MIN_CHARS..=TITLE_MAX_CHARS).contains(&n) && !s.chars().any(char::is_control) {
            Ok(OfficialTitle(s))
        } else {
            Err(ErrorCode::InvalidOfficialTitle)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An announcement's Markdown: 1–5,000 characters after trimming, stored as typed and
/// sanitised on render like a post's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnouncementBody(String);

impl AnnouncementBody {
    pub fn parse(raw: &str, images: usize) -> Result<AnnouncementBody, ErrorCode> {
        crate::text::refuse_controls_multiline(raw)?;
        let s = raw.trim().replace("\r\n", "\n");
        let n = s.chars().count();
        if n == 0 || n > ANNOUNCEMENT_MAX_CHARS || images > MAX_IMAGES_PER_ANNOUNCEMENT {
            return Err(ErrorCode::AnnouncementEmpty);
        }
        Ok(AnnouncementBody(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a feed item is: an official account's announcement or a followed account's post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FeedSource {
    Announcement,
    Post,
}

impl FeedSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedSource::Announcement => "announcement",
            FeedSource::Post => "post",
        }
    }

    fn letter(self) -> char {
        match self {
            FeedSource::Announcement => 'a',
            FeedSource::Post => 'p',
        }
    }
}

/// A position in a feed, newest first: items strictly after it in the order (time
/// descending, then announcements before posts, then id descending) come next. Written
/// `{time}{a|p}{id}`, e.g. `1765000000000a42`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedCursor {
    pub at: Millis,
    pub source: FeedSource,
    pub id: i64,
}

impl FeedCursor {
    pub fn parse(raw: &str) -> Result<FeedCursor, ErrorCode> {
        let split = raw.find(['a', 'p']).ok_or(ErrorCode::InvalidCursor)?;
        let (at, rest) = raw.split_at(split);
        let source = if rest.starts_with('a') { FeedSource::Announcement } else { FeedSource::Post };
        let parse = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<i64>().ok())
                .flatten()
                .ok_or(ErrorCode::InvalidCursor)
        };
        Ok(FeedCursor { at: parse(at)?, source, id: parse(&rest[1..])? })
    }

    /// Whether an item at (`at`, `source`, `id`) comes after this position, newest first.
    pub fn is_before(&self, at: Millis, source: FeedSource, id: i64) -> bool {
        (at, std::cmp::Reverse(source), id) < (self.at, std::cmp::Reverse(self.source), self.id)
    }
}

impl std::fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.at, self.source.letter(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_one_line_of_two_to_thirty_characters() {
        assert_eq!(OfficialTitle::parse("  小米集团   创始人 ").unwrap().as_str(), "小米集团 创始人");
        for bad in ["", "小", &"长".repeat(31), "a\nb", "x\u{0}y"] {
            assert!(OfficialTitle::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn announcements_have_text_and_few_images() {
        assert!(AnnouncementBody::parse(" 新品发布会定在周四。 ", 0).is_ok());
        assert_eq!(AnnouncementBody::parse("  ", 0), Err(ErrorCode::AnnouncementEmpty));
        assert_eq!(AnnouncementBody::parse("图", 10), Err(ErrorCode::AnnouncementEmpty));
        assert_eq!(AnnouncementBody::parse(&"字".repeat(5_001), 0), Err(ErrorCode::AnnouncementEmpty));
    }

    #[test]
    fn cursors_round_trip_and_order_newest_first() {
        let c = FeedCursor { at: 1_765_000_000_000, source: FeedSource::Announcement, id: 42 };
        assert_eq!(c.to_string(), "1765000000000a42");
        assert_eq!(FeedCursor::parse("1765000000000a42"), Ok(c));
        for bad in ["", "a1", "12a", "12x3", "-1a2", "1a2a", "99999999999999999999a1"] {
            assert_eq!(FeedCursor::parse(bad), Err(ErrorCode::InvalidCursor), "{bad:?}");
        }
        // Older, or the same instant and a post (after announcements), or a lower id: next.
        assert!(c.is_before(c.at - 1, FeedSource::Announcement, 99));
        assert!(c.is_before(c.at, FeedSource::Post, 99));
        assert!(c.is_before(c.at, FeedSource::Announcement, 41));
        assert!(!c.is_before(c.at, FeedSource::Announcement, 42));
        assert!(!c.is_before(c.at + 1, FeedSource::Post, 1));
    }
}
