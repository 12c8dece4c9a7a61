use crate::accounts::PasswordCost;
use crate::cache::ReadCache;
use crate::error::AppResult;
use crate::ratelimit::RateLimiter;
use canyu_core::release::Weekday;
use canyu_launch::embedded::EmbeddedEngine;
use canyu_launch::engine::StockEngine;
use canyu_store::{Campaign, Store, StoreResult, Wave};
use canyu_text::SearchIndex;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct AppConfig {
    /// Mark cookies `Secure` (serve over HTTPS).
    pub secure_cookies: bool,
    pub session_ttl: Duration,
    pub api_token_ttl: Duration,
    /// Login and registration attempts allowed per client address per minute.
    pub auth_attempts_per_minute: u32,
    /// Writes (posts, comments, votes) allowed per user per minute.
    pub writes_per_minute: u32,
    pub password_cost: PasswordCost,
    /// Trust the first address of `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_forwarded_for: bool,
    /// The weekly release train's day: a new release is planned for the next one.
    pub release_weekday: Weekday,
    /// Order attempts allowed per fan per minute (a flood from one fan gets 429).
    pub orders_per_minute: u32,
    /// The key payment providers sign their notifications with (HMAC-SHA256 of the body);
    /// `None`: the notification endpoint answers 503.
    pub payment_secret: Option<Vec<u8>>,
    /// A "pay" button that records a payment without a provider: for the demo only.
    pub simulated_payments: bool,
    /// When set, /metrics answers only requests with `Authorization: Bearer <this>`.
    pub metrics_token: Option<String>,
    /// How long a connection may take to send a request's headers, counted from when the
    /// server starts waiting for them: a socket that sends nothing, trickles a partial header
    /// or sits idle between keep-alive requests longer than this is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen backlog.
    pub max_connections: usize,
    /// Let webhooks point at private, loopback and link-local addresses (a receiver on the
    /// operator's own network). Off: staff could otherwise aim the server at its own network.
    pub webhooks_allow_private: bool,
    /// The site's time zone: pages show times in it, and the times staff type into forms
    /// are read in it (default `Asia/Shanghai`).
    pub time_zone: canyu_core::time::Zone,
    /// The margin pledge: a price whose unit net margin is above this (bps) needs an admin's
    /// reason (default 500: 5 %).
    pub margin_cap_bps: i64,
    /// 价保: how many days after a purchase a price drop on the own channel is credited
    /// (default 15; 0: never).
    pub price_protection_days: i64,
    /// Fan events: how many no-shows, in how many days, cost the priority window for how long.
    pub no_show_rule: canyu_core::event::NoShowRule,
    /// 人车家: days a released device waits before anyone but the named fan may claim it.
    pub device_cooling_off_days: i64,
    /// 口碑: rewards one referrer collects per calendar month (the site's zone); the rest
    /// wait, qualified, for a later month. 0: referrals earn no points.
    pub referral_monthly_cap: i64,
    /// 口碑: reaching this level also qualifies an invitee (`None`: only an order does).
    pub referral_qualify_level: Option<u8>,
    /// 口碑 perks: a fan one of whose referrals was rewarded may take a campaign's fan lane
    /// when reserving, and is admitted to a beta group as they apply (seats permitting).
    pub referral_fan_lane: bool,
    pub referral_beta_priority: bool,
    /// Where the site is reached from outside (`https://fans.example.com`), for links fans
    /// share; empty: links are relative to the site.
    pub public_url: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            secure_cookies: false,
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            api_token_ttl: Duration::from_secs(90 * 24 * 3600),
            auth_attempts_per_minute: 20,
            writes_per_minute: 120,
            password_cost: PasswordCost::Standard,
            trust_forwarded_for: false,
            release_weekday: Weekday::Friday,
            orders_per_minute: 30,
            payment_secret: None,
            simulated_payments: false,
            metrics_token: None,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 10_000,
            webhooks_allow_private: false,
            time_zone: canyu_core::time::Zone::china(),
            margin_cap_bps: canyu_core::pricing::DEFAULT_MARGIN_CAP_BPS,
            price_protection_days: canyu_core::pricing::DEFAULT_PRICE_PROTECTION_DAYS,
            no_show_rule: canyu_core::event::NoShowRule::default(),
            device_cooling_off_days: canyu_core::ownership::DEFAULT_COOLING_OFF_DAYS,
            referral_monthly_cap: canyu_core::referral::DEFAULT_MONTHLY_CAP,
            referral_qualify_level: None,
            referral_fan_lane: false,
            referral_beta_priority: false,
            public_url: String::new(),
        }
    }
}

