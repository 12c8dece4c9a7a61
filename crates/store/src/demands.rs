//! Demands as stored: the background job replaces a product's demands in one
//! transaction; pages read the top ones.

use crate::{Store, StoreResult};
use canyu_core::{Millis, PostStatus};
use sqlx::{AssertSqlSafe, Row};

/// An open post, as demand clustering needs it.
#[derive(Clone, Debug)]
pub struct OpenPost {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub author_id: i64,
    pub votes: i64,
    pub created_at: Millis,
}

/// A demand to store: its posts, label and sizes.
#[derive(Clone, Debug)]
pub struct NewDemand {
    pub post_ids: Vec<i64>,
    pub keywords: Vec<String>,
    pub fans: i64,
    pub fans_week: i64,
    pub votes: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub keywords: Vec<String>,
    pub fans: i64,
    pub fans_week: i64,
    pub votes: i64,
    pub computed_at: Millis,
    /// Its posts, most voted first.
    pub posts: Vec<DemandPost>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DemandPost {
    pub id: i64,
    pub title: String,
    pub votes: i64,
    pub status: PostStatus,
}

const OPEN: &str = "('new', 'acknowledged', 'planned', 'in_progress')";

impl Store {
    /// A product's open, unmerged posts with activity (posted or voted on) since `since`:
    /// the newest `limit` of them, returned oldest first.
    pub async fn open_posts(&self, product_id: i64, since: Millis, limit: i64) -> StoreResult<Vec<OpenPost>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT id, title, body, author_id, votes, created_at FROM posts \
             WHERE product_id = $1 AND merged_into IS NULL AND beta = 0 AND hidden_at IS NULL AND deleted_at IS NULL AND status IN {OPEN} \
             AND (created_at >= $2 OR id IN (SELECT post_id FROM votes WHERE created_at >= $2)) \
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(product_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .rev()
            .map(|r| {
                Ok(OpenPost {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    author_id: r.try_get("author_id")?,
                    votes: r.try_get("votes")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// (post, voter, when) for every vote on the product's open posts with an id of at
    /// least `from_id` (the oldest post [`Store::open_posts`] returned).
    pub async fn open_post_votes(
        &self,
        product_id: i64,
        from_id: i64,
    ) -> StoreResult<Vec<(i64, i64, Millis)>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT v.post_id, v.user_id, v.created_at FROM votes v JOIN posts p ON p.id = v.post_id \
             WHERE p.product_id = $1 AND p.id >= $2 AND p.merged_into IS NULL AND p.status IN {OPEN}"
        )))
        .bind(product_id)
        .bind(from_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("post_id")?, r.try_get("user_id")?, r.try_get("created_at")?)))
            .collect()
    }

    /// Replaces the product's demands with `demands`, atomically.
    pub async fn replace_demands(
        &self,
        product_id: i64,
        demands: &[NewDemand],
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM demands WHERE product_id = $1").bind(product_id).execute(&mut *tx).await?;
        for d in demands {
            let keywords = serde_json::to_string(&d.keywords).unwrap_or_else(|_| "[]".into());
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO demands (product_id, keywords, fans, fans_week, votes, computed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(product_id)
            .bind(keywords)
            .bind(d.fans)
            .bind(d.fans_week)
            .bind(d.votes)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for post_id in &d.post_ids {
                sqlx::query("INSERT INTO demand_posts (demand_id, post_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(post_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// The top demands of a product (or of all products), by fans this week, then by all
    /// fans.
    pub async fn top_demands(&self, product_id: Option<i64>, limit: i64) -> StoreResult<Vec<Demand>> {
        let filter = if product_id.is_some() { "WHERE d.product_id = $2" } else { "WHERE $2 = $2" };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT d.id, pr.slug, pr.name, d.keywords, d.fans, d.fans_week, d.votes, d.computed_at \
             FROM demands d JOIN products pr ON pr.id = d.product_id {filter} \
             ORDER BY d.fans_week DESC, d.fans DESC, d.id LIMIT $1"
        )))
        .bind(limit)
        .bind(product_id.unwrap_or(0))
        .fetch_all(&self.read)
        .await?;
        let mut demands = rows
            .iter()
            .map(|r| {
                let keywords: String = r.try_get("keywords")?;
                Ok(Demand {
                    id: r.try_get("id")?,
                    product_slug: r.try_get("slug")?,
                    product_name: r.try_get("name")?,
                    keywords: serde_json::from_str(&keywords).unwrap_or_default(),
                    fans: r.try_get("fans")?,
                    fans_week: r.try_get("fans_week")?,
                    votes: r.try_get("votes")?,
                    computed_at: r.try_get("computed_at")?,
                    posts: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        if demands.is_empty() {
            return Ok(demands);
        }
        let placeholders = crate::placeholders(1, demands.len());
        let sql = format!(
            "SELECT dp.demand_id, p.id, p.title, p.votes, p.status FROM demand_posts dp \
             JOIN posts p ON p.id = dp.post_id WHERE dp.demand_id IN ({placeholders}) ORDER BY p.votes DESC, p.id"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for d in &demands {
            q = q.bind(d.id);
        }
        for r in q.fetch_all(&self.read).await? {
            let demand_id: i64 = r.try_get("demand_id")?;
            let status: String = r.try_get("status")?;
            let post = DemandPost {
                id: r.try_get("id")?,
                title: r.try_get("title")?,
                votes: r.try_get("votes")?,
                status: PostStatus::parse(&status).map_err(crate::posts::decode_err)?,
            };
            if let Some(d) = demands.iter_mut().find(|d| d.id == demand_id) {
                d.posts.push(post);
            }
        }
        Ok(demands)
    }
}
