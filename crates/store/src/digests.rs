//! The weekly digest's rows (`insight_digests`) and the reads it is made from.

use crate::notifications::NotificationKind;
use crate::{Store, StoreResult};
use canyu_core::Millis;
use sqlx::{AssertSqlSafe, Row};

/// A digest as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDigest {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub product_name: String,
    /// The Monday (site time) the reported week starts on.
    pub week_start: Millis,
    pub created_at: Millis,
    pub body: serde_json::Value,
}

/// A post written in the week a digest reports.
#[derive(Clone, Debug, PartialEq)]
pub struct WeekPost {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub votes: i64,
    pub created_at: Millis,
}

/// A new digest, to be written with the notices that announce it.
pub struct NewDigest<'a> {
    pub product_id: i64,
    pub week_start: Millis,
    pub body: &'a serde_json::Value,
    /// Whose inbox (and email, for those who take it) hears of it.
    pub recipients: &'a [i64],
    /// What the inbox entries and webhook messages carry.
    pub notice: &'a serde_json::Value,
    pub now: Millis,
}

/// The posts a digest reads: visible on the public board (not beta, hidden or deleted).
const VISIBLE: &str = "beta = 0 AND hidden_at IS NULL AND deleted_at IS NULL";

impl Store {
    /// Writes the digest for (product, week) unless one exists, and in the same transaction
    /// the recipients' inbox entries, their emails and the product's webhook messages: the
    /// digest is announced exactly when it is first stored, whoever else raced for it.
    /// `None` when it already existed.
    pub async fn create_digest(&self, new: NewDigest<'_>) -> StoreResult<Option<i64>> {
        let mut tx = self.write.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO insight_digests (product_id, week_start, created_at, body) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (product_id, week_start) DO NOTHING RETURNING id",
        )
        .bind(new.product_id)
        .bind(new.week_start)
        .bind(new.now)
        .bind(new.body.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else {
            tx.rollback().await?;
            return Ok(None);
        };
        let key = format!("{}:{id}", NotificationKind::InsightDigest.as_str());
        let mut notice = new.notice.clone();
        if let Some(fields) = notice.as_object_mut() {
            fields.insert("digest".into(), id.into());
        }
        for &user in new.recipients {
            Self::notify_fan(&mut tx, user, NotificationKind::InsightDigest, &key, None, &notice, new.now)
                .await?;
        }
        sqlx::query(
            "INSERT INTO delivery_jobs (channel, target_id, event_key, kind, post_id, payload, \
             next_attempt_at, created_at) \
             SELECT 'webhook', w.id, $1, $2, NULL, $3, $4, $4 FROM webhooks w \
             WHERE w.active = 1 AND (w.product_id IS NULL OR w.product_id = $5) \
             ON CONFLICT (channel, target_id, event_key) DO NOTHING",
        )
        .bind(&key)
        .bind(NotificationKind::InsightDigest.as_str())
        .bind(notice.to_string())
        .bind(new.now)
        .bind(new.product_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn digest_exists(&self, product_id: i64, week_start: Millis) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM insight_digests WHERE product_id = $1 AND week_start = $2",
        )
        .bind(product_id)
        .bind(week_start)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    pub async fn digest(&self, id: i64) -> StoreResult<Option<StoredDigest>> {
        let rows = self.digests_where("d.id = $1", id, 1).await?;
        Ok(rows.into_iter().next())
    }

    /// The latest digests, newest week first; of one product, or of all (`None`).
    pub async fn digests(&self, product_id: Option<i64>, limit: i64) -> StoreResult<Vec<StoredDigest>> {
        match product_id {
            Some(p) => self.digests_where("d.product_id = $1", p, limit).await,
            None => self.digests_where("$1 = $1", 0, limit).await,
        }
    }

    async fn digests_where(&self, filter: &str, arg: i64, limit: i64) -> StoreResult<Vec<StoredDigest>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT d.id, d.product_id, p.slug, p.name, d.week_start, d.created_at, d.body \
             FROM insight_digests d JOIN products p ON p.id = d.product_id WHERE {filter} \
             ORDER BY d.week_start DESC, d.id DESC LIMIT $2"
        )))
        .bind(arg)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let body: String = r.try_get("body")?;
                Ok(StoredDigest {
                    id: r.try_get("id")?,
                    product_id: r.try_get("product_id")?,
                    product_slug: r.try_get("slug")?,
                    product_name: r.try_get("name")?,
                    week_start: r.try_get("week_start")?,
                    created_at: r.try_get("created_at")?,
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
                })
            })
            .collect()
    }

    /// The visible posts written in [from, to), of one product or all (`None`), most voted
    /// first, at most `limit`.
    pub async fn posts_written_between(
        &self,
        product_id: Option<i64>,
        from: Millis,
        to: Millis,
        limit: i64,
    ) -> StoreResult<Vec<WeekPost>> {
        // Two statements rather than "$1 IS NULL OR ...": each keeps its own index plan.
        let product = if product_id.is_some() { "product_id = $1" } else { "$1 = 0" };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, title, body, votes, created_at FROM posts \
             WHERE {product} AND created_at >= $2 AND created_at < $3 AND {VISIBLE} \
             ORDER BY votes DESC, id LIMIT $4"
        )))
        .bind(product_id.unwrap_or(0))
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(WeekPost {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    votes: r.try_get("votes")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// How many visible posts the product got in [from, to).
    pub async fn posts_written_count(&self, product_id: i64, from: Millis, to: Millis) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM posts WHERE product_id = $1 AND created_at >= $2 AND created_at < $3 AND {VISIBLE}"
        )))
        .bind(product_id)
        .bind(from)
        .bind(to)
        .fetch_one(&self.read)
        .await?)
    }

    /// Distinct fans who wrote or voted for any of `post_ids` in [from, to), and when the
    /// first of those posts was written.
    pub async fn fans_behind(
        &self,
        post_ids: &[i64],
        from: Millis,
        to: Millis,
    ) -> StoreResult<(i64, Option<Millis>)> {
        if post_ids.is_empty() {
            return Ok((0, None));
        }
        // Ids are integers from our own rows: inlined, one statement on both backends.
        let ids = post_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let fans: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT author_id AS u FROM posts WHERE id IN ({ids}) AND created_at >= $1 AND created_at < $2 \
             UNION SELECT user_id AS u FROM votes WHERE post_id IN ({ids}) AND created_at >= $1 AND created_at < $2) f"
        )))
        .bind(from)
        .bind(to)
        .fetch_one(&self.read)
        .await?;
        let first: Option<Millis> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT MIN(created_at) FROM posts WHERE id IN ({ids})"
        )))
        .fetch_one(&self.read)
        .await?;
        Ok((fans, first))
    }

    /// The ids of every admin, for what no product manager receives.
    pub async fn admin_ids(&self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' ORDER BY id")
            .fetch_all(&self.read)
            .await?)
    }

    /// The ids of the product's managers.
    pub async fn product_manager_ids(&self, product_id: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT user_id FROM product_managers WHERE product_id = $1 ORDER BY user_id")
            .bind(product_id)
            .fetch_all(&self.read)
            .await?)
    }
}
