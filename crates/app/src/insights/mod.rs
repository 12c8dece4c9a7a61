//! Insights: what the flywheel did, as panels staff read on `/insights` and fetch as JSON or
//! CSV. Every panel is assembled from the rollups (`rollup`), never by scanning posts, votes
//! or orders on request; the launch panel reads the launch engine's own per-minute and
//! per-state tallies. The vocabulary (ranges, granularity, funnel steps, the k-anonymity floor)
//! is [`canyu_core::insight`]; who may look is [`crate::policy::require_insights`].

pub mod ask;
pub mod digest;
pub mod reach;
pub mod rollup;
pub mod table;

use crate::App;
use crate::accounts::Auth;
use crate::error::{AppError, AppResult};
use crate::policy::require_insights;
use canyu_core::campaign::{OrderKind, OrderState};
use canyu_core::insight::{
    FunnelStep, Granularity, Panel, Range, SHIP_BUCKETS, bucket_label, buckets, metric, share,
    ship_bucket_label,
};
use canyu_core::points::LEVELS;
use canyu_core::profile::{AgeBand, CityTier, Gender};
use canyu_core::{ErrorCode, Locale, Millis};
use canyu_store::{Campaign, InsightCount, Product};
use std::collections::{BTreeMap, HashMap};
pub use table::{Chart, Column, Table, Value};

/// What staff asked for, as the query string or form sends it.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub product: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub granularity: Option<String>,
    /// The launch panel's campaign; the newest (of the product, if one is chosen) by default.
    pub campaign: Option<i64>,
}

/// A panel as the API, the CSV export and the page show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct InsightPanel {
    pub panel: &'static str,
    /// First and last day of the range, `YYYY-MM-DD` in the site's zone.
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub granularity: Granularity,
    /// The product's slug when the panel is filtered to one.
    pub product: Option<String>,
    /// The launch panel's campaign.
    pub campaign: Option<i64>,
    /// What a reader should know to read the numbers right.
    pub notes: Vec<String>,
    pub tables: Vec<Table>,
}

/// The filter, checked: the product exists, the range is whole local days.
struct Query {
    pub(crate) product: Option<Product>,
    pub(crate) range: Range,
    pub(crate) granularity: Granularity,
}

async fn resolve(app: &App, filter: &Filter) -> AppResult<Query> {
    let zone = &app.config.time_zone;
    let range = Range::parse(zone, filter.from.as_deref(), filter.to.as_deref(), app.now())?;
    let granularity = Granularity::parse(filter.granularity.as_deref())?;
    let product = match filter.product.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(slug) => Some(app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?),
    };
    Ok(Query { product, range, granularity })
}

/// The panel `panel`, for staff.
pub async fn panel(
    app: &App,
    auth: &Auth,
    panel: Panel,
    filter: &Filter,
    locale: Locale,
) -> AppResult<InsightPanel> {
    require_insights(auth)?;
    let q = resolve(app, filter).await?;
    let zone = &app.config.time_zone;
    let mut out = InsightPanel {
        panel: panel.as_str(),
        from: zone.date(q.range.from),
        to: zone.date(q.range.to - 1),
        time_zone: zone.name().to_string(),
        granularity: q.granularity,
        product: q.product.as_ref().map(|p| p.slug.clone()),
        campaign: None,
        notes: Vec::new(),
        tables: Vec::new(),
    };
    match panel {
        Panel::CoCreation => co_creation(app, &q, locale, &mut out).await?,
        Panel::Board => board(app, &q, locale, &mut out).await?,
        Panel::Users => users(app, &q, locale, &mut out).await?,
        Panel::Launch => launch(app, &q, filter.campaign, locale, &mut out).await?,
        Panel::Channels => reach::channels(app, &q, locale, &mut out).await?,
        Panel::Events => reach::events(app, &q, locale, &mut out).await?,
        Panel::Referrals => reach::referrals(app, &q, locale, &mut out).await?,
        Panel::Ecosystem => reach::ecosystem(app, locale, &mut out).await?,
    }
    Ok(out)
}

/// Counts by metric and day, for looking up.
struct Counts(HashMap<(String, Millis), i64>);

impl Counts {
    fn new(rows: Vec<InsightCount>) -> Counts {
        Counts(rows.into_iter().map(|c| ((c.metric, c.day), c.n)).collect())
    }

