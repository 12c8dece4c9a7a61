//! Channels and pricing (issue #21): where products sell, what each SKU costs and sells for
//! on each channel, the margin pledge checked on every price, one sales ledger for every
//! channel, and the margin report anyone on the team can check the pledge against.
//!
//! Staff run channels and read the report; a product's managers run its SKUs and prices; only
//! an admin may set a price above the pledge, with a reason that is kept and shown.

pub mod overview;

use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::{App, policy};
use canyu_core::pricing::{
    self, ChannelKind, MAX_SALES_ROWS, MarginTotals, OWN_ONLINE, Tier, unit_margin_bps, within_cap,
};
use canyu_core::text::refuse_controls;
use canyu_core::{ErrorCode, Millis, Role};
use canyu_store::{Channel, NewChannel, NewPrice, NewSku, PriceChange, SaleRow, Sku, SkuChange};
use std::collections::{HashMap, HashSet};

pub mod ledger;
pub mod stock;

const DAY_MS: Millis = 24 * 60 * 60 * 1000;
/// Units one sales row may carry.
pub const MAX_SALE_QUANTITY: i64 = 100_000;
/// A sold unit's price at most ¥10 million: a row's revenue stays below 10^14 fen, so a
/// period's sums fit 64 bits for tens of thousands of such rows.
pub const MAX_SALE_UNIT_PRICE_FEN: i64 = 1_000_000_000;
/// "The lowest price of the last 30 days", as price-comparison rules in China ask for.
pub const LOWEST_PRICE_WINDOW_MS: Millis = 30 * DAY_MS;

fn name_of(raw: &str, max: usize) -> AppResult<String> {
    let name = raw.trim();
    refuse_controls(name)?;
    if name.is_empty() || name.chars().count() > max {
        return Err(ErrorCode::InvalidName.into());
    }
    Ok(name.to_string())
}

pub struct ChannelInput {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub city: Option<String>,
    pub fee_bps: Option<i64>,
}

pub async fn create_channel(app: &App, auth: &Auth, input: ChannelInput) -> AppResult<Channel> {
    policy::require_role(auth, Role::Staff)?;
    let code = pricing::parse_channel_code(&input.code)?;
    let name = name_of(&input.name, 60)?;
    let kind = ChannelKind::parse(&input.kind)?;
    let city = match input.city.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(name_of(c, 40)?),
        None => None,
    };
    let fee_bps = pricing::parse_fee_bps(input.fee_bps.unwrap_or(0))?;
    let channel = app
        .store
        .create_channel(NewChannel {
            code: &code,
            name: &name,
            kind: kind.as_str(),
            city: city.as_deref(),
            fee_bps,
            created_at: app.now(),
        })
        .await?;
    tracing::info!(channel = %channel.code, kind = kind.as_str(), fee_bps, by = auth.user.id, "channel created");
    Ok(channel)
}

pub async fn channels(app: &App, auth: &Auth) -> AppResult<Vec<Channel>> {
    policy::require_role(auth, Role::Staff)?;
    Ok(app.store.channels().await?)
}

async fn channel(app: &App, code: &str) -> AppResult<Channel> {
    app.store.channel_by_code(code.trim()).await?.ok_or(ErrorCode::ChannelNotFound.into())
}

pub struct SkuInput {
    pub code: String,
    pub name: String,
    pub tier: String,
    pub unit_cost_fen: i64,
}

