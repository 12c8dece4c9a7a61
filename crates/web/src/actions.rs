//! What people do on the board, once: the JSON API and the HTML forms both call these, so
//! validation, permission checks, rate limits and search indexing cannot drift apart.

use crate::auth::{Auth, hash_password, verify_password};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use canyu_core::user::parse_email;
use canyu_core::{Body, ErrorCode, Handle, Password, PostKind, PostStatus, Role, Tag, Title};
use canyu_store::{Comment, NewPost, NewUser, Post, StatusChange, User, VoteOutcome};
use canyu_text::{PostDoc, SearchHit, SearchQuery};
use std::net::{IpAddr, SocketAddr};

/// The client's address, for rate limits.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                // The last entry is the one our own proxy appended; earlier ones are whatever
                // the client chose to send.
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(ClientIp(ip));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([127, 0, 0, 1]));
        Ok(ClientIp(ip))
    }
}

fn limit(state: &AppState, key: String, per_minute: u32) -> AppResult<()> {
    state.limiter.check(&key, per_minute, state.now()).map_err(|_| AppError(ErrorCode::RateLimited))
}

/// The rate-limit key of an address: IPv6 clients usually hold a whole /64, so they count as one.
fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

pub struct Registration {
    pub handle: String,
    pub password: String,
    pub email: Option<String>,
}

pub async fn register(state: &AppState, ip: ClientIp, input: Registration) -> AppResult<User> {
    limit(state, format!("register:{}", ip_key(ip.0)), state.config.auth_attempts_per_minute)?;
    let handle = Handle::parse(&input.handle)?;
    let password = Password::parse(&input.password)?;
    let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(parse_email(e)?),
        None => None,
    };
    if state.store.user_by_handle(handle.as_str()).await?.is_some() {
        return Err(AppError(ErrorCode::HandleTaken));
    }
    let hash = hash_password(state.config.password_cost, password.expose().to_string()).await?;
    let user = state
        .store
        .create_user(NewUser {
            handle: handle.as_str(),
            email: email.as_deref(),
            password_hash: &hash,
            role: Role::Fan,
            bio: "",
            created_at: state.now(),
        })
        .await?;
    tracing::info!(user = user.id, handle = %user.handle, "registered");
    Ok(user)
}

pub async fn login(state: &AppState, ip: ClientIp, handle: &str, password: &str) -> AppResult<User> {
    limit(state, format!("login:{}", ip_key(ip.0)), state.config.auth_attempts_per_minute)?;
    // Also per account, so guessing one fan's password from many addresses is slow too.
    // A string that is no handle cannot sign in; only real handles get a bucket, so junk
    // cannot fill the limiter.
    let Ok(parsed) = Handle::parse(handle) else {
        return Err(AppError(ErrorCode::InvalidCredentials));
    };
    limit(
        state,
        format!("login-handle:{}", parsed.as_str().to_lowercase()),
        state.config.auth_attempts_per_minute,
    )?;
    let found = state.store.user_by_handle(handle.trim()).await?;
    let Some(found) = found else {
        // Spend the same time as a real check, so response time does not reveal handles.
        let _ = verify_password(password.to_string(), dummy_hash().to_string()).await;
        return Err(AppError(ErrorCode::InvalidCredentials));
    };
    if !verify_password(password.to_string(), found.password_hash).await? {
        return Err(AppError(ErrorCode::InvalidCredentials));
    }
    Ok(found.user)
}

/// A standard-cost Argon2id hash of a random password, verified against when the handle does
/// not exist. Made once per process.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use argon2::password_hash::PasswordHasher;
        crate::auth::argon2(crate::state::PasswordCost::Standard)
            .hash_password(crate::auth::random_token(16).as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    &HASH
}

pub struct PostInput {
    pub product: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
}

pub async fn create_post(state: &AppState, auth: &Auth, input: PostInput) -> AppResult<Post> {
    let title = Title::parse(&input.title)?;
    let body = Body::parse(&input.body)?;
    let kind = PostKind::parse(&input.kind)?;
    let tags: Vec<String> = Tag::parse_list(&input.tags)?.iter().map(|t| t.as_str().to_string()).collect();
    let product =
        state.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    limit(state, format!("write:{}", auth.user.id), state.config.writes_per_minute)?;
    let post = state
        .store
        .create_post(NewPost {
            product_id: product.id,
            author_id: auth.user.id,
            kind,
            title: title.as_str(),
            body: body.as_str(),
            tags: &tags,
            created_at: state.now(),
        })
        .await?;
    index_post(state, &post).await;
    state.cache.invalidate();
    tracing::info!(post = post.id, product = %product.slug, user = auth.user.id, "post created");
    Ok(post)
}

/// Puts the post into the search index and waits until it is searchable. The database has
/// the post already; if indexing fails, `canyu reindex` repairs the projection, so the
/// request still succeeds.
pub async fn index_post(state: &AppState, post: &Post) {
    let ticket = state.search.upsert(PostDoc {
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

pub async fn vote(state: &AppState, auth: &Auth, post_id: i64) -> AppResult<VoteOutcome> {
    limit(state, format!("vote:{}", auth.user.id), state.config.writes_per_minute)?;
    Ok(state.store.vote(post_id, auth.user.id, state.now()).await?)
}

pub async fn unvote(state: &AppState, auth: &Auth, post_id: i64) -> AppResult<VoteOutcome> {
    limit(state, format!("vote:{}", auth.user.id), state.config.writes_per_minute)?;
    Ok(state.store.unvote(post_id, auth.user.id).await?)
}

/// Comments by moderators and staff are marked official: the brand's answer.
pub async fn comment(state: &AppState, auth: &Auth, post_id: i64, body: &str) -> AppResult<Comment> {
    let body = Body::parse_comment(body)?;
    limit(state, format!("write:{}", auth.user.id), state.config.writes_per_minute)?;
    let official = auth.user.role.can_triage();
    Ok(state.store.add_comment(post_id, auth.user.id, body.as_str(), official, state.now()).await?)
}

pub const NOTE_MAX_CHARS: usize = 1_000;

pub async fn change_status(
    state: &AppState,
    auth: &Auth,
    post_id: i64,
    status: &str,
    note: Option<&str>,
) -> AppResult<StatusChange> {
    auth.require(Role::Moderator)?;
    let to = PostStatus::parse(status)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS) {
        return Err(AppError(ErrorCode::CommentTooLong));
    }
    let change = state.store.change_status(post_id, auth.user.id, to, note, state.now()).await?;
    state.cache.invalidate();
    tracing::info!(
        post = post_id,
        from = change.from.as_str(),
        to = change.to.as_str(),
        by = auth.user.id,
        "status changed"
    );
    Ok(change)
}

/// Full-text search: the index finds ids, the database supplies the current rows.
pub async fn search(
    state: &AppState,
    text: &str,
    product_id: Option<i64>,
    limit: usize,
    offset: usize,
) -> AppResult<(usize, Vec<(Post, SearchHit)>)> {
    let index = state.search.clone();
    let text = text.to_string();
    let results = tokio::task::spawn_blocking(move || {
        index.search(&SearchQuery { text: &text, product_id, limit, offset })
    })
    .await??;
    let ids: Vec<i64> = results.hits.iter().map(|h| h.post_id).collect();
    let posts = state.store.posts_by_ids(&ids).await?;
    let mut out = Vec::with_capacity(posts.len());
    for hit in results.hits {
        if let Some(post) = posts.iter().find(|p| p.id == hit.post_id) {
            out.push((post.clone(), hit));
        }
    }
    Ok((results.total, out))
}
