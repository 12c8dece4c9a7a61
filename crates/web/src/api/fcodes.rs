//! `/api/v1/waves/{id}/fcodes` and `/api/v1/fcodes`: F-codes (F码).
//!
//! A code is issued unbound; the first fan to redeem it binds it; the bound fan may pass it
//! once to another fan (who owns it and cannot pass it on); an order with it uses it:
//! issued → bound → (transferred) → used. Everything else is refused.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::model::{FCodeBatch, FCodeRecord};
use canyu_app::sales::fcodes;
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    /// 1–10,000 codes.
    #[schema(minimum = 1, maximum = 10000)]
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct BatchView {
    pub id: i64,
    pub wave: i64,
    /// `staff` (generated) or `award` (bound by a points rule).
    pub source: String,
    pub count: i64,
    pub min_points: Option<i64>,
    /// Codes bound to a fan (redeemed or awarded, transferred, used).
    pub issued_bound: i64,
    pub transferred: i64,
    pub used: i64,
    pub created_at: String,
}

impl BatchView {
    fn of(b: &FCodeBatch) -> BatchView {
        BatchView {
            id: b.id,
            wave: b.wave_id,
            source: b.source.clone(),
            count: b.count,
            min_points: b.min_points,
            issued_bound: b.bound,
            transferred: b.transferred,
            used: b.used,
            created_at: rfc3339(b.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GeneratedBatch {
    pub batch: BatchView,
    /// The codes, `XXXX-XXXX-XXXXX`. Shown this once: canyu keeps only their hashes.
    pub codes: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardRequest {
    /// Fans with at least this many points get a code.
    #[schema(minimum = 0)]
    pub min_points: i64,
    /// At most this many fans (most points first), 1–10,000 (default 10,000).
    #[schema(minimum = 1, maximum = 10000)]
    pub max: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AwardView {
    /// Fans who got a code now (fans who had one for the wave are skipped).
    pub awarded: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// As typed: any case, dashes and spaces are ignored.
    #[schema(pattern = "^[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{5}$")]
    pub code: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    #[schema(pattern = "^[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{4}-?[0-9A-TV-Za-tv-z]{5}$")]
    pub code: String,
    /// The handle of the fan who gets the code.
    #[schema(min_length = 2, max_length = 32)]
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct FCodeView {
    pub wave: i64,
    /// `bound` or `transferred` (both usable by their owner), `used`.
    pub status: String,
    /// Whether the owner may still pass it on.
    pub transferable: bool,
}

impl FCodeView {
    fn of(c: &FCodeRecord) -> FCodeView {
        FCodeView { wave: c.wave_id, status: c.status.clone(), transferable: c.status == "bound" }
    }
}

fn wave_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::WaveNotFound))
}

/// Generates a batch of single-use codes for a wave (the people who run the product). The
/// codes are in this response only.
#[utoipa::path(post, path = "/waves/{id}/fcodes", operation_id = "generateWaveFcodes", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)), request_body = GenerateRequest,
    responses((status = 201, description = "Created", body = GeneratedBatch), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn generate(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<GenerateRequest>,
) -> WebResult<(StatusCode, Json<GeneratedBatch>)> {
    let (batch, codes) = fcodes::generate(&state, &auth, wave_id(&id)?, req.count).await?;
    let codes = codes.iter().map(ToString::to_string).collect();
    Ok((StatusCode::CREATED, Json(GeneratedBatch { batch: BatchView::of(&batch), codes })))
}

/// The wave's batches with how many codes were bound, transferred and used (no codes).
#[utoipa::path(get, path = "/waves/{id}/fcodes", operation_id = "listWaveFcodeBatches", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = [BatchView]), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn batches(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<Vec<BatchView>>> {
    let batches = fcodes::batches(&state, &auth, wave_id(&id)?).await?;
    Ok(Json(batches.iter().map(BatchView::of).collect()))
}

/// Binds a code to every fan with at least `min_points` points who has none for the wave
/// (idempotent; nobody is notified).
#[utoipa::path(post, path = "/waves/{id}/fcodes/award", operation_id = "awardWaveFcodes", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)), request_body = AwardRequest,
    responses((status = 200, description = "OK", body = AwardView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn award(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AwardRequest>,
) -> WebResult<Json<AwardView>> {
    let awarded = fcodes::award(&state, &auth, wave_id(&id)?, req.min_points, req.max).await?;
    Ok(Json(AwardView { awarded }))
}

/// Redeems a code: it becomes the caller's. 409 if anyone redeemed it before.
#[utoipa::path(post, path = "/fcodes/redeem", operation_id = "redeemFcode", security(("bearer" = [])), tag = "waves", request_body = RedeemRequest,
    responses((status = 200, description = "OK", body = FCodeView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn redeem(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<RedeemRequest>,
) -> WebResult<Json<FCodeView>> {
    Ok(Json(FCodeView::of(&fcodes::redeem(&state, &auth, &req.code).await?)))
}

/// Passes the caller's redeemed code to another fan, once and before it is used.
#[utoipa::path(post, path = "/fcodes/transfer", operation_id = "transferFcode", security(("bearer" = [])), tag = "waves", request_body = TransferRequest,
    responses((status = 200, description = "OK", body = FCodeView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn transfer(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<TransferRequest>,
) -> WebResult<Json<FCodeView>> {
    Ok(Json(FCodeView::of(&fcodes::transfer(&state, &auth, &req.code, &req.to).await?)))
}
