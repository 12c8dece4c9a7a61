//! The full-text search index over posts: schema, group-committing writer
//! thread, queries and highlighted results.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Score, TantivyDocument, Term};

use crate::highlight::Highlighter;
use crate::segment::{self, TOKENIZER_NAME, is_stop_word, query_terms};
use crate::{Result, TextError};

/// Writer heap for normal (group-commit) use.
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// Per-thread writer heap during [`SearchIndex::rebuild`] / [`SearchIndex::bulk_add`].
const BULK_HEAP_PER_THREAD_BYTES: usize = 64_000_000;
/// Indexing threads during bulk operations (bounded by the CPUs available).
const BULK_MAX_THREADS: usize = 4;
/// At most this many queued operations share one commit.
const MAX_BATCH: usize = 10_000;
/// `SearchQuery::limit` is clamped to this.
pub const MAX_LIMIT: usize = 1_000;
/// `SearchQuery::offset` is clamped to this.
pub const MAX_OFFSET: usize = 100_000;
/// Words of a query beyond this many are ignored (pasted paragraphs).
const MAX_QUERY_TERMS: usize = 32;
/// Body snippets are about this many characters long.
const SNIPPET_CHARS: usize = 120;
/// `rebuild` reports progress every this many documents.
const PROGRESS_EVERY: u64 = 1_000;

/// A post as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDoc {
    pub post_id: i64,
    pub product_id: i64,
    pub title: String,
    pub body: String,
    /// Unix time in milliseconds.
    pub created_at: i64,
}

/// A search request. `text` is free user input: it is segmented, never
/// parsed as query syntax.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    pub text: &'a str,
    /// Restrict to one product.
    pub product_id: Option<i64>,
    /// Page size (clamped to [`MAX_LIMIT`]; 0 = count only).
    pub limit: usize,
    /// Hits to skip (clamped to [`MAX_OFFSET`]).
    pub offset: usize,
    /// Match posts with any of the query's words instead of all of them (what a fan asks
    /// for when all of them find nothing). A word of one character then counts only when
    /// the query has no longer word: `xyzzy不存在` must not find every post with 不.
    pub any: bool,
}

/// One result. The HTML fields are safe to embed: all text is escaped and
/// matched terms are wrapped in `<mark>…</mark>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub post_id: i64,
    pub score: f32,
    /// The whole title, escaped, with highlights.
    pub title_html: String,
    /// About 120 characters of the body around the best match, escaped, with
    /// highlights and `…` where the body was cut; the start of the body if
    /// only the title matched.
    pub snippet_html: String,
}

/// A request for posts similar to a draft. `text` is free user input.
#[derive(Debug, Clone, Copy)]
pub struct SimilarQuery<'a> {
    pub text: &'a str,
    /// Restrict to one product.
    pub product_id: Option<i64>,
    /// At most this many hits (clamped to [`MAX_SIMILAR`]).
    pub limit: usize,
    /// Hits scoring below this are dropped.
    pub min_score: f32,
    /// Leave this post out (the post being edited, or a merge source).
    pub exclude: Option<i64>,
}

/// A post similar to the draft, with its similarity in [0, 1] (see
/// [`crate::similar::Scores::combined`]). `title` is plain text: escape it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarHit {
    pub post_id: i64,
    pub score: f32,
    pub title: String,
}

/// `SimilarQuery::limit` is clamped to this.
pub const MAX_SIMILAR: usize = 20;
/// Posts retrieved by word relevance (BM25) and then scored exactly.
const SIMILAR_CANDIDATES: usize = 20;
/// A candidate's body is compared up to this many characters.
const SIMILAR_BODY_CHARS: usize = 300;
/// Drafts up to this many (normalised) characters are also compared with titles alone.
const SHORT_DRAFT_CHARS: usize = 40;
/// The draft's words the candidate query uses (the rarest ones).
const SIMILAR_QUERY_TERMS: usize = 8;

/// A page of results. `total` counts all matching posts (for pagination).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<SearchHit>,
    /// How many words the query was searched with (after stop words): with more than one
    /// and no hit, asking for any of them may find something.
    pub words: usize,
}

/// Completion of one queued write. Dropping it does not cancel the write.
#[derive(Debug)]
pub struct CommitTicket {
    rx: mpsc::Receiver<Result<()>>,
}

