//! Official voices on pages: the follow button and announcements on a profile, the composer
//! for an official account, one announcement's page, and `/feed` (关注): what the accounts a
//! fan follows published.

use super::i18n::T;
use super::{Cx, Layout, PostCard, TimeView, see_other, url, user_url};
use crate::api::views::ImageView;
use crate::error::WebResult;
use crate::markdown;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use canyu_app::voices::{self, AnnouncementView, FeedItem};
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

/// An announcement as a page shows it.
pub struct AnnouncementCard {
    pub id: i64,
    pub url: String,
    pub author: String,
    pub author_url: String,
    pub author_title: Option<String>,
    pub body_html: String,
    pub images: Vec<ImageView>,
    pub time: TimeView,
    pub removed: bool,
    /// The viewer may withdraw it (its author, or a moderator).
    pub can_remove: bool,
}

impl AnnouncementCard {
    pub fn new(cx: &Cx, a: &AnnouncementView) -> AnnouncementCard {
        let x = &a.announcement;
        AnnouncementCard {
            id: x.id,
            url: format!("/announcements/{}", x.id),
            author: x.author_handle.clone(),
            author_url: user_url(&x.author_handle),
            author_title: x.author_title.clone(),
            body_html: markdown::render(&x.body),
            images: a.images.iter().map(ImageView::from).collect(),
            time: cx.time(x.created_at),
            removed: x.removed_at.is_some(),
            can_remove: cx
                .auth
                .as_ref()
                .is_some_and(|v| v.user.id == x.author_id || v.user.role.can_triage()),
        }
    }
}

/// The words of these pages.
pub struct VoiceText {
    pub followers: &'static str,
    pub following: &'static str,
    pub follow: &'static str,
    pub unfollow: &'static str,
    pub inbox_too: &'static str,
    pub inbox_on: &'static str,
    pub inbox_off: &'static str,
    pub announcements: &'static str,
    pub no_announcements: &'static str,
    pub compose_label: &'static str,
    pub compose_hint: &'static str,
    pub publish: &'static str,
    pub remove: &'static str,
    pub removed: &'static str,
    pub feed_title: &'static str,
    pub feed_empty: &'static str,
    pub voices_title: &'static str,
    pub more: &'static str,
    pub announcement_title: &'static str,
    pub published_by: &'static str,
}

impl VoiceText {
    pub fn of(locale: Locale) -> &'static VoiceText {
        match locale {
            Locale::ZhCn => &VoiceText {
                followers: "粉丝",
                following: "关注",
                follow: "关注",
                unfollow: "取消关注",
                inbox_too: "动态也发到我的消息",
                inbox_on: "动态发到消息：开",
                inbox_off: "动态发到消息：关",
                announcements: "动态",
                no_announcements: "还没有发布动态。",
                compose_label: "发布动态",
                compose_hint: "支持 Markdown，最多 5000 字；关注你的人会在「关注」里看到，选择了消息提醒的人也会收到通知。",
                publish: "发布",
                remove: "撤回",
                removed: "这条动态已撤回，只有作者和版主能看到。",
                feed_title: "关注",
                feed_empty: "你关注的人还没有发布动态或帖子。先关注几个官方账号吧：",
                voices_title: "官方账号",
                more: "更多",
                announcement_title: "动态",
                published_by: "发布者",
            },
            Locale::En => &VoiceText {
                followers: "Followers",
                following: "Following",
                follow: "Follow",
                unfollow: "Unfollow",
                inbox_too: "Also send announcements to my inbox",
                inbox_on: "Announcements to inbox: on",
                inbox_off: "Announcements to inbox: off",
                announcements: "Announcements",
                no_announcements: "No announcements yet.",
                compose_label: "Publish an announcement",
                compose_hint: "Markdown, up to 5,000 characters; your followers see it under Following, and those who asked get a notification.",
                publish: "Publish",
                remove: "Withdraw",
                removed: "This announcement was withdrawn; only its author and moderators see it.",
                feed_title: "Following",
                feed_empty: "Nobody you follow has published anything yet. Start with an official account:",
                voices_title: "Official accounts",
                more: "More",
                announcement_title: "Announcement",
                published_by: "By",
            },
        }
    }
}

/// What a profile page shows of the account as a voice.
pub struct ProfileVoice {
    pub title: Option<String>,
    pub followers: i64,
    pub following: i64,
    /// The viewer follows it: `Some(inbox)`; `None` when not (or anonymous).
    pub followed: Option<bool>,
    /// The viewer is signed in and not the account itself.
    pub can_follow: bool,
    /// The viewer is this official account: the composer is shown.
    pub can_publish: bool,
    pub follow_url: String,
    pub announcements: Vec<AnnouncementCard>,
    pub more_url: Option<String>,
    pub v: &'static VoiceText,
}

