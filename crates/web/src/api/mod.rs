//! The JSON API under `/api/v1`, one module per resource. The OpenAPI document served at
//! `/api/v1/openapi.json` is generated from the handlers' annotations and checked by a
//! snapshot test, so a change to the contract is always a visible diff.

pub mod auth;
pub mod beta;
pub mod campaigns;
pub mod catalog;
pub mod demands;
pub mod draws;
pub mod fcodes;
pub mod identity;
pub mod launch_orders;
pub mod notifications;
pub mod points;
pub mod posts;
pub mod releases;
pub mod users;
pub mod views;
pub mod waves;
pub mod webhooks;

use crate::state::AppState;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me).patch(auth::update_me))
        .route("/me/tokens", get(auth::list_tokens).post(auth::create_token))
        .route("/me/tokens/{id}", axum::routing::delete(auth::revoke_token))
        .route("/me/notifications", get(notifications::list))
        .route("/me/orders", get(waves::my_orders))
        .route("/me/identity", get(identity::show).post(identity::verify))
        .route("/campaigns", post(campaigns::create))
        .route("/campaigns/{id}", get(campaigns::show))
        .route("/campaigns/{id}/reservations", post(campaigns::reserve))
        .route("/campaigns/{id}/live", get(campaigns::live))
        .route("/waves", post(waves::create))
        .route("/waves/{id}", get(waves::show).patch(waves::change))
        .route("/waves/{id}/end", post(waves::end_now))
        .route("/waves/{id}/cancel", post(waves::cancel))
        .route("/waves/{id}/orders", post(waves::order))
        .route("/waves/{id}/entries", post(draws::enter))
        .route("/waves/{id}/draw", get(draws::show).post(draws::run))
        .route("/orders/{id}", get(waves::show_order).patch(launch_orders::rename))
        .route("/orders/{id}/lock", post(launch_orders::lock))
        .route("/orders/{id}/refund", post(launch_orders::refund))
        .route("/orders/{id}/cancel", post(launch_orders::cancel))
        .route("/orders/{id}/simulated-payment", post(launch_orders::simulated_payment))
        .route("/orders/{id}/events", get(launch_orders::events))
        .route("/payments/notify", post(launch_orders::notify))
        .route("/campaigns/{id}/production", get(launch_orders::production).post(launch_orders::advance))
        .route("/campaigns/{id}/flagged", get(launch_orders::flagged))
        .route("/campaigns/{id}/cancellations", post(launch_orders::cancel_in_bulk))
        .route("/waves/{id}/fcodes", get(fcodes::batches).post(fcodes::generate))
        .route("/waves/{id}/fcodes/award", post(fcodes::award))
        .route("/fcodes/redeem", post(fcodes::redeem))
        .route("/fcodes/transfer", post(fcodes::transfer))
        .route("/me/notifications/read", post(notifications::mark_read))
        .route("/leaderboard", get(points::leaderboard))
        .route("/categories", get(catalog::list_categories).post(catalog::create_category))
        .route("/products", get(catalog::list_products).post(catalog::create_product))
        .route("/products/{slug}", get(catalog::get_product).patch(catalog::update_product))
        .route("/products/{slug}/roadmap", get(catalog::roadmap))
        .route("/products/{slug}/leaderboard", get(points::product_leaderboard))
        .route("/products/{slug}/releases", get(releases::list))
        .route("/products/{slug}/demands", get(demands::for_product))
        .route("/products/{slug}/beta", get(beta::show).put(beta::configure))
        .route("/products/{slug}/beta/applications", get(beta::applications).post(beta::apply))
        .route("/products/{slug}/beta/membership", axum::routing::delete(beta::leave))
        .route("/products/{slug}/beta/members/{handle}/remove", post(beta::remove))
        .route("/beta/applications/{id}/admit", post(beta::admit))
        .route("/beta/applications/{id}/reject", post(beta::reject))
        .route("/products/{slug}/demands/rebuild", post(demands::rebuild))
        .route("/demands", get(demands::all))
        .route("/releases", post(releases::create))
        .route("/releases/{id}", get(releases::show))
        .route("/releases/{id}/publish", post(releases::publish))
        .route("/posts", get(posts::list::list).post(posts::create::create))
        .route("/posts/similar", get(posts::similar::similar))
        .route("/posts/{id}", get(posts::show::show))
        .route("/posts/{id}/merge", post(posts::merge::merge).delete(posts::merge::unmerge))
        .route("/posts/{id}/vote", put(posts::vote::vote).delete(posts::vote::unvote))
        .route("/posts/{id}/comments", get(posts::comments::list).post(posts::comments::create))
        .route("/posts/{id}/status", post(posts::status::change))
        .route("/posts/{id}/history", get(posts::status::history))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::delete))
        .route("/users/{handle}", get(users::show))
        .route("/users/{handle}/points", get(points::ledger).post(points::adjust))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "canyu API", description = "The fan co-creation board: products, posts, votes, comments, the status workflow, similar posts and merging, notifications, points, releases and the beta programme. Errors are `{\"error\": {\"code\", \"message\"}}` with the message in the request's language (Accept-Language: zh-CN or en)."),
    paths(
        auth::register, auth::login, auth::logout, auth::me, auth::update_me,
        auth::list_tokens, auth::create_token, auth::revoke_token, identity::show, identity::verify,
        catalog::list_categories, catalog::create_category,
        catalog::list_products, catalog::create_product, catalog::get_product, catalog::update_product,
        catalog::roadmap, points::product_leaderboard,
        posts::list::list, posts::create::create, posts::show::show,
        posts::vote::vote, posts::vote::unvote,
        posts::comments::list, posts::comments::create,
        posts::status::change, posts::status::history,
        posts::similar::similar, posts::merge::merge, posts::merge::unmerge,
        notifications::list, notifications::mark_read,
        users::show, points::adjust, points::ledger, points::leaderboard,
        releases::create, releases::show, releases::publish, releases::list,
        webhooks::create, webhooks::list, webhooks::delete,
        demands::for_product, demands::all, demands::rebuild,
        beta::show, beta::configure, beta::apply, beta::applications, beta::admit, beta::reject,
        beta::leave, beta::remove,
        waves::create, waves::show, waves::change, waves::end_now, waves::cancel, waves::order, waves::show_order, waves::my_orders,
        draws::enter, draws::show, draws::run,
        fcodes::generate, fcodes::batches, fcodes::award, fcodes::redeem, fcodes::transfer,
        campaigns::create, campaigns::show, campaigns::reserve, campaigns::live,
        launch_orders::lock, launch_orders::refund, launch_orders::cancel, launch_orders::rename,
        launch_orders::simulated_payment, launch_orders::events, launch_orders::notify, launch_orders::production,
        launch_orders::flagged, launch_orders::cancel_in_bulk, launch_orders::advance,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Accounts, sessions and API tokens"),
        (name = "catalog", description = "Ecosystem categories and products"),
        (name = "posts", description = "Feedback posts, votes, comments, status"),
        (name = "users", description = "Public profiles, points and leaderboards"),
        (name = "notifications", description = "The caller's inbox"),
        (name = "webhooks", description = "The team's channels: signed JSON, Feishu/Lark, DingTalk and WeCom robots"),
        (name = "demands", description = "Open posts grouped by what they ask for, sized by the fans behind them"),
        (name = "releases", description = "The weekly release train: releases that ship fans' posts and credit them"),
        (name = "waves", description = "The drop engine: waves of limited stock, first-come-first-served orders acknowledged only once durable"),
        (name = "campaigns", description = "Launch campaigns: teaser, price reveal at a set time, reservations with a fan lane, reservation-only waves, deposit orders (small, big, locked), signed payment notifications, the production queue"),
        (name = "beta", description = "The beta programme: limited seats, applications, weekly duties, a members-only board and beta releases"),
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

/// The OpenAPI document as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
