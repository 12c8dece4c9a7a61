//! Merging duplicates: the store moves votes and tells fans; here the search index and the
//! read cache follow.

use super::sync_index;
use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use canyu_core::Role;
use canyu_store::{MergeOutcome, UnmergeOutcome};

pub async fn merge(app: &App, auth: &Auth, post_id: i64, into: i64) -> AppResult<MergeOutcome> {
    auth.require(Role::Moderator)?;
    let outcome = app.store.merge_post(post_id, into, auth.user.id, app.now()).await?;
    // Searches and suggestions lead to the target from now on.
    if let Some(post) = app.store.post(post_id).await? {
        sync_index(app, &post).await;
    }
    app.cache.invalidate();
    tracing::info!(post = post_id, into, moved = outcome.moved_votes, by = auth.user.id, "post merged");
    Ok(outcome)
}

pub async fn unmerge(app: &App, auth: &Auth, post_id: i64) -> AppResult<UnmergeOutcome> {
    auth.require(Role::Moderator)?;
    let outcome = app.store.unmerge_post(post_id, auth.user.id, app.now()).await?;
    if let Some(post) = app.store.post(post_id).await? {
        sync_index(app, &post).await;
    }
    app.cache.invalidate();
    tracing::info!(post = post_id, from = outcome.target_id, by = auth.user.id, "merge undone");
    Ok(outcome)
}
