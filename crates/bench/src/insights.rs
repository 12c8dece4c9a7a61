//! `canyu-bench insights`: the insights panels (issue #24) at a million posts. One run:
//!
//! 1. generates the data set with set-based SQL (at `--scale 1`: 200,000 fans, 10 products,
//!    1,000,000 posts over the last 365 days, ~2,000,000 votes, 500,000 comments, status
//!    changes, monthly releases crediting shipped posts, and two launch campaigns of the same
//!    product with 1,000,000 and 200,000 orders and their per-minute and per-state tallies),
//!    and for the reach panels 20 channels of the five kinds, 50 SKUs, ~1,000,000 rows of the
//!    hourly sales rollup over the year (and the daily one), 5,000 events with 200,000 RSVPs,
//!    100,000 referrals and 150,000 owned devices across three categories;
//! 2. rebuilds every rollup once (`rollup::rebuild`) and times five per-minute rounds
//!    (`rollup::roll`: what every node pays each minute);
//! 3. times every panel in-process (`insights::panel`, then its JSON) over a mix of filters;
//! 4. in the same run, the baseline: the same series counted by scanning posts, votes,
//!    comments and status changes directly, as a panel without rollups would.
//!
//! Usage: canyu-bench insights --database-url U [--scale S]
//! Prints `key=value` lines (bench/insights.sh collects them).

use canyu_app::accounts::Auth;
use canyu_app::insights::{self, Filter, rollup};
use canyu_app::{App, AppConfig};
use canyu_core::insight::Panel;
use canyu_core::{Locale, Millis};
use canyu_store::{Backend, Store};
use sqlx::{AnyConnection, AssertSqlSafe, Connection};
use std::sync::Arc;
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

const DAY: Millis = 86_400_000;
const YEAR: Millis = 365 * DAY;
/// How long a launch keeps selling: its orders spread over three days, most in the first minutes.
const LAUNCH_SPAN: Millis = 3 * DAY;
const PRODUCTS: i64 = 10;
const SKUS_PER_PRODUCT: i64 = 5;
const HOUR: Millis = 3_600_000;
/// The hours of the sales rollup: the last 365 days'.
const HOURS: i64 = 365 * 24;
/// Where events happen and stores are.
const CITIES: [&str; 20] = [
    "北京", "上海", "广州", "深圳", "成都", "杭州", "武汉", "西安", "南京", "重庆", "天津", "苏州", "长沙",
    "郑州", "沈阳", "青岛", "厦门", "昆明", "大连", "合肥",
];
/// The row-number hash works modulo this prime below 2^31: a residue squared, or times a
/// multiplier below 2^31, stays below 2^62, so neither backend overflows (PostgreSQL raises
/// on bigint overflow where SQLite would silently turn to floating point).
const P: i64 = 2_147_483_647;
/// Multipliers of the hash, a pair per salt (all below 2^31).
const MULT: [(i64, i64); 16] = [
    (48_271, 1_103_515_245),
    (16_807, 1_664_525),
    (69_621, 22_695_477),
    (39_373, 134_775_813),
    (214_013, 1_140_671_485),
    (65_539, 742_938_285),
    (950_706_376, 1_583_458_089),
    (784_588_716, 1_226_874_159),
    (62_089_911, 1_343_714_438),
    (397_204_094, 2_027_812_808),
    (1_201_209_983, 314_159_269),
    (271_828_183, 1_000_000_007),
    (2_147_483_629, 999_999_937),
    (123_456_791, 1_618_033_989),
    (1_414_213_573, 1_732_050_811),
    (902_906_477, 1_097_345_887),
];
/// At least this many timed calls per panel, after one warm-up pass over its filters.
const CALLS: usize = 200;
/// Timed runs of each no-rollup scan (they take seconds each at full scale).
const SCAN_RUNS: usize = 5;

/// A deterministic pseudo-random number in `[0, P)` from the SQL integer expression `x` (a row
/// number or id below 2^31): an affine map, a squaring (so different salts are not just shifts
/// of one another) and another affine map, all modulo `P`. Plain integer arithmetic, so SQLite
/// and PostgreSQL generate the same rows.
fn rnd(x: &str, salt: usize) -> String {
    let (a, b) = MULT[salt % MULT.len()];
    let h = format!("((({x}) * {a} + {salt}) % {P})");
    format!("((({h} * {h}) % {P}) * {b} + {}) % {P}", 7 * salt + 1)
}

/// Sizes of the data set at a scale.
#[derive(Clone, Copy)]
struct Sizes {
    fans: i64,
    posts: i64,
    votes: i64,
    comments: i64,
    orders: i64,
    earlier_orders: i64,
    /// Rows of the hourly sales rollup (a year of the ledger over 20 channels and 50 SKUs).
    sales_hours: i64,
    events: i64,
    rsvps: i64,
    referrals: i64,
    devices: i64,
}

impl Sizes {
    fn at(scale: f64) -> Sizes {
        let n = |full: f64| ((full * scale).round() as i64).max(100);
        Sizes {
            fans: n(200_000.0),
            posts: n(1_000_000.0),
            votes: n(2_000_000.0),
            comments: n(500_000.0),
            orders: n(1_000_000.0),
            earlier_orders: n(200_000.0),
            sales_hours: n(1_000_000.0),
            events: n(5_000.0),
            rsvps: n(200_000.0),
            referrals: n(100_000.0),
            devices: n(150_000.0),
        }
    }
}

/// What the generator made that the measurements need.
struct Data {
    product_slug: String,
    big_campaign: i64,
    earlier_campaign: i64,
    votes: i64,
    reach: Reach,
}

/// What the generator made for the reach panels (channels, events, referrals, ecosystem).
#[derive(Default)]
struct Reach {
    channels: i64,
    skus: i64,
    sales_hourly: u64,
    sales_daily: u64,
    events: u64,
    rsvps: u64,
    no_shows: i64,
    referrals: u64,
    devices: u64,
    owners: i64,
}

/// The generator: one connection of its own, writing in a few big transactions.
struct Gen {
    conn: AnyConnection,
    backend: Backend,
    sizes: Sizes,
    /// Generation time: every generated instant is before it.
    now: Millis,
    /// A year before `now`: where fans and posts start.
    base: Millis,
    staff: i64,
    /// The first fan's id; fans have the next `sizes.fans` ids.
    fan0: i64,
}

