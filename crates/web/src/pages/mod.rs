//! Server-rendered pages: one module per page, templates in `crates/web/templates`.
//!
//! Every page works without JavaScript; `assets/app.js` only makes voting and commenting
//! instant. Strings come from [`i18n`], chosen per request; user text is escaped by askama
//! (Markdown bodies go through [`crate::markdown::render`], the only `|safe` besides search
//! highlights, which the index escapes itself).

mod account;
mod amas;
mod beta;
mod board;
mod campaigns;
mod catalog_admin;
mod demands;
mod demographics;
mod devices;
mod error;
mod event_admin;
mod events;
mod feedback_assistant;
mod home;
mod inbox;
mod insights;
mod launch_orders;
mod leaderboard;
mod moderation;
mod new_post;
mod orders;
mod post;
mod pricing_admin;
mod profile;
mod referrals;
mod releases;
mod roadmap;
mod search;
mod settings;
mod triage;
pub mod unsubscribe;
pub mod voices;
mod waves;

use crate::auth::{Auth, csrf_for};
use crate::error::{WebError, WebResult};
use crate::i18n::{self, T};
use crate::locale::Lang;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use canyu_app::AppError;
use canyu_app::model::Post;
use canyu_core::time::Zone;
use canyu_core::{ErrorCode, Locale, Millis, PostKind, PostStatus, Role};

