pub mod demo;
pub mod import;
pub mod launch;
pub mod loadtest;
pub mod reindex;
pub mod serve;
pub mod text;
pub mod user;

use crate::config::{CommonArgs, Settings};
use crate::error::CliResult;
use canyu_store::Store;
use std::path::Path;

/// The data folder when none is given: `./canyu-data`.
pub const DEFAULT_DATA_DIR: &str = "canyu-data";

pub fn settings(common: &CommonArgs) -> CliResult<Settings> {
    Settings::load(common, Path::new(DEFAULT_DATA_DIR))
}

/// Opens the database and brings its schema up to date.
pub async fn open_store(settings: &Settings) -> CliResult<Store> {
    let store = Store::open(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", canyu_store::redact(&settings.database_url)))?;
    Ok(store)
}

/// The application for a one-off command (no search index, nothing served).
pub fn offline_app(store: &Store) -> CliResult<canyu_app::App> {
    let index = canyu_text::SearchIndex::open_in_ram()?;
    Ok(canyu_app::App::new(store.clone(), std::sync::Arc::new(index), canyu_app::AppConfig::default()))
}

pub async fn migrate(common: &CommonArgs) -> CliResult<()> {
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    println!("migrated {} database {}", store.backend().name(), canyu_store::redact(&settings.database_url));
    store.close().await;
    Ok(())
}

pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
