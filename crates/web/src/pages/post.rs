//! `/posts/{id}`: one post with its votes, comments and public status history; moderators
//! also get the status form. The vote, comment and status forms post here too, so all of it
//! works without JavaScript; `app.js` makes voting and commenting instant through the API.

use super::i18n::{self, T};
use super::new_post::PendingImage;
use super::{
    Badge, Cx, Layout, Link, TimeView, file_error, form_error, post_url, product_url, refused, safe_next,
    see_other, status_of, url, user_url,
};
use crate::error::{WebError, WebResult};
use crate::markdown;
use crate::state::AppState;
use crate::uploads::{PostedForm, pending_images};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::AppError;
use canyu_app::board::CommentInput;
use canyu_core::moderation::ReportReason;
use canyu_core::{ErrorCode, PostStatus};
use serde::Deserialize;

pub struct PostView {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub body_html: String,
    pub kind: Badge,
    pub status: Badge,
    pub tags: Vec<Link>,
    pub author: String,
    pub author_url: String,
    pub author_initial: String,
    pub author_staff: bool,
    pub author_title: Option<String>,
    pub author_role: &'static str,
    pub owner_chip: Option<String>,
    /// "3 位投票者是车主": how many of its voters own the product, when any do.
    pub owner_voters: Option<String>,
    pub time: TimeView,
    pub votes: i64,
    pub voted: bool,
    pub product_name: String,
    pub product_url: String,
    pub roadmap_url: String,
    pub comments_label: String,
    pub edited: bool,
    pub pinned: bool,
    pub locked: bool,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub deleted: bool,
    /// The caller may edit it (its author, unless locked; moderators).
    pub can_edit: bool,
    /// The caller may withdraw it (its author; moderators).
    pub can_delete: bool,
    /// Someone other than its author is signed in: they may report it.
    pub can_report: bool,
    /// Whether the caller hears of its comments and changes.
    pub following: bool,
    /// New comments are taken (not merged, locked, hidden or deleted, for this caller).
    pub can_comment: bool,
    pub images: Vec<ShownImage>,
}

/// An image on a post or comment: the thumbnail, linking to the full image.
pub struct ShownImage {
    pub url: String,
    pub thumb_url: String,
    /// The thumbnail's size, so the page does not jump as it loads.
    pub thumb_width: i64,
    pub thumb_height: i64,
}

impl ShownImage {
    pub fn from_media(m: &canyu_app::model::Media) -> Self {
        let side = i64::from(canyu_core::media::THUMB_MAX_SIDE);
        let longest = m.width.max(m.height).max(1);
        let (w, h) = if longest <= side {
            (m.width, m.height)
        } else {
            (m.width * side / longest, m.height * side / longest)
        };
        ShownImage {
            url: crate::uploads::url_of(&m.object_key),
            thumb_url: crate::uploads::url_of(&m.thumb_key),
            thumb_width: w.max(1),
            thumb_height: h.max(1),
        }
    }
}

pub struct CommentView {
    pub id: i64,
    pub author: String,
    pub author_url: String,
    pub author_initial: String,
    pub owner_chip: Option<String>,
    pub official: bool,
    /// The author's verified title, when the account is an official voice.
    pub author_title: Option<String>,
    pub body_html: String,
    pub time: TimeView,
    /// The comment this one replies to, and its author.
    pub reply_to: Option<(i64, String)>,
    pub edited: bool,
    pub deleted: bool,
    pub hidden: bool,
    /// The caller may edit or withdraw it.
    pub can_change: bool,
    pub can_report: bool,
    pub images: Vec<ShownImage>,
}

pub struct TimelineItem {
    pub from: Option<Badge>,
    pub to: Badge,
    pub actor: String,
    pub actor_url: String,
    pub note: Option<String>,
    pub time: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "post.html")]
