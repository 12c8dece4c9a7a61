//! The insights rollups (migration 0033): counts per metric, product and local day, the fans
//! active each day, and a snapshot of who the fans are. The rollup job recomputes a day, a week
//! or the snapshot from the source tables (reading on the read pool) and replaces what was
//! there in one short write transaction, so a recomputation is idempotent and any node may run
//! it; dashboards only ever read the rollups. Day bounds come from the app (the site's zone);
//! SQL never converts time.

use crate::{Backend, Store, StoreResult};
use canyu_core::Millis;
use canyu_core::insight::{FunnelStep, SHIP_BUCKETS, metric, ship_bucket};
use canyu_core::points::LEVELS;
use sqlx::{AssertSqlSafe, Row};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

/// One rollup count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsightCount {
    pub metric: String,
    pub day: Millis,
    pub n: i64,
}

/// One count of the fans-as-they-are snapshot, e.g. `("gender", "female", 1234)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotCount {
    pub dimension: String,
    pub value: String,
    pub n: i64,
}

/// A fan whose ideas shipped, for the co-creation panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreditedFan {
    pub handle: String,
    pub features: i64,
}

/// A local day: its first instant and the next day's, and the first instants of the 7- and
/// 30-day windows ending with it.
#[derive(Clone, Copy, Debug)]
pub struct RollDay {
    pub start: Millis,
    pub end: Millis,
    pub week_window_start: Millis,
    pub month_window_start: Millis,
}

/// A week from Monday: its first instant, the next week's, and the week before's.
#[derive(Clone, Copy, Debug)]
pub struct RollWeek {
    pub start: Millis,
    pub end: Millis,
    pub previous: Millis,
}

/// The metrics a day's recomputation owns (deleted and written again together).
fn day_metrics() -> Vec<&'static str> {
    let mut names = vec![metric::POSTS, metric::VOTES, metric::COMMENTS, metric::NEW_FANS, metric::DAU];
    names.extend([metric::WAU, metric::MAU]);
    names.extend(FunnelStep::ALL.iter().skip(1).map(|s| s.metric()));
    names.extend(SHIP_BUCKETS.iter().map(|(name, _)| *name));
    names.extend([metric::REFERRALS, metric::REFERRALS_QUALIFIED, metric::REFERRALS_REJECTED]);
    names
}

