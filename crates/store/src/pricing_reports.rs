//! Read-only reports over the pricing tables for the staff pages (`/admin/pricing`,
//! `/admin/channels`): every price and cost change at once, and sales by city. Nothing here
//! writes; the rows and their rules are `pricing.rs`'s.

use crate::{CostChange, PriceChange, Store, StoreResult};
use canyu_core::Millis;
use sqlx::Row;

/// A period's sales in one city.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitySales {
    /// The row's city, else its channel's; `None` when neither says (online sales reported
    /// without a delivery city).
    pub city: Option<String>,
    pub quantity: i64,
    pub revenue_fen: i64,
}

/// A cost change of a SKU, with the SKU it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuCostChange {
    pub sku_id: i64,
    pub change: CostChange,
}

impl Store {
    /// Sales over `[from, to)` per city, the most revenue first (then by city, unknown last).
    /// A row without a city counts in its channel's (a shop sells where it stands).
    ///
    /// Cost: this reads the period's rows of `sales` themselves, through the `sold_at` index —
    /// `sales_hourly`, which the margin report reads, has no city, and adding one is a
    /// migration. A year of a busy brand is millions of rows and a scan of seconds; the page
    /// that shows it is for staff, read now and then. If it gets slow, a city column in the
    /// rollup is the fix.
    pub async fn sales_by_city(&self, from: Millis, to: Millis) -> StoreResult<Vec<CitySales>> {
        let rows = sqlx::query(
            "SELECT COALESCE(s.city, c.city) AS city, CAST(SUM(s.quantity) AS BIGINT) AS quantity, \
             CAST(SUM(s.quantity * s.unit_price_fen) AS BIGINT) AS revenue FROM sales s \
             JOIN channels c ON c.id = s.channel_id WHERE s.sold_at >= $1 AND s.sold_at < $2 \
             GROUP BY COALESCE(s.city, c.city)",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        let mut cities = rows
            .iter()
            .map(|r| {
                Ok(CitySales {
                    city: r.try_get("city")?,
                    quantity: r.try_get("quantity")?,
                    revenue_fen: r.try_get("revenue")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        // Sorted here: the backends put NULL at different ends of an ORDER BY.
        cities.sort_by(|a, b| {
            b.revenue_fen
                .cmp(&a.revenue_fen)
                .then_with(|| a.city.is_none().cmp(&b.city.is_none()))
                .then_with(|| a.city.cmp(&b.city))
        });
        Ok(cities)
    }

    /// Every price change of every SKU, by SKU then by when it takes effect: the price ladder
    /// reads them in one query rather than one per SKU.
    pub async fn all_price_changes(&self) -> StoreResult<Vec<PriceChange>> {
        let rows = sqlx::query(
            "SELECT sp.id, s.code AS sku_code, c.code AS channel, sp.price_fen, sp.effective_at, sp.reason, \
             sp.over_cap_reason, sp.margin_bps, u.handle AS created_by, sp.created_at FROM sku_prices sp \
             JOIN skus s ON s.id = sp.sku_id JOIN channels c ON c.id = sp.channel_id \
             JOIN users u ON u.id = sp.created_by ORDER BY sp.sku_id, sp.effective_at, sp.id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PriceChange {
                    id: r.try_get("id")?,
                    sku_code: r.try_get("sku_code")?,
                    channel: r.try_get("channel")?,
                    price_fen: r.try_get("price_fen")?,
                    effective_at: r.try_get("effective_at")?,
                    reason: r.try_get("reason")?,
                    over_cap_reason: r.try_get("over_cap_reason")?,
                    margin_bps: r.try_get("margin_bps")?,
                    created_by: r.try_get("created_by")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Every cost change of every SKU, by SKU then by time.
    pub async fn all_cost_changes(&self) -> StoreResult<Vec<SkuCostChange>> {
        let rows = sqlx::query(
            "SELECT c.sku_id, c.unit_cost_fen, c.effective_at, u.handle FROM sku_costs c \
             LEFT JOIN users u ON u.id = c.changed_by ORDER BY c.sku_id, c.effective_at, c.id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SkuCostChange {
                    sku_id: r.try_get("sku_id")?,
                    change: CostChange {
                        unit_cost_fen: r.try_get("unit_cost_fen")?,
                        effective_at: r.try_get("effective_at")?,
                        changed_by: r.try_get("handle")?,
                    },
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
