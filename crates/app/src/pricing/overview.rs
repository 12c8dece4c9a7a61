//! What the staff pages read (`/admin/pricing`, `/admin/channels`): every SKU on its product
//! line's price ladder with its prices now on every channel, checked against the pledge with
//! today's cost and fee; and the year's sales by channel, channel kind and city.
//!
//! A price is checked against the pledge when it is set, but the cost and the channel's fee
//! can change after: a price that kept the pledge may not any more. The API accepts those
//! changes; this is where they show.

use super::{MarginReport, margin_report};
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::{App, policy};
use canyu_core::pricing::{
    ChannelKind, LadderGap, OWN_ONLINE, Rung, Tier, ladder_gaps, unit_margin_bps, within_cap,
};
use canyu_core::{Millis, Role};
use canyu_store::pricing_reports::CitySales;
use canyu_store::{Category, Channel, CostChange, PriceChange, Sku};
use std::collections::HashMap;

/// A SKU's price on one channel as it stands now, against today's cost and fee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceNow {
    /// The channel's code.
    pub channel: String,
    pub price_fen: i64,
    /// When this price took effect.
    pub since: Millis,
    /// The unit's net margin now: this price, the SKU's cost today, the channel's fee today.
    pub margin_bps: i64,
    /// The margin when the price was set, as it was kept with it.
    pub margin_at_set_bps: i64,
    /// Above the pledge now.
    pub over_cap: bool,
    /// Sold at a loss now (a negative net margin).
    pub below_cost: bool,
    /// The admin's reason, when the price was set above the pledge on purpose.
    pub over_cap_reason: Option<String>,
}

pub struct LadderSku {
    pub sku: Sku,
    /// Its price on canyu's own store now: where it stands on the ladder.
    pub own_price_fen: Option<i64>,
    /// Per channel with a price in force now, in the order of the channel list.
    pub prices: Vec<PriceNow>,
    /// Every price change, newest first (scheduled ones included).
    pub history: Vec<PriceChange>,
    /// Every cost it has had, newest first.
    pub costs: Vec<CostChange>,
}

pub struct LadderProduct {
    pub slug: String,
    pub name: String,
    /// Cheapest first on the own store; SKUs without a price there last.
    pub skus: Vec<LadderSku>,
    pub gaps: Vec<LadderGap>,
}

pub struct LadderCategory {
    pub category: Category,
    pub products: Vec<LadderProduct>,
}

pub struct PriceLadder {
    pub now: Millis,
    pub cap_bps: i64,
    pub channels: Vec<Channel>,
    /// Categories in their order, with only the products that have SKUs.
    pub categories: Vec<LadderCategory>,
}

