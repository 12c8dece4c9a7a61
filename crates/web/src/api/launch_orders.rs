//! Launch orders' life through the API: lock, refund, cancel, rename the buyer, pay (a
//! provider's signed notification, or the demo's simulated provider), the transitions as
//! recorded, and a campaign's production queue.

use crate::api::views::ErrorBody;
use crate::api::waves::LaunchView;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebError, WebResult};
use crate::log_throttle::LogThrottle;
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use canyu_app::campaigns::launch_orders as launch;
use canyu_app::model::PaymentOutcome;
use canyu_core::ErrorCode;
use canyu_core::campaign::OrderEvent;
use canyu_core::time::rfc3339;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

fn order_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::OrderNotFound))
}

async fn act(
    state: &AppState,
    auth: &crate::auth::Auth,
    id: &str,
    event: OrderEvent,
) -> WebResult<Json<LaunchView>> {
    let order = launch::act(state, auth, order_id(id)?, event).await?;
    Ok(Json(LaunchView::of(&order)))
}

/// Locks the caller's deposit order (锁单): no refund from now on, the buyer's name is frozen,
/// and the order joins the production queue by lock time.
#[utoipa::path(post, path = "/orders/{id}/lock", operation_id = "lockOrder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn lock(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchView>> {
    act(&state, &auth, &id, OrderEvent::Lock).await
}

/// Refunds the caller's deposit: a small order at any time before it is locked, a big
/// order within its refund window. The unit goes back on sale.
#[utoipa::path(post, path = "/orders/{id}/refund", operation_id = "refundOrder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn refund(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchView>> {
    act(&state, &auth, &id, OrderEvent::Refund).await
}

/// After-sales takes back a sold order (paid in full, or locked): the people who run the
/// product only. The money goes back, and the sales ledger gets a reversing row.
#[utoipa::path(post, path = "/orders/{id}/return", operation_id = "returnOrder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn return_order(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchView>> {
    act(&state, &auth, &id, OrderEvent::Return).await
}

/// Cancels an order awaiting payment (the buyer, or the people who run the product, e.g.
/// for a scalper's order). The unit goes back on sale.
#[utoipa::path(post, path = "/orders/{id}/cancel", operation_id = "cancelOrder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchView>> {
    act(&state, &auth, &id, OrderEvent::Cancel).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRequest {
    /// 1–40 characters.
    #[schema(min_length = 1, max_length = 40)]
    pub buyer_name: String,
}

/// Changes the buyer's name, until the order is locked (then 409 `order_locked`).
#[utoipa::path(patch, path = "/orders/{id}", operation_id = "renameOrder", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)), request_body = RenameRequest,
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RenameRequest>,
) -> WebResult<Json<LaunchView>> {
    let order = launch::rename(&state, &auth, order_id(&id)?, &req.buyer_name).await?;
    Ok(Json(LaunchView::of(&order)))
}

/// Pays the caller's order through the simulated provider (only where the site enables
/// it, as the demo does; 403 elsewhere).
#[utoipa::path(post, path = "/orders/{id}/simulated-payment", operation_id = "simulateOrderPayment", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn simulated_payment(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchView>> {
    let order = launch::simulate_payment(&state, &auth, order_id(&id)?).await?;
    Ok(Json(LaunchView::of(&order)))
}

