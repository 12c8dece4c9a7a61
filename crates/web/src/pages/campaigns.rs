//! `/campaigns/{id}`: a launch campaign's page for fans, which changes with the phase
//! (teaser countdown with the price hidden, the reveal, the reservation button, the waves),
//! with a console for the people who run the product; `/products/{slug}/campaigns` plans one.

use super::i18n::{self, T};
use super::{Cx, Layout, form_error, product_url, refused, see_other, status_of};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use canyu_app::campaigns::{self as campaign_actions, CampaignInput, SkuInput};
use canyu_app::model::Campaign;
use canyu_core::campaign::OrderLimits;
use canyu_core::campaign::{Lane, Phase, format_yuan};
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Locale, Millis};
use serde::Deserialize;

pub struct CampaignText {
    pub campaigns: &'static str,
    pub phase_hidden: &'static str,
    pub phase_teaser: &'static str,
    pub phase_revealed: &'static str,
    pub phase_reservations: &'static str,
    pub phase_sales: &'static str,
    pub until_teaser: &'static str,
    pub until_reveal: &'static str,
    pub until_open: &'static str,
    pub until_close: &'static str,
    pub price: &'static str,
    pub price_hidden: &'static str,
    pub small_deposit: &'static str,
    pub big_deposit: &'static str,
    pub not_offered: &'static str,
    pub reservations: &'static str,
    pub window: &'static str,
    pub fan_lane: &'static str,
    pub wave_cancelled: &'static str,
    pub fan_lane_rule: &'static str,
    pub fan_lane_or_fcode: &'static str,
    pub general_lane: &'static str,
    pub unlimited: &'static str,
    pub reserve: &'static str,
    pub reserved: &'static str,
    pub place: &'static str,
    pub sign_in: &'static str,
    pub waves: &'static str,
    pub no_waves: &'static str,
    pub my_orders: &'static str,
    pub live: &'static str,
    pub flagged: &'static str,
    pub production: &'static str,
    pub queued: &'static str,
    pub in_production: &'static str,
    pub delivered: &'static str,
    pub delivered_in: &'static str,
    pub advance: &'static str,
    pub advance_count: &'static str,
    pub cancel_selected: &'static str,
    pub live_total: &'static str,
    pub live_milestones: &'static str,
    pub live_per_minute: &'static str,
    /// `{n}` is the next milestone's number of orders.
    pub live_next_milestone: &'static str,
    pub back_to_campaign: &'static str,
    pub console: &'static str,
    pub console_price_note: &'static str,
    pub new_campaign: &'static str,
    pub title: &'static str,
    pub teaser_at: &'static str,
    pub reveal_at: &'static str,
    pub opens_at: &'static str,
    pub closes_at: &'static str,
    pub fan_places: &'static str,
    pub fan_min_points: &'static str,
    pub general_places: &'static str,
    pub one_per_person: &'static str,
    pub one_per_address: &'static str,
    pub verified_only: &'static str,
    pub skus: &'static str,
    pub skus_hint: &'static str,
    pub create: &'static str,
    pub release_wave: &'static str,
    pub terms: &'static str,
    pub none: &'static str,
}

