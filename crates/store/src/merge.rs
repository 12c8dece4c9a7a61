//! Merging duplicate posts, and undoing a merge.
//!
//! A merge moves the source's votes onto the target as a union (a fan who voted for both
//! counts once), closes the source as a duplicate pointing at the target and tells the
//! source's author and voters. The source keeps its own votes and comments, so its page
//! stays readable and an undo only has to take back the votes the merge copied: those are
//! recorded per merge, and stamped with the merge's time so that a fan who voted on the
//! target again since keeps that vote.

use crate::notifications::{Audience, Event, NotificationKind};
use crate::posts::StatusMove;
use crate::{Backend, Store, StoreResult};
use canyu_core::{ErrorCode, Millis, PostStatus};
use sqlx::{Any, Row, Transaction};

type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeOutcome {
    pub merge_id: i64,
    pub source_id: i64,
    pub target_id: i64,
    /// Votes the target gained (the source's voters who had not voted for it).
    pub moved_votes: i64,
    /// The target's votes after the merge.
    pub target_votes: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmergeOutcome {
    pub merge_id: i64,
    pub source_id: i64,
    pub target_id: i64,
    pub restored_status: PostStatus,
    /// Votes taken back from the target.
    pub removed_votes: i64,
    pub target_votes: i64,
}

/// A post merged into another, as listed on the target's page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedPost {
    pub id: i64,
    pub title: String,
    pub votes: i64,
    pub comments: i64,
}

struct Side {
    status: PostStatus,
    product_id: i64,
    merged_into: Option<i64>,
    title: String,
    beta: bool,
}

