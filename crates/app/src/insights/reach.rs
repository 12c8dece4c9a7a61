//! The panels of the flywheel's reach beyond the board: sales per channel and word of mouth
//! (referrals), from the day rollup the insights job keeps of the sales ledger and the
//! referrals; fan events (from each event's own counters); and the 人车家 ecosystem (who owns
//! what across categories, counted with the co-ownership refresh). None reads the orders,
//! sales or posts themselves.

use super::{InsightPanel, Query, bucket_column};
use crate::App;
use crate::error::AppResult;
use canyu_core::insight::{bucket_label, buckets, metric, share};
use canyu_core::pricing::ChannelKind;
use canyu_core::{Locale, Millis};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::table::{Chart, Table, Value};

/// Which bucket of `bounds` (sorted, non-overlapping) holds `at`.
fn bucket_of(bounds: &[(Millis, Millis)], at: Millis) -> Option<usize> {
    let i = bounds.partition_point(|(start, _)| *start <= at);
    (i > 0 && at < bounds[i - 1].1).then(|| i - 1)
}

/// Yuan with two decimals, from fen, as a spreadsheet reads it (no ¥ or thousands separators:
/// `canyu_core::campaign::format_yuan` is for people); reversals may make it negative.
fn yuan(fen: i64) -> Value {
    let sign = if fen < 0 { "-" } else { "" };
    Value::Text(format!("{sign}{}.{:02}", fen.unsigned_abs() / 100, fen.unsigned_abs() % 100))
}

pub(super) async fn channels(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let bounds = buckets(zone, q.range, q.granularity);
    let channels = app.store.channels().await?;
    // The day rollup's two metrics per channel: which channel, and whether it counts units.
    let mut metric_of: HashMap<String, (i64, bool)> = HashMap::new();
    for c in &channels {
        metric_of.insert(metric::channel_units(c.id), (c.id, true));
        metric_of.insert(metric::channel_revenue(c.id), (c.id, false));
    }
    let names: Vec<&str> = metric_of.keys().map(String::as_str).collect();
    let product_id = q.product.as_ref().map_or(0, |p| p.id);
    let rows = app.store.insight_counts(&names, product_id, q.range.from, q.range.to).await?;
    let name: HashMap<i64, &str> = channels.iter().map(|c| (c.id, c.name.as_str())).collect();
    let kind_of: HashMap<i64, &str> = channels.iter().map(|c| (c.id, c.kind.as_str())).collect();
    let kinds: Vec<ChannelKind> =
        ChannelKind::ALL.into_iter().filter(|k| channels.iter().any(|c| c.kind == k.as_str())).collect();

    let mut totals: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut per_bucket = vec![vec![0i64; kinds.len()]; bounds.len()];
    for row in &rows {
        let Some(&(channel, units)) = metric_of.get(&row.metric) else { continue };
        let t = totals.entry(channel).or_default();
        if !units {
            t.1 += row.n;
            continue;
        }
        t.0 += row.n;
        if let (Some(b), Some(k)) = (
            bucket_of(&bounds, row.day),
            kind_of.get(&channel).and_then(|k| kinds.iter().position(|x| x.as_str() == *k)),
        ) {
            per_bucket[b][k] += row.n;
        }
    }
    let revenue_all: i64 = totals.values().map(|(_, r)| r).sum();
    let mut by_channel = Table::new(
        "by_channel",
        locale.pick("各渠道销量与销售额", "Units and revenue per channel"),
        Chart::Bar,
    )
    .column("channel", locale.pick("渠道", "Channel"))
    .column("units", locale.pick("销量（台）", "Units"))
    .column("revenue_yuan", locale.pick("销售额（元）", "Revenue (yuan)"))
    .column("revenue_share", locale.pick("销售额占比", "Share of revenue"))
    .plot(&["units"]);
    let mut ranked: Vec<(i64, (i64, i64))> = totals.into_iter().collect();
    ranked.sort_by_key(|(id, (_, revenue))| (std::cmp::Reverse(*revenue), *id));
    for (id, (units, revenue)) in ranked {
        by_channel.push(vec![
            Value::Text(name.get(&id).copied().unwrap_or("?").to_string()),
            Value::Int(units),
            yuan(revenue),
            Value::share(share(revenue, revenue_all)),
        ]);
    }
    let (key, label) = bucket_column(q.granularity, locale);
    let mut over_time = Table::new(
        "units_by_kind",
        locale.pick("各类渠道销量（按时间）", "Units by kind of channel over time"),
        Chart::Line,
    )
    .column(key, label);
    for k in &kinds {
        over_time = over_time.column(k.as_str(), channel_kind_label(*k, locale));
    }
    for (b, (start, _)) in bounds.iter().enumerate() {
        let mut row = vec![Value::Text(bucket_label(zone, *start, q.granularity))];
        row.extend(per_bucket[b].iter().map(|&n| Value::Int(n)));
        over_time.push(row);
    }
    out.notes.push(
        locale
            .pick(
                "来自统一销售台账（官方商城、门店、合作渠道上报），按销售发生的日期汇总，每分钟更新；迟报的销售与退款计入发生那天。",
                "From the one sales ledger (own shop, stores, partners' reports), summed per day of the sale and updated every minute; late reports and refunds count on the day of the sale.",
            )
            .into(),
    );
    out.tables = vec![by_channel, over_time];
    Ok(())
}