const ZH: CampaignText = CampaignText {
    campaigns: "发布活动",
    phase_hidden: "未公开",
    phase_teaser: "预热中",
    phase_revealed: "价格已公布",
    phase_reservations: "预约中",
    phase_sales: "发售中",
    until_teaser: "距预热开始",
    until_reveal: "距价格揭晓",
    until_open: "距预约开始",
    until_close: "距预约截止",
    price: "价格",
    price_hidden: "敬请期待",
    small_deposit: "小定",
    big_deposit: "大定",
    not_offered: "—",
    reservations: "预约",
    window: "预约时间",
    fan_lane: "粉丝通道",
    wave_cancelled: "已撤销",
    fan_lane_rule: "积分达到",
    fan_lane_or_fcode: "，或持有本次发布的 F 码",
    general_lane: "普通通道",
    unlimited: "不限",
    reserve: "立即预约",
    reserved: "你已预约",
    place: "第",
    sign_in: "登录后即可预约。",
    waves: "发售轮次",
    no_waves: "发售轮次即将公布。",
    my_orders: "我的订单",
    live: "实时战报",
    flagged: "待审核订单（疑似黄牛）",
    production: "生产与交付（按锁单先后排产）",
    queued: "排队中",
    in_production: "生产中",
    delivered: "已交付",
    delivered_in: "{days} 天交付 {n} 台",
    advance: "推进",
    advance_count: "订单数",
    cancel_selected: "取消所选订单并退回库存",
    live_total: "累计订单",
    live_milestones: "里程碑",
    live_per_minute: "每分钟订单",
    live_next_milestone: "下一个里程碑：{n} 单",
    back_to_campaign: "返回活动页",
    console: "活动后台",
    console_price_note: "价格揭晓前只有你能看到价格。",
    new_campaign: "新建发布活动",
    title: "活动标题",
    teaser_at: "预热开始",
    reveal_at: "价格揭晓",
    opens_at: "预约开始",
    closes_at: "预约截止",
    fan_places: "粉丝通道名额",
    fan_min_points: "粉丝通道最低积分",
    general_places: "普通通道名额（留空为不限）",
    one_per_person: "每人限购一单（全部轮次合计）",
    one_per_address: "每个收货地址限购一单",
    verified_only: "仅限实名认证的账号下单，购买人为认证本人",
    skus: "SKU（每行一个）",
    skus_hint: "代码 | 名称 | 价格（元） | 小定（元） | 大定（元），例如 su7 | SU7 标准版 | 215900 | 5000 | 5000",
    create: "创建",
    release_wave: "为本活动发布一轮",
    terms: "大定可在支付后 {days} 天内退订，之后自动锁单；购物车保留库存 {minutes} 分钟。",
    none: "还没有发布活动。",
};

const EN: CampaignText = CampaignText {
    campaigns: "Launch campaigns",
    phase_hidden: "Not public",
    phase_teaser: "Coming soon",
    phase_revealed: "Price revealed",
    phase_reservations: "Reservations open",
    phase_sales: "On sale",
    until_teaser: "Teaser in",
    until_reveal: "Price reveal in",
    until_open: "Reservations open in",
    until_close: "Reservations close in",
    price: "Price",
    price_hidden: "To be revealed",
    small_deposit: "Small deposit",
    big_deposit: "Big deposit",
    not_offered: "—",
    reservations: "Reservations",
    window: "Reservation window",
    fan_lane: "Fan lane",
    wave_cancelled: "Cancelled",
    fan_lane_rule: "Points needed",
    fan_lane_or_fcode: ", or an F-code of this launch",
    general_lane: "General lane",
    unlimited: "unlimited",
    reserve: "Reserve now",
    reserved: "You reserved",
    place: "No.",
    sign_in: "Sign in to reserve.",
    waves: "Waves",
    no_waves: "Waves will be announced soon.",
    my_orders: "My orders",
    live: "Live counter",
    flagged: "Flagged orders (possible scalpers)",
    production: "Production and delivery (in lock order)",
    queued: "Queued",
    in_production: "In production",
    delivered: "Delivered",
    delivered_in: "{n} delivered in {days} days",
    advance: "Move on",
    advance_count: "Orders",
    cancel_selected: "Cancel the selected orders and return their stock",
    live_total: "Orders so far",
    live_milestones: "Milestones",
    live_per_minute: "Orders per minute",
    live_next_milestone: "Next milestone: {n} orders",
    back_to_campaign: "Back to the campaign",
    console: "Campaign console",
    console_price_note: "Until the reveal, only you can see the prices.",
    new_campaign: "Plan a launch campaign",
    title: "Title",
    teaser_at: "Teaser starts",
    reveal_at: "Price reveal",
    opens_at: "Reservations open",
    closes_at: "Reservations close",
    fan_places: "Fan lane places",
    fan_min_points: "Fan lane minimum points",
    general_places: "General places (empty: unlimited)",
    one_per_person: "One order per person (across all waves)",
    one_per_address: "One order per delivery address",
    verified_only: "Verified accounts only, the buyer being the verified person",
    skus: "SKUs (one per line)",
    skus_hint: "code | name | price (yuan) | small deposit | big deposit, e.g. su7 | SU7 | 215900 | 5000 | 5000",
    create: "Create",
    release_wave: "Release a wave for this campaign",
    terms: "A big order can be refunded for {days} days after payment, then it locks; a cart holds stock for {minutes} minutes.",
    none: "No launch campaigns yet.",
};

