//! `canyu-bench ask`: "ask the feedback" (`insights::ask::ask`) at a million posts. One run:
//!
//! 1. generates the data set (at `--scale 1`: 200,000 fans, 10 products, 1,000,000 posts over
//!    the last 365 days) whose titles and bodies are real Chinese reviews (the corpus file,
//!    repeated with a suffix that makes every row distinct), inserted in multi-row batches,
//!    then indexes the same posts in a fresh full-text index (`SearchIndex::bulk_add`);
//! 2. times `ask` in-process (answer and its JSON) over 20 staff questions, half of the whole
//!    site and half of one product: one warm-up pass, then at least 200 calls;
//! 3. in the same run, the baseline: the same content words matched with `LIKE '%word%'` over
//!    title and body in SQL (the 500 most voted matches), then the same grouping
//!    (`canyu_text::themes::themes`), with its ratio to `ask`.
//!
//! Usage: canyu-bench ask --database-url U [--scale S] --corpus F
//! Prints `key=value` lines (bench/ask.sh collects them). Without the corpus file it prints a
//! skip line and exits 0.

use canyu_app::accounts::Auth;
use canyu_app::insights::ask::{self, POSTS_READ, THEMES};
use canyu_app::{App, AppConfig};
use canyu_core::Millis;
use canyu_store::{Backend, Store};
use canyu_text::themes::{ThemeDoc, parse_question, themes};
use canyu_text::{PostDoc, SearchIndex};
use sqlx::{AnyConnection, AssertSqlSafe, Connection, Row};
use std::sync::Arc;
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const DAY: Millis = 86_400_000;
const YEAR: Millis = 365 * DAY;
const PRODUCTS: i64 = 10;
/// Bound values per inserted post (id, product, author, kind, title, body, votes, created and
/// updated time).
const POST_PARAMS: usize = 9;
/// Posts per INSERT: 27,000 bound values, under SQLite's limit (32,766) and PostgreSQL's
/// (65,535).
const BATCH_ROWS: usize = 3_000;
/// Posts per transaction.
const TX_ROWS: i64 = 99_000;
/// Characters of the review that make a post's title.
const TITLE_CHARS: usize = 20;
/// Walks the corpus in a scrambled order (coprime with its 17,411 = 23 × 757 lines), so the
/// corpus's own order (negative reviews first) does not become a pattern over time.
const STRIDE: i64 = 7_919;
/// At least this many timed `ask` calls, after one warm-up pass over the questions.
const CALLS: usize = 200;
/// Timed passes of the baseline over its questions (a site-wide one reads every post).
const BASELINE_RUNS: usize = 5;

/// Staff questions over words the reviews (laptops, books, hotels) use; the odd ones are
/// asked of one product. "大家有什么抱怨？" has no content word: it reads the recent posts.
const QUESTIONS: [&str; 20] = [
    "屏幕有什么抱怨？",
    "电池续航怎么样",
    "键盘有哪些吐槽",
    "酒店服务有什么不满",
    "房间隔音",
    "早餐有哪些好评",
    "物流速度",
    "散热问题",
    "系统有什么问题",
    "价格",
    "服务态度差",
    "前台",
    "质量怎么样",
    "大家有什么抱怨？",
    "书的印刷质量",
    "卫生",
    "噪音",
    "性价比",
    "送货",
    "网速",
];
/// The questions the baseline answers (indices into [`QUESTIONS`]): common and rare words,
/// one word and two, site-wide and of a product.
const BASELINE: [usize; 5] = [0, 3, 4, 9, 14];

/// A 64-bit mix (splitmix64's finaliser): a deterministic pseudo-random number per row.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One generated post.
struct Post {
    id: i64,
    product_id: i64,
    author_id: i64,
    kind: &'static str,
    title: String,
    body: String,
    votes: i64,
    created_at: Millis,
}

/// The posts, each computed from its row number, so the database and the index get the same
/// ones without holding a million in memory.
#[derive(Clone)]
struct Posts {
    reviews: Arc<Vec<String>>,
    posts: i64,
    fans: i64,
    post0: i64,
    prod0: i64,
    fan0: i64,
    base: Millis,
}

