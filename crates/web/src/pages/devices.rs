//! `/devices`: the devices a fan owns (人车家) — bind one with its serial, let one go (naming
//! the next owner or not). The rules are the API's (`/api/v1/me/devices`): both call
//! `canyu_app::ownership`.

use super::i18n::T;
use super::{Cx, Layout, form_error, is_fatal, refused, see_other, status_of};
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::AppError;
use canyu_app::ownership::{self, DeviceInput};
use canyu_core::ownership::OwnedVia;
use canyu_core::{ErrorCode, Locale};
use serde::Deserialize;

pub struct DeviceText {
    pub title: &'static str,
    pub intro: &'static str,
    pub empty: &'static str,
    pub claim: &'static str,
    pub product: &'static str,
    pub serial: &'static str,
    pub serial_hint: &'static str,
    pub format: &'static str,
    pub purchased_on: &'static str,
    pub submit: &'static str,
    pub since: &'static str,
    pub no_serial: &'static str,
    pub release: &'static str,
    pub next_owner: &'static str,
    pub next_owner_hint: &'static str,
    pub release_submit: &'static str,
    pub claimed: &'static str,
    pub already: &'static str,
    pub released: &'static str,
    pub via: [(&'static str, &'static str); 4],
}

const ZH: DeviceText = DeviceText {
    title: "我的设备",
    intro: "绑定你拥有的小米设备：在它的版块发帖和评论时会显示「车主」或「已购」标识（只显示持有时长，不显示序列号）。提车或收货后，官方订单会自动绑定。",
    empty: "还没有绑定设备。",
    claim: "绑定设备",
    product: "产品",
    serial: "序列号",
    serial_hint: "在包装盒、设备背面或「设置 › 关于」里；大小写和空格不影响。",
    format: "格式",
    purchased_on: "购买日期（选填）",
    submit: "绑定",
    since: "持有自",
    no_serial: "官方订单交付",
    release: "解绑 / 转让",
    next_owner: "转给（选填）",
    next_owner_hint: "填写接手米粉的用户名，对方可立即绑定；不填则冷静期过后任何人都可绑定。",
    release_submit: "解绑",
    claimed: "已绑定。",
    already: "这台设备本来就在你名下。",
    released: "已解绑。",
    via: [("order", "官方订单"), ("claim", "自行绑定"), ("store", "门店绑定"), ("transfer", "他人转让")],
};

const EN: DeviceText = DeviceText {
    title: "My devices",
    intro: "Bind the Xiaomi devices you own: your posts and comments on their boards then carry an owner chip (how long you have owned it, never the serial). Devices delivered from official orders are bound for you.",
    empty: "No devices bound yet.",
    claim: "Bind a device",
    product: "Product",
    serial: "Serial number",
    serial_hint: "On the box, the back of the device or Settings > About; case and spaces do not matter.",
    format: "Format",
    purchased_on: "Purchase date (optional)",
    submit: "Bind",
    since: "Owned since",
    no_serial: "Delivered from an official order",
    release: "Release or hand on",
    next_owner: "Hand on to (optional)",
    next_owner_hint: "The handle of the fan taking it: they can bind it at once. Left empty, anyone can after the cooling-off.",
    release_submit: "Release",
    claimed: "Bound.",
    already: "That device was already yours.",
    released: "Released.",
    via: [
        ("order", "Official order"),
        ("claim", "Bound by you"),
        ("store", "Bound at a store"),
        ("transfer", "Handed on to you"),
    ],
};

fn text(locale: Locale) -> &'static DeviceText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

impl DeviceText {
    fn via(&self, via: OwnedVia) -> &'static str {
        self.via.iter().find(|(k, _)| *k == via.as_str()).map_or("", |(_, v)| v)
    }
}

pub struct DeviceRow {
    pub id: i64,
    pub product_name: String,
    pub product_url: String,
    pub serial: Option<String>,
    pub since: String,
    pub via: &'static str,
    pub purchased_on: Option<String>,
    /// A refused release of this device: why.
    pub error: Option<String>,
}

