//! 提醒我: fans who asked to be told when a wave goes on sale or a campaign opens its
//! reservations. The reminder job sends each once, a few minutes ahead, as an inbox notice
//! (and an email for fans who take them); several nodes may run the job side by side.

use crate::notifications::NotificationKind;
use crate::{Store, StoreResult};
use canyu_core::Millis;
use sqlx::Row;

/// What a reminder is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReminderTarget {
    Wave(i64),
    Campaign(i64),
}

impl ReminderTarget {
    fn key(self) -> String {
        match self {
            ReminderTarget::Wave(id) => format!("wave:{id}"),
            ReminderTarget::Campaign(id) => format!("campaign:{id}"),
        }
    }
}

/// Reminders due by `before`: a wave starting or a campaign's reservations opening.
const DUE: &str = "SELECT r.id, r.user_id, r.wave_id, r.campaign_id, \
     COALESCE(w.starts_at, c.reserve_opens_at) AS at, \
     COALESCE(pw.name, pc.name) AS product_name, w.sku, c.title \
     FROM launch_reminders r \
     LEFT JOIN waves w ON w.id = r.wave_id LEFT JOIN products pw ON pw.id = w.product_id \
     LEFT JOIN campaigns c ON c.id = r.campaign_id LEFT JOIN products pc ON pc.id = c.product_id \
     WHERE r.sent_at IS NULL AND ( \
       (w.id IS NOT NULL AND w.cancelled_at IS NULL AND w.starts_at <= $1) \
       OR (c.id IS NOT NULL AND c.reserve_opens_at <= $1)) \
     ORDER BY r.id LIMIT $2";

impl Store {
    /// Asks (`on`) or stops asking to be reminded; idempotent. Returns whether the fan is
    /// now to be reminded.
    pub async fn set_reminder(
        &self,
        user_id: i64,
        target: ReminderTarget,
        on: bool,
        now: Millis,
    ) -> StoreResult<bool> {
        let key = target.key();
        if on {
            let (wave, campaign) = match target {
                ReminderTarget::Wave(id) => (Some(id), None),
                ReminderTarget::Campaign(id) => (None, Some(id)),
            };
            sqlx::query(
                "INSERT INTO launch_reminders (user_id, wave_id, campaign_id, target, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, target) DO NOTHING",
            )
            .bind(user_id)
            .bind(wave)
            .bind(campaign)
            .bind(&key)
            .bind(now)
            .execute(&self.write)
            .await?;
        } else {
            sqlx::query(
                "DELETE FROM launch_reminders WHERE user_id = $1 AND target = $2 AND sent_at IS NULL",
            )
            .bind(user_id)
            .bind(&key)
            .execute(&self.write)
            .await?;
        }
        Ok(on)
    }

    /// Whether the fan asked to be reminded (and it has not gone out yet).
    pub async fn has_reminder(&self, user_id: i64, target: ReminderTarget) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM launch_reminders WHERE user_id = $1 AND target = $2 AND sent_at IS NULL",
        )
        .bind(user_id)
        .bind(target.key())
        .fetch_one(&self.read)
        .await?;
        Ok(n > 0)
    }

    /// How many fans wait to be reminded of it: what the team sees of the demand.
    pub async fn reminder_count(&self, target: ReminderTarget) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM launch_reminders WHERE target = $1")
            .bind(target.key())
            .fetch_one(&self.read)
            .await?)
    }

    /// Sends up to `limit` reminders whose moment comes before `due_by`, each once: the
    /// row is claimed and its notice written in one transaction. Returns how many went out.
    pub async fn send_due_reminders(&self, due_by: Millis, now: Millis, limit: i64) -> StoreResult<u64> {
        let rows = sqlx::query(DUE).bind(due_by).bind(limit).fetch_all(&self.read).await?;
        let mut sent = 0;
        for r in rows {
            let id: i64 = r.try_get("id")?;
            let user_id: i64 = r.try_get("user_id")?;
            let wave: Option<i64> = r.try_get("wave_id")?;
            let campaign: Option<i64> = r.try_get("campaign_id")?;
            let data = serde_json::json!({
                "wave": wave,
                "campaign": campaign,
                "at": r.try_get::<i64, _>("at")?,
                "product_name": r.try_get::<Option<String>, _>("product_name")?,
                "sku": r.try_get::<Option<String>, _>("sku")?,
                "title": r.try_get::<Option<String>, _>("title")?,
            });
            let mut tx = self.write.begin().await?;
            let claimed =
                sqlx::query("UPDATE launch_reminders SET sent_at = $1 WHERE id = $2 AND sent_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if claimed == 0 {
                // Another node sent it.
                continue;
            }
            let key = format!("reminder:{id}");
            Self::notify_fan(&mut tx, user_id, NotificationKind::LaunchReminder, &key, None, &data, now)
                .await?;
            tx.commit().await?;
            sent += 1;
        }
        Ok(sent)
    }
}
