//! Staff corrections to fans' points, and a fan's standing.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use canyu_core::points::{Adjustment, Badge, Level, level_for};
use canyu_core::{ErrorCode, Role};
use canyu_store::{CreditedPost, User};
use rand::Rng;

/// Appends a correction. `idempotency_key` (the request's `Idempotency-Key`) makes a
/// retried request land once; without one every request is a new entry.
pub async fn adjust(
    app: &App,
    auth: &Auth,
    handle: &str,
    delta: i64,
    note: &str,
    idempotency_key: Option<&str>,
) -> AppResult<(User, i64)> {
    auth.require(Role::Staff)?;
    let adjustment = Adjustment::parse(delta, note)?;
    let user = app.store.user_by_handle(handle).await?.ok_or(ErrorCode::UserNotFound)?.user;
    let ref_key = match idempotency_key {
        Some(key) if !key.is_empty() && key.len() <= 200 => format!("key:{}:{key}", auth.user.id),
        Some(_) => return Err(ErrorCode::InvalidQuery.into()),
        None => format!("rnd:{}", hex::encode(rand::rng().random::<[u8; 16]>())),
    };
    let balance = app.store.adjust_points(user.id, auth.user.id, &adjustment, &ref_key, app.now()).await?;
    tracing::info!(user = user.id, delta, by = auth.user.id, "points adjusted");
    Ok((user, balance))
}

/// What a profile shows of a fan's standing.
pub struct Standing {
    pub level: Level,
    pub next: Option<Level>,
    pub badges: Vec<Badge>,
    pub credited: Vec<CreditedPost>,
}

pub async fn standing(app: &App, user: &User) -> AppResult<Standing> {
    let (level, next) = level_for(user.points);
    let facts = app.store.badge_facts(user.id).await?;
    let credited = app.store.credited_posts(user.id, 50).await?;
    Ok(Standing { level, next, badges: Badge::earned(facts), credited })
}

// ---- reads of points: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn points_history(app: &App, user_id: i64, limit: i64) -> AppResult<Vec<canyu_store::PointsEntry>> {
    Ok(app.store.points_history(user_id, limit).await?)
}

pub async fn leaderboard(
    app: &App,
    product_id: Option<i64>,
    limit: i64,
) -> AppResult<Vec<canyu_store::LeaderboardRow>> {
    Ok(app.store.leaderboard(product_id, limit).await?)
}