fn channel_kind_label(kind: ChannelKind, locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => kind.label_zh(),
        Locale::En => match kind {
            ChannelKind::OwnOnline => "Own online",
            ChannelKind::OwnStore => "Own stores",
            ChannelKind::PartnerOnline => "Partner platforms",
            ChannelKind::FranchiseStore => "Franchised stores",
            ChannelKind::AuthorizedStore => "Authorised resellers",
        },
    }
}

/// Events listed one by one (the latest to start); the per-city table counts them all.
const EVENTS_LISTED: i64 = 100;

pub(super) async fn events(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let events = app.store.event_counts(q.range.from, q.range.to, EVENTS_LISTED).await?;
    let mut each = Table::new(
        "events",
        locale.pick("各场活动：名额、到场与爽约", "Each event: places, turnout, no-shows"),
        Chart::Bar,
    )
    .column("event", locale.pick("活动", "Event"))
    .column("starts", locale.pick("开始", "Starts"))
    .column("city", locale.pick("城市", "City"))
    .column("capacity", locale.pick("名额", "Capacity"))
    .column("held", locale.pick("已占名额", "Places held"))
    .column("waiting", locale.pick("候补", "Waitlist"))
    .column("checked_in", locale.pick("签到", "Checked in"))
    .column("no_shows", locale.pick("爽约", "No-shows"))
    .column("turnout", locale.pick("到场率", "Turnout"))
    .plot(&["capacity", "held", "checked_in"]);
    let now = app.now();
    for e in &events {
        let done = e.starts_at <= now;
        each.push(vec![
            Value::Text(e.title.clone()),
            Value::Text(zone.datetime(e.starts_at)),
            Value::Text(e.city.clone()),
            Value::Int(e.capacity),
            Value::Int(e.held),
            Value::Int(e.waiting),
            Value::Int(e.checked_in),
            Value::Int(e.no_shows),
            if done { Value::share(share(e.checked_in, e.held)) } else { Value::Missing },
        ]);
    }
    let mut cities = Table::new("by_city", locale.pick("按城市", "By city"), Chart::Bar)
        .column("city", locale.pick("城市", "City"))
        .column("events", locale.pick("场次", "Events"))
        .column("held", locale.pick("已占名额", "Places held"))
        .column("checked_in", locale.pick("签到", "Checked in"))
        .plot(&["held", "checked_in"]);
    for (city, n, held, checked_in) in app.store.events_by_city(q.range.from, q.range.to).await? {
        cities.push(vec![Value::Text(city), Value::Int(n), Value::Int(held), Value::Int(checked_in)]);
    }
    out.notes.push(
        locale
            .pick(
                "按活动开始时间筛选：逐场列出最近开始的 100 场，按城市汇总全部场次；到场率 = 签到 ÷ 已占名额，活动开始后才计算。",
                "Filtered by when events start: the latest 100 one by one, every event counted by city; turnout = checked in ÷ places held, once an event has started.",
            )
            .into(),
    );
    out.tables = vec![each, cities];
    Ok(())
}

pub(super) async fn referrals(app: &App, q: &Query, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let zone = &app.config.time_zone;
    let bounds = buckets(zone, q.range, q.granularity);
    let counted = [metric::REFERRALS, metric::REFERRALS_QUALIFIED, metric::REFERRALS_REJECTED];
    let made = super::counts(app, &counted, 0, q.range.from, q.range.to).await?;
    let new_fans = super::counts(app, &[metric::NEW_FANS], 0, q.range.from, q.range.to).await?;
    let (key, label) = bucket_column(q.granularity, locale);
    let mut table =
        Table::new("referrals", locale.pick("邀请与口碑系数", "Invitations and word of mouth"), Chart::Line)
            .column(key, label)
            .column("new_fans", locale.pick("新粉丝", "New fans"))
            .column("invited", locale.pick("受邀注册", "Signed up invited"))
            .column("qualified", locale.pick("达标", "Qualified"))
            .column("rejected", locale.pick("拒绝（同设备等）", "Rejected (same device…)"))
            .column("invited_share", locale.pick("受邀占新粉丝", "Invited share of new fans"))
            .plot(&["new_fans", "invited", "qualified"]);
    for (start, end) in &bounds {
        let fans = new_fans.sum(metric::NEW_FANS, *start, *end);
        let [invited, qualified, rejected] = counted.map(|m| made.sum(m, *start, *end));
        table.push(vec![
            Value::Text(bucket_label(zone, *start, q.granularity)),
            Value::Int(fans),
            Value::Int(invited),
            Value::Int(qualified),
            Value::Int(rejected),
            Value::share(share(invited, fans)),
        ]);
    }
    out.notes.push(
        locale
            .pick(
                "按受邀者注册的日期计，每分钟更新；达标 = 首单付款且过了退货期（或已锁单）。",
                "Counted on the day the invitee signed up, updated every minute; qualified = a first order paid past its return window (or locked).",
            )
            .into(),
    );
    out.tables = vec![table];
    Ok(())
}

