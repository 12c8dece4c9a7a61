use crate::api::views::{ErrorBody, ItemsView, TokenView, UserView};
use crate::auth::{AuthVia, RequireAuth, end_session};
use crate::client_ip::ClientIp;
use crate::error::{ApiJson, WebResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::accounts::EmailChange;
use canyu_app::accounts::{Registration, SignUpContext};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// 2–32 letters, digits, `_` or `-` (any script, but one script per handle).
    #[schema(min_length = 2, max_length = 32)]
    pub handle: String,
    /// 8–128 characters, not easy to guess (zxcvbn), not built from the handle.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// A fan's referral code (from their `/r/{code}` link): the new account is their invitee.
    /// A code nobody has: 422 `referral_code_unknown`, and no account is made.
    #[schema(min_length = 8, max_length = 8, pattern = "^[2-9A-HJKMNP-Za-hjkmnp-z]{8}$")]
    pub referral_code: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub handle: String,
    pub password: String,
    /// What to call the token in the account's token list (`GET /api/v1/me/tokens`), e.g.
    /// the device: 1–60 characters, default `login`. Tokens expire (90 days by default) and
    /// can be revoked there.
    #[schema(min_length = 1, max_length = 60)]
    pub token_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub user: UserView,
    /// A bearer token for `Authorization: Bearer …`. Shown once; store it safely.
    pub token: String,
}

