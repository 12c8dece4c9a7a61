//! The feedback assistant's pages (staff): `/insights/ask` (a question asked of the feedback,
//! answered with themes, trends and quotes), `/insights/digests` and `/insights/digests/{id}`
//! (the weekly digests). The answers come from `canyu_app::insights::{ask, digest}`, the same
//! as the API's.

use super::insights::{Choice, Tab, all_tabs};
use super::{Cx, Layout};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::insights::ask::{Answer, AnswerQuote};
use canyu_app::insights::digest::{Digest, DigestQuote};
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

pub struct AssistantText {
    pub title: &'static str,
    pub panels: &'static str,
    pub ask_title: &'static str,
    pub ask_hint: &'static str,
    pub question: &'static str,
    pub product: &'static str,
    pub all_products: &'static str,
    pub ask: &'static str,
    pub examples: &'static str,
    pub other: &'static str,
    pub posts_unit: &'static str,
    pub votes_unit: &'static str,
    pub trend: &'static str,
    pub no_match: &'static str,
    pub digests_title: &'static str,
    pub digests_hint: &'static str,
    pub no_digests: &'static str,
    pub week: &'static str,
    pub new_posts: &'static str,
    pub negative_share: &'static str,
    pub last_week: &'static str,
    pub rising_demands: &'static str,
    pub no_rising_demands: &'static str,
    pub fans: &'static str,
    pub new_badge: &'static str,
    pub rising_keywords: &'static str,
    pub no_rising_keywords: &'static str,
    pub keywords_hint: &'static str,
    pub made_at: &'static str,
    pub open: &'static str,
}

const ZH: AssistantText = AssistantText {
    title: "数据洞察",
    panels: "看板",
    ask_title: "问反馈",
    ask_hint: "用一句话问，例如「续航有什么抱怨？」：按问题里的词找到相关帖子，按主题归类，附上每周趋势和原话。问「抱怨、吐槽、缺点」只看负面反馈，问「好评、优点」只看正面反馈。",
    question: "问题",
    product: "产品",
    all_products: "全部产品",
    ask: "提问",
    examples: "试试",
    other: "其他",
    posts_unit: "条",
    votes_unit: "票",
    trend: "近 12 周每周帖子数",
    no_match: "没有找到相关的反馈，换个说法试试。",
    digests_title: "反馈周报",
    digests_hint: "每周一 9:00（站点时区）为上周有反馈的产品生成，发到产品负责人的站内信、邮件和团队的 Webhook（飞书、钉钉、企业微信）。",
    no_digests: "还没有周报：第一份会在下周一 9:00 生成。",
    week: "周",
    new_posts: "新反馈",
    negative_share: "负面占比",
    last_week: "上周",
    rising_demands: "上升的需求",
    no_rising_demands: "这周没有明显上升的需求。",
    fans: "位粉丝",
    new_badge: "新",
    rising_keywords: "上升的关键词",
    no_rising_keywords: "这周没有显著上升的词。",
    keywords_hint: "比上周出现在更多帖子里，且对数似然比 G² ≥ 10.83（p < 0.001）",
    made_at: "生成于",
    open: "查看",
};

const EN: AssistantText = AssistantText {
    title: "Insights",
    panels: "Panels",
    ask_title: "Ask the feedback",
    ask_hint: "Ask in a sentence, e.g. “续航有什么抱怨？” (complaints about battery life): the posts with the question's words, grouped into themes, with weekly trends and quotes. Asking for complaints reads only negative feedback; asking for praise, only positive.",
    question: "Question",
    product: "Product",
    all_products: "All products",
    ask: "Ask",
    examples: "Try",
    other: "Other",
    posts_unit: "posts",
    votes_unit: "votes",
    trend: "Posts per week, last 12 weeks",
    no_match: "No feedback matches; try other words.",
    digests_title: "Weekly digests",
    digests_hint: "Made every Monday at 09:00 (site time) for each product that heard from fans last week, and sent to its managers' inboxes and email and to the team's webhooks (Feishu, DingTalk, WeCom).",
    no_digests: "No digest yet: the first is made next Monday at 09:00.",
    week: "Week",
    new_posts: "New posts",
    negative_share: "Negative",
    last_week: "last week",
    rising_demands: "Rising demands",
    no_rising_demands: "No demand rose noticeably this week.",
    fans: "fans",
    new_badge: "New",
    rising_keywords: "Rising words",
    no_rising_keywords: "No word rose significantly this week.",
    keywords_hint: "In more posts than last week, with a log-likelihood ratio G² ≥ 10.83 (p < 0.001)",
    made_at: "Made",
    open: "Open",
};