    /// The sum of `metric` over the days in `[from, to)` that have a count.
    fn sum(&self, metric: &str, from: Millis, to: Millis) -> i64 {
        self.0.iter().filter(|((m, d), _)| m == metric && (from..to).contains(d)).map(|(_, n)| n).sum()
    }

    fn at(&self, metric: &str, day: Millis) -> i64 {
        self.0.get(&(metric.to_string(), day)).copied().unwrap_or(0)
    }
}

async fn counts(app: &App, metrics: &[&str], product_id: i64, from: Millis, to: Millis) -> AppResult<Counts> {
    Ok(Counts::new(app.store.insight_counts(metrics, product_id, from, to).await?))
}

fn bucket_column(granularity: Granularity, locale: Locale) -> (&'static str, &'static str) {
    match granularity {
        Granularity::Day => ("day", locale.pick("日期", "Day")),
        Granularity::Week => ("week", locale.pick("周（起始日）", "Week from")),
        Granularity::Month => ("month", locale.pick("月份", "Month")),
    }
}

async fn co_creation(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let product_id = q.product.as_ref().map_or(0, |p| p.id);
    let mut names: Vec<&str> = FunnelStep::ALL.iter().map(|s| s.metric()).collect();
    names.extend(SHIP_BUCKETS.iter().map(|(n, _)| *n));
    let c = counts(app, &names, product_id, q.range.from, q.range.to).await?;
    let (from, to) = (q.range.from, q.range.to);

    let mut funnel = Table::new(
        "funnel",
        locale.pick("共创漏斗（按发帖日期）", "Co-creation funnel (by day posted)"),
        Chart::Bar,
    )
    .column("step", locale.pick("阶段", "Step"))
    .column("posts", locale.pick("帖子", "Posts"))
    .column("of_previous", locale.pick("占上一步", "Of previous step"))
    .column("of_posted", locale.pick("占发帖", "Of posted"))
    .plot(&["posts"]);
    let posted = c.sum(metric::POSTS, from, to);
    let mut previous = posted;
    for step in FunnelStep::ALL {
        let n = c.sum(step.metric(), from, to);
        let of_previous = if step == FunnelStep::Posted { None } else { share(n, previous) };
        funnel.push(vec![
            Value::Text(step.label(locale).into()),
            Value::Int(n),
            Value::share(of_previous),
            Value::share(share(n, posted)),
        ]);
        previous = n;
    }

    let (key, label) = bucket_column(q.granularity, locale);
    let mut over_time = Table::new(
        "funnel_over_time",
        locale.pick("各阶段帖子数（按发帖日期）", "Posts per step, by day posted"),
        Chart::Line,
    )
    .column(key, label);
    for step in FunnelStep::ALL {
        over_time = over_time.column(step.metric(), step.label(locale));
    }
    for (start, end) in buckets(zone, q.range, q.granularity) {
        let mut row = vec![Value::Text(bucket_label(zone, start, q.granularity))];
        row.extend(FunnelStep::ALL.iter().map(|s| Value::Int(c.sum(s.metric(), start, end))));
        over_time.push(row);
    }

    let mut ship = Table::new(
        "days_to_ship",
        locale.pick("从发帖到上线的天数（按上线日期）", "Days from post to ship (by day shipped)"),
        Chart::Bar,
    )
    .column("days", locale.pick("天数", "Days"))
    .column("posts", locale.pick("上线的帖子", "Posts shipped"));
    for (i, (name, _)) in SHIP_BUCKETS.iter().enumerate() {
        ship.push(vec![Value::Text(ship_bucket_label(i, locale).into()), Value::Int(c.sum(name, from, to))]);
    }

    // Features credited to fans per month: from published releases, a small table.
    let product_filter = q.product.as_ref().map(|p| p.id);
    let credited = app.store.credited_features(product_filter, from, to).await?;
    let products: HashMap<i64, String> =
        app.store.list_products().await?.into_iter().map(|p| (p.id, p.name)).collect();
    let mut per_month: BTreeMap<Millis, BTreeMap<i64, i64>> = BTreeMap::new();
    for (product, at) in &credited {
        *per_month.entry(zone.month_of(*at).0).or_default().entry(*product).or_default() += 1;
    }
    let mut shown: Vec<i64> = credited.iter().map(|(p, _)| *p).collect();
    shown.sort_unstable();
    shown.dedup();
    let mut features = Table::new(
        "credited_features",
        locale.pick("每月上线的粉丝共创功能", "Fan-credited features shipped per month"),
        Chart::Bar,
    )
    .column("month", locale.pick("月份", "Month"));
    for p in &shown {
        features = features.column(format!("product_{p}"), products.get(p).cloned().unwrap_or_default());
    }
    for (month, by_product) in &per_month {
        let mut row = vec![Value::Text(zone.month_label(*month))];
        row.extend(shown.iter().map(|p| Value::Int(by_product.get(p).copied().unwrap_or(0))));
        features.push(row);
    }

    let mut fans = Table::new(
        "most_credited",
        locale.pick("功能被采纳最多的粉丝", "Fans with the most shipped ideas"),
        Chart::None,
    )
    .column("handle", locale.pick("粉丝", "Fan"))
    .column("features", locale.pick("上线功能", "Features shipped"));
    for f in app.store.most_credited(product_filter, from, to, 20).await? {
        fans.push(vec![Value::Text(f.handle), Value::Int(f.features)]);
    }
    out.notes.push(
        locale
            .pick(
                "漏斗按帖子的发帖日期计：某天发的帖子后来走到了哪一步。进行中的帖子算作已计划。",
                "The funnel counts posts by the day they were posted: how far the posts of those days got since. In progress counts as planned.",
            )
            .into(),
    );
    out.tables = vec![funnel, over_time, ship, features, fans];
    Ok(())
}

