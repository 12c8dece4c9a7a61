//! `/api/v1/campaigns`: launch campaigns (teaser, price reveal, reservations with a fan lane).

use crate::api::views::ErrorBody;
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::campaigns::{self, CampaignInput, CampaignSeen, SkuInput};
use canyu_app::model::Reservation;
use canyu_core::ErrorCode;
use canyu_core::campaign::{DAY_MS, MINUTE_MS, OrderLimits};
use canyu_core::time::{parse_rfc3339, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSkuRequest {
    /// 1–32 letters, digits, `-` or `_`; unique within the campaign.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    /// 1–60 characters, e.g. `SU7 Max 橄榄绿`.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// In fen (分): `21590000` is ¥215,900.
    #[schema(minimum = 1, maximum = 10000000000.0)]
    pub price_fen: i64,
    /// 小定, refundable until locked; 0 or absent: not offered.
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub small_deposit_fen: Option<i64>,
    /// 大定, refundable within the refund window, then locked; 0 or absent: not offered.
    #[schema(minimum = 0, maximum = 10000000000.0)]
    pub big_deposit_fen: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaignRequest {
    /// Product slug; the caller must run the product.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$", min_length = 2, max_length = 40)]
    pub product: String,
    /// 1–80 characters.
    #[schema(min_length = 1, max_length = 80)]
    pub title: String,
    /// RFC 3339. The campaign page goes public (price hidden, countdown).
    #[schema(format = DateTime)]
    pub teaser_at: String,
    /// RFC 3339, not before `teaser_at`. The price is published; before this no page or API
    /// shows it.
    #[schema(format = DateTime)]
    pub reveal_at: String,
    /// RFC 3339, not before `reveal_at`.
    #[schema(format = DateTime)]
    pub reservations_open_at: String,
    /// RFC 3339, after `reservations_open_at`, at most 90 days later.
    #[schema(format = DateTime)]
    pub reservations_close_at: String,
    /// RFC 3339: only accounts created before this may reserve. Default: `teaser_at`.
    #[schema(format = DateTime)]
    pub account_cutoff_at: Option<String>,
    /// Places kept for fans with at least `fan_lane_min_points` points, or holding an unused
    /// F-code of one of the campaign's waves (default 0: no lane).
    #[schema(minimum = 0, maximum = 10000000)]
    pub fan_lane_places: Option<i64>,
    #[schema(minimum = 0, maximum = 1000000000)]
    pub fan_lane_min_points: Option<i64>,
    /// Places for everyone else; absent: unlimited.
    #[schema(minimum = 0, maximum = 10000000)]
    pub general_places: Option<i64>,
    /// Minutes the fan lane orders alone when a reservation wave opens (default 30 with a fan
    /// lane, else 0).
    #[schema(minimum = 0, maximum = 1440)]
    pub fan_lane_head_start_minutes: Option<i64>,
    /// Minutes a cart holds stock before an unpaid order lets it go (default 15).
    #[schema(minimum = 1, maximum = 1440)]
    pub hold_minutes: Option<i64>,
    /// Days a big order stays refundable before it locks (default 7).
    #[schema(minimum = 0, maximum = 30)]
    pub refund_days: Option<i64>,
    /// One live order per person across the campaign's waves (default true): per fan
    /// account, and per verified identity for verified accounts.
    pub one_per_person: Option<bool>,
    /// One live order per delivery address; every order must then give an address (default
    /// true).
    pub one_per_address: Option<bool>,
    /// Orders only from accounts with a verified identity (`POST /api/v1/me/identity`), the
    /// buyer being that person (default false).
    pub verified_only: Option<bool>,
    /// 1–20 SKUs.
    #[schema(min_items = 1, max_items = 20)]
    pub skus: Vec<NewSkuRequest>,
}

#[derive(Serialize, ToSchema)]
pub struct SkuView {
    pub code: String,
    pub name: String,
    /// Absent before the reveal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_fen: Option<i64>,
    /// Absent before the reveal, and when the SKU takes no small orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub small_deposit_fen: Option<i64>,
    /// Absent before the reveal, and when the SKU takes no big orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub big_deposit_fen: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LaneView {
    /// Absent: unlimited.
    pub places: Option<i64>,
    pub taken: i64,
    /// The fan lane's points threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_points: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ReservationView {
    pub campaign: i64,
    /// `fan` or `general`.
    pub lane: String,
    /// The caller's number within the lane (1 = first).
    pub place: i64,
    pub created_at: String,
}

impl ReservationView {
    fn of(r: &Reservation) -> ReservationView {
        ReservationView {
            campaign: r.campaign_id,
            lane: r.lane.as_str().into(),
            place: r.place,
            created_at: rfc3339(r.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CampaignWaveView {
    pub id: i64,
    pub sku: String,
    pub quantity: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub eligibility: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub product: String,
    pub title: String,
    /// `hidden` (only its managers see it), `teaser`, `revealed`, `reservations` or `sales`.
    pub phase: String,
    pub teaser_at: String,
    pub reveal_at: String,
    pub reservations_open_at: String,
    pub reservations_close_at: String,
    pub account_cutoff_at: String,
    /// Prices and deposits appear from the reveal on.
    pub skus: Vec<SkuView>,
    /// Absent when the campaign has no fan lane.
    pub fan_lane: Option<LaneView>,
    pub general_lane: LaneView,
    pub fan_lane_head_start_minutes: i64,
    pub hold_minutes: i64,
    pub refund_days: i64,
    /// One live order per person across the campaign's waves (per account and per verified
    /// identity).
    pub one_per_person: bool,
    /// One live order per delivery address (orders must give one).
    pub one_per_address: bool,
    /// Orders only from verified accounts; the buyer is the verified person.
    pub verified_only: bool,
    pub waves: Vec<CampaignWaveView>,
    /// The caller's reservation, when signed in and reserved.
    pub my_reservation: Option<ReservationView>,
}

impl CampaignView {
    pub fn new(seen: &CampaignSeen, now: i64) -> CampaignView {
        let c = &seen.campaign;
        let public = c.schedule.price_public(now);
        let r = &c.reservations;
        let positive = |n: i64| (public && n > 0).then_some(n);
        CampaignView {
            id: c.id,
            product: c.product_slug.clone(),
            title: c.title.clone(),
            phase: seen.phase.as_str().into(),
            teaser_at: rfc3339(c.schedule.teaser_at),
            reveal_at: rfc3339(c.schedule.reveal_at),
            reservations_open_at: rfc3339(c.schedule.reserve_opens_at),
            reservations_close_at: rfc3339(c.schedule.reserve_closes_at),
            account_cutoff_at: rfc3339(r.account_cutoff_at),
            skus: c
                .skus
                .iter()
                .map(|s| SkuView {
                    code: s.code.clone(),
                    name: s.name.clone(),
                    price_fen: public.then_some(s.price_fen),
                    small_deposit_fen: positive(s.small_deposit_fen),
                    big_deposit_fen: positive(s.big_deposit_fen),
                })
                .collect(),
            fan_lane: (r.fan_lane_places > 0).then_some(LaneView {
                places: Some(r.fan_lane_places),
                taken: c.fan_lane_taken,
                min_points: Some(r.fan_lane_min_points),
            }),
            general_lane: LaneView { places: r.general_places, taken: c.general_taken, min_points: None },
            fan_lane_head_start_minutes: r.fan_lane_head_start_ms / MINUTE_MS,
            hold_minutes: c.terms.hold_ms / MINUTE_MS,
            refund_days: c.terms.refund_window_ms / DAY_MS,
            one_per_person: c.terms.limits.one_per_person,
            verified_only: c.terms.limits.verified_only,
            one_per_address: c.terms.limits.one_per_address,
            waves: seen
                .waves
                .iter()
                .map(|w| CampaignWaveView {
                    id: w.id,
                    sku: w.rules.sku.clone(),
                    quantity: w.rules.online_quantity(),
                    starts_at: rfc3339(w.rules.starts_at),
                    ends_at: rfc3339(w.rules.ends_at),
                    eligibility: w.rules.eligibility.kind().into(),
                    url: format!("/api/v1/waves/{}", w.id),
                })
                .collect(),
            my_reservation: seen.reservation.as_ref().map(ReservationView::of),
        }
    }
}

fn time(raw: &str) -> WebResult<i64> {
    parse_rfc3339(raw).ok_or(WebError::from(ErrorCode::InvalidTime))
}

fn campaign_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::CampaignNotFound))
}

/// Plans a launch campaign (the people who run the product).
#[utoipa::path(post, path = "/campaigns", operation_id = "createCampaign", security(("bearer" = [])), tag = "campaigns", request_body = NewCampaignRequest,
    responses((status = 201, description = "Created", body = CampaignView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewCampaignRequest>,
) -> WebResult<(StatusCode, Json<CampaignView>)> {
    let account_cutoff_at = req.account_cutoff_at.as_deref().map(time).transpose()?;
    let input = CampaignInput {
        product: req.product,
        title: req.title,
        teaser_at: time(&req.teaser_at)?,
        reveal_at: time(&req.reveal_at)?,
        reserve_opens_at: time(&req.reservations_open_at)?,
        reserve_closes_at: time(&req.reservations_close_at)?,
        account_cutoff_at,
        fan_lane_places: req.fan_lane_places,
        fan_lane_min_points: req.fan_lane_min_points,
        general_places: req.general_places,
        fan_lane_head_start_minutes: req.fan_lane_head_start_minutes,
        hold_minutes: req.hold_minutes,
        refund_days: req.refund_days,
        limits: OrderLimits {
            one_per_person: req.one_per_person.unwrap_or(true),
            one_per_address: req.one_per_address.unwrap_or(true),
            verified_only: req.verified_only.unwrap_or(false),
        },
        skus: req
            .skus
            .into_iter()
            .map(|s| SkuInput {
                code: s.code,
                name: s.name,
                price_fen: s.price_fen,
                small_deposit_fen: s.small_deposit_fen,
                big_deposit_fen: s.big_deposit_fen,
            })
            .collect(),
    };
    let campaign = campaigns::create(&state, &auth, input).await?;
    let seen = campaigns::show(&state, Some(&auth), campaign.id).await?;
    Ok((StatusCode::CREATED, Json(CampaignView::new(&seen, state.now()))))
}

/// A campaign. Before its teaser only the people who run the product see it (404 for
/// everyone else); before its reveal no price or deposit is in the answer, for anyone.
#[utoipa::path(get, path = "/campaigns/{id}", operation_id = "getCampaign", security((), ("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = CampaignView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Json<CampaignView>> {
    let seen = campaigns::show(&state, auth.as_ref(), campaign_id(&id)?).await?;
    Ok(Json(CampaignView::new(&seen, state.now())))
}

/// Reserves a place for the caller: in the fan lane when the caller has enough points (or
/// holds an unused F-code of one of the campaign's waves) and a place is left, else in the
/// general lane. 201 for a new reservation; 200 with the same
/// reservation when the caller had reserved already.
#[utoipa::path(post, path = "/campaigns/{id}/reservations", operation_id = "createCampaignReservation", security(("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 201, description = "Created", body = ReservationView), (status = 200, description = "OK", body = ReservationView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn reserve(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<(StatusCode, Json<ReservationView>)> {
    let (reservation, new) = campaigns::reserve(&state, &auth, campaign_id(&id)?).await?;
    let status = if new { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ReservationView::of(&reservation))))
}

/// The campaign's live counter as server-sent events: an `event: snapshot` every second with
/// `data:` a JSON object — `at` (ms), `orders` (`total`, `by_kind`, `by_state`), `per_minute`
/// (`[minute_ms, orders]`, the last hour), `milestones` (`orders`, `at`, `after_ms` since the
/// first wave opened), `reservations` and `waves` (`name`, `quantity`, `taken`, `remaining`).
/// Same visibility as the campaign; no price.
#[utoipa::path(get, path = "/campaigns/{id}/live", operation_id = "streamCampaignLive", security((), ("bearer" = [])), tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", description = "Snapshots as server-sent events"), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn live(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = campaign_id(&id)?;
    campaigns::show(&state, auth.as_ref(), id).await?;
    let rx = state.live().subscribe(&state, id);
    Ok(crate::api::event_stream(rx))
}
