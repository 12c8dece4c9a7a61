//! `canyu`: the whole product in one binary.

mod commands;
mod config;
mod error;

use clap::{Parser, Subcommand};
use config::CommonArgs;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the order path allocates and frees small buffers on
/// both worker threads, and glibc's allocator was 10 % of a drop's CPU time (`perf`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "canyu", version, about = "参与 canyu — fan co-creation and launches for hardware brands")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API.
    Serve,
    /// Create a data folder with a generated demo forum (if empty), then serve it.
    Demo(commands::demo::DemoArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Rebuild the search index from the database.
    Reindex,
    /// Insights rollups: rebuild them from the database.
    #[command(subcommand)]
    Insights(commands::insights::InsightsCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Bulk-load text as posts (benchmarks, migrations from other forums).
    #[command(subcommand)]
    Import(commands::import::ImportCommand),
    /// Text tools: similarity of pairs, near-duplicate groups (streaming, for bulk work).
    #[command(subcommand)]
    Text(commands::text::TextCommand),
    /// Sales ledger: import a channel's sales from a CSV file.
    #[command(subcommand)]
    Sales(commands::sales::SalesCommand),
    /// Launch tools: verify a published draw.
    #[command(subcommand)]
    Launch(commands::launch::LaunchCommand),
    /// Benchmark fixtures (fans with API tokens, waves); test instances only, see `init`.
    #[command(subcommand)]
    Loadtest(commands::loadtest::LoadtestCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => commands::serve::run(&cli.common).await,
            Command::Demo(args) => commands::demo::run(&cli.common, args).await,
            Command::Migrate => commands::migrate(&cli.common).await,
            Command::Reindex => commands::reindex::run(&cli.common).await,
            Command::User(cmd) => commands::user::run(&cli.common, cmd).await,
            Command::Insights(cmd) => commands::insights::run(&cli.common, cmd).await,
            Command::Import(cmd) => commands::import::run(&cli.common, cmd).await,
            Command::Text(cmd) => commands::text::run(cmd).await,
            Command::Launch(cmd) => commands::launch::run(cmd).await,
            Command::Sales(cmd) => commands::sales::run(&cli.common, cmd).await,
            Command::Loadtest(cmd) => commands::loadtest::run(&cli.common, cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
