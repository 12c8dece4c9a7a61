use crate::api::posts::list::voted_flags;
use crate::api::views::{ErrorBody, PostView, UserView};
use crate::auth::MaybeAuth;
use crate::error::AppResult;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use canyu_core::ErrorCode;
use canyu_store::{PostFilter, Sort};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProfileView {
    pub user: UserView,
    /// The fan's latest posts.
    pub posts: Vec<PostView>,
}

/// A public profile.
#[utoipa::path(get, path = "/api/v1/users/{handle}", tag = "users", params(("handle" = String, Path)),
    responses((status = 200, body = ProfileView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    auth: MaybeAuth,
    Path(handle): Path<String>,
) -> AppResult<Json<ProfileView>> {
    let found = state.store.user_by_handle(&handle).await?.ok_or(ErrorCode::UserNotFound)?;
    let page = state
        .store
        .list_posts(&PostFilter {
            author_id: Some(found.user.id),
            sort: Sort::New,
            limit: 20,
            ..Default::default()
        })
        .await?;
    let voted = voted_flags(&state, &auth, &page.items).await?;
    let user = UserView::from(&found.user);
    Ok(Json(ProfileView {
        user,
        posts: page.items.iter().zip(voted).map(|(p, v)| PostView::new(p, v)).collect(),
    }))
}
