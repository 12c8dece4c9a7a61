//! Points: staff corrections, a fan's ledger, leaderboards.

use crate::api::views::{ErrorBody, ItemsView};
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustRequest {
    /// Points to add (negative to deduct), non-zero, at most 100,000 either way.
    #[schema(minimum = -100000, maximum = 100000)]
    pub delta: i64,
    /// Why, shown to the fan in their ledger.
    #[schema(min_length = 1, max_length = 200)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct BalanceView {
    pub handle: String,
    pub points: i64,
}

/// Appends a correction to a fan's points (staff). The ledger is never edited: a
/// deduction that would take the balance below zero is refused. Send an
/// `Idempotency-Key` header to make retries safe.
#[utoipa::path(post, path = "/users/{handle}/points", operation_id = "adjustUserPoints", security(("bearer" = [])), tag = "users", params(("handle" = String, Path)), request_body = AdjustRequest,
    responses((status = 200, description = "OK", body = BalanceView), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(handle): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AdjustRequest>,
) -> WebResult<Json<BalanceView>> {
    let key = crate::api::idempotency_key_header(&headers)?;
    let (user, points) = canyu_app::points::adjust(&state, &auth, &handle, req.delta, &req.note, key).await?;
    Ok(Json(BalanceView { handle: user.handle, points }))
}

#[derive(Serialize, ToSchema)]
pub struct LedgerEntryView {
    pub id: i64,
    pub delta: i64,
    /// `post_created`, `vote_cast`, `post_planned`, `post_shipped`, `voted_post_shipped`,
    /// `beta_duty_done`, `adjustment`, `give_back`, `event_attended`, `referral_rewarded` or
    /// `referral_welcome`.
    pub reason: String,
    /// The reason in the request's language.
    pub label: String,
    pub note: Option<String>,
    pub created_at: String,
}

/// A fan's points ledger, newest first (the fan themself, or staff).
#[utoipa::path(get, path = "/users/{handle}/points", operation_id = "listUserPoints", security(("bearer" = [])), tag = "users", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = ItemsView<LedgerEntryView>), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn ledger(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Lang(locale): Lang,
    Path(handle): Path<String>,
) -> WebResult<Json<ItemsView<LedgerEntryView>>> {
    let user = canyu_app::accounts::user_by_handle(&state, &handle).await?.ok_or(ErrorCode::UserNotFound)?;
    if user.id != auth.user.id {
        auth.require(Role::Staff)?;
    }
    let entries = canyu_app::points::points_history(&state, user.id, 200).await?;
    Ok(Json(ItemsView {
        items: entries
            .iter()
            .map(|e| LedgerEntryView {
                id: e.id,
                delta: e.delta,
                reason: e.reason.as_str().into(),
                label: locale.pick(e.reason.label_zh(), e.reason.label_en()).into(),
                note: e.note.clone(),
                created_at: rfc3339(e.created_at),
            })
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaderboardParams {
    /// Product slug: points earned on that product. Without it, balances across products.
    pub product: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LeaderboardEntryView {
    pub rank: usize,
    pub handle: String,
    pub points: i64,
}

/// The 50 fans with the most points, per product or overall.
#[utoipa::path(get, path = "/leaderboard", operation_id = "getLeaderboard", tag = "users", params(LeaderboardParams),
    responses((status = 200, description = "OK", body = ItemsView<LeaderboardEntryView>), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn leaderboard(
    State(state): State<AppState>,
    Query(params): Query<LeaderboardParams>,
) -> WebResult<Json<ItemsView<LeaderboardEntryView>>> {
    let product = match params.product.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => {
            Some(canyu_app::catalog::product(&state, slug).await?.ok_or(ErrorCode::UnknownProduct)?.id)
        }
        None => None,
    };
    let rows = canyu_app::points::leaderboard(&state, product, 50).await?;
    Ok(Json(ItemsView {
        items: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| LeaderboardEntryView { rank: i + 1, handle: r.handle, points: r.points })
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ProductPath {
    pub slug: String,
}

/// The product's leaderboard (same as `/api/v1/leaderboard?product=`).
#[utoipa::path(get, path = "/products/{slug}/leaderboard", operation_id = "getProductLeaderboard", tag = "users", params(ProductPath),
    responses((status = 200, description = "OK", body = ItemsView<LeaderboardEntryView>), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn product_leaderboard(
    state: State<AppState>,
    Path(path): Path<ProductPath>,
) -> WebResult<Json<ItemsView<LeaderboardEntryView>>> {
    canyu_app::catalog::product(&state, &path.slug).await?.ok_or(ErrorCode::NotFound)?;
    leaderboard(state, Query(LeaderboardParams { product: Some(path.slug) })).await
}