impl CommitTicket {
    /// Blocks until the operation is committed and visible to searches, or
    /// returns the error of its commit ([`TextError::WriterStopped`] if the
    /// writer thread is gone).
    pub fn wait(self) -> Result<()> {
        self.rx.recv().unwrap_or(Err(TextError::WriterStopped))
    }

    fn new() -> (Done, CommitTicket) {
        let (tx, rx) = mpsc::sync_channel(1);
        (tx, CommitTicket { rx })
    }

    /// A ticket that fails with [`TextError::WriterStopped`].
    fn stopped() -> CommitTicket {
        let (_, ticket) = CommitTicket::new();
        ticket
    }
}

type Done = mpsc::SyncSender<Result<()>>;

#[derive(Debug, Clone, Copy)]
struct Fields {
    post_id: Field,
    product_id: Field,
    title: Field,
    body: Field,
    text: Field,
    product: Field,
    created_at: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        // Phrase queries are never built, so positions are not indexed.
        let indexed = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            post_id: b
                .add_i64_field("post_id", NumericOptions::default().set_indexed().set_fast().set_stored()),
            product_id: b.add_i64_field("product_id", NumericOptions::default().set_indexed().set_fast()),
            // Only `text` is indexed: see `Fields::document`.
            title: b.add_text_field("title", TextOptions::default().set_stored()),
            body: b.add_text_field("body", TextOptions::default().set_stored()),
            text: b.add_text_field("text", indexed),
            // The product id once more, as a text term with frequencies: a
            // product filter on it is a plain term clause, which keeps
            // `words AND product` a pure term intersection that tantivy
            // prunes (a filter on the i64 field has no frequencies and
            // forces scoring every match).
            product: b.add_text_field(
                "product",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("raw")
                        .set_index_option(IndexRecordOption::WithFreqs)
                        .set_fieldnorms(false),
                ),
            ),
            created_at: b.add_i64_field("created_at", NumericOptions::default().set_fast()),
        };
        (b.build(), fields)
    }

    fn from_schema(schema: &Schema) -> Result<Fields> {
        let f = |name: &str| schema.get_field(name).map_err(TextError::from);
        Ok(Fields {
            post_id: f("post_id")?,
            product_id: f("product_id")?,
            title: f("title")?,
            body: f("body")?,
            text: f("text")?,
            product: f("product")?,
            created_at: f("created_at")?,
        })
    }

    fn document(&self, doc: PostDoc) -> TantivyDocument {
        let mut d = TantivyDocument::new();
        d.add_i64(self.post_id, doc.post_id);
        d.add_i64(self.product_id, doc.product_id);
        // The title goes into the one indexed field twice: a title word then
        // counts double (the title boost), and every query is made of term
        // queries on one field only, which tantivy can prune with block-max
        // WAND (single terms, intersections) instead of scoring every match.
        let title_len = doc.title.len();
        let mut text = String::with_capacity(2 * title_len + doc.body.len() + 2);
        for part in [&doc.title, "\n", &doc.title, "\n", &doc.body] {
            text.push_str(part);
        }
        d.add_text(self.text, text);
        d.add_text(self.product, doc.product_id.to_string());
        d.add_text(self.title, doc.title);
        d.add_text(self.body, doc.body);
        d.add_i64(self.created_at, doc.created_at);
        d
    }

    fn post_term(&self, post_id: i64) -> Term {
        Term::from_field_i64(self.post_id, post_id)
    }
}

enum Op {
    Upsert {
        post_id: i64,
        doc: Box<TantivyDocument>,
        done: Done,
    },
    Delete {
        post_id: i64,
        done: Done,
    },
    Flush {
        done: Done,
    },
    /// Hand an exclusive bulk writer to the caller (see [`Lease`]).
    Lease {
        reply: mpsc::SyncSender<Result<Lease>>,
    },
}

/// A bulk writer lent by the writer thread to a caller of `rebuild` or
/// `bulk_add`. While it lives, the writer thread waits (queued ops wait with
/// it). Dropping it without [`Lease::finish`] discards uncommitted changes.
struct Lease {
    // Field order matters: the writer (and its directory lock) must be
    // dropped before `_returned` wakes the writer thread up.
    writer: Option<IndexWriter>,
    _returned: mpsc::SyncSender<()>,
}

