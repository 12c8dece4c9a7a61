//! What happens to posts and comments after they are written: edits (the previous version
//! kept as a revision), deletes, a moderator's hide, lock and pin, fans' reports, the audit
//! log of moderator actions, and who follows a post.
//!
//! Every change reads the row it changes inside its transaction after touching it (an
//! `UPDATE … SET x = x` first), so two moderators acting on one post at once serialise on
//! both backends, and the status counters move exactly once.

use crate::posts::{COMMENT_SELECT, LISTED, comment_from_row, decode_err};
use crate::{Comment, Post, Store, StoreResult};
use canyu_core::{ErrorCode, Millis, PostStatus};
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

type Tx = Transaction<'static, Any>;

/// A moderator's action, as stored in `moderation_actions.action`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModAction {
    Hide,
    Unhide,
    Lock,
    Unlock,
    Pin,
    Unpin,
    /// A moderator deleted someone else's post or comment.
    Delete,
    /// A moderator edited someone else's post or comment.
    Edit,
    /// Reports looked at and left standing.
    Dismiss,
}

impl ModAction {
    pub const ALL: [ModAction; 9] = [
        ModAction::Hide,
        ModAction::Unhide,
        ModAction::Lock,
        ModAction::Unlock,
        ModAction::Pin,
        ModAction::Unpin,
        ModAction::Delete,
        ModAction::Edit,
        ModAction::Dismiss,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModAction::Hide => "hide",
            ModAction::Unhide => "unhide",
            ModAction::Lock => "lock",
            ModAction::Unlock => "unlock",
            ModAction::Pin => "pin",
            ModAction::Unpin => "unpin",
            ModAction::Delete => "delete",
            ModAction::Edit => "edit",
            ModAction::Dismiss => "dismiss",
        }
    }

    pub fn parse(raw: &str) -> Option<ModAction> {
        ModAction::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// What a post or comment said before an edit.
#[derive(Clone, Debug)]
pub struct Revision {
    pub id: i64,
    pub post_id: i64,
    pub comment_id: Option<i64>,
    pub editor_handle: String,
    /// Posts only.
    pub title: Option<String>,
    pub body: String,
    /// When it was replaced.
    pub created_at: Millis,
}

/// One line of the moderators' audit log.
#[derive(Clone, Debug)]
pub struct ModerationEntry {
    pub id: i64,
    pub actor_handle: String,
    pub action: ModAction,
    pub post_id: i64,
    pub post_title: String,
    pub comment_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: Millis,
}

/// Open reports of one post or comment, gathered: what the moderation queue lists.
#[derive(Clone, Debug)]
pub struct ReportedItem {
    /// `post:<id>` or `comment:<id>`.
    pub target: String,
    pub post_id: i64,
    pub post_title: String,
    pub comment_id: Option<i64>,
    /// The reported text (the comment's, or the post's body).
    pub body: String,
    pub author_handle: String,
    pub reports: i64,
    /// Each distinct reason with how many gave it, most first.
    pub reasons: Vec<(String, i64)>,
    /// Notes fans wrote with their reports, newest first (at most five).
    pub notes: Vec<String>,
    pub first_at: Millis,
    pub last_at: Millis,
    /// Whether the item is already hidden or deleted (a report that raced a moderator).
    pub hidden: bool,
}

pub struct NewReport<'a> {
    pub post_id: i64,
    pub comment_id: Option<i64>,
    pub reporter_id: i64,
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub now: Millis,
}

/// Whether a report was new or the fan had already reported the same thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportOutcome {
    pub id: i64,
    pub created: bool,
}

pub struct PostEdit<'a> {
    pub post_id: i64,
    pub editor_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub tags: &'a [String],
    /// Logged as a moderator action (someone else's post).
    pub by_moderator: bool,
    pub now: Millis,
}

fn target_of(post_id: i64, comment_id: Option<i64>) -> String {
    match comment_id {
        Some(c) => format!("comment:{c}"),
        None => format!("post:{post_id}"),
    }
}

