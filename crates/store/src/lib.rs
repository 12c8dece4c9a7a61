//! canyu's storage: one `Store` over SQLite (the default, a file in the data folder) or
//! PostgreSQL. Queries are written once with `$n` placeholders and run through sqlx's `Any`
//! driver; the schema differs per backend only where the SQL must (identity columns, float
//! type), so each backend has its own migrations folder.

mod allocations;
mod amas;
mod beta;
mod campaigns;
mod catalog;
mod deliveries;
mod demands;
mod devices;
mod digests;
mod draws;
mod error;
mod events;
mod fcodes;
mod identities;
mod inline;
mod insights;
mod launch_orders;
mod leases;
mod media;
mod merge;
mod moderation;
mod notifications;
mod own_sales;
mod points;
mod posts;
mod pricing;
pub mod pricing_reports;
mod referrals;
mod releases;
mod reminders;
pub mod testing;
mod users;
mod voices;
mod waves;

pub use allocations::{ChannelStock, NewTransfer, StockTransfer};
pub use amas::{Ama, AmaQuestion, NewAma};
pub use beta::{BetaGroup, BetaMembership, JudgedWeek};
pub use campaigns::{Campaign, NewCampaign, Reservation, ReserveOutcome};
pub use catalog::{Category, NewProduct, Product, ProductUpdate};
pub use deliveries::{DeliveryJob, EmailRecipient, NewWebhook, Webhook};
pub use demands::{Demand, DemandPost, NewDemand, OpenPost};
pub use devices::{AlsoOwned, Claimed, DeviceClaim, OwnedDevice, OwnershipCounts};
pub use digests::{NewDigest, StoredDigest, WeekPost};
pub use draws::{DrawEntry, DrawState};
pub use error::{StoreError, StoreResult};
pub use events::{Checkin, CheckinOutcome, Club, Event, EventRound, NewEvent, PlaceChange, PlaceTaken, Rsvp};
pub use fcodes::{FCodeBatch, FCodeRecord};
pub use identities::Identity;
pub use insights::{CreditedFan, EventCount, InsightCount, RollDay, RollWeek, SnapshotCount};
pub use launch_orders::{
    LaunchOrder, LaunchOrderEvent, LaunchRow, OrderHolder, PaymentOutcome, ProductionSummary, Transition,
};
pub use media::{Media, MediaOwner, NewMedia};
pub use merge::{MergeOutcome, MergedPost, UnmergeOutcome};
pub use moderation::{
    ModAction, ModerationEntry, NewReport, PostEdit, ReportOutcome, ReportedItem, Revision,
};
pub use notifications::{Notification, NotificationKind};
pub use own_sales::{
    BuyerSpend, GiveBack, NewGiveBack, OwnSaleDue, PriceDropDue, PriceProtection, ReversalDue,
};
pub use points::{CreditedPost, LeaderboardRow, PointsEntry};
pub use posts::{
    BulkComment, BulkDetails, BulkPost, BulkStatusChange, BulkVote, Comment, IndexRow, NewPost, Post,
    PostFilter, PostPage, Sort, StatusChange, VoteOutcome,
};
pub use pricing::{
    Channel, CostChange, NewChannel, NewPrice, NewSku, PriceChange, SaleRow, SalesSum, Sku, SkuChange,
};
pub use referrals::{
    MonthSignUps, NewReferral, PendingReferral, Referral, ReferralTotals, ReferrerRow, TreeNode,
};
pub use releases::{NewRelease, PastRelease, Release, ReleasePost, ReleaseStatus};
pub use reminders::ReminderTarget;
pub use users::{ApiToken, NewUser, TokenLookup, User, UserWithSecret};
pub use voices::{Announcement, FeedEntry, Voice};
pub use waves::{Cancellation, NewOrder, Order, Wave};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};
use std::path::Path;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The database. Cheap to clone (pools are reference-counted).
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Readers. On SQLite, several connections read in parallel under WAL.
    read: AnyPool,
    /// Writers. On SQLite this is one connection, so writes queue in the pool instead of
    /// spinning on `SQLITE_BUSY`; on PostgreSQL it is the same pool as `read`.
    write: AnyPool,
    /// SQLite files only: the per-request auth lookups without sqlx's thread hops.
    inline: Option<std::sync::Arc<inline::InlineReads>>,
}

