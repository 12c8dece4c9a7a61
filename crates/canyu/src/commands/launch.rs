//! `canyu launch ...`: tools for launches (drops) that need no running server.

use crate::error::CliResult;
use canyu_launch::draw::{self, PublishedDraw};
use clap::Subcommand;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum LaunchCommand {
    /// Check a published draw and print its winners, one per line.
    ///
    /// The input is the draw's JSON (commitment, entries, entries_hash, seed, winner_count,
    /// winners). Exits with status 1 and says what is wrong when the seed misses the
    /// commitment, the entries are not canonical or miss their hash, or the winners are not
    /// the ones the seed draws. The algorithm is documented in docs/draw.md.
    VerifyDraw {
        /// The published draw (`-` for stdin).
        #[arg(long)]
        input: PathBuf,
    },
}

pub async fn run(cmd: LaunchCommand) -> CliResult<()> {
    match cmd {
        LaunchCommand::VerifyDraw { input } => verify_draw(&input),
    }
}

fn verify_draw(input: &Path) -> CliResult<()> {
    let from_stdin = input.as_os_str() == "-";
    let name = if from_stdin { "stdin".to_string() } else { input.display().to_string() };
    let mut json = String::new();
    if from_stdin {
        std::io::stdin().read_to_string(&mut json)?;
    } else {
        json = std::fs::read_to_string(input).map_err(|e| format!("cannot read {name}: {e}"))?;
    }
    let published: PublishedDraw =
        serde_json::from_str(&json).map_err(|e| format!("{name} is not a published draw: {e}"))?;
    let winners = draw::verify(&published).map_err(|e| format!("the draw does not verify: {e}"))?;
    for winner in &winners {
        println!("{winner}");
    }
    eprintln!(
        "verified: {} winners of {} entries; seed matches the commitment, entries match their hash",
        winners.len(),
        published.entries.len()
    );
    Ok(())
}
