use crate::commands::{init_logging, open_store, reindex, settings};
use crate::config::{CommonArgs, Settings};
use crate::error::CliResult;
use canyu_app::accounts::PasswordCost;
use canyu_app::{App, AppConfig};
use canyu_text::SearchIndex;
use canyu_web::AppState;
use std::sync::Arc;
use std::time::Instant;

pub async fn run(common: &CommonArgs) -> CliResult<()> {
    let settings = settings(common)?;
    init_logging(settings.json_logs);
    serve(&settings, None).await
}

pub fn app_config(settings: &Settings) -> AppConfig {
    AppConfig {
        secure_cookies: settings.secure_cookies,
        trust_forwarded_for: settings.trust_forwarded_for,
        auth_attempts_per_minute: settings.auth_attempts_per_minute,
        writes_per_minute: settings.writes_per_minute,
        password_cost: PasswordCost::Standard,
        release_weekday: settings.release_weekday,
        orders_per_minute: settings.orders_per_minute,
        payment_secret: settings.payment_secret.clone().map(String::into_bytes),
        simulated_payments: settings.simulated_payments,
        metrics_token: settings.metrics_token.clone(),
        header_read_timeout: std::time::Duration::from_secs(settings.header_read_timeout_secs),
        max_connections: usize::try_from(settings.max_connections).unwrap_or(usize::MAX),
        webhooks_allow_private: settings.webhooks_allow_private,
        time_zone: settings.time_zone.clone(),
        margin_cap_bps: i64::try_from(settings.margin_cap_bps)
            .unwrap_or(canyu_core::pricing::DEFAULT_MARGIN_CAP_BPS),
        price_protection_days: i64::try_from(settings.price_protection_days)
            .unwrap_or(canyu_core::pricing::DEFAULT_PRICE_PROTECTION_DAYS),
        no_show_rule: canyu_core::event::NoShowRule {
            limit: i64::try_from(settings.event_no_show_limit).unwrap_or(i64::MAX),
            window_days: i64::try_from(settings.event_no_show_window_days).unwrap_or(i64::MAX),
            penalty_days: i64::try_from(settings.event_no_show_penalty_days).unwrap_or(i64::MAX),
        },
        device_cooling_off_days: i64::try_from(settings.device_cooling_off_days)
            .unwrap_or(canyu_core::ownership::DEFAULT_COOLING_OFF_DAYS),
        referral_monthly_cap: i64::try_from(settings.referral_monthly_cap)
            .unwrap_or(canyu_core::referral::DEFAULT_MONTHLY_CAP),
        referral_qualify_level: u8::try_from(settings.referral_qualify_level).ok().filter(|l| *l >= 2),
        referral_fan_lane: settings.referral_fan_lane,
        referral_beta_priority: settings.referral_beta_priority,
        public_url: settings.public_url.clone(),
        ..AppConfig::default()
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
    let mut app = App::new(store.clone(), Arc::new(index), app_config(settings));
    app.use_persistent_link_secret().await?;
    app.set_media_store(settings.media_store()?);
    let (stock, claims) = stock_engine(settings, &store).await?;
    app.set_stock_engine(stock, claims);
    let deliverer = canyu_app::jobs::deliverer(&app, settings.smtp.as_ref(), &settings.public_url)?;
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
    canyu_app::jobs::spawn_all(&app, deliverer);
    canyu_web::serve(listener, AppState::new(app.clone()), shutdown_signal()).await?;
    // Token uses that waited out a rush are written before the database closes.
    app.flush_token_uses().await;
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
