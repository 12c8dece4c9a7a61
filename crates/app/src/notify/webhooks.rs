//! The team's webhooks (a Feishu, DingTalk or WeCom group robot, or any HTTP endpoint), told
//! about new posts, status changes, merges and releases. Staff manage the webhooks of the
//! products they run; admins also site-wide ones.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::policy::can_manage;
use canyu_core::webhook::{WebhookAddress, parse_format};
use canyu_core::{ErrorCode, Role};
use canyu_store::{NewWebhook, Webhook};

/// Longest signing secret accepted.
pub const SECRET_MAX_BYTES: usize = 200;

pub struct WebhookInput {
    /// Product slug; `None` for every product (admins only).
    pub product: Option<String>,
    pub url: String,
    pub format: String,
    pub secret: Option<String>,
}

async fn require_scope(app: &App, auth: &Auth, product_id: Option<i64>) -> AppResult<()> {
    auth.require(Role::Staff)?;
    match product_id {
        None if auth.user.role == Role::Admin => Ok(()),
        None => Err(ErrorCode::Forbidden.into()),
        Some(id) if can_manage(app, auth, id).await? => Ok(()),
        Some(_) => Err(ErrorCode::NotProductManager.into()),
    }
}

pub async fn create(app: &App, auth: &Auth, input: WebhookInput) -> AppResult<Webhook> {
    auth.require(Role::Staff)?;
    let url = WebhookAddress::parse(&input.url)?;
    if !app.config.webhooks_allow_private {
        // As typed; host names are checked again when resolved, at every delivery.
        let parsed =
            canyu_notify::WebhookUrl::parse(url.as_str()).map_err(|_| ErrorCode::InvalidWebhookUrl)?;
        if parsed.is_private_host() {
            return Err(ErrorCode::WebhookPrivateAddress.into());
        }
    }
    let format = parse_format(&input.format)?;
    let secret = input.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() > SECRET_MAX_BYTES) {
        return Err(ErrorCode::InvalidForm.into());
    }
    let product_id = match input.product.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    require_scope(app, auth, product_id).await?;
    let hook = app
        .store
        .create_webhook(NewWebhook {
            product_id,
            url: url.as_str(),
            format,
            secret,
            created_by: auth.user.id,
            now: app.now(),
        })
        .await?;
    tracing::info!(webhook = hook.id, by = auth.user.id, "webhook added");
    Ok(hook)
}

/// The webhooks the caller may manage.
pub async fn list(app: &App, auth: &Auth) -> AppResult<Vec<Webhook>> {
    auth.require(Role::Staff)?;
    let mut mine = Vec::new();
    for hook in app.store.webhooks().await? {
        if require_scope(app, auth, hook.product_id).await.is_ok() {
            mine.push(hook);
        }
    }
    Ok(mine)
}

/// Removes a webhook; deliveries still queued for it are dropped.
pub async fn delete(app: &App, auth: &Auth, id: i64) -> AppResult<()> {
    auth.require(Role::Staff)?;
    let hook = app.store.webhook(id).await?.ok_or(ErrorCode::WebhookNotFound)?;
    require_scope(app, auth, hook.product_id).await?;
    app.store.deactivate_webhook(id).await?;
    tracing::info!(webhook = id, by = auth.user.id, "webhook removed");
    Ok(())
}
