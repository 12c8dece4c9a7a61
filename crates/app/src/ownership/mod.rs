//! 人车家 ownership: the devices fans own — claimed with a serial, delivered from a launch
//! order, bound by staff at a store, handed on — and who owns what, for owner chips on the
//! board. The rules (serial formats, one owner per serial, the cooling-off) are in
//! [`canyu_core::ownership`]; each change of owner is one transaction in the store.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy::{require_manager, require_role};
use crate::ratelimit::limit;
use canyu_core::ownership::{Serial, SerialPattern};
use canyu_core::{ErrorCode, Handle, Millis, Role};
use canyu_store::{AlsoOwned, Claimed, DeviceClaim, OwnedDevice, Product};

/// What a fan (or staff for a fan) says when binding a device.
pub struct DeviceInput<'a> {
    pub product: &'a str,
    pub serial: &'a str,
    /// When it was bought, if the fan says; never in the future.
    pub purchased_at: Option<Millis>,
}

async fn product(app: &App, slug: &str) -> AppResult<Product> {
    Ok(app.store.product_by_slug(slug.trim()).await?.ok_or(ErrorCode::UnknownProduct)?)
}

async fn serial_for(app: &App, product: &Product, raw: &str) -> AppResult<Serial> {
    let pattern = match app.store.serial_pattern(product.id).await? {
        // A stored pattern was checked when it was set; one that no longer parses binds nothing.
        Some(p) => Some(SerialPattern::parse(&p).map_err(|_| AppError::new(ErrorCode::Internal))?),
        None => None,
    };
    Ok(Serial::parse(raw, pattern.as_ref())?)
}

fn purchased(app: &App, at: Option<Millis>) -> AppResult<Option<Millis>> {
    match at {
        Some(t) if t > app.now() || t < 0 => Err(ErrorCode::InvalidPurchaseDate.into()),
        other => Ok(other),
    }
}

async fn user_id(app: &App, handle: &str) -> AppResult<i64> {
    let handle = Handle::parse(handle.trim().trim_start_matches('@'))
        .map_err(|_| AppError::new(ErrorCode::UserNotFound))?;
    Ok(app.store.user_by_handle(handle.as_str()).await?.ok_or(ErrorCode::UserNotFound)?.user.id)
}

/// Binds a device to `owner` (by staff when `staff` is set), checking the serial against the
/// product's format.
async fn bind(
    app: &App,
    owner: i64,
    staff: Option<i64>,
    input: DeviceInput<'_>,
) -> AppResult<(Product, Claimed)> {
    let product = product(app, input.product).await?;
    let serial = serial_for(app, &product, input.serial).await?;
    let claim = DeviceClaim {
        product_id: product.id,
        serial: &serial,
        user_id: owner,
        purchased_at: purchased(app, input.purchased_at)?,
        staff,
        cooling_off_days: app.config.device_cooling_off_days,
    };
    let claimed = app.store.claim_device(claim, app.now()).await?;
    Ok((product, claimed))
}

pub async fn my_devices(app: &App, auth: &Auth) -> AppResult<Vec<OwnedDevice>> {
    Ok(app.store.devices_of(auth.user.id).await?)
}

/// A fan claims a device by its serial. A repeat by its owner answers with the device
/// (`new: false`).
pub async fn claim(app: &App, auth: &Auth, input: DeviceInput<'_>) -> AppResult<Claimed> {
    limit(app, format!("write:{}", auth.user.id), app.config.writes_per_minute)?;
    let (product, claimed) = bind(app, auth.user.id, None, input).await?;
    if claimed.new {
        // The board's cached pages carry owner chips.
        app.cache.invalidate();
        tracing::info!(device = claimed.device.id, product = %product.slug, user = auth.user.id, via = claimed.device.owned_via.as_str(), "device claimed");
    }
    Ok(claimed)
}

/// Staff bind a device to a fan at a store (the fan has it in hand: no cooling-off).
pub async fn bind_for(app: &App, auth: &Auth, handle: &str, input: DeviceInput<'_>) -> AppResult<Claimed> {
    require_role(auth, Role::Staff)?;
    let owner = user_id(app, handle).await?;
    let (product, claimed) = bind(app, owner, Some(auth.user.id), input).await?;
    app.cache.invalidate();
    tracing::info!(device = claimed.device.id, product = %product.slug, user = owner, by = auth.user.id, "device bound at a store");
    Ok(claimed)
}

