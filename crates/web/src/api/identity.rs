//! `/api/v1/me/identity`: the caller's real-name verification (实名认证).

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use canyu_app::accounts::identity;
use canyu_app::model::Identity;
use canyu_core::identity::masked;
use canyu_core::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    /// The name as on the identity card (2–30 characters).
    #[schema(min_length = 2, max_length = 30)]
    pub real_name: String,
    /// The 18-character resident identity number: 17 digits and a check digit or `X` (spaces
    /// between the characters are ignored; a wrong check digit is `invalid_id_number`).
    #[schema(pattern = "^[1-9][0-9]{16}[0-9Xx]$")]
    pub id_number: String,
}

/// The caller's verification. The identity number is never shown again in full.
#[derive(Serialize, ToSchema)]
pub struct IdentityView {
    pub verified: bool,
    pub real_name: Option<String>,
    /// The number with all but its last four characters hidden: `**************002X`.
    pub id_number: Option<String>,
    pub verified_at: Option<String>,
}

impl IdentityView {
    fn of(identity: Option<&Identity>) -> IdentityView {
        IdentityView {
            verified: identity.is_some(),
            real_name: identity.map(|i| i.real_name.clone()),
            id_number: identity.map(|i| masked(&i.id_hint)),
            verified_at: identity.map(|i| rfc3339(i.verified_at)),
        }
    }
}

/// The caller's verification, or `verified: false`.
#[utoipa::path(get, path = "/me/identity", operation_id = "getIdentity", security(("bearer" = [])), tag = "auth",
    responses((status = 200, description = "OK", body = IdentityView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<IdentityView>> {
    Ok(Json(IdentityView::of(identity::show(&state, &auth).await?.as_ref())))
}

/// Verifies the caller's identity, once: a verified account cannot change its identity (409
/// `already_verified`). Campaigns that take only verified accounts name this person as the
/// buyer, and "one order per person" counts every account verified as them once.
#[utoipa::path(post, path = "/me/identity", operation_id = "verifyIdentity", security(("bearer" = [])), tag = "auth", request_body = VerifyRequest,
    responses((status = 201, description = "Created", body = IdentityView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> WebResult<(StatusCode, Json<IdentityView>)> {
    let identity = identity::verify(&state, &auth, &req.real_name, &req.id_number).await?;
    Ok((StatusCode::CREATED, Json(IdentityView::of(Some(&identity)))))
}
