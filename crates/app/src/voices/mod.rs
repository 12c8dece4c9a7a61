//! Official voices (人设营销, issue #27): admins mark the people behind the brand official
//! with a title; anyone follows anyone; official accounts publish announcements (动态) that
//! reach their followers' feed, and the inbox of followers who asked for it.
//!
//! The feed is read when a fan opens it (followees' newest rows through each author's index),
//! never written per follower: a founder with ten million followers publishes one row, and
//! only the followers who asked for the inbox get one each.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy;
use crate::ratelimit::limit;
use canyu_core::voice::{
    AnnouncementBody, FeedCursor, FeedSource, MAX_IMAGES_PER_ANNOUNCEMENT, OfficialTitle,
};
use canyu_core::{ErrorCode, Role};
use canyu_store::{Announcement, Media, Post, Voice};
use serde_json::json;
use std::collections::HashMap;

/// Follows and unfollows one account may make per minute.
const FOLLOWS_PER_MINUTE: u32 = 60;
/// Announcements one official account may publish per minute.
const ANNOUNCEMENTS_PER_MINUTE: u32 = 5;
/// The most feed items or announcements one page carries.
pub const MAX_PAGE: i64 = 50;
/// How much of an announcement the inbox line quotes.
const EXCERPT_CHARS: usize = 60;

/// An account as a voice, and whether the caller follows it (`Some(inbox)`).
#[derive(Clone, Debug)]
pub struct VoiceView {
    pub voice: Voice,
    pub following: Option<bool>,
}

/// An announcement with its images.
#[derive(Clone, Debug)]
pub struct AnnouncementView {
    pub announcement: Announcement,
    pub images: Vec<Media>,
}

#[derive(Clone, Debug)]
pub enum FeedItem {
    Announcement(AnnouncementView),
    Post(Box<Post>),
}

#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl Page<FeedItem> {
    /// The feed's posts, in feed order (for the caller to render as post cards).
    pub fn posts(&self) -> Vec<Post> {
        self.items
            .iter()
            .filter_map(|i| match i {
                FeedItem::Post(p) => Some((**p).clone()),
                FeedItem::Announcement(_) => None,
            })
            .collect()
    }
}

async fn account(app: &App, handle: &str) -> AppResult<Voice> {
    let user = app.store.user_by_handle(handle.trim()).await?.ok_or(ErrorCode::UserNotFound)?;
    Ok(app.store.voice(user.user.id).await?.ok_or(ErrorCode::UserNotFound)?)
}

/// The account `handle` as a voice, seen by `viewer`.
pub async fn voice(app: &App, viewer: Option<&Auth>, handle: &str) -> AppResult<VoiceView> {
    let voice = account(app, handle).await?;
    let following = match viewer {
        Some(a) => app.store.follow_of(a.user.id, voice.user_id).await?,
        None => None,
    };
    Ok(VoiceView { voice, following })
}

/// The official accounts, most followed first, and whether `viewer` follows each.
pub async fn official_voices(app: &App, viewer: Option<&Auth>, limit: i64) -> AppResult<Vec<VoiceView>> {
    let voices = app.store.official_voices(limit.clamp(1, 100)).await?;
    let mut followed = match viewer {
        Some(a) => {
            let ids: Vec<i64> = voices.iter().map(|v| v.user_id).collect();
            app.store.follows_among(a.user.id, &ids).await?
        }
        None => Default::default(),
    };
    Ok(voices
        .into_iter()
        .map(|voice| VoiceView { following: followed.remove(&voice.user_id), voice })
        .collect())
}

/// Makes `handle` an official voice titled `title`, or (`None`) an ordinary account again.
/// Admins only: the badge is the proof that an account is who it says.
pub async fn set_official(app: &App, auth: &Auth, handle: &str, title: Option<&str>) -> AppResult<Voice> {
    policy::require_role(auth, Role::Admin)?;
    let title = title.map(OfficialTitle::parse).transpose()?;
    let voice = account(app, handle).await?;
    app.store.set_official_title(voice.user_id, title.as_ref().map(OfficialTitle::as_str)).await?;
    tracing::info!(
        user = voice.user_id,
        by = auth.user.id,
        official = title.is_some(),
        "official title changed"
    );
    Ok(app.store.voice(voice.user_id).await?.ok_or(ErrorCode::UserNotFound)?)
}

/// Follows `handle`; `inbox` also sends its announcements to the caller's inbox. Following
/// again only changes `inbox`.
pub async fn follow(app: &App, auth: &Auth, handle: &str, inbox: bool) -> AppResult<VoiceView> {
    limit(app, format!("follow:{}", auth.user.id), FOLLOWS_PER_MINUTE)?;
    let voice = account(app, handle).await?;
    if voice.user_id == auth.user.id {
        return Err(ErrorCode::CannotFollowSelf.into());
    }
    app.store.follow_user(auth.user.id, voice.user_id, inbox, app.now()).await?;
    Ok(VoiceView {
        voice: app.store.voice(voice.user_id).await?.ok_or(ErrorCode::UserNotFound)?,
        following: Some(inbox),
    })
}

pub async fn unfollow(app: &App, auth: &Auth, handle: &str) -> AppResult<VoiceView> {
    limit(app, format!("follow:{}", auth.user.id), FOLLOWS_PER_MINUTE)?;
    let voice = account(app, handle).await?;
    app.store.unfollow_user(auth.user.id, voice.user_id).await?;
    Ok(VoiceView {
        voice: app.store.voice(voice.user_id).await?.ok_or(ErrorCode::UserNotFound)?,
        following: None,
    })
}

