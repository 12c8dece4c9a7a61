//! canyu's own orders in the one sales ledger, price protection (价保) on them, and the
//! give-back of margin over the pledge. The jobs here run on every node (`jobs`): what is due
//! is marked on the rows and decided by unique keys, so a row or a credit is written once.

use super::{MarginReport, OWN_ONLINE, channel, margin_report};
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::{App, policy};
use canyu_core::pricing::{GIVE_BACK_FEN_PER_POINT, fee_fen, split_pro_rata};
use canyu_core::{ErrorCode, Millis, Role};
use canyu_store::{GiveBack, NewGiveBack, PriceProtection, SaleRow};

/// External ids of rows canyu writes itself begin with this; a channel reporting its sales
/// may not use it.
pub const OWN_PREFIX: &str = "canyu:";

/// Rows a round of the posting job takes on.
const ROUND: i64 = 500;

fn sale_id(order_id: i64) -> String {
    format!("{OWN_PREFIX}order:{order_id}")
}

fn return_id(order_id: i64) -> String {
    format!("{OWN_PREFIX}return:{order_id}")
}

/// What one round of [`post_own_orders`] wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Posted {
    pub sales: usize,
    pub reversals: usize,
}

/// Puts canyu's own launch orders into the ledger (channel `online`): a full purchase when
/// paid, a deposit order when locked (at the SKU's full price), each costed at its time; a
/// returned order then gets a reversing row (quantity and fee negated, the original cost), so
/// a period's report nets the return out. Idempotent; every node may run it.
pub async fn post_own_orders(app: &App) -> AppResult<Posted> {
    let online = channel(app, OWN_ONLINE).await?;
    let now = app.now();
    let mut posted = Posted::default();
    loop {
        let due = app.store.own_sales_due(ROUND).await?;
        if due.is_empty() {
            break;
        }
        let mut costs = super::CostBooks::default();
        let ids: Vec<String> = due.iter().map(|d| sale_id(d.order_id)).collect();
        let mut rows = Vec::with_capacity(due.len());
        for (d, id) in due.iter().zip(&ids) {
            rows.push(SaleRow {
                external_id: id,
                sku_id: d.sku_id,
                quantity: 1,
                unit_price_fen: d.unit_price_fen,
                unit_cost_fen: costs.cost(app, d.sku_id, d.sold_at).await?,
                fee_fen: fee_fen(d.unit_price_fen, online.fee_bps),
                sold_at: d.sold_at,
                city: None,
                order_id: Some(d.order_id),
            });
        }
        posted.sales += app.store.post_own_sales(online.id, &rows, 1, now).await?;
        if due.len() < ROUND as usize {
            break;
        }
    }
    loop {
        let due = app.store.reversals_due(ROUND).await?;
        if due.is_empty() {
            break;
        }
        let ids: Vec<String> = due.iter().map(|d| return_id(d.order_id)).collect();
        let rows: Vec<SaleRow<'_>> = due
            .iter()
            .zip(&ids)
            .map(|(d, id)| SaleRow {
                external_id: id,
                sku_id: d.sku_id,
                quantity: -d.quantity,
                unit_price_fen: d.unit_price_fen,
                unit_cost_fen: d.unit_cost_fen,
                fee_fen: -d.fee_fen,
                sold_at: d.returned_at,
                city: None,
                order_id: Some(d.order_id),
            })
            .collect();
        posted.reversals += app.store.post_own_sales(online.id, &rows, 2, now).await?;
        if due.len() < ROUND as usize {
            break;
        }
    }
    if posted != Posted::default() {
        tracing::info!(sales = posted.sales, reversals = posted.reversals, "own orders posted to the ledger");
    }
    Ok(posted)
}

/// Works out price protection for every price change that has taken effect: a drop on the
/// own channel credits each order of that SKU bought within the window above the new price
/// (once per order), and tells its buyer. A scheduled change is worked out once its time
/// comes. Returns the credits written.
pub async fn protect_prices(app: &App) -> AppResult<Vec<PriceProtection>> {
    let now = app.now();
    let window = app.config.price_protection_days.max(0) * canyu_core::campaign::DAY_MS;
    let online = channel(app, OWN_ONLINE).await?;
    let mut credits = Vec::new();
    for drop in app.store.price_drops_due(now, 100).await? {
        // Sales the ledger does not have yet would be missed: post them first.
        if drop.channel_id == online.id {
            post_own_orders(app).await?;
        }
        let own = if window > 0 { online.id } else { -1 };
        let made = app.store.protect_price(&drop, own, window, now).await?;
        for c in &made {
            tracing::info!(order = c.order_id, credit_fen = c.credit_fen, sku = %drop.sku_code, "price protection credited");
        }
        credits.extend(made);
    }
    Ok(credits)
}

/// An order's price-protection credit, for its buyer (or staff).
pub async fn order_protection(app: &App, order_id: i64) -> AppResult<Option<PriceProtection>> {
    Ok(app.store.price_protection(order_id).await?)
}

/// What a give-back did.
pub struct GiveBackOutcome {
    pub give_back: GiveBack,
    pub report: MarginReport,
}

/// Turns a period's margin over the pledge into points for its own-channel buyers, pro rata
/// to what each paid (net of returns), one point a yuan; recorded once per period (admins).
pub async fn give_back(
    app: &App,
    auth: &Auth,
    from: Option<Millis>,
    to: Option<Millis>,
) -> AppResult<GiveBackOutcome> {
    policy::require_role(auth, Role::Admin)?;
    post_own_orders(app).await?;
    let report = margin_report(app, auth, from, to).await?;
    let excess = report.totals.excess_fen(report.cap_bps);
    let points = excess / GIVE_BACK_FEN_PER_POINT;
    if points <= 0 {
        return Err(ErrorCode::NoExcessToGiveBack.into());
    }
    let online = channel(app, OWN_ONLINE).await?;
    let buyers = app.store.own_buyers(online.id, report.from, report.to).await?;
    if buyers.is_empty() {
        return Err(ErrorCode::NoExcessToGiveBack.into());
    }
    let weights: Vec<i64> = buyers.iter().map(|b| b.paid_fen).collect();
    let shares: Vec<(i64, i64)> =
        buyers.iter().zip(split_pro_rata(points, &weights)).map(|(b, p)| (b.user_id, p)).collect();
    let give_back = app
        .store
        .record_give_back(&NewGiveBack {
            period_from: report.from,
            period_to: report.to,
            excess_fen: excess,
            shares: &shares,
            created_by: auth.user.id,
            now: app.now(),
        })
        .await?;
    tracing::info!(
        id = give_back.id,
        points = give_back.points,
        buyers = give_back.buyers,
        by = auth.user.id,
        "margin given back"
    );
    Ok(GiveBackOutcome { give_back, report })
}

pub async fn give_backs(app: &App, auth: &Auth) -> AppResult<Vec<GiveBack>> {
    policy::require_role(auth, Role::Staff)?;
    Ok(app.store.give_backs().await?)
}
