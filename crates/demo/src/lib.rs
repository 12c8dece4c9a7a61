//! canyu's demo forum: a deterministic, realistic Chinese fan community (products across the
//! 人车家 ecosystem, ~120 fans, a staff account and moderators, thousands of feedback posts with
//! votes, comments, official replies and status histories), for `canyu demo` to insert.
//!
//! Everything comes from [`generate`]: the same `(seed, anchor, post_count)` always gives the
//! same forum, every timestamp lies in the 120 days before `anchor`, and every title, body,
//! comment, tag and handle passes its `canyu-core` parser. A few posts deliberately contain
//! pasted HTML/script, to show that rendering sanitises user text.

mod catalog;
mod people;
mod posts;
mod rng;
mod text;
mod topics;

use canyu_core::{Millis, PostKind, PostStatus, Role};

/// The staff account `canyu demo` prints for logging in.
pub const DEMO_STAFF_HANDLE: &str = "xiaomi_staff";
/// Password of [`DEMO_STAFF_HANDLE`] (and of the other non-fan demo accounts).
pub const DEMO_STAFF_PASSWORD: &str = "canyu-demo-2026";
/// Every demo fan shares this password (demo data only).
pub const DEMO_FAN_PASSWORD: &str = "canyu-fan-2026";

/// How far back the demo's history reaches from `anchor`.
pub const DEMO_WINDOW_MILLIS: Millis = 120 * posts::DAY;

/// The default number of posts `canyu demo` generates.
pub const DEMO_DEFAULT_POSTS: usize = 2_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoForum {
    pub categories: Vec<DemoCategory>,
    pub products: Vec<DemoProduct>,
    pub users: Vec<DemoUser>,
    pub posts: Vec<DemoPost>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoCategory {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoProduct {
    pub slug: String,
    pub name: String,
    /// Slug of the product's category.
    pub category: String,
    /// A Chinese one-liner.
    pub tagline: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    pub handle: String,
    pub role: Role,
    pub bio: String,
    pub created_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPost {
    /// Product slug.
    pub product: String,
    /// Index into [`DemoForum::users`].
    pub author: usize,
    pub kind: PostKind,
    pub title: String,
    /// Markdown, as the fan typed it (never sanitised here).
    pub body: String,
    pub tags: Vec<String>,
    pub created_at: Millis,
    /// Distinct user indices, ascending; may include the author.
    pub voters: Vec<usize>,
    /// In time order, all after the post.
    pub comments: Vec<DemoComment>,
    /// In time order; the post's status is the last one's `to`, or `New` if empty.
    pub history: Vec<DemoStatusChange>,
}

impl DemoPost {
    /// The post's current status.
    pub fn status(&self) -> PostStatus {
        self.history.last().map_or(PostStatus::New, |h| h.to)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoComment {
    pub author: usize,
    pub body: String,
    pub created_at: Millis,
    /// True iff the author is a moderator, staff or admin.
    pub official: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoStatusChange {
    pub from: PostStatus,
    pub to: PostStatus,
    /// A staff or moderator user index.
    pub by: usize,
    pub note: Option<String>,
    pub at: Millis,
}

/// Generates the demo forum. Deterministic in `(seed, anchor, post_count)`; every timestamp is
/// in `[anchor - 120 days, anchor)`. Users and the catalog depend on `seed` only.
pub fn generate(seed: u64, anchor: Millis, post_count: usize) -> DemoForum {
    let start = anchor - DEMO_WINDOW_MILLIS;
    let categories = catalog::CATEGORIES
        .iter()
        .map(|c| DemoCategory { slug: c.slug.into(), name_zh: c.name_zh.into(), name_en: c.name_en.into() })
        .collect();
    let products = catalog::PRODUCTS
        .iter()
        .map(|p| DemoProduct {
            slug: p.slug.into(),
            name: p.name.into(),
            category: p.category.into(),
            tagline: p.tagline.into(),
        })
        .collect();
    let mut rng = rng::Rng::new(seed ^ 0x6361_6E79_752D_6465); // "canyu-de"
    let users = people::users(&mut rng, start);
    let mut post_rng = rng::Rng::new(rng.next_u64());
    let posts = posts::generate(&mut post_rng, start, anchor, post_count, &users);
    DemoForum { categories, products, users, posts }
}
