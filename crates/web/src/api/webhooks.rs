//! `/api/v1/webhooks`: the team's channels (a Feishu, DingTalk or WeCom group robot, or any
//! HTTP endpoint) told about new posts, status changes, merges and releases.

use crate::actions::releases::can_manage;
use crate::api::views::{ErrorBody, ItemsView};
use crate::auth::{Auth, RequireAuth};
use crate::error::{ApiJson, AppResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_core::time::rfc3339;
use canyu_core::webhook::{WebhookAddress, parse_format};
use canyu_core::{ErrorCode, Role};
use canyu_store::{NewWebhook, Webhook};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// Product slug; omit for every product (admins only).
    pub product: Option<String>,
    /// `http://` or `https://`.
    pub url: String,
    /// `generic` (JSON signed with HMAC-SHA256), `feishu`, `dingtalk` or `wecom`.
    pub format: String,
    /// Signing secret (generic: HMAC key; Feishu and DingTalk: the robot's 加签 secret).
    pub secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub product_id: Option<i64>,
    /// The address with its path hidden past the host (robot tokens live there).
    pub url: String,
    pub format: String,
    pub signed: bool,
    pub created_at: String,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        let shown = match w.url.find("://").map(|i| i + 3) {
            Some(start) => {
                let end = w.url[start..].find('/').map_or(w.url.len(), |i| start + i);
                format!("{}/…", &w.url[..end])
            }
            None => "…".into(),
        };
        WebhookView {
            id: w.id,
            product_id: w.product_id,
            url: shown,
            format: w.format.clone(),
            signed: w.secret.is_some(),
            created_at: rfc3339(w.created_at),
        }
    }
}

async fn require_scope(state: &AppState, auth: &Auth, product_id: Option<i64>) -> AppResult<()> {
    auth.require(Role::Staff)?;
    match product_id {
        None if auth.user.role == Role::Admin => Ok(()),
        None => Err(ErrorCode::Forbidden.into()),
        Some(id) if can_manage(state, auth, id).await? => Ok(()),
        Some(_) => Err(ErrorCode::NotProductManager.into()),
    }
}

/// Adds a webhook (staff managing the product; admins for site-wide ones).
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhookRequest,
    responses((status = 201, body = WebhookView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewWebhookRequest>,
) -> AppResult<(StatusCode, Json<WebhookView>)> {
    auth.require(Role::Staff)?;
    let url = WebhookAddress::parse(&req.url)?;
    let format = parse_format(&req.format)?;
    let secret = req.secret.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if secret.is_some_and(|s| s.len() > 200) {
        return Err(ErrorCode::InvalidForm.into());
    }
    let product_id = match req.product.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(state.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    require_scope(&state, &auth, product_id).await?;
    let hook = state
        .store
        .create_webhook(NewWebhook {
            product_id,
            url: url.as_str(),
            format,
            secret,
            created_by: auth.user.id,
            now: state.now(),
        })
        .await?;
    tracing::info!(webhook = hook.id, by = auth.user.id, "webhook added");
    Ok((StatusCode::CREATED, Json(WebhookView::from(&hook))))
}

/// Webhooks the caller may manage.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = ItemsView<WebhookView>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> AppResult<Json<ItemsView<WebhookView>>> {
    auth.require(Role::Staff)?;
    let mut items = Vec::new();
    for hook in state.store.webhooks().await? {
        if require_scope(&state, &auth, hook.product_id).await.is_ok() {
            items.push(WebhookView::from(&hook));
        }
    }
    Ok(Json(ItemsView { items }))
}

/// Removes a webhook; deliveries still queued for it are dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    auth.require(Role::Staff)?;
    let id = id.parse::<i64>().map_err(|_| ErrorCode::WebhookNotFound)?;
    let hook = state.store.webhook(id).await?.ok_or(ErrorCode::WebhookNotFound)?;
    require_scope(&state, &auth, hook.product_id).await?;
    state.store.deactivate_webhook(id).await?;
    Ok(StatusCode::NO_CONTENT)
}
