//! `/api/v1/webhooks`: the team's channels (a Feishu, DingTalk or WeCom group robot, or any
//! HTTP endpoint) told about new posts, status changes, merges and releases.

use crate::api::views::{ErrorBody, ItemsView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::model::Webhook;
use canyu_app::notify::webhooks::{self, WebhookInput};
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookRequest {
    /// Product slug; omit for every product (admins only).
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub product: Option<String>,
    /// `http://` or `https://`.
    #[schema(format = "uri", pattern = "^https?://", max_length = 2048)]
    pub url: String,
    /// `generic` (JSON signed with HMAC-SHA256), `feishu`, `dingtalk` or `wecom`.
    #[schema(value_type = crate::api::views::WebhookFormat)]
    pub format: String,
    /// Signing secret (generic: HMAC key; Feishu and DingTalk: the robot's 加签 secret).
    #[schema(max_length = 200)]
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

/// Adds a webhook (staff managing the product; admins for site-wide ones).
#[utoipa::path(post, path = "/webhooks", operation_id = "createWebhook", security(("bearer" = [])), tag = "webhooks", request_body = NewWebhookRequest,
    responses((status = 201, description = "Created", body = WebhookView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewWebhookRequest>,
) -> WebResult<(StatusCode, Json<WebhookView>)> {
    let input = WebhookInput { product: req.product, url: req.url, format: req.format, secret: req.secret };
    let hook = webhooks::create(&state, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(WebhookView::from(&hook))))
}

/// Webhooks the caller may manage.
#[utoipa::path(get, path = "/webhooks", operation_id = "listWebhooks", security(("bearer" = [])), tag = "webhooks",
    responses((status = 200, description = "OK", body = ItemsView<WebhookView>), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<ItemsView<WebhookView>>> {
    let items = webhooks::list(&state, &auth).await?.iter().map(WebhookView::from).collect();
    Ok(Json(ItemsView { items }))
}

/// Removes a webhook; deliveries still queued for it are dropped.
#[utoipa::path(delete, path = "/webhooks/{id}", operation_id = "deleteWebhook", security(("bearer" = [])), tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204, description = "Done; no content"), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<StatusCode> {
    let id = id.parse::<i64>().map_err(|_| ErrorCode::WebhookNotFound)?;
    webhooks::delete(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
