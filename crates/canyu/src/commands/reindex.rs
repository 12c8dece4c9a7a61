use crate::commands::{open_store, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_store::Store;
use canyu_text::{PostDoc, SearchIndex};
use indicatif::{ProgressBar, ProgressStyle};

pub async fn run(common: &CommonArgs) -> CliResult<()> {
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    let index = SearchIndex::open(&settings.index_dir())?;
    let n = rebuild(&store, &index, true).await?;
    println!("indexed {n} posts into {}", settings.index_dir().display());
    store.close().await;
    Ok(())
}

/// Rebuilds the search index from the database, streaming posts in id order.
pub async fn rebuild(store: &Store, index: &SearchIndex, show_progress: bool) -> CliResult<u64> {
    let total = store.post_count().await?.max(0) as u64;
    let bar = if show_progress {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} indexing [{bar:40}] {pos}/{len} posts {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    // Database reads happen on this task; the index is fed on a blocking thread through a
    // bounded channel, so memory stays flat however many posts there are.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<PostDoc>>(4);
    let index_bar = bar.clone();
    let mut last = 0i64;
    let producer = async {
        loop {
            let batch = store.posts_for_index(last, 2_000).await?;
            let Some(end) = batch.last().map(|r| r.id) else {
                break;
            };
            last = end;
            let docs = batch
                .into_iter()
                .map(|r| PostDoc {
                    post_id: r.id,
                    product_id: r.product_id,
                    title: r.title,
                    body: r.body,
                    created_at: r.created_at,
                })
                .collect();
            if tx.send(docs).is_err() {
                break;
            }
        }
        drop(tx);
        Ok::<(), crate::error::CliError>(())
    };
    let consume = tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            let handle = scope.spawn(|| {
                let mut progress = |n: u64| index_bar.set_position(n);
                index.rebuild(rx.into_iter().flatten(), &mut progress)
            });
            let produced = tokio::runtime::Handle::current().block_on(producer);
            let indexed =
                handle.join().map_err(|_| crate::error::CliError("indexer thread panicked".into()))?;
            produced?;
            Ok::<u64, crate::error::CliError>(indexed?)
        })
    })?;
    bar.finish_and_clear();
    Ok(consume)
}