/// The SQLite URL for a data folder: `<dir>/canyu.db`, created if missing.
pub fn sqlite_url_for_dir(dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", dir.join("canyu.db").display())
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`). Does not migrate.
    pub async fn connect(url: &str) -> StoreResult<Store> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(redact(url)));
        };
        match backend {
            Backend::Sqlite => {
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|c, _| sqlite_pragmas(c))
                    .connect(url)
                    .await?;
                let readers = std::thread::available_parallelism().map_or(4, |n| n.get() * 2);
                let read = AnyPoolOptions::new()
                    .max_connections(readers as u32)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|c, _| sqlite_pragmas(c))
                    .connect(url)
                    .await?;
                let inline = inline::InlineReads::for_url(url).map(std::sync::Arc::new);
                Ok(Store { backend, read, write, inline })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(32)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect(url)
                    .await?;
                Ok(Store { backend, read: pool.clone(), write: pool, inline: None })
            }
        }
    }

    /// How many auth lookups SQLite answered on the caller's thread (`inline.rs`); 0 on
    /// PostgreSQL.
    pub fn inline_reads(&self) -> u64 {
        self.inline.as_ref().map_or(0, |i| i.answered())
    }

    /// Connects and applies this backend's pending migrations.
    pub async fn open(url: &str) -> StoreResult<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.write).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.write).await?,
        }
        self.backfill_handle_skeletons().await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM instance_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO instance_meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Copies what the SQLite write-ahead log holds back into the database file, without
    /// waiting for or holding up writers (`PASSIVE`), and returns the log's frames and how
    /// many of them are now in the database. `serve` calls this a few times a second so
    /// that the order writer never does it: a committing connection that crosses the
    /// auto-checkpoint threshold checkpoints inside its own commit, holding every buyer of
    /// the next batch for the copy and its fsync. `None` on PostgreSQL.
    pub async fn checkpoint(&self) -> StoreResult<Option<(i64, i64)>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&self.read).await?;
        Ok(Some((row.try_get::<i64, _>(1)?, row.try_get::<i64, _>(2)?)))
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

type ConnectFuture<'c> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), sqlx::Error>> + Send + 'c>>;

fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> ConnectFuture<'_> {
    Box::pin(async move {
        // WAL lets readers run beside the writer; NORMAL sync is durable across process
        // crashes under WAL (only an OS crash can lose the last transactions, never corrupt
        // the file). Checkpoints are `serve`'s background job (`Store::checkpoint`); a
        // connection checkpoints by itself only past 64 MiB of log, as a safety net for when
        // nothing else does (one-off commands, a stalled checkpointer).
        conn.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
             PRAGMA cache_size = -32000; PRAGMA temp_store = MEMORY; \
             PRAGMA wal_autocheckpoint = 16384;",
        )
        .await?;
        Ok(())
    })
}

/// `$first, $first+1, …` for `n` bind values: the list of an `IN (…)` built at run time.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, $2), ($3, $4), …`: the VALUES of a multi-row INSERT of `rows` rows of `cols` values.
pub(crate) fn value_rows(rows: usize, cols: usize) -> String {
    (0..rows).map(|i| format!("({})", placeholders(i * cols + 1, cols))).collect::<Vec<_>>().join(", ")
}

/// The same VALUES for a statement with no other bind values. SQLite gets anonymous `?`:
/// sqlx asks SQLite the name of every bind value, and SQLite finds a `$N` name by walking a
/// list, so a batch of orders (700–3,500 values) cost time quadratic in its size (4 % of the
/// server's CPU at a drop, `perf`). Anonymous values have no name to look up.
pub(crate) fn value_rows_for(backend: Backend, rows: usize, cols: usize) -> String {
    match backend {
        Backend::Postgres => value_rows(rows, cols),
        Backend::Sqlite => {
            let row = format!("({})", vec!["?"; cols].join(", "));
            vec![row; rows].join(", ")
        }
    }
}

/// Hides a password in a database URL before it reaches a log or an error message.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..s], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn value_rows_are_numbered_on_postgres_and_anonymous_on_sqlite() {
        use super::{Backend, value_rows_for};
        assert_eq!(value_rows_for(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows_for(Backend::Sqlite, 2, 3), "(?, ?, ?), (?, ?, ?)");
    }
}
