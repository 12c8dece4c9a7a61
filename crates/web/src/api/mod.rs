//! The JSON API under `/api/v1`, one module per resource. The OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the handlers' annotations and checked by a
//! snapshot test, so a change to the contract is always a visible diff. A route is added in
//! one place, [`documented_routes`], with its documentation; `tests/openapi.rs` reads the
//! served routes back from the router and fails on any `/api/v1` route left out of the
//! document, a repeated operation id or a response without a description.

pub mod amas;
pub mod auth;
pub mod beta;
pub mod campaigns;
pub mod catalog;
mod codes;
pub mod demands;
pub mod devices;
mod doc;
pub mod draws;
pub mod events;
pub mod fcodes;
pub mod identity;
pub mod insights;
pub mod launch_orders;
pub mod media;
pub mod moderation;
pub mod notifications;
pub mod points;
pub mod posts;
pub mod pricing;
pub mod referrals;
pub mod releases;
pub mod reminders;
pub mod users;
pub mod views;
pub mod voices;
pub mod waves;
pub mod webhooks;

use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Where `routes()` is nested by `crate::router`; the document's paths carry it.
pub const PREFIX: &str = "/api/v1";

/// Every documented route, relative to [`PREFIX`]: each `routes!` entry registers the
/// handlers and their `#[utoipa::path]` documentation together, so a route cannot be served
/// without being in the document. Handlers in one entry share one path.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(auth::register))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me, auth::update_me))
        .routes(routes!(auth::list_tokens, auth::create_token))
        .routes(routes!(auth::revoke_token))
        .routes(routes!(notifications::list))
        .routes(routes!(waves::my_orders))
        .routes(routes!(identity::show, identity::verify))
        .routes(routes!(campaigns::create))
        .routes(routes!(campaigns::show))
        .routes(routes!(campaigns::reserve))
        .routes(routes!(campaigns::live))
        .routes(routes!(media::upload))
        .routes(routes!(pricing::create_channel, pricing::list_channels))
        .routes(routes!(pricing::create_sku))
        .routes(routes!(pricing::update_sku))
        .routes(routes!(pricing::set_price, pricing::price_book))
        .routes(routes!(pricing::margin_report))
        .routes(routes!(pricing::create_channel_token))
        .routes(routes!(pricing::stock, pricing::set_allocations))
        .routes(routes!(pricing::create_transfer))
        .routes(routes!(pricing::create_give_back, pricing::list_give_backs))
        // A channel's report carries up to 10,000 rows: more than the router's 512 KB.
        .merge(
            OpenApiRouter::new()
                .routes(routes!(pricing::record_sales))
                .layer(axum::extract::DefaultBodyLimit::max(pricing::MAX_SALES_BODY_BYTES)),
        )
        .routes(routes!(waves::create))
        .routes(routes!(waves::show, waves::change))
        .routes(routes!(waves::end_now))
        .routes(routes!(waves::cancel))
        .routes(routes!(waves::order))
        .routes(routes!(draws::enter))
        .routes(routes!(draws::show, draws::run))
        .routes(routes!(waves::show_order, launch_orders::rename))
        .routes(routes!(launch_orders::lock))
        .routes(routes!(launch_orders::refund))
        .routes(routes!(launch_orders::return_order))
        .routes(routes!(launch_orders::cancel))
        .routes(routes!(launch_orders::simulated_payment))
        .routes(routes!(launch_orders::events))
        .routes(routes!(launch_orders::notify))
        .routes(routes!(launch_orders::production, launch_orders::advance))
        .routes(routes!(launch_orders::flagged))
        .routes(routes!(launch_orders::cancel_in_bulk))
        .routes(routes!(fcodes::batches, fcodes::generate))
        .routes(routes!(fcodes::award))
        .routes(routes!(fcodes::redeem))
        .routes(routes!(fcodes::transfer))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(points::leaderboard))
        .routes(routes!(catalog::list_categories, catalog::create_category))
        .routes(routes!(catalog::list_products, catalog::create_product))
        .routes(routes!(catalog::get_product, catalog::update_product))
        .routes(routes!(catalog::roadmap))
        .routes(routes!(points::product_leaderboard))
        .routes(routes!(releases::list))
        .routes(routes!(demands::for_product))
        .routes(routes!(events::list, events::create))
        .routes(routes!(events::show))
        .routes(routes!(events::attendees, events::take_place))
        .routes(routes!(events::mine, events::give_up))
        .routes(routes!(events::confirm))
        .routes(routes!(events::remove_place))
        .routes(routes!(events::checkins, events::check_in))
        .routes(routes!(events::clubs, events::create_club))
        .routes(routes!(events::club))
        .routes(routes!(events::appoint, events::dismiss))
        .routes(routes!(events::join, events::leave))
        .routes(routes!(devices::mine, devices::claim))
        .routes(routes!(devices::release))
        .routes(routes!(devices::bind))
        .routes(routes!(devices::pattern, devices::set_pattern))
        .routes(routes!(devices::also_owned))
        .routes(routes!(referrals::mine))
        .routes(routes!(referrals::invitees))
        .routes(routes!(referrals::flagged))
        .routes(routes!(referrals::approve))
        .routes(routes!(referrals::reject))
        .routes(routes!(referrals::tree))
        .routes(routes!(referrals::stats))
        .routes(routes!(insights::panel))
        .routes(routes!(insights::ask))
        .routes(routes!(insights::digests))
        .routes(routes!(insights::digest))
        .routes(routes!(insights::demographics, insights::set_demographics))
        .routes(routes!(beta::show, beta::configure))
        .routes(routes!(beta::applications, beta::apply))
        .routes(routes!(beta::leave))
        .routes(routes!(beta::remove))
        .routes(routes!(beta::admit))
        .routes(routes!(beta::reject))
        .routes(routes!(demands::rebuild))
        .routes(routes!(demands::all))
        .routes(routes!(releases::create))
        .routes(routes!(releases::show))
        .routes(routes!(releases::publish))
        .routes(routes!(posts::list::list, posts::create::create))
        .routes(routes!(posts::similar::similar))
        .routes(routes!(posts::show::show, posts::edit::update, posts::edit::delete))
        .routes(routes!(posts::edit::moderate))
        .routes(routes!(posts::edit::revisions))
        .routes(routes!(posts::edit::follow, posts::edit::unfollow))
        .routes(routes!(moderation::update_comment, moderation::delete_comment))
        .routes(routes!(moderation::moderate_comment))
        .routes(routes!(moderation::report))
        .routes(routes!(moderation::queue))
        .routes(routes!(moderation::dismiss))
        .routes(routes!(moderation::log))
        .routes(routes!(reminders::remind_wave, reminders::forget_wave))
        .routes(routes!(reminders::remind_campaign, reminders::forget_campaign))
        .routes(routes!(posts::merge::merge, posts::merge::unmerge))
        .routes(routes!(posts::vote::vote, posts::vote::unvote))
        .routes(routes!(posts::comments::list, posts::comments::create))
        .routes(routes!(posts::status::change))
        .routes(routes!(posts::status::history))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::delete))
        .routes(routes!(users::show))
        .routes(routes!(voices::set_official, voices::remove_official))
        .routes(routes!(voices::show))
        .routes(routes!(voices::follow, voices::unfollow))
        .routes(routes!(voices::official))
        .routes(routes!(voices::announcements))
        .routes(routes!(voices::publish))
        .routes(routes!(voices::get, voices::remove))
        .routes(routes!(voices::feed))
        .routes(routes!(amas::list, amas::create))
        .routes(routes!(amas::get))
        .routes(routes!(amas::questions, amas::ask))
        .routes(routes!(amas::vote, amas::unvote))
        .routes(routes!(amas::answer))
        .routes(routes!(amas::hide, amas::unhide))
        .routes(routes!(amas::merge))
        .routes(routes!(amas::to_post))
        .routes(routes!(amas::live))
        .routes(routes!(points::ledger, points::adjust))
}

