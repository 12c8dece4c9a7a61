//! After a post is written, as pages: its author's edit and delete, follow, report, the
//! moderators' hide/lock/pin, the report queue (`/moderation`), the audit log
//! (`/moderation/log`) and a post's edit history (`/posts/{id}/revisions`). Every form
//! works without JavaScript and answers with a redirect back to where it was sent from.

use super::i18n::T;
use super::new_post::split_tags;
use super::{Cx, Layout, TimeView, form_error, post_url, refused, see_other, status_of};
use crate::error::{WebError, WebResult};
use crate::markdown;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::model::ModAction;
use canyu_app::moderation::{self, PostChanges};
use canyu_core::ErrorCode;
use canyu_core::moderation::ReportReason;
use serde::Deserialize;

fn id_of(raw: &str, missing: ErrorCode) -> WebResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(missing))
}

// ---- editing ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "post_edit.html")]
pub struct EditPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub heading: &'static str,
    pub action: String,
    pub back: String,
    /// Posts have a title and tags; comments only a body.
    pub is_post: bool,
    pub title: String,
    pub body: String,
    pub tags: String,
    pub error: Option<String>,
}

impl EditPage {
    /// The form for a post (`title` and `tags` shown) or a comment, sent to `action`.
    fn new(
        cx: &Cx,
        post: bool,
        action: String,
        back: String,
        draft: EditForm,
        error: Option<String>,
    ) -> Self {
        EditPage {
            t: cx.t,
            ctx: cx.layout(""),
            heading: if post { cx.t.edit_post_title } else { cx.t.edit_comment_title },
            action,
            back,
            is_post: post,
            title: draft.title,
            body: draft.body,
            tags: draft.tags,
            error,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    pub title: String,
    pub body: String,
    pub tags: String,
}

pub async fn edit_post_form(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    let post = canyu_app::board::post(&state, id).await?.ok_or(WebError::from(ErrorCode::PostNotFound))?;
    canyu_app::beta::ensure_post_visible(&state, Some(auth), &post).await?;
    if !canyu_app::policy::can_edit_post(auth, &post) {
        return Err(ErrorCode::Forbidden.into());
    }
    let draft = EditForm { tags: post.tags.join(", "), title: post.title, body: post.body };
    let page = EditPage::new(&cx, true, format!("/posts/{id}/edit"), post_url(id), draft, None);
    Ok(cx.respond(StatusCode::OK, page))
}

pub async fn edit_post(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    let changes = PostChanges {
        title: Some(form.title.clone()),
        body: Some(form.body.clone()),
        tags: Some(split_tags(&form.tags)),
    };
    match moderation::edit_post(&state, auth, id, changes).await {
        Ok(_) => Ok(see_other(&post_url(id))),
        Err(e) if matches!(e.code, ErrorCode::PostNotFound | ErrorCode::Forbidden | ErrorCode::Internal) => {
            Err(e.into())
        }
        Err(e) => {
            let error = Some(form_error(&cx, &e));
            let page = EditPage::new(&cx, true, format!("/posts/{id}/edit"), post_url(id), form, error);
            refused(&e, Ok(cx.respond(status_of(&e), page)))
        }
    }
}

pub async fn edit_comment_form(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::CommentNotFound)?;
    let comment = canyu_app::board::comment_by_id(&state, Some(auth), id).await?;
    let post = canyu_app::board::post(&state, comment.post_id)
        .await?
        .ok_or(WebError::from(ErrorCode::CommentNotFound))?;
    if comment.deleted_at.is_some() || !canyu_app::policy::can_change_comment(auth, &post, &comment) {
        return Err(ErrorCode::Forbidden.into());
    }
    let draft = EditForm { body: comment.body, ..Default::default() };
    let back = format!("{}#c{id}", post_url(post.id));
    let page = EditPage::new(&cx, false, format!("/comments/{id}/edit"), back, draft, None);
    Ok(cx.respond(StatusCode::OK, page))
}

pub async fn edit_comment(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<EditForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::CommentNotFound)?;
    match moderation::edit_comment(&state, auth, id, &form.body).await {
        Ok(c) => Ok(see_other(&format!("{}#c{}", post_url(c.post_id), c.id))),
        Err(e)
            if matches!(e.code, ErrorCode::CommentNotFound | ErrorCode::Forbidden | ErrorCode::Internal) =>
        {
            Err(e.into())
        }
        Err(e) => {
            let error = Some(form_error(&cx, &e));
            let draft = EditForm { body: form.body, ..Default::default() };
            let back = match canyu_app::board::comment_by_id(&state, Some(auth), id).await {
                Ok(c) => format!("{}#c{id}", post_url(c.post_id)),
                Err(_) => "/".to_string(),
            };
            let page = EditPage::new(&cx, false, format!("/comments/{id}/edit"), back, draft, error);
            refused(&e, Ok(cx.respond(status_of(&e), page)))
        }
    }
}