/// How big the site is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SiteCounts {
    pub posts: i64,
    pub votes: i64,
    pub users: i64,
}

/// What every request handler shares. One `Arc` around the parts: a request clones the state
/// for each middleware layer and for its handler, and cloning a struct of a dozen `Arc`s was
/// a dozen atomic increments and decrements each time (5 % of the CPU time of a drop, `perf`).
#[derive(Clone)]
pub struct App(Arc<AppParts>);

impl std::ops::Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

#[derive(Clone)]
pub struct AppParts {
    pub(crate) store: Store,
    pub(crate) search: Arc<SearchIndex>,
    pub(crate) config: Arc<AppConfig>,
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) cache: Arc<ReadCache>,
    /// A clock that tests may replace, e.g. to expire a token without waiting.
    pub(crate) clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Signs links that work without signing in (unsubscribe). `serve` loads a persistent
    /// one from the database so links in sent emails keep working after a restart.
    pub(crate) link_secret: Arc<Vec<u8>>,
    /// Decides who gets a unit of a first-come-first-served wave.
    pub(crate) stock: Arc<dyn StockEngine>,
    /// API token uses waiting to be recorded (`last_used_at`), flushed every few seconds.
    pub(crate) token_uses: Arc<TokenUses>,
    /// Waves as first read, for the order path (see [`WaveCache`]).
    pub(crate) waves: Arc<WaveCache>,
    /// Campaigns as first read (see [`IdCache`]).
    pub(crate) campaigns: Arc<CampaignCache>,
    /// The campaigns' live counters, one producer per watched campaign.
    pub(crate) live: Arc<crate::campaigns::live::LiveHub>,
    /// The AMAs' live pages, one producer per watched session.
    pub(crate) ama_live: Arc<crate::amas::live::AmaHub>,
    /// Who holds each person, verified identity and address in the campaigns that allow one
    /// order of each (in this process, or in Redis with the Redis engine).
    pub(crate) claims: Arc<canyu_launch::claims::ClaimBook>,
    /// Staff changes to waves (window, quantity), one at a time on this node; across nodes
    /// the wave row's change lease keeps them apart.
    pub(crate) wave_changes: Arc<tokio::sync::Mutex<()>>,
    /// Where uploaded images are kept (memory until `set_media_store`; `canyu serve` uses the
    /// data folder or an S3-compatible bucket).
    pub(crate) media: canyu_media::MediaStore,
    /// Turns to receive and decode uploads (see `media::UPLOADS_AT_ONCE`).
    pub(crate) uploads: Arc<crate::media::UploadGates>,
    /// When each campaign reached each order milestone, once it has: an order never moves in
    /// time, so the insights' launch panel looks each up once per process.
    pub(crate) milestones: moka::sync::Cache<(i64, i64), canyu_core::Millis>,
}

/// Rows read once and kept in memory by id, for the order path: at a drop every request
/// names the same wave, and reading its row each time cost a database round trip. Only
/// rows that change rarely, and only through this node's own actions, belong here: the one
/// edit there is (a staff change to a wave's window or quantity, or its cancellation) calls
/// [`IdCache::forget`]. A miss is not remembered, so a row created later is found; buyers
/// who arrive together at a wave's first second share one read.
pub struct IdCache<T> {
    rows: moka::future::Cache<i64, Arc<T>>,
}

/// More distinct ids than this and the least used are dropped (a scan of ids must not grow
/// memory without bound).
const ID_CACHE_MAX: u64 = 4_096;

impl<T: Send + Sync + 'static> Default for IdCache<T> {
    fn default() -> Self {
        IdCache { rows: moka::future::Cache::new(ID_CACHE_MAX) }
    }
}

/// Why a shared load found nothing to keep.
enum Miss {
    Absent,
    Failed(canyu_store::StoreError),
}

impl<T: Send + Sync + 'static> IdCache<T> {
    /// Drops a row, after it changed: the next read loads it again.
    pub async fn forget(&self, id: i64) {
        self.rows.invalidate(&id).await;
    }

    async fn get_or_load<F>(&self, id: i64, load: F) -> AppResult<Option<Arc<T>>>
    where
        F: Future<Output = StoreResult<Option<T>>>,
    {
        if let Some(row) = self.rows.get(&id).await {
            return Ok(Some(row));
        }
        let shared = async {
            match load.await {
                Ok(Some(row)) => Ok(Arc::new(row)),
                Ok(None) => Err(Miss::Absent),
                Err(e) => Err(Miss::Failed(e)),
            }
        };
        match self.rows.try_get_with(id, shared).await {
            Ok(row) => Ok(Some(row)),
            Err(miss) => match &*miss {
                Miss::Absent => Ok(None),
                Miss::Failed(e) => Err(crate::cache::shared_error(e)),
            },
        }
    }
}

