use crate::error::unique_or;
use crate::{Store, StoreResult};
use canyu_core::{ErrorCode, Millis, Role};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub handle: String,
    pub email: Option<String>,
    pub role: Role,
    pub bio: String,
    /// Points balance: the sum of the fan's ledger entries.
    pub points: i64,
    pub created_at: Millis,
}

/// A user with the password hash, only for signing in.
pub struct UserWithSecret {
    pub user: User,
    pub password_hash: String,
}

pub struct NewUser<'a> {
    pub handle: &'a str,
    pub email: Option<&'a str>,
    pub password_hash: &'a str,
    pub role: Role,
    pub bio: &'a str,
    pub created_at: Millis,
}

#[derive(Clone, Debug)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: Millis,
    pub expires_at: Millis,
    pub last_used_at: Option<Millis>,
    pub revoked: bool,
}

pub enum TokenLookup {
    /// The token's owner, and the token's id (to record its use by).
    Valid {
        user: User,
        /// For a channel token, the code of the one channel whose sales it may report.
        channel: Option<String>,
        token_id: i64,
    },
    Expired,
    Invalid,
}

/// An API token's row with its owner, as the lookup reads it.
pub(crate) struct TokenRow {
    pub user: User,
    pub token_id: i64,
    /// A channel token's channel code: it only reports that channel's sales.
    pub channel: Option<String>,
    pub revoked_at: Option<i64>,
    pub expires_at: Millis,
}

const USER_COLUMNS: &str = "u.id, u.handle, u.email, u.role, u.bio, u.points, u.created_at";
static TOKEN_USER_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
static SESSION_USER_SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        handle: row.try_get("handle")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        bio: row.try_get("bio")?,
        points: row.try_get("points")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Inserts an account: alone, or inside a transaction that records more (a referral).
pub(crate) async fn insert_user<'c, E>(executor: E, new: &NewUser<'_>) -> StoreResult<User>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO users (handle, handle_key, email, password_hash, role, bio, created_at, handle_skeleton) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {}",
        USER_COLUMNS.replace("u.", "")
    )))
    .bind(new.handle)
    .bind(handle_key(new.handle))
    .bind(new.email)
    .bind(new.password_hash)
    .bind(new.role.as_str())
    .bind(new.bio)
    .bind(new.created_at)
    .bind(canyu_core::user::handle_skeleton(new.handle))
    .fetch_one(executor)
    .await
    .map_err(unique_or(ErrorCode::HandleTaken))?;
    Ok(user_from_row(&row)?)
}

/// Handles are unique regardless of Latin case, so `MiFan` cannot impersonate `mifan`.
fn handle_key(handle: &str) -> String {
    handle.to_lowercase()
}

impl Store {
    pub async fn create_user(&self, new: NewUser<'_>) -> StoreResult<User> {
        insert_user(&self.write, &new).await
    }

    /// Creates many accounts in one transaction (load-test fixtures, imports); returns their
    /// ids in order. All or nothing: one taken handle refuses the batch.
    pub async fn create_users_bulk(&self, users: &[NewUser<'_>]) -> StoreResult<Vec<i64>> {
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(users.len());
        for chunk in users.chunks(500) {
            let values = crate::value_rows(chunk.len(), 8);
            let sql = format!(
                "INSERT INTO users (handle, handle_key, email, password_hash, role, bio, created_at, handle_skeleton) \
                 VALUES {} RETURNING id",
                values
            );
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(u.handle)
                    .bind(handle_key(u.handle))
                    .bind(u.email)
                    .bind(u.password_hash)
                    .bind(u.role.as_str())
                    .bind(u.bio)
                    .bind(u.created_at)
                    .bind(canyu_core::user::handle_skeleton(u.handle));
            }
            let mut chunk_ids = q.fetch_all(&mut *tx).await.map_err(unique_or(ErrorCode::HandleTaken))?;
            chunk_ids.sort_unstable();
            ids.extend(chunk_ids);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The handle of the account whose handle looks like `handle` (the same
    /// [`canyu_core::user::handle_skeleton`]), if any.
    pub async fn handle_look_alike(&self, handle: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar("SELECT handle FROM users WHERE handle_skeleton = $1")
            .bind(canyu_core::user::handle_skeleton(handle))
            .fetch_optional(&self.read)
            .await?)
    }

    /// Fills in the skeleton of accounts made before migration 0023. An account whose
    /// skeleton an earlier one already has keeps NULL (both keep signing in; only new
    /// look-alikes are refused).
    pub(crate) async fn backfill_handle_skeletons(&self) -> StoreResult<()> {
        let rows = sqlx::query("SELECT id, handle FROM users WHERE handle_skeleton IS NULL ORDER BY id")
            .fetch_all(&self.write)
            .await?;
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let handle: String = row.try_get("handle")?;
            let done = sqlx::query("UPDATE users SET handle_skeleton = $1 WHERE id = $2")
                .bind(canyu_core::user::handle_skeleton(&handle))
                .bind(id)
                .execute(&self.write)
                .await;
            match done {
                Ok(_) => {}
                Err(e) if crate::error::is_unique_violation(&e) => {
                    tracing::warn!(user = id, "handle looks like an older account's; skeleton left empty");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    pub async fn user_by_handle(&self, handle: &str) -> StoreResult<Option<UserWithSecret>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.handle_key = $1"
        )))
        .bind(handle_key(handle))
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| {
            Ok(UserWithSecret { user: user_from_row(&r)?, password_hash: r.try_get("password_hash")? })
        })
        .transpose()
    }

