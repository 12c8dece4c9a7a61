//! `/admin/pricing` and `/admin/channels` (issue #21): what staff read about prices and
//! channels. Read only — prices, SKUs and channels are set through the API
//! (`/api/v1/skus/{code}/prices`, …); fans and moderators are refused (403), visitors sent to
//! sign in. Money is fen in the code and `¥1,234.50` on the page; times are in the site's
//! zone, named.

use super::i18n::{self, T};
use super::{Cx, Layout, product_url};
use crate::auth::Auth;
use crate::charts::{MarginGauge, margin_gauge};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use canyu_app::pricing::overview::{LadderSku, PriceNow};
use canyu_app::pricing::percent;
use canyu_core::campaign::format_yuan;
use canyu_core::pricing::{ChannelKind, Tier};
use canyu_core::{Locale, Millis, Role};
use std::collections::HashMap;

pub const PRICING_URL: &str = "/admin/pricing";
pub const CHANNELS_URL: &str = "/admin/channels";

/// `12,345`: a count as people read it.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An element id for a SKU's section (SKU codes are letters, digits, `-`, `_` and `.`, all
/// fine in an id and a fragment).
fn sku_anchor(code: &str) -> String {
    format!("sku-{code}")
}

/// "2026-01-01 至 2026-12-31（北京时间）": the report's `[from, to)` by its first and last day.
fn period(cx: &Cx, from: Millis, to: Millis) -> String {
    let zone = i18n::zone_label(cx.locale, &cx.zone);
    i18n::report_period(cx.locale, &cx.date(from), &cx.date(to - 1), &zone)
}

pub struct Money {
    pub revenue: String,
    pub cost: String,
    pub fees: String,
    pub net: String,
    pub excess: String,
}

pub struct Gauge {
    pub shape: MarginGauge,
    pub alt: String,
    pub margin: String,
    pub cap: String,
    pub scale_max: String,
}

#[derive(Clone)]
pub struct PriceView {
    pub channel: String,
    pub channel_code: String,
    pub price: String,
    pub margin: String,
    /// The margin when the price was set, if it has moved since.
    pub margin_when_set: Option<String>,
    pub over_cap: bool,
    pub below_cost: bool,
    pub over_cap_reason: Option<String>,
}

pub struct HistoryView {
    pub effective: String,
    pub scheduled: bool,
    pub channel: String,
    pub price: String,
    pub reason: String,
    pub over_cap_reason: Option<String>,
    pub by: String,
    pub recorded: String,
}

pub struct CostView {
    pub cost: String,
    pub at: String,
    pub by: String,
}

pub struct SkuView {
    pub code: String,
    pub name: String,
    pub anchor: String,
    pub tier: &'static str,
    pub tier_label: &'static str,
    pub own_price: Option<String>,
    pub cost: String,
    pub prices: Vec<PriceView>,
    pub flagged: bool,
    pub history_summary: String,
    pub history: Vec<HistoryView>,
    pub costs: Vec<CostView>,
}

pub struct ProductView {
    pub slug: String,
    pub name: String,
    pub board_url: String,
    pub gaps: Vec<String>,
    pub skus: Vec<SkuView>,
}

pub struct CategoryView {
    pub slug: String,
    pub name: String,
    pub products: Vec<ProductView>,
}

/// A price that needs a look: over the pledge, or below cost, now.
pub struct ReviewRow {
    pub product: String,
    pub sku: String,
    pub sku_code: String,
    pub anchor: String,
    pub price: PriceView,
}

#[derive(Template, WebTemplate)]
#[template(path = "pricing_admin.html")]
pub struct PricingPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub period: String,
    pub gauge: Gauge,
    pub money: Money,
    pub review: Vec<ReviewRow>,
    pub categories: Vec<CategoryView>,
    pub sku_count: usize,
}

fn tier_of(t: &'static T, raw: &str) -> (&'static str, &'static str) {
    match Tier::parse(raw) {
        Ok(tier) => (tier.as_str(), i18n::tier_label(t, tier)),
        // A tier the core does not know cannot be stored; shown as stored if it ever is.
        Err(_) => ("", ""),
    }
}