/// Waves as first read. Their `sold` goes stale at once: callers must not read it from here
/// (the stock engine has the live count).
pub type WaveCache = IdCache<Wave>;

impl IdCache<Wave> {
    pub async fn get(&self, store: &Store, id: i64) -> AppResult<Option<Arc<Wave>>> {
        self.get_or_load(id, store.wave(id)).await
    }
}

/// Campaigns as first read, for the order path of their waves (SKUs, prices, lanes, terms).
/// Their reservation counters go stale at once: callers must not read them from here.
pub type CampaignCache = IdCache<Campaign>;

impl IdCache<Campaign> {
    pub async fn get(&self, store: &Store, id: i64) -> AppResult<Option<Arc<Campaign>>> {
        self.get_or_load(id, store.campaign(id)).await
    }
}

const FLUSH_SLICE: usize = 100;
const FLUSH_PAUSE: Duration = Duration::from_millis(2);
/// Uses wait while orders arrive, until this long after the last one...
const QUIET_BEFORE_FLUSH: Duration = Duration::from_secs(1);
/// ...but never longer than this after the oldest.
const MAX_FLUSH_DELAY: Duration = Duration::from_secs(60);

/// Buffers API token uses so that authenticating never waits for a database write (on
/// SQLite the single write connection is also the order writer's). At most one use per
/// token per flush is written. During a drop the uses wait for a quiet second (at most a
/// minute), so the order writer has the connection to itself while stock lasts: writing
/// them during the rush, even in slices, cost 1–2 ms on the orders' p99 (BENCHMARKS.md). A
/// crash loses at most that much "last used".
pub struct TokenUses {
    pending: parking_lot::Mutex<PendingUses>,
    /// Milliseconds from `started` to the last order attempt, plus one (0: none yet).
    last_order: std::sync::atomic::AtomicU64,
    /// Uses taken by writes under way.
    writing: std::sync::atomic::AtomicUsize,
    started: std::time::Instant,
}

#[derive(Default)]
struct PendingUses {
    /// Token id → when it was last used.
    uses: std::collections::HashMap<i64, i64>,
    /// When the oldest use waiting was noted.
    since: Option<std::time::Instant>,
}

impl Default for TokenUses {
    fn default() -> Self {
        TokenUses {
            pending: Default::default(),
            last_order: Default::default(),
            writing: Default::default(),
            started: std::time::Instant::now(),
        }
    }
}

/// Whether waiting uses are written now: when orders have paused, or the oldest has waited
/// long enough.
fn flush_due(
    now: std::time::Instant,
    pending_since: Option<std::time::Instant>,
    last_order: Option<std::time::Instant>,
) -> bool {
    let Some(since) = pending_since else { return false };
    let ordering = last_order.is_some_and(|at| now.saturating_duration_since(at) < QUIET_BEFORE_FLUSH);
    !ordering || now.saturating_duration_since(since) >= MAX_FLUSH_DELAY
}

impl TokenUses {
    pub fn note(&self, token_id: i64, at: i64) {
        let mut pending = self.pending.lock();
        pending.uses.insert(token_id, at);
        pending.since.get_or_insert_with(std::time::Instant::now);
    }

