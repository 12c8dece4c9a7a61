//! What people do on the board, once: the JSON API and the HTML forms both call these, so
//! validation, permission checks, rate limits and search indexing cannot drift apart.

pub mod beta;
pub mod campaigns;
pub mod demands;
pub mod draws;
pub mod fcodes;
pub mod identity;
pub mod launch_orders;
pub mod merge;
pub mod points;
pub mod releases;
pub mod similar;
pub mod waves;

use crate::auth::{Auth, hash_password, verify_password};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use canyu_core::user::parse_email;
use canyu_core::{
    Body, CategorySlug, ErrorCode, Handle, Password, PostKind, PostStatus, ProductName, ProductSlug, Role,
    Tag, Title,
};
use canyu_store::{
    ApiToken, Category, Comment, NewPost, NewProduct, NewUser, Post, Product, ProductUpdate, StatusChange,
    User, VoteOutcome,
};
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
    /// Post to the product's beta board (members and the team only).
    pub beta: bool,
}

pub async fn create_post(state: &AppState, auth: &Auth, input: PostInput) -> AppResult<Post> {
    let title = Title::parse(&input.title)?;
    let body = Body::parse(&input.body)?;
    let kind = PostKind::parse(&input.kind)?;
    let tags: Vec<String> = Tag::parse_list(&input.tags)?.iter().map(|t| t.as_str().to_string()).collect();
    let product =
        state.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    if input.beta && !beta::can_see_beta(state, Some(auth), product.id).await? {
        return Err(ErrorCode::BetaMembersOnly.into());
    }
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
            beta: input.beta,
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
/// request still succeeds. Beta-board posts stay out: search and suggestions are public.
pub async fn index_post(state: &AppState, post: &Post) {
    if post.beta {
        return;
    }
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
    beta::ensure_post_id_visible(state, auth, post_id).await?;
    Ok(state.store.vote(post_id, auth.user.id, state.now()).await?)
}

pub async fn unvote(state: &AppState, auth: &Auth, post_id: i64) -> AppResult<VoteOutcome> {
    limit(state, format!("vote:{}", auth.user.id), state.config.writes_per_minute)?;
    beta::ensure_post_id_visible(state, auth, post_id).await?;
    Ok(state.store.unvote(post_id, auth.user.id).await?)
}

/// Comments by moderators and staff are marked official: the brand's answer.
pub async fn comment(state: &AppState, auth: &Auth, post_id: i64, body: &str) -> AppResult<Comment> {
    let body = Body::parse_comment(body)?;
    limit(state, format!("write:{}", auth.user.id), state.config.writes_per_minute)?;
    beta::ensure_post_id_visible(state, auth, post_id).await?;
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

// ---- the caller's own account ---------------------------------------------------------

pub const BIO_MAX_CHARS: usize = 300;

/// The bio as it will be stored: browsers send textarea line breaks as CRLF, so they become
/// plain newlines first; then trimmed, at most [`BIO_MAX_CHARS`], no control characters
/// besides newlines. Refused with `invalid_form`.
pub fn parse_bio(raw: &str) -> Result<String, ErrorCode> {
    let bio = raw.replace("\r\n", "\n");
    let bio = bio.trim();
    if bio.chars().count() > BIO_MAX_CHARS || bio.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ErrorCode::InvalidForm);
    }
    Ok(bio.to_string())
}

/// Replaces the caller's public bio; returns the updated user.
pub async fn update_bio(state: &AppState, auth: &Auth, raw: &str) -> AppResult<User> {
    let bio = parse_bio(raw)?;
    state.store.update_bio(auth.user.id, &bio).await?;
    Ok(state.store.user_by_id(auth.user.id).await?.ok_or(ErrorCode::UserNotFound)?)
}

pub const TOKEN_NAME_MAX_CHARS: usize = 60;