impl Store {
    async fn log_action(
        tx: &mut Tx,
        actor_id: i64,
        action: ModAction,
        post_id: i64,
        comment_id: Option<i64>,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO moderation_actions (actor_id, action, post_id, comment_id, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(actor_id)
        .bind(action.as_str())
        .bind(post_id)
        .bind(comment_id)
        .bind(note)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Locks the post's row for the rest of `tx` and reads what the checks need:
    /// (product, status, whether it is counted on the public board).
    async fn lock_post(tx: &mut Tx, post_id: i64) -> StoreResult<(i64, PostStatus, bool)> {
        let touched = sqlx::query("UPDATE posts SET updated_at = updated_at WHERE id = $1")
            .bind(post_id)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if touched == 0 {
            return Err(ErrorCode::PostNotFound.into());
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT product_id, status, CASE WHEN {LISTED} THEN 1 ELSE 0 END AS listed FROM posts WHERE id = $1"
        )))
        .bind(post_id)
        .fetch_one(&mut **tx)
        .await?;
        let status: String = row.try_get("status")?;
        Ok((
            row.try_get("product_id")?,
            PostStatus::parse(&status).map_err(decode_err)?,
            row.try_get::<i64, _>("listed")? == 1,
        ))
    }

    /// Moves the public counters when a post leaves or rejoins the board.
    async fn follow_listing(tx: &mut Tx, post_id: i64, before: (i64, PostStatus, bool)) -> StoreResult<()> {
        let listed: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT CASE WHEN {LISTED} THEN 1 ELSE 0 END FROM posts WHERE id = $1"
        )))
        .bind(post_id)
        .fetch_one(&mut **tx)
        .await?;
        let (product_id, status, was_listed) = before;
        let delta = i64::from(listed == 1) - i64::from(was_listed);
        if delta != 0 {
            Self::bump_status_count(tx, product_id, status, delta).await?;
        }
        Ok(())
    }

    /// Replaces a post's title, body and tags, keeping what it said before as a revision
    /// (when the text changed). The caller checked who may edit.
    pub async fn edit_post(&self, edit: PostEdit<'_>) -> StoreResult<Post> {
        let mut tx = self.write.begin().await?;
        Self::lock_post(&mut tx, edit.post_id).await?;
        let old = sqlx::query("SELECT title, body FROM posts WHERE id = $1")
            .bind(edit.post_id)
            .fetch_one(&mut *tx)
            .await?;
        let (title, body): (String, String) = (old.try_get("title")?, old.try_get("body")?);
        if title != edit.title || body != edit.body {
            sqlx::query(
                "INSERT INTO revisions (post_id, comment_id, editor_id, title, body, created_at) \
                 VALUES ($1, NULL, $2, $3, $4, $5)",
            )
            .bind(edit.post_id)
            .bind(edit.editor_id)
            .bind(&title)
            .bind(&body)
            .bind(edit.now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE posts SET title = $1, body = $2, edited_at = $3, updated_at = $3 WHERE id = $4",
            )
            .bind(edit.title)
            .bind(edit.body)
            .bind(edit.now)
            .bind(edit.post_id)
            .execute(&mut *tx)
            .await?;
            if edit.by_moderator {
                Self::log_action(
                    &mut tx,
                    edit.editor_id,
                    ModAction::Edit,
                    edit.post_id,
                    None,
                    None,
                    edit.now,
                )
                .await?;
            }
        }
        sqlx::query("DELETE FROM post_tags WHERE post_id = $1").bind(edit.post_id).execute(&mut *tx).await?;
        for tag in edit.tags {
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2)")
                .bind(edit.post_id)
                .bind(tag.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.post(edit.post_id).await?.ok_or_else(|| ErrorCode::PostNotFound.into())
    }

    /// Withdraws a post (idempotent): it leaves the board, search and the counters; its
    /// row stays for moderators and the audit log.
    pub async fn delete_post(
        &self,
        post_id: i64,
        actor_id: i64,
        by_moderator: bool,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let before = Self::lock_post(&mut tx, post_id).await?;
        let changed = sqlx::query("UPDATE posts SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
            .bind(now)
            .bind(post_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if changed > 0 {
            Self::follow_listing(&mut tx, post_id, before).await?;
            Self::resolve_reports(&mut tx, &format!("post:{post_id}"), actor_id, "deleted", now).await?;
            if by_moderator {
                Self::log_action(&mut tx, actor_id, ModAction::Delete, post_id, None, None, now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// A moderator's hide, unhide, lock, unlock, pin or unpin of a post (idempotent: an
    /// action that changes nothing is not logged). Hiding settles the post's open reports.
    pub async fn moderate_post(
        &self,
        post_id: i64,
        actor_id: i64,
        action: ModAction,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<Post> {
        // (column, whether the action sets it); unhiding also clears the reason.
        let (column, set) = match action {
            ModAction::Hide => ("hidden_at", true),
            ModAction::Unhide => ("hidden_at", false),
            ModAction::Lock => ("locked_at", true),
            ModAction::Unlock => ("locked_at", false),
            ModAction::Pin => ("pinned_at", true),
            ModAction::Unpin => ("pinned_at", false),
            ModAction::Delete | ModAction::Edit | ModAction::Dismiss => {
                return Err(ErrorCode::InvalidModerationAction.into());
            }
        };
        let mut tx = self.write.begin().await?;
        let before = Self::lock_post(&mut tx, post_id).await?;
        let query = if set {
            if action == ModAction::Hide {
                sqlx::query(
                    "UPDATE posts SET hidden_at = $1, hidden_reason = $2 WHERE id = $3 AND hidden_at IS NULL",
                )
                .bind(now)
                .bind(note)
                .bind(post_id)
            } else {
                let sql = format!("UPDATE posts SET {column} = $1 WHERE id = $2 AND {column} IS NULL");
                sqlx::query(AssertSqlSafe(sql)).bind(now).bind(post_id)
            }
        } else {
            let reason = if action == ModAction::Unhide { ", hidden_reason = NULL" } else { "" };
            let sql =
                format!("UPDATE posts SET {column} = NULL{reason} WHERE id = $1 AND {column} IS NOT NULL");
            sqlx::query(AssertSqlSafe(sql)).bind(post_id)
        };
        let changed = query.execute(&mut *tx).await?.rows_affected();
        if changed > 0 {
            Self::follow_listing(&mut tx, post_id, before).await?;
            if action == ModAction::Hide {
                Self::resolve_reports(&mut tx, &format!("post:{post_id}"), actor_id, "hidden", now).await?;
            }
            Self::log_action(&mut tx, actor_id, action, post_id, None, note, now).await?;
        }
        tx.commit().await?;
        self.post(post_id).await?.ok_or_else(|| ErrorCode::PostNotFound.into())
    }

    pub async fn comment_by_id(&self, id: i64) -> StoreResult<Option<Comment>> {
        let row = sqlx::query(AssertSqlSafe(format!("{COMMENT_SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(comment_from_row).transpose()?)
    }

    /// Replaces a comment's text, keeping the old one as a revision. The caller checked who
    /// may edit.
    pub async fn edit_comment(
        &self,
        comment_id: i64,
        editor_id: i64,
        body: &str,
        by_moderator: bool,
        now: Millis,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin().await?;
        let touched =
            sqlx::query("UPDATE comments SET created_at = created_at WHERE id = $1 AND deleted_at IS NULL")
                .bind(comment_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if touched == 0 {
            return Err(ErrorCode::CommentNotFound.into());
        }
        let old = sqlx::query("SELECT post_id, body FROM comments WHERE id = $1")
            .bind(comment_id)
            .fetch_one(&mut *tx)
            .await?;
        let (post_id, old_body): (i64, String) = (old.try_get("post_id")?, old.try_get("body")?);
        if old_body != body {
            sqlx::query(
                "INSERT INTO revisions (post_id, comment_id, editor_id, title, body, created_at) \
                 VALUES ($1, $2, $3, NULL, $4, $5)",
            )
            .bind(post_id)
            .bind(comment_id)
            .bind(editor_id)
            .bind(&old_body)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE comments SET body = $1, edited_at = $2 WHERE id = $3")
                .bind(body)
                .bind(now)
                .bind(comment_id)
                .execute(&mut *tx)
                .await?;
            if by_moderator {
                Self::log_action(&mut tx, editor_id, ModAction::Edit, post_id, Some(comment_id), None, now)
                    .await?;
            }
        }
        tx.commit().await?;
        self.comment_by_id(comment_id).await?.ok_or_else(|| ErrorCode::CommentNotFound.into())
    }

    /// Withdraws a comment (idempotent). Replies to it stay; the post's comment count drops.
    pub async fn delete_comment(
        &self,
        comment_id: i64,
        actor_id: i64,
        by_moderator: bool,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "UPDATE comments SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL RETURNING post_id, hidden_at",
        )
        .bind(now)
        .bind(comment_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let post_id: i64 = row.try_get("post_id")?;
            let hidden: Option<Millis> = row.try_get("hidden_at")?;
            if hidden.is_none() {
                Self::count_comment(&mut tx, post_id, -1).await?;
            }
            Self::resolve_reports(&mut tx, &format!("comment:{comment_id}"), actor_id, "deleted", now)
                .await?;
            if by_moderator {
                Self::log_action(&mut tx, actor_id, ModAction::Delete, post_id, Some(comment_id), None, now)
                    .await?;
            }
        } else if self.comment_by_id(comment_id).await?.is_none() {
            return Err(ErrorCode::CommentNotFound.into());
        }
        tx.commit().await?;
        Ok(())
    }

    /// A moderator hides or shows a comment again (idempotent).
    pub async fn moderate_comment(
        &self,
        comment_id: i64,
        actor_id: i64,
        hide: bool,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin().await?;
        // hidden_at becomes `now` or NULL: CASE keeps one statement with one set of parameters.
        let row = sqlx::query(
            "UPDATE comments SET hidden_at = CASE WHEN $1 = 1 THEN $2 ELSE NULL END \
             WHERE id = $3 AND (hidden_at IS NULL) = ($1 = 1) RETURNING post_id, deleted_at",
        )
        .bind(i64::from(hide))
        .bind(now)
        .bind(comment_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let post_id: i64 = row.try_get("post_id")?;
            let deleted: Option<Millis> = row.try_get("deleted_at")?;
            if deleted.is_none() {
                Self::count_comment(&mut tx, post_id, if hide { -1 } else { 1 }).await?;
            }
            if hide {
                Self::resolve_reports(&mut tx, &format!("comment:{comment_id}"), actor_id, "hidden", now)
                    .await?;
            }
            let action = if hide { ModAction::Hide } else { ModAction::Unhide };
            Self::log_action(&mut tx, actor_id, action, post_id, Some(comment_id), note, now).await?;
        }
        tx.commit().await?;
        self.comment_by_id(comment_id).await?.ok_or_else(|| ErrorCode::CommentNotFound.into())
    }

    async fn count_comment(tx: &mut Tx, post_id: i64, delta: i64) -> StoreResult<()> {
        sqlx::query("UPDATE posts SET comments = comments + $1 WHERE id = $2")
            .bind(delta)
            .bind(post_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// A post's earlier versions and its comments', newest first.
    pub async fn revisions(&self, post_id: i64) -> StoreResult<Vec<Revision>> {
        let rows = sqlx::query(
            "SELECT r.id, r.post_id, r.comment_id, u.handle, r.title, r.body, r.created_at \
             FROM revisions r JOIN users u ON u.id = r.editor_id WHERE r.post_id = $1 ORDER BY r.id DESC",
        )
        .bind(post_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Revision {
                    id: r.try_get("id")?,
                    post_id: r.try_get("post_id")?,
                    comment_id: r.try_get("comment_id")?,
                    editor_handle: r.try_get("handle")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// Records a fan's report; a second report of the same thing by the same fan changes
    /// nothing and says so.
    pub async fn report(&self, new: NewReport<'_>) -> StoreResult<ReportOutcome> {
        let target = target_of(new.post_id, new.comment_id);
        let mut tx = self.write.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO reports (post_id, comment_id, target, reporter_id, reason, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reporter_id, target) DO NOTHING RETURNING id",
        )
        .bind(new.post_id)
        .bind(new.comment_id)
        .bind(&target)
        .bind(new.reporter_id)
        .bind(new.reason)
        .bind(new.note)
        .bind(new.now)
        .fetch_optional(&mut *tx)
        .await?;
        let outcome = match id {
            Some(id) => ReportOutcome { id, created: true },
            None => {
                let id: i64 =
                    sqlx::query_scalar("SELECT id FROM reports WHERE reporter_id = $1 AND target = $2")
                        .bind(new.reporter_id)
                        .bind(&target)
                        .fetch_one(&mut *tx)
                        .await?;
                ReportOutcome { id, created: false }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn resolve_reports(
        tx: &mut Tx,
        target: &str,
        actor_id: i64,
        resolution: &str,
        now: Millis,
    ) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE reports SET resolved_at = $1, resolved_by = $2, resolution = $3 \
             WHERE target = $4 AND resolved_at IS NULL",
        )
        .bind(now)
        .bind(actor_id)
        .bind(resolution)
        .bind(target)
        .execute(&mut **tx)
        .await?
        .rows_affected())
    }

    /// Closes the open reports of `target` without acting on it; returns how many closed
    /// (`report_not_found` when none were open).
    pub async fn dismiss_reports(&self, target: &str, actor_id: i64, now: Millis) -> StoreResult<u64> {
        let mut tx = self.write.begin().await?;
        let post_id: Option<i64> = sqlx::query_scalar(
            "SELECT post_id FROM reports WHERE target = $1 AND resolved_at IS NULL LIMIT 1",
        )
        .bind(target)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(post_id) = post_id else {
            return Err(ErrorCode::ReportNotFound.into());
        };
        let closed = Self::resolve_reports(&mut tx, target, actor_id, "dismissed", now).await?;
        let comment_id = target.strip_prefix("comment:").and_then(|c| c.parse::<i64>().ok());
        Self::log_action(&mut tx, actor_id, ModAction::Dismiss, post_id, comment_id, None, now).await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// The moderation queue: reported posts and comments with open reports, most reported
    /// first, then oldest first.
    pub async fn open_reports(&self, limit: i64) -> StoreResult<Vec<ReportedItem>> {
        let rows = sqlx::query(
            "SELECT r.target, MIN(r.post_id) AS post_id, MIN(r.comment_id) AS comment_id, COUNT(*) AS n, \
             MIN(r.created_at) AS first_at, MAX(r.created_at) AS last_at \
             FROM reports r WHERE r.resolved_at IS NULL GROUP BY r.target \
             ORDER BY COUNT(*) DESC, MIN(r.created_at) LIMIT $1",
        )
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.read)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        for r in rows {
            let target: String = r.try_get("target")?;
            let post_id: i64 = r.try_get("post_id")?;
            let comment_id: Option<i64> = r.try_get("comment_id")?;
            let Some(post) = self.post(post_id).await? else { continue };
            let (body, author_handle, hidden) = match comment_id {
                Some(c) => match self.comment_by_id(c).await? {
                    Some(c) => (c.body.clone(), c.author_handle.clone(), !c.is_shown()),
                    None => continue,
                },
                None => (post.body.clone(), post.author_handle.clone(), !post.is_listed()),
            };
            let reasons = sqlx::query(
                "SELECT reason, COUNT(*) AS n FROM reports WHERE target = $1 AND resolved_at IS NULL \
                 GROUP BY reason ORDER BY COUNT(*) DESC, reason",
            )
            .bind(&target)
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get::<String, _>("reason")?, r.try_get::<i64, _>("n")?)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let notes: Vec<String> = sqlx::query_scalar(
                "SELECT note FROM reports WHERE target = $1 AND resolved_at IS NULL AND note IS NOT NULL \
                 ORDER BY id DESC LIMIT 5",
            )
            .bind(&target)
            .fetch_all(&self.read)
            .await?;
            items.push(ReportedItem {
                target,
                post_id,
                post_title: post.title.clone(),
                comment_id,
                body,
                author_handle,
                reports: r.try_get("n")?,
                reasons,
                notes,
                first_at: r.try_get("first_at")?,
                last_at: r.try_get("last_at")?,
                hidden,
            });
        }
        Ok(items)
    }

    /// How many posts and comments wait in the moderation queue.
    pub async fn open_report_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(DISTINCT target) FROM reports WHERE resolved_at IS NULL")
            .fetch_one(&self.read)
            .await?)
    }

    /// The audit log, newest first; `before` is the last id of the previous page.
    pub async fn moderation_log(&self, before: Option<i64>, limit: i64) -> StoreResult<Vec<ModerationEntry>> {
        let rows = sqlx::query(
            "SELECT m.id, u.handle, m.action, m.post_id, p.title, m.comment_id, m.note, m.created_at \
             FROM moderation_actions m JOIN users u ON u.id = m.actor_id JOIN posts p ON p.id = m.post_id \
             WHERE m.id < $1 ORDER BY m.id DESC LIMIT $2",
        )
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 100))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let action: String = match r.try_get("action") {
                    Ok(a) => a,
                    Err(e) => return Some(Err(e.into())),
                };
                // An action written by a newer version: left out rather than failing the log.
                let action = ModAction::parse(&action)?;
                Some((|| {
                    Ok(ModerationEntry {
                        id: r.try_get("id")?,
                        actor_handle: r.try_get("handle")?,
                        action,
                        post_id: r.try_get("post_id")?,
                        post_title: r.try_get("title")?,
                        comment_id: r.try_get("comment_id")?,
                        note: r.try_get("note")?,
                        created_at: r.try_get("created_at")?,
                    })
                })())
            })
            .collect()
    }

    /// The product's pinned posts (listed ones only), most recently pinned first.
    pub async fn pinned_posts(&self, product_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT id FROM posts WHERE product_id = $1 AND pinned_at IS NOT NULL AND {LISTED} \
             ORDER BY pinned_at DESC LIMIT 10"
        )))
        .bind(product_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Follows (`Some(true)`), mutes (`Some(false)`) or goes back to the default (`None`:
    /// authors and voters hear of changes, nobody else).
    pub async fn set_follow(
        &self,
        user_id: i64,
        post_id: i64,
        following: Option<bool>,
        now: Millis,
    ) -> StoreResult<()> {
        match following {
            Some(f) => {
                sqlx::query(
                    "INSERT INTO post_follows (user_id, post_id, following, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (post_id, user_id) DO UPDATE SET following = excluded.following",
                )
                .bind(user_id)
                .bind(post_id)
                .bind(i64::from(f))
                .bind(now)
                .execute(&self.write)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM post_follows WHERE user_id = $1 AND post_id = $2")
                    .bind(user_id)
                    .bind(post_id)
                    .execute(&self.write)
                    .await?;
            }
        }
        Ok(())
    }

    /// Whether the fan hears of the post's comments and changes: followed explicitly, or by
    /// default as its author or a voter, and not muted.
    pub async fn follows(&self, user_id: i64, post_id: i64) -> StoreResult<bool> {
        let explicit: Option<i64> =
            sqlx::query_scalar("SELECT following FROM post_follows WHERE user_id = $1 AND post_id = $2")
                .bind(user_id)
                .bind(post_id)
                .fetch_optional(&self.read)
                .await?;
        if let Some(f) = explicit {
            return Ok(f == 1);
        }
        let implicit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE id = $1 AND author_id = $2")
            .bind(post_id)
            .bind(user_id)
            .fetch_one(&self.read)
            .await?;
        Ok(implicit > 0)
    }
}