fn text(locale: Locale) -> &'static AssistantText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

/// Questions offered as a start.
const EXAMPLES: [&str; 4] = ["续航有什么抱怨？", "相机有哪些好评？", "充电", "大家有什么吐槽？"];

pub struct QuoteView {
    pub url: String,
    pub title: String,
    pub quote: String,
    pub votes: i64,
    pub date: String,
}

pub struct ThemeView {
    pub label: String,
    pub posts: usize,
    pub votes: i64,
    pub sparkline: Sparkline,
    pub quotes: Vec<QuoteView>,
}

/// A trend drawn as an inline SVG polyline: no script, no style attribute (strict CSP).
pub struct Sparkline {
    pub points: String,
    /// The counts as words, for screen readers and the tooltip.
    pub label: String,
}

const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 28.0;

fn sparkline(counts: &[i64], weeks: &[String], caption: &str) -> Sparkline {
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = if counts.len() > 1 { SPARK_WIDTH / (counts.len() - 1) as f64 } else { 0.0 };
    let points = counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                SPARK_HEIGHT - 2.0 - (n as f64 / max) * (SPARK_HEIGHT - 4.0)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let values =
        weeks.iter().zip(counts).map(|(w, n)| format!("{}: {n}", &w[5..])).collect::<Vec<_>>().join(", ");
    Sparkline { points, label: format!("{caption} — {values}") }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AskForm {
    pub q: Option<String>,
    pub product: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights_ask.html")]
pub struct AskPage {
    pub t: &'static super::i18n::T,
    pub x: &'static AssistantText,
    pub ctx: Layout,
    pub tabs: Vec<Tab>,
    pub products: Vec<Choice>,
    pub q: String,
    pub examples: Vec<(String, &'static str)>,
    pub error: Option<String>,
    pub summary: Option<String>,
    pub themes: Vec<ThemeView>,
}

async fn product_choices(state: &AppState, all: &str, chosen: Option<&str>) -> WebResult<Vec<Choice>> {
    let mut products = vec![Choice { value: String::new(), label: all.into(), selected: chosen.is_none() }];
    for p in canyu_app::catalog::list_products(state).await? {
        products.push(Choice { selected: chosen == Some(p.slug.as_str()), value: p.slug, label: p.name });
    }
    Ok(products)
}

fn quote_view(cx: &Cx, q: &AnswerQuote) -> QuoteView {
    QuoteView {
        url: format!("/posts/{}", q.post_id),
        title: q.title.clone(),
        quote: q.quote.clone(),
        votes: q.votes,
        date: cx.date(q.created_at),
    }
}

fn summary(locale: Locale, answer: &Answer) -> String {
    let tone = match (answer.tone, locale) {
        (Some("negative"), Locale::ZhCn) => "负面",
        (Some("positive"), Locale::ZhCn) => "正面",
        (Some("negative"), Locale::En) => " negative",
        (Some("positive"), Locale::En) => " positive",
        _ => "",
    };
    let words = answer.terms.join(locale.pick("、", ", "));
    match locale {
        Locale::ZhCn if words.is_empty() => {
            format!("最近两周的反馈里有 {} 条{tone}反馈，按主题整理如下。", answer.grouped)
        }
        Locale::ZhCn => format!(
            "含「{words}」的反馈共 {} 条；按主题整理了最相关的 {} 条{tone}反馈。",
            answer.matched, answer.grouped
        ),
        Locale::En if words.is_empty() => {
            format!("{} recent{tone} posts of the last two weeks, grouped into themes.", answer.grouped)
        }
        Locale::En => format!(
            "{} posts mention “{words}”; the {} most relevant{tone} ones, grouped into themes.",
            answer.matched, answer.grouped
        ),
    }
}

/// `/insights/ask?q=…`: the form, and with a question its answer.
pub async fn ask(State(state): State<AppState>, cx: Cx, Query(form): Query<AskForm>) -> WebResult<Response> {
    let auth = cx.user()?;
    canyu_app::policy::require_insights(auth)?;
    let x = text(cx.locale);
    let q = form.q.clone().unwrap_or_default();
    let product = form.product.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut page = AskPage {
        t: cx.t,
        x,
        ctx: cx.layout("insights"),
        tabs: all_tabs(cx.locale, "ask"),
        products: product_choices(&state, x.all_products, product).await?,
        q: q.clone(),
        examples: EXAMPLES
            .iter()
            .map(|e| {
                (format!("/insights/ask?{}", serde_urlencoded::to_string([("q", e)]).unwrap_or_default()), *e)
            })
            .collect(),
        error: None,
        summary: None,
        themes: Vec::new(),
    };
    if q.trim().is_empty() {
        return Ok(cx.respond(StatusCode::OK, page));
    }
    let answer = match canyu_app::insights::ask::ask(&state, auth, &q, product).await {
        Ok(answer) => answer,
        Err(e) if matches!(e.code, ErrorCode::InvalidQuestion | ErrorCode::UnknownProduct) => {
            page.error = Some(e.code.message(cx.locale).to_string());
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            return Ok(cx.respond(status, page));
        }
        Err(e) => return Err(e.into()),
    };
    page.summary =
        Some(if answer.themes.is_empty() { x.no_match.to_string() } else { summary(cx.locale, &answer) });
    page.themes = answer
        .themes
        .iter()
        .map(|theme| ThemeView {
            label: if theme.keywords.is_empty() { x.other.to_string() } else { theme.keywords.join(" · ") },
            posts: theme.posts,
            votes: theme.votes,
            sparkline: sparkline(&theme.trend, &answer.weeks, x.trend),
            quotes: theme.quotes.iter().map(|q| quote_view(&cx, q)).collect(),
        })
        .collect();
    Ok(cx.respond(StatusCode::OK, page))
}

pub struct DigestRow {
    pub url: String,
    pub product_name: String,
    pub week: String,
    pub posts: i64,
    pub negative: String,
    pub keywords: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights_digests.html")]
pub struct DigestsPage {
    pub t: &'static super::i18n::T,
    pub x: &'static AssistantText,
    pub ctx: Layout,
    pub tabs: Vec<Tab>,
    pub products: Vec<Choice>,
    pub rows: Vec<DigestRow>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DigestFilter {
    pub product: Option<String>,
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// `/insights/digests`: the latest digests, newest week first.
pub async fn digests(
    State(state): State<AppState>,
    cx: Cx,
    Query(filter): Query<DigestFilter>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    canyu_app::policy::require_insights(auth)?;
    let x = text(cx.locale);
    let product = filter.product.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let list = canyu_app::insights::digest::list(&state, auth, product, crate::api::insights::DIGESTS_LISTED)
        .await?;
    let rows = list
        .iter()
        .map(|d| DigestRow {
            url: format!("/insights/digests/{}", d.id),
            product_name: d.product_name.clone(),
            week: format!("{} – {}", d.body.from, d.body.to),
            posts: d.body.posts,
            negative: percent(d.body.negative_share),
            keywords: d.body.keywords.iter().take(3).map(|k| k.word.as_str()).collect::<Vec<_>>().join(" · "),
        })
        .collect();
    let page = DigestsPage {
        t: cx.t,
        x,
        ctx: cx.layout("insights"),
        tabs: all_tabs(cx.locale, "digests"),
        products: product_choices(&state, x.all_products, product).await?,
        rows,
    };
    Ok(cx.respond(StatusCode::OK, page))
}

pub struct DemandView {
    pub url: String,
    pub label: String,
    pub title: String,
    pub fans: i64,
    pub fans_last_week: i64,
    pub new: bool,
}

pub struct KeywordView {
    pub word: String,
    pub posts: u32,
    pub posts_last_week: u32,
    pub g2: String,
    pub quotes: Vec<QuoteView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights_digest.html")]
pub struct DigestPage {
    pub t: &'static super::i18n::T,
    pub x: &'static AssistantText,
    pub ctx: Layout,
    pub tabs: Vec<Tab>,
    pub heading: String,
    pub made_at: String,
    pub posts: i64,
    pub posts_change: String,
    pub negative: String,
    pub negative_change: String,
    pub demands: Vec<DemandView>,
    pub keywords: Vec<KeywordView>,
}

fn digest_quote(q: &DigestQuote) -> QuoteView {
    QuoteView {
        url: format!("/posts/{}", q.post_id),
        title: q.title.clone(),
        quote: q.quote.clone(),
        votes: q.votes,
        date: String::new(),
    }
}

/// "上周 80，+50%" / "last week 80, +50%".
fn count_change(locale: Locale, now: i64, before: i64) -> String {
    let label = locale.pick("上周", "last week");
    let sep = locale.pick("，", ", ");
    if before == 0 {
        return format!("{label} {before}");
    }
    let change = (now - before) as f64 / before as f64 * 100.0;
    format!("{label} {before}{sep}{change:+.0}%")
}

/// "上周 20%，+5 个百分点" / "last week 20%, +5 points".
fn share_change(locale: Locale, now: Option<f64>, before: Option<f64>) -> String {
    let label = locale.pick("上周", "last week");
    match (now, before) {
        (Some(a), Some(b)) => {
            let points = ((a - b) * 100.0).round();
            let unit = locale.pick(" 个百分点", " points");
            format!("{label} {}{}{points:+.0}{unit}", percent(Some(b)), locale.pick("，", ", "))
        }
        (_, b) => format!("{label} {}", percent(b)),
    }
}

/// `/insights/digests/{id}`: one digest, as kept.
pub async fn digest(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    canyu_app::policy::require_insights(auth)?;
    let x = text(cx.locale);
    let id = id.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::DigestNotFound))?;
    let d: Digest = canyu_app::insights::digest::get(&state, auth, id).await?;
    let b = &d.body;
    let heading = match cx.locale {
        Locale::ZhCn => format!("{} 反馈周报 · {} 至 {}", d.product_name, b.from, b.to),
        Locale::En => format!("{} feedback digest · {} to {}", d.product_name, b.from, b.to),
    };
    let page = DigestPage {
        t: cx.t,
        x,
        ctx: cx.layout("insights"),
        tabs: all_tabs(cx.locale, "digests"),
        heading,
        made_at: cx.datetime(d.created_at),
        posts: b.posts,
        posts_change: count_change(cx.locale, b.posts, b.posts_last_week),
        negative: percent(b.negative_share),
        negative_change: share_change(cx.locale, b.negative_share, b.negative_share_last_week),
        demands: b
            .demands
            .iter()
            .map(|dm| DemandView {
                url: format!("/posts/{}", dm.post_id),
                label: dm.keywords.join(" · "),
                title: dm.title.clone(),
                fans: dm.fans,
                fans_last_week: dm.fans_last_week,
                new: dm.new,
            })
            .collect(),
        keywords: b
            .keywords
            .iter()
            .map(|k| KeywordView {
                word: k.word.clone(),
                posts: k.posts,
                posts_last_week: k.posts_last_week,
                g2: format!("{:.1}", k.g2),
                quotes: k.quotes.iter().map(digest_quote).collect(),
            })
            .collect(),
    };
    Ok(cx.respond(StatusCode::OK, page))
}
