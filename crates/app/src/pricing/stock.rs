//! Channel stock: how many units of a SKU each channel has been given, transfers of unsold
//! units between channels (now, or at a time: unsold partner stock coming back to `online`),
//! and sell-through from the ledger. Staff who manage the SKU's product.

use super::{channel, sku};
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::{App, policy};
use canyu_core::{ErrorCode, Millis};
use canyu_store::{ChannelStock, NewTransfer, StockTransfer};
use std::collections::BTreeMap;

/// The most units a channel is given of one SKU, or moved at once.
pub const MAX_UNITS: i64 = 10_000_000;

/// A SKU's stock across channels, and the log of changes to it.
pub struct StockBook {
    pub sku: canyu_store::Sku,
    pub channels: Vec<ChannelStock>,
    pub transfers: Vec<StockTransfer>,
}

async fn managed_sku(app: &App, auth: &Auth, code: &str) -> AppResult<canyu_store::Sku> {
    policy::require_role(auth, canyu_core::Role::Staff)?;
    let sku = sku(app, code).await?;
    policy::require_manager(app, auth, sku.product_id).await?;
    Ok(sku)
}

fn reason_of(raw: Option<&str>) -> AppResult<String> {
    let reason = raw.map(str::trim).unwrap_or("");
    canyu_core::text::refuse_controls(reason)?;
    if reason.chars().count() > 200 {
        return Err(ErrorCode::NoteTooLong.into());
    }
    Ok(reason.to_string())
}

pub async fn stock(app: &App, auth: &Auth, code: &str) -> AppResult<StockBook> {
    policy::require_role(auth, canyu_core::Role::Staff)?;
    let sku = sku(app, code).await?;
    let channels = app.store.channel_stock(sku.id).await?;
    let transfers = app.store.stock_transfers(sku.id, 200).await?;
    Ok(StockBook { sku, channels, transfers })
}

/// Sets the units each listed channel has been given (others keep theirs); an allocation
/// below what the channel already sold is refused and nothing changes.
pub async fn set_allocations(
    app: &App,
    auth: &Auth,
    code: &str,
    units: BTreeMap<String, i64>,
    reason: Option<&str>,
) -> AppResult<StockBook> {
    let sku = managed_sku(app, auth, code).await?;
    let reason = reason_of(reason)?;
    if units.is_empty() || units.values().any(|n| !(0..=MAX_UNITS).contains(n)) {
        return Err(ErrorCode::InvalidUnits.into());
    }
    let mut by_channel = Vec::with_capacity(units.len());
    for (code, n) in &units {
        by_channel.push((channel(app, code).await?.id, *n));
    }
    app.store.set_allocations(sku.id, &by_channel, &reason, auth.user.id, app.now()).await?;
    tracing::info!(sku = %sku.code, channels = units.len(), by = auth.user.id, "allocations set");
    stock(app, auth, &sku.code).await
}

pub struct TransferInput {
    pub from: String,
    pub to: String,
    /// `None`: everything the source has left when the transfer runs.
    pub units: Option<i64>,
    /// `None` or a past time: now.
    pub at: Option<Millis>,
    pub reason: Option<String>,
}

/// Moves unsold units from one channel to another, now (all of them or refused with
/// `transfer_exceeds_stock`) or at a time (what the source has left then, up to `units`).
pub async fn transfer(app: &App, auth: &Auth, code: &str, input: TransferInput) -> AppResult<StockTransfer> {
    let sku = managed_sku(app, auth, code).await?;
    let reason = reason_of(input.reason.as_deref())?;
    let now = app.now();
    let due_at = input.at.unwrap_or(now).max(now);
    if input.units.is_some_and(|n| !(1..=MAX_UNITS).contains(&n)) {
        return Err(ErrorCode::InvalidUnits.into());
    }
    // Moving "everything left" makes sense only as a plan: now it is a number staff can see.
    if input.units.is_none() && due_at <= now {
        return Err(ErrorCode::InvalidUnits.into());
    }
    let from = channel(app, &input.from).await?;
    let to = channel(app, &input.to).await?;
    if from.id == to.id {
        return Err(ErrorCode::InvalidTransfer.into());
    }
    let id = app
        .store
        .create_transfer(&NewTransfer {
            sku_id: sku.id,
            from_channel_id: from.id,
            to_channel_id: to.id,
            units: input.units,
            reason: &reason,
            due_at,
            created_by: auth.user.id,
            now,
        })
        .await?;
    tracing::info!(sku = %sku.code, from = %from.code, to = %to.code, units = ?input.units, due_at, by = auth.user.id, "stock transfer");
    let log = app.store.stock_transfers(sku.id, 200).await?;
    log.into_iter().find(|t| t.id == id).ok_or(ErrorCode::Internal.into())
}

/// Every allocation with its channel's sales of the SKU, by SKU and channel (staff).
pub async fn all_stock(app: &App, auth: &Auth) -> AppResult<Vec<(String, ChannelStock)>> {
    policy::require_role(auth, canyu_core::Role::Staff)?;
    Ok(app.store.all_channel_stock().await?)
}

/// Scheduled transfers run at their time, on whichever node gets there first.
pub async fn run_due_transfers(app: &App) -> AppResult<usize> {
    let ran = app.store.run_due_transfers(app.now()).await?;
    if ran > 0 {
        tracing::info!(ran, "scheduled stock transfers made");
    }
    Ok(ran)
}
