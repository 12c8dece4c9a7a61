//! Accounts: registration, sign-in, sessions and API tokens, the caller's own settings and
//! real-name verification. Passwords are Argon2id; tokens and session ids are stored only as
//! SHA-256 digests.

pub mod identity;
pub mod passwords;
pub mod sessions;

pub use passwords::{PasswordCost, hash_password, verify_password};
pub use sessions::{Auth, AuthVia, constant_time_eq, random_token, token_digest};

use crate::App;
use crate::error::{AppError, AppResult};
use crate::ratelimit::{ip_key, limit};
use canyu_core::profile::Profile;
use canyu_core::user::parse_email;
use canyu_core::{ErrorCode, Handle, Password, Role};
use canyu_store::{ApiToken, NewReferral, NewUser, User};
use std::net::IpAddr;

#[derive(Default)]
pub struct Registration {
    pub handle: String,
    pub password: String,
    pub email: Option<String>,
}

/// How a fan signing up came: whose referral code, from which device.
#[derive(Default)]
pub struct SignUpContext {
    /// What the fan chose to say about themselves on the form (all optional).
    pub profile: Profile,
    /// The referral code typed or carried by a `/r/{code}` link.
    pub referral_code: Option<String>,
    /// A code that names nobody is ignored instead of refused: the browser's remembered
    /// link, which the fan never typed.
    pub lenient_code: bool,
    /// The browser's device cookie or the app's `X-Device-Id`, as sent.
    pub device: Option<String>,
}

/// A fan signs up (rate limited per address), by a referral when the context names one.
pub async fn register(app: &App, ip: IpAddr, input: Registration, context: SignUpContext) -> AppResult<User> {
    limit(app, format!("register:{}", ip_key(ip)), app.config.auth_attempts_per_minute)?;
    let referrer = match context.referral_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match crate::referrals::referrer(app, code).await? {
            Some(found) => Some(found),
            None if context.lenient_code => None,
            None => return Err(ErrorCode::ReferralCodeUnknown.into()),
        },
        None => None,
    };
    let device = context
        .device
        .as_deref()
        .and_then(|d| canyu_core::campaign::parse_device_id(d).ok())
        .map(crate::campaigns::launch_orders::device_key);
    let (new, hash) = checked_account(app, &input).await?;
    let new_user = NewUser { password_hash: &hash, ..new.as_new_user(Role::Fan, app.now()) };
    let user = match &referrer {
        Some(referrer) => {
            let network = canyu_core::referral::network_of(ip);
            let referral =
                NewReferral { referrer_id: referrer.id, network: &network, device_key: device.as_deref() };
            let (user, referral) = app.store.create_referred_user(new_user, referral).await?;
            tracing::info!(
                user = user.id,
                referrer = referrer.id,
                status = referral.status.as_str(),
                "referred sign-up"
            );
            user
        }
        None => {
            let user = app.store.create_user(new_user).await?;
            if let Some(key) = &device {
                app.store.record_account_device(user.id, key, app.now()).await?;
            }
            user
        }
    };
    if context.profile != Profile::default() {
        app.store.set_profile(user.id, context.profile).await?;
    }
    tracing::info!(user = user.id, handle = %user.handle, "registered");
    Ok(user)
}

/// What the caller chose to say about themselves (all optional; see [`canyu_core::profile`]).
pub async fn demographics(app: &App, auth: &Auth) -> AppResult<Profile> {
    Ok(app.store.profile(auth.user.id).await?)
}

/// Replaces the caller's self-declared fields; a field left empty is cleared.
pub async fn set_demographics(app: &App, auth: &Auth, profile: Profile) -> AppResult<Profile> {
    app.store.set_profile(auth.user.id, profile).await?;
    Ok(profile)
}

/// Reads the three optional fields as a form or the API sends them: 422 `invalid_profile` for
/// a value that is not one of the offered ones.
pub fn parse_demographics(
    gender: Option<&str>,
    age_band: Option<&str>,
    city_tier: Option<&str>,
) -> AppResult<Profile> {
    Profile::parse(gender, age_band, city_tier).map_err(|_| ErrorCode::InvalidProfile.into())
}

/// An account's checked fields, before its password is hashed.
struct CheckedAccount {
    handle: Handle,
    email: Option<String>,
}

impl CheckedAccount {
    fn as_new_user(&self, role: Role, now: canyu_core::Millis) -> NewUser<'_> {
        NewUser {
            handle: self.handle.as_str(),
            email: self.email.as_deref(),
            password_hash: "",
            role,
            bio: "",
            created_at: now,
        }
    }
}

