//! canyu's own orders in the sales ledger, price protection (价保) on them, and give-backs of
//! margin over the pledge (issue #21). The ledger itself is `pricing.rs`; what is due here is
//! found by marks on the rows (`launch_orders.ledger`, `sku_prices.protected_at`) and decided
//! by unique keys, so every node may run the jobs at once.

use crate::pricing::{SaleRow, insert_sales};
use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::Row;

/// A launch order whose sale is due in the ledger: paid in full, locked, or already returned
/// before its sale was posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnSaleDue {
    pub order_id: i64,
    pub sku_id: i64,
    pub unit_price_fen: i64,
    pub sold_at: Millis,
}

/// A returned order whose sale is in the ledger and not yet reversed: the reversing row
/// repeats it with the quantity and fee negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReversalDue {
    pub order_id: i64,
    pub sku_id: i64,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub unit_cost_fen: i64,
    pub fee_fen: i64,
    pub returned_at: Millis,
}

/// A price change that took effect and whose price protection is not worked out yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceDropDue {
    pub id: i64,
    pub sku_id: i64,
    pub sku_code: String,
    pub channel_id: i64,
    pub price_fen: i64,
    pub effective_at: Millis,
}

/// A price-protection credit as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceProtection {
    pub order_id: i64,
    pub user_id: i64,
    pub paid_fen: i64,
    pub price_fen: i64,
    pub quantity: i64,
    pub credit_fen: i64,
    pub created_at: Millis,
}

/// What one own-channel buyer paid over a period, net of returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuyerSpend {
    pub user_id: i64,
    pub paid_fen: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GiveBack {
    pub id: i64,
    pub period_from: Millis,
    pub period_to: Millis,
    pub excess_fen: i64,
    pub points: i64,
    pub buyers: i64,
    pub created_by: String,
    pub created_at: Millis,
}

pub struct NewGiveBack<'a> {
    pub period_from: Millis,
    pub period_to: Millis,
    pub excess_fen: i64,
    /// Points per buyer, summing to the give-back's points.
    pub shares: &'a [(i64, i64)],
    pub created_by: i64,
    pub now: Millis,
}

