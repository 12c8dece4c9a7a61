//! After a post is written: its author edits or withdraws it, fans report what breaks the
//! rules, moderators hide, lock and pin, and every moderator action lands in the audit log.
//! Who may do which is in [`crate::policy`]; the search index and the read cache follow each
//! change here.

use crate::accounts::Auth;
use crate::board::{NOTE_MAX_CHARS, sync_index};
use crate::error::{AppError, AppResult};
use crate::ratelimit::limit;
use crate::{App, beta, policy};
use canyu_core::moderation::{ReportReason, parse_report_note};
use canyu_core::{Body, ErrorCode, Role, Tag, Title};
use canyu_store::{
    Comment, ModAction, ModerationEntry, NewReport, Post, PostEdit, ReportOutcome, ReportedItem, Revision,
};

/// What an edit changes; `None` keeps the field as it is.
#[derive(Default)]
pub struct PostChanges {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

async fn visible_post(app: &App, auth: &Auth, post_id: i64) -> AppResult<Post> {
    let post = app.store.post(post_id).await?.ok_or(ErrorCode::PostNotFound)?;
    beta::ensure_post_visible(app, Some(auth), &post).await?;
    Ok(post)
}

/// The comment and its post, when the caller may see both.
async fn visible_comment(app: &App, auth: &Auth, comment_id: i64) -> AppResult<(Post, Comment)> {
    let comment = app.store.comment_by_id(comment_id).await?.ok_or(ErrorCode::CommentNotFound)?;
    let post = app.store.post(comment.post_id).await?.ok_or(ErrorCode::CommentNotFound)?;
    beta::ensure_post_visible(app, Some(auth), &post)
        .await
        .map_err(|_| AppError::new(ErrorCode::CommentNotFound))?;
    let moderator = auth.user.role.can_triage();
    if comment.deleted_at.is_some() && !moderator {
        return Err(ErrorCode::CommentNotFound.into());
    }
    Ok((post, comment))
}

fn moderator_note(note: Option<&str>) -> AppResult<Option<String>> {
    let Some(note) = note else { return Ok(None) };
    canyu_core::text::refuse_controls_multiline(note)?;
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(ErrorCode::CommentTooLong.into());
    }
    Ok((!note.is_empty()).then(|| note.to_string()))
}

/// Edits a post: its author (unless it is locked) or a moderator, whose edit of someone
/// else's post is logged. The previous text is kept for moderators.
pub async fn edit_post(app: &App, auth: &Auth, post_id: i64, changes: PostChanges) -> AppResult<Post> {
    let post = visible_post(app, auth, post_id).await?;
    if !policy::can_edit_post(auth, &post) {
        let locked = post.author_id == auth.user.id && post.locked_at.is_some();
        return Err(if locked { ErrorCode::PostLocked } else { ErrorCode::Forbidden }.into());
    }
    let title = Title::parse(changes.title.as_deref().unwrap_or(&post.title))?;
    let body = Body::parse(changes.body.as_deref().unwrap_or(&post.body))?;
    let tags: Vec<String> = match &changes.tags {
        Some(tags) => Tag::parse_list(tags)?.iter().map(|t| t.as_str().to_string()).collect(),
        None => post.tags.clone(),
    };
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    let edited = app
        .store
        .edit_post(PostEdit {
            post_id,
            editor_id: auth.user.id,
            title: title.as_str(),
            body: body.as_str(),
            tags: &tags,
            by_moderator: auth.user.id != post.author_id,
            now: app.now(),
        })
        .await?;
    sync_index(app, &edited).await;
    app.cache.invalidate();
    tracing::info!(post = post_id, by = auth.user.id, "post edited");
    Ok(edited)
}

/// Withdraws a post: its author or a moderator (logged). It leaves the board and search.
pub async fn delete_post(app: &App, auth: &Auth, post_id: i64) -> AppResult<()> {
    let post = visible_post(app, auth, post_id).await?;
    if !policy::can_delete_post(auth, &post) {
        return Err(ErrorCode::Forbidden.into());
    }
    app.store.delete_post(post_id, auth.user.id, auth.user.id != post.author_id, app.now()).await?;
    if let Some(post) = app.store.post(post_id).await? {
        sync_index(app, &post).await;
    }
    app.cache.invalidate();
    tracing::info!(post = post_id, by = auth.user.id, "post deleted");
    Ok(())
}

/// A moderator hides, unhides, locks, unlocks, pins or unpins a post, with an optional note
/// (a hidden post's author reads it).
pub async fn moderate_post(
    app: &App,
    auth: &Auth,
    post_id: i64,
    action: &str,
    note: Option<&str>,
) -> AppResult<Post> {
    auth.require(Role::Moderator)?;
    let action = ModAction::parse(action.trim())
        .filter(|a| !matches!(a, ModAction::Delete | ModAction::Edit | ModAction::Dismiss))
        .ok_or(ErrorCode::InvalidModerationAction)?;
    let note = moderator_note(note)?;
    let post = app.store.moderate_post(post_id, auth.user.id, action, note.as_deref(), app.now()).await?;
    sync_index(app, &post).await;
    app.cache.invalidate();
    tracing::info!(post = post_id, action = action.as_str(), by = auth.user.id, "post moderated");
    Ok(post)
}