impl Store {
    /// Reads a post for a merge, locking its row on PostgreSQL so that votes cast during
    /// the merge wait for it (SQLite has a single writer already).
    async fn merge_side(&self, tx: &mut Tx, post_id: i64) -> StoreResult<Option<Side>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT status, product_id, merged_into, title, beta FROM posts WHERE id = $1{lock}"
        )))
        .bind(post_id)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get("status")?;
        Ok(Some(Side {
            status: PostStatus::parse(&status).map_err(crate::posts::decode_err)?,
            product_id: row.try_get("product_id")?,
            merged_into: row.try_get("merged_into")?,
            title: row.try_get("title")?,
            beta: row.try_get::<i64, _>("beta")? != 0,
        }))
    }

    pub async fn merge_post(
        &self,
        source_id: i64,
        target_id: i64,
        actor_id: i64,
        now: Millis,
    ) -> StoreResult<MergeOutcome> {
        if source_id == target_id {
            return Err(ErrorCode::MergeIntoSelf.into());
        }
        let mut tx = self.write.begin().await?;
        // Always lock the lower id first: two merges of the same pair in opposite
        // directions cannot deadlock.
        let (first, second) = (source_id.min(target_id), source_id.max(target_id));
        let a = self.merge_side(&mut tx, first).await?;
        let b = self.merge_side(&mut tx, second).await?;
        let (source, target) = if first == source_id { (a, b) } else { (b, a) };
        let source = source.ok_or(ErrorCode::PostNotFound)?;
        let target = target.ok_or(ErrorCode::MergeTargetNotFound)?;
        if source.merged_into.is_some() {
            return Err(ErrorCode::PostAlreadyMerged.into());
        }
        if target.merged_into.is_some() {
            return Err(ErrorCode::MergeTargetMerged.into());
        }
        if source.product_id != target.product_id {
            return Err(ErrorCode::MergeAcrossProducts.into());
        }
        // The target lists what was merged into it: a beta post must not surface on the
        // public board, nor a public one vanish into the beta board.
        if source.beta != target.beta {
            return Err(ErrorCode::MergeAcrossBoards.into());
        }
        source.status.transition(PostStatus::Duplicate)?;

        let merge_id: i64 = sqlx::query_scalar(
            "INSERT INTO post_merges (source_id, target_id, actor_id, from_status, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(source_id)
        .bind(target_id)
        .bind(actor_id)
        .bind(source.status.as_str())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO post_merge_votes (merge_id, user_id) SELECT $1, s.user_id FROM votes s \
             WHERE s.post_id = $2 AND NOT EXISTS \
             (SELECT 1 FROM votes t WHERE t.post_id = $3 AND t.user_id = s.user_id)",
        )
        .bind(merge_id)
        .bind(source_id)
        .bind(target_id)
        .execute(&mut *tx)
        .await?;
        let moved = sqlx::query(
            "INSERT INTO votes (post_id, user_id, created_at) \
             SELECT $1, user_id, $2 FROM post_merge_votes WHERE merge_id = $3 \
             ON CONFLICT (post_id, user_id) DO NOTHING",
        )
        .bind(target_id)
        .bind(now)
        .bind(merge_id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        let target_votes = if moved > 0 {
            self.bump_votes(&mut tx, target_id, moved).await?
        } else {
            sqlx::query_scalar("SELECT votes FROM posts WHERE id = $1")
                .bind(target_id)
                .fetch_one(&mut *tx)
                .await?
        };

        let closed = sqlx::query(
            "UPDATE posts SET status = $1, merged_into = $2, updated_at = $3 \
             WHERE id = $4 AND status = $5 AND merged_into IS NULL",
        )
        .bind(PostStatus::Duplicate.as_str())
        .bind(target_id)
        .bind(now)
        .bind(source_id)
        .bind(source.status.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if closed == 0 {
            return Err(ErrorCode::PostAlreadyMerged.into());
        }
        let note = format!("#{target_id}");
        let change = StatusMove {
            post_id: source_id,
            product_id: source.product_id,
            from: source.status,
            to: PostStatus::Duplicate,
            actor_id,
            note: Some(&note),
            now,
        };
        Self::record_status_change(&mut tx, &change).await?;
        let data = serde_json::json!({
            "title": source.title,
            "into": target_id,
            "into_title": target.title,
        });
        let key = format!("merge:{merge_id}");
        let event =
            Event { kind: NotificationKind::PostMerged, key: &key, post_id: source_id, actor_id, data, now };
        Self::notify_followers(&mut tx, &event, Audience::FollowersAndVoters).await?;
        tx.commit().await?;
        Ok(MergeOutcome { merge_id, source_id, target_id, moved_votes: moved, target_votes })
    }

    /// Undoes the merge of `source_id`: the votes it copied leave the target, the source
    /// gets its status back and its author is told.
    pub async fn unmerge_post(
        &self,
        source_id: i64,
        actor_id: i64,
        now: Millis,
    ) -> StoreResult<UnmergeOutcome> {
        let mut tx = self.write.begin().await?;
        let source = self.merge_side(&mut tx, source_id).await?.ok_or(ErrorCode::PostNotFound)?;
        let Some(target_id) = source.merged_into else {
            return Err(ErrorCode::PostNotMerged.into());
        };
        self.merge_side(&mut tx, target_id).await?;
        let merge = sqlx::query(
            "SELECT id, from_status, created_at FROM post_merges \
             WHERE source_id = $1 AND target_id = $2 AND undone_at IS NULL ORDER BY id DESC LIMIT 1",
        )
        .bind(source_id)
        .bind(target_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ErrorCode::PostNotMerged)?;
        let merge_id: i64 = merge.try_get("id")?;
        let merged_at: i64 = merge.try_get("created_at")?;
        let from_status: String = merge.try_get("from_status")?;
        let restored = PostStatus::parse(&from_status).map_err(crate::posts::decode_err)?;

        let removed = sqlx::query(
            "DELETE FROM votes WHERE post_id = $1 AND created_at = $2 \
             AND user_id IN (SELECT user_id FROM post_merge_votes WHERE merge_id = $3)",
        )
        .bind(target_id)
        .bind(merged_at)
        .bind(merge_id)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
        let target_votes = if removed > 0 {
            self.bump_votes(&mut tx, target_id, -removed).await?
        } else {
            sqlx::query_scalar("SELECT votes FROM posts WHERE id = $1")
                .bind(target_id)
                .fetch_one(&mut *tx)
                .await?
        };
        sqlx::query("UPDATE posts SET status = $1, merged_into = NULL, updated_at = $2 WHERE id = $3")
            .bind(restored.as_str())
            .bind(now)
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        let note = format!("#{target_id}");
        let change = StatusMove {
            post_id: source_id,
            product_id: source.product_id,
            from: source.status,
            to: restored,
            actor_id,
            note: Some(&note),
            now,
        };
        Self::record_status_change(&mut tx, &change).await?;
        sqlx::query("UPDATE post_merges SET undone_at = $1, undone_by = $2 WHERE id = $3")
            .bind(now)
            .bind(actor_id)
            .bind(merge_id)
            .execute(&mut *tx)
            .await?;
        let key = format!("unmerge:{merge_id}");
        let data = serde_json::json!({ "title": source.title, "from": target_id });
        let event = Event {
            kind: NotificationKind::PostUnmerged,
            key: &key,
            post_id: source_id,
            actor_id,
            data,
            now,
        };
        Self::notify_followers(&mut tx, &event, Audience::PostAuthor).await?;
        tx.commit().await?;
        Ok(UnmergeOutcome {
            merge_id,
            source_id,
            target_id,
            restored_status: restored,
            removed_votes: removed,
            target_votes,
        })
    }

    /// Posts merged into `target_id`, oldest merge first.
    pub async fn merged_posts(&self, target_id: i64) -> StoreResult<Vec<MergedPost>> {
        let rows = sqlx::query(
            "SELECT id, title, votes, comments FROM posts WHERE merged_into = $1 ORDER BY updated_at, id",
        )
        .bind(target_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(MergedPost {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    votes: r.try_get("votes")?,
                    comments: r.try_get("comments")?,
                })
            })
            .collect()
    }
}
