//! A short-lived read cache for what every visitor of a board reads alike: the product, its
//! per-status counts and first pages of posts. On launch night thousands of fans reload the
//! same board each second; one database read per second per board serves them all.
//!
//! Entries live one second. Creating a post or changing a status clears the cache, so people
//! see their own writes at once; vote counts on board listings may lag by up to a second
//! (a post's own page always reads the database). Later pages (with a cursor) are not cached.

use crate::error::{AppError, AppResult};
use canyu_core::{PostKind, PostStatus};
use canyu_store::{PostFilter, PostPage, Product, Sort, Store, StoreError};
use moka::future::Cache;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: u64 = 10_000;

fn short_lived<K: Hash + Eq + Send + Sync + 'static, V: Clone + Send + Sync + 'static>() -> Cache<K, V> {
    Cache::builder().max_capacity(MAX_ENTRIES).time_to_live(TTL).build()
}

/// A load shared by every caller that missed at once (moka's single flight) failed: each of
/// them gets the error's code.
pub(crate) fn shared_error(err: &StoreError) -> AppError {
    match err {
        StoreError::Rejected(code) => AppError::new(*code),
        other => {
            tracing::error!(error = %other, "database error");
            AppError::new(canyu_core::ErrorCode::Internal)
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct PageKey {
    product_id: Option<i64>,
    status: Option<PostStatus>,
    kind: Option<PostKind>,
    tag: Option<String>,
    author_id: Option<i64>,
    /// Part of the key: a beta board page must never answer a public listing.
    beta: bool,
    owners_only: bool,
    sort: Sort,
    limit: u32,
}

/// One read per key and second whoever asks: callers that miss together wait for the one
/// load in flight instead of each going to the database (when an entry expired under a crowd,
/// every request used to read it at once).
pub struct ReadCache {
    products: Cache<String, Option<Product>>,
    counts: Cache<Option<i64>, Arc<Vec<(PostStatus, i64)>>>,
    pages: Cache<PageKey, Arc<PostPage>>,
}

impl Default for ReadCache {
    fn default() -> Self {
        ReadCache { products: short_lived(), counts: short_lived(), pages: short_lived() }
    }
}

impl ReadCache {
    pub async fn product(&self, store: &Store, slug: &str) -> AppResult<Option<Product>> {
        self.products
            .try_get_with(slug.to_string(), store.product_by_slug(slug))
            .await
            .map_err(|e| shared_error(&e))
    }

    pub async fn status_counts(
        &self,
        store: &Store,
        product_id: Option<i64>,
    ) -> AppResult<Arc<Vec<(PostStatus, i64)>>> {
        let load = async { store.status_counts(product_id).await.map(Arc::new) };
        self.counts.try_get_with(product_id, load).await.map_err(|e| shared_error(&e))
    }

    pub async fn posts(&self, store: &Store, filter: &PostFilter<'_>) -> AppResult<Arc<PostPage>> {
        if filter.cursor.is_some() {
            return Ok(Arc::new(store.list_posts(filter).await?));
        }
        // Every field named: a filter field added later cannot be left out of the key (a page
        // of one filter served for another).
        let PostFilter {
            product_id,
            status,
            kind,
            tag,
            author_id,
            beta,
            owners_only,
            sort,
            cursor: _,
            limit,
        } = filter;
        let key = PageKey {
            product_id: *product_id,
            status: *status,
            kind: *kind,
            tag: tag.map(str::to_string),
            author_id: *author_id,
            beta: *beta,
            owners_only: *owners_only,
            sort: *sort,
            limit: *limit,
        };
        let load = async { store.list_posts(filter).await.map(Arc::new) };
        self.pages.try_get_with(key, load).await.map_err(|e| shared_error(&e))
    }

    /// After a write that people expect to see at once (a new post, a status change, a
    /// catalog edit).
    pub fn invalidate(&self) {
        self.products.invalidate_all();
        self.counts.invalidate_all();
        self.pages.invalidate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canyu_store::Backend;
    use canyu_store::testing::fresh_store;

    /// A hundred readers missing together cause one load; the entry expires after the TTL
    /// and clears on a write.
    #[tokio::test]
    async fn readers_missing_together_share_one_load() {
        let (store, _) = fresh_store(Backend::Sqlite).await.expect("store");
        let cache: Cache<u8, u32> = short_lived();
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<u32, StoreError>(7)
        };
        let readers = (0..100).map(|_| cache.try_get_with(1, load()));
        let answers = futures_util::future::join_all(readers).await;
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|v| *v == 7)));
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1, "one load for the crowd");

        let read = ReadCache::default();
        assert!(read.product(&store, "nope").await.expect("read").is_none());
        store.create_category("phone", "手机", "Phones").await.expect("category");
        let product = canyu_store::NewProduct {
            slug: "nope",
            name: "Nope",
            category_slug: "phone",
            tagline: "",
            created_at: 1,
        };
        store.create_product(product).await.expect("product");
        assert!(read.product(&store, "nope").await.expect("read").is_none(), "cached for a second");
        read.invalidate();
        assert!(read.product(&store, "nope").await.expect("read").is_some(), "a write clears it");
    }
}
