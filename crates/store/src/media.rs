//! Images on posts and comments (`media`): a row per upload, owned by its uploader until a
//! post or comment takes it. The files themselves are in `canyu_media::MediaStore`, keyed by
//! content hash; rows only name them.

use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Media {
    pub id: i64,
    pub owner_id: i64,
    pub object_key: String,
    pub thumb_key: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub announcement_id: Option<i64>,
    pub created_at: Millis,
}

pub struct NewMedia<'a> {
    pub owner_id: i64,
    pub object_key: &'a str,
    pub thumb_key: &'a str,
    pub content_type: &'a str,
    pub width: u32,
    pub height: u32,
    pub byte_size: usize,
    pub created_at: Millis,
}

/// What takes the images.
#[derive(Clone, Copy, Debug)]
pub enum MediaOwner {
    Post(i64),
    Comment(i64),
    Announcement(i64),
}

const MEDIA_SELECT: &str = "SELECT id, owner_id, object_key, thumb_key, content_type, width, height, \
     byte_size, post_id, comment_id, announcement_id, created_at FROM media";

fn media_from_row(r: &sqlx::any::AnyRow) -> Result<Media, sqlx::Error> {
    Ok(Media {
        id: r.try_get("id")?,
        owner_id: r.try_get("owner_id")?,
        object_key: r.try_get("object_key")?,
        thumb_key: r.try_get("thumb_key")?,
        content_type: r.try_get("content_type")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        byte_size: r.try_get("byte_size")?,
        post_id: r.try_get("post_id")?,
        comment_id: r.try_get("comment_id")?,
        announcement_id: r.try_get("announcement_id")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn insert_media(&self, m: NewMedia<'_>) -> StoreResult<Media> {
        let row = sqlx::query(
            "INSERT INTO media (owner_id, object_key, thumb_key, content_type, width, height, byte_size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(m.owner_id)
        .bind(m.object_key)
        .bind(m.thumb_key)
        .bind(m.content_type)
        .bind(i64::from(m.width))
        .bind(i64::from(m.height))
        .bind(i64::try_from(m.byte_size).unwrap_or(i64::MAX))
        .bind(m.created_at)
        .fetch_one(&self.write)
        .await?;
        Ok(Media {
            id: row.try_get("id")?,
            owner_id: m.owner_id,
            object_key: m.object_key.to_string(),
            thumb_key: m.thumb_key.to_string(),
            content_type: m.content_type.to_string(),
            width: i64::from(m.width),
            height: i64::from(m.height),
            byte_size: i64::try_from(m.byte_size).unwrap_or(i64::MAX),
            post_id: None,
            comment_id: None,
            announcement_id: None,
            created_at: m.created_at,
        })
    }

    /// Checks that every id is the owner's and not yet attached: `image_not_found` otherwise.
    /// Checked before the post or comment is written, so a bad reference writes nothing.
    pub async fn ensure_attachable(&self, owner_id: i64, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let placeholders = crate::placeholders(2, ids.len());
        let sql = format!(
            "SELECT COUNT(DISTINCT id) FROM media WHERE owner_id = $1 AND post_id IS NULL \
             AND comment_id IS NULL AND announcement_id IS NULL AND id IN ({placeholders})"
        );
        let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).bind(owner_id);
        for id in ids {
            q = q.bind(*id);
        }
        let found = q.fetch_one(&self.write).await?;
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if usize::try_from(found).ok() != Some(distinct.len()) || distinct.len() != ids.len() {
            return Err(ErrorCode::ImageNotFound.into());
        }
        Ok(())
    }

    /// Attaches the owner's unattached uploads, in the order given. An upload another request
    /// attached meanwhile stays where it went (the guard in the `UPDATE`); returns how many
    /// this call attached.
    pub async fn attach_media(&self, owner_id: i64, ids: &[i64], to: MediaOwner) -> StoreResult<usize> {
        let (post_id, comment_id, announcement_id) = match to {
            MediaOwner::Post(id) => (Some(id), None, None),
            MediaOwner::Comment(id) => (None, Some(id), None),
            MediaOwner::Announcement(id) => (None, None, Some(id)),
        };
        let mut attached = 0;
        let mut tx = self.write.begin().await?;
        for (position, id) in ids.iter().enumerate() {
            let done = sqlx::query(
                "UPDATE media SET post_id = $1, comment_id = $2, announcement_id = $6, position = $3 \
                 WHERE id = $4 AND owner_id = $5 AND post_id IS NULL AND comment_id IS NULL AND announcement_id IS NULL",
            )
            .bind(post_id)
            .bind(comment_id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(*id)
            .bind(owner_id)
            .bind(announcement_id)
            .execute(&mut *tx)
            .await?;
            attached += usize::try_from(done.rows_affected()).unwrap_or(0);
        }
        tx.commit().await?;
        Ok(attached)
    }

    pub async fn media(&self, id: i64) -> StoreResult<Option<Media>> {
        let sql = format!("{MEDIA_SELECT} WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(&self.read).await?;
        Ok(row.as_ref().map(media_from_row).transpose()?)
    }

    /// The images of each post, in their order.
    pub async fn media_of_posts(&self, post_ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Media>>> {
        self.media_of("post_id", post_ids).await
    }

    /// The images of each comment, in their order.
    pub async fn media_of_comments(&self, comment_ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Media>>> {
        self.media_of("comment_id", comment_ids).await
    }

    /// The images of each announcement, in their order.
    pub async fn media_of_announcements(&self, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Media>>> {
        self.media_of("announcement_id", ids).await
    }

    async fn media_of(&self, column: &'static str, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<Media>>> {
        let mut by_owner: HashMap<i64, Vec<Media>> = HashMap::new();
        if ids.is_empty() {
            return Ok(by_owner);
        }
        let placeholders = crate::placeholders(1, ids.len());
        let sql =
            format!("{MEDIA_SELECT} WHERE {column} IN ({placeholders}) ORDER BY {column}, position, id");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for id in ids {
            q = q.bind(*id);
        }
        for row in q.fetch_all(&self.read).await? {
            let m = media_from_row(&row)?;
            let key = match column {
                "post_id" => m.post_id,
                "announcement_id" => m.announcement_id,
                _ => m.comment_id,
            };
            if let Some(key) = key {
                by_owner.entry(key).or_default().push(m);
            }
        }
        Ok(by_owner)
    }

    /// Deletes up to `limit` uploads nobody attached before `before`, and returns the file keys
    /// no remaining row names (the caller deletes those files).
    pub async fn delete_unattached_media(&self, before: Millis, limit: i64) -> StoreResult<Vec<String>> {
        let sql = format!(
            "{MEDIA_SELECT} WHERE post_id IS NULL AND comment_id IS NULL AND announcement_id IS NULL AND created_at < $1 ORDER BY id LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(before).bind(limit).fetch_all(&self.write).await?;
        let stale = rows.iter().map(media_from_row).collect::<Result<Vec<_>, _>>()?;
        let mut orphaned = Vec::new();
        for m in stale {
            let mut tx = self.write.begin().await?;
            let gone =
                sqlx::query("DELETE FROM media WHERE id = $1 AND post_id IS NULL AND comment_id IS NULL AND announcement_id IS NULL")
                    .bind(m.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            let still_named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media WHERE object_key = $1")
                .bind(&m.object_key)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            if gone == 1 && still_named == 0 {
                orphaned.push(m.object_key);
                orphaned.push(m.thumb_key);
            }
        }
        Ok(orphaned)
    }

    /// How many uploads there are (tests: a refused upload stores nothing).
    pub async fn media_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(&self.read).await?)
    }
}
