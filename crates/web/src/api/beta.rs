//! `/api/v1/products/{slug}/beta` and `/api/v1/beta/applications`: the beta programme.

use crate::api::views::ErrorBody;
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, ProductInPath, WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use canyu_app::beta::{self, BetaSettings};
use canyu_app::model::BetaMembership;
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub id: i64,
    pub product: String,
    pub handle: String,
    /// `pending`, `member`, `rejected`, `left` or `removed`.
    pub status: String,
    pub motivation: String,
    pub applied_at: String,
    /// Who decided; null when the level rule admitted the fan or nobody decided yet.
    pub decided_by: Option<String>,
    pub joined_at: Option<String>,
    pub ended_at: Option<String>,
    /// Why the membership ended, e.g. `missed_duties:2026-W48` or the team's note.
    pub end_note: Option<String>,
}

impl MembershipView {
    fn new(m: &BetaMembership, product: &str) -> MembershipView {
        MembershipView {
            id: m.id,
            product: product.to_string(),
            handle: m.handle.clone(),
            status: m.status.as_str().to_string(),
            motivation: m.motivation.clone(),
            applied_at: rfc3339(m.applied_at),
            decided_by: m.decided_by.clone(),
            joined_at: m.joined_at.map(rfc3339),
            ended_at: m.ended_at.map(rfc3339),
            end_note: m.end_note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DutyView {
    /// ISO week, China time, e.g. `2026-W48`.
    pub week: String,
    pub bugs: i64,
    pub suggestions: i64,
    /// At least one bug report and one suggestion on the beta board.
    pub done: bool,
}

#[derive(Serialize, ToSchema)]
pub struct MyBetaView {
    /// The caller's latest application or membership, if any.
    pub membership: Option<MembershipView>,
    /// When the caller may apply (again); null while an application or membership is live.
    pub can_apply_at: Option<String>,
    /// This week's duties, for members.
    pub this_week: Option<DutyView>,
}

#[derive(Serialize, ToSchema)]
pub struct BetaGroupView {
    pub product: String,
    pub seats: i64,
    pub members: i64,
    pub pending: i64,
    pub free_seats: i64,
    /// Fans at this level or above are admitted as they apply while seats last.
    pub min_level: Option<u8>,
    pub removal_cooldown_days: i64,
    pub leave_cooldown_days: i64,
    pub open: bool,
    /// 人车家: only owners of this product (slug) may apply; absent: anyone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owners_of: Option<String>,
    /// The caller's standing (absent for anonymous callers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub me: Option<MyBetaView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SlugPath {
    /// Product slug.
    pub slug: String,
}

/// The product's beta group, and the caller's standing in it.
#[utoipa::path(get, path = "/products/{slug}/beta", operation_id = "getBetaProgramme", security((), ("bearer" = [])), tag = "beta", params(SlugPath),
    responses((status = 200, description = "OK", body = BetaGroupView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(SlugPath { slug }): Path<SlugPath>,
) -> WebResult<Json<BetaGroupView>> {
    let product = beta::product(&state, &slug).await.product_in_path()?;
    let status = beta::status(&state, auth.0.as_ref(), &product).await?;
    let rules = status.group.rules;
    let me = auth.0.as_ref().map(|_| MyBetaView {
        membership: status.mine.as_ref().map(|m| MembershipView::new(m, &product.slug)),
        can_apply_at: status.can_apply_at.map(rfc3339),
        this_week: status.week.map(|(week, tally)| DutyView {
            week: week.key(),
            bugs: tally.bugs,
            suggestions: tally.suggestions,
            done: tally.done(),
        }),
    });
    Ok(Json(BetaGroupView {
        product: product.slug.clone(),
        seats: rules.seats,
        members: status.group.members,
        pending: status.group.pending,
        free_seats: status.group.free_seats(),
        min_level: rules.min_level,
        removal_cooldown_days: rules.removal_cooldown_days,
        leave_cooldown_days: rules.leave_cooldown_days,
        open: rules.open,
        owners_of: status.group.owners_of_slug.clone(),
        me,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BetaSettingsRequest {
    /// 1–1,000,000.
    #[schema(minimum = 1, maximum = 1000000)]
    pub seats: i64,
    /// 1–6: fans at this level or above are admitted as they apply. Null: staff decide all.
    #[schema(minimum = 1, maximum = 6)]
    pub min_level: Option<i64>,
    /// Days a removed member waits before reapplying (0–365, default 30).
    #[schema(minimum = 0, maximum = 365)]
    pub removal_cooldown_days: Option<i64>,
    /// Days a member who left, or a declined applicant, waits (0–365, default 14).
    #[schema(minimum = 0, maximum = 365)]
    pub leave_cooldown_days: Option<i64>,
    /// Whether applications are accepted (default true).
    pub open: Option<bool>,
    /// 人车家: a product's slug; only fans who own one may apply (403 `owners_only`). Absent
    /// or empty: anyone. An unknown product: 422 `unknown_product`.
    pub owners_of: Option<String>,
}

/// Creates or changes the product's beta group (the people who run the product).
#[utoipa::path(put, path = "/products/{slug}/beta", operation_id = "configureBetaProgramme", security(("bearer" = [])), tag = "beta", params(SlugPath), request_body = BetaSettingsRequest,
    responses((status = 200, description = "OK", body = BetaGroupView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn configure(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(SlugPath { slug }): Path<SlugPath>,
    ApiJson(req): ApiJson<BetaSettingsRequest>,
) -> WebResult<Json<BetaGroupView>> {
    // The path's product first: a missing one is 404, an unknown `owners_of` then 422.
    beta::product(&state, &slug).await.product_in_path()?;
    let group = beta::configure(
        &state,
        &auth,
        &slug,
        BetaSettings {
            seats: req.seats,
            min_level: req.min_level,
            removal_cooldown_days: req.removal_cooldown_days,
            leave_cooldown_days: req.leave_cooldown_days,
            open: req.open,
            owners_of: req.owners_of,
        },
    )
    .await?;
    let rules = group.rules;
    Ok(Json(BetaGroupView {
        product: slug.trim().to_string(),
        seats: rules.seats,
        members: group.members,
        pending: group.pending,
        free_seats: group.free_seats(),
        min_level: rules.min_level,
        removal_cooldown_days: rules.removal_cooldown_days,
        leave_cooldown_days: rules.leave_cooldown_days,
        open: rules.open,
        owners_of: group.owners_of_slug.clone(),
        me: None,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// 5–500 characters.
    #[schema(min_length = 5, max_length = 500)]
    pub motivation: String,
}

/// Applies to the beta group. `status` is `member` when the level rule admitted the caller
/// at once, else `pending`.
#[utoipa::path(post, path = "/products/{slug}/beta/applications", operation_id = "createBetaApplication", security(("bearer" = [])), tag = "beta", params(SlugPath), request_body = ApplyRequest,
    responses((status = 201, description = "Created", body = MembershipView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(SlugPath { slug }): Path<SlugPath>,
    ApiJson(req): ApiJson<ApplyRequest>,
) -> WebResult<(StatusCode, Json<MembershipView>)> {
    let membership = beta::apply(&state, &auth, &slug, &req.motivation).await.product_in_path()?;
    Ok((StatusCode::CREATED, Json(MembershipView::new(&membership, slug.trim()))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsParams {
    /// `pending` (e.g.), `member`, `rejected`, `left` or `removed`; all when absent.
    #[param(value_type = Option<crate::api::views::MembershipStatus>)]
    pub status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipsView {
    pub items: Vec<MembershipView>,
}

/// Applications and memberships, oldest application first (the people who run the product).
#[utoipa::path(get, path = "/products/{slug}/beta/applications", operation_id = "listBetaApplications", security(("bearer" = [])), tag = "beta", params(SlugPath, ApplicationsParams),
    responses((status = 200, description = "OK", body = MembershipsView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody)))]
pub async fn applications(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(SlugPath { slug }): Path<SlugPath>,
    Query(params): Query<ApplicationsParams>,
) -> WebResult<Json<MembershipsView>> {
    let list = beta::applications(&state, &auth, &slug, params.status.as_deref()).await.product_in_path()?;
    Ok(Json(MembershipsView { items: list.iter().map(|m| MembershipView::new(m, slug.trim())).collect() }))
}

fn application_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::BetaApplicationNotFound))
}

async fn decided(state: &AppState, m: &BetaMembership) -> WebResult<Json<MembershipView>> {
    let slug =
        canyu_app::catalog::product_by_id(state, m.product_id).await?.map(|p| p.slug).unwrap_or_default();
    Ok(Json(MembershipView::new(m, &slug)))
}

/// Admits a pending application (needs a free seat).
#[utoipa::path(post, path = "/beta/applications/{id}/admit", operation_id = "admitBetaApplication", security(("bearer" = [])), tag = "beta", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = MembershipView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn admit(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<MembershipView>> {
    let m = beta::decide(&state, &auth, application_id(&id)?, true).await?;
    decided(&state, &m).await
}

/// Declines a pending application; the fan may apply again after the leave cooldown.
#[utoipa::path(post, path = "/beta/applications/{id}/reject", operation_id = "rejectBetaApplication", security(("bearer" = [])), tag = "beta", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = MembershipView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<MembershipView>> {
    let m = beta::decide(&state, &auth, application_id(&id)?, false).await?;
    decided(&state, &m).await
}

/// The caller leaves the group, or withdraws a pending application.
#[utoipa::path(delete, path = "/products/{slug}/beta/membership", operation_id = "leaveBetaProgramme", security(("bearer" = [])), tag = "beta", params(SlugPath),
    responses((status = 200, description = "OK", body = MembershipView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(SlugPath { slug }): Path<SlugPath>,
) -> WebResult<Json<MembershipView>> {
    let m = beta::leave(&state, &auth, &slug).await.product_in_path()?;
    Ok(Json(MembershipView::new(&m, slug.trim())))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RemoveRequest {
    /// Why, up to 200 characters; the fan is told they were removed.
    #[schema(max_length = 200)]
    pub note: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// Product slug.
    pub slug: String,
    pub handle: String,
}

/// Removes a member (the people who run the product); the removal cooldown applies.
#[utoipa::path(post, path = "/products/{slug}/beta/members/{handle}/remove", operation_id = "removeBetaMember", security(("bearer" = [])), tag = "beta", params(MemberPath), request_body = RemoveRequest,
    responses((status = 200, description = "OK", body = MembershipView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(MemberPath { slug, handle }): Path<MemberPath>,
    ApiJson(req): ApiJson<RemoveRequest>,
) -> WebResult<Json<MembershipView>> {
    let m = beta::remove(&state, &auth, &slug, &handle, req.note.as_deref()).await.product_in_path()?;
    Ok(Json(MembershipView::new(&m, slug.trim())))
}
