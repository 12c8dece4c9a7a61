//! The in-app inbox. Notifications are written in the same transaction as the change they
//! report, so a change that committed was always announced, and one (fan, event key) pair
//! is stored once however often the event is replayed.

use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{Any, Row, Transaction};

type Tx = Transaction<'static, Any>;

/// What happened, as stored in `notifications.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationKind {
    /// A post the fan wrote or voted for was merged into another.
    PostMerged,
    /// A merge of the fan's post was undone.
    PostUnmerged,
    /// A post the fan wrote or voted for changed status.
    PostStatus,
    /// The team replied officially on the fan's post.
    OfficialReply,
    /// A post the fan wrote or voted for shipped in a release.
    PostShipped,
    /// The fan was admitted to a product's beta group.
    BetaAdmitted,
    /// The fan's beta application was declined.
    BetaRejected,
    /// The fan was removed from a beta group (missed duties, or by staff).
    BetaRemoved,
    /// A wave the fan reserved for opened to the fan's lane.
    WaveOpen,
    /// The fan's launch order changed state (paid, locked, refunded, expired, cancelled).
    LaunchOrder,
    /// The fan's unpaid hold runs out soon.
    HoldExpiring,
    /// A wave the fan holds an F-code for, or reserved for, was cancelled before it opened.
    WaveCancelled,
    /// Someone replied to the fan's comment.
    CommentReply,
    /// A new comment on a post the fan wrote or follows.
    NewComment,
    /// 提醒我: a wave the fan asked about goes on sale, or a campaign opens reservations.
    LaunchReminder,
    /// The fan's order in a first-come wave was committed (written with the order).
    OrderPlaced,
    /// The fan entered a draw (written with the entry).
    DrawEntered,
    /// A draw the fan entered was made and the fan won a unit (written with the draw).
    DrawWon,
    /// A draw the fan entered was made and the fan did not win.
    DrawLost,
    /// A price drop on the own channel credited the fan's order (价保).
    PriceProtected,
    /// A place at a fan event freed up and is offered to the fan, until it expires.
    EventOffer,
    /// An offered place went unanswered and passed on.
    EventOfferExpired,
    /// 48 hours before an event: does the fan still come?
    EventAttendance,
    /// The fan's place went to the waitlist (attendance not confirmed, or the team's note).
    EventPlaceReleased,
    /// 人车家: a device's owner released it naming this fan, who may bind it at once.
    DeviceHandedOn,
    /// 口碑: a fan signed up with this fan's referral code.
    ReferralJoined,
    /// 口碑: a fan this fan invited qualified, and the reward was paid.
    ReferralRewarded,
    /// Staff: the weekly digest of a product they run is ready.
    InsightDigest,
    /// An official account the fan follows (with the inbox asked for) published an announcement.
    Announcement,
    /// A question the fan asked or voted for in an AMA was answered.
    AmaAnswered,
}

