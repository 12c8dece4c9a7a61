//! AMAs on pages: `/amas` (live and coming sessions, past ones, and staff's form to schedule
//! one) and `/amas/{id}` — phone first: the question box, vote buttons, the top questions and
//! the answers as they arrive (the live stream, through `app.js`), then the transcript once it
//! is over. The host and staff answer, hide, merge and post from the same page.

use super::i18n::T;
use super::{Cx, Layout, see_other, url, user_url};
use crate::error::WebResult;
use crate::markdown;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use canyu_app::amas::{self, AmaInput, AmaView};
use canyu_app::model::AmaQuestion;
use canyu_core::ama::{Phase, QuestionStatus};
use canyu_core::{ErrorCode, Locale, Role};
use serde::Deserialize;

/// The words of these pages.
pub struct AmaText {
    pub title: &'static str,
    pub intro: &'static str,
    pub current: &'static str,
    pub past: &'static str,
    pub empty: &'static str,
    pub upcoming: &'static str,
    pub collecting: &'static str,
    pub live: &'static str,
    pub ended: &'static str,
    pub host: &'static str,
    pub questions_open: &'static str,
    pub session: &'static str,
    pub counts: &'static str,
    pub ask_label: &'static str,
    pub ask_hint: &'static str,
    pub ask: &'static str,
    pub asked: &'static str,
    pub sign_in_to_ask: &'static str,
    pub not_open_yet: &'static str,
    pub closed: &'static str,
    pub top: &'static str,
    pub newest: &'static str,
    pub answered_tab: &'static str,
    pub no_questions: &'static str,
    pub no_answers: &'static str,
    pub vote: &'static str,
    pub voted: &'static str,
    pub votes: &'static str,
    pub own: &'static str,
    pub answered: &'static str,
    pub answered_by: &'static str,
    pub hidden: &'static str,
    pub just_answered: &'static str,
    pub transcript: &'static str,
    pub live_note: &'static str,
    pub more: &'static str,
    pub run: &'static str,
    pub answer: &'static str,
    pub answer_hint: &'static str,
    pub publish_answer: &'static str,
    pub hide: &'static str,
    pub unhide: &'static str,
    pub merge_into: &'static str,
    pub merge: &'static str,
    pub to_post: &'static str,
    pub product: &'static str,
    pub posted: &'static str,
    pub new_ama: &'static str,
    pub field_title: &'static str,
    pub field_description: &'static str,
    pub field_host: &'static str,
    pub field_open: &'static str,
    pub field_start: &'static str,
    pub field_end: &'static str,
    pub schedule: &'static str,
}

