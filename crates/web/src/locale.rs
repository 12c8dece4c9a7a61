//! Per-request language: `?lang=` (which also sets a cookie, from the switcher), then the
//! `lang` cookie, then `Accept-Language`, then Chinese.

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use canyu_core::Locale;
use std::convert::Infallible;

/// The request's language, available to every handler.
#[derive(Clone, Copy, Debug)]
pub struct Lang(pub Locale);

pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn query_lang(query: Option<&str>) -> Option<Locale> {
    form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == "lang").and_then(|(_, v)| Locale::parse(&v))
}

/// Picks the request's language (`?lang=`, then the `lang` cookie, then Accept-Language) and
/// puts it in the request's extensions for [`Lang`]. Returns the language chosen by `?lang=`,
/// which [`remember`] keeps in a cookie.
pub fn negotiate(req: &mut Request) -> Option<Locale> {
    let from_query = query_lang(req.uri().query());
    let locale = from_query
        .or_else(|| cookie(req.headers(), "lang").and_then(Locale::parse))
        .or_else(|| {
            req.headers()
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Locale::from_accept_language)
        })
        .unwrap_or_default();
    req.extensions_mut().insert(Lang(locale));
    from_query
}

/// Keeps a language chosen by `?lang=` in a cookie, and says the answer depends on the language.
pub fn remember(res: &mut Response, from_query: Option<Locale>) {
    if let Some(chosen) = from_query {
        let value = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax", chosen.code());
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Lang>().copied().unwrap_or(Lang(Locale::default())))
    }
}
