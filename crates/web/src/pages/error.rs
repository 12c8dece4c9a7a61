//! The error page. The `render_errors` layer calls this for every HTML error, with only the
//! language known, so the header shows no user menu.

use super::Layout;
use super::i18n::{self, T};
use askama::Template;
use axum::response::Html;
use canyu_core::{ErrorCode, Locale};

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

pub fn render(locale: Locale, code: ErrorCode) -> Html<String> {
    let page = ErrorPage {
        t: i18n::t(locale),
        ctx: Layout {
            html_lang: locale.code(),
            is_en: locale == Locale::En,
            csrf: String::new(),
            asset_version: crate::assets::version(),
            me: None,
            can_triage: false,
            unread: 0,
            // Relative to the failing address: switching language keeps the path.
            url_zh: "?lang=zh".into(),
            url_en: "?lang=en".into(),
            login_url: "/login".into(),
            register_url: "/register".into(),
            here: "/".into(),
            nav: "",
            minimal: true,
            zone_note: String::new(),
            bare: false,
        },
        status: code.http_status(),
        code: code.as_str(),
        message: code.message(locale),
    };
    Html(page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        format!("<!doctype html><title>{}</title><p>{}</p>", code.as_str(), code.message(locale))
    }))
}