/// Edits a comment: its author (not on a locked post) or a moderator (logged).
pub async fn edit_comment(app: &App, auth: &Auth, comment_id: i64, body: &str) -> AppResult<Comment> {
    let (post, comment) = visible_comment(app, auth, comment_id).await?;
    if !policy::can_change_comment(auth, &post, &comment) {
        let locked = comment.author_id == auth.user.id && post.locked_at.is_some();
        return Err(if locked { ErrorCode::PostLocked } else { ErrorCode::Forbidden }.into());
    }
    let body = Body::parse_comment(body)?;
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    let by_moderator = auth.user.id != comment.author_id;
    Ok(app.store.edit_comment(comment_id, auth.user.id, body.as_str(), by_moderator, app.now()).await?)
}

/// Withdraws a comment: its author (not on a locked post) or a moderator (logged).
pub async fn delete_comment(app: &App, auth: &Auth, comment_id: i64) -> AppResult<()> {
    let (post, comment) = visible_comment(app, auth, comment_id).await?;
    if !policy::can_change_comment(auth, &post, &comment) {
        let locked = comment.author_id == auth.user.id && post.locked_at.is_some();
        return Err(if locked { ErrorCode::PostLocked } else { ErrorCode::Forbidden }.into());
    }
    app.store.delete_comment(comment_id, auth.user.id, auth.user.id != comment.author_id, app.now()).await?;
    app.cache.invalidate();
    Ok(())
}

/// A moderator hides a comment or shows it again.
pub async fn moderate_comment(
    app: &App,
    auth: &Auth,
    comment_id: i64,
    action: &str,
    note: Option<&str>,
) -> AppResult<Comment> {
    auth.require(Role::Moderator)?;
    let hide = match ModAction::parse(action.trim()) {
        Some(ModAction::Hide) => true,
        Some(ModAction::Unhide) => false,
        _ => return Err(ErrorCode::InvalidModerationAction.into()),
    };
    let note = moderator_note(note)?;
    let comment =
        app.store.moderate_comment(comment_id, auth.user.id, hide, note.as_deref(), app.now()).await?;
    app.cache.invalidate();
    Ok(comment)
}

/// A fan reports a post, or one of its comments, to the moderators. Reporting the same
/// thing twice changes nothing.
pub async fn report(
    app: &App,
    auth: &Auth,
    post_id: i64,
    comment_id: Option<i64>,
    reason: &str,
    note: Option<&str>,
) -> AppResult<ReportOutcome> {
    let reason = ReportReason::parse(reason)?;
    let note = parse_report_note(note)?;
    let post = visible_post(app, auth, post_id).await?;
    let author = match comment_id {
        Some(c) => {
            let comment = app.store.comment_by_id(c).await?.filter(|c| c.post_id == post_id && c.is_shown());
            comment.ok_or(ErrorCode::CommentNotFound)?.author_id
        }
        None => post.author_id,
    };
    if author == auth.user.id {
        return Err(ErrorCode::CannotReportOwn.into());
    }
    limit(app, format!("report:{}", auth.user.id), app.config.writes_per_minute)?;
    let outcome = app
        .store
        .report(NewReport {
            post_id,
            comment_id,
            reporter_id: auth.user.id,
            reason: reason.as_str(),
            note: note.as_deref(),
            now: app.now(),
        })
        .await?;
    if outcome.created {
        tracing::info!(post = post_id, comment = ?comment_id, reason = reason.as_str(), by = auth.user.id, "reported");
    }
    Ok(outcome)
}

/// The moderation queue: what fans reported and nobody has settled.
pub async fn queue(app: &App, auth: &Auth, limit: i64) -> AppResult<Vec<ReportedItem>> {
    auth.require(Role::Moderator)?;
    Ok(app.store.open_reports(limit).await?)
}

/// How many items wait in the queue (moderators; zero for everyone else).
pub async fn queue_length(app: &App, auth: &Auth) -> AppResult<i64> {
    if !auth.user.role.can_triage() {
        return Ok(0);
    }
    Ok(app.store.open_report_count().await?)
}

/// Closes the open reports of a post (`post:<id>`) or comment (`comment:<id>`) and leaves it
/// as it is; returns how many were closed.
pub async fn dismiss(app: &App, auth: &Auth, target: &str) -> AppResult<u64> {
    auth.require(Role::Moderator)?;
    let valid = target.split_once(':').is_some_and(|(kind, id)| {
        matches!(kind, "post" | "comment") && id.parse::<i64>().is_ok_and(|i| i > 0)
    });
    if !valid {
        return Err(ErrorCode::ReportNotFound.into());
    }
    Ok(app.store.dismiss_reports(target, auth.user.id, app.now()).await?)
}

/// The audit log of moderator actions, newest first.
pub async fn log(app: &App, auth: &Auth, before: Option<i64>, limit: i64) -> AppResult<Vec<ModerationEntry>> {
    auth.require(Role::Moderator)?;
    Ok(app.store.moderation_log(before, limit).await?)
}

/// What a post and its comments said before each edit (moderators).
pub async fn revisions(app: &App, auth: &Auth, post_id: i64) -> AppResult<Vec<Revision>> {
    auth.require(Role::Moderator)?;
    app.store.post(post_id).await?.ok_or(ErrorCode::PostNotFound)?;
    Ok(app.store.revisions(post_id).await?)
}
