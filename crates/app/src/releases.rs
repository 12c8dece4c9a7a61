//! The release train: staff who manage a product build releases from its planned posts
//! and publish them.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::policy::{can_manage, require_manager};
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

/// The next departure of the weekly train, as `YYYY-MM-DD`.
pub fn next_train(app: &App) -> String {
    PlanDate::next_on_or_after(app.now(), app.config.release_weekday).to_iso()
}

pub async fn create(app: &App, auth: &Auth, input: ReleaseInput) -> AppResult<Release> {
    auth.require(Role::Staff)?;
    let version = Version::parse(&input.version)?;
    let channel = Channel::parse(&input.channel)?;
    let planned_for = match input.planned_for.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => PlanDate::parse(raw)?.to_iso(),
        None => next_train(app),
    };
    let notes = parse_notes(input.notes.as_deref().unwrap_or(""))?;
    let product: Product =
        app.store.product_by_slug(input.product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    require_manager(app, auth, product.id).await?;
    let release = app
        .store
        .create_release(NewRelease {
            product_id: product.id,
            version: version.as_str(),
            channel,
            planned_for: &planned_for,
            notes: &notes,
            post_ids: &input.posts,
            created_by: auth.user.id,
            now: app.now(),
        })
        .await?;
    tracing::info!(release = release.id, product = %product.slug, version = %release.version, by = auth.user.id, "release created");
    Ok(release)
}

pub async fn publish(app: &App, auth: &Auth, id: i64) -> AppResult<Release> {
    auth.require(Role::Staff)?;
    let release = app.store.release(id).await?.ok_or(ErrorCode::ReleaseNotFound)?;
    require_manager(app, auth, release.product_id).await?;
    let published = app.store.publish_release(id, auth.user.id, app.now()).await?;
    app.cache.invalidate();
    tracing::info!(release = id, posts = published.posts.len(), by = auth.user.id, "release published");
    Ok(published)
}

/// Whether the caller may see `release`: published stable releases are public, published
/// beta releases are for the product's beta members and the team, drafts for the people
/// who run the product.
pub async fn visible(app: &App, auth: Option<&Auth>, release: &Release) -> AppResult<bool> {
    let published = release.status == canyu_store::ReleaseStatus::Published;
    if published && release.channel == Channel::Stable {
        return Ok(true);
    }
    let Some(a) = auth else { return Ok(false) };
    if can_manage(app, a, release.product_id).await? {
        return Ok(true);
    }
    Ok(published && crate::beta::can_see_beta(app, auth, release.product_id).await?)
}

/// Channels and drafts the caller may list for a product.
pub async fn listing_scope(
    app: &App,
    auth: Option<&Auth>,
    product_id: i64,
) -> AppResult<(Vec<Channel>, bool)> {
    let manager = match auth {
        Some(a) => can_manage(app, a, product_id).await?,
        None => false,
    };
    if manager {
        return Ok((vec![Channel::Stable, Channel::Beta], true));
    }
    if crate::beta::can_see_beta(app, auth, product_id).await? {
        return Ok((vec![Channel::Stable, Channel::Beta], false));
    }
    Ok((vec![Channel::Stable], false))
}

// ---- reads of releases: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn release(app: &App, id: i64) -> AppResult<Option<Release>> {
    Ok(app.store.release(id).await?)
}

pub async fn releases_for_product(
    app: &App,
    product_id: i64,
    channels: &[Channel],
    include_drafts: bool,
    limit: i64,
) -> AppResult<Vec<Release>> {
    Ok(app.store.releases_for_product(product_id, channels, include_drafts, limit).await?)
}

pub async fn fan_feature_count(app: &App, product_id: i64) -> AppResult<i64> {
    Ok(app.store.fan_feature_count(product_id).await?)
}
