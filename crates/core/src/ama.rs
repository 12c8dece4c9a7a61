//! Ask-me-anything sessions (AMA, issue #27): a host — the founder, an engineer — answers
//! fans' questions live. Questions open before the session starts so the best ones rise by
//! votes; during the session the host answers from the top; afterwards the page is the
//! transcript. The rules here: what a title, a schedule, a question and an answer may be,
//! which phase a session is in, and how question lists are ordered and paged.

use crate::{ErrorCode, Millis};

pub const TITLE_MIN_CHARS: usize = 2;
pub const TITLE_MAX_CHARS: usize = 60;
pub const DESCRIPTION_MAX_CHARS: usize = 2_000;
pub const QUESTION_MIN_CHARS: usize = 5;
pub const QUESTION_MAX_CHARS: usize = 300;
pub const ANSWER_MAX_CHARS: usize = 5_000;
/// Questions one fan may have standing in one session: enough to ask what matters, too few
/// to flood the list.
pub const QUESTIONS_PER_FAN: i64 = 5;
/// The longest a session may run once started; questions may open up to 30 days before.
pub const MAX_SESSION_MILLIS: Millis = 24 * 3_600_000;
pub const MAX_COLLECTING_MILLIS: Millis = 30 * 24 * 3_600_000;

/// A session's title, e.g. "雷军：关于 SU7 的一切": 2–60 characters on one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmaTitle(String);

impl AmaTitle {
    pub fn parse(raw: &str) -> Result<AmaTitle, ErrorCode> {
        crate::text::refuse_controls(raw).map_err(|_| ErrorCode::InvalidAmaTitle)?;
        let s: String = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if (TITLE_MIN_CHARS..=TITLE_MAX_CHARS).contains(&s.chars().count()) {
            Ok(AmaTitle(s))
        } else {
            Err(ErrorCode::InvalidAmaTitle)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When questions open, when the host starts answering, when it ends: questions open no later
/// than the start (up to 30 days before), and a session lasts from a minute to a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub questions_open_at: Millis,
    pub starts_at: Millis,
    pub ends_at: Millis,
}

impl Schedule {
    pub fn new(questions_open_at: Millis, starts_at: Millis, ends_at: Millis) -> Result<Schedule, ErrorCode> {
        let ok = questions_open_at <= starts_at
            && starts_at - questions_open_at <= MAX_COLLECTING_MILLIS
            && ends_at - starts_at >= 60_000
            && ends_at - starts_at <= MAX_SESSION_MILLIS;
        if ok {
            Ok(Schedule { questions_open_at, starts_at, ends_at })
        } else {
            Err(ErrorCode::InvalidAmaSchedule)
        }
    }

    pub fn phase(&self, now: Millis) -> Phase {
        if now < self.questions_open_at {
            Phase::Upcoming
        } else if now < self.starts_at {
            Phase::Collecting
        } else if now < self.ends_at {
            Phase::Live
        } else {
            Phase::Ended
        }
    }
}

/// Where a session stands. Fans ask and vote while `Collecting` or `Live`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Announced; questions not open yet.
    Upcoming,
    /// Questions open and rising by votes; the host has not started.
    Collecting,
    /// The host is answering.
    Live,
    /// Over: the page is the transcript.
    Ended,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Collecting => "collecting",
            Phase::Live => "live",
            Phase::Ended => "ended",
        }
    }

    pub fn takes_questions(self) -> bool {
        matches!(self, Phase::Collecting | Phase::Live)
    }
}

/// A fan's question: 5–300 characters, line breaks kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionBody(String);

