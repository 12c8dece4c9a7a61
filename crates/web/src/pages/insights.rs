//! `/insights` and `/insights/{panel}` (staff): the dashboards, one panel at a time, with a
//! filter form (product, dates in the site's zone, granularity, campaign), a chart per table
//! with its table one tap away, and each table as CSV (`/insights/{panel}/csv?table=…`).
//! The numbers come from `canyu_app::insights`, the same as the API's.

use super::{Cx, Layout};
use crate::api::insights::{InsightQuery, csv_response, filter_of};
use crate::charts::insight_chart;
use crate::error::{WebError, WebResult};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use canyu_app::insights::{self, Value};
use canyu_core::insight::{Granularity, Panel};
use canyu_core::{ErrorCode, Locale};

pub struct InsightsText {
    pub title: &'static str,
    pub panels: &'static str,
    pub filter: &'static str,
    pub product: &'static str,
    pub all_products: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub granularity: &'static str,
    pub campaign: &'static str,
    pub newest_campaign: &'static str,
    pub apply: &'static str,
    pub show_table: &'static str,
    pub download_csv: &'static str,
    pub empty: &'static str,
    pub zone_hint: &'static str,
}

const ZH: InsightsText = InsightsText {
    title: "数据洞察",
    panels: "看板",
    filter: "筛选",
    product: "产品",
    all_products: "全部产品",
    from: "开始日期",
    to: "结束日期",
    granularity: "粒度",
    campaign: "发布活动",
    newest_campaign: "最新的活动",
    apply: "应用",
    show_table: "查看数据表",
    download_csv: "下载 CSV",
    empty: "这段时间还没有数据。",
    zone_hint: "日期按站点时区计算",
};

const EN: InsightsText = InsightsText {
    title: "Insights",
    panels: "Panels",
    filter: "Filter",
    product: "Product",
    all_products: "All products",
    from: "From",
    to: "To",
    granularity: "Granularity",
    campaign: "Campaign",
    newest_campaign: "The newest campaign",
    apply: "Apply",
    show_table: "Show the table",
    download_csv: "Download CSV",
    empty: "No data for these dates yet.",
    zone_hint: "Days are counted in the site's time zone",
};

fn text(locale: Locale) -> &'static InsightsText {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Tab {
    pub label: &'static str,
    pub url: String,
    pub current: bool,
    pub key: &'static str,
}

pub struct TableView {
    pub key: &'static str,
    pub title: String,
    pub chart: Option<crate::charts::InsightChart>,
    pub columns: Vec<String>,
    /// The first cell heads its row; the rest are values.
    pub rows: Vec<(String, Vec<CellView>)>,
    pub csv_url: String,
}

pub struct CellView {
    pub text: String,
    pub numeric: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "insights.html")]
pub struct InsightsPage {
    pub t: &'static super::i18n::T,
    pub x: &'static InsightsText,
    pub ctx: Layout,
    pub panel: &'static str,
    pub panel_label: &'static str,
    pub tabs: Vec<Tab>,
    pub products: Vec<Choice>,
    pub granularities: Vec<Choice>,
    pub campaigns: Vec<Choice>,
    pub show_campaigns: bool,
    pub show_granularity: bool,
    pub from: String,
    pub to: String,
    pub zone: String,
    pub notes: Vec<String>,
    pub tables: Vec<TableView>,
}

/// The tabs after the panels: the feedback assistant's pages (`current`: the one shown).
pub fn assistant_tabs(locale: Locale, current: Option<&str>) -> Vec<Tab> {
    [
        ("ask", locale.pick("问反馈", "Ask"), "/insights/ask"),
        ("digests", locale.pick("周报", "Digests"), "/insights/digests"),
    ]
    .into_iter()
    .map(|(key, label, url)| Tab { label, url: url.to_string(), current: current == Some(key), key })
    .collect()
}

/// Every tab, for the assistant's pages: the panels with their default filter, then its own.
pub fn all_tabs(locale: Locale, current: &str) -> Vec<Tab> {
    let mut tabs: Vec<Tab> = Panel::ALL
        .iter()
        .map(|p| Tab {
            label: p.label(locale),
            url: format!("/insights/{}", p.as_str()),
            current: false,
            key: p.as_str(),
        })
        .collect();
    tabs.extend(assistant_tabs(locale, Some(current)));
    tabs
}

/// The query string of the filter as applied, for links that keep it.
fn filter_query(p: &insights::InsightPanel) -> Vec<(&'static str, String)> {
    let mut q = vec![
        ("from", p.from.clone()),
        ("to", p.to.clone()),
        ("granularity", p.granularity.as_str().to_string()),
    ];
    if let Some(product) = &p.product {
        q.push(("product", product.clone()));
    }
    if let Some(c) = p.campaign {
        q.push(("campaign", c.to_string()));
    }
    q
}

fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    let encoded = serde_urlencoded::to_string(pairs).unwrap_or_default();
    if encoded.is_empty() { path.to_string() } else { format!("{path}?{encoded}") }
}

/// `/insights`: the co-creation panel.
pub async fn index(state: State<AppState>, cx: Cx, q: Query<InsightQuery>) -> WebResult<Response> {
    render(state, cx, Panel::CoCreation, q).await
}

/// `/insights/{panel}`.
pub async fn page(
    state: State<AppState>,
    cx: Cx,
    Path(panel): Path<String>,
    q: Query<InsightQuery>,
) -> WebResult<Response> {
    let panel = Panel::parse(&panel).ok_or(WebError::from(ErrorCode::NotFound))?;
    render(state, cx, panel, q).await
}

/// `/insights/{panel}/csv?table=…`: one table as a download, for the signed-in staff member.
pub async fn csv(
    State(state): State<AppState>,
    cx: Cx,
    Path(panel): Path<String>,
    Query(q): Query<InsightQuery>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    let panel = Panel::parse(&panel).ok_or(WebError::from(ErrorCode::NotFound))?;
    let result = insights::panel(&state, auth, panel, &filter_of(&q)?, cx.locale).await?;
    csv_response(&result, q.table.as_deref())
}

async fn render(
    State(state): State<AppState>,
    cx: Cx,
    panel: Panel,
    Query(q): Query<InsightQuery>,
) -> WebResult<Response> {
    let auth = cx.user()?;
    canyu_app::policy::require_insights(auth)?;
    let x = text(cx.locale);
    let result = insights::panel(&state, auth, panel, &filter_of(&q)?, cx.locale).await?;
    let keep = filter_query(&result);
    let mut tabs: Vec<Tab> = Panel::ALL
        .iter()
        .map(|p| Tab {
            label: p.label(cx.locale),
            url: with_query(&format!("/insights/{}", p.as_str()), &keep),
            current: *p == panel,
            key: p.as_str(),
        })
        .collect();
    tabs.extend(assistant_tabs(cx.locale, None));
    let mut products = vec![Choice {
        value: String::new(),
        label: x.all_products.into(),
        selected: result.product.is_none(),
    }];
    for p in canyu_app::catalog::list_products(&state).await? {
        products.push(Choice {
            selected: result.product.as_deref() == Some(p.slug.as_str()),
            value: p.slug,
            label: p.name,
        });
    }
    let granularities = Granularity::ALL
        .iter()
        .map(|g| Choice {
            value: g.as_str().into(),
            label: g.label(cx.locale).into(),
            selected: *g == result.granularity,
        })
        .collect();
    let campaigns = if panel == Panel::Launch {
        let mut list = vec![Choice {
            value: String::new(),
            label: x.newest_campaign.into(),
            selected: q.campaign.is_none(),
        }];
        for c in insights::campaigns(&state, auth, result.product.as_deref()).await? {
            list.push(Choice {
                selected: q.campaign.is_some() && result.campaign == Some(c.id),
                value: c.id.to_string(),
                label: format!("{} · {}", c.product_name, c.title),
            });
        }
        list
    } else {
        Vec::new()
    };
    let tables = result
        .tables
        .iter()
        .map(|t| {
            let mut csv_query = keep.clone();
            csv_query.push(("table", t.key.to_string()));
            TableView {
                key: t.key,
                title: t.title.clone(),
                chart: insight_chart(t),
                columns: t.columns.iter().map(|c| c.label.clone()).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| {
                        let head = r.first().map(Value::display).unwrap_or_default();
                        let cells = r
                            .iter()
                            .skip(1)
                            .map(|v| CellView { text: v.display(), numeric: !matches!(v, Value::Text(_)) })
                            .collect();
                        (head, cells)
                    })
                    .collect(),
                csv_url: with_query(&format!("/insights/{}/csv", result.panel), &csv_query),
            }
        })
        .collect();
    let page = InsightsPage {
        t: cx.t,
        x,
        ctx: cx.layout("insights"),
        panel: result.panel,
        panel_label: panel.label(cx.locale),
        tabs,
        products,
        granularities,
        show_campaigns: panel == Panel::Launch,
        show_granularity: matches!(
            panel,
            Panel::CoCreation | Panel::Board | Panel::Channels | Panel::Referrals
        ),
        campaigns,
        from: result.from.clone(),
        to: result.to.clone(),
        zone: canyu_core::time::zone_label(cx.locale, &result.time_zone),
        notes: result.notes.clone(),
        tables,
    };
    Ok(cx.respond(StatusCode::OK, page))
}
