//! canyu's domain: the types and rules every other crate agrees on. No I/O lives here, so the
//! rules can be tested in isolation and the crate compiles in seconds.

pub mod ama;
pub mod beta;
pub mod campaign;
pub mod error;
pub mod event;
pub mod hot;
pub mod identity;
pub mod insight;
pub mod locale;
pub mod media;
pub mod moderation;
pub mod ownership;
pub mod points;
pub mod post;
pub mod pricing;
pub mod product;
pub mod profile;
pub mod referral;
pub mod release;
pub mod text;
pub mod time;
pub mod user;
pub mod voice;
pub mod wave;
pub mod webhook;

pub use error::{ErrorCode, Problem};
pub use locale::Locale;
pub use post::{Body, PostKind, PostStatus, Tag, Title};
pub use product::{CategorySlug, ProductName, ProductSlug};
pub use user::{Handle, Password, Role};

/// Milliseconds since the Unix epoch; every timestamp in canyu is one of these, so that both
/// databases store the same integer and no time-zone conversion ever happens in SQL.
pub type Millis = i64;
