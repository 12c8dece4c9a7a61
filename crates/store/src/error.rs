use canyu_core::ErrorCode;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request broke a rule that only the database could check (a taken handle, a missing
    /// post, a status that moved meanwhile). Safe to show to the client.
    #[error("{0}")]
    Rejected(ErrorCode),
    #[error("unsupported database URL {0}: use sqlite://… or postgres://…")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<ErrorCode> for StoreError {
    fn from(code: ErrorCode) -> Self {
        StoreError::Rejected(code)
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// True when the database refused a row because a unique constraint already holds it.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.message().contains("UNIQUE constraint failed")
                || db.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

/// Maps a unique-constraint refusal to `code`, anything else to a database error.
pub(crate) fn unique_or(code: ErrorCode) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) { StoreError::Rejected(code) } else { StoreError::Db(e) }
    }
}