/// The JSON API router, nested under [`PREFIX`] by `crate::router`: the documented routes
/// plus the document itself at `/openapi.json`, the one route left out of it.
pub fn routes() -> Router<AppState> {
    let (router, doc) = documented_routes().split_for_parts();
    let served = Arc::new(with_prefix(doc));
    router.route("/openapi.json", get(move || openapi_json(Arc::clone(&served))))
}

/// The OpenAPI document as served: the top-level information of [`ApiDoc`] and the
/// operations of [`documented_routes`] under [`PREFIX`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    with_prefix(documented_routes().into_openapi())
}

/// An optional request body (`request_body(content = Option<T>)`) is one a client may leave
/// out; utoipa also publishes it as `oneOf: [T, null]`, and openapi-python-client then
/// generates a call that crashes when the body is left out (it sends its `UNSET` marker as
/// JSON). `required: false` already says it: the schema becomes plain `T`.
/// The `Idempotency-Key` header as text: absent is `None`; present but not printable ASCII is
/// `invalid_idempotency_key` — the client did send a key, so "required" would mislead it.
pub(crate) fn idempotency_key_header(
    headers: &axum::http::HeaderMap,
) -> Result<Option<&str>, canyu_core::ErrorCode> {
    headers
        .get("idempotency-key")
        .map(|value| value.to_str().map_err(|_| canyu_core::ErrorCode::InvalidIdempotencyKey))
        .transpose()
}

