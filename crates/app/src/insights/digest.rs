//! The weekly digest: every Monday at 09:00 site time, for each product that heard from its
//! fans in the last two weeks, what last week brought — how much feedback and how negative,
//! the demands gaining fans, the words rising significantly (each with its three most
//! representative posts). Made from the data alone (no outside service), stored as a page,
//! and announced to the product's managers (inbox and email) and the team's webhooks.
//!
//! Once per product per week however many nodes run the job: the digest row is unique per
//! (product, week) and is written in one transaction with its inbox entries and outbox jobs,
//! by whoever inserted it. A restart mid-send resumes from the outbox (see `jobs::delivery`).

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::policy::require_insights;
use canyu_core::time::Zone;
use canyu_core::{ErrorCode, Millis};
use canyu_store::{NewDigest, Product, StoredDigest, WeekPost};
use canyu_text::sentiment::positive_probability;
use canyu_text::themes::{quote, rising_terms};
use serde::{Deserialize, Serialize};

/// Digests go out this many hours into Monday, site time.
pub const SEND_HOUR: i64 = 9;
/// Posts read per week (the most voted): bounds the job's memory and time on a huge product;
/// the counts of posts are exact regardless.
pub const POSTS_READ: i64 = 5_000;
/// A rising word must be in at least this many of the week's posts.
pub const MIN_KEYWORD_POSTS: u32 = 3;
/// Rising words listed.
pub const KEYWORDS_LISTED: usize = 8;
/// Demands whose backing is compared week over week (the most backed this week).
const DEMANDS_COMPARED: i64 = 30;
/// Rising demands listed.
pub const DEMANDS_LISTED: usize = 5;
/// Representative posts per rising word.
const QUOTES: usize = 3;
/// A quote is cut to about this many characters around its word.
const QUOTE_CHARS: usize = 80;
/// Below this probability of being positive, a post counts as negative feedback.
pub const NEGATIVE_BELOW: f32 = 0.5;

const HOUR_MS: Millis = 3_600_000;

