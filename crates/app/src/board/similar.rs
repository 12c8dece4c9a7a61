//! Similar posts for a draft: what the new-post form suggests while a fan types.

use crate::App;
use crate::error::{AppError, AppResult};
use canyu_core::ErrorCode;
use canyu_store::Post;
use canyu_text::SimilarQuery;

/// Suggestions scoring below this are noise: a few shared common characters.
pub const SUGGEST_MIN_SCORE: f32 = 0.15;
/// Drafts are compared up to this many characters (the form sends at most this many).
pub const SIMILAR_TEXT_MAX_CHARS: usize = 2_000;

pub struct SimilarPost {
    pub post: Post,
    pub score: f32,
}

/// Open and closed posts of the product that say what `text` says, best first. Merged
/// posts are not in the search index, so a suggestion is always a live post.
pub async fn similar_posts(
    app: &App,
    text: &str,
    product_id: Option<i64>,
    limit: usize,
    exclude: Option<i64>,
) -> AppResult<Vec<SimilarPost>> {
    if text.chars().count() > SIMILAR_TEXT_MAX_CHARS {
        return Err(AppError::new(ErrorCode::InvalidQuery));
    }
    let index = app.search.clone();
    let text = text.to_string();
    let hits = tokio::task::spawn_blocking(move || {
        index.similar(&SimilarQuery { text: &text, product_id, limit, min_score: SUGGEST_MIN_SCORE, exclude })
    })
    .await??;
    let ids: Vec<i64> = hits.iter().map(|h| h.post_id).collect();
    let posts = app.store.posts_by_ids(&ids).await?;
    Ok(hits
        .into_iter()
        .filter_map(|hit| {
            // A post closed as a duplicate points elsewhere: suggest the original instead.
            let post = posts.iter().find(|p| {
                p.id == hit.post_id
                    && p.is_listed()
                    && p.merged_into.is_none()
                    && p.status != canyu_core::PostStatus::Duplicate
            })?;
            Some(SimilarPost { post: post.clone(), score: hit.score })
        })
        .collect())
}
