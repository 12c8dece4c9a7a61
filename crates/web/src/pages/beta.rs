//! `/products/{slug}/beta`: the product's beta programme. Fans read the rules, apply, follow
//! their weekly duties and see the members-only board; the people who run the product set
//! the rules and decide applications on the same page.

use super::i18n::T;
use super::{Cx, Layout, PostCard, form_error, product_url, see_other, status_of, user_url};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::AppError;
use canyu_app::beta::{self as beta_actions, BetaSettings, BetaStatus};
use canyu_app::model::{BetaMembership, PostFilter, Product, Sort};
use canyu_core::beta::{DEFAULT_LEAVE_COOLDOWN_DAYS, DEFAULT_REMOVAL_COOLDOWN_DAYS, MemberStatus};
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

/// The page's own words, in both languages (kept here: they belong to this page only).
pub struct BetaText {
    pub title: &'static str,
    pub seats: &'static str,
    pub pending: &'static str,
    pub rules_duties: &'static str,
    pub rules_level: &'static str,
    pub apply_heading: &'static str,
    pub motivation: &'static str,
    pub motivation_hint: &'static str,
    pub apply: &'static str,
    pub sign_in: &'static str,
    pub under_review: &'static str,
    pub withdraw: &'static str,
    pub member: &'static str,
    pub leave: &'static str,
    pub this_week: &'static str,
    pub bugs: &'static str,
    pub suggestions: &'static str,
    pub new_beta_post: &'static str,
    pub board: &'static str,
    pub board_empty: &'static str,
    pub closed: &'static str,
    /// Shown to the people who run the product instead of the application form.
    pub team_note: &'static str,
    /// For moderators and staff of other products.
    pub team_member_note: &'static str,
    pub no_group: &'static str,
    pub settings: &'static str,
    pub seats_label: &'static str,
    pub min_level_label: &'static str,
    pub min_level_hint: &'static str,
    pub owners_of_label: &'static str,
    pub owners_of_hint: &'static str,
    pub owners_only: &'static str,
    pub removal_cooldown: &'static str,
    pub leave_cooldown: &'static str,
    pub open_label: &'static str,
    pub save: &'static str,
    pub applications: &'static str,
    pub no_applications: &'static str,
    pub admit: &'static str,
    pub reject: &'static str,
    pub members: &'static str,
    pub remove: &'static str,
    pub removal_note: &'static str,
}

const ZH: BetaText = BetaText {
    title: "内测",
    seats: "名额",
    pending: "待审核",
    rules_duties: "每周（周一至周日，北京时间）至少在内测板块提交 1 个问题反馈和 1 条建议，每完成一周可获得积分；未完成会被自动移出。",
    rules_level: "名额未满时，达到以下等级的粉丝申请即自动通过：",
    apply_heading: "申请加入内测",
    motivation: "申请理由",
    motivation_hint: "5 到 500 个字：你会怎样参与测试？",
    apply: "提交申请",
    sign_in: "登录后即可申请加入内测。",
    under_review: "你的申请正在审核中。",
    withdraw: "撤回申请",
    member: "你是内测成员。",
    leave: "退出内测",
    this_week: "本周任务",
    bugs: "问题反馈",
    suggestions: "建议",
    new_beta_post: "在内测板块发帖",
    board: "内测板块",
    board_empty: "内测板块还没有帖子。",
    closed: "内测招募暂未开放。",
    team_note: "你是本产品的团队成员，无需申请：在下方设置名额、审核申请。",
    team_member_note: "你是社区团队成员，可以直接查看内测版块，无需申请。",
    no_group: "这个产品还没有内测群组。",
    settings: "内测设置",
    seats_label: "名额",
    min_level_label: "自动通过的最低等级",
    min_level_hint: "留空则全部由人工审核",
    owners_of_label: "仅限车主申请",
    owners_of_hint: "选择一款产品：只有在「我的设备」绑定了它的米粉才能申请。",
    owners_only: "仅限此产品的车主或用户申请：",
    removal_cooldown: "被移出后的冷却期（天）",
    leave_cooldown: "主动退出或未通过后的冷却期（天）",
    open_label: "开放申请",
    save: "保存",
    applications: "待审核的申请",
    no_applications: "没有待审核的申请。",
    admit: "通过",
    reject: "不通过",
    members: "内测成员",
    remove: "移出",
    removal_note: "移出原因（可选）",
};

