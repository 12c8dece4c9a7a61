//! Official voices (migration 0038): titles, follows and the followers count kept with them,
//! announcements and the feed that merges them with followed accounts' public posts.

use crate::notifications::NotificationKind;
use crate::posts::LISTED;
use crate::{Store, StoreResult};
use canyu_core::Millis;
use canyu_core::voice::{FeedCursor, FeedSource};
use sqlx::{AssertSqlSafe, Row};

/// What the site shows of an account as a voice: its title (official accounts only), how
/// many follow it, how many it follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voice {
    pub user_id: i64,
    pub handle: String,
    pub official_title: Option<String>,
    pub followers: i64,
    pub following: i64,
}

/// An official account's announcement (动态).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub author_id: i64,
    pub author_handle: String,
    pub author_title: Option<String>,
    pub body: String,
    pub created_at: Millis,
    pub removed_at: Option<Millis>,
}

/// One entry of a follower's feed: an announcement, or a public post by someone followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedEntry {
    pub source: FeedSource,
    pub id: i64,
    pub at: Millis,
}

impl FeedEntry {
    pub fn cursor(&self) -> FeedCursor {
        FeedCursor { at: self.at, source: self.source, id: self.id }
    }
}

const VOICE_SELECT: &str = "SELECT id, handle, official_title, followers, \
     (SELECT COUNT(*) FROM user_follows f WHERE f.follower_id = users.id) AS following FROM users";

fn voice_from_row(r: &sqlx::any::AnyRow) -> Result<Voice, sqlx::Error> {
    Ok(Voice {
        user_id: r.try_get("id")?,
        handle: r.try_get("handle")?,
        official_title: r.try_get("official_title")?,
        followers: r.try_get("followers")?,
        following: r.try_get("following")?,
    })
}

const ANNOUNCEMENT_SELECT: &str = "SELECT a.id, a.author_id, u.handle, u.official_title, a.body, a.created_at, \
     a.removed_at FROM announcements a JOIN users u ON u.id = a.author_id";

fn announcement_from_row(r: &sqlx::any::AnyRow) -> Result<Announcement, sqlx::Error> {
    Ok(Announcement {
        id: r.try_get("id")?,
        author_id: r.try_get("author_id")?,
        author_handle: r.try_get("handle")?,
        author_title: r.try_get("official_title")?,
        body: r.try_get("body")?,
        created_at: r.try_get("created_at")?,
        removed_at: r.try_get("removed_at")?,
    })
}

impl Store {
    /// Makes the account an official voice with `title`, or (`None`) an ordinary one again.
    /// Returns false when there is no such account.
    pub async fn set_official_title(&self, user_id: i64, title: Option<&str>) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET official_title = $1 WHERE id = $2")
            .bind(title)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn voice(&self, user_id: i64) -> StoreResult<Option<Voice>> {
        let row = sqlx::query(AssertSqlSafe(format!("{VOICE_SELECT} WHERE id = $1")))
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(voice_from_row).transpose().map_err(Into::into)
    }

