//! `/launch-orders/{id}`: a launch order's page for its buyer: what is due and until when,
//! where it stands, and the moves it allows (pay with the demo's provider, cancel, lock,
//! refund, rename the buyer), with every transition so far.

use super::i18n::T;
use super::{Cx, Layout, form_error, refused, see_other, status_of};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::campaigns::launch_orders as launch;
use canyu_core::campaign::{OrderEvent, OrderKind, OrderState, format_yuan};
use canyu_core::time::rfc3339;
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

pub struct KindLabels {
    pub full: &'static str,
    pub small: &'static str,
    pub big: &'static str,
}

impl KindLabels {
    pub fn of(&self, kind: OrderKind) -> &'static str {
        match kind {
            OrderKind::Full => self.full,
            OrderKind::Small => self.small,
            OrderKind::Big => self.big,
        }
    }
}

pub fn kind_labels(locale: Locale) -> &'static KindLabels {
    match locale {
        Locale::ZhCn => {
            &KindLabels {
                full: "全款购买", small: "小定（随时可退）", big: "大定（7 天内可退）"
            }
        }
        Locale::En => &KindLabels {
            full: "Full purchase",
            small: "Small deposit (refundable any time)",
            big: "Big deposit (refundable for 7 days)",
        },
    }
}

pub struct OrderText {
    pub title: &'static str,
    pub sku: &'static str,
    pub kind: &'static str,
    pub amount: &'static str,
    pub buyer: &'static str,
    pub pay_by: &'static str,
    pub refundable_until: &'static str,
    pub locked_at: &'static str,
    pub pay: &'static str,
    pub cancel: &'static str,
    pub lock: &'static str,
    pub refund: &'static str,
    pub rename: &'static str,
    pub history: &'static str,
    pub lock_note: &'static str,
    pub price_protection: &'static str,
    pub price_now: &'static str,
    pub return_order: &'static str,
    pub return_note: &'static str,
}

const ZH: OrderText = OrderText {
    title: "订单",
    sku: "版本",
    kind: "类型",
    amount: "应付",
    buyer: "购买人",
    pay_by: "请在此时间前支付",
    refundable_until: "可退订至",
    locked_at: "锁单时间",
    pay: "支付（演示）",
    cancel: "取消订单",
    lock: "立即锁单",
    refund: "申请退订",
    rename: "修改购买人",
    history: "订单记录",
    lock_note: "锁单后不能退订，购买人姓名不能再改，订单按锁单时间进入排产。",
    price_protection: "价保补偿",
    price_now: "现价",
    return_order: "办理退货（售后）",
    return_note: "售后退货：货款原路退回，销售台账记一笔冲销。",
};

const EN: OrderText = OrderText {
    title: "Order",
    sku: "Edition",
    kind: "Type",
    amount: "Due",
    buyer: "Buyer",
    pay_by: "Pay before",
    refundable_until: "Refundable until",
    locked_at: "Locked at",
    pay: "Pay (demo)",
    cancel: "Cancel order",
    lock: "Lock now",
    refund: "Refund",
    rename: "Change buyer",
    history: "History",
    lock_note: "Once locked there is no refund, the buyer's name is frozen, and the order is built in lock order.",
    price_protection: "Price protection",
    price_now: "now",
    return_order: "Take back (after-sales)",
    return_note: "After-sales return: the money goes back and the sales ledger gets a reversing row.",
};

pub(super) fn state_label(locale: Locale, state: OrderState) -> &'static str {
    match (locale, state) {
        (Locale::ZhCn, OrderState::AwaitingPayment) => "待支付",
        (Locale::ZhCn, OrderState::Paid) => "已支付",
        (Locale::ZhCn, OrderState::Deposited) => "定金已付",
        (Locale::ZhCn, OrderState::Locked) => "已锁单",
        (Locale::ZhCn, OrderState::Refunded) => "已退订",
        (Locale::ZhCn, OrderState::Expired) => "已超时",
        (Locale::ZhCn, OrderState::Cancelled) => "已取消",
        (Locale::ZhCn, OrderState::Returned) => "已退货",
        (Locale::En, OrderState::AwaitingPayment) => "Awaiting payment",
        (Locale::En, OrderState::Paid) => "Paid",
        (Locale::En, OrderState::Deposited) => "Deposit paid",
        (Locale::En, OrderState::Locked) => "Locked",
        (Locale::En, OrderState::Refunded) => "Refunded",
        (Locale::En, OrderState::Expired) => "Expired",
        (Locale::En, OrderState::Cancelled) => "Cancelled",
        (Locale::En, OrderState::Returned) => "Returned",
    }
}

pub struct EventRow {
    pub at: String,
    pub to: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "launch_order.html")]
