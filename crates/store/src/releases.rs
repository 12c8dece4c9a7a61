//! Releases: a product's versions, the posts they ship, and publishing them.

use crate::error::unique_or;
use crate::notifications::{Audience, Event, NotificationKind};
use crate::posts::{StatusMove, decode_err};
use crate::{Store, StoreResult};
use canyu_core::points::Reason;
use canyu_core::release::Channel;
use canyu_core::{ErrorCode, Millis, PostKind, PostStatus, Role};
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReleaseStatus {
    Draft,
    Published,
}

impl ReleaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseStatus::Draft => "draft",
            ReleaseStatus::Published => "published",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub version: String,
    pub channel: Channel,
    /// `YYYY-MM-DD`, China Standard Time.
    pub planned_for: String,
    pub notes: String,
    pub status: ReleaseStatus,
    pub created_at: Millis,
    pub published_at: Option<Millis>,
    pub posts: Vec<ReleasePost>,
}

/// A post in a release, with the fan to credit.
#[derive(Clone, Debug, PartialEq)]
pub struct ReleasePost {
    pub post_id: i64,
    pub title: String,
    pub kind: PostKind,
    pub status: PostStatus,
    pub votes: i64,
    pub author_handle: String,
    pub author_role: Role,
}

pub struct NewRelease<'a> {
    pub product_id: i64,
    pub version: &'a str,
    pub channel: Channel,
    pub planned_for: &'a str,
    pub notes: &'a str,
    pub post_ids: &'a [i64],
    pub created_by: i64,
    pub now: Millis,
}

const RELEASE_SELECT: &str = "SELECT r.id, r.product_id, pr.slug, pr.name, r.version, r.channel, \
     r.planned_for, r.notes, r.status, r.created_at, r.published_at \
     FROM releases r JOIN products pr ON pr.id = r.product_id";

fn release_from_row(r: &sqlx::any::AnyRow) -> StoreResult<Release> {
    let channel: String = r.try_get("channel")?;
    let status: String = r.try_get("status")?;
    Ok(Release {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("slug")?,
        product_name: r.try_get("name")?,
        version: r.try_get("version")?,
        channel: Channel::parse(&channel).map_err(decode_err)?,
        planned_for: r.try_get("planned_for")?,
        notes: r.try_get("notes")?,
        status: if status == "published" { ReleaseStatus::Published } else { ReleaseStatus::Draft },
        created_at: r.try_get("created_at")?,
        published_at: r.try_get("published_at")?,
        posts: Vec::new(),
    })
}

/// Posts that may go into a release, or be shipped by one.
fn releasable(status: PostStatus) -> bool {
    matches!(status, PostStatus::Planned | PostStatus::InProgress)
}

