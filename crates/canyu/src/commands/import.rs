use crate::commands::{open_store, reindex, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_core::{PostKind, PostStatus, Role};
use canyu_store::{BulkPost, NewProduct, NewUser};
use canyu_text::SearchIndex;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Load a text file (one feedback text per line) as posts, cycling it with variations
    /// until `--posts` are loaded; used by the benchmarks.
    Lines {
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 1_000_000)]
        posts: usize,
        /// Spread the posts over this many products (created in category `imported`).
        #[arg(long, default_value_t = 6)]
        products: usize,
        /// Skip rebuilding the search index afterwards.
        #[arg(long)]
        no_index: bool,
    },
}

pub async fn run(common: &CommonArgs, cmd: ImportCommand) -> CliResult<()> {
    let ImportCommand::Lines { input, posts, products, no_index } = cmd;
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    let text =
        std::fs::read_to_string(&input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return Err("the input has no lines".into());
    }
    if store.list_categories().await?.iter().all(|c| c.slug != "imported") {
        store.create_category("imported", "导入", "Imported").await?;
    }
    let mut product_ids = Vec::new();
    for i in 0..products.max(1) {
        let slug = format!("imported-{i}");
        let p = match store.product_by_slug(&slug).await? {
            Some(p) => p,
            None => {
                store
                    .create_product(NewProduct {
                        slug: &slug,
                        name: &format!("导入产品 {i}"),
                        category_slug: "imported",
                        tagline: "",
                        created_at: 0,
                    })
                    .await?
            }
        };
        product_ids.push(p.id);
    }
    // Authors who cannot sign in: their hash is not a valid Argon2 string.
    let mut authors = Vec::new();
    for i in 0..200 {
        let handle = format!("imported_{i}");
        let id = match store.user_by_handle(&handle).await? {
            Some(u) => u.user.id,
            None => {
                store
                    .create_user(NewUser {
                        handle: &handle,
                        email: None,
                        password_hash: "!",
                        role: Role::Fan,
                        bio: "",
                        created_at: 0,
                    })
                    .await?
                    .id
            }
        };
        authors.push(id);
    }
    let bar = ProgressBar::new(posts as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} loading [{bar:40}] {pos}/{len} posts {per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let base_time = canyu_app::now_millis() - 365 * 86_400_000;
    let kinds = [PostKind::Idea, PostKind::Bug, PostKind::Question];
    let n = lines.len();
    let mut batch = Vec::with_capacity(5_000);
    for i in 0..posts {
        let line = lines[i % n];
        let round = i / n;
        // Later rounds pair each line with another one, so every body is distinct text.
        let body = if round == 0 {
            line.to_string()
        } else {
            format!("{line}\n\n{}", lines[(i * 7_919 + round) % n])
        };
        let title: String = line.chars().take(30).collect();
        batch.push(BulkPost {
            product_id: product_ids[i % product_ids.len()],
            author_id: authors[i % authors.len()],
            kind: kinds[i % 3],
            title,
            body,
            status: PostStatus::New,
            created_at: base_time + (i as i64) * 31_000 % (365 * 86_400_000),
        });
        if batch.len() == 5_000 {
            store.insert_posts_bulk(&batch).await?;
            bar.inc(batch.len() as u64);
            batch.clear();
        }
    }
    if !batch.is_empty() {
        store.insert_posts_bulk(&batch).await?;
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    let load_secs = started.elapsed().as_secs_f64();
    println!(
        "loaded {posts} posts in {load_secs:.1} s ({:.0} posts/s) into {}",
        posts as f64 / load_secs,
        store.backend().name()
    );
    if !no_index {
        let started = Instant::now();
        let index = SearchIndex::open(&settings.index_dir())?;
        let total = reindex::rebuild(&store, &index, true).await?;
        let secs = started.elapsed().as_secs_f64();
        println!("indexed {total} posts in {secs:.1} s ({:.0} posts/s)", total as f64 / secs);
    }
    store.close().await;
    Ok(())
}