/// Checks a handle, password and email as every account creation does, and hashes the password.
async fn checked_account(app: &App, input: &Registration) -> AppResult<(CheckedAccount, String)> {
    let handle = Handle::parse(&input.handle)?;
    let password = Password::parse_new(&input.password, handle.as_str())?;
    let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(parse_email(e)?),
        None => None,
    };
    if app.store.user_by_handle(handle.as_str()).await?.is_some() {
        return Err(AppError::new(ErrorCode::HandleTaken));
    }
    // A look-alike of an existing handle (`xiaomі_staff` for `xiaomi_staff`, `xiaorni_…`).
    if app.store.handle_look_alike(handle.as_str()).await?.is_some() {
        return Err(AppError::new(ErrorCode::HandleConfusable));
    }
    let hash = hash_password(app.config.password_cost, password.expose().to_string()).await?;
    Ok((CheckedAccount { handle, email }, hash))
}

/// Creates an account with a role: operators (`canyu user create`) go through the same
/// checks of handles, passwords and emails as fans signing up.
pub async fn create_account(app: &App, input: Registration, role: Role) -> AppResult<User> {
    let (new, hash) = checked_account(app, &input).await?;
    let user =
        app.store.create_user(NewUser { password_hash: &hash, ..new.as_new_user(role, app.now()) }).await?;
    Ok(user)
}

/// Gives an account another role (operators, from the command line).
pub async fn set_role(app: &App, handle: &str, role: Role) -> AppResult<User> {
    let found = app.store.user_by_handle(handle.trim()).await?.ok_or(ErrorCode::UserNotFound)?;
    app.store.set_role(found.user.id, role).await?;
    tracing::info!(user = found.user.id, role = role.as_str(), "role changed");
    Ok(User { role, ..found.user })
}

/// How long the login failure buckets take to refill: failures are remembered this long.
pub const LOGIN_FAILURE_WINDOW_MS: i64 = 15 * 60_000;
/// A handle's failures from all addresses together, as a multiple of the per-address limit.
pub const LOGIN_HANDLE_FAILURES_FACTOR: u32 = 5;

/// Signs in. Limited as OWASP's authentication cheat sheet describes, so that nobody can lock
/// the owner out (issue #17: the per-handle limit of 20 attempts a minute refused the owner
/// too, once anyone had spent it):
/// - per address: every attempt, `auth_attempts_per_minute`;
/// - per (handle, address): failures, `auth_attempts_per_minute` per 15 minutes;
/// - per handle: failures from every address, five times that per 15 minutes (guessing one
///   fan's password from many addresses); when spent it refuses only addresses that have
///   themselves failed for this handle within the window, never one that has not, so the
///   owner signing in from their own address is not stopped by someone else's guesses.
pub async fn login(app: &App, ip: IpAddr, handle: &str, password: &str) -> AppResult<User> {
    limit(app, format!("login:{}", ip_key(ip)), app.config.auth_attempts_per_minute)?;
    // A string that is no handle cannot sign in; only handles get failure buckets, so junk
    // cannot fill the limiter.
    let Ok(parsed) = Handle::parse(handle) else {
        return Err(AppError::new(ErrorCode::InvalidCredentials));
    };
    let handle_key = format!("login-handle:{}", parsed.as_str().to_lowercase());
    let pair_key = format!("login-pair:{}:{}", parsed.as_str().to_lowercase(), ip_key(ip));
    let per_pair = app.config.auth_attempts_per_minute;
    let per_handle = per_pair.saturating_mul(LOGIN_HANDLE_FAILURES_FACTOR);
    let now = app.now();
    let refused = |crate::ratelimit::RetryAfter(secs)| AppError::rate_limited(secs);
    app.limiter.peek(&pair_key, per_pair, LOGIN_FAILURE_WINDOW_MS, now).map_err(refused)?;
    if !app.limiter.is_full(&pair_key, per_pair, LOGIN_FAILURE_WINDOW_MS, now) {
        app.limiter.peek(&handle_key, per_handle, LOGIN_FAILURE_WINDOW_MS, now).map_err(refused)?;
    }
    let found = app.store.user_by_handle(parsed.as_str()).await?;
    let verified = match found {
        Some(found) => {
            verify_password(password.to_string(), found.password_hash).await?.then_some(found.user)
        }
        None => {
            // Spend the same time as a real check, so response time does not reveal handles.
            let _ = verify_password(password.to_string(), dummy_hash().to_string()).await;
            None
        }
    };
    let Some(user) = verified else {
        let now = app.now();
        app.limiter.spend(&pair_key, per_pair, LOGIN_FAILURE_WINDOW_MS, now);
        app.limiter.spend(&handle_key, per_handle, LOGIN_FAILURE_WINDOW_MS, now);
        return Err(AppError::new(ErrorCode::InvalidCredentials));
    };
    Ok(user)
}