/// No inline script or style anywhere: everything comes from `/assets`.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/products/{slug}", get(board::page))
        // The two forms that carry images read their own bodies, with caps per field and per
        // file (crate::uploads): the router's 512 KB limit would refuse a single photo.
        .route(
            "/products/{slug}/new",
            get(new_post::form).post(new_post::create).layer(DefaultBodyLimit::disable()),
        )
        .route("/products/{slug}/beta", get(beta::page))
        .route("/products/{slug}/waves", get(waves::list).post(waves::create))
        .route("/waves/{id}", get(waves::page))
        .route("/events", get(events::list))
        .route("/events.ics", get(events::calendar_feed))
        .route("/devices", get(devices::page).post(devices::claim))
        .route("/devices/{id}/release", post(devices::release))
        .route("/me/referral", get(referrals::mine))
        .route("/r/{code}", get(referrals::landing))
        .route("/r/{code}/poster.svg", get(referrals::poster))
        .route("/admin/referrals", get(referrals::admin))
        .route("/settings/demographics", post(settings::update_demographics))
        .route("/insights", get(insights::index))
        .route("/insights/ask", get(feedback_assistant::ask))
        .route("/insights/digests", get(feedback_assistant::digests))
        .route("/insights/digests/{id}", get(feedback_assistant::digest))
        .route("/insights/{panel}", get(insights::page))
        .route("/insights/{panel}/csv", get(insights::csv))
        .route("/admin/referrals/{id}/approve", post(referrals::approve))
        .route("/admin/referrals/{id}/reject", post(referrals::reject))
        .route("/events/new", get(event_admin::new_form).post(event_admin::create))
        .route("/admin/clubs", get(event_admin::clubs).post(event_admin::create_club))
        .route("/admin/clubs/{id}/organisers", post(event_admin::appoint))
        .route("/admin/clubs/{id}/organisers/dismiss", post(event_admin::dismiss))
        .route("/events/{id}", get(events::page))
        .route("/events/{id}/rsvp", post(events::take_place))
        .route("/events/{id}/give-up", post(events::give_up))
        .route("/events/{id}/confirm", post(events::confirm))
        .route("/events/{id}/scan", get(events::scanner))
        .route("/events/{id}/console", get(events::console))
        .route("/events/{id}/attendees.csv", get(events::attendees_csv))
        .route("/events/{id}/places/{rsvp}/remove", post(events::remove_place))
        .route("/clubs/{id}", get(events::club))
        .route("/clubs/{id}/membership", post(events::membership))
        .route("/campaigns/{id}", get(campaigns::page))
        .route("/campaigns/{id}/live", get(campaigns::live))
        .route("/campaigns/{id}/live/chart.svg", get(campaigns::live_chart))
        .route("/campaigns/{id}/cancellations", post(campaigns::cancel_flagged))
        .route("/campaigns/{id}/production", post(campaigns::advance_production))
        .route("/launch-orders/{id}", get(launch_orders::page))
        .route("/launch-orders/{id}/{action}", post(launch_orders::act))
        .route("/campaigns/{id}/reserve", post(campaigns::reserve))
        .route("/campaigns/{id}/remind", post(campaigns::remind))
        .route("/products/{slug}/campaigns", post(campaigns::create))
        .route("/waves/{id}/buy", post(waves::buy))
        .route("/waves/{id}/end", post(waves::end))
        .route("/waves/{id}/quantity", post(waves::set_quantity))
        .route("/waves/{id}/cancel", post(waves::cancel))
        .route("/waves/{id}/enter", post(waves::enter))
        .route("/waves/{id}/remind", post(waves::remind))
        .route("/products/{slug}/beta/apply", post(beta::apply))
        .route("/products/{slug}/beta/leave", post(beta::leave))
        .route("/products/{slug}/beta/settings", post(beta::settings))
        .route("/products/{slug}/beta/applications/{id}/decide", post(beta::decide))
        .route("/products/{slug}/beta/members/{handle}/remove", post(beta::remove))
        .route("/products/{slug}/roadmap", get(roadmap::page))
        .route("/posts/{id}", get(post::page))
        .route("/posts/{id}/vote", post(post::vote))
        .route("/posts/{id}/comments", post(post::comment).layer(DefaultBodyLimit::disable()))
        .route("/posts/{id}/status", post(post::change_status))
        .route("/posts/{id}/edit", get(moderation::edit_post_form).post(moderation::edit_post))
        .route("/posts/{id}/delete", post(moderation::delete_post))
        .route("/posts/{id}/follow", post(moderation::follow))
        .route("/posts/{id}/report", post(moderation::report_post))
        .route("/posts/{id}/moderate", post(moderation::moderate_post))
        .route("/posts/{id}/revisions", get(moderation::revisions))
        .route("/comments/{id}/edit", get(moderation::edit_comment_form).post(moderation::edit_comment))
        .route("/comments/{id}/delete", post(moderation::delete_comment))
        .route("/comments/{id}/report", post(moderation::report_comment))
        .route("/comments/{id}/moderate", post(moderation::moderate_comment))
        .route("/moderation", get(moderation::queue))
        .route("/moderation/dismiss", post(moderation::dismiss))
        .route("/moderation/log", get(moderation::log))
        .route("/login", get(account::login_form).post(account::login))
        .route("/register", get(account::register_form).post(account::register))
        .route("/logout", post(account::logout))
        .route("/users/{handle}", get(profile::page))
        .route("/users/{handle}/follow", post(voices::follow))
        .route("/users/{handle}/announcements", get(voices::announcements))
        .route("/announcements", post(voices::publish))
        .route("/announcements/{id}", get(voices::announcement))
        .route("/announcements/{id}/remove", post(voices::remove))
        .route("/feed", get(voices::feed))
        .route("/amas", get(amas::list).post(amas::create))
        .route("/amas/{id}", get(amas::show))
        .route("/amas/{id}/questions", post(amas::ask))
        .route("/amas/{id}/questions/{qid}/vote", post(amas::vote))
        .route("/amas/{id}/questions/{qid}/answer", post(amas::answer))
        .route("/amas/{id}/questions/{qid}/moderate", post(amas::moderate))
        .route("/inbox", get(inbox::page))
        .route("/orders", get(orders::page))
        .route("/search", get(search::page))
        .route("/inbox/read", post(inbox::mark_all_read))
        .route("/posts/{id}/merge", post(post::merge))
        .route("/posts/{id}/unmerge", post(post::unmerge))
        .route("/leaderboard", get(leaderboard::page))
        .route("/demands", get(demands::all))
        .route("/products/{slug}/demands", get(demands::for_product))
        .route("/unsubscribe/{user}/{token}", get(unsubscribe::form).post(unsubscribe::confirm))
        .route("/products/{slug}/changelog", get(releases::changelog))
        .route("/products/{slug}/changelog.atom", get(releases::atom))
        .route("/products/{slug}/releases/new", get(releases::new_form).post(releases::create))
        .route("/releases/{id}", get(releases::show))
        .route("/releases/{id}/publish", post(releases::publish))
        .route("/triage", get(triage::page).post(triage::apply))
        .route("/settings", get(settings::page))
        .route("/settings/bio", post(settings::update_bio))
        .route("/settings/email", post(settings::update_email))
        .route("/settings/identity", post(settings::verify_identity))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .route("/admin/catalog", get(catalog_admin::page))
        .route("/admin/catalog/categories", post(catalog_admin::create_category))
        .route("/admin/catalog/products", post(catalog_admin::create_product))
        .route(
            "/admin/catalog/products/{slug}",
            get(catalog_admin::edit_form).post(catalog_admin::update_product),
        )
        .route("/admin/catalog/products/{slug}/serial-pattern", post(catalog_admin::update_serial_pattern))
        .route(pricing_admin::PRICING_URL, get(pricing_admin::pricing))
        .route(pricing_admin::CHANNELS_URL, get(pricing_admin::channels))
}

