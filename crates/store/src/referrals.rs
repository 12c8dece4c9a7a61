//! 口碑: referral codes, the referrals they brought, and the devices accounts use. Statuses
//! only move forward by conditional updates (`WHERE status = …`), and a reward's points are
//! keyed by the referral, so any number of nodes may run the vesting job at once.

use crate::notifications::NotificationKind;
use crate::users::{NewUser, User, insert_user, user_from_row};
use crate::{Store, StoreResult};
use canyu_core::points::Reason;
use canyu_core::referral::{FirstOrder, ReferralStatus, RejectReason, at_sign_up};
use canyu_core::{ErrorCode, Millis};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// A referral as the referrer and staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub id: i64,
    pub referrer_id: i64,
    pub referrer_handle: String,
    pub invitee_id: i64,
    pub invitee_handle: String,
    pub status: ReferralStatus,
    pub reason: Option<RejectReason>,
    pub note: String,
    /// The sign-up's network (`203.0.113.0/24`): shown to staff only.
    pub network: Option<String>,
    pub created_at: Millis,
    pub qualified_at: Option<Millis>,
    pub rewarded_at: Option<Millis>,
}

/// How a new account came by a referral.
pub struct NewReferral<'a> {
    pub referrer_id: i64,
    pub network: &'a str,
    /// The digest of the sign-up's browser or app device id, when it had one.
    pub device_key: Option<&'a str>,
}

/// A fan's referral numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReferralTotals {
    pub invited: i64,
    /// Qualified or rewarded.
    pub qualified: i64,
    pub rewarded_points: i64,
}

/// A pending referral, with what the vesting rule needs of its invitee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingReferral {
    pub id: i64,
    pub referrer_id: i64,
    pub invitee_id: i64,
    pub invitee_points: i64,
    /// The invitee's first order that was ever paid (or deposited), and its order id.
    pub first_order: Option<(i64, FirstOrder)>,
}

/// A fan in a referral tree: who brought them and how far down from the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeNode {
    pub user_id: i64,
    pub handle: String,
    pub referrer_id: i64,
    pub referrer_handle: String,
    pub depth: i64,
    pub status: ReferralStatus,
    pub created_at: Millis,
}

/// A referrer and how their invitees fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferrerRow {
    pub user_id: i64,
    pub handle: String,
    pub invited: i64,
    pub qualified: i64,
    pub rejected: i64,
    pub held: i64,
}

/// One month's sign-ups: all new accounts, those that came by a referral, and those whose
/// referral qualified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthSignUps {
    pub from: Millis,
    pub new_fans: i64,
    pub referred: i64,
    pub qualified: i64,
}

const REFERRAL_COLUMNS: &str = "r.id, r.referrer_id, a.handle AS referrer_handle, r.invitee_id, \
     b.handle AS invitee_handle, r.status, r.reason, r.note, r.network, r.created_at, r.qualified_at, \
     r.rewarded_at FROM referrals r JOIN users a ON a.id = r.referrer_id JOIN users b ON b.id = r.invitee_id";

fn referral_from_row(row: &AnyRow) -> Result<Referral, sqlx::Error> {
    let status: String = row.try_get("status")?;
    let reason: Option<String> = row.try_get("reason")?;
    Ok(Referral {
        id: row.try_get("id")?,
        referrer_id: row.try_get("referrer_id")?,
        referrer_handle: row.try_get("referrer_handle")?,
        invitee_id: row.try_get("invitee_id")?,
        invitee_handle: row.try_get("invitee_handle")?,
        status: ReferralStatus::parse(&status).unwrap_or(ReferralStatus::Pending),
        reason: reason.as_deref().and_then(RejectReason::parse),
        note: row.try_get("note")?,
        network: row.try_get("network")?,
        created_at: row.try_get("created_at")?,
        qualified_at: row.try_get("qualified_at")?,
        rewarded_at: row.try_get("rewarded_at")?,
    })
}

fn first_order(state: &str, paid_at: Millis) -> FirstOrder {
    match state {
        "locked" => FirstOrder::Locked,
        "paid" => FirstOrder::Paid { at: paid_at },
        "refunded" | "returned" => FirstOrder::Undone,
        _ => FirstOrder::Open,
    }
}