impl NotificationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationKind::PostMerged => "post.merged",
            NotificationKind::PostUnmerged => "post.unmerged",
            NotificationKind::PostStatus => "post.status",
            NotificationKind::OfficialReply => "comment.official",
            NotificationKind::PostShipped => "post.shipped",
            NotificationKind::BetaAdmitted => "beta.admitted",
            NotificationKind::BetaRejected => "beta.rejected",
            NotificationKind::BetaRemoved => "beta.removed",
            NotificationKind::WaveOpen => "wave.open",
            NotificationKind::LaunchOrder => "order.state",
            NotificationKind::HoldExpiring => "order.hold_expiring",
            NotificationKind::WaveCancelled => "wave.cancelled",
            NotificationKind::CommentReply => "comment.reply",
            NotificationKind::NewComment => "comment.new",
            NotificationKind::LaunchReminder => "launch.reminder",
            NotificationKind::OrderPlaced => "order.placed",
            NotificationKind::DrawEntered => "draw.entered",
            NotificationKind::DrawWon => "draw.won",
            NotificationKind::DrawLost => "draw.lost",
            NotificationKind::PriceProtected => "order.price_protected",
            NotificationKind::EventOffer => "event.offer",
            NotificationKind::EventOfferExpired => "event.offer_expired",
            NotificationKind::EventAttendance => "event.confirm_attendance",
            NotificationKind::EventPlaceReleased => "event.place_released",
            NotificationKind::DeviceHandedOn => "device.handed_on",
            NotificationKind::ReferralJoined => "referral.joined",
            NotificationKind::ReferralRewarded => "referral.rewarded",
            NotificationKind::InsightDigest => "insights.digest",
            NotificationKind::Announcement => "voice.announcement",
            NotificationKind::AmaAnswered => "ama.answered",
        }
    }

    pub fn parse(raw: &str) -> Option<NotificationKind> {
        [
            NotificationKind::PostMerged,
            NotificationKind::PostUnmerged,
            NotificationKind::PostStatus,
            NotificationKind::OfficialReply,
            NotificationKind::PostShipped,
            NotificationKind::BetaAdmitted,
            NotificationKind::BetaRejected,
            NotificationKind::BetaRemoved,
            NotificationKind::WaveOpen,
            NotificationKind::LaunchOrder,
            NotificationKind::HoldExpiring,
            NotificationKind::WaveCancelled,
            NotificationKind::CommentReply,
            NotificationKind::NewComment,
            NotificationKind::LaunchReminder,
            NotificationKind::OrderPlaced,
            NotificationKind::DrawEntered,
            NotificationKind::DrawWon,
            NotificationKind::DrawLost,
            NotificationKind::PriceProtected,
            NotificationKind::EventOffer,
            NotificationKind::EventOfferExpired,
            NotificationKind::EventAttendance,
            NotificationKind::EventPlaceReleased,
            NotificationKind::DeviceHandedOn,
            NotificationKind::ReferralJoined,
            NotificationKind::ReferralRewarded,
            NotificationKind::InsightDigest,
            NotificationKind::Announcement,
            NotificationKind::AmaAnswered,
        ]
        .into_iter()
        .find(|k| k.as_str() == raw)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub post_id: Option<i64>,
    pub actor_handle: Option<String>,
    /// What the message needs, as it was when the event happened.
    pub data: serde_json::Value,
    pub created_at: Millis,
    pub read_at: Option<Millis>,
}

/// Who of a post's followers hears about an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Audience {
    /// The post's author alone.
    PostAuthor,
    /// New comments: the author and whoever follows the post.
    Followers,
    /// Status changes, merges, releases: the author, the voters and the followers.
    FollowersAndVoters,
}

/// What a notification says, written once per recipient.
pub(crate) struct Event<'a> {
    pub kind: NotificationKind,
    /// Unique per event: with the recipient, the row's identity.
    pub key: &'a str,
    pub post_id: i64,
    pub actor_id: i64,
    pub data: serde_json::Value,
    pub now: Millis,
}

