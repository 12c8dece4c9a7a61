//! Launch orders: deposit terms on top of wave orders, moved only by the state machine of
//! `canyu_core::campaign`. Every move is one conditional UPDATE (`WHERE state = from`), so
//! two moves racing on one order cannot both land; the event row and the fan's notification
//! are written in the same transaction.

use crate::{Order, Store, StoreResult};
use canyu_core::campaign::{OrderEvent, OrderKind, OrderState, Stage};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchOrder {
    /// The wave order's id: launch orders and wave orders share it.
    pub order_id: i64,
    pub wave_id: i64,
    pub campaign_id: i64,
    pub user_id: i64,
    pub sku_code: String,
    pub kind: OrderKind,
    pub state: OrderState,
    pub amount_fen: i64,
    pub buyer_name: String,
    pub hold_expires_at: Millis,
    pub paid_at: Option<Millis>,
    pub refundable_until: Option<Millis>,
    pub locked_at: Option<Millis>,
    /// Anti-scalper flags raised when the order was placed (`fresh_account`, `ip_burst`,
    /// `shared_device`, `shared_address`).
    pub flags: Vec<String>,
    /// SHA-256 (hex) of the normalised delivery address, when one was given.
    pub address_key: Option<String>,
    /// After the lock: `""` (queued), `in_production` or `delivered`.
    pub stage: String,
    pub delivered_at: Option<Millis>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// A campaign's production numbers: "100,000 delivered in 230 days".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductionSummary {
    /// Locked orders at each stage.
    pub queued: i64,
    pub in_production: i64,
    pub delivered: i64,
    /// The campaign's first order and its latest delivery.
    pub first_order_at: Option<Millis>,
    pub last_delivered_at: Option<Millis>,
}

/// A live launch order's fan, idempotency key, delivery address digest and verified person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderHolder {
    pub user_id: i64,
    pub idempotency_key: String,
    pub address_key: Option<String>,
    /// The fan's verified person, if the account is verified.
    pub person_key: Option<String>,
}

impl ProductionSummary {
    /// Days from the campaign's first order to its latest delivery, rounded up: the D of
    /// "N delivered in D days". `None` before the first delivery.
    pub fn delivered_in_days(&self) -> Option<i64> {
        let (first, last) = (self.first_order_at?, self.last_delivered_at?);
        Some(((last - first).max(0) as u64).div_ceil(canyu_core::campaign::DAY_MS as u64) as i64)
    }
}

/// The deposit terms of an order being placed in a campaign's wave: written by the stock
/// engine in the same transaction as the order, so an acknowledged order always has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchRow {
    pub campaign_id: i64,
    pub sku_code: String,
    pub kind: OrderKind,
    pub amount_fen: i64,
    pub buyer_name: String,
    pub hold_expires_at: Millis,
    /// SHA-256 (hex) of the normalised delivery address, when one was given.
    pub address_key: Option<String>,
    /// SHA-256 (hex) of the client's address.
    pub client_key: Option<String>,
    /// SHA-256 (hex) of the device the order came from, when the client named one.
    pub device_key: Option<String>,
    /// Comma-separated anti-scalper flags; empty when none.
    pub flags: String,
}

impl LaunchRow {
    /// The row as JSON, to carry it where only text goes (the Redis engine's order stream,
    /// from which any node may write the order).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "campaign": self.campaign_id,
            "sku": self.sku_code,
            "kind": self.kind.as_str(),
            "amount_fen": self.amount_fen,
            "buyer": self.buyer_name,
            "hold_expires_at": self.hold_expires_at,
            "address": self.address_key,
            "client": self.client_key,
            "device": self.device_key,
            "flags": self.flags,
        })
        .to_string()
    }

    /// The row [`to_json`](LaunchRow::to_json) wrote; `None` for anything else.
    pub fn from_json(text: &str) -> Option<LaunchRow> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let text_of = |name: &str| v.get(name)?.as_str().map(str::to_string);
        let optional = |name: &str| match v.get(name)? {
            serde_json::Value::Null => Some(None),
            value => value.as_str().map(|s| Some(s.to_string())),
        };
        Some(LaunchRow {
            campaign_id: v.get("campaign")?.as_i64()?,
            sku_code: text_of("sku")?,
            kind: OrderKind::parse(v.get("kind")?.as_str()?).ok()?,
            amount_fen: v.get("amount_fen")?.as_i64()?,
            buyer_name: text_of("buyer")?,
            hold_expires_at: v.get("hold_expires_at")?.as_i64()?,
            address_key: optional("address")?,
            client_key: optional("client")?,
            device_key: optional("device")?,
            flags: text_of("flags")?,
        })
    }
}