impl Posts {
    /// Row `i`: evenly over the year (ids in time order), a random product, an author among
    /// the fans signed up by then, review `i × STRIDE` of the corpus; its `i / lines`-th use
    /// is the suffix that makes the row distinct. Votes: 0 to 49, most posts few.
    fn post(&self, i: i64) -> Post {
        let h = mix(i as u64);
        let lines = self.reviews.len() as i64;
        let review = &self.reviews[(i * STRIDE % lines) as usize];
        let v = ((h >> 32) % 1000) as i64;
        Post {
            id: self.post0 + i,
            product_id: self.prod0 + (h % PRODUCTS as u64) as i64,
            author_id: self.fan0 + ((h >> 8) % (1 + i * self.fans / self.posts) as u64) as i64,
            kind: ["idea", "bug", "question"][((h >> 20) % 3) as usize],
            title: review.chars().take(TITLE_CHARS).collect(),
            body: format!("{review} #{}", i / lines + 1),
            votes: v * v * v / 20_000_000,
            created_at: self.base + i * YEAR / self.posts,
        }
    }
}

/// Row numbers `i` in `0..n` as a row source for `INSERT … SELECT`: a recursive CTE on
/// SQLite, `generate_series` on PostgreSQL.
fn over_rows(backend: Backend, n: i64, insert: impl FnOnce(&str) -> String) -> String {
    match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) {}",
            n - 1,
            insert("n")
        ),
        _ => insert(&format!("generate_series(CAST(0 AS BIGINT), {}) AS n(i)", n - 1)),
    }
}

async fn exec(conn: &mut AnyConnection, sql: String) -> BenchResult<u64> {
    Ok(sqlx::query(AssertSqlSafe(sql)).execute(conn).await?.rows_affected())
}

