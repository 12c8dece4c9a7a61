use crate::commands::{init_logging, open_store, reindex, settings};
use crate::config::{CommonArgs, Settings};
use crate::delivery::Deliverer;
use crate::error::CliResult;
use canyu_text::SearchIndex;
use canyu_web::{AppState, PasswordCost, WebConfig};
use std::sync::Arc;
use std::time::Instant;

pub async fn run(common: &CommonArgs) -> CliResult<()> {
    let settings = settings(common)?;
    init_logging(settings.json_logs);
    serve(&settings, None).await
}

pub fn web_config(settings: &Settings) -> WebConfig {
    WebConfig {
        secure_cookies: settings.secure_cookies,
        trust_forwarded_for: settings.trust_forwarded_for,
        auth_attempts_per_minute: settings.auth_attempts_per_minute,
        writes_per_minute: settings.writes_per_minute,
        password_cost: PasswordCost::Standard,
        release_weekday: settings.release_weekday,
        orders_per_minute: settings.orders_per_minute,
        payment_secret: settings.payment_secret.clone().map(String::into_bytes),
        simulated_payments: settings.simulated_payments,
        ..WebConfig::default()
    }
}

/// Opens everything and serves until Ctrl-C or SIGTERM. `banner` is printed once listening.
pub async fn serve(settings: &Settings, banner: Option<String>) -> CliResult<()> {
    let started = Instant::now();
    let store = open_store(settings).await?;
    let index = SearchIndex::open(&settings.index_dir())?;
    let posts = store.post_count().await?;
    if index.doc_count() == 0 && posts > 0 {
        tracing::info!(posts, "search index is empty; rebuilding it from the database");
        reindex::rebuild(&store, &index, false).await?;
    }
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let addr = listener.local_addr()?;
    let mut state = AppState::new(store.clone(), Arc::new(index), web_config(settings));
    state.parts_mut().link_secret = Arc::new(link_secret(&store).await?);
    let (stock, claims) = stock_engine(settings, &store).await?;
    state.parts_mut().stock = stock;
    state.parts_mut().claims = claims;
    let deliverer = Deliverer::new(
        store.clone(),
        settings.smtp.as_ref(),
        &settings.public_url,
        state.link_secret.clone(),
        state.clock.clone(),
    )?;
    tracing::info!(
        %addr,
        backend = store.backend().name(),
        posts,
        startup_ms = started.elapsed().as_millis() as u64,
        "canyu is serving"
    );
    if let Some(banner) = banner {
        println!("{}", banner.replace("{url}", &format!("http://{addr}/")));
    }
    if store.backend() == canyu_store::Backend::Sqlite {
        tokio::spawn(checkpoint_sqlite(store.clone()));
    }
    tokio::spawn(sweep_expired_sessions(store.clone()));
    tokio::spawn(refresh_demands(state.clone()));
    tokio::spawn(judge_beta_duties(state.clone()));
    tokio::spawn(make_due_draws(state.clone()));
    tokio::spawn(announce_open_waves(state.clone()));
    tokio::spawn(sweep_launch_orders(state.clone()));
    tokio::spawn(deliverer.run());
    let token_uses = state.token_uses.clone();
    canyu_web::serve(listener, state, shutdown_signal()).await?;
    // Token uses that waited out a rush are written before the database closes.
    token_uses.flush(&store).await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The stock engine chosen by `stock_engine` (`CANYU_STOCK_ENGINE`), and where campaign
/// claims live: in this process, or in Redis with the Redis engine (shared by its nodes).
async fn stock_engine(
    settings: &Settings,
    store: &canyu_store::Store,
) -> CliResult<(Arc<dyn canyu_launch::engine::StockEngine>, Arc<canyu_launch::claims::ClaimBook>)> {
    use crate::config::StockEngineKind;
    let mut claims = canyu_launch::claims::ClaimBook::default();
    let engine: Arc<dyn canyu_launch::engine::StockEngine> = match settings.stock_engine {
        StockEngineKind::Embedded => canyu_launch::embedded::EmbeddedEngine::start(store.clone()),
        StockEngineKind::HotRow => {
            tracing::warn!("stock engine: hotrow, the benchmark baseline (one transaction per order)");
            canyu_launch::hotrow::HotRowEngine::start(store.clone())
        }
        StockEngineKind::Redis => {
            let url = settings.redis_url.as_deref().unwrap_or_default();
            let mut redis = canyu_launch::redis_engine::RedisStock::connect(url)
                .await
                .map_err(|e| format!("cannot connect to Redis {}: {e}", canyu_store::redact(url)))?;
            if let Some(prefix) = &settings.redis_prefix {
                redis = redis.with_prefix(prefix).map_err(|e| format!("redis_prefix: {e}"))?;
            }
            claims = canyu_launch::claims::ClaimBook::redis(redis.clone());
            canyu_launch::redis_stock::RedisStockEngine::start(store.clone(), redis)
        }
    };
    tracing::info!(engine = engine.name(), "stock engine");
    Ok((engine, Arc::new(claims)))
}

/// The key that signs links working without a session (unsubscribe): made once per
/// instance and kept in the database, so links in emails already sent stay valid.
async fn link_secret(store: &canyu_store::Store) -> CliResult<Vec<u8>> {
    const KEY: &str = "link_secret";
    if let Some(secret) = store.meta(KEY).await?.filter(|s| s.len() >= 32) {
        return Ok(secret.into_bytes());
    }
    let fresh = canyu_web::auth::random_token(32);
    store.set_meta(KEY, &fresh).await?;
    Ok(fresh.into_bytes())
}

/// Demands are a projection of posts and votes: recomputed at start and every ten minutes.
async fn refresh_demands(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        let started = Instant::now();
        match canyu_web::actions::demands::rebuild_all(&state).await {
            Ok(n) => {
                tracing::info!(demands = n, ms = started.elapsed().as_millis() as u64, "demands refreshed")
            }
            Err(e) => tracing::warn!(error = ?e.0, "demands refresh failed"),
        }
    }
}