#[derive(Serialize, ToSchema)]
pub struct LaunchEventView {
    /// `place`, `pay`, `expire`, `cancel`, `refund`, `lock` or `auto_lock`.
    pub event: String,
    pub from: String,
    pub to: String,
    /// Whether the buyer (or staff) did it; system and provider moves are `false`.
    pub by_person: bool,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct LaunchEventsView {
    pub items: Vec<LaunchEventView>,
}

/// Every transition of the order, oldest first.
#[utoipa::path(get, path = "/orders/{id}/events", operation_id = "listOrderEvents", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = LaunchEventsView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "`not_a_launch_order`: a plain wave's order has no deposit terms and no events", body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<LaunchEventsView>> {
    let order = launch::show(&state, &auth, order_id(&id)?).await?;
    let items = canyu_app::campaigns::launch_orders::launch_order_events(&state, order.order_id)
        .await?
        .into_iter()
        .map(|e| LaunchEventView {
            event: e.event,
            from: e.from_state,
            to: e.to_state,
            by_person: e.actor_id.is_some(),
            at: rfc3339(e.at),
        })
        .collect();
    Ok(Json(LaunchEventsView { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentNotice {
    /// The canyu order id the payment is for.
    pub order: i64,
    /// The provider's name, e.g. `alipay` or `wechatpay`.
    pub provider: String,
    /// The provider's reference for the payment (a trade number); unique per provider.
    pub provider_ref: String,
    /// In fen; must equal the amount due.
    pub amount_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentAck {
    /// `recorded`, or `duplicate` for a notification seen before.
    pub status: String,
}

/// `sha256=<hex>` of HMAC-SHA256 over the raw body, compared in constant time.
pub fn signature_ok(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else { return false };
    let Ok(sig) = hex::decode(hex_sig) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else { return false };
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

/// A payment provider's notification (the shape of Alipay's and WeChat Pay's notify URLs),
/// signed with the site's payment secret: header `Canyu-Signature: sha256=<hex of
/// HMAC-SHA256(secret, body)>`. A bad signature is 401 and an amount that does not match
/// the amount due is 422; neither changes anything. A repeated notification is 200
/// `duplicate`.
#[utoipa::path(post, path = "/payments/notify", operation_id = "notifyPayment", tag = "campaigns", request_body = PaymentNotice,
    responses((status = 200, description = "OK", body = PaymentAck), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 503, description = "Temporarily unavailable; retry later", body = ErrorBody)))]
pub async fn notify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Json<PaymentAck>> {
    let secret = state.config().payment_secret.as_deref().ok_or(ErrorCode::PaymentsNotConfigured)?;
    let header = headers.get("canyu-signature").and_then(|v| v.to_str().ok());
    if !signature_ok(secret, &body, header) {
        // Anyone can send these: one line per 10 s at most, counting the rest.
        static BAD_SIGNATURES: LogThrottle = LogThrottle::new(std::time::Duration::from_secs(10));
        if let Some(suppressed) = BAD_SIGNATURES.permit(state.now()) {
            tracing::warn!(suppressed, "payment notification with a bad signature refused");
        }
        return Err(ErrorCode::InvalidSignature.into());
    }
    let notice: PaymentNotice =
        serde_json::from_slice(&body).map_err(|_| WebError::from(ErrorCode::InvalidJson))?;
    let provider = notice.provider.trim();
    let provider_ref = notice.provider_ref.trim();
    if provider.is_empty() || provider.len() > 32 || provider_ref.is_empty() || provider_ref.len() > 128 {
        return Err(ErrorCode::InvalidJson.into());
    }
    let outcome =
        launch::record_payment(&state, notice.order, provider, provider_ref, notice.amount_fen).await?;
    let status = if outcome == PaymentOutcome::Duplicate { "duplicate" } else { "recorded" };
    Ok(Json(PaymentAck { status: status.into() }))
}

#[derive(Serialize, ToSchema)]
pub struct QueueEntry {
    /// 1 = the first to be built.
    pub position: i64,
    pub order: i64,
    pub sku: String,
    pub buyer_name: String,
    pub locked_at: String,
    /// `queued`, `in_production` or `delivered`.
    pub stage: String,
    pub delivered_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProductionQueueView {
    pub campaign: i64,
    /// Locked orders waiting, being built, delivered.
    pub queued: i64,
    pub in_production: i64,
    pub delivered: i64,
    /// Days from the campaign's first order to its latest delivery ("100,000 delivered in 230
    /// days"); absent before the first delivery.
    pub delivered_in_days: Option<i64>,
    pub items: Vec<QueueEntry>,
}

/// The campaign's production queue: locked orders by lock time (the people who run it).
#[utoipa::path(get, path = "/campaigns/{id}/production", operation_id = "getCampaignProduction", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = ProductionQueueView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn production(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<ProductionQueueView>> {
    let campaign = id.parse().map_err(|_| WebError::from(ErrorCode::CampaignNotFound))?;
    let (queue, summary) = launch::production(&state, &auth, campaign).await?;
    let items = queue
        .iter()
        .zip(1..)
        .map(|(o, position)| QueueEntry {
            position,
            order: o.order_id,
            sku: o.sku_code.clone(),
            buyer_name: o.buyer_name.clone(),
            locked_at: o.locked_at.map(rfc3339).unwrap_or_default(),
            stage: if o.stage.is_empty() { "queued".into() } else { o.stage.clone() },
            delivered_at: o.delivered_at.map(rfc3339),
        })
        .collect();
    let delivered_in_days = summary.delivered_in_days();
    Ok(Json(ProductionQueueView {
        campaign,
        queued: summary.queued,
        in_production: summary.in_production,
        delivered: summary.delivered,
        delivered_in_days,
        items,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FlaggedOrder {
    pub order: i64,
    pub buyer_name: String,
    /// `awaiting_payment`, `paid` or `deposited`.
    pub state: String,
    pub kind: String,
    /// `fresh_account` (made after the teaser), `ip_burst` (more than 3 orders a minute from
    /// one client address), `shared_device` (another account ordered from the same device:
    /// browser cookie or `X-Device-Id`), `shared_address` (another fan's order goes to the
    /// same address).
    pub flags: Vec<String>,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct FlaggedView {
    pub items: Vec<FlaggedOrder>,
}

/// Orders the anti-scalper checks flagged that still hold a unit (the people who run the
/// campaign), oldest first.
#[utoipa::path(get, path = "/campaigns/{id}/flagged", operation_id = "listCampaignFlaggedOrders", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = FlaggedView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn flagged(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<FlaggedView>> {
    let campaign = id.parse().map_err(|_| WebError::from(ErrorCode::CampaignNotFound))?;
    let items = launch::flagged(&state, &auth, campaign)
        .await?
        .into_iter()
        .map(|o| FlaggedOrder {
            order: o.order_id,
            buyer_name: o.buyer_name,
            state: o.state.as_str().into(),
            kind: o.kind.as_str().into(),
            flags: o.flags,
            created_at: rfc3339(o.created_at),
        })
        .collect();
    Ok(Json(FlaggedView { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCancelRequest {
    /// Order ids of this campaign, at most 10,000.
    pub orders: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct BulkCancelView {
    pub cancelled: Vec<i64>,
    pub refunded: Vec<i64>,
    /// Locked orders, paid full purchases, closed orders and other campaigns' orders.
    pub skipped: Vec<i64>,
}

/// Cancels scalpers' orders in bulk (the people who run the campaign): unpaid orders are
/// cancelled and paid deposits refunded; every unit goes back to its wave.
#[utoipa::path(post, path = "/campaigns/{id}/cancellations", operation_id = "cancelCampaignOrders", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)), request_body = BulkCancelRequest,
    responses((status = 200, description = "OK", body = BulkCancelView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn cancel_in_bulk(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BulkCancelRequest>,
) -> WebResult<Json<BulkCancelView>> {
    let campaign = id.parse().map_err(|_| WebError::from(ErrorCode::CampaignNotFound))?;
    let done = launch::cancel_in_bulk(&state, &auth, campaign, &req.orders).await?;
    Ok(Json(BulkCancelView { cancelled: done.cancelled, refunded: done.refunded, skipped: done.skipped }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// `in_production` (from the queue) or `delivered` (from production).
    #[schema(value_type = crate::api::views::ProductionStage)]
    pub stage: String,
    /// How many orders, 1–100,000, taken in lock order.
    #[schema(minimum = 1, maximum = 100000)]
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AdvanceView {
    /// The orders moved (fewer than asked when fewer were waiting).
    pub orders: Vec<i64>,
}

/// Moves the next orders of the production queue on (the people who run the campaign):
/// queued → in production → delivered, in lock order. Each buyer is notified.
#[utoipa::path(post, path = "/campaigns/{id}/production", operation_id = "advanceCampaignProduction", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)), request_body = AdvanceRequest,
    responses((status = 200, description = "OK", body = AdvanceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn advance(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AdvanceRequest>,
) -> WebResult<Json<AdvanceView>> {
    let campaign = id.parse().map_err(|_| WebError::from(ErrorCode::CampaignNotFound))?;
    let orders = launch::advance_production(&state, &auth, campaign, &req.stage, req.count).await?;
    Ok(Json(AdvanceView { orders }))
}
