//! The campaign pages through the router: the console form, a page that changes with the
//! phase (no price in the HTML before the reveal), and the reservation button.

use super::tests::App;
use axum::http::StatusCode;
use canyu_core::Role;
use canyu_core::points::Adjustment;
use std::sync::atomic::Ordering;

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

/// `YYYY-MM-DDTHH:MM` in China time, as a `datetime-local` input sends it.
fn china(ms: i64) -> String {
    canyu_core::time::rfc3339(ms + 8 * HOUR)[..16].to_string()
}

#[tokio::test]
async fn a_campaign_page_follows_its_phases_and_takes_reservations() {
    let app = App::new().await;
    let (_, admin) = app.user("发布会_a", Role::Admin).await;
    let (veteran_user, veteran) = app.user("老米粉_a", Role::Fan).await;
    let (_, fan) = app.user("新米粉_a", Role::Fan).await;
    let adj = Adjustment::parse(200, "老粉").expect("adjustment");
    app.store.adjust_points(veteran_user.id, veteran_user.id, &adj, "seed", 1).await.expect("points");

    let sales = app.get("/products/xiaomi-su7/waves", Some(&admin), "zh-CN").await;
    assert!(sales.html.contains("data-testid=\"campaign-form\""));
    let fan_sales = app.get("/products/xiaomi-su7/waves", Some(&fan), "zh-CN").await;
    assert!(!fan_sales.html.contains("data-testid=\"campaign-form\""));
    let csrf = sales.csrf();
    let t = app.state.now();
    let (teaser, reveal, opens, closes) =
        (china(t + HOUR), china(t + 2 * HOUR), china(t + 3 * HOUR), china(t + 5 * HOUR));
    let fields = vec![
        ("csrf", csrf.as_str()),
        ("title", "小米 SU7 上市 <发布会>"),
        ("teaser_at", &teaser),
        ("reveal_at", &reveal),
        ("opens_at", &opens),
        ("closes_at", &closes),
        ("fan_lane_places", "1"),
        ("fan_lane_min_points", "100"),
        ("general_places", ""),
        ("skus", "su7 | SU7 标准版 | 215900 | 5000 | 5000\nsu7-max | SU7 Max | 299900 | | 5000"),
    ];
    let mut bad = fields.clone();
    bad[9] = ("skus", "su7 | SU7 | lots");
    let refused = app.form("/products/xiaomi-su7/campaigns", &admin, &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.testid("form-error").is_some_and(|e| e.contains("价格")), "{}", refused.html);
    assert!(refused.html.contains("小米 SU7 上市 &#60;发布会&#62;"), "the form keeps what was typed");
    let made = app.form("/products/xiaomi-su7/campaigns", &admin, &fields).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.html);
    let url = made.location.expect("campaign url");

    // Hidden before the teaser, except for the people who run the product.
    assert_eq!(app.get(&url, Some(&fan), "zh-CN").await.status, StatusCode::NOT_FOUND);
    let console = app.get(&url, Some(&admin), "zh-CN").await;
    assert!(console.html.contains("data-testid=\"campaign-console\""));
    assert!(console.html.contains("¥215,900") && console.testid("price-private").is_some());

    // Teaser: the title is escaped, the countdown runs, and the price is not in the page.
    app.clock_offset.store(HOUR + MIN, Ordering::Relaxed);
    let page = app.get(&url, None, "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("小米 SU7 上市 &#60;发布会&#62;"));
    assert_eq!(page.testid("campaign-phase").as_deref(), Some("预热中"));
    assert!(page.html.contains("data-testid=\"campaign-countdown\""));
    assert!(!page.html.contains("215,900") && !page.html.contains("5,000"), "price leaked");
    assert_eq!(page.testid("sku-price").as_deref(), Some("敬请期待"));
    assert!(!page.html.contains("data-testid=\"reserve-form\""));
    // Nor is it on the page of a campaign wave that opens after the reveal.
    let id: i64 = url.rsplit('/').next().expect("id").parse().expect("id");
    let (admin_user, _) = app.user("发布会_a2", Role::Admin).await;
    let admin_auth = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let now = app.state.now();
    let wave = campaign_wave(&app, &admin_auth, id, now + 5 * HOUR, now + 6 * HOUR).await;
    let wave_page = app.get(&format!("/waves/{}", wave.id), Some(&fan), "zh-CN").await;
    assert!(wave_page.html.contains("data-testid=\"kind-big\""), "{}", wave_page.html);
    assert!(
        !wave_page.html.contains("215,900") && !wave_page.html.contains("5,000"),
        "price leaked on the wave page"
    );

    app.clock_offset.store(2 * HOUR + MIN, Ordering::Relaxed);
    let page = app.get(&url, Some(&fan), "en").await;
    assert_eq!(page.testid("sku-price").as_deref(), Some("¥215,900"));
    assert_eq!(page.testid("campaign-phase").as_deref(), Some("Price revealed"));

    // Reservations: the veteran takes the fan lane's one place, the new fan the general lane.
    app.clock_offset.store(3 * HOUR + MIN, Ordering::Relaxed);
    for (cookie, lane) in [(&veteran, "粉丝通道"), (&fan, "普通通道")] {
        let page = app.get(&url, Some(cookie), "zh-CN").await;
        assert!(page.html.contains("data-testid=\"reserve-form\""), "{}", page.html);
        let done = app.form(&format!("{url}/reserve"), cookie, &[("csrf", &page.csrf())]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        let after = app.get(&url, Some(cookie), "zh-CN").await;
        let mine = after.testid("my-reservation").expect("reservation shown");
        assert!(mine.contains(lane) && mine.contains("第 1"), "{mine}");
        assert!(!after.html.contains("data-testid=\"reserve-form\""));
    }
    let page = app.get(&url, None, "zh-CN").await;
    assert_eq!(page.testid("fan-lane-taken").as_deref(), Some("1"));
    assert_eq!(page.testid("general-lane-taken").as_deref(), Some("1"));

    // An account made after the teaser is refused, in the page's language.
    let (_, late) = app.user("新注册_a", Role::Fan).await;
    let page = app.get(&url, Some(&late), "zh-CN").await;
    let refused = app.form(&format!("{url}/reserve"), &late, &[("csrf", &page.csrf())]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.testid("form-error").is_some_and(|e| e.contains("注册")), "{}", refused.html);
    // Without the CSRF token nothing happens.
    let forged = app.form(&format!("{url}/reserve"), &late, &[("csrf", "forged")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // The console links to a wave form preset for the campaign's reservation holders.
    let console = app.get(&url, Some(&admin), "zh-CN").await;
    let id = url.rsplit('/').next().expect("id");
    let wave_form =
        app.get(&format!("/products/xiaomi-su7/waves?campaign={id}"), Some(&admin), "zh-CN").await;
    assert!(console.html.contains(&format!("/products/xiaomi-su7/waves?campaign={id}")));
    assert!(wave_form.html.contains("<option value=\"reservation\" selected>"), "{}", wave_form.html);
    assert!(wave_form.html.contains(&format!("name=\"campaign\" value=\"{id}\"")));
}

#[tokio::test]
async fn a_fan_places_a_big_order_pays_and_locks_it_from_the_pages() {
    let mut app = App::new().await;
    app.state.app_mut().config_mut().simulated_payments = true;
    let (admin_user, admin_cookie) = app.user("发布会_b", Role::Admin).await;
    let (_, fan) = app.user("车主_b", Role::Fan).await;
    let admin = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let t = app.state.now();
    let campaign = revealed_campaign(&app, &admin, canyu_core::campaign::OrderLimits::STRICT).await;
    let wave = campaign_wave(&app, &admin, campaign.id, t - MIN, t + HOUR).await;

    let page = app.get(&format!("/waves/{}", wave.id), Some(&fan), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"kind-big\""), "{}", page.html);
    assert!(page.html.contains("¥215,900") && page.html.contains("¥5,000"));
    let key = page.html.split("name=\"key\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("key");
    let csrf = page.csrf();
    let url = format!("/waves/{}/buy", wave.id);
    let refused =
        app.form(&url, &fan, &[("csrf", &csrf), ("key", key), ("kind", "big"), ("buyer_name", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.testid("form-error").is_some_and(|e| e.contains("姓名")), "{}", refused.html);
    assert!(page.html.contains("required data-testid=\"buyer-address\""), "one order per address");
    let home = "北京市海淀区 清河路 1 号";
    let placed = app
        .form(
            &url,
            &fan,
            &[("csrf", &csrf), ("key", key), ("kind", "big"), ("buyer_name", "雷军"), ("address", home)],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.html);
    assert!(placed.cookies.iter().any(|c| c.starts_with("canyu_device=")), "the browser gets a device id");
    let order_url = placed.location.expect("order page");
    assert!(order_url.starts_with("/launch-orders/"));

    let order = app.get(&order_url, Some(&fan), "zh-CN").await;
    assert_eq!(order.testid("order-state").as_deref(), Some("待支付"));
    assert_eq!(order.testid("order-amount").as_deref(), Some("¥5,000"));
    let paid = app.form(&format!("{order_url}/pay"), &fan, &[("csrf", &order.csrf())]).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.html);
    let order = app.get(&order_url, Some(&fan), "zh-CN").await;
    assert_eq!(order.testid("order-state").as_deref(), Some("定金已付"));
    assert!(order.testid("order-refundable-until").is_some());
    let locked = app.form(&format!("{order_url}/lock"), &fan, &[("csrf", &order.csrf())]).await;
    assert_eq!(locked.status, StatusCode::SEE_OTHER);
    let order = app.get(&order_url, Some(&fan), "zh-CN").await;
    assert_eq!(order.testid("order-state").as_deref(), Some("已锁单"));
    assert!(!order.html.contains("data-testid=\"order-refund\"") && !order.html.contains("rename-form"));
    let refund = app.form(&format!("{order_url}/refund"), &fan, &[("csrf", &order.csrf())]).await;
    assert_eq!(refund.status, StatusCode::CONFLICT);
    assert!(refund.testid("form-error").is_some_and(|e| e.contains("锁单")), "{}", refund.html);

    // "My orders" lists it by the SKU's name, with its state and amount; only for its buyer.
    let mine = app.get("/orders", Some(&fan), "zh-CN").await;
    assert_eq!(mine.status, StatusCode::OK);
    let list = mine.html.split("data-testid=\"orders\"").nth(1).expect("the list");
    assert!(list.contains("已锁单") && list.contains("¥5,000") && list.contains(&order_url), "{list}");
    assert!(list.contains("小米 SU7"), "the product by name: {list}");
    assert!(list.contains("小米 SU7 · SU7 标准版") && !list.contains("· su7<"), "the SKU by name: {list}");

    // The inbox told the buyer of the order (SKU by name, price, a link to their orders) and
    // of each step after it, the order's number apart from the words that follow it.
    let id = order_url.trim_start_matches("/launch-orders/");
    let inbox = app.get("/inbox", Some(&fan), "zh-CN").await;
    assert!(
        inbox.html.contains(&format!(
            "<a href=\"/orders\">下单成功：小米 SU7 SU7 标准版，订单 #{id}，价格 ¥215,900。</a>"
        )),
        "{}",
        inbox.html
    );
    assert!(inbox.html.contains(&format!("你的订单 #{id} 定金已支付。")), "{}", inbox.html);
    assert!(inbox.html.contains(&format!("你的订单 #{id} 已锁单")), "{}", inbox.html);
    let anonymous = app.get("/orders", None, "zh-CN").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "visitors sign in first");

    // Someone else's order page does not exist for them; the campaign page lists the buyer's.
    let (_, other) = app.user("路人_b", Role::Fan).await;
    assert!(app.get("/orders", Some(&other), "zh-CN").await.testid("orders-empty").is_some());
    assert_eq!(app.get(&order_url, Some(&other), "zh-CN").await.status, StatusCode::NOT_FOUND);
    let campaign_page = app.get(&format!("/campaigns/{}", campaign.id), Some(&fan), "zh-CN").await;
    assert!(campaign_page.html.contains(&order_url));
    // Its wave is selling: the page says so, whatever the reservation window says.
    assert_eq!(campaign_page.testid("campaign-phase").as_deref(), Some("发售中"));
    // A fresh account's unpaid order is flagged; the console cancels it and frees the unit.
    let wave_page = app.get(&format!("/waves/{}", wave.id), Some(&other), "zh-CN").await;
    let key =
        wave_page.html.split("name=\"key\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("key");
    let order_as_other = |address: &'static str| {
        let (app, url, other, csrf) = (&app, &url, &other, wave_page.csrf());
        async move {
            let form = [
                ("csrf", csrf.as_str()),
                ("key", key),
                ("kind", "small"),
                ("buyer_name", "黄牛"),
                ("address", address),
            ];
            app.form(url, other, &form).await
        }
    };
    let taken = order_as_other("北京市海淀区清河路1号").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.testid("form-error").is_some_and(|e| e.contains("收货地址")), "{}", taken.html);
    let scalped = order_as_other("上海市浦东新区 2 号").await;
    assert_eq!(scalped.status, StatusCode::SEE_OTHER, "{}", scalped.html);
    let scalped_id = scalped.location.expect("order").rsplit('/').next().expect("id").to_string();
    let console = app.get(&format!("/campaigns/{}", campaign.id), Some(&admin_cookie), "zh-CN").await;
    assert!(console.html.contains("data-testid=\"flagged\""), "{}", console.html);
    assert!(console.html.contains("预热后新注册的账号"), "flags are explained: {}", console.html);
    let done = app
        .form(
            &format!("/campaigns/{}/cancellations", campaign.id),
            &admin_cookie,
            &[("csrf", &console.csrf()), ("orders", &scalped_id)],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let cancelled =
        app.store.launch_order(scalped_id.parse().expect("id")).await.expect("db").expect("order");
    assert_eq!(cancelled.state, canyu_core::campaign::OrderState::Cancelled);
    let console = app.get(&format!("/campaigns/{}", campaign.id), Some(&admin_cookie), "zh-CN").await;
    assert!(!console.html.contains("data-testid=\"flagged\""));

    // The locked order waits in the production queue; the console moves it on to delivery.
    assert_eq!(console.testid("production-queued").as_deref(), Some("1"));
    assert!(console.testid("production-line").is_none(), "nothing delivered yet");
    let production = format!("/campaigns/{}/production", campaign.id);
    let bad = app
        .form(&production, &admin_cookie, &[("csrf", &console.csrf()), ("stage", "shipped"), ("count", "1")])
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.testid("form-error").is_some_and(|e| e.contains("in_production")), "{}", bad.html);
    let refused = app
        .form(&production, &fan, &[("csrf", &order.csrf()), ("stage", "in_production"), ("count", "1")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "a fan cannot move production");
    for stage in ["in_production", "delivered"] {
        let moved = app
            .form(&production, &admin_cookie, &[("csrf", &console.csrf()), ("stage", stage), ("count", "5")])
            .await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
    }
    let console = app.get(&format!("/campaigns/{}", campaign.id), Some(&admin_cookie), "zh-CN").await;
    assert_eq!(console.testid("production-queued").as_deref(), Some("0"));
    assert_eq!(console.testid("production-delivered").as_deref(), Some("1"));
    assert_eq!(console.testid("production-line").as_deref(), Some("1 天交付 1 台"));
    let fan_view = app.get(&format!("/campaigns/{}", campaign.id), Some(&fan), "zh-CN").await;
    assert!(fan_view.testid("production").is_none(), "the console is for the people who run it");

    let live = app.get(&format!("/campaigns/{}/live", campaign.id), None, "zh-CN").await;
    assert_eq!(live.status, StatusCode::OK);
    assert!(live.html.contains("data-live=") && live.html.contains("实时战报"));
    assert!(!live.html.contains("site-header"), "the big screen has no site header: {}", live.html);
    // Its chart: an SVG with the last hour's minutes in China time, the locked order's minute
    // among them.
    let chart = app.get(&format!("/campaigns/{}/live/chart.svg", campaign.id), None, "zh-CN").await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.html.starts_with("<svg") && chart.html.contains("</svg>"), "{}", chart.html);
    let now = canyu_core::time::Zone::china().datetime(app.state.now());
    assert!(chart.html.contains(&now[11..16]), "the current minute {} is on the axis", &now[11..16]);
    let hidden = app.get("/campaigns/999999/live/chart.svg", None, "zh-CN").await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
}

/// A `su7` campaign of the product, revealed two hours before now, under `limits`.
async fn revealed_campaign(
    app: &App,
    admin: &crate::auth::Auth,
    limits: canyu_core::campaign::OrderLimits,
) -> canyu_app::testing::store::Campaign {
    let t = app.state.now();
    canyu_app::campaigns::create(
        &app.state,
        admin,
        canyu_app::campaigns::CampaignInput {
            product: "xiaomi-su7".into(),
            title: "SU7 上市".into(),
            teaser_at: t - 3 * HOUR,
            reveal_at: t - 2 * HOUR,
            reserve_opens_at: t - HOUR,
            reserve_closes_at: t + HOUR,
            account_cutoff_at: None,
            fan_lane_places: None,
            fan_lane_min_points: None,
            general_places: None,
            fan_lane_head_start_minutes: None,
            hold_minutes: None,
            refund_days: None,
            limits,
            skus: vec![canyu_app::campaigns::SkuInput {
                code: "su7".into(),
                name: "SU7 标准版".into(),
                price_fen: 21_590_000,
                small_deposit_fen: Some(500_000),
                big_deposit_fen: Some(500_000),
            }],
        },
    )
    .await
    .expect("campaign")
}

/// A wave of 5 `su7` units in the campaign, made by `auth` (one of its managers).
async fn campaign_wave(
    app: &App,
    auth: &crate::auth::Auth,
    campaign: i64,
    starts_at: i64,
    ends_at: i64,
) -> canyu_app::testing::store::Wave {
    canyu_app::sales::waves::create(
        &app.state,
        auth,
        canyu_app::sales::waves::WaveInput {
            product: "xiaomi-su7".into(),
            sku: Some("su7".into()),
            quantity: 5,
            mode: "fcfs".into(),
            per_fan_limit: None,
            starts_at,
            ends_at,
            eligibility: None,
            min_level: None,
            owners_of: None,
            channels: Default::default(),
            fcode_quantity: None,
            campaign: Some(campaign),
        },
    )
    .await
    .expect("wave")
}

/// The wave page gives the people who run the product a form to end a wave on sale now (a
/// box to tick first) or move its end; fans do not see it, and after the end the buy form
/// answers that the wave has ended.
#[tokio::test]
async fn staff_end_a_wave_from_its_page() {
    let app = App::new().await;
    let (admin_user, admin) = app.user("发布会_e", Role::Admin).await;
    let (_, fan) = app.user("米粉_e", Role::Fan).await;
    let auth = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let t = app.state.now();
    let wave = canyu_app::sales::waves::create(
        &app.state,
        &auth,
        canyu_app::sales::waves::WaveInput {
            product: "xiaomi-su7".into(),
            sku: None,
            quantity: 5,
            mode: "fcfs".into(),
            per_fan_limit: None,
            starts_at: t - MIN,
            ends_at: t + HOUR,
            eligibility: None,
            min_level: None,
            owners_of: None,
            channels: Default::default(),
            fcode_quantity: None,
            campaign: None,
        },
    )
    .await
    .expect("wave");
    let url = format!("/waves/{}", wave.id);
    let end = format!("{url}/end");
    assert!(!app.get(&url, Some(&fan), "zh-CN").await.html.contains("data-testid=\"end-form\""));
    let page = app.get(&url, Some(&admin), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"end-form\"") && page.html.contains("立即结束这一轮"));
    let csrf = page.csrf();

    let refused = app.form(&end, &fan, &[("csrf", &app.csrf(&fan).await), ("confirm", "1")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unticked = app.form(&end, &admin, &[("csrf", &csrf)]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unticked.testid("form-error").is_some_and(|e| e.contains("勾选")), "{}", unticked.html);
    let no_csrf = app.form(&end, &admin, &[("confirm", "1")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let moved = app.form(&end, &admin, &[("csrf", &csrf), ("minutes", "120")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.html);
    let longer = app.store.wave(wave.id).await.expect("db").expect("wave").rules.ends_at;
    assert!((longer - (t + 2 * HOUR)).abs() < MIN, "ends in two hours");

    // Stock: more units, a fan buys one, and a quantity of 0 is refused.
    let quantity = format!("{url}/quantity");
    let fan_csrf = app.csrf(&fan).await;
    assert_eq!(
        app.form(&quantity, &fan, &[("csrf", &fan_csrf), ("quantity", "9")]).await.status,
        StatusCode::FORBIDDEN
    );
    let more = app.form(&quantity, &admin, &[("csrf", &csrf), ("quantity", "8")]).await;
    assert_eq!(more.status, StatusCode::SEE_OTHER, "{}", more.html);
    let page = app.get(&url, Some(&admin), "zh-CN").await;
    assert_eq!(page.testid("wave-remaining").as_deref(), Some("8"));
    assert!(page.html.contains("value=\"8\" required data-testid=\"wave-set-quantity\""), "{}", page.html);
    let fan_page = app.get(&url, Some(&fan), "zh-CN").await;
    let key =
        fan_page.html.split("name=\"key\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("key");
    let bought = app.form(&format!("{url}/buy"), &fan, &[("csrf", &fan_page.csrf()), ("key", key)]).await;
    assert_eq!(bought.status, StatusCode::SEE_OTHER, "{}", bought.html);
    let cut = app.form(&quantity, &admin, &[("csrf", &csrf), ("quantity", "0")]).await;
    assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
    let wave_row = app.store.wave(wave.id).await.expect("db").expect("wave");
    assert_eq!((wave_row.rules.quantity, wave_row.sold), (8, 1), "the refused cut changed nothing");

    let ended = app.form(&end, &admin, &[("csrf", &csrf), ("confirm", "1")]).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER, "{}", ended.html);
    let page = app.get(&url, Some(&admin), "zh-CN").await;
    assert!(!page.html.contains("data-testid=\"end-form\""), "an ended wave has nothing to end");
    let fan_page = app.get(&url, Some(&fan), "zh-CN").await;
    let key =
        fan_page.html.split("name=\"key\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("key");
    let buy = app
        .form(&format!("{url}/buy"), &fan, &[("csrf", &fan_page.csrf()), ("key", &format!("{key}-2"))])
        .await;
    assert_eq!(buy.status, StatusCode::CONFLICT);
    assert!(buy.testid("form-error").is_some_and(|e| e.contains("已经结束")), "{}", buy.html);
}

/// A wave that has not started can be withdrawn from its page (a box to tick first, an
/// optional reason); fans then see it cancelled, with the reason, and no buy form, and the
/// product's list of waves says so.
#[tokio::test]
async fn staff_cancel_a_wave_from_its_page() {
    let app = App::new().await;
    let (admin_user, admin) = app.user("发布会_c", Role::Admin).await;
    let (_, fan) = app.user("米粉_c", Role::Fan).await;
    let auth = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let t = app.state.now();
    let input = canyu_app::sales::waves::WaveInput {
        product: "xiaomi-su7".into(),
        sku: None,
        quantity: 5,
        mode: "fcfs".into(),
        per_fan_limit: None,
        starts_at: t + HOUR,
        ends_at: t + 2 * HOUR,
        eligibility: None,
        min_level: None,
        owners_of: None,
        channels: Default::default(),
        fcode_quantity: None,
        campaign: None,
    };
    let wave = canyu_app::sales::waves::create(&app.state, &auth, input).await.expect("wave");
    let url = format!("/waves/{}", wave.id);
    let cancel = format!("{url}/cancel");
    assert!(!app.get(&url, Some(&fan), "zh-CN").await.html.contains("data-testid=\"cancel-form\""));
    let page = app.get(&url, Some(&admin), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"cancel-form\"") && page.html.contains("撤销这一轮"));
    assert!(!page.html.contains("data-testid=\"end-form\""), "nothing to end before the start");
    let csrf = page.csrf();

    let refused = app.form(&cancel, &fan, &[("csrf", &app.csrf(&fan).await), ("confirm", "1")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unticked = app.form(&cancel, &admin, &[("csrf", &csrf), ("reason", "x")]).await;
    assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unticked.testid("form-error").is_some_and(|e| e.contains("勾选")), "{}", unticked.html);
    let no_csrf = app.form(&cancel, &admin, &[("confirm", "1")]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    assert!(app.store.wave(wave.id).await.expect("db").expect("wave").cancelled.is_none());

    let reason = "供货调整 <b>改期</b>";
    let done = app.form(&cancel, &admin, &[("csrf", &csrf), ("confirm", "1"), ("reason", reason)]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let fan_page = app.get(&url, Some(&fan), "zh-CN").await;
    let banner = fan_page.testid("wave-cancelled").expect("cancelled banner");
    assert!(banner.contains("已撤销") && banner.contains("改期"), "{banner}");
    assert!(!fan_page.html.contains("<b>改期</b>"), "the reason is escaped");
    assert!(!fan_page.html.contains("data-testid=\"buy-form\""), "nothing to buy");
    assert!(fan_page.html.contains("data-cancelled=\"1\""));
    let admin_page = app.get(&url, Some(&admin), "zh-CN").await;
    assert!(!admin_page.html.contains("data-testid=\"cancel-form\""), "cancelled once");
    let list = app.get("/products/xiaomi-su7/waves", Some(&fan), "zh-CN").await;
    assert!(list.testid("wave-list-cancelled").is_some(), "{}", list.html);
}

/// A fan verifies their identity on the settings page (CSRF, a refused number not echoed
/// back, the masked number afterwards); a wave that takes only verified accounts sends the
/// unverified fan there and names the verified one as the buyer.
#[tokio::test]
async fn a_fan_verifies_their_identity_and_buys_as_that_person() {
    let app = App::new().await;
    let (admin_user, _) = app.user("发布会_v", Role::Admin).await;
    let (_, fan) = app.user("车主_v", Role::Fan).await;
    let admin = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let limits = canyu_core::campaign::OrderLimits {
        one_per_person: true,
        one_per_address: false,
        verified_only: true,
    };
    let campaign = revealed_campaign(&app, &admin, limits).await;
    let t = app.state.now();
    let wave = campaign_wave(&app, &admin, campaign.id, t - MIN, t + HOUR).await;
    let wave_url = format!("/waves/{}", wave.id);

    let page = app.get(&wave_url, Some(&fan), "zh-CN").await;
    assert!(page.testid("needs-verification").is_some_and(|n| n.contains("实名")), "{}", page.html);
    assert!(page.testid("buy-form").is_none(), "no buy form before verification");

    let settings = app.get("/settings", Some(&fan), "zh-CN").await;
    assert!(settings.html.contains("data-testid=\"identity-form\""));
    let csrf = settings.csrf();
    let forged = app
        .form("/settings/identity", &fan, &[("real_name", "雷军"), ("id_number", "11010519491231002X")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let wrong = app
        .form(
            "/settings/identity",
            &fan,
            &[("csrf", &csrf), ("real_name", "雷军"), ("id_number", "110105194912310021")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.testid("identity-error").is_some_and(|e| e.contains("身份证")), "{}", wrong.html);
    assert!(wrong.html.contains("value=\"雷军\"") && !wrong.html.contains("110105194912310021"));
    let done = app
        .form(
            "/settings/identity",
            &fan,
            &[("csrf", &csrf), ("real_name", "雷军"), ("id_number", "11010519491231002x")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    let settings = app.get(done.location.as_deref().expect("back to settings"), Some(&fan), "zh-CN").await;
    assert_eq!(settings.testid("identity-name").as_deref(), Some("雷军"));
    assert_eq!(settings.testid("identity-number").as_deref(), Some("**************002X"));
    assert!(settings.testid("identity-form").is_none(), "a verification is final");

    let page = app.get(&wave_url, Some(&fan), "zh-CN").await;
    assert!(page.html.contains("value=\"雷军\" readonly data-testid=\"buyer-name\""), "{}", page.html);
    let key = page.html.split("name=\"key\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("key");
    let placed = app
        .form(
            &format!("{wave_url}/buy"),
            &fan,
            &[("csrf", &page.csrf()), ("key", key), ("kind", "big"), ("buyer_name", "雷军")],
        )
        .await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.html);
}

#[tokio::test]
async fn fans_ask_to_be_reminded_of_a_wave_before_it_starts() {
    let app = App::new().await;
    let (admin_user, admin_cookie) = app.user("发布会_r", Role::Admin).await;
    let (_, fan) = app.user("等开售_r", Role::Fan).await;
    let admin = crate::auth::Auth { user: admin_user, via: crate::auth::AuthVia::Token };
    let t = app.state.now();
    let campaign = revealed_campaign(&app, &admin, canyu_core::campaign::OrderLimits::STRICT).await;
    let wave = campaign_wave(&app, &admin, campaign.id, t + HOUR, t + 2 * HOUR).await;
    let url = format!("/waves/{}", wave.id);

    let visitor = app.get(&url, None, "zh-CN").await;
    assert!(visitor.testid("remind-login").is_some(), "{}", visitor.html);
    let page = app.get(&url, Some(&fan), "zh-CN").await;
    assert!(page.testid("remind-button").is_some_and(|b| b.contains("提醒我")), "{}", page.html);
    let csrf = page.csrf();
    let set = app.form(&format!("{url}/remind"), &fan, &[("csrf", &csrf), ("on", "1")]).await;
    assert_eq!(set.location.as_deref(), Some(url.as_str()));
    let page = app.get(&url, Some(&fan), "zh-CN").await;
    assert!(page.testid("remind-button").is_some_and(|b| b.contains("已设提醒")), "{}", page.html);
    let console = app.get(&url, Some(&admin_cookie), "zh-CN").await;
    assert_eq!(console.testid("reminders-waiting").as_deref(), Some("1 人等待开售提醒"));
    app.form(&format!("{url}/remind"), &fan, &[("csrf", &csrf), ("on", "0")]).await;
    let page = app.get(&url, Some(&fan), "zh-CN").await;
    assert!(page.testid("remind-button").is_some_and(|b| b.contains("提醒我")));
}

/// A wave form sent empty (a browser without `required`, a script) is refused with a message
/// that names the form's own fields in the reader's language.
#[tokio::test]
async fn an_empty_wave_form_names_the_field_to_fill() {
    let app = App::new().await;
    let (_, admin) = app.user("发售_e", Role::Admin).await;
    let page = app.get("/products/xiaomi-su7/waves", Some(&admin), "zh-CN").await;
    let csrf = page.csrf();
    for lang in ["zh-CN", "en"] {
        let refused = app.form_in("/products/xiaomi-su7/waves", &admin, &[("csrf", &csrf)], lang).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.html);
        let msg = refused.testid("form-error").unwrap_or_default();
        let field = if lang == "en" { "Sale starts" } else { "开售时间" };
        assert!(msg.contains(field) && !msg.contains("RFC 3339"), "{lang}: {msg}");
        // The time given, the duration missing: that field is named.
        let fields = [("csrf", csrf.as_str()), ("starts_at", "2030-01-01T20:00"), ("minutes", "")];
        let refused = app.form_in("/products/xiaomi-su7/waves", &admin, &fields, lang).await;
        let msg = refused.testid("form-error").unwrap_or_default();
        let field = if lang == "en" { "Duration (minutes)" } else { "持续时间（分钟）" };
        assert!(msg.contains(field), "{lang}: {msg}");
    }
}
