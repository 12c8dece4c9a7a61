//! Ask-me-anything sessions (AMA, issue #27): staff schedule a session with a host (the
//! founder, an engineer); fans ask and vote while questions are open; the host and staff
//! answer from the top, merge duplicates and hide off-topic questions; a live page shows the
//! answers as they come ([`live`]); afterwards the page is the transcript. A question that is
//! really feedback becomes a post on the board, carrying its votes.

pub mod live;

use crate::App;
use crate::accounts::Auth;
use crate::board::index_post;
use crate::error::AppResult;
use crate::policy;
use crate::ratelimit::limit;
use canyu_core::ama::{
    self, AmaTitle, AnswerBody, Phase, QUESTIONS_PER_FAN, QuestionBody, QuestionCursor, QuestionSort,
    QuestionStatus, Schedule,
};
use canyu_core::post::TITLE_MAX_CHARS;
use canyu_core::{Body, ErrorCode, PostKind, Role};
use canyu_store::{Ama, AmaQuestion, NewAma, NewPost, Post};
use serde_json::json;

/// Questions one fan may send per minute across sessions (the per-session cap is the core's).
const QUESTIONS_PER_MINUTE: u32 = 10;
/// The most questions one page carries.
pub const MAX_PAGE: i64 = 100;
/// Sessions listed on the AMA page, each way.
const LISTED: i64 = 50;
/// How much of a question an answer's inbox line quotes.
const EXCERPT_CHARS: usize = 40;

pub struct AmaInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// The host's handle.
    pub host: &'a str,
    /// RFC 3339, or a wall-clock time (what a `datetime-local` input sends) in the site's zone.
    pub questions_open_at: &'a str,
    pub starts_at: &'a str,
    pub ends_at: &'a str,
}

fn time(app: &App, raw: &str) -> AppResult<canyu_core::Millis> {
    canyu_core::time::parse_rfc3339(raw)
        .or_else(|| app.config.time_zone.parse_local(raw))
        .ok_or_else(|| ErrorCode::InvalidTime.into())
}

/// A session as the caller sees it: its phase now, and whether the caller runs it.
#[derive(Clone, Debug)]
pub struct AmaView {
    pub ama: Ama,
    pub phase: Phase,
    pub can_run: bool,
}

/// A page of questions, with which of them the caller voted for.
#[derive(Clone, Debug)]
pub struct QuestionPage {
    pub items: Vec<AmaQuestion>,
    pub voted: Vec<i64>,
    pub next_cursor: Option<String>,
}

/// Schedules a session. Staff only; the host may be anyone with an account.
pub async fn create(app: &App, auth: &Auth, input: AmaInput<'_>) -> AppResult<AmaView> {
    policy::require_role(auth, Role::Staff)?;
    let title = AmaTitle::parse(input.title)?;
    let description = ama::parse_description(input.description)?;
    let schedule = Schedule::new(
        time(app, input.questions_open_at)?,
        time(app, input.starts_at)?,
        time(app, input.ends_at)?,
    )?;
    let host = app.store.user_by_handle(input.host.trim()).await?.ok_or(ErrorCode::InvalidAmaHost)?;
    let id = app
        .store
        .create_ama(NewAma {
            title: title.as_str(),
            description: &description,
            host_id: host.user.id,
            schedule,
            created_by: auth.user.id,
            now: app.now(),
        })
        .await?;
    tracing::info!(ama = id, host = host.user.id, by = auth.user.id, "AMA scheduled");
    show(app, Some(auth), id).await
}

fn view(app: &App, viewer: Option<&Auth>, ama: Ama) -> AmaView {
    AmaView {
        phase: ama.schedule.phase(app.now()),
        can_run: viewer.is_some_and(|a| policy::can_run_ama(a, ama.host_id)),
        ama,
    }
}

pub async fn show(app: &App, viewer: Option<&Auth>, id: i64) -> AppResult<AmaView> {
    let ama = app.store.ama(id).await?.ok_or(ErrorCode::AmaNotFound)?;
    Ok(view(app, viewer, ama))
}

/// Sessions live or coming (soonest first), and past ones (latest first).
pub async fn list(app: &App, viewer: Option<&Auth>) -> AppResult<(Vec<AmaView>, Vec<AmaView>)> {
    let now = app.now();
    let current = app.store.amas(now, true, LISTED).await?;
    let past = app.store.amas(now, false, LISTED).await?;
    let views = |list: Vec<Ama>| list.into_iter().map(|a| view(app, viewer, a)).collect::<Vec<_>>();
    Ok((views(current), views(past)))
}

