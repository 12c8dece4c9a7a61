//! `/api/v1/waves/{id}/entries` and `/api/v1/waves/{id}/draw`: provably fair draws.

use crate::api::views::ErrorBody;
use crate::auth::RequireAuth;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use canyu_app::sales::draws;
use canyu_core::ErrorCode;
use canyu_core::time::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;

fn wave_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::WaveNotFound))
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub wave: i64,
    /// Your entry as it will be published: your handle.
    pub entry: String,
    /// Entries so far.
    pub entries: i64,
}

/// Enters the caller into a draw wave (one entry per fan, during the window).
#[utoipa::path(post, path = "/waves/{id}/entries", operation_id = "createWaveEntry", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 201, description = "Created", body = EntryView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn enter(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<(StatusCode, Json<EntryView>)> {
    let id = wave_id(&id)?;
    let entries = draws::enter(&state, &auth, id).await?;
    Ok((StatusCode::CREATED, Json(EntryView { wave: id, entry: auth.user.handle.clone(), entries })))
}

/// Everything published about a draw, in the format `canyu launch verify-draw` reads.
#[derive(Serialize, ToSchema)]
pub struct PublishedDrawView {
    /// SHA-256 of the seed (hex), published when the wave was created.
    pub commitment: String,
    /// The frozen entries in canonical order (ascending UTF-8 bytes).
    pub entries: Vec<String>,
    pub entries_hash: String,
    /// The revealed seed (hex).
    pub seed: String,
    pub winner_count: usize,
    /// Winners in drawn order.
    pub winners: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DrawView {
    pub wave: i64,
    /// `open` until the draw is made, then `drawn`.
    pub status: String,
    pub commitment: String,
    pub entries: i64,
    pub closes_at: String,
    pub drawn_at: Option<String>,
    /// Present once drawn: save it as a file and run `canyu launch verify-draw --input FILE`.
    pub published: Option<PublishedDrawView>,
}

/// A draw: its commitment from the start, and once drawn the entries, their hash, the
/// revealed seed and the winners.
#[utoipa::path(get, path = "/waves/{id}/draw", operation_id = "getWaveDraw", tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = DrawView), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> WebResult<Json<DrawView>> {
    let id = wave_id(&id)?;
    let report = draws::report(&state, id).await?;
    Ok(Json(DrawView {
        wave: id,
        status: if report.drawn_at.is_some() { "drawn" } else { "open" }.to_string(),
        commitment: report.commitment,
        entries: report.entries,
        closes_at: rfc3339(report.wave.rules.ends_at),
        drawn_at: report.drawn_at.map(rfc3339),
        published: report.published.map(|p| PublishedDrawView {
            commitment: p.commitment,
            entries: p.entries,
            entries_hash: p.entries_hash,
            seed: p.seed,
            winner_count: p.winner_count,
            winners: p.winners,
        }),
    }))
}

/// Makes a closed draw now (the people who run the product); the server also makes due
/// draws by itself. Idempotent.
#[utoipa::path(post, path = "/waves/{id}/draw", operation_id = "runWaveDraw", security(("bearer" = [])), tag = "waves", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = DrawView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "The caller may not do this", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Conflicts with the current state", body = ErrorBody)))]
pub async fn run(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
) -> WebResult<Json<DrawView>> {
    let wid = wave_id(&id)?;
    draws::run_by_staff(&state, &auth, wid).await?;
    show(State(state), Path(id)).await
}
