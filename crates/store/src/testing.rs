//! Fresh databases for tests: a new SQLite file, and a new PostgreSQL database when
//! `CANYU_TEST_POSTGRES_URL` names a server (tests then run once per backend).

use crate::{Backend, Store, StoreResult};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!(
        "canyu_t_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The backends to test on: always SQLite; PostgreSQL if configured (else says it skips).
pub fn backends() -> Vec<Backend> {
    match std::env::var("CANYU_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => vec![Backend::Sqlite, Backend::Postgres],
        _ => {
            eprintln!("note: CANYU_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run of this test");
            vec![Backend::Sqlite]
        }
    }
}

/// A migrated, empty database of `backend`, and its URL. SQLite files live in a fresh temp dir.
pub async fn fresh_store(backend: Backend) -> StoreResult<(Store, String)> {
    let url = match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique_name());
            std::fs::create_dir_all(&dir).map_err(sqlx::Error::Io)?;
            crate::sqlite_url_for_dir(&dir)
        }
        Backend::Postgres => {
            let admin = std::env::var("CANYU_TEST_POSTGRES_URL").unwrap_or_default();
            let name = unique_name();
            let admin_store = Store::connect(&admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin_store.write)
                .await?;
            admin_store.close().await;
            replace_database(&admin, &name)
        }
    };
    Ok((Store::open(&url).await?, url))
}

/// `postgres://u@h:5432/test?x=y` with the database name replaced.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_names() {
        assert_eq!(super::replace_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::replace_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(super::replace_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
