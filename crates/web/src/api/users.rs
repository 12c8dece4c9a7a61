use crate::api::posts::list::voted_flags;
use crate::api::views::{ErrorBody, PostView, UserView};
use crate::auth::MaybeAuth;
use crate::error::WebResult;
use crate::locale::Lang;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use canyu_app::model::{PostFilter, Sort};
use canyu_core::ErrorCode;
use canyu_core::Locale;
use canyu_core::points::Level;
use canyu_core::time::rfc3339;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    pub user: UserView,
    /// The points balance: the sum of the fan's ledger entries.
    pub points: i64,
    pub level: LevelView,
    /// The next level and the points it needs; absent at the top level.
    pub next_level: Option<LevelView>,
    pub badges: Vec<BadgeView>,
    /// The fan's own posts that shipped.
    pub credited: Vec<CreditedView>,
    /// The fan's latest posts.
    pub posts: Vec<PostView>,
    /// 人车家: the ecosystem categories the fan owns something in (slugs, catalog order).
    pub owns: Vec<String>,
    /// A phone, a car and a home device.
    pub whole_ecosystem: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LevelView {
    pub number: u8,
    /// In the request's language.
    pub name: String,
    pub min_points: i64,
}

impl LevelView {
    pub fn new(level: &Level, locale: Locale) -> Self {
        LevelView {
            number: level.number,
            name: locale.pick(level.name_zh, level.name_en).into(),
            min_points: level.min_points,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BadgeView {
    /// Stable code, e.g. `co_creator`.
    pub code: String,
    /// In the request's language.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreditedView {
    pub post_id: i64,
    pub title: String,
    pub product: String,
    pub product_name: String,
    pub shipped_at: String,
    pub url: String,
}

/// A public profile.
#[utoipa::path(get, path = "/users/{handle}", operation_id = "getUser", security((), ("bearer" = [])), tag = "users", params(("handle" = String, Path)),
    responses((status = 200, description = "OK", body = ProfileView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Lang(locale): Lang,
    Path(handle): Path<String>,
) -> WebResult<Json<ProfileView>> {
    let found = canyu_app::accounts::user_by_handle(&state, &handle).await?.ok_or(ErrorCode::UserNotFound)?;
    let page = canyu_app::board::list_posts(
        &state,
        &PostFilter { author_id: Some(found.id), sort: Sort::New, limit: 20, ..Default::default() },
    )
    .await?;
    let voted = voted_flags(&state, &auth, &page.items).await?;
    let standing = canyu_app::points::standing(&state, &found).await?;
    let ecosystem = canyu_app::ownership::ecosystem(&state, found.id).await?;
    let user = UserView::from(&found);
    let mut posts: Vec<PostView> = page.items.iter().zip(voted).map(|(p, v)| PostView::new(p, v)).collect();
    crate::api::views::with_post_images(&state, &mut posts).await?;
    Ok(Json(ProfileView {
        owns: ecosystem.categories.iter().map(|(slug, _, _)| slug.clone()).collect(),
        whole_ecosystem: ecosystem.whole,
        user,
        points: found.points,
        level: LevelView::new(&standing.level, locale),
        next_level: standing.next.as_ref().map(|l| LevelView::new(l, locale)),
        badges: standing
            .badges
            .iter()
            .map(|b| BadgeView {
                code: b.as_str().into(),
                name: locale.pick(b.name_zh(), b.name_en()).into(),
            })
            .collect(),
        credited: standing
            .credited
            .iter()
            .map(|c| CreditedView {
                post_id: c.post_id,
                title: c.title.clone(),
                product: c.product_slug.clone(),
                product_name: c.product_name.clone(),
                shipped_at: rfc3339(c.shipped_at),
                url: format!("/posts/{}", c.post_id),
            })
            .collect(),
        posts,
    }))
}