impl QuestionBody {
    pub fn parse(raw: &str) -> Result<QuestionBody, ErrorCode> {
        crate::text::refuse_controls_multiline(raw).map_err(|_| ErrorCode::InvalidAmaQuestion)?;
        let s = raw.trim().replace("\r\n", "\n");
        if (QUESTION_MIN_CHARS..=QUESTION_MAX_CHARS).contains(&s.chars().count()) {
            Ok(QuestionBody(s))
        } else {
            Err(ErrorCode::InvalidAmaQuestion)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The host's answer, Markdown of 1–5,000 characters (sanitised on render like a post).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerBody(String);

impl AnswerBody {
    pub fn parse(raw: &str) -> Result<AnswerBody, ErrorCode> {
        crate::text::refuse_controls_multiline(raw).map_err(|_| ErrorCode::AmaAnswerEmpty)?;
        let s = raw.trim().replace("\r\n", "\n");
        if (1..=ANSWER_MAX_CHARS).contains(&s.chars().count()) {
            Ok(AnswerBody(s))
        } else {
            Err(ErrorCode::AmaAnswerEmpty)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A session's description, up to 2,000 characters of Markdown (empty allowed).
pub fn parse_description(raw: &str) -> Result<String, ErrorCode> {
    crate::text::refuse_controls_multiline(raw).map_err(|_| ErrorCode::InvalidAmaTitle)?;
    let s = raw.trim().replace("\r\n", "\n");
    if s.chars().count() <= DESCRIPTION_MAX_CHARS { Ok(s) } else { Err(ErrorCode::InvalidAmaTitle) }
}

/// A question's state. Fans see `Open` and `Answered`; `Hidden` (off-topic, by the host or
/// staff) only the host and staff; `Merged` questions live on as their target's votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionStatus {
    Open,
    Answered,
    Hidden,
    Merged,
}

impl QuestionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Open => "open",
            QuestionStatus::Answered => "answered",
            QuestionStatus::Hidden => "hidden",
            QuestionStatus::Merged => "merged",
        }
    }

    pub fn parse(raw: &str) -> Option<QuestionStatus> {
        [QuestionStatus::Open, QuestionStatus::Answered, QuestionStatus::Hidden, QuestionStatus::Merged]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// Whether fans see the question (and may vote on it).
    pub fn is_shown(self) -> bool {
        matches!(self, QuestionStatus::Open | QuestionStatus::Answered)
    }
}

/// How a question list is ordered: `top` by votes (ties: asked first), `new` newest first,
/// `answered` the transcript — answered questions in the order they were answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionSort {
    Top,
    New,
    Answered,
}

impl QuestionSort {
    pub fn parse(raw: &str) -> Result<QuestionSort, ErrorCode> {
        match raw {
            "" | "top" => Ok(QuestionSort::Top),
            "new" => Ok(QuestionSort::New),
            "answered" => Ok(QuestionSort::Answered),
            _ => Err(ErrorCode::InvalidAmaSort),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionSort::Top => "top",
            QuestionSort::New => "new",
            QuestionSort::Answered => "answered",
        }
    }
}

/// A position in a question list: the sort's key (votes, id or answer time) and the id of the
/// last question read, written `{key}_{id}`. Under `top`, a question whose votes move past
/// the cursor while a fan pages may be seen twice or not at all; the list is live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuestionCursor {
    pub key: i64,
    pub id: i64,
}

impl QuestionCursor {
    pub fn parse(raw: &str) -> Result<QuestionCursor, ErrorCode> {
        let (key, id) = raw.split_once('_').ok_or(ErrorCode::InvalidCursor)?;
        let number = |s: &str| {
            (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<i64>().ok())
                .flatten()
                .ok_or(ErrorCode::InvalidCursor)
        };
        Ok(QuestionCursor { key: number(key)?, id: number(id)? })
    }
}

impl std::fmt::Display for QuestionCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}_{}", self.key, self.id)
    }
}

/// A post's title made from a question turned into feedback: the question's first line, cut
/// to `max_chars` with an ellipsis.
pub fn post_title_of(question: &str, max_chars: usize) -> String {
    let line = question.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.chars().count() <= max_chars {
        line.to_string()
    } else {
        let mut cut: String = line.chars().take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = 3_600_000;

    #[test]
    fn schedules_open_questions_before_a_session_of_a_minute_to_a_day() {
        assert!(Schedule::new(0, 2 * H, 3 * H).is_ok());
        assert!(Schedule::new(2 * H, 2 * H, 2 * H + 60_000).is_ok());
        for (open, start, end) in
            [(3 * H, 2 * H, 4 * H), (0, 2 * H, 2 * H), (0, H, 26 * H), (0, 31 * 24 * H, 32 * 24 * H)]
        {
            assert_eq!(
                Schedule::new(open, start, end),
                Err(ErrorCode::InvalidAmaSchedule),
                "{open} {start} {end}"
            );
        }
    }

    #[test]
    fn phases_follow_the_clock() {
        let s = Schedule::new(H, 2 * H, 3 * H).unwrap();
        assert_eq!(s.phase(0), Phase::Upcoming);
        assert_eq!(s.phase(H), Phase::Collecting);
        assert_eq!(s.phase(2 * H), Phase::Live);
        assert_eq!(s.phase(3 * H), Phase::Ended);
        assert!(!Phase::Upcoming.takes_questions() && Phase::Live.takes_questions());
    }

    #[test]
    fn questions_and_answers_have_bounds() {
        assert_eq!(QuestionBody::parse("  续航冬天掉多少？ ").unwrap().as_str(), "续航冬天掉多少？");
        for bad in ["", "短", "四个字啊", &"问".repeat(301), "a\u{0}bcdef"] {
            assert_eq!(QuestionBody::parse(bad), Err(ErrorCode::InvalidAmaQuestion), "{bad:?}");
        }
        assert!(AnswerBody::parse("会。").is_ok());
        assert_eq!(AnswerBody::parse("  "), Err(ErrorCode::AmaAnswerEmpty));
        assert!(AmaTitle::parse("雷军 AMA").is_ok());
        assert_eq!(AmaTitle::parse("雷"), Err(ErrorCode::InvalidAmaTitle));
    }

    #[test]
    fn cursors_round_trip() {
        let c = QuestionCursor { key: 12, id: 345 };
        assert_eq!(QuestionCursor::parse(&c.to_string()), Ok(c));
        for bad in ["", "12", "_3", "1_", "-1_2", "a_b", "1_2_3"] {
            assert_eq!(QuestionCursor::parse(bad), Err(ErrorCode::InvalidCursor), "{bad:?}");
        }
        assert_eq!(QuestionSort::parse("hot"), Err(ErrorCode::InvalidAmaSort));
    }

    #[test]
    fn post_titles_come_from_the_first_line() {
        assert_eq!(post_title_of("\n 冬天续航 \n细节", 40), "冬天续航");
        assert_eq!(post_title_of(&"长".repeat(50), 10), format!("{}…", "长".repeat(9)));
    }
}
