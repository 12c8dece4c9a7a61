//! The demo's channels and prices (issue #21): the own store, two partner platforms, a 小米之家
//! and a franchised shop; each product's SKUs up its price ladder with costs that keep the own
//! store's margin under the 5 % pledge; a promotion that leaves a 30-day low on the band; and
//! ten months of sales across the channels, through the same import the CLI uses.

use crate::error::CliResult;
use canyu_app::pricing::{Insert, SaleInput};
use canyu_core::Millis;
use canyu_core::pricing::unit_margin_bps;
use canyu_store::{NewChannel, NewPrice, NewSku, Store};
use std::collections::HashMap;

const DAY: Millis = 24 * 3_600_000;

struct DemoChannel {
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    city: Option<&'static str>,
    fee_bps: i64,
    /// Its sales beside the own store's 30.
    share: u64,
}

const fn channel(
    code: &'static str,
    name: &'static str,
    kind: &'static str,
    city: Option<&'static str>,
    fee_bps: i64,
    share: u64,
) -> DemoChannel {
    DemoChannel { code, name, kind, city, fee_bps, share }
}

const CHANNELS: [DemoChannel; 5] = [
    channel("online", "", "own_online", None, 0, 30),
    channel("jd", "京东自营", "partner_online", None, 300, 25),
    channel("tmall", "天猫旗舰店", "partner_online", None, 400, 20),
    channel("mi-home-beijing", "小米之家 北京五彩城", "own_store", Some("北京"), 0, 15),
    channel("franchise-chengdu", "授权店 成都春熙路", "franchise_store", Some("成都"), 800, 10),
];

/// (product, code, name, tier, price in fen, cost in fen).
const SKUS: [(&str, &str, &str, &str, i64, i64); 15] = [
    ("xiaomi-15-ultra", "15U-12-256", "15 Ultra 12+256", "upper", 649_900, 622_000),
    ("xiaomi-15-ultra", "15U-16-1T", "15 Ultra 16+1T", "flagship", 799_900, 765_000),
    ("redmi-k80", "K80-12-256", "K80 12+256", "mid", 249_900, 239_000),
    ("redmi-k80", "K80-16-512", "K80 16+512", "upper", 299_900, 286_500),
    ("xiaomi-su7", "SU7-STD", "SU7 标准版", "mid", 21_590_000, 20_700_000),
    ("xiaomi-su7", "SU7-PRO", "SU7 Pro", "upper", 24_590_000, 23_500_000),
    ("xiaomi-su7", "SU7-MAX", "SU7 Max", "flagship", 29_990_000, 28_600_000),
    ("xiaomi-yu7", "YU7-STD", "YU7 标准版", "upper", 25_350_000, 24_200_000),
    ("xiaomi-yu7", "YU7-MAX", "YU7 Max", "flagship", 32_990_000, 31_500_000),
    ("mijia-robot-vacuum", "VAC-X20", "扫拖机器人 X20", "mid", 299_900, 287_000),
    ("mijia-air-conditioner", "AC-15P", "巨省电 1.5 匹", "entry", 229_900, 220_500),
    ("xiaomi-band-9", "BAND9-STD", "手环 9 标准版", "entry", 24_900, 23_800),
    ("xiaomi-band-9", "BAND9-NFC", "手环 9 NFC 版", "entry", 29_900, 28_500),
    ("xiaomi-watch-s4", "S4-47", "Watch S4 47mm", "mid", 99_900, 95_500),
    ("xiaomi-watch-s4", "S4-EXP", "Watch S4 探索版", "upper", 149_900, 143_200),
];

/// Where online orders were delivered, so sales by city (`/admin/channels`) has more than the
/// two shops' cities. Picked by day and channel, not by the generator, so the quantities stay
/// what they were for a seed.
const DELIVERY_CITIES: [&str; 6] = ["上海", "北京", "深圳", "广州", "杭州", "成都"];

/// A small deterministic generator: the demo is the same for the same seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