/// Issues an API token for the caller: the secret (shown once) and its record.
pub async fn create_api_token(state: &AppState, auth: &Auth, name: &str) -> AppResult<(String, ApiToken)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError(ErrorCode::InvalidName));
    }
    let issued = crate::auth::issue_api_token(state, &auth.user, name).await?;
    tracing::info!(user = auth.user.id, token = issued.1.id, "api token created");
    Ok(issued)
}

/// Revokes one of the caller's own live tokens (`token_not_found` otherwise, also for
/// someone else's token).
pub async fn revoke_api_token(state: &AppState, auth: &Auth, token_id: i64) -> AppResult<()> {
    if state.store.revoke_api_token(auth.user.id, token_id, state.now()).await? {
        tracing::info!(user = auth.user.id, token = token_id, "api token revoked");
        Ok(())
    } else {
        Err(AppError(ErrorCode::TokenNotFound))
    }
}

// ---- the catalog (staff) --------------------------------------------------------------

pub struct CategoryInput {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

pub async fn create_category(state: &AppState, auth: &Auth, input: CategoryInput) -> AppResult<Category> {
    auth.require(Role::Staff)?;
    let slug = CategorySlug::parse(&input.slug)?;
    let zh = ProductName::parse(&input.name_zh)?;
    let en = ProductName::parse(&input.name_en)?;
    let cat = state.store.create_category(slug.as_str(), zh.as_str(), en.as_str()).await?;
    state.cache.invalidate();
    tracing::info!(category = %cat.slug, by = auth.user.id, "category created");
    Ok(cat)
}

pub const TAGLINE_MAX_CHARS: usize = 140;

/// A product's one-line description: trimmed, at most [`TAGLINE_MAX_CHARS`], no control
/// characters; empty is allowed. Refused with `invalid_name`.
pub fn parse_tagline(raw: Option<&str>) -> Result<String, ErrorCode> {
    let t = raw.unwrap_or("").trim();
    if t.chars().count() > TAGLINE_MAX_CHARS || t.chars().any(char::is_control) {
        return Err(ErrorCode::InvalidName);
    }
    Ok(t.to_string())
}

pub struct ProductInput {
    pub slug: String,
    pub name: String,
    /// A category slug.
    pub category: String,
    pub tagline: Option<String>,
}

pub async fn create_product(state: &AppState, auth: &Auth, input: ProductInput) -> AppResult<Product> {
    auth.require(Role::Staff)?;
    let slug = ProductSlug::parse(&input.slug)?;
    let name = ProductName::parse(&input.name)?;
    let tagline = parse_tagline(input.tagline.as_deref())?;
    let product = state
        .store
        .create_product(NewProduct {
            slug: slug.as_str(),
            name: name.as_str(),
            category_slug: input.category.trim(),
            tagline: &tagline,
            created_at: state.now(),
        })
        .await?;
    // Whoever creates a product runs its releases until an admin says otherwise.
    state.store.add_product_manager(product.id, auth.user.id).await?;
    state.cache.invalidate();
    tracing::info!(product = %product.slug, by = auth.user.id, "product created");
    Ok(product)
}

/// What changes on a product; `None` keeps the current value.
#[derive(Default)]
pub struct ProductChange {
    pub name: Option<String>,
    pub category: Option<String>,
    pub tagline: Option<String>,
}

pub async fn update_product(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    change: ProductChange,
) -> AppResult<Product> {
    auth.require(Role::Staff)?;
    let name = change.name.as_deref().map(ProductName::parse).transpose()?;
    let tagline = change.tagline.as_deref().map(|t| parse_tagline(Some(t))).transpose()?;
    let product = state
        .store
        .update_product(
            slug,
            ProductUpdate {
                name: name.as_ref().map(ProductName::as_str),
                category_slug: change.category.as_deref().map(str::trim),
                tagline: tagline.as_deref(),
            },
        )
        .await?;
    state.cache.invalidate();
    tracing::info!(product = %product.slug, by = auth.user.id, "product updated");
    Ok(product)
}
