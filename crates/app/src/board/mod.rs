//! The co-creation board: posts, votes, comments, statuses, search, similar posts and merges.
//! The JSON API and the HTML forms both call these, so validation, permission checks, rate
//! limits and search indexing cannot drift apart.

pub mod follow;
pub mod merge;
pub mod similar;

use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::ratelimit::limit;
use crate::{App, beta, policy};
use canyu_core::media::{MAX_IMAGES_PER_COMMENT, MAX_IMAGES_PER_POST};
use canyu_core::{Body, ErrorCode, PostKind, PostStatus, Role, Tag, Title};
use canyu_store::{Comment, MediaOwner, NewPost, Post, PostFilter, PostPage, StatusChange, VoteOutcome};
pub use canyu_text::{MAX_OFFSET, SearchHit};
use canyu_text::{PostDoc, SearchQuery};

pub struct PostInput {
    pub product: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    /// Post to the product's beta board (members and the team only).
    pub beta: bool,
    /// The fan's uploads to show with the post, in order (see [`crate::media`]).
    pub images: Vec<i64>,
}

pub async fn create_post(app: &App, auth: &Auth, input: PostInput) -> AppResult<Post> {
    let title = Title::parse(&input.title)?;
    let body = Body::parse(&input.body)?;
    let kind = PostKind::parse(&input.kind)?;
    let tags: Vec<String> = Tag::parse_list(&input.tags)?.iter().map(|t| t.as_str().to_string()).collect();
    let product = app.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    if input.beta && !beta::can_see_beta(app, Some(auth), product.id).await? {
        return Err(ErrorCode::BetaMembersOnly.into());
    }
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    crate::media::check_attachable(app, auth, &input.images, MAX_IMAGES_PER_POST).await?;
    let post = app
        .store
        .create_post(NewPost {
            product_id: product.id,
            author_id: auth.user.id,
            kind,
            title: title.as_str(),
            body: body.as_str(),
            tags: &tags,
            beta: input.beta,
            created_at: app.now(),
        })
        .await?;
    crate::media::attach(app, auth, &input.images, MediaOwner::Post(post.id)).await?;
    index_post(app, &post).await;
    app.cache.invalidate();
    tracing::info!(post = post.id, product = %product.slug, user = auth.user.id, "post created");
    Ok(post)
}

/// Puts the post into the search index and waits until it is searchable. The database has
/// the post already; if indexing fails, `canyu reindex` repairs the projection, so the
/// request still succeeds. Beta-board posts stay out: search and suggestions are public.
pub async fn index_post(app: &App, post: &Post) {
    if post.beta {
        return;
    }
    let ticket = app.search.upsert(PostDoc {
        post_id: post.id,
        product_id: post.product_id,
        title: post.title.clone(),
        body: post.body.clone(),
        created_at: post.created_at,
    });
    match tokio::task::spawn_blocking(move || ticket.wait()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(post = post.id, error = %e, "indexing failed; run `canyu reindex`"),
        Err(e) => tracing::error!(post = post.id, error = %e, "indexing task failed"),
    }
}

/// The post a fan acts on: one they may see, on the board (not hidden or deleted).
async fn post_to_act_on(app: &App, auth: &Auth, post_id: i64) -> AppResult<Post> {
    let post = app.store.post(post_id).await?.ok_or(ErrorCode::PostNotFound)?;
    beta::ensure_post_visible(app, Some(auth), &post).await?;
    Ok(post)
}

pub async fn vote(app: &App, auth: &Auth, post_id: i64) -> AppResult<VoteOutcome> {
    limit(app, format!("vote:{}", auth.user.id), app.config.writes_per_minute)?;
    if !post_to_act_on(app, auth, post_id).await?.is_listed() {
        return Err(ErrorCode::PostHidden.into());
    }
    Ok(app.store.vote(post_id, auth.user.id, app.now()).await?)
}

pub async fn unvote(app: &App, auth: &Auth, post_id: i64) -> AppResult<VoteOutcome> {
    limit(app, format!("vote:{}", auth.user.id), app.config.writes_per_minute)?;
    if !post_to_act_on(app, auth, post_id).await?.is_listed() {
        return Err(ErrorCode::PostHidden.into());
    }
    Ok(app.store.unvote(post_id, auth.user.id).await?)
}

/// A comment as written: its text, the comment it replies to (of the same post) and the
/// fan's uploads to show with it.
#[derive(Default)]
pub struct CommentInput<'a> {
    pub body: &'a str,
    pub reply_to: Option<i64>,
    pub images: &'a [i64],
}