/// A catalog SKU of a product, by one of its managers.
pub async fn create_sku(app: &App, auth: &Auth, product_slug: &str, input: SkuInput) -> AppResult<Sku> {
    let product = app.store.product_by_slug(product_slug.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    policy::require_manager(app, auth, product.id).await?;
    let code = pricing::parse_sku_code(&input.code)?;
    let name = name_of(&input.name, 60)?;
    let tier = Tier::parse(&input.tier)?;
    let cost = pricing::parse_cost_fen(input.unit_cost_fen)?;
    let sku = app
        .store
        .create_sku(NewSku {
            product_id: product.id,
            code: &code,
            name: &name,
            tier: tier.as_str(),
            unit_cost_fen: cost,
            created_by: auth.user.id,
            created_at: app.now(),
        })
        .await?;
    tracing::info!(sku = %sku.code, product = %product.slug, by = auth.user.id, "sku created");
    Ok(sku)
}

pub async fn sku(app: &App, code: &str) -> AppResult<Sku> {
    app.store.sku_by_code(code.trim()).await?.ok_or(ErrorCode::SkuNotFound.into())
}

#[derive(Default)]
pub struct SkuPatch {
    pub name: Option<String>,
    pub tier: Option<String>,
    pub unit_cost_fen: Option<i64>,
}

/// Changes a SKU's name, tier or cost; a cost is kept with its time, so sales before it keep
/// the cost they had.
pub async fn change_sku(app: &App, auth: &Auth, code: &str, patch: SkuPatch) -> AppResult<Sku> {
    let sku = sku(app, code).await?;
    policy::require_manager(app, auth, sku.product_id).await?;
    let name = patch.name.as_deref().map(|n| name_of(n, 60)).transpose()?;
    let tier = patch.tier.as_deref().map(Tier::parse).transpose()?;
    let cost = patch.unit_cost_fen.map(pricing::parse_cost_fen).transpose()?;
    app.store
        .change_sku(
            sku.id,
            SkuChange {
                name: name.as_deref(),
                tier: tier.map(Tier::as_str),
                unit_cost_fen: cost,
                changed_by: auth.user.id,
                at: app.now(),
            },
        )
        .await?;
    self::sku(app, &sku.code).await
}

pub struct PriceInput {
    pub channel: String,
    pub price_fen: i64,
    pub effective_at: Option<Millis>,
    pub reason: String,
    pub over_cap_reason: Option<String>,
}

/// `6.12%`: a margin in bps as people read it.
pub fn percent(bps: i64) -> String {
    let sign = if bps < 0 { "-" } else { "" };
    let abs = bps.unsigned_abs();
    format!("{sign}{}.{:02}%", abs / 100, abs % 100)
}

/// A price of a SKU on a channel, from now or a later time. Refused with
/// `margin_cap_exceeded` when a unit's net margin would pass the pledge, unless an admin
/// says why (kept with the price and shown wherever it is).
pub async fn set_price(app: &App, auth: &Auth, sku_code: &str, input: PriceInput) -> AppResult<PriceChange> {
    let sku = sku(app, sku_code).await?;
    policy::require_manager(app, auth, sku.product_id).await?;
    let channel = channel(app, &input.channel).await?;
    let price = pricing::parse_price_fen(input.price_fen)?;
    let reason = input.reason.trim();
    refuse_controls(reason)?;
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ErrorCode::InvalidPriceReason.into());
    }
    let now = app.now();
    let effective_at = input.effective_at.unwrap_or(now).max(now);
    let margin = unit_margin_bps(price, sku.unit_cost_fen, channel.fee_bps);
    let cap = app.config.margin_cap_bps;
    let over_cap_reason = input.over_cap_reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if !within_cap(margin, cap) {
        match over_cap_reason {
            None => {
                return Err(AppError::with_detail(
                    ErrorCode::MarginCapExceeded,
                    format!("margin {} > cap {}", percent(margin), percent(cap)),
                ));
            }
            Some(_) if auth.user.role != Role::Admin => return Err(ErrorCode::Forbidden.into()),
            Some(why) => {
                refuse_controls(why)?;
                if why.chars().count() > 200 {
                    return Err(ErrorCode::InvalidPriceReason.into());
                }
            }
        }
    }
    let change = app
        .store
        .add_price(NewPrice {
            sku_id: sku.id,
            channel_id: channel.id,
            price_fen: price,
            effective_at,
            reason,
            over_cap_reason: if within_cap(margin, cap) { None } else { over_cap_reason },
            margin_bps: margin,
            created_by: auth.user.id,
            created_at: now,
        })
        .await?;
    tracing::info!(sku = %sku.code, channel = %channel.code, price, margin, effective_at, by = auth.user.id, "price set");
    Ok(change)
}

/// A channel's price of a SKU as it stands, and the lowest it stood at in the last 30 days.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPrice {
    pub channel: String,
    pub price_fen: i64,
    pub margin_bps: i64,
    pub since: Millis,
    pub lowest_30d_fen: i64,
}

pub struct PriceBook {
    pub sku: Sku,
    pub history: Vec<PriceChange>,
    pub current: Vec<ChannelPrice>,
}

/// Every accepted price change of a SKU; per channel, the price in force now and the lowest
/// in force at any time in the last 30 days. A scheduled price counts from its time, on
/// every node, because it is read against the clock rather than applied by a job.
pub async fn price_book(app: &App, auth: &Auth, sku_code: &str) -> AppResult<PriceBook> {
    policy::require_role(auth, Role::Staff)?;
    let sku = sku(app, sku_code).await?;
    let history = app.store.price_history(sku.id).await?;
    let current = current_prices(&history, app.now());
    Ok(PriceBook { sku, history, current })
}

