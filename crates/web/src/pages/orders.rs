//! `/orders` (我的订单): the caller's orders in one list, wave orders and launch orders
//! together, newest first: what each is for, where it stands, what is due and until when.

use super::i18n::T;
use super::launch_orders::{kind_labels, state_label};
use super::{Cx, Layout};
use crate::error::WebResult;
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use canyu_core::Locale;
use canyu_core::campaign::{OrderKind, OrderState, format_yuan};

pub struct OrdersText {
    pub title: &'static str,
    pub intro: &'static str,
    pub empty: &'static str,
    pub browse: &'static str,
    pub order: &'static str,
    pub placed: &'static str,
    pub amount: &'static str,
    pub pay_by: &'static str,
    pub refundable_until: &'static str,
    pub open: &'static str,
    /// A wave order's states: it holds its unit, or gave it back (cancelled, expired, refunded).
    pub confirmed: &'static str,
    pub released: &'static str,
}

const ZH: OrdersText = OrdersText {
    title: "我的订单",
    intro: "抢购和发布活动的订单都在这里，最新的在前。",
    empty: "还没有订单。新品开售时，在产品的「发售」页下单。",
    browse: "去看看产品",
    order: "订单",
    placed: "下单时间",
    amount: "金额",
    pay_by: "请在此前支付",
    refundable_until: "可退订至",
    open: "查看",
    confirmed: "已下单",
    released: "已释放",
};

const EN: OrdersText = OrdersText {
    title: "My orders",
    intro: "Your orders from sales waves and launch campaigns, newest first.",
    empty: "No orders yet. When a product goes on sale, order on its Sales page.",
    browse: "Browse products",
    order: "Order",
    placed: "Placed",
    amount: "Amount",
    pay_by: "Pay by",
    refundable_until: "Refundable until",
    open: "Open",
    confirmed: "Placed",
    released: "Released",
};

pub struct OrderRow {
    pub id: i64,
    pub url: String,
    pub product_name: String,
    pub item: String,
    pub kind: Option<&'static str>,
    pub state: &'static str,
    pub state_key: &'static str,
    pub amount: Option<String>,
    pub placed: String,
    pub placed_iso: String,
    pub pay_by: Option<String>,
    pub refundable_until: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
pub struct OrdersPage {
    pub t: &'static T,
    pub b: &'static OrdersText,
    pub ctx: Layout,
    pub orders: Vec<OrderRow>,
}

pub async fn page(State(state): State<AppState>, cx: Cx) -> WebResult<Response> {
    let auth = cx.user()?;
    let b = match cx.locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    };
    let orders = canyu_app::sales::my_orders::my_orders(&state, auth)
        .await?
        .into_iter()
        .map(|o| {
            let (url, kind, state, state_key, amount, pay_by, refundable_until) = match &o.launch {
                Some(l) => (
                    format!("/launch-orders/{}", o.order.id),
                    Some(kind_labels(cx.locale).of(l.kind)),
                    state_label(cx.locale, l.state),
                    l.state.as_str(),
                    Some(format_yuan(l.amount_fen)),
                    (l.state == OrderState::AwaitingPayment).then(|| cx.datetime(l.hold_expires_at)),
                    (l.state == OrderState::Deposited && l.kind == OrderKind::Big)
                        .then(|| l.refundable_until.map(|at| cx.datetime(at)))
                        .flatten(),
                ),
                None => {
                    let held = o.order.status == "placed";
                    let (label, key) = if held { (b.confirmed, "placed") } else { (b.released, "released") };
                    (format!("/waves/{}", o.wave.id), None, label, key, None, None, None)
                }
            };
            OrderRow {
                id: o.order.id,
                url,
                product_name: o.product.name.clone(),
                item: o.item,
                kind,
                state,
                state_key,
                amount,
                placed: cx.datetime(o.order.created_at),
                placed_iso: canyu_core::time::rfc3339(o.order.created_at),
                pay_by,
                refundable_until,
            }
        })
        .collect();
    Ok(cx.respond(StatusCode::OK, OrdersPage { t: cx.t, b, ctx: cx.layout("orders"), orders }))
}
