//! Who is asking: the caller behind an API token or a browser session. The HTTP adapter reads
//! the header or cookie and checks CSRF; here the secret is looked up, by its digest.

use crate::App;
use crate::error::{AppError, AppResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use canyu_core::{ErrorCode, Role};
use canyu_store::{ApiToken, TokenLookup, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth {
    pub user: User,
    pub via: AuthVia,
}

#[derive(Clone, Debug)]
pub enum AuthVia {
    Session {
        token_hash: String,
        csrf: String,
    },
    Token,
    /// A channel's token: it reports that channel's sales (its code here) and nothing else.
    ChannelToken {
        channel: String,
    },
}

impl Auth {
    /// Refuses callers whose role is below `role`. Every staff action goes through here.
    pub fn require(&self, role: Role) -> AppResult<()> {
        crate::policy::require_role(self, role)
    }
}

pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Secrets are stored only as SHA-256 digests: a leaked database reveals no usable token.
/// (Tokens are 256 random bits, so a fast hash is enough; passwords get Argon2.)
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets without leaking, through timing, how much of a guess was right.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The caller behind an API token (`token_expired` / `token_invalid` otherwise). The use is
/// noted, to be written later (see [`crate::app::TokenUses`]).
pub async fn authenticate_token(app: &App, token: &str) -> AppResult<Auth> {
    let now = app.now();
    match app.store.token_user(&token_digest(token), now).await? {
        TokenLookup::Valid { user, channel, token_id } => {
            app.token_uses.note(token_id, now);
            let via = match channel {
                Some(channel) => AuthVia::ChannelToken { channel },
                None => AuthVia::Token,
            };
            Ok(Auth { user, via })
        }
        TokenLookup::Expired => Err(AppError::new(ErrorCode::TokenExpired)),
        TokenLookup::Invalid => Err(AppError::new(ErrorCode::TokenInvalid)),
    }
}

/// The caller behind a browser session cookie, if it is live.
pub async fn authenticate_session(app: &App, secret: &str) -> AppResult<Option<Auth>> {
    let digest = token_digest(secret);
    Ok(app
        .store
        .session_user(&digest, app.now())
        .await?
        .map(|(user, csrf)| Auth { user, via: AuthVia::Session { token_hash: digest, csrf } }))
}

/// A new browser session for `user`: its secret (for the cookie).
pub async fn start_session(app: &App, user: &User) -> AppResult<String> {
    let token = random_token(32);
    let csrf = random_token(32);
    let now = app.now();
    let ttl = app.config.session_ttl;
    app.store
        .create_session(&token_digest(&token), user.id, &csrf, now, now + ttl.as_millis() as i64)
        .await?;
    Ok(token)
}

/// Ends the caller's browser session, if they have one.
pub async fn end_session(app: &App, auth: Option<&Auth>) -> AppResult<()> {
    if let Some(Auth { via: AuthVia::Session { token_hash, .. }, .. }) = auth {
        app.store.delete_session(token_hash).await?;
    }
    Ok(())
}

/// Issues a token that reports `channel_id`'s sales and nothing else: returns the secret
/// (shown once) and its record.
pub async fn issue_channel_token(
    app: &App,
    user: &User,
    channel_id: i64,
    name: &str,
) -> AppResult<(String, ApiToken)> {
    let secret = format!("cy_{}", random_token(32));
    let now = app.now();
    let expires = now + app.config.api_token_ttl.as_millis() as i64;
    let record = app
        .store
        .create_channel_token(user.id, channel_id, name, &token_digest(&secret), now, expires)
        .await?;
    Ok((secret, record))
}

/// Issues an API token for `user`: returns the secret (shown once) and its record.
pub async fn issue_api_token(app: &App, user: &User, name: &str) -> AppResult<(String, ApiToken)> {
    let secret = format!("cy_{}", random_token(32));
    let now = app.now();
    let expires = now + app.config.api_token_ttl.as_millis() as i64;
    let record = app.store.create_api_token(user.id, name, &token_digest(&secret), now, expires).await?;
    Ok((secret, record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests() {
        assert_eq!(token_digest("a").len(), 64);
        assert_ne!(random_token(16), random_token(16));
    }
}