/// Per channel (in order of first price), the price in force at `now` and the lowest in
/// force during `[now − 30 days, now]`. `history` is ordered by effective time.
pub fn current_prices(history: &[PriceChange], now: Millis) -> Vec<ChannelPrice> {
    let mut order: Vec<&str> = Vec::new();
    for p in history {
        if !order.contains(&p.channel.as_str()) {
            order.push(&p.channel);
        }
    }
    let since = now - LOWEST_PRICE_WINDOW_MS;
    order
        .into_iter()
        .filter_map(|channel| {
            let mine: Vec<&PriceChange> =
                history.iter().filter(|p| p.channel == channel && p.effective_at <= now).collect();
            let in_force = *mine.last()?;
            // The price in force when the window opened, and every one that took effect in it.
            let at_window_start = mine.iter().rev().find(|p| p.effective_at <= since);
            let lowest = mine
                .iter()
                .filter(|p| p.effective_at > since)
                .chain(at_window_start)
                .map(|p| p.price_fen)
                .min()
                .unwrap_or(in_force.price_fen);
            Some(ChannelPrice {
                channel: channel.to_string(),
                price_fen: in_force.price_fen,
                margin_bps: in_force.margin_bps,
                since: in_force.effective_at,
                lowest_30d_fen: lowest,
            })
        })
        .collect()
}

/// A SKU on a product's shelf: its price on canyu's own store now, and the lowest it stood
/// at in the last 30 days (what fans are shown beside a price, as Chinese pricing rules ask).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShelfPrice {
    pub sku_code: String,
    pub name: String,
    pub tier: String,
    pub price_fen: i64,
    pub lowest_30d_fen: i64,
}

/// The product's SKUs priced on the own store, cheapest first. Public: what a fan sees.
pub async fn shelf(app: &App, product_id: i64) -> AppResult<Vec<ShelfPrice>> {
    let now = app.now();
    let history = app.store.channel_prices_of_product(product_id, OWN_ONLINE, now).await?;
    if history.is_empty() {
        return Ok(Vec::new());
    }
    let skus = app.store.skus(Some(product_id)).await?;
    let mut shelf: Vec<ShelfPrice> = skus
        .iter()
        .filter_map(|sku| {
            let own: Vec<PriceChange> = history.iter().filter(|p| p.sku_code == sku.code).cloned().collect();
            let now_price = current_prices(&own, now).into_iter().next()?;
            Some(ShelfPrice {
                sku_code: sku.code.clone(),
                name: sku.name.clone(),
                tier: sku.tier.clone(),
                price_fen: now_price.price_fen,
                lowest_30d_fen: now_price.lowest_30d_fen,
            })
        })
        .collect();
    shelf.sort_by_key(|s| s.price_fen);
    Ok(shelf)
}

/// A sale as a channel reports it.
pub struct SaleInput {
    pub external_id: String,
    pub sku: String,
    pub quantity: i64,
    pub unit_price_fen: i64,
    /// RFC 3339.
    pub sold_at: String,
    pub city: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SalesOutcome {
    pub inserted: usize,
    pub duplicates: usize,
    /// (index in the batch, why).
    pub rejected: Vec<(usize, ErrorCode)>,
}

/// Issues a token that reports `code`'s sales and nothing else, for the channel's own system
/// (staff). Returns the secret, shown once.
pub async fn create_channel_token(
    app: &App,
    auth: &Auth,
    code: &str,
    name: &str,
) -> AppResult<(String, canyu_store::ApiToken)> {
    policy::require_role(auth, Role::Staff)?;
    let channel = channel(app, code).await?;
    let name = name.trim();
    let name = if name.is_empty() { format!("{} sales", channel.code) } else { name_of(name, 60)? };
    let (secret, token) =
        crate::accounts::sessions::issue_channel_token(app, &auth.user, channel.id, &name).await?;
    tracing::info!(channel = %channel.code, token = token.id, by = auth.user.id, "channel token issued");
    Ok((secret, token))
}

/// Records a channel's sales: each row once by (channel, external id) — a row already in the
/// ledger, or repeated earlier in the batch, is a duplicate and changes nothing; a bad row is
/// rejected alone with its code while the good ones go in.
pub async fn record_sales(
    app: &App,
    auth: &Auth,
    channel_code: &str,
    rows: Vec<SaleInput>,
) -> AppResult<SalesOutcome> {
    policy::require_role(auth, Role::Staff)?;
    if let crate::accounts::AuthVia::ChannelToken { channel } = &auth.via
        && channel != channel_code.trim()
    {
        return Err(ErrorCode::ChannelTokenScope.into());
    }
    if rows.len() > MAX_SALES_ROWS {
        return Err(ErrorCode::TooManySalesRows.into());
    }
    let channel = channel(app, channel_code).await?;
    let outcome = record(app, &channel, &rows, Insert::Batched).await?;
    tracing::info!(
        channel = %channel.code,
        inserted = outcome.inserted,
        duplicates = outcome.duplicates,
        rejected = outcome.rejected.len(),
        by = auth.user.id,
        "sales recorded"
    );
    Ok(outcome)
}

/// How rows go into the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Insert {
    /// Hundreds of rows a statement, one transaction a batch.
    Batched,
    /// A statement and a transaction a row: the benchmark's baseline.
    OneByOne,
}

