//! Point reads on SQLite run on the caller's thread.
//!
//! sqlx runs every SQLite connection on its own thread and passes each query and each row
//! across a channel. For the lookup that authenticates every request (one row by a unique
//! index, a few microseconds of work in SQLite) those two thread hops cost more than the
//! query: at a drop, with 64 buyers at once, waking sqlx's reader threads took about 40 % of
//! the server's CPU (`perf`, BENCHMARKS.md). These lookups therefore run here, on a small
//! pool of read-only connections, without leaving the thread.
//!
//! They never wait: the connections have no busy timeout, and anything other than a clean
//! answer (a busy file, an I/O error, a schema this code does not expect) returns `None`, and
//! the caller asks sqlx as before. So this is only ever a shortcut, never a different answer.

use crate::users::User;
use canyu_core::user::Role;
use parking_lot::Mutex;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// More idle connections than this are closed: the runtime has a worker per core, so more
/// than a few lookups never run at once.
const MAX_IDLE: usize = 8;

pub(crate) struct InlineReads {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Lookups answered here (the rest went to sqlx): tests check the shortcut is taken.
    answered: AtomicU64,
}

/// A SQLite answer, or `None`: ask sqlx.
pub(crate) type Inline<T> = Option<T>;

impl InlineReads {
    /// For a file database (`sqlite://path?…` or `sqlite:path`); `None` for in-memory ones,
    /// which another connection cannot see.
    pub(crate) fn for_url(url: &str) -> Option<InlineReads> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        if path.is_empty() || path.starts_with(":memory:") || url.contains("mode=memory") {
            return None;
        }
        Some(InlineReads {
            path: PathBuf::from(path),
            idle: Mutex::new(Vec::new()),
            answered: AtomicU64::new(0),
        })
    }

    fn connect(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // busy_timeout 0: a busy file is answered by sqlx's path, never by sleeping here.
        conn.execute_batch("PRAGMA busy_timeout = 0; PRAGMA query_only = ON; PRAGMA cache_size = -8000;")?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (or a new one) and puts the connection back.
    fn with<T>(&self, read: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Inline<T> {
        let popped = self.idle.lock().pop();
        let conn = match popped {
            Some(conn) => conn,
            None => match self.connect() {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::debug!(error = %e, "inline SQLite reader could not open; using the pool");
                    return None;
                }
            },
        };
        let answer = read(&conn);
        let mut idle = self.idle.lock();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        drop(idle);
        match answer {
            Ok(value) => {
                self.answered.fetch_add(1, Ordering::Relaxed);
                Some(value)
            }
            Err(e) => {
                tracing::debug!(error = %e, "inline SQLite read failed; using the pool");
                None
            }
        }
    }

    pub(crate) fn answered(&self) -> u64 {
        self.answered.load(Ordering::Relaxed)
    }

    /// `Some(None)`: no such token.
    pub(crate) fn token_user(&self, sql: &str, token_hash: &str) -> Inline<Option<crate::users::TokenRow>> {
        self.with(|conn| {
            conn.prepare_cached(sql)?
                .query_row([token_hash], |row| {
                    Ok(crate::users::TokenRow {
                        user: user_from_row(row)?,
                        token_id: row.get("token_id")?,
                        channel: row.get("channel_code")?,
                        revoked_at: row.get("revoked_at")?,
                        expires_at: row.get("token_expires_at")?,
                    })
                })
                .optional()
        })
    }

    pub(crate) fn session_user(
        &self,
        sql: &str,
        token_hash: &str,
        now: i64,
    ) -> Inline<Option<(User, String)>> {
        self.with(|conn| {
            conn.prepare_cached(sql)?
                .query_row(rusqlite::params![token_hash, now], |row| {
                    Ok((user_from_row(row)?, row.get("csrf_token")?))
                })
                .optional()
        })
    }
}

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<User> {
    let role: String = row.get("role")?;
    Ok(User {
        id: row.get("id")?,
        handle: row.get("handle")?,
        email: row.get("email")?,
        role: Role::parse(&role).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })?,
        bio: row.get("bio")?,
        points: row.get("points")?,
        created_at: row.get("created_at")?,
    })
}
