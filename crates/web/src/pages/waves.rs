//! `/waves/{id}`: a wave's page for fans (countdown, live remaining stock, the buy button)
//! and `/products/{slug}/waves`: a product's waves, with the release form for the people
//! who run it. The buy form carries an idempotency key made when the page was rendered, so
//! a double click or a resubmitted form is one order.

use super::campaigns::{CampaignCard, CampaignForm, CampaignQuery, CampaignText, campaign_param};
use super::i18n::T;
use super::{Cx, Layout, form_error, product_url, refused, see_other, status_of};
use crate::auth::random_token;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::AppError;
use canyu_app::model::{Product, Wave};
use canyu_app::sales::waves::{self as wave_actions, WaveInput};
use canyu_core::time::rfc3339;
use canyu_core::wave::Eligibility;
use canyu_core::{ErrorCode, Locale, Millis};
use serde::Deserialize;
use std::collections::BTreeMap;

pub struct WaveText {
    pub waves: &'static str,
    pub quantity: &'static str,
    pub remaining: &'static str,
    pub per_fan: &'static str,
    pub window: &'static str,
    pub buy: &'static str,
    pub starts_in: &'static str,
    pub ends_in: &'static str,
    pub ended: &'static str,
    pub ordered: &'static str,
    pub sign_in: &'static str,
    pub eligibility: &'static str,
    pub none: &'static str,
    pub release: &'static str,
    pub sku: &'static str,
    pub starts_at: &'static str,
    pub starts_at_hint: &'static str,
    pub minutes: &'static str,
    pub everyone: &'static str,
    pub beta_only: &'static str,
    pub reserved_only: &'static str,
    pub owners_only: &'static str,
    pub owners_of: &'static str,
    pub kind: &'static str,
    pub buyer_name: &'static str,
    pub buyer_verified: &'static str,
    pub needs_verification: &'static str,
    pub verify_now: &'static str,
    pub address: &'static str,
    pub address_required: &'static str,
    pub campaign: &'static str,
    pub min_level: &'static str,
    pub create: &'static str,
    pub enter: &'static str,
    pub entered: &'static str,
    pub entries: &'static str,
    pub commitment: &'static str,
    pub drawn: &'static str,
    pub manage: &'static str,
    pub end_now: &'static str,
    pub end_confirm: &'static str,
    pub end_in: &'static str,
    pub move_end: &'static str,
    pub set_quantity: &'static str,
    pub quantity_to: &'static str,
    pub quantity_hint: &'static str,
    pub mode: &'static str,
    pub fcfs: &'static str,
    pub draw: &'static str,
    pub cancelled: &'static str,
    pub cancel: &'static str,
    pub cancel_reason: &'static str,
    pub cancel_confirm: &'static str,
}

const ZH: WaveText = WaveText {
    waves: "发售",
    quantity: "本轮数量",
    remaining: "剩余",
    per_fan: "每人限购",
    window: "发售时间",
    buy: "立即购买",
    starts_in: "距开售",
    ends_in: "距结束",
    ended: "本轮已结束",
    ordered: "下单成功！订单号",
    sign_in: "登录后即可购买。",
    eligibility: "购买资格",
    none: "还没有发售。",
    release: "新建一轮发售",
    sku: "SKU（版本、颜色）",
    starts_at: "开售时间",
    starts_at_hint: "例如 2026-11-27T22:00",
    minutes: "持续时间（分钟）",
    everyone: "所有人",
    beta_only: "仅内测成员",
    reserved_only: "仅限已预约的粉丝",
    owners_only: "车主专享",
    owners_of: "哪款产品的车主或用户",
    kind: "订单类型",
    buyer_name: "购买人姓名（锁单后不可修改）",
    buyer_verified: "购买人（实名认证本人）",
    needs_verification: "这次发布仅限实名认证的账号下单，购买人为认证本人。",
    verify_now: "去实名认证",
    address: "收货地址（选填）",
    address_required: "收货地址（每个地址限购一单）",
    campaign: "发布活动",
    min_level: "最低等级",
    create: "发布",
    enter: "报名抽签",
    entered: "你已报名，开奖后中签者自动获得订单。",
    entries: "已报名",
    commitment: "种子承诺（SHA-256）",
    drawn: "已开奖：名单、种子和中签者均已公开，可用 canyu launch verify-draw 自行验证。",
    manage: "管理这一轮",
    end_now: "立即结束这一轮",
    end_confirm: "确认立即停止发售（已下的订单保留）",
    end_in: "改为多少分钟后结束",
    move_end: "改结束时间",
    set_quantity: "调整数量",
    quantity_to: "这一轮的总数量",
    quantity_hint: "加货或收回未售出的库存；增减的是线上数量，不能少于已售出。",
    mode: "方式",
    fcfs: "先到先得",
    draw: "抽签",
    cancelled: "本轮发售已撤销",
    cancel: "撤销这一轮",
    cancel_reason: "撤销原因（粉丝可见，选填）",
    cancel_confirm: "确认撤销：这一轮不再开售，F 码和抽签报名随之作废",
};