async fn board(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let product_id = q.product.as_ref().map_or(0, |p| p.id);
    let activity =
        counts(app, &[metric::POSTS, metric::VOTES, metric::COMMENTS], product_id, q.range.from, q.range.to)
            .await?;
    let site =
        counts(app, &[metric::NEW_FANS, metric::DAU, metric::WAU, metric::MAU], 0, q.range.from, q.range.to)
            .await?;
    let (key, label) = bucket_column(q.granularity, locale);
    let (active_metric, active_label) = match q.granularity {
        Granularity::Day => (metric::DAU, locale.pick("日活跃粉丝", "Daily active fans")),
        Granularity::Week => (metric::WAU, locale.pick("7 天活跃粉丝", "7-day active fans")),
        Granularity::Month => (metric::MAU, locale.pick("30 天活跃粉丝", "30-day active fans")),
    };
    let mut per_bucket = Table::new(
        "activity",
        locale.pick("发帖、投票、评论与活跃粉丝", "Posts, votes, comments and active fans"),
        Chart::Line,
    )
    .column(key, label)
    .column("posts", locale.pick("发帖", "Posts"))
    .column("votes", locale.pick("投票", "Votes"))
    .column("comments", locale.pick("评论", "Comments"))
    .column("new_fans", locale.pick("新粉丝", "New fans"))
    .column("active_fans", active_label);
    for (start, end) in buckets(zone, q.range, q.granularity) {
        // Active fans of a week or month: the trailing 7 or 30 days at its last day.
        let last_day = zone.start_of_day(end - 1);
        per_bucket.push(vec![
            Value::Text(bucket_label(zone, start, q.granularity)),
            Value::Int(activity.sum(metric::POSTS, start, end)),
            Value::Int(activity.sum(metric::VOTES, start, end)),
            Value::Int(activity.sum(metric::COMMENTS, start, end)),
            Value::Int(site.sum(metric::NEW_FANS, start, end)),
            Value::Int(site.at(active_metric, last_day)),
        ]);
    }

    // Weeks from the Monday of the range's first day.
    let first_week = zone.week_of(q.range.from);
    let weekly_names: Vec<String> = [
        metric::WEEK_NEW,
        metric::WEEK_RETURNING,
        metric::WEEK_RESURRECTED,
        metric::WEEK_DORMANT,
        metric::COHORT_SIZE,
    ]
    .iter()
    .map(|s| s.to_string())
    .chain((0..=metric::COHORT_WEEKS).map(|k| format!("{}{k}", metric::COHORT_WEEK_PREFIX)))
    .collect();
    let weekly_refs: Vec<&str> = weekly_names.iter().map(String::as_str).collect();
    let weekly = counts(app, &weekly_refs, 0, first_week, q.range.to).await?;
    let mut weeks = Vec::new();
    let mut week = first_week;
    while week < q.range.to {
        weeks.push(week);
        week = zone.next_week(week);
    }
    let mut lifecycle = Table::new(
        "lifecycle",
        locale.pick(
            "每周活跃粉丝：新、回访、回流、沉睡",
            "Weekly active fans: new, returning, resurrected, dormant",
        ),
        Chart::Bar,
    )
    .column("week", locale.pick("周（起始日）", "Week from"))
    .column("new", locale.pick("新粉丝", "New"))
    .column("returning", locale.pick("连续活跃", "Returning"))
    .column("resurrected", locale.pick("回流", "Resurrected"))
    .column(
        "dormant",
        locale.pick("沉睡（上周活跃、本周未来）", "Dormant (active the week before, not this week)"),
    );
    for &w in &weeks {
        lifecycle.push(vec![
            Value::Text(zone.date(w)),
            Value::Int(weekly.at(metric::WEEK_NEW, w)),
            Value::Int(weekly.at(metric::WEEK_RETURNING, w)),
            Value::Int(weekly.at(metric::WEEK_RESURRECTED, w)),
            Value::Int(weekly.at(metric::WEEK_DORMANT, w)),
        ]);
    }
    let this_week = zone.week_of(app.now());
    let mut retention =
        Table::new("retention", locale.pick("按注册周的留存", "Retention by sign-up week"), Chart::None)
            .column("cohort", locale.pick("注册周", "Signed up in week of"))
            .column("fans", locale.pick("注册人数", "Fans"));
    for k in 0..=metric::COHORT_WEEKS {
        retention = retention.column(format!("week_{k}"), format!("{} {k}", locale.pick("第", "Week")));
    }
    for &w in &weeks {
        let size = weekly.at(metric::COHORT_SIZE, w);
        let mut row = vec![Value::Text(zone.date(w)), Value::Int(size)];
        for k in 0..=metric::COHORT_WEEKS {
            let week_k = zone.weeks_after(w, k);
            row.push(if week_k > this_week {
                Value::Missing
            } else {
                Value::share(share(weekly.at(&format!("{}{k}", metric::COHORT_WEEK_PREFIX), w), size))
            });
        }
        retention.push(row);
    }
    if q.product.is_some() {
        out.notes.push(
            locale
                .pick("发帖、投票与评论只计所选产品；新粉丝、活跃粉丝与留存是全站的。", "Posts, votes and comments are the chosen product's; new fans, active fans and retention are the whole site's.")
                .into(),
        );
    }
    out.notes.push(
        locale
            .pick(
                "活跃 = 当天发帖、投票或评论过。按周或按月时，活跃粉丝是该周或该月最后一天往前 7 天或 30 天内的人数。",
                "Active means posted, voted or commented. Weekly and monthly buckets show the fans active in the 7 or 30 days up to the bucket's last day.",
            )
            .into(),
    );
    out.tables = vec![per_bucket, lifecycle, retention];
    Ok(())
}