pub struct PostPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub post: PostView,
    pub comments: Vec<CommentView>,
    pub timeline: Vec<TimelineItem>,
    pub can_triage: bool,
    /// The statuses this post may move to now (moderators only).
    pub targets: Vec<Badge>,
    pub comment_error: Option<String>,
    pub comment_draft: String,
    /// Images uploaded with a refused comment, sent again with the form.
    pub comment_images: Vec<PendingImage>,
    pub accept: &'static str,
    pub status_error: Option<String>,
    pub note_draft: String,
    /// Set when this post was merged into another: votes and comments are closed here.
    pub merged_into: Option<MergedLink>,
    /// The merged post the visitor was redirected from.
    pub redirected_from: Option<MergedLink>,
    /// Duplicates merged into this post.
    pub merged_here: Vec<MergedLink>,
    pub merge_error: Option<String>,
    pub merge_draft: String,
    /// The comment the fan is replying to (`?reply=`): its id and author.
    pub replying_to: Option<(i64, String)>,
    /// A report was just received (`?reported=1`).
    pub reported: bool,
    /// (value, label) of each reason a fan may report for.
    pub report_reasons: Vec<(&'static str, &'static str)>,
    /// Moderators: live posts of the product that say what this one says, to merge into.
    pub merge_candidates: Vec<MergeCandidate>,
}

pub struct MergeCandidate {
    pub id: i64,
    pub title: String,
    pub url: String,
    pub votes: i64,
    pub status: Badge,
    /// How alike, in whole percent.
    pub percent: u32,
}

pub struct MergedLink {
    pub id: i64,
    pub title: String,
    /// For a merged post: its own page, without the redirect.
    pub url: String,
    pub votes: i64,
    pub comments: i64,
}

#[derive(Default)]
struct Redo {
    comment_error: Option<String>,
    comment_draft: String,
    comment_images: Vec<PendingImage>,
    status_error: Option<String>,
    note_draft: String,
    merge_error: Option<String>,
    merge_draft: String,
    redirected_from: Option<i64>,
    reply_to: Option<i64>,
    reported: bool,
}

/// A merged post's own page: `?stay=1` skips the redirect to the post it was merged into.
fn stay_url(id: i64) -> String {
    format!("{}?stay=1", post_url(id))
}

fn initial(s: &str) -> String {
    s.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
}