/// `canyu sales import`: the operator, with the database's own access, records a channel's
/// sales from a file, batch by batch, with the API's semantics.
pub async fn import_sales(
    app: &App,
    channel_code: &str,
    rows: &[SaleInput],
    insert: Insert,
) -> AppResult<SalesOutcome> {
    let channel = channel(app, channel_code).await?;
    record(app, &channel, rows, insert).await
}

/// A SKU's costs by time, to cost each sale at its own time.
struct CostBook {
    /// (effective_at, unit cost), by time.
    changes: Vec<(Millis, i64)>,
}

impl CostBook {
    fn at(&self, at: Millis) -> i64 {
        self.changes
            .iter()
            .rev()
            .find(|(from, _)| *from <= at)
            .or(self.changes.first())
            .map_or(0, |(_, cost)| *cost)
    }
}

/// The cost books of the SKUs met so far, each read once.
#[derive(Default)]
struct CostBooks {
    books: HashMap<i64, CostBook>,
}

impl CostBooks {
    /// The SKU's unit cost at `at`.
    async fn cost(&mut self, app: &App, sku_id: i64, at: Millis) -> AppResult<i64> {
        if let Some(book) = self.books.get(&sku_id) {
            return Ok(book.at(at));
        }
        let changes =
            app.store.sku_costs(sku_id).await?.iter().map(|c| (c.effective_at, c.unit_cost_fen)).collect();
        let book = CostBook { changes };
        let cost = book.at(at);
        self.books.insert(sku_id, book);
        Ok(cost)
    }
}

async fn record(app: &App, channel: &Channel, rows: &[SaleInput], insert: Insert) -> AppResult<SalesOutcome> {
    let mut outcome = SalesOutcome::default();
    let mut skus: HashMap<String, Option<i64>> = HashMap::new();
    let mut costs = CostBooks::default();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut good: Vec<SaleRow<'_>> = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let external_id = row.external_id.trim();
        let sku_code = row.sku.trim();
        let sku_id = match skus.get(sku_code) {
            Some(found) => *found,
            None => {
                let found = app.store.sku_by_code(sku_code).await?.map(|s| s.id);
                skus.insert(sku_code.to_string(), found);
                found
            }
        };
        let city = row.city.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let checked = if external_id.is_empty()
            || external_id.starts_with(ledger::OWN_PREFIX)
            || external_id.chars().count() > 100
            || refuse_controls(external_id).is_err()
            || !(1..=MAX_SALE_QUANTITY).contains(&row.quantity)
            || !(0..=MAX_SALE_UNIT_PRICE_FEN).contains(&row.unit_price_fen)
            || city.is_some_and(|c| c.chars().count() > 40 || refuse_controls(c).is_err())
        {
            Err(ErrorCode::InvalidSalesRow)
        } else if let Some(sku_id) = sku_id {
            canyu_core::time::parse_rfc3339(&row.sold_at).map(|at| (sku_id, at)).ok_or(ErrorCode::InvalidTime)
        } else {
            Err(ErrorCode::SkuNotFound)
        };
        match checked {
            Err(code) => outcome.rejected.push((index, code)),
            Ok(_) if !seen.insert(external_id) => outcome.duplicates += 1,
            Ok((sku_id, sold_at)) => good.push(SaleRow {
                external_id,
                sku_id,
                quantity: row.quantity,
                unit_price_fen: row.unit_price_fen,
                unit_cost_fen: costs.cost(app, sku_id, sold_at).await?,
                fee_fen: pricing::fee_fen(row.quantity * row.unit_price_fen, channel.fee_bps),
                sold_at,
                city,
                order_id: None,
            }),
        }
    }
    let now = app.now();
    let inserted = match insert {
        Insert::Batched => app.store.record_sales(channel.id, &good, now).await?,
        Insert::OneByOne => app.store.record_sales_one_by_one(channel.id, &good, now).await?,
    };
    outcome.inserted = inserted;
    outcome.duplicates += good.len() - inserted;
    Ok(outcome)
}