const EN: WaveText = WaveText {
    waves: "Sales",
    quantity: "Units this wave",
    remaining: "Left",
    per_fan: "Per fan",
    window: "On sale",
    buy: "Buy now",
    starts_in: "Starts in",
    ends_in: "Ends in",
    ended: "This wave has ended",
    ordered: "Ordered! Order number",
    sign_in: "Sign in to buy.",
    eligibility: "Who may buy",
    none: "No sales yet.",
    release: "Release a wave",
    sku: "SKU (edition, colour)",
    starts_at: "Sale starts",
    starts_at_hint: "e.g. 2026-11-27T22:00",
    minutes: "Duration (minutes)",
    everyone: "Everyone",
    beta_only: "Beta members only",
    reserved_only: "Fans who reserved",
    owners_only: "Owners of",
    owners_of: "Owners of which product",
    kind: "Order type",
    buyer_name: "Buyer's name (frozen once locked)",
    buyer_verified: "Buyer (the verified account holder)",
    needs_verification: "This launch takes orders only from verified accounts, the buyer being the verified person.",
    verify_now: "Verify your identity",
    address: "Delivery address (optional)",
    address_required: "Delivery address (one order per address)",
    campaign: "Campaign",
    min_level: "Minimum level",
    create: "Release",
    enter: "Enter the draw",
    entered: "You are in the draw; winners get their order automatically.",
    entries: "Entries",
    commitment: "Seed commitment (SHA-256)",
    drawn: "Drawn: the entries, the seed and the winners are published; check them with canyu launch verify-draw.",
    manage: "Manage this wave",
    end_now: "End this wave now",
    end_confirm: "Yes, stop selling now (orders placed stand)",
    end_in: "End it in this many minutes",
    move_end: "Move the end",
    set_quantity: "Set the quantity",
    quantity_to: "This wave's total quantity",
    quantity_hint: "Add stock or take back units not sold; online units change, never below what was sold.",
    mode: "Mode",
    fcfs: "First come, first served",
    draw: "Draw",
    cancelled: "This wave was cancelled",
    cancel: "Cancel this wave",
    cancel_reason: "Reason (fans see it; optional)",
    cancel_confirm: "Yes, cancel: it will not go on sale, and its F-codes and draw entries lapse",
};

fn text(locale: Locale) -> &'static WaveText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

fn eligibility_label(b: &WaveText, w: &Wave) -> String {
    match w.rules.eligibility {
        Eligibility::Everyone => b.everyone.to_string(),
        Eligibility::Beta => b.beta_only.to_string(),
        Eligibility::MinLevel(l) => format!("{} Lv{l}", b.min_level),
        Eligibility::FCode => "F".to_string(),
        Eligibility::Reservation => b.reserved_only.to_string(),
        Eligibility::OwnersOf(_) => {
            format!("{} {}", b.owners_only, w.owners_of_slug.as_deref().unwrap_or(""))
        }
    }
}

