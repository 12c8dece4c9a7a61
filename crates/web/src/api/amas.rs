//! Ask-me-anything sessions: scheduling (staff), questions and votes (fans), answers, merges,
//! hiding and questions turned into posts (the host and staff), and the live stream.

use crate::api::views::{ErrorBody, VotesView};
use crate::auth::{MaybeAuth, RequireAuth};
use crate::error::{ApiJson, WebResult};
use crate::markdown;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::amas::{self, AmaInput, AmaView as Session};
use canyu_app::model::AmaQuestion;
use canyu_core::ErrorCode;
use canyu_core::time::Zone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AmaView {
    pub id: i64,
    pub title: String,
    /// Markdown as written, and sanitised HTML.
    pub description: String,
    pub description_html: String,
    pub host: String,
    /// The host's verified title, when the host is an official account.
    pub host_title: Option<String>,
    /// In the site's time zone (RFC 3339).
    pub questions_open_at: String,
    pub starts_at: String,
    pub ends_at: String,
    /// `upcoming` (questions not open), `collecting` (questions open), `live` or `ended`.
    pub phase: String,
    /// Questions fans see, and how many were answered.
    pub questions: i64,
    pub answered: i64,
    /// Whether the caller runs the session (its host, or staff).
    pub can_run: bool,
    pub url: String,
}

