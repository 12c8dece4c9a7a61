//! `/api/v1/waves` and `/api/v1/orders`: the drop engine's API.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::model::{LaunchOrder, Order, Wave};
use canyu_app::sales::waves::{self, WaveInput};
use canyu_core::time::{parse_rfc3339, rfc3339};
use canyu_core::wave::parse_idempotency_key;
use canyu_core::{ErrorCode, Millis};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWaveRequest {
    /// Product slug; the caller must run the product.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub product: String,
    #[schema(max_length = 64)]
    pub sku: Option<String>,
    /// 1–10,000,000 units.
    #[schema(minimum = 1, maximum = 10000000)]
    pub quantity: i64,
    /// `fcfs` (first come, first served) or `draw` (one entry per fan during the window, drawn
    /// provably fairly when it closes; see `GET /api/v1/waves/{id}/draw`).
    #[schema(value_type = crate::api::views::WaveMode)]
    pub mode: String,
    /// Orders per fan, 1–100 (default 1).
    #[schema(minimum = 1, maximum = 100)]
    pub per_fan_limit: Option<i64>,
    /// RFC 3339, e.g. `2026-11-27T22:00:00+08:00`.
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// RFC 3339; after `starts_at`, at most 90 days later.
    #[schema(format = DateTime)]
    pub ends_at: String,
    #[schema(value_type = Option<crate::api::views::Eligibility>)]
    pub eligibility: Option<String>,
    /// 1–6, with `eligibility: "min_level"`.
    #[schema(minimum = 1, maximum = 6)]
    pub min_level: Option<i64>,
    /// A product's slug, with `eligibility: "owners_of"`: only fans who own one (人车家: SU7
    /// owners first in line for the YU7) may order or enter; others get 403 `owners_only`.
    pub owners_of: Option<String>,
    /// Units per sales channel, by the codes of the channel registry (`GET /channels`), adding
    /// up to `quantity`, e.g. `{"online": 700, "jd": 300}`; orders through this API sell the
    /// `online` units. Absent: all units online. An unregistered code: `invalid_channels`.
    #[serde(default)]
    #[schema(value_type = std::collections::HashMap<String, i64>)]
    pub channels: BTreeMap<String, i64>,
    /// Of the online units, those kept for F-code holders (0 by default): sold only to
    /// orders with an F-code, even when the rest is sold out.
    #[schema(minimum = 0, maximum = 10000000)]
    pub fcode_quantity: Option<i64>,
    /// The id of the product's launch campaign this wave belongs to. Required with
    /// `eligibility: "reservation"` (only the campaign's reservation holders buy; the fan lane
    /// may order first).
    #[schema(minimum = 1)]
    pub campaign: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct WaveView {
    pub id: i64,
    pub product: String,
    pub sku: String,
    pub quantity: i64,
    /// Units sold online (committed orders).
    pub sold: i64,
    /// Units left for online orders: live while the wave runs (may include orders being
    /// committed), exact afterwards.
    pub remaining: i64,
    #[schema(value_type = crate::api::views::WaveMode)]
    pub mode: String,
    pub per_fan_limit: i64,
    pub starts_at: String,
    pub ends_at: String,
    #[schema(value_type = crate::api::views::Eligibility)]
    pub eligibility: String,
    pub min_level: Option<u8>,
    /// With `owners_of`: the product whose owners may buy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners_of: Option<String>,
    pub channels: BTreeMap<String, i64>,
    /// Of the online units, those kept for F-code holders.
    pub fcode_quantity: i64,
    pub campaign: Option<i64>,
    /// `scheduled`, `on_sale`, `ended` or `cancelled`, at the time of the answer.
    pub status: String,
    /// RFC 3339, when staff cancelled the wave before it started.
    pub cancelled_at: Option<String>,
    /// What fans are told about the cancellation (may be empty).
    pub cancel_reason: Option<String>,
}

impl WaveView {
    fn new(w: &Wave, taken: i64, now: Millis) -> WaveView {
        let status = match &w.cancelled {
            Some(_) => "cancelled",
            None if now < w.rules.starts_at => "scheduled",
            None if now < w.rules.ends_at => "on_sale",
            None => "ended",
        };
        WaveView {
            id: w.id,
            product: w.product_slug.clone(),
            sku: w.rules.sku.clone(),
            quantity: w.rules.quantity,
            sold: w.sold,
            remaining: (w.rules.online_quantity() - taken).max(0),
            mode: w.rules.mode.as_str().to_string(),
            per_fan_limit: w.rules.per_fan_limit,
            starts_at: rfc3339(w.rules.starts_at),
            ends_at: rfc3339(w.rules.ends_at),
            eligibility: w.rules.eligibility.kind().to_string(),
            min_level: w.rules.eligibility.min_level(),
            owners_of: w.owners_of_slug.clone(),
            channels: w.rules.channels.clone(),
            fcode_quantity: w.rules.fcode_quantity,
            campaign: w.campaign_id,
            status: status.into(),
            cancelled_at: w.cancelled.as_ref().map(|c| rfc3339(c.at)),
            cancel_reason: w.cancelled.as_ref().map(|c| c.reason.clone()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub wave: i64,
    /// The order in which the engine granted units (1 = first).
    pub seq: i64,
    pub status: String,
    pub created_at: String,
    pub url: String,
    /// The deposit terms and state, for an order in a launch campaign's wave.
    pub launch: Option<LaunchView>,
    /// 价保: the credit this order got when the price dropped after it was bought.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_protection: Option<PriceProtectionView>,
}

/// A price-protection credit: the difference between what was paid and the lower price,
/// times the quantity.
#[derive(Serialize, ToSchema)]
pub struct PriceProtectionView {
    pub paid_fen: i64,
    /// The own channel's price that triggered it.
    pub price_fen: i64,
    pub quantity: i64,
    pub credit_fen: i64,
    pub credited_at: String,
}

impl From<&canyu_app::model::PriceProtection> for PriceProtectionView {
    fn from(p: &canyu_app::model::PriceProtection) -> Self {
        PriceProtectionView {
            paid_fen: p.paid_fen,
            price_fen: p.price_fen,
            quantity: p.quantity,
            credit_fen: p.credit_fen,
            credited_at: rfc3339(p.created_at),
        }
    }
}

impl OrderView {
    pub fn of(o: &Order, launch: Option<&LaunchOrder>) -> OrderView {
        OrderView {
            id: o.id,
            wave: o.wave_id,
            seq: o.seq,
            status: o.status.clone(),
            created_at: rfc3339(o.created_at),
            url: format!("/api/v1/orders/{}", o.id),
            launch: launch.map(LaunchView::of),
            price_protection: None,
        }
    }
}

/// A launch order's terms and where it stands.
#[derive(Serialize, ToSchema)]
pub struct LaunchView {
    pub campaign: i64,
    pub sku: String,
    /// `full`, `small` or `big`.
    pub kind: String,
    /// `awaiting_payment`, `paid`, `deposited`, `locked`, `refunded`, `expired`, `cancelled` or
    /// `returned` (taken back by after-sales).
    pub state: String,
    /// Due (or paid), in fen.
    pub amount_fen: i64,
    pub buyer_name: String,
    /// Payment must arrive before this, or the order expires and its unit goes back on sale.
    pub hold_expires_at: String,
    pub paid_at: Option<String>,
    /// A paid big order can be refunded until this moment; then it locks.
    pub refundable_until: Option<String>,
    pub locked_at: Option<String>,
}

impl LaunchView {
    pub fn of(l: &LaunchOrder) -> LaunchView {
        LaunchView {
            campaign: l.campaign_id,
            sku: l.sku_code.clone(),
            kind: l.kind.as_str().into(),
            state: l.state.as_str().into(),
            amount_fen: l.amount_fen,
            buyer_name: l.buyer_name.clone(),
            hold_expires_at: rfc3339(l.hold_expires_at),
            paid_at: l.paid_at.map(rfc3339),
            refundable_until: l.refundable_until.map(rfc3339),
            locked_at: l.locked_at.map(rfc3339),
        }
    }
}

/// Releases a wave of stock (the people who run the product).
#[utoipa::path(post, path = "/waves", operation_id = "createWave", security(("bearer" = [])), tag = "waves", request_body = NewWaveRequest,
    responses((status = 201, description = "Created", body = WaveView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewWaveRequest>,
) -> WebResult<(StatusCode, Json<WaveView>)> {
    let starts_at = parse_rfc3339(&req.starts_at).ok_or(ErrorCode::InvalidTime)?;
    let ends_at = parse_rfc3339(&req.ends_at).ok_or(ErrorCode::InvalidTime)?;
    let wave = waves::create(
        &state,
        &auth,
        WaveInput {
            product: req.product,
            sku: req.sku,
            quantity: req.quantity,
            mode: req.mode,
            per_fan_limit: req.per_fan_limit,
            starts_at,
            ends_at,
            eligibility: req.eligibility,
            min_level: req.min_level,
            owners_of: req.owners_of,
            channels: req.channels,
            fcode_quantity: req.fcode_quantity,
            campaign: req.campaign,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(WaveView::new(&wave, 0, state.now()))))
}

/// A wave: its stock, what is sold and what remains.
#[utoipa::path(get, path = "/waves/{id}", operation_id = "getWave", tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = WaveView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> WebResult<Json<WaveView>> {
    let (wave, taken) = waves::show(&state, crate::api::path_id(&id, ErrorCode::WaveNotFound)?).await?;
    Ok(Json(WaveView::new(&wave, taken, state.now())))
}

/// At least one field: an empty change is refused with `invalid_wave_window`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct WaveChangeRequest {
    /// RFC 3339: a new start, only for a wave that has not started, and not in the past.
    #[schema(format = DateTime, nullable = false)]
    pub starts_at: Option<String>,
    /// RFC 3339: a new end, not in the past, after the start and at most 90 days after it.
    #[schema(format = DateTime, nullable = false)]
    pub ends_at: Option<String>,
    /// A new total quantity (1–10,000,000): units added or taken back are online units. Not
    /// below what was sold (409 `quantity_below_sold`), the F-code lane (422
    /// `quantity_below_fcode_lane`) or the other channels' units (422
    /// `quantity_below_other_channels`); a draw's number of winners is fixed once entries
    /// open (409 `draw_quantity_fixed`).
    #[schema(minimum = 1, maximum = 10000000, nullable = false)]
    pub quantity: Option<i64>,
}

/// Changes a wave (the people who run the product): its window, its quantity, or both. A
/// wave that has not started may move its start and end; one on sale may end later or
/// sooner (409 `wave_already_started` for a new start) and take more stock or give back
/// units not sold. A wave that has ended stays ended (409 `wave_ended`). Every part is
/// checked before any is applied: a refused change changes nothing.
#[utoipa::path(patch, path = "/waves/{id}", operation_id = "updateWave", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)), request_body = WaveChangeRequest,
    responses((status = 200, description = "OK", body = WaveView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 503, description = "Temporarily unavailable; retry later", body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<WaveChangeRequest>,
) -> WebResult<Json<WaveView>> {
    let id = crate::api::path_id(&id, ErrorCode::WaveNotFound)?;
    let time = |raw: Option<String>| match raw {
        Some(raw) => parse_rfc3339(&raw).map(Some).ok_or(WebError::from(ErrorCode::InvalidTime)),
        None => Ok(None),
    };
    let (starts_at, ends_at) = (time(req.starts_at)?, time(req.ends_at)?);
    let window =
        (starts_at.is_some() || ends_at.is_some()).then_some(waves::NewWindow::Move { starts_at, ends_at });
    if window.is_none() && req.quantity.is_none() {
        return Err(ErrorCode::InvalidWaveWindow.into());
    }
    waves::change_wave(&state, &auth, id, waves::WaveChange { window, quantity: req.quantity }).await?;
    let (wave, taken) = waves::show(&state, id).await?;
    Ok(Json(WaveView::new(&wave, taken, state.now())))
}

/// Ends a wave on sale now (the people who run the product): from this moment every order
/// is refused with 409 `wave_ended`; orders placed before stand, and their retries still
/// answer with them. A wave that has not started: 409 `wave_not_started` (move it instead).
#[utoipa::path(post, path = "/waves/{id}/end", operation_id = "endWave", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = WaveView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 503, description = "Temporarily unavailable; retry later", body = ErrorBody)))]
pub async fn end_now(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<WaveView>> {
    let id = crate::api::path_id(&id, ErrorCode::WaveNotFound)?;
    waves::set_window(&state, &auth, id, waves::NewWindow::EndNow).await?;
    let (wave, taken) = waves::show(&state, id).await?;
    Ok(Json(WaveView::new(&wave, taken, state.now())))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct WaveCancelRequest {
    /// Shown to fans on the wave's page (at most 200 characters).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub reason: String,
}

/// Cancels a wave that has not started (the people who run the product): it never sells,
/// takes no draw entries, and its F-codes buy nothing; it stays listed as cancelled, with
/// the reason. A wave that has started: 409 `cancel_after_start` (end it instead); cancelled
/// already: 409 `wave_cancelled`. The body is optional.
#[utoipa::path(post, path = "/waves/{id}/cancel", operation_id = "cancelWave", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)), request_body(content = Option<WaveCancelRequest>, description = "Optional: `{\"reason\": \"…\"}`."),
    responses((status = 200, description = "OK", body = WaveView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 503, description = "Temporarily unavailable; retry later", body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    body: Bytes,
) -> WebResult<Json<WaveView>> {
    let id = crate::api::path_id(&id, ErrorCode::WaveNotFound)?;
    let req: WaveCancelRequest = crate::error::optional_json_object(&body)?;
    waves::cancel(&state, &auth, id, &req.reason).await?;
    let (wave, taken) = waves::show(&state, id).await?;
    Ok(Json(WaveView::new(&wave, taken, state.now())))
}

/// Orders one unit. Needs an `Idempotency-Key` header: a retry with the same key and body
/// returns the same order (with `Idempotent-Replayed: true`) and never a second one; the same
/// key with another body is refused (422). 201 only once the order is durably committed.
/// Apps may send `X-Device-Id` (8–128 printable ASCII characters): in a campaign's wave, an
/// order from a device another account ordered from is flagged `shared_device` for review.
#[utoipa::path(post, path = "/waves/{id}/orders", operation_id = "createWaveOrder", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path), ("Idempotency-Key" = String, Header, description = "1–128 printable ASCII characters, the same on every retry of one order", min_length = 1, max_length = 128, pattern = r"^[!-~]+$"), ("X-Device-Id" = Option<String>, Header, nullable = false, description = "The buyer's device, 8–128 printable ASCII characters: flags many accounts ordering from one device", min_length = 8, max_length = 128, pattern = r"^[!-~]+$")), request_body(content = Option<OrderBody>, description = "Optional: `{}` or nothing.", example = json!({"fcode": "ABCD-EFGH-JKLMN"})),
    responses((status = 201, description = "Created", body = OrderView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody), (status = 503, description = "Temporarily unavailable; retry later", body = ErrorBody)))]
pub async fn order(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    client_ip: crate::client_ip::ClientIp,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> WebResult<Response> {
    let wave_id = crate::api::path_id(&id, ErrorCode::WaveNotFound)?;
    let key = parse_idempotency_key(crate::api::idempotency_key_header(&headers)?)?;
    // The body is optional; when present it must be a JSON object (room for options later).
    let body = body.trim_ascii();
    let options: OrderBody = if body.is_empty() {
        OrderBody::default()
    } else {
        crate::error::require_json_object(body)?;
        serde_json::from_slice(body).map_err(|_| WebError::from(ErrorCode::InvalidJson))?
    };
    let device = crate::api::device_id_header(&headers)?;
    let ordered = waves::place(
        &state,
        &auth,
        wave_id,
        key,
        body,
        waves::OrderOptions {
            fcode: options.fcode.as_deref(),
            use_fcode: options.use_fcode,
            launch: canyu_app::campaigns::launch_orders::LaunchChoice {
                kind: options.kind.as_deref(),
                buyer_name: options.buyer_name.as_deref(),
                address: options.address.as_deref(),
                client_ip: Some(client_ip.0),
                device,
            },
        },
    )
    .await?;
    let o = &ordered.order;
    let view = OrderView {
        id: o.order_id,
        wave: o.wave_id,
        seq: o.seq,
        status: "placed".into(),
        created_at: rfc3339(o.created_at_ms),
        url: format!("/api/v1/orders/{}", o.order_id),
        launch: ordered.launch.as_ref().map(LaunchView::of),
        price_protection: None,
    };
    let mut res = (StatusCode::CREATED, [(header::LOCATION, view.url.clone())], Json(view)).into_response();
    if ordered.replay {
        res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// An order's options: `{}` or an empty body for the general stock; an F-code to buy from
/// the wave's F-code lane (the code must be redeemed by the caller, for this wave; it is used
/// up by the order; an empty lane is 409 sold out, the general stock is not a fallback).
#[derive(Deserialize, ToSchema, Default)]
pub struct OrderBody {
    /// `XXXX-XXXX-XXXXX`.
    #[schema(pattern = "^[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{5}$")]
    pub fcode: Option<String>,
    /// Use one of the caller's codes for this wave (e.g. one awarded by a points rule).
    #[serde(default)]
    pub use_fcode: bool,
    /// In a launch campaign's wave (required there, refused elsewhere): `full` (pay the price
    /// within the cart hold), `small` (小定) or `big` (大定), as the SKU offers them.
    #[schema(value_type = Option<crate::api::views::LaunchOrderKind>)]
    pub kind: Option<String>,
    /// In a launch campaign's wave: the buyer's name (1–40 characters), frozen once locked.
    /// In a campaign that takes only verified accounts it may be left out: the buyer is the
    /// verified person, and another name is refused (422 `buyer_not_verified_person`).
    #[schema(min_length = 1, max_length = 40)]
    pub buyer_name: Option<String>,
    /// In a launch campaign's wave, optional: the delivery address (5–200 characters). Only a
    /// digest is kept, to flag several accounts ordering to one address.
    #[schema(min_length = 5, max_length = 200)]
    pub address: Option<String>,
}

/// One order: the caller's own, or any order of a product the caller runs.
#[utoipa::path(get, path = "/orders/{id}", operation_id = "getOrder", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = OrderView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show_order(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<OrderView>> {
    let order = waves::order(&state, &auth, crate::api::path_id(&id, ErrorCode::OrderNotFound)?).await?;
    let launch = canyu_app::campaigns::launch_orders::launch_order(&state, order.id).await?;
    let protection = canyu_app::pricing::ledger::order_protection(&state, order.id).await?;
    Ok(Json(OrderView {
        price_protection: protection.as_ref().map(PriceProtectionView::from),
        ..OrderView::of(&order, launch.as_ref())
    }))
}

#[derive(Serialize, ToSchema)]
pub struct OrdersView {
    pub items: Vec<OrderView>,
}

/// The caller's orders, newest first.
#[utoipa::path(get, path = "/me/orders", operation_id = "listMyOrders", security(("bearer" = [])), tag = "waves",
    responses((status = 200, description = "OK", body = OrdersView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn my_orders(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<OrdersView>> {
    let orders = canyu_app::sales::waves::orders_of_user(&state, auth.user.id, 100).await?;
    let launches: std::collections::HashMap<i64, LaunchOrder> =
        canyu_app::campaigns::launch_orders::launch_orders_of_user(&state, auth.user.id, 100)
            .await?
            .into_iter()
            .map(|l| (l.order_id, l))
            .collect();
    Ok(Json(OrdersView { items: orders.iter().map(|o| OrderView::of(o, launches.get(&o.id))).collect() }))
}
