//! The outbox: email and webhook deliveries, queued in the transaction of the event they
//! report and worked off by a delivery worker with retries.

use crate::{Backend, Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{Any, Row, Transaction};

type Tx = Transaction<'static, Any>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: i64,
    /// `None`: every product.
    pub product_id: Option<i64>,
    pub url: String,
    /// `generic`, `feishu`, `dingtalk` or `wecom`.
    pub format: String,
    pub secret: Option<String>,
    pub created_at: Millis,
}

pub struct NewWebhook<'a> {
    pub product_id: Option<i64>,
    pub url: &'a str,
    pub format: &'a str,
    pub secret: Option<&'a str>,
    pub created_by: i64,
    pub now: Millis,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryJob {
    pub id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    pub target_id: i64,
    pub event_key: String,
    pub kind: String,
    pub post_id: Option<i64>,
    pub payload: serde_json::Value,
    /// Including the attempt this claim starts.
    pub attempts: i64,
}

/// Where an email goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecipient {
    pub handle: String,
    pub email: Option<String>,
    pub enabled: bool,
}

impl Store {
    /// Queues an email for every recipient of the notifications stored under `event_key`
    /// who has an address and wants email.
    pub(crate) async fn enqueue_emails(tx: &mut Tx, event_key: &str, now: Millis) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO delivery_jobs (channel, target_id, event_key, kind, post_id, payload, \
             next_attempt_at, created_at) \
             SELECT 'email', n.user_id, n.event_key, n.kind, n.post_id, n.data, $1, $1 \
             FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.event_key = $2 AND u.email IS NOT NULL AND u.email <> '' AND u.email_notifications = 1 \
             ON CONFLICT (channel, target_id, event_key) DO NOTHING",
        )
        .bind(now)
        .bind(event_key)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Queues the event for every active webhook of the post's product (and the
    /// site-wide ones). Events of beta-board posts are not sent: a team's channel may be a
    /// public room, and beta posts stay inside the beta group.
    pub(crate) async fn enqueue_webhooks(
        tx: &mut Tx,
        kind: &str,
        event_key: &str,
        post_id: i64,
        data: &serde_json::Value,
        now: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO delivery_jobs (channel, target_id, event_key, kind, post_id, payload, \
             next_attempt_at, created_at) \
             SELECT 'webhook', w.id, $1, $2, $3, $4, $5, $5 FROM webhooks w \
             WHERE w.active = 1 AND (w.product_id IS NULL \
             OR w.product_id = (SELECT product_id FROM posts WHERE id = $3)) \
             AND NOT EXISTS (SELECT 1 FROM posts WHERE id = $3 AND beta = 1) \
             ON CONFLICT (channel, target_id, event_key) DO NOTHING",
        )
        .bind(event_key)
        .bind(kind)
        .bind(post_id)
        .bind(data.to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Takes up to `limit` due jobs for `lease_ms`: a worker that dies holding them lets
    /// them fall due again when the lease ends. On PostgreSQL, workers on several nodes
    /// skip each other's rows.
    pub async fn claim_jobs(&self, now: Millis, limit: i64, lease_ms: i64) -> StoreResult<Vec<DeliveryJob>> {
        let skip = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE delivery_jobs SET locked_until = $1, attempts = attempts + 1 WHERE id IN \
             (SELECT id FROM delivery_jobs WHERE state = 'pending' AND next_attempt_at <= $2 \
              AND locked_until <= $2 ORDER BY next_attempt_at, id LIMIT $3{skip}) \
             RETURNING id, channel, target_id, event_key, kind, post_id, payload, attempts"
        )))
        .bind(now + lease_ms)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.write)
        .await?;
        let mut jobs = rows
            .iter()
            .map(|r| {
                let payload: String = r.try_get("payload")?;
                Ok(DeliveryJob {
                    id: r.try_get("id")?,
                    channel: r.try_get("channel")?,
                    target_id: r.try_get("target_id")?,
                    event_key: r.try_get("event_key")?,
                    kind: r.try_get("kind")?,
                    post_id: r.try_get("post_id")?,
                    payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                    attempts: r.try_get("attempts")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    pub async fn complete_job(&self, id: i64, now: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE delivery_jobs SET state = 'done', done_at = $1, last_error = NULL WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn retry_job(&self, id: i64, next_attempt_at: Millis, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE delivery_jobs SET next_attempt_at = $1, locked_until = 0, last_error = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(error)
        .bind(id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Ends a job without delivering it: `dead` (gave up) or `skipped` (no way to send).
    pub async fn drop_job(&self, id: i64, state: &str, error: &str, now: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE delivery_jobs SET state = $1, last_error = $2, done_at = $3 WHERE id = $4")
            .bind(state)
            .bind(error)
            .bind(now)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Jobs per (channel, state), for metrics and tests.
    pub async fn job_counts(&self) -> StoreResult<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT channel, state, COUNT(*) AS n FROM delivery_jobs GROUP BY channel, state ORDER BY channel, state",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("channel")?, r.try_get("state")?, r.try_get("n")?))).collect()
    }

    pub async fn email_recipient(&self, user_id: i64) -> StoreResult<Option<EmailRecipient>> {
        let row = sqlx::query("SELECT handle, email, email_notifications FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| {
            let enabled: i64 = r.try_get("email_notifications")?;
            Ok(EmailRecipient {
                handle: r.try_get("handle")?,
                email: r.try_get("email")?,
                enabled: enabled != 0,
            })
        })
        .transpose()
    }

    pub async fn set_email(&self, user_id: i64, email: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
            .bind(email)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn set_email_notifications(&self, user_id: i64, enabled: bool) -> StoreResult<()> {
        sqlx::query("UPDATE users SET email_notifications = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn create_webhook(&self, new: NewWebhook<'_>) -> StoreResult<Webhook> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhooks (product_id, url, format, secret, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.product_id)
        .bind(new.url)
        .bind(new.format)
        .bind(new.secret)
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&self.write)
        .await?;
        self.webhook(id).await?.ok_or_else(|| ErrorCode::NotFound.into())
    }

    pub async fn webhook(&self, id: i64) -> StoreResult<Option<Webhook>> {
        let row = sqlx::query(
            "SELECT id, product_id, url, format, secret, created_at FROM webhooks WHERE id = $1 AND active = 1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.as_ref().map(webhook_from_row).transpose()
    }

    pub async fn webhooks(&self) -> StoreResult<Vec<Webhook>> {
        let rows = sqlx::query(
            "SELECT id, product_id, url, format, secret, created_at FROM webhooks WHERE active = 1 ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(webhook_from_row).collect()
    }

    /// Stops a webhook; its queued jobs are dropped when they come due.
    pub async fn deactivate_webhook(&self, id: i64) -> StoreResult<bool> {
        Ok(sqlx::query("UPDATE webhooks SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id)
            .execute(&self.write)
            .await?
            .rows_affected()
            > 0)
    }
}

fn webhook_from_row(r: &sqlx::any::AnyRow) -> StoreResult<Webhook> {
    Ok(Webhook {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        url: r.try_get("url")?,
        format: r.try_get("format")?,
        secret: r.try_get("secret")?,
        created_at: r.try_get("created_at")?,
    })
}
