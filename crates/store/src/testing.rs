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
            // A busy shared server (the whole suite's pools, CLI tests' own processes) can keep
            // a new connection waiting past the pool's timeout now and then: that is the
            // machine, not the code under test, so creating the database is tried again.
            let mut attempt = 0;
            loop {
                attempt += 1;
                match create_database(&admin, &name).await {
                    Ok(()) => break,
                    Err(e) if attempt < 3 => {
                        eprintln!("note: creating test database {name} failed ({e}); trying again");
                        tokio::time::sleep(std::time::Duration::from_secs(attempt)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
            replace_database(&admin, &name)
        }
    };
    Ok((Store::open(&url).await?, url))
}

async fn create_database(admin: &str, name: &str) -> StoreResult<()> {
    let admin_store = Store::connect(admin).await?;
    let created =
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin_store.write).await;
    admin_store.close().await;
    match created {
        Ok(_) => Ok(()),
        // An earlier attempt may have created it before its answer was lost.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The start of most store tests: a fresh database of `backend` with one product in its
/// category, a staff account (`staff`) and `fans` fans (`fan0`, `fan1`, …), all made at 1 ms.
pub struct TestWorld {
    pub store: Store,
    pub product: i64,
    pub staff: i64,
    pub fans: Vec<i64>,
}

/// `product` is `(category slug, product slug, product name)`.
pub async fn world(backend: Backend, product: (&str, &str, &str), fans: usize) -> StoreResult<TestWorld> {
    let (store, _) = fresh_store(backend).await?;
    let (category, slug, name) = product;
    store.create_category(category, category, category).await?;
    let product = store
        .create_product(crate::NewProduct { slug, name, category_slug: category, tagline: "", created_at: 1 })
        .await?
        .id;
    let handles: Vec<String> =
        std::iter::once("staff".to_string()).chain((0..fans).map(|i| format!("fan{i}"))).collect();
    let rows: Vec<crate::NewUser> = handles
        .iter()
        .enumerate()
        .map(|(i, handle)| crate::NewUser {
            handle,
            email: None,
            password_hash: "x",
            role: if i == 0 { canyu_core::Role::Staff } else { canyu_core::Role::Fan },
            bio: "",
            created_at: 1,
        })
        .collect();
    let ids = store.create_users_bulk(&rows).await?;
    Ok(TestWorld { store, product, staff: ids[0], fans: ids[1..].to_vec() })
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
