//! Demands: a product's open posts clustered by what they ask for, sized by the distinct
//! fans behind them. A projection of posts and votes, recomputed in the background.

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use canyu_core::{ErrorCode, Role};
use canyu_store::NewDemand;
use canyu_text::demands::{DEMAND_THRESHOLD, cluster_demands, in_reading_order, keywords};
use std::collections::{HashMap, HashSet};

/// Demands kept per product (the rest are single posts nobody else asked for).
pub const DEMANDS_KEPT: usize = 200;
/// "This week": fans who posted or voted within this window count as this week's.
pub const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
/// Each post is compared on its title and the start of its body.
const TEXT_CHARS: usize = 300;
/// Posts with no activity (posting or voting) for this long are no one's demand any more.
pub const ACTIVE_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;
/// At most this many recently active posts per product are clustered: bounds a refresh's
/// time and memory on a product with a million posts.
pub const MAX_POSTS: i64 = 50_000;
/// Posts listed per demand (its size counts them all).
const POSTS_LISTED: usize = 50;
/// Titles its label is drawn from.
const TITLES_LABELLED: usize = 50;

/// Recomputes one product's demands from its posts and votes; returns how many were kept.
pub async fn rebuild(app: &App, product_id: i64) -> AppResult<usize> {
    let now = app.now();
    let posts = app.store.open_posts(product_id, now - ACTIVE_WINDOW_MS, MAX_POSTS).await?;
    let from_id = posts.first().map_or(i64::MAX, |p| p.id);
    let votes = app.store.open_post_votes(product_id, from_id).await?;
    let texts: Vec<String> = posts
        .iter()
        .map(|p| {
            let mut t = p.title.clone();
            t.push('\n');
            t.extend(p.body.chars().take(TEXT_CHARS));
            t
        })
        .collect();
    let mut voters: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (post, user, at) in votes {
        voters.entry(post).or_default().push((user, at));
    }
    let demands = tokio::task::spawn_blocking(move || {
        let groups = cluster_demands(&texts, DEMAND_THRESHOLD);
        let week_ago = now - WEEK_MS;
        let mut sized: Vec<(NewDemand, Vec<usize>)> = groups
            .into_iter()
            .map(|group| {
                let mut fans = HashSet::new();
                let mut recent = HashSet::new();
                let mut total_votes = 0;
                for &i in &group {
                    let p = &posts[i];
                    total_votes += p.votes;
                    fans.insert(p.author_id);
                    if p.created_at >= week_ago {
                        recent.insert(p.author_id);
                    }
                    for &(user, at) in voters.get(&p.id).map(Vec::as_slice).unwrap_or_default() {
                        fans.insert(user);
                        if at >= week_ago {
                            recent.insert(user);
                        }
                    }
                }
                let mut ids: Vec<(i64, i64)> = group.iter().map(|&i| (posts[i].votes, posts[i].id)).collect();
                ids.sort_by(|a, b| b.cmp(a));
                ids.truncate(POSTS_LISTED);
                let demand = NewDemand {
                    post_ids: ids.into_iter().map(|(_, id)| id).collect(),
                    keywords: Vec::new(),
                    fans: fans.len() as i64,
                    fans_week: recent.len() as i64,
                    votes: total_votes,
                };
                (demand, group)
            })
            .collect();
        sized.sort_by_key(|(d, _)| std::cmp::Reverse((d.fans_week, d.fans, d.votes)));
        sized.truncate(DEMANDS_KEPT);
        sized
            .into_iter()
            .map(|(mut demand, group)| {
                // Titles say what is asked; bodies add detail and noise.
                let mut members = group.clone();
                members.sort_by_key(|&i| std::cmp::Reverse(posts[i].votes));
                let titles: Vec<&str> =
                    members.iter().take(TITLES_LABELLED).map(|&i| posts[i].title.as_str()).collect();
                demand.keywords = keywords(&titles, 3);
                demand
            })
            .collect::<Vec<_>>()
    })
    .await?;
    app.store.replace_demands(product_id, &demands, now).await?;
    Ok(demands.len())
}

/// The demand's keywords as people read them: in the order its best-backed post's title
/// says them (the stored order is the extractor's, best first, which the API keeps).
pub fn keywords_in_reading_order(demand: &canyu_store::Demand) -> Vec<String> {
    let top = demand.posts.first().map(|p| p.title.as_str()).unwrap_or_default();
    in_reading_order(demand.keywords.clone(), top)
}

/// Recomputes every product's demands.
pub async fn rebuild_all(app: &App) -> AppResult<usize> {
    let mut total = 0;
    for product in app.store.list_products().await? {
        total += rebuild(app, product.id).await?;
    }
    Ok(total)
}

/// A staff-triggered rebuild of one product.
pub async fn rebuild_now(app: &App, auth: &Auth, slug: &str) -> AppResult<usize> {
    auth.require(Role::Staff)?;
    let product = app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?;
    rebuild(app, product.id).await
}

// ---- reads of demands: the rows as stored; callers check who may see them (see [`crate::policy`]).

pub async fn top_demands(
    app: &App,
    product_id: Option<i64>,
    limit: i64,
) -> AppResult<Vec<canyu_store::Demand>> {
    Ok(app.store.top_demands(product_id, limit).await?)
}