/// A resource id from the path: a positive integer, or `missing` (404 in the resource's
/// words) for anything else, so that `/events/abc` and `/events/0` answer as a missing event.
pub(crate) fn path_id(raw: &str, missing: canyu_core::ErrorCode) -> Result<i64, crate::error::WebError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(crate::error::WebError::from(missing))
}

/// A live page's frames as a server-sent event stream: the latest frame at once, then every
/// new one. Every viewer is sent the producer's own buffer (a reference count, no copy).
pub(crate) fn event_stream(
    mut rx: tokio::sync::watch::Receiver<Option<axum::body::Bytes>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    rx.mark_changed();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            rx.changed().await.ok()?;
            let frame = rx.borrow_and_update().clone();
            if let Some(frame) = frame {
                return Some((Ok::<_, std::convert::Infallible>(frame), rx));
            }
        }
    });
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/event-stream"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
            // Proxies (nginx) must pass events through as they come.
            (axum::http::header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response()
}

/// The `X-Device-Id` an app sends (8–128 printable ASCII characters), if it sent one.
pub(crate) fn device_id_header(
    headers: &axum::http::HeaderMap,
) -> Result<Option<&str>, canyu_core::ErrorCode> {
    match headers.get("x-device-id") {
        Some(v) => Some(
            v.to_str()
                .map_err(|_| canyu_core::ErrorCode::InvalidDeviceId)
                .and_then(canyu_core::campaign::parse_device_id),
        )
        .transpose(),
        None => Ok(None),
    }
}

fn optional_bodies_without_null(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::{RefOr, Required};
    let is_null = |schema: &RefOr<Schema>| matches!(schema, RefOr::T(Schema::Object(object)) if object.schema_type == SchemaType::Type(Type::Null));
    for item in doc.paths.paths.values_mut() {
        for operation in
            [&mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            let Some(RefOr::T(body)) = operation.request_body.as_mut() else { continue };
            if body.required == Some(Required::True) {
                continue;
            }
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema
                    && one_of.items.len() == 2
                    && one_of.items.iter().any(is_null)
                {
                    content.schema = one_of.items.iter().find(|s| !is_null(s)).cloned();
                }
            }
        }
    }
}