/// The HTML body of an error page in `locale`.
pub fn error_page(locale: Locale, code: ErrorCode) -> Html<String> {
    error::render(locale, code)
}

// ---- the request context every page needs ---------------------------------------------

/// What every page handler needs to know about the request: language, caller, CSRF token,
/// and where it is (for the language switcher and `next` links).
pub struct Cx {
    pub locale: Locale,
    pub t: &'static T,
    pub auth: Option<Auth>,
    pub csrf: String,
    set_cookie: Option<HeaderValue>,
    path: String,
    /// The query without `lang` (which only switches the language once).
    query: Vec<(String, String)>,
    pub now: Millis,
    /// The site's time zone: every time on a page is shown, and every time typed into a
    /// form is read, in it.
    pub zone: Zone,
    /// The caller's unread notifications (0 for visitors), for the header.
    pub unread: i64,
}

impl FromRequestParts<AppState> for Cx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = parts.extensions.get::<Lang>().map(|l| l.0).unwrap_or_default();
        let auth = parts.extensions.get::<Auth>().cloned();
        let (csrf, set_cookie) = csrf_for(auth.as_ref(), &parts.headers, state.config().secure_cookies);
        let query = parts
            .uri
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .filter(|(k, _)| k != "lang")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let unread = match &auth {
            // A page still renders if the count cannot be read; the header shows no badge.
            Some(a) => canyu_app::notify::unread(state, a).await.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "unread count failed");
                0
            }),
            None => 0,
        };
        Ok(Cx {
            locale,
            t: i18n::t(locale),
            auth,
            unread,
            csrf,
            set_cookie,
            path: parts.uri.path().to_string(),
            query,
            now: state.now(),
            zone: state.config().time_zone.clone(),
        })
    }
}

impl Cx {
    /// This page's address without `lang`: where `next` sends people back to.
    pub fn here(&self) -> String {
        let pairs: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        url(&self.path, &pairs)
    }