pub fn text(locale: Locale) -> &'static CampaignText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

fn phase_label(b: &CampaignText, phase: Phase) -> &'static str {
    match phase {
        Phase::Hidden => b.phase_hidden,
        Phase::Teaser => b.phase_teaser,
        Phase::Revealed => b.phase_revealed,
        Phase::Reservations => b.phase_reservations,
        Phase::Sales => b.phase_sales,
    }
}

pub struct SkuRow {
    pub code: String,
    pub name: String,
    pub price: String,
    pub small: String,
    pub big: String,
}

pub struct CampaignWave {
    pub url: String,
    pub sku: String,
    pub window: String,
    pub quantity: i64,
    pub cancelled: bool,
}

pub struct CampaignCard {
    pub url: String,
    pub title: String,
    pub phase: &'static str,
    pub teaser: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaign.html")]
pub struct CampaignPage {
    pub t: &'static T,
    pub b: &'static CampaignText,
    pub ctx: Layout,
    pub id: i64,
    pub title: String,
    pub product_name: String,
    pub product_url: String,
    pub phase: &'static str,
    pub phase_key: &'static str,
    /// The next moment the page changes at, and what it is called; empty when none.
    pub countdown_label: &'static str,
    pub countdown_iso: String,
    pub now: Millis,
    pub skus: Vec<SkuRow>,
    /// Prices shown to the people who run the product before the reveal.
    pub price_private: bool,
    pub manager: bool,
    pub fan_lane: Option<(i64, i64, i64)>,
    pub general_places: String,
    pub general_taken: i64,
    pub window: String,
    pub reservation: Option<(&'static str, i64)>,
    pub can_reserve: bool,
    pub signed_in: bool,
    pub waves: Vec<CampaignWave>,
    /// The one-per-person / one-per-address rules in force, as a line for fans.
    pub limits: String,
    pub terms: String,
    pub wave_form_url: String,
    pub error: Option<String>,
    /// The caller's orders in this campaign: (url, label).
    pub my_orders: Vec<(String, String)>,
    /// For the people who run it: flagged orders still holding a unit (id, buyer, flags).
    pub flagged: Vec<(i64, String, String)>,
    /// For the people who run it: the production queue's stages.
    pub production: Option<ProductionView>,
    /// 提醒我 before reservations open: whether the signed-in caller will be reminded.
    pub reminder: Option<bool>,
    /// Reservations have not opened yet.
    pub before_reservations: bool,
    pub reminders_waiting: Option<i64>,
}

pub struct ProductionView {
    pub queued: i64,
    pub in_production: i64,
    pub delivered: i64,
    /// "N delivered in D days", once something was delivered.
    pub delivered_line: String,
}

async fn render(
    state: &AppState,
    cx: &Cx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let seen = campaign_actions::show(state, cx.auth.as_ref(), id).await.map_err(|e| match e.code {
        ErrorCode::CampaignNotFound => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    })?;
    let c = &seen.campaign;
    let s = &c.schedule;
    let (countdown_label, target) = match seen.phase {
        Phase::Hidden => (b.until_teaser, Some(s.teaser_at)),
        Phase::Teaser => (b.until_reveal, Some(s.reveal_at)),
        Phase::Revealed => (b.until_open, Some(s.reserve_opens_at)),
        Phase::Reservations => (b.until_close, Some(s.reserve_closes_at)),
        Phase::Sales => ("", None),
    };
    // Before the reveal the price is not in the page at all, except for the people who run
    // the product (their console says so).
    let price_shown = s.price_public(cx.now) || seen.manager;
    let amount = |fen: i64| if fen > 0 { format_yuan(fen) } else { b.not_offered.to_string() };
    let skus = c
        .skus
        .iter()
        .map(|sku| SkuRow {
            code: sku.code.clone(),
            name: sku.name.clone(),
            price: if price_shown { format_yuan(sku.price_fen) } else { b.price_hidden.into() },
            small: if price_shown { amount(sku.small_deposit_fen) } else { b.price_hidden.into() },
            big: if price_shown { amount(sku.big_deposit_fen) } else { b.price_hidden.into() },
        })
        .collect();
    let my_orders = match &cx.auth {
        Some(a) => {
            let labels = super::launch_orders::kind_labels(cx.locale);
            canyu_app::campaigns::launch_orders::launch_orders_of_user(state, a.user.id, 100)
                .await?
                .into_iter()
                .filter(|o| o.campaign_id == id)
                .map(|o| {
                    let label = format!("#{} · {} · {}", o.order_id, o.sku_code, labels.of(o.kind));
                    (format!("/launch-orders/{}", o.order_id), label)
                })
                .collect()
        }
        None => Vec::new(),
    };
    let production = match seen.manager {
        true => {
            let p = canyu_app::campaigns::launch_orders::production_summary(state, id).await?;
            Some(ProductionView {
                delivered_line: p.delivered_in_days().map_or_else(String::new, |days| {
                    b.delivered_in
                        .replace("{n}", &p.delivered.to_string())
                        .replace("{days}", &days.to_string())
                }),
                queued: p.queued,
                in_production: p.in_production,
                delivered: p.delivered,
            })
        }
        false => None,
    };
    let flagged = if seen.manager {
        canyu_app::campaigns::launch_orders::flagged_launch_orders(state, id, 500)
            .await?
            .into_iter()
            .map(|o| {
                let flags: Vec<&str> = o.flags.iter().map(|f| flag_label(cx.locale, f)).collect();
                (o.order_id, o.buyer_name, flags.join(" · "))
            })
            .collect()
    } else {
        Vec::new()
    };
    let r = &c.reservations;
    // Reservations may still be open while one of the campaign's waves sells: fans are told
    // it is on sale, not only that reservations are open.
    let selling = seen.waves.iter().any(|w| w.cancelled.is_none() && w.rules.in_window(cx.now));
    let before_reservations = cx.now < c.schedule.reserve_opens_at;
    let reminder_of = canyu_app::model::ReminderTarget::Campaign(id);
    let reminder = match &cx.auth {
        Some(a) if before_reservations => {
            Some(canyu_app::sales::reminders::is_reminded(state, a, reminder_of).await?)
        }
        _ => None,
    };
    let reminders_waiting = match seen.manager && before_reservations {
        true => Some(canyu_app::sales::reminders::reminder_count(state, reminder_of).await?),
        false => None,
    };
    let page = CampaignPage {
        reminder,
        before_reservations,
        reminders_waiting,
        t: cx.t,
        b,
        ctx: cx.layout(""),
        id,
        title: c.title.clone(),
        product_name: c.product_name.clone(),
        product_url: product_url(&c.product_slug),
        phase: if selling { b.phase_sales } else { phase_label(b, seen.phase) },
        phase_key: seen.phase.as_str(),
        countdown_label,
        countdown_iso: target.map(rfc3339).unwrap_or_default(),
        now: cx.now,
        skus,
        price_private: price_shown && !s.price_public(cx.now),
        manager: seen.manager,
        fan_lane: (r.fan_lane_places > 0).then_some((
            r.fan_lane_places,
            c.fan_lane_taken,
            r.fan_lane_min_points,
        )),
        general_places: r.general_places.map_or_else(|| b.unlimited.to_string(), |n| n.to_string()),
        general_taken: c.general_taken,
        window: cx.datetime_range(s.reserve_opens_at, s.reserve_closes_at),
        reservation: seen
            .reservation
            .as_ref()
            .map(|res| (if res.lane == Lane::Fan { b.fan_lane } else { b.general_lane }, res.place)),
        can_reserve: seen.phase == Phase::Reservations && seen.reservation.is_none(),
        signed_in: cx.auth.is_some(),
        waves: seen
            .waves
            .iter()
            .map(|w| CampaignWave {
                url: format!("/waves/{}", w.id),
                sku: c
                    .skus
                    .iter()
                    .find(|s| s.code == w.rules.sku)
                    .map_or(w.rules.sku.clone(), |s| s.name.clone()),
                window: cx.datetime_range(w.rules.starts_at, w.rules.ends_at),
                quantity: w.rules.online_quantity(),
                cancelled: w.cancelled.is_some(),
            })
            .collect(),
        limits: [
            (c.terms.limits.one_per_person, b.one_per_person),
            (c.terms.limits.one_per_address, b.one_per_address),
            (c.terms.limits.verified_only, b.verified_only),
        ]
        .into_iter()
        .filter_map(|(on, label)| on.then_some(label))
        .collect::<Vec<_>>()
        .join(" · "),
        terms: b
            .terms
            .replace("{days}", &(c.terms.refund_window_ms / canyu_core::campaign::DAY_MS).to_string())
            .replace("{minutes}", &(c.terms.hold_ms / canyu_core::campaign::MINUTE_MS).to_string()),
        wave_form_url: format!("{}/waves?campaign={id}", product_url(&c.product_slug)),
        error,
        my_orders,
        flagged,
        production,
    };
    Ok(cx.respond(status, page))
}

fn campaign_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::NotFound))
}