/// A question of session `ama_id` that the caller may see: hidden ones only to whoever runs
/// the session; merged ones are reported as merged.
async fn question_of(
    app: &App,
    viewer: Option<&Auth>,
    ama: &Ama,
    question_id: i64,
) -> AppResult<AmaQuestion> {
    let q = app.store.ama_question(question_id).await?.filter(|q| q.ama_id == ama.id);
    let q = q.ok_or(ErrorCode::AmaQuestionNotFound)?;
    let runs = viewer.is_some_and(|a| policy::can_run_ama(a, ama.host_id));
    if q.status == QuestionStatus::Hidden && !runs {
        return Err(ErrorCode::AmaQuestionNotFound.into());
    }
    Ok(q)
}

/// One question, as the caller may see it.
pub async fn question(
    app: &App,
    viewer: Option<&Auth>,
    ama_id: i64,
    question_id: i64,
) -> AppResult<AmaQuestion> {
    let ama = show(app, viewer, ama_id).await?.ama;
    question_of(app, viewer, &ama, question_id).await
}

/// Questions fans see, answered ones, and the votes cast, in a session.
pub async fn totals(app: &App, ama_id: i64) -> AppResult<(i64, i64, i64)> {
    Ok(app.store.ama_totals(ama_id).await?)
}

/// Asks a question: while questions are open, at most five standing in a session.
pub async fn ask(app: &App, auth: &Auth, ama_id: i64, body: &str) -> AppResult<AmaQuestion> {
    let body = QuestionBody::parse(body)?;
    let session = show(app, Some(auth), ama_id).await?;
    if !session.phase.takes_questions() {
        return Err(ErrorCode::AmaNotOpen.into());
    }
    limit(app, format!("ama-ask:{}", auth.user.id), QUESTIONS_PER_MINUTE)?;
    // No wake for a question: a flood of them must not turn into a frame each; the next tick
    // shows it (answers, hides and merges, which are rare and awaited, wake the page).
    let id =
        app.store.ask_ama_question(ama_id, auth.user.id, body.as_str(), QUESTIONS_PER_FAN, app.now()).await?;
    Ok(app.store.ama_question(id).await?.ok_or(ErrorCode::AmaQuestionNotFound)?)
}