    fn here_with_lang(&self, lang: &str) -> String {
        let mut pairs: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("lang", lang));
        url(&self.path, &pairs)
    }

    /// The signed-in caller, or a refusal (GETs are redirected to the login page).
    pub fn user(&self) -> WebResult<&Auth> {
        self.auth.as_ref().ok_or(WebError::from(ErrorCode::Unauthenticated))
    }

    pub fn role(&self) -> Option<Role> {
        self.auth.as_ref().map(|a| a.user.role)
    }

    pub fn can_triage(&self) -> bool {
        self.role().is_some_and(Role::can_triage)
    }

    /// The header, footer and head of the page.
    pub fn layout(&self, nav: &'static str) -> Layout {
        let here = self.here();
        Layout {
            html_lang: self.locale.code(),
            is_en: self.locale == Locale::En,
            csrf: self.csrf.clone(),
            asset_version: crate::assets::version(),
            me: self.auth.as_ref().map(|a| Me {
                handle: a.user.handle.clone(),
                initial: initial(&a.user.handle),
                url: user_url(&a.user.handle),
                role_label: i18n::role_label(self.t, a.user.role),
                staff: a.user.role.can_triage(),
                catalog: a.user.role.can_manage_catalog(),
            }),
            can_triage: self.can_triage(),
            unread: self.unread,
            url_zh: self.here_with_lang("zh"),
            url_en: self.here_with_lang("en"),
            login_url: next_url("/login", &here),
            register_url: next_url("/register", &here),
            here,
            nav,
            minimal: false,
            bare: false,
            zone_note: match self.locale {
                Locale::ZhCn => format!("（{}）", i18n::zone_label(self.locale, &self.zone)),
                Locale::En => format!(" ({})", i18n::zone_label(self.locale, &self.zone)),
            },
        }
    }

    /// Sends a rendered page with `status`, plus the CSRF cookie if this visitor needed one.
    pub fn respond(&self, status: StatusCode, page: impl IntoResponse) -> Response {
        let mut res = (status, page).into_response();
        if let Some(cookie) = &self.set_cookie {
            res.headers_mut().append(header::SET_COOKIE, cookie.clone());
        }
        res
    }

    pub fn ok(&self, page: impl IntoResponse) -> Response {
        self.respond(StatusCode::OK, page)
    }

    pub fn card(&self, post: &Post, voted: bool) -> PostCard {
        PostCard::new(self, post, voted, None)
    }

    pub fn time(&self, at: Millis) -> TimeView {
        TimeView {
            rel: i18n::relative_time(self.locale, &self.zone, self.now, at),
            iso: i18n::iso(at),
            full: self.datetime(at),
        }
    }

    /// `2026-12-07`: the day `at` falls on in the site's zone.
    pub fn date(&self, at: Millis) -> String {
        self.zone.date(at)
    }

    /// `2026-12-07 20:00 北京时间`: a wall-clock time in the site's zone, the zone named.
    pub fn datetime(&self, at: Millis) -> String {
        i18n::datetime(self.locale, &self.zone, at)
    }

    /// `2026-12-06 22:25 – 12-08 22:26 北京时间`: a window in the site's zone.
    pub fn datetime_range(&self, from: Millis, to: Millis) -> String {
        i18n::datetime_range(self.locale, &self.zone, from, to)
    }

    /// A time typed into a form (`<input type="datetime-local">`: `2026-12-07T20:00`), read
    /// in the site's zone.
    pub fn parse_local(&self, raw: &str) -> Option<Millis> {
        self.zone.parse_local(raw)
    }

    /// The owner chip beside an owner's words on a product's board (never the serial).
    pub fn owner_chip(&self, category: &str, since: Millis) -> String {
        canyu_core::ownership::owner_chip(self.locale, category, since, self.now)
    }

    pub fn status_view(&self, status: PostStatus) -> Badge {
        Badge { value: status.as_str(), label: i18n::status_label(self.locale, status) }
    }

    pub fn kind_view(&self, kind: PostKind) -> Badge {
        Badge { value: kind.as_str(), label: i18n::kind_label(self.locale, kind) }
    }

    /// Which of `posts` the caller has voted on.
    pub async fn voted_among(&self, state: &AppState, posts: &[Post]) -> WebResult<Vec<i64>> {
        match &self.auth {
            Some(a) if !posts.is_empty() => {
                let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
                Ok(canyu_app::board::voted_among(state, a.user.id, &ids).await?)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Cards for `posts`, with the caller's votes marked.
    pub async fn cards(&self, state: &AppState, posts: &[Post]) -> WebResult<Vec<PostCard>> {
        let voted = self.voted_among(state, posts).await?;
        Ok(posts.iter().map(|p| self.card(p, voted.contains(&p.id))).collect())
    }
}

/// Data for `base.html`.
pub struct Layout {
    pub html_lang: &'static str,
    pub is_en: bool,
    pub csrf: String,
    pub asset_version: &'static str,
    pub me: Option<Me>,
    pub can_triage: bool,
    pub unread: i64,
    pub url_zh: String,
    pub url_en: String,
    pub login_url: String,
    pub register_url: String,
    pub here: String,
    /// The active navigation item.
    pub nav: &'static str,
    /// Error pages know nothing about the caller: no user menu.
    pub minimal: bool,
    /// `（北京时间）` / ` (China time)`: after the label of a time typed into a form.
    pub zone_note: String,
    /// A page for a projector or a livestream: no site header or footer.
    pub bare: bool,
}

pub struct Me {
    pub handle: String,
    pub initial: String,
    pub url: String,
    pub role_label: &'static str,
    pub staff: bool,
    /// Staff and admins run the catalog (`/admin/catalog`).
    pub catalog: bool,
}

pub struct TimeView {
    pub rel: String,
    pub iso: String,
    pub full: String,
}

/// A status or kind: `value` for CSS classes and forms, `label` for people.
#[derive(Clone, Copy)]
pub struct Badge {
    pub value: &'static str,
    pub label: &'static str,
}

pub struct Link {
    pub label: String,
    pub url: String,
    pub active: bool,
}

/// A post in a list.
pub struct PostCard {
    pub id: i64,
    pub url: String,
    pub title: String,
    /// Search results: the title and snippet with `<mark>` highlights, already escaped.
    pub title_html: Option<String>,
    pub snippet_html: Option<String>,
    pub excerpt: String,
    pub product_name: String,
    pub product_url: String,
    pub kind: Badge,
    pub status: Badge,
    pub votes: i64,
    pub voted: bool,
    pub comments: i64,
    pub author: String,
    pub author_url: String,
    pub author_staff: bool,
    /// The verified title of an official account (人设): shown with a badge beside the handle.
    pub author_title: Option<String>,
    /// 人车家: "车主 · 8 个月" when the author owns the product.
    pub owner_chip: Option<String>,
    pub tags: Vec<Link>,
    pub time: TimeView,
    pub pinned: bool,
}

impl PostCard {
    pub fn new(cx: &Cx, post: &Post, voted: bool, hit: Option<&canyu_app::board::SearchHit>) -> PostCard {
        let product_url = product_url(&post.product_slug);
        PostCard {
            id: post.id,
            url: post_url(post.id),
            title: post.title.clone(),
            pinned: post.pinned_at.is_some(),
            title_html: hit.map(|h| h.title_html.clone()),
            snippet_html: hit.map(|h| h.snippet_html.clone()),
            excerpt: crate::markdown::excerpt(&post.body, 90),
            product_name: post.product_name.clone(),
            tags: post
                .tags
                .iter()
                .map(|t| Link { label: t.clone(), url: url(&product_url, &[("tag", t)]), active: false })
                .collect(),
            product_url,
            kind: cx.kind_view(post.kind),
            status: cx.status_view(post.status),
            votes: post.votes,
            voted,
            comments: post.comments,
            author: post.author_handle.clone(),
            author_url: user_url(&post.author_handle),
            author_staff: post.author_role.can_triage(),
            author_title: post.author_title.clone(),
            owner_chip: post.author_owner_since.map(|since| cx.owner_chip(&post.product_category, since)),
            time: cx.time(post.created_at),
        }
    }
}

// ---- addresses ------------------------------------------------------------------------

/// Percent-encodes one path segment (handles may be Chinese).
pub use canyu_app::notify::text::encode_segment;

pub fn post_url(id: i64) -> String {
    format!("/posts/{id}")
}

pub fn product_url(slug: &str) -> String {
    format!("/products/{}", encode_segment(slug))
}

/// A refusal a form page does not show beside the form: the caller may not be here at all,
/// or something broke. Everything else is the fan's input, shown where they typed it.
pub(crate) fn is_fatal(e: &canyu_app::AppError) -> bool {
    matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::Forbidden)
}

pub fn user_url(handle: &str) -> String {
    format!("/users/{}", encode_segment(handle))
}

/// `path?k=v&…`, skipping empty values.
pub fn url(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        ser.append_pair(k, v);
        any = true;
    }
    if any { format!("{path}?{}", ser.finish()) } else { path.to_string() }
}