/// Comments by moderators and staff are marked official: the brand's answer.
pub async fn comment(app: &App, auth: &Auth, post_id: i64, input: CommentInput<'_>) -> AppResult<Comment> {
    let body = Body::parse_comment(input.body)?;
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    let post = post_to_act_on(app, auth, post_id).await?;
    policy::ensure_can_comment(auth, &post)?;
    crate::media::check_attachable(app, auth, input.images, MAX_IMAGES_PER_COMMENT).await?;
    let official = auth.user.role.can_triage();
    let comment = app
        .store
        .add_comment(post_id, auth.user.id, body.as_str(), official, input.reply_to, app.now())
        .await?;
    crate::media::attach(app, auth, input.images, MediaOwner::Comment(comment.id)).await?;
    app.cache.invalidate();
    Ok(comment)
}

pub const NOTE_MAX_CHARS: usize = 1_000;

pub async fn change_status(
    app: &App,
    auth: &Auth,
    post_id: i64,
    status: &str,
    note: Option<&str>,
) -> AppResult<StatusChange> {
    auth.require(Role::Moderator)?;
    let to = PostStatus::parse(status)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS) {
        return Err(AppError::new(ErrorCode::CommentTooLong));
    }
    let change = app.store.change_status(post_id, auth.user.id, to, note, app.now()).await?;
    app.cache.invalidate();
    tracing::info!(
        post = post_id,
        from = change.from.as_str(),
        to = change.to.as_str(),
        by = auth.user.id,
        "status changed"
    );
    Ok(change)
}

/// What a search found: the posts of this page with their highlights, how many match in
/// all, and how many words were searched for (with more than one and nothing found, asking
/// for any of them may help).
pub struct Found {
    pub total: usize,
    pub words: usize,
    pub hits: Vec<(Post, SearchHit)>,
}

/// What a search is narrowed to and how its results are ordered.
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchFilter<'a> {
    pub product_id: Option<i64>,
    pub status: Option<PostStatus>,
    pub kind: Option<PostKind>,
    pub tag: Option<&'a str>,
    /// `None`: the best matches first.
    pub sort: Option<canyu_store::Sort>,
    /// Match any of the words instead of all of them.
    pub any: bool,
}

/// Filtered or re-sorted searches look at this many best matches: past it a result is too
/// weak a match to be worth sorting by votes or time.
pub const SORTED_SEARCH_CAP: usize = 1_000;