fn price_view(cx: &Cx, names: &HashMap<String, String>, p: &PriceNow) -> PriceView {
    PriceView {
        channel: names.get(&p.channel).cloned().unwrap_or_else(|| p.channel.clone()),
        channel_code: p.channel.clone(),
        price: format_yuan(p.price_fen),
        margin: percent(p.margin_bps),
        margin_when_set: (p.margin_at_set_bps != p.margin_bps)
            .then(|| i18n::margin_when_set(cx.locale, &percent(p.margin_at_set_bps))),
        over_cap: p.over_cap,
        below_cost: p.below_cost,
        over_cap_reason: p.over_cap_reason.clone(),
    }
}

fn sku_view(cx: &Cx, names: &HashMap<String, String>, now: Millis, s: &LadderSku) -> SkuView {
    let (tier, tier_label) = tier_of(cx.t, &s.sku.tier);
    SkuView {
        code: s.sku.code.clone(),
        name: s.sku.name.clone(),
        anchor: sku_anchor(&s.sku.code),
        tier,
        tier_label,
        own_price: s.own_price_fen.map(format_yuan),
        cost: format_yuan(s.sku.unit_cost_fen),
        prices: s.prices.iter().map(|p| price_view(cx, names, p)).collect(),
        flagged: s.prices.iter().any(|p| p.over_cap || p.below_cost),
        history_summary: i18n::price_changes_count(cx.locale, s.history.len()),
        history: s
            .history
            .iter()
            .map(|h| HistoryView {
                effective: cx.datetime(h.effective_at),
                scheduled: h.effective_at > now,
                channel: names.get(&h.channel).cloned().unwrap_or_else(|| h.channel.clone()),
                price: format_yuan(h.price_fen),
                reason: h.reason.clone(),
                over_cap_reason: h.over_cap_reason.clone(),
                by: h.created_by.clone(),
                recorded: cx.datetime(h.created_at),
            })
            .collect(),
        costs: s
            .costs
            .iter()
            .map(|c| CostView {
                cost: format_yuan(c.unit_cost_fen),
                at: cx.datetime(c.effective_at),
                by: c.changed_by.clone().unwrap_or_default(),
            })
            .collect(),
    }
}

/// The signed-in staff member or admin, or a refusal (sign in first; 403 for the others).
fn staff(cx: &Cx) -> WebResult<&Auth> {
    let auth = cx.user()?;
    auth.require(Role::Staff)?;
    Ok(auth)
}

pub async fn pricing(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let ladder = canyu_app::pricing::overview::price_ladder(&state, auth).await?;
    let report = canyu_app::pricing::margin_report(&state, auth, None, None).await?;
    let names: HashMap<String, String> =
        ladder.channels.iter().map(|c| (c.code.clone(), c.name.clone())).collect();

    let mut review = Vec::new();
    let mut categories = Vec::new();
    let mut sku_count = 0;
    for c in &ladder.categories {
        let mut products = Vec::new();
        for p in &c.products {
            let skus: Vec<SkuView> = p.skus.iter().map(|s| sku_view(&cx, &names, ladder.now, s)).collect();
            sku_count += skus.len();
            for s in &skus {
                for price in s.prices.iter().filter(|x| x.over_cap || x.below_cost) {
                    review.push(ReviewRow {
                        product: p.name.clone(),
                        sku: s.name.clone(),
                        sku_code: s.code.clone(),
                        anchor: s.anchor.clone(),
                        price: price.clone(),
                    });
                }
            }
            products.push(ProductView {
                slug: p.slug.clone(),
                name: p.name.clone(),
                board_url: product_url(&p.slug),
                gaps: p.gaps.iter().map(|g| i18n::ladder_gap(cx.locale, g)).collect(),
                skus,
            });
        }
        categories.push(CategoryView {
            slug: c.category.slug.clone(),
            name: match cx.locale {
                Locale::ZhCn => c.category.name_zh.clone(),
                Locale::En => c.category.name_en.clone(),
            },
            products,
        });
    }
    // Over the pledge first: that is the promise; a loss is the business's own risk.
    review.sort_by_key(|r| !r.price.over_cap);

    let totals = report.totals;
    let margin_bps = totals.net_margin_bps();
    let shape = margin_gauge(margin_bps, report.cap_bps);
    let (margin, cap) = (percent(margin_bps), percent(report.cap_bps));
    let page = PricingPage {
        t: cx.t,
        ctx: cx.layout("pricing"),
        period: period(&cx, report.from, report.to),
        gauge: Gauge {
            alt: i18n::margin_gauge_alt(cx.locale, &margin, &cap, shape.over),
            scale_max: percent(shape.max_bps),
            shape,
            margin,
            cap,
        },
        money: Money {
            revenue: format_yuan(totals.revenue_fen),
            cost: format_yuan(totals.cost_fen),
            fees: format_yuan(totals.channel_fees_fen),
            net: format_yuan(totals.net_fen()),
            excess: format_yuan(totals.excess_fen(report.cap_bps)),
        },
        review,
        categories,
        sku_count,
    };
    Ok(cx.ok(page))
}

