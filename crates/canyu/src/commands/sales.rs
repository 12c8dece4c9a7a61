//! `canyu sales import`: a channel's sales from a CSV file into the ledger, streaming, with the
//! API's semantics (each row once by external id; bad rows reported alone by line).

use crate::commands::{offline_app, open_store, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_app::pricing::{Insert, SaleInput, SalesOutcome};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum SalesCommand {
    /// Records a channel's sales from a CSV file with the header
    /// `external_id,sku,quantity,unit_price_fen,sold_at[,city]` (`sold_at` in RFC 3339).
    /// Importing the same file again inserts nothing.
    Import {
        /// The channel's code (`online`, `jd`, …).
        #[arg(long)]
        channel: String,
        #[arg(long)]
        input: PathBuf,
        /// Rows per transaction.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// Each row its own statement and transaction: the benchmark's baseline.
        #[arg(long)]
        one_per_transaction: bool,
    },
}

const HEADER: [&str; 5] = ["external_id", "sku", "quantity", "unit_price_fen", "sold_at"];
/// Bad rows listed by line in the summary; the rest are counted.
const LISTED: usize = 20;

pub async fn run(common: &CommonArgs, cmd: SalesCommand) -> CliResult<()> {
    let SalesCommand::Import { channel, input, batch, one_per_transaction } = cmd;
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    let app = offline_app(&store)?;
    let file = std::fs::File::open(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(file);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}: {e}", input.display()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let with_city = header.len() == 6 && header[5] == "city";
    if header.len() < 5 || header[..5] != HEADER || !(header.len() == 5 || with_city) {
        return Err(format!(
            "{}: the header must be `external_id,sku,quantity,unit_price_fen,sold_at[,city]`, not `{}`",
            input.display(),
            header.join(",")
        )
        .into());
    }
    let insert = if one_per_transaction { Insert::OneByOne } else { Insert::Batched };
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut total = SalesOutcome::default();
    let mut rows: Vec<SaleInput> = Vec::with_capacity(batch.max(1));
    // The file line of each row in `rows`, for the summary.
    let mut lines: Vec<u64> = Vec::with_capacity(batch.max(1));
    let mut bad_lines: Vec<(u64, &'static str)> = Vec::new();
    let mut read = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        let more = match reader.read_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                // An unreadable row (bad UTF-8, a broken quote): counted and listed like a bad one.
                let line = e.position().map_or(0, csv::Position::line);
                bad_lines.push((line, "invalid_sales_row"));
                total.rejected.push((read, canyu_core::ErrorCode::InvalidSalesRow));
                read += 1;
                continue;
            }
        };
        if more {
            read += 1;
            let field = |i: usize| record.get(i).unwrap_or_default().trim().to_string();
            let number = |i: usize| field(i).parse::<i64>().unwrap_or(0);
            rows.push(SaleInput {
                external_id: field(0),
                sku: field(1),
                quantity: number(2),
                unit_price_fen: number(3),
                sold_at: field(4),
                city: with_city.then(|| field(5)).filter(|c| !c.is_empty()),
            });
            lines.push(record.position().map_or(0, csv::Position::line));
        }
        if rows.len() >= batch.max(1) || (!more && !rows.is_empty()) {
            let outcome = canyu_app::pricing::import_sales(&app, &channel, &rows, insert).await?;
            total.inserted += outcome.inserted;
            total.duplicates += outcome.duplicates;
            for (index, code) in &outcome.rejected {
                bad_lines.push((lines.get(*index).copied().unwrap_or(0), code.as_str()));
            }
            total.rejected.extend(outcome.rejected);
            rows.clear();
            lines.clear();
            bar.set_position(reader.position().byte());
            bar.set_message(format!("{read} rows, {} new", total.inserted));
        }
        if !more {
            break;
        }
    }
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{read} rows in {secs:.1} s ({:.0} rows/s): {} inserted, {} duplicates, {} rejected",
        read as f64 / secs.max(1e-9),
        total.inserted,
        total.duplicates,
        total.rejected.len()
    );
    for (line, code) in bad_lines.iter().take(LISTED) {
        println!("  line {line}: {code}");
    }
    if bad_lines.len() > LISTED {
        println!("  … and {} more", bad_lines.len() - LISTED);
    }
    store.close().await;
    Ok(())
}
