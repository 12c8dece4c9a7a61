//! Following a post: its author follows by default, anyone may follow (hear of every
//! comment and change) or mute it (hear nothing, not even as its author or a voter).

use crate::App;
use crate::accounts::Auth;
use crate::beta;
use crate::error::AppResult;
use canyu_core::ErrorCode;

/// Follows (`true`) or mutes (`false`) the post; returns whether the caller now follows it.
pub async fn set_following(app: &App, auth: &Auth, post_id: i64, following: bool) -> AppResult<bool> {
    let post = app.store.post(post_id).await?.ok_or(ErrorCode::PostNotFound)?;
    beta::ensure_post_visible(app, Some(auth), &post).await?;
    app.store.set_follow(auth.user.id, post_id, Some(following), app.now()).await?;
    Ok(following)
}

/// Whether the caller hears of the post's comments and changes.
pub async fn is_following(app: &App, auth: &Auth, post_id: i64) -> AppResult<bool> {
    Ok(app.store.follows(auth.user.id, post_id).await?)
}
