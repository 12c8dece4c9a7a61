//! The release train: staff who manage a product build releases from its planned posts
//! and publish them.

use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use canyu_core::release::{Channel, PlanDate, Version, parse_notes};
use canyu_core::{ErrorCode, Role};
use canyu_store::{NewRelease, Product, Release};

pub struct ReleaseInput {
    pub product: String,
    pub version: String,
    pub channel: String,
    /// `YYYY-MM-DD`; empty for the next train day.
    pub planned_for: Option<String>,
    pub notes: Option<String>,
    pub posts: Vec<i64>,
}

/// Admins run every product; staff the products they manage.
pub async fn can_manage(state: &AppState, auth: &Auth, product_id: i64) -> AppResult<bool> {
    Ok(match auth.user.role {
        Role::Admin => true,
        Role::Staff => state.store.manages_product(auth.user.id, product_id).await?,
        _ => false,
    })
}

async fn require_manager(state: &AppState, auth: &Auth, product_id: i64) -> AppResult<()> {
    auth.require(Role::Staff)?;
    if can_manage(state, auth, product_id).await? { Ok(()) } else { Err(ErrorCode::NotProductManager.into()) }
}

/// The next departure of the weekly train, as `YYYY-MM-DD`.
pub fn next_train(state: &AppState) -> String {
    PlanDate::next_on_or_after(state.now(), state.config.release_weekday).to_iso()
}

pub async fn create(state: &AppState, auth: &Auth, input: ReleaseInput) -> AppResult<Release> {
    auth.require(Role::Staff)?;
    let version = Version::parse(&input.version)?;
    let channel = Channel::parse(&input.channel)?;
    let planned_for = match input.planned_for.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => PlanDate::parse(raw)?.to_iso(),
        None => next_train(state),
    };
    let notes = parse_notes(input.notes.as_deref().unwrap_or(""))?;
    let product: Product =
        state.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    require_manager(state, auth, product.id).await?;
    let release = state
        .store
        .create_release(NewRelease {
            product_id: product.id,
            version: version.as_str(),
            channel,
            planned_for: &planned_for,
            notes: &notes,
            post_ids: &input.posts,
            created_by: auth.user.id,
            now: state.now(),
        })
        .await?;
    tracing::info!(release = release.id, product = %product.slug, version = %release.version, by = auth.user.id, "release created");
    Ok(release)
}

pub async fn publish(state: &AppState, auth: &Auth, id: i64) -> AppResult<Release> {
    auth.require(Role::Staff)?;
    let release = state.store.release(id).await?.ok_or(ErrorCode::ReleaseNotFound)?;
    require_manager(state, auth, release.product_id).await?;
    let published = state.store.publish_release(id, auth.user.id, state.now()).await?;
    state.cache.invalidate();
    tracing::info!(release = id, posts = published.posts.len(), by = auth.user.id, "release published");
    Ok(published)
}

/// Whether the caller may see `release`: published stable releases are public, published
/// beta releases are for the product's beta members and the team, drafts for the people
/// who run the product.
pub async fn visible(state: &AppState, auth: Option<&Auth>, release: &Release) -> AppResult<bool> {
    let published = release.status == canyu_store::ReleaseStatus::Published;
    if published && release.channel == Channel::Stable {
        return Ok(true);
    }
    let Some(a) = auth else { return Ok(false) };
    if can_manage(state, a, release.product_id).await? {
        return Ok(true);
    }
    Ok(published && super::beta::can_see_beta(state, auth, release.product_id).await?)
}

/// Channels and drafts the caller may list for a product.
pub async fn listing_scope(
    state: &AppState,
    auth: Option<&Auth>,
    product_id: i64,
) -> AppResult<(Vec<Channel>, bool)> {
    let manager = match auth {
        Some(a) => can_manage(state, a, product_id).await?,
        None => false,
    };
    if manager {
        return Ok((vec![Channel::Stable, Channel::Beta], true));
    }
    if super::beta::can_see_beta(state, auth, product_id).await? {
        return Ok((vec![Channel::Stable, Channel::Beta], false));
    }
    Ok((vec![Channel::Stable], false))
}