pub struct ChannelView {
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub city: String,
    pub fee: String,
    pub units: String,
    pub revenue: String,
}

/// One SKU's stock, a row per channel: grouped so a phone reads the SKU once.
pub struct StockGroup {
    pub sku: String,
    pub rows: Vec<StockRow>,
}

pub struct StockRow {
    pub channel: String,
    pub allocated: String,
    pub sold: String,
    pub left: String,
    pub sell_through: String,
    /// Nothing left to sell.
    pub sold_out: bool,
}

pub struct SalesRow {
    pub label: String,
    pub units: String,
    pub revenue: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "channels_admin.html")]
pub struct ChannelsPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub period: String,
    pub channels: Vec<ChannelView>,
    pub by_kind: Vec<SalesRow>,
    pub by_city: Vec<SalesRow>,
    pub total: SalesRow,
    pub has_sales: bool,
    pub stock: Vec<StockGroup>,
}

fn sales_row(label: String, quantity: i64, revenue_fen: i64) -> SalesRow {
    SalesRow { label, units: grouped(quantity), revenue: format_yuan(revenue_fen) }
}

pub async fn channels(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = staff(&cx)?;
    let sales = canyu_app::pricing::overview::channel_sales(&state, auth).await?;
    let t = cx.t;
    let channels = sales
        .channels
        .iter()
        .map(|(c, line)| ChannelView {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: ChannelKind::parse(&c.kind).map(|k| i18n::channel_kind_label(t, k)).unwrap_or(""),
            city: c.city.clone().unwrap_or_else(|| t.channels_nationwide.to_string()),
            fee: percent(c.fee_bps),
            units: grouped(line.quantity),
            revenue: format_yuan(line.revenue_fen),
        })
        .collect();
    let by_kind = sales
        .by_kind
        .iter()
        .map(|(k, l)| sales_row(i18n::channel_kind_label(t, *k).to_string(), l.quantity, l.revenue_fen))
        .collect();
    let by_city = sales
        .by_city
        .iter()
        .map(|c| {
            let label = c.city.clone().unwrap_or_else(|| t.channels_city_unknown.to_string());
            sales_row(label, c.quantity, c.revenue_fen)
        })
        .collect();
    let quantity: i64 = sales.channels.iter().map(|(_, l)| l.quantity).sum();
    let mut stock: Vec<StockGroup> = Vec::new();
    for (sku, c) in canyu_app::pricing::stock::all_stock(&state, auth).await? {
        let row = StockRow {
            allocated: grouped(c.allocated),
            sold: grouped(c.sold),
            left: grouped(c.remaining()),
            sell_through: if c.allocated > 0 {
                percent(c.sold * 10_000 / c.allocated)
            } else {
                "—".to_string()
            },
            sold_out: c.remaining() <= 0,
            channel: c.channel,
        };
        match stock.last_mut() {
            Some(group) if group.sku == sku => group.rows.push(row),
            _ => stock.push(StockGroup { sku, rows: vec![row] }),
        }
    }
    let page = ChannelsPage {
        t,
        ctx: cx.layout("channels"),
        period: period(&cx, sales.from, sales.to),
        channels,
        by_kind,
        by_city,
        total: sales_row(t.channels_total.to_string(), quantity, sales.margin.totals.revenue_fen),
        has_sales: quantity > 0,
        stock,
    };
    Ok(cx.ok(page))
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn counts_and_anchors() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-1_000), "-1,000");
        assert_eq!(sku_anchor("SU7-MAX.2025"), "sku-SU7-MAX.2025");
    }
}