fn with_prefix(routes: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi().nest(PREFIX, routes);
    optional_bodies_without_null(&mut doc);
    doc::common_error_responses(&mut doc);
    doc::control_character_patterns(&mut doc);
    doc::body_control_character_patterns(&mut doc);
    doc
}

async fn openapi_json(doc: Arc<utoipa::openapi::OpenApi>) -> Json<utoipa::openapi::OpenApi> {
    Json(doc.as_ref().clone())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "canyu API", description = "The fan co-creation board: products, posts, votes, comments, the status workflow, similar posts and merging, notifications, points, releases and the beta programme. Errors are `{\"error\": {\"code\", \"message\"}}` with the message in the request's language (Accept-Language: zh-CN or en)."),
    modifiers(&BearerAuth),
    // Enums only query parameters use: utoipa collects the schemas of bodies, not of parameters.
    components(schemas(views::Board, views::PostSort, views::MembershipStatus, views::SearchMatch, events::EventKind, devices::OwnedVia, referrals::ReferralState, referrals::ReferralRejection, referrals::ReferralStatusAll, insights::InsightPanelName, insights::InsightGranularity, insights::InsightChart, insights::InsightFormat, insights::FeedbackTone)),
    tags(
        (name = "auth", description = "Accounts, sessions and API tokens"),
        (name = "catalog", description = "Ecosystem categories and products"),
        (name = "moderation", description = "Reports, the moderators' queue, hide, lock and pin, edit history and the audit log"),
        (name = "posts", description = "Feedback posts, votes, comments, status"),
        (name = "pricing", description = "Channels, catalog SKUs, prices per channel under the margin pledge, the sales ledger of every channel, the margin report"),
        (name = "media", description = "Images for posts and comments: checked, stripped of metadata, scaled, with thumbnails"),
        (name = "users", description = "Public profiles, points and leaderboards"),
        (name = "notifications", description = "The caller's inbox"),
        (name = "webhooks", description = "The team's channels: signed JSON, Feishu/Lark, DingTalk and WeCom robots"),
        (name = "demands", description = "Open posts grouped by what they ask for, sized by the fans behind them"),
        (name = "releases", description = "The weekly release train: releases that ship fans' posts and credit them"),
        (name = "waves", description = "The drop engine: waves of limited stock, first-come-first-served orders acknowledged only once durable"),
        (name = "campaigns", description = "Launch campaigns: teaser, price reveal at a set time, reservations with a fan lane, reservation-only waves, deposit orders (small, big, locked), signed payment notifications, the production queue"),
        (name = "beta", description = "The beta programme: limited seats, applications, weekly duties, a members-only board and beta releases"),
        (name = "events", description = "Fan events (the 米粉节 fan festival, 同城会 city meetups) and city clubs: places that never pass capacity, a waitlist with offers, attendance prompts, signed tickets checked offline, check-in and no-shows"),
        (name = "ownership", description = "人车家: the devices fans own (claimed by serial, delivered from launch orders, bound at a store, handed on), owner chips on the board"),
        (name = "referrals", description = "口碑: referral codes and links, invitees and their rewards (vested after the first order's return window), staff's review queue, referral trees and the word-of-mouth coefficient"),
        (name = "voices", description = "Official voices (人设): accounts an admin marked official with a verified title, follows and followers, announcements (动态) and the follower's feed"),
        (name = "amas", description = "Ask-me-anything sessions: questions open before the session and rise by votes (one per fan, never one's own); the host and staff answer, merge duplicates (votes as a union), hide off-topic questions and turn feedback into posts; a live stream of the top questions and the answers as they come; the transcript afterwards"),
        (name = "insights", description = "What the flywheel did: co-creation, board, launch, fan, channel, event, referral and 人车家 panels (staff), as JSON or CSV (counts of fans under 10 are shown as <10); the weekly digests; and questions asked of the feedback"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