/// Every SKU on its product line's ladder, grouped by category and product (staff).
pub async fn price_ladder(app: &App, auth: &Auth) -> AppResult<PriceLadder> {
    policy::require_role(auth, Role::Staff)?;
    let now = app.now();
    let cap = app.config.margin_cap_bps;
    let channels = app.store.channels().await?;
    let skus = app.store.skus(None).await?;
    let mut prices: HashMap<String, Vec<PriceChange>> = HashMap::new();
    for p in app.store.all_price_changes().await? {
        prices.entry(p.sku_code.clone()).or_default().push(p);
    }
    let mut costs: HashMap<i64, Vec<CostChange>> = HashMap::new();
    for c in app.store.all_cost_changes().await? {
        costs.entry(c.sku_id).or_default().push(c.change);
    }
    let mut by_product: HashMap<i64, Vec<LadderSku>> = HashMap::new();
    for sku in skus {
        let history = prices.remove(&sku.code).unwrap_or_default();
        let current = super::current_prices(&history, now);
        let prices: Vec<PriceNow> = channels
            .iter()
            .filter_map(|channel| {
                let p = current.iter().find(|p| p.channel == channel.code)?;
                let margin = unit_margin_bps(p.price_fen, sku.unit_cost_fen, channel.fee_bps);
                // The reason kept with the change that is in force now.
                let reason = history
                    .iter()
                    .rev()
                    .find(|h| h.channel == channel.code && h.effective_at <= now)
                    .and_then(|h| h.over_cap_reason.clone());
                Some(PriceNow {
                    channel: channel.code.clone(),
                    price_fen: p.price_fen,
                    since: p.since,
                    margin_bps: margin,
                    margin_at_set_bps: p.margin_bps,
                    over_cap: !within_cap(margin, cap),
                    below_cost: margin < 0,
                    over_cap_reason: reason,
                })
            })
            .collect();
        let own_price_fen = prices.iter().find(|p| p.channel == OWN_ONLINE).map(|p| p.price_fen);
        let mut sku_costs = costs.remove(&sku.id).unwrap_or_default();
        sku_costs.reverse();
        let mut history = history;
        history.reverse();
        by_product.entry(sku.product_id).or_default().push(LadderSku {
            sku,
            own_price_fen,
            prices,
            history,
            costs: sku_costs,
        });
    }
    let products = app.store.list_products().await?;
    let mut categories = Vec::new();
    for category in app.store.list_categories().await? {
        let mut lines = Vec::new();
        for product in products.iter().filter(|p| p.category_slug == category.slug) {
            let Some(mut skus) = by_product.remove(&product.id) else { continue };
            skus.sort_by(|a, b| {
                (a.own_price_fen.is_none(), a.own_price_fen, &a.sku.code).cmp(&(
                    b.own_price_fen.is_none(),
                    b.own_price_fen,
                    &b.sku.code,
                ))
            });
            let rungs: Vec<Rung> = skus
                .iter()
                .filter_map(|s| {
                    Some(Rung { tier: Tier::parse(&s.sku.tier).ok()?, price_fen: s.own_price_fen })
                })
                .collect();
            lines.push(LadderProduct {
                slug: product.slug.clone(),
                name: product.name.clone(),
                gaps: ladder_gaps(&rungs),
                skus,
            });
        }
        if !lines.is_empty() {
            categories.push(LadderCategory { category, products: lines });
        }
    }
    Ok(PriceLadder { now, cap_bps: cap, channels, categories })
}

/// A period's sales of a channel, a kind of channel, or a city.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalesLine {
    pub quantity: i64,
    pub revenue_fen: i64,
}

pub struct ChannelSales {
    pub from: Millis,
    pub to: Millis,
    /// Every channel with its sales in the period (zero for one that sold nothing).
    pub channels: Vec<(Channel, SalesLine)>,
    /// Kinds that have a channel, in `ChannelKind::ALL`'s order.
    pub by_kind: Vec<(ChannelKind, SalesLine)>,
    pub by_city: Vec<CitySales>,
    pub margin: MarginReport,
}

/// The channels and this calendar year's sales (in the site's time zone) per channel, kind
/// and city (staff).
pub async fn channel_sales(app: &App, auth: &Auth) -> AppResult<ChannelSales> {
    let margin = margin_report(app, auth, None, None).await?;
    let channels = app.store.channels().await?;
    let by_city = app.store.sales_by_city(margin.from, margin.to).await?;
    let lines: Vec<(Channel, SalesLine)> = channels
        .into_iter()
        .map(|c| {
            let line = margin
                .by_channel
                .iter()
                .find(|l| l.key == c.code)
                .map(|l| SalesLine { quantity: l.quantity, revenue_fen: l.totals.revenue_fen })
                .unwrap_or_default();
            (c, line)
        })
        .collect();
    let by_kind = ChannelKind::ALL
        .into_iter()
        .filter_map(|kind| {
            let mine: Vec<&SalesLine> =
                lines.iter().filter(|(c, _)| c.kind == kind.as_str()).map(|(_, l)| l).collect();
            if mine.is_empty() {
                return None;
            }
            let total = mine.iter().fold(SalesLine::default(), |acc, l| SalesLine {
                quantity: acc.quantity + l.quantity,
                revenue_fen: acc.revenue_fen + l.revenue_fen,
            });
            Some((kind, total))
        })
        .collect();
    Ok(ChannelSales { from: margin.from, to: margin.to, channels: lines, by_kind, by_city, margin })
}
