//! Telling fans and the team: the inbox, email opt-out links, the team's webhooks, and what
//! each notification says ([`text`]). Delivery by email and webhook is a job
//! ([`crate::jobs::delivery`]).

pub mod text;
pub mod webhooks;

use crate::App;
use crate::accounts::{Auth, constant_time_eq};
use crate::error::{AppError, AppResult};
use canyu_core::ErrorCode;
use canyu_store::Notification;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The caller's notifications, newest first, older than `before` (an id).
pub async fn inbox(app: &App, auth: &Auth, before: Option<i64>, limit: i64) -> AppResult<Vec<Notification>> {
    Ok(app.store.notifications(auth.user.id, before, limit).await?)
}

/// How many of the caller's notifications are unread.
pub async fn unread(app: &App, auth: &Auth) -> AppResult<i64> {
    Ok(app.store.unread_notifications(auth.user.id).await?)
}

/// Marks one of the caller's notifications read, or all of them. Returns how many are still
/// unread.
pub async fn mark_read(app: &App, auth: &Auth, id: Option<i64>) -> AppResult<i64> {
    app.store.mark_notifications_read(auth.user.id, id, app.now()).await?;
    unread(app, auth).await
}

/// The token of `user_id`'s unsubscribe link.
pub fn unsubscribe_token(secret: &[u8], user_id: i64) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this cannot happen.
        return String::new();
    };
    mac.update(format!("unsubscribe:{user_id}").as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The path of `user_id`'s unsubscribe link (RFC 8058 one-click: it works without signing in).
pub fn unsubscribe_path(secret: &[u8], user_id: i64) -> String {
    format!("/unsubscribe/{user_id}/{}", unsubscribe_token(secret, user_id))
}

/// Checks an unsubscribe link: the fan's id when the token is theirs (`not_found` otherwise,
/// so a guess learns nothing).
pub fn check_unsubscribe(app: &App, user: &str, given: &str) -> AppResult<i64> {
    let user_id = user.parse::<i64>().map_err(|_| AppError::new(ErrorCode::NotFound))?;
    let expected = unsubscribe_token(&app.link_secret, user_id);
    if expected.is_empty() || !constant_time_eq(&expected, given) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(user_id)
}

/// Turns email off for the fan an unsubscribe link names.
pub async fn unsubscribe(app: &App, user: &str, given: &str) -> AppResult<()> {
    let user_id = check_unsubscribe(app, user, given)?;
    app.store.set_email_notifications(user_id, false).await?;
    tracing::info!(user = user_id, "unsubscribed from email");
    Ok(())
}
