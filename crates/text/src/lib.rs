//! Chinese text for canyu: jieba word segmentation and the full-text search
//! index over posts (tantivy).
//!
//! * [`segment_words`] splits text into words (jieba precise mode, HMM on).
//! * [`SearchIndex`] indexes posts' titles and bodies (jieba search mode plus
//!   the dictionary words of full mode, lowercased), group-commits writes on
//!   a background thread and answers searches with highlighted, HTML-escaped
//!   titles and snippets.
//!
//! Threads: every `SearchIndex` owns one writer thread (`canyu-text-writer`).
//! `upsert`/`delete` only queue and return a [`CommitTicket`] at once;
//! [`CommitTicket::wait`], [`SearchIndex::flush`], `rebuild`, `bulk_add` and
//! `search` block the calling thread (call them from `spawn_blocking` in async
//! code). Dropping the last `SearchIndex` commits what is queued and joins the
//! writer thread. One jieba dictionary (~100 ms to load) is shared by the
//! whole process and loaded by the first `SearchIndex::open*`.

pub mod demands;
mod highlight;
mod index;
mod segment;
pub mod sentiment;
pub mod similar;
pub mod themes;

pub use index::{CommitTicket, PostDoc, SearchHit, SearchIndex, SearchQuery, SearchResults};
pub use index::{MAX_LIMIT, MAX_OFFSET, MAX_SIMILAR};
pub use index::{SimilarHit, SimilarQuery};
pub use segment::segment_words;
pub use similar::{SimilarIndex, SimilarityProbe, dedup_groups, similarity};

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, TextError>;

/// Errors of the search index.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// An error from tantivy (index files, schema, commit, ...).
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// An I/O error (creating the index directory, starting the writer thread).
    #[error("search index I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The background writer thread is gone (it failed, or the index is
    /// being dropped).
    #[error("search index writer stopped")]
    WriterStopped,
}