/// A plain line of Markdown for the inbox: markup dropped, whitespace collapsed, cut short.
fn excerpt(markdown: &str) -> String {
    let plain: String = markdown
        .chars()
        .map(|c| if matches!(c, '#' | '*' | '>' | '`' | '_' | '[' | ']') { ' ' } else { c })
        .collect();
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= EXCERPT_CHARS {
        collapsed
    } else {
        collapsed.chars().take(EXCERPT_CHARS).collect::<String>() + "…"
    }
}

/// What the inbox entry of an announcement records: who, with which title, and a plain line
/// of it (the demo's announcements are recorded the same way).
pub fn notice(handle: &str, title: &str, body: &str) -> serde_json::Value {
    json!({"handle": handle, "title": title, "excerpt": excerpt(body)})
}

/// Publishes an announcement as the caller, who must be an official voice.
pub async fn publish(app: &App, auth: &Auth, body: &str, images: &[i64]) -> AppResult<AnnouncementView> {
    let me = app.store.voice(auth.user.id).await?.ok_or(ErrorCode::UserNotFound)?;
    let Some(title) = me.official_title else { return Err(ErrorCode::NotOfficial.into()) };
    let body = AnnouncementBody::parse(body, images.len())?;
    limit(app, format!("announce:{}", auth.user.id), ANNOUNCEMENTS_PER_MINUTE)?;
    crate::media::check_attachable(app, auth, images, MAX_IMAGES_PER_ANNOUNCEMENT).await?;
    let notice = notice(&me.handle, &title, body.as_str());
    let id = app.store.publish_announcement(auth.user.id, body.as_str(), images, &notice, app.now()).await?;
    announcement(app, Some(auth), id).await
}

/// One announcement; a removed one only for its author and moderators.
pub async fn announcement(app: &App, viewer: Option<&Auth>, id: i64) -> AppResult<AnnouncementView> {
    let a = app.store.announcement(id).await?.ok_or(ErrorCode::AnnouncementNotFound)?;
    if a.removed_at.is_some() && !viewer.is_some_and(|v| v.user.id == a.author_id || v.user.role.can_triage())
    {
        return Err(ErrorCode::AnnouncementNotFound.into());
    }
    let images = app.store.media_of_announcements(&[id]).await?.remove(&id).unwrap_or_default();
    Ok(AnnouncementView { announcement: a, images })
}

/// Withdraws an announcement: its author, or a moderator.
pub async fn remove(app: &App, auth: &Auth, id: i64) -> AppResult<()> {
    let a = app.store.announcement(id).await?.ok_or(ErrorCode::AnnouncementNotFound)?;
    if a.author_id != auth.user.id && !auth.user.role.can_triage() {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    app.store.remove_announcement(id, app.now()).await?;
    Ok(())
}

fn parse_cursor(raw: Option<&str>) -> AppResult<Option<FeedCursor>> {
    Ok(raw.filter(|c| !c.is_empty()).map(FeedCursor::parse).transpose()?)
}

async fn with_images(app: &App, list: Vec<Announcement>) -> AppResult<Vec<AnnouncementView>> {
    let ids: Vec<i64> = list.iter().map(|a| a.id).collect();
    let mut images = app.store.media_of_announcements(&ids).await?;
    Ok(list
        .into_iter()
        .map(|a| {
            let images = images.remove(&a.id).unwrap_or_default();
            AnnouncementView { announcement: a, images }
        })
        .collect())
}

/// The announcements of `voice` (from [`voice`]), newest first, `limit` (1–50) at a time
/// from `cursor`.
pub async fn announcements_of(
    app: &App,
    voice: &Voice,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<Page<AnnouncementView>> {
    let cursor = parse_cursor(cursor)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let mut list = app.store.announcements_of(voice.user_id, cursor, limit + 1).await?;
    let more = list.len() as i64 > limit;
    list.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more
        .then(|| {
            list.last().map(|a| FeedCursor { at: a.created_at, source: FeedSource::Announcement, id: a.id })
        })
        .flatten()
        .map(|c| c.to_string());
    Ok(Page { items: with_images(app, list).await?, next_cursor })
}

/// The caller's feed, newest first: announcements and public posts of whom they follow.
pub async fn feed(app: &App, auth: &Auth, cursor: Option<&str>, limit: i64) -> AppResult<Page<FeedItem>> {
    let cursor = parse_cursor(cursor)?;
    let limit = limit.clamp(1, MAX_PAGE);
    let mut entries = app.store.feed(auth.user.id, cursor, limit + 1).await?;
    let more = entries.len() as i64 > limit;
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more.then(|| entries.last().map(|e| e.cursor().to_string())).flatten();
    let ids = |source| entries.iter().filter(|e| e.source == source).map(|e| e.id).collect::<Vec<_>>();
    let announcements = app.store.announcements_by_ids(&ids(FeedSource::Announcement)).await?;
    let mut announcements: HashMap<i64, AnnouncementView> =
        with_images(app, announcements).await?.into_iter().map(|a| (a.announcement.id, a)).collect();
    let mut posts: HashMap<i64, Post> =
        app.store.posts_by_ids(&ids(FeedSource::Post)).await?.into_iter().map(|p| (p.id, p)).collect();
    let items = entries
        .iter()
        .filter_map(|e| match e.source {
            FeedSource::Announcement => announcements.remove(&e.id).map(FeedItem::Announcement),
            FeedSource::Post => posts.remove(&e.id).map(|p| FeedItem::Post(Box::new(p))),
        })
        .collect();
    Ok(Page { items, next_cursor })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_inbox_quotes_a_short_plain_line() {
        assert_eq!(super::excerpt("# 发布会\n\n**周四**见！"), "发布会 周四 见！");
        assert_eq!(super::excerpt(&"字".repeat(80)).chars().count(), 61);
    }
}