    /// Tokens whose latest use is not written yet (waiting, or in a write under way).
    pub fn waiting(&self) -> usize {
        self.pending.lock().uses.len() + self.writing.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// An order is being placed: uses wait for the rush to pause.
    pub fn order_arrived(&self) {
        let ms = self.started.elapsed().as_millis() as u64 + 1;
        self.last_order.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn last_order(&self) -> Option<std::time::Instant> {
        match self.last_order.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            ms => Some(self.started + Duration::from_millis(ms - 1)),
        }
    }

    /// Writes the buffered uses now (the flusher does it every few seconds), a slice at a
    /// time with a pause between: at a drop this is tens of thousands of rows, and SQLite
    /// has one write connection, which the group commit of orders must get back quickly.
    /// (Flushing 500 rows a statement without pauses added about 7 ms to the orders' p99 at
    /// 64 connections, BENCHMARKS.md.)
    pub async fn flush(&self, store: &Store) {
        self.write(store, false).await;
    }

    /// Writes the buffered uses a slice at a time. `yield_to_orders`: when orders start
    /// arriving again (the next wave), stop and keep the rest for later.
    async fn write(&self, store: &Store, yield_to_orders: bool) {
        let taken = std::mem::take(&mut *self.pending.lock());
        let mut uses: Vec<(i64, i64)> = taken.uses.into_iter().collect();
        // In id order a slice's rows share a few pages. In the order fans happened to buy,
        // each row was a page of its own: writing a drop's 200,000 uses rewrote 800 MB
        // through SQLite's log and took 15 s of both cores (BENCHMARKS.md).
        uses.sort_unstable();
        self.writing.fetch_add(uses.len(), std::sync::atomic::Ordering::Relaxed);
        self.write_slices(store, &uses, taken.since, yield_to_orders).await;
        self.writing.fetch_sub(uses.len(), std::sync::atomic::Ordering::Relaxed);
    }

    async fn write_slices(
        &self,
        store: &Store,
        uses: &[(i64, i64)],
        since: Option<std::time::Instant>,
        yield_to_orders: bool,
    ) {
        for (i, slice) in uses.chunks(FLUSH_SLICE).enumerate() {
            if i > 0 {
                if yield_to_orders && self.ordering(std::time::Instant::now()) {
                    self.keep(&uses[i * FLUSH_SLICE..], since);
                    return;
                }
                tokio::time::sleep(FLUSH_PAUSE).await;
            }
            if let Err(e) = store.touch_api_tokens(slice).await {
                tracing::warn!(error = %e, tokens = uses.len(), "recording token use failed");
                return;
            }
        }
    }

    fn ordering(&self, now: std::time::Instant) -> bool {
        self.last_order().is_some_and(|at| now.saturating_duration_since(at) < QUIET_BEFORE_FLUSH)
    }

    /// Puts back uses not written yet, beside any noted since (the later use wins).
    fn keep(&self, uses: &[(i64, i64)], since: Option<std::time::Instant>) {
        let mut pending = self.pending.lock();
        for (token_id, at) in uses {
            let kept = pending.uses.entry(*token_id).or_insert(*at);
            *kept = (*kept).max(*at);
        }
        pending.since = match (pending.since, since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Flushes every `period` until the state is dropped.
    fn spawn_flusher(self: &Arc<Self>, store: Store, period: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(period);
            every.tick().await;
            loop {
                every.tick().await;
                let Some(uses) = weak.upgrade() else { return };
                let since = uses.pending.lock().since;
                let now = std::time::Instant::now();
                if flush_due(now, since, uses.last_order()) {
                    // Overdue uses are written whatever arrives; the others give way.
                    let overdue = since.is_some_and(|s| now.saturating_duration_since(s) >= MAX_FLUSH_DELAY);
                    uses.write(&store, !overdue).await;
                }
            }
        });
    }
}

impl App {
    /// Starts the embedded stock engine's writer task, so call it inside a Tokio runtime.
    pub fn new(store: Store, search: Arc<SearchIndex>, config: AppConfig) -> App {
        let token_uses = Arc::new(TokenUses::default());
        token_uses.spawn_flusher(store.clone(), Duration::from_secs(5));
        App(Arc::new(AppParts {
            token_uses,
            waves: Arc::new(WaveCache::default()),
            campaigns: Arc::new(CampaignCache::default()),
            live: Arc::new(crate::campaigns::live::LiveHub::default()),
            ama_live: Arc::default(),
            claims: Arc::default(),
            wave_changes: Arc::default(),
            media: canyu_media::MediaStore::memory(),
            uploads: Arc::default(),
            milestones: moka::sync::Cache::new(10_000),
            stock: EmbeddedEngine::start(store.clone()),
            store,
            search,
            config: Arc::new(config),
            limiter: Arc::new(RateLimiter::default()),
            cache: Arc::new(ReadCache::default()),
            clock: Arc::new(now_millis),
            link_secret: Arc::new(rand::random::<[u8; 32]>().to_vec()),
        }))
    }

    /// The parts, to replace one before serving. Copies them first if the state is already
    /// shared, so a running server never sees a change.
    fn parts_mut(&mut self) -> &mut AppParts {
        Arc::make_mut(&mut self.0)
    }