pub async fn page(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    render(&state, &cx, campaign_id(&id)?, None, StatusCode::OK).await
}

/// 提醒我 without JavaScript: sets or clears the caller's reminder and goes back.
pub async fn remind(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<super::waves::RemindForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id.parse::<i64>().ok().filter(|i| *i > 0).ok_or(WebError::from(ErrorCode::NotFound))?;
    canyu_app::sales::reminders::remind_campaign(&state, auth, id, form.on == "1").await?;
    Ok(see_other(&format!("/campaigns/{id}")))
}

pub async fn reserve(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = campaign_id(&id)?;
    match campaign_actions::reserve(&state, auth, id).await {
        Ok(_) => Ok(see_other(&format!("/campaigns/{id}"))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render(&state, &cx, id, Some(msg), status_of(&e)).await)
        }
    }
}

/// The product's campaigns a caller may see, for the product's sales page.
pub async fn cards(
    state: &AppState,
    cx: &Cx,
    product_id: i64,
    manager: bool,
) -> WebResult<Vec<CampaignCard>> {
    let b = text(cx.locale);
    let all: Vec<Campaign> = canyu_app::campaigns::product_campaigns(state, product_id, 200).await?;
    Ok(all
        .into_iter()
        .filter_map(|c| {
            let phase = c.schedule.phase(cx.now);
            (manager || phase != Phase::Hidden).then(|| CampaignCard {
                url: format!("/campaigns/{}", c.id),
                title: c.title.clone(),
                phase: phase_label(b, phase),
                teaser: cx.datetime(c.schedule.teaser_at),
            })
        })
        .collect())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CampaignForm {
    pub title: String,
    pub teaser_at: String,
    pub reveal_at: String,
    pub opens_at: String,
    pub closes_at: String,
    pub fan_lane_places: String,
    pub fan_lane_min_points: String,
    pub general_places: String,
    /// One SKU per line: `code | name | price | small deposit | big deposit` (yuan).
    pub skus: String,
    /// Sent with every submitted form, so unticked boxes (which send nothing) are told apart
    /// from a blank form, whose boxes start ticked.
    pub limits_shown: String,
    pub one_per_person: String,
    pub one_per_address: String,
    /// Off unless ticked: verification is a step many fans have not taken.
    pub verified_only: String,
}

impl CampaignForm {
    pub fn one_per_person(&self) -> bool {
        self.limits_shown.is_empty() || !self.one_per_person.is_empty()
    }

    pub fn one_per_address(&self) -> bool {
        self.limits_shown.is_empty() || !self.one_per_address.is_empty()
    }
}

/// `215900`, `4999.5` or `4,999.50` yuan, in fen.
fn parse_yuan(raw: &str) -> Option<i64> {
    let cleaned: String = raw.trim().trim_start_matches('¥').chars().filter(|c| *c != ',').collect();
    let (whole, frac) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    if whole.is_empty() || frac.len() > 2 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok().filter(|w: &i64| *w >= 0)?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    whole.checked_mul(100)?.checked_add(frac)
}

fn parse_skus(raw: &str) -> Result<Vec<SkuInput>, ErrorCode> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let money = |i: usize| -> Result<Option<i64>, ErrorCode> {
                match parts.get(i).copied().unwrap_or("") {
                    "" => Ok(None),
                    raw => parse_yuan(raw).map(Some).ok_or(ErrorCode::InvalidPrice),
                }
            };
            if !(3..=5).contains(&parts.len()) {
                return Err(ErrorCode::InvalidSku);
            }
            Ok(SkuInput {
                code: parts[0].to_string(),
                name: parts[1].to_string(),
                price_fen: money(2)?.ok_or(ErrorCode::InvalidPrice)?,
                small_deposit_fen: money(3)?,
                big_deposit_fen: money(4)?,
            })
        })
        .collect()
}

