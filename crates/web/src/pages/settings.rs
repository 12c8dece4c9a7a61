//! `/settings`: the signed-in person's own account: the public bio, the notification email,
//! real-name verification and API tokens.
//!
//! A new token's secret appears once, on the page that answers the form (never in an
//! address, so it does not end up in history or logs); afterwards only its record is listed.
//! The rules are the API's (`PATCH /api/v1/me`, `/api/v1/me/tokens`): both call the application layer (`canyu_app`).

use super::i18n::{self, T};
use super::{Cx, Layout, TimeView, form_error, is_fatal, refused, see_other, status_of, url, user_url};
use crate::auth::Auth;
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::model::ApiToken;
use canyu_core::ErrorCode;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsQuery {
    /// What just succeeded (after a redirect): `bio_saved` or `token_revoked`.
    pub done: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BioForm {
    pub bio: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    pub email: String,
    /// A checkbox: present ("on") when ticked.
    pub notify: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IdentityForm {
    pub real_name: String,
    pub id_number: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: TimeView,
    pub last_used: Option<TimeView>,
    pub expires: String,
    pub expires_iso: String,
    /// `active`, `revoked` or `expired`, for CSS and tests.
    pub state: &'static str,
    pub state_label: &'static str,
    /// Active tokens can be revoked.
    pub live: bool,
    /// The one just created.
    pub fresh: bool,
    pub revoke_url: String,
}

pub struct NewToken {
    pub name: String,
    pub secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub profile_url: String,
    pub notice: Option<&'static str>,
    pub bio: String,
    pub bio_max: usize,
    pub bio_error: Option<String>,
    pub email: String,
    pub email_on: bool,
    pub email_error: Option<String>,
    /// The verified name and masked number, once verified.
    pub identity: Option<(String, String)>,
    /// What was typed, when verification was refused (the number is never echoed back).
    pub identity_name: String,
    pub identity_error: Option<String>,
    pub token_name: String,
    pub token_name_max: usize,
    pub token_error: Option<String>,
    /// A refused revocation.
    pub tokens_error: Option<String>,
    pub tokens_note: String,
    pub new_token: Option<NewToken>,
    pub tokens: Vec<TokenRow>,
    pub demo: super::demographics::DemographicsFields,
    pub demo_error: Option<String>,
}

/// What one rendering shows besides the stored state.
#[derive(Default)]
struct View {
    notice: Option<&'static str>,
    /// What was typed, when the bio was refused; otherwise the stored bio is shown.
    bio: Option<String>,
    bio_error: Option<String>,
    email: Option<String>,
    email_error: Option<String>,
    identity_name: String,
    identity_error: Option<String>,
    token_name: String,
    token_error: Option<String>,
    tokens_error: Option<String>,
    new_token: Option<(String, ApiToken)>,
    /// What was chosen, when the answers were refused.
    demographics: Option<canyu_core::profile::Profile>,
    demo_error: Option<String>,
}

fn token_row(cx: &Cx, token: &ApiToken, fresh: bool) -> TokenRow {
    let (state, state_label) = if token.revoked {
        ("revoked", cx.t.settings_token_revoked)
    } else if token.expires_at <= cx.now {
        ("expired", cx.t.settings_token_expired)
    } else {
        ("active", cx.t.settings_token_active)
    };
    TokenRow {
        id: token.id,
        name: token.name.clone(),
        created: cx.time(token.created_at),
        last_used: token.last_used_at.map(|at| cx.time(at)),
        expires: cx.date(token.expires_at),
        expires_iso: i18n::iso(token.expires_at),
        state,
        state_label,
        live: state == "active",
        fresh,
        revoke_url: format!("/settings/tokens/{}/revoke", token.id),
    }
}

async fn render(
    state: &AppState,
    cx: &Cx,
    auth: &Auth,
    view: View,
    status: StatusCode,
) -> WebResult<Response> {
    let fresh_id = view.new_token.as_ref().map(|(_, record)| record.id);
    let tokens = canyu_app::accounts::list_api_tokens(state, auth.user.id)
        .await?
        .iter()
        .map(|tk| token_row(cx, tk, Some(tk.id) == fresh_id))
        .collect();
    let days = state.config().api_token_ttl.as_secs() / 86_400;
    let recipient = canyu_app::accounts::email_recipient(state, auth.user.id).await?;
    let identity = canyu_app::accounts::identity(state, auth.user.id).await?;
    let demographics = match view.demographics {
        Some(chosen) => chosen,
        None => canyu_app::accounts::demographics(state, auth).await?,
    };
    let page = SettingsPage {
        t: cx.t,
        ctx: cx.layout("settings"),
        profile_url: user_url(&auth.user.handle),
        notice: view.notice,
        bio: view.bio.unwrap_or_else(|| auth.user.bio.clone()),
        bio_max: canyu_app::accounts::BIO_MAX_CHARS,
        bio_error: view.bio_error,
        email: view
            .email
            .unwrap_or_else(|| recipient.as_ref().and_then(|r| r.email.clone()).unwrap_or_default()),
        email_on: recipient.as_ref().is_none_or(|r| r.enabled),
        email_error: view.email_error,
        identity: identity.map(|i| (i.real_name, canyu_core::identity::masked(&i.id_hint))),
        identity_name: view.identity_name,
        identity_error: view.identity_error,
        token_name: view.token_name,
        token_name_max: canyu_app::accounts::TOKEN_NAME_MAX_CHARS,
        token_error: view.token_error,
        tokens_error: view.tokens_error,
        tokens_note: i18n::tokens_note(cx.locale, days),
        new_token: view.new_token.map(|(secret, record)| NewToken { name: record.name, secret }),
        tokens,
        demo: super::demographics::fields(cx.locale, demographics),
        demo_error: view.demo_error,
    };
    Ok(cx.respond(status, page))
}

/// Errors that are no refusal of the input: the generic error page answers them.
pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<SettingsQuery>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let notice = match q.done.as_deref() {
        Some("bio_saved") | Some("email_saved") => Some(cx.t.settings_bio_saved),
        Some("token_revoked") => Some(cx.t.settings_token_revoked_done),
        Some("identity_verified") => Some(cx.t.settings_identity_done),
        Some("demographics_saved") => Some(cx.t.settings_bio_saved),
        _ => None,
    };
    render(&state, &cx, auth, View { notice, ..View::default() }, StatusCode::OK).await
}

pub async fn update_bio(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<BioForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    match canyu_app::accounts::update_bio(&state, auth, &form.bio).await {
        Ok(_) => Ok(see_other(&url("/settings", &[("done", "bio_saved")]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            // The API answers `invalid_form`; here the form can say exactly what is wrong.
            let (msg, status) = if e.code == ErrorCode::InvalidForm {
                (cx.t.settings_bio_invalid.to_string(), StatusCode::UNPROCESSABLE_ENTITY)
            } else {
                (form_error(&cx, &e), status_of(&e))
            };
            let view = View { bio: Some(form.bio), bio_error: Some(msg), ..View::default() };
            refused(&e, render(&state, &cx, auth, view, status).await)
        }
    }
}

/// The optional "about you" answers.
pub async fn update_demographics(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<super::demographics::DemographicsForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let saved = match form.parse() {
        Ok(profile) => canyu_app::accounts::set_demographics(&state, auth, profile).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(see_other(&url("/settings", &[("done", "demographics_saved")]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view = View {
                demographics: Some(form.lenient()),
                demo_error: Some(form_error(&cx, &e)),
                ..View::default()
            };
            refused(&e, render(&state, &cx, auth, view, status_of(&e)).await)
        }
    }
}

/// The notification email and whether to use it.
pub async fn update_email(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<EmailForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let change = canyu_app::accounts::EmailChange {
        email: Some(form.email.as_str()),
        notify: Some(form.notify.is_some()),
    };
    match canyu_app::accounts::update_email(&state, auth, change).await {
        Ok(()) => Ok(see_other(&url("/settings", &[("done", "email_saved")]))),
        Err(e) if e.code != ErrorCode::Internal => {
            let e = crate::error::WebError::from(e);
            let view =
                View { email: Some(form.email), email_error: Some(form_error(&cx, &e)), ..View::default() };
            refused(&e, render(&state, &cx, auth, view, status_of(&e)).await)
        }
        Err(e) => Err(e.into()),
    }
}

/// Real-name verification, as `POST /api/v1/me/identity`.
pub async fn verify_identity(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<IdentityForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    match canyu_app::accounts::identity::verify(&state, auth, &form.real_name, &form.id_number).await {
        Ok(_) => Ok(see_other(&url("/settings", &[("done", "identity_verified")]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view = View {
                identity_name: form.real_name,
                identity_error: Some(form_error(&cx, &e)),
                ..View::default()
            };
            refused(&e, render(&state, &cx, auth, view, status_of(&e)).await)
        }
    }
}

/// Answers with the settings page itself (no redirect), which shows the secret this once.
pub async fn create_token(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<TokenForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    match canyu_app::accounts::create_api_token(&state, auth, &form.name).await {
        Ok(issued) => {
            let view = View { new_token: Some(issued), ..View::default() };
            render(&state, &cx, auth, view, StatusCode::OK).await
        }
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view =
                View { token_name: form.name, token_error: Some(form_error(&cx, &e)), ..View::default() };
            refused(&e, render(&state, &cx, auth, view, status_of(&e)).await)
        }
    }
}

pub async fn revoke_token(State(state): State<AppState>, cx: Cx, Path(id): Path<i64>) -> WebResult<Response> {
    let auth = cx.user()?;
    match canyu_app::accounts::revoke_api_token(&state, auth, id).await {
        Ok(()) => Ok(see_other(&url("/settings", &[("done", "token_revoked")]))),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view = View { tokens_error: Some(form_error(&cx, &e)), ..View::default() };
            refused(&e, render(&state, &cx, auth, view, status_of(&e)).await)
        }
    }
}