const EN: BetaText = BetaText {
    title: "Beta programme",
    seats: "seats",
    pending: "awaiting review",
    rules_duties: "Each week (Monday to Sunday, China time), post at least one bug report and one suggestion on the beta board. Each week done earns points; a missed week removes you automatically.",
    rules_level: "While seats are free, fans at this level or above are admitted as they apply:",
    apply_heading: "Apply to the beta",
    motivation: "Why you want to join",
    motivation_hint: "5 to 500 characters: how will you take part?",
    apply: "Apply",
    sign_in: "Sign in to apply to the beta.",
    under_review: "Your application is under review.",
    withdraw: "Withdraw application",
    member: "You are a beta member.",
    leave: "Leave the beta",
    this_week: "This week",
    bugs: "Bug reports",
    suggestions: "Suggestions",
    new_beta_post: "Post on the beta board",
    board: "Beta board",
    board_empty: "No posts on the beta board yet.",
    closed: "The beta is not accepting applications.",
    team_note: "You run this product and need not apply: set the seats and decide applications below.",
    team_member_note: "You are on the community team: you see the beta board already and need not apply.",
    no_group: "This product has no beta group.",
    settings: "Beta settings",
    seats_label: "Seats",
    min_level_label: "Minimum level for automatic admission",
    min_level_hint: "Empty: every application is reviewed by the team",
    owners_of_label: "Owners only",
    owners_of_hint: "A product: only fans who bound one under My devices may apply.",
    owners_only: "Only owners may apply:",
    removal_cooldown: "Cooldown after removal (days)",
    leave_cooldown: "Cooldown after leaving or being declined (days)",
    open_label: "Accept applications",
    save: "Save",
    applications: "Applications awaiting review",
    no_applications: "No applications awaiting review.",
    admit: "Admit",
    reject: "Decline",
    members: "Members",
    remove: "Remove",
    removal_note: "Reason (optional)",
};

pub struct Row {
    pub id: i64,
    pub handle: String,
    pub url: String,
    pub motivation: String,
    pub date: String,
    pub remove_url: String,
}

pub struct Settings {
    /// The owned product's slug, or empty.
    pub owners_of: String,
    pub seats: String,
    pub min_level: String,
    pub removal_cooldown_days: String,
    pub leave_cooldown_days: String,
    pub open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "beta.html")]
pub struct BetaPage {
    pub t: &'static T,
    pub b: &'static BetaText,
    pub ctx: Layout,
    pub product_name: String,
    pub product_url: String,
    pub base: String,
    pub exists: bool,
    pub open: bool,
    pub seats: i64,
    pub members: i64,
    pub pending: i64,
    pub min_level: Option<u8>,
    pub signed_in: bool,
    /// `none`, `pending`, `member` or `wait` (an ended membership within its cooldown).
    pub state: &'static str,
    pub my_status: String,
    pub reapply_date: String,
    pub cooldown_text: String,
    pub week_key: String,
    pub week_bugs: i64,
    pub week_suggestions: i64,
    pub can_see_board: bool,
    pub board: Vec<PostCard>,
    pub manager: bool,
    /// Moderators and up: they see every beta board already, so they are not offered the
    /// application form.
    pub team: bool,
    pub settings: Settings,
    /// Products for the owners-only choice: (slug, name).
    pub products: Vec<(String, String)>,
    /// The product whose owners alone may apply, by name.
    pub owners_of_name: Option<String>,
    pub applications: Vec<Row>,
    pub member_rows: Vec<Row>,
    pub motivation: String,
    pub error: Option<String>,
}

fn text(locale: Locale) -> &'static BetaText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

fn cooldown_text(locale: Locale, removal: i64, leave: i64) -> String {
    match locale {
        Locale::ZhCn => format!("被移出后 {removal} 天内、主动退出或申请未通过后 {leave} 天内不能再次申请。"),
        Locale::En => format!(
            "After a removal you may reapply in {removal} days; after leaving or a declined application, in {leave} days."
        ),
    }
}