/// One line of the margin report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarginLine {
    /// A channel's code, a tier, or a product's slug.
    pub key: String,
    /// The channel's kind, for channel lines.
    pub kind: Option<String>,
    pub quantity: i64,
    pub totals: MarginTotals,
}

pub struct MarginReport {
    pub from: Millis,
    pub to: Millis,
    pub totals: MarginTotals,
    pub cap_bps: i64,
    pub by_channel: Vec<MarginLine>,
    pub by_tier: Vec<MarginLine>,
    pub by_product: Vec<MarginLine>,
}

/// The ledger over `[from, to)` (default: this calendar year in the site's time zone) against
/// the pledge: revenue, cost at each sale's time, channel fees, net, and the excess over the
/// cap that goes back to buyers.
pub async fn margin_report(
    app: &App,
    auth: &Auth,
    from: Option<Millis>,
    to: Option<Millis>,
) -> AppResult<MarginReport> {
    policy::require_role(auth, Role::Staff)?;
    let (year_start, year_end) = app.config.time_zone.year_of(app.now());
    let (from, to) = (from.unwrap_or(year_start), to.unwrap_or(year_end));
    if to <= from {
        return Err(ErrorCode::InvalidTime.into());
    }
    let sums = app.store.sales_sums(from, to).await?;
    let channels: HashMap<i64, Channel> =
        app.store.channels().await?.into_iter().map(|c| (c.id, c)).collect();
    let skus: HashMap<i64, Sku> = app.store.skus(None).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut totals = MarginTotals::default();
    let mut by_channel: Vec<MarginLine> = Vec::new();
    let mut by_tier: Vec<MarginLine> = Vec::new();
    let mut by_product: Vec<MarginLine> = Vec::new();
    fn add(lines: &mut Vec<MarginLine>, key: &str, kind: Option<&str>, quantity: i64, t: MarginTotals) {
        match lines.iter_mut().find(|l| l.key == key) {
            Some(line) => {
                line.quantity += quantity;
                line.totals.add(t);
            }
            None => lines.push(MarginLine {
                key: key.to_string(),
                kind: kind.map(str::to_string),
                quantity,
                totals: t,
            }),
        }
    }
    for s in &sums {
        let t =
            MarginTotals { revenue_fen: s.revenue_fen, cost_fen: s.cost_fen, channel_fees_fen: s.fee_fen };
        totals.add(t);
        let channel = channels.get(&s.channel_id);
        add(
            &mut by_channel,
            channel.map_or(OWN_ONLINE, |c| c.code.as_str()),
            channel.map(|c| c.kind.as_str()),
            s.quantity,
            t,
        );
        if let Some(sku) = skus.get(&s.sku_id) {
            add(&mut by_tier, &sku.tier, None, s.quantity, t);
            add(&mut by_product, &sku.product_slug, None, s.quantity, t);
        }
    }
    by_tier.sort_by_key(|l| Tier::parse(&l.key).ok());
    by_product.sort_by_key(|l| std::cmp::Reverse(l.totals.revenue_fen));
    Ok(MarginReport { from, to, totals, cap_bps: app.config.margin_cap_bps, by_channel, by_tier, by_product })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(channel: &str, price: i64, at: Millis) -> PriceChange {
        PriceChange {
            id: at,
            sku_code: "X".into(),
            channel: channel.into(),
            price_fen: price,
            effective_at: at,
            reason: "r".into(),
            over_cap_reason: None,
            margin_bps: 0,
            created_by: "s".into(),
            created_at: at,
        }
    }

    #[test]
    fn the_lowest_price_of_the_last_30_days_counts_the_one_in_force_when_the_window_opened() {
        let now = 100 * DAY_MS;
        let history = vec![
            change("online", 199_900, 0),
            change("jd", 209_900, 10 * DAY_MS),
            change("online", 179_900, 60 * DAY_MS), // in force when the window opened (day 70)
            change("online", 189_900, 80 * DAY_MS),
            change("online", 169_900, 120 * DAY_MS), // scheduled: not yet
        ];
        let current = current_prices(&history, now);
        assert_eq!(current.len(), 2);
        assert_eq!(
            (current[0].channel.as_str(), current[0].price_fen, current[0].lowest_30d_fen),
            ("online", 189_900, 179_900)
        );
        assert_eq!(
            (current[1].channel.as_str(), current[1].price_fen, current[1].lowest_30d_fen),
            ("jd", 209_900, 209_900)
        );
        // At day 121 the scheduled price is in force.
        assert_eq!(current_prices(&history, 121 * DAY_MS)[0].price_fen, 169_900);
        assert_eq!(percent(612), "6.12%");
        assert_eq!(percent(-5), "-0.05%");
    }
}
