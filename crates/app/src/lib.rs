//! canyu's application layer: every use case, one module per capability. The web adapter
//! (routes, pages, the JSON API), the CLI and the background workers all call these; none of
//! them reaches the database on its own. A use case checks who may act in [`policy`], parses
//! its input into the core's types, and moves the store in one transaction.
//!
//! | capability | module |
//! |---|---|
//! | accounts: registration, sign-in, sessions, tokens, identity, settings | [`accounts`] |
//! | the co-creation board: posts, votes, comments, statuses, search, merges | [`board`] |
//! | the catalog: categories and products | [`catalog`] |
//! | the weekly release train | [`releases`] |
//! | images on posts and comments: uploads, thumbnails, where files are kept | [`media`] |
//! | channels, SKUs, prices under the margin pledge, the sales ledger, the margin report | [`pricing`] |
//! | edits, deletes, reports, hide/lock/pin, the audit log | [`moderation`] |
//! | demands (posts that ask for the same thing) | [`demands`] |
//! | the beta programme | [`beta`] |
//! | fan events and city clubs: places, waitlists, tickets, check-in, calendars | [`events`] |
//! | 人车家 ownership: owned devices, serials, hand-ons, owner chips | [`ownership`] |
//! | points, levels, the leaderboard | [`points`] |
//! | sales: waves, orders, F-codes, draws | [`sales`] |
//! | launch campaigns, launch orders, the live counter | [`campaigns`] |
//! | official voices: titles, follows, announcements, the feed | [`voices`] |
//! | ask-me-anything sessions: questions, votes, answers, the live page | [`amas`] |
//! | the inbox, webhooks, what notifications say | [`notify`] |
//! | background jobs | [`jobs`] |

pub mod accounts;
pub mod amas;
mod app;
pub mod beta;
pub mod board;
pub mod cache;
pub mod campaigns;
pub mod catalog;
pub mod demands;
pub mod error;
pub mod events;
pub mod fanout;
pub mod insights;
pub mod jobs;
pub mod media;
pub mod moderation;
pub mod notify;
pub mod ownership;
pub mod points;
pub mod policy;
pub mod pricing;
pub mod ratelimit;
pub mod referrals;
pub mod releases;
pub mod sales;
pub mod voices;

pub use app::{App, AppConfig, SiteCounts, now_millis};
pub use error::{AppError, AppResult};

/// For the adapters' tests only (feature `testing`): the crates under the application, to set
/// up a database, an index or a stock engine the way `canyu serve` does. Adapter code cannot
/// use this: the feature is enabled only by dev-dependencies.
#[cfg(feature = "testing")]
pub mod testing {
    pub use canyu_launch as launch;
    pub use canyu_store as store;
    pub use canyu_text as text;
}

/// The rows the use cases answer with: plain data the adapters render. The store that reads
/// and writes them is not reachable from outside this crate.
pub mod model {
    pub use canyu_store::{AlsoOwned, Claimed, OwnedDevice};
    pub use canyu_store::{Ama, AmaQuestion, Announcement, Voice};
    pub use canyu_store::{
        ApiToken, BetaGroup, BetaMembership, Campaign, Cancellation, Category, Channel, Comment, CostChange,
        CreditedPost, Demand, DemandPost, DrawEntry, DrawState, FCodeBatch, FCodeRecord, Identity,
        JudgedWeek, LaunchOrder, LaunchOrderEvent, LaunchRow, LeaderboardRow, Media, MergeOutcome,
        MergedPost, ModAction, ModerationEntry, Notification, NotificationKind, Order, OrderHolder,
        PastRelease, PaymentOutcome, PointsEntry, Post, PostFilter, PostPage, PriceChange, Product,
        ProductionSummary, Release, ReleasePost, ReleaseStatus, ReminderTarget, ReportOutcome, ReportedItem,
        Reservation, ReserveOutcome, Revision, Sku, Sort, StatusChange, Transition, UnmergeOutcome, User,
        VoteOutcome, Wave, Webhook,
    };
    pub use canyu_store::{ChannelStock, GiveBack, PriceProtection, StockTransfer};
    pub use canyu_store::{Checkin, CheckinOutcome, Club, Event, EventRound, PlaceChange, PlaceTaken, Rsvp};
    pub use canyu_store::{MonthSignUps, Referral, ReferralTotals, ReferrerRow, TreeNode};
}
