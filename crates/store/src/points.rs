//! The points ledger: append-only entries, a cached balance moved in the same transaction,
//! one award per (fan, reason, reference).

use crate::{Store, StoreResult};
use canyu_core::points::{Adjustment, BadgeFacts, Reason, day_start};
use canyu_core::{ErrorCode, Millis, PostStatus};
use sqlx::{Any, Row, Transaction};

type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointsEntry {
    pub id: i64,
    pub delta: i64,
    pub reason: Reason,
    pub ref_key: String,
    pub product_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderboardRow {
    pub handle: String,
    pub points: i64,
}

/// A post credited to a fan: their own post that shipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditedPost {
    pub post_id: i64,
    pub title: String,
    pub product_slug: String,
    pub product_name: String,
    pub shipped_at: Millis,
    /// The release it shipped in, if it shipped in one.
    pub version: Option<String>,
}

impl Store {
    /// Awards `reason`'s points to one fan for `ref_key`, inside the caller's transaction.
    /// Nothing happens when the fan already has this award or reached the reason's daily
    /// cap. Returns the points awarded.
    pub(crate) async fn award(
        tx: &mut Tx,
        user_id: i64,
        product_id: Option<i64>,
        reason: Reason,
        ref_key: &str,
        now: Millis,
    ) -> StoreResult<i64> {
        if let Some(cap) = reason.daily_cap() {
            // Lock the fan's row first: on PostgreSQL two concurrent votes by one fan would
            // otherwise both count 19 and both award the 20th. (SQLite has one writer.)
            sqlx::query("UPDATE users SET points = points WHERE id = $1")
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            let today: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM points_ledger WHERE user_id = $1 AND reason = $2 AND created_at >= $3",
            )
            .bind(user_id)
            .bind(reason.as_str())
            .bind(day_start(now))
            .fetch_one(&mut **tx)
            .await?;
            if today >= cap {
                return Ok(0);
            }
        }
        let delta = reason.points();
        let inserted = sqlx::query(
            "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(product_id)
        .bind(delta)
        .bind(reason.as_str())
        .bind(ref_key)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(0);
        }
        sqlx::query("UPDATE users SET points = points + $1 WHERE id = $2")
            .bind(delta)
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        Ok(delta)
    }

    /// Awards `reason` for `ref_key` to every voter of a post at once (a shipped post can
    /// have thousands), then re-sums exactly those voters' balances.
    pub(crate) async fn award_voters(
        tx: &mut Tx,
        post_id: i64,
        product_id: i64,
        reason: Reason,
        ref_key: &str,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
             SELECT user_id, $1, $2, $3, $4, $5 FROM votes WHERE post_id = $6 \
             ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
        )
        .bind(product_id)
        .bind(reason.points())
        .bind(reason.as_str())
        .bind(ref_key)
        .bind(now)
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE users SET points = (SELECT COALESCE(SUM(l.delta), 0) FROM points_ledger l \
             WHERE l.user_id = users.id) WHERE id IN (SELECT user_id FROM votes WHERE post_id = $1)",
        )
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// A staff correction, appended as its own entry. `ref_key` makes a retried request
    /// land once. A deduction below zero is refused: it could only be honoured by
    /// editing earlier entries.
    pub async fn adjust_points(
        &self,
        user_id: i64,
        actor_id: i64,
        adjustment: &Adjustment,
        ref_key: &str,
        now: Millis,
    ) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, note, actor_id, \
             created_at) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(adjustment.delta)
        .bind(Reason::Adjustment.as_str())
        .bind(ref_key)
        .bind(&adjustment.note)
        .bind(actor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let moved =
                sqlx::query("UPDATE users SET points = points + $1 WHERE id = $2 AND points + $1 >= 0")
                    .bind(adjustment.delta)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if moved == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                return Err(match exists {
                    Some(_) => ErrorCode::PointsWouldGoNegative,
                    None => ErrorCode::UserNotFound,
                }
                .into());
            }
        }
        let balance: i64 = sqlx::query_scalar("SELECT points FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(balance)
    }

    /// A fan's entries, newest first.
    pub async fn points_history(&self, user_id: i64, limit: i64) -> StoreResult<Vec<PointsEntry>> {
        let rows = sqlx::query(
            "SELECT id, delta, reason, ref_key, product_id, note, created_at FROM points_ledger \
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let reason: String = r.try_get("reason")?;
                Ok(PointsEntry {
                    id: r.try_get("id")?,
                    delta: r.try_get("delta")?,
                    reason: Reason::parse(&reason)
                        .ok_or_else(|| sqlx::Error::Decode(format!("unknown reason {reason}").into()))?,
                    ref_key: r.try_get("ref_key")?,
                    product_id: r.try_get("product_id")?,
                    note: r.try_get("note")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The sum of a fan's entries, straight from the ledger (the cached balance must equal it).
    pub async fn points_ledger_sum(&self, user_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_one(&self.read)
        .await?)
    }

    /// Fans by points earned on one product, or by balance across products.
    pub async fn leaderboard(&self, product_id: Option<i64>, limit: i64) -> StoreResult<Vec<LeaderboardRow>> {
        let rows = match product_id {
            Some(product_id) => {
                sqlx::query(
                    "SELECT u.handle, CAST(SUM(l.delta) AS BIGINT) AS points FROM points_ledger l \
                     JOIN users u ON u.id = l.user_id WHERE l.product_id = $1 \
                     GROUP BY u.id, u.handle HAVING SUM(l.delta) > 0 \
                     ORDER BY points DESC, u.id LIMIT $2",
                )
                .bind(product_id)
                .bind(limit)
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT handle, points FROM users WHERE points > 0 ORDER BY points DESC, id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.iter()
            .map(|r| Ok(LeaderboardRow { handle: r.try_get("handle")?, points: r.try_get("points")? }))
            .collect()
    }

    pub async fn badge_facts(&self, user_id: i64) -> StoreResult<BadgeFacts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM posts WHERE author_id = $1 AND status = $2) AS shipped_posts, \
             (SELECT COUNT(*) FROM points_ledger WHERE user_id = $1 AND reason = $3) AS shipped_votes, \
             (SELECT COUNT(*) FROM points_ledger WHERE user_id = $1 AND reason = $4) AS beta_weeks",
        )
        .bind(user_id)
        .bind(PostStatus::Shipped.as_str())
        .bind(Reason::VotedPostShipped.as_str())
        .bind(Reason::BetaDutyDone.as_str())
        .fetch_one(&self.read)
        .await?;
        Ok(BadgeFacts {
            shipped_posts: row.try_get("shipped_posts")?,
            shipped_votes: row.try_get("shipped_votes")?,
            beta_weeks: row.try_get("beta_weeks")?,
        })
    }

    /// The fan's own posts that shipped, newest first: features credited to them.
    pub async fn credited_posts(&self, user_id: i64, limit: i64) -> StoreResult<Vec<CreditedPost>> {
        let rows = sqlx::query(
            "SELECT p.id, p.title, pr.slug, pr.name, p.updated_at, \
             (SELECT MIN(r.version) FROM release_posts rp JOIN releases r ON r.id = rp.release_id \
              WHERE rp.post_id = p.id AND r.status = 'published') AS version FROM posts p \
             JOIN products pr ON pr.id = p.product_id \
             WHERE p.author_id = $1 AND p.status = $2 ORDER BY p.updated_at DESC, p.id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(PostStatus::Shipped.as_str())
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CreditedPost {
                    post_id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    product_slug: r.try_get("slug")?,
                    product_name: r.try_get("name")?,
                    shipped_at: r.try_get("updated_at")?,
                    version: r.try_get("version")?,
                })
            })
            .collect()
    }
}

