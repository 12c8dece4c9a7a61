//! Draw waves: the seed and its commitment, the entries, and the result. The shuffle itself
//! lives in `canyu-launch` (`draw.rs`); this module keeps what it needs and what it
//! publishes, and writes the winners' orders in the same transaction that closes the draw.

use crate::{Backend, NewOrder, Store, StoreResult};
use canyu_core::{ErrorCode, Millis};
use sqlx::{AssertSqlSafe, Row};

/// A draw's state as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawState {
    pub wave_id: i64,
    pub commitment: String,
    /// The secret seed: only for the draw itself, and published once `drawn_at` is set.
    pub seed: String,
    pub entries_hash: Option<String>,
    pub drawn_at: Option<Millis>,
    pub entries: i64,
}

/// An entry: the fan and the string published for them (their handle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawEntry {
    pub user_id: i64,
    pub entry: String,
}

impl Store {
    /// Records a draw wave's seed and commitment (once, when the wave is created).
    pub async fn set_draw_seed(&self, wave_id: i64, seed_hex: &str, commitment: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE waves SET draw_seed = $1, draw_commitment = $2 WHERE id = $3 AND draw_seed IS NULL",
        )
        .bind(seed_hex)
        .bind(commitment)
        .bind(wave_id)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    pub async fn draw_state(&self, wave_id: i64) -> StoreResult<Option<DrawState>> {
        let row = sqlx::query(
            "SELECT id, draw_commitment, draw_seed, draw_entries_hash, drawn_at, \
             (SELECT COUNT(*) FROM draw_entries e WHERE e.wave_id = waves.id) AS entries \
             FROM waves WHERE id = $1 AND draw_seed IS NOT NULL",
        )
        .bind(wave_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(DrawState {
                wave_id: r.try_get("id")?,
                commitment: r.try_get("draw_commitment")?,
                seed: r.try_get("draw_seed")?,
                entries_hash: r.try_get("draw_entries_hash")?,
                drawn_at: r.try_get("drawn_at")?,
                entries: r.try_get("entries")?,
            })
        })
        .transpose()
    }

    /// Enters the fan into the draw and, in the same transaction, tells them so with when it
    /// is drawn (`draws_at`, the wave's end, and `draws_at_local`, that time on the site's
    /// clock in `zone`, since notices are rendered without the site's settings); a second
    /// entry is refused with `already_entered`.
    pub async fn enter_draw(
        &self,
        wave_id: i64,
        user_id: i64,
        entry: &str,
        now: Millis,
        draws_at_local: &str,
        zone: &str,
    ) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        sqlx::query("INSERT INTO draw_entries (wave_id, user_id, entry, created_at) VALUES ($1, $2, $3, $4)")
            .bind(wave_id)
            .bind(user_id)
            .bind(entry)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(crate::error::unique_or(ErrorCode::AlreadyEntered))?;
        if let Some(mut data) = crate::waves::wave_facts(&mut tx, wave_id).await? {
            let draws_at: Millis = sqlx::query_scalar("SELECT ends_at FROM waves WHERE id = $1")
                .bind(wave_id)
                .fetch_one(&mut *tx)
                .await?;
            data.insert("draws_at".into(), draws_at.into());
            data.insert("draws_at_local".into(), draws_at_local.into());
            data.insert("zone".into(), zone.into());
            let kind = crate::NotificationKind::DrawEntered;
            let key = format!("{}:{wave_id}", kind.as_str());
            sqlx::query(
                "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
                 VALUES ($1, $2, $3, NULL, NULL, $4, $5) ON CONFLICT (user_id, event_key) DO NOTHING",
            )
            .bind(user_id)
            .bind(kind.as_str())
            .bind(&key)
            .bind(serde_json::Value::Object(data).to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn has_entered(&self, wave_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM draw_entries WHERE wave_id = $1 AND user_id = $2")
                .bind(wave_id)
                .bind(user_id)
                .fetch_one(&self.read)
                .await?;
        Ok(n > 0)
    }

    pub async fn draw_entries(&self, wave_id: i64) -> StoreResult<Vec<DrawEntry>> {
        let rows = sqlx::query("SELECT user_id, entry FROM draw_entries WHERE wave_id = $1 ORDER BY entry")
            .bind(wave_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| Ok(DrawEntry { user_id: r.try_get("user_id")?, entry: r.try_get("entry")? }))
            .collect()
    }

    /// Ended draw waves not drawn yet: the background job's work list.
    pub async fn draws_due(&self, now: Millis) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM waves WHERE draw_seed IS NOT NULL AND drawn_at IS NULL AND ends_at <= $1 \
             AND cancelled_at IS NULL ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.read)
        .await?)
    }

    /// Closes a draw: checks that the entries are still the `entries_used` the winners were
    /// drawn from (`draw_entries_changed` otherwise, nothing written), writes the winners'
    /// orders (seq = rank), `sold` and the entries hash, and marks it drawn, which reveals
    /// the seed. Returns false when the draw had been closed already (by another node).
    pub async fn complete_draw(
        &self,
        wave_id: i64,
        entries_used: i64,
        entries_hash: &str,
        winners: &[NewOrder],
        now: Millis,
    ) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let drawn: Option<Option<Millis>> =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT drawn_at FROM waves WHERE id = $1{lock}")))
                .bind(wave_id)
                .fetch_optional(&mut *tx)
                .await?;
        match drawn {
            None => return Err(ErrorCode::WaveNotFound.into()),
            Some(Some(_)) => return Ok(false),
            Some(None) => {}
        }
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM draw_entries WHERE wave_id = $1")
            .bind(wave_id)
            .fetch_one(&mut *tx)
            .await?;
        if entries != entries_used {
            return Err(ErrorCode::DrawEntriesChanged.into());
        }
        for o in winners {
            sqlx::query(
                "INSERT INTO orders (wave_id, user_id, seq, lane, idempotency_key, body_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(o.wave_id)
            .bind(o.user_id)
            .bind(o.seq)
            .bind(o.lane)
            .bind(&o.idempotency_key)
            .bind(&o.body_hash)
            .bind(o.created_at)
            .execute(&mut *tx)
            .await?;
        }
        Self::tell_entrants(&mut tx, wave_id, now).await?;
        sqlx::query("UPDATE waves SET sold = $1, draw_entries_hash = $2, drawn_at = $3 WHERE id = $4")
            .bind(winners.len() as i64)
            .bind(entries_hash)
            .bind(now)
            .bind(wave_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Tells every entrant of a draw whose winners' orders were just written whether they
    /// won (with their order) or not, in the draw's transaction: one statement for all of
    /// them, since a draw may have hundreds of thousands of entrants.
    async fn tell_entrants(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        wave_id: i64,
        now: Millis,
    ) -> StoreResult<()> {
        let Some(facts) = crate::waves::wave_facts(tx, wave_id).await? else { return Ok(()) };
        let facts = serde_json::Value::Object(facts).to_string();
        // `{"order":<id>,` (for a winner) then the facts' members.
        let rest = format!(",{}", facts.strip_prefix('{').unwrap_or(&facts));
        let (won, lost) =
            (crate::NotificationKind::DrawWon.as_str(), crate::NotificationKind::DrawLost.as_str());
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, event_key, post_id, actor_id, data, created_at) \
             SELECT e.user_id, CASE WHEN o.id IS NULL THEN $1 ELSE $2 END, $3 || CAST(e.wave_id AS TEXT), \
             NULL, NULL, '{\"order\":' || COALESCE(CAST(o.id AS TEXT), 'null') || $4, $5 \
             FROM draw_entries e LEFT JOIN orders o ON o.wave_id = e.wave_id AND o.user_id = e.user_id \
             AND o.lane = 'draw' WHERE e.wave_id = $6 ON CONFLICT (user_id, event_key) DO NOTHING",
        )
        .bind(lost)
        .bind(won)
        .bind("draw.result:")
        .bind(rest)
        .bind(now)
        .bind(wave_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