impl Lease {
    fn writer(&self) -> Result<&IndexWriter> {
        self.writer.as_ref().ok_or(TextError::WriterStopped)
    }

    /// Commits, makes the result visible, waits for the merges the commit
    /// triggered and makes the merged segments visible.
    fn finish(mut self, reader: &IndexReader) -> Result<()> {
        let mut writer = self.writer.take().ok_or(TextError::WriterStopped)?;
        writer.commit()?;
        reader.reload()?;
        writer.wait_merging_threads()?;
        reader.reload()?;
        Ok(())
    }
}

/// The search index. Cheap to share behind an `Arc`; all methods take
/// `&self` and may be called from any thread. Writes go to one background
/// thread that group-commits them; searches run on the calling thread.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// Group commits done by the writer thread (for tests and metrics).
    commits: Arc<AtomicU64>,
    ops: Option<mpsc::Sender<Op>>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").field("num_docs", &self.doc_count()).finish_non_exhaustive()
    }
}

impl SearchIndex {
    /// Opens the index stored in `dir` (the index files live directly in
    /// it), creating the directory and an empty index if missing. Fails with
    /// a schema error if `dir` holds an index with another schema, and with a
    /// lock error if another `SearchIndex` has it open.
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        let (schema, _) = Fields::schema();
        let directory = tantivy::directory::MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let index = Index::open_or_create(directory, schema)?;
        SearchIndex::start(index)
    }

    /// An empty index in memory (tests, demos).
    pub fn open_in_ram() -> Result<SearchIndex> {
        let (schema, _) = Fields::schema();
        SearchIndex::start(Index::create_in_ram(schema))
    }

    fn start(index: Index) -> Result<SearchIndex> {
        index.tokenizers().register(TOKENIZER_NAME, segment::analyzer());
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let writer = normal_writer(&index)?;
        // Load the dictionary now rather than in the first request.
        std::sync::LazyLock::force(&segment::JIEBA);
        let (tx, rx) = mpsc::channel();
        let commits = Arc::new(AtomicU64::new(0));
        let worker = Worker {
            commits: Arc::clone(&commits),
            index,
            reader: reader.clone(),
            fields,
            writer: Some(writer),
            rx,
        };
        let handle =
            std::thread::Builder::new().name("canyu-text-writer".into()).spawn(move || worker.run())?;
        Ok(SearchIndex { reader, fields, commits, ops: Some(tx), worker: Some(handle) })
    }

    fn send(&self, make: impl FnOnce(Done) -> Op) -> CommitTicket {
        let (done, ticket) = CommitTicket::new();
        match &self.ops {
            Some(ops) if ops.send(make(done)).is_ok() => ticket,
            _ => CommitTicket::stopped(),
        }
    }

    /// Queues add-or-replace of a post (by `post_id`).
    pub fn upsert(&self, doc: PostDoc) -> CommitTicket {
        let post_id = doc.post_id;
        let doc = Box::new(self.fields.document(doc));
        self.send(|done| Op::Upsert { post_id, doc, done })
    }

    /// Queues removal of a post (no error if absent).
    pub fn delete(&self, post_id: i64) -> CommitTicket {
        self.send(|done| Op::Delete { post_id, done })
    }

    /// Blocks until everything queued before this call is committed and
    /// searchable.
    pub fn flush(&self) -> Result<()> {
        self.send(|done| Op::Flush { done }).wait()
    }

    /// Number of group commits done so far by the writer thread (for
    /// metrics: compare with the number of writes to see the batching).
    pub fn commit_count(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Number of posts visible to searches.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Borrows an exclusive bulk writer from the writer thread, after the ops
    /// queued so far have been committed.
    fn lease(&self) -> Result<Lease> {
        let (reply, rx) = mpsc::sync_channel(1);
        let ops = self.ops.as_ref().ok_or(TextError::WriterStopped)?;
        ops.send(Op::Lease { reply }).map_err(|_| TextError::WriterStopped)?;
        rx.recv().unwrap_or(Err(TextError::WriterStopped))
    }

    /// Replaces the whole contents with `docs`. The old contents stay
    /// searchable until the single commit at the end; on error nothing
    /// changes. `progress` gets the running count every 1000 documents and
    /// at the end. Returns the number of documents indexed. Writes queued
    /// meanwhile wait until the rebuild (including segment merges) is done.
    pub fn rebuild<I: IntoIterator<Item = PostDoc>>(
        &self,
        docs: I,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let lease = self.lease()?;
        let writer = lease.writer()?;
        writer.delete_all_documents()?;
        let n = self.add_all(writer, docs, progress)?;
        lease.finish(&self.reader)?;
        Ok(n)
    }

    /// Adds `docs` without deleting anything first (a post added twice is
    /// then indexed twice: use only for posts not yet indexed). One commit at
    /// the end. Returns the number of documents indexed.
    pub fn bulk_add<I: IntoIterator<Item = PostDoc>>(&self, docs: I) -> Result<u64> {
        let lease = self.lease()?;
        let n = self.add_all(lease.writer()?, docs, &mut |_| {})?;
        lease.finish(&self.reader)?;
        Ok(n)
    }

    fn add_all<I: IntoIterator<Item = PostDoc>>(
        &self,
        writer: &IndexWriter,
        docs: I,
        progress: &mut dyn FnMut(u64),
    ) -> Result<u64> {
        let mut n: u64 = 0;
        for doc in docs {
            writer.add_document(self.fields.document(doc))?;
            n += 1;
            if n.is_multiple_of(PROGRESS_EVERY) {
                progress(n);
            }
        }
        if !n.is_multiple_of(PROGRESS_EVERY) {
            progress(n);
        }
        Ok(n)
    }

    /// The words a query searches with: stop words dropped (unless that leaves none), at most
    /// [`MAX_QUERY_TERMS`], and with `any`, one-character words only when there is no longer
    /// one. Also how many words were asked for. `None`: nothing to search for.
    fn query_words(text: &str, any: bool) -> Option<(Vec<String>, usize)> {
        let mut terms = query_terms(text);
        if terms.iter().any(|t| !is_stop_word(t)) {
            terms.retain(|t| !is_stop_word(t));
        }
        if terms.is_empty() {
            return None;
        }
        terms.truncate(MAX_QUERY_TERMS);
        let words = terms.len();
        if any && terms.iter().any(|t| t.chars().count() > 1) {
            terms.retain(|t| t.chars().count() > 1);
        }
        Some((terms, words))
    }

    /// Every post that matches, best first, at most `cap` of them, without highlights: for
    /// results the database filters and sorts (by status, kind, tag, votes, time) before a
    /// page of them is highlighted with [`SearchIndex::highlight`]. Also how many match in
    /// all and how many words were searched for.
    pub fn matching_ids(&self, q: &SearchQuery, cap: usize) -> Result<(usize, Vec<i64>, usize)> {
        let Some((terms, words)) = Self::query_words(q.text, q.any) else { return Ok((0, Vec::new(), 0)) };
        let searcher = self.reader.searcher();
        let query = self.build_query(&terms, q.product_id, !q.any);
        let (total, top) = run_query(&searcher, &*query, cap, 0)?;
        let mut ids = Vec::with_capacity(top.len());
        for (_, address) in top {
            let column = searcher.segment_reader(address.segment_ord).fast_fields().i64("post_id")?;
            if let Some(id) = column.first(address.doc_id) {
                ids.push(id);
            }
        }
        Ok((total, ids, words))
    }

    /// A post's title and a snippet of its body with the words of `text` marked, as
    /// [`SearchIndex::search`] marks them.
    pub fn highlight(&self, text: &str, any: bool, title: &str, body: &str) -> (String, String) {
        let terms = Self::query_words(text, any).map(|(t, _)| t).unwrap_or_default();
        let mut highlighter = Highlighter::new(segment::analyzer(), terms);
        (highlighter.full_html(title), highlighter.snippet_html(body, SNIPPET_CHARS))
    }

    /// Searches posts. Every query word must occur in the title or the body (title matches
    /// weigh more), unless `any`. Empty or punctuation-only text gives no hits.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let Some((terms, words)) = Self::query_words(q.text, q.any) else {
            return Ok(SearchResults::default());
        };
        let searcher = self.reader.searcher();
        let limit = q.limit.min(MAX_LIMIT);
        let offset = q.offset.min(MAX_OFFSET);

        // All words unless the fan asked for any: a query that quietly turned into "any"
        // answered nonsense with every post sharing one common word.
        let query = self.build_query(&terms, q.product_id, !q.any);
        let (total, top) = run_query(&searcher, &*query, limit, offset)?;
        if top.is_empty() {
            return Ok(SearchResults { total, hits: Vec::new(), words });
        }

        let mut highlighter = Highlighter::new(segment::analyzer(), terms);
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(post_id) = doc.get_first(self.fields.post_id).and_then(|v| v.as_i64()) else {
                // Impossible: every document is written with a post_id.
                tracing::warn!(?address, "search index document without post_id");
                continue;
            };
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
            let title_html = highlighter.full_html(text(self.fields.title));
            let body = text(self.fields.body);
            let snippet_html = highlighter.snippet_html(body, SNIPPET_CHARS);
            hits.push(SearchHit { post_id, score, title_html, snippet_html });
        }
        Ok(SearchResults { total, hits, words })
    }

    /// Posts similar to a draft: candidates are the posts sharing the most
    /// relevant words with it (any of its words, BM25 over title and body), each
    /// then scored exactly against the draft with
    /// [`SimilarityProbe`](crate::SimilarityProbe) — the better of title alone
    /// and title plus body, so a draft that is still only a title finds posts
    /// whose title says the same. Best first.
    pub fn similar(&self, q: &SimilarQuery) -> Result<Vec<SimilarHit>> {
        let mut terms = query_terms(q.text);
        terms.retain(|t| !is_stop_word(t));
        terms.truncate(MAX_QUERY_TERMS);
        let limit = q.limit.min(MAX_SIMILAR);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let probe = crate::SimilarityProbe::new(q.text);
        let searcher = self.reader.searcher();
        let terms = self.informative_terms(&searcher, terms)?;
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let query = self.build_query(&terms, q.product_id, false);
        let top = searcher.search(&*query, &TopDocs::with_limit(SIMILAR_CANDIDATES).order_by_score())?;
        // Exact scores need word segmentation, the expensive part: bound every candidate
        // with the character measures first, then score exactly in order of the bound and
        // stop once no remaining bound can beat the `limit`-th best exact score.
        let short_draft = probe.len() <= SHORT_DRAFT_CHARS;
        let mut bounded = Vec::with_capacity(top.len());
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(post_id) = doc.get_first(self.fields.post_id).and_then(|v| v.as_i64()) else {
                continue;
            };
            if Some(post_id) == q.exclude {
                continue;
            }
            let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default();
            let title = text(self.fields.title).to_string();
            let mut whole = title.clone();
            whole.push('\n');
            whole.extend(text(self.fields.body).chars().take(SIMILAR_BODY_CHARS));
            let mut bound = probe.upper_bound(&whole);
            // A draft that is still about a title's length is compared with the title too,
            // where a long body would only dilute the match.
            if short_draft {
                bound = bound.max(probe.upper_bound(&title));
            }
            bounded.push((bound, post_id, title, whole));
        }
        bounded.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut hits: Vec<SimilarHit> = Vec::with_capacity(limit + 1);
        for (bound, post_id, title, whole) in bounded {
            let floor = if hits.len() >= limit { hits[limit - 1].score } else { q.min_score };
            if bound < floor {
                break;
            }
            let mut score = probe.similarity(&whole);
            if short_draft {
                score = score.max(probe.similarity(&title));
            }
            if score >= q.min_score {
                hits.push(SimilarHit { post_id, score, title });
                hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.post_id.cmp(&b.post_id)));
                hits.truncate(limit);
            }
        }
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.post_id.cmp(&b.post_id)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// The draft's rarest words, which carry what the draft is about: at most
    /// [`SIMILAR_QUERY_TERMS`], leaving out words found in more than 1 % of all posts
    /// (and over a thousand) unless nothing rarer is left. Common words would make the
    /// candidate query walk hundreds of thousands of postings and add nothing to the
    /// ranking.
    fn informative_terms(&self, searcher: &tantivy::Searcher, terms: Vec<String>) -> Result<Vec<String>> {
        let docs = searcher.num_docs().max(1);
        let mut by_rarity = Vec::with_capacity(terms.len());
        for t in terms {
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &t))?;
            if df > 0 {
                by_rarity.push((df, t));
            }
        }
        by_rarity.sort();
        // Small boards are cheap to query whatever the words: only prune at volume.
        let common =
            by_rarity.iter().position(|(df, _)| *df * 100 > docs && *df > 1_000).unwrap_or(by_rarity.len());
        by_rarity.truncate(common.max(by_rarity.len().min(3)).min(SIMILAR_QUERY_TERMS));
        Ok(by_rarity.into_iter().map(|(_, t)| t).collect())
    }

    /// The query for `terms`: all of them (`require_all`) or any of them
    /// must occur in the title or body, optionally within one product.
    fn build_query(&self, terms: &[String], product_id: Option<i64>, require_all: bool) -> Box<dyn Query> {
        let mut terms: Vec<Box<dyn Query>> = terms
            .iter()
            .map(|t| -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.text, t),
                    IndexRecordOption::WithFreqs,
                ))
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = if require_all || terms.len() == 1 {
            if terms.len() == 1 && product_id.is_none() {
                return terms.remove(0);
            }
            terms.into_iter().map(|q| (Occur::Must, q)).collect()
        } else {
            let any = terms.into_iter().map(|q| (Occur::Should, q)).collect();
            if product_id.is_none() {
                return Box::new(BooleanQuery::new(any));
            }
            vec![(Occur::Must, Box::new(BooleanQuery::new(any)))]
        };
        if let Some(product_id) = product_id {
            // Adds the same score to every hit: the ranking is unchanged.
            let filter = TermQuery::new(
                Term::from_field_text(self.fields.product, &product_id.to_string()),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((Occur::Must, Box::new(filter)));
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// Top hits and total count. Counting separately lets the top-hits pass
/// prune (block-max WAND) instead of scoring every matching document; the
/// count pass does not score at all.
fn run_query(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    limit: usize,
    offset: usize,
) -> Result<(usize, Vec<(Score, DocAddress)>)> {
    let total = query.count(searcher)?;
    if limit == 0 || total <= offset {
        return Ok((total, Vec::new()));
    }
    let top = searcher.search(query, &TopDocs::with_limit(limit).and_offset(offset).order_by_score())?;
    Ok((total, top))
}

impl Drop for SearchIndex {
    /// Stops the writer thread after it has committed everything queued.
    fn drop(&mut self) {
        self.ops = None;
        if let Some(worker) = self.worker.take()
            && worker.join().is_err()
        {
            tracing::error!("search index writer thread panicked");
        }
    }
}

fn normal_writer(index: &Index) -> Result<IndexWriter> {
    Ok(index.writer_with_num_threads(1, WRITER_HEAP_BYTES)?)
}

/// The writer thread: owns the `IndexWriter`.
struct Worker {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    commits: Arc<AtomicU64>,
    /// `None` only transiently while a bulk writer is lent out, or after the
    /// writer could not be re-created (the thread then stops).
    writer: Option<IndexWriter>,
    rx: mpsc::Receiver<Op>,
}

/// Ops applied since the last commit, waiting for it.
#[derive(Default)]
struct Pending {
    dirty: bool,
    tickets: Vec<(Done, Result<()>)>,
}

impl Worker {
    fn run(mut self) {
        // Ends when every `Sender` is gone (the `SearchIndex` was dropped)
        // and the queue is drained.
        while let Ok(first) = self.rx.recv() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match self.rx.try_recv() {
                    Ok(op) => batch.push(op),
                    Err(_) => break,
                }
            }
            let mut pending = Pending::default();
            for op in batch {
                self.apply(op, &mut pending);
            }
            self.commit(&mut pending);
            if self.writer.is_none() {
                tracing::error!("search index writer unavailable; writer thread stops");
                return;
            }
        }
    }

    fn apply(&mut self, op: Op, pending: &mut Pending) {
        let Some(writer) = self.writer.as_ref() else {
            // Dropping `done` makes the ticket report WriterStopped.
            return;
        };
        match op {
            Op::Upsert { post_id, doc, done } => {
                writer.delete_term(self.fields.post_term(post_id));
                let result = writer.add_document(*doc).map(drop).map_err(TextError::from);
                pending.dirty = true;
                pending.tickets.push((done, result));
            }
            Op::Delete { post_id, done } => {
                writer.delete_term(self.fields.post_term(post_id));
                pending.dirty = true;
                pending.tickets.push((done, Ok(())));
            }
            Op::Flush { done } => pending.tickets.push((done, Ok(()))),
            Op::Lease { reply } => {
                self.commit(pending);
                self.lend(reply);
            }
        }
    }

    /// Commits what `pending` holds, reloads the reader, completes tickets.
    fn commit(&mut self, pending: &mut Pending) {
        let outcome: std::result::Result<(), tantivy::TantivyError> = match self.writer.as_mut() {
            Some(writer) if pending.dirty => {
                let committed = writer.commit().map(drop);
                if committed.is_ok() {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                }
                if let Err(error) = &committed {
                    tracing::error!(%error, "search index commit failed; rolling back");
                    if let Err(error) = writer.rollback() {
                        tracing::error!(%error, "search index rollback failed; re-creating writer");
                        self.writer = None;
                        self.writer = normal_writer(&self.index)
                            .inspect_err(|error| tracing::error!(%error, "cannot re-create writer"))
                            .ok();
                    }
                }
                committed.and_then(|()| self.reader.reload())
            }
            Some(_) => Ok(()),
            None => Err(tantivy::TantivyError::SystemError("search index writer stopped".into())),
        };
        pending.dirty = false;
        for (done, result) in pending.tickets.drain(..) {
            let result = result.and_then(|()| outcome.clone().map_err(TextError::from));
            // The caller may have dropped its ticket.
            let _ = done.send(result);
        }
    }

    /// Lends a bulk writer and waits for it to come back, then re-creates
    /// the normal writer.
    fn lend(&mut self, reply: mpsc::SyncSender<Result<Lease>>) {
        if let Some(writer) = self.writer.take()
            && let Err(error) = writer.wait_merging_threads()
        {
            tracing::warn!(%error, "search index merge failed");
        }
        let threads = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, BULK_MAX_THREADS);
        match self.index.writer_with_num_threads(threads, threads * BULK_HEAP_PER_THREAD_BYTES) {
            Ok(writer) => {
                let (returned, returned_rx) = mpsc::sync_channel(0);
                let lease = Lease { writer: Some(writer), _returned: returned };
                if reply.send(Ok(lease)).is_ok() {
                    // Err = the lease was dropped: its writer is gone.
                    let _ = returned_rx.recv();
                }
            }
            Err(error) => {
                let _ = reply.send(Err(error.into()));
            }
        }
        self.writer = normal_writer(&self.index)
            .inspect_err(|error| tracing::error!(%error, "cannot re-create search index writer"))
            .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(post_id: i64) -> PostDoc {
        PostDoc {
            post_id,
            product_id: 1,
            title: format!("帖子{post_id}"),
            body: "电池续航".into(),
            created_at: 0,
        }
    }

    #[test]
    fn queued_upserts_share_one_commit() {
        let index = Arc::new(SearchIndex::open_in_ram().unwrap());
        index.upsert(post(0)).wait().unwrap();
        assert_eq!(index.commit_count(), 1);
        // Hold the writer thread (as a rebuild would) while 50 threads queue
        // upserts, then let it go: it must apply them all in one commit.
        let lease = index.lease().unwrap();
        let tickets: Vec<CommitTicket> = std::thread::scope(|s| {
            let handles: Vec<_> = (1..=50)
                .map(|i| {
                    let index = &index;
                    s.spawn(move || index.upsert(post(i)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        drop(lease);
        for ticket in tickets {
            ticket.wait().unwrap();
        }
        assert_eq!(index.commit_count(), 2);
        assert_eq!(index.doc_count(), 51);
        // A flush with nothing pending does not commit.
        index.flush().unwrap();
        assert_eq!(index.commit_count(), 2);
    }

    #[test]
    fn dropping_the_index_stops_the_writer_thread_after_committing() {
        let dir = tempfile::tempdir().unwrap();
        let index = SearchIndex::open(dir.path()).unwrap();
        let ticket = index.upsert(post(1));
        drop(index);
        ticket.wait().unwrap();
        assert_eq!(SearchIndex::open(dir.path()).unwrap().doc_count(), 1);
    }
}
