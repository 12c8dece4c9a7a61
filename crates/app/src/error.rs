//! The one error of the application layer. A use case fails with a stable [`ErrorCode`]
//! (the contract clients switch on, translated by the adapters); what caused it is logged
//! where it happens and, when it is safe to show, kept as `detail` for the message.

use canyu_core::ErrorCode;
use canyu_store::StoreError;

#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    /// A reason safe to show beside the code's message (e.g. which JSON field was wrong).
    pub detail: Option<String>,
    /// For `rate_limited`: seconds until the bucket has a token again.
    pub retry_after: Option<u64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode) -> AppError {
        AppError { code, detail: None, retry_after: None }
    }

    pub fn with_detail(code: ErrorCode, detail: impl Into<String>) -> AppError {
        AppError { code, detail: Some(detail.into()), retry_after: None }
    }

    pub fn rate_limited(retry_after_secs: u64) -> AppError {
        AppError { code: ErrorCode::RateLimited, detail: None, retry_after: Some(retry_after_secs.max(1)) }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.code.as_str()),
            None => f.write_str(self.code.as_str()),
        }
    }
}

impl std::error::Error for AppError {}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        AppError::new(code)
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Rejected(code) => AppError::new(code),
            other => {
                tracing::error!(error = %other, "database error");
                AppError::new(ErrorCode::Internal)
            }
        }
    }
}

impl From<canyu_launch::claims::ClaimsUnavailable> for AppError {
    fn from(err: canyu_launch::claims::ClaimsUnavailable) -> Self {
        tracing::error!(error = %err, "campaign claims unavailable");
        AppError::new(ErrorCode::Unavailable)
    }
}

impl From<canyu_text::TextError> for AppError {
    fn from(err: canyu_text::TextError) -> Self {
        tracing::error!(error = %err, "search index error");
        AppError::new(ErrorCode::Internal)
    }
}

impl From<canyu_media::MediaStoreError> for AppError {
    fn from(err: canyu_media::MediaStoreError) -> Self {
        tracing::error!(error = %err, "media store error");
        AppError::new(ErrorCode::Internal)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        tracing::error!(error = %err, "background task failed");
        AppError::new(ErrorCode::Internal)
    }
}

pub fn forbidden() -> AppError {
    AppError::new(ErrorCode::Forbidden)
}

pub fn unauthenticated() -> AppError {
    AppError::new(ErrorCode::Unauthenticated)
}

pub fn post_not_found() -> AppError {
    AppError::new(ErrorCode::PostNotFound)
}
