//! Real-name verification (实名认证): a fan gives their name and resident identity number
//! once; campaigns that count one order per person then count this person, however many
//! accounts they verify.

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use canyu_core::ErrorCode;
use canyu_core::identity::{RealName, ResidentId};
use canyu_store::Identity;

/// Verification attempts per fan per minute: each costs an Argon2 run, and a wrong number
/// should not be guessable at speed.
pub const ATTEMPTS_PER_MINUTE: u32 = 5;

/// The person behind an identity number, as stored: Argon2id of the number with a fixed
/// salt, so one person gives one key on every node and every run, while a stolen database
/// does not give the numbers back cheaply. The cost is fixed (not the site's password
/// cost) because a key must never change for the same number.
pub fn person_key(id: &ResidentId) -> Result<String, ErrorCode> {
    use argon2::{Algorithm, Argon2, Params, Version};
    let params = Params::new(19 * 1024, 2, 1, Some(32)).map_err(|_| ErrorCode::Internal)?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(id.as_str().as_bytes(), b"canyu.person-key.v1", &mut key)
        .map_err(|_| ErrorCode::Internal)?;
    Ok(hex::encode(key))
}

pub async fn verify(app: &App, auth: &Auth, real_name: &str, id_number: &str) -> AppResult<Identity> {
    crate::ratelimit::limit(app, format!("identity:{}", auth.user.id), ATTEMPTS_PER_MINUTE)?;
    let name = RealName::parse(real_name)?;
    let id = ResidentId::parse(id_number, app.now())?;
    // Checked before the slow digest; the insert checks again for a racing second request.
    if app.store.identity(auth.user.id).await?.is_some() {
        return Err(ErrorCode::AlreadyVerified.into());
    }
    let hint = id.hint().to_string();
    let person_key = tokio::task::spawn_blocking(move || person_key(&id))
        .await
        .map_err(|_| AppError::new(ErrorCode::Internal))??;
    let identity = Identity {
        user_id: auth.user.id,
        real_name: name.into_inner(),
        person_key,
        id_hint: hint,
        verified_at: app.now(),
    };
    app.store.record_identity(&identity).await?;
    tracing::info!(user = auth.user.id, "identity verified");
    Ok(identity)
}

pub async fn show(app: &App, auth: &Auth) -> AppResult<Option<Identity>> {
    Ok(app.store.identity(auth.user.id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_gives_one_key_and_another_number_another() {
        let now = 1_795_000_000_000;
        let a = ResidentId::parse("11010519491231002X", now).unwrap();
        let b = ResidentId::parse("440524198001010013", now).unwrap();
        let key = person_key(&a).unwrap();
        assert_eq!(key.len(), 64);
        assert_eq!(person_key(&ResidentId::parse("110105 19491231 002x", now).unwrap()).unwrap(), key);
        assert_ne!(person_key(&b).unwrap(), key);
        assert!(!key.contains("1949"));
    }
}
