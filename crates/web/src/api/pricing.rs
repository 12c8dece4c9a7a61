//! Channels, catalog SKUs, prices under the margin pledge, the sales ledger and the margin
//! report (issue #21). Staff only; a product's SKUs and prices by its managers.

use crate::api::views::{ErrorBody, ItemsView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, ApiJsonList, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use canyu_app::model::{Channel, PriceChange, Sku};
use canyu_app::pricing::{
    self, ChannelInput, ChannelPrice, MarginLine, PriceInput, SaleInput, SkuInput, SkuPatch,
};
use canyu_core::ErrorCode;
use canyu_core::pricing::MarginTotals;
use canyu_core::time::{parse_rfc3339, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ChannelView {
    pub code: String,
    pub name: String,
    #[schema(value_type = crate::api::views::ChannelKind)]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// The channel's commission, in basis points of revenue.
    pub fee_bps: i64,
    pub created_at: String,
}

impl From<&Channel> for ChannelView {
    fn from(c: &Channel) -> Self {
        ChannelView {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind.clone(),
            city: c.city.clone(),
            fee_bps: c.fee_bps,
            created_at: rfc3339(c.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChannelRequest {
    /// 1–32 lowercase letters, digits, `-`, `_`: `jd`, `store-beijing-01`.
    pub code: String,
    pub name: String,
    #[schema(value_type = crate::api::views::ChannelKind)]
    pub kind: String,
    pub city: Option<String>,
    /// Commission in basis points, 0–5000 (default 0).
    pub fee_bps: Option<i64>,
}

/// Adds a sales channel (staff). canyu's own checkout is `online`, present from the start.
#[utoipa::path(post, path = "/channels", operation_id = "createChannel", security(("bearer" = [])), tag = "pricing", request_body = NewChannelRequest,
    responses((status = 201, description = "Created", body = ChannelView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_channel(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewChannelRequest>,
) -> WebResult<(StatusCode, Json<ChannelView>)> {
    let input =
        ChannelInput { code: req.code, name: req.name, kind: req.kind, city: req.city, fee_bps: req.fee_bps };
    let channel = pricing::create_channel(&state, &auth, input).await?;
    Ok((StatusCode::CREATED, Json(ChannelView::from(&channel))))
}

/// Every sales channel (staff).
#[utoipa::path(get, path = "/channels", operation_id = "listChannels", security(("bearer" = [])), tag = "pricing",
    responses((status = 200, description = "OK", body = ItemsView<ChannelView>), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn list_channels(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<ItemsView<ChannelView>>> {
    let channels = pricing::channels(&state, &auth).await?;
    Ok(Json(ItemsView { items: channels.iter().map(ChannelView::from).collect() }))
}

#[derive(Serialize, ToSchema)]
pub struct CatalogSkuView {
    pub code: String,
    /// The product's slug.
    pub product: String,
    pub name: String,
    #[schema(value_type = crate::api::views::Tier)]
    pub tier: String,
    pub unit_cost_fen: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Sku> for CatalogSkuView {
    fn from(s: &Sku) -> Self {
        CatalogSkuView {
            code: s.code.clone(),
            product: s.product_slug.clone(),
            name: s.name.clone(),
            tier: s.tier.clone(),
            unit_cost_fen: s.unit_cost_fen,
            created_at: rfc3339(s.created_at),
            updated_at: rfc3339(s.updated_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogSkuRequest {
    /// 1–48 letters, digits, `-`, `_`, `.`; unique across the catalog.
    pub code: String,
    pub name: String,
    #[schema(value_type = crate::api::views::Tier)]
    pub tier: String,
    /// What one unit costs to make and deliver, in fen.
    #[schema(minimum = 0)]
    pub unit_cost_fen: i64,
}

/// Adds a catalog SKU to a product (its managers).
#[utoipa::path(post, path = "/products/{slug}/skus", operation_id = "createSku", security(("bearer" = [])), tag = "pricing", params(("slug" = String, Path)), request_body = NewCatalogSkuRequest,
    responses((status = 201, description = "Created", body = CatalogSkuView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_sku(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(slug): Path<String>,
    ApiJson(req): ApiJson<NewCatalogSkuRequest>,
) -> WebResult<(StatusCode, Json<CatalogSkuView>)> {
    let input = SkuInput { code: req.code, name: req.name, tier: req.tier, unit_cost_fen: req.unit_cost_fen };
    let sku = pricing::create_sku(&state, &auth, &slug, input).await?;
    Ok((StatusCode::CREATED, Json(CatalogSkuView::from(&sku))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCatalogSkuRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<crate::api::views::Tier>)]
    pub tier: Option<String>,
    /// A new unit cost, from now on; sales before keep the cost they had.
    #[schema(minimum = 0)]
    pub unit_cost_fen: Option<i64>,
}

/// Changes a SKU's name, tier or unit cost (its product's managers).
#[utoipa::path(patch, path = "/skus/{code}", operation_id = "updateSku", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = UpdateCatalogSkuRequest,
    responses((status = 200, description = "OK", body = CatalogSkuView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn update_sku(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<UpdateCatalogSkuRequest>,
) -> WebResult<Json<CatalogSkuView>> {
    let patch = SkuPatch { name: req.name, tier: req.tier, unit_cost_fen: req.unit_cost_fen };
    let sku = pricing::change_sku(&state, &auth, &code, patch).await?;
    Ok(Json(CatalogSkuView::from(&sku)))
}

#[derive(Serialize, ToSchema)]
pub struct PriceView {
    pub sku: String,
    pub channel: String,
    pub price_fen: i64,
    /// A unit's net margin at this price: (price − cost − channel fee) / price, in bps.
    pub margin_bps: i64,
    pub effective_at: String,
    pub reason: String,
    /// Set when an admin priced above the pledge: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_cap_reason: Option<String>,
    /// Who set it.
    pub by: String,
    pub created_at: String,
}

impl From<&PriceChange> for PriceView {
    fn from(p: &PriceChange) -> Self {
        PriceView {
            sku: p.sku_code.clone(),
            channel: p.channel.clone(),
            price_fen: p.price_fen,
            margin_bps: p.margin_bps,
            effective_at: rfc3339(p.effective_at),
            reason: p.reason.clone(),
            over_cap_reason: p.over_cap_reason.clone(),
            by: p.created_by.clone(),
            created_at: rfc3339(p.created_at),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPriceRequest {
    /// A channel's code.
    pub channel: String,
    #[schema(minimum = 1)]
    pub price_fen: i64,
    /// RFC 3339; default now. A later time schedules the price.
    pub effective_at: Option<String>,
    /// Why (1–200 characters), shown in the price history.
    pub reason: String,
    /// Admins only: why this price may pass the margin pledge.
    pub over_cap_reason: Option<String>,
}

/// Prices a SKU on a channel, now or from a later time (its product's managers). A unit net
/// margin above the pledge (`CANYU_MARGIN_CAP_BPS`, default 500) is refused with
/// `margin_cap_exceeded` unless an admin gives `over_cap_reason`.
#[utoipa::path(post, path = "/skus/{code}/prices", operation_id = "setSkuPrice", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = NewPriceRequest,
    responses((status = 201, description = "Created", body = PriceView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn set_price(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<NewPriceRequest>,
) -> WebResult<(StatusCode, Json<PriceView>)> {
    let effective_at = match req.effective_at.as_deref() {
        Some(raw) => Some(parse_rfc3339(raw).ok_or(WebError::from(ErrorCode::InvalidTime))?),
        None => None,
    };
    let input = PriceInput {
        channel: req.channel,
        price_fen: req.price_fen,
        effective_at,
        reason: req.reason,
        over_cap_reason: req.over_cap_reason,
    };
    let change = pricing::set_price(&state, &auth, &code, input).await?;
    Ok((StatusCode::CREATED, Json(PriceView::from(&change))))
}

#[derive(Serialize, ToSchema)]
pub struct ChannelPriceView {
    pub channel: String,
    pub price_fen: i64,
    pub margin_bps: i64,
    /// Since when this price is in force.
    pub since: String,
    /// The lowest price in force at any time in the last 30 days.
    pub lowest_30d_fen: i64,
}

impl From<&ChannelPrice> for ChannelPriceView {
    fn from(p: &ChannelPrice) -> Self {
        ChannelPriceView {
            channel: p.channel.clone(),
            price_fen: p.price_fen,
            margin_bps: p.margin_bps,
            since: rfc3339(p.since),
            lowest_30d_fen: p.lowest_30d_fen,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PriceBookView {
    pub sku: CatalogSkuView,
    /// Every accepted change, by when it takes effect (scheduled ones included).
    pub history: Vec<PriceView>,
    /// Per channel: the price in force now.
    pub current: Vec<ChannelPriceView>,
}

/// A SKU's prices: every change, and per channel the price now and the 30-day lowest (staff).
#[utoipa::path(get, path = "/skus/{code}/prices", operation_id = "getSkuPrices", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)),
    responses((status = 200, description = "OK", body = PriceBookView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn price_book(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
) -> WebResult<Json<PriceBookView>> {
    let book = pricing::price_book(&state, &auth, &code).await?;
    Ok(Json(PriceBookView {
        sku: CatalogSkuView::from(&book.sku),
        history: book.history.iter().map(PriceView::from).collect(),
        current: book.current.iter().map(ChannelPriceView::from).collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// The channel's own id of the sale: a row is recorded once per channel and id.
    pub external_id: String,
    /// A catalog SKU's code.
    pub sku: String,
    #[schema(minimum = 1, maximum = 100000)]
    pub quantity: i64,
    #[schema(minimum = 0, maximum = 1000000000)]
    pub unit_price_fen: i64,
    /// RFC 3339.
    pub sold_at: String,
    pub city: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedRowView {
    /// The row's position in the batch, from 0.
    pub index: usize,
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SalesOutcomeView {
    pub inserted: usize,
    /// Rows already recorded, or repeated earlier in the batch: nothing changed for them.
    pub duplicates: usize,
    /// Rows refused alone, with why; the good rows went in.
    pub rejected: Vec<RejectedRowView>,
}

/// The largest sales report body: 10,000 rows of about 200 bytes.
pub const MAX_SALES_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Records a channel's sales (staff), at most 10,000 rows a request. Idempotent by (channel,
/// `external_id`); a bad row is rejected alone with its code while the good rows go in.
#[utoipa::path(post, path = "/channels/{code}/sales", operation_id = "recordChannelSales", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = Vec<SaleRequest>,
    responses((status = 200, description = "Recorded", body = SalesOutcomeView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 413, description = "Body too large", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn record_sales(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJsonList(rows): ApiJsonList<SaleRequest>,
) -> WebResult<Json<SalesOutcomeView>> {
    let rows = rows
        .into_iter()
        .map(|r| SaleInput {
            external_id: r.external_id,
            sku: r.sku,
            quantity: r.quantity,
            unit_price_fen: r.unit_price_fen,
            sold_at: r.sold_at,
            city: r.city,
        })
        .collect();
    let outcome = pricing::record_sales(&state, &auth, &code, rows).await?;
    Ok(Json(SalesOutcomeView {
        inserted: outcome.inserted,
        duplicates: outcome.duplicates,
        rejected: outcome
            .rejected
            .iter()
            .map(|(index, code)| RejectedRowView { index: *index, code: code.as_str().to_string() })
            .collect(),
    }))
}

fn period_bound(raw: Option<&str>) -> WebResult<Option<canyu_core::Millis>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => parse_rfc3339(r).map(Some).ok_or(WebError::from(ErrorCode::InvalidTime)),
        None => Ok(None),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MarginQuery {
    /// RFC 3339; default the start of this calendar year in the site's time zone.
    pub from: Option<String>,
    /// RFC 3339, exclusive; default the start of next year.
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MarginLineView {
    /// The channel's code, the tier, or the product's slug.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub quantity: i64,
    pub revenue_fen: i64,
    pub cost_fen: i64,
    pub channel_fees_fen: i64,
    pub net_fen: i64,
    pub net_margin_bps: i64,
}

impl From<&MarginLine> for MarginLineView {
    fn from(l: &MarginLine) -> Self {
        MarginLineView {
            key: l.key.clone(),
            kind: l.kind.clone(),
            quantity: l.quantity,
            revenue_fen: l.totals.revenue_fen,
            cost_fen: l.totals.cost_fen,
            channel_fees_fen: l.totals.channel_fees_fen,
            net_fen: l.totals.net_fen(),
            net_margin_bps: l.totals.net_margin_bps(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MarginReportView {
    pub from: String,
    pub to: String,
    pub revenue_fen: i64,
    /// Σ quantity × the unit cost in force at each sale's time.
    pub cost_fen: i64,
    pub channel_fees_fen: i64,
    /// revenue − cost − channel fees.
    pub net_fen: i64,
    pub net_margin_bps: i64,
    /// The pledge.
    pub cap_bps: i64,
    /// max(0, net − cap × revenue): what goes back to buyers.
    pub excess_fen: i64,
    pub by_channel: Vec<MarginLineView>,
    pub by_tier: Vec<MarginLineView>,
    pub by_product: Vec<MarginLineView>,
}

/// The sales ledger over a period against the margin pledge (staff).
#[utoipa::path(get, path = "/pricing/margin", operation_id = "getMarginReport", security(("bearer" = [])), tag = "pricing", params(MarginQuery),
    responses((status = 200, description = "OK", body = MarginReportView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn margin_report(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Query(q): Query<MarginQuery>,
) -> WebResult<Json<MarginReportView>> {
    let report = pricing::margin_report(
        &state,
        &auth,
        period_bound(q.from.as_deref())?,
        period_bound(q.to.as_deref())?,
    )
    .await?;
    Ok(Json(MarginReportView::from(&report)))
}

impl From<&pricing::MarginReport> for MarginReportView {
    fn from(report: &pricing::MarginReport) -> Self {
        let t: MarginTotals = report.totals;
        MarginReportView {
            from: rfc3339(report.from),
            to: rfc3339(report.to),
            revenue_fen: t.revenue_fen,
            cost_fen: t.cost_fen,
            channel_fees_fen: t.channel_fees_fen,
            net_fen: t.net_fen(),
            net_margin_bps: t.net_margin_bps(),
            cap_bps: report.cap_bps,
            excess_fen: t.excess_fen(report.cap_bps),
            by_channel: report.by_channel.iter().map(MarginLineView::from).collect(),
            by_tier: report.by_tier.iter().map(MarginLineView::from).collect(),
            by_product: report.by_product.iter().map(MarginLineView::from).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GiveBackRequest {
    /// RFC 3339; default the start of this calendar year in the site's time zone.
    pub from: Option<String>,
    /// RFC 3339, exclusive; default the start of next year.
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GiveBackView {
    pub id: i64,
    pub from: String,
    pub to: String,
    /// The margin over the pledge that was given back, in fen.
    pub excess_fen: i64,
    /// Points credited in all (one a yuan of the excess).
    pub points: i64,
    /// Own-channel buyers credited, each pro rata to what they paid.
    pub buyers: i64,
    pub created_by: String,
    pub created_at: String,
}

impl From<&canyu_app::model::GiveBack> for GiveBackView {
    fn from(g: &canyu_app::model::GiveBack) -> Self {
        GiveBackView {
            id: g.id,
            from: rfc3339(g.period_from),
            to: rfc3339(g.period_to),
            excess_fen: g.excess_fen,
            points: g.points,
            buyers: g.buyers,
            created_by: g.created_by.clone(),
            created_at: rfc3339(g.created_at),
        }
    }
}

/// Gives a period's margin over the pledge back to its own-channel buyers as points, pro rata
/// to what each paid (admins; once per period: 409 `give_back_exists`, `give_back_overlaps`,
/// or `no_excess_to_give_back` when the period is within the pledge).
#[utoipa::path(post, path = "/pricing/give-backs", operation_id = "createGiveBack", security(("bearer" = [])), tag = "pricing", request_body = GiveBackRequest,
    responses((status = 201, description = "Created", body = GiveBackView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_give_back(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<GiveBackRequest>,
) -> WebResult<(StatusCode, Json<GiveBackView>)> {
    let outcome = pricing::ledger::give_back(
        &state,
        &auth,
        period_bound(req.from.as_deref())?,
        period_bound(req.to.as_deref())?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(GiveBackView::from(&outcome.give_back))))
}

/// Every give-back made, newest period first (staff).
#[utoipa::path(get, path = "/pricing/give-backs", operation_id = "listGiveBacks", security(("bearer" = [])), tag = "pricing",
    responses((status = 200, description = "OK", body = ItemsView<GiveBackView>), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn list_give_backs(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<ItemsView<GiveBackView>>> {
    let items = pricing::ledger::give_backs(&state, &auth).await?;
    Ok(Json(ItemsView { items: items.iter().map(GiveBackView::from).collect() }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NewChannelTokenRequest {
    /// A label to recognise the token by (default "<code> sales").
    pub name: Option<String>,
}

/// Issues a token for the channel's own system: it reports this channel's sales
/// (`POST /channels/{code}/sales`) and is refused everywhere else with 403
/// `channel_token_scope` (staff). Revoked like any token of its issuer (`DELETE /me/tokens/{id}`).
#[utoipa::path(post, path = "/channels/{code}/tokens", operation_id = "createChannelToken", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = NewChannelTokenRequest,
    responses((status = 201, description = "Created", body = crate::api::auth::NewTokenView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_channel_token(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<NewChannelTokenRequest>,
) -> WebResult<(StatusCode, Json<crate::api::auth::NewTokenView>)> {
    let (token, record) =
        pricing::create_channel_token(&state, &auth, &code, req.name.as_deref().unwrap_or_default()).await?;
    Ok((
        StatusCode::CREATED,
        Json(crate::api::auth::NewTokenView { record: crate::api::views::TokenView::from(&record), token }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ChannelStockView {
    pub channel: String,
    #[schema(value_type = crate::api::views::ChannelKind)]
    pub kind: String,
    /// Units given to the channel so far.
    pub allocated: i64,
    /// Units the ledger says it sold, net of returns.
    pub sold: i64,
    /// allocated − sold.
    pub remaining: i64,
    /// sold / allocated in basis points (0 without an allocation).
    pub sell_through_bps: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StockTransferView {
    pub id: i64,
    /// `set` (staff set the channel's allocation) or `transfer`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: String,
    /// Asked for (for `set`: the new allocation); absent: all the source had left.
    pub units: Option<i64>,
    /// What moved (for `set`: the change), once done.
    pub moved: Option<i64>,
    pub reason: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl From<&canyu_app::model::StockTransfer> for StockTransferView {
    fn from(t: &canyu_app::model::StockTransfer) -> Self {
        StockTransferView {
            id: t.id,
            kind: t.kind.clone(),
            from: t.from.clone(),
            to: t.to.clone(),
            units: t.units,
            moved: t.moved,
            reason: t.reason.clone(),
            due_at: rfc3339(t.due_at),
            done_at: t.done_at.map(rfc3339),
            created_by: t.created_by.clone(),
            created_at: rfc3339(t.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StockView {
    pub sku: String,
    pub channels: Vec<ChannelStockView>,
    /// Changes to the allocations, newest first.
    pub transfers: Vec<StockTransferView>,
}

impl From<&pricing::stock::StockBook> for StockView {
    fn from(b: &pricing::stock::StockBook) -> Self {
        StockView {
            sku: b.sku.code.clone(),
            channels: b
                .channels
                .iter()
                .map(|c| ChannelStockView {
                    channel: c.channel.clone(),
                    kind: c.kind.clone(),
                    allocated: c.allocated,
                    sold: c.sold,
                    remaining: c.remaining(),
                    sell_through_bps: if c.allocated > 0 { c.sold * 10_000 / c.allocated } else { 0 },
                })
                .collect(),
            transfers: b.transfers.iter().map(StockTransferView::from).collect(),
        }
    }
}

/// A SKU's stock per channel: allocated, sold (from the ledger), left, sell-through; and the
/// log of allocations and transfers (staff).
#[utoipa::path(get, path = "/skus/{code}/allocations", operation_id = "getSkuAllocations", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)),
    responses((status = 200, description = "OK", body = StockView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn stock(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
) -> WebResult<Json<StockView>> {
    let book = pricing::stock::stock(&state, &auth, &code).await?;
    Ok(Json(StockView::from(&book)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationsRequest {
    /// Units given to each listed channel so far (0–10,000,000), e.g. `{"online": 5000, "jd": 2000}`;
    /// channels not listed keep theirs.
    #[schema(value_type = std::collections::HashMap<String, i64>)]
    pub allocations: std::collections::BTreeMap<String, i64>,
    pub reason: Option<String>,
}

/// Sets channels' allocations of a SKU (staff who manage its product); below what a channel
/// already sold: 409 `allocation_below_sold`, nothing changed.
#[utoipa::path(put, path = "/skus/{code}/allocations", operation_id = "setSkuAllocations", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = AllocationsRequest,
    responses((status = 200, description = "OK", body = StockView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn set_allocations(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<AllocationsRequest>,
) -> WebResult<Json<StockView>> {
    let book =
        pricing::stock::set_allocations(&state, &auth, &code, req.allocations, req.reason.as_deref()).await?;
    Ok(Json(StockView::from(&book)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockTransferRequest {
    pub from: String,
    pub to: String,
    /// 1–10,000,000; absent (only with `at`): everything the source has left at that time.
    pub units: Option<i64>,
    /// RFC 3339; absent or past: now.
    pub at: Option<String>,
    pub reason: Option<String>,
}

/// Moves unsold units of a SKU between channels (staff who manage its product): now (409
/// `transfer_exceeds_stock` when the source has fewer left), or at `at` (what the source has
/// left then, up to `units`), e.g. unsold partner stock returning to `online` after a sale.
#[utoipa::path(post, path = "/skus/{code}/transfers", operation_id = "createStockTransfer", security(("bearer" = [])), tag = "pricing", params(("code" = String, Path)), request_body = StockTransferRequest,
    responses((status = 201, description = "Created", body = StockTransferView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_transfer(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(code): Path<String>,
    ApiJson(req): ApiJson<StockTransferRequest>,
) -> WebResult<(StatusCode, Json<StockTransferView>)> {
    let input = pricing::stock::TransferInput {
        from: req.from,
        to: req.to,
        units: req.units,
        at: period_bound(req.at.as_deref())?,
        reason: req.reason,
    };
    let transfer = pricing::stock::transfer(&state, &auth, &code, input).await?;
    Ok((StatusCode::CREATED, Json(StockTransferView::from(&transfer))))
}
