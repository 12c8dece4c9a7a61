//! `/admin/pricing` and `/admin/channels` through the router (issue #21): who may read them,
//! the price ladder and its gaps, prices a later cost change puts over the pledge or below
//! cost, the year's margin against the pledge, and sales by channel kind and city — times in
//! the site's zone, never UTC.

use super::tests::{App, esc};
use crate::auth::{Auth, AuthVia};
use axum::http::StatusCode;
use canyu_app::pricing::{ChannelInput, PriceInput, SaleInput, SkuInput, SkuPatch};
use canyu_core::Role;

/// Admin and staff credentials for the app layer, and the staff member's cookie.
struct Team {
    admin: Auth,
    staff: Auth,
    staff_cookie: String,
}

async fn team(app: &App) -> Team {
    let (admin, _) = app.user("pricing_admin", Role::Admin).await;
    let (staff, staff_cookie) = app.user("pricing_staff", Role::Staff).await;
    Team {
        admin: Auth { user: admin, via: AuthVia::Token },
        staff: Auth { user: staff, via: AuthVia::Token },
        staff_cookie,
    }
}

async fn sku(app: &App, admin: &Auth, code: &str, tier: &str, cost: i64) {
    let input =
        SkuInput { code: code.into(), name: format!("{code} 版"), tier: tier.into(), unit_cost_fen: cost };
    canyu_app::pricing::create_sku(&app.state, admin, "xiaomi-su7", input).await.expect("sku");
}

async fn price(app: &App, who: &Auth, code: &str, channel: &str, fen: i64, reason: &str, over: Option<&str>) {
    let input = PriceInput {
        channel: channel.into(),
        price_fen: fen,
        effective_at: None,
        reason: reason.into(),
        over_cap_reason: over.map(str::to_string),
    };
    canyu_app::pricing::set_price(&app.state, who, code, input).await.expect("price");
}

async fn channel(app: &App, staff: &Auth, code: &str, kind: &str, city: Option<&str>, fee_bps: i64) {
    let input = ChannelInput {
        code: code.into(),
        name: format!("{code} 渠道"),
        kind: kind.into(),
        city: city.map(str::to_string),
        fee_bps: Some(fee_bps),
    };
    canyu_app::pricing::create_channel(&app.state, staff, input).await.expect("channel");
}

/// A sale an hour into this calendar year (in the site's zone), so the year's report has it
/// whenever the test runs.
/// `sale`: the SKU's code, the units and the unit price in fen.
async fn sell(app: &App, staff: &Auth, channel: &str, id: &str, sale: (&str, i64, i64), city: Option<&str>) {
    let (code, quantity, fen) = sale;
    let (year_start, _) = app.state.config().time_zone.year_of(app.state.now());
    let row = SaleInput {
        external_id: id.into(),
        sku: code.into(),
        quantity,
        unit_price_fen: fen,
        sold_at: canyu_core::time::rfc3339(year_start + 3_600_000),
        city: city.map(str::to_string),
    };
    let outcome =
        canyu_app::pricing::record_sales(&app.state, staff, channel, vec![row]).await.expect("sales");
    assert_eq!(outcome.inserted, 1, "{outcome:?}");
}