/// A standard-cost Argon2id hash of a random password, verified against when the handle does
/// not exist. Made once per process.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        use argon2::password_hash::PasswordHasher;
        passwords::argon2(PasswordCost::Standard)
            .hash_password(random_token(16).as_bytes())
            .map(|h| h.to_string())
            .unwrap_or_default()
    });
    &HASH
}
// ---- the caller's own account ---------------------------------------------------------

pub const BIO_MAX_CHARS: usize = 300;

/// The bio as it will be stored: browsers send textarea line breaks as CRLF, so they become
/// plain newlines first; then trimmed, at most [`BIO_MAX_CHARS`], no control characters
/// besides newlines. Refused with `invalid_form`.
pub fn parse_bio(raw: &str) -> Result<String, ErrorCode> {
    let bio = raw.replace("\r\n", "\n");
    let bio = bio.trim();
    if bio.chars().count() > BIO_MAX_CHARS || bio.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ErrorCode::InvalidForm);
    }
    Ok(bio.to_string())
}

/// Replaces the caller's public bio; returns the updated user.
pub async fn update_bio(app: &App, auth: &Auth, raw: &str) -> AppResult<User> {
    let bio = parse_bio(raw)?;
    app.store.update_bio(auth.user.id, &bio).await?;
    Ok(app.store.user_by_id(auth.user.id).await?.ok_or(ErrorCode::UserNotFound)?)
}

pub const TOKEN_NAME_MAX_CHARS: usize = 60;

/// Issues an API token for the caller: the secret (shown once) and its record.
pub async fn create_api_token(app: &App, auth: &Auth, name: &str) -> AppResult<(String, ApiToken)> {
    let name = token_name(name)?;
    let issued = sessions::issue_api_token(app, &auth.user, name).await?;
    tracing::info!(user = auth.user.id, token = issued.1.id, "api token created");
    Ok(issued)
}

/// What a token issued by an API login is called when the client gives no name.
pub const LOGIN_TOKEN_NAME: &str = "login";

/// A token's name as its owner sees it in their list: 1–60 characters, no control characters.
pub fn token_name(raw: &str) -> AppResult<&str> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > TOKEN_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::InvalidName));
    }
    Ok(name)
}

/// Revokes one of the caller's own live tokens (`token_not_found` otherwise, also for
/// someone else's token).
pub async fn revoke_api_token(app: &App, auth: &Auth, token_id: i64) -> AppResult<()> {
    if app.store.revoke_api_token(auth.user.id, token_id, app.now()).await? {
        tracing::info!(user = auth.user.id, token = token_id, "api token revoked");
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::TokenNotFound))
    }
}

/// The public account of `handle` (never its password hash).
pub async fn user_by_handle(app: &App, handle: &str) -> AppResult<Option<User>> {
    Ok(app.store.user_by_handle(handle).await?.map(|found| found.user))
}

/// Revokes the API token a client presented (API sign-out).
pub async fn revoke_presented_token(app: &App, secret: &str) -> AppResult<()> {
    app.store.revoke_api_token_by_digest(&token_digest(secret), app.now()).await?;
    Ok(())
}

/// What changes on the caller's notification email; `None` keeps the current value.
#[derive(Default)]
pub struct EmailChange<'a> {
    /// The address; `Some("")` removes it.
    pub email: Option<&'a str>,
    /// Whether to get notification emails.
    pub notify: Option<bool>,
}

/// Changes the caller's notification email and whether it is used. The address is checked
/// before anything is written, so a bad one changes nothing.
pub async fn update_email(app: &App, auth: &Auth, change: EmailChange<'_>) -> AppResult<()> {
    let email = match change.email.map(str::trim) {
        Some("") => Some(None),
        Some(raw) => Some(Some(parse_email(raw)?)),
        None => None,
    };
    if let Some(email) = email {
        app.store.set_email(auth.user.id, email.as_deref()).await?;
    }
    if let Some(on) = change.notify {
        app.store.set_email_notifications(auth.user.id, on).await?;
    }
    Ok(())
}

// ---- reads of accounts: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn user_by_id(app: &App, id: i64) -> AppResult<Option<User>> {
    Ok(app.store.user_by_id(id).await?)
}

pub async fn list_api_tokens(app: &App, user_id: i64) -> AppResult<Vec<ApiToken>> {
    Ok(app.store.list_api_tokens(user_id).await?)
}

pub async fn email_recipient(app: &App, user_id: i64) -> AppResult<Option<canyu_store::EmailRecipient>> {
    Ok(app.store.email_recipient(user_id).await?)
}

pub async fn identity(app: &App, user_id: i64) -> AppResult<Option<canyu_store::Identity>> {
    Ok(app.store.identity(user_id).await?)
}