#[cfg(test)]
mod launch_row_tests {
    use super::*;

    #[test]
    fn a_launch_row_round_trips_through_json() {
        let row = LaunchRow {
            campaign_id: 3,
            sku_code: "su7-max".into(),
            kind: OrderKind::Big,
            amount_fen: 500_000,
            buyer_name: "买买提·艾力 \"车主\"".into(),
            hold_expires_at: 1_700_000_900_000,
            address_key: Some("ab".into()),
            client_key: None,
            device_key: Some("cd".into()),
            flags: "fresh_account,ip_burst".into(),
        };
        assert_eq!(LaunchRow::from_json(&row.to_json()), Some(row.clone()));
        assert_eq!(LaunchRow::from_json("{}"), None);
        assert_eq!(LaunchRow::from_json(&row.to_json().replace("big", "huge")), None);
    }
}

impl LaunchOrder {
    /// The launch order as the engine just committed it from `row` (no read needed).
    pub fn placed(
        order_id: i64,
        wave_id: i64,
        user_id: i64,
        created_at: Millis,
        row: &LaunchRow,
    ) -> LaunchOrder {
        LaunchOrder {
            order_id,
            wave_id,
            campaign_id: row.campaign_id,
            user_id,
            sku_code: row.sku_code.clone(),
            kind: row.kind,
            state: OrderState::AwaitingPayment,
            amount_fen: row.amount_fen,
            buyer_name: row.buyer_name.clone(),
            hold_expires_at: row.hold_expires_at,
            paid_at: None,
            refundable_until: None,
            locked_at: None,
            flags: row.flags.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect(),
            address_key: row.address_key.clone(),
            stage: String::new(),
            delivered_at: None,
            created_at,
            updated_at: created_at,
        }
    }
}

/// Rows per multi-row INSERT of launch orders (14 parameters each).
const LAUNCH_CHUNK: usize = 500;