/// The device digests an account is known by: its sign-ups and sign-ins, and its orders.
const DEVICES_OF: &str = "SELECT device_key FROM account_devices WHERE user_id = $1 \
     UNION SELECT device_key FROM launch_orders WHERE user_id = $1 AND device_key IS NOT NULL";

impl Store {
    /// The fan's referral code, if they have one yet.
    pub async fn referral_code(&self, user_id: i64) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?)
    }

    /// Gives the fan `candidate` as their code unless they have one (or another fan has this
    /// one): returns the fan's code afterwards, `None` when `candidate` was taken by someone
    /// else and the caller should try another.
    pub async fn offer_referral_code(
        &self,
        user_id: i64,
        candidate: &str,
        now: Millis,
    ) -> StoreResult<Option<String>> {
        // No conflict target: a second node giving this fan a code and another fan holding
        // this code are both "do nothing", told apart by the read that follows.
        sqlx::query("INSERT INTO referral_codes (user_id, code, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(user_id)
            .bind(candidate)
            .bind(now)
            .execute(&self.write)
            .await?;
        Ok(sqlx::query_scalar("SELECT code FROM referral_codes WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&self.write)
            .await?)
    }

    /// The fan a code belongs to.
    pub async fn user_by_referral_code(&self, code: &str) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.handle, u.email, u.role, u.bio, u.points, u.created_at FROM referral_codes c \
             JOIN users u ON u.id = c.user_id WHERE c.code = $1",
        )
        .bind(code)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    /// Remembers that the account used this device (a sign-in, a sign-up).
    pub async fn record_account_device(
        &self,
        user_id: i64,
        device_key: &str,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_devices (user_id, device_key, first_seen, last_seen) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (user_id, device_key) DO UPDATE SET last_seen = excluded.last_seen",
        )
        .bind(user_id)
        .bind(device_key)
        .bind(now)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Creates an account that came by a referral, and the referral, in one transaction: the
    /// referral starts pending, held (a burst from one network) or refused (the referrer's
    /// own device), and the referrer hears of it.
    pub async fn create_referred_user(
        &self,
        new: NewUser<'_>,
        referral: NewReferral<'_>,
    ) -> StoreResult<(User, Referral)> {
        let now = new.created_at;
        let mut tx = self.write.begin().await?;
        let user = insert_user(&mut *tx, &new).await?;
        let mut shares_device = false;
        if let Some(key) = referral.device_key {
            sqlx::query(
                "INSERT INTO account_devices (user_id, device_key, first_seen, last_seen) VALUES ($1, $2, $3, $3)",
            )
            .bind(user.id)
            .bind(key)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let sql = format!("SELECT COUNT(*) FROM ({DEVICES_OF}) d WHERE d.device_key = $2");
            let n: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(referral.referrer_id)
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
            shares_device = n > 0;
        }
        let window_start = now - canyu_core::referral::BURST_WINDOW_MS;
        let earlier: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM referrals WHERE referrer_id = $1 AND network = $2 AND created_at >= $3 \
             AND (reason IS NULL OR reason <> 'same_device')",
        )
        .bind(referral.referrer_id)
        .bind(referral.network)
        .bind(window_start)
        .fetch_one(&mut *tx)
        .await?;
        let (status, reason) = at_sign_up(shares_device, earlier + 1);
        if status == ReferralStatus::Held {
            // The burst is held whole: the invitees before this one were part of it.
            sqlx::query(
                "UPDATE referrals SET status = 'held', updated_at = $4 WHERE referrer_id = $1 AND network = $2 \
                 AND created_at >= $3 AND status = 'pending'",
            )
            .bind(referral.referrer_id)
            .bind(referral.network)
            .bind(window_start)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO referrals (referrer_id, invitee_id, status, reason, network, device_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(referral.referrer_id)
        .bind(user.id)
        .bind(status.as_str())
        .bind(reason.map(RejectReason::as_str))
        .bind(referral.network)
        .bind(referral.device_key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let data = serde_json::json!({ "invitee": user.handle, "referral": id });
        let key = format!("{}:{id}", NotificationKind::ReferralJoined.as_str());
        Self::notify_fan(
            &mut tx,
            referral.referrer_id,
            NotificationKind::ReferralJoined,
            &key,
            Some(user.id),
            &data,
            now,
        )
        .await?;
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = $1")))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((user, referral_from_row(&row)?))
    }

    /// The fan's invitees, newest first.
    pub async fn referrals_by(&self, referrer_id: i64, limit: i64) -> StoreResult<Vec<Referral>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.referrer_id = $1 ORDER BY r.id DESC LIMIT $2"
        )))
        .bind(referrer_id)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(referral_from_row).collect::<Result<_, _>>()?)
    }

    /// The referral that brought this fan, if one did.
    pub async fn referral_of_invitee(&self, invitee_id: i64) -> StoreResult<Option<Referral>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} WHERE r.invitee_id = $1")))
            .bind(invitee_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(referral_from_row).transpose()?)
    }

    pub async fn referral(&self, id: i64) -> StoreResult<Option<Referral>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {REFERRAL_COLUMNS} WHERE r.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(referral_from_row).transpose()?)
    }

    /// Whether one of the fan's referrals was rewarded (the perks beyond points).
    pub async fn has_rewarded_referral(&self, referrer_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM referrals WHERE referrer_id = $1 AND status = 'rewarded' LIMIT 1",
        )
        .bind(referrer_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(found.is_some())
    }

    /// How many the fan invited, how many qualified, and the points their referrals earned.
    pub async fn referral_totals(&self, referrer_id: i64) -> StoreResult<ReferralTotals> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS invited, \
             COALESCE(SUM(CASE WHEN status IN ('qualified', 'rewarded') THEN 1 ELSE 0 END), 0) AS qualified, \
             (SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM points_ledger WHERE user_id = $1 AND reason = $2) AS points \
             FROM referrals WHERE referrer_id = $1",
        )
        .bind(referrer_id)
        .bind(Reason::ReferralRewarded.as_str())
        .fetch_one(&self.read)
        .await?;
        Ok(ReferralTotals {
            invited: row.try_get("invited")?,
            qualified: row.try_get("qualified")?,
            rewarded_points: row.try_get("points")?,
        })
    }

    /// Records that `invitee` joined by `referrer`'s referral, as it stood at `at` (imports
    /// and the demo, whose accounts exist already): pending, held or rejected for `reason`.
    /// Pending ones then vest like any other.
    pub async fn import_referral(
        &self,
        referrer_id: i64,
        invitee_id: i64,
        status: ReferralStatus,
        reason: Option<RejectReason>,
        network: &str,
        at: Millis,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO referrals (referrer_id, invitee_id, status, reason, network, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(referrer_id)
        .bind(invitee_id)
        .bind(status.as_str())
        .bind(reason.map(RejectReason::as_str))
        .bind(network)
        .bind(at)
        .fetch_one(&self.write)
        .await?)
    }

    // ---- vesting: a job every node runs ----

    /// Inside an order's transition: the buyer's pending (or held) referral, if they came by
    /// one, is due for the vesting job at `due`, or sooner if it already was. A held one is
    /// read once staff approve it.
    pub(crate) async fn mark_referral_due(tx: &mut Tx, order_id: i64, due: Millis) -> StoreResult<()> {
        sqlx::query(
            "UPDATE referrals SET due_at = CASE WHEN due_at IS NULL OR due_at > $2 THEN $2 ELSE due_at END \
             WHERE invitee_id = (SELECT user_id FROM launch_orders WHERE order_id = $1) \
             AND status IN ('pending', 'held')",
        )
        .bind(order_id)
        .bind(due)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// When the vesting job should look at a pending referral again (`None`: when an order
    /// of its invitee moves).
    pub async fn set_referral_due(&self, id: i64, due: Option<Millis>) -> StoreResult<()> {
        sqlx::query("UPDATE referrals SET due_at = $2 WHERE id = $1 AND status = 'pending'")
            .bind(id)
            .bind(due)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Pending referrals due by `now` (their invitee's order moved), with the invitee's first
    /// paid order and points. Reads only what is due: most invitees never order.
    pub async fn due_referrals(&self, now: Millis, limit: i64) -> StoreResult<Vec<PendingReferral>> {
        self.pending_where("r.due_at <= $1", now, limit).await
    }

    /// Pending referrals whose invitee has at least `points` (the level rule, when a site
    /// sets one), in id order.
    pub async fn pending_referrals_with_points(
        &self,
        points: i64,
        limit: i64,
    ) -> StoreResult<Vec<PendingReferral>> {
        self.pending_where("u.points >= $1", points, limit).await
    }

    async fn pending_where(&self, filter: &str, value: i64, limit: i64) -> StoreResult<Vec<PendingReferral>> {
        // `filter` is one of the two fixed conditions above, never text from a request.
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT r.id, r.referrer_id, r.invitee_id, u.points, o.order_id, o.state, o.paid_at \
             FROM referrals r JOIN users u ON u.id = r.invitee_id \
             LEFT JOIN launch_orders o ON o.order_id = (SELECT f.order_id FROM launch_orders f \
               WHERE f.user_id = r.invitee_id AND f.paid_at IS NOT NULL ORDER BY f.paid_at, f.order_id LIMIT 1) \
             WHERE r.status = 'pending' AND {filter} ORDER BY r.id LIMIT $2"
        )))
        .bind(value)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let order: Option<i64> = r.try_get("order_id")?;
                let state: Option<String> = r.try_get("state")?;
                let paid_at: Option<Millis> = r.try_get("paid_at")?;
                Ok(PendingReferral {
                    id: r.try_get("id")?,
                    referrer_id: r.try_get("referrer_id")?,
                    invitee_id: r.try_get("invitee_id")?,
                    invitee_points: r.try_get("points")?,
                    first_order: order
                        .map(|o| (o, first_order(state.as_deref().unwrap_or(""), paid_at.unwrap_or(0)))),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Why the invitee may be the referrer under another name: the same verified person, a
    /// device both used, a delivery address both ordered to. `None`: no sign of it.
    pub async fn referral_fraud(
        &self,
        referrer_id: i64,
        invitee_id: i64,
    ) -> StoreResult<Option<RejectReason>> {
        let same_person: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM identities a JOIN identities b ON a.person_key = b.person_key \
             WHERE a.user_id = $1 AND b.user_id = $2",
        )
        .bind(referrer_id)
        .bind(invitee_id)
        .fetch_one(&self.read)
        .await?;
        if same_person > 0 {
            return Ok(Some(RejectReason::SamePerson));
        }
        let sql = format!(
            "SELECT COUNT(*) FROM ({DEVICES_OF}) a WHERE a.device_key IN \
             (SELECT device_key FROM account_devices WHERE user_id = $2 \
              UNION SELECT device_key FROM launch_orders WHERE user_id = $2 AND device_key IS NOT NULL)"
        );
        let same_device: i64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(referrer_id)
            .bind(invitee_id)
            .fetch_one(&self.read)
            .await?;
        if same_device > 0 {
            return Ok(Some(RejectReason::SameDevice));
        }
        let same_address: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM launch_orders a WHERE a.user_id = $1 AND a.address_key IS NOT NULL \
             AND a.address_key IN (SELECT b.address_key FROM launch_orders b WHERE b.user_id = $2)",
        )
        .bind(referrer_id)
        .bind(invitee_id)
        .fetch_one(&self.read)
        .await?;
        Ok((same_address > 0).then_some(RejectReason::SameAddress))
    }

    /// Marks a pending referral qualified (by `order_id` when an order did it). `false` when
    /// it was no longer pending: another node got there first, or staff held it.
    pub async fn qualify_referral(&self, id: i64, order_id: Option<i64>, now: Millis) -> StoreResult<bool> {
        let moved = sqlx::query(
            "UPDATE referrals SET status = 'qualified', order_id = $2, qualified_at = $3, updated_at = $3 \
             WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(order_id)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(moved == 1)
    }

    /// Refuses a pending referral for `reason`.
    pub async fn reject_pending_referral(
        &self,
        id: i64,
        reason: RejectReason,
        now: Millis,
    ) -> StoreResult<bool> {
        let moved = sqlx::query(
            "UPDATE referrals SET status = 'rejected', reason = $2, updated_at = $3 WHERE id = $1 AND status = 'pending'",
        )
        .bind(id)
        .bind(reason.as_str())
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(moved == 1)
    }

    /// Qualified referrals waiting for their reward, oldest first, but for referrers who
    /// collected `cap` rewards since `month_start` (theirs wait for next month, and must not
    /// crowd out everyone else's).
    pub async fn qualified_referrals(
        &self,
        cap: i64,
        month_start: Millis,
        limit: i64,
    ) -> StoreResult<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query(
            "SELECT id, referrer_id, invitee_id FROM referrals WHERE status = 'qualified' \
             AND referrer_id NOT IN (SELECT referrer_id FROM referrals WHERE status = 'rewarded' \
               AND rewarded_at >= $2 GROUP BY referrer_id HAVING COUNT(*) >= $3) \
             ORDER BY qualified_at, id LIMIT $1",
        )
        .bind(limit)
        .bind(month_start)
        .bind(cap)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("id")?, r.try_get("referrer_id")?, r.try_get("invitee_id")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Pays a qualified referral: the referrer's points, the invitee's welcome gift and the
    /// referrer's notice, in one transaction, unless the referrer already collected `cap`
    /// rewards since `month_start`. Returns whether this call paid it.
    pub async fn reward_referral(
        &self,
        id: i64,
        cap: i64,
        month_start: Millis,
        now: Millis,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        // The write first, on the referrer's row: two nodes paying one referrer's invitees
        // queue here, so both cannot count 9 and pay the 10th and 11th (and SQLite takes its
        // write lock before any read).
        let locked = sqlx::query(
            "UPDATE users SET points = points WHERE id = (SELECT referrer_id FROM referrals WHERE id = $1 \
             AND status = 'qualified')",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if locked == 0 {
            return Ok(false);
        }
        let row = sqlx::query(
            "SELECT r.referrer_id, r.invitee_id, r.status, u.handle FROM referrals r JOIN users u ON u.id = r.invitee_id \
             WHERE r.id = $1",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let (referrer, invitee, status): (i64, i64, String) =
            (row.try_get("referrer_id")?, row.try_get("invitee_id")?, row.try_get("status")?);
        let invitee_handle: String = row.try_get("handle")?;
        if status != ReferralStatus::Qualified.as_str() {
            return Ok(false);
        }
        let this_month: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM referrals WHERE referrer_id = $1 AND status = 'rewarded' AND rewarded_at >= $2",
        )
        .bind(referrer)
        .bind(month_start)
        .fetch_one(&mut *tx)
        .await?;
        if this_month >= cap {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE referrals SET status = 'rewarded', rewarded_at = $2, updated_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let key = format!("referral:{id}");
        let points = Self::award(&mut tx, referrer, None, Reason::ReferralRewarded, &key, now).await?;
        Self::award(&mut tx, invitee, None, Reason::ReferralWelcome, &key, now).await?;
        let data = serde_json::json!({ "invitee": invitee_handle, "referral": id, "points": points });
        let notice = format!("{}:{id}", NotificationKind::ReferralRewarded.as_str());
        Self::notify_fan(
            &mut tx,
            referrer,
            NotificationKind::ReferralRewarded,
            &notice,
            Some(invitee),
            &data,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    // ---- staff ----

    /// Referrals in `status` (held: the review queue), oldest first.
    pub async fn referrals_in(&self, status: ReferralStatus, limit: i64) -> StoreResult<Vec<Referral>> {
        let order = if status == ReferralStatus::Held { "r.id" } else { "r.updated_at DESC, r.id DESC" };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {REFERRAL_COLUMNS} WHERE r.status = $1 ORDER BY {order} LIMIT $2"
        )))
        .bind(status.as_str())
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(referral_from_row).collect::<Result<_, _>>()?)
    }

    /// Staff decide a held referral: approved, it is pending again and due at once (the job
    /// looks at whatever the invitee ordered meanwhile); rejected, it stays rejected with the
    /// note.
    pub async fn review_referral(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        actor_id: i64,
        now: Millis,
    ) -> StoreResult<Referral> {
        let (status, reason) = if approve {
            (ReferralStatus::Pending, None)
        } else {
            (ReferralStatus::Rejected, Some(RejectReason::StaffRejected))
        };
        let moved = sqlx::query(
            "UPDATE referrals SET status = $2, reason = $3, note = $4, reviewed_by = $5, updated_at = $6, \
             due_at = CASE WHEN $2 = 'pending' THEN $6 ELSE due_at END WHERE id = $1 AND status = 'held'",
        )
        .bind(id)
        .bind(status.as_str())
        .bind(reason.map(RejectReason::as_str))
        .bind(note)
        .bind(actor_id)
        .bind(now)
        .execute(&self.write)
        .await?
        .rows_affected();
        let found = self.referral(id).await?.ok_or(ErrorCode::ReferralNotFound)?;
        if moved == 0 {
            return Err(ErrorCode::ReferralDecided.into());
        }
        Ok(found)
    }

    /// Everyone `root` brought, and whom they brought, down to `max_depth` (1: direct
    /// invitees), breadth first. An invitee always joined after their referrer, so the tree
    /// has no cycles.
    pub async fn referral_tree(&self, root: i64, max_depth: i64, limit: i64) -> StoreResult<Vec<TreeNode>> {
        let rows = sqlx::query(
            "WITH RECURSIVE tree(user_id, referrer_id, depth, status, created_at) AS ( \
               SELECT invitee_id, referrer_id, 1, status, created_at FROM referrals WHERE referrer_id = $1 \
               UNION ALL \
               SELECT r.invitee_id, r.referrer_id, t.depth + 1, r.status, r.created_at FROM referrals r \
               JOIN tree t ON r.referrer_id = t.user_id WHERE t.depth < $2) \
             SELECT t.user_id, u.handle, t.referrer_id, p.handle AS referrer_handle, t.depth, t.status, \
             t.created_at FROM tree t JOIN users u ON u.id = t.user_id JOIN users p ON p.id = t.referrer_id ORDER BY t.depth, t.created_at, t.user_id LIMIT $3",
        )
        .bind(root)
        .bind(max_depth)
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(TreeNode {
                    user_id: r.try_get("user_id")?,
                    handle: r.try_get("handle")?,
                    referrer_id: r.try_get("referrer_id")?,
                    referrer_handle: r.try_get("referrer_handle")?,
                    depth: r.try_get("depth")?,
                    status: ReferralStatus::parse(&status).unwrap_or(ReferralStatus::Pending),
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// The fans who brought the most invitees.
    pub async fn top_referrers(&self, limit: i64) -> StoreResult<Vec<ReferrerRow>> {
        let rows = sqlx::query(
            "SELECT r.referrer_id, u.handle, COUNT(*) AS invited, \
             SUM(CASE WHEN r.status IN ('qualified', 'rewarded') THEN 1 ELSE 0 END) AS qualified, \
             SUM(CASE WHEN r.status = 'rejected' THEN 1 ELSE 0 END) AS rejected, \
             SUM(CASE WHEN r.status = 'held' THEN 1 ELSE 0 END) AS held \
             FROM referrals r JOIN users u ON u.id = r.referrer_id GROUP BY r.referrer_id, u.handle \
             ORDER BY COUNT(*) DESC, r.referrer_id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReferrerRow {
                    user_id: r.try_get("referrer_id")?,
                    handle: r.try_get("handle")?,
                    invited: r.try_get("invited")?,
                    qualified: r.try_get("qualified")?,
                    rejected: r.try_get("rejected")?,
                    held: r.try_get("held")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Sign-ups per month between consecutive `bounds` (month starts in the site's zone, the
    /// last one the end): one scan of each table, whatever the number of months.
    pub async fn sign_ups_by_month(&self, bounds: &[Millis]) -> StoreResult<Vec<MonthSignUps>> {
        let months = bounds.len().saturating_sub(1);
        if months == 0 {
            return Ok(Vec::new());
        }
        let buckets = |column: &str, filter: &str| {
            (0..months)
                .map(|i| {
                    format!(
                        "COALESCE(SUM(CASE WHEN {column} >= {} AND {column} < {}{filter} THEN 1 ELSE 0 END), 0)",
                        bounds[i],
                        bounds[i + 1]
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (first, last) = (bounds[0], bounds[months]);
        // The bounds are integers this function was given, never text from a request.
        let users = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM users WHERE created_at >= {first} AND created_at < {last}",
            buckets("created_at", "")
        )))
        .fetch_one(&self.read)
        .await?;
        let referred = sqlx::query(AssertSqlSafe(format!(
            "SELECT {}, {} FROM referrals WHERE created_at >= {first} AND created_at < {last}",
            buckets("created_at", ""),
            buckets("created_at", " AND status IN ('qualified', 'rewarded')")
        )))
        .fetch_one(&self.read)
        .await?;
        (0..months)
            .map(|i| {
                Ok(MonthSignUps {
                    from: bounds[i],
                    new_fans: users.try_get(i)?,
                    referred: referred.try_get(i)?,
                    qualified: referred.try_get(months + i)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
