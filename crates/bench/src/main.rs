//! `canyu-bench search`: search latency on a loaded data folder, beside SQLite FTS5 with the
//! trigram tokenizer over the same rows and the same queries.
//!
//! Usage: canyu-bench search --data-dir D --index-dir I [--database-url U] --corpus F
//! Prints one `key=value` line per measurement (bench/board.sh collects them).

mod ama;
mod ask;
mod insights;
mod referrals;
mod sse;

use canyu_store::Store;
use canyu_text::{SearchIndex, SearchQuery, segment_words};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

const QUERIES: usize = 100;
const RUNS: usize = 5;

/// A staff member created at `created_at`, signed in as an API token is (no session to keep):
/// who reads the insights in the benchmarks.
async fn staff_auth(
    store: &Store,
    created_at: i64,
) -> Result<canyu_app::accounts::Auth, Box<dyn std::error::Error>> {
    let user = store
        .create_user(canyu_store::NewUser {
            handle: "bench_staff",
            email: None,
            password_hash: "x",
            role: canyu_core::Role::Staff,
            bio: "",
            created_at,
        })
        .await?;
    Ok(canyu_app::accounts::Auth { user, via: canyu_app::accounts::AuthVia::Token })
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// 100 real words from the corpus, spread over the frequency ranks: the most frequent
/// 2,000 multi-character Chinese words, every 20th.
fn pick_queries(corpus: &str) -> Vec<String> {
    let mut freq: HashMap<String, usize> = HashMap::new();
    for line in corpus.lines() {
        for w in segment_words(line) {
            if w.chars().count() >= 2 && w.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                *freq.entry(w).or_default() += 1;
            }
        }
    }
    let mut words: Vec<(String, usize)> = freq.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    words.into_iter().take(QUERIES * 20).step_by(20).map(|(w, _)| w).collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<f64>, answered: usize, total: usize) {
    samples.sort_by(|a, b| a.total_cmp(b));
    println!(
        "{name}: p50_ms={:.3} p99_ms={:.3} max_ms={:.3} answered={answered}/{total}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples.last().copied().unwrap_or(f64::NAN)
    );
}

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Runs every query once to warm up (counting the queries that find something), then `RUNS`
/// more times, timing each; returns the timings in milliseconds and the answered count.
async fn measure<F, Fut>(queries: &[String], run: F) -> BenchResult<(Vec<f64>, usize)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = BenchResult<usize>>,
{
    let mut answered = 0;
    for q in queries {
        if run(q.clone()).await? > 0 {
            answered += 1;
        }
    }
    let mut samples = Vec::with_capacity(queries.len() * RUNS);
    for _ in 0..RUNS {
        for q in queries {
            let t = Instant::now();
            run(q.clone()).await?;
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok((samples, answered))
}

#[tokio::main]
async fn main() -> BenchResult<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("sse") {
        return sse::run(&args).await.map_err(|e| e.to_string().into());
    }
    if args.get(1).map(String::as_str) == Some("ama") {
        return ama::run(&args).await.map_err(|e| e.to_string().into());
    }
    if args.get(1).map(String::as_str) == Some("referrals") {
        return referrals::run(&args).await;
    }
    if args.get(1).map(String::as_str) == Some("insights") {
        return insights::run(&args).await;
    }
    if args.get(1).map(String::as_str) == Some("ask") {
        return ask::run(&args).await;
    }
    if args.get(1).map(String::as_str) != Some("search") {
        eprintln!("usage: canyu-bench search --data-dir D --index-dir I [--database-url U] --corpus F");
        eprintln!(
            "       canyu-bench sse --addr HOST:PORT --path /api/v1/campaigns/ID/live [--clients N] [--seconds S]"
        );
        eprintln!(
            "       canyu-bench ama --addr HOST:PORT --ama ID --token T --questions ID,ID,… [--clients N] [--seconds S]"
        );
        eprintln!("       canyu-bench referrals --database-url U [--referrers R] [--per-referrer K]");
        eprintln!("       canyu-bench insights --database-url U [--scale S]");
        std::process::exit(2);
    }
    let data_dir = PathBuf::from(arg(&args, "--data-dir").ok_or("--data-dir")?);
    let index_dir = PathBuf::from(arg(&args, "--index-dir").ok_or("--index-dir")?);
    let corpus = std::fs::read_to_string(arg(&args, "--corpus").ok_or("--corpus")?)?;
    let url = arg(&args, "--database-url").unwrap_or_else(|| canyu_store::sqlite_url_for_dir(&data_dir));
    let store = Store::connect(&url).await?;
    let index = SearchIndex::open(&index_dir)?;
    let queries = pick_queries(&corpus);
    println!(
        "queries={} two_char={} sample={}",
        queries.len(),
        queries.iter().filter(|q| q.chars().count() == 2).count(),
        queries[..10].join(",")
    );

    // canyu: the API's path — index top 20, then the rows from the database.
    let (samples, answered) = measure(&queries, |q| {
        let (index, store) = (&index, &store);
        async move {
            let res = index.search(&SearchQuery {
                text: &q,
                product_id: None,
                limit: 20,
                offset: 0,
                any: false,
            })?;
            let ids: Vec<i64> = res.hits.iter().map(|h| h.post_id).collect();
            Ok(store.posts_by_ids(&ids).await?.len())
        }
    })
    .await?;
    report("canyu_search", samples, answered, queries.len());

    // SQLite FTS5 trigram over the same rows, in a side file so both backends compare alike.
    let fts_path = data_dir.join("fts5-trigram.db");
    let fresh = !fts_path.exists();
    let fts = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(&fts_path).create_if_missing(true))
        .await?;
    if fresh {
        let t = Instant::now();
        sqlx::query("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = 'trigram')")
            .execute(&fts)
            .await?;
        let mut after = 0i64;
        let mut n = 0u64;
        loop {
            let rows = store.posts_for_index(after, 5_000).await?;
            let Some(last) = rows.last().map(|r| r.id) else {
                break;
            };
            after = last;
            let mut tx = fts.begin().await?;
            for row in rows {
                sqlx::query("INSERT INTO fts (rowid, title, body) VALUES (?1, ?2, ?3)")
                    .bind(row.id)
                    .bind(row.title)
                    .bind(row.body)
                    .execute(&mut *tx)
                    .await?;
                n += 1;
            }
            tx.commit().await?;
        }
        println!("fts5_build: rows={n} secs={:.1}", t.elapsed().as_secs_f64());
    }
    let (samples, answered) = measure(&queries, |q| {
        let (fts, store) = (&fts, &store);
        async move {
            let quoted = format!("\"{}\"", q.replace('"', "\"\""));
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT rowid FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT 20")
                    .bind(quoted)
                    .fetch_all(fts)
                    .await
                    .unwrap_or_default();
            Ok(store.posts_by_ids(&ids).await?.len())
        }
    })
    .await?;
    report("fts5_trigram", samples, answered, queries.len());
    Ok(())
}