/// Writes the terms of freshly inserted orders (`ids[i]` is `orders[i]`'s id) and their
/// "place" events, inside the caller's transaction.
pub(crate) async fn insert_launch_rows(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    rows: &[(i64, i64, Millis, &LaunchRow)],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(LAUNCH_CHUNK) {
        let sql = format!(
            "INSERT INTO launch_orders (order_id, campaign_id, user_id, sku_code, kind, state, amount_fen, \
             buyer_name, hold_expires_at, address_key, client_key, device_key, flags, created_at, updated_at) \
             VALUES {}",
            crate::value_rows(chunk.len(), 15)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, user_id, at, l) in chunk {
            q = q
                .bind(*id)
                .bind(l.campaign_id)
                .bind(*user_id)
                .bind(&l.sku_code)
                .bind(l.kind.as_str())
                .bind(OrderState::AwaitingPayment.as_str())
                .bind(l.amount_fen)
                .bind(&l.buyer_name)
                .bind(l.hold_expires_at)
                .bind(&l.address_key)
                .bind(&l.client_key)
                .bind(&l.device_key)
                .bind(&l.flags)
                .bind(*at)
                .bind(*at);
        }
        q.execute(&mut **tx).await?;
        let sql = format!(
            "INSERT INTO launch_order_events (order_id, event, from_state, to_state, actor_id, at) VALUES {}",
            crate::value_rows(chunk.len(), 6)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for (id, user_id, at, _) in chunk {
            q = q
                .bind(*id)
                .bind("place")
                .bind("")
                .bind(OrderState::AwaitingPayment.as_str())
                .bind(*user_id)
                .bind(*at);
        }
        q.execute(&mut **tx).await?;
    }
    let mut tallies = Tallies::new();
    let mut minutes = Minutes::new();
    for (id, _, at, l) in rows {
        let shard = id.rem_euclid(TALLY_SHARDS);
        *tallies
            .entry((l.campaign_id, l.kind.as_str(), OrderState::AwaitingPayment.as_str(), shard))
            .or_default() += 1;
        *minutes.entry((l.campaign_id, at.div_euclid(60_000), shard)).or_default() += 1;
    }
    bump_tallies(tx, &tallies).await?;
    bump_minutes(tx, &minutes).await
}

/// Counter rows per tally: concurrent transactions on PostgreSQL lock one of these instead of
/// all waiting on one row (see migration 0016).
const TALLY_SHARDS: i64 = 8;

/// Deltas to the live counter's tallies by (campaign, kind, state, shard). Ordered, so every
/// transaction locks counter rows in the same order and none waits on another in a cycle.
type Tallies = std::collections::BTreeMap<(i64, &'static str, &'static str, i64), i64>;

async fn bump_tallies(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    deltas: &Tallies,
) -> Result<(), sqlx::Error> {
    let deltas: Vec<_> = deltas.iter().filter(|(_, n)| **n != 0).collect();
    for chunk in deltas.chunks(LAUNCH_CHUNK) {
        let sql = format!(
            "INSERT INTO launch_tallies (campaign_id, kind, state, shard, n) VALUES {} \
             ON CONFLICT (campaign_id, kind, state, shard) DO UPDATE SET n = launch_tallies.n + excluded.n",
            crate::value_rows(chunk.len(), 5)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((campaign_id, kind, state, shard), n) in chunk {
            q = q.bind(*campaign_id).bind(*kind).bind(*state).bind(*shard).bind(**n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Orders placed by (campaign, minute since the epoch, shard), in key order like [`Tallies`].
type Minutes = std::collections::BTreeMap<(i64, i64, i64), i64>;

async fn bump_minutes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    deltas: &Minutes,
) -> Result<(), sqlx::Error> {
    let deltas: Vec<_> = deltas.iter().collect();
    for chunk in deltas.chunks(LAUNCH_CHUNK) {
        let sql = format!(
            "INSERT INTO launch_minutes (campaign_id, minute, shard, n) VALUES {} \
             ON CONFLICT (campaign_id, minute, shard) DO UPDATE SET n = launch_minutes.n + excluded.n",
            crate::value_rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for ((campaign_id, minute, shard), n) in chunk {
            q = q.bind(*campaign_id).bind(*minute).bind(*shard).bind(**n);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// A move of the state machine, as decided by the caller from the order it read.
#[derive(Clone, Copy, Debug)]
pub struct Transition {
    pub order_id: i64,
    pub from: OrderState,
    pub to: OrderState,
    pub event: OrderEvent,
    /// Who did it; `None` for the system or the payment provider.
    pub actor_id: Option<i64>,
    pub now: Millis,
    /// For a payment of a big order: when its refund window closes.
    pub refundable_until: Option<Millis>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentOutcome {
    Recorded,
    /// The provider had notified this payment before; nothing changed.
    Duplicate,
    /// The order was no longer awaiting payment when the payment came in.
    StateMoved,
    /// The provider's reference was already recorded for a different order; nothing changed.
    RefConflict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchOrderEvent {
    pub event: String,
    pub from_state: String,
    pub to_state: String,
    pub actor_id: Option<i64>,
    pub at: Millis,
}

const LAUNCH_SELECT: &str = "SELECT l.order_id, o.wave_id, l.campaign_id, l.user_id, l.sku_code, l.kind, \
     l.state, l.amount_fen, l.buyer_name, l.hold_expires_at, l.paid_at, l.refundable_until, l.locked_at, \
     l.flags, l.address_key, l.stage, l.delivered_at, l.created_at, l.updated_at FROM launch_orders l \
     JOIN orders o ON o.id = l.order_id";

fn launch_from_row(r: &AnyRow) -> StoreResult<LaunchOrder> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    Ok(LaunchOrder {
        order_id: r.try_get("order_id")?,
        wave_id: r.try_get("wave_id")?,
        campaign_id: r.try_get("campaign_id")?,
        user_id: r.try_get("user_id")?,
        sku_code: r.try_get("sku_code")?,
        kind: OrderKind::parse(&kind).map_err(crate::posts::decode_err)?,
        state: OrderState::parse(&state).ok_or_else(|| crate::posts::decode_err(ErrorCode::Internal))?,
        amount_fen: r.try_get("amount_fen")?,
        buyer_name: r.try_get("buyer_name")?,
        hold_expires_at: r.try_get("hold_expires_at")?,
        paid_at: r.try_get("paid_at")?,
        refundable_until: r.try_get("refundable_until")?,
        locked_at: r.try_get("locked_at")?,
        flags: r
            .try_get::<String, _>("flags")?
            .split(',')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect(),
        address_key: r.try_get("address_key")?,
        stage: r.try_get("stage")?,
        delivered_at: r.try_get("delivered_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

impl Store {
    pub async fn launch_order(&self, order_id: i64) -> StoreResult<Option<LaunchOrder>> {
        let row = sqlx::query(AssertSqlSafe(format!("{LAUNCH_SELECT} WHERE l.order_id = $1")))
            .bind(order_id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| launch_from_row(&r)).transpose()
    }

    pub async fn launch_orders_of_user(&self, user_id: i64, limit: i64) -> StoreResult<Vec<LaunchOrder>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{LAUNCH_SELECT} WHERE l.user_id = $1 ORDER BY l.order_id DESC LIMIT $2"
        )))
        .bind(user_id)
        .bind(limit.clamp(1, 200))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(launch_from_row).collect()
    }

    /// The campaign's production queue: locked orders by lock time (then order id).
    pub async fn production_queue(&self, campaign_id: i64, limit: i64) -> StoreResult<Vec<LaunchOrder>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{LAUNCH_SELECT} WHERE l.campaign_id = $1 AND l.state = 'locked' \
             ORDER BY l.locked_at, l.order_id LIMIT $2"
        )))
        .bind(campaign_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(launch_from_row).collect()
    }

    pub async fn launch_order_events(&self, order_id: i64) -> StoreResult<Vec<LaunchOrderEvent>> {
        let rows = sqlx::query(
            "SELECT event, from_state, to_state, actor_id, at FROM launch_order_events \
             WHERE order_id = $1 ORDER BY id",
        )
        .bind(order_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LaunchOrderEvent {
                    event: r.try_get("event")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    actor_id: r.try_get("actor_id")?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Applies a move the state machine allowed, if the order is still where the caller
    /// saw it. `false`: another move got there first and nothing changed.
    pub async fn apply_launch_transition(&self, t: &Transition) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let moved = Self::move_state(&mut tx, t).await?;
        if moved {
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(moved)
    }

    /// Records a payment and moves the order with it, in one transaction.
    pub async fn pay_launch_order(
        &self,
        t: &Transition,
        provider: &str,
        provider_ref: &str,
        amount_fen: i64,
    ) -> StoreResult<PaymentOutcome> {
        let mut tx = self.write.begin().await?;
        let recorded = sqlx::query(
            "INSERT INTO payments (order_id, provider, provider_ref, amount_fen, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider, provider_ref) DO NOTHING",
        )
        .bind(t.order_id)
        .bind(provider)
        .bind(provider_ref)
        .bind(amount_fen)
        .bind(t.now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if recorded == 0 {
            // The reference is taken: the same order's repeat, or another order's reference.
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT order_id FROM payments WHERE provider = $1 AND provider_ref = $2")
                    .bind(provider)
                    .bind(provider_ref)
                    .fetch_optional(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(if owner == Some(t.order_id) {
                PaymentOutcome::Duplicate
            } else {
                PaymentOutcome::RefConflict
            });
        }
        if !Self::move_state(&mut tx, t).await? {
            tx.rollback().await?;
            return Ok(PaymentOutcome::StateMoved);
        }
        tx.commit().await?;
        Ok(PaymentOutcome::Recorded)
    }

    async fn move_state(tx: &mut Tx, t: &Transition) -> StoreResult<bool> {
        let paid = t.event == OrderEvent::Pay;
        let locked = t.to == OrderState::Locked;
        let moved = sqlx::query(
            "UPDATE launch_orders SET state = $1, updated_at = $2, \
             paid_at = CASE WHEN $3 = 1 THEN $2 ELSE paid_at END, \
             refundable_until = CASE WHEN $3 = 1 THEN $4 ELSE refundable_until END, \
             locked_at = CASE WHEN $5 = 1 THEN $2 ELSE locked_at END \
             WHERE order_id = $6 AND state = $7 RETURNING campaign_id, kind",
        )
        .bind(t.to.as_str())
        .bind(t.now)
        .bind(i64::from(paid))
        .bind(t.refundable_until)
        .bind(i64::from(locked))
        .bind(t.order_id)
        .bind(t.from.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(moved) = moved else { return Ok(false) };
        let campaign_id: i64 = moved.try_get("campaign_id")?;
        let kind: String = moved.try_get("kind")?;
        let kind = OrderKind::parse(&kind).map_err(crate::posts::decode_err)?.as_str();
        let shard = t.order_id.rem_euclid(TALLY_SHARDS);
        let tallies: Tallies = [
            ((campaign_id, kind, t.from.as_str(), shard), -1),
            ((campaign_id, kind, t.to.as_str(), shard), 1),
        ]
        .into_iter()
        .collect();
        bump_tallies(tx, &tallies).await?;
        Self::record_launch_event(tx, t.order_id, t.event.as_str(), t.from.as_str(), t.to, t.actor_id, t.now)
            .await?;
        // 口碑: a buyer who came by a referral has something for the vesting job to look at —
        // a sale when its return window ends, a lock, refund or return at once.
        let due = match t.to {
            OrderState::Paid => Some(t.now + canyu_core::referral::VEST_AFTER_MS),
            OrderState::Locked | OrderState::Refunded | OrderState::Returned => Some(t.now),
            _ => None,
        };
        if let Some(due) = due {
            Self::mark_referral_due(tx, t.order_id, due).await?;
        }
        Ok(true)
    }

    /// The event row, and the fan's notification of every move after the order was placed.
    /// The notification's data is built from the row itself, in the same statement (SKU codes
    /// are letters, digits, `-` and `_`; states and kinds are fixed words).
    async fn record_launch_event(
        tx: &mut Tx,
        order_id: i64,
        event: &str,
        from: &str,
        to: OrderState,
        actor_id: Option<i64>,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO launch_order_events (order_id, event, from_state, to_state, actor_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(order_id)
        .bind(event)
        .bind(from)
        .bind(to.as_str())
        .bind(actor_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if event == "place" {
            return Ok(());
        }
        let kind = crate::NotificationKind::LaunchOrder;
        let key = format!("{}:{order_id}:{}", kind.as_str(), to.as_str());
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT l.user_id, $1, $2, NULL, NULL, \
             '{\"order\":' || CAST(l.order_id AS TEXT) || ',\"campaign\":' || CAST(l.campaign_id AS TEXT) \
             || ',\"state\":\"' || l.state || '\",\"kind\":\"' || l.kind || '\",\"sku\":\"' || l.sku_code || '\"}', $3 \
             FROM launch_orders l WHERE l.order_id = $4 \
             ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(&key)
        .bind(now)
        .bind(order_id)
        .execute(&mut **tx)
        .await?;
        Self::enqueue_emails(tx, &key, now).await
    }

    /// Tells each fan whose unpaid hold runs out within `within` ms, once per order and not in
    /// the order's first `within` ms (a short hold is not nagged about at once). The
    /// notification (and its email) is written in the transaction that marks the order
    /// reminded, so several sweeping nodes send one. Returns how many were told.
    pub async fn remind_expiring_holds(&self, now: Millis, within: Millis, limit: i64) -> StoreResult<u64> {
        let mut tx = self.write.begin().await?;
        let due = sqlx::query(
            "UPDATE launch_orders SET reminded_at = $1 WHERE order_id IN (\
             SELECT order_id FROM launch_orders WHERE state = 'awaiting_payment' AND hold_expires_at > $1 \
             AND hold_expires_at <= $2 AND created_at <= $3 AND reminded_at IS NULL LIMIT $4) \
             RETURNING order_id, user_id, campaign_id, sku_code, hold_expires_at",
        )
        .bind(now)
        .bind(now + within)
        .bind(now - within)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&mut *tx)
        .await?;
        let kind = crate::NotificationKind::HoldExpiring;
        for row in &due {
            let order_id: i64 = row.try_get("order_id")?;
            let data = serde_json::json!({
                "order": order_id,
                "campaign": row.try_get::<i64, _>("campaign_id")?,
                "sku": row.try_get::<String, _>("sku_code")?,
                "expires_at": row.try_get::<i64, _>("hold_expires_at")?,
            });
            let key = format!("{}:{order_id}", kind.as_str());
            Self::notify_fan(&mut tx, row.try_get::<i64, _>("user_id")?, kind, &key, None, &data, now)
                .await?;
        }
        tx.commit().await?;
        Ok(due.len() as u64)
    }

    /// The order a provider's payment reference was recorded for, if any.
    pub async fn payment_order(&self, provider: &str, provider_ref: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT order_id FROM payments WHERE provider = $1 AND provider_ref = $2")
            .bind(provider)
            .bind(provider_ref)
            .fetch_optional(&self.read)
            .await?)
    }

    /// Changes the buyer's name while the order allows it (until it is locked).
    pub async fn set_buyer_name(&self, order_id: i64, name: &str, now: Millis) -> StoreResult<bool> {
        let changed = sqlx::query(
            "UPDATE launch_orders SET buyer_name = $1, updated_at = $2 \
             WHERE order_id = $3 AND state IN ('awaiting_payment', 'deposited')",
        )
        .bind(name)
        .bind(now)
        .bind(order_id)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(changed == 1)
    }

    /// Orders whose clock ran out by `now`: unpaid holds past their expiry and big orders
    /// past their refund window, oldest first.
    pub async fn launch_orders_due(&self, now: Millis, limit: i64) -> StoreResult<Vec<LaunchOrder>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{LAUNCH_SELECT} WHERE (l.state = 'awaiting_payment' AND l.hold_expires_at <= $1) \
             OR (l.state = 'deposited' AND l.refundable_until IS NOT NULL AND l.refundable_until <= $1) \
             ORDER BY l.order_id LIMIT $2"
        )))
        .bind(now)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(launch_from_row).collect()
    }

    /// Orders still holding a unit they should have let go: their launch order expired, was
    /// refunded or cancelled since `since`, and the release that followed did not happen (a
    /// crash, an engine error). Bounded by `since` so the sweep does not reread all history.
    pub async fn orders_to_release(&self, since: Millis, limit: i64) -> StoreResult<Vec<Order>> {
        let rows = sqlx::query(
            "SELECT o.id, o.wave_id, o.user_id, o.seq, o.lane, o.idempotency_key, o.body_hash, o.status, \
             o.created_at FROM launch_orders l JOIN orders o ON o.id = l.order_id \
             WHERE l.state IN ('expired', 'refunded', 'cancelled') AND l.updated_at >= $1 \
             AND o.status = 'placed' ORDER BY o.id LIMIT $2",
        )
        .bind(since)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(crate::waves::order_from_row).collect()
    }

    /// A campaign's launch orders counted by kind and state: the live counter's totals, read
    /// from the tallies the writes keep (a few rows, however many orders there are).
    pub async fn launch_counts(&self, campaign_id: i64) -> StoreResult<Vec<(OrderKind, OrderState, i64)>> {
        self.kind_state_counts(
            "SELECT kind, state, CAST(SUM(n) AS BIGINT) AS n FROM launch_tallies WHERE campaign_id = $1 \
             GROUP BY kind, state HAVING SUM(n) <> 0",
            campaign_id,
        )
        .await
    }

    /// The same numbers as [`Store::launch_counts`], counted from every order: what the
    /// tallies are checked against.
    pub async fn recount_launch_orders(
        &self,
        campaign_id: i64,
    ) -> StoreResult<Vec<(OrderKind, OrderState, i64)>> {
        self.kind_state_counts(
            "SELECT kind, state, COUNT(*) AS n FROM launch_orders WHERE campaign_id = $1 GROUP BY kind, state",
            campaign_id,
        )
        .await
    }

    async fn kind_state_counts(
        &self,
        sql: &'static str,
        campaign_id: i64,
    ) -> StoreResult<Vec<(OrderKind, OrderState, i64)>> {
        let rows = sqlx::query(sql).bind(campaign_id).fetch_all(&self.read).await?;
        rows.iter()
            .filter_map(|r| {
                let kind: String = r.try_get("kind").ok()?;
                let state: String = r.try_get("state").ok()?;
                Some(Ok((OrderKind::parse(&kind).ok()?, OrderState::parse(&state)?, r.try_get("n").ok()?)))
            })
            .collect()
    }

    /// Orders placed per minute since `since` (minute start in ms, count), oldest first.
    pub async fn launch_orders_per_minute(
        &self,
        campaign_id: i64,
        since: Millis,
    ) -> StoreResult<Vec<(Millis, i64)>> {
        let rows = sqlx::query(
            "SELECT minute, CAST(SUM(n) AS BIGINT) AS n FROM launch_minutes \
             WHERE campaign_id = $1 AND minute >= $2 GROUP BY minute ORDER BY minute",
        )
        .bind(campaign_id)
        .bind(since.div_euclid(60_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>("minute")? * 60_000, r.try_get("n")?))).collect()
    }

    /// When the campaign's `n`th order (1-based) was placed, if it was.
    pub async fn nth_launch_order_at(&self, campaign_id: i64, n: i64) -> StoreResult<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM launch_orders WHERE campaign_id = $1 \
             ORDER BY created_at, order_id LIMIT 1 OFFSET $2",
        )
        .bind(campaign_id)
        .bind((n - 1).max(0))
        .fetch_optional(&self.read)
        .await?)
    }

    /// Whether another fan holds an order in the campaign for this delivery address.
    pub async fn address_taken(
        &self,
        campaign_id: i64,
        address_key: &str,
        user_id: i64,
    ) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM launch_orders WHERE campaign_id = $1 AND address_key = $2 AND user_id <> $3 \
             AND state IN ('awaiting_payment', 'paid', 'deposited', 'locked')",
        )
        .bind(campaign_id)
        .bind(address_key)
        .bind(user_id)
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// Whether another account has a live order in the campaign from this device.
    pub async fn device_taken(&self, campaign_id: i64, device_key: &str, user_id: i64) -> StoreResult<bool> {
        let other: Option<i64> = sqlx::query_scalar(
            "SELECT order_id FROM launch_orders WHERE campaign_id = $1 AND device_key = $2 AND user_id <> $3 \
             AND state IN ('awaiting_payment', 'paid', 'deposited', 'locked') LIMIT 1",
        )
        .bind(campaign_id)
        .bind(device_key)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(other.is_some())
    }

    /// Who holds the campaign's live orders (those keeping a unit), with the order's
    /// idempotency key and delivery address digest: what the one-per-person and
    /// one-per-address rules count after a start.
    pub async fn live_order_holders(&self, campaign_id: i64) -> StoreResult<Vec<OrderHolder>> {
        let rows = sqlx::query(
            "SELECT o.user_id, o.idempotency_key, l.address_key, i.person_key FROM launch_orders l \
             JOIN orders o ON o.id = l.order_id LEFT JOIN identities i ON i.user_id = o.user_id \
             WHERE l.campaign_id = $1 AND l.state IN ('awaiting_payment', 'paid', 'deposited', 'locked')",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OrderHolder {
                    user_id: r.try_get("user_id")?,
                    idempotency_key: r.try_get("idempotency_key")?,
                    address_key: r.try_get("address_key")?,
                    person_key: r.try_get("person_key")?,
                })
            })
            .collect()
    }

    /// The campaign's flagged orders that still hold a unit, oldest first: what staff review.
    pub async fn flagged_launch_orders(&self, campaign_id: i64, limit: i64) -> StoreResult<Vec<LaunchOrder>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{LAUNCH_SELECT} WHERE l.campaign_id = $1 AND l.flags <> '' \
             AND l.state IN ('awaiting_payment', 'paid', 'deposited') ORDER BY l.order_id LIMIT $2"
        )))
        .bind(campaign_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(launch_from_row).collect()
    }

    /// Moves the first `count` locked orders at `from` (in queue order: lock time) to `to`,
    /// with an event and a notification each; returns their ids.
    pub async fn advance_production(
        &self,
        campaign_id: i64,
        from: Stage,
        to: Stage,
        count: i64,
        actor_id: i64,
        now: Millis,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT order_id FROM launch_orders WHERE campaign_id = $1 AND state = 'locked' AND stage = $2 \
             ORDER BY locked_at, order_id LIMIT $3",
        )
        .bind(campaign_id)
        .bind(from.as_str())
        .bind(count)
        .fetch_all(&mut *tx)
        .await?;
        let stamp = if to == Stage::Delivered { "delivered_at" } else { "in_production_at" };
        for chunk in ids.chunks(LAUNCH_CHUNK) {
            let sql = format!(
                "UPDATE launch_orders SET stage = $1, {stamp} = $2, updated_at = $2 \
                 WHERE stage = $3 AND order_id IN ({})",
                crate::placeholders(4, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(to.as_str()).bind(now).bind(from.as_str());
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
            let sql = format!(
                "INSERT INTO launch_order_events (order_id, event, from_state, to_state, actor_id, at) VALUES {}",
                crate::value_rows(chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id).bind(to.as_str()).bind("locked").bind("locked").bind(actor_id).bind(now);
            }
            q.execute(&mut *tx).await?;
            let kind = crate::NotificationKind::LaunchOrder;
            let sql = format!(
                "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
                 SELECT user_id, $1, $2 || CAST(order_id AS TEXT) || ':' || $3, NULL, NULL, \
                 '{{\"order\":' || CAST(order_id AS TEXT) || ',\"campaign\":' || CAST(campaign_id AS TEXT) \
                 || ',\"state\":\"' || $3 || '\"}}', $4 FROM launch_orders WHERE order_id IN ({}) \
                 ON CONFLICT (user_id, event_key) DO NOTHING",
                crate::placeholders(5, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(kind.as_str())
                .bind(format!("{}:", kind.as_str()))
                .bind(to.as_str())
                .bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
            if to == Stage::Delivered {
                Self::bind_delivered(&mut tx, chunk, actor_id, now).await?;
            }
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn production_summary(&self, campaign_id: i64) -> StoreResult<ProductionSummary> {
        let row = sqlx::query(
            "SELECT \
             COALESCE(SUM(CASE WHEN state = 'locked' AND stage = '' THEN 1 ELSE 0 END), 0) AS queued, \
             COALESCE(SUM(CASE WHEN state = 'locked' AND stage = 'in_production' THEN 1 ELSE 0 END), 0) AS making, \
             COALESCE(SUM(CASE WHEN state = 'locked' AND stage = 'delivered' THEN 1 ELSE 0 END), 0) AS delivered, \
             MIN(created_at) AS first_order_at, MAX(delivered_at) AS last_delivered_at \
             FROM launch_orders WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.read)
        .await?;
        Ok(ProductionSummary {
            queued: row.try_get("queued")?,
            in_production: row.try_get("making")?,
            delivered: row.try_get("delivered")?,
            first_order_at: row.try_get("first_order_at")?,
            last_delivered_at: row.try_get("last_delivered_at")?,
        })
    }
}