async fn render(state: &AppState, cx: &Cx, id: i64, redo: Redo, status: StatusCode) -> WebResult<Response> {
    let post = canyu_app::board::post(state, id).await?.ok_or(WebError::from(ErrorCode::PostNotFound))?;
    canyu_app::beta::ensure_post_visible(state, cx.auth.as_ref(), &post).await?;
    let comments = canyu_app::board::comments(state, cx.auth.as_ref(), id).await?;
    let post_images = canyu_app::media::of_posts(state, &[id]).await?.remove(&id).unwrap_or_default();
    let comment_ids: Vec<i64> = comments.iter().filter(|c| !c.body.is_empty()).map(|c| c.id).collect();
    let mut comment_images = canyu_app::media::of_comments(state, &comment_ids).await?;
    let following = match &cx.auth {
        Some(a) => canyu_app::board::follow::is_following(state, a, id).await?,
        None => false,
    };
    let history = canyu_app::board::status_history(state, id).await?;
    let owner_voters = if post.votes > 0 { canyu_app::ownership::owner_voters(state, id).await? } else { 0 };
    let category = post.product_category.clone();
    let voted = match &cx.auth {
        Some(a) => canyu_app::board::has_voted(state, id, a.user.id).await?,
        None => false,
    };
    let product = product_url(&post.product_slug);
    let mut timeline = vec![TimelineItem {
        from: None,
        to: cx.status_view(PostStatus::New),
        actor: post.author_handle.clone(),
        actor_url: user_url(&post.author_handle),
        note: None,
        time: cx.time(post.created_at),
    }];
    timeline.extend(history.iter().map(|h| TimelineItem {
        from: Some(cx.status_view(h.from)),
        to: cx.status_view(h.to),
        actor: h.actor_handle.clone(),
        actor_url: user_url(&h.actor_handle),
        note: h.note.clone(),
        time: cx.time(h.created_at),
    }));
    let can_triage = cx.can_triage();
    let merged_into = match post.merged_into {
        Some(target) => canyu_app::board::post(state, target).await?.map(|t| MergedLink {
            id: t.id,
            url: post_url(t.id),
            title: t.title,
            votes: t.votes,
            comments: t.comments,
        }),
        None => None,
    };
    let merged_here: Vec<MergedLink> = canyu_app::board::merged_posts(state, id)
        .await?
        .into_iter()
        .map(|m| MergedLink {
            id: m.id,
            url: stay_url(m.id),
            title: m.title,
            votes: m.votes,
            comments: m.comments,
        })
        .collect();
    let redirected_from =
        redo.redirected_from.and_then(|from| merged_here.iter().find(|m| m.id == from)).map(|m| MergedLink {
            id: m.id,
            title: m.title.clone(),
            url: m.url.clone(),
            votes: m.votes,
            comments: m.comments,
        });
    let merge_candidates = if can_triage && post.merged_into.is_none() && post.is_listed() && !post.beta {
        let text = format!("{} {}", post.title, markdown::excerpt(&post.body, 300));
        canyu_app::board::similar::similar_posts(state, &text, Some(post.product_id), 5, Some(post.id))
            .await?
            .into_iter()
            .map(|s| MergeCandidate {
                id: s.post.id,
                url: post_url(s.post.id),
                votes: s.post.votes,
                status: cx.status_view(s.post.status),
                percent: (s.score.clamp(0.0, 1.0) * 100.0).round() as u32,
                title: s.post.title,
            })
            .collect()
    } else {
        Vec::new()
    };
    let targets = if can_triage && post.merged_into.is_none() {
        PostStatus::ALL
            .into_iter()
            .filter(|s| post.status.can_transition_to(*s))
            .map(|s| cx.status_view(s))
            .collect()
    } else {
        Vec::new()
    };
    let me = cx.auth.as_ref();
    let moderator = cx.can_triage();
    let mine = me.is_some_and(|a| a.user.id == post.author_id);
    let open_for_comments =
        post.merged_into.is_none() && (moderator || (post.locked_at.is_none() && post.is_listed()));
    let view = PostView {
        edited: post.edited_at.is_some(),
        pinned: post.pinned_at.is_some(),
        locked: post.locked_at.is_some(),
        hidden: post.hidden_at.is_some(),
        hidden_reason: post.hidden_reason.clone(),
        deleted: post.deleted_at.is_some(),
        can_edit: me.is_some_and(|a| canyu_app::policy::can_edit_post(a, &post)),
        can_delete: me.is_some_and(|a| canyu_app::policy::can_delete_post(a, &post))
            && post.deleted_at.is_none(),
        can_report: me.is_some() && !mine && post.is_listed(),
        following,
        can_comment: open_for_comments,
        images: post_images.iter().map(ShownImage::from_media).collect(),
        id: post.id,
        url: post_url(post.id),
        body_html: markdown::render(&post.body),
        kind: cx.kind_view(post.kind),
        status: cx.status_view(post.status),
        tags: post
            .tags
            .iter()
            .map(|t| Link { label: t.clone(), url: url(&product, &[("tag", t)]), active: false })
            .collect(),
        author_url: user_url(&post.author_handle),
        author_initial: initial(&post.author_handle),
        author_staff: post.author_role.can_triage(),
        author_title: post.author_title.clone(),
        author_role: i18n::role_label(cx.t, post.author_role),
        owner_chip: post.author_owner_since.map(|since| cx.owner_chip(&post.product_category, since)),
        owner_voters: i18n::owner_voters(cx.locale, &post.product_category, owner_voters),
        author: post.author_handle,
        time: cx.time(post.created_at),
        votes: post.votes,
        voted,
        product_name: post.product_name,
        roadmap_url: format!("{product}/roadmap"),
        product_url: product,
        comments_label: i18n::comments_count(cx.locale, comments.len() as i64),
        title: post.title,
    };
    let handles: Vec<(i64, String)> = comments.iter().map(|c| (c.id, c.author_handle.clone())).collect();
    let handle_of = |id: i64| handles.iter().find(|(c, _)| *c == id).map(|(_, h)| h.clone());
    let replying_to = redo.reply_to.and_then(|r| handle_of(r).map(|h| (r, h)));
    let locked = post.locked_at.is_some();
    let comments = comments
        .into_iter()
        .map(|c| {
            let own = me.is_some_and(|a| a.user.id == c.author_id);
            CommentView {
                id: c.id,
                reply_to: c.parent_id.and_then(|p| handle_of(p).map(|h| (p, h))),
                edited: c.edited_at.is_some(),
                deleted: c.deleted_at.is_some(),
                hidden: c.hidden_at.is_some(),
                can_change: c.deleted_at.is_none() && (moderator || (own && !locked)),
                can_report: me.is_some() && !own && c.is_shown(),
                images: comment_images
                    .remove(&c.id)
                    .map(|list| list.iter().map(ShownImage::from_media).collect())
                    .unwrap_or_default(),
                author_url: user_url(&c.author_handle),
                author_initial: initial(&c.author_handle),
                owner_chip: c.author_owner_since.map(|since| cx.owner_chip(&category, since)),
                author: c.author_handle,
                official: c.official,
                author_title: c.author_title.clone(),
                body_html: markdown::render(&c.body),
                time: cx.time(c.created_at),
            }
        })
        .collect();
    Ok(cx.respond(
        status,
        PostPage {
            t: cx.t,
            ctx: cx.layout(""),
            post: view,
            comments,
            timeline,
            can_triage,
            targets,
            comment_error: redo.comment_error,
            comment_draft: redo.comment_draft,
            comment_images: redo.comment_images,
            accept: canyu_core::media::ACCEPT,
            status_error: redo.status_error,
            note_draft: redo.note_draft,
            merged_into,
            redirected_from,
            merged_here,
            merge_error: redo.merge_error,
            merge_draft: redo.merge_draft,
            replying_to,
            reported: redo.reported,
            report_reasons: ReportReason::ALL.into_iter().map(|r| (r.as_str(), r.label(cx.locale))).collect(),
            merge_candidates,
        },
    ))
}