/// What the form carried back after a refusal.
#[derive(Default)]
struct Redo {
    motivation: String,
    settings: Option<SettingsForm>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    redo: Redo,
    status: StatusCode,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let base = format!("{}/beta", product_url(&product.slug));
    let found = match beta_actions::status(state, cx.auth.as_ref(), product).await {
        Ok(s) => Some(s),
        Err(e) if e.code == ErrorCode::BetaNotFound => None,
        Err(e) => return Err(e.into()),
    };
    let manager = match &cx.auth {
        Some(a) => canyu_app::policy::can_manage(state, a, product.id).await?,
        None => false,
    };
    if found.is_none() && !manager {
        return Err(WebError::from(ErrorCode::BetaNotFound));
    }
    let can_see_board = beta_actions::can_see_beta(state, cx.auth.as_ref(), product.id).await?;
    let board = if can_see_board && found.is_some() {
        let page = canyu_app::board::list_posts(
            state,
            &PostFilter {
                product_id: Some(product.id),
                beta: true,
                sort: Sort::New,
                limit: 30,
                ..Default::default()
            },
        )
        .await?;
        cx.cards(state, &page.items).await?
    } else {
        Vec::new()
    };
    let (applications, member_rows) = if manager && found.is_some() {
        let row = |m: &BetaMembership, at: i64| Row {
            id: m.id,
            handle: m.handle.clone(),
            url: user_url(&m.handle),
            motivation: m.motivation.clone(),
            date: cx.date(at),
            remove_url: format!("{base}/members/{}/remove", super::encode_segment(&m.handle)),
        };
        let pending =
            canyu_app::beta::beta_memberships(state, product.id, Some(MemberStatus::Pending), 200).await?;
        let members =
            canyu_app::beta::beta_memberships(state, product.id, Some(MemberStatus::Member), 500).await?;
        (
            pending.iter().map(|m| row(m, m.applied_at)).collect(),
            members.iter().map(|m| row(m, m.joined_at.unwrap_or(m.applied_at))).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let rules = found.as_ref().map(|s| s.group.rules);
    let settings = match redo.settings {
        Some(f) => Settings {
            owners_of: f.owners_of,
            seats: f.seats,
            min_level: f.min_level,
            removal_cooldown_days: f.removal_cooldown_days,
            leave_cooldown_days: f.leave_cooldown_days,
            open: f.open.is_some(),
        },
        None => Settings {
            owners_of: found.as_ref().and_then(|s| s.group.owners_of_slug.clone()).unwrap_or_default(),
            seats: rules.map_or("100".into(), |r| r.seats.to_string()),
            min_level: rules.and_then(|r| r.min_level).map(|l| l.to_string()).unwrap_or_default(),
            removal_cooldown_days: rules
                .map_or(DEFAULT_REMOVAL_COOLDOWN_DAYS, |r| r.removal_cooldown_days)
                .to_string(),
            leave_cooldown_days: rules
                .map_or(DEFAULT_LEAVE_COOLDOWN_DAYS, |r| r.leave_cooldown_days)
                .to_string(),
            open: rules.is_none_or(|r| r.open),
        },
    };
    let (state_name, my_status, reapply_date) = match &found {
        Some(BetaStatus { mine: Some(m), can_apply_at, .. }) => {
            let label = match cx.locale {
                Locale::ZhCn => m.status.label_zh(),
                Locale::En => m.status.label_en(),
            };
            match m.status {
                MemberStatus::Pending => ("pending", label.to_string(), String::new()),
                MemberStatus::Member => ("member", label.to_string(), String::new()),
                _ => match can_apply_at {
                    Some(at) if *at > cx.now => ("wait", label.to_string(), cx.date(*at)),
                    _ => ("none", label.to_string(), String::new()),
                },
            }
        }
        _ => ("none", String::new(), String::new()),
    };
    let (week_key, week_bugs, week_suggestions) = match found.as_ref().and_then(|s| s.week) {
        Some((week, tally)) => (week.key(), tally.bugs, tally.suggestions),
        None => (String::new(), 0, 0),
    };
    let products: Vec<(String, String)> =
        canyu_app::catalog::list_products(state).await?.into_iter().map(|p| (p.slug, p.name)).collect();
    let page = BetaPage {
        t: cx.t,
        b,
        ctx: cx.layout(""),
        product_name: product.name.clone(),
        product_url: product_url(&product.slug),
        base,
        exists: found.is_some(),
        open: rules.is_some_and(|r| r.open),
        seats: rules.map_or(0, |r| r.seats),
        members: found.as_ref().map_or(0, |s| s.group.members),
        pending: found.as_ref().map_or(0, |s| s.group.pending),
        min_level: rules.and_then(|r| r.min_level),
        signed_in: cx.auth.is_some(),
        state: state_name,
        my_status,
        reapply_date,
        cooldown_text: rules
            .map(|r| cooldown_text(cx.locale, r.removal_cooldown_days, r.leave_cooldown_days))
            .unwrap_or_default(),
        week_key,
        week_bugs,
        week_suggestions,
        can_see_board,
        board,
        manager,
        team: cx.auth.as_ref().is_some_and(|a| a.user.role.can_triage()) || manager,
        owners_of_name: found
            .as_ref()
            .and_then(|s| s.group.owners_of_slug.as_ref())
            .and_then(|slug| products.iter().find(|(p, _)| p == slug))
            .map(|(_, name)| name.clone()),
        products,
        settings,
        applications,
        member_rows,
        motivation: redo.motivation,
        error: redo.error,
    };
    Ok(cx.respond(status, page))
}

async fn product(state: &AppState, slug: &str) -> WebResult<Product> {
    canyu_app::catalog::product(state, slug).await?.ok_or(WebError::from(ErrorCode::NotFound))
}

pub async fn page(State(state): State<AppState>, cx: Cx, Path(slug): Path<String>) -> WebResult<Response> {
    let product = product(&state, &slug).await?;
    render(&state, &cx, &product, Redo::default(), StatusCode::OK).await
}

/// A refusal goes back to the page with the reason; anything else is the error page.
async fn refused(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    err: AppError,
    mut redo: Redo,
) -> WebResult<Response> {
    if matches!(err.code, ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::Forbidden) {
        return Err(err.into());
    }
    redo.error = Some(form_error(cx, &err));
    super::refused(&err, render(state, cx, product, redo, status_of(&err)).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplyForm {
    pub motivation: String,
}

pub async fn apply(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<ApplyForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    match beta_actions::apply(&state, auth, &slug, &form.motivation).await {
        Ok(_) => Ok(see_other(&format!("{}/beta", product_url(&product.slug)))),
        Err(e) => {
            refused(&state, &cx, &product, e, Redo { motivation: form.motivation, ..Redo::default() }).await
        }
    }
}

pub async fn leave(State(state): State<AppState>, cx: Cx, Path(slug): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    match beta_actions::leave(&state, auth, &slug).await {
        Ok(_) => Ok(see_other(&format!("{}/beta", product_url(&product.slug)))),
        Err(e) => refused(&state, &cx, &product, e, Redo::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    /// A product's slug, or empty for anyone.
    pub owners_of: String,
    pub seats: String,
    pub min_level: String,
    pub removal_cooldown_days: String,
    pub leave_cooldown_days: String,
    /// A checkbox: present when ticked.
    pub open: Option<String>,
}

fn number(raw: &str, invalid: ErrorCode) -> Result<Option<i64>, WebError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| WebError::from(invalid))
}

pub async fn settings(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<SettingsForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    let parsed = (|| -> Result<BetaSettings, WebError> {
        Ok(BetaSettings {
            seats: number(&form.seats, ErrorCode::InvalidBetaSeats)?.ok_or(ErrorCode::InvalidBetaSeats)?,
            min_level: number(&form.min_level, ErrorCode::InvalidBetaLevel)?,
            removal_cooldown_days: number(&form.removal_cooldown_days, ErrorCode::InvalidBetaCooldown)?,
            leave_cooldown_days: number(&form.leave_cooldown_days, ErrorCode::InvalidBetaCooldown)?,
            open: Some(form.open.is_some()),
            owners_of: Some(form.owners_of.clone()),
        })
    })();
    let result = match parsed {
        Ok(settings) => beta_actions::configure(&state, auth, &slug, settings).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("{}/beta", product_url(&product.slug)))),
        Err(e) => refused(&state, &cx, &product, e, Redo { settings: Some(form), ..Redo::default() }).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    /// `admit` or `reject`.
    pub decision: String,
}

pub async fn decide(
    State(state): State<AppState>,
    cx: Cx,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    let id: i64 = id.parse().map_err(|_| WebError::from(ErrorCode::BetaApplicationNotFound))?;
    let admit = match form.decision.as_str() {
        "admit" => true,
        "reject" => false,
        _ => return Err(WebError::from(ErrorCode::InvalidForm)),
    };
    // The application must belong to the product in the address.
    let application = canyu_app::beta::beta_membership_by_id(&state, id).await?;
    if application.is_none_or(|a| a.product_id != product.id) {
        return refused(&state, &cx, &product, ErrorCode::BetaApplicationNotFound.into(), Redo::default())
            .await;
    }
    match beta_actions::decide(&state, auth, id, admit).await {
        Ok(_) => Ok(see_other(&format!("{}/beta", product_url(&product.slug)))),
        Err(e) => refused(&state, &cx, &product, e, Redo::default()).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemoveForm {
    pub note: String,
}

pub async fn remove(
    State(state): State<AppState>,
    cx: Cx,
    Path((slug, handle)): Path<(String, String)>,
    Form(form): Form<RemoveForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    match beta_actions::remove(&state, auth, &slug, &handle, Some(&form.note)).await {
        Ok(_) => Ok(see_other(&format!("{}/beta", product_url(&product.slug)))),
        Err(e) => refused(&state, &cx, &product, e, Redo::default()).await,
    }
}