/// The profile's voice section, with the latest announcements.
pub async fn profile_voice(state: &AppState, cx: &Cx, handle: &str) -> WebResult<ProfileVoice> {
    let view = voices::voice(state, cx.auth.as_ref(), handle).await?;
    let page = voices::announcements_of(state, &view.voice, None, 10).await?;
    let me = cx.auth.as_ref().is_some_and(|a| a.user.id == view.voice.user_id);
    Ok(ProfileVoice {
        can_publish: me && view.voice.official_title.is_some(),
        can_follow: cx.auth.is_some() && !me,
        title: view.voice.official_title.clone(),
        followers: view.voice.followers,
        following: view.voice.following,
        followed: view.following,
        follow_url: format!("{}/follow", user_url(&view.voice.handle)),
        more_url: page.next_cursor.map(|_| format!("{}/announcements", user_url(&view.voice.handle))),
        announcements: page.items.iter().map(|a| AnnouncementCard::new(cx, a)).collect(),
        v: VoiceText::of(cx.locale),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowForm {
    /// `follow` (with `inbox` = "1" to also get the inbox) or `unfollow`.
    pub action: String,
    pub inbox: String,
}

pub async fn follow(
    State(state): State<AppState>,
    cx: Cx,
    Path(handle): Path<String>,
    Form(form): Form<FollowForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let view = if form.action == "unfollow" {
        voices::unfollow(&state, auth, &handle).await?
    } else {
        voices::follow(&state, auth, &handle, form.inbox == "1").await?
    };
    Ok(see_other(&user_url(&view.voice.handle)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AnnouncementForm {
    pub body: String,
}

pub async fn publish(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<AnnouncementForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let published = voices::publish(&state, auth, &form.body, &[]).await?;
    Ok(see_other(&format!("/announcements/{}", published.announcement.id)))
}

pub async fn remove(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = crate::api::path_id(&id, ErrorCode::AnnouncementNotFound)?;
    let a = voices::announcement(&state, Some(auth), id).await?;
    voices::remove(&state, auth, id).await?;
    Ok(see_other(&user_url(&a.announcement.author_handle)))
}

#[derive(Template, WebTemplate)]
#[template(path = "announcement.html")]
pub struct AnnouncementPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub v: &'static VoiceText,
    pub a: AnnouncementCard,
}

pub async fn announcement(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = crate::api::path_id(&id, ErrorCode::AnnouncementNotFound)?;
    let a = voices::announcement(&state, cx.auth.as_ref(), id).await?;
    Ok(cx.ok(AnnouncementPage {
        t: cx.t,
        ctx: cx.layout(""),
        v: VoiceText::of(cx.locale),
        a: AnnouncementCard::new(&cx, &a),
    }))
}

#[derive(Template, WebTemplate)]
#[template(path = "announcements.html")]
pub struct AnnouncementsPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub v: &'static VoiceText,
    pub handle: String,
    pub profile_url: String,
    pub items: Vec<AnnouncementCard>,
    pub more_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    pub cursor: Option<String>,
}

pub async fn announcements(
    State(state): State<AppState>,
    cx: Cx,
    Path(handle): Path<String>,
    Query(q): Query<PageQuery>,
) -> WebResult<Response> {
    let view = voices::voice(&state, cx.auth.as_ref(), &handle).await?;
    let page = voices::announcements_of(&state, &view.voice, q.cursor.as_deref(), 20).await?;
    let base = format!("{}/announcements", user_url(&view.voice.handle));
    Ok(cx.ok(AnnouncementsPage {
        t: cx.t,
        ctx: cx.layout(""),
        v: VoiceText::of(cx.locale),
        profile_url: user_url(&view.voice.handle),
        handle: view.voice.handle,
        items: page.items.iter().map(|a| AnnouncementCard::new(&cx, a)).collect(),
        more_url: page.next_cursor.map(|c| url(&base, &[("cursor", &c)])),
    }))
}

pub enum FeedRow {
    Announcement(Box<AnnouncementCard>),
    Post(Box<PostCard>),
}

/// An official account to follow, offered on an empty feed.
pub struct VoiceLink {
    pub handle: String,
    pub url: String,
    pub title: Option<String>,
    pub followers: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "feed.html")]
pub struct FeedPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub v: &'static VoiceText,
    pub rows: Vec<FeedRow>,
    pub more_url: Option<String>,
    pub voices: Vec<VoiceLink>,
}

pub async fn feed(State(state): State<AppState>, cx: Cx, Query(q): Query<PageQuery>) -> WebResult<Response> {
    let auth = cx.user()?;
    let page = voices::feed(&state, auth, q.cursor.as_deref(), 20).await?;
    let posts = page.posts();
    let mut cards = cx.cards(&state, &posts).await?.into_iter();
    let rows = page
        .items
        .iter()
        .filter_map(|i| match i {
            FeedItem::Announcement(a) => Some(FeedRow::Announcement(Box::new(AnnouncementCard::new(&cx, a)))),
            FeedItem::Post(_) => cards.next().map(|c| FeedRow::Post(Box::new(c))),
        })
        .collect::<Vec<_>>();
    let voices = if rows.is_empty() && q.cursor.is_none() {
        voices::official_voices(&state, Some(auth), 10)
            .await?
            .into_iter()
            .map(|v| v.voice)
            .map(|v| VoiceLink {
                url: user_url(&v.handle),
                handle: v.handle,
                title: v.official_title,
                followers: v.followers,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(cx.ok(FeedPage {
        t: cx.t,
        ctx: cx.layout("feed"),
        v: VoiceText::of(cx.locale),
        rows,
        more_url: page.next_cursor.map(|c| url("/feed", &[("cursor", &c)])),
        voices,
    }))
}