async fn next_id(conn: &mut AnyConnection, table: &str) -> BenchResult<i64> {
    Ok(sqlx::query_scalar(AssertSqlSafe(format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")))
        .fetch_one(conn)
        .await?)
}

/// `INSERT INTO posts … VALUES` with `rows` rows of placeholders. SQLite gets anonymous `?`:
/// a `$N` there is a named parameter, and sqlx looks up every one's name
/// (`sqlite3_bind_parameter_name`, a linear scan in SQLite), which makes binding quadratic in
/// the values per statement (50,000 posts in 3,000-row statements: 15 s with `$N`, 0.4 s
/// with `?`).
fn insert_posts_sql(backend: Backend, rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO posts (id, product_id, author_id, kind, title, body, status, votes, comments, hot, \
         created_at, updated_at) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let p: Vec<String> = (1..=POST_PARAMS)
            .map(|k| match backend {
                Backend::Sqlite => "?".to_string(),
                _ => format!("${}", r * POST_PARAMS + k),
            })
            .collect();
        sql.push_str(&format!(
            "({}, {}, {}, {}, {}, {}, 'new', {}, 0, 0.0, {}, {})",
            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
        ));
    }
    sql
}

/// Generates the catalog, the fans and the posts on a connection of its own; returns the
/// posts' description and the products' slugs.
async fn generate(
    url: &str,
    backend: Backend,
    reviews: Arc<Vec<String>>,
    scale: f64,
    base: Millis,
) -> BenchResult<(Posts, Vec<String>)> {
    let mut conn = AnyConnection::connect(url).await?;
    if backend == Backend::Sqlite {
        // A loader's settings, on this connection only: the serving pools keep theirs.
        for pragma in
            ["PRAGMA synchronous = OFF", "PRAGMA cache_size = -400000", "PRAGMA temp_store = MEMORY"]
        {
            exec(&mut conn, pragma.into()).await?;
        }
    }
    let n = |full: f64| ((full * scale).round() as i64).max(100);
    let (fans, posts) = (n(200_000.0), n(1_000_000.0));

    // Catalog: 2 categories, 10 products.
    let t = Instant::now();
    let prod0 = next_id(&mut conn, "products").await?;
    let mut tx = conn.begin().await?;
    let mut categories = Vec::new();
    for c in 0..2 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO categories (slug, name_zh, name_en, position) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(format!("ask-cat-{c}"))
        .bind(format!("基准类目{c}"))
        .bind(format!("Bench category {c}"))
        .bind(c)
        .fetch_one(&mut *tx)
        .await?;
        categories.push(id);
    }
    let mut slugs = Vec::new();
    for k in 0..PRODUCTS {
        let slug = format!("ask-p-{k}");
        sqlx::query(
            "INSERT INTO products (id, slug, name, category_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(prod0 + k)
        .bind(&slug)
        .bind(format!("基准产品 {k}"))
        .bind(categories[(k % 2) as usize])
        .bind(base)
        .execute(&mut *tx)
        .await?;
        slugs.push(slug);
    }
    tx.commit().await?;

    // Fans, signed up evenly over the year: set-based.
    let fan0 = next_id(&mut conn, "users").await?;
    let sql = over_rows(backend, fans, |rows| {
        format!(
            "INSERT INTO users (id, handle, handle_key, password_hash, role, bio, created_at) \
             SELECT {fan0} + i, 'ask_fan_' || CAST(i AS TEXT), 'ask_fan_' || CAST(i AS TEXT), 'x', 'fan', '', \
             {base} + i * {YEAR} / {fans} FROM {rows}"
        )
    });
    let mut tx = conn.begin().await?;
    exec(&mut tx, sql).await?;
    tx.commit().await?;
    let fans_s = t.elapsed().as_secs_f64();

    // Posts: multi-row INSERTs with bound values, a transaction per TX_ROWS.
    let t = Instant::now();
    let post0 = next_id(&mut conn, "posts").await?;
    let made = Posts { reviews, posts, fans, post0, prod0, fan0, base };
    let full_sql = insert_posts_sql(backend, BATCH_ROWS);
    let mut i = 0;
    while i < posts {
        let tx_end = (i + TX_ROWS).min(posts);
        let mut tx = conn.begin().await?;
        while i < tx_end {
            let end = (i + BATCH_ROWS as i64).min(tx_end);
            let rows: Vec<Post> = (i..end).map(|j| made.post(j)).collect();
            let sql = if rows.len() == BATCH_ROWS {
                full_sql.clone()
            } else {
                insert_posts_sql(backend, rows.len())
            };
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for p in rows {
                query = query
                    .bind(p.id)
                    .bind(p.product_id)
                    .bind(p.author_id)
                    .bind(p.kind)
                    .bind(p.title)
                    .bind(p.body)
                    .bind(p.votes)
                    .bind(p.created_at)
                    .bind(p.created_at);
            }
            query.execute(&mut *tx).await?;
            i = end;
        }
        tx.commit().await?;
    }
    let posts_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    if backend == Backend::Postgres {
        // Explicit ids left the identity sequences behind.
        for table in ["products", "users", "posts"] {
            exec(
                &mut conn,
                format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ),
            )
            .await?;
        }
        // What autovacuum does to a table soon after a bulk insert.
        sqlx::raw_sql("VACUUM ANALYZE").execute(&mut conn).await?;
    }
    let finish_s = t.elapsed().as_secs_f64();
    conn.close().await?;
    println!("ask_gen_steps: catalog_fans_s={fans_s:.1} posts_s={posts_s:.1} vacuum_analyze_s={finish_s:.1}");
    Ok((made, slugs))
}

fn percentiles(samples: &mut [f64]) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    (
        crate::percentile(samples, 0.5),
        crate::percentile(samples, 0.99),
        samples.last().copied().unwrap_or(f64::NAN),
    )
}

