//! The background jobs every node runs while serving. Each is idempotent (a week is judged
//! once, a draw made once, a lane announced once, a hold expired once), so several nodes may
//! run them side by side.

pub mod delivery;

use crate::App;
use canyu_store::Backend;
use std::future::Future;
use std::time::{Duration, Instant};

/// Starts every job on the current Tokio runtime, and the delivery worker.
pub fn spawn_all(app: &App, deliverer: delivery::Deliverer) {
    if app.store.backend() == Backend::Sqlite {
        spawn_every(Duration::from_millis(250), app, checkpoint_sqlite);
    }
    spawn_every(Duration::from_secs(3600), app, sweep_expired_sessions);
    spawn_every(Duration::from_secs(3600), app, collect_unattached_images);
    spawn_every(Duration::from_secs(600), app, refresh_demands);
    spawn_every(Duration::from_secs(600), app, judge_beta_duties);
    spawn_every(Duration::from_secs(15), app, make_due_draws);
    spawn_every(Duration::from_secs(5), app, announce_open_waves);
    spawn_every(Duration::from_secs(15), app, send_launch_reminders);
    spawn_every(Duration::from_secs(5), app, sweep_launch_orders);
    spawn_every(Duration::from_secs(5), app, post_own_orders);
    spawn_every(Duration::from_secs(15), app, protect_prices);
    spawn_every(Duration::from_secs(15), app, run_due_transfers);
    spawn_every(Duration::from_secs(15), app, run_event_jobs);
    spawn_every(Duration::from_secs(600), app, refresh_affinities);
    spawn_every(Duration::from_secs(60), app, vest_referrals);
    spawn_every(Duration::from_secs(60), app, roll_insights);
    // After the first demands refresh, which the digest's rising demands read.
    spawn_every_from(Duration::from_secs(120), Duration::from_secs(300), app, send_weekly_digests);
    tokio::spawn(deliverer.run());
}

/// The delivery worker for this app's database, links signed with its link secret.
pub fn deliverer(
    app: &App,
    smtp: Option<&canyu_notify::SmtpConfig>,
    public_url: &str,
) -> Result<delivery::Deliverer, String> {
    let addresses = if app.config.webhooks_allow_private {
        canyu_notify::AddressPolicy::AllowPrivate
    } else {
        canyu_notify::AddressPolicy::PublicOnly
    };
    delivery::Deliverer::new(
        app.store.clone(),
        smtp,
        public_url,
        addresses,
        app.link_secret.clone(),
        app.clock.clone(),
    )
}

/// Runs `round` now and then every `period`, for as long as the runtime lives. A round logs
/// its own failure; the next one simply tries again. A round that overruns its period delays
/// the next instead of bunching them up.
fn spawn_every<F, Fut>(period: Duration, app: &App, round: F)
where
    F: Fn(App) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    spawn_every_from(Duration::ZERO, period, app, round);
}

/// [`spawn_every`], the first round `delay` after start.
fn spawn_every_from<F, Fut>(delay: Duration, period: Duration, app: &App, round: F)
where
    F: Fn(App) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let app = app.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + delay, period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            round(app.clone()).await;
        }
    });
}

/// Longer than a round's period, so the holder renews it before it runs out, and short enough
/// that a dead holder's rounds resume within two minutes.
const ROLL_LEASE_MS: i64 = 90_000;

/// This process, as a lease holder: random per process (several nodes may share a host).
fn node_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| format!("{}-{:016x}", std::process::id(), delivery::rand_u64()))
}

/// The insights rollups follow the board every minute; each round replaces what it recomputes,
/// so every node may run it (see `insights::rollup`).
async fn roll_insights(app: App) {
    // A round costs seconds at a million posts: one node rolls while it lives (it renews the
    // lease each round); another takes over once the lease runs out after it stops.
    match app.store.take_job_lease("insights.roll", node_id(), app.now(), ROLL_LEASE_MS).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(e) => {
            tracing::warn!(error = %e, "taking the insights lease failed");
            return;
        }
    }
    let started = Instant::now();
    match crate::insights::rollup::roll(&app).await {
        Ok(r) => tracing::debug!(
            days = r.days,
            weeks = r.weeks,
            ms = started.elapsed().as_millis() as u64,
            "insights rolled"
        ),
        Err(e) => tracing::warn!(error = %e, "rolling insights failed"),
    }
}

/// Weekly digests go out from Monday 09:00 site time (checked every five minutes, so within
/// five minutes of it); each (product, week) is written once, so every node may run this.
async fn send_weekly_digests(app: App) {
    match crate::insights::digest::send_due(&app).await {
        Ok(sent) if sent.is_empty() => {}
        Ok(sent) => tracing::info!(digests = sent.len(), "weekly digests sent"),
        Err(e) => tracing::warn!(error = %e, "sending weekly digests failed"),
    }
}

/// Demands are a projection of posts and votes: recomputed at start and every ten minutes.
async fn refresh_demands(app: App) {
    let started = Instant::now();
    match crate::demands::rebuild_all(&app).await {
        Ok(n) => tracing::info!(demands = n, ms = started.elapsed().as_millis() as u64, "demands refreshed"),
        Err(e) => tracing::warn!(error = %e, "demands refresh failed"),
    }
}

/// Beta duties are judged once per ISO week, for the week that ended; checking every ten
/// minutes means the judgement lands early on Monday (China time) and survives restarts.
/// Judging is idempotent per week, so several nodes may run this.
async fn judge_beta_duties(app: App) {
    if let Err(e) = crate::beta::judge_last_week(&app).await {
        tracing::warn!(error = %e, "judging beta duties failed");
    }
}