    pub async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        let row = sqlx::query(AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1")))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn set_role(&self, user_id: i64, role: Role) -> StoreResult<()> {
        sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn set_password_hash(&self, user_id: i64, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn update_bio(&self, user_id: i64, bio: &str) -> StoreResult<()> {
        sqlx::query("UPDATE users SET bio = $1 WHERE id = $2")
            .bind(bio)
            .bind(user_id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn user_count(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&self.read).await?)
    }

    // ---- cookie sessions -------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The user and CSRF token of a live session.
    pub async fn session_user(&self, token_hash: &str, now: Millis) -> StoreResult<Option<(User, String)>> {
        let sql = SESSION_USER_SQL.get_or_init(|| {
            format!(
                "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2"
            )
        });
        if let Some(found) = self.inline.as_ref().and_then(|inline| inline.session_user(sql, token_hash, now))
        {
            return Ok(found);
        }
        let row = sqlx::query(AssertSqlSafe(sql.as_str()))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.try_get("csrf_token")?))).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    pub async fn delete_expired_sessions(&self, now: Millis) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(&self.write).await?;
        Ok(done.rows_affected())
    }

    // ---- API tokens ------------------------------------------------------------------

    /// A token of `user_id` scoped to reporting one channel's sales.
    pub async fn create_channel_token(
        &self,
        user_id: i64,
        channel_id: i64,
        name: &str,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<ApiToken> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at, channel_id) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .bind(channel_id)
        .fetch_one(&self.write)
        .await?;
        Ok(ApiToken {
            id,
            name: name.to_string(),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked: false,
        })
    }

    pub async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<ApiToken> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .fetch_one(&self.write)
        .await?;
        Ok(ApiToken {
            id: row.try_get("id")?,
            name: name.to_string(),
            created_at: now,
            expires_at,
            last_used_at: None,
            revoked: false,
        })
    }

    pub async fn token_user(&self, token_hash: &str, now: Millis) -> StoreResult<TokenLookup> {
        let sql = TOKEN_USER_SQL.get_or_init(|| {
            format!(
                "SELECT {USER_COLUMNS}, t.id AS token_id, t.expires_at AS token_expires_at, t.revoked_at, \
                 c.code AS channel_code FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 LEFT JOIN channels c ON c.id = t.channel_id WHERE t.token_hash = $1"
            )
        });
        let found = match self.inline.as_ref().and_then(|inline| inline.token_user(sql, token_hash)) {
            Some(found) => found,
            None => {
                let row = sqlx::query(AssertSqlSafe(sql.as_str()))
                    .bind(token_hash)
                    .fetch_optional(&self.read)
                    .await?;
                match row {
                    Some(row) => Some(TokenRow {
                        user: user_from_row(&row)?,
                        token_id: row.try_get("token_id")?,
                        channel: row.try_get("channel_code")?,
                        revoked_at: row.try_get("revoked_at")?,
                        expires_at: row.try_get("token_expires_at")?,
                    }),
                    None => None,
                }
            }
        };
        let Some(TokenRow { user, token_id, channel, revoked_at, expires_at }) = found else {
            return Ok(TokenLookup::Invalid);
        };
        if revoked_at.is_some() {
            return Ok(TokenLookup::Invalid);
        }
        if expires_at <= now {
            return Ok(TokenLookup::Expired);
        }
        Ok(TokenLookup::Valid { user, channel, token_id })
    }

    /// Records when several tokens (by id) were last used (the web layer buffers uses and
    /// flushes them every few seconds, so requests never wait for a write). One statement
    /// per 500 tokens: at a drop thousands of fans' tokens are flushed at once, and one long
    /// transaction would hold SQLite's only write connection while orders wait behind it.
    /// Callers writing many should pass them in id order: neighbouring ids share pages, so
    /// each statement rewrites a few pages instead of one per token.
    pub async fn touch_api_tokens(&self, uses: &[(i64, Millis)]) -> StoreResult<()> {
        for chunk in uses.chunks(500) {
            let sql = format!(
                "WITH used(id, at) AS (VALUES {}) \
                 UPDATE api_tokens SET last_used_at = used.at FROM used \
                 WHERE api_tokens.id = used.id \
                 AND (api_tokens.last_used_at IS NULL OR api_tokens.last_used_at < used.at)",
                crate::value_rows_for(self.backend, chunk.len(), 2)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (id, at) in chunk {
                query = query.bind(*id).bind(*at);
            }
            query.execute(&self.write).await?;
        }
        Ok(())
    }

    pub async fn list_api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, expires_at, last_used_at, revoked_at FROM api_tokens \
             WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let revoked: Option<i64> = r.try_get("revoked_at")?;
                Ok(ApiToken {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    created_at: r.try_get("created_at")?,
                    expires_at: r.try_get("expires_at")?,
                    last_used_at: r.try_get("last_used_at")?,
                    revoked: revoked.is_some(),
                })
            })
            .collect()
    }

    /// Revokes one of the user's own tokens; false when there is no such live token.
    pub async fn revoke_api_token(&self, user_id: i64, token_id: i64, now: Millis) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(token_id)
        .bind(user_id)
        .execute(&self.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// Revokes the token with this digest (signing out an API client).
    /// Removes tokens that expired or were revoked before `before`: they are refused anyway,
    /// and without this every API login would leave a row behind for good.
    pub async fn delete_finished_api_tokens(&self, before: Millis) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE expires_at <= $1 OR revoked_at <= $1")
            .bind(before)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected())
    }

    pub async fn revoke_api_token_by_digest(&self, token_hash: &str, now: Millis) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(token_hash)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// How many accounts have a handle starting with `prefix` (case-insensitive): where a
    /// load-test fixture run continues numbering its fans.
    pub async fn count_users_with_handle_prefix(&self, prefix: &str) -> StoreResult<i64> {
        let prefix = handle_key(prefix);
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE substr(handle_key, 1, CAST($1 AS INTEGER)) = $2",
        )
        .bind(prefix.chars().count() as i64)
        .bind(&prefix)
        .fetch_one(&self.read)
        .await?)
    }

    /// Creates many accounts and one API token each (stored as its digest, `token_hashes[i]`
    /// for `users[i]`) in one transaction, 500 rows per statement; returns the ids in order.
    /// Load-test fixtures. All or nothing, like [`Store::create_users_bulk`].
    pub async fn create_users_with_api_tokens_bulk(
        &self,
        users: &[NewUser<'_>],
        token_hashes: &[String],
        token_name: &str,
        now: Millis,
        expires_at: Millis,
    ) -> StoreResult<Vec<i64>> {
        if users.len() != token_hashes.len() {
            return Err(ErrorCode::Internal.into());
        }
        let mut tx = self.write.begin().await?;
        let mut ids = Vec::with_capacity(users.len());
        for (chunk, digests) in users.chunks(500).zip(token_hashes.chunks(500)) {
            let values = crate::value_rows(chunk.len(), 7);
            let sql = format!(
                "INSERT INTO users (handle, handle_key, email, password_hash, role, bio, created_at) \
                 VALUES {} RETURNING id",
                values
            );
            let mut q = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(u.handle)
                    .bind(handle_key(u.handle))
                    .bind(u.email)
                    .bind(u.password_hash)
                    .bind(u.role.as_str())
                    .bind(u.bio)
                    .bind(u.created_at);
            }
            let mut chunk_ids = q.fetch_all(&mut *tx).await.map_err(unique_or(ErrorCode::HandleTaken))?;
            chunk_ids.sort_unstable();
            let values = crate::value_rows(chunk.len(), 5);
            let sql = format!(
                "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES {}",
                values
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, digest) in chunk_ids.iter().zip(digests) {
                q = q.bind(*id).bind(token_name).bind(digest.as_str()).bind(now).bind(expires_at);
            }
            q.execute(&mut *tx).await?;
            ids.extend(chunk_ids);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The naive way to sell a wave, kept as the benchmark baseline of the drop engine
    /// (`canyu_launch::hotrow`): one transaction per order that takes the wave's row lock
    /// (`UPDATE waves SET sold = sold + 1 WHERE id = $1 AND sold < $quantity`, the hot row),
    /// then checks the idempotency key and the fan's count under that lock, inserts the
    /// order (its `seq` is the new `sold`; `order.seq` is ignored) and commits, fsynced on
    /// SQLite as on PostgreSQL. Every order of a wave waits for the previous one's commit.
    ///
    /// `Ok(Ok((order, replay)))`: placed (or, with `replay`, found under the same key and
    /// body); `Ok(Err(code))`: refused with `SoldOut`, `OrderLimitReached` or
    /// `IdempotencyKeyReused`, nothing changed.
    pub async fn place_order_hot_row(
        &self,
        order: &crate::NewOrder,
        quantity: i64,
        per_fan_limit: i64,
        launch: Option<&crate::LaunchRow>,
    ) -> StoreResult<Result<(crate::Order, bool), ErrorCode>> {
        let mut conn = self.write.acquire().await?;
        let sqlite = self.backend == crate::Backend::Sqlite;
        if sqlite {
            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
        }
        let result = async {
            let mut tx = sqlx::Acquire::begin(&mut *conn).await?;
            // The hot row: concurrent orders of the wave queue here until this one commits,
            // so what is read below cannot change before the commit.
            let taken: Option<i64> = sqlx::query_scalar(
                "UPDATE waves SET sold = sold + 1 WHERE id = $1 AND sold < $2 RETURNING sold",
            )
            .bind(order.wave_id)
            .bind(quantity)
            .fetch_optional(&mut *tx)
            .await?;
            let existing = sqlx::query(
                "SELECT id, seq, lane, body_hash, status, created_at FROM orders \
                 WHERE wave_id = $1 AND user_id = $2 AND idempotency_key = $3",
            )
            .bind(order.wave_id)
            .bind(order.user_id)
            .bind(&order.idempotency_key)
            .fetch_optional(&mut *tx)
            .await?;
            let stored = |id: i64, seq: i64, lane: String, body_hash: String, status: String, at: Millis| {
                crate::Order {
                    id,
                    wave_id: order.wave_id,
                    user_id: order.user_id,
                    seq,
                    lane,
                    idempotency_key: order.idempotency_key.clone(),
                    body_hash,
                    status,
                    created_at: at,
                }
            };
            if let Some(r) = existing {
                tx.rollback().await?;
                let found = stored(
                    r.try_get("id")?,
                    r.try_get("seq")?,
                    r.try_get("lane")?,
                    r.try_get("body_hash")?,
                    r.try_get("status")?,
                    r.try_get("created_at")?,
                );
                return Ok(if found.body_hash == order.body_hash {
                    Ok((found, true))
                } else {
                    Err(ErrorCode::IdempotencyKeyReused)
                });
            }
            if taken.is_none() {
                tx.rollback().await?;
                return Ok(Err(ErrorCode::SoldOut));
            }
            // `sold` moves back when an order is released, so the sequence is the wave's
            // highest so far plus one (read under the row lock).
            let seq: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM orders WHERE wave_id = $1")
                    .bind(order.wave_id)
                    .fetch_one(&mut *tx)
                    .await?;
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM orders WHERE wave_id = $1 AND user_id = $2 AND status = 'placed'",
            )
            .bind(order.wave_id)
            .bind(order.user_id)
            .fetch_one(&mut *tx)
            .await?;
            if held >= per_fan_limit {
                tx.rollback().await?;
                return Ok(Err(ErrorCode::OrderLimitReached));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orders (wave_id, user_id, seq, lane, idempotency_key, body_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(order.wave_id)
            .bind(order.user_id)
            .bind(seq)
            .bind(order.lane)
            .bind(&order.idempotency_key)
            .bind(&order.body_hash)
            .bind(order.created_at)
            .fetch_one(&mut *tx)
            .await?;
            if let Some(l) = launch {
                crate::launch_orders::insert_launch_rows(
                    &mut tx,
                    &[(id, order.user_id, order.created_at, l)],
                )
                .await?;
            }
            crate::waves::notify_orders_placed(&mut tx, self.backend, &[id]).await?;
            tx.commit().await?;
            let placed = stored(
                id,
                seq,
                order.lane.to_string(),
                order.body_hash.clone(),
                "placed".into(),
                order.created_at,
            );
            Ok::<_, sqlx::Error>(Ok((placed, false)))
        }
        .await;
        if sqlite {
            sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
        }
        Ok(result?)
    }
}
