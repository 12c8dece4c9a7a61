//! Channels, catalog SKUs, prices per channel (with their history) and the sales ledger of
//! every channel (issue #21). The rules (codes, margins, the pledge) are in
//! `canyu_core::pricing`; this module only keeps the rows.

use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub city: Option<String>,
    pub fee_bps: i64,
    pub created_at: Millis,
}

pub struct NewChannel<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub city: Option<&'a str>,
    pub fee_bps: i64,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sku {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub code: String,
    pub name: String,
    pub tier: String,
    pub unit_cost_fen: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
}

pub struct NewSku<'a> {
    pub product_id: i64,
    pub code: &'a str,
    pub name: &'a str,
    pub tier: &'a str,
    pub unit_cost_fen: i64,
    pub created_by: i64,
    pub created_at: Millis,
}

/// A change to a SKU; `None` leaves a field as it is.
pub struct SkuChange<'a> {
    pub name: Option<&'a str>,
    pub tier: Option<&'a str>,
    pub unit_cost_fen: Option<i64>,
    pub changed_by: i64,
    pub at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CostChange {
    pub unit_cost_fen: i64,
    pub effective_at: Millis,
    pub changed_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceChange {
    pub id: i64,
    pub sku_code: String,
    pub channel: String,
    pub price_fen: i64,
    pub effective_at: Millis,
    pub reason: String,
    pub over_cap_reason: Option<String>,
    pub margin_bps: i64,
    pub created_by: String,
    pub created_at: Millis,
}

pub struct NewPrice<'a> {
    pub sku_id: i64,
    pub channel_id: i64,
    pub price_fen: i64,
    pub effective_at: Millis,
    pub reason: &'a str,
    pub over_cap_reason: Option<&'a str>,
    pub margin_bps: i64,
    pub created_by: i64,
    pub created_at: Millis,
}

/// A sale as reported, checked: the SKU resolved, costed at its time, the channel's fee
/// computed.
pub struct SaleRow<'a> {
    pub external_id: &'a str,
    pub sku_id: i64,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub unit_cost_fen: i64,
    pub fee_fen: i64,
    pub sold_at: Millis,
    pub city: Option<&'a str>,
    /// The launch order an own-channel row comes from.
    pub order_id: Option<i64>,
}

/// Sums of the ledger over a period, per channel and SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SalesSum {
    pub channel_id: i64,
    pub sku_id: i64,
    pub quantity: i64,
    pub revenue_fen: i64,
    pub cost_fen: i64,
    pub fee_fen: i64,
}

const CHANNEL_SELECT: &str = "SELECT id, code, name, kind, city, fee_bps, created_at FROM channels";
const SKU_SELECT: &str = "SELECT s.id, s.product_id, p.slug AS product_slug, s.code, s.name, s.tier, \
     s.unit_cost_fen, s.created_at, s.updated_at FROM skus s JOIN products p ON p.id = s.product_id";
const PRICE_SELECT: &str = "SELECT sp.id, s.code AS sku_code, c.code AS channel, sp.price_fen, sp.effective_at, \
     sp.reason, sp.over_cap_reason, sp.margin_bps, u.handle AS created_by, sp.created_at FROM sku_prices sp \
     JOIN skus s ON s.id = sp.sku_id JOIN channels c ON c.id = sp.channel_id JOIN users u ON u.id = sp.created_by";

fn channel_from_row(r: &sqlx::any::AnyRow) -> Result<Channel, sqlx::Error> {
    Ok(Channel {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        city: r.try_get("city")?,
        fee_bps: r.try_get("fee_bps")?,
        created_at: r.try_get("created_at")?,
    })
}