impl AmaText {
    pub fn of(locale: Locale) -> &'static AmaText {
        match locale {
            Locale::ZhCn => &AmaText {
                title: "问答 AMA",
                intro: "和产品背后的人直接对话：提前提问、给想听的问题投票，票数最高的问题优先回答。",
                current: "进行中和即将开始",
                past: "往期问答",
                empty: "暂时没有安排问答。",
                upcoming: "即将开放提问",
                collecting: "征集问题中",
                live: "直播回答中",
                ended: "已结束",
                host: "主持",
                questions_open: "开放提问",
                session: "回答时间",
                counts: "{q} 个问题 · {a} 个已回答",
                ask_label: "向 {host} 提问",
                ask_hint: "5–300 字，每人最多 5 个问题；票数最多的问题会被优先回答。",
                ask: "提问",
                asked: "已提交，你的问题在下面的列表里。",
                sign_in_to_ask: "登录后提问和投票",
                not_open_yet: "还没开放提问，开放时间：",
                closed: "提问已结束，下面是问答实录。",
                top: "最热",
                newest: "最新",
                answered_tab: "已回答",
                no_questions: "还没有问题，来问第一个吧。",
                no_answers: "还没有回答。",
                vote: "想听",
                voted: "已投",
                votes: "票",
                own: "我的问题",
                answered: "已回答",
                answered_by: "{host} 回答",
                hidden: "已隐藏（米粉看不到）",
                just_answered: "刚刚回答",
                transcript: "问答实录",
                live_note: "实时更新，无需刷新",
                more: "更多问题",
                run: "主持操作",
                answer: "回答",
                answer_hint: "支持 Markdown，最多 5000 字；再次提交会替换原回答。",
                publish_answer: "发布回答",
                hide: "隐藏",
                unhide: "取消隐藏",
                merge_into: "合并到问题编号",
                merge: "合并",
                to_post: "转为反馈帖",
                product: "产品",
                posted: "已转为反馈帖",
                new_ama: "安排一场 AMA",
                field_title: "标题",
                field_description: "介绍（可选，支持 Markdown）",
                field_host: "主持人用户名",
                field_open: "开放提问",
                field_start: "开始回答",
                field_end: "结束",
                schedule: "安排",
            },
            Locale::En => &AmaText {
                title: "AMA",
                intro: "Ask the people behind the products: send questions early, vote for the ones you want answered; the most voted go first.",
                current: "Live and coming",
                past: "Past sessions",
                empty: "No AMA scheduled yet.",
                upcoming: "Questions open soon",
                collecting: "Taking questions",
                live: "Answering live",
                ended: "Ended",
                host: "Host",
                questions_open: "Questions open",
                session: "Answering",
                counts: "{q} questions · {a} answered",
                ask_label: "Ask {host}",
                ask_hint: "5-300 characters, up to 5 questions each; the most voted are answered first.",
                ask: "Ask",
                asked: "Sent: your question is in the list below.",
                sign_in_to_ask: "Sign in to ask and vote",
                not_open_yet: "Questions are not open yet; they open at",
                closed: "Questions are closed; below is the transcript.",
                top: "Top",
                newest: "New",
                answered_tab: "Answered",
                no_questions: "No questions yet: ask the first.",
                no_answers: "No answers yet.",
                vote: "Want to know",
                voted: "Voted",
                votes: "votes",
                own: "Your question",
                answered: "Answered",
                answered_by: "{host} answered",
                hidden: "Hidden (fans do not see it)",
                just_answered: "Just answered",
                transcript: "Transcript",
                live_note: "Updates live, no need to reload",
                more: "More questions",
                run: "Host tools",
                answer: "Answer",
                answer_hint: "Markdown, up to 5,000 characters; answering again replaces the answer.",
                publish_answer: "Publish answer",
                hide: "Hide",
                unhide: "Show again",
                merge_into: "Merge into question number",
                merge: "Merge",
                to_post: "Turn into a feedback post",
                product: "Product",
                posted: "Turned into a post",
                new_ama: "Schedule an AMA",
                field_title: "Title",
                field_description: "Description (optional, Markdown)",
                field_host: "Host's handle",
                field_open: "Questions open",
                field_start: "Answering starts",
                field_end: "Ends",
                schedule: "Schedule",
            },
        }
    }

    fn phase(&self, phase: Phase) -> &'static str {
        match phase {
            Phase::Upcoming => self.upcoming,
            Phase::Collecting => self.collecting,
            Phase::Live => self.live,
            Phase::Ended => self.ended,
        }
    }
}

/// A session as the list and the page's header show it.
pub struct AmaSummary {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub description_html: String,
    pub host: String,
    pub host_url: String,
    pub host_title: Option<String>,
    pub phase: &'static str,
    pub phase_label: &'static str,
    pub questions_open: String,
    pub session: String,
    pub counts: String,
}

impl AmaSummary {
    fn new(cx: &Cx, a: &AmaText, s: &AmaView) -> AmaSummary {
        let x = &s.ama;
        AmaSummary {
            id: x.id,
            url: format!("/amas/{}", x.id),
            title: x.title.clone(),
            description_html: markdown::render(&x.description),
            host: x.host_handle.clone(),
            host_url: user_url(&x.host_handle),
            host_title: x.host_title.clone(),
            phase: s.phase.as_str(),
            phase_label: a.phase(s.phase),
            questions_open: cx.datetime(x.schedule.questions_open_at),
            session: cx.datetime_range(x.schedule.starts_at, x.schedule.ends_at),
            counts: a.counts.replace("{q}", &x.questions.to_string()).replace("{a}", &x.answered.to_string()),
        }
    }
}

/// A question as the page shows it.
pub struct QuestionCard {
    pub id: i64,
    pub body: String,
    pub author: String,
    pub author_url: String,
    pub author_title: Option<String>,
    pub votes: i64,
    pub voted: bool,
    pub own: bool,
    pub answered: bool,
    pub hidden: bool,
    pub answer_html: String,
    pub answered_line: String,
    pub answered_time: String,
    pub post_url: Option<String>,
    pub action: String,
}