async fn users(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let snapshot = app.store.insight_snapshot().await?;
    let count = |dimension: &str, value: &str| {
        snapshot.iter().find(|s| s.dimension == dimension && s.value == value).map_or(0, |s| s.n)
    };
    let fans_label = locale.pick("粉丝", "Fans");
    let mut levels = Table::new("levels", locale.pick("按等级", "By level"), Chart::Bar)
        .column("level", locale.pick("等级", "Level"))
        .column("fans", fans_label);
    for level in LEVELS {
        levels.push(vec![
            Value::Text(format!("Lv{} {}", level.number, locale.pick(level.name_zh, level.name_en))),
            Value::people(count("level", &level.number.to_string())),
        ]);
    }
    fn field_table<T: Copy>(
        key: &'static str,
        title: &str,
        all: &[T],
        code: fn(T) -> &'static str,
        label: fn(T, Locale) -> &'static str,
        count: &dyn Fn(&str, &str) -> i64,
        locale: Locale,
    ) -> Table {
        let said: i64 = all.iter().map(|v| count(key, code(*v))).sum();
        let mut t = Table::new(key, title, Chart::Bar)
            .column("value", locale.pick("自填", "Self-declared"))
            .column("fans", locale.pick("粉丝", "Fans"))
            .column("share", locale.pick("占填写者", "Of those who said"))
            .plot(&["fans"]);
        for v in all {
            let n = count(key, code(*v));
            let cell = Value::people(n);
            // A share of a count that is hidden would give the count away.
            let of_said = if cell == Value::Few { Value::Few } else { Value::share(share(n, said)) };
            t.push(vec![Value::Text(label(*v, locale).into()), cell, of_said]);
        }
        t.push(vec![
            Value::Text(locale.pick("未填写", "Not said").into()),
            Value::people(count(key, "")),
            Value::Missing,
        ]);
        t
    }
    let gender = field_table(
        "gender",
        locale.pick("按性别", "By gender"),
        Gender::ALL,
        Gender::as_str,
        Gender::label,
        &count,
        locale,
    );
    let age = field_table(
        "age_band",
        locale.pick("按年龄段", "By age band"),
        AgeBand::ALL,
        AgeBand::as_str,
        AgeBand::label,
        &count,
        locale,
    );
    let tier = field_table(
        "city_tier",
        locale.pick("按城市级别", "By city tier"),
        CityTier::ALL,
        CityTier::as_str,
        CityTier::label,
        &count,
        locale,
    );
    let mut cross = Table::new("gender_age", locale.pick("性别 × 年龄段", "Gender × age band"), Chart::None)
        .column("age_band", locale.pick("年龄段", "Age band"));
    for g in Gender::ALL {
        cross = cross.column(g.as_str(), g.label(locale));
    }
    for a in AgeBand::ALL {
        let mut row = vec![Value::Text(a.label(locale).into())];
        row.extend(
            Gender::ALL
                .iter()
                .map(|g| Value::people(count("gender_age", &format!("{}/{}", g.as_str(), a.as_str())))),
        );
        cross.push(row);
    }
    let c = counts(app, &[metric::NEW_FANS], 0, zone.week_of(q.range.from), q.range.to).await?;
    let mut new_fans = Table::new("new_fans", locale.pick("每周新粉丝", "New fans per week"), Chart::Bar)
        .column("week", locale.pick("周（起始日）", "Week from"))
        .column("fans", fans_label);
    for (start, end) in buckets(zone, q.range, Granularity::Week) {
        new_fans
            .push(vec![Value::Text(zone.date(start)), Value::people(c.sum(metric::NEW_FANS, start, end))]);
    }
    out.notes.push(
        locale
            .pick(
                "性别、年龄段和城市级别由粉丝自愿填写（注册时或在设置里），可随时清除；不足 10 人的格子只显示“<10”，导出也一样。等级与自填分布是全站当前的粉丝，不随日期和产品筛选。",
                "Gender, age band and city tier are optional and self-declared (at sign-up or in settings), and can be cleared at any time; a cell of fewer than 10 fans shows only \"<10\", in exports too. Levels and self-declared fields describe the whole site's fans as of now, whatever the dates and product chosen.",
            )
            .into(),
    );
    out.tables = vec![levels, gender, age, tier, cross, new_fans];
    Ok(())
}

