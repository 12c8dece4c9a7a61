use crate::notifications::{Audience, Event, NotificationKind};
use crate::{Backend, Store, StoreResult};
use canyu_core::hot::hot_score;
use canyu_core::points::Reason;
use canyu_core::{ErrorCode, Millis, PostKind, PostStatus, Role};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row};

#[derive(Clone, Debug)]
pub struct Post {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub product_name: String,
    /// The product's ecosystem category (`phone`, `car`, `home`…).
    pub product_category: String,
    pub author_id: i64,
    pub author_handle: String,
    pub author_role: Role,
    /// The author's official title when an admin made the account an official voice.
    pub author_title: Option<String>,
    /// Since when the author has owned the post's product (人车家; `None`: not an owner).
    pub author_owner_since: Option<Millis>,
    pub kind: PostKind,
    pub title: String,
    pub body: String,
    pub status: PostStatus,
    pub votes: i64,
    pub comments: i64,
    pub hot: f64,
    pub tags: Vec<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Set when the post was merged into another (its status is then `duplicate`).
    pub merged_into: Option<i64>,
    /// On the product's beta board: visible to beta members and the product's staff only.
    pub beta: bool,
    /// When its author (or a moderator on their behalf) last edited it.
    pub edited_at: Option<Millis>,
    /// Withdrawn by its author or a moderator: seen by moderators only.
    pub deleted_at: Option<Millis>,
    /// Hidden by a moderator: seen by its author (with the reason) and moderators only.
    pub hidden_at: Option<Millis>,
    pub hidden_reason: Option<String>,
    /// Locked: only moderators comment or edit.
    pub locked_at: Option<Millis>,
    /// Pinned to the top of its product's board.
    pub pinned_at: Option<Millis>,
}

impl Post {
    /// Whether the post is on the public board (neither hidden nor deleted).
    pub fn is_listed(&self) -> bool {
        self.hidden_at.is_none() && self.deleted_at.is_none()
    }
}

/// The rows the public board shows and counts: not on a beta board, not hidden, not deleted.
pub(crate) const LISTED: &str = "beta = 0 AND hidden_at IS NULL AND deleted_at IS NULL";

/// A status change to record, inside the caller's transaction.
pub(crate) struct StatusMove<'a> {
    pub post_id: i64,
    pub product_id: i64,
    pub from: PostStatus,
    pub to: PostStatus,
    pub actor_id: i64,
    pub note: Option<&'a str>,
    pub now: Millis,
}

pub struct NewPost<'a> {
    pub product_id: i64,
    pub author_id: i64,
    pub kind: PostKind,
    pub title: &'a str,
    pub body: &'a str,
    pub tags: &'a [String],
    /// Posted to the beta board (the caller checked membership).
    pub beta: bool,
    pub created_at: Millis,
}

/// Details of bulk-loaded posts (demo data, imports), by post id.
pub struct BulkDetails {
    pub tags: Vec<(i64, String)>,
    pub votes: Vec<BulkVote>,
    pub comments: Vec<BulkComment>,
    pub history: Vec<BulkStatusChange>,
}

pub struct BulkVote {
    pub post_id: i64,
    pub user_id: i64,
    pub at: Millis,
}

pub struct BulkComment {
    pub post_id: i64,
    pub author_id: i64,
    pub body: String,
    pub official: bool,
    pub at: Millis,
}

pub struct BulkStatusChange {
    pub post_id: i64,
    pub from: PostStatus,
    pub to: PostStatus,
    pub actor_id: i64,
    pub note: Option<String>,
    pub at: Millis,
}

/// What the search index needs of a post.
pub struct IndexRow {
    pub id: i64,
    pub product_id: i64,
    pub title: String,
    pub body: String,
    pub created_at: Millis,
}