pub async fn load(store: &Store, product_ids: &HashMap<String, i64>, staff: i64, seed: u64) -> CliResult<()> {
    let now = canyu_app::now_millis();
    let start = now - 300 * DAY;
    let mut fees: HashMap<&str, i64> = HashMap::new();
    for c in &CHANNELS {
        // The own store is there from the start (the migration made it).
        if c.code != canyu_core::pricing::OWN_ONLINE {
            let new = NewChannel {
                code: c.code,
                name: c.name,
                kind: c.kind,
                city: c.city,
                fee_bps: c.fee_bps,
                created_at: start,
            };
            store.create_channel(new).await?;
        }
        fees.insert(c.code, c.fee_bps);
    }
    let mut rng = Lcg(seed ^ 0x5eed_0021);
    let app = crate::commands::offline_app(store)?;
    for (slug, code, name, tier, price, cost) in SKUS {
        let Some(&product_id) = product_ids.get(slug) else { continue };
        let sku = store
            .create_sku(NewSku {
                product_id,
                code,
                name,
                tier,
                unit_cost_fen: cost,
                created_by: staff,
                created_at: start,
            })
            .await?;
        for (channel, fee_bps) in &fees {
            let Some(found) = store.channel_by_code(channel).await? else { continue };
            let set = |price_fen: i64, at: Millis, reason: &'static str| NewPrice {
                sku_id: sku.id,
                channel_id: found.id,
                price_fen,
                effective_at: at,
                reason,
                over_cap_reason: None,
                margin_bps: unit_margin_bps(price_fen, cost, *fee_bps),
                created_by: staff,
                created_at: at,
            };
            store.add_price(set(price, start, "首发价")).await?;
            // The band's 双十二 warm-up: cheaper for a week, then back; the shelf shows the low.
            if code.starts_with("BAND9") && *channel == "online" {
                store.add_price(set(price - 5_000, now - 12 * DAY, "双十二预热")).await?;
                store.add_price(set(price, now - 5 * DAY, "活动结束")).await?;
            }
        }
        // Ten months of sales: a row per channel per day with units sold, fewer for cars.
        let per_day = if price > 10_000_000 { 3 } else { 40 };
        let mut rows: Vec<(String, SaleInput)> = Vec::new();
        for day in 0..300 {
            let sold_at = canyu_core::time::rfc3339(start + day * DAY + 11 * 3_600_000);
            for (i, c) in CHANNELS.iter().enumerate() {
                let quantity = i64::try_from(rng.below(per_day * c.share / 30 + 1)).unwrap_or(0);
                if quantity == 0 {
                    continue;
                }
                rows.push((
                    c.code.to_string(),
                    SaleInput {
                        external_id: format!("demo-{code}-{day}"),
                        sku: code.to_string(),
                        quantity,
                        unit_price_fen: price,
                        sold_at: sold_at.clone(),
                        // A shop's rows name no city: they count in the shop's.
                        city: match c.city {
                            Some(_) => None,
                            None => DELIVERY_CITIES
                                .get((day as usize + i) % DELIVERY_CITIES.len())
                                .map(|city| city.to_string()),
                        },
                    },
                ));
            }
        }
        let mut by_channel: HashMap<String, Vec<SaleInput>> = HashMap::new();
        for (channel, row) in rows {
            by_channel.entry(channel).or_default().push(row);
        }
        for (channel, rows) in by_channel {
            canyu_app::pricing::import_sales(&app, &channel, &rows, Insert::Batched).await?;
        }
        // Each channel was given what it sold and some left on its shelves (none for a few:
        // sold out).
        let given: Vec<(i64, i64)> = store
            .channel_stock(sku.id)
            .await?
            .iter()
            .map(|c| (c.channel_id, c.sold + c.sold / 5 * i64::try_from(rng.below(3)).unwrap_or(0)))
            .collect();
        if !given.is_empty() {
            store.set_allocations(sku.id, &given, "首批铺货", staff, start).await?;
        }
    }
    Ok(())
}