/// Full-text search: the index finds ids, the database supplies the current rows. Every word
/// of `text` must match, unless `filter.any`. With a status, kind or tag, or another order
/// than relevance, the best [`SORTED_SEARCH_CAP`] matches are filtered and sorted by the
/// database's current rows, then this page of them is highlighted.
pub async fn search(
    app: &App,
    text: &str,
    filter: &SearchFilter<'_>,
    limit: usize,
    offset: usize,
) -> AppResult<Found> {
    let index = app.search.clone();
    let owned = text.to_string();
    let (product_id, any) = (filter.product_id, filter.any);
    let plain =
        filter.status.is_none() && filter.kind.is_none() && filter.tag.is_none() && filter.sort.is_none();
    if plain {
        let results = tokio::task::spawn_blocking(move || {
            index.search(&SearchQuery { text: &owned, product_id, limit, offset, any })
        })
        .await??;
        let ids: Vec<i64> = results.hits.iter().map(|h| h.post_id).collect();
        let posts = app.store.posts_by_ids(&ids).await?;
        let mut out = Vec::with_capacity(posts.len());
        // A post hidden or deleted a moment ago may still be in the index.
        for hit in results.hits {
            if let Some(post) = posts.iter().find(|p| p.id == hit.post_id && p.is_listed()) {
                out.push((post.clone(), hit));
            }
        }
        return Ok(Found { total: results.total, words: results.words, hits: out });
    }
    let (_, ids, words) = tokio::task::spawn_blocking(move || {
        index.matching_ids(
            &SearchQuery { text: &owned, product_id, limit: 0, offset: 0, any },
            SORTED_SEARCH_CAP,
        )
    })
    .await??;
    let mut posts: Vec<Post> = app
        .store
        .posts_by_ids(&ids)
        .await?
        .into_iter()
        .filter(|p| {
            p.is_listed()
                && filter.status.is_none_or(|s| p.status == s)
                && filter.kind.is_none_or(|k| p.kind == k)
                && filter.tag.is_none_or(|t| p.tags.iter().any(|pt| pt == t))
        })
        .collect();
    // posts_by_ids keeps the index's order: relevance. Ties keep it too (the sort is stable).
    match filter.sort {
        None => {}
        Some(canyu_store::Sort::Hot) => posts.sort_by(|a, b| b.hot.total_cmp(&a.hot)),
        Some(canyu_store::Sort::New) => posts.sort_by_key(|p| std::cmp::Reverse(p.created_at)),
        Some(canyu_store::Sort::Top) => posts.sort_by_key(|p| std::cmp::Reverse(p.votes)),
        Some(canyu_store::Sort::Oldest) => posts.sort_by_key(|p| p.created_at),
    }
    let total = posts.len();
    let page: Vec<Post> = posts.into_iter().skip(offset).take(limit).collect();
    let index = app.search.clone();
    let owned = text.to_string();
    let hits = tokio::task::spawn_blocking(move || {
        page.into_iter()
            .map(|post| {
                let (title_html, snippet_html) = index.highlight(&owned, any, &post.title, &post.body);
                let hit = SearchHit { post_id: post.id, score: 0.0, title_html, snippet_html };
                (post, hit)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    Ok(Found { total, words, hits })
}

/// A first page of posts from the one-second read cache (later pages read the database).
pub async fn posts_page(app: &App, filter: &PostFilter<'_>) -> AppResult<std::sync::Arc<PostPage>> {
    app.cache.posts(&app.store, filter).await
}

/// Posts per status (of a product, or everywhere), from the one-second read cache.
pub async fn status_counts(
    app: &App,
    product_id: Option<i64>,
) -> AppResult<std::sync::Arc<Vec<(PostStatus, i64)>>> {
    app.cache.status_counts(&app.store, product_id).await
}

// ---- reads of the board: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn post(app: &App, id: i64) -> AppResult<Option<Post>> {
    Ok(app.store.post(id).await?)
}

/// A post's comments, oldest first, as the caller may read them: the text of a deleted
/// comment, or of a hidden one, is cleared for everyone but moderators (and, for a hidden
/// one, its author), so a thread keeps its shape.
pub async fn comments(app: &App, auth: Option<&Auth>, post_id: i64) -> AppResult<Vec<Comment>> {
    let moderator = auth.is_some_and(|a| a.user.role.can_triage());
    let mut comments = app.store.comments(post_id).await?;
    if !moderator {
        for c in &mut comments {
            let own = auth.is_some_and(|a| a.user.id == c.author_id);
            if c.deleted_at.is_some() || (c.hidden_at.is_some() && !own) {
                c.body.clear();
            }
        }
    }
    Ok(comments)
}

/// One comment, when the caller may see it and its post (a withdrawn one: moderators only).
pub async fn comment_by_id(app: &App, auth: Option<&Auth>, id: i64) -> AppResult<Comment> {
    let comment = app.store.comment_by_id(id).await?.ok_or(ErrorCode::CommentNotFound)?;
    let post = app.store.post(comment.post_id).await?.ok_or(ErrorCode::CommentNotFound)?;
    let moderator = auth.is_some_and(|a| a.user.role.can_triage());
    let visible = beta::ensure_post_visible(app, auth, &post).await.is_ok();
    if !visible || (comment.deleted_at.is_some() && !moderator) {
        return Err(ErrorCode::CommentNotFound.into());
    }
    Ok(comment)
}

pub async fn status_history(app: &App, post_id: i64) -> AppResult<Vec<StatusChange>> {
    Ok(app.store.status_history(post_id).await?)
}

/// Puts a post into the search index, or takes it out when it is no longer on the public
/// board (hidden, deleted, merged, on a beta board).
pub async fn sync_index(app: &App, post: &Post) {
    if post.is_listed() && !post.beta && post.merged_into.is_none() {
        index_post(app, post).await;
        return;
    }
    let ticket = app.search.delete(post.id);
    match tokio::task::spawn_blocking(move || ticket.wait()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(post = post.id, error = %e, "unindexing failed; run `canyu reindex`"),
        Err(e) => tracing::error!(post = post.id, error = %e, "unindexing task failed"),
    }
}

/// The product's pinned posts, newest pin first.
pub async fn pinned(app: &App, product_id: i64) -> AppResult<Vec<Post>> {
    let ids = app.store.pinned_posts(product_id).await?;
    Ok(app.store.posts_by_ids(&ids).await?)
}

pub async fn has_voted(app: &App, post_id: i64, user_id: i64) -> AppResult<bool> {
    Ok(app.store.has_voted(post_id, user_id).await?)
}

pub async fn voted_among(app: &App, user_id: i64, post_ids: &[i64]) -> AppResult<Vec<i64>> {
    Ok(app.store.voted_among(user_id, post_ids).await?)
}

pub async fn posts_by_ids(app: &App, ids: &[i64]) -> AppResult<Vec<Post>> {
    Ok(app.store.posts_by_ids(ids).await?)
}

pub async fn list_posts(app: &App, filter: &PostFilter<'_>) -> AppResult<PostPage> {
    Ok(app.store.list_posts(filter).await?)
}

pub async fn merged_posts(app: &App, target_id: i64) -> AppResult<Vec<canyu_store::MergedPost>> {
    Ok(app.store.merged_posts(target_id).await?)
}
