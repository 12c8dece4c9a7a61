//! Channel stock (issue #21): the units of a SKU each channel has been given, transfers of
//! unsold units between channels (now or at a time), and sell-through from the ledger.
//! What a channel has left is its allocation less what the ledger says it sold; a move is
//! checked against that inside the transaction that makes it.

use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{Any, Row, Transaction};

/// A channel's stock of one SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelStock {
    pub channel_id: i64,
    pub channel: String,
    pub kind: String,
    /// Units given to the channel so far.
    pub allocated: i64,
    /// Units the ledger says it sold (net of returns).
    pub sold: i64,
}

impl ChannelStock {
    pub fn remaining(&self) -> i64 {
        self.allocated - self.sold
    }
}

/// One change to allocations, as logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockTransfer {
    pub id: i64,
    /// `set` or `transfer`.
    pub kind: String,
    pub from: Option<String>,
    pub to: String,
    /// Asked for; `None`: everything the source has left when it runs.
    pub units: Option<i64>,
    /// What moved (or, for `set`, the change), once done.
    pub moved: Option<i64>,
    pub reason: String,
    pub due_at: Millis,
    pub done_at: Option<Millis>,
    pub created_by: String,
    pub created_at: Millis,
}

pub struct NewTransfer<'a> {
    pub sku_id: i64,
    pub from_channel_id: i64,
    pub to_channel_id: i64,
    pub units: Option<i64>,
    pub reason: &'a str,
    pub due_at: Millis,
    pub created_by: i64,
    pub now: Millis,
}

type Tx = Transaction<'static, Any>;

fn stock_from_row(r: &sqlx::any::AnyRow) -> Result<ChannelStock, sqlx::Error> {
    Ok(ChannelStock {
        channel_id: r.try_get("id")?,
        channel: r.try_get("code")?,
        kind: r.try_get("kind")?,
        allocated: r.try_get("allocated")?,
        sold: r.try_get("sold")?,
    })
}

/// Units of the SKU the channel sold, by the ledger's hourly rollup (net of returns).
async fn sold(tx: &mut Tx, sku_id: i64, channel_id: i64) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM sales_hourly WHERE sku_id = $1 AND channel_id = $2",
    )
    .bind(sku_id)
    .bind(channel_id)
    .fetch_one(&mut **tx)
    .await?)
}