fn median(values: &mut [usize]) -> usize {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// One question, and the product it is asked of.
struct Case {
    question: &'static str,
    product: Option<String>,
}

/// What one answer found, for the report.
struct Found {
    matched: usize,
    grouped: usize,
    themes: usize,
}

/// One `ask` as the API answers it: the answer, then its JSON.
async fn answer(app: &App, auth: &Auth, case: &Case) -> BenchResult<(f64, Found)> {
    let t = Instant::now();
    let out = ask::ask(app, auth, case.question, case.product.as_deref()).await?;
    let json = serde_json::to_vec(&out)?;
    std::hint::black_box(json.len());
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    Ok((ms, Found { matched: out.matched, grouped: out.grouped, themes: out.themes.len() }))
}

/// The baseline for one question: its content words matched with `LIKE` over title and
/// body (every word, as `ask` first searches), the most voted visible matches, grouped the
/// same way. No tone filter (`ask` also scores the sentiment of what it reads): the baseline
/// does less work than `ask` once it has its rows. Returns the rows read and the themes made.
async fn baseline(
    conn: &mut AnyConnection,
    case: &Case,
    product_id: Option<i64>,
) -> BenchResult<(usize, usize)> {
    let terms = parse_question(case.question).terms;
    let mut sql = String::from("SELECT id, title, body, votes, created_at FROM posts WHERE ");
    let mut k = 0;
    for _ in &terms {
        sql.push_str(&format!("(title LIKE ${} OR body LIKE ${}) AND ", k + 1, k + 2));
        k += 2;
    }
    if product_id.is_some() {
        sql.push_str(&format!("product_id = ${} AND ", k + 1));
    }
    sql.push_str(&format!(
        "beta = 0 AND hidden_at IS NULL AND deleted_at IS NULL ORDER BY votes DESC LIMIT {POSTS_READ}"
    ));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for t in &terms {
        let like = format!("%{t}%");
        query = query.bind(like.clone()).bind(like);
    }
    if let Some(id) = product_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut posts = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = row.try_get("id")?;
        let title: String = row.try_get("title")?;
        let body: String = row.try_get("body")?;
        let votes: i64 = row.try_get("votes")?;
        let created_at: i64 = row.try_get("created_at")?;
        posts.push((id, title, body, votes, created_at));
    }
    let docs: Vec<ThemeDoc> = posts
        .iter()
        .map(|(_, title, body, votes, _)| ThemeDoc { title, body, weight: *votes as f64 + 1.0 })
        .collect();
    let grouped = themes(&docs, &terms, THEMES);
    std::hint::black_box(&posts);
    Ok((posts.len(), grouped.len()))
}