fn sku_from_row(r: &sqlx::any::AnyRow) -> Result<Sku, sqlx::Error> {
    Ok(Sku {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("product_slug")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        tier: r.try_get("tier")?,
        unit_cost_fen: r.try_get("unit_cost_fen")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn price_from_row(r: &sqlx::any::AnyRow) -> Result<PriceChange, sqlx::Error> {
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
}

const HOUR_MS: Millis = 3_600_000;
const DAY_MS: Millis = 24 * HOUR_MS;

#[derive(Clone, Copy)]
enum Rollup {
    Hourly,
    Daily,
}

/// The whole `unit`s inside `[from, to)`: `(first start, end)`, or `None` when there is none.
fn aligned(from: Millis, to: Millis, unit: Millis) -> Option<(Millis, Millis)> {
    let first = from.div_euclid(unit) * unit + if from.rem_euclid(unit) == 0 { 0 } else { unit };
    let end = to.div_euclid(unit) * unit;
    (first < end).then_some((first, end))
}

fn add_rows(sums: &mut Vec<SalesSum>, rows: Vec<sqlx::any::AnyRow>) -> StoreResult<()> {
    for r in rows {
        let s = SalesSum {
            channel_id: r.try_get("channel_id")?,
            sku_id: r.try_get("sku_id")?,
            quantity: r.try_get("quantity")?,
            revenue_fen: r.try_get("revenue")?,
            cost_fen: r.try_get("cost")?,
            fee_fen: r.try_get("fees")?,
        };
        match sums.iter_mut().find(|x| x.channel_id == s.channel_id && x.sku_id == s.sku_id) {
            Some(x) => {
                x.quantity += s.quantity;
                x.revenue_fen += s.revenue_fen;
                x.cost_fen += s.cost_fen;
                x.fee_fen += s.fee_fen;
            }
            None => sums.push(s),
        }
    }
    Ok(())
}

/// Splits `n` rows into statements of a few fixed sizes. Each distinct size is a distinct SQL
/// text, which PostgreSQL parses and plans anew: sizes that varied with every batch (the
/// buckets a batch touches, the rows left after duplicates) made each statement a fresh
/// prepare, and the batched import slower than a row at a time (bench/sales.sh).
fn statement_sizes(mut n: usize) -> Vec<usize> {
    let mut sizes = Vec::new();
    for size in [500, 128, 32, 8, 1] {
        while n >= size {
            sizes.push(size);
            n -= size;
        }
    }
    sizes
}

/// Inserts checked sales rows of one channel in the caller's transaction, a few hundred rows
/// a statement, and adds what went in to the hourly rollup. A row already in the ledger (same
/// channel and external id) changes nothing; returns how many went in.
pub(crate) async fn insert_sales(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    backend: crate::Backend,
    channel_id: i64,
    rows: &[SaleRow<'_>],
    now: Millis,
) -> StoreResult<usize> {
    // 11 parameters a row: well under SQLite's 32,766 and PostgreSQL's 65,535.
    const ROWS_PER_STATEMENT: usize = 500;
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        // On SQLite, rows already in the ledger are found with one indexed read and left out:
        // a file imported again writes nothing (the insert's own conflict check still decides
        // for rows another request adds meanwhile). Not on PostgreSQL: planned on the stale
        // statistics of a table an import is filling, the read scanned every row of the
        // channel for each chunk (652 rows/s at 100,000 rows, bench/sales.sh), and its
        // `ON CONFLICT DO NOTHING` skips a known row without writing anyway.
        let known = match backend {
            crate::Backend::Sqlite => known_sales(tx, channel_id, chunk).await?,
            crate::Backend::Postgres => std::collections::HashSet::new(),
        };
        let fresh: Vec<&SaleRow<'_>> = chunk.iter().filter(|r| !known.contains(r.external_id)).collect();
        let mut rest = fresh.as_slice();
        for size in statement_sizes(rest.len()) {
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            let sql = format!(
                "INSERT INTO sales (channel_id, external_id, sku_id, quantity, unit_price_fen, unit_cost_fen, \
                 fee_fen, sold_at, city, created_at, order_id) VALUES {} \
                 ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING external_id",
                crate::value_rows(chunk.len(), 11)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                q = q
                    .bind(channel_id)
                    .bind(r.external_id)
                    .bind(r.sku_id)
                    .bind(r.quantity)
                    .bind(r.unit_price_fen)
                    .bind(r.unit_cost_fen)
                    .bind(r.fee_fen)
                    .bind(r.sold_at)
                    .bind(r.city)
                    .bind(now)
                    .bind(r.order_id);
            }
            let went_in: std::collections::HashSet<String> = q
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(0))
                .collect::<Result<_, _>>()?;
            inserted += went_in.len();
            let new: Vec<&SaleRow<'_>> =
                chunk.iter().copied().filter(|r| went_in.contains(r.external_id)).collect();
            add_to_hourly(tx, channel_id, &new).await?;
        }
    }
    Ok(inserted)
}

/// Which of these rows' external ids the channel's ledger already has.
async fn known_sales(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    channel_id: i64,
    rows: &[SaleRow<'_>],
) -> StoreResult<std::collections::HashSet<String>> {
    let placeholders = crate::placeholders(2, rows.len());
    let sql =
        format!("SELECT external_id FROM sales WHERE channel_id = $1 AND external_id IN ({placeholders})");
    let mut q = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql)).bind(channel_id);
    for r in rows {
        q = q.bind(r.external_id);
    }
    Ok(q.fetch_all(&mut **tx).await?.into_iter().collect())
}

/// Adds newly recorded rows to the hourly and daily rollups, in their transaction.
async fn add_to_hourly(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    channel_id: i64,
    rows: &[&SaleRow<'_>],
) -> StoreResult<()> {
    add_to_rollup(tx, Rollup::Hourly, channel_id, rows).await?;
    add_to_rollup(tx, Rollup::Daily, channel_id, rows).await
}

async fn add_to_rollup(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    rollup: Rollup,
    channel_id: i64,
    rows: &[&SaleRow<'_>],
) -> StoreResult<()> {
    let (unit, table, column) = match rollup {
        Rollup::Hourly => (HOUR_MS, "sales_hourly", "hour"),
        Rollup::Daily => (DAY_MS, "sales_daily", "day"),
    };
    let mut buckets: std::collections::BTreeMap<(i64, i64), (i64, i64, i64, i64)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let start = r.sold_at.div_euclid(unit) * unit;
        let b = buckets.entry((start, r.sku_id)).or_default();
        b.0 += r.quantity;
        b.1 += r.quantity * r.unit_price_fen;
        b.2 += r.quantity * r.unit_cost_fen;
        b.3 += r.fee_fen;
    }
    // One statement for up to 500 buckets (7 parameters each): a chunk of rows spread over a
    // year touches as many hours as rows, and a statement per bucket doubled the import's
    // statements (bench/sales.sh). Keys are unique within a statement, as PostgreSQL requires.
    let buckets: Vec<_> = buckets.into_iter().collect();
    let mut rest = buckets.as_slice();
    for size in statement_sizes(rest.len()) {
        let (group, tail) = rest.split_at(size);
        rest = tail;
        let sql = format!(
            "INSERT INTO {table} ({column}, channel_id, sku_id, quantity, revenue_fen, cost_fen, fee_fen) \
             VALUES {} ON CONFLICT ({column}, channel_id, sku_id) DO UPDATE SET \
             quantity = {table}.quantity + excluded.quantity, \
             revenue_fen = {table}.revenue_fen + excluded.revenue_fen, \
             cost_fen = {table}.cost_fen + excluded.cost_fen, fee_fen = {table}.fee_fen + excluded.fee_fen",
            crate::value_rows(group.len(), 7)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((start, sku_id), (quantity, revenue, cost, fees)) in group {
            q = q
                .bind(*start)
                .bind(channel_id)
                .bind(*sku_id)
                .bind(*quantity)
                .bind(*revenue)
                .bind(*cost)
                .bind(*fees);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

impl Store {
    pub async fn create_channel(&self, c: NewChannel<'_>) -> StoreResult<Channel> {
        let row = sqlx::query(
            "INSERT INTO channels (code, name, kind, city, fee_bps, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id",
        )
        .bind(c.code)
        .bind(c.name)
        .bind(c.kind)
        .bind(c.city)
        .bind(c.fee_bps)
        .bind(c.created_at)
        .fetch_one(&self.write)
        .await
        .map_err(|e| if is_unique_violation(&e) { ErrorCode::ChannelCodeTaken.into() } else { crate::StoreError::from(e) })?;
        let id: i64 = row.try_get("id")?;
        Ok(Channel {
            id,
            code: c.code.into(),
            name: c.name.into(),
            kind: c.kind.into(),
            city: c.city.map(str::to_string),
            fee_bps: c.fee_bps,
            created_at: c.created_at,
        })
    }

    pub async fn channels(&self) -> StoreResult<Vec<Channel>> {
        let sql = format!("{CHANNEL_SELECT} ORDER BY id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.read).await?;
        Ok(rows.iter().map(channel_from_row).collect::<Result<_, _>>()?)
    }

    pub async fn channel_by_code(&self, code: &str) -> StoreResult<Option<Channel>> {
        let sql = format!("{CHANNEL_SELECT} WHERE code = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(code).fetch_optional(&self.read).await?;
        Ok(row.as_ref().map(channel_from_row).transpose()?)
    }

    /// A new SKU, its first cost recorded as of its creation.
    pub async fn create_sku(&self, s: NewSku<'_>) -> StoreResult<Sku> {
        let mut tx = self.write.begin().await?;
        let row = sqlx::query(
            "INSERT INTO skus (product_id, code, name, tier, unit_cost_fen, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(s.product_id)
        .bind(s.code)
        .bind(s.name)
        .bind(s.tier)
        .bind(s.unit_cost_fen)
        .bind(s.created_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) { ErrorCode::SkuCodeTaken.into() } else { crate::StoreError::from(e) }
        })?;
        let id: i64 = row.try_get("id")?;
        sqlx::query(
            "INSERT INTO sku_costs (sku_id, unit_cost_fen, effective_at, changed_by, created_at) VALUES ($1, $2, $3, $4, $3)",
        )
        .bind(id)
        .bind(s.unit_cost_fen)
        .bind(s.created_at)
        .bind(s.created_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.sku_by_code(s.code).await?.ok_or(ErrorCode::SkuNotFound.into())
    }

    pub async fn sku_by_code(&self, code: &str) -> StoreResult<Option<Sku>> {
        let sql = format!("{SKU_SELECT} WHERE s.code = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(code).fetch_optional(&self.write).await?;
        Ok(row.as_ref().map(sku_from_row).transpose()?)
    }

    pub async fn skus(&self, product_id: Option<i64>) -> StoreResult<Vec<Sku>> {
        let rows = match product_id {
            Some(id) => {
                let sql = format!("{SKU_SELECT} WHERE s.product_id = $1 ORDER BY s.id");
                sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_all(&self.read).await?
            }
            None => {
                let sql = format!("{SKU_SELECT} ORDER BY s.id");
                sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.read).await?
            }
        };
        Ok(rows.iter().map(sku_from_row).collect::<Result<_, _>>()?)
    }

    /// Changes a SKU; a new cost is kept in its history, effective from `at`.
    pub async fn change_sku(&self, id: i64, c: SkuChange<'_>) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "UPDATE skus SET name = COALESCE($1, name), tier = COALESCE($2, tier), \
             unit_cost_fen = COALESCE($3, unit_cost_fen), updated_at = $4 WHERE id = $5",
        )
        .bind(c.name)
        .bind(c.tier)
        .bind(c.unit_cost_fen)
        .bind(c.at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if let Some(cost) = c.unit_cost_fen {
            sqlx::query(
                "INSERT INTO sku_costs (sku_id, unit_cost_fen, effective_at, changed_by, created_at) VALUES ($1, $2, $3, $4, $3)",
            )
            .bind(id)
            .bind(cost)
            .bind(c.at)
            .bind(c.changed_by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn sku_costs(&self, sku_id: i64) -> StoreResult<Vec<CostChange>> {
        let rows = sqlx::query(
            "SELECT c.unit_cost_fen, c.effective_at, u.handle FROM sku_costs c LEFT JOIN users u ON u.id = c.changed_by \
             WHERE c.sku_id = $1 ORDER BY c.effective_at, c.id",
        )
        .bind(sku_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CostChange {
                    unit_cost_fen: r.try_get("unit_cost_fen")?,
                    effective_at: r.try_get("effective_at")?,
                    changed_by: r.try_get("handle")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn add_price(&self, p: NewPrice<'_>) -> StoreResult<PriceChange> {
        let row = sqlx::query(
            "INSERT INTO sku_prices (sku_id, channel_id, price_fen, effective_at, reason, over_cap_reason, \
             margin_bps, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(p.sku_id)
        .bind(p.channel_id)
        .bind(p.price_fen)
        .bind(p.effective_at)
        .bind(p.reason)
        .bind(p.over_cap_reason)
        .bind(p.margin_bps)
        .bind(p.created_by)
        .bind(p.created_at)
        .fetch_one(&self.write)
        .await?;
        let id: i64 = row.try_get("id")?;
        let sql = format!("{PRICE_SELECT} WHERE sp.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_one(&self.write).await?;
        Ok(price_from_row(&row)?)
    }

    /// Every price of a product's SKUs on one channel that has taken effect by `now`, by SKU
    /// and time: what its shelf shows.
    pub async fn channel_prices_of_product(
        &self,
        product_id: i64,
        channel_code: &str,
        now: Millis,
    ) -> StoreResult<Vec<PriceChange>> {
        let sql = format!(
            "{PRICE_SELECT} WHERE s.product_id = $1 AND c.code = $2 AND sp.effective_at <= $3 \
             ORDER BY sp.sku_id, sp.effective_at, sp.id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(product_id)
            .bind(channel_code)
            .bind(now)
            .fetch_all(&self.read)
            .await?;
        Ok(rows.iter().map(price_from_row).collect::<Result<_, _>>()?)
    }

    /// Every price change of a SKU, by when it takes effect.
    pub async fn price_history(&self, sku_id: i64) -> StoreResult<Vec<PriceChange>> {
        let sql = format!("{PRICE_SELECT} WHERE sp.sku_id = $1 ORDER BY sp.effective_at, sp.id");
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(sku_id).fetch_all(&self.read).await?;
        Ok(rows.iter().map(price_from_row).collect::<Result<_, _>>()?)
    }

    /// Records a batch of one channel's sales in one transaction, a few hundred rows per
    /// statement. Rows already in the ledger (same channel and external id) change nothing;
    /// returns how many went in. Two copies of a batch sent at once insert each row once: the
    /// unique key decides.
    pub async fn record_sales(
        &self,
        channel_id: i64,
        rows: &[SaleRow<'_>],
        now: Millis,
    ) -> StoreResult<usize> {
        let mut tx = self.write.begin().await?;
        let inserted = insert_sales(&mut tx, self.backend(), channel_id, rows, now).await?;
        tx.commit().await?;
        Ok(inserted)
    }

    /// The baseline `canyu sales import --one-per-transaction` is measured against: each row
    /// its own statement and transaction. Returns how many went in.
    pub async fn record_sales_one_by_one(
        &self,
        channel_id: i64,
        rows: &[SaleRow<'_>],
        now: Millis,
    ) -> StoreResult<usize> {
        let mut inserted = 0;
        for r in rows {
            let mut tx = self.write.begin().await?;
            let done = sqlx::query(
                "INSERT INTO sales (channel_id, external_id, sku_id, quantity, unit_price_fen, unit_cost_fen, \
                 fee_fen, sold_at, city, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (channel_id, external_id) DO NOTHING",
            )
            .bind(channel_id)
            .bind(r.external_id)
            .bind(r.sku_id)
            .bind(r.quantity)
            .bind(r.unit_price_fen)
            .bind(r.unit_cost_fen)
            .bind(r.fee_fen)
            .bind(r.sold_at)
            .bind(r.city)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                add_to_hourly(&mut tx, channel_id, &[r]).await?;
                inserted += 1;
            }
            tx.commit().await?;
        }
        Ok(inserted)
    }

    /// The ledger summed per channel and SKU over `[from, to)`: whole days (UTC) from the
    /// daily rollup, the whole hours around them from the hourly one, the partial hours at the
    /// edges from the rows themselves. A year is then ~365 rows a channel and SKU, not 8,760
    /// (bench/sales.sh: the hourly rollup alone gave SQLite a p99 of 56 ms at 1,000,000 rows).
    pub async fn sales_sums(&self, from: Millis, to: Millis) -> StoreResult<Vec<SalesSum>> {
        let mut sums: Vec<SalesSum> = Vec::new();
        match aligned(from, to, DAY_MS) {
            Some((first_day, end_day)) => {
                self.add_sums(&mut sums, Rollup::Hourly, from, first_day).await?;
                self.add_sums(&mut sums, Rollup::Daily, first_day, end_day).await?;
                self.add_sums(&mut sums, Rollup::Hourly, end_day, to).await?;
            }
            None => self.add_sums(&mut sums, Rollup::Hourly, from, to).await?,
        }
        sums.sort_by_key(|s| (s.channel_id, s.sku_id));
        Ok(sums)
    }

    /// Adds `[from, to)` to `sums`: whole units of `rollup` from it, the rest below it.
    async fn add_sums(
        &self,
        sums: &mut Vec<SalesSum>,
        rollup: Rollup,
        from: Millis,
        to: Millis,
    ) -> StoreResult<()> {
        if from >= to {
            return Ok(());
        }
        const RAW: &str = "SELECT channel_id, sku_id, CAST(SUM(quantity) AS BIGINT) AS quantity, \
             CAST(SUM(quantity * unit_price_fen) AS BIGINT) AS revenue, \
             CAST(SUM(quantity * unit_cost_fen) AS BIGINT) AS cost, CAST(SUM(fee_fen) AS BIGINT) AS fees FROM sales \
             WHERE sold_at >= $1 AND sold_at < $2 GROUP BY channel_id, sku_id";
        let (unit, table, column) = match rollup {
            Rollup::Hourly => (HOUR_MS, "sales_hourly", "hour"),
            Rollup::Daily => (DAY_MS, "sales_daily", "day"),
        };
        let Some((first, end)) = aligned(from, to, unit) else {
            let rows = sqlx::query(RAW).bind(from).bind(to).fetch_all(&self.read).await?;
            return add_rows(sums, rows);
        };
        let rows = sqlx::query(RAW).bind(from).bind(first).fetch_all(&self.read).await?;
        add_rows(sums, rows)?;
        let sql = format!(
            "SELECT channel_id, sku_id, CAST(SUM(quantity) AS BIGINT) AS quantity, \
             CAST(SUM(revenue_fen) AS BIGINT) AS revenue, CAST(SUM(cost_fen) AS BIGINT) AS cost, \
             CAST(SUM(fee_fen) AS BIGINT) AS fees FROM {table} WHERE {column} >= $1 AND {column} < $2 \
             GROUP BY channel_id, sku_id"
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).bind(first).bind(end).fetch_all(&self.read).await?;
        add_rows(sums, rows)?;
        let rows = sqlx::query(RAW).bind(end).bind(to).fetch_all(&self.read).await?;
        add_rows(sums, rows)
    }

    pub async fn sales_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sales").fetch_one(&self.read).await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_units_inside_a_period() {
        use super::{DAY_MS, HOUR_MS, aligned};
        assert_eq!(aligned(0, 3 * DAY_MS, DAY_MS), Some((0, 3 * DAY_MS)));
        // China's midnight is 16:00 UTC: the days in between, the hours around them.
        assert_eq!(aligned(16 * HOUR_MS, 2 * DAY_MS + 16 * HOUR_MS, DAY_MS), Some((DAY_MS, 2 * DAY_MS)));
        assert_eq!(aligned(16 * HOUR_MS, DAY_MS + 15 * HOUR_MS, DAY_MS), None);
        assert_eq!(aligned(1, HOUR_MS + 1, HOUR_MS), None);
        assert_eq!(aligned(1, 2 * HOUR_MS + 1, HOUR_MS), Some((HOUR_MS, 2 * HOUR_MS)));
    }

    #[test]
    fn statements_come_in_a_few_sizes() {
        assert_eq!(super::statement_sizes(500), [500]);
        assert_eq!(super::statement_sizes(0), Vec::<usize>::new());
        assert_eq!(super::statement_sizes(170), [128, 32, 8, 1, 1]);
        assert_eq!(super::statement_sizes(1_001).iter().sum::<usize>(), 1_001);
    }
}
