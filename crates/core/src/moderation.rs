//! Rules of moderation: why a fan may report something, and what a moderator may note.

use crate::{ErrorCode, Locale};

/// Why a fan reports a post or comment. Few and plain, as in Discourse's flags: a moderator
/// reads the queue by reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportReason {
    Spam,
    Abuse,
    OffTopic,
    Illegal,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 5] = [
        ReportReason::Spam,
        ReportReason::Abuse,
        ReportReason::OffTopic,
        ReportReason::Illegal,
        ReportReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::OffTopic => "off_topic",
            ReportReason::Illegal => "illegal",
            ReportReason::Other => "other",
        }
    }

    pub fn parse(raw: &str) -> Result<ReportReason, ErrorCode> {
        ReportReason::ALL.into_iter().find(|r| r.as_str() == raw.trim()).ok_or(ErrorCode::InvalidReportReason)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ReportReason::Spam, Locale::ZhCn) => "广告或刷屏",
            (ReportReason::Abuse, Locale::ZhCn) => "辱骂、攻击他人",
            (ReportReason::OffTopic, Locale::ZhCn) => "与产品无关",
            (ReportReason::Illegal, Locale::ZhCn) => "违法或泄露隐私",
            (ReportReason::Other, Locale::ZhCn) => "其他",
            (ReportReason::Spam, Locale::En) => "Spam or flooding",
            (ReportReason::Abuse, Locale::En) => "Abuse or harassment",
            (ReportReason::OffTopic, Locale::En) => "Off topic",
            (ReportReason::Illegal, Locale::En) => "Illegal, or exposes someone's private data",
            (ReportReason::Other, Locale::En) => "Something else",
        }
    }
}

pub const REPORT_NOTE_MAX_CHARS: usize = 500;

/// A report's optional note: trimmed, one line or several, at most 500 characters; blank is
/// none.
pub fn parse_report_note(raw: Option<&str>) -> Result<Option<String>, ErrorCode> {
    let Some(raw) = raw else { return Ok(None) };
    crate::text::refuse_controls_multiline(raw)?;
    let note = raw.trim();
    if note.is_empty() {
        return Ok(None);
    }
    if note.chars().count() > REPORT_NOTE_MAX_CHARS {
        return Err(ErrorCode::ReportNoteTooLong);
    }
    Ok(Some(note.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_and_unknown_ones_are_refused() {
        for r in ReportReason::ALL {
            assert_eq!(ReportReason::parse(r.as_str()), Ok(r));
            assert!(!r.label(Locale::ZhCn).is_empty());
        }
        assert_eq!(ReportReason::parse("boring"), Err(ErrorCode::InvalidReportReason));
    }

    #[test]
    fn notes_are_trimmed_bounded_and_optional() {
        assert_eq!(parse_report_note(None), Ok(None));
        assert_eq!(parse_report_note(Some("  ")), Ok(None));
        assert_eq!(parse_report_note(Some(" 广告链接 ")), Ok(Some("广告链接".into())));
        assert_eq!(parse_report_note(Some(&"字".repeat(501))), Err(ErrorCode::ReportNoteTooLong));
        assert_eq!(parse_report_note(Some("a\u{0}b")), Err(ErrorCode::ControlCharacter));
    }
}
