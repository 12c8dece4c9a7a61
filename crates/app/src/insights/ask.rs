//! "Ask the feedback": staff type a question in Chinese ("续航有什么抱怨？"); the answer is
//! the posts that match it, grouped into themes with counts, a weekly trend per theme and
//! representative quotes linking to their posts. Extractive and explainable: the question's
//! content words are searched in the full-text index, its tone (complaints or praise) is the
//! sentiment signal, a theme is the posts sharing a word, and every quote is a post's own
//! sentence (see [`canyu_text::themes`]).

use crate::App;
use crate::accounts::Auth;
use crate::error::AppResult;
use crate::policy::require_insights;
use canyu_core::{ErrorCode, Millis};
use canyu_text::SearchQuery;
use canyu_text::sentiment::positive_probability;
use canyu_text::themes::{ThemeDoc, Tone, parse_question, quote, themes};
use serde::Serialize;

/// Posts grouped per answer: the best matches by relevance. Bounds the answer's time at a
/// million posts; `matched` still counts every match.
pub const POSTS_READ: usize = 500;
/// Themes named per answer (the rest of the posts are "其他").
pub const THEMES: usize = 6;
/// Quotes per theme.
const QUOTES: usize = 3;
/// A quote is cut to about this many characters around its word.
const QUOTE_CHARS: usize = 90;
/// Weeks in each theme's trend, this week last.
pub const TREND_WEEKS: i64 = 12;
/// A question with no content word ("有什么抱怨？") reads the posts of this many days.
const RECENT_DAYS: i64 = 14;
/// Question length, in characters.
const QUESTION_CHARS: std::ops::RangeInclusive<usize> = 2..=100;