/// The campaigns the launch panel can show, newest first (of one product, or all).
pub async fn campaigns(app: &App, auth: &Auth, product: Option<&str>) -> AppResult<Vec<Campaign>> {
    require_insights(auth)?;
    Ok(match product.map(str::trim) {
        None | Some("") => app.store.campaigns(100).await?,
        Some(slug) => {
            let p = app.store.product_by_slug(slug).await?.ok_or(ErrorCode::UnknownProduct)?;
            app.store.product_campaigns(p.id, 100).await?
        }
    })
}

/// When the campaign's first wave opened (its creation if it has none), and its waves.
async fn opened(app: &App, c: &Campaign) -> AppResult<(Millis, Vec<canyu_store::Wave>)> {
    let waves = app.store.campaign_waves(c.id).await?;
    Ok((waves.iter().map(|w| w.rules.starts_at).min().unwrap_or(c.created_at), waves))
}

/// When the campaign's `n`th order was placed: the minute it fell in is found from the
/// per-minute tally, so the database skips at most one minute's orders instead of `n`; once
/// found it is remembered (`App::milestones`).
async fn nth_order_at(
    app: &App,
    campaign_id: i64,
    minutes: &[(Millis, i64)],
    n: i64,
) -> AppResult<Option<Millis>> {
    if let Some(at) = app.milestones.get(&(campaign_id, n)) {
        return Ok(Some(at));
    }
    let mut before = 0;
    for &(minute, count) in minutes {
        if before + count >= n {
            let at = app.store.nth_launch_order_from(campaign_id, minute, n - before).await?;
            if let Some(at) = at {
                app.milestones.insert((campaign_id, n), at);
            }
            return Ok(at);
        }
        before += count;
    }
    Ok(None)
}

