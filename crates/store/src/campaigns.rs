//! Launch campaigns and their reservations. A reservation takes a place in a lane by moving
//! the lane's counter on the campaign row in the same transaction as the reservation row:
//! the row lock (PostgreSQL) or the single writer (SQLite) makes concurrent fans queue, so
//! a lane never hands out more places than it has.

use crate::error::is_unique_violation;
use crate::notifications::NotificationKind;
use crate::{Store, StoreResult, Wave};
use canyu_core::campaign::{Lane, OrderLimits, OrderTerms, ReservationRules, Schedule, Sku};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub product_id: i64,
    pub product_slug: String,
    pub product_name: String,
    pub title: String,
    pub schedule: Schedule,
    pub reservations: ReservationRules,
    pub terms: OrderTerms,
    pub skus: Vec<Sku>,
    pub fan_lane_taken: i64,
    pub general_taken: i64,
    pub created_at: Millis,
}

impl Campaign {
    /// Reservations taken in both lanes.
    pub fn reserved(&self) -> i64 {
        self.fan_lane_taken + self.general_taken
    }
}

pub struct NewCampaign<'a> {
    pub product_id: i64,
    pub title: &'a str,
    pub schedule: Schedule,
    pub reservations: ReservationRules,
    pub terms: OrderTerms,
    pub skus: &'a [Sku],
    pub created_by: i64,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    pub id: i64,
    pub campaign_id: i64,
    pub user_id: i64,
    pub lane: Lane,
    /// The fan's number within the lane (1 = first).
    pub place: i64,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReserveOutcome {
    Reserved(Reservation),
    /// The fan had reserved before; nothing changed.
    AlreadyReserved(Reservation),
    /// Every lane the fan may take is full.
    Full,
}

const CAMPAIGN_SELECT: &str = "SELECT c.id, c.product_id, p.slug AS product_slug, p.name AS product_name, \
     c.title, c.teaser_at, c.reveal_at, c.reserve_opens_at, c.reserve_closes_at, c.account_cutoff_at, \
     c.fan_lane_places, c.fan_lane_min_points, c.general_places, c.fan_lane_head_start_ms, c.hold_ms, \
     c.refund_window_ms, c.one_per_person, c.one_per_address, c.require_verified, c.fan_lane_taken, c.general_taken, \
     c.created_at \
     FROM campaigns c JOIN products p ON p.id = c.product_id";

fn campaign_from_row(r: &AnyRow) -> StoreResult<Campaign> {
    Ok(Campaign {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        product_slug: r.try_get("product_slug")?,
        product_name: r.try_get("product_name")?,
        title: r.try_get("title")?,
        schedule: Schedule {
            teaser_at: r.try_get("teaser_at")?,
            reveal_at: r.try_get("reveal_at")?,
            reserve_opens_at: r.try_get("reserve_opens_at")?,
            reserve_closes_at: r.try_get("reserve_closes_at")?,
        },
        reservations: ReservationRules {
            account_cutoff_at: r.try_get("account_cutoff_at")?,
            fan_lane_places: r.try_get("fan_lane_places")?,
            fan_lane_min_points: r.try_get("fan_lane_min_points")?,
            general_places: r.try_get("general_places")?,
            fan_lane_head_start_ms: r.try_get("fan_lane_head_start_ms")?,
        },
        terms: OrderTerms {
            hold_ms: r.try_get("hold_ms")?,
            refund_window_ms: r.try_get("refund_window_ms")?,
            limits: OrderLimits {
                one_per_person: r.try_get::<i64, _>("one_per_person")? != 0,
                one_per_address: r.try_get::<i64, _>("one_per_address")? != 0,
                verified_only: r.try_get::<i64, _>("require_verified")? != 0,
            },
        },
        skus: Vec::new(),
        fan_lane_taken: r.try_get("fan_lane_taken")?,
        general_taken: r.try_get("general_taken")?,
        created_at: r.try_get("created_at")?,
    })
}

fn reservation_from_row(r: &AnyRow) -> StoreResult<Reservation> {
    let lane: String = r.try_get("lane")?;
    Ok(Reservation {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        user_id: r.try_get("user_id")?,
        lane: Lane::parse(&lane).ok_or_else(|| crate::posts::decode_err(ErrorCode::Internal))?,
        place: r.try_get("place")?,
        created_at: r.try_get("created_at")?,
    })
}

/// The lane's counter column and the bound it must stay under.
fn lane_columns(lane: Lane) -> (&'static str, &'static str) {
    match lane {
        Lane::Fan => ("fan_lane_taken", "fan_lane_taken < fan_lane_places"),
        Lane::General => ("general_taken", "(general_places IS NULL OR general_taken < general_places)"),
    }
}