/// Draw waves are drawn as soon as their window closes (checked every 15 s); drawing is
/// idempotent, so every node may run this.
async fn make_due_draws(app: App) {
    match crate::sales::draws::run_due(&app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(draws = n, "draws made"),
        Err(e) => tracing::warn!(error = %e, "making draws failed"),
    }
}

/// Reservation holders hear when their lane of a campaign wave opens (checked every 5 s).
/// Each lane is announced once per wave, so every node may run this.
async fn announce_open_waves(app: App) {
    match app.store.announce_open_waves(app.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(fans = n, "wave openings announced"),
        Err(e) => tracing::warn!(error = %e, "announcing wave openings failed"),
    }
}

/// 提醒我: reminders of waves and reservations that start within a few minutes (checked
/// every 15 s). Each is claimed before it is sent: every node may run it.
async fn send_launch_reminders(app: App) {
    match crate::sales::reminders::send_due(&app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(fans = n, "launch reminders sent"),
        Err(e) => tracing::warn!(error = %e, "sending launch reminders failed"),
    }
}

/// Images uploaded but never attached to a post or comment go after a day (checked hourly).
/// A row is deleted once whichever node gets there first: every node may run it.
async fn collect_unattached_images(app: App) {
    match crate::media::collect_unattached(&app).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "unattached images deleted"),
        Err(e) => tracing::warn!(error = %e, "deleting unattached images failed"),
    }
}

/// Unpaid cart holds expire and big orders lock when their clocks run out, and every unit
/// an order let go of goes back on sale (checked every 5 s). Idempotent: every node may run it.
async fn sweep_launch_orders(app: App) {
    match crate::campaigns::launch_orders::sweep(&app).await {
        Ok(s) if s == Default::default() => {}
        Ok(s) => tracing::info!(
            expired = s.expired,
            locked = s.locked,
            released = s.released,
            "launch orders swept"
        ),
        Err(e) => tracing::warn!(error = %e, "sweeping launch orders failed"),
    }
}

/// canyu's own sold and returned orders enter the sales ledger (checked every 5 s; each row
/// once, whichever node writes it).
async fn post_own_orders(app: App) {
    if let Err(e) = crate::pricing::ledger::post_own_orders(&app).await {
        tracing::warn!(error = %e, "posting own orders to the ledger failed");
    }
}

/// Price changes are worked out for price protection once they take effect, scheduled ones
/// included (checked every 15 s; each credit once).
async fn protect_prices(app: App) {
    if let Err(e) = crate::pricing::ledger::protect_prices(&app).await {
        tracing::warn!(error = %e, "working out price protection failed");
    }
}

/// Scheduled stock transfers between channels run at their time (checked every 15 s; each
/// once).
async fn run_due_transfers(app: App) {
    if let Err(e) = crate::pricing::stock::run_due_transfers(&app).await {
        tracing::warn!(error = %e, "running scheduled stock transfers failed");
    }
}

/// Fan events: expired offers pass on, the 48-hour prompt, unconfirmed places released,
/// no-shows recorded (checked every 15 s; each step once per event or place).
async fn run_event_jobs(app: App) {
    match crate::events::run_jobs(&app).await {
        Ok(round) if round != canyu_store::EventRound::default() => tracing::info!(?round, "event jobs"),
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "event jobs failed"),
    }
}

/// "Owners of X also own Y" is a projection of who owns what: recomputed at start and every
/// ten minutes (ownership changes slowly; a product page need not follow it by the second).
async fn refresh_affinities(app: App) {
    match crate::ownership::refresh_affinities(&app).await {
        Ok(n) => tracing::debug!(lines = n, "co-ownership refreshed"),
        Err(e) => tracing::warn!(error = %e, "co-ownership refresh failed"),
    }
    if let Err(e) = crate::insights::reach::refresh_ecosystem(&app).await {
        tracing::warn!(error = %e, "counting the ecosystem's owners failed");
    }
}

/// 口碑: referrals vest once their invitee's first order is past its return window, and
/// qualified ones are paid as each referrer's monthly cap allows (checked every minute; each
/// step is once-only, so every node runs it).
async fn vest_referrals(app: App) {
    if let Err(e) = crate::referrals::vest(&app).await {
        tracing::warn!(error = %e, "vesting referrals failed");
    }
}

/// SQLite's write-ahead log is copied back into the database file here, four times a second,
/// rather than by the order writer inside a commit (see `Store::checkpoint`): over six drops
/// at 64 connections the median order p99 went from 39 to 33 ms (BENCHMARKS.md). A
/// checkpoint runs on a reader connection in its own thread and never blocks the writer.
async fn checkpoint_sqlite(app: App) {
    if let Err(e) = app.store.checkpoint().await {
        tracing::warn!(error = %e, "checkpointing the SQLite log failed");
    }
}

/// How long a revoked or expired API token stays listed on its owner's settings page.
const FINISHED_TOKENS_KEPT_MS: i64 = 30 * 86_400_000;

/// Expired sessions and finished API tokens are already refused by every lookup; this only
/// keeps the tables small (each API login issues a token).
async fn sweep_expired_sessions(app: App) {
    match app.store.delete_expired_sessions(app.now()).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
        Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
    }
    match app.store.delete_finished_api_tokens(app.now() - FINISHED_TOKENS_KEPT_MS).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(tokens = n, "finished API tokens removed"),
        Err(e) => tracing::warn!(error = %e, "could not remove finished API tokens"),
    }
}