fn optional_number(raw: &str, code: ErrorCode) -> Result<Option<i64>, ErrorCode> {
    match raw.trim() {
        "" => Ok(None),
        n => n.parse().map(Some).map_err(|_| code),
    }
}

pub async fn create(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<CampaignForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product =
        canyu_app::catalog::product(&state, &slug).await?.ok_or(WebError::from(ErrorCode::NotFound))?;
    let parsed = (|| -> Result<CampaignInput, ErrorCode> {
        let time = |raw: &str| cx.parse_local(raw).ok_or(ErrorCode::InvalidCampaignSchedule);
        Ok(CampaignInput {
            product: product.slug.clone(),
            title: form.title.clone(),
            teaser_at: time(&form.teaser_at)?,
            reveal_at: time(&form.reveal_at)?,
            reserve_opens_at: time(&form.opens_at)?,
            reserve_closes_at: time(&form.closes_at)?,
            account_cutoff_at: None,
            fan_lane_places: optional_number(&form.fan_lane_places, ErrorCode::InvalidReservationRules)?,
            fan_lane_min_points: optional_number(
                &form.fan_lane_min_points,
                ErrorCode::InvalidReservationRules,
            )?,
            general_places: optional_number(&form.general_places, ErrorCode::InvalidReservationRules)?,
            fan_lane_head_start_minutes: None,
            hold_minutes: None,
            refund_days: None,
            limits: OrderLimits {
                one_per_person: form.one_per_person(),
                one_per_address: form.one_per_address(),
                verified_only: !form.verified_only.is_empty(),
            },
            skus: parse_skus(&form.skus)?,
        })
    })();
    let result = match parsed {
        Ok(input) => campaign_actions::create(&state, auth, input).await,
        Err(code) => Err(code.into()),
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/campaigns/{}", c.id))),
        Err(e)
            if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::Forbidden) =>
        {
            Err(e.into())
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            let page = super::waves::render_waves_with_campaign_form(
                &state,
                &cx,
                &product,
                form,
                Some(msg),
                status_of(&e),
            )
            .await;
            refused(&e, page)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CampaignQuery {
    pub campaign: Option<String>,
}

pub fn campaign_param(q: &Query<CampaignQuery>) -> Option<i64> {
    q.campaign.as_deref().and_then(|c| c.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts() {
        assert_eq!(parse_yuan("215900"), Some(21_590_000));
        assert_eq!(parse_yuan("¥4,999.5"), Some(499_950));
        assert_eq!(parse_yuan("0.05"), Some(5));
        for bad in ["", "abc", "1.234", "-5", "1.-2"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn sku_lines() {
        let skus =
            parse_skus("su7 | SU7 标准版 | 215900 | 5000 | 5000\n\n max|SU7 Max|299900").expect("skus");
        assert_eq!(skus.len(), 2);
        assert_eq!((skus[0].price_fen, skus[0].big_deposit_fen), (21_590_000, Some(500_000)));
        assert_eq!((skus[1].code.as_str(), skus[1].small_deposit_fen), ("max", None));
        assert_eq!(parse_skus("su7 | SU7").err(), Some(ErrorCode::InvalidSku));
        assert_eq!(parse_skus("su7 | SU7 | lots").err(), Some(ErrorCode::InvalidPrice));
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "campaign_live.html")]
pub struct LivePage {
    pub t: &'static T,
    pub b: &'static CampaignText,
    pub ctx: Layout,
    pub id: i64,
    pub title: String,
    pub campaign_url: String,
    pub kinds: Vec<(&'static str, &'static str)>,
    /// The site's zone as the screen names it, beside its clock.
    pub zone: String,
    pub now: Millis,
    /// The zone's offset now, for the screen's clock (a launch night has no DST change).
    pub offset_minutes: i32,
}

/// The big screen: numbers that move, fed by `/api/v1/campaigns/{id}/live`.
pub async fn live(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let id = campaign_id(&id)?;
    let seen = campaign_actions::show(&state, cx.auth.as_ref(), id).await.map_err(|e| match e.code {
        ErrorCode::CampaignNotFound => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    })?;
    let labels = super::launch_orders::kind_labels(cx.locale);
    let mut ctx = cx.layout("");
    ctx.bare = true;
    let page = LivePage {
        t: cx.t,
        b: text(cx.locale),
        ctx,
        id,
        title: seen.campaign.title.clone(),
        campaign_url: format!("/campaigns/{id}"),
        kinds: canyu_core::campaign::OrderKind::ALL.iter().map(|k| (k.as_str(), labels.of(*k))).collect(),
        zone: i18n::zone_label(cx.locale, &cx.zone),
        now: cx.now,
        offset_minutes: cx.zone.offset_seconds(cx.now) / 60,
    };
    Ok(cx.respond(StatusCode::OK, page))
}

/// The big screen's chart: orders per minute over the last hour, an SVG the page reloads.
pub async fn live_chart(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = campaign_id(&id)?;
    let points = canyu_app::campaigns::live::orders_per_minute(
        &state,
        cx.auth.as_ref(),
        id,
        crate::charts::LIVE_MINUTES,
    )
    .await
    .map_err(|e| match e.code {
        ErrorCode::CampaignNotFound => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    })?;
    let svg = crate::charts::orders_per_minute(&points, cx.now, &cx.zone, text(cx.locale).live_per_minute);
    let headers =
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"), (header::CACHE_CONTROL, "no-store")];
    Ok((headers, svg).into_response())
}

/// The console's bulk cancellation: `orders` repeated, one per ticked box.
pub async fn cancel_flagged(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = campaign_id(&id)?;
    let orders: Vec<i64> = form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "orders")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    match canyu_app::campaigns::launch_orders::cancel_in_bulk(&state, auth, id, &orders).await.map(|_| ()) {
        Ok(()) => Ok(see_other(&format!("/campaigns/{id}"))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render(&state, &cx, id, Some(msg), status_of(&e)).await)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProductionForm {
    /// `in_production` (the next queued orders) or `delivered` (the next in production).
    pub stage: String,
    pub count: String,
}

/// The console's production form: the next `count` orders move on to `stage`, in lock order.
pub async fn advance_production(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ProductionForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = campaign_id(&id)?;
    let result = match form.count.trim().parse::<i64>() {
        Ok(count) => {
            canyu_app::campaigns::launch_orders::advance_production(&state, auth, id, &form.stage, count)
                .await
                .map(|_| ())
        }
        Err(_) => Err(ErrorCode::InvalidStage.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/campaigns/{id}#production"))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render(&state, &cx, id, Some(msg), status_of(&e)).await)
        }
    }
}

/// What an anti-scalper flag means, for the staff reviewing it (unknown flags as they are).
fn flag_label(locale: Locale, flag: &str) -> &str {
    let zh = locale == Locale::ZhCn;
    match flag {
        "fresh_account" if zh => "预热后新注册的账号",
        "fresh_account" => "account made after the teaser",
        "ip_burst" if zh => "同一网络一分钟内多单",
        "ip_burst" => "several orders a minute from one network",
        "shared_device" if zh => "同一设备为多个账号下单",
        "shared_device" => "one device ordering for several accounts",
        "shared_address" if zh => "收货地址与他人相同",
        "shared_address" => "delivery address another fan ordered to",
        other => other,
    }
}