/// Beta duties are judged once per ISO week, for the week that ended; checking every ten
/// minutes means the judgement lands early on Monday (China time) and survives restarts.
/// Judging is idempotent per week, so several nodes may run this.
async fn judge_beta_duties(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(e) = canyu_web::actions::beta::judge_last_week(&state).await {
            tracing::warn!(error = ?e.0, "judging beta duties failed");
        }
    }
}

/// Draw waves are drawn as soon as their window closes (checked every 15 s); drawing is
/// idempotent, so every node may run this.
async fn make_due_draws(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(15));
    loop {
        every.tick().await;
        match canyu_web::actions::draws::run_due(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(draws = n, "draws made"),
            Err(e) => tracing::warn!(error = ?e.0, "making draws failed"),
        }
    }
}

/// Reservation holders hear when their lane of a campaign wave opens (checked every 5 s).
/// Each lane is announced once per wave, so every node may run this.
async fn announce_open_waves(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        every.tick().await;
        match state.store.announce_open_waves(state.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(fans = n, "wave openings announced"),
            Err(e) => tracing::warn!(error = %e, "announcing wave openings failed"),
        }
    }
}

/// Unpaid cart holds expire and big orders lock when their clocks run out, and every unit
/// an order let go of goes back on sale (checked every 5 s). Idempotent: every node may run it.
async fn sweep_launch_orders(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        every.tick().await;
        match canyu_web::actions::launch_orders::sweep(&state).await {
            Ok(s) if s == Default::default() => {}
            Ok(s) => tracing::info!(
                expired = s.expired,
                locked = s.locked,
                released = s.released,
                "launch orders swept"
            ),
            Err(e) => tracing::warn!(error = ?e.0, "sweeping launch orders failed"),
        }
    }
}

/// SQLite's write-ahead log is copied back into the database file here, four times a second,
/// rather than by the order writer inside a commit (see `Store::checkpoint`): over six drops
/// at 64 connections the median order p99 went from 39 to 33 ms (BENCHMARKS.md). A
/// checkpoint runs on a reader connection in its own thread and never blocks the writer.
async fn checkpoint_sqlite(store: canyu_store::Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_millis(250));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = store.checkpoint().await {
            tracing::warn!(error = %e, "checkpointing the SQLite log failed");
        }
    }
}

/// Expired sessions are already refused by every lookup; this only keeps the table small.
async fn sweep_expired_sessions(store: canyu_store::Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every.tick().await;
        match store.delete_expired_sessions(canyu_web::state::now_millis()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions removed"),
            Err(e) => tracing::warn!(error = %e, "could not remove expired sessions"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