/// An answer, as the API and the page show it.
#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub question: String,
    /// The words searched for (the question without its question words).
    pub terms: Vec<String>,
    /// `negative` for complaints, `positive` for praise, absent for anything.
    pub tone: Option<&'static str>,
    /// The product's slug when the question was asked of one.
    pub product: Option<String>,
    /// Posts matching the words (all of them, before the tone filter).
    pub matched: usize,
    /// Posts grouped into themes: the best matches, of the asked tone.
    pub grouped: usize,
    /// The Monday (`YYYY-MM-DD`, site time) of each week of a theme's trend.
    pub weeks: Vec<String>,
    pub themes: Vec<AnswerTheme>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnswerTheme {
    /// The words that define it; empty for the remainder ("其他").
    pub keywords: Vec<String>,
    pub posts: usize,
    /// Votes on its posts.
    pub votes: i64,
    /// Its posts written in each of [`Answer::weeks`].
    pub trend: Vec<i64>,
    pub quotes: Vec<AnswerQuote>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnswerQuote {
    pub post_id: i64,
    pub title: String,
    /// The post's sentence that says the theme's word, cut around it.
    pub quote: String,
    pub votes: i64,
    pub created_at: Millis,
}

/// One post as the answer reads it.
struct Found {
    id: i64,
    title: String,
    body: String,
    votes: i64,
    created_at: Millis,
}

/// Answers `question` from the feedback of one product (by slug) or all, for staff.
pub async fn ask(app: &App, auth: &Auth, question: &str, product: Option<&str>) -> AppResult<Answer> {
    require_insights(auth)?;
    let question = question.trim();
    if !QUESTION_CHARS.contains(&question.chars().count()) {
        return Err(ErrorCode::InvalidQuestion.into());
    }
    let product = match product.map(str::trim).filter(|s| !s.is_empty()) {
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?),
        None => None,
    };
    let product_id = product.as_ref().map(|p| p.id);
    let parsed = parse_question(question);
    if parsed.terms.is_empty() && parsed.tone.is_none() {
        return Err(ErrorCode::InvalidQuestion.into());
    }
    let now = app.now();
    let (matched, posts) = if parsed.terms.is_empty() {
        let since = now - RECENT_DAYS * 86_400_000;
        let rows = app.store.posts_written_between(product_id, since, now + 1, POSTS_READ as i64 * 4).await?;
        let found: Vec<Found> = rows
            .into_iter()
            .map(|p| Found {
                id: p.id,
                title: p.title,
                body: p.body,
                votes: p.votes,
                created_at: p.created_at,
            })
            .collect();
        (found.len(), found)
    } else {
        let index = app.search.clone();
        let text = parsed.search_text();
        // Every word first; if that finds nothing, any of them (as the board's search does).
        let (total, ids) = tokio::task::spawn_blocking(move || {
            let cap = POSTS_READ * 2;
            let all = SearchQuery { text: &text, product_id, limit: 0, offset: 0, any: false };
            let (total, ids, words) = index.matching_ids(&all, cap)?;
            if total == 0 && words > 1 {
                let (total, ids, _) = index.matching_ids(&SearchQuery { any: true, ..all }, cap)?;
                return Ok::<_, canyu_text::TextError>((total, ids));
            }
            Ok((total, ids))
        })
        .await??;
        let found: Vec<Found> = app
            .store
            .posts_by_ids(&ids)
            .await?
            .into_iter()
            .filter(|p| p.is_listed() && !p.beta)
            .map(|p| Found {
                id: p.id,
                title: p.title,
                body: p.body,
                votes: p.votes,
                created_at: p.created_at,
            })
            .collect();
        (total, found)
    };
    let tone = parsed.tone;
    let zone = app.config.time_zone.clone();
    let this_week = zone.week_of(now);
    let weeks: Vec<Millis> =
        (0..TREND_WEEKS).map(|k| zone.weeks_after(this_week, k - TREND_WEEKS + 1)).collect();
    let terms = parsed.terms.clone();
    let answer_themes = tokio::task::spawn_blocking(move || {
        let kept: Vec<Found> = posts
            .into_iter()
            .filter(|p| {
                let positive = || positive_probability(&format!("{}\n{}", p.title, p.body));
                match tone {
                    None => true,
                    Some(Tone::Negative) => positive() < super::digest::NEGATIVE_BELOW,
                    Some(Tone::Positive) => positive() >= super::digest::NEGATIVE_BELOW,
                }
            })
            .take(POSTS_READ)
            .collect();
        let docs: Vec<ThemeDoc> = kept
            .iter()
            .map(|p| ThemeDoc { title: &p.title, body: &p.body, weight: p.votes as f64 + 1.0 })
            .collect();
        let grouped = themes(&docs, &terms, THEMES)
            .into_iter()
            .map(|theme| {
                let mut trend = vec![0; weeks.len()];
                for &i in &theme.members {
                    let at = kept[i].created_at;
                    if let Some(w) = weeks.iter().rposition(|&start| at >= start) {
                        trend[w] += 1;
                    }
                }
                // The remainder's quotes say the question's words.
                let words = if theme.keywords.is_empty() { &terms } else { &theme.keywords };
                let quotes = theme
                    .representatives
                    .iter()
                    .take(QUOTES)
                    .map(|&i| {
                        let p = &kept[i];
                        AnswerQuote {
                            post_id: p.id,
                            title: p.title.clone(),
                            quote: quote(&p.title, &p.body, words, QUOTE_CHARS),
                            votes: p.votes,
                            created_at: p.created_at,
                        }
                    })
                    .collect();
                AnswerTheme {
                    keywords: theme.keywords,
                    posts: theme.members.len(),
                    votes: theme.members.iter().map(|&i| kept[i].votes).sum(),
                    trend,
                    quotes,
                }
            })
            .collect::<Vec<_>>();
        (kept.len(), grouped)
    })
    .await?;
    let (grouped, answer_themes) = answer_themes;
    Ok(Answer {
        question: question.to_string(),
        terms: parsed.terms,
        tone: parsed.tone.map(|t| match t {
            Tone::Negative => "negative",
            Tone::Positive => "positive",
        }),
        product: product.map(|p| p.slug),
        matched,
        grouped,
        weeks: (0..TREND_WEEKS)
            .map(|k| zone.date(zone.weeks_after(this_week, k - TREND_WEEKS + 1)))
            .collect(),
        themes: answer_themes,
    })
}
