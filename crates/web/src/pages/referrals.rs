//! 口碑 pages: `/r/{code}` (the link a fan shares: remembers them for 30 days and invites the
//! visitor to sign up), `/r/{code}/poster.svg` (the share poster with its QR code),
//! `/me/referral` (the fan's code, link, poster and invitees) and `/admin/referrals` (staff:
//! the review queue, rejections, top referrers, word of mouth per month, a fan's tree).

use super::i18n::T;
use super::{Cx, Layout, form_error, is_fatal, refused, see_other, status_of, user_url};
use crate::auth::{device_for, referral_cookie};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::model::Referral;
use canyu_app::referrals;
use canyu_core::points::level_for;
use canyu_core::referral::ReferralStatus;
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

pub struct ReferralText {
    pub title: &'static str,
    pub intro: &'static str,
    pub code: &'static str,
    pub link: &'static str,
    pub poster: &'static str,
    pub poster_hint: &'static str,
    pub invited: &'static str,
    pub qualified: &'static str,
    pub points: &'static str,
    pub invitees: &'static str,
    pub empty: &'static str,
    pub joined: &'static str,
    pub under_review: &'static str,
    pub landing_title: &'static str,
    pub landing_body: &'static str,
    pub join: &'static str,
    pub have_account: &'static str,
    pub already_fan: &'static str,
    pub now_launching: &'static str,
    pub admin_title: &'static str,
    pub held: &'static str,
    pub held_empty: &'static str,
    pub rejected: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub note: &'static str,
    pub top: &'static str,
    pub fan: &'static str,
    pub growth: &'static str,
    pub month: &'static str,
    pub new_fans: &'static str,
    pub referred: &'static str,
    pub coefficient: &'static str,
    pub coefficient_hint: &'static str,
    pub tree: &'static str,
    pub tree_hint: &'static str,
    pub show: &'static str,
    pub depth: &'static str,
    pub network: &'static str,
    pub decided: &'static str,
}

const ZH: ReferralText = ReferralText {
    title: "邀请好友",
    intro: "把你的邀请链接或海报分享给朋友：TA 注册后首单过了 7 天无理由退货期（或锁单），你得 50 积分，TA 得 20 积分见面礼。同一设备、同一实名或同一收货地址的邀请不计奖励。",
    code: "邀请码",
    link: "邀请链接",
    poster: "分享海报",
    poster_hint: "长按或右键保存海报，发到朋友圈或群里；海报只显示你的用户名和等级。",
    invited: "已邀请",
    qualified: "已达标",
    points: "获得积分",
    invitees: "我邀请的米粉",
    empty: "还没有人通过你的链接注册。",
    joined: "注册于",
    under_review: "审核中",
    landing_title: "邀请你加入",
    landing_body: "在这里提建议、投票、抢先参与新品发布。你的声音会被认真对待：每周的更新都会写明是哪位米粉的建议。",
    join: "注册加入",
    have_account: "已有账号？登录",
    already_fan: "你已经是米粉了：去看看你自己的邀请链接吧。",
    now_launching: "正在发布",
    admin_title: "邀请管理",
    held: "待审核（同一网络短时间内集中注册）",
    held_empty: "没有待审核的邀请。",
    rejected: "最近未通过的邀请",
    approve: "通过",
    reject: "驳回",
    note: "原因",
    top: "邀请最多的米粉",
    fan: "米粉",
    growth: "口碑系数（按月）",
    month: "月份",
    new_fans: "新注册",
    referred: "受邀注册",
    coefficient: "口碑系数",
    coefficient_hint: "当月新注册的米粉中，受邀且已达标的比例。",
    tree: "邀请关系树",
    tree_hint: "输入用户名，查看 TA 邀请的人，以及这些人继续邀请的人（最多 6 层）。",
    show: "查看",
    depth: "层级",
    network: "网络",
    decided: "已处理。",
};