/// A post for bulk loading (demo data, benchmarks), with its counters precomputed.
pub struct BulkPost {
    pub product_id: i64,
    pub author_id: i64,
    pub kind: PostKind,
    pub title: String,
    pub body: String,
    pub status: PostStatus,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct Comment {
    pub id: i64,
    pub post_id: i64,
    pub author_id: i64,
    pub author_handle: String,
    pub author_role: Role,
    /// The author's official title when an admin made the account an official voice.
    pub author_title: Option<String>,
    /// Since when the author has owned the product of the post (人车家; `None`: not an owner).
    pub author_owner_since: Option<Millis>,
    pub body: String,
    pub official: bool,
    pub created_at: Millis,
    /// The comment this one replies to.
    pub parent_id: Option<i64>,
    pub edited_at: Option<Millis>,
    /// Withdrawn by its author or a moderator; the body is kept for moderators only.
    pub deleted_at: Option<Millis>,
    /// Hidden by a moderator.
    pub hidden_at: Option<Millis>,
}

impl Comment {
    /// Whether everyone may read its text.
    pub fn is_shown(&self) -> bool {
        self.hidden_at.is_none() && self.deleted_at.is_none()
    }
}

#[derive(Clone, Debug)]
pub struct StatusChange {
    pub id: i64,
    pub post_id: i64,
    pub from: PostStatus,
    pub to: PostStatus,
    pub actor_handle: String,
    pub note: Option<String>,
    pub created_at: Millis,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteOutcome {
    pub votes: i64,
    /// False when the request repeated the current state (a second vote, an unvote without a vote).
    pub changed: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Sort {
    #[default]
    Hot,
    New,
    Top,
    /// Oldest first: the order of a triage queue.
    Oldest,
}

impl Sort {
    pub fn parse(raw: &str) -> Result<Sort, ErrorCode> {
        match raw {
            "hot" => Ok(Sort::Hot),
            "new" => Ok(Sort::New),
            "top" => Ok(Sort::Top),
            "oldest" => Ok(Sort::Oldest),
            _ => Err(ErrorCode::InvalidSort),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Hot => "hot",
            Sort::New => "new",
            Sort::Top => "top",
            Sort::Oldest => "oldest",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct PostFilter<'a> {
    pub product_id: Option<i64>,
    pub status: Option<PostStatus>,
    pub kind: Option<PostKind>,
    pub tag: Option<&'a str>,
    pub author_id: Option<i64>,
    /// The beta board instead of the public one. The default lists public posts only, so
    /// no listing shows beta posts unless asked to (and the caller checked membership).
    pub beta: bool,
    /// Only posts whose authors own the post's product (人车家).
    pub owners_only: bool,
    pub sort: Sort,
    /// An opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<&'a str>,
    pub limit: u32,
}

pub struct PostPage {
    pub items: Vec<Post>,
    pub next_cursor: Option<String>,
}

const POST_SELECT: &str = "SELECT p.id, p.product_id, pr.slug AS product_slug, pr.name AS product_name, \
     cat.slug AS product_category, \
     p.author_id, u.handle AS author_handle, u.role AS author_role, u.official_title AS author_title, p.kind, p.title, p.body, \
     p.status, p.votes, p.comments, p.hot, p.created_at, p.updated_at, p.merged_into, p.beta, \
     p.edited_at, p.deleted_at, p.hidden_at, p.hidden_reason, p.locked_at, p.pinned_at, \
     (SELECT MIN(d.owned_since) FROM owned_devices d WHERE d.owner_id = p.author_id \
      AND d.product_id = p.product_id) AS author_owner_since \
     FROM posts p JOIN users u ON u.id = p.author_id JOIN products pr ON pr.id = p.product_id \
     JOIN categories cat ON cat.id = pr.category_id";

pub(crate) const COMMENT_SELECT: &str = "SELECT c.id, c.post_id, c.author_id, u.handle, u.role, u.official_title AS author_title, c.body, \
     c.official, c.created_at, c.parent_id, c.edited_at, c.deleted_at, c.hidden_at, \
     (SELECT MIN(d.owned_since) FROM owned_devices d JOIN posts op ON op.id = c.post_id \
      WHERE d.owner_id = c.author_id AND d.product_id = op.product_id) AS author_owner_since \
     FROM comments c JOIN users u ON u.id = c.author_id";

pub(crate) fn decode_err(e: ErrorCode) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

fn post_from_row(r: &AnyRow) -> Result<Post, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    let status: String = r.try_get("status")?;
    let role: String = r.try_get("author_role")?;
    Ok(Post {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("product_slug")?,
        product_name: r.try_get("product_name")?,
        product_category: r.try_get("product_category")?,
        author_id: r.try_get("author_id")?,
        author_handle: r.try_get("author_handle")?,
        author_role: Role::parse(&role).map_err(decode_err)?,
        author_owner_since: r.try_get("author_owner_since")?,
        author_title: r.try_get("author_title")?,
        kind: PostKind::parse(&kind).map_err(decode_err)?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        status: PostStatus::parse(&status).map_err(decode_err)?,
        votes: r.try_get("votes")?,
        comments: r.try_get("comments")?,
        hot: r.try_get("hot")?,
        tags: Vec::new(),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        merged_into: r.try_get("merged_into")?,
        beta: r.try_get::<i64, _>("beta")? != 0,
        edited_at: r.try_get("edited_at")?,
        deleted_at: r.try_get("deleted_at")?,
        hidden_at: r.try_get("hidden_at")?,
        hidden_reason: r.try_get("hidden_reason")?,
        locked_at: r.try_get("locked_at")?,
        pinned_at: r.try_get("pinned_at")?,
    })
}

/// A value to bind into a query assembled at run time.
enum Arg<'a> {
    Int(i64),
    Float(f64),
    Text(&'a str),
}

/// Appends a bind value and returns its placeholder.
fn next<'a>(args: &mut Vec<Arg<'a>>, a: Arg<'a>) -> String {
    args.push(a);
    format!("${}", args.len())
}

fn bind_all<'q>(mut q: Query<'q, Any, AnyArguments>, args: &'q [Arg<'q>]) -> Query<'q, Any, AnyArguments> {
    for a in args {
        q = match a {
            Arg::Int(v) => q.bind(*v),
            Arg::Float(v) => q.bind(*v),
            Arg::Text(v) => q.bind(*v),
        };
    }
    q
}