pub struct ProductChoice {
    pub slug: String,
    pub label: String,
    pub pattern: Option<String>,
    pub selected: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimForm {
    pub product: String,
    pub serial: String,
    pub purchased_on: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReleaseForm {
    pub next_owner: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DevicesQuery {
    /// What just succeeded: `claimed`, `already` or `released`.
    pub done: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "devices.html")]
pub struct DevicesPage {
    pub t: &'static T,
    pub d: &'static DeviceText,
    pub ctx: Layout,
    pub devices: Vec<DeviceRow>,
    pub products: Vec<ProductChoice>,
    pub form: ClaimForm,
    pub notice: Option<&'static str>,
    pub claim_error: Option<String>,
    pub today: String,
}

#[derive(Default)]
struct View {
    form: ClaimForm,
    notice: Option<&'static str>,
    claim_error: Option<String>,
    release_error: Option<(i64, String)>,
}

async fn render(state: &AppState, cx: &Cx, view: View, status: StatusCode) -> WebResult<Response> {
    let auth = cx.user()?;
    let d = text(cx.locale);
    let devices = ownership::my_devices(state, auth).await?;
    let patterns = ownership::serial_patterns(state).await?;
    let products = canyu_app::catalog::list_products(state)
        .await?
        .into_iter()
        .map(|p| ProductChoice {
            selected: p.slug == view.form.product,
            pattern: patterns.iter().find(|(id, _)| *id == p.id).map(|(_, pattern)| pattern.clone()),
            label: p.name,
            slug: p.slug,
        })
        .collect();
    let page = DevicesPage {
        t: cx.t,
        d,
        ctx: cx.layout("devices"),
        devices: devices
            .iter()
            .map(|x| DeviceRow {
                id: x.id,
                product_name: x.product_name.clone(),
                product_url: super::product_url(&x.product_slug),
                serial: x.serial.clone(),
                since: x.owned_since.map(|t| cx.date(t)).unwrap_or_default(),
                via: d.via(x.owned_via),
                purchased_on: x.purchased_at.map(|t| cx.date(t)),
                error: view.release_error.as_ref().filter(|(id, _)| *id == x.id).map(|(_, m)| m.clone()),
            })
            .collect(),
        products,
        form: view.form,
        notice: view.notice,
        claim_error: view.claim_error,
        today: cx.date(cx.now),
    };
    Ok(cx.respond(status, page))
}

pub async fn page(
    State(state): State<AppState>,
    cx: Cx,
    Query(q): Query<DevicesQuery>,
) -> WebResult<Response> {
    let d = text(cx.locale);
    let notice = match q.done.as_str() {
        "claimed" => Some(d.claimed),
        "already" => Some(d.already),
        "released" => Some(d.released),
        _ => None,
    };
    render(&state, &cx, View { notice, ..View::default() }, StatusCode::OK).await
}

pub async fn claim(
    State(state): State<AppState>,
    cx: Cx,
    Form(form): Form<ClaimForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let purchased_at = match form.purchased_on.trim() {
        "" => Ok(None),
        day => cx
            .parse_local(&format!("{day}T00:00"))
            .map(Some)
            .ok_or(AppError::new(ErrorCode::InvalidPurchaseDate)),
    };
    let done = match purchased_at {
        Ok(at) => {
            let input = DeviceInput { product: &form.product, serial: &form.serial, purchased_at: at };
            ownership::claim(&state, auth, input).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(c) => Ok(see_other(if c.new { "/devices?done=claimed" } else { "/devices?done=already" })),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) => {
            let view = View { claim_error: Some(form_error(&cx, &e)), form, ..View::default() };
            refused(&e, render(&state, &cx, view, status_of(&e)).await)
        }
    }
}

pub async fn release(
    State(state): State<AppState>,
    cx: Cx,
    Path(id): Path<String>,
    Form(form): Form<ReleaseForm>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let id = id.parse::<i64>().ok().filter(|id| *id > 0).ok_or(WebError::from(ErrorCode::NotFound))?;
    match ownership::release(&state, auth, id, Some(&form.next_owner)).await {
        Ok(_) => Ok(see_other("/devices?done=released")),
        Err(e) if is_fatal(&e) => Err(e.into()),
        Err(e) if e.code == ErrorCode::DeviceNotFound => Err(WebError::from(ErrorCode::NotFound)),
        Err(e) => {
            let view = View { release_error: Some((id, form_error(&cx, &e))), ..View::default() };
            refused(&e, render(&state, &cx, view, status_of(&e)).await)
        }
    }
}