pub(super) async fn ecosystem(app: &App, locale: Locale, out: &mut InsightPanel) -> AppResult<()> {
    let counts = match app.store.meta(ECOSYSTEM_KEY).await?.and_then(|raw| serde_json::from_str(&raw).ok()) {
        Some(counts) => counts,
        None => refresh_ecosystem(app).await?,
    };
    let categories = app.store.list_categories().await?;
    let label = |slug: &str| {
        categories.iter().find(|c| c.slug == slug).map_or_else(
            || slug.to_string(),
            |c| match locale {
                Locale::ZhCn => c.name_zh.clone(),
                Locale::En => c.name_en.clone(),
            },
        )
    };
    let EcosystemCounts { owners, by_count, combos, computed_at } = counts;
    out.notes.push(format!(
        "{} {}",
        locale.pick("统计于（每 10 分钟更新）：", "Counted (every ten minutes) at"),
        app.config.time_zone.datetime(computed_at)
    ));
    let mut breadth = Table::new(
        "breadth",
        locale.pick("车主拥有几类设备", "Owners by how many kinds they own"),
        Chart::Bar,
    )
    .column("kinds", locale.pick("设备类别数", "Kinds owned"))
    .column("owners", locale.pick("车主/机主", "Owners"))
    .column("share", locale.pick("占全部", "Share"))
    .plot(&["owners"]);
    for (n, count) in &by_count {
        // A share of a hidden count would give the count away.
        let part = if *count >= canyu_core::insight::K_FLOOR { share(*count, owners) } else { None };
        breadth.push(vec![Value::Text(n.to_string()), Value::people(*count), Value::share(part)]);
    }
    let mut mixes =
        Table::new("combinations", locale.pick("人车家组合", "What owners own together"), Chart::Bar)
            .column("combination", locale.pick("组合", "Combination"))
            .column("owners", locale.pick("人数", "Owners"))
            .plot(&["owners"]);
    for (set, n) in combos {
        let names: Vec<String> = set.iter().map(|s| label(s)).collect();
        mixes.push(vec![Value::Text(names.join(" + ")), Value::people(n)]);
    }
    out.notes.push(
        locale
            .pick(
                "绑定了设备的粉丝，按他们现在拥有的设备类别（手机、汽车、家居…）计；少于 10 人的组显示为“<10”。",
                "Fans with bound devices, by the kinds (phone, car, home…) they own now; groups under 10 show as \"<10\".",
            )
            .into(),
    );
    out.tables = vec![breadth, mixes];
    Ok(())
}

/// Where the ecosystem counts are kept between refreshes (`instance_meta`).
const ECOSYSTEM_KEY: &str = "insights.ecosystem";

/// Who owns which kinds of device, counted: kept as JSON and refreshed with the co-ownership
/// lines (every ten minutes), since counting reads every bound device.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct EcosystemCounts {
    pub computed_at: Millis,
    pub owners: i64,
    /// (kinds owned, owners), fewest kinds first.
    pub by_count: Vec<(usize, i64)>,
    /// (categories' slugs, owners), most owners first.
    pub combos: Vec<(Vec<String>, i64)>,
}

/// Counts owners by the kinds they own now, keeps the counts for the panel and returns them.
pub async fn refresh_ecosystem(app: &App) -> AppResult<EcosystemCounts> {
    let owned = app.store.owners_categories().await?;
    let mut sets: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (owner, slug) in owned {
        sets.entry(owner).or_default().insert(slug);
    }
    let mut combos: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    let mut by_count: BTreeMap<usize, i64> = BTreeMap::new();
    for set in sets.values() {
        *combos.entry(set.iter().cloned().collect()).or_default() += 1;
        *by_count.entry(set.len()).or_default() += 1;
    }
    let mut combos: Vec<(Vec<String>, i64)> = combos.into_iter().collect();
    combos.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let counts = EcosystemCounts {
        computed_at: app.now(),
        owners: sets.len() as i64,
        by_count: by_count.into_iter().collect(),
        combos,
    };
    let json = serde_json::to_string(&counts)
        .map_err(|e| crate::error::AppError::with_detail(canyu_core::ErrorCode::Internal, e.to_string()))?;
    app.store.set_meta(ECOSYSTEM_KEY, &json).await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_keeps_the_sign_of_less_than_a_yuan() {
        assert_eq!(yuan(240_000), Value::Text("2400.00".into()));
        assert_eq!(yuan(-50), Value::Text("-0.50".into()));
        assert_eq!(yuan(-12_345), Value::Text("-123.45".into()));
    }
}