/// Creates a fan account and returns an API token for it.
/// With `referral_code`, the account is the referrer's invitee (`GET /api/v1/me/referrals`);
/// an app sends its `X-Device-Id` so that a referrer signing themselves up again on their
/// own phone earns nothing.
#[utoipa::path(post, path = "/auth/register", operation_id = "registerAccount", tag = "auth", params(("X-Device-Id" = Option<String>, Header, nullable = false, description = "The app's device id, 8–128 printable ASCII characters", min_length = 8, max_length = 128, pattern = r"^[!-~]+$")), request_body(content = RegisterRequest, example = json!({"handle": "xiaoming", "password": "orange-umbrella-2026-米粉", "email": "xiaoming@example.com", "referral_code": "K7MX2QPA"})),
    responses((status = 201, description = "Created", body = SessionView), (status = 409, description = "`handle_taken`", body = ErrorBody), (status = 422, description = "Invalid input: `invalid_handle`, `handle_confusable` (looks like an existing handle), `handle_mixed_script`, `weak_password` (easy to guess, or built from the handle), `invalid_email`, `control_character`, `referral_code_unknown`, `invalid_device_id`", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> WebResult<(StatusCode, Json<SessionView>)> {
    let device = crate::api::device_id_header(&headers)?.map(str::to_string);
    let user = canyu_app::accounts::register(
        &state,
        ip.0,
        Registration { handle: req.handle, password: req.password, email: req.email },
        SignUpContext {
            referral_code: req.referral_code,
            lenient_code: false,
            device,
            profile: Default::default(),
        },
    )
    .await?;
    let (token, _) = canyu_app::accounts::sessions::issue_api_token(&state, &user, "api").await?;
    Ok((StatusCode::CREATED, Json(SessionView { user: UserView::from(&user), token })))
}

/// Exchanges a handle and password for an API token (named `token_name`, listed and
/// revocable under `/api/v1/me/tokens`, expiring after 90 days).
#[utoipa::path(post, path = "/auth/login", operation_id = "loginAccount", tag = "auth", params(("X-Device-Id" = Option<String>, Header, nullable = false, description = "The app's device id, 8–128 printable ASCII characters", min_length = 8, max_length = 128, pattern = r"^[!-~]+$")), request_body(content = LoginRequest, example = json!({"handle": "xiaoming", "password": "orange-umbrella-2026-米粉", "token_name": "小明的手机"})),
    responses((status = 200, description = "OK", body = SessionView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many requests; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> WebResult<Json<SessionView>> {
    let name = canyu_app::accounts::token_name(
        req.token_name.as_deref().unwrap_or(canyu_app::accounts::LOGIN_TOKEN_NAME),
    )?;
    let device = crate::api::device_id_header(&headers)?;
    let user = canyu_app::accounts::login(&state, ip.0, &req.handle, &req.password).await?;
    canyu_app::referrals::note_device(&state, user.id, device).await;
    let (token, _) = canyu_app::accounts::sessions::issue_api_token(&state, &user, name).await?;
    Ok(Json(SessionView { user: UserView::from(&user), token }))
}

/// Ends the caller's session: revokes the bearer token used, or the browser session.
#[utoipa::path(post, path = "/auth/logout", operation_id = "logoutAccount", security(("bearer" = [])), tag = "auth", responses((status = 204, description = "Done; no content"), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Response> {
    match &auth.via {
        AuthVia::Token | AuthVia::ChannelToken { .. } => {
            let token = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .map(|(_, t)| t.trim())
                .unwrap_or_default();
            canyu_app::accounts::revoke_presented_token(&state, token).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        AuthVia::Session { .. } => {
            let cookie = end_session(&state, Some(&auth)).await?;
            Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
        }
    }
}

/// The signed-in caller.
#[utoipa::path(get, path = "/me", operation_id = "getCurrentUser", security(("bearer" = [])), tag = "auth", responses((status = 200, description = "OK", body = UserView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody)))]
pub async fn me(RequireAuth(auth): RequireAuth) -> Json<UserView> {
    Json(UserView::from(&auth.user))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileUpdate {
    /// Up to 300 characters, shown on the public profile; lines break with `\n` (or `\r\n`),
    /// and no other control character is taken (422 `invalid_form`).
    #[schema(max_length = 300, pattern = "^(?:[^\\u0000-\\u0009\\u000B-\\u001F\\u007F-\\u009F]|\\r\\n)*$")]
    pub bio: Option<String>,
    /// Where notification emails go; empty to remove.
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// Whether to get notification emails.
    pub email_notifications: Option<bool>,
}

/// Updates the caller's public profile.
#[utoipa::path(patch, path = "/me", operation_id = "updateCurrentUser", security(("bearer" = [])), tag = "auth", request_body = ProfileUpdate,
    responses((status = 200, description = "OK", body = UserView), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<ProfileUpdate>,
) -> WebResult<Json<UserView>> {
    if let Some(bio) = &req.bio {
        canyu_app::accounts::parse_bio(bio)?;
    }
    let change = EmailChange { email: req.email.as_deref(), notify: req.email_notifications };
    canyu_app::accounts::update_email(&state, &auth, change).await?;
    let user = match &req.bio {
        Some(bio) => canyu_app::accounts::update_bio(&state, &auth, bio).await?,
        None => canyu_app::accounts::user_by_id(&state, auth.user.id)
            .await?
            .ok_or(canyu_core::ErrorCode::UserNotFound)?,
    };
    Ok(Json(UserView::from(&user)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    /// A label to recognise the token by, e.g. "CI bot".
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewTokenView {
    #[serde(flatten)]
    pub record: TokenView,
    /// The secret; shown only in this response.
    pub token: String,
}

/// The caller's API tokens (secrets are never shown again).
#[utoipa::path(get, path = "/me/tokens", operation_id = "listApiTokens", security(("bearer" = [])), tag = "auth", responses((status = 200, description = "OK", body = ItemsView<TokenView>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
) -> WebResult<Json<ItemsView<TokenView>>> {
    let tokens = canyu_app::accounts::list_api_tokens(&state, auth.user.id).await?;
    Ok(Json(ItemsView { items: tokens.iter().map(TokenView::from).collect() }))
}

/// Creates an API token for the caller.
#[utoipa::path(post, path = "/me/tokens", operation_id = "createApiToken", security(("bearer" = [])), tag = "auth", request_body = NewTokenRequest,
    responses((status = 201, description = "Created", body = NewTokenView), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewTokenRequest>,
) -> WebResult<(StatusCode, Json<NewTokenView>)> {
    let (token, record) = canyu_app::accounts::create_api_token(&state, &auth, &req.name).await?;
    Ok((StatusCode::CREATED, Json(NewTokenView { record: TokenView::from(&record), token })))
}

/// Revokes one of the caller's API tokens.
#[utoipa::path(delete, path = "/me/tokens/{id}", operation_id = "revokeApiToken", security(("bearer" = [])), tag = "auth", params(("id" = i64, Path)),
    responses((status = 204, description = "Done; no content"), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<i64>,
) -> WebResult<StatusCode> {
    canyu_app::accounts::revoke_api_token(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
