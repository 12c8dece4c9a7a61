//! A short-lived read cache for what every visitor of a board reads alike: the product, its
//! per-status counts and first pages of posts. On launch night thousands of fans reload the
//! same board each second; one database read per second per board serves them all.
//!
//! Entries live one second. Creating a post or changing a status clears the cache, so people
//! see their own writes at once; vote counts on board listings may lag by up to a second
//! (a post's own page always reads the database). Later pages (with a cursor) are not cached.

use canyu_core::{PostKind, PostStatus};
use canyu_store::{PostFilter, PostPage, Product, Sort, Store, StoreResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(1);
const MAX_ENTRIES: usize = 10_000;

struct TtlMap<K, V> {
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K, V> Default for TtlMap<K, V> {
    fn default() -> Self {
        TtlMap { entries: Mutex::new(HashMap::new()) }
    }
}

impl<K: Eq + Hash, V: Clone> TtlMap<K, V> {
    fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock();
        entries.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, v)| v.clone())
    }

    fn put(&self, key: K, value: V) {
        let mut entries = self.entries.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(key, (Instant::now(), value));
    }

    fn clear(&self) {
        self.entries.lock().clear();
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
    sort: Sort,
    limit: u32,
}

#[derive(Default)]
pub struct ReadCache {
    products: TtlMap<String, Option<Product>>,
    counts: TtlMap<Option<i64>, Arc<Vec<(PostStatus, i64)>>>,
    pages: TtlMap<PageKey, Arc<PostPage>>,
}

impl ReadCache {
    pub async fn product(&self, store: &Store, slug: &str) -> StoreResult<Option<Product>> {
        if let Some(hit) = self.products.get(&slug.to_string()) {
            return Ok(hit);
        }
        let product = store.product_by_slug(slug).await?;
        self.products.put(slug.to_string(), product.clone());
        Ok(product)
    }

    pub async fn status_counts(
        &self,
        store: &Store,
        product_id: Option<i64>,
    ) -> StoreResult<Arc<Vec<(PostStatus, i64)>>> {
        if let Some(hit) = self.counts.get(&product_id) {
            return Ok(hit);
        }
        let counts = Arc::new(store.status_counts(product_id).await?);
        self.counts.put(product_id, counts.clone());
        Ok(counts)
    }

    pub async fn posts(&self, store: &Store, filter: &PostFilter<'_>) -> StoreResult<Arc<PostPage>> {
        if filter.cursor.is_some() {
            return Ok(Arc::new(store.list_posts(filter).await?));
        }
        let key = PageKey {
            product_id: filter.product_id,
            status: filter.status,
            kind: filter.kind,
            tag: filter.tag.map(str::to_string),
            author_id: filter.author_id,
            beta: filter.beta,
            sort: filter.sort,
            limit: filter.limit,
        };
        if let Some(hit) = self.pages.get(&key) {
            return Ok(hit);
        }
        let page = Arc::new(store.list_posts(filter).await?);
        self.pages.put(key, page.clone());
        Ok(page)
    }

    /// After a write that people expect to see at once (a new post, a status change, a
    /// catalog edit).
    pub fn invalidate(&self) {
        self.products.clear();
        self.counts.clear();
        self.pages.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let m: TtlMap<u8, u8> = TtlMap::default();
        m.put(1, 10);
        assert_eq!(m.get(&1), Some(10));
        m.clear();
        assert_eq!(m.get(&1), None);
        m.entries.lock().insert(2, (Instant::now() - TTL, 20));
        assert_eq!(m.get(&2), None, "an entry as old as the TTL is stale");
    }
}