impl QuestionCard {
    fn new(cx: &Cx, a: &AmaText, ama_id: i64, q: &AmaQuestion, voted: bool) -> QuestionCard {
        QuestionCard {
            id: q.id,
            body: q.body.clone(),
            author: q.author_handle.clone(),
            author_url: user_url(&q.author_handle),
            author_title: q.author_title.clone(),
            votes: q.votes,
            voted,
            own: cx.auth.as_ref().is_some_and(|me| me.user.id == q.author_id),
            answered: q.status == QuestionStatus::Answered,
            hidden: q.status == QuestionStatus::Hidden,
            answer_html: q.answer.as_deref().map(markdown::render).unwrap_or_default(),
            answered_line: a
                .answered_by
                .replace("{host}", q.answered_by_handle.as_deref().unwrap_or_default()),
            answered_time: q.answered_at.map(|t| cx.datetime(t)).unwrap_or_default(),
            post_url: q.post_id.map(|p| format!("/posts/{p}")),
            action: format!("/amas/{ama_id}/questions/{}", q.id),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "amas.html")]
pub struct AmasPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub a: &'static AmaText,
    pub current: Vec<AmaSummary>,
    pub past: Vec<AmaSummary>,
    pub can_schedule: bool,
}

pub async fn list(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let a = AmaText::of(cx.locale);
    let (current, past) = amas::list(&state, cx.auth.as_ref()).await?;
    Ok(cx.ok(AmasPage {
        t: cx.t,
        ctx: cx.layout("amas"),
        a,
        current: current.iter().map(|s| AmaSummary::new(&cx, a, s)).collect(),
        past: past.iter().map(|s| AmaSummary::new(&cx, a, s)).collect(),
        can_schedule: cx.role().is_some_and(|r| r >= Role::Staff),
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewAmaForm {
    pub title: String,
    pub description: String,
    pub host: String,
    pub questions_open_at: String,
    pub starts_at: String,
    pub ends_at: String,
}

pub async fn create(State(state): State<AppState>, cx: Cx, Form(f): Form<NewAmaForm>) -> WebResult<Response> {
    let auth = cx.user()?;
    let session = amas::create(
        &state,
        auth,
        AmaInput {
            title: &f.title,
            description: &f.description,
            host: &f.host,
            questions_open_at: &f.questions_open_at,
            starts_at: &f.starts_at,
            ends_at: &f.ends_at,
        },
    )
    .await?;
    Ok(see_other(&format!("/amas/{}", session.ama.id)))
}

/// A tab of the question list.
pub struct SortTab {
    pub label: &'static str,
    pub url: String,
    pub active: bool,
}

/// A product a question can be posted to.
pub struct ProductOption {
    pub slug: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ama.html")]
pub struct AmaPage {
    pub t: &'static T,
    pub ctx: Layout,
    pub a: &'static AmaText,
    pub s: AmaSummary,
    pub ask_label: String,
    pub signed_in: bool,
    pub takes_questions: bool,
    pub not_open_yet: bool,
    pub ended: bool,
    pub can_run: bool,
    pub tabs: Vec<SortTab>,
    pub sort: String,
    pub questions: Vec<QuestionCard>,
    pub answers: Vec<QuestionCard>,
    pub more_url: Option<String>,
    /// The page follows the live stream (the first page of the top list while it runs).
    pub live: bool,
    pub products: Vec<ProductOption>,
    pub total_votes: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AmaQuery {
    pub sort: String,
    pub cursor: String,
}

pub async fn show(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Query(q): Query<AmaQuery>,
) -> WebResult<Response> {
    let a = AmaText::of(cx.locale);
    let id = crate::api::path_id(&id, ErrorCode::AmaNotFound)?;
    let session = amas::show(&state, cx.auth.as_ref(), id).await?;
    let ended = session.phase == Phase::Ended;
    let sort = match q.sort.as_str() {
        "" if ended => "answered",
        "" => "top",
        other => other,
    }
    .to_string();
    let cursor = Some(q.cursor.as_str()).filter(|c| !c.is_empty());
    let page = amas::questions(&state, cx.auth.as_ref(), id, &sort, cursor, 30).await?;
    let card = |x: &AmaQuestion| QuestionCard::new(&cx, a, id, x, page.voted.contains(&x.id));
    let questions: Vec<QuestionCard> = page.items.iter().map(card).collect();
    // The answers of the live session, newest first, beside the ranking (the transcript is
    // its own tab, and the page itself once the session is over).
    let answers = if ended || sort == "answered" {
        Vec::new()
    } else {
        let latest = amas::questions(&state, cx.auth.as_ref(), id, "answered", None, 100).await?;
        latest.items.iter().rev().take(10).map(|x| QuestionCard::new(&cx, a, id, x, false)).collect()
    };
    let base = format!("/amas/{id}");
    let tabs = [("top", a.top), ("new", a.newest), ("answered", a.answered_tab)]
        .into_iter()
        .map(|(key, label)| SortTab { label, url: url(&base, &[("sort", key)]), active: sort == key })
        .collect();
    let products = if session.can_run {
        canyu_app::catalog::list_products(&state)
            .await?
            .into_iter()
            .map(|p| ProductOption { slug: p.slug, name: p.name })
            .collect()
    } else {
        Vec::new()
    };
    let (_, _, total_votes) = amas::totals(&state, id).await?;
    let s = AmaSummary::new(&cx, a, &session);
    Ok(cx.ok(AmaPage {
        t: cx.t,
        ctx: cx.layout("amas"),
        a,
        ask_label: a.ask_label.replace("{host}", &session.ama.host_handle),
        signed_in: cx.auth.is_some(),
        takes_questions: session.phase.takes_questions(),
        not_open_yet: session.phase == Phase::Upcoming,
        ended,
        can_run: session.can_run,
        live: !ended && sort == "top" && cursor.is_none(),
        more_url: page.next_cursor.map(|c| url(&base, &[("sort", &sort), ("cursor", &c)])),
        tabs,
        sort,
        questions,
        answers,
        products,
        total_votes,
        s,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuestionForm {
    pub body: String,
}

pub async fn ask(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(f): Form<QuestionForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = crate::api::path_id(&id, ErrorCode::AmaNotFound)?;
    let q = amas::ask(&state, auth, id, &f.body).await?;
    Ok(see_other(&format!("/amas/{id}?sort=new#q{}", q.id)))
}

#[derive(Deserialize)]
pub struct QuestionPath {
    pub id: String,
    pub qid: String,
}

impl QuestionPath {
    fn ids(&self) -> WebResult<(i64, i64)> {
        Ok((
            crate::api::path_id(&self.id, ErrorCode::AmaNotFound)?,
            crate::api::path_id(&self.qid, ErrorCode::AmaQuestionNotFound)?,
        ))
    }
}

fn back(id: i64, qid: i64) -> Response {
    see_other(&format!("/amas/{id}#q{qid}"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoteForm {
    /// `vote` or `unvote`.
    pub action: String,
}

pub async fn vote(
    State(state): State<AppState>,
    cx: Cx,
    Path(p): Path<QuestionPath>,
    Form(f): Form<VoteForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let (id, qid) = p.ids()?;
    if f.action == "unvote" {
        amas::unvote(&state, auth, id, qid).await?;
    } else {
        amas::vote(&state, auth, id, qid).await?;
    }
    Ok(back(id, qid))
}

pub async fn answer(
    State(state): State<AppState>,
    cx: Cx,
    Path(p): Path<QuestionPath>,
    Form(f): Form<QuestionForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let (id, qid) = p.ids()?;
    amas::answer(&state, auth, id, qid, &f.body).await?;
    Ok(back(id, qid))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ModerateForm {
    /// `hide`, `unhide`, `merge` (with `into`) or `post` (with `product`).
    pub action: String,
    pub into: String,
    pub product: String,
}

pub async fn moderate(
    State(state): State<AppState>,
    cx: Cx,
    Path(p): Path<QuestionPath>,
    Form(f): Form<ModerateForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let (id, qid) = p.ids()?;
    match f.action.as_str() {
        "hide" | "unhide" => {
            amas::set_hidden(&state, auth, id, qid, f.action == "hide").await?;
            Ok(back(id, qid))
        }
        "merge" => {
            let into = f
                .into
                .trim()
                .trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| ErrorCode::AmaMergeInvalid)?;
            let target = amas::merge(&state, auth, id, qid, into).await?;
            Ok(back(id, target.id))
        }
        "post" => {
            let post = amas::to_post(&state, auth, id, qid, &f.product, "").await?;
            Ok(see_other(&format!("/posts/{}", post.id)))
        }
        _ => Err(ErrorCode::InvalidForm.into()),
    }
}