/// A page of questions in `sort` order; whoever runs the session also sees hidden ones.
pub async fn questions(
    app: &App,
    viewer: Option<&Auth>,
    ama_id: i64,
    sort: &str,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<QuestionPage> {
    let sort = QuestionSort::parse(sort)?;
    let cursor = cursor.filter(|c| !c.is_empty()).map(QuestionCursor::parse).transpose()?;
    let session = show(app, viewer, ama_id).await?;
    let limit = limit.clamp(1, MAX_PAGE);
    let mut items = app.store.ama_questions(ama_id, sort, cursor, session.can_run, limit + 1).await?;
    let more = items.len() as i64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = more.then(|| items.last().map(|q| q.cursor(sort).to_string())).flatten();
    let voted = match viewer {
        Some(a) => {
            let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
            app.store.ama_voted_among(a.user.id, &ids).await?
        }
        None => Vec::new(),
    };
    Ok(QuestionPage { items, voted, next_cursor })
}

/// The question a fan votes on: in a session taking questions, one fans see.
async fn votable(app: &App, auth: &Auth, ama_id: i64, question_id: i64) -> AppResult<()> {
    limit(app, format!("vote:{}", auth.user.id), app.config.writes_per_minute)?;
    let session = show(app, Some(auth), ama_id).await?;
    question_of(app, None, &session.ama, question_id).await?;
    if !session.phase.takes_questions() {
        return Err(ErrorCode::AmaNotOpen.into());
    }
    Ok(())
}

pub async fn vote(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
) -> AppResult<canyu_store::VoteOutcome> {
    votable(app, auth, ama_id, question_id).await?;
    Ok(app.store.vote_ama_question(question_id, auth.user.id, app.now()).await?)
}

pub async fn unvote(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
) -> AppResult<canyu_store::VoteOutcome> {
    votable(app, auth, ama_id, question_id).await?;
    Ok(app.store.unvote_ama_question(question_id, auth.user.id).await?)
}

/// The session the caller runs (its host, or staff), or `not_ama_host`.
async fn run(app: &App, auth: &Auth, ama_id: i64) -> AppResult<Ama> {
    let ama = show(app, Some(auth), ama_id).await?;
    if !ama.can_run {
        return Err(ErrorCode::NotAmaHost.into());
    }
    Ok(ama.ama)
}

fn excerpt(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= EXCERPT_CHARS {
        line
    } else {
        line.chars().take(EXCERPT_CHARS).collect::<String>() + "…"
    }
}

/// Answers (or rewrites the answer to) a question; the asker and its voters hear of it once,
/// and viewers of the live page see it at once rather than at the next tick.
pub async fn answer(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
    body: &str,
) -> AppResult<AmaQuestion> {
    let ama = run(app, auth, ama_id).await?;
    let body = AnswerBody::parse(body)?;
    let q = question_of(app, Some(auth), &ama, question_id).await?;
    let notice = json!({
        "ama": ama.id, "title": ama.title, "question": q.id, "excerpt": excerpt(&q.body),
        "host": ama.host_handle,
    });
    app.store.answer_ama_question(q.id, body.as_str(), auth.user.id, &notice, app.now()).await?;
    app.ama_live.wake(ama_id);
    tracing::info!(ama = ama_id, question = q.id, by = auth.user.id, "AMA question answered");
    question_of(app, Some(auth), &ama, q.id).await
}

/// Hides an off-topic question from fans, or shows it again.
pub async fn set_hidden(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
    hidden: bool,
) -> AppResult<AmaQuestion> {
    let ama = run(app, auth, ama_id).await?;
    let q = question_of(app, Some(auth), &ama, question_id).await?;
    app.store.set_ama_question_hidden(q.id, hidden).await?;
    app.ama_live.wake(ama_id);
    question_of(app, Some(auth), &ama, q.id).await
}

/// Merges a duplicate question into `into`: its asker and voters now count for `into`.
pub async fn merge(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
    into: i64,
) -> AppResult<AmaQuestion> {
    let ama = run(app, auth, ama_id).await?;
    question_of(app, Some(auth), &ama, question_id).await?;
    // The store refuses a target of another session, a merged one, and a missing one.
    let (moved, votes) = app.store.merge_ama_question(question_id, into, app.now()).await?;
    app.ama_live.wake(ama_id);
    tracing::info!(ama = ama_id, question = question_id, into, moved, votes, "AMA questions merged");
    question_of(app, Some(auth), &ama, into).await
}

/// Turns a question that is really feedback into a post on `product`'s board, by its asker,
/// carrying its votes. Once per question.
pub async fn to_post(
    app: &App,
    auth: &Auth,
    ama_id: i64,
    question_id: i64,
    product: &str,
    kind: &str,
) -> AppResult<Post> {
    let ama = run(app, auth, ama_id).await?;
    let q = question_of(app, Some(auth), &ama, question_id).await?;
    if q.status == QuestionStatus::Merged {
        return Err(ErrorCode::AmaQuestionMerged.into());
    }
    let kind = PostKind::parse(if kind.is_empty() { "idea" } else { kind })?;
    let product = app.store.product_by_slug(product.trim()).await?.ok_or(ErrorCode::UnknownProduct)?;
    if q.post_id.is_some() || !app.store.claim_ama_question_for_post(q.id, auth.user.id).await? {
        return Err(ErrorCode::AmaQuestionPosted.into());
    }
    let title = ama::post_title_of(&q.body, TITLE_MAX_CHARS);
    let made = async {
        let title = canyu_core::Title::parse(&title)?;
        let body = Body::parse(&format!("{}\n\n（来自 AMA「{}」 /amas/{}）", q.body, ama.title, ama.id))?;
        let post = app
            .store
            .create_post(NewPost {
                product_id: product.id,
                author_id: q.author_id,
                kind,
                title: title.as_str(),
                body: body.as_str(),
                tags: &[],
                beta: false,
                created_at: app.now(),
            })
            .await?;
        AppResult::Ok(post)
    }
    .await;
    let post = match made {
        Ok(post) => post,
        Err(e) => {
            app.store.release_ama_question_claim(q.id).await?;
            return Err(e);
        }
    };
    app.store.link_ama_question_post(q.id, post.id, q.author_id, app.now()).await?;
    let post = app.store.post(post.id).await?.ok_or(ErrorCode::PostNotFound)?;
    index_post(app, &post).await;
    app.cache.invalidate();
    tracing::info!(ama = ama_id, question = q.id, post = post.id, votes = post.votes, "AMA question posted");
    Ok(post)
}

#[cfg(test)]
mod tests {
    #[test]
    fn inbox_lines_quote_a_short_question() {
        assert_eq!(super::excerpt("冬天 \n 续航"), "冬天 续航");
        assert_eq!(super::excerpt(&"问".repeat(50)).chars().count(), 41);
    }
}