    /// The official accounts, most followed first.
    pub async fn official_voices(&self, limit: i64) -> StoreResult<Vec<Voice>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{VOICE_SELECT} WHERE official_title IS NOT NULL ORDER BY followers DESC, id LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(voice_from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Follows `followee` (or changes whether announcements also reach the inbox). The
    /// followers count moves in the same transaction, once per new follow however many
    /// requests race. Returns whether this call started the follow.
    pub async fn follow_user(
        &self,
        follower: i64,
        followee: i64,
        inbox: bool,
        now: Millis,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO user_follows (follower_id, followee_id, inbox, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (follower_id, followee_id) DO NOTHING",
        )
        .bind(follower)
        .bind(followee)
        .bind(i64::from(inbox))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            sqlx::query("UPDATE users SET followers = followers + 1 WHERE id = $1")
                .bind(followee)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE user_follows SET inbox = $3 WHERE follower_id = $1 AND followee_id = $2")
                .bind(follower)
                .bind(followee)
                .bind(i64::from(inbox))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Stops following; returns whether there was a follow to stop.
    pub async fn unfollow_user(&self, follower: i64, followee: i64) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let removed = sqlx::query("DELETE FROM user_follows WHERE follower_id = $1 AND followee_id = $2")
            .bind(follower)
            .bind(followee)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if removed {
            sqlx::query("UPDATE users SET followers = followers - 1 WHERE id = $1")
                .bind(followee)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Whether `follower` follows `followee`, and if so whether announcements reach the inbox.
    pub async fn follow_of(&self, follower: i64, followee: i64) -> StoreResult<Option<bool>> {
        let inbox: Option<i64> =
            sqlx::query_scalar("SELECT inbox FROM user_follows WHERE follower_id = $1 AND followee_id = $2")
                .bind(follower)
                .bind(followee)
                .fetch_optional(&self.read)
                .await?;
        Ok(inbox.map(|i| i == 1))
    }

    /// Which of `followees` `follower` follows, each with whether announcements reach the inbox.
    pub async fn follows_among(
        &self,
        follower: i64,
        followees: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, bool>> {
        if followees.is_empty() {
            return Ok(Default::default());
        }
        let sql = format!(
            "SELECT followee_id, inbox FROM user_follows WHERE follower_id = $1 AND followee_id IN ({})",
            crate::placeholders(2, followees.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(follower);
        for id in followees {
            q = q.bind(*id);
        }
        q.fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("followee_id")?, r.try_get::<i64, _>("inbox")? == 1)))
            .collect()
    }

    /// Publishes an announcement, attaches its images and tells the followers who asked for
    /// the inbox, in one transaction: an announcement that committed was always announced.
    pub async fn publish_announcement(
        &self,
        author_id: i64,
        body: &str,
        images: &[i64],
        notice: &serde_json::Value,
        now: Millis,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO announcements (author_id, body, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(author_id)
        .bind(body)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, media) in images.iter().enumerate() {
            sqlx::query(
                "UPDATE media SET announcement_id = $1, position = $2 WHERE id = $3 AND owner_id = $4 \
                 AND post_id IS NULL AND comment_id IS NULL AND announcement_id IS NULL",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(*media)
            .bind(author_id)
            .execute(&mut *tx)
            .await?;
        }
        let kind = NotificationKind::Announcement;
        let key = format!("{}:{id}", kind.as_str());
        let mut data = notice.clone();
        if let Some(fields) = data.as_object_mut() {
            fields.insert("announcement".into(), id.into());
        }
        // One statement however many followers asked: the inbox rows are the follows' rows.
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT f.follower_id, $1, $2, NULL, $3, $4, $5 FROM user_follows f \
             WHERE f.followee_id = $3 AND f.inbox = 1 ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(&key)
        .bind(author_id)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        Self::enqueue_emails(&mut tx, &key, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn announcement(&self, id: i64) -> StoreResult<Option<Announcement>> {
        let row = sqlx::query(AssertSqlSafe(format!("{ANNOUNCEMENT_SELECT} WHERE a.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(announcement_from_row).transpose().map_err(Into::into)
    }

    pub async fn announcements_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Announcement>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!("{ANNOUNCEMENT_SELECT} WHERE a.id IN ({})", crate::placeholders(1, ids.len()));
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(announcement_from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// An account's announcements still up, newest first, after `cursor`.
    pub async fn announcements_of(
        &self,
        author_id: i64,
        cursor: Option<FeedCursor>,
        limit: i64,
    ) -> StoreResult<Vec<Announcement>> {
        let (at, id) = cursor.map_or((i64::MAX, i64::MAX), |c| (c.at, c.id));
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{ANNOUNCEMENT_SELECT} WHERE a.author_id = $1 AND a.removed_at IS NULL \
             AND (a.created_at < $2 OR (a.created_at = $2 AND a.id < $3)) ORDER BY a.created_at DESC, a.id DESC LIMIT $4"
        )))
        .bind(author_id)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(announcement_from_row).collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Withdraws an announcement (its author) or removes it (a moderator): gone from feeds and
    /// the profile; the inbox entries already sent link to a page that says it is gone.
    pub async fn remove_announcement(&self, id: i64, now: Millis) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE announcements SET removed_at = $2 WHERE id = $1 AND removed_at IS NULL")
                .bind(id)
                .bind(now)
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A follower's feed after `cursor`, newest first: the announcements of whom they follow,
    /// and their public posts (not on a beta board, not hidden or deleted). Each source reads
    /// at most `limit` rows past the cursor, through the follows and each author's index; the
    /// two are merged here.
    pub async fn feed(
        &self,
        follower: i64,
        cursor: Option<FeedCursor>,
        limit: i64,
    ) -> StoreResult<Vec<FeedEntry>> {
        // Rows at the cursor's instant may still come after it; they are filtered below.
        let at = cursor.map_or(i64::MAX, |c| c.at);
        let announcements = sqlx::query(
            "SELECT a.id, a.created_at FROM announcements a JOIN user_follows f ON f.followee_id = a.author_id \
             WHERE f.follower_id = $1 AND a.removed_at IS NULL AND a.created_at <= $2 \
             ORDER BY a.created_at DESC, a.id DESC LIMIT $3",
        )
        .bind(follower)
        .bind(at)
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let posts = sqlx::query(AssertSqlSafe(format!(
            "SELECT p.id, p.created_at FROM posts p JOIN user_follows f ON f.followee_id = p.author_id \
             WHERE f.follower_id = $1 AND p.{} AND p.merged_into IS NULL AND p.created_at <= $2 \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $3",
            LISTED.replace(" AND ", " AND p.")
        )))
        .bind(follower)
        .bind(at)
        .bind(limit + 1)
        .fetch_all(&self.read)
        .await?;
        let mut entries = Vec::with_capacity(announcements.len() + posts.len());
        for (source, rows) in [(FeedSource::Announcement, &announcements), (FeedSource::Post, &posts)] {
            for r in rows {
                entries.push(FeedEntry { source, id: r.try_get("id")?, at: r.try_get("created_at")? });
            }
        }
        entries.retain(|e| cursor.is_none_or(|c| c.is_before(e.at, e.source, e.id)));
        entries.sort_by_key(|e| std::cmp::Reverse((e.at, std::cmp::Reverse(e.source), e.id)));
        entries.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(entries)
    }
}