pub struct LaunchOrderPage {
    pub t: &'static T,
    pub b: &'static OrderText,
    pub ctx: Layout,
    pub id: i64,
    pub campaign_url: String,
    pub campaign_title: String,
    pub sku: String,
    pub kind: &'static str,
    pub amount: String,
    pub state: &'static str,
    pub state_key: &'static str,
    pub buyer: String,
    pub pay_by: Option<String>,
    pub pay_by_iso: String,
    pub refundable_until: Option<String>,
    pub locked_at: Option<String>,
    pub can_pay: bool,
    pub can_cancel: bool,
    pub can_lock: bool,
    pub can_refund: bool,
    pub can_rename: bool,
    /// Staff who run the product may take a sold order back (after-sales).
    pub can_return: bool,
    /// 价保: the credit and the price that triggered it, in yuan.
    pub price_protection: Option<(String, String)>,
    pub events: Vec<EventRow>,
    pub error: Option<String>,
}

async fn render(
    state: &AppState,
    cx: &Cx,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let order = launch::show(state, auth, id).await.map_err(|e| match e.code {
        ErrorCode::OrderNotFound | ErrorCode::NotALaunchOrder => WebError::from(ErrorCode::NotFound),
        _ => e.into(),
    })?;
    let campaign =
        canyu_app::campaigns::cached(state, order.campaign_id).await?.ok_or(ErrorCode::Internal)?;
    let sku = campaign
        .skus
        .iter()
        .find(|s| s.code == order.sku_code)
        .map_or(order.sku_code.clone(), |s| s.name.clone());
    let own = order.user_id == auth.user.id;
    let deposited = order.state == OrderState::Deposited;
    let refund_open = order.refundable_until.is_none_or(|until| cx.now < until);
    let events = canyu_app::campaigns::launch_orders::launch_order_events(state, id)
        .await?
        .into_iter()
        .map(|e| EventRow {
            at: cx.datetime(e.at),
            to: match (e.event.as_str(), cx.locale) {
                ("in_production", Locale::ZhCn) => "生产中",
                ("in_production", Locale::En) => "In production",
                ("delivered", Locale::ZhCn) => "已交付",
                ("delivered", Locale::En) => "Delivered",
                _ => OrderState::parse(&e.to_state).map_or("", |s| state_label(cx.locale, s)),
            },
        })
        .collect();
    let awaiting = order.state == OrderState::AwaitingPayment;
    let sold = matches!(order.state, OrderState::Paid | OrderState::Locked);
    let can_return = sold && canyu_app::policy::can_manage(state, auth, campaign.product_id).await?;
    let price_protection = canyu_app::pricing::ledger::order_protection(state, id)
        .await?
        .map(|p| (format_yuan(p.credit_fen), format_yuan(p.price_fen)));
    let page = LaunchOrderPage {
        t: cx.t,
        b: match cx.locale {
            Locale::ZhCn => &ZH,
            Locale::En => &EN,
        },
        ctx: cx.layout(""),
        id,
        campaign_url: format!("/campaigns/{}", campaign.id),
        campaign_title: campaign.title.clone(),
        sku,
        kind: kind_labels(cx.locale).of(order.kind),
        amount: format_yuan(order.amount_fen),
        state: state_label(cx.locale, order.state),
        state_key: order.state.as_str(),
        buyer: order.buyer_name.clone(),
        pay_by: awaiting.then(|| cx.datetime(order.hold_expires_at)),
        pay_by_iso: rfc3339(order.hold_expires_at),
        refundable_until: (deposited && order.kind == OrderKind::Big)
            .then(|| order.refundable_until.map(|at| cx.datetime(at)))
            .flatten(),
        locked_at: order.locked_at.map(|at| cx.datetime(at)),
        can_pay: own && awaiting && state.config().simulated_payments && cx.now < order.hold_expires_at,
        can_cancel: own && awaiting,
        can_lock: own && deposited,
        can_refund: own && deposited && refund_open,
        can_rename: own && order.state.buyer_editable(),
        can_return,
        price_protection,
        events,
        error,
    };
    Ok(cx.respond(status, page))
}

fn order_id(raw: &str) -> WebResult<i64> {
    raw.parse().map_err(|_| WebError::from(ErrorCode::NotFound))
}

pub async fn page(State(state): State<AppState>, cx: Cx, Path(id): Path<String>) -> WebResult<Response> {
    cx.user()?;
    render(&state, &cx, order_id(&id)?, None, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    pub buyer_name: String,
}

/// `pay`, `cancel`, `lock`, `refund` or `rename`, from the order page's buttons.
pub async fn act(
    State(state): State<AppState>,
    cx: Cx,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = order_id(&id)?;
    let result = match action.as_str() {
        "pay" => launch::simulate_payment(&state, auth, id).await,
        "cancel" => launch::act(&state, auth, id, OrderEvent::Cancel).await,
        "lock" => launch::act(&state, auth, id, OrderEvent::Lock).await,
        "refund" => launch::act(&state, auth, id, OrderEvent::Refund).await,
        "return" => launch::act(&state, auth, id, OrderEvent::Return).await,
        "rename" => launch::rename(&state, auth, id, &form.buyer_name).await,
        _ => return Err(WebError::from(ErrorCode::NotFound)),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/launch-orders/{id}"))),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Internal | ErrorCode::Unauthenticated | ErrorCode::OrderNotFound
            ) =>
        {
            Err(e.into())
        }
        Err(e) => {
            let msg = form_error(&cx, &e);
            refused(&e, render(&state, &cx, id, Some(msg), status_of(&e)).await)
        }
    }
}
