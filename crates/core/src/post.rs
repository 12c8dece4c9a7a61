use crate::ErrorCode;
use serde::{Deserialize, Serialize};

pub const TITLE_MAX_CHARS: usize = 120;
pub const BODY_MAX_CHARS: usize = 20_000;
pub const COMMENT_MAX_CHARS: usize = 5_000;
pub const TAG_MAX_CHARS: usize = 20;
pub const TAGS_MAX: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    Idea,
    Bug,
    Question,
}

impl PostKind {
    pub const ALL: [PostKind; 3] = [PostKind::Idea, PostKind::Bug, PostKind::Question];

    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Idea => "idea",
            PostKind::Bug => "bug",
            PostKind::Question => "question",
        }
    }
    pub fn parse(raw: &str) -> Result<PostKind, ErrorCode> {
        PostKind::ALL.into_iter().find(|k| k.as_str() == raw).ok_or(ErrorCode::InvalidKind)
    }
}

/// Where a post stands. The workflow is
/// `new → acknowledged → planned → in_progress → shipped`, and any open post may instead be
/// `declined` or marked `duplicate`. Staff may step back one stage (a plan slips) and may reopen
/// a declined post; a shipped post or a duplicate is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    New,
    Acknowledged,
    Planned,
    InProgress,
    Shipped,
    Declined,
    Duplicate,
}

impl PostStatus {
    /// What people call the status, in `locale`.
    pub fn label(self, locale: crate::Locale) -> &'static str {
        use PostStatus::*;
        match self {
            New => locale.pick("新建", "New"),
            Acknowledged => locale.pick("已确认", "Acknowledged"),
            Planned => locale.pick("已计划", "Planned"),
            InProgress => locale.pick("进行中", "In progress"),
            Shipped => locale.pick("已上线", "Shipped"),
            Declined => locale.pick("未采纳", "Declined"),
            Duplicate => locale.pick("重复", "Duplicate"),
        }
    }

    pub const ALL: [PostStatus; 7] = [
        PostStatus::New,
        PostStatus::Acknowledged,
        PostStatus::Planned,
        PostStatus::InProgress,
        PostStatus::Shipped,
        PostStatus::Declined,
        PostStatus::Duplicate,
    ];

    /// The statuses shown on a product's public roadmap, in column order.
    pub const ROADMAP: [PostStatus; 3] = [PostStatus::Planned, PostStatus::InProgress, PostStatus::Shipped];

    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::New => "new",
            PostStatus::Acknowledged => "acknowledged",
            PostStatus::Planned => "planned",
            PostStatus::InProgress => "in_progress",
            PostStatus::Shipped => "shipped",
            PostStatus::Declined => "declined",
            PostStatus::Duplicate => "duplicate",
        }
    }

    pub fn parse(raw: &str) -> Result<PostStatus, ErrorCode> {
        PostStatus::ALL.into_iter().find(|s| s.as_str() == raw).ok_or(ErrorCode::InvalidStatus)
    }

    fn stage(self) -> Option<u8> {
        match self {
            PostStatus::New => Some(0),
            PostStatus::Acknowledged => Some(1),
            PostStatus::Planned => Some(2),
            PostStatus::InProgress => Some(3),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        self.stage().is_some()
    }

    pub fn can_transition_to(self, to: PostStatus) -> bool {
        use PostStatus::*;
        match (self, to) {
            (from, to) if from == to => false,
            (Shipped | Duplicate, _) => false,
            (Declined, New | Acknowledged) => true,
            (Declined, _) => false,
            // Open posts: forward any number of stages, back one stage, or close.
            (_, Shipped | Declined | Duplicate) => true,
            (from, to) => match (from.stage(), to.stage()) {
                (Some(a), Some(b)) => b > a || b + 1 == a,
                _ => false,
            },
        }
    }

    /// Checks a requested change and says why it is refused.
    pub fn transition(self, to: PostStatus) -> Result<PostStatus, ErrorCode> {
        if self.can_transition_to(to) { Ok(to) } else { Err(ErrorCode::InvalidTransition) }
    }
}

fn non_blank(raw: &str) -> &str {
    raw.trim()
}