    /// Another stock engine and the campaign claims that go with it (the Redis engine for
    /// several nodes), before serving.
    pub fn set_stock_engine(
        &mut self,
        stock: Arc<dyn StockEngine>,
        claims: Arc<canyu_launch::claims::ClaimBook>,
    ) {
        let parts = self.parts_mut();
        parts.stock = stock;
        parts.claims = claims;
    }

    /// Where uploaded images are kept, before serving.
    pub fn set_media_store(&mut self, media: canyu_media::MediaStore) {
        self.parts_mut().media = media;
    }

    /// Another clock, e.g. a test's that can jump ahead.
    pub fn set_clock(&mut self, clock: Arc<dyn Fn() -> i64 + Send + Sync>) {
        self.parts_mut().clock = clock;
    }

    /// The persistent secret that signs links sent by email (unsubscribe), before serving.
    pub fn set_link_secret(&mut self, secret: Vec<u8>) {
        self.parts_mut().link_secret = Arc::new(secret);
    }

    /// Signs links with this site's persistent secret, made once per site and kept in the
    /// database, so links in emails already sent stay valid after a restart and on every node.
    pub async fn use_persistent_link_secret(&mut self) -> AppResult<()> {
        const KEY: &str = "link_secret";
        let secret = match self.store.meta(KEY).await?.filter(|s| s.len() >= 32) {
            Some(secret) => secret,
            None => {
                let fresh = crate::accounts::random_token(32);
                self.store.set_meta(KEY, &fresh).await?;
                fresh
            }
        };
        self.set_link_secret(secret.into_bytes());
        Ok(())
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut AppConfig {
        Arc::make_mut(&mut self.parts_mut().config)
    }

    pub fn clock(&self) -> Arc<dyn Fn() -> i64 + Send + Sync> {
        self.clock.clone()
    }

    pub fn link_secret(&self) -> Arc<Vec<u8>> {
        self.link_secret.clone()
    }

    /// The campaigns' live counters.
    pub fn live(&self) -> &crate::campaigns::live::LiveHub {
        &self.live
    }

    /// The AMAs' live pages.
    pub fn ama_live(&self) -> &crate::amas::live::AmaHub {
        &self.ama_live
    }

    /// API token uses noted but not written yet (for `/metrics`).
    pub fn token_uses_waiting(&self) -> usize {
        self.token_uses.waiting()
    }

    /// Writes the noted token uses now (before the database closes at shutdown).
    pub async fn flush_token_uses(&self) {
        self.token_uses.flush(&self.store).await;
    }

    /// Posts in this node's search index.
    pub fn search_documents(&self) -> u64 {
        self.search.doc_count()
    }

    /// How big the site is, counted in the database.
    pub async fn site_counts(&self) -> AppResult<SiteCounts> {
        Ok(SiteCounts {
            posts: self.store.post_count().await?,
            votes: self.store.vote_count().await?,
            users: self.store.user_count().await?,
        })
    }

    /// Whether the database answers (`/healthz`).
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store.ping().await?)
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }
}

pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use canyu_core::Role;
    use canyu_core::wave::{Eligibility, WaveRules};
    use canyu_store::testing::fresh_store;
    use canyu_store::{Backend, NewProduct, NewUser};

    #[test]
    fn token_uses_wait_while_orders_arrive_but_not_for_long() {
        use std::time::Instant;
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(!flush_due(at(10), None, None), "nothing waiting");
        assert!(flush_due(at(10), Some(at(9)), None), "no orders: at once");
        assert!(flush_due(at(10), Some(at(9)), Some(at(8))), "orders paused");
        assert!(!flush_due(at(10), Some(at(2)), Some(at(10))), "a rush: wait");
        assert!(flush_due(at(70), Some(at(2)), Some(at(70))), "but at most a minute");

        let uses = TokenUses::default();
        assert!(uses.last_order().is_none());
        uses.order_arrived();
        assert!(uses.last_order().is_some_and(|t| t <= Instant::now()));
        uses.note(1, 1);
        let since = uses.pending.lock().since;
        assert!(!flush_due(Instant::now(), since, uses.last_order()), "an order just arrived");
    }

    /// A fan with `n` API tokens, the i-th used once at `at(i)`, the uses buffered; and the
    /// tokens' ids.
    async fn fan_using_tokens(
        store: &Store,
        n: usize,
        at: impl Fn(usize) -> i64,
    ) -> (i64, TokenUses, Vec<i64>) {
        let fan = NewUser {
            handle: "fan",
            email: None,
            password_hash: "x",
            role: Role::Fan,
            bio: "",
            created_at: 1,
        };
        let fan = store.create_users_bulk(&[fan]).await.expect("user")[0];
        let uses = TokenUses::default();
        let mut ids = Vec::new();
        for i in 0..n {
            let token = store
                .create_api_token(fan, "app", &format!("digest-{i}"), 1, 1_000_000)
                .await
                .expect("token");
            uses.note(token.id, at(i));
            ids.push(token.id);
        }
        (fan, uses, ids)
    }

    /// Uses being written when the next wave's orders arrive stop after the slice in hand;
    /// the rest wait, with their first noting time, and are written later.
    #[tokio::test]
    async fn a_flush_gives_way_to_the_next_wave_and_keeps_the_rest() {
        let (store, _) = fresh_store(Backend::Sqlite).await.expect("store");
        let n = FLUSH_SLICE * 3;
        let (fan, uses, ids) = fan_using_tokens(&store, n, |_| 100).await;
        let since = uses.pending.lock().since;
        uses.order_arrived();
        uses.write(&store, true).await;
        let mut written: Vec<i64> = store
            .list_api_tokens(fan)
            .await
            .expect("tokens")
            .iter()
            .filter(|t| t.last_used_at.is_some())
            .map(|t| t.id)
            .collect();
        written.sort_unstable();
        // Slices go in id order (neighbouring rows share pages): the first one is the lowest ids.
        assert_eq!(written, ids[..FLUSH_SLICE], "one slice, then it gave way");
        let left = {
            let pending = uses.pending.lock();
            (pending.uses.len(), pending.since)
        };
        assert_eq!(left, (n - FLUSH_SLICE, since));
        assert_eq!(uses.waiting(), n - FLUSH_SLICE);
        uses.note(ids[0], 200);
        uses.flush(&store).await;
        let tokens = store.list_api_tokens(fan).await.expect("tokens");
        assert!(tokens.iter().all(|t| t.last_used_at.is_some()), "the rest written later");
        assert!(tokens.iter().any(|t| t.last_used_at == Some(200)), "the later use won");
    }

    /// A drop's worth of uses is written in slices; every one of them lands, on both databases.
    #[tokio::test]
    async fn every_buffered_token_use_is_written_across_slices() {
        for backend in canyu_store::testing::backends() {
            let (store, _) = fresh_store(backend).await.expect("store");
            let n = FLUSH_SLICE * 2 + 17;
            let (fan, uses, _) = fan_using_tokens(&store, n, |i| 100 + i as i64).await;
            assert_eq!(uses.waiting(), n);
            uses.flush(&store).await;
            assert_eq!(uses.waiting(), 0);
            let tokens = store.list_api_tokens(fan).await.expect("tokens");
            assert_eq!(tokens.len(), n);
            assert!(tokens.iter().all(|t| t.last_used_at.is_some_and(|at| at >= 100)), "{backend:?}");
            assert!(uses.pending.lock().uses.is_empty() && uses.pending.lock().since.is_none());
        }
    }

    #[tokio::test]
    async fn the_wave_cache_reads_a_wave_once_and_finds_waves_created_later() {
        let (store, _) = fresh_store(Backend::Sqlite).await.expect("store");
        store.create_category("phone", "手机", "Phones").await.expect("category");
        let product = NewProduct {
            slug: "mi-14",
            name: "Xiaomi 14",
            category_slug: "phone",
            tagline: "",
            created_at: 1,
        };
        let product = store.create_product(product).await.expect("product").id;
        let staff = NewUser {
            handle: "staff",
            email: None,
            password_hash: "x",
            role: Role::Staff,
            bio: "",
            created_at: 1,
        };
        let staff = store.create_users_bulk(&[staff]).await.expect("user")[0];
        let rules = WaveRules::parse(None, 10, "fcfs", None, 1_000, 2_000, Eligibility::Everyone, [].into())
            .expect("rules");
        let cache = WaveCache::default();

        let first = store.create_wave(product, &rules, staff, 1).await.expect("wave");
        assert!(cache.get(&store, first.id + 1).await.expect("read").is_none());
        let second = store.create_wave(product, &rules, staff, 1).await.expect("wave");
        assert_eq!(second.id, first.id + 1);
        // The miss above was not remembered.
        let found = cache.get(&store, second.id).await.expect("read").expect("found");
        assert_eq!(found.rules, rules);
        let again = cache.get(&store, second.id).await.expect("read").expect("found");
        assert!(Arc::ptr_eq(&found, &again), "the second read is served from memory");
    }
}