impl Store {
    pub async fn create_campaign(&self, new: &NewCampaign<'_>) -> StoreResult<Campaign> {
        let mut tx = self.write.begin().await?;
        let r = &new.reservations;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (product_id, title, teaser_at, reveal_at, reserve_opens_at, \
             reserve_closes_at, account_cutoff_at, fan_lane_places, fan_lane_min_points, general_places, \
             fan_lane_head_start_ms, hold_ms, refund_window_ms, one_per_person, one_per_address, require_verified, \
             created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             RETURNING id",
        )
        .bind(new.product_id)
        .bind(new.title)
        .bind(new.schedule.teaser_at)
        .bind(new.schedule.reveal_at)
        .bind(new.schedule.reserve_opens_at)
        .bind(new.schedule.reserve_closes_at)
        .bind(r.account_cutoff_at)
        .bind(r.fan_lane_places)
        .bind(r.fan_lane_min_points)
        .bind(r.general_places)
        .bind(r.fan_lane_head_start_ms)
        .bind(new.terms.hold_ms)
        .bind(new.terms.refund_window_ms)
        .bind(i64::from(new.terms.limits.one_per_person))
        .bind(i64::from(new.terms.limits.one_per_address))
        .bind(i64::from(new.terms.limits.verified_only))
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await?;
        for (position, sku) in new.skus.iter().enumerate() {
            sqlx::query(
                "INSERT INTO campaign_skus (campaign_id, position, code, name, price_fen, small_deposit_fen, \
                 big_deposit_fen) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(position as i64)
            .bind(&sku.code)
            .bind(&sku.name)
            .bind(sku.price_fen)
            .bind(sku.small_deposit_fen)
            .bind(sku.big_deposit_fen)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unique_or(ErrorCode::InvalidSku))?;
            // Campaign SKUs refer to catalog SKUs by code: a code the catalog lacks becomes a
            // catalog SKU of this product (its cost unknown until staff enter it); a code another
            // product's line already uses is refused.
            let made: Option<i64> = sqlx::query_scalar(
                "INSERT INTO skus (product_id, code, name, tier, unit_cost_fen, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'mid', 0, $4, $4) ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(new.product_id)
            .bind(&sku.code)
            .bind(&sku.name)
            .bind(new.now)
            .fetch_optional(&mut *tx)
            .await?;
            match made {
                Some(sku_id) => {
                    sqlx::query(
                        "INSERT INTO sku_costs (sku_id, unit_cost_fen, effective_at, changed_by, created_at) \
                         VALUES ($1, 0, $2, $3, $2)",
                    )
                    .bind(sku_id)
                    .bind(new.now)
                    .bind(new.created_by)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    let owner: i64 = sqlx::query_scalar("SELECT product_id FROM skus WHERE code = $1")
                        .bind(&sku.code)
                        .fetch_one(&mut *tx)
                        .await?;
                    if owner != new.product_id {
                        return Err(ErrorCode::SkuCodeTaken.into());
                    }
                }
            }
        }
        tx.commit().await?;
        self.campaign(id).await?.ok_or_else(|| ErrorCode::CampaignNotFound.into())
    }

    pub async fn campaign(&self, id: i64) -> StoreResult<Option<Campaign>> {
        let row = sqlx::query(AssertSqlSafe(format!("{CAMPAIGN_SELECT} WHERE c.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut campaign = campaign_from_row(&row)?;
        campaign.skus = self.campaign_skus(id).await?;
        Ok(Some(campaign))
    }

    async fn campaign_skus(&self, campaign_id: i64) -> StoreResult<Vec<Sku>> {
        let rows = sqlx::query(
            "SELECT code, name, price_fen, small_deposit_fen, big_deposit_fen FROM campaign_skus \
             WHERE campaign_id = $1 ORDER BY position",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Sku {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    price_fen: r.try_get("price_fen")?,
                    small_deposit_fen: r.try_get("small_deposit_fen")?,
                    big_deposit_fen: r.try_get("big_deposit_fen")?,
                })
            })
            .collect()
    }

    /// Every campaign, newest teaser first (without SKUs: a listing).
    pub async fn campaigns(&self, limit: i64) -> StoreResult<Vec<Campaign>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{CAMPAIGN_SELECT} ORDER BY c.teaser_at DESC, c.id DESC LIMIT $1"
        )))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(campaign_from_row).collect()
    }

    /// A product's campaigns, newest teaser first (without SKUs: a listing).
    pub async fn product_campaigns(&self, product_id: i64, limit: i64) -> StoreResult<Vec<Campaign>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{CAMPAIGN_SELECT} WHERE c.product_id = $1 ORDER BY c.teaser_at DESC, c.id DESC LIMIT $2"
        )))
        .bind(product_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(campaign_from_row).collect()
    }

    /// The campaign's waves, soonest first.
    pub async fn campaign_waves(&self, campaign_id: i64) -> StoreResult<Vec<Wave>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "{} WHERE w.campaign_id = $1 ORDER BY w.starts_at, w.id",
            crate::waves::WAVE_SELECT
        )))
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(crate::waves::wave_from_row).collect()
    }

    /// Reserves a place for the fan in the first of `lanes` that has one. One reservation per
    /// fan and campaign: a second attempt answers with the first reservation.
    pub async fn reserve(
        &self,
        campaign_id: i64,
        user_id: i64,
        lanes: &[Lane],
        now: Millis,
    ) -> StoreResult<ReserveOutcome> {
        if let Some(existing) = self.reservation(campaign_id, user_id).await? {
            return Ok(ReserveOutcome::AlreadyReserved(existing));
        }
        let mut tx = self.write.begin().await?;
        for &lane in lanes {
            let (counter, bound) = lane_columns(lane);
            let place: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "UPDATE campaigns SET {counter} = {counter} + 1 WHERE id = $1 AND {bound} RETURNING {counter}"
            )))
            .bind(campaign_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(place) = place else { continue };
            let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
                "INSERT INTO reservations (campaign_id, user_id, lane, place, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(campaign_id)
            .bind(user_id)
            .bind(lane.as_str())
            .bind(place)
            .bind(now)
            .fetch_one(&mut *tx)
            .await;
            return match inserted {
                Ok(id) => {
                    tx.commit().await?;
                    Ok(ReserveOutcome::Reserved(Reservation {
                        id,
                        campaign_id,
                        user_id,
                        lane,
                        place,
                        created_at: now,
                    }))
                }
                // The same fan reserving twice at once: the loser's counter move rolls back.
                Err(e) if is_unique_violation(&e) => {
                    tx.rollback().await?;
                    match self.reservation(campaign_id, user_id).await? {
                        Some(first) => Ok(ReserveOutcome::AlreadyReserved(first)),
                        None => Err(e.into()),
                    }
                }
                Err(e) => Err(e.into()),
            };
        }
        tx.rollback().await?;
        Ok(ReserveOutcome::Full)
    }

    pub async fn reservation(&self, campaign_id: i64, user_id: i64) -> StoreResult<Option<Reservation>> {
        let row = sqlx::query(
            "SELECT id, campaign_id, user_id, lane, place, created_at FROM reservations \
             WHERE campaign_id = $1 AND user_id = $2",
        )
        .bind(campaign_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| reservation_from_row(&r)).transpose()
    }

    /// Rows in each lane, counted (the lane counters must always equal these).
    pub async fn reservation_counts(&self, campaign_id: i64) -> StoreResult<(i64, i64)> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN lane = 'fan' THEN 1 ELSE 0 END), 0) AS fan, \
             COALESCE(SUM(CASE WHEN lane = 'general' THEN 1 ELSE 0 END), 0) AS general \
             FROM reservations WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.read)
        .await?;
        Ok((row.try_get("fan")?, row.try_get("general")?))
    }

    /// Tells the reservation holders of each campaign wave whose lane has opened by `now`
    /// (the fan lane at the wave's start, the general lane after the head start). Each lane
    /// is told once per wave, whatever the number of nodes or restarts: the lane's bit is set
    /// in the same transaction, and a (fan, event) notification is stored once.
    pub async fn announce_open_waves(&self, now: Millis) -> StoreResult<u64> {
        let due = sqlx::query(
            "SELECT w.id, w.starts_at, w.announced_lanes, c.id AS campaign_id, c.title, \
             c.fan_lane_head_start_ms, p.slug, p.name \
             FROM waves w JOIN campaigns c ON c.id = w.campaign_id JOIN products p ON p.id = w.product_id \
             WHERE w.announced_lanes < 3 AND w.starts_at <= $1 AND w.ends_at > $1 AND w.cancelled_at IS NULL",
        )
        .bind(now)
        .fetch_all(&self.read)
        .await?;
        let mut told = 0;
        for row in due {
            let wave_id: i64 = row.try_get("id")?;
            let starts_at: i64 = row.try_get("starts_at")?;
            let announced: i64 = row.try_get("announced_lanes")?;
            let head_start: i64 = row.try_get("fan_lane_head_start_ms")?;
            let campaign_id: i64 = row.try_get("campaign_id")?;
            let title: String = row.try_get("title")?;
            let slug: String = row.try_get("slug")?;
            let name: String = row.try_get("name")?;
            for (bit, lane, opens_at) in
                [(1, Lane::Fan, starts_at), (2, Lane::General, starts_at + head_start)]
            {
                if announced & bit != 0 || opens_at > now {
                    continue;
                }
                let mut tx = self.write.begin().await?;
                let claimed = sqlx::query(
                    "UPDATE waves SET announced_lanes = announced_lanes + $2 \
                     WHERE id = $1 AND (announced_lanes / $2) % 2 = 0",
                )
                .bind(wave_id)
                .bind(bit)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed == 0 {
                    continue;
                }
                let kind = NotificationKind::WaveOpen;
                let key = format!("{}:{wave_id}:{}", kind.as_str(), lane.as_str());
                let data = serde_json::json!({
                    "campaign": campaign_id, "title": title, "wave": wave_id,
                    "lane": lane.as_str(), "product": slug, "product_name": name,
                });
                told += sqlx::query(
                    "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
                     SELECT user_id, $1, $2, NULL, NULL, $3, $4 FROM reservations \
                     WHERE campaign_id = $5 AND lane = $6 \
                     ON CONFLICT (user_id, event_key) DO NOTHING",
                )
                .bind(kind.as_str())
                .bind(&key)
                .bind(data.to_string())
                .bind(now)
                .bind(campaign_id)
                .bind(lane.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                Self::enqueue_emails(&mut tx, &key, now).await?;
                tx.commit().await?;
            }
        }
        Ok(told)
    }
}