/// The position of the last row of a page in its sort order: `<key>_<id>`.
fn encode_cursor(sort: Sort, post: &Post) -> String {
    match sort {
        Sort::Hot => format!("{:?}_{}", post.hot, post.id),
        Sort::New | Sort::Oldest => format!("{}_{}", post.created_at, post.id),
        Sort::Top => format!("{}_{}", post.votes, post.id),
    }
}

fn decode_cursor(sort: Sort, raw: &str) -> Result<(Arg<'static>, i64), ErrorCode> {
    let (key, id) = raw.rsplit_once('_').ok_or(ErrorCode::InvalidCursor)?;
    let id: i64 = id.parse().map_err(|_| ErrorCode::InvalidCursor)?;
    let key = match sort {
        Sort::Hot => {
            Arg::Float(key.parse::<f64>().ok().filter(|f| f.is_finite()).ok_or(ErrorCode::InvalidCursor)?)
        }
        _ => Arg::Int(key.parse().map_err(|_| ErrorCode::InvalidCursor)?),
    };
    Ok((key, id))
}

impl Store {
    pub async fn create_post(&self, new: NewPost<'_>) -> StoreResult<Post> {
        let mut tx = self.write.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO posts (product_id, author_id, kind, title, body, status, votes, comments, \
             hot, created_at, updated_at, beta) VALUES ($1, $2, $3, $4, $5, 'new', 0, 0, $6, $7, $7, $8) \
             RETURNING id",
        )
        .bind(new.product_id)
        .bind(new.author_id)
        .bind(new.kind.as_str())
        .bind(new.title)
        .bind(new.body)
        .bind(hot_score(0, new.created_at))
        .bind(new.created_at)
        .bind(i64::from(new.beta))
        .fetch_one(&mut *tx)
        .await?;
        // The counters are public (board tabs, product and site totals); beta-board posts
        // are for members only and are not counted.
        if !new.beta {
            Self::bump_status_count(&mut tx, new.product_id, PostStatus::New, 1).await?;
        }
        Self::award(
            &mut tx,
            new.author_id,
            Some(new.product_id),
            Reason::PostCreated,
            &format!("post:{id}"),
            new.created_at,
        )
        .await?;
        let data = serde_json::json!({ "title": new.title, "kind": new.kind.as_str() });
        Self::enqueue_webhooks(&mut tx, "post.created", &format!("post:{id}"), id, &data, new.created_at)
            .await?;
        for tag in new.tags {
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2)")
                .bind(id)
                .bind(tag.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.post(id).await?.ok_or_else(|| ErrorCode::PostNotFound.into())
    }