/// What a digest says, stored as JSON with it and served as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestBody {
    /// First and last day of the week reported, `YYYY-MM-DD` in the site's zone.
    pub from: String,
    pub to: String,
    /// Visible posts written that week, and the week before.
    pub posts: i64,
    pub posts_last_week: i64,
    /// Share of that week's posts read as negative, in [0, 1]; `None` with no posts.
    pub negative_share: Option<f64>,
    pub negative_share_last_week: Option<f64>,
    /// Demands that more fans backed (wrote or voted) this week than the week before.
    pub demands: Vec<DigestDemand>,
    /// Words in significantly more of this week's posts than last week's.
    pub keywords: Vec<DigestKeyword>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestDemand {
    pub keywords: Vec<String>,
    /// Distinct fans who wrote or voted for its posts that week, and the week before.
    pub fans: i64,
    pub fans_last_week: i64,
    /// Its first post was written that week.
    pub new: bool,
    /// Its most voted post.
    pub post_id: i64,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestKeyword {
    pub word: String,
    /// Posts containing it that week, and the week before.
    pub posts: u32,
    pub posts_last_week: u32,
    /// Dunning's log-likelihood ratio: at least 10.83 (p < 0.001) to be listed.
    pub g2: f64,
    pub quotes: Vec<DigestQuote>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DigestQuote {
    pub post_id: i64,
    pub title: String,
    /// The sentence that says the word, cut around it.
    pub quote: String,
    pub votes: i64,
}

/// A digest as staff read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Digest {
    pub id: i64,
    pub product: String,
    pub product_name: String,
    pub created_at: Millis,
    #[serde(flatten)]
    pub body: DigestBody,
}

impl Digest {
    fn from_stored(stored: StoredDigest) -> Option<Digest> {
        let body = serde_json::from_value(stored.body).ok()?;
        Some(Digest {
            id: stored.id,
            product: stored.product_slug,
            product_name: stored.product_name,
            created_at: stored.created_at,
            body,
        })
    }
}

/// The Monday of the latest week whose digest is due at `now`: last week from Monday 09:00
/// on, the week before until then.
pub fn due_week(zone: &Zone, now: Millis) -> Millis {
    let this_monday = zone.week_of(now);
    let back = if now >= this_monday + SEND_HOUR * HOUR_MS { -1 } else { -2 };
    zone.weeks_after(this_monday, back)
}

/// Makes and announces every digest due now that is not yet made; returns the ids written.
/// Safe on several nodes at once: each (product, week) is written by one of them.
pub async fn send_due(app: &App) -> AppResult<Vec<i64>> {
    let zone = &app.config.time_zone;
    let week = due_week(zone, app.now());
    let mut sent = Vec::new();
    for product in app.store.list_products().await? {
        if app.store.digest_exists(product.id, week).await? {
            continue;
        }
        let Some(body) = make(app, &product, week).await? else { continue };
        let mut recipients = app.store.product_manager_ids(product.id).await?;
        if recipients.is_empty() {
            recipients = app.store.admin_ids().await?;
        }
        let notice = serde_json::json!({
            "product": product.slug,
            "product_name": product.name,
            "from": body.from,
            "to": body.to,
            "posts": body.posts,
            "negative_share": body.negative_share,
            "keywords": body.keywords.iter().take(3).map(|k| k.word.clone()).collect::<Vec<_>>(),
        });
        let body_json = serde_json::to_value(&body)
            .map_err(|e| crate::error::AppError::with_detail(ErrorCode::Internal, e.to_string()))?;
        let written = app
            .store
            .create_digest(NewDigest {
                product_id: product.id,
                week_start: week,
                body: &body_json,
                recipients: &recipients,
                notice: &notice,
                now: app.now(),
            })
            .await?;
        if let Some(id) = written {
            tracing::info!(digest = id, product = %product.slug, posts = body.posts, "weekly digest sent");
            sent.push(id);
        }
    }
    Ok(sent)
}

/// Last week's digest of `product` (the week starting `week`), or `None` when the product
/// heard nothing in that week or the one before: a quiet product gets no empty report.
pub async fn make(app: &App, product: &Product, week: Millis) -> AppResult<Option<DigestBody>> {
    let zone = app.config.time_zone.clone();
    let end = zone.next_week(week);
    let before = zone.weeks_after(week, -1);
    let posts = app.store.posts_written_count(product.id, week, end).await?;
    let posts_last_week = app.store.posts_written_count(product.id, before, week).await?;
    if posts == 0 && posts_last_week == 0 {
        return Ok(None);
    }
    let this = app.store.posts_written_between(Some(product.id), week, end, POSTS_READ).await?;
    let last = app.store.posts_written_between(Some(product.id), before, week, POSTS_READ).await?;
    let demands = rising_demands(app, product.id, (before, week, end)).await?;
    let last_day = zone.start_of_day(end - HOUR_MS * 12);
    let (from, to) = (zone.date(week), zone.date(last_day));
    let body = tokio::task::spawn_blocking(move || {
        let text = |p: &WeekPost| format!("{}\n{}", p.title, p.body);
        let this_texts: Vec<String> = this.iter().map(text).collect();
        let last_texts: Vec<String> = last.iter().map(text).collect();
        let negative = |texts: &[String]| {
            (!texts.is_empty()).then(|| {
                let n = texts.iter().filter(|t| positive_probability(t) < NEGATIVE_BELOW).count();
                n as f64 / texts.len() as f64
            })
        };
        let this_refs: Vec<&str> = this_texts.iter().map(String::as_str).collect();
        let last_refs: Vec<&str> = last_texts.iter().map(String::as_str).collect();
        let keywords = rising_terms(&this_refs, &last_refs, MIN_KEYWORD_POSTS, KEYWORDS_LISTED)
            .into_iter()
            .map(|term| {
                let word = [term.word.clone()];
                // `this` is most voted first: the first posts saying the word are its most
                // backed mentions.
                let quotes = this
                    .iter()
                    .zip(&this_texts)
                    .filter(|(_, t)| t.to_lowercase().contains(&term.word))
                    .take(QUOTES)
                    .map(|(p, _)| DigestQuote {
                        post_id: p.id,
                        title: p.title.clone(),
                        quote: quote(&p.title, &p.body, &word, QUOTE_CHARS),
                        votes: p.votes,
                    })
                    .collect();
                DigestKeyword {
                    word: term.word,
                    posts: term.this,
                    posts_last_week: term.last,
                    g2: term.g2,
                    quotes,
                }
            })
            .collect();
        DigestBody {
            from,
            to,
            posts,
            posts_last_week,
            negative_share: negative(&this_texts),
            negative_share_last_week: negative(&last_texts),
            demands,
            keywords,
        }
    })
    .await?;
    Ok(Some(body))
}

/// The product's demands that more fans backed in [week, end) than in [before, week).
async fn rising_demands(
    app: &App,
    product_id: i64,
    (before, week, end): (Millis, Millis, Millis),
) -> AppResult<Vec<DigestDemand>> {
    let mut rising = Vec::new();
    for demand in app.store.top_demands(Some(product_id), DEMANDS_COMPARED).await? {
        let ids: Vec<i64> = demand.posts.iter().map(|p| p.id).collect();
        let (fans, first) = app.store.fans_behind(&ids, week, end).await?;
        let (fans_last_week, _) = app.store.fans_behind(&ids, before, week).await?;
        if fans <= fans_last_week {
            continue;
        }
        let Some(top) = demand.posts.first() else { continue };
        rising.push(DigestDemand {
            keywords: crate::demands::keywords_in_reading_order(&demand),
            fans,
            fans_last_week,
            new: first.is_some_and(|at| at >= week),
            post_id: top.id,
            title: top.title.clone(),
        });
    }
    rising.sort_by(|a, b| {
        (b.fans - b.fans_last_week, b.fans)
            .cmp(&(a.fans - a.fans_last_week, a.fans))
            .then(a.post_id.cmp(&b.post_id))
    });
    rising.truncate(DEMANDS_LISTED);
    Ok(rising)
}

/// One digest, for staff.
pub async fn get(app: &App, auth: &Auth, id: i64) -> AppResult<Digest> {
    require_insights(auth)?;
    let stored = app.store.digest(id).await?.ok_or(ErrorCode::DigestNotFound)?;
    Ok(Digest::from_stored(stored).ok_or(ErrorCode::DigestNotFound)?)
}

/// The latest digests (of one product, by slug, or of all), newest week first, for staff.
pub async fn list(app: &App, auth: &Auth, product: Option<&str>, limit: i64) -> AppResult<Vec<Digest>> {
    require_insights(auth)?;
    let product_id = match product.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?.id),
        None => None,
    };
    let stored = app.store.digests(product_id, limit.clamp(1, 100)).await?;
    Ok(stored.into_iter().filter_map(Digest::from_stored).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_due_week_turns_at_nine_on_monday_in_the_sites_zone() {
        let zone = Zone::china();
        // Monday 2026-12-07 08:59 and 09:00 in China (00:59 and 01:00 UTC).
        let monday = zone.parse_date("2026-12-07").expect("date");
        let before_nine = monday + 9 * HOUR_MS - 60_000;
        let at_nine = monday + 9 * HOUR_MS;
        assert_eq!(zone.date(due_week(&zone, before_nine)), "2026-11-23");
        assert_eq!(zone.date(due_week(&zone, at_nine)), "2026-11-30");
        // Sunday night still reports the week before last.
        assert_eq!(zone.date(due_week(&zone, monday - 60_000)), "2026-11-23");
    }
}