/// Order counts worth comparing launches by.
const LAUNCH_MILESTONES: [i64; 6] = [100, 1_000, 5_000, 10_000, 50_000, 100_000];
/// At most this many rows in the per-minute table: a launch that sold over days is shown in
/// buckets of several minutes.
const MAX_TIMELINE_ROWS: i64 = 240;

async fn launch(
    app: &App,
    q: &Query,
    campaign_id: Option<i64>,
    locale: Locale,
    out: &mut InsightPanel,
) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let campaign = match (campaign_id, &q.product) {
        (Some(id), _) => {
            Some(app.store.campaign(id).await?.ok_or(AppError::new(ErrorCode::CampaignNotFound))?)
        }
        (None, Some(p)) => app.store.product_campaigns(p.id, 1).await?.into_iter().next(),
        (None, None) => app.store.campaigns(1).await?.into_iter().next(),
    };
    let Some(campaign) = campaign else {
        out.notes.push(locale.pick("还没有发布活动。", "No launch campaign yet.").into());
        return Ok(());
    };
    out.campaign = Some(campaign.id);
    // The launch before this one, to overlay: the newest older campaign of the same product.
    let earlier = app
        .store
        .product_campaigns(campaign.product_id, 100)
        .await?
        .into_iter()
        .filter(|c| {
            c.created_at < campaign.created_at || (c.created_at == campaign.created_at && c.id < campaign.id)
        })
        .max_by_key(|c| (c.created_at, c.id));

    let (opened_at, waves) = opened(app, &campaign).await?;
    // Every minute with orders, from the first: the per-minute tally is small (minutes, not
    // orders), and the milestones below are found from it.
    let minutes = app.store.launch_orders_per_minute(campaign.id, 0).await?;
    let earlier_minutes = match &earlier {
        Some(e) => {
            let (at, _) = opened(app, e).await?;
            Some((at, app.store.launch_orders_per_minute(e.id, 0).await?))
        }
        None => None,
    };

    // Cumulative orders by minutes since opening, this launch and the one before.
    let span = minutes.last().map_or(0, |(m, _)| (m - opened_at).div_euclid(60_000) + 1).max(1);
    let step = (span + MAX_TIMELINE_ROWS - 1) / MAX_TIMELINE_ROWS;
    let cumulative = |rows: &[(Millis, i64)], at: Millis, upto_minute: i64| -> i64 {
        rows.iter().filter(|(m, _)| (m - at).div_euclid(60_000) < upto_minute).map(|(_, n)| n).sum()
    };
    let mut per_minute = Table::new(
        "orders_per_minute",
        locale.pick("开售后每分钟订单", "Orders per minute since opening"),
        Chart::Bar,
    )
    .column("minute", locale.pick("开售后分钟", "Minutes after opening"))
    .column("time", locale.pick("时间", "Time"))
    .column("orders", locale.pick("订单", "Orders"))
    .plot(&["orders"]);
    let mut so_far = Table::new(
        "orders_so_far",
        locale.pick("累计订单，与上一场对比", "Orders so far, beside the launch before"),
        Chart::Line,
    )
    .column("minute", locale.pick("开售后分钟", "Minutes after opening"))
    .column("cumulative", campaign.title.clone());
    if let Some(e) = &earlier {
        so_far = so_far
            .column("earlier_cumulative", format!("{}{}", locale.pick("上一场：", "Before: "), e.title));
    }
    let mut bucket = 0;
    while bucket < span {
        let end = (bucket + step).min(span);
        let orders: i64 = minutes
            .iter()
            .filter(|(m, _)| (bucket..end).contains(&(m - opened_at).div_euclid(60_000)))
            .map(|(_, n)| n)
            .sum();
        per_minute.push(vec![
            Value::Int(bucket),
            Value::Text(zone.datetime(opened_at + bucket * 60_000)),
            Value::Int(orders),
        ]);
        let mut row = vec![Value::Int(end), Value::Int(cumulative(&minutes, opened_at, end))];
        if let Some((at, rows)) = &earlier_minutes {
            row.push(Value::Int(cumulative(rows, *at, end)));
        }
        so_far.push(row);
        bucket = end;
    }

    // The busiest minute, second by second: what the engine and the payment desk had to take.
    let mut per_second = Table::new(
        "orders_per_second",
        locale.pick("最忙一分钟的每秒订单", "Orders per second in the busiest minute"),
        Chart::Bar,
    )
    .column("second", locale.pick("时间", "Time"))
    .column("orders", locale.pick("订单", "Orders"))
    .plot(&["orders"]);
    if let Some(&(busiest, _)) = minutes.iter().max_by_key(|(m, n)| (*n, std::cmp::Reverse(*m))) {
        let seconds = app.store.launch_orders_per_second(campaign.id, busiest, busiest + 60_000).await?;
        let peak = seconds.iter().map(|(_, n)| *n).max().unwrap_or(0);
        for s in 0..60 {
            let at = busiest + s * 1000;
            let n = seconds.iter().find(|(t, _)| *t == at).map_or(0, |(_, n)| *n);
            per_second.push(vec![Value::Text(zone.time_seconds(at)), Value::Int(n)]);
        }
        out.notes.push(format!(
            "{} {peak} {}",
            locale.pick("每秒订单峰值：", "Peak orders per second:"),
            locale.pick("单/秒", "orders/s")
        ));
    }

    let mut milestones = Table::new("milestones", locale.pick("订单里程碑", "Order milestones"), Chart::None)
        .column("orders", locale.pick("订单数", "Orders"))
        .column("reached_at", locale.pick("达成时间", "Reached at"))
        .column("after_seconds", locale.pick("开售后（秒）", "Seconds after opening"));
    if earlier.is_some() {
        milestones = milestones
            .column("earlier_after_seconds", locale.pick("上一场（秒）", "Earlier launch (seconds)"));
    }
    for n in LAUNCH_MILESTONES {
        let at = nth_order_at(app, campaign.id, &minutes, n).await?;
        let before = match (&earlier, &earlier_minutes) {
            (Some(e), Some((o, rows))) => {
                Some(nth_order_at(app, e.id, rows, n).await?.map(|t| (t - o).max(0) / 1000))
            }
            _ => None,
        };
        if at.is_none() && before.flatten().is_none() {
            continue;
        }
        let mut row = vec![
            Value::Int(n),
            at.map_or(Value::Missing, |t| Value::Text(zone.datetime(t))),
            at.map_or(Value::Missing, |t| Value::Int((t - opened_at).max(0) / 1000)),
        ];
        if let Some(b) = before {
            row.push(b.map_or(Value::Missing, Value::Int));
        }
        milestones.push(row);
    }

    let counts = app.store.launch_counts(campaign.id).await?;
    let total: i64 = counts.iter().map(|(_, _, n)| n).sum();
    let in_states = |states: &[OrderState]| -> i64 {
        counts.iter().filter(|(_, s, _)| states.contains(s)).map(|(_, _, n)| n).sum()
    };
    use OrderState::*;
    let paid = in_states(&[Paid, Deposited, Locked, Refunded, Returned]);
    let deposits = counts
        .iter()
        .filter(|(k, s, _)| *k != OrderKind::Full && matches!(s, Deposited | Locked | Refunded | Returned))
        .map(|(_, _, n)| n)
        .sum::<i64>();
    let committed = in_states(&[Locked, Paid]);
    let reserved = campaign.reserved();
    let mut funnel = Table::new(
        "funnel",
        locale.pick("预约 → 下单 → 付定金 → 锁单或全款", "Reservation → order → deposit → locked or paid"),
        Chart::Bar,
    )
    .column("step", locale.pick("阶段", "Step"))
    .column("count", locale.pick("人数/订单", "Count"))
    .column("of_previous", locale.pick("占上一步", "Of previous step"))
    .plot(&["count"]);
    let steps = [
        (locale.pick("预约", "Reserved"), reserved),
        (locale.pick("下单", "Ordered"), total),
        (locale.pick("已付款（定金或全款）", "Paid (deposit or in full)"), paid),
        (locale.pick("锁单或全款在手", "Locked or paid in full"), committed),
    ];
    let mut prev: Option<i64> = None;
    for (label, n) in steps {
        funnel.push(vec![
            Value::Text(label.into()),
            Value::Int(n),
            Value::share(prev.and_then(|p| share(n, p))),
        ]);
        prev = Some(n);
    }
    let flagged = app.store.launch_flagged_count(campaign.id).await?;
    let mut rates =
        Table::new("rates", locale.pick("退款、过期与风控标记", "Refunds, expiries and flags"), Chart::None)
            .column("measure", locale.pick("指标", "Measure"))
            .column("orders", locale.pick("订单", "Orders"))
            .column("rate", locale.pick("比例", "Rate"));
    for (label, n, whole) in [
        (locale.pick("定金订单", "Deposit orders"), deposits, total),
        (locale.pick("退款（占已付款）", "Refunded (of paid)"), in_states(&[Refunded]), paid),
        (locale.pick("售后退货（占已付款）", "Returned (of paid)"), in_states(&[Returned]), paid),
        (locale.pick("超时未付（占下单）", "Expired unpaid (of ordered)"), in_states(&[Expired]), total),
        (locale.pick("取消（占下单）", "Cancelled (of ordered)"), in_states(&[Cancelled]), total),
        (locale.pick("风控标记（占下单）", "Flagged (of ordered)"), flagged, total),
    ] {
        rates.push(vec![Value::Text(label.into()), Value::Int(n), Value::share(share(n, whole))]);
    }

    let mut wave_table = Table::new(
        "waves",
        locale.pick("各轮与 SKU：售出与参与", "Waves and SKUs: sold and taking part"),
        Chart::Bar,
    )
    .column("sku", "SKU")
    .column("wave", locale.pick("轮次", "Wave"))
    .column("quantity", locale.pick("线上数量", "Online units"))
    .column("taken", locale.pick("已售/已抽中", "Taken"))
    .column("entries", locale.pick("抽签报名", "Draw entries"))
    .column("sold_out", locale.pick("售罄", "Sold out"))
    .column("sold_out_after", locale.pick("开售到售罄（秒）", "Sold out after (seconds)"))
    .plot(&["quantity", "taken", "entries"]);
    for w in &waves {
        let quantity = w.rules.online_quantity();
        let name = campaign
            .skus
            .iter()
            .find(|s| s.code == w.rules.sku)
            .map_or(w.rules.sku.clone(), |s| s.name.clone());
        let entries = match w.rules.mode {
            canyu_core::wave::WaveMode::Draw => {
                app.store.draw_state(w.id).await?.map_or(Value::Int(0), |d| Value::Int(d.entries))
            }
            canyu_core::wave::WaveMode::Fcfs => Value::Missing,
        };
        // First-come waves sell out when their last unit goes; a draw's places are given at once.
        let sold_out_after = match w.rules.mode {
            canyu_core::wave::WaveMode::Fcfs if quantity > 0 && w.sold >= quantity => {
                match app.store.wave_nth_order_at(w.id, quantity).await? {
                    Some(at) => Value::Int((at - w.rules.starts_at).max(0) / 1000),
                    None => Value::Missing,
                }
            }
            _ => Value::Missing,
        };
        wave_table.push(vec![
            Value::Text(name),
            Value::Int(w.id),
            Value::Int(quantity),
            Value::Int(w.sold),
            entries,
            Value::Text(
                if w.sold >= quantity { locale.pick("是", "yes") } else { locale.pick("否", "no") }.into(),
            ),
            sold_out_after,
        ]);
    }
    out.notes.push(format!(
        "{} {} · {} {}",
        locale.pick("发布活动：", "Campaign:"),
        campaign.title,
        locale.pick("开售于", "opened"),
        zone.datetime(opened_at)
    ));
    out.tables = if minutes.is_empty() {
        out.notes.push(locale.pick("这场活动还没有订单。", "No orders in this campaign yet.").into());
        vec![funnel, rates, wave_table]
    } else {
        vec![per_minute, per_second, so_far, milestones, funnel, rates, wave_table]
    };
    Ok(())
}