const EN: ReferralText = ReferralText {
    title: "Invite friends",
    intro: "Share your link or poster: once a friend who signs up with it has a first order past its 7-day return window (or locked), you earn 50 points and they get 20 as a welcome gift. Invitations from the same device, verified person or delivery address earn nothing.",
    code: "Referral code",
    link: "Referral link",
    poster: "Share poster",
    poster_hint: "Save the poster and share it; it shows only your handle and level.",
    invited: "Invited",
    qualified: "Qualified",
    points: "Points earned",
    invitees: "Fans you invited",
    empty: "Nobody has signed up with your link yet.",
    joined: "Joined",
    under_review: "Under review",
    landing_title: "invites you to join",
    landing_body: "Suggest ideas, vote, and be first in line for launches. Your voice counts: every weekly release names the fans whose ideas shipped.",
    join: "Sign up",
    have_account: "Have an account? Sign in",
    already_fan: "You are already a fan: share your own link instead.",
    now_launching: "Launching now",
    admin_title: "Referrals",
    held: "Waiting for review (a burst of sign-ups from one network)",
    held_empty: "Nothing waits for review.",
    rejected: "Latest rejections",
    approve: "Approve",
    reject: "Reject",
    note: "Reason",
    top: "Top referrers",
    fan: "Fan",
    growth: "Word of mouth by month",
    month: "Month",
    new_fans: "New fans",
    referred: "Referred",
    coefficient: "Coefficient",
    coefficient_hint: "The share of the month's new fans who came by a referral that qualified.",
    tree: "Referral tree",
    tree_hint: "A handle: whom they invited, and whom those invited in turn (six levels).",
    show: "Show",
    depth: "Level",
    network: "Network",
    decided: "Done.",
};

fn text(locale: Locale) -> &'static ReferralText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

pub struct InviteeRow {
    pub handle: String,
    pub url: String,
    pub joined: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub reason: Option<&'static str>,
}

fn status_class(s: ReferralStatus) -> &'static str {
    match s {
        ReferralStatus::Pending | ReferralStatus::Held => "badge",
        ReferralStatus::Qualified | ReferralStatus::Rewarded => "badge badge-owner",
        ReferralStatus::Rejected => "badge badge-warn",
    }
}