fn next_url(page: &str, here: &str) -> String {
    if here == "/" || here.starts_with("/login") || here.starts_with("/register") {
        page.to_string()
    } else {
        url(page, &[("next", here)])
    }
}

/// Where to go after a form: only a path on this site (`/x`, never `//host` or `/\host`),
/// so a crafted link cannot bounce a fan to another site after signing in.
pub fn safe_next(raw: Option<&str>) -> String {
    match raw {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// 303 See Other: the browser follows with a GET, so reloading never re-submits a form.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn initial(handle: &str) -> String {
    handle.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
}

/// Turns a store or action refusal into the message shown next to a form.
pub fn form_error(cx: &Cx, err: &AppError) -> String {
    err.code.message(cx.locale).to_string()
}

/// A refused file, named: "截图.png：只能上传 JPEG、PNG、WebP 或 GIF 图片。"
pub fn file_error(cx: &Cx, file: &str, err: &AppError) -> String {
    let message = form_error(cx, err);
    let file: String = file.chars().filter(|c| !c.is_control()).take(80).collect();
    if file.is_empty() {
        return message;
    }
    match cx.locale {
        canyu_core::Locale::ZhCn => format!("{file}：{message}"),
        canyu_core::Locale::En => format!("{file}: {message}"),
    }
}

pub fn status_of(err: &AppError) -> StatusCode {
    StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
}

/// A form shown again after `err` refused it: a rate-limit refusal carries the bucket's own
/// wait in `Retry-After`, as the API's answers do (the page says it in words too).
pub fn refused(err: &AppError, page: WebResult<Response>) -> WebResult<Response> {
    page.map(|mut res| {
        if let Some(secs) = err.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        res
    })
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod admin_tests;

#[cfg(test)]
mod event_admin_tests;

#[cfg(test)]
mod devices_tests;
#[cfg(test)]
mod referrals_tests;

#[cfg(test)]
mod co_creation_tests;

#[cfg(test)]
mod campaign_tests;

#[cfg(test)]
mod pricing_tests;

#[cfg(test)]
mod amas_tests;

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn next_is_only_a_local_path() {
        assert_eq!(safe_next(Some("/posts/1")), "/posts/1");
        assert_eq!(safe_next(Some("/products/x?sort=new")), "/products/x?sort=new");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("javascript:alert(1)")), "/");
        assert_eq!(safe_next(Some("/a\nb")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn urls() {
        assert_eq!(user_url("米粉"), "/users/%E7%B1%B3%E7%B2%89");
        assert_eq!(url("/p", &[("q", "续航 a&b"), ("x", "")]), "/p?q=%E7%BB%AD%E8%88%AA+a%26b");
        assert_eq!(url("/p", &[]), "/p");
    }
}