impl Gen {
    /// `insert` (an `INSERT … SELECT … FROM <rows>` given the row source's name) over row
    /// numbers `i` in `0..n`: a recursive CTE on SQLite, `generate_series` on PostgreSQL.
    fn over_rows(backend: Backend, n: i64, insert: impl FnOnce(&str) -> String) -> String {
        match backend {
            Backend::Sqlite => format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) {}",
                n - 1,
                insert("n")
            ),
            // bigint from the start: `i * multiplier` must not be computed in int4.
            _ => insert(&format!("generate_series(CAST(0 AS BIGINT), {}) AS n(i)", n - 1)),
        }
    }

    async fn exec(conn: &mut AnyConnection, sql: String) -> BenchResult<u64> {
        Ok(sqlx::query(AssertSqlSafe(sql)).execute(conn).await?.rows_affected())
    }

    async fn scalar(conn: &mut AnyConnection, sql: String) -> BenchResult<i64> {
        Ok(sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(conn).await?)
    }

    /// The next free id of `table`: ids the hash formulas refer to are given explicitly.
    async fn next_id(&mut self, table: &str) -> BenchResult<i64> {
        Gen::scalar(&mut self.conn, format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")).await
    }

    async fn run(&mut self) -> BenchResult<Data> {
        if self.backend == Backend::Sqlite {
            // A loader's settings, on this connection only: the serving pools keep theirs.
            for pragma in
                ["PRAGMA synchronous = OFF", "PRAGMA cache_size = -400000", "PRAGMA temp_store = MEMORY"]
            {
                Gen::exec(&mut self.conn, pragma.into()).await?;
            }
        }
        let s = self.sizes;
        let (now, base, staff) = (self.now, self.base, self.staff);

        // Catalog: 3 categories (the ecosystem panel's kinds), 10 products spread over them.
        let t = Instant::now();
        let prod0 = self.next_id("products").await?;
        let mut tx = self.conn.begin().await?;
        let mut categories = Vec::new();
        for (c, (slug, zh, en)) in [
            ("bench-phone", "基准手机", "Bench phones"),
            ("bench-car", "基准汽车", "Bench cars"),
            ("bench-home", "基准家居", "Bench home"),
        ]
        .into_iter()
        .enumerate()
        {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO categories (slug, name_zh, name_en, position) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(slug)
            .bind(zh)
            .bind(en)
            .bind(c as i64)
            .fetch_one(&mut *tx)
            .await?;
            categories.push(id);
        }
        for k in 0..PRODUCTS {
            sqlx::query(
                "INSERT INTO products (id, slug, name, category_id, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(prod0 + k)
            .bind(format!("bench-p-{k}"))
            .bind(format!("基准产品 {k}"))
            .bind(categories[(k % 3) as usize])
            .bind(base)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;

        // Fans: sign-ups spread evenly over the year; 40 % say gender, age band and city tier;
        // points spread over the six levels, most fans low.
        let fan0 = self.next_id("users").await?;
        self.fan0 = fan0;
        let (r1, r2, r3) = (rnd("i", 1), rnd("i", 2), rnd("i", 3));
        let sql = Gen::over_rows(self.backend, s.fans, |rows| {
            format!(
                "INSERT INTO users (id, handle, handle_key, password_hash, role, bio, created_at, points, gender, \
                 age_band, city_tier) \
                 SELECT {fan0} + i, 'bench_fan_' || CAST(i AS TEXT), 'bench_fan_' || CAST(i AS TEXT), 'x', 'fan', '', \
                 {base} + i * {YEAR} / {n}, \
                 CASE WHEN lv < 50 THEN r2 % 50 WHEN lv < 75 THEN 50 + r2 % 150 WHEN lv < 90 THEN 200 + r2 % 400 \
                 WHEN lv < 97 THEN 600 + r2 % 900 WHEN lv < 99 THEN 1500 + r2 % 3500 ELSE 5000 + r2 % 10000 END, \
                 CASE WHEN said < 40 THEN CASE WHEN r3 % 20 < 9 THEN 'female' WHEN r3 % 20 < 18 THEN 'male' \
                 ELSE 'other' END END, \
                 CASE WHEN said < 40 THEN CASE (r3 / 20) % 6 WHEN 0 THEN 'under_18' WHEN 1 THEN '18_24' \
                 WHEN 2 THEN '25_34' WHEN 3 THEN '35_44' WHEN 4 THEN '45_54' ELSE '55_plus' END END, \
                 CASE WHEN said < 40 THEN CASE (r3 / 120) % 6 WHEN 0 THEN 'tier1' WHEN 1 THEN 'new_tier1' \
                 WHEN 2 THEN 'tier2' WHEN 3 THEN 'tier3' WHEN 4 THEN 'tier4_plus' ELSE 'abroad' END END \
                 FROM (SELECT i, {r1} % 100 AS said, {r2} AS r2, {r3} AS r3, ({r1} / 100) % 100 AS lv FROM {rows}) x",
                n = s.fans
            )
        });
        let mut tx = self.conn.begin().await?;
        Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        let fans_s = t.elapsed().as_secs_f64();

        // Posts: evenly over the year (ids in time order, as a real board's are), a random
        // product, an author among the fans signed up by then; 10 % acknowledged or further,
        // 3 % planned or further, 1 % shipped.
        let t = Instant::now();
        let post0 = self.next_id("posts").await?;
        let (np, nf) = (s.posts, s.fans);
        let (r1, r2, r3, r4) = (rnd("i", 4), rnd("i", 5), rnd("i", 6), rnd("i", 7));
        let sql = Gen::over_rows(self.backend, np, |rows| {
            format!(
                "INSERT INTO posts (id, product_id, author_id, kind, title, body, status, votes, comments, hot, \
                 created_at, updated_at) \
                 SELECT {post0} + i, {prod0} + r1 % {PRODUCTS}, {fan0} + r2 % (1 + i * {nf} / {np}), \
                 CASE r3 % 3 WHEN 0 THEN 'idea' WHEN 1 THEN 'bug' ELSE 'question' END, \
                 '基准帖子 ' || CAST(i AS TEXT), '合成的正文，第 ' || CAST(i AS TEXT) || ' 帖', \
                 CASE WHEN r4 < 10 THEN 'shipped' WHEN r4 < 30 THEN 'planned' WHEN r4 < 100 THEN 'acknowledged' \
                 ELSE 'new' END, 0, 0, 0.0, at, at \
                 FROM (SELECT i, {r1} AS r1, {r2} AS r2, {r3} AS r3, {r4} % 1000 AS r4, {base} + i * {YEAR} / {np} AS at \
                 FROM {rows}) x"
            )
        });
        let mut tx = self.conn.begin().await?;
        Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        let posts_s = t.elapsed().as_secs_f64();

        // Votes and comments: on a random post, by a fan signed up by the post's time, after
        // the post by a delay skewed to the first days (up to 30), never after `now`. The
        // posts' own vote and comment counters are left at 0: insights never reads them.
        let t = Instant::now();
        let at = format!("{base} + p * {YEAR} / {np}");
        // d0³ × 2.592 ms: up to 30 days, half within 3.75. `salt` picks the hashes, so
        // comments fall elsewhere than votes.
        let later = |rows: &str, salt: usize| {
            format!(
                "SELECT {post0} + p AS post_id, {fan0} + u % (1 + p * {nf} / {np}) AS user_id, \
                 at + (d0 * d0 * d0 * 2592 / 1000) % ({now} - at) AS created_at \
                 FROM (SELECT p, u, d0, {at} AS at FROM (SELECT {rp} % {np} AS p, {ru} AS u, {rd} % 1000 AS d0 \
                 FROM {rows}) a) b",
                rp = rnd("i", salt),
                ru = rnd("i", salt + 1),
                rd = rnd("i", salt + 2),
            )
        };
        let votes_sql = Gen::over_rows(self.backend, s.votes, |rows| {
            // Two random votes can pick the same fan and post (the key): keep the first.
            format!(
                "INSERT INTO votes (post_id, user_id, created_at) SELECT post_id, user_id, created_at FROM ({}) v \
                 WHERE 1 = 1 ON CONFLICT DO NOTHING",
                later(rows, 8)
            )
        });
        let comments_sql = Gen::over_rows(self.backend, s.comments, |rows| {
            format!(
                "INSERT INTO comments (post_id, author_id, body, official, created_at) \
                 SELECT post_id, user_id, '基准评论', 0, created_at FROM ({}) c",
                later(rows, 11)
            )
        });
        let mut tx = self.conn.begin().await?;
        let votes = Gen::exec(&mut tx, votes_sql).await? as i64;
        tx.commit().await?;
        let votes_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut tx = self.conn.begin().await?;
        Gen::exec(&mut tx, comments_sql).await?;
        tx.commit().await?;
        let comments_s = t.elapsed().as_secs_f64();

        // Status changes, each a while after the one before (acknowledged within 10 days,
        // planned within 30, shipped within 60), never after `now`.
        let t = Instant::now();
        let steps = format!(
            "SELECT id, status, t1, t2, t2 + d3 % ({now} - t2) AS t3 FROM \
             (SELECT id, status, t1, t1 + d2 % ({now} - t1) AS t2, d3 FROM \
             (SELECT id, status, created_at + d1 % ({now} - created_at) AS t1, d2, d3 FROM \
             (SELECT id, status, created_at, ({a}) % 1000 * 864000 AS d1, ({b}) % 1000 * 2592000 AS d2, \
             ({c}) % 1000 * 5184000 AS d3 FROM posts WHERE id >= {post0} AND status <> 'new') x) y) z",
            a = rnd("id", 14),
            b = rnd("id", 15),
            c = rnd("id", 0),
        );
        let mut tx = self.conn.begin().await?;
        for (from, to, time, statuses) in [
            ("new", "acknowledged", "t1", "'acknowledged', 'planned', 'shipped'"),
            ("acknowledged", "planned", "t2", "'planned', 'shipped'"),
            ("planned", "shipped", "t3", "'shipped'"),
        ] {
            Gen::exec(
                &mut tx,
                format!(
                    "INSERT INTO status_changes (post_id, from_status, to_status, actor_id, created_at) \
                     SELECT id, '{from}', '{to}', {staff}, {time} FROM ({steps}) s WHERE status IN ({statuses})"
                ),
            )
            .await?;
        }
        // A release per product and 30 days, published at the period's end (the one still
        // to come is a draft); it credits every other post shipped in its period.
        let months = (now - base) / (30 * DAY) + 1;
        for k in 0..PRODUCTS {
            for m in 0..months {
                let published = base + (m + 1) * 30 * DAY;
                let done = published <= now;
                sqlx::query(
                    "INSERT INTO releases (product_id, version, channel, planned_for, notes, status, created_by, \
                     created_at, published_by, published_at) VALUES ($1, $2, 'stable', $3, '', $4, $5, $6, $7, $8)",
                )
                .bind(prod0 + k)
                .bind(format!("bench-{m}"))
                .bind(format!("bench-{m}"))
                .bind(if done { "published" } else { "draft" })
                .bind(staff)
                .bind(base + m * 30 * DAY)
                .bind(done.then_some(staff))
                .bind(done.then_some(published))
                .execute(&mut *tx)
                .await?;
            }
        }
        Gen::exec(
            &mut tx,
            format!(
                "INSERT INTO release_posts (release_id, post_id) SELECT r.id, s.post_id FROM status_changes s \
                 JOIN posts p ON p.id = s.post_id JOIN releases r ON r.product_id = p.product_id \
                 AND r.version = 'bench-' || CAST((s.created_at - {base}) / {month} AS TEXT) \
                 WHERE s.to_status = 'shipped' AND s.post_id >= {post0} AND s.post_id % 2 = 0 \
                 AND r.status = 'published'",
                month = 30 * DAY
            ),
        )
        .await?;
        tx.commit().await?;
        let status_s = t.elapsed().as_secs_f64();

        // Two launches of the first product: one 120 days ago, and the big one 10 days ago.
        let t = Instant::now();
        let earlier_campaign = self.campaign(prod0, "上一代发布", now - 120 * DAY, s.earlier_orders).await?;
        let big_campaign = self.campaign(prod0, "百万订单发布", now - 10 * DAY, s.orders).await?;
        let launch_s = t.elapsed().as_secs_f64();

        let (reach, reach_steps) = self.reach(prod0).await?;

        let t = Instant::now();
        if self.backend == Backend::Postgres {
            // Explicit ids left the identity sequences behind.
            for table in ["products", "users", "posts", "orders", "channels", "skus", "events"] {
                Gen::exec(
                    &mut self.conn,
                    format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"),
                )
                .await?;
            }
            // What autovacuum does to a table soon after a bulk insert (statistics, visibility
            // map); a site that grew to this size has both.
            sqlx::raw_sql("VACUUM ANALYZE").execute(&mut self.conn).await?;
        }
        let finish_s = t.elapsed().as_secs_f64();
        println!(
            "insights_gen_steps: fans_s={fans_s:.1} posts_s={posts_s:.1} votes_s={votes_s:.1} comments_s={comments_s:.1} \
             status_releases_s={status_s:.1} launches_s={launch_s:.1} {reach_steps} vacuum_analyze_s={finish_s:.1}"
        );
        Ok(Data { product_slug: "bench-p-0".into(), big_campaign, earlier_campaign, votes, reach })
    }

    /// The reach panels' data: 19 channels besides the own shop, 5 SKUs a product and a year
    /// of the hourly sales rollup (with its daily one); events with their counters and RSVPs;
    /// referrals among the fans; devices owned across the three categories. Returns what it
    /// made and its steps' times (`key=value` for the generation line).
    async fn reach(&mut self, prod0: i64) -> BenchResult<(Reach, String)> {
        let s = self.sizes;
        let (now, base, staff, fan0, nf) = (self.now, self.base, self.staff, self.fan0, self.sizes.fans);
        let mut reach = Reach::default();

        // Channels: the own shop (migration 0027) and 19 more, the other four kinds in turn.
        let t = Instant::now();
        let ch0 = self.next_id("channels").await?;
        let sku0 = self.next_id("skus").await?;
        let mut tx = self.conn.begin().await?;
        for j in 0..19i64 {
            let (kind, name, fee_bps) = match j % 4 {
                0 => ("own_store", "小米之家", 0),
                1 => ("partner_online", "合作电商", 500),
                2 => ("franchise_store", "加盟店", 800),
                _ => ("authorized_store", "授权店", 1000),
            };
            let city = CITIES[j as usize % CITIES.len()];
            sqlx::query(
                "INSERT INTO channels (id, code, name, kind, city, fee_bps, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(ch0 + j)
            .bind(format!("bench-ch-{j}"))
            .bind(format!("{name}·{city} {j}"))
            .bind(kind)
            .bind((kind != "partner_online").then_some(city))
            .bind(fee_bps)
            .bind(base)
            .execute(&mut *tx)
            .await?;
        }
        // 5 SKUs a product, one of each tier and a second mid one.
        let price = "CASE t WHEN 0 THEN 99900 WHEN 1 THEN 199900 WHEN 2 THEN 299900 WHEN 3 THEN 499900 ELSE 149900 END";
        let sql = Gen::over_rows(self.backend, PRODUCTS * SKUS_PER_PRODUCT, |rows| {
            format!(
                "INSERT INTO skus (id, product_id, code, name, tier, unit_cost_fen, created_at, updated_at) \
                 SELECT {sku0} + i, {prod0} + i / {SKUS_PER_PRODUCT}, 'BENCH-SKU-' || CAST(i AS TEXT), \
                 '基准 SKU ' || CAST(i AS TEXT), \
                 CASE t WHEN 0 THEN 'entry' WHEN 1 THEN 'mid' WHEN 2 THEN 'upper' WHEN 3 THEN 'flagship' ELSE 'mid' END, \
                 ({price}) * 7 / 10, {base}, {base} FROM (SELECT i, i % {SKUS_PER_PRODUCT} AS t FROM {rows}) x"
            )
        });
        Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        let channels: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, fee_bps FROM channels ORDER BY id").fetch_all(&mut self.conn).await?;
        let skus = PRODUCTS * SKUS_PER_PRODUCT;
        reach.channels = channels.len() as i64;
        reach.skus = skus;
        // Row i is hour `i % HOURS` of the last 365 days and, within that hour, the
        // (channel, SKU) pair `(start + (i / HOURS) × 1009) % pairs`: distinct pairs within an
        // hour (1009 is prime) while an hour has fewer rows than pairs, each hour starting at a
        // pair of its own. The own shop sells three times what another channel does.
        let pairs = reach.channels * skus;
        if s.sales_hours > pairs * HOURS {
            return Err("--scale too large for the sales rollup's (hour, channel, SKU) keys".into());
        }
        let channel_id = format!(
            "CASE c {} END",
            channels
                .iter()
                .enumerate()
                .map(|(c, (id, _))| format!("WHEN {c} THEN {id} "))
                .collect::<String>()
        );
        let fee_bps = format!(
            "CASE c {} END",
            channels
                .iter()
                .enumerate()
                .map(|(c, (_, fee))| format!("WHEN {c} THEN {fee} "))
                .collect::<String>()
        );
        let hour0 = (now / HOUR - HOURS + 1) * HOUR;
        let (r1, r2) = (rnd("h", 9), rnd("i", 10));
        let sql = Gen::over_rows(self.backend, s.sales_hours, |rows| {
            format!(
                "INSERT INTO sales_hourly (hour, channel_id, sku_id, quantity, revenue_fen, cost_fen, fee_fen) \
                 SELECT hour, {channel_id}, {sku0} + k, q, q * p, q * p * 7 / 10, q * p * ({fee_bps}) / 10000 \
                 FROM (SELECT hour, c, k, q, CASE k % {SKUS_PER_PRODUCT} WHEN 0 THEN 99900 WHEN 1 THEN 199900 \
                 WHEN 2 THEN 299900 WHEN 3 THEN 499900 ELSE 149900 END AS p \
                 FROM (SELECT {hour0} + h * {HOUR} AS hour, pair / {skus} AS c, pair % {skus} AS k, \
                 CASE WHEN pair / {skus} = 0 THEN 3 ELSE 1 END * (1 + r % 4) AS q \
                 FROM (SELECT h, ({r1} + j * 1009) % {pairs} AS pair, {r2} AS r \
                 FROM (SELECT i, i % {HOURS} AS h, i / {HOURS} AS j FROM {rows}) a) b) x) y"
            )
        });
        let mut tx = self.conn.begin().await?;
        reach.sales_hourly = Gen::exec(&mut tx, sql).await?;
        reach.sales_daily = Gen::exec(
            &mut tx,
            format!(
                "INSERT INTO sales_daily (day, channel_id, sku_id, quantity, revenue_fen, cost_fen, fee_fen) \
                 SELECT hour - hour % {DAY}, channel_id, sku_id, SUM(quantity), SUM(revenue_fen), SUM(cost_fen), \
                 SUM(fee_fen) FROM sales_hourly WHERE sku_id >= {sku0} GROUP BY hour - hour % {DAY}, channel_id, sku_id"
            ),
        )
        .await?;
        tx.commit().await?;
        let channels_s = t.elapsed().as_secs_f64();

        // Events: evenly from a year ago to two weeks ahead, one in ten a festival; places
        // 60–100 % held (a waitlist when full), 70–95 % of the held checked in once started.
        let t = Instant::now();
        let ev0 = self.next_id("events").await?;
        let ne = s.events;
        let city = |x: &str| {
            format!(
                "CASE ({x}) % {} {} END",
                CITIES.len(),
                CITIES.iter().enumerate().map(|(k, c)| format!("WHEN {k} THEN '{c}' ")).collect::<String>()
            )
        };
        let (r1, r2, r3) = (rnd("i", 11), rnd("i", 12), rnd("i", 13));
        let sql = Gen::over_rows(self.backend, ne, |rows| {
            format!(
                "INSERT INTO events (id, title, kind, city, venue, starts_at, ends_at, time_zone, capacity, \
                 rsvp_opens_at, rsvp_closes_at, max_guests, priority_hours, offer_hours, description, held, waiting, \
                 checked_in, ticket_seed, ticket_public_key, no_shows_at, created_by, created_at) \
                 SELECT {ev0} + i, CASE WHEN festival THEN '米粉节 ' ELSE '同城会 ' END || CAST(i AS TEXT), \
                 CASE WHEN festival THEN 'festival' ELSE 'meetup' END, {city}, '基准场地', at, at + 10800000, \
                 'Asia/Shanghai', capacity, at - {two_weeks}, at - 3600000, 1, 0, 24, '', held, \
                 CASE WHEN held = capacity THEN r3 % 100 ELSE 0 END, \
                 CASE WHEN at <= {now} THEN held * (70 + r3 % 26) / 100 ELSE 0 END, 'bench', 'bench', \
                 CASE WHEN at + {DAY} <= {now} THEN at + {DAY} END, {staff}, at - {month} \
                 FROM (SELECT i, r1, r3, festival, at, capacity, \
                 CASE WHEN r2 % 41 = 40 THEN capacity ELSE capacity * (60 + r2 % 41) / 100 END AS held \
                 FROM (SELECT i, r1, r2, r3, r1 % 10 = 0 AS festival, {base} + i * {span} / {ne} AS at, \
                 CASE WHEN r1 % 10 = 0 THEN 1000 + r2 % 4000 ELSE 30 + r2 % 270 END AS capacity \
                 FROM (SELECT i, {r1} AS r1, {r2} AS r2, {r3} AS r3 FROM {rows}) a) b) x",
                city = city("r1 / 10"),
                two_weeks = 14 * DAY,
                month = 30 * DAY,
                span = YEAR + 14 * DAY,
            )
        });
        let mut tx = self.conn.begin().await?;
        reach.events = Gen::exec(&mut tx, sql).await?;
        // RSVPs: a random fan for each, on events in turn; 80 % confirmed (and, of the past
        // events' confirmed, 85 % checked in and 10 % no-shows), the rest waitlisted or ended.
        let (r1, r2) = (rnd("i", 14), rnd("i", 15));
        let sql = Gen::over_rows(self.backend, s.rsvps, |rows| {
            format!(
                "INSERT INTO event_rsvps (event_id, user_id, guests, status, created_at, updated_at, confirmed_at, \
                 checked_in_at, no_show) \
                 SELECT e.id, {fan0} + x.r1 % {nf}, 0, \
                 CASE WHEN x.s < 80 THEN 'confirmed' WHEN x.s < 88 THEN 'waitlisted' WHEN x.s < 95 THEN 'cancelled' \
                 ELSE 'expired' END, e.starts_at - {two_weeks} + x.r2 % {thirteen_days}, \
                 e.starts_at - {two_weeks} + x.r2 % {thirteen_days}, \
                 CASE WHEN x.s < 80 THEN e.starts_at - {two_weeks} + x.r2 % {thirteen_days} END, \
                 CASE WHEN x.s < 80 AND e.starts_at <= {now} AND x.t < 85 THEN e.starts_at + 600000 END, \
                 CASE WHEN x.s < 80 AND e.starts_at + {DAY} <= {now} AND x.t >= 90 THEN 1 ELSE 0 END \
                 FROM (SELECT i, {ev0} + i % {ne} AS ev, {r1} AS r1, {r2} AS r2, ({r1} / {nf}) % 100 AS s, \
                 ({r2} / 1000) % 100 AS t FROM {rows}) x JOIN events e ON e.id = x.ev \
                 WHERE 1 = 1 ON CONFLICT DO NOTHING",
                two_weeks = 14 * DAY,
                thirteen_days = 13 * DAY,
            )
        });
        reach.rsvps = Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        reach.no_shows = Gen::scalar(
            &mut self.conn,
            format!("SELECT COUNT(*) FROM event_rsvps WHERE event_id >= {ev0} AND no_show = 1"),
        )
        .await?;
        let events_s = t.elapsed().as_secs_f64();

        // Referrals: invitees spread evenly over the fans (each invited once, the referral
        // made when they signed up), referred by a fan who joined before them; 40 % pending,
        // 5 % held for review, 20 % qualified, 25 % rewarded, 10 % rejected.
        let t = Instant::now();
        let nr = s.referrals.min(nf - 1);
        let (r1, r2) = (rnd("i", 1), rnd("i", 3));
        let sql = Gen::over_rows(self.backend, nr, |rows| {
            format!(
                "INSERT INTO referrals (referrer_id, invitee_id, status, reason, created_at, qualified_at, \
                 rewarded_at, updated_at) \
                 SELECT CASE WHEN f = 0 THEN {fan0} + 1 ELSE {fan0} + r1 % f END, {fan0} + f, \
                 CASE WHEN s < 40 THEN 'pending' WHEN s < 45 THEN 'held' WHEN s < 65 THEN 'qualified' \
                 WHEN s < 90 THEN 'rewarded' ELSE 'rejected' END, \
                 CASE WHEN s >= 90 THEN 'same_device' END, at, \
                 CASE WHEN s >= 45 AND s < 90 THEN at + {ten_days} END, CASE WHEN s >= 65 AND s < 90 THEN at + {ten_days} END, \
                 at FROM (SELECT f, r1, s, {base} + f * {YEAR} / {nf} AS at \
                 FROM (SELECT i * {nf} / {nr} AS f, {r1} AS r1, {r2} % 100 AS s FROM {rows}) a) x",
                ten_days = 10 * DAY,
            )
        });
        let mut tx = self.conn.begin().await?;
        reach.referrals = Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        let referrals_s = t.elapsed().as_secs_f64();

        // Owned devices: a random product (so a random category of three) and a random owner
        // among half the fans — 1.5 devices an owner on average, many owning two or three
        // kinds; 3 % released (no owner now).
        let t = Instant::now();
        let owners = (nf / 2).max(1);
        let (r1, r2, r3) = (rnd("i", 4), rnd("i", 6), rnd("i", 8));
        let sql = Gen::over_rows(self.backend, s.devices, |rows| {
            format!(
                "INSERT INTO owned_devices (product_id, serial, owner_id, owned_since, owned_via, purchased_at, \
                 released_at, created_at, updated_at) \
                 SELECT {prod0} + r2 % {PRODUCTS}, 'BENCH-SN-' || CAST(i AS TEXT), \
                 CASE WHEN released THEN NULL ELSE {fan0} + r1 % {owners} END, at, 'claim', at, \
                 CASE WHEN released THEN at + {DAY} END, at, at \
                 FROM (SELECT i, r1, r2, r3 % 100 < 3 AS released, {base} + r3 % {YEAR} AS at \
                 FROM (SELECT i, {r1} AS r1, {r2} AS r2, {r3} AS r3 FROM {rows}) a) x"
            )
        });
        let mut tx = self.conn.begin().await?;
        reach.devices = Gen::exec(&mut tx, sql).await?;
        tx.commit().await?;
        reach.owners = Gen::scalar(
            &mut self.conn,
            "SELECT COUNT(DISTINCT owner_id) FROM owned_devices WHERE owner_id IS NOT NULL".into(),
        )
        .await?;
        let devices_s = t.elapsed().as_secs_f64();
        Ok((
            reach,
            format!(
                "channels_sales_s={channels_s:.1} events_s={events_s:.1} referrals_s={referrals_s:.1} \
                 devices_s={devices_s:.1}"
            ),
        ))
    }

    /// A launch campaign of `product` opened at `opened` with `n` orders over two FCFS waves
    /// (one per SKU), their launch orders in a realistic mix of kinds and states, and the
    /// per-state and per-minute tallies the launch engine keeps beside them.
    async fn campaign(&mut self, product: i64, title: &str, opened: Millis, n: i64) -> BenchResult<i64> {
        let (staff, fan0) = (self.staff, self.fan0);
        let order0 = self.next_id("orders").await?;
        let mut tx = self.conn.begin().await?;
        let campaign: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (product_id, title, teaser_at, reveal_at, reserve_opens_at, reserve_closes_at, \
             account_cutoff_at, fan_lane_places, general_places, hold_ms, refund_window_ms, fan_lane_taken, \
             general_taken, created_by, created_at) VALUES ($1, $2, $3, $4, $4, $5, $4, $6, $7, 900000, $8, $9, $10, \
             $11, $12) RETURNING id",
        )
        .bind(product)
        .bind(title)
        .bind(opened - 14 * DAY)
        .bind(opened - 7 * DAY)
        .bind(opened - 3_600_000)
        .bind(n / 2)
        .bind(n)
        .bind(7 * DAY)
        .bind(n * 3 / 10)
        .bind(n / 2)
        .bind(staff)
        .bind(opened - 15 * DAY)
        .fetch_one(&mut *tx)
        .await?;
        let mut waves = Vec::new();
        for (position, (code, name, price)) in [
            (format!("BENCH-{campaign}-STD"), "标准版", 199_900i64),
            (format!("BENCH-{campaign}-PRO"), "Pro 版", 299_900),
        ]
        .into_iter()
        .enumerate()
        {
            sqlx::query(
                "INSERT INTO campaign_skus (campaign_id, position, code, name, price_fen, small_deposit_fen, \
                 big_deposit_fen) VALUES ($1, $2, $3, $4, $5, 10000, 50000)",
            )
            .bind(campaign)
            .bind(position as i64)
            .bind(&code)
            .bind(name)
            .bind(price)
            .execute(&mut *tx)
            .await?;
            let wave: i64 = sqlx::query_scalar(
                "INSERT INTO waves (product_id, sku, quantity, mode, per_fan_limit, starts_at, ends_at, eligibility, \
                 channels, created_by, created_at, campaign_id) \
                 VALUES ($1, $2, $3, 'fcfs', 5, $4, $5, 'everyone', '{}', $6, $7, $8) RETURNING id",
            )
            .bind(product)
            .bind(&code)
            .bind(n)
            .bind(opened)
            .bind(opened + LAUNCH_SPAN)
            .bind(staff)
            .bind(opened - 7 * DAY)
            .bind(campaign)
            .fetch_one(&mut *tx)
            .await?;
            waves.push((wave, code));
        }
        let ((wa, sku_a), (wb, sku_b)) = (waves[0].clone(), waves[1].clone());
        // Placed at `opened + span × (x + 99x³) / 100`, x = i / n: ~23,000 a minute at the
        // opening, a tenth of them in the first 10 minutes, then a long tail.
        let (r1, r2) = (rnd("i", 1), rnd("i", 2));
        let sql = Gen::over_rows(self.backend, n, |rows| {
            format!(
                "INSERT INTO orders (id, wave_id, user_id, seq, lane, idempotency_key, body_hash, status, created_at) \
                 SELECT {order0} + i, CASE WHEN i % 3 = 0 THEN {wb} ELSE {wa} END, {fan0} + r1 % {nf}, i + 1, \
                 CASE WHEN r2 % 10 < 3 THEN 'fan' ELSE 'general' END, 'bench-' || CAST(i AS TEXT), 'h', 'placed', \
                 {opened} + CAST((x + 99 * x * x * x) / 100 * {LAUNCH_SPAN} AS BIGINT) \
                 FROM (SELECT i, {r1} AS r1, {r2} AS r2, CAST(i AS DOUBLE PRECISION) / {n} AS x FROM {rows}) o",
                nf = self.sizes.fans
            )
        });
        Gen::exec(&mut tx, sql).await?;
        // 70 % paid in full, 10 % small deposits, 5 % big deposits locked, then refunds,
        // returns, expiries and cancellations; 1 % flagged by the anti-scalper checks.
        Gen::exec(
            &mut tx,
            format!(
                "INSERT INTO launch_orders (order_id, campaign_id, user_id, sku_code, kind, state, amount_fen, \
                 buyer_name, hold_expires_at, paid_at, refundable_until, locked_at, flags, created_at, updated_at) \
                 SELECT id, {campaign}, user_id, CASE WHEN wave_id = {wb} THEN '{sku_b}' ELSE '{sku_a}' END, \
                 CASE WHEN s < 70 THEN 'full' WHEN s < 80 THEN 'small' WHEN s < 85 THEN 'big' ELSE 'full' END, \
                 CASE WHEN s < 70 THEN 'paid' WHEN s < 80 THEN 'deposited' WHEN s < 85 THEN 'locked' \
                 WHEN s < 88 THEN 'refunded' WHEN s < 90 THEN 'returned' WHEN s < 97 THEN 'expired' \
                 ELSE 'cancelled' END, \
                 CASE WHEN s < 70 OR s >= 85 THEN 199900 ELSE 10000 END, 'bench', created_at + 900000, \
                 CASE WHEN s < 90 THEN created_at + 60000 END, \
                 CASE WHEN s < 70 THEN created_at + 60000 + {refund} END, \
                 CASE WHEN s >= 80 AND s < 85 THEN created_at + 120000 END, \
                 CASE WHEN f = 0 THEN 'velocity' ELSE '' END, created_at, created_at \
                 FROM (SELECT id, user_id, wave_id, created_at, {s} % 100 AS s, {f} % 100 AS f FROM orders \
                 WHERE id >= {order0} AND id < {end}) o",
                refund = 7 * DAY,
                s = rnd("id", 3),
                f = rnd("id", 4),
                end = order0 + n
            ),
        )
        .await?;
        // The tallies as migration 0016 builds them from the orders.
        Gen::exec(
            &mut tx,
            format!(
                "INSERT INTO launch_tallies (campaign_id, kind, state, shard, n) SELECT campaign_id, kind, state, \
                 order_id % 8, COUNT(*) FROM launch_orders WHERE campaign_id = {campaign} \
                 GROUP BY campaign_id, kind, state, order_id % 8"
            ),
        )
        .await?;
        Gen::exec(
            &mut tx,
            format!(
                "INSERT INTO launch_minutes (campaign_id, minute, shard, n) SELECT campaign_id, created_at / 60000, \
                 order_id % 8, COUNT(*) FROM launch_orders WHERE campaign_id = {campaign} \
                 GROUP BY campaign_id, created_at / 60000, order_id % 8"
            ),
        )
        .await?;
        for wave in [wa, wb] {
            Gen::exec(
                &mut tx,
                format!("UPDATE waves SET sold = (SELECT COUNT(*) FROM orders WHERE wave_id = {wave}) WHERE id = {wave}"),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(campaign)
    }
}

/// One filter of a panel's mix, named for the report.
struct Case {
    name: String,
    filter: Filter,
}

fn percentiles(samples: &mut [f64]) -> (f64, f64, f64) {
    samples.sort_by(f64::total_cmp);
    (
        crate::percentile(samples, 0.5),
        crate::percentile(samples, 0.99),
        samples.last().copied().unwrap_or(f64::NAN),
    )
}

/// One panel as the API answers it: assembled, then serialised to JSON.
async fn answer(app: &App, auth: &Auth, panel: Panel, filter: &Filter) -> BenchResult<f64> {
    let t = Instant::now();
    let out = insights::panel(app, auth, panel, filter, Locale::ZhCn).await?;
    let json = serde_json::to_vec(&out)?;
    std::hint::black_box(json.len());
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

/// Times `panel` over `cases`: one warm-up pass, then passes until at least [`CALLS`] calls.
/// Prints the panel's percentiles and each case's; returns each case's median.
async fn measure_panel(app: &App, auth: &Auth, panel: Panel, cases: &[Case]) -> BenchResult<Vec<f64>> {
    for case in cases {
        answer(app, auth, panel, &case.filter).await?;
    }
    let mut per_case: Vec<Vec<f64>> = vec![Vec::new(); cases.len()];
    for _ in 0..CALLS.div_ceil(cases.len()) {
        for (case, samples) in cases.iter().zip(per_case.iter_mut()) {
            samples.push(answer(app, auth, panel, &case.filter).await?);
        }
    }
    let mut all: Vec<f64> = per_case.iter().flatten().copied().collect();
    let (p50, p99, max) = percentiles(&mut all);
    println!(
        "insights_panel: panel={} calls={} p50_ms={p50:.2} p99_ms={p99:.2} max_ms={max:.2}",
        panel.as_str(),
        all.len()
    );
    let mut medians = Vec::new();
    for (case, samples) in cases.iter().zip(per_case.iter_mut()) {
        let (p50, p99, max) = percentiles(samples);
        println!(
            "insights_case: panel={} case={} calls={} p50_ms={p50:.2} p99_ms={p99:.2} max_ms={max:.2}",
            panel.as_str(),
            case.name,
            samples.len()
        );
        medians.push(p50);
    }
    Ok(medians)
}

/// Times a no-rollup scan: one warm-up run, then [`SCAN_RUNS`]; returns the median.
async fn measure_scan(
    conn: &mut AnyConnection,
    name: &str,
    queries: &[String],
    rollup_ms: f64,
) -> BenchResult<f64> {
    let mut samples = Vec::new();
    for run in 0..=SCAN_RUNS {
        let t = Instant::now();
        let mut rows = 0;
        for q in queries {
            rows += sqlx::query(AssertSqlSafe(q.clone())).fetch_all(&mut *conn).await?.len();
        }
        if run > 0 {
            samples.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        std::hint::black_box(rows);
    }
    let (p50, p99, max) = percentiles(&mut samples);
    println!(
        "insights_scan: query={name} runs={} p50_ms={p50:.1} p99_ms={p99:.1} max_ms={max:.1} rollup_panel_p50_ms={rollup_ms:.2} \
         ratio={:.0}",
        samples.len(),
        p50 / rollup_ms
    );
    Ok(p50)
}

pub async fn run(args: &[String]) -> BenchResult<()> {
    let url = crate::arg(args, "--database-url").ok_or("--database-url")?;
    let scale: f64 = crate::arg(args, "--scale").map_or(Ok(1.0), |v| v.parse())?;
    let sizes = Sizes::at(scale);
    let store = Store::open(&url).await?;
    let index_dir = tempfile::tempdir()?;
    let index = Arc::new(canyu_text::SearchIndex::open(index_dir.path())?);
    let app = App::new(store.clone(), index, AppConfig::default());
    let now = app.now();
    let base = now - YEAR;

    // Staff read the panels; an API token's Auth is the one with no session to keep.
    let auth = crate::staff_auth(&store, base).await?;
    let staff = auth.user.clone();

    let t = Instant::now();
    let mut generator = Gen {
        conn: AnyConnection::connect(&url).await?,
        backend: store.backend(),
        sizes,
        now,
        base,
        staff: staff.id,
        fan0: 0,
    };
    let data = generator.run().await?;
    generator.conn.close().await?;
    println!(
        "insights_data: scale={scale} fans={} posts={} votes={} comments={} orders={} earlier_orders={} gen_s={:.1}",
        sizes.fans,
        sizes.posts,
        data.votes,
        sizes.comments,
        sizes.orders,
        sizes.earlier_orders,
        t.elapsed().as_secs_f64()
    );
    let r = &data.reach;
    println!(
        "insights_reach_data: channels={} skus={} sales_hourly={} sales_daily={} events={} rsvps={} no_shows={} \
         referrals={} owned_devices={} owners={}",
        r.channels,
        r.skus,
        r.sales_hourly,
        r.sales_daily,
        r.events,
        r.rsvps,
        r.no_shows,
        r.referrals,
        r.devices,
        r.owners
    );

    let t = Instant::now();
    let rebuilt = rollup::rebuild(&app, |_, _| {}).await?;
    println!(
        "insights_rebuild: days={} weeks={} secs={:.1}",
        rebuilt.days,
        rebuilt.weeks,
        t.elapsed().as_secs_f64()
    );
    let mut rounds = Vec::new();
    let mut rolled = rollup::Rolled::default();
    for _ in 0..5 {
        let t = Instant::now();
        rolled = rollup::roll(&app).await?;
        rounds.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (median, _, max) = percentiles(&mut rounds);
    println!(
        "insights_roll: rounds=5 median_ms={median:.1} max_ms={max:.1} days={} weeks={}",
        rolled.days, rolled.weeks
    );

    // The filters: the last 30 days by day, the last year by week and by month, each for the
    // whole site and for one product.
    let zone = &app.config().time_zone;
    let today = zone.start_of_day(now);
    let day_before = |days: i64| zone.date(zone.start_of_day(today - days * DAY + DAY / 2));
    let mut cases = Vec::new();
    for (range, from, granularity) in [
        ("30d_day", day_before(29), "day"),
        ("365d_week", day_before(364), "week"),
        ("365d_month", day_before(364), "month"),
    ] {
        for product in [None, Some(data.product_slug.clone())] {
            cases.push(Case {
                name: format!("{range}_{}", if product.is_some() { "product" } else { "site" }),
                filter: Filter {
                    product,
                    from: Some(from.clone()),
                    to: Some(zone.date(today)),
                    granularity: Some(granularity.into()),
                    campaign: None,
                },
            });
        }
    }
    let year_site = cases.iter().position(|c| c.name == "365d_week_site").ok_or("case")?;
    let launch_cases: Vec<Case> = [
        ("newest", None, None),
        ("big", None, Some(data.big_campaign)),
        ("product_newest", Some(data.product_slug.clone()), None),
        ("earlier", None, Some(data.earlier_campaign)),
    ]
    .into_iter()
    .map(|(name, product, campaign)| Case {
        name: name.into(),
        filter: Filter { product, campaign, ..Filter::default() },
    })
    .collect();

    let co_creation = measure_panel(&app, &auth, Panel::CoCreation, &cases).await?;
    let board = measure_panel(&app, &auth, Panel::Board, &cases).await?;
    measure_panel(&app, &auth, Panel::Users, &cases).await?;
    measure_panel(&app, &auth, Panel::Launch, &launch_cases).await?;

    // The reach panels: channels over the same mix; referrals over its site-wide ranges (the
    // panel has no product filter); events over 30 and 365 days; the ecosystem as it is now.
    let channels = measure_panel(&app, &auth, Panel::Channels, &cases).await?;
    let site_cases: Vec<Case> = cases
        .iter()
        .filter(|c| c.filter.product.is_none())
        .map(|c| Case { name: c.name.clone(), filter: c.filter.clone() })
        .collect();
    let referrals = measure_panel(&app, &auth, Panel::Referrals, &site_cases).await?;
    let year_site_only = site_cases.iter().position(|c| c.name == "365d_week_site").ok_or("case")?;
    let event_cases: Vec<Case> = [("30d", day_before(29)), ("365d", day_before(364))]
        .into_iter()
        .map(|(name, from)| Case {
            name: name.into(),
            filter: Filter { from: Some(from), to: Some(zone.date(today)), ..Filter::default() },
        })
        .collect();
    measure_panel(&app, &auth, Panel::Events, &event_cases).await?;
    measure_panel(&app, &auth, Panel::Ecosystem, &[Case { name: "all".into(), filter: Filter::default() }])
        .await?;

    // The baseline: the same year's series without rollups, grouped by China's day (UTC+8)
    // straight from the rows, on a connection with the serving readers' SQLite cache size.
    let mut conn = AnyConnection::connect(&url).await?;
    if store.backend() == Backend::Sqlite {
        for pragma in ["PRAGMA cache_size = -32000", "PRAGMA temp_store = MEMORY"] {
            sqlx::query(pragma).execute(&mut conn).await?;
        }
    }
    let (a, b) = (zone.start_of_day(today - 364 * DAY + DAY / 2), zone.next_day(today));
    let per_day = |table: &str| {
        format!(
            "SELECT (created_at + 28800000) / 86400000 AS d, COUNT(*) AS n FROM {table} \
             WHERE created_at >= {a} AND created_at < {b} GROUP BY (created_at + 28800000) / 86400000"
        )
    };
    measure_scan(
        &mut conn,
        "board_posts_votes_comments_per_day_365d",
        &[per_day("posts"), per_day("votes"), per_day("comments")],
        board[year_site],
    )
    .await?;
    let reached = |statuses: &str| {
        format!(
            "SUM(CASE WHEN EXISTS (SELECT 1 FROM status_changes s WHERE s.post_id = p.id AND s.to_status IN ({statuses})) \
             THEN 1 ELSE 0 END)"
        )
    };
    let funnel = format!(
        "SELECT (p.created_at + 28800000) / 86400000 AS d, COUNT(*) AS posted, {} AS acknowledged, {} AS planned, \
         {} AS shipped FROM posts p WHERE p.created_at >= {a} AND p.created_at < {b} \
         GROUP BY (p.created_at + 28800000) / 86400000",
        reached("'acknowledged', 'planned', 'in_progress', 'shipped'"),
        reached("'planned', 'in_progress', 'shipped'"),
        reached("'shipped'")
    );
    measure_scan(&mut conn, "co_creation_funnel_per_day_365d", &[funnel], co_creation[year_site]).await?;
    // What the channels and referrals panels read before the day rollup: the ledger's hourly
    // rollup and the referrals themselves, grouped by local day in SQL.
    let channel_days = format!(
        "SELECT (hour + 28800000) / 86400000 AS d, channel_id, CAST(SUM(quantity) AS BIGINT) AS q, \
         CAST(SUM(revenue_fen) AS BIGINT) AS r FROM sales_hourly WHERE hour >= {a} AND hour < {b} \
         GROUP BY (hour + 28800000) / 86400000, channel_id"
    );
    measure_scan(&mut conn, "channels_hourly_rollup_per_day_365d", &[channel_days], channels[year_site])
        .await?;
    let referral_days = format!(
        "SELECT (created_at + 28800000) / 86400000 AS d, status, COUNT(*) AS n FROM referrals \
         WHERE created_at >= {a} AND created_at < {b} GROUP BY (created_at + 28800000) / 86400000, status"
    );
    measure_scan(&mut conn, "referrals_per_day_365d", &[referral_days], referrals[year_site_only]).await?;
    conn.close().await?;
    Ok(())
}