fn invitee_row(cx: &Cx, r: &Referral) -> InviteeRow {
    let shown = r.status.public();
    InviteeRow {
        handle: r.invitee_handle.clone(),
        url: user_url(&r.invitee_handle),
        joined: cx.date(r.created_at),
        status: if r.status == ReferralStatus::Held {
            text(cx.locale).under_review
        } else {
            shown.label(cx.locale)
        },
        status_class: status_class(shown),
        reason: r.reason.map(|x| x.label(cx.locale)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "referral.html")]
pub struct ReferralPage {
    pub t: &'static T,
    pub r: &'static ReferralText,
    pub ctx: Layout,
    pub code: String,
    pub link: String,
    pub poster_url: String,
    pub invited: i64,
    pub qualified: i64,
    pub points: i64,
    pub invitees: Vec<InviteeRow>,
}

/// An absolute link for a QR code or a copy button: the configured public address, or the
/// address this request came to.
fn absolute_link(state: &AppState, headers: &HeaderMap, code: &str) -> String {
    let link = referrals::link_for(state, code);
    if link.starts_with('/') { format!("{}{link}", super::releases::site_base(state, headers)) } else { link }
}

/// `/me/referral`.
pub async fn mine(State(state): State<AppState>, cx: Cx, headers: HeaderMap) -> WebResult<Response> {
    let auth = cx.user()?;
    let mine = referrals::mine(&state, auth).await?;
    let invitees = referrals::my_invitees(&state, auth).await?;
    let page = ReferralPage {
        t: cx.t,
        r: text(cx.locale),
        ctx: cx.layout("referral"),
        link: absolute_link(&state, &headers, &mine.code),
        poster_url: format!("/r/{}/poster.svg", mine.code),
        code: mine.code,
        invited: mine.totals.invited,
        qualified: mine.totals.qualified,
        points: mine.totals.rewarded_points,
        invitees: invitees.iter().map(|r| invitee_row(&cx, r)).collect(),
    };
    Ok(cx.ok(page))
}

#[derive(Template, WebTemplate)]
#[template(path = "referral_landing.html")]
pub struct LandingPage {
    pub t: &'static T,
    pub r: &'static ReferralText,
    pub ctx: Layout,
    pub handle: String,
    pub level: String,
    pub product: Option<String>,
    pub signed_in: bool,
}

fn level_label(locale: Locale, points: i64) -> String {
    let level = level_for(points).0;
    format!("Lv.{} {}", level.number, locale.pick(level.name_zh, level.name_en))
}

/// `/r/{code}`: remembers the referrer for 30 days and invites the visitor to sign up.
pub async fn landing(
    State(state): State<AppState>,
    cx: Cx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> WebResult<Response> {
    let referrer = referrals::referrer(&state, &code).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let secure = state.config().secure_cookies;
    let page = LandingPage {
        t: cx.t,
        r: text(cx.locale),
        ctx: cx.layout("referral"),
        level: level_label(cx.locale, referrer.points),
        handle: referrer.handle,
        product: referrals::product_of_the_moment(&state).await?,
        signed_in: cx.auth.is_some(),
    };
    let mut res = cx.ok(page);
    if cx.auth.is_none() {
        let normal = code.trim().to_ascii_uppercase();
        if let Some(c) = referral_cookie(&normal, secure) {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
        // The device cookie now, so a referrer opening their own link and signing up a second
        // account in this browser is recognised.
        if let (_, Some(c)) = device_for(&headers, secure) {
            res.headers_mut().append(header::SET_COOKIE, c);
        }
    }
    Ok(res)
}

const POSTER_FONT: &str =
    "'Noto Sans CJK SC','Noto Sans SC','PingFang SC','Hiragino Sans GB','Microsoft YaHei',sans-serif";

/// The share poster: handle, level, the product of the moment and a QR code of the link.
/// Nothing else about the fan (their handle is already public on the site).
pub async fn poster(
    State(state): State<AppState>,
    cx: Cx,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> WebResult<Response> {
    let referrer = referrals::referrer(&state, &code).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let code = code.trim().to_ascii_uppercase();
    let link = absolute_link(&state, &headers, &code);
    let r = text(cx.locale);
    let product = referrals::product_of_the_moment(&state).await?;
    let qr = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|_| WebError::from(ErrorCode::Internal))?;
    let width = qr.width();
    let mut modules = String::new();
    for (i, color) in qr.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            modules.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    // The QR code fills 400 px with a quiet zone of four modules on each side.
    let scale = 400.0 / (width as f64 + 8.0);
    let esc = crate::changelog::escape;
    let site = esc(cx.t.site_name);
    let handle = esc(&referrer.handle);
    let level = esc(&level_label(cx.locale, referrer.points));
    let invite = esc(r.landing_title);
    let product_line = product
        .map(|p| format!(r##"<text x="375" y="440" font-size="30" fill="#ff6900" text-anchor="middle">{} · {}</text>"##, esc(r.now_launching), esc(&p)))
        .unwrap_or_default();
    let hint = esc(match cx.locale {
        Locale::ZhCn => "扫码注册，一起参与",
        Locale::En => "Scan to join",
    });
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="750" height="1100" viewBox="0 0 750 1100" font-family="{POSTER_FONT}">
<rect width="750" height="1100" fill="#fff8f2"/>
<rect width="750" height="180" fill="#ff6900"/>
<text x="375" y="110" font-size="48" font-weight="700" fill="#fff" text-anchor="middle">{site}</text>
<text x="375" y="280" font-size="56" font-weight="700" fill="#1f1f1f" text-anchor="middle">@{handle}</text>
<text x="375" y="335" font-size="28" fill="#6b5b4f" text-anchor="middle">{level}</text>
<text x="375" y="390" font-size="34" fill="#1f1f1f" text-anchor="middle">{invite}</text>
{product_line}
<rect x="175" y="490" width="400" height="400" fill="#fff"/>
<g transform="translate(175 490) scale({scale:.4}) translate(4 4)" fill="#000"><path d="{modules}"/></g>
<text x="375" y="950" font-size="30" fill="#1f1f1f" text-anchor="middle">{hint}</text>
<text x="375" y="1000" font-size="22" fill="#6b5b4f" text-anchor="middle">{link}</text>
</svg>"##,
        link = esc(&link),
    );
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
        ],
        svg,
    )
        .into_response())
}

// ---- staff ----

pub struct StaffRow {
    pub id: i64,
    pub referrer: String,
    pub referrer_url: String,
    pub invitee: String,
    pub invitee_url: String,
    pub joined: String,
    pub network: String,
    pub reason: String,
    pub error: Option<String>,
}

pub struct MonthRow {
    pub month: String,
    pub new_fans: i64,
    pub referred: i64,
    pub qualified: i64,
    pub coefficient: String,
}

pub struct TreeRow {
    pub handle: String,
    pub url: String,
    pub referrer: String,
    pub depth: i64,
    pub status: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals_admin.html")]
pub struct AdminPage {
    pub t: &'static T,
    pub r: &'static ReferralText,
    pub ctx: Layout,
    pub notice: bool,
    /// A refused decision on a referral no longer in the queue: shown at the top.
    pub page_error: Option<String>,
    pub held: Vec<StaffRow>,
    pub rejected: Vec<StaffRow>,
    pub top: Vec<canyu_app::model::ReferrerRow>,
    pub months: Vec<MonthRow>,
    pub fan: String,
    pub tree: Vec<TreeRow>,
    pub tree_error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdminQuery {
    pub fan: String,
    pub done: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReviewForm {
    pub note: String,
}

fn staff_row(cx: &Cx, r: &Referral, error: Option<&(i64, String)>) -> StaffRow {
    StaffRow {
        id: r.id,
        referrer_url: user_url(&r.referrer_handle),
        referrer: r.referrer_handle.clone(),
        invitee_url: user_url(&r.invitee_handle),
        invitee: r.invitee_handle.clone(),
        joined: cx.datetime(r.created_at),
        network: r.network.clone().unwrap_or_default(),
        reason: match (r.reason, r.note.is_empty()) {
            (Some(x), true) => x.label(cx.locale).to_string(),
            (Some(x), false) => format!("{} · {}", x.label(cx.locale), r.note),
            (None, _) => r.note.clone(),
        },
        error: error.filter(|(id, _)| *id == r.id).map(|(_, m)| m.clone()),
    }
}

async fn render_admin(
    state: &AppState,
    cx: &Cx,
    q: AdminQuery,
    error: Option<(i64, String)>,
    status: StatusCode,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let (held, rejected) = referrals::flagged(state, auth).await?;
    let top = referrals::top_referrers(state, auth, 20).await?;
    let growth = referrals::growth(state, auth, 12).await?;
    let (tree, tree_error) = match q.fan.trim() {
        "" => (Vec::new(), None),
        handle => match referrals::tree(state, auth, handle).await {
            Ok((_, nodes)) => {
                let rows = nodes
                    .iter()
                    .map(|n| TreeRow {
                        url: user_url(&n.handle),
                        handle: n.handle.clone(),
                        referrer: n.referrer_handle.clone(),
                        depth: n.depth,
                        status: n.status.label(cx.locale),
                    })
                    .collect();
                (rows, None)
            }
            Err(e) if is_fatal(&e) => return Err(e.into()),
            Err(e) => (Vec::new(), Some(form_error(cx, &e))),
        },
    };
    let page = AdminPage {
        t: cx.t,
        r: text(cx.locale),
        ctx: cx.layout("referrals"),
        notice: q.done == "1",
        page_error: error
            .as_ref()
            .filter(|(id, _)| !held.iter().any(|r| r.id == *id))
            .map(|(_, m)| m.clone()),
        held: held.iter().map(|r| staff_row(cx, r, error.as_ref())).collect(),
        rejected: rejected.iter().map(|r| staff_row(cx, r, None)).collect(),
        top,
        months: growth
            .into_iter()
            .rev()
            .map(|g| MonthRow {
                month: g.month,
                new_fans: g.signups.new_fans,
                referred: g.signups.referred,
                qualified: g.signups.qualified,
                coefficient: g
                    .coefficient
                    .map(|c| format!("{:.1}%", c * 100.0))
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        fan: q.fan,
        tree,
        tree_error,
    };
    Ok(cx.respond(status, page))
}

/// `/admin/referrals`.
pub async fn admin(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<AdminQuery>,
) -> WebResult<Response> {
    render_admin(&state, &cx, q, None, StatusCode::OK).await
}

async fn decide(state: &AppState, cx: &Cx, raw: &str, note: &str, approve: bool) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::NotFound))?;
    match referrals::review(state, auth, id, approve, note).await {
        Ok(_) => Ok(see_other("/admin/referrals?done=1")),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) if e.code == ErrorCode::ReferralNotFound => Err(WebError::from(ErrorCode::NotFound)),
        Err(e) => {
            let error = Some((id, form_error(cx, &e)));
            refused(&e, render_admin(state, cx, AdminQuery::default(), error, status_of(&e)).await)
        }
    }
}

pub async fn approve(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> WebResult<Response> {
    decide(&state, &cx, &id, &form.note, true).await
}

pub async fn reject(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ReviewForm>,
) -> WebResult<Response> {
    decide(&state, &cx, &id, &form.note, false).await
}