impl Store {
    /// Writes the awards that imported history (bulk-loaded posts, votes and status
    /// changes) would have earned, then re-sums every balance. Idempotent: each award
    /// has its key. Daily caps do not apply to history.
    pub async fn backfill_points(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        let posts_with = |status: PostStatus, reason: Reason| {
            format!(
                "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
                 SELECT p.author_id, p.product_id, {}, '{}', 'post:' || CAST(p.id AS TEXT), \
                 COALESCE((SELECT MAX(s.created_at) FROM status_changes s WHERE s.post_id = p.id \
                 AND s.to_status = '{}'), p.created_at) \
                 FROM posts p WHERE EXISTS (SELECT 1 FROM status_changes s WHERE s.post_id = p.id \
                 AND s.to_status = '{}') ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
                reason.points(),
                reason.as_str(),
                status.as_str(),
                status.as_str()
            )
        };
        let statements = [
            format!(
                "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
                 SELECT author_id, product_id, {}, '{}', 'post:' || CAST(id AS TEXT), created_at FROM posts \
                 WHERE true ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
                Reason::PostCreated.points(),
                Reason::PostCreated.as_str()
            ),
            format!(
                "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
                 SELECT v.user_id, p.product_id, {}, '{}', 'post:' || CAST(p.id AS TEXT), v.created_at \
                 FROM votes v JOIN posts p ON p.id = v.post_id WHERE true \
                 ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
                Reason::VoteCast.points(),
                Reason::VoteCast.as_str()
            ),
            posts_with(PostStatus::Planned, Reason::PostPlanned),
            posts_with(PostStatus::Shipped, Reason::PostShipped),
            format!(
                "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, created_at) \
                 SELECT v.user_id, p.product_id, {}, '{}', 'post:' || CAST(p.id AS TEXT), p.updated_at \
                 FROM votes v JOIN posts p ON p.id = v.post_id WHERE p.status = '{}' \
                 ON CONFLICT (user_id, reason, ref_key) DO NOTHING",
                Reason::VotedPostShipped.points(),
                Reason::VotedPostShipped.as_str(),
                PostStatus::Shipped.as_str()
            ),
            "UPDATE users SET points = (SELECT COALESCE(SUM(l.delta), 0) FROM points_ledger l \
             WHERE l.user_id = users.id)"
                .to_string(),
        ];
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
