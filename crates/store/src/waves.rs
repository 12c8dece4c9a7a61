//! Waves and orders. The stock engines decide who gets a unit; this module makes their
//! decisions durable: a batch of orders and the waves' `sold` counters are written in one
//! transaction (group commit), fsynced before it returns on SQLite as on PostgreSQL.

use crate::{Backend, Store, StoreResult};
use canyu_core::wave::{Eligibility, WaveMode, WaveRules};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq)]
pub struct Wave {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub rules: WaveRules,
    /// The launch campaign the wave belongs to, if any.
    pub campaign_id: Option<i64>,
    /// For an `owners_of` wave, the slug of the product whose owners may buy.
    pub owners_of_slug: Option<String>,
    pub sold: i64,
    pub created_at: Millis,
    /// Withdrawn before it started (`Store::cancel_wave`): when, and what fans are told.
    pub cancelled: Option<Cancellation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cancellation {
    pub at: Millis,
    /// May be empty.
    pub reason: String,
}

/// An order the engine granted, to be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrder {
    pub wave_id: i64,
    pub user_id: i64,
    pub seq: i64,
    pub lane: &'static str,
    pub idempotency_key: String,
    pub body_hash: String,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub wave_id: i64,
    pub user_id: i64,
    pub seq: i64,
    pub lane: String,
    pub idempotency_key: String,
    pub body_hash: String,
    pub status: String,
    pub created_at: Millis,
}

pub(crate) const WAVE_SELECT: &str = "SELECT w.id, w.product_id, p.slug AS product_slug, w.sku, w.quantity, w.mode, \
     w.per_fan_limit, w.starts_at, w.ends_at, w.eligibility, w.min_level, w.channels, w.fcode_quantity, w.sold, \
     w.created_at, w.campaign_id, w.cancelled_at, w.cancel_reason, w.owners_of_product_id, \
     op.slug AS owners_of_slug FROM waves w JOIN products p ON p.id = w.product_id \
     LEFT JOIN products op ON op.id = w.owners_of_product_id";

const ORDER_SELECT: &str = "SELECT id, wave_id, user_id, seq, lane, idempotency_key, body_hash, status, \
     created_at FROM orders";