impl Store {
    pub async fn add_product_manager(&self, product_id: i64, user_id: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO product_managers (product_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (product_id, user_id) DO NOTHING",
        )
        .bind(product_id)
        .bind(user_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn remove_product_manager(&self, product_id: i64, user_id: i64) -> StoreResult<bool> {
        Ok(sqlx::query("DELETE FROM product_managers WHERE product_id = $1 AND user_id = $2")
            .bind(product_id)
            .bind(user_id)
            .execute(&self.write)
            .await?
            .rows_affected()
            > 0)
    }

    pub async fn manages_product(&self, user_id: i64, product_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM product_managers WHERE product_id = $1 AND user_id = $2",
        )
        .bind(product_id)
        .bind(user_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Handles of a product's managers, sorted.
    pub async fn product_managers(&self, product_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT u.handle FROM product_managers m JOIN users u ON u.id = m.user_id \
             WHERE m.product_id = $1 ORDER BY u.handle",
        )
        .bind(product_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// A draft release of planned or in-progress posts of its product.
    pub async fn create_release(&self, new: NewRelease<'_>) -> StoreResult<Release> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO releases (product_id, version, channel, planned_for, notes, status, created_by, \
             created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7) RETURNING id",
        )
        .bind(new.product_id)
        .bind(new.version)
        .bind(new.channel.as_str())
        .bind(new.planned_for)
        .bind(new.notes)
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_or(ErrorCode::ReleaseVersionTaken))?;
        let mut seen = Vec::with_capacity(new.post_ids.len());
        for &post_id in new.post_ids {
            if seen.contains(&post_id) {
                continue;
            }
            seen.push(post_id);
            let row = sqlx::query("SELECT product_id, status, merged_into FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(ErrorCode::ReleasePostInvalid)?;
            let product_id: i64 = row.try_get("product_id")?;
            let status: String = row.try_get("status")?;
            let merged: Option<i64> = row.try_get("merged_into")?;
            let status = PostStatus::parse(&status).map_err(decode_err)?;
            if product_id != new.product_id || merged.is_some() || !releasable(status) {
                return Err(ErrorCode::ReleasePostInvalid.into());
            }
            sqlx::query("INSERT INTO release_posts (release_id, post_id) VALUES ($1, $2)")
                .bind(id)
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.release(id).await?.ok_or_else(|| ErrorCode::ReleaseNotFound.into())
    }

    pub async fn release(&self, id: i64) -> StoreResult<Option<Release>> {
        let row = sqlx::query(AssertSqlSafe(format!("{RELEASE_SELECT} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut releases = vec![release_from_row(&row)?];
        self.attach_release_posts(&mut releases).await?;
        Ok(releases.pop())
    }

    /// A product's releases, newest first: published ones by publication, then drafts
    /// (only with `include_drafts`). `channels` limits which channels are listed.
    pub async fn releases_for_product(
        &self,
        product_id: i64,
        channels: &[Channel],
        include_drafts: bool,
        limit: i64,
    ) -> StoreResult<Vec<Release>> {
        let drafts = if include_drafts { "" } else { " AND r.status = 'published'" };
        let stable_only = !channels.contains(&Channel::Beta);
        let beta_only = !channels.contains(&Channel::Stable);
        let channel = match (stable_only, beta_only) {
            (true, true) => return Ok(Vec::new()),
            (true, false) => " AND r.channel = 'stable'",
            (false, true) => " AND r.channel = 'beta'",
            (false, false) => "",
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{RELEASE_SELECT} WHERE r.product_id = $1{drafts}{channel} \
             ORDER BY CASE WHEN r.published_at IS NULL THEN 1 ELSE 0 END, r.published_at DESC, r.id DESC \
             LIMIT $2"
        )))
        .bind(product_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        let mut releases = rows.iter().map(release_from_row).collect::<StoreResult<Vec<_>>>()?;
        self.attach_release_posts(&mut releases).await?;
        Ok(releases)
    }

    async fn attach_release_posts(&self, releases: &mut [Release]) -> StoreResult<()> {
        if releases.is_empty() {
            return Ok(());
        }
        let placeholders = crate::placeholders(1, releases.len());
        let sql = format!(
            "SELECT rp.release_id, p.id, p.title, p.kind, p.status, p.votes, u.handle, u.role \
             FROM release_posts rp JOIN posts p ON p.id = rp.post_id JOIN users u ON u.id = p.author_id \
             WHERE rp.release_id IN ({placeholders}) ORDER BY p.votes DESC, p.id"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for r in releases.iter() {
            query = query.bind(r.id);
        }
        for row in query.fetch_all(&self.read).await? {
            let release_id: i64 = row.try_get("release_id")?;
            let kind: String = row.try_get("kind")?;
            let status: String = row.try_get("status")?;
            let role: String = row.try_get("role")?;
            let post = ReleasePost {
                post_id: row.try_get("id")?,
                title: row.try_get("title")?,
                kind: PostKind::parse(&kind).map_err(decode_err)?,
                status: PostStatus::parse(&status).map_err(decode_err)?,
                votes: row.try_get("votes")?,
                author_handle: row.try_get("handle")?,
                author_role: Role::parse(&role).map_err(decode_err)?,
            };
            if let Some(r) = releases.iter_mut().find(|r| r.id == release_id) {
                r.posts.push(post);
            }
        }
        Ok(())
    }

    /// Publishes a draft: every post ships (history note: the version), each post's author
    /// and voters are told and earn their points, all in one transaction. A post that was
    /// declined or merged since it was added stops the whole publication.
    pub async fn publish_release(&self, id: i64, actor_id: i64, now: Millis) -> StoreResult<Release> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query("SELECT product_id, version, status FROM releases WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(ErrorCode::ReleaseNotFound)?;
        let product_id: i64 = row.try_get("product_id")?;
        let version: String = row.try_get("version")?;
        let status: String = row.try_get("status")?;
        if status == ReleaseStatus::Published.as_str() {
            return Err(ErrorCode::ReleaseAlreadyPublished.into());
        }
        let posts = sqlx::query(
            "SELECT p.id, p.status, p.merged_into, p.title, p.author_id FROM release_posts rp \
             JOIN posts p ON p.id = rp.post_id WHERE rp.release_id = $1 ORDER BY p.id",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if posts.is_empty() {
            return Err(ErrorCode::ReleaseEmpty.into());
        }
        let note = version.clone();
        for post in &posts {
            let post_id: i64 = post.try_get("id")?;
            let status: String = post.try_get("status")?;
            let merged: Option<i64> = post.try_get("merged_into")?;
            let title: String = post.try_get("title")?;
            let author_id: i64 = post.try_get("author_id")?;
            let from = PostStatus::parse(&status).map_err(decode_err)?;
            if merged.is_some() || !(from.is_open() || from == PostStatus::Shipped) {
                return Err(ErrorCode::ReleasePostInvalid.into());
            }
            if from != PostStatus::Shipped {
                let moved = sqlx::query(
                    "UPDATE posts SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                )
                .bind(PostStatus::Shipped.as_str())
                .bind(now)
                .bind(post_id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if moved == 0 {
                    return Err(ErrorCode::ReleasePostInvalid.into());
                }
                let change = StatusMove {
                    post_id,
                    product_id,
                    from,
                    to: PostStatus::Shipped,
                    actor_id,
                    note: Some(&note),
                    now,
                };
                Self::record_status_change(&mut tx, &change).await?;
            }
            let key = format!("release:{id}:post:{post_id}");
            let data = serde_json::json!({ "title": title, "version": version, "release": id });
            let event =
                Event { kind: NotificationKind::PostShipped, key: &key, post_id, actor_id, data, now };
            Self::notify_followers(&mut tx, &event, Audience::FollowersAndVoters).await?;
            let ref_key = format!("post:{post_id}");
            Self::award(&mut tx, author_id, Some(product_id), Reason::PostShipped, &ref_key, now).await?;
            Self::award_voters(&mut tx, post_id, product_id, Reason::VotedPostShipped, &ref_key, now).await?;
        }
        let published = sqlx::query(
            "UPDATE releases SET status = 'published', published_by = $1, published_at = $2 \
             WHERE id = $3 AND status = 'draft'",
        )
        .bind(actor_id)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if published == 0 {
            return Err(ErrorCode::ReleaseAlreadyPublished.into());
        }
        tx.commit().await?;
        self.release(id).await?.ok_or_else(|| ErrorCode::ReleaseNotFound.into())
    }

    /// Features that came from fans: shipped posts of the product written by fans (not by
    /// the brand's own people).
    pub async fn fan_feature_count(&self, product_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM posts p JOIN users u ON u.id = p.author_id \
             WHERE p.product_id = $1 AND p.status = $2 AND u.role = $3",
        )
        .bind(product_id)
        .bind(PostStatus::Shipped.as_str())
        .bind(Role::Fan.as_str())
        .fetch_one(&self.read)
        .await?)
    }
}

/// A release that already happened, for imports and demo history: its posts shipped
/// before canyu knew about it, so nothing is notified or paid here.
pub struct PastRelease<'a> {
    pub product_id: i64,
    pub version: &'a str,
    pub channel: Channel,
    pub planned_for: &'a str,
    pub notes: &'a str,
    pub post_ids: &'a [i64],
    pub published_by: i64,
    pub published_at: Millis,
}

impl Store {
    pub async fn import_release(&self, past: PastRelease<'_>) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO releases (product_id, version, channel, planned_for, notes, status, created_by, \
             created_at, published_by, published_at) VALUES ($1, $2, $3, $4, $5, 'published', $6, $7, $6, $7) \
             RETURNING id",
        )
        .bind(past.product_id)
        .bind(past.version)
        .bind(past.channel.as_str())
        .bind(past.planned_for)
        .bind(past.notes)
        .bind(past.published_by)
        .bind(past.published_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(unique_or(ErrorCode::ReleaseVersionTaken))?;
        for post_id in past.post_ids {
            sqlx::query(
                "INSERT INTO release_posts (release_id, post_id) VALUES ($1, $2) \
                 ON CONFLICT (release_id, post_id) DO NOTHING",
            )
            .bind(id)
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }
}