    pub async fn post(&self, id: i64) -> StoreResult<Option<Post>> {
        let row = sqlx::query(AssertSqlSafe(format!("{POST_SELECT} WHERE p.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut posts = vec![post_from_row(&row)?];
        self.attach_tags(&mut posts).await?;
        Ok(posts.pop())
    }

    /// Posts by id, in the order of `ids`; missing ids are skipped.
    pub async fn posts_by_ids(&self, ids: &[i64]) -> StoreResult<Vec<Post>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = crate::placeholders(1, ids.len());
        let sql = format!("{POST_SELECT} WHERE p.id IN ({placeholders})");
        let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&self.read).await?;
        let mut posts = rows.iter().map(post_from_row).collect::<Result<Vec<_>, _>>()?;
        posts.sort_by_key(|p| ids.iter().position(|i| *i == p.id));
        self.attach_tags(&mut posts).await?;
        Ok(posts)
    }

    async fn attach_tags(&self, posts: &mut [Post]) -> StoreResult<()> {
        if posts.is_empty() {
            return Ok(());
        }
        let placeholders = crate::placeholders(1, posts.len());
        let sql =
            format!("SELECT post_id, tag FROM post_tags WHERE post_id IN ({placeholders}) ORDER BY tag");
        let mut query = sqlx::query(AssertSqlSafe(sql.clone()));
        for p in posts.iter() {
            query = query.bind(p.id);
        }
        for row in query.fetch_all(&self.read).await? {
            let post_id: i64 = row.try_get("post_id")?;
            let tag: String = row.try_get("tag")?;
            if let Some(p) = posts.iter_mut().find(|p| p.id == post_id) {
                p.tags.push(tag);
            }
        }
        Ok(())
    }

    /// One page of posts in the filter's order, with the cursor of the next page.
    pub async fn list_posts(&self, f: &PostFilter<'_>) -> StoreResult<PostPage> {
        let limit = f.limit.clamp(1, 100);
        let mut conditions: Vec<String> = vec![
            format!("p.beta = {}", i64::from(f.beta)),
            "p.hidden_at IS NULL AND p.deleted_at IS NULL".into(),
        ];
        let mut args: Vec<Arg<'_>> = Vec::new();
        if let Some(product) = f.product_id {
            let p = next(&mut args, Arg::Int(product));
            conditions.push(format!("p.product_id = {p}"));
        }
        if let Some(author) = f.author_id {
            let p = next(&mut args, Arg::Int(author));
            conditions.push(format!("p.author_id = {p}"));
        }
        if let Some(status) = f.status {
            let p = next(&mut args, Arg::Text(status.as_str()));
            conditions.push(format!("p.status = {p}"));
        }
        if let Some(kind) = f.kind {
            let p = next(&mut args, Arg::Text(kind.as_str()));
            conditions.push(format!("p.kind = {p}"));
        }
        if f.owners_only {
            conditions.push(
                "EXISTS (SELECT 1 FROM owned_devices d WHERE d.owner_id = p.author_id AND d.product_id = p.product_id)"
                    .to_string(),
            );
        }
        let (key_col, dir) = match f.sort {
            Sort::Hot => ("p.hot", "DESC"),
            Sort::New => ("p.created_at", "DESC"),
            Sort::Top => ("p.votes", "DESC"),
            Sort::Oldest => ("p.created_at", "ASC"),
        };
        if let Some(cursor) = f.cursor {
            let (key, id) = decode_cursor(f.sort, cursor)?;
            let k = next(&mut args, key);
            let i = next(&mut args, Arg::Int(id));
            let cmp = if dir == "DESC" { "<" } else { ">" };
            conditions.push(format!("({key_col}, p.id) {cmp} ({k}, {i})"));
        }
        if let Some(tag) = f.tag {
            let p = next(&mut args, Arg::Text(tag));
            conditions
                .push(format!("EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = {p})"));
        }
        let mut sql = String::from(POST_SELECT);
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY {key_col} {dir}, p.id {dir} LIMIT {}", limit + 1));
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql.clone())), &args).fetch_all(&self.read).await?;
        let mut items = rows.iter().map(post_from_row).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|p| encode_cursor(f.sort, p))
        } else {
            None
        };
        self.attach_tags(&mut items).await?;
        Ok(PostPage { items, next_cursor })
    }

    /// Counts posts per status for a product (or all products), from the maintained counters.
    pub async fn status_counts(&self, product_id: Option<i64>) -> StoreResult<Vec<(PostStatus, i64)>> {
        let rows = match product_id {
            Some(p) => {
                sqlx::query("SELECT status, n FROM product_status_counts WHERE product_id = $1 AND n > 0")
                    .bind(p)
                    .fetch_all(&self.read)
                    .await?
            }
            None => {
                sqlx::query(
                    "SELECT status, CAST(SUM(n) AS BIGINT) AS n FROM product_status_counts \
                     GROUP BY status HAVING SUM(n) > 0",
                )
                .fetch_all(&self.read)
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok((PostStatus::parse(&s).map_err(decode_err)?, r.try_get("n")?))
            })
            .collect()
    }

    /// Moves a product's per-status counter, inside the caller's transaction.
    pub(crate) async fn bump_status_count(
        tx: &mut sqlx::Transaction<'static, Any>,
        product_id: i64,
        status: PostStatus,
        delta: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO product_status_counts (product_id, status, n) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, status) DO UPDATE SET n = product_status_counts.n + excluded.n",
        )
        .bind(product_id)
        .bind(status.as_str())
        .bind(delta)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Recomputes every product's per-status counters from the posts (after bulk loads).
    pub async fn recount_products(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("DELETE FROM product_status_counts").execute(&mut *tx).await?;
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO product_status_counts (product_id, status, n) \
             SELECT product_id, status, COUNT(*) FROM posts WHERE {LISTED} GROUP BY product_id, status"
        )))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn post_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM product_status_counts")
            .fetch_one(&self.read)
            .await?)
    }

    pub async fn vote_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM votes").fetch_one(&self.read).await?)
    }

    /// Casts the user's vote. Voting twice changes nothing: the primary key of `votes` is the
    /// (post, user) pair and the counter moves only when a row was inserted.
    pub async fn vote(&self, post_id: i64, user_id: i64, now: Millis) -> StoreResult<VoteOutcome> {
        let mut tx = self.write.begin().await?;
        let (current, product_id) = Self::open_for_votes(&mut tx, post_id).await?;
        let inserted = sqlx::query(
            "INSERT INTO votes (post_id, user_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (post_id, user_id) DO NOTHING",
        )
        .bind(post_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.commit().await?;
            return Ok(VoteOutcome { votes: current, changed: false });
        }
        let votes = self.bump_votes(&mut tx, post_id, 1).await?;
        Self::award(&mut tx, user_id, Some(product_id), Reason::VoteCast, &format!("post:{post_id}"), now)
            .await?;
        tx.commit().await?;
        Ok(VoteOutcome { votes, changed: true })
    }

    /// A post's vote count and product, refusing posts that were merged away: their
    /// votes live on the post they were merged into.
    async fn open_for_votes(
        tx: &mut sqlx::Transaction<'static, Any>,
        post_id: i64,
    ) -> StoreResult<(i64, i64)> {
        let row = sqlx::query("SELECT votes, product_id, merged_into FROM posts WHERE id = $1")
            .bind(post_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(ErrorCode::PostNotFound)?;
        let merged_into: Option<i64> = row.try_get("merged_into")?;
        if merged_into.is_some() {
            return Err(ErrorCode::PostMerged.into());
        }
        Ok((row.try_get("votes")?, row.try_get("product_id")?))
    }

    /// Takes a fan's vote back. The points the vote earned stay: the ledger is append-only,
    /// and each post pays for a vote once however often it is re-cast.
    pub async fn unvote(&self, post_id: i64, user_id: i64) -> StoreResult<VoteOutcome> {
        let mut tx = self.write.begin().await?;
        let (current, _) = Self::open_for_votes(&mut tx, post_id).await?;
        let deleted = sqlx::query("DELETE FROM votes WHERE post_id = $1 AND user_id = $2")
            .bind(post_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            tx.commit().await?;
            return Ok(VoteOutcome { votes: current, changed: false });
        }
        let votes = self.bump_votes(&mut tx, post_id, -1).await?;
        tx.commit().await?;
        Ok(VoteOutcome { votes, changed: true })
    }

    /// Moves the denormalised counter and the hot score together, inside the vote's transaction.
    pub(crate) async fn bump_votes(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        post_id: i64,
        delta: i64,
    ) -> StoreResult<i64> {
        let row =
            sqlx::query("UPDATE posts SET votes = votes + $1 WHERE id = $2 RETURNING votes, created_at")
                .bind(delta)
                .bind(post_id)
                .fetch_one(&mut **tx)
                .await?;
        let votes: i64 = row.try_get("votes")?;
        let created_at: i64 = row.try_get("created_at")?;
        sqlx::query("UPDATE posts SET hot = $1 WHERE id = $2")
            .bind(hot_score(votes, created_at))
            .bind(post_id)
            .execute(&mut **tx)
            .await?;
        Ok(votes)
    }

    pub async fn has_voted(&self, post_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM votes WHERE post_id = $1 AND user_id = $2")
            .bind(post_id)
            .bind(user_id)
            .fetch_one(&self.read)
            .await?;
        Ok(n > 0)
    }

    /// Which of `post_ids` the user has voted on.
    pub async fn voted_among(&self, user_id: i64, post_ids: &[i64]) -> StoreResult<Vec<i64>> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = crate::placeholders(2, post_ids.len());
        let sql = format!("SELECT post_id FROM votes WHERE user_id = $1 AND post_id IN ({placeholders})");
        let mut q = sqlx::query_scalar(AssertSqlSafe(sql.clone())).bind(user_id);
        for id in post_ids {
            q = q.bind(*id);
        }
        Ok(q.fetch_all(&self.read).await?)
    }

    /// Adds a comment (a reply when `parent_id` names a comment of the same post) and tells,
    /// once each: the replied-to comment's author, the post's author (an official reply says
    /// so) and the post's followers.
    pub async fn add_comment(
        &self,
        post_id: i64,
        author_id: i64,
        body: &str,
        official: bool,
        parent_id: Option<i64>,
        now: Millis,
    ) -> StoreResult<Comment> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "UPDATE posts SET comments = comments + 1, updated_at = $1 WHERE id = $2 \
             RETURNING merged_into, title",
        )
        .bind(now)
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(ErrorCode::PostNotFound)?;
        let merged_into: Option<i64> = row.try_get("merged_into")?;
        if merged_into.is_some() {
            // Dropping the transaction rolls the counter back.
            return Err(ErrorCode::PostMerged.into());
        }
        let title: String = row.try_get("title")?;
        let parent_author: Option<i64> = match parent_id {
            Some(parent) => Some(
                sqlx::query_scalar("SELECT author_id FROM comments WHERE id = $1 AND post_id = $2")
                    .bind(parent)
                    .bind(post_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(ErrorCode::CommentNotFound)?,
            ),
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (post_id, author_id, body, official, parent_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(post_id)
        .bind(author_id)
        .bind(body)
        .bind(i64::from(official))
        .bind(parent_id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        // One key for every notice of this comment: whoever is in several audiences hears
        // once, by the first (most specific) notice.
        let key = format!("comment:{id}");
        let data = serde_json::json!({ "title": title, "comment": id });
        if let Some(parent_author) = parent_author.filter(|a| *a != author_id) {
            Self::notify_user(
                &mut tx,
                parent_author,
                NotificationKind::CommentReply,
                &key,
                post_id,
                author_id,
                &data,
                now,
            )
            .await?;
        }
        if official {
            let event = Event {
                kind: NotificationKind::OfficialReply,
                key: &key,
                post_id,
                actor_id: author_id,
                data: data.clone(),
                now,
            };
            Self::notify_followers(&mut tx, &event, Audience::PostAuthor).await?;
        }
        let event =
            Event { kind: NotificationKind::NewComment, key: &key, post_id, actor_id: author_id, data, now };
        Self::notify_followers(&mut tx, &event, Audience::Followers).await?;
        tx.commit().await?;
        self.comment_by_id(id).await?.ok_or_else(|| ErrorCode::PostNotFound.into())
    }

    pub async fn comments(&self, post_id: i64) -> StoreResult<Vec<Comment>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{COMMENT_SELECT} WHERE c.post_id = $1 ORDER BY c.created_at, c.id"
        )))
        .bind(post_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(comment_from_row).collect::<Result<_, _>>()?)
    }

    /// Moves a post to `to`, recording who and why. The update is a compare-and-set on the
    /// status read, so two staff changing the same post at once cannot skip a rule.
    pub async fn change_status(
        &self,
        post_id: i64,
        actor_id: i64,
        to: PostStatus,
        note: Option<&str>,
        now: Millis,
    ) -> StoreResult<StatusChange> {
        let mut tx = self.write.begin().await?;
        let current =
            sqlx::query("SELECT status, product_id, merged_into, title, author_id FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(current) = current else {
            return Err(ErrorCode::PostNotFound.into());
        };
        let status: String = current.try_get("status")?;
        let product_id: i64 = current.try_get("product_id")?;
        let merged_into: Option<i64> = current.try_get("merged_into")?;
        let title: String = current.try_get("title")?;
        let author_id: i64 = current.try_get("author_id")?;
        if merged_into.is_some() {
            // Its status belongs to the merge: undo the merge to change it.
            return Err(ErrorCode::PostMerged.into());
        }
        let from = PostStatus::parse(&status).map_err(decode_err)?;
        from.transition(to)?;
        let moved =
            sqlx::query("UPDATE posts SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4")
                .bind(to.as_str())
                .bind(now)
                .bind(post_id)
                .bind(from.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if moved == 0 {
            return Err(ErrorCode::InvalidTransition.into());
        }
        let change = StatusMove { post_id, product_id, from, to, actor_id, note, now };
        let id = Self::record_status_change(&mut tx, &change).await?;
        let key = format!("status:{id}");
        let data = serde_json::json!({ "title": title, "from": from.as_str(), "to": to.as_str() });
        let event = Event { kind: NotificationKind::PostStatus, key: &key, post_id, actor_id, data, now };
        Self::notify_followers(&mut tx, &event, Audience::FollowersAndVoters).await?;
        let ref_key = format!("post:{post_id}");
        match to {
            PostStatus::Planned => {
                Self::award(&mut tx, author_id, Some(product_id), Reason::PostPlanned, &ref_key, now).await?;
            }
            PostStatus::Shipped => {
                Self::award(&mut tx, author_id, Some(product_id), Reason::PostShipped, &ref_key, now).await?;
                Self::award_voters(&mut tx, post_id, product_id, Reason::VotedPostShipped, &ref_key, now)
                    .await?;
            }
            _ => {}
        }
        tx.commit().await?;
        let history = self.status_history(post_id).await?;
        history.into_iter().find(|c| c.id == id).ok_or_else(|| ErrorCode::PostNotFound.into())
    }

    /// Moves the per-status counters and appends the history entry of a status change.
    pub(crate) async fn record_status_change(
        tx: &mut sqlx::Transaction<'static, Any>,
        change: &StatusMove<'_>,
    ) -> StoreResult<i64> {
        let counted: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT CASE WHEN {LISTED} THEN 1 ELSE 0 END FROM posts WHERE id = $1"
        )))
        .bind(change.post_id)
        .fetch_one(&mut **tx)
        .await?;
        if counted == 1 {
            Self::bump_status_count(tx, change.product_id, change.from, -1).await?;
            Self::bump_status_count(tx, change.product_id, change.to, 1).await?;
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO status_changes (post_id, from_status, to_status, actor_id, note, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(change.post_id)
        .bind(change.from.as_str())
        .bind(change.to.as_str())
        .bind(change.actor_id)
        .bind(change.note)
        .bind(change.now)
        .fetch_one(&mut **tx)
        .await?)
    }

    pub async fn status_history(&self, post_id: i64) -> StoreResult<Vec<StatusChange>> {
        let rows = sqlx::query(
            "SELECT s.id, s.post_id, s.from_status, s.to_status, u.handle, s.note, s.created_at \
             FROM status_changes s JOIN users u ON u.id = s.actor_id WHERE s.post_id = $1 \
             ORDER BY s.created_at, s.id",
        )
        .bind(post_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let from: String = r.try_get("from_status")?;
                let to: String = r.try_get("to_status")?;
                Ok(StatusChange {
                    id: r.try_get("id")?,
                    post_id: r.try_get("post_id")?,
                    from: PostStatus::parse(&from).map_err(decode_err)?,
                    to: PostStatus::parse(&to).map_err(decode_err)?,
                    actor_handle: r.try_get("handle")?,
                    note: r.try_get("note")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }

    // ---- bulk work: demo data, benchmarks, reindexing --------------------------------

    /// Inserts posts in multi-row statements inside one transaction; returns their ids in order.
    pub async fn insert_posts_bulk(&self, posts: &[BulkPost]) -> StoreResult<Vec<i64>> {
        const COLS: usize = 9;
        let per_statement = match self.backend {
            Backend::Sqlite => 500,
            Backend::Postgres => 1000,
        };
        let mut ids = Vec::with_capacity(posts.len());
        let mut tx = self.write.begin().await?;
        for chunk in posts.chunks(per_statement) {
            let first: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM posts").fetch_one(&mut *tx).await?;
            let values = (0..chunk.len())
                .map(|r| {
                    let b = r * COLS;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${}, 0, 0, ${}, ${}, ${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8,
                        b + 9
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO posts (product_id, author_id, kind, title, body, status, votes, \
                 comments, hot, created_at, updated_at) VALUES {values}"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
            for p in chunk {
                q = q
                    .bind(p.product_id)
                    .bind(p.author_id)
                    .bind(p.kind.as_str())
                    .bind(p.title.as_str())
                    .bind(p.body.as_str())
                    .bind(p.status.as_str())
                    .bind(hot_score(0, p.created_at))
                    .bind(p.created_at)
                    .bind(p.created_at);
            }
            q.execute(&mut *tx).await?;
            let new_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE id > $1 ORDER BY id")
                .bind(first)
                .fetch_all(&mut *tx)
                .await?;
            ids.extend(new_ids);
        }
        let mut counts: std::collections::BTreeMap<(i64, &str), i64> = Default::default();
        for p in posts {
            *counts.entry((p.product_id, p.status.as_str())).or_default() += 1;
        }
        for ((product_id, status), n) in counts {
            Self::bump_status_count(&mut tx, product_id, PostStatus::parse(status)?, n).await?;
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Sets tags, votes, comments and history of bulk-loaded posts and recomputes counters.
    pub async fn insert_post_details_bulk(&self, details: &BulkDetails) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        for (post, tag) in &details.tags {
            sqlx::query("INSERT INTO post_tags (post_id, tag) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(post)
                .bind(tag.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for chunk in details.votes.chunks(300) {
            let values = (0..chunk.len())
                .map(|r| format!("(${}, ${}, ${})", r * 3 + 1, r * 3 + 2, r * 3 + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO votes (post_id, user_id, created_at) VALUES {values} ON CONFLICT DO NOTHING"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
            for v in chunk {
                q = q.bind(v.post_id).bind(v.user_id).bind(v.at);
            }
            q.execute(&mut *tx).await?;
        }
        for c in &details.comments {
            sqlx::query(
                "INSERT INTO comments (post_id, author_id, body, official, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(c.post_id)
            .bind(c.author_id)
            .bind(c.body.as_str())
            .bind(i64::from(c.official))
            .bind(c.at)
            .execute(&mut *tx)
            .await?;
        }
        for h in &details.history {
            sqlx::query(
                "INSERT INTO status_changes (post_id, from_status, to_status, actor_id, note, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(h.post_id)
            .bind(h.from.as_str())
            .bind(h.to.as_str())
            .bind(h.actor_id)
            .bind(h.note.as_deref())
            .bind(h.at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE posts SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(h.to.as_str())
                .bind(h.at)
                .bind(h.post_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.recount_posts().await?;
        self.recount_products().await
    }

    /// Recomputes every post's vote and comment counters and hot score from the rows.
    pub async fn recount_posts(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE posts SET votes = (SELECT COUNT(*) FROM votes v WHERE v.post_id = posts.id), \
             comments = (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id)",
        )
        .execute(&mut *tx)
        .await?;
        let rows = sqlx::query("SELECT id, votes, created_at FROM posts WHERE votes > 0")
            .fetch_all(&mut *tx)
            .await?;
        for r in rows {
            let (id, votes, created): (i64, i64, i64) =
                (r.try_get("id")?, r.try_get("votes")?, r.try_get("created_at")?);
            sqlx::query("UPDATE posts SET hot = $1 WHERE id = $2")
                .bind(hot_score(votes, created))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The next batch of posts after `after_id`, in id order, for rebuilding the search index.
    /// Merged posts are left out: searches and suggestions lead to the post they were merged
    /// into. Beta posts are left out too: search and suggestions are public.
    pub async fn posts_for_index(&self, after_id: i64, limit: i64) -> StoreResult<Vec<IndexRow>> {
        let rows = sqlx::query(
            "SELECT id, product_id, title, body, created_at FROM posts WHERE id > $1 AND merged_into IS NULL AND beta = 0 AND hidden_at IS NULL AND deleted_at IS NULL \
             ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IndexRow {
                    id: r.try_get("id")?,
                    product_id: r.try_get("product_id")?,
                    title: r.try_get("title")?,
                    body: r.try_get("body")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect()
    }
}

pub(crate) fn comment_from_row(r: &AnyRow) -> Result<Comment, sqlx::Error> {
    let role: String = r.try_get("role")?;
    let official: i64 = r.try_get("official")?;
    Ok(Comment {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        author_id: r.try_get("author_id")?,
        author_handle: r.try_get("handle")?,
        author_role: Role::parse(&role).map_err(decode_err)?,
        author_owner_since: r.try_get("author_owner_since")?,
        author_title: r.try_get("author_title")?,
        body: r.try_get("body")?,
        official: official != 0,
        created_at: r.try_get("created_at")?,
        parent_id: r.try_get("parent_id")?,
        edited_at: r.try_get("edited_at")?,
        deleted_at: r.try_get("deleted_at")?,
        hidden_at: r.try_get("hidden_at")?,
    })
}