pub(crate) fn wave_from_row(r: &AnyRow) -> StoreResult<Wave> {
    let mode: String = r.try_get("mode")?;
    let eligibility: String = r.try_get("eligibility")?;
    let min_level: Option<i64> = r.try_get("min_level")?;
    let channels: String = r.try_get("channels")?;
    let channels: BTreeMap<String, i64> = serde_json::from_str(&channels).unwrap_or_default();
    Ok(Wave {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("product_slug")?,
        rules: WaveRules {
            sku: r.try_get("sku")?,
            quantity: r.try_get("quantity")?,
            mode: WaveMode::parse(&mode).map_err(crate::posts::decode_err)?,
            per_fan_limit: r.try_get("per_fan_limit")?,
            starts_at: r.try_get("starts_at")?,
            ends_at: r.try_get("ends_at")?,
            eligibility: Eligibility::parse(
                Some(&eligibility),
                min_level,
                r.try_get("owners_of_product_id")?,
            )
            .map_err(crate::posts::decode_err)?,
            channels,
            fcode_quantity: r.try_get("fcode_quantity")?,
        },
        campaign_id: r.try_get("campaign_id")?,
        owners_of_slug: r.try_get("owners_of_slug")?,
        sold: r.try_get("sold")?,
        created_at: r.try_get("created_at")?,
        cancelled: match r.try_get::<Option<i64>, _>("cancelled_at")? {
            Some(at) => Some(Cancellation {
                at,
                reason: r.try_get::<Option<String>, _>("cancel_reason")?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

pub(crate) fn order_from_row(r: &AnyRow) -> StoreResult<Order> {
    Ok(Order {
        id: r.try_get("id")?,
        wave_id: r.try_get("wave_id")?,
        user_id: r.try_get("user_id")?,
        seq: r.try_get("seq")?,
        lane: r.try_get("lane")?,
        idempotency_key: r.try_get("idempotency_key")?,
        body_hash: r.try_get("body_hash")?,
        status: r.try_get("status")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters (7 per row).
const INSERT_CHUNK: usize = 500;

impl Store {
    pub async fn create_wave(
        &self,
        product_id: i64,
        rules: &WaveRules,
        created_by: i64,
        now: Millis,
    ) -> StoreResult<Wave> {
        self.create_campaign_wave(product_id, None, rules, created_by, now).await
    }

    /// A wave, optionally of a launch campaign (which the caller checked is the product's).
    pub async fn create_campaign_wave(
        &self,
        product_id: i64,
        campaign_id: Option<i64>,
        rules: &WaveRules,
        created_by: i64,
        now: Millis,
    ) -> StoreResult<Wave> {
        let channels = serde_json::to_string(&rules.channels).unwrap_or_else(|_| "{}".into());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO waves (product_id, sku, quantity, mode, per_fan_limit, starts_at, ends_at, \
             eligibility, min_level, channels, created_by, created_at, fcode_quantity, campaign_id, \
             owners_of_product_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
        )
        .bind(product_id)
        .bind(&rules.sku)
        .bind(rules.quantity)
        .bind(rules.mode.as_str())
        .bind(rules.per_fan_limit)
        .bind(rules.starts_at)
        .bind(rules.ends_at)
        .bind(rules.eligibility.kind())
        .bind(rules.eligibility.min_level().map(i64::from))
        .bind(channels)
        .bind(created_by)
        .bind(now)
        .bind(rules.fcode_quantity)
        .bind(campaign_id)
        .bind(rules.eligibility.owners_of())
        .fetch_one(&self.write)
        .await?;
        self.wave(id).await?.ok_or_else(|| ErrorCode::WaveNotFound.into())
    }

    pub async fn wave(&self, id: i64) -> StoreResult<Option<Wave>> {
        let row = sqlx::query(AssertSqlSafe(format!("{WAVE_SELECT} WHERE w.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| wave_from_row(&r)).transpose()
    }

    /// Moves the sale window of a wave that has not ended at `now` (its start only if it
    /// has not started either); `false` when that no longer holds (or there is no such
    /// wave). The caller checked the new window against the rules.
    pub async fn set_wave_window(
        &self,
        id: i64,
        starts_at: Millis,
        ends_at: Millis,
        now: Millis,
    ) -> StoreResult<bool> {
        let moved = sqlx::query(
            "UPDATE waves SET starts_at = $1, ends_at = $2 \
             WHERE id = $3 AND ends_at > $4 AND (starts_at = $1 OR starts_at > $4) AND cancelled_at IS NULL",
        )
        .bind(starts_at)
        .bind(ends_at)
        .bind(id)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(moved == 1)
    }

    /// Withdraws a wave that has not started by `now` and has nothing sold; `false`, changing
    /// nothing, when that no longer holds (or it was cancelled already, or there is no such
    /// wave). `reason` is shown to fans (may be empty). In the same transaction the fans
    /// holding one of its F-codes, and for a reservation wave the campaign's reservation
    /// holders, are told (and mailed, if they asked for mail).
    pub async fn cancel_wave(&self, id: i64, reason: &str, now: Millis) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let cancelled = sqlx::query(
            "UPDATE waves SET cancelled_at = $1, cancel_reason = $2 \
             WHERE id = $3 AND cancelled_at IS NULL AND starts_at > $1 AND sold = 0",
        )
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if cancelled != 1 {
            return Ok(false);
        }
        let wave = sqlx::query(
            "SELECT w.sku, w.starts_at, p.slug, p.name FROM waves w JOIN products p ON p.id = w.product_id \
             WHERE w.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let kind = crate::NotificationKind::WaveCancelled;
        let key = format!("{}:{id}", kind.as_str());
        let data = serde_json::json!({
            "wave": id,
            "sku": wave.try_get::<String, _>("sku")?,
            "starts_at": wave.try_get::<i64, _>("starts_at")?,
            "product": wave.try_get::<String, _>("slug")?,
            "product_name": wave.try_get::<String, _>("name")?,
            "reason": reason,
        });
        // (SQLite parses `INSERT … SELECT … ON CONFLICT` only with a WHERE before ON CONFLICT.)
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT f.uid, $1, $2, NULL, NULL, $3, $4 FROM \
             (SELECT owner_id AS uid FROM fcodes WHERE wave_id = $5 AND owner_id IS NOT NULL \
              UNION SELECT r.user_id FROM reservations r JOIN waves w ON w.campaign_id = r.campaign_id \
              WHERE w.id = $5 AND w.eligibility = 'reservation') f \
             WHERE f.uid IS NOT NULL ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(&key)
        .bind(data.to_string())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        Self::enqueue_emails(&mut tx, &key, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes the wave's change lease until `until` (no other change may run on any node);
    /// `false` when another change holds it. A lease that ran out by `now` is taken over.
    pub async fn lease_wave_change(&self, id: i64, now: Millis, until: Millis) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE waves SET change_lease_until = $1 \
             WHERE id = $2 AND (change_lease_until IS NULL OR change_lease_until <= $3)",
        )
        .bind(until)
        .bind(id)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(taken == 1)
    }

    /// Gives back the lease taken until `until` (if it is still this change's).
    pub async fn end_wave_change(&self, id: i64, until: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE waves SET change_lease_until = NULL WHERE id = $1 AND change_lease_until = $2")
            .bind(id)
            .bind(until)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Records a wave's new quantity and channel split (`rules`, from
    /// `WaveRules::with_quantity`) in place of `was` (the quantity the change was decided
    /// on). `false`, changing nothing, when the wave ended by `now`, sold more than its new
    /// online quantity, or another change landed since `was` was read (two staff on two
    /// nodes: the later one must not overwrite a quantity its engine step never saw).
    pub async fn set_wave_quantity(
        &self,
        id: i64,
        was: i64,
        rules: &WaveRules,
        now: Millis,
    ) -> StoreResult<bool> {
        let channels = serde_json::to_string(&rules.channels).unwrap_or_else(|_| "{}".into());
        let set = sqlx::query(
            "UPDATE waves SET quantity = $1, channels = $2 \
             WHERE id = $3 AND sold <= $4 AND ends_at > $5 AND quantity = $6 AND cancelled_at IS NULL",
        )
        .bind(rules.quantity)
        .bind(channels)
        .bind(id)
        .bind(rules.online_quantity())
        .bind(now)
        .bind(was)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(set == 1)
    }

    /// Waves that have not ended by `now` and were not cancelled, soonest first: the ones an
    /// engine must serve.
    pub async fn live_waves(&self, now: Millis) -> StoreResult<Vec<Wave>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{WAVE_SELECT} WHERE w.ends_at > $1 AND w.cancelled_at IS NULL ORDER BY w.starts_at"
        )))
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(wave_from_row).collect()
    }

    pub async fn waves_for_product(&self, product_id: i64) -> StoreResult<Vec<Wave>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{WAVE_SELECT} WHERE w.product_id = $1 ORDER BY w.starts_at DESC LIMIT 100"
        )))
        .bind(product_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(wave_from_row).collect()
    }

    /// Writes a batch of granted orders and moves their waves' `sold`, in one transaction
    /// that is on disk when this returns. All or nothing: the engine acknowledges the
    /// batch's buyers only after this succeeds.
    pub async fn insert_orders(&self, orders: &[NewOrder]) -> StoreResult<Vec<i64>> {
        self.insert_orders_using_fcodes(orders, &[]).await
    }

    /// [`insert_orders`](Store::insert_orders), where `fcodes[i]` (if present) is the F-code
    /// (its id) that `orders[i]` used: it is marked used in the same transaction, and
    /// `orders.fcode_id` is unique, so a code never takes two units.
    pub async fn insert_orders_using_fcodes(
        &self,
        orders: &[NewOrder],
        fcodes: &[Option<i64>],
    ) -> StoreResult<Vec<i64>> {
        self.insert_orders_with_terms(orders, fcodes, &[]).await
    }

    /// The group commit: `orders`, the F-codes they used and, for orders in a campaign's
    /// wave, their deposit terms (`launches[i]` belongs to `orders[i]`; shorter slices mean
    /// `None` for the rest), in one transaction on disk when this returns.
    pub async fn insert_orders_with_terms(
        &self,
        orders: &[NewOrder],
        fcodes: &[Option<i64>],
        launches: &[Option<crate::LaunchRow>],
    ) -> StoreResult<Vec<i64>> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.write.acquire().await?;
        if self.backend == Backend::Sqlite {
            // NORMAL (the default here) survives a process crash; orders must also survive
            // the machine's: fsync the WAL on this commit. Several orders share the fsync.
            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
        }
        let result = async {
            let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
            let mut ids = Vec::with_capacity(orders.len());
            for chunk in orders.chunks(INSERT_CHUNK) {
                let values = crate::value_rows_for(self.backend, chunk.len(), 7);
                let sql = format!(
                    "INSERT INTO orders (wave_id, user_id, seq, lane, idempotency_key, body_hash, created_at) \
                     VALUES {} RETURNING id",
                    values
                );
                let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
                for o in chunk {
                    q = q
                        .bind(o.wave_id)
                        .bind(o.user_id)
                        .bind(o.seq)
                        .bind(o.lane)
                        .bind(&o.idempotency_key)
                        .bind(&o.body_hash)
                        .bind(o.created_at);
                }
                let mut chunk_ids = q.fetch_all(&mut *tx).await?;
                // RETURNING order follows VALUES order on both backends for a plain insert,
                // but sorting costs nothing and ids grow with the rows.
                chunk_ids.sort_unstable();
                ids.extend(chunk_ids);
            }
            for ((&id, o), fcode) in ids.iter().zip(orders).zip(fcodes) {
                if let Some(fcode) = fcode {
                    crate::fcodes::mark_used(&mut tx, *fcode, id, o.created_at).await?;
                }
            }
            let terms: Vec<_> = ids
                .iter()
                .zip(orders)
                .zip(launches)
                .filter_map(|((&id, o), l)| l.as_ref().map(|l| (id, o.user_id, o.created_at, l)))
                .collect();
            crate::launch_orders::insert_launch_rows(&mut tx, &terms).await?;
            notify_orders_placed(&mut tx, self.backend, &ids).await?;
            let mut per_wave: BTreeMap<i64, i64> = BTreeMap::new();
            for o in orders {
                *per_wave.entry(o.wave_id).or_default() += 1;
            }
            for (wave_id, n) in per_wave {
                sqlx::query("UPDATE waves SET sold = sold + $1 WHERE id = $2")
                    .bind(n)
                    .bind(wave_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        }
        .await;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
        }
        Ok(result?)
    }

    /// Every order of a wave, in sequence: what an engine loads to resume a wave.
    pub async fn wave_orders(&self, wave_id: i64) -> StoreResult<Vec<Order>> {
        let rows = sqlx::query(AssertSqlSafe(format!("{ORDER_SELECT} WHERE wave_id = $1 ORDER BY seq")))
            .bind(wave_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// The wave's orders that gave their unit back (cancelled, refunded, expired), in
    /// sequence: what an engine keeping its own count must know was released.
    pub async fn released_orders(&self, wave_id: i64) -> StoreResult<Vec<Order>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{ORDER_SELECT} WHERE wave_id = $1 AND status <> 'placed' ORDER BY seq"
        )))
        .bind(wave_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    pub async fn order(&self, id: i64) -> StoreResult<Option<Order>> {
        let row = sqlx::query(AssertSqlSafe(format!("{ORDER_SELECT} WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| order_from_row(&r)).transpose()
    }

    pub async fn orders_of_user(&self, user_id: i64, limit: i64) -> StoreResult<Vec<Order>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{ORDER_SELECT} WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(user_id)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(order_from_row).collect()
    }

    /// Gives an order's unit back to its wave: the order is marked released and the wave's
    /// `sold` moves back, in one transaction. `None` when the order was not holding a unit
    /// (released already, or no such order): releasing twice returns one unit.
    pub async fn release_order(&self, order_id: i64, now: Millis) -> StoreResult<Option<Order>> {
        let mut tx = self.write.begin().await?;
        let wave_id: Option<i64> = sqlx::query_scalar(
            "UPDATE orders SET status = 'released', released_at = $2 \
             WHERE id = $1 AND status = 'placed' RETURNING wave_id",
        )
        .bind(order_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(wave_id) = wave_id else {
            tx.rollback().await?;
            return Ok(None);
        };
        sqlx::query("UPDATE waves SET sold = sold - 1 WHERE id = $1").bind(wave_id).execute(&mut *tx).await?;
        tx.commit().await?;
        self.order(order_id).await
    }

    /// Units held in a wave (orders not released) and the wave's `sold`: equal at all times.
    pub async fn wave_order_counts(&self, wave_id: i64) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM orders WHERE wave_id = $1 AND status = 'placed') AS orders, \
             (SELECT sold FROM waves WHERE id = $1) AS sold",
        )
        .bind(wave_id)
        .fetch_one(&self.read)
        .await?;
        Ok((row.try_get("orders")?, row.try_get::<Option<i64>, _>("sold")?.unwrap_or(0)))
    }

    /// Writes the orders that are not in the database yet, in one transaction that is on
    /// disk when this returns, and moves each wave's `sold` by the rows actually written (so
    /// `sold` stays the count of the wave's orders). A row whose `(wave_id, seq)` or
    /// `(wave_id, user_id, idempotency_key)` exists already is skipped: several writers (the
    /// nodes of a Redis engine, a node reconciling the wave's stream at start) may offer the
    /// same order, and it is written once. `fcodes[i]` (if present) is the F-code
    /// `orders[i]` used, marked used, and `launches[i]` its deposit terms, written, both in
    /// the same transaction by whichever writer writes the order (shorter slices mean `None`
    /// for the rest). Returns the number of rows written.
    pub async fn insert_orders_if_absent(
        &self,
        orders: &[NewOrder],
        fcodes: &[Option<i64>],
        launches: &[Option<crate::LaunchRow>],
    ) -> StoreResult<u64> {
        if orders.is_empty() {
            return Ok(0);
        }
        let index: BTreeMap<(i64, i64), usize> =
            orders.iter().enumerate().map(|(i, o)| ((o.wave_id, o.seq), i)).collect();
        // One lock order for every writer: two transactions offering overlapping orders
        // then wait for each other instead of deadlocking on PostgreSQL.
        let mut sorted: Vec<&NewOrder> = orders.iter().collect();
        sorted.sort_by_key(|o| (o.wave_id, o.seq));
        let mut conn = self.write.acquire().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
        }
        let result = async {
            let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
            let mut per_wave: BTreeMap<i64, i64> = BTreeMap::new();
            let mut terms = Vec::new();
            let mut placed = Vec::with_capacity(orders.len());
            for chunk in sorted.chunks(INSERT_CHUNK) {
                let values = crate::value_rows(chunk.len(), 7);
                let sql = format!(
                    "INSERT INTO orders (wave_id, user_id, seq, lane, idempotency_key, body_hash, created_at) \
                     VALUES {} ON CONFLICT DO NOTHING RETURNING id, wave_id, seq, created_at",
                    values
                );
                let mut q = sqlx::query_as::<_, (i64, i64, i64, i64)>(AssertSqlSafe(sql));
                for o in chunk {
                    q = q
                        .bind(o.wave_id)
                        .bind(o.user_id)
                        .bind(o.seq)
                        .bind(o.lane)
                        .bind(&o.idempotency_key)
                        .bind(&o.body_hash)
                        .bind(o.created_at);
                }
                for (id, wave_id, seq, at) in q.fetch_all(&mut *tx).await? {
                    *per_wave.entry(wave_id).or_default() += 1;
                    placed.push(id);
                    let Some(&i) = index.get(&(wave_id, seq)) else { continue };
                    if let Some(Some(fcode)) = fcodes.get(i) {
                        crate::fcodes::mark_used(&mut tx, *fcode, id, at).await?;
                    }
                    if let Some(Some(launch)) = launches.get(i) {
                        terms.push((id, orders[i].user_id, at, launch));
                    }
                }
            }
            crate::launch_orders::insert_launch_rows(&mut tx, &terms).await?;
            notify_orders_placed(&mut tx, self.backend, &placed).await?;
            for (&wave_id, &n) in &per_wave {
                sqlx::query("UPDATE waves SET sold = sold + $1 WHERE id = $2")
                    .bind(n)
                    .bind(wave_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(per_wave.values().sum::<i64>() as u64)
        }
        .await;
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
        }
        Ok(result?)
    }

    /// The orders of a wave with these sequence numbers (those that exist), in sequence.
    pub async fn wave_orders_with_seqs(&self, wave_id: i64, seqs: &[i64]) -> StoreResult<Vec<Order>> {
        let mut orders = Vec::with_capacity(seqs.len());
        for chunk in seqs.chunks(INSERT_CHUNK) {
            let sql = format!(
                "{ORDER_SELECT} WHERE wave_id = $1 AND seq IN ({}) ORDER BY seq",
                crate::placeholders(2, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(wave_id);
            for &seq in chunk {
                q = q.bind(seq);
            }
            for row in q.fetch_all(&self.read).await? {
                orders.push(order_from_row(&row)?);
            }
        }
        Ok(orders)
    }

    /// The fan's order in a wave under an idempotency key, if it was committed.
    pub async fn order_by_idempotency_key(
        &self,
        wave_id: i64,
        user_id: i64,
        idempotency_key: &str,
    ) -> StoreResult<Option<Order>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "{ORDER_SELECT} WHERE wave_id = $1 AND user_id = $2 AND idempotency_key = $3"
        )))
        .bind(wave_id)
        .bind(user_id)
        .bind(idempotency_key)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| order_from_row(&r)).transpose()
    }
}

/// Tells each buyer of freshly written first-come orders (their ids), in the transaction
/// that writes them: an acknowledged order always has its notice, and a replay (`(user_id,
/// event_key)` is unique) never a second one. One statement per batch whatever its size and
/// waves: the notice's data (product, the SKU by its name, a campaign SKU's price) is built
/// by the database from the rows it joins. Reading the wave's facts first and writing per
/// wave cost 15% of the embedded engine's orders per second (BENCHMARKS.md, "Order notices").
pub(crate) async fn notify_orders_placed(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    ids: &[i64],
) -> Result<(), sqlx::Error> {
    let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) else { return Ok(()) };
    let data = match backend {
        Backend::Sqlite => ORDER_NOTICE_DATA.to_string(),
        Backend::Postgres => {
            format!("CAST({} AS TEXT)", ORDER_NOTICE_DATA.replacen("json_object(", "json_build_object(", 1))
        }
    };
    // The ids a batch got are a range; another writer's orders inside it (the nodes of a
    // Redis engine) are told too, once, which they would be by their own writer anyway.
    let sql = format!(
        "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
         SELECT o.user_id, $1, $1 || ':' || CAST(o.id AS TEXT), NULL, NULL, {data}, o.created_at \
         FROM orders o JOIN waves w ON w.id = o.wave_id JOIN products p ON p.id = w.product_id \
         LEFT JOIN campaign_skus s ON s.campaign_id = w.campaign_id AND s.code = w.sku \
         WHERE o.id >= $2 AND o.id <= $3 AND o.lane <> 'draw' ON CONFLICT (user_id, event_key) DO NOTHING"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(crate::NotificationKind::OrderPlaced.as_str())
        .bind(first)
        .bind(last)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An order notice's data, as [`wave_facts`] gives it plus the order: a campaign's wave
/// names a SKU code, which fans read by the SKU's name.
const ORDER_NOTICE_DATA: &str = "json_object('order', o.id, 'wave', o.wave_id, 'product', p.slug, \
     'product_name', p.name, 'sku', COALESCE(s.name, w.sku), 'price_fen', s.price_fen)";

/// What a notice about a wave says of it, as it is now: the wave, its product (slug and
/// name), the SKU by the name fans read, and the SKU's price for a campaign's wave
/// (`price_fen` is null for a plain wave). `None` for no such wave.
pub(crate) async fn wave_facts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    wave_id: i64,
) -> Result<Option<serde_json::Map<String, serde_json::Value>>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT p.slug, p.name, w.sku, s.name AS sku_name, s.price_fen FROM waves w \
         JOIN products p ON p.id = w.product_id \
         LEFT JOIN campaign_skus s ON s.campaign_id = w.campaign_id AND s.code = w.sku WHERE w.id = $1",
    )
    .bind(wave_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    // A campaign's wave names a SKU code; fans read the SKU's name. A plain wave's `sku` is
    // a label written for fans already.
    let sku = match row.try_get::<Option<String>, _>("sku_name")? {
        Some(name) => name,
        None => row.try_get("sku")?,
    };
    let mut facts = serde_json::Map::new();
    facts.insert("wave".into(), wave_id.into());
    facts.insert("product".into(), row.try_get::<String, _>("slug")?.into());
    facts.insert("product_name".into(), row.try_get::<String, _>("name")?.into());
    facts.insert("sku".into(), sku.into());
    facts.insert("price_fen".into(), row.try_get::<Option<i64>, _>("price_fen")?.into());
    Ok(Some(facts))
}