// ---- one-button actions ---------------------------------------------------------------

pub async fn delete_post(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    let post = canyu_app::board::post(&state, id).await?.ok_or(WebError::from(ErrorCode::PostNotFound))?;
    moderation::delete_post(&state, auth, id).await?;
    // Moderators still see it; its author is sent back to the board.
    if auth.user.role.can_triage() {
        Ok(see_other(&post_url(id)))
    } else {
        Ok(see_other(&super::product_url(&post.product_slug)))
    }
}

pub async fn delete_comment(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::CommentNotFound)?;
    let comment = canyu_app::board::comment_by_id(&state, Some(auth), id).await?;
    moderation::delete_comment(&state, auth, id).await?;
    Ok(see_other(&format!("{}#c{id}", post_url(comment.post_id))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FollowForm {
    pub following: String,
}

pub async fn follow(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<FollowForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    canyu_app::board::follow::set_following(&state, auth, id, form.following == "1").await?;
    Ok(see_other(&post_url(id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    pub reason: String,
    pub note: String,
}

pub async fn report_post(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    moderation::report(&state, auth, id, None, &form.reason, Some(&form.note)).await?;
    Ok(see_other(&format!("{}?reported=1", post_url(id))))
}

pub async fn report_comment(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ReportForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::CommentNotFound)?;
    let comment = canyu_app::board::comment_by_id(&state, Some(auth), id).await?;
    moderation::report(&state, auth, comment.post_id, Some(id), &form.reason, Some(&form.note)).await?;
    Ok(see_other(&format!("{}?reported=1#c{id}", post_url(comment.post_id))))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ModerateForm {
    pub action: String,
    pub note: String,
    /// Where to go afterwards: the queue sends `queue`.
    pub back: String,
}

pub async fn moderate_post(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ModerateForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    moderation::moderate_post(&state, auth, id, &form.action, Some(&form.note)).await?;
    Ok(see_other(&if form.back == "queue" { "/moderation".to_string() } else { post_url(id) }))
}

pub async fn moderate_comment(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ModerateForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::CommentNotFound)?;
    let comment = moderation::moderate_comment(&state, auth, id, &form.action, Some(&form.note)).await?;
    Ok(see_other(&if form.back == "queue" {
        "/moderation".to_string()
    } else {
        format!("{}#c{id}", post_url(comment.post_id))
    }))
}

// ---- the queue, the log, the history --------------------------------------------------

pub struct QueueItem {
    pub target: String,
    pub post_id: i64,
    pub post_title: String,
    pub url: String,
    pub comment_id: Option<i64>,
    pub excerpt: String,
    pub author: String,
    pub reports: i64,
    pub reasons: Vec<(String, i64)>,
    pub notes: Vec<String>,
    pub last: TimeView,
    pub hidden: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "moderation.html")]
pub struct QueuePage {
    pub t: &'static T,
    pub ctx: Layout,
    pub items: Vec<QueueItem>,
}

pub async fn queue(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = cx.user()?;
    let items = moderation::queue(&state, auth, 100).await?;
    let items = items
        .into_iter()
        .map(|i| QueueItem {
            url: match i.comment_id {
                Some(c) => format!("{}#c{c}", post_url(i.post_id)),
                None => post_url(i.post_id),
            },
            excerpt: markdown::excerpt(&i.body, 140),
            reasons: i
                .reasons
                .iter()
                .map(|(r, n)| {
                    (ReportReason::parse(r).map(|r| r.label(cx.locale)).unwrap_or(r).to_string(), *n)
                })
                .collect(),
            last: cx.time(i.last_at),
            target: i.target,
            post_id: i.post_id,
            post_title: i.post_title,
            comment_id: i.comment_id,
            author: i.author_handle,
            reports: i.reports,
            notes: i.notes,
            hidden: i.hidden,
        })
        .collect();
    Ok(cx.respond(StatusCode::OK, QueuePage { t: cx.t, ctx: cx.layout("moderation"), items }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DismissForm {
    pub target: String,
}

pub async fn dismiss(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<DismissForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    moderation::dismiss(&state, auth, &form.target).await?;
    Ok(see_other("/moderation"))
}

pub struct LogRow {
    pub moderator: String,
    pub action: &'static str,
    pub post_id: i64,
    pub post_title: String,
    pub url: String,
    pub on_comment: bool,
    pub note: Option<String>,
    pub time: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "moderation_log.html")]
pub struct LogPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub rows: Vec<LogRow>,
}

fn action_label(t: &T, action: ModAction) -> &'static str {
    match action {
        ModAction::Hide => t.mod_hide,
        ModAction::Unhide => t.mod_unhide,
        ModAction::Lock => t.mod_lock,
        ModAction::Unlock => t.mod_unlock,
        ModAction::Pin => t.mod_pin,
        ModAction::Unpin => t.mod_unpin,
        ModAction::Delete => t.mod_delete,
        ModAction::Edit => t.mod_edit,
        ModAction::Dismiss => t.mod_dismiss,
    }
}

pub async fn log(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = cx.user()?;
    let entries = moderation::log(&state, auth, None, 100).await?;
    let rows = entries
        .into_iter()
        .map(|e| LogRow {
            moderator: e.actor_handle,
            action: action_label(cx.t, e.action),
            url: match e.comment_id {
                Some(c) => format!("{}#c{c}", post_url(e.post_id)),
                None => post_url(e.post_id),
            },
            post_id: e.post_id,
            post_title: e.post_title,
            on_comment: e.comment_id.is_some(),
            note: e.note,
            time: cx.time(e.created_at),
        })
        .collect();
    Ok(cx.respond(StatusCode::OK, LogPage { t: cx.t, ctx: cx.layout("moderation"), rows }))
}

pub struct RevisionRow {
    pub on_comment: Option<i64>,
    pub editor: String,
    pub title: Option<String>,
    pub body_html: String,
    pub time: TimeView,
}

#[derive(Template, WebTemplate)]
#[template(path = "revisions.html")]
pub struct RevisionsPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub post_id: i64,
    pub post_title: String,
    pub post_url: String,
    pub rows: Vec<RevisionRow>,
}

pub async fn revisions(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id_of(&id, ErrorCode::PostNotFound)?;
    let items = moderation::revisions(&state, auth, id).await?;
    let post = canyu_app::board::post(&state, id).await?.ok_or(WebError::from(ErrorCode::PostNotFound))?;
    let rows = items
        .into_iter()
        .map(|r| RevisionRow {
            on_comment: r.comment_id,
            editor: r.editor_handle,
            title: r.title,
            body_html: markdown::render(&r.body),
            time: cx.time(r.created_at),
        })
        .collect();
    let page = RevisionsPage {
        t: cx.t,
        ctx: cx.layout(""),
        post_id: id,
        post_url: post_url(id),
        post_title: post.title,
        rows,
    };
    Ok(cx.respond(StatusCode::OK, page))
}
