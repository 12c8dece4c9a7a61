//! Password hashing: Argon2id, on a blocking thread.

use crate::error::{AppError, AppResult};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use canyu_core::ErrorCode;

/// How expensive password hashing is. `Standard` is Argon2id with OWASP's recommended
/// parameters; `Fast` keeps Argon2id but with tiny memory, for test suites that create
/// hundreds of accounts. Never use `Fast` in production.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordCost {
    Standard,
    Fast,
}

pub(crate) fn argon2(cost: PasswordCost) -> Argon2<'static> {
    let params = match cost {
        // OWASP: Argon2id, 19 MiB, 2 iterations, 1 lane.
        PasswordCost::Standard => Params::new(19 * 1024, 2, 1, None),
        PasswordCost::Fast => Params::new(256, 1, 1, None),
    };
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.unwrap_or_default())
}

/// Hashes on a blocking thread: Argon2 is deliberately slow and must not stall the runtime.
pub async fn hash_password(cost: PasswordCost, password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        argon2(cost).hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::new(ErrorCode::Internal)
        })
    })
    .await?
}

pub async fn verify_password(password: String, hash: String) -> AppResult<bool> {
    // The hash string carries its own parameters, so the cost setting does not matter here.
    Ok(tokio::task::spawn_blocking(move || {
        argon2(PasswordCost::Standard).verify_password(password.as_bytes(), hash.as_str()).is_ok()
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2_round_trip() {
        let hash = hash_password(PasswordCost::Fast, "correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), hash.clone()).await.unwrap());
        assert!(!verify_password("wrong horse".into(), hash).await.unwrap());
    }
}