async fn allocated(tx: &mut Tx, sku_id: i64, channel_id: i64) -> StoreResult<i64> {
    let units: Option<i64> =
        sqlx::query_scalar("SELECT units FROM sku_allocations WHERE sku_id = $1 AND channel_id = $2")
            .bind(sku_id)
            .bind(channel_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(units.unwrap_or(0))
}

async fn put_units(
    tx: &mut Tx,
    sku_id: i64,
    channel_id: i64,
    units: i64,
    by: i64,
    now: Millis,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sku_allocations (sku_id, channel_id, units, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sku_id, channel_id) DO UPDATE SET units = excluded.units, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at",
    )
    .bind(sku_id)
    .bind(channel_id)
    .bind(units)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
/// Moves up to `units` (all that is left with `None`) from one channel to another; refuses
/// with `transfer_exceeds_stock` when `exact` and the source has fewer left. Returns what moved.
async fn move_units(
    tx: &mut Tx,
    sku_id: i64,
    from: i64,
    to: i64,
    units: Option<i64>,
    exact: bool,
    by: i64,
    now: Millis,
) -> StoreResult<i64> {
    let sold_from = sold(tx, sku_id, from).await?;
    let left = (allocated(tx, sku_id, from).await? - sold_from).max(0);
    let moving = match units {
        Some(n) if n > left && exact => return Err(ErrorCode::TransferExceedsStock.into()),
        Some(n) => n.min(left),
        None => left,
    };
    if moving == 0 {
        return Ok(0);
    }
    // Conditional on what is still left: a move that committed meanwhile (PostgreSQL
    // re-checks the row it waited for) makes this one refuse rather than oversell.
    let taken = sqlx::query(
        "UPDATE sku_allocations SET units = units - $1, updated_by = $2, updated_at = $3 \
         WHERE sku_id = $4 AND channel_id = $5 AND units - $6 >= $1",
    )
    .bind(moving)
    .bind(by)
    .bind(now)
    .bind(sku_id)
    .bind(from)
    .bind(sold_from)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(ErrorCode::TransferExceedsStock.into());
    }
    sqlx::query(
        "INSERT INTO sku_allocations (sku_id, channel_id, units, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sku_id, channel_id) DO UPDATE SET units = sku_allocations.units + excluded.units, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(sku_id)
    .bind(to)
    .bind(moving)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(moving)
}

impl Store {
    /// Each channel's stock of the SKU: every channel with an allocation or a sale of it.
    pub async fn channel_stock(&self, sku_id: i64) -> StoreResult<Vec<ChannelStock>> {
        let rows = sqlx::query(
            "SELECT c.id, c.code, c.kind, COALESCE(a.units, 0) AS allocated, \
             COALESCE((SELECT CAST(SUM(h.quantity) AS BIGINT) FROM sales_hourly h \
                       WHERE h.sku_id = $1 AND h.channel_id = c.id), 0) AS sold \
             FROM channels c LEFT JOIN sku_allocations a ON a.channel_id = c.id AND a.sku_id = $1 \
             WHERE a.units IS NOT NULL OR EXISTS (SELECT 1 FROM sales_hourly h WHERE h.sku_id = $1 AND h.channel_id = c.id) \
             ORDER BY c.id",
        )
        .bind(sku_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(stock_from_row).collect::<Result<_, _>>()?)
    }

    /// Every allocation with what its channel sold of the SKU, by SKU code and channel.
    pub async fn all_channel_stock(&self) -> StoreResult<Vec<(String, ChannelStock)>> {
        let rows = sqlx::query(
            "SELECT s.code AS sku, c.id, c.code, c.kind, a.units AS allocated, \
             COALESCE((SELECT CAST(SUM(h.quantity) AS BIGINT) FROM sales_hourly h \
                       WHERE h.sku_id = a.sku_id AND h.channel_id = a.channel_id), 0) AS sold \
             FROM sku_allocations a JOIN skus s ON s.id = a.sku_id JOIN channels c ON c.id = a.channel_id \
             ORDER BY s.code, c.id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("sku")?, stock_from_row(r)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Sets channels' allocations of a SKU, each logged; one below what the channel already
    /// sold is refused with `allocation_below_sold` and nothing changes.
    pub async fn set_allocations(
        &self,
        sku_id: i64,
        units: &[(i64, i64)],
        reason: &str,
        by: i64,
        now: Millis,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        for &(channel_id, n) in units {
            if n < sold(&mut tx, sku_id, channel_id).await? {
                return Err(ErrorCode::AllocationBelowSold.into());
            }
            let before = allocated(&mut tx, sku_id, channel_id).await?;
            put_units(&mut tx, sku_id, channel_id, n, by, now).await?;
            sqlx::query(
                "INSERT INTO stock_transfers (sku_id, kind, from_channel_id, to_channel_id, units, moved, reason, \
                 due_at, done_at, created_by, created_at) VALUES ($1, 'set', NULL, $2, $3, $4, $5, $6, $6, $7, $6)",
            )
            .bind(sku_id)
            .bind(channel_id)
            .bind(n)
            .bind(n - before)
            .bind(reason)
            .bind(now)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Logs a transfer and, when it is due, makes it (all of `units` or refused). Returns its id.
    pub async fn create_transfer(&self, t: &NewTransfer<'_>) -> StoreResult<i64> {
        let mut tx = self.write.begin().await?;
        let due = t.due_at <= t.now;
        let moved = if due {
            Some(
                move_units(
                    &mut tx,
                    t.sku_id,
                    t.from_channel_id,
                    t.to_channel_id,
                    t.units,
                    true,
                    t.created_by,
                    t.now,
                )
                .await?,
            )
        } else {
            None
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO stock_transfers (sku_id, kind, from_channel_id, to_channel_id, units, moved, reason, due_at, \
             done_at, created_by, created_at) VALUES ($1, 'transfer', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(t.sku_id)
        .bind(t.from_channel_id)
        .bind(t.to_channel_id)
        .bind(t.units)
        .bind(moved)
        .bind(t.reason)
        .bind(t.due_at)
        .bind(due.then_some(t.now))
        .bind(t.created_by)
        .bind(t.now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Makes every scheduled transfer whose time has come (what the source has left, up to
    /// the units asked), each once however many nodes run this. Returns how many ran.
    pub async fn run_due_transfers(&self, now: Millis) -> StoreResult<usize> {
        let due: Vec<(i64, i64, i64, i64, Option<i64>, i64)> = sqlx::query(
            "SELECT id, sku_id, from_channel_id, to_channel_id, units, created_by FROM stock_transfers \
             WHERE done_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT 100",
        )
        .bind(now)
        .fetch_all(&self.read)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("sku_id")?,
                r.try_get("from_channel_id")?,
                r.try_get("to_channel_id")?,
                r.try_get("units")?,
                r.try_get("created_by")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?;
        let mut ran = 0;
        for (id, sku_id, from, to, units, by) in due {
            let mut tx = self.write.begin().await?;
            let claimed =
                sqlx::query("UPDATE stock_transfers SET done_at = $1 WHERE id = $2 AND done_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if claimed == 0 {
                continue;
            }
            let moved = move_units(&mut tx, sku_id, from, to, units, false, by, now).await?;
            sqlx::query("UPDATE stock_transfers SET moved = $1 WHERE id = $2")
                .bind(moved)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// A SKU's allocation log, newest first.
    pub async fn stock_transfers(&self, sku_id: i64, limit: i64) -> StoreResult<Vec<StockTransfer>> {
        let rows = sqlx::query(
            "SELECT t.id, t.kind, f.code AS from_code, c.code AS to_code, t.units, t.moved, t.reason, t.due_at, \
             t.done_at, u.handle, t.created_at FROM stock_transfers t JOIN channels c ON c.id = t.to_channel_id \
             LEFT JOIN channels f ON f.id = t.from_channel_id JOIN users u ON u.id = t.created_by \
             WHERE t.sku_id = $1 ORDER BY t.id DESC LIMIT $2",
        )
        .bind(sku_id)
        .bind(limit)
        .fetch_all(&self.write)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StockTransfer {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    from: r.try_get("from_code")?,
                    to: r.try_get("to_code")?,
                    units: r.try_get("units")?,
                    moved: r.try_get("moved")?,
                    reason: r.try_get("reason")?,
                    due_at: r.try_get("due_at")?,
                    done_at: r.try_get("done_at")?,
                    created_by: r.try_get("handle")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
