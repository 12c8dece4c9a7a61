pub mod demo;
mod demo_devices;
mod demo_events;
mod demo_pricing;
mod demo_referrals;
mod demo_voices;
pub mod import;
pub mod insights;
pub mod launch;
pub mod loadtest;
pub mod reindex;
pub mod sales;
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

/// What is logged unless `RUST_LOG` says otherwise. html5ever (under ammonia, which cleans
/// fans' Markdown) warns through the `log` crate about every table it repairs ("foster
/// parenting not implemented"): a post full of broken tables wrote a line per table on every
/// render, so anyone could flood the log. Its warnings say nothing an operator can act on.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn,tantivy=warn,html5ever=error,markup5ever=error";

pub fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Renders `markdown` under a subscriber with `filter` and returns what was logged.
    fn logged_while_rendering(filter: &str, markdown: &str) -> String {
        // `log` records (html5ever's) reach tracing as in `init_logging`.
        let _ = tracing_log::LogTracer::init();
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            canyu_web::markdown::render(markdown);
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn broken_tables_in_markdown_do_not_reach_the_log() {
        let broken = "<table>text where a row should be</table>\n\n".repeat(50);
        let under_info = logged_while_rendering("info", &broken);
        assert!(
            under_info.contains("foster parenting"),
            "html5ever still warns, so the check means something: {under_info:?}"
        );
        let logged = logged_while_rendering(super::DEFAULT_LOG_FILTER, &broken);
        assert!(logged.is_empty(), "{logged}");
    }
}
