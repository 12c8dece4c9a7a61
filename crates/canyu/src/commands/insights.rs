//! `canyu insights rebuild`: recomputes every insights rollup from the database (after an
//! import, a restore, or a change of the site's time zone), with a progress bar. The running
//! site keeps serving; its own rounds (every minute) replace the same rows the same way.

use crate::commands::{open_store, serve, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Arc;
use std::time::Instant;

#[derive(Subcommand)]
pub enum InsightsCommand {
    /// Recompute every day, week and the fans snapshot from the first account on.
    Rebuild,
}

pub async fn run(common: &CommonArgs, cmd: InsightsCommand) -> CliResult<()> {
    match cmd {
        InsightsCommand::Rebuild => rebuild(common).await,
    }
}

async fn rebuild(common: &CommonArgs) -> CliResult<()> {
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    let index = canyu_text::SearchIndex::open_in_ram()?;
    let app = canyu_app::App::new(store.clone(), Arc::new(index), serve::app_config(&settings));
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} rolling up [{bar:40}] {pos}/{len} days and weeks eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let rolled = canyu_app::insights::rollup::rebuild(&app, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "rolled up {} days and {} weeks in {:.1} s ({})",
        rolled.days,
        rolled.weeks,
        started.elapsed().as_secs_f64(),
        app.config().time_zone.name()
    );
    store.close().await;
    Ok(())
}