impl Store {
    /// Launch orders whose sale the ledger does not have yet, oldest first. Their catalog SKU
    /// is the campaign SKU's code.
    pub async fn own_sales_due(&self, limit: i64) -> StoreResult<Vec<OwnSaleDue>> {
        let rows = sqlx::query(
            "SELECT lo.order_id, s.id AS sku_id, cs.price_fen, \
             COALESCE(lo.locked_at, lo.paid_at, lo.updated_at) AS sold_at FROM launch_orders lo \
             JOIN campaign_skus cs ON cs.campaign_id = lo.campaign_id AND cs.code = lo.sku_code \
             JOIN skus s ON s.code = lo.sku_code \
             WHERE lo.ledger = 0 AND lo.state IN ('paid', 'locked', 'returned') ORDER BY lo.order_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OwnSaleDue {
                    order_id: r.try_get("order_id")?,
                    sku_id: r.try_get("sku_id")?,
                    unit_price_fen: r.try_get("price_fen")?,
                    sold_at: r.try_get("sold_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Returned orders whose sale is in the ledger and not reversed yet.
    pub async fn reversals_due(&self, limit: i64) -> StoreResult<Vec<ReversalDue>> {
        let rows = sqlx::query(
            "SELECT lo.order_id, x.sku_id, x.quantity, x.unit_price_fen, x.unit_cost_fen, x.fee_fen, \
             lo.updated_at FROM launch_orders lo JOIN sales x ON x.order_id = lo.order_id AND x.quantity > 0 \
             WHERE lo.ledger = 1 AND lo.state = 'returned' ORDER BY lo.order_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReversalDue {
                    order_id: r.try_get("order_id")?,
                    sku_id: r.try_get("sku_id")?,
                    quantity: r.try_get("quantity")?,
                    unit_price_fen: r.try_get("unit_price_fen")?,
                    unit_cost_fen: r.try_get("unit_cost_fen")?,
                    fee_fen: r.try_get("fee_fen")?,
                    returned_at: r.try_get("updated_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Posts own-channel rows and moves their orders' mark from `ledger - 1` to `ledger` in
    /// one transaction. The ledger's unique key decides between nodes posting the same row.
    pub async fn post_own_sales(
        &self,
        channel_id: i64,
        rows: &[SaleRow<'_>],
        ledger: i64,
        now: Millis,
    ) -> StoreResult<usize> {
        let mut tx = self.write.begin().await?;
        let inserted = insert_sales(&mut tx, self.backend(), channel_id, rows, now).await?;
        for r in rows {
            sqlx::query("UPDATE launch_orders SET ledger = $1 WHERE order_id = $2 AND ledger = $3")
                .bind(ledger)
                .bind(r.order_id)
                .bind(ledger - 1)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// Price changes that took effect by `now` and were not worked out, by time.
    pub async fn price_drops_due(&self, now: Millis, limit: i64) -> StoreResult<Vec<PriceDropDue>> {
        let rows = sqlx::query(
            "SELECT sp.id, sp.sku_id, s.code, sp.channel_id, sp.price_fen, sp.effective_at FROM sku_prices sp \
             JOIN skus s ON s.id = sp.sku_id WHERE sp.protected_at IS NULL AND sp.effective_at <= $1 \
             ORDER BY sp.effective_at, sp.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PriceDropDue {
                    id: r.try_get("id")?,
                    sku_id: r.try_get("sku_id")?,
                    sku_code: r.try_get("code")?,
                    channel_id: r.try_get("channel_id")?,
                    price_fen: r.try_get("price_fen")?,
                    effective_at: r.try_get("effective_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Works out one price change's protection: every own-channel sale of its SKU within
    /// `window_ms` before it took effect, paid above the new price, of an order still sold and
    /// never credited, gets a credit of the difference times the quantity, and its buyer a
    /// notice (inbox and email) — in the transaction that marks the change worked out, so a
    /// credit and its notice are written once whichever node gets there. Returns the credits.
    pub async fn protect_price(
        &self,
        drop: &PriceDropDue,
        own_channel_id: i64,
        window_ms: Millis,
        now: Millis,
    ) -> StoreResult<Vec<PriceProtection>> {
        let mut tx = self.write.begin().await?;
        let claimed =
            sqlx::query("UPDATE sku_prices SET protected_at = $1 WHERE id = $2 AND protected_at IS NULL")
                .bind(now)
                .bind(drop.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if claimed == 0 || drop.channel_id != own_channel_id {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "INSERT INTO price_protections (order_id, user_id, sku_price_id, paid_fen, price_fen, quantity, \
             credit_fen, created_at) \
             SELECT x.order_id, lo.user_id, $1, x.unit_price_fen, $2, x.quantity, \
             (x.unit_price_fen - $2) * x.quantity, $3 FROM sales x JOIN launch_orders lo ON lo.order_id = x.order_id \
             WHERE x.channel_id = $4 AND x.sku_id = $5 AND x.quantity > 0 AND x.sold_at >= $6 AND x.sold_at < $7 \
             AND x.unit_price_fen > $2 AND lo.state IN ('paid', 'locked') \
             AND NOT EXISTS (SELECT 1 FROM price_protections p WHERE p.order_id = x.order_id) \
             ON CONFLICT (order_id) DO NOTHING \
             RETURNING order_id, user_id, paid_fen, price_fen, quantity, credit_fen, created_at",
        )
        .bind(drop.id)
        .bind(drop.price_fen)
        .bind(now)
        .bind(own_channel_id)
        .bind(drop.sku_id)
        .bind(drop.effective_at - window_ms)
        .bind(drop.effective_at)
        .fetch_all(&mut *tx)
        .await?;
        let credits: Vec<PriceProtection> =
            rows.iter().map(protection_from_row).collect::<Result<_, sqlx::Error>>()?;
        let kind = crate::NotificationKind::PriceProtected;
        for c in &credits {
            let key = format!("{}:{}", kind.as_str(), c.order_id);
            let data = serde_json::json!({
                "order": c.order_id,
                "sku": drop.sku_code,
                "credit_fen": c.credit_fen,
                "price_fen": c.price_fen,
                "paid_fen": c.paid_fen,
            });
            Self::notify_fan(&mut tx, c.user_id, kind, &key, None, &data, now).await?;
        }
        tx.commit().await?;
        Ok(credits)
    }

    /// An order's price-protection credit, if it has one.
    pub async fn price_protection(&self, order_id: i64) -> StoreResult<Option<PriceProtection>> {
        let row = sqlx::query(
            "SELECT order_id, user_id, paid_fen, price_fen, quantity, credit_fen, created_at \
             FROM price_protections WHERE order_id = $1",
        )
        .bind(order_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(protection_from_row).transpose()?)
    }

    /// What each buyer paid through the own channel over `[from, to)`, net of returns; buyers
    /// who paid nothing net are left out.
    pub async fn own_buyers(
        &self,
        channel_id: i64,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<BuyerSpend>> {
        let rows = sqlx::query(
            "SELECT lo.user_id, CAST(SUM(x.quantity * x.unit_price_fen) AS BIGINT) AS paid FROM sales x \
             JOIN launch_orders lo ON lo.order_id = x.order_id \
             WHERE x.channel_id = $1 AND x.sold_at >= $2 AND x.sold_at < $3 \
             GROUP BY lo.user_id HAVING SUM(x.quantity * x.unit_price_fen) > 0 ORDER BY lo.user_id",
        )
        .bind(channel_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok(BuyerSpend { user_id: r.try_get("user_id")?, paid_fen: r.try_get("paid")? }))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Records a give-back and credits its points, once per period: a second one for the same
    /// period is refused with `give_back_exists`, one overlapping another with
    /// `give_back_overlaps`.
    pub async fn record_give_back(&self, g: &NewGiveBack<'_>) -> StoreResult<GiveBack> {
        let mut tx = self.write.begin().await?;
        let overlapping: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM give_backs WHERE period_from < $2 AND period_to > $1 \
             AND NOT (period_from = $1 AND period_to = $2)",
        )
        .bind(g.period_from)
        .bind(g.period_to)
        .fetch_one(&mut *tx)
        .await?;
        if overlapping > 0 {
            return Err(ErrorCode::GiveBackOverlaps.into());
        }
        let points: i64 = g.shares.iter().map(|(_, p)| p).sum();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO give_backs (period_from, period_to, excess_fen, points, buyers, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(g.period_from)
        .bind(g.period_to)
        .bind(g.excess_fen)
        .bind(points)
        .bind(g.shares.len() as i64)
        .bind(g.created_by)
        .bind(g.now)
        .fetch_one(&mut *tx)
        .await
        .map_err(crate::error::unique_or(ErrorCode::GiveBackExists))?;
        let ref_key = id.to_string();
        for (user_id, share) in g.shares.iter().filter(|(_, p)| *p > 0) {
            sqlx::query(
                "INSERT INTO points_ledger (user_id, product_id, delta, reason, ref_key, note, actor_id, created_at) \
                 VALUES ($1, NULL, $2, $3, $4, NULL, $5, $6)",
            )
            .bind(user_id)
            .bind(share)
            .bind(canyu_core::points::Reason::GiveBack.as_str())
            .bind(&ref_key)
            .bind(g.created_by)
            .bind(g.now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE users SET points = points + $1 WHERE id = $2")
                .bind(share)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.give_backs().await?.into_iter().find(|b| b.id == id).ok_or(ErrorCode::Internal.into())
    }

    pub async fn give_backs(&self) -> StoreResult<Vec<GiveBack>> {
        let rows = sqlx::query(
            "SELECT g.id, g.period_from, g.period_to, g.excess_fen, g.points, g.buyers, u.handle, g.created_at \
             FROM give_backs g JOIN users u ON u.id = g.created_by ORDER BY g.period_from DESC",
        )
        .fetch_all(&self.write)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GiveBack {
                    id: r.try_get("id")?,
                    period_from: r.try_get("period_from")?,
                    period_to: r.try_get("period_to")?,
                    excess_fen: r.try_get("excess_fen")?,
                    points: r.try_get("points")?,
                    buyers: r.try_get("buyers")?,
                    created_by: r.try_get("handle")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}

fn protection_from_row(r: &sqlx::any::AnyRow) -> Result<PriceProtection, sqlx::Error> {
    Ok(PriceProtection {
        order_id: r.try_get("order_id")?,
        user_id: r.try_get("user_id")?,
        paid_fen: r.try_get("paid_fen")?,
        price_fen: r.try_get("price_fen")?,
        quantity: r.try_get("quantity")?,
        credit_fen: r.try_get("credit_fen")?,
        created_at: r.try_get("created_at")?,
    })
}