impl AmaView {
    pub fn new(s: &Session, zone: &Zone) -> Self {
        let a = &s.ama;
        AmaView {
            id: a.id,
            title: a.title.clone(),
            description: a.description.clone(),
            description_html: markdown::render(&a.description),
            host: a.host_handle.clone(),
            host_title: a.host_title.clone(),
            questions_open_at: zone.rfc3339(a.schedule.questions_open_at),
            starts_at: zone.rfc3339(a.schedule.starts_at),
            ends_at: zone.rfc3339(a.schedule.ends_at),
            phase: s.phase.as_str().into(),
            questions: a.questions,
            answered: a.answered,
            can_run: s.can_run,
            url: format!("/amas/{}", a.id),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AmaListView {
    /// Live and coming sessions, soonest first.
    pub current: Vec<AmaView>,
    /// Sessions over, latest first.
    pub past: Vec<AmaView>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionView {
    pub id: i64,
    pub body: String,
    pub author: String,
    pub author_title: Option<String>,
    pub votes: i64,
    /// `open`, `answered`, `hidden` (seen by the host and staff only) or `merged`.
    pub status: String,
    /// The question this one was merged into.
    pub merged_into: Option<i64>,
    /// Whether the caller voted for it; absent for anonymous callers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    /// The answer as written (Markdown) and as sanitised HTML, who answered and when.
    pub answer: Option<String>,
    pub answer_html: Option<String>,
    pub answered_by: Option<String>,
    pub answered_at: Option<String>,
    /// The feedback post the question became.
    pub post_id: Option<i64>,
    pub created_at: String,
}

impl QuestionView {
    pub fn new(q: &AmaQuestion, voted: Option<bool>, zone: &Zone) -> Self {
        QuestionView {
            id: q.id,
            body: q.body.clone(),
            author: q.author_handle.clone(),
            author_title: q.author_title.clone(),
            votes: q.votes,
            status: q.status.as_str().into(),
            merged_into: q.merged_into,
            voted,
            answer: q.answer.clone(),
            answer_html: q.answer.as_deref().map(markdown::render),
            answered_by: q.answered_by_handle.clone(),
            answered_at: q.answered_at.map(|t| zone.rfc3339(t)),
            post_id: q.post_id,
            created_at: zone.rfc3339(q.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuestionPageView {
    pub items: Vec<QuestionView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

fn ama_id(raw: &str) -> Result<i64, crate::error::WebError> {
    crate::api::path_id(raw, ErrorCode::AmaNotFound)
}

fn question_id(raw: &str) -> Result<i64, crate::error::WebError> {
    crate::api::path_id(raw, ErrorCode::AmaQuestionNotFound)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAmaRequest {
    /// 2–60 characters.
    #[schema(min_length = 2, max_length = 60)]
    pub title: String,
    /// Markdown, up to 2,000 characters.
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// The host's handle: the host (and staff) answer.
    pub host: String,
    /// RFC 3339, or a wall-clock time (`2026-12-12T20:00`) in the site's time zone. Questions
    /// open no later than the start, at most 30 days before.
    pub questions_open_at: String,
    pub starts_at: String,
    /// A minute to a day after the start.
    pub ends_at: String,
}

/// Schedules an AMA (staff).
#[utoipa::path(post, path = "/amas", operation_id = "createAma", security(("bearer" = [])), tag = "amas", request_body = NewAmaRequest,
    responses((status = 201, description = "Created", body = AmaView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Staff only", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    ApiJson(req): ApiJson<NewAmaRequest>,
) -> WebResult<(StatusCode, Json<AmaView>)> {
    let session = amas::create(
        &state,
        &auth,
        AmaInput {
            title: &req.title,
            description: req.description.as_deref().unwrap_or(""),
            host: &req.host,
            questions_open_at: &req.questions_open_at,
            starts_at: &req.starts_at,
            ends_at: &req.ends_at,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(AmaView::new(&session, &state.config().time_zone))))
}

/// The sessions: live and coming, and past.
#[utoipa::path(get, path = "/amas", operation_id = "listAmas", security((), ("bearer" = [])), tag = "amas",
    responses((status = 200, description = "OK", body = AmaListView)))]
pub async fn list(State(state): State<AppState>, MaybeAuth(auth): MaybeAuth) -> WebResult<Json<AmaListView>> {
    let (current, past) = amas::list(&state, auth.as_ref()).await?;
    let zone = &state.config().time_zone;
    Ok(Json(AmaListView {
        current: current.iter().map(|s| AmaView::new(s, zone)).collect(),
        past: past.iter().map(|s| AmaView::new(s, zone)).collect(),
    }))
}

/// One session.
#[utoipa::path(get, path = "/amas/{id}", operation_id = "getAma", security((), ("bearer" = [])), tag = "amas", params(("id" = i64, Path)),
    responses((status = 200, description = "OK", body = AmaView), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
) -> WebResult<Json<AmaView>> {
    let session = amas::show(&state, auth.as_ref(), ama_id(&id)?).await?;
    Ok(Json(AmaView::new(&session, &state.config().time_zone)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuestionParams {
    /// `top` (most votes first, the default), `new` (newest first) or `answered` (the
    /// transcript: answered questions in the order they were answered).
    #[param(value_type = Option<String>)]
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1–100, default 30.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// A session's questions. Hidden questions are listed only for the host and staff; merged
/// ones never (their votes are their target's).
#[utoipa::path(get, path = "/amas/{id}/questions", operation_id = "listAmaQuestions", security((), ("bearer" = [])), tag = "amas", params(("id" = i64, Path), QuestionParams),
    responses((status = 200, description = "OK", body = QuestionPageView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn questions(
    State(state): State<AppState>,
    MaybeAuth(auth): MaybeAuth,
    Path(id): Path<String>,
    Query(params): Query<QuestionParams>,
) -> WebResult<Json<QuestionPageView>> {
    let limit = match params.limit.as_deref().filter(|l| !l.is_empty()) {
        None => 30,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=amas::MAX_PAGE).contains(l))
            .ok_or(ErrorCode::InvalidLimit)?,
    };
    let page = amas::questions(
        &state,
        auth.as_ref(),
        ama_id(&id)?,
        params.sort.as_deref().unwrap_or(""),
        params.cursor.as_deref(),
        limit,
    )
    .await?;
    let zone = &state.config().time_zone;
    let items = page
        .items
        .iter()
        .map(|q| QuestionView::new(q, auth.as_ref().map(|_| page.voted.contains(&q.id)), zone))
        .collect();
    Ok(Json(QuestionPageView { items, next_cursor: page.next_cursor }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestionRequest {
    /// 5–300 characters.
    #[schema(min_length = 5, max_length = 300)]
    pub body: String,
}

/// Asks a question while the session takes them (from `questions_open_at` to `ends_at`); at
/// most five per fan per session.
#[utoipa::path(post, path = "/amas/{id}/questions", operation_id = "askAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path)), request_body = NewQuestionRequest,
    responses((status = 201, description = "Asked", body = QuestionView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Not taking questions, or the caller asked five", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody), (status = 429, description = "Too many questions", body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<NewQuestionRequest>,
) -> WebResult<(StatusCode, Json<QuestionView>)> {
    let q = amas::ask(&state, &auth, ama_id(&id)?, &req.body).await?;
    Ok((StatusCode::CREATED, Json(QuestionView::new(&q, Some(false), &state.config().time_zone))))
}

#[derive(Deserialize)]
pub struct QuestionPath {
    pub id: String,
    pub qid: String,
}

impl QuestionPath {
    fn ids(&self) -> Result<(i64, i64), crate::error::WebError> {
        Ok((ama_id(&self.id)?, question_id(&self.qid)?))
    }
}

/// Votes for a question (idempotent; one vote per fan, never for one's own).
#[utoipa::path(put, path = "/amas/{id}/questions/{qid}/vote", operation_id = "voteAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)),
    responses((status = 200, description = "OK", body = VotesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Not taking votes, or the question was merged", body = ErrorBody), (status = 422, description = "The caller's own question", body = ErrorBody), (status = 429, description = "Too many votes", body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
) -> WebResult<Json<VotesView>> {
    let (id, qid) = p.ids()?;
    let outcome = amas::vote(&state, &auth, id, qid).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: true }))
}

/// Takes the caller's vote back (idempotent).
#[utoipa::path(delete, path = "/amas/{id}/questions/{qid}/vote", operation_id = "unvoteAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)),
    responses((status = 200, description = "OK", body = VotesView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Not taking votes, or the question was merged", body = ErrorBody), (status = 429, description = "Too many votes", body = ErrorBody)))]
pub async fn unvote(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
) -> WebResult<Json<VotesView>> {
    let (id, qid) = p.ids()?;
    let outcome = amas::unvote(&state, &auth, id, qid).await?;
    Ok(Json(VotesView { votes: outcome.votes, voted: false }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// Markdown, 1–5,000 characters. Answering again rewrites the answer.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// Answers a question (the host and staff; 403 `not_ama_host` for anyone else). The asker and
/// its voters are told once; the live page shows it at once.
#[utoipa::path(post, path = "/amas/{id}/questions/{qid}/answer", operation_id = "answerAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)), request_body = AnswerRequest,
    responses((status = 200, description = "Answered", body = QuestionView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Not the host or staff", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "The question was merged", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> WebResult<Json<QuestionView>> {
    let (id, qid) = p.ids()?;
    let q = amas::answer(&state, &auth, id, qid, &req.body).await?;
    Ok(Json(QuestionView::new(&q, None, &state.config().time_zone)))
}

/// Hides an off-topic question from fans (the host and staff).
#[utoipa::path(put, path = "/amas/{id}/questions/{qid}/hidden", operation_id = "hideAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)),
    responses((status = 200, description = "Hidden", body = QuestionView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Not the host or staff", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn hide(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
) -> WebResult<Json<QuestionView>> {
    let (id, qid) = p.ids()?;
    let q = amas::set_hidden(&state, &auth, id, qid, true).await?;
    Ok(Json(QuestionView::new(&q, None, &state.config().time_zone)))
}

/// Shows a hidden question again (the host and staff).
#[utoipa::path(delete, path = "/amas/{id}/questions/{qid}/hidden", operation_id = "unhideAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)),
    responses((status = 200, description = "Shown", body = QuestionView), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Not the host or staff", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn unhide(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
) -> WebResult<Json<QuestionView>> {
    let (id, qid) = p.ids()?;
    let q = amas::set_hidden(&state, &auth, id, qid, false).await?;
    Ok(Json(QuestionView::new(&q, None, &state.config().time_zone)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeQuestionRequest {
    /// The question of the same session this one duplicates.
    pub into: i64,
}

/// Merges an unanswered duplicate into another question of the session (the host and staff):
/// its asker and voters count for the target, once each. Returns the target.
#[utoipa::path(post, path = "/amas/{id}/questions/{qid}/merge", operation_id = "mergeAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)), request_body = MergeQuestionRequest,
    responses((status = 200, description = "Merged; the target", body = QuestionView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Not the host or staff", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn merge(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
    ApiJson(req): ApiJson<MergeQuestionRequest>,
) -> WebResult<Json<QuestionView>> {
    let (id, qid) = p.ids()?;
    let q = amas::merge(&state, &auth, id, qid, req.into).await?;
    Ok(Json(QuestionView::new(&q, None, &state.config().time_zone)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionToPostRequest {
    /// The product whose board gets the post (its slug).
    pub product: String,
    /// `idea` (default), `bug` or `question`.
    pub kind: Option<String>,
}

/// Turns a question that is really feedback into a post on a product's board, by its asker,
/// carrying its votes (the host and staff; once per question). Returns the post.
#[utoipa::path(post, path = "/amas/{id}/questions/{qid}/post", operation_id = "postAmaQuestion", security(("bearer" = [])), tag = "amas", params(("id" = i64, Path), ("qid" = i64, Path)), request_body = QuestionToPostRequest,
    responses((status = 201, description = "Posted", body = crate::api::views::PostView), (status = 400, description = "Malformed request", body = ErrorBody), (status = 401, description = "Not signed in, or the credentials are invalid", body = ErrorBody), (status = 403, description = "Not the host or staff", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Already posted, or merged", body = ErrorBody), (status = 415, description = "Not JSON", body = ErrorBody), (status = 422, description = "Invalid input; `code` says which rule", body = ErrorBody)))]
pub async fn to_post(
    State(state): State<AppState>,
    RequireAuth(auth): RequireAuth,
    Path(p): Path<QuestionPath>,
    ApiJson(req): ApiJson<QuestionToPostRequest>,
) -> WebResult<(StatusCode, Json<crate::api::views::PostView>)> {
    let (id, qid) = p.ids()?;
    let post = amas::to_post(&state, &auth, id, qid, &req.product, req.kind.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(crate::api::views::PostView::new(&post, Some(false)))))
}

/// The session's live page as server-sent events: an `event: snapshot` whenever something
/// changed (checked every second, at once after an answer on the serving node), `data:` a
/// JSON object — `at` (ms), `phase`, `questions`, `answered`, `votes`, `top` (the 30 questions
/// with most votes: `id`, `body`, `votes`, `status`, `author`, `author_title`, `answered_at`)
/// and `answers` (the 10 answered last, newest first, each also with `answer` in Markdown and
/// `answered_by`). Hidden questions never appear.
#[utoipa::path(get, path = "/amas/{id}/live", operation_id = "streamAmaLive", security((), ("bearer" = [])), tag = "amas", params(("id" = i64, Path)),
    responses((status = 200, content_type = "text/event-stream", description = "Snapshots as server-sent events"), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn live(State(state): State<AppState>, Path(id): Path<String>) -> WebResult<Response> {
    let id = ama_id(&id)?;
    amas::show(&state, None, id).await?;
    let rx = state.ama_live().subscribe(&state, id);
    Ok(crate::api::event_stream(rx))
}