/// A post title: 1–120 characters after trimming, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: &str) -> Result<Title, ErrorCode> {
        crate::text::refuse_controls(raw.trim())?;
        // Other control characters (C1, line and paragraph separators) are dropped.
        let s: String = non_blank(raw).chars().filter(|c| !c.is_control()).collect();
        match s.chars().count() {
            0 => Err(ErrorCode::TitleEmpty),
            n if n > TITLE_MAX_CHARS => Err(ErrorCode::TitleTooLong),
            _ => Ok(Title(s)),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A Markdown body: 1–20,000 characters after trimming. Stored as typed, sanitised on render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body(String);

impl Body {
    pub fn parse(raw: &str) -> Result<Body, ErrorCode> {
        crate::text::refuse_controls_multiline(raw)?;
        let s = non_blank(raw).replace("\r\n", "\n");
        match s.chars().count() {
            0 => Err(ErrorCode::BodyEmpty),
            n if n > BODY_MAX_CHARS => Err(ErrorCode::BodyTooLong),
            _ => Ok(Body(s)),
        }
    }
    /// A comment body has the same shape with a smaller limit.
    pub fn parse_comment(raw: &str) -> Result<Body, ErrorCode> {
        crate::text::refuse_controls_multiline(raw)?;
        let s = non_blank(raw).replace("\r\n", "\n");
        match s.chars().count() {
            0 => Err(ErrorCode::CommentEmpty),
            n if n > COMMENT_MAX_CHARS => Err(ErrorCode::CommentTooLong),
            _ => Ok(Body(s)),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A tag: 1–20 characters, no whitespace, commas or markup characters; stored lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(String);

impl Tag {
    pub fn parse(raw: &str) -> Result<Tag, ErrorCode> {
        crate::text::refuse_controls(raw)?;
        let s = raw.trim().trim_start_matches('#').to_lowercase();
        let n = s.chars().count();
        let bad = |c: char| c.is_whitespace() || c.is_control() || ",，<>&\"'".contains(c);
        if n == 0 || n > TAG_MAX_CHARS || s.chars().any(bad) {
            return Err(ErrorCode::InvalidTag);
        }
        Ok(Tag(s))
    }
    /// Parses a list, dropping repeats; at most five.
    pub fn parse_list<S: AsRef<str>>(raw: &[S]) -> Result<Vec<Tag>, ErrorCode> {
        let mut tags: Vec<Tag> = Vec::new();
        for r in raw {
            let t = Tag::parse(r.as_ref())?;
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        if tags.len() > TAGS_MAX {
            return Err(ErrorCode::InvalidTag);
        }
        Ok(tags)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PostStatus::*;

    #[test]
    fn workflow() {
        assert!(New.can_transition_to(Acknowledged));
        assert!(New.can_transition_to(Planned));
        assert!(Planned.can_transition_to(Acknowledged));
        assert!(!InProgress.can_transition_to(New));
        assert!(InProgress.can_transition_to(Shipped));
        assert!(New.can_transition_to(Duplicate));
        assert!(!Shipped.can_transition_to(New));
        assert!(!Duplicate.can_transition_to(New));
        assert!(Declined.can_transition_to(New));
        assert!(!Declined.can_transition_to(Shipped));
        assert!(!New.can_transition_to(New));
        assert_eq!(New.transition(Shipped), Ok(Shipped));
        assert_eq!(Shipped.transition(Planned), Err(ErrorCode::InvalidTransition));
    }

    #[test]
    fn status_round_trip() {
        for s in PostStatus::ALL {
            assert_eq!(PostStatus::parse(s.as_str()), Ok(s));
        }
        assert_eq!(PostStatus::parse("done"), Err(ErrorCode::InvalidStatus));
    }

    #[test]
    fn titles_count_characters_not_bytes() {
        assert!(Title::parse(&"续".repeat(120)).is_ok());
        assert_eq!(Title::parse(&"续".repeat(121)), Err(ErrorCode::TitleTooLong));
        assert_eq!(Title::parse("   "), Err(ErrorCode::TitleEmpty));
        assert_eq!(Body::parse(""), Err(ErrorCode::BodyEmpty));
        assert_eq!(Body::parse(&"a".repeat(20_001)), Err(ErrorCode::BodyTooLong));
    }

    #[test]
    fn tags() {
        let tags = Tag::parse_list(&["续航", "#续航", "Camera"]).unwrap();
        assert_eq!(tags.iter().map(Tag::as_str).collect::<Vec<_>>(), ["续航", "camera"]);
        assert!(Tag::parse("<b>").is_err());
        assert!(Tag::parse_list(&["a", "b", "c", "d", "e", "f"]).is_err());
    }
}