/// `/posts/abc` is a missing post, not a malformed request.
fn post_id(raw: &str) -> WebResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::PostNotFound))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PostQuery {
    /// Show a merged post itself instead of redirecting.
    pub stay: Option<String>,
    /// The merged post that redirected here.
    pub from: Option<String>,
    /// Reply to this comment: the form says so and sends its id.
    pub reply: Option<String>,
    /// A report was just received.
    pub reported: Option<String>,
}

/// A merged post redirects to the post it was merged into (temporarily: a merge can be
/// undone), which then says where the visitor came from and links back.
pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Query(q): Query<PostQuery>,
) -> WebResult<Response> {
    let id = post_id(&id)?;
    if q.stay.is_none()
        && let Some(post) = canyu_app::board::post(&state, id).await?
        && let Some(target) = post.merged_into
    {
        return Ok(see_other(&url(&post_url(target), &[("from", &id.to_string())])));
    }
    let redo = Redo {
        redirected_from: q.from.and_then(|f| f.parse().ok()),
        reply_to: q.reply.and_then(|r| r.parse().ok()),
        reported: q.reported.is_some(),
        ..Default::default()
    };
    render(&state, &cx, id, redo, StatusCode::OK).await
}

/// Errors that mean "this page cannot be shown", as opposed to "fix the form".
fn is_fatal(e: &AppError) -> bool {
    matches!(
        e.code,
        ErrorCode::PostNotFound | ErrorCode::Forbidden | ErrorCode::Unauthenticated | ErrorCode::Internal
    )
}

#[derive(Deserialize, Default)]
pub struct VoteForm {
    #[serde(default)]
    pub next: Option<String>,
}

/// The vote button without JavaScript: toggles the caller's vote and goes back.
pub async fn vote(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<VoteForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = post_id(&id)?;
    if canyu_app::board::has_voted(&state, id, auth.user.id).await? {
        canyu_app::board::unvote(&state, auth, id).await?;
    } else {
        canyu_app::board::vote(&state, auth, id).await?;
    }
    let back = match form.next.as_deref() {
        Some(n) => safe_next(Some(n)),
        None => post_url(id),
    };
    Ok(see_other(&back))
}