pub async fn run(args: &[String]) -> BenchResult<()> {
    let url = crate::arg(args, "--database-url").ok_or("--database-url")?;
    let scale: f64 = crate::arg(args, "--scale").map_or(Ok(1.0), |v| v.parse())?;
    let corpus_path = crate::arg(args, "--corpus").ok_or("--corpus")?;
    let Ok(corpus) = std::fs::read_to_string(&corpus_path) else {
        println!("ask_skipped: reason=no_corpus corpus={corpus_path}");
        return Ok(());
    };
    let reviews: Vec<String> =
        corpus.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    if reviews.is_empty() {
        println!("ask_skipped: reason=empty_corpus corpus={corpus_path}");
        return Ok(());
    }
    let reviews = Arc::new(reviews);

    let store = Store::open(&url).await?;
    let index_dir = tempfile::tempdir()?;
    let index = Arc::new(SearchIndex::open(index_dir.path())?);
    let app = App::new(store.clone(), index.clone(), AppConfig::default());
    let now = app.now();
    let base = now - YEAR;

    // Staff ask; an API token's Auth is the one with no session to keep.
    let auth = crate::staff_auth(&store, base).await?;

    let t = Instant::now();
    let (posts, slugs) = generate(&url, store.backend(), reviews.clone(), scale, base).await?;
    println!(
        "ask_data: scale={scale} fans={} products={PRODUCTS} posts={} reviews={} gen_s={:.1}",
        posts.fans,
        posts.posts,
        reviews.len(),
        t.elapsed().as_secs_f64()
    );

    // The same posts into the full-text index, as `rebuild` would: one bulk writer, one commit.
    let t = Instant::now();
    let indexed = {
        let (index, posts) = (index.clone(), posts.clone());
        tokio::task::spawn_blocking(move || {
            index.bulk_add((0..posts.posts).map(|i| {
                let p = posts.post(i);
                PostDoc {
                    post_id: p.id,
                    product_id: p.product_id,
                    title: p.title,
                    body: p.body,
                    created_at: p.created_at,
                }
            }))
        })
        .await??
    };
    println!("ask_index: docs={indexed} secs={:.1}", t.elapsed().as_secs_f64());

    // The questions: even ones of the whole site, odd ones of a product (each product once).
    let cases: Vec<Case> = QUESTIONS
        .iter()
        .enumerate()
        .map(|(j, &question)| Case {
            question,
            product: (j % 2 == 1).then(|| slugs[(j / 2) % slugs.len()].clone()),
        })
        .collect();

    // Warm-up pass: also what each question finds.
    let mut found = Vec::new();
    for case in &cases {
        found.push(answer(&app, &auth, case).await?.1);
    }
    let mut per_case: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..CALLS.div_ceil(cases.len()) {
        for (case, samples) in cases.iter().zip(per_case.iter_mut()) {
            samples.push(answer(&app, &auth, case).await?.0);
        }
    }
    let mut ask_medians = Vec::new();
    for ((case, samples), f) in cases.iter().zip(per_case.iter_mut()).zip(&found) {
        let (p50, p99, max) = percentiles(samples);
        println!(
            "ask_case: question={} product={} terms={} matched={} grouped={} themes={} calls={} p50_ms={p50:.2} \
             p99_ms={p99:.2} max_ms={max:.2}",
            case.question,
            case.product.as_deref().unwrap_or("-"),
            parse_question(case.question).terms.join("+"),
            f.matched,
            f.grouped,
            f.themes,
            samples.len()
        );
        ask_medians.push(p50);
    }
    let mut all: Vec<f64> = per_case.iter().flatten().copied().collect();
    let (ask_p50, ask_p99, ask_max) = percentiles(&mut all);
    let mut matched: Vec<usize> = found.iter().map(|f| f.matched).collect();
    let mut grouped: Vec<usize> = found.iter().map(|f| f.grouped).collect();
    println!(
        "ask: questions={} calls={} p50_ms={ask_p50:.2} p99_ms={ask_p99:.2} max_ms={ask_max:.2} median_matched={} \
         median_grouped={}",
        cases.len(),
        all.len(),
        median(&mut matched),
        median(&mut grouped)
    );

    // The baseline, on a connection with the serving readers' SQLite cache size.
    let mut conn = AnyConnection::connect(&url).await?;
    if store.backend() == Backend::Sqlite {
        for pragma in ["PRAGMA cache_size = -32000", "PRAGMA temp_store = MEMORY"] {
            sqlx::query(pragma).execute(&mut conn).await?;
        }
    }
    let mut base_cases = Vec::new();
    for &j in &BASELINE {
        let case = &cases[j];
        let product_id = match &case.product {
            Some(slug) => Some(store.product_by_slug(slug).await?.ok_or("bench product")?.id),
            None => None,
        };
        base_cases.push((j, product_id));
    }
    let mut per_base: Vec<Vec<f64>> = vec![Vec::new(); base_cases.len()];
    let mut found = vec![(0, 0); base_cases.len()];
    for run in 0..=BASELINE_RUNS {
        for (k, &(j, product_id)) in base_cases.iter().enumerate() {
            let t = Instant::now();
            let read_made = baseline(&mut conn, &cases[j], product_id).await?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if run == 0 {
                found[k] = read_made;
            } else {
                per_base[k].push(ms);
            }
        }
    }
    conn.close().await?;
    for ((&(j, _), samples), (read, made)) in base_cases.iter().zip(per_base.iter_mut()).zip(&found) {
        let case = &cases[j];
        let (p50, _, max) = percentiles(samples);
        println!(
            "ask_baseline_case: question={} product={} rows={read} themes={made} runs={} p50_ms={p50:.1} \
             max_ms={max:.1} ask_p50_ms={:.2} ratio={:.0}",
            case.question,
            case.product.as_deref().unwrap_or("-"),
            samples.len(),
            ask_medians[j],
            p50 / ask_medians[j]
        );
    }
    let mut samples: Vec<f64> = per_base.iter().flatten().copied().collect();
    let (p50, p99, max) = percentiles(&mut samples);
    let mut same: Vec<f64> = base_cases.iter().map(|&(j, _)| ask_medians[j]).collect();
    let (same_p50, _, _) = percentiles(&mut same);
    println!(
        "ask_baseline: method=like_scan_then_themes questions={} calls={} p50_ms={p50:.1} p99_ms={p99:.1} \
         max_ms={max:.1}",
        base_cases.len(),
        samples.len()
    );
    println!(
        "ask_ratio: baseline_p50_ms={p50:.1} ask_p50_ms={ask_p50:.2} ratio={:.0} same_questions_ask_p50_ms={same_p50:.2} \
         same_questions_ratio={:.0}",
        p50 / ask_p50,
        p50 / same_p50
    );
    Ok(())
}
