//! The live counter of a launch campaign (SU7: "50,000 big orders in 27 minutes"): one
//! producer task per watched campaign computes a snapshot every second — orders by kind
//! and state, orders per minute, milestones reached and when, remaining stock per wave, the
//! production queue ("N delivered in D days", re-read every 30 s) — and hands it to every
//! open stream through [`crate::fanout`].

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::fanout::{Feed, Hub};
use bytes::Bytes;
use canyu_core::Millis;
use canyu_core::campaign::{OrderKind, OrderState};
use canyu_store::StoreResult;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often a watched campaign's snapshot is recomputed and sent. Each tick writes to every
/// viewer, so the tick is what viewers cost: at 500 ms, 5,000 viewers took 23 % of a 2-core
/// machine's order throughput (bench/live.sh); a second is live enough for a big screen.
pub const TICK: Duration = Duration::from_millis(1000);
/// The order counts worth announcing.
pub const MILESTONES: [i64; 8] = [100, 1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000];

#[derive(Default)]
pub struct LiveHub {
    hub: Hub,
}

impl LiveHub {
    /// A receiver of the campaign's snapshots, each a whole `event: snapshot` frame (`None`
    /// until the first one is computed).
    pub fn subscribe(&self, app: &App, campaign_id: i64) -> watch::Receiver<Option<Bytes>> {
        self.hub.subscribe(campaign_id, |feed| {
            tokio::spawn(produce(app.clone(), campaign_id, feed));
        })
    }

    /// Campaigns with a producer running (for tests and metrics).
    pub fn watched(&self) -> usize {
        self.hub.watched()
    }
}

/// How often the production numbers on the big screen are re-read: they move when staff move
/// the queue on, and counting the stages reads every locked order.
pub const PRODUCTION_EVERY: Duration = Duration::from_secs(30);

/// What a producer remembers between ticks.
#[derive(Default)]
pub struct Memo {
    /// When each milestone was reached (orders → ms).
    milestones: BTreeMap<i64, i64>,
    production: Option<(serde_json::Value, tokio::time::Instant)>,
}

async fn produce(app: App, campaign_id: i64, feed: Arc<Feed>) {
    let mut memo = Memo::default();
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if !app.live.hub.keep(campaign_id) {
            return;
        }
        match snapshot(&app, campaign_id, &mut memo).await {
            Ok(Some(snap)) => {
                // JSON has no raw newlines, so the snapshot is one `data:` line.
                feed.deliver(Bytes::from(format!("event: snapshot\ndata: {snap}\n\n"))).await;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(campaign = campaign_id, error = %e, "live counter snapshot failed"),
        }
    }
}

/// Orders per minute over the `minutes` minutes up to now, `(minute start, orders)` for the
/// minutes that had any: the big screen's chart. Seen by whoever may see the campaign.
pub async fn orders_per_minute(
    app: &App,
    auth: Option<&Auth>,
    campaign_id: i64,
    minutes: i64,
) -> AppResult<Vec<(Millis, i64)>> {
    super::visible(app, auth, campaign_id).await?;
    Ok(app.store.launch_orders_per_minute(campaign_id, app.now() - minutes * 60_000).await?)
}

/// What the big screen shows, as of now.
pub async fn snapshot(
    app: &App,
    campaign_id: i64,
    memo: &mut Memo,
) -> StoreResult<Option<serde_json::Value>> {
    let milestones = &mut memo.milestones;
    let Some(campaign) = app.store.campaign(campaign_id).await? else { return Ok(None) };
    let now = app.now();
    let counts = app.store.launch_counts(campaign_id).await?;
    let mut by_kind: BTreeMap<&str, i64> = OrderKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    let mut by_state: BTreeMap<&str, i64> = OrderState::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    let mut total = 0;
    for (kind, st, n) in &counts {
        *by_kind.entry(kind.as_str()).or_default() += n;
        *by_state.entry(st.as_str()).or_default() += n;
        total += n;
    }
    let waves = app.store.campaign_waves(campaign_id).await?;
    let opened_at = waves.iter().map(|w| w.rules.starts_at).min();
    for threshold in MILESTONES {
        if total >= threshold
            && !milestones.contains_key(&threshold)
            && let Some(at) = app.store.nth_launch_order_at(campaign_id, threshold).await?
        {
            milestones.insert(threshold, at);
        }
    }
    let mut wave_rows = Vec::with_capacity(waves.len());
    for w in &waves {
        let taken = match app.stock.counters(w.id).await {
            Ok(c) => c.taken.max(w.sold),
            Err(_) => w.sold,
        };
        let quantity = w.rules.online_quantity();
        let name =
            campaign.skus.iter().find(|s| s.code == w.rules.sku).map_or(w.rules.sku.as_str(), |s| &s.name);
        wave_rows.push(json!({
            "id": w.id, "sku": w.rules.sku, "name": name, "quantity": quantity, "taken": taken,
            "remaining": (quantity - taken).max(0),
            "starts_at": canyu_core::time::rfc3339(w.rules.starts_at),
            "ends_at": canyu_core::time::rfc3339(w.rules.ends_at),
        }));
    }
    let per_minute = app.store.launch_orders_per_minute(campaign_id, now - 60 * 60_000).await?;
    let production = match &memo.production {
        Some((p, at)) if at.elapsed() < PRODUCTION_EVERY => p.clone(),
        _ => {
            let p = app.store.production_summary(campaign_id).await?;
            let p = json!({
                "queued": p.queued, "in_production": p.in_production, "delivered": p.delivered,
                "delivered_in_days": p.delivered_in_days(),
            });
            memo.production = Some((p.clone(), tokio::time::Instant::now()));
            p
        }
    };
    Ok(Some(json!({
        "campaign": campaign_id,
        "title": campaign.title,
        "at": now,
        "orders": {"total": total, "by_kind": by_kind, "by_state": by_state},
        "per_minute": per_minute.iter().map(|(m, n)| json!([m, n])).collect::<Vec<_>>(),
        "production": production,
        "next_milestone": MILESTONES.iter().find(|&&m| total < m),
        "milestones": memo.milestones.iter().map(|(n, at)| json!({
            "orders": n, "at": at, "after_ms": opened_at.map(|o| (at - o).max(0)),
        })).collect::<Vec<_>>(),
        "reservations": {"fan": campaign.fan_lane_taken, "general": campaign.general_taken},
        "waves": wave_rows,
    })))
}