impl Store {
    /// Tells a post's author (and voters, and followers) about `event`, except the person who
    /// caused it and whoever muted the post.
    pub(crate) async fn notify_followers(
        tx: &mut Tx,
        event: &Event<'_>,
        audience: Audience,
    ) -> StoreResult<u64> {
        let others = match audience {
            Audience::PostAuthor => "",
            Audience::Followers => {
                " UNION SELECT user_id FROM post_follows WHERE post_id = $4 AND following = 1"
            }
            Audience::FollowersAndVoters => {
                " UNION SELECT user_id FROM votes WHERE post_id = $4 \
                 UNION SELECT user_id FROM post_follows WHERE post_id = $4 AND following = 1"
            }
        };
        let sql = format!(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT f.uid, $1, $2, $4, $5, $6, $7 FROM \
             (SELECT author_id AS uid FROM posts WHERE id = $4{others}) f WHERE f.uid <> $3 \
             AND NOT EXISTS (SELECT 1 FROM post_follows m WHERE m.post_id = $4 AND m.user_id = f.uid AND m.following = 0) \
             ON CONFLICT (user_id, event_key) DO NOTHING"
        );
        let told = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event.kind.as_str())
            .bind(event.key)
            .bind(event.actor_id)
            .bind(event.post_id)
            .bind(event.actor_id)
            .bind(event.data.to_string())
            .bind(event.now)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        Self::enqueue_emails(tx, event.key, event.now).await?;
        Self::enqueue_webhooks(tx, event.kind.as_str(), event.key, event.post_id, &event.data, event.now)
            .await?;
        Ok(told)
    }

    /// Tells one fan something that concerns them alone (an offer, an order's change, a
    /// reminder), inside the caller's transaction: once per `key` (a repeat is ignored), its
    /// email queued when the fan takes emails.
    pub(crate) async fn notify_fan(
        tx: &mut Tx,
        user_id: i64,
        kind: NotificationKind,
        key: &str,
        actor_id: Option<i64>,
        data: &serde_json::Value,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             VALUES ($1, $2, $3, NULL, $4, $5, $6) ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(key)
        .bind(actor_id)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Self::enqueue_emails(tx, key, now).await
    }

    /// Tells one fan about an event of a post (unless they muted it); the email follows
    /// with the event's other notices.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn notify_user(
        tx: &mut Tx,
        user_id: i64,
        kind: NotificationKind,
        key: &str,
        post_id: i64,
        actor_id: i64,
        data: &serde_json::Value,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS \
             (SELECT 1 FROM post_follows m WHERE m.post_id = $4 AND m.user_id = $1 AND m.following = 0) \
             ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(user_id)
        .bind(kind.as_str())
        .bind(key)
        .bind(post_id)
        .bind(actor_id)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The fan's notifications, newest first; `before` is the id of the last one of the
    /// previous page.
    pub async fn notifications(
        &self,
        user_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Notification>> {
        let rows = sqlx::query(
            "SELECT n.id, n.kind, n.post_id, u.handle AS actor_handle, n.data, n.created_at, n.read_at \
             FROM notifications n LEFT JOIN users u ON u.id = n.actor_id \
             WHERE n.user_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit.clamp(1, 100))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .filter_map(|r| {
                let kind: String = match r.try_get("kind") {
                    Ok(k) => k,
                    Err(e) => return Some(Err(e.into())),
                };
                // A kind written by a newer version of canyu: not shown rather than failing
                // the whole inbox.
                let kind = NotificationKind::parse(&kind)?;
                Some(notification_from_row(r, kind))
            })
            .collect()
    }

    pub async fn unread_notifications(&self, user_id: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
            .bind(user_id)
            .fetch_one(&self.read)
            .await?)
    }

    /// Marks one notification read (`Some(id)`, which must be the fan's) or all of them.
    /// Returns how many changed.
    pub async fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        now: Millis,
    ) -> StoreResult<u64> {
        match id {
            Some(id) => {
                let owner: Option<i64> =
                    sqlx::query_scalar("SELECT user_id FROM notifications WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&self.read)
                        .await?;
                if owner != Some(user_id) {
                    return Err(ErrorCode::NotificationNotFound.into());
                }
                Ok(sqlx::query(
                    "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .bind(user_id)
                .execute(&self.write)
                .await?
                .rows_affected())
            }
            None => Ok(sqlx::query(
                "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .execute(&self.write)
            .await?
            .rows_affected()),
        }
    }
}

fn notification_from_row(r: &sqlx::any::AnyRow, kind: NotificationKind) -> StoreResult<Notification> {
    let data: String = r.try_get("data")?;
    Ok(Notification {
        id: r.try_get("id")?,
        kind,
        post_id: r.try_get("post_id")?,
        actor_handle: r.try_get("actor_handle")?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
    })
}