/// The owner lets a device go, perhaps naming the fan who may claim it at once.
pub async fn release(
    app: &App,
    auth: &Auth,
    device_id: i64,
    next_owner: Option<&str>,
) -> AppResult<OwnedDevice> {
    let next = match next_owner.map(str::trim).filter(|h| !h.is_empty()) {
        Some(handle) => Some(user_id(app, handle).await?),
        None => None,
    };
    if next == Some(auth.user.id) {
        return Err(ErrorCode::DeviceSelfTransfer.into());
    }
    let device = app.store.release_device(device_id, auth.user.id, next, app.now()).await?;
    app.cache.invalidate();
    tracing::info!(device = device_id, user = auth.user.id, named = next.is_some(), "device released");
    Ok(device)
}

/// Staff who run the product set (or, with `None`, clear) its serial format.
pub async fn set_serial_pattern(
    app: &App,
    auth: &Auth,
    slug: &str,
    pattern: Option<&str>,
) -> AppResult<Option<String>> {
    let product = product(app, slug).await?;
    require_manager(app, auth, product.id).await?;
    let pattern = match pattern.map(str::trim).filter(|p| !p.is_empty()) {
        Some(raw) => Some(SerialPattern::parse(raw)?.as_str().to_string()),
        None => None,
    };
    app.store.set_serial_pattern(product.id, pattern.as_deref()).await?;
    Ok(pattern)
}

pub async fn serial_pattern(app: &App, slug: &str) -> AppResult<Option<String>> {
    let product = product(app, slug).await?;
    Ok(app.store.serial_pattern(product.id).await?)
}

/// Every product's serial format that has one, `(product id, format)`.
pub async fn serial_patterns(app: &App) -> AppResult<Vec<(i64, String)>> {
    Ok(app.store.serial_patterns().await?)
}

/// Since when a fan has owned a product (`None`: they do not own it now).
pub async fn owner_since(app: &App, user_id: i64, product_id: i64) -> AppResult<Option<Millis>> {
    Ok(app.store.owner_since(user_id, product_id).await?)
}

/// What a fan owns, by ecosystem category, for their profile.
pub struct Ecosystem {
    /// `(slug, name_zh, name_en)` of each category they own something in.
    pub categories: Vec<(String, String, String)>,
    /// A phone, a car and a home device: 人车家全生态.
    pub whole: bool,
}

pub async fn ecosystem(app: &App, user_id: i64) -> AppResult<Ecosystem> {
    let categories = app.store.owned_categories(user_id).await?;
    let whole = canyu_core::ownership::whole_ecosystem(categories.iter().map(|(slug, _, _)| slug.as_str()));
    Ok(Ecosystem { categories, whole })
}

/// How many of a post's voters own its product.
pub async fn owner_voters(app: &App, post_id: i64) -> AppResult<i64> {
    Ok(app.store.owner_voters(post_id).await?)
}

/// Recomputes "owners of X also own Y" for every product from who owns what now, keeping the
/// strongest [`canyu_core::ownership::TOP_AFFINITIES`] links of each product whose groups are
/// large enough to show. Returns the lines kept. Every node may run it: each run replaces the
/// whole table in one transaction.
pub async fn refresh_affinities(app: &App) -> AppResult<usize> {
    use canyu_core::ownership::{TOP_AFFINITIES, affinity};
    let counts = app.store.ownership_counts().await?;
    let per_product: std::collections::HashMap<i64, i64> = counts.per_product.iter().copied().collect();
    let owners_of = |id: i64| per_product.get(&id).copied().unwrap_or(0);
    let mut rows: Vec<(i64, i64, i64, f64, f64, f64)> = counts
        .pairs
        .iter()
        .filter_map(|&(x, y, both)| {
            affinity(owners_of(x), owners_of(y), both, counts.owners)
                .map(|a| (x, y, both, a.support, a.confidence, a.lift))
        })
        .collect();
    rows.sort_by(|a, b| {
        a.0.cmp(&b.0).then(b.5.total_cmp(&a.5)).then(b.4.total_cmp(&a.4)).then(a.1.cmp(&b.1))
    });
    // Sorted by product, best first: keep each product's first TOP_AFFINITIES lines.
    let mut kept: Vec<(i64, i64, i64, f64, f64, f64)> = Vec::with_capacity(rows.len());
    let mut run = 0;
    for row in rows {
        run = if kept.last().is_some_and(|k| k.0 == row.0) { run + 1 } else { 0 };
        if run < TOP_AFFINITIES {
            kept.push(row);
        }
    }
    app.store.replace_affinities(&kept, app.now()).await?;
    Ok(kept.len())
}

/// What owners of the product also own (at most five lines; none where too few own both).
pub async fn also_owned(app: &App, product_id: i64) -> AppResult<Vec<AlsoOwned>> {
    Ok(app.store.also_owned(product_id, canyu_core::ownership::TOP_AFFINITIES as i64).await?)
}