fn quoted(names: &[&str]) -> String {
    // Only the constant metric and status names of canyu_core ever reach this.
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

impl Store {
    /// Serialises rollup writers on PostgreSQL (a transaction-scoped advisory lock), so two
    /// nodes recomputing the same day cannot interleave their delete and insert. On SQLite the
    /// first statement of the transaction is a write, which takes the one write lock.
    async fn lock_rollups(&self, tx: &mut sqlx::AnyConnection) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            // 0x63616e7975 is "canyu" in ASCII; the low bits name the rollups.
            sqlx::query("SELECT pg_advisory_xact_lock(426635311477001)").execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// Recomputes every day-keyed count of `day` and the fans active on it. Everything is
    /// read first, on the read pool; only the replacement of the day's rows is a write
    /// transaction, so on SQLite the one writer (votes, orders) waits for a few inserts, not for
    /// the scans behind them.
    pub async fn roll_day(&self, day: RollDay) -> StoreResult<()> {
        let RollDay { start: a, end: b, week_window_start: w, month_window_start: m } = day;
        // (metric, product, n); product 0 is the whole site. Every bound is an integer of ours.
        let mut counts: Vec<(Cow<'static, str>, i64, i64)> = Vec::new();
        let mut per_product = vec![
            (metric::POSTS, format!("FROM posts p WHERE p.created_at >= {a} AND p.created_at < {b}")),
            (
                metric::VOTES,
                format!(
                    "FROM votes v JOIN posts p ON p.id = v.post_id WHERE v.created_at >= {a} AND v.created_at < {b}"
                ),
            ),
            (
                metric::COMMENTS,
                format!(
                    "FROM comments c JOIN posts p ON p.id = c.post_id WHERE c.created_at >= {a} AND c.created_at < {b}"
                ),
            ),
        ];
        for step in FunnelStep::ALL.iter().skip(1) {
            let statuses: Vec<&str> = step.statuses().iter().map(|s| s.as_str()).collect();
            per_product.push((
                step.metric(),
                format!(
                    "FROM posts p WHERE p.created_at >= {a} AND p.created_at < {b} AND EXISTS (SELECT 1 FROM \
                     status_changes s WHERE s.post_id = p.id AND s.to_status IN ({}))",
                    quoted(&statuses)
                ),
            ));
        }
        for (name, from_where) in per_product {
            let rows = sqlx::query(AssertSqlSafe(format!(
                "SELECT p.product_id AS product_id, COUNT(*) AS n {from_where} GROUP BY p.product_id"
            )))
            .fetch_all(&self.read)
            .await?;
            let mut site = 0;
            for r in &rows {
                let (product, n): (i64, i64) = (r.try_get("product_id")?, r.try_get("n")?);
                counts.push((name.into(), product, n));
                site += n;
            }
            if site > 0 {
                counts.push((name.into(), 0, site));
            }
        }
        let new_fans: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM users WHERE created_at >= {a} AND created_at < {b}"
        )))
        .fetch_one(&self.read)
        .await?;
        if new_fans > 0 {
            counts.push((metric::NEW_FANS.into(), 0, new_fans));
        }
        let channels = self.roll_channel_sales(a, b, &mut counts).await?;
        let referrals = sqlx::query(AssertSqlSafe(format!(
            "SELECT status, COUNT(*) AS n FROM referrals WHERE created_at >= {a} AND created_at < {b} GROUP BY status"
        )))
        .fetch_all(&self.read)
        .await?;
        let (mut made, mut qualified, mut rejected) = (0i64, 0i64, 0i64);
        for r in &referrals {
            let (status, n): (String, i64) = (r.try_get("status")?, r.try_get("n")?);
            made += n;
            match status.as_str() {
                "qualified" | "rewarded" => qualified += n,
                "rejected" => rejected += n,
                _ => {}
            }
        }
        for (name, n) in [
            (metric::REFERRALS, made),
            (metric::REFERRALS_QUALIFIED, qualified),
            (metric::REFERRALS_REJECTED, rejected),
        ] {
            if n > 0 {
                counts.push((name.into(), 0, n));
            }
        }

        // Days to ship, counted on the day a post first shipped.
        let shipped = sqlx::query(AssertSqlSafe(format!(
            "SELECT p.product_id, p.created_at, s.created_at AS shipped_at FROM status_changes s \
             JOIN posts p ON p.id = s.post_id WHERE s.to_status = 'shipped' AND s.created_at >= {a} \
             AND s.created_at < {b} AND NOT EXISTS (SELECT 1 FROM status_changes e WHERE e.post_id = s.post_id \
             AND e.to_status = 'shipped' AND (e.created_at < s.created_at OR (e.created_at = s.created_at AND e.id < s.id)))"
        )))
        .fetch_all(&self.read)
        .await?;
        let mut buckets: BTreeMap<(usize, i64), i64> = BTreeMap::new();
        for row in &shipped {
            let (product, posted, at): (i64, Millis, Millis) =
                (row.try_get("product_id")?, row.try_get("created_at")?, row.try_get("shipped_at")?);
            let bucket = ship_bucket((at - posted).max(0) / 86_400_000);
            *buckets.entry((bucket, product)).or_default() += 1;
            *buckets.entry((bucket, 0)).or_default() += 1;
        }
        counts.extend(
            buckets.into_iter().map(|((bucket, product), n)| (SHIP_BUCKETS[bucket].0.into(), product, n)),
        );

        // Who was active that day, and in the 7 and 30 days up to it (the earlier days' fans
        // are already in fan_days).
        let active: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT user_id FROM votes WHERE created_at >= {a} AND created_at < {b} \
             UNION SELECT author_id FROM posts WHERE created_at >= {a} AND created_at < {b} \
             UNION SELECT author_id FROM comments WHERE created_at >= {a} AND created_at < {b}"
        )))
        .fetch_all(&self.read)
        .await?;
        let today: HashSet<i64> = active.iter().copied().collect();
        for (name, from) in [(metric::WAU, w), (metric::MAU, m)] {
            let earlier: Vec<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT DISTINCT user_id FROM fan_days WHERE day >= {from} AND day < {a}"
            )))
            .fetch_all(&self.read)
            .await?;
            let n = earlier.iter().filter(|u| !today.contains(u)).count() + today.len();
            if n > 0 {
                counts.push((name.into(), 0, n as i64));
            }
        }
        if !today.is_empty() {
            counts.push((metric::DAU.into(), 0, today.len() as i64));
        }

        // The day owns its constant metrics and every channel's (a channel with no sales left
        // that day loses its row).
        let mut owned: Vec<String> = day_metrics().into_iter().map(String::from).collect();
        for channel in channels {
            owned.extend([metric::channel_units(channel), metric::channel_revenue(channel)]);
        }
        let mut tx = self.write.begin().await?;
        self.lock_rollups(&mut tx).await?;
        let delete = format!(
            "DELETE FROM insight_days WHERE day = $1 AND metric IN ({})",
            crate::placeholders(2, owned.len())
        );
        let mut q = sqlx::query(AssertSqlSafe(delete)).bind(a);
        for name in &owned {
            q = q.bind(name.as_str());
        }
        q.execute(&mut *tx).await?;
        sqlx::query(AssertSqlSafe(format!("DELETE FROM fan_days WHERE day = {a}"))).execute(&mut *tx).await?;
        for chunk in counts.chunks(500) {
            let sql = format!(
                "INSERT INTO insight_days (metric, product_id, day, n) VALUES {}",
                crate::value_rows(chunk.len(), 4)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (name, product, n) in chunk {
                q = q.bind(name.as_ref()).bind(*product).bind(a).bind(*n);
            }
            q.execute(&mut *tx).await?;
        }
        for chunk in active.chunks(1000) {
            let sql =
                format!("INSERT INTO fan_days (day, user_id) VALUES {}", crate::value_rows(chunk.len(), 2));
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for user in chunk {
                q = q.bind(a).bind(*user);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds `[a, b)`'s units and revenue per channel, per product and site-wide, to `counts`
    /// (from the ledger's rollups, exact at any edge: `sales_sums`), and answers every channel
    /// there is, whose metrics the day owns.
    async fn roll_channel_sales(
        &self,
        a: Millis,
        b: Millis,
        counts: &mut Vec<(Cow<'static, str>, i64, i64)>,
    ) -> StoreResult<Vec<i64>> {
        let channels: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM channels ORDER BY id").fetch_all(&self.read).await?;
        let sums = self.sales_sums(a, b).await?;
        if sums.is_empty() {
            return Ok(channels);
        }
        let product_of: HashMap<i64, i64> = sqlx::query("SELECT id, product_id FROM skus")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("product_id")?)))
            .collect::<StoreResult<_>>()?;
        let mut by: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
        for s in &sums {
            let product = product_of.get(&s.sku_id).map(|&p| (s.channel_id, p));
            for key in std::iter::once((s.channel_id, 0)).chain(product) {
                let e = by.entry(key).or_default();
                e.0 += s.quantity;
                e.1 += s.revenue_fen;
            }
        }
        for ((channel, product), (units, revenue)) in by {
            if units != 0 || revenue != 0 {
                counts.push((metric::channel_units(channel).into(), product, units));
                counts.push((metric::channel_revenue(channel).into(), product, revenue));
            }
        }
        Ok(channels)
    }

    /// Recomputes the week's lifecycle counts, its sign-up cohort's size, and every earlier
    /// cohort's activity in it. `cohort_week_of` maps a sign-up time to its week's Monday (the
    /// app knows the zone); cohorts more than [`metric::COHORT_WEEKS`] weeks back are skipped.
    pub async fn roll_week(
        &self,
        week: RollWeek,
        cohort_week_of: impl Fn(Millis) -> Millis,
    ) -> StoreResult<()> {
        let RollWeek { start: a, end: b, previous: p } = week;
        // The two weeks' fans as sets, compared here: a correlated lookup per fan took a minute
        // a week at 200,000 fans (bench/insights.sh).
        let this_week = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.user_id, u.created_at FROM (SELECT DISTINCT user_id FROM fan_days WHERE day >= {a} \
             AND day < {b}) a JOIN users u ON u.id = a.user_id"
        )))
        .fetch_all(&self.read)
        .await?;
        let last_week: HashSet<i64> = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT DISTINCT user_id FROM fan_days WHERE day >= {p} AND day < {a}"
        )))
        .fetch_all(&self.read)
        .await?
        .into_iter()
        .collect();
        let (mut new, mut returning, mut resurrected) = (0i64, 0i64, 0i64);
        let mut cohorts: BTreeMap<Millis, i64> = Default::default();
        let mut still_active = 0i64;
        for row in &this_week {
            let (user, created): (i64, Millis) = (row.try_get("user_id")?, row.try_get("created_at")?);
            let was_active = last_week.contains(&user);
            still_active += i64::from(was_active);
            match canyu_core::insight::lifecycle(created >= a, was_active) {
                canyu_core::insight::Lifecycle::New => new += 1,
                canyu_core::insight::Lifecycle::Returning => returning += 1,
                canyu_core::insight::Lifecycle::Resurrected => resurrected += 1,
            }
            *cohorts.entry(cohort_week_of(created)).or_default() += 1;
        }
        let dormant = last_week.len() as i64 - still_active;
        let cohort_size: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM users WHERE created_at >= {a} AND created_at < {b}"
        )))
        .fetch_one(&self.read)
        .await?;
        let mut rows: Vec<(String, Millis, i64)> = vec![
            (metric::WEEK_NEW.into(), a, new),
            (metric::WEEK_RETURNING.into(), a, returning),
            (metric::WEEK_RESURRECTED.into(), a, resurrected),
            (metric::WEEK_DORMANT.into(), a, dormant),
            (metric::COHORT_SIZE.into(), a, cohort_size),
        ];
        // Which cohort weeks this week is "k weeks later" for: walk back week by week.
        let mut cohort = a;
        let mut replaced = vec![
            (metric::WEEK_NEW.to_string(), a),
            (metric::WEEK_RETURNING.to_string(), a),
            (metric::WEEK_RESURRECTED.to_string(), a),
            (metric::WEEK_DORMANT.to_string(), a),
            (metric::COHORT_SIZE.to_string(), a),
        ];
        for k in 0..=metric::COHORT_WEEKS {
            let name = format!("{}{k}", metric::COHORT_WEEK_PREFIX);
            replaced.push((name.clone(), cohort));
            rows.push((name, cohort, cohorts.get(&cohort).copied().unwrap_or(0)));
            cohort = cohort_week_of(cohort - 3 * 86_400_000);
        }
        let mut tx = self.write.begin().await?;
        self.lock_rollups(&mut tx).await?;
        for (name, day) in &replaced {
            sqlx::query("DELETE FROM insight_days WHERE metric = $1 AND product_id = 0 AND day = $2")
                .bind(name)
                .bind(*day)
                .execute(&mut *tx)
                .await?;
        }
        for (name, day, n) in rows.into_iter().filter(|r| r.2 > 0) {
            sqlx::query("INSERT INTO insight_days (metric, product_id, day, n) VALUES ($1, 0, $2, $3)")
                .bind(name)
                .bind(day)
                .bind(n)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the snapshot of who the fans are: accounts by level, by each self-declared
    /// field, and by gender × age band. Staff accounts are not fans and are left out.
    pub async fn roll_snapshot(&self) -> StoreResult<()> {
        let levels = LEVELS
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let upper =
                    LEVELS.get(i + 1).map(|n| format!(" AND points < {}", n.min_points)).unwrap_or_default();
                format!("COALESCE(SUM(CASE WHEN points >= {}{upper} THEN 1 ELSE 0 END), 0)", l.min_points)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let fans = "FROM users WHERE role = 'fan'";
        let by_level =
            sqlx::query(AssertSqlSafe(format!("SELECT {levels} {fans}"))).fetch_one(&self.read).await?;
        let mut rows: Vec<(String, String, i64)> = Vec::new();
        for (i, level) in LEVELS.iter().enumerate() {
            rows.push(("level".into(), level.number.to_string(), by_level.try_get::<i64, _>(i)?));
        }
        for field in ["gender", "age_band", "city_tier"] {
            let counts = sqlx::query(AssertSqlSafe(format!(
                "SELECT COALESCE({field}, '') AS value, COUNT(*) AS n {fans} GROUP BY COALESCE({field}, '')"
            )))
            .fetch_all(&self.read)
            .await?;
            for r in &counts {
                rows.push((field.into(), r.try_get("value")?, r.try_get("n")?));
            }
        }
        let cross = sqlx::query(AssertSqlSafe(format!(
            "SELECT gender, age_band, COUNT(*) AS n {fans} AND gender IS NOT NULL AND age_band IS NOT NULL \
             GROUP BY gender, age_band"
        )))
        .fetch_all(&self.read)
        .await?;
        for r in &cross {
            let (g, a): (String, String) = (r.try_get("gender")?, r.try_get("age_band")?);
            rows.push(("gender_age".into(), format!("{g}/{a}"), r.try_get("n")?));
        }
        let mut tx = self.write.begin().await?;
        self.lock_rollups(&mut tx).await?;
        sqlx::query("DELETE FROM insight_snapshot").execute(&mut *tx).await?;
        for (dimension, value, n) in rows {
            sqlx::query("INSERT INTO insight_snapshot (dimension, value, n) VALUES ($1, $2, $3)")
                .bind(dimension)
                .bind(value)
                .bind(n)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The counts of `metrics` for `product_id` (0: the whole site) on days in `[from, to)`.
    pub async fn insight_counts(
        &self,
        metrics: &[&str],
        product_id: i64,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<InsightCount>> {
        if metrics.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT metric, day, n FROM insight_days WHERE metric IN ({}) AND product_id = $1 AND day >= $2 \
             AND day < $3 ORDER BY metric, day",
            crate::placeholders(4, metrics.len())
        )));
        let mut q = rows.bind(product_id).bind(from).bind(to);
        for m in metrics {
            q = q.bind(*m);
        }
        q.fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| {
                Ok(InsightCount { metric: r.try_get("metric")?, day: r.try_get("day")?, n: r.try_get("n")? })
            })
            .collect()
    }

    pub async fn insight_snapshot(&self) -> StoreResult<Vec<SnapshotCount>> {
        sqlx::query("SELECT dimension, value, n FROM insight_snapshot ORDER BY dimension, value")
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| {
                Ok(SnapshotCount {
                    dimension: r.try_get("dimension")?,
                    value: r.try_get("value")?,
                    n: r.try_get("n")?,
                })
            })
            .collect()
    }

    /// Publication times of the posts published releases shipped in `[from, to)`, one per
    /// credited post and release (for features per month), for one product or all.
    pub async fn credited_features(
        &self,
        product_id: Option<i64>,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<(i64, Millis)>> {
        let rows = sqlx::query(
            "SELECT r.product_id, r.published_at FROM releases r JOIN release_posts rp ON rp.release_id = r.id \
             WHERE r.status = 'published' AND r.published_at >= $1 AND r.published_at < $2 \
             AND ($3 = 0 OR r.product_id = $3)",
        )
        .bind(from)
        .bind(to)
        .bind(product_id.unwrap_or(0))
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("product_id")?, r.try_get("published_at")?))).collect()
    }

    /// The fans whose posts published releases in `[from, to)` shipped most.
    pub async fn most_credited(
        &self,
        product_id: Option<i64>,
        from: Millis,
        to: Millis,
        limit: i64,
    ) -> StoreResult<Vec<CreditedFan>> {
        let rows = sqlx::query(
            "SELECT u.handle, COUNT(DISTINCT p.id) AS features FROM releases r \
             JOIN release_posts rp ON rp.release_id = r.id JOIN posts p ON p.id = rp.post_id \
             JOIN users u ON u.id = p.author_id \
             WHERE r.status = 'published' AND r.published_at >= $1 AND r.published_at < $2 \
             AND ($3 = 0 OR r.product_id = $3) AND u.role = 'fan' \
             GROUP BY u.id, u.handle ORDER BY features DESC, u.handle LIMIT $4",
        )
        .bind(from)
        .bind(to)
        .bind(product_id.unwrap_or(0))
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok(CreditedFan { handle: r.try_get("handle")?, features: r.try_get("features")? }))
            .collect()
    }

    /// A campaign's orders that the anti-scalper checks flagged when they were placed.
    pub async fn launch_flagged_count(&self, campaign_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM launch_orders WHERE campaign_id = $1 AND flags <> ''")
            .bind(campaign_id)
            .fetch_one(&self.read)
            .await?)
    }

    /// The `k`th order (1-based) of the campaign placed at or after `from`.
    pub async fn nth_launch_order_from(
        &self,
        campaign_id: i64,
        from: Millis,
        k: i64,
    ) -> StoreResult<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM launch_orders WHERE campaign_id = $1 AND created_at >= $2 \
             ORDER BY created_at, order_id LIMIT 1 OFFSET $3",
        )
        .bind(campaign_id)
        .bind(from)
        .bind((k - 1).max(0))
        .fetch_optional(&self.read)
        .await?)
    }

    /// When the wave's `n`th order was acknowledged (by the engine's sequence, which the
    /// unique (wave, seq) index reads directly): the moment its `n`th unit went.
    pub async fn wave_nth_order_at(&self, wave_id: i64, n: i64) -> StoreResult<Option<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at FROM orders WHERE wave_id = $1 ORDER BY seq LIMIT 1 OFFSET $2",
        )
        .bind(wave_id)
        .bind((n - 1).max(0))
        .fetch_optional(&self.read)
        .await?)
    }

    /// The campaign's orders per second in [from, to): (second's first instant, orders), for
    /// the busiest minute the per-minute tally points at, so at most a minute's orders are read.
    pub async fn launch_orders_per_second(
        &self,
        campaign_id: i64,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<(Millis, i64)>> {
        let rows = sqlx::query(
            "SELECT created_at / 1000 AS s, COUNT(*) AS n FROM launch_orders \
             WHERE campaign_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY created_at / 1000 ORDER BY s",
        )
        .bind(campaign_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get::<i64, _>("s")? * 1000, r.try_get("n")?))).collect()
    }

    /// Days whose posts changed status since `since`: the funnel counts of those days moved.
    pub async fn days_with_status_changes(&self, since: Millis) -> StoreResult<Vec<Millis>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT p.created_at FROM status_changes s JOIN posts p ON p.id = s.post_id \
             WHERE s.created_at >= $1 LIMIT 10000",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?)
    }

    /// Hours (since the epoch, UTC) that sales recorded since `since` were made in: a partner's
    /// report or a refund lands days after the sale, and the day it counts on moves.
    pub async fn hours_with_late_sales(&self, since: Millis) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT sold_at / 3600000 FROM sales WHERE created_at >= $1 LIMIT 10000",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?)
    }

    /// Hours the referrals whose status changed since `since` were made in (a referral counts
    /// on its invitee's sign-up day, qualified or rejected weeks later).
    pub async fn hours_with_referral_changes(&self, since: Millis) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT created_at / 3600000 FROM referrals WHERE updated_at >= $1 LIMIT 10000",
        )
        .bind(since)
        .fetch_all(&self.read)
        .await?)
    }

    /// Every hour (since the epoch, UTC) in which something the rollups count happened: an
    /// account, a post, a vote, a comment, a status change, a sale or a referral. A rebuild
    /// recomputes only the days these fall on (and the windows after them), not every day
    /// since the first one.
    pub async fn activity_hours(&self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT created_at / 3600000 AS h FROM users UNION SELECT created_at / 3600000 FROM posts \
             UNION SELECT created_at / 3600000 FROM votes UNION SELECT created_at / 3600000 FROM comments \
             UNION SELECT created_at / 3600000 FROM status_changes UNION SELECT hour / 3600000 FROM sales_hourly \
             UNION SELECT created_at / 3600000 FROM referrals ORDER BY 1",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// Forgets every rollup (before a full rebuild, e.g. after the site's zone changed).
    pub async fn clear_rollups(&self) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        self.lock_rollups(&mut tx).await?;
        sqlx::query("DELETE FROM insight_days").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM fan_days").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The self-declared fields of an account.
    pub async fn profile(&self, user_id: i64) -> StoreResult<canyu_core::profile::Profile> {
        use canyu_core::profile::{AgeBand, CityTier, Gender, Profile};
        let row = sqlx::query("SELECT gender, age_band, city_tier FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        let Some(row) = row else { return Ok(Profile::default()) };
        let field =
            |name: &str| -> StoreResult<Option<String>> { Ok(row.try_get::<Option<String>, _>(name)?) };
        Ok(Profile {
            gender: field("gender")?.as_deref().and_then(Gender::parse),
            age_band: field("age_band")?.as_deref().and_then(AgeBand::parse),
            city_tier: field("city_tier")?.as_deref().and_then(CityTier::parse),
        })
    }

    pub async fn set_profile(&self, user_id: i64, profile: canyu_core::profile::Profile) -> StoreResult<()> {
        sqlx::query("UPDATE users SET gender = $1, age_band = $2, city_tier = $3 WHERE id = $4")
            .bind(profile.gender.map(|g| g.as_str()))
            .bind(profile.age_band.map(|a| a.as_str()))
            .bind(profile.city_tier.map(|c| c.as_str()))
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

/// An event as the events panel counts it: its own counters, kept with every change of place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventCount {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub city: String,
    pub starts_at: Millis,
    pub capacity: i64,
    /// Places held (confirmed and offered, guests included).
    pub held: i64,
    pub waiting: i64,
    pub checked_in: i64,
    /// Fans recorded as not coming (after the event).
    pub no_shows: i64,
}

impl Store {
    /// Events starting in [from, to) per city: (city, events, places held, checked in).
    pub async fn events_by_city(
        &self,
        from: Millis,
        to: Millis,
    ) -> StoreResult<Vec<(String, i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT city, COUNT(*) AS n, CAST(SUM(held) AS BIGINT) AS held, CAST(SUM(checked_in) AS BIGINT) AS checked_in \
             FROM events WHERE starts_at >= $1 AND starts_at < $2 GROUP BY city ORDER BY city",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("city")?, r.try_get("n")?, r.try_get("held")?, r.try_get("checked_in")?)))
            .collect()
    }

    /// Events starting in [from, to), soonest first, with their counters; at most `limit`: the latest to start.
    pub async fn event_counts(&self, from: Millis, to: Millis, limit: i64) -> StoreResult<Vec<EventCount>> {
        let rows = sqlx::query(
            "SELECT * FROM (SELECT e.id, e.title, e.kind, e.city, e.starts_at, e.capacity, e.held, e.waiting, e.checked_in, \
             (SELECT COUNT(*) FROM event_rsvps r WHERE r.event_id = e.id AND r.no_show = 1) AS no_shows \
             FROM events e WHERE e.starts_at >= $1 AND e.starts_at < $2 ORDER BY e.starts_at DESC, e.id DESC LIMIT $3) x \
             ORDER BY starts_at, id",
        )
        .bind(from)
        .bind(to)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EventCount {
                    id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    kind: r.try_get("kind")?,
                    city: r.try_get("city")?,
                    starts_at: r.try_get("starts_at")?,
                    capacity: r.try_get("capacity")?,
                    held: r.try_get("held")?,
                    waiting: r.try_get("waiting")?,
                    checked_in: r.try_get("checked_in")?,
                    no_shows: r.try_get("no_shows")?,
                })
            })
            .collect()
    }

    /// Each owner with the ecosystem categories (`phone`, `car`, `home`…) of what they own now.
    pub async fn owners_categories(&self) -> StoreResult<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT DISTINCT o.owner_id, c.slug FROM owned_devices o JOIN products p ON p.id = o.product_id \
             JOIN categories c ON c.id = p.category_id WHERE o.owner_id IS NOT NULL ORDER BY o.owner_id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("owner_id")?, r.try_get("slug")?))).collect()
    }
}