pub struct WaveCard {
    pub id: i64,
    pub url: String,
    pub sku: String,
    /// Online units: what the engine sells.
    pub quantity: i64,
    /// Units across every channel: what staff set.
    pub total: i64,
    pub remaining: i64,
    pub per_fan_limit: i64,
    /// `2026-12-06 22:25 – 12-08 22:26 北京时间`.
    pub window: String,
    pub starts_iso: String,
    pub ends_iso: String,
    pub eligibility: String,
    pub draw: bool,
    /// Cancelled before it started: the reason fans are told (may be empty).
    pub cancelled: Option<String>,
}

fn card(cx: &Cx, b: &WaveText, w: &Wave, taken: i64) -> WaveCard {
    WaveCard {
        id: w.id,
        url: format!("/waves/{}", w.id),
        sku: w.rules.sku.clone(),
        quantity: w.rules.online_quantity(),
        total: w.rules.quantity,
        remaining: (w.rules.online_quantity() - taken).max(0),
        per_fan_limit: w.rules.per_fan_limit,
        window: cx.datetime_range(w.rules.starts_at, w.rules.ends_at),
        starts_iso: rfc3339(w.rules.starts_at),
        ends_iso: rfc3339(w.rules.ends_at),
        eligibility: eligibility_label(b, w),
        draw: w.rules.mode == canyu_core::wave::WaveMode::Draw,
        cancelled: w.cancelled.as_ref().map(|c| c.reason.clone()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "wave.html")]
pub struct WavePage {
    pub t: &'static T,
    pub b: &'static WaveText,
    pub ctx: Layout,
    /// The caller runs the product and the wave is on sale: the form to end it or move its end.
    pub can_end: bool,
    /// The caller runs the product and the wave has not started: the form to cancel it.
    pub can_cancel: bool,
    pub product_name: String,
    pub product_url: String,
    pub wave: WaveCard,
    pub now: Millis,
    pub signed_in: bool,
    /// A fresh idempotency key for this rendering of the buy form.
    pub key: String,
    pub ordered: Option<String>,
    pub error: Option<String>,
    /// For draw waves: the commitment, the entries so far, whether it was drawn.
    pub commitment: String,
    pub entries: i64,
    pub drawn: bool,
    pub entered: bool,
    /// For a campaign's wave: the kinds of order its SKU takes, with the amount due now.
    pub kinds: Vec<KindOption>,
    pub campaign_url: String,
    /// The campaign allows one order per address, so the buy form asks for one.
    pub address_required: bool,
    /// The campaign takes only verified accounts: the caller's verified name (the buyer),
    /// or `needs_verification` when the caller has none.
    pub verified_buyer: Option<String>,
    pub needs_verification: bool,
    /// 提醒我, before the wave starts: whether the signed-in caller will be reminded.
    pub reminder: Option<bool>,
    pub upcoming: bool,
    /// The wave's managers see how many fans wait for the reminder.
    pub reminders_waiting: Option<i64>,
}

pub struct KindOption {
    pub value: &'static str,
    pub label: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WaveQuery {
    pub ordered: Option<String>,
}

async fn render_wave(
    state: &AppState,
    cx: &Cx,
    id: i64,
    ordered: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let (wave, taken) = wave_actions::show(state, id).await.map_err(|e| match e.code {
        ErrorCode::WaveNotFound => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    })?;
    let product = canyu_app::catalog::product_by_id(state, wave.product_id)
        .await?
        .ok_or(WebError::from(ErrorCode::NotFound))?;
    let (commitment, entries, drawn) = match canyu_app::sales::draws::draw_state(state, id).await? {
        Some(d) => (d.commitment, d.entries, d.drawn_at.is_some()),
        None => (String::new(), 0, false),
    };
    let entered = match (&cx.auth, commitment.is_empty()) {
        (Some(a), false) => canyu_app::sales::draws::has_entered(state, id, a.user.id).await?,
        _ => false,
    };
    let mut verified_buyer = None;
    let mut needs_verification = false;
    // A campaign's SKUs have names fans read (`标准版`); a plain wave's SKU is its own label.
    let mut sku_name = None;
    let (kinds, campaign_url, address_required) = match wave.campaign_id {
        Some(campaign_id) => {
            let campaign =
                canyu_app::campaigns::cached(state, campaign_id).await?.ok_or(ErrorCode::Internal)?;
            let labels = super::launch_orders::kind_labels(cx.locale);
            let sku = campaign.skus.iter().find(|s| s.code == wave.rules.sku);
            sku_name = sku.map(|s| s.name.clone());
            // A wave's page may be open before the campaign's reveal: no amount until then.
            let public = campaign.schedule.price_public(cx.now);
            let kinds = canyu_core::campaign::OrderKind::ALL
                .into_iter()
                .filter_map(|kind| {
                    let amount = sku?.amount_due(kind)?;
                    let label = match public {
                        true => format!("{} {}", labels.of(kind), canyu_core::campaign::format_yuan(amount)),
                        false => labels.of(kind).to_string(),
                    };
                    Some(KindOption { value: kind.as_str(), label })
                })
                .collect();
            if campaign.terms.limits.verified_only
                && let Some(auth) = &cx.auth
            {
                verified_buyer =
                    canyu_app::accounts::identity(state, auth.user.id).await?.map(|i| i.real_name);
                needs_verification = verified_buyer.is_none();
            }
            (kinds, format!("/campaigns/{campaign_id}"), campaign.terms.limits.one_per_address)
        }
        None => (Vec::new(), String::new(), false),
    };
    let live = wave.cancelled.is_none();
    let on_sale = live && wave.rules.in_window(cx.now);
    let upcoming = live && cx.now < wave.rules.starts_at;
    let manager = match &cx.auth {
        Some(a) if on_sale || upcoming => canyu_app::policy::can_manage(state, a, wave.product_id).await?,
        _ => false,
    };
    let target = canyu_app::model::ReminderTarget::Wave(id);
    let reminder = match &cx.auth {
        Some(a) if upcoming => Some(canyu_app::sales::reminders::is_reminded(state, a, target).await?),
        _ => None,
    };
    let reminders_waiting = match manager && upcoming {
        true => Some(canyu_app::sales::reminders::reminder_count(state, target).await?),
        false => None,
    };
    let page = WavePage {
        reminder,
        upcoming,
        reminders_waiting,
        can_end: manager && on_sale,
        can_cancel: manager && upcoming,
        kinds,
        campaign_url,
        address_required,
        verified_buyer,
        needs_verification,
        commitment,
        entries,
        drawn,
        entered,
        t: cx.t,
        b,
        ctx: cx.layout(""),
        product_name: product.name.clone(),
        product_url: product_url(&product.slug),
        wave: {
            let mut card = card(cx, b, &wave, taken);
            if let Some(name) = sku_name {
                card.sku = name;
            }
            card
        },
        now: cx.now,
        signed_in: cx.auth.is_some(),
        key: random_token(16),
        ordered,
        error,
    };
    Ok(cx.respond(status, page))
}

fn wave_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::NotFound))
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Query(q): Query<WaveQuery>,
) -> WebResult<Response> {
    let ordered =
        q.ordered.filter(|o| o.len() <= 40 && o.chars().all(|c| c.is_ascii_alphanumeric() || c == '#'));
    render_wave(&state, &cx, wave_id(&id)?, ordered, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BuyForm {
    pub key: String,
    /// In a campaign's wave: `full`, `small` or `big`, and the buyer's name.
    pub kind: String,
    pub buyer_name: String,
    pub address: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RemindForm {
    /// `1` to be reminded, `0` to stop.
    pub on: String,
}

/// 提醒我 without JavaScript: sets or clears the caller's reminder and goes back.
pub async fn remind(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<RemindForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id.parse::<i64>().ok().filter(|i| *i > 0).ok_or(WebError::from(ErrorCode::NotFound))?;
    canyu_app::sales::reminders::remind_wave(&state, auth, id, form.on == "1").await?;
    Ok(super::see_other(&format!("/waves/{id}")))
}

pub async fn enter(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = wave_id(&id)?;
    let entered = canyu_app::sales::draws::enter(&state, auth, id).await.map(drop);
    back_to_wave(&state, &cx, id, entered).await
}

/// After a form on a wave's page: back to the page, or the page again saying what was
/// refused. Errors that are no refusal of the form get the error page.
async fn back_to_wave(state: &AppState, cx: &Cx, id: i64, done: Result<(), AppError>) -> WebResult<Response> {
    match done {
        Ok(()) => Ok(see_other(&format!("/waves/{id}"))),
        Err(e) if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated) => Err(e.into()),
        Err(e) => {
            let msg = form_error(cx, &e);
            refused(&e, render_wave(state, cx, id, None, Some(msg), status_of(&e)).await)
        }
    }
}

pub async fn buy(
    State(state): State<AppState>,
    cx: Cx,
    client_ip: crate::client_ip::ClientIp,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<BuyForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = wave_id(&id)?;
    // A browser that never ordered gets its device cookie with this answer.
    let (device, device_cookie) = crate::auth::device_for(&headers, state.config().secure_cookies);
    let present = |v: &str| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let (kind, buyer_name, address) =
        (present(&form.kind), present(&form.buyer_name), present(&form.address));
    // What the form asked for is the request's body: the same key with another choice is refused.
    let body = match (&kind, &buyer_name) {
        (None, None) => String::new(),
        _ => format!("{}\n{}\n{}", form.kind.trim(), form.buyer_name.trim(), form.address.trim()),
    };
    let options = wave_actions::OrderOptions {
        launch: canyu_app::campaigns::launch_orders::LaunchChoice {
            kind: kind.as_deref(),
            buyer_name: buyer_name.as_deref(),
            address: address.as_deref(),
            client_ip: Some(client_ip.0),
            device: Some(&device),
        },
        ..Default::default()
    };
    let result = match canyu_core::wave::parse_idempotency_key(Some(&form.key)) {
        Ok(key) => wave_actions::place(&state, auth, id, key, body.as_bytes(), options).await,
        Err(code) => Err(code.into()),
    };
    let with_device = |mut res: Response| {
        if let Some(cookie) = &device_cookie {
            res.headers_mut().append(axum::http::header::SET_COOKIE, cookie.clone());
        }
        res
    };
    match result {
        Ok(ordered) if ordered.launch.is_some() => {
            Ok(with_device(see_other(&format!("/launch-orders/{}", ordered.order.order_id))))
        }
        Ok(ordered) => Ok(with_device(see_other(&format!("/waves/{id}?ordered={}", ordered.order.order_id)))),
        Err(e) => back_to_wave(&state, &cx, id, Err(e)).await,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuantityForm {
    pub quantity: String,
}

/// The people who run the product add stock to a wave on sale or take back units not sold.
pub async fn set_quantity(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<QuantityForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = wave_id(&id)?;
    let result = match form.quantity.trim().parse::<i64>() {
        Ok(quantity) => wave_actions::set_quantity(&state, auth, id, quantity).await,
        Err(_) => Err(ErrorCode::InvalidWaveQuantity.into()),
    };
    back_to_wave(&state, &cx, id, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EndForm {
    /// Empty: end now (with `confirm`). Else the wave ends this many minutes from now.
    pub minutes: String,
    pub confirm: String,
}

/// The people who run the product end a wave now or move its end.
pub async fn end(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<EndForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = wave_id(&id)?;
    let change = match form.minutes.trim() {
        "" if form.confirm.is_empty() => Err(WebError::from(ErrorCode::WaveEndNotConfirmed)),
        "" => Ok(wave_actions::NewWindow::EndNow),
        m => match m.parse::<i64>() {
            Ok(m) if (1..=canyu_core::wave::MAX_WAVE_MS / 60_000).contains(&m) => {
                Ok(wave_actions::NewWindow::Move { starts_at: None, ends_at: Some(cx.now + m * 60_000) })
            }
            _ => Err(ErrorCode::InvalidWaveWindow.into()),
        },
    };
    let result = match change {
        Ok(change) => wave_actions::set_window(&state, auth, id, change).await,
        Err(e) => Err(e.into()),
    };
    back_to_wave(&state, &cx, id, result).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    pub reason: String,
    pub confirm: String,
}

/// The people who run the product withdraw a wave that has not started.
pub async fn cancel(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<CancelForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = wave_id(&id)?;
    let result = match form.confirm.is_empty() {
        true => Err(ErrorCode::WaveCancelNotConfirmed.into()),
        false => wave_actions::cancel(&state, auth, id, &form.reason).await,
    };
    back_to_wave(&state, &cx, id, result).await
}

#[derive(Template, WebTemplate)]
#[template(path = "waves.html")]
pub struct WavesPage {
    pub t: &'static T,
    pub b: &'static WaveText,
    pub ctx: Layout,
    pub product_name: String,
    pub product_url: String,
    pub action: String,
    pub waves: Vec<WaveCard>,
    pub manager: bool,
    pub form: WaveForm,
    pub error: Option<String>,
    pub c: &'static CampaignText,
    pub campaigns: Vec<CampaignCard>,
    pub campaign_action: String,
    pub campaign_form: CampaignForm,
    /// Products for the `owners_of` choice: (slug, name).
    pub products: Vec<(String, String)>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct WaveForm {
    pub sku: String,
    pub quantity: String,
    pub per_fan_limit: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone (an `<input type="datetime-local">`).
    pub starts_at: String,
    pub minutes: String,
    pub eligibility: String,
    pub min_level: String,
    /// With `owners_of`: the product's slug.
    pub owners_of: String,
    /// `fcfs` (default) or `draw`.
    pub mode: String,
    /// The campaign the wave belongs to (id), if any.
    pub campaign: String,
}

async fn render_waves(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    form: WaveForm,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    render_waves_page(state, cx, product, form, CampaignForm::default(), error, status).await
}

/// The sales page again, with the campaign form as it was sent (and why it was refused).
pub(crate) async fn render_waves_with_campaign_form(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    campaign_form: CampaignForm,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    render_waves_page(state, cx, product, default_wave_form(None), campaign_form, error, status).await
}

async fn render_waves_page(
    state: &AppState,
    cx: &Cx,
    product: &Product,
    form: WaveForm,
    campaign_form: CampaignForm,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let b = text(cx.locale);
    let manager = match &cx.auth {
        Some(a) => canyu_app::policy::can_manage(state, a, product.id).await?,
        None => false,
    };
    let waves = canyu_app::sales::waves::waves_for_product(state, product.id).await?;
    let mut cards = Vec::with_capacity(waves.len());
    for w in &waves {
        let taken = canyu_app::sales::waves::taken(state, w).await;
        cards.push(card(cx, b, w, taken));
    }
    let page = WavesPage {
        t: cx.t,
        b,
        ctx: cx.layout(""),
        product_name: product.name.clone(),
        product_url: product_url(&product.slug),
        action: format!("{}/waves", product_url(&product.slug)),
        waves: cards,
        c: super::campaigns::text(cx.locale),
        campaigns: super::campaigns::cards(state, cx, product.id, manager).await?,
        campaign_action: format!("{}/campaigns", product_url(&product.slug)),
        campaign_form,
        products: canyu_app::catalog::list_products(state)
            .await?
            .into_iter()
            .map(|p| (p.slug, p.name))
            .collect(),
        manager,
        form,
        error,
    };
    Ok(cx.respond(status, page))
}

async fn product(state: &AppState, slug: &str) -> WebResult<Product> {
    canyu_app::catalog::product(state, slug).await?.ok_or(WebError::from(ErrorCode::NotFound))
}

fn default_wave_form(campaign: Option<i64>) -> WaveForm {
    WaveForm {
        quantity: "1000".into(),
        per_fan_limit: "1".into(),
        minutes: "60".into(),
        eligibility: if campaign.is_some() { "reservation".into() } else { String::new() },
        campaign: campaign.map(|c| c.to_string()).unwrap_or_default(),
        ..WaveForm::default()
    }
}

pub async fn list(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    q: Query<CampaignQuery>,
) -> WebResult<Response> {
    let product = product(&state, &slug).await?;
    render_waves(&state, &cx, &product, default_wave_form(campaign_param(&q)), None, StatusCode::OK).await
}

/// Why the form's start or duration cannot be read, naming the form's own field: the
/// shared `invalid_wave_window` message speaks of a window the form never shows, and the
/// API's `invalid_time` of RFC 3339, which nobody types into a date picker.
fn missing_time(cx: &Cx, form: &WaveForm) -> Option<String> {
    let b = text(cx.locale);
    let zone = super::i18n::zone_label(cx.locale, &cx.zone);
    if cx.parse_local(&form.starts_at).is_none() {
        return Some(match cx.locale {
            Locale::ZhCn => format!("请填写「{}」（{}，{zone}）。", b.starts_at, b.starts_at_hint),
            Locale::En => format!("Fill in \u{201c}{}\u{201d} ({}, {zone}).", b.starts_at, b.starts_at_hint),
        });
    }
    if form.minutes.trim().parse::<i64>().map_or(true, |m| m < 1) {
        return Some(match cx.locale {
            Locale::ZhCn => format!("请填写「{}」：至少 1 分钟，最长 90 天。", b.minutes),
            Locale::En => {
                format!("Fill in \u{201c}{}\u{201d}: at least 1 minute, at most 90 days.", b.minutes)
            }
        });
    }
    None
}

pub async fn create(
    State(state): State<AppState>,
    cx: Cx,
    Path(slug): Path<String>,
    Form(form): Form<WaveForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let product = product(&state, &slug).await?;
    if let Some(msg) = missing_time(&cx, &form) {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_waves(&state, &cx, &product, form, Some(msg), status).await;
    }
    let parsed = (|| -> Result<WaveInput, WebError> {
        let number = |raw: &str, code: ErrorCode| raw.trim().parse::<i64>().map_err(|_| WebError::from(code));
        let starts_at = cx.parse_local(&form.starts_at).ok_or(ErrorCode::InvalidWaveWindow)?;
        let minutes = number(&form.minutes, ErrorCode::InvalidWaveWindow)?;
        let eligibility = match form.eligibility.as_str() {
            "" | "everyone" => None,
            other => Some(other.to_string()),
        };
        let min_level = match form.min_level.trim() {
            "" => None,
            raw => Some(number(raw, ErrorCode::InvalidEligibility)?),
        };
        Ok(WaveInput {
            product: product.slug.clone(),
            sku: Some(form.sku.clone()),
            quantity: number(&form.quantity, ErrorCode::InvalidWaveQuantity)?,
            mode: if form.mode == "draw" { "draw".into() } else { "fcfs".into() },
            per_fan_limit: Some(number(&form.per_fan_limit, ErrorCode::InvalidPerFanLimit)?),
            starts_at,
            ends_at: starts_at.saturating_add(minutes.saturating_mul(60_000)),
            eligibility,
            min_level,
            owners_of: Some(form.owners_of.clone())
                .filter(|s| !s.trim().is_empty() && form.eligibility == "owners_of"),
            channels: BTreeMap::new(),
            fcode_quantity: None,
            campaign: match form.campaign.trim() {
                "" => None,
                raw => Some(raw.parse().map_err(|_| WebError::from(ErrorCode::InvalidCampaign))?),
            },
        })
    })();
    let result = match parsed {
        Ok(input) => wave_actions::create(&state, auth, input).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(wave) => Ok(see_other(&format!("/waves/{}", wave.id))),
        Err(e)
            if matches!(e.code, ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::Forbidden) =>
        {
            Err(e.into())
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render_waves(&state, &cx, &product, form, Some(msg), status_of(&e)).await)
        }
    }
}
