//! `/login`, `/register`, `/logout`: browser sessions. After signing in, a fan goes back to
//! `next`, which must be a path on this site.

use super::i18n::T;
use super::{Cx, Layout, form_error, refused, safe_next, see_other, status_of, url};
use crate::auth::{CLEAR_REFERRAL_COOKIE, REFERRAL_COOKIE, device_for, end_session, start_session};
use crate::client_ip::ClientIp;
use crate::error::WebResult;
use crate::locale::cookie;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use canyu_app::accounts::{Registration, SignUpContext};
use canyu_app::model::User;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub next: String,
    pub handle: String,
    pub error: Option<String>,
    pub register_url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "register.html")]
pub struct RegisterPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub next: String,
    pub handle: String,
    pub email: String,
    pub error: Option<String>,
    pub login_url: String,
    /// The fan whose referral link brought this visitor, if one did.
    pub inviter: Option<String>,
    pub invited_by: String,
    pub demo: super::demographics::DemographicsFields,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    pub next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub handle: String,
    pub password: String,
    pub next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    pub handle: String,
    pub password: String,
    pub email: String,
    pub next: Option<String>,
    #[serde(flatten)]
    pub demographics: super::demographics::DemographicsForm,
}

fn with_next(page: &str, next: &str) -> String {
    if next == "/" { page.to_string() } else { url(page, &[("next", next)]) }
}

fn login_page(cx: &Cx, next: String, handle: String, error: Option<String>, status: StatusCode) -> Response {
    let register_url = with_next("/register", &next);
    cx.respond(status, LoginPage { t: cx.t, ctx: cx.layout("login"), next, handle, error, register_url })
}

fn register_page(
    cx: &Cx,
    form: RegisterForm,
    next: String,
    inviter: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let login_url = with_next("/login", &next);
    let invited_by = inviter.as_deref().map(|h| invited_by(cx, h)).unwrap_or_default();
    let demo = super::demographics::fields(cx.locale, form.demographics.lenient());
    cx.respond(
        status,
        RegisterPage {
            t: cx.t,
            ctx: cx.layout("register"),
            next,
            handle: form.handle,
            email: form.email,
            error,
            login_url,
            inviter,
            invited_by,
            demo,
        },
    )
}

fn invited_by(cx: &Cx, handle: &str) -> String {
    match cx.locale {
        canyu_core::Locale::ZhCn => {
            format!("@{handle} 邀请你加入：注册后你的首单过了 7 天无理由退货期，你们都会得到积分。")
        }
        canyu_core::Locale::En => {
            format!(
                "@{handle} invited you: once your first order is past its 7-day return window, you both earn points."
            )
        }
    }
}

/// The fan whose remembered referral link brought this visitor.
async fn inviter(state: &AppState, headers: &HeaderMap) -> Option<String> {
    let code = cookie(headers, REFERRAL_COOKIE)?;
    canyu_app::referrals::referrer(state, code).await.ok().flatten().map(|u| u.handle)
}

pub async fn login_form(cx: Cx, Query(q): Query<NextQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if cx.auth.is_some() {
        return see_other(&next);
    }
    login_page(&cx, next, String::new(), None, StatusCode::OK)
}

pub async fn register_form(
    State(state): State<AppState>,
    cx: Cx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref());
    if cx.auth.is_some() {
        return see_other(&next);
    }
    let inviter = inviter(&state, &headers).await;
    register_page(&cx, RegisterForm::default(), next, inviter, None, StatusCode::OK)
}

async fn signed_in(state: &AppState, user: &User, next: &str) -> WebResult<Response> {
    let cookie = start_session(state, user).await?;
    let mut res = see_other(next);
    res.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(res)
}

pub async fn login(
    State(state): State<AppState>,
    ip: ClientIp,
    cx: Cx,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let next = safe_next(form.next.as_deref());
    match canyu_app::accounts::login(&state, ip.0, &form.handle, &form.password).await {
        Ok(user) => {
            let (device, set_device) = device_for(&headers, state.config().secure_cookies);
            canyu_app::referrals::note_device(&state, user.id, Some(&device)).await;
            let mut res = signed_in(&state, &user, &next).await?;
            if let Some(c) = set_device {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(res)
        }
        Err(e) => {
            refused(&e, Ok(login_page(&cx, next, form.handle, Some(form_error(&cx, &e)), status_of(&e))))
        }
    }
}

pub async fn register(
    State(state): State<AppState>,
    ip: ClientIp,
    cx: Cx,
    headers: HeaderMap,
    Form(form): Form<RegisterForm>,
) -> WebResult<Response> {
    let next = safe_next(form.next.as_deref());
    let input = Registration {
        handle: form.handle.clone(),
        password: form.password.clone(),
        email: Some(form.email.clone()).filter(|e| !e.trim().is_empty()),
    };
    let referral_code = cookie(&headers, REFERRAL_COOKIE).map(str::to_string);
    let (device, set_device) = device_for(&headers, state.config().secure_cookies);
    // The remembered link is not something the fan typed: a code that names nobody (any
    // more) is dropped rather than refusing the sign-up.
    let registered = match form.demographics.parse() {
        Ok(profile) => {
            let context = SignUpContext { referral_code, lenient_code: true, device: Some(device), profile };
            canyu_app::accounts::register(&state, ip.0, input, context).await
        }
        Err(e) => Err(e),
    };
    match registered {
        Ok(user) => {
            let mut res = signed_in(&state, &user, &next).await?;
            if let Some(c) = set_device {
                res.headers_mut().append(header::SET_COOKIE, c);
            }
            if cookie(&headers, REFERRAL_COOKIE).is_some() {
                res.headers_mut().append(header::SET_COOKIE, HeaderValue::from_static(CLEAR_REFERRAL_COOKIE));
            }
            Ok(res)
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            let status = status_of(&e);
            let inviter = inviter(&state, &headers).await;
            refused(&e, Ok(register_page(&cx, form, next, inviter, Some(msg), status)))
        }
    }
}

pub async fn logout(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let cookie: HeaderValue = end_session(&state, cx.auth.as_ref()).await?;
    let mut res = see_other("/");
    res.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(res)
}