/// The visible text of a page: no tags, so `datetime="…Z"` attributes do not count.
fn visible(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn only_staff_and_admins_read_the_pricing_and_channel_pages() {
    let app = App::new().await;
    let (_, fan) = app.user("fan_pricing", Role::Fan).await;
    let (_, moderator) = app.user("mod_pricing", Role::Moderator).await;
    let (_, admin) = app.user("admin_pricing", Role::Admin).await;
    let (_, staff) = app.user("staff_pricing", Role::Staff).await;
    for path in ["/admin/pricing", "/admin/channels"] {
        for cookie in [&fan, &moderator] {
            let page = app.get(path, Some(cookie), "zh-CN").await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
            assert!(page.html.contains("data-error-code=\"forbidden\""), "{path}: {}", page.html);
        }
        let anon = app.get(path, None, "zh-CN").await;
        assert_eq!(anon.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(anon.location, Some(format!("/login?next={}", path.replace('/', "%2F"))));
        for cookie in [&staff, &admin] {
            assert_eq!(app.get(path, Some(cookie), "zh-CN").await.status, StatusCode::OK, "{path}");
        }
    }
    // Staff find both pages in their menu, beside the catalog; fans do not.
    let home = app.get("/", Some(&staff), "zh-CN").await;
    assert!(home.html.contains("href=\"/admin/pricing\" data-testid=\"menu-pricing\">定价与利润</a>"));
    assert!(home.html.contains("href=\"/admin/channels\" data-testid=\"menu-channels\">销售渠道</a>"));
    let home = app.get("/", Some(&fan), "zh-CN").await;
    assert!(!home.html.contains("/admin/pricing") && !home.html.contains("/admin/channels"));
    let current = app.get("/admin/pricing", Some(&staff), "en").await;
    assert!(
        current.html.contains(
            "href=\"/admin/pricing\" aria-current=\"page\" data-testid=\"menu-pricing\">Pricing</a>"
        )
    );
    // Nothing priced yet: the page says so rather than showing an empty ladder.
    assert!(current.html.contains("No SKUs yet."), "{}", current.html);
}

#[tokio::test]
async fn staff_see_the_ladder_its_overlaps_the_year_against_the_pledge_and_the_history() {
    let app = App::new().await;
    let team = team(&app).await;
    channel(&app, &team.staff, "jd", "partner_online", None, 300).await;
    sku(&app, &team.admin, "SU7-STD", "mid", 20_700_000).await;
    sku(&app, &team.admin, "SU7-PRO", "upper", 20_500_000).await;
    sku(&app, &team.admin, "SU7-MAX", "flagship", 28_600_000).await;
    price(&app, &team.admin, "SU7-STD", "online", 21_590_000, "首发价 <限时>", None).await;
    price(&app, &team.admin, "SU7-STD", "jd", 21_590_000, "京东首发", None).await;
    // The Pro undercuts the standard car: the mid and upper tiers overlap.
    price(&app, &team.admin, "SU7-PRO", "online", 21_500_000, "首发价", None).await;
    price(&app, &team.admin, "SU7-MAX", "online", 29_990_000, "首发价", None).await;
    sell(&app, &team.staff, "online", "o-1", ("SU7-STD", 2, 21_590_000), Some("北京")).await;
    sell(&app, &team.staff, "jd", "j-1", ("SU7-MAX", 1, 29_990_000), None).await;

    let page = app.get("/admin/pricing", Some(&team.staff_cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.html;
    // Cheapest first on the own store, each with its tier in words.
    let at = |needle: &str| html.find(needle).unwrap_or_else(|| panic!("{needle} missing: {html}"));
    let (pro, std, max) = (
        at("data-sku=\"SU7-PRO\" data-tier=\"upper\""),
        at("data-sku=\"SU7-STD\" data-tier=\"mid\""),
        at("data-sku=\"SU7-MAX\" data-tier=\"flagship\""),
    );
    assert!(pro < std && std < max, "ordered by the own store's price");
    assert!(html.contains(">中端</span>") && html.contains(">高端</span>") && html.contains(">旗舰</span>"));
    assert!(html.contains("data-testid=\"ladder-category\" data-slug=\"car\""));
    assert!(html.contains("中端与高端价格重叠：中端最高 ¥215,900，高端最低 ¥215,000"), "{html}");
    // Prices per channel, unit cost, unit net margin (the JD fee counted).
    assert!(html.contains("<span data-testid=\"unit-cost\">¥207,000</span>"));
    assert!(html.contains("4.12%"), "online: (215,900 − 207,000) / 215,900");
    assert!(html.contains("1.12%"), "jd: the 3 % fee off the same margin");
    assert!(html.contains("data-testid=\"review-none\""), "nothing over the pledge yet");
    // The year so far against the pledge: ¥431,800 + ¥299,900 of revenue.
    assert_eq!(page.testid("margin-revenue").as_deref(), Some("¥731,700"));
    assert_eq!(page.testid("margin-cost").as_deref(), Some("¥700,000"));
    assert_eq!(page.testid("margin-fees").as_deref(), Some("¥8,997"));
    assert_eq!(page.testid("margin-net").as_deref(), Some("¥22,703"));
    assert_eq!(page.testid("margin-excess").as_deref(), Some("¥0"));
    assert!(html.contains("data-testid=\"margin-gauge\" data-over=\"false\""));
    assert!(
        html.contains("<title id=\"gauge-title\">净利率 3.10%，承诺上限 5.00%，在承诺之内</title>"),
        "{html}"
    );
    assert!(page.testid("margin-period").is_some_and(|p| p.contains("北京时间")));
    // The history: who, why (escaped), when — in China time.
    assert!(html.contains(&esc("原因：首发价 <限时>")) && !html.contains("首发价 <限时>"));
    assert!(html.contains("记录人 pricing_admin"));
    let effective = page.testid("history-effective").expect("an effective time");
    assert!(effective.ends_with(" 北京时间"), "{effective}");
    let text = visible(html);
    assert!(!text.contains("UTC") && !text.contains(":00Z"), "a time in UTC: {text}");

    let en = app.get("/admin/pricing", Some(&team.staff_cookie), "en").await;
    assert!(en.html.contains(">Mid</span>") && en.html.contains(">Flagship</span>"));
    assert!(
        en.html.contains("Mid and Upper overlap: the dearest Mid is ¥215,900, the cheapest Upper ¥215,000")
    );
    assert!(en.html.contains("Net margin 3.10%, pledge at most 5.00%: within the pledge"));
    assert!(en.testid("history-effective").is_some_and(|t| t.ends_with(" China time")));
}

#[tokio::test]
async fn a_later_cost_change_is_flagged_over_the_pledge_or_below_cost() {
    let app = App::new().await;
    let team = team(&app).await;
    channel(&app, &team.staff, "jd", "partner_online", None, 300).await;
    sku(&app, &team.admin, "SU7-STD", "mid", 20_700_000).await;
    price(&app, &team.admin, "SU7-STD", "online", 21_590_000, "首发价", None).await;
    price(&app, &team.admin, "SU7-STD", "jd", 21_590_000, "京东首发", None).await;
    let page = app.get("/admin/pricing", Some(&team.staff_cookie), "zh-CN").await;
    assert!(!page.html.contains("data-testid=\"over-cap\""));

    // The supplier gets cheaper: the API takes the new cost, and the own store's unchanged
    // price now earns 7.36 % — over the 5 % pledge. JD's 3 % fee keeps it at 4.36 %.
    let cheaper = SkuPatch { unit_cost_fen: Some(20_000_000), ..SkuPatch::default() };
    canyu_app::pricing::change_sku(&app.state, &team.admin, "SU7-STD", cheaper).await.expect("cost");
    let page = app.get("/admin/pricing", Some(&team.staff_cookie), "zh-CN").await;
    let html = &page.html;
    assert!(html.contains("data-testid=\"over-cap\" data-sku=\"SU7-STD\" data-channel=\"online\""), "{html}");
    assert!(
        !html.contains("data-testid=\"over-cap\" data-sku=\"SU7-STD\" data-channel=\"jd\""),
        "jd keeps it"
    );
    assert!(html.contains("7.36%") && html.contains("(定价时 4.12%)"));
    assert!(html.contains("data-testid=\"over-cap-flag\">超出承诺</span>"));
    assert!(!html.contains("data-testid=\"review-none\""));
    // The cost change is in the SKU's history, newest first, in China time.
    assert!(html.contains("<strong>¥200,000</strong> · <span class=\"muted\">"));
    assert!(!visible(html).contains("UTC"));

    // An admin prices over the pledge on purpose: the reason is shown beside the flag.
    price(&app, &team.admin, "SU7-STD", "jd", 23_000_000, "限量版加价", Some("<i>首批</i>溢价返还用户"))
        .await;
    let page = app.get("/admin/pricing", Some(&team.staff_cookie), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"over-cap\" data-sku=\"SU7-STD\" data-channel=\"jd\""));
    assert!(page.html.contains(&esc("管理员的理由：<i>首批</i>溢价返还用户")), "{}", page.html);
    assert!(!page.html.contains("<i>首批</i>"));

    // The cost rises past the price: no longer over the pledge, but sold at a loss.
    let dearer = SkuPatch { unit_cost_fen: Some(22_000_000), ..SkuPatch::default() };
    canyu_app::pricing::change_sku(&app.state, &team.admin, "SU7-STD", dearer).await.expect("cost");
    let page = app.get("/admin/pricing", Some(&team.staff_cookie), "zh-CN").await;
    assert!(!page.html.contains("data-testid=\"over-cap\" data-sku=\"SU7-STD\" data-channel=\"online\""));
    assert!(page.html.contains("data-testid=\"below-cost\" data-sku=\"SU7-STD\" data-channel=\"online\""));
    assert!(page.html.contains("亏本销售"));
    let en = app.get("/admin/pricing", Some(&team.staff_cookie), "en").await;
    assert!(en.html.contains("Below cost") && en.html.contains("Admin&#39;s reason"), "{}", en.html);
}

#[tokio::test]
async fn staff_see_channels_and_the_year_by_kind_city_and_channel() {
    let app = App::new().await;
    let team = team(&app).await;
    channel(&app, &team.staff, "jd", "partner_online", None, 300).await;
    channel(&app, &team.staff, "mi-home-chengdu", "own_store", Some("成都"), 0).await;
    channel(&app, &team.staff, "tmall", "partner_online", None, 400).await;
    sku(&app, &team.admin, "SU7-STD", "mid", 20_700_000).await;
    sell(&app, &team.staff, "online", "o-1", ("SU7-STD", 2, 21_590_000), Some("北京")).await;
    sell(&app, &team.staff, "jd", "j-1", ("SU7-STD", 1, 21_590_000), Some("北京")).await;
    sell(&app, &team.staff, "jd", "j-2", ("SU7-STD", 1, 21_000_000), None).await;
    // A shop's sale without a city counts in the shop's city.
    sell(&app, &team.staff, "mi-home-chengdu", "c-1", ("SU7-STD", 1, 21_590_000), None).await;

    let page = app.get("/admin/channels", Some(&team.staff_cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = &page.html;
    let card = |code: &str| {
        let at = html.find(&format!("data-testid=\"channel\" data-code=\"{code}\"")).expect("channel card");
        html[at..].split("</li>").next().unwrap_or_default().to_string()
    };
    let jd = card("jd");
    assert!(jd.contains("合作电商") && jd.contains("渠道费率 3.00%") && jd.contains("城市 全国"), "{jd}");
    assert!(jd.contains("data-testid=\"channel-units\">2<") && jd.contains("¥425,900"), "{jd}");
    let shop = card("mi-home-chengdu");
    assert!(shop.contains("小米之家") && shop.contains("城市 成都"));
    let tmall = card("tmall");
    assert!(tmall.contains("data-testid=\"channel-units\">0<") && tmall.contains(">¥0<"), "{tmall}");
    // By kind: the partner platforms together; the total.
    assert!(
        html.contains(
            "<th scope=\"row\">合作电商</th><td class=\"num\">2</td><td class=\"num\">¥425,900</td>"
        )
    );
    assert!(
        html.contains("<th scope=\"row\">合计</th><td class=\"num\">5</td><td class=\"num\">¥1,073,600</td>")
    );
    // By city: Beijing first (most revenue), then Chengdu, then the sale without any city.
    let beijing =
        html.find("<th scope=\"row\">北京</th><td class=\"num\">3</td><td class=\"num\">¥647,700</td>");
    let chengdu =
        html.find("<th scope=\"row\">成都</th><td class=\"num\">1</td><td class=\"num\">¥215,900</td>");
    let unknown =
        html.find("<th scope=\"row\">未注明城市</th><td class=\"num\">1</td><td class=\"num\">¥210,000</td>");
    assert!(beijing.is_some() && chengdu.is_some() && unknown.is_some(), "{html}");
    assert!(beijing < chengdu && chengdu < unknown);
    assert!(page.testid("sales-period").is_some_and(|p| p.contains("北京时间")));
    assert!(!visible(html).contains("UTC"));

    let en = app.get("/admin/channels", Some(&team.staff_cookie), "en").await;
    assert!(en.html.contains("Partner platforms") && en.html.contains("City not given"));
    assert!(en.html.contains("China time") && en.html.contains("Nationwide"));
}