#[derive(Deserialize, Default)]
pub struct CommentForm {
    #[serde(default)]
    pub body: String,
    /// The comment replied to; empty for none.
    #[serde(default)]
    pub reply_to: String,
}

pub async fn comment(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    posted: PostedForm<CommentForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = post_id(&id)?;
    let PostedForm { form, images, refused: refused_file } = posted;
    let reply_to = form.reply_to.trim().parse::<i64>().ok().filter(|r| *r > 0);
    let outcome = match refused_file {
        Some((file, e)) => Err((file_error(&cx, &file, &e), e.0)),
        None => {
            let input = CommentInput { body: &form.body, reply_to, images: &images };
            canyu_app::board::comment(&state, auth, id, input).await.map_err(|e| (form_error(&cx, &e), e))
        }
    };
    match outcome {
        Ok(c) => Ok(see_other(&format!("{}#c{}", post_url(id), c.id))),
        Err((_, e)) if is_fatal(&e) => Err(e.into()),
        Err((message, e)) => {
            let kept =
                pending_images(&state, auth, &images).await?.iter().map(PendingImage::from_media).collect();
            let redo = Redo {
                comment_error: Some(message),
                comment_draft: form.body,
                comment_images: kept,
                reply_to,
                ..Default::default()
            };
            refused(&e, render(&state, &cx, id, redo, status_of(&e)).await)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub note: String,
}

pub async fn change_status(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = post_id(&id)?;
    match canyu_app::board::change_status(&state, auth, id, &form.status, Some(&form.note)).await {
        Ok(_) => Ok(see_other(&format!("{}#timeline", post_url(id)))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let redo =
                Redo { status_error: Some(form_error(&cx, &e)), note_draft: form.note, ..Default::default() };
            refused(&e, render(&state, &cx, id, redo, status_of(&e)).await)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    pub into: String,
}

/// The moderators' merge form: `into` is a post number, `#123` or a post's address.
pub async fn merge(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<MergeForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = post_id(&id)?;
    let target = parse_target(&form.into);
    let result = match target {
        Some(target) => canyu_app::board::merge::merge(&state, auth, id, target).await.map(|_| target),
        None => Err(ErrorCode::MergeTargetNotFound.into()),
    };
    match result {
        Ok(target) => Ok(see_other(&url(&post_url(target), &[("from", &id.to_string())]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let redo =
                Redo { merge_error: Some(form_error(&cx, &e)), merge_draft: form.into, ..Default::default() };
            refused(&e, render(&state, &cx, id, redo, status_of(&e)).await)
        }
    }
}

pub async fn unmerge(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = post_id(&id)?;
    match canyu_app::board::merge::unmerge(&state, auth, id).await {
        Ok(_) => Ok(see_other(&format!("{}#timeline", post_url(id)))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let redo = Redo { merge_error: Some(form_error(&cx, &e)), ..Default::default() };
            refused(&e, render(&state, &cx, id, redo, status_of(&e)).await)
        }
    }
}

/// `123`, `#123` or `…/posts/123`.
fn parse_target(raw: &str) -> Option<i64> {
    let raw = raw.trim().trim_end_matches('/');
    let tail = raw.rsplit('/').next().unwrap_or(raw).trim_start_matches('#');
    let tail = tail.split(['?', '#']).next().unwrap_or(tail);
    tail.parse::<i64>().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod merge_form_tests {
    #[test]
    fn targets_parse_from_numbers_and_addresses() {
        assert_eq!(super::parse_target("12"), Some(12));
        assert_eq!(super::parse_target(" #12 "), Some(12));
        assert_eq!(super::parse_target("https://canyu.example/posts/12"), Some(12));
        assert_eq!(super::parse_target("/posts/12?stay=1"), Some(12));
        assert_eq!(super::parse_target("abc"), None);
        assert_eq!(super::parse_target("-3"), None);
        assert_eq!(super::parse_target(""), None);
    }
}
