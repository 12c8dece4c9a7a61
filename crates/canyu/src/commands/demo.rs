use crate::commands::serve::serve;
use crate::commands::{init_logging, open_store, reindex, settings};
use crate::config::{CommonArgs, Settings};
use crate::error::CliResult;
use canyu_app::accounts::PasswordCost;
use canyu_app::accounts::hash_password;
use canyu_core::Millis;
use canyu_demo::{DEMO_DEFAULT_POSTS, DEMO_FAN_PASSWORD, DEMO_STAFF_HANDLE, DEMO_STAFF_PASSWORD, DemoForum};
use canyu_store::{
    BulkComment, BulkDetails, BulkPost, BulkStatusChange, BulkVote, ModAction, NewPost, NewProduct,
    NewReport, NewUser, PastRelease, Store,
};
use canyu_text::SearchIndex;
use clap::Args;
use std::collections::HashMap;

#[derive(Args)]
pub struct DemoArgs {
    /// Seed of the generated forum: the same seed gives the same forum.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Number of feedback posts to generate.
    #[arg(long, default_value_t = DEMO_DEFAULT_POSTS)]
    pub posts: usize,
    /// Load the data and exit instead of serving.
    #[arg(long)]
    pub no_serve: bool,
}

const DEMO_MARKER: &str = "demo_seed";

pub async fn run(common: &CommonArgs, args: DemoArgs) -> CliResult<()> {
    let mut common = common.clone();
    // The demo lives in its own folder unless told otherwise, so it never mixes with real data.
    if common.data_dir.is_none() {
        common.data_dir = Some("canyu-demo".into());
    }
    let settings = settings(&common)?;
    init_logging(settings.json_logs);
    let store = open_store(&settings).await?;
    if store.meta(DEMO_MARKER).await?.is_none() {
        if store.post_count().await? > 0 || store.user_count().await? > 0 {
            return Err(format!(
                "{} already holds data that is not canyu's demo; use an empty --data-dir or database",
                settings.data_dir.display()
            )
            .into());
        }
        eprintln!("generating the demo forum (seed {}, {} posts)…", args.seed, args.posts);
        // Midnight UTC today: the same seed gives the same forum all day, and every
        // generated timestamp is in the past.
        let anchor = canyu_app::now_millis() / 86_400_000 * 86_400_000;
        let forum = canyu_demo::generate(args.seed, anchor, args.posts);
        load(&store, &forum).await?;
        store.set_meta(DEMO_MARKER, &args.seed.to_string()).await?;
        let index = SearchIndex::open(&settings.index_dir())?;
        let n = reindex::rebuild(&store, &index, true).await?;
        eprintln!("demo ready: {} products, {} fans, {n} posts", forum.products.len(), forum.users.len());
    }
    store.close().await;
    if args.no_serve {
        return Ok(());
    }
    let banner = format!(
        "\n  canyu demo is running: {{url}}\n  staff login: {DEMO_STAFF_HANDLE} / {DEMO_STAFF_PASSWORD}   (fans: any handle on the board / {DEMO_FAN_PASSWORD})\n  data folder: {}\n",
        settings.data_dir.display()
    );
    // No money moves in the demo: its deposit orders are paid with the simulated provider.
    let settings = Settings { simulated_payments: true, ..settings };
    serve(&settings, Some(banner)).await
}

/// Inserts the generated forum. Demo fans share one password hash (they share one password);
/// the staff accounts get their own.
pub async fn load(store: &Store, forum: &DemoForum) -> CliResult<()> {
    let hash_err = |e: canyu_app::AppError| format!("hashing failed: {e}");
    let fan_hash = hash_password(PasswordCost::Standard, DEMO_FAN_PASSWORD.into()).await.map_err(hash_err)?;
    let staff_hash =
        hash_password(PasswordCost::Standard, DEMO_STAFF_PASSWORD.into()).await.map_err(hash_err)?;
    for c in &forum.categories {
        store.create_category(&c.slug, &c.name_zh, &c.name_en).await?;
    }
    let mut product_ids = HashMap::new();
    for p in &forum.products {
        let created = store
            .create_product(NewProduct {
                slug: &p.slug,
                name: &p.name,
                category_slug: &p.category,
                tagline: &p.tagline,
                created_at: 0,
            })
            .await?;
        product_ids.insert(p.slug.clone(), created.id);
    }
    let mut user_ids = Vec::with_capacity(forum.users.len());
    for u in &forum.users {
        let hash = if u.role.can_triage() { &staff_hash } else { &fan_hash };
        let created = store
            .create_user(NewUser {
                handle: &u.handle,
                email: None,
                password_hash: hash,
                role: u.role,
                bio: &u.bio,
                created_at: u.created_at,
            })
            .await?;
        user_ids.push(created.id);
    }
    let bulk: Vec<BulkPost> = forum
        .posts
        .iter()
        .map(|p| BulkPost {
            product_id: product_ids[&p.product],
            author_id: user_ids[p.author],
            kind: p.kind,
            title: p.title.clone(),
            body: p.body.clone(),
            status: canyu_core::PostStatus::New,
            created_at: p.created_at,
        })
        .collect();
    let post_ids = store.insert_posts_bulk(&bulk).await?;
    let mut details =
        BulkDetails { tags: Vec::new(), votes: Vec::new(), comments: Vec::new(), history: Vec::new() };
    for (post, &post_id) in forum.posts.iter().zip(&post_ids) {
        details.tags.extend(post.tags.iter().map(|t| (post_id, t.clone())));
        // Votes arrive over the minutes and hours after posting.
        details.votes.extend(post.voters.iter().enumerate().map(|(i, &u)| BulkVote {
            post_id,
            user_id: user_ids[u],
            at: post.created_at + 60_000 * (i as i64 + 1),
        }));
        details.comments.extend(post.comments.iter().map(|c| BulkComment {
            post_id,
            author_id: user_ids[c.author],
            body: c.body.clone(),
            official: c.official,
            at: c.created_at,
        }));
        details.history.extend(post.history.iter().map(|h| BulkStatusChange {
            post_id,
            from: h.from,
            to: h.to,
            actor_id: user_ids[h.by],
            note: h.note.clone(),
            at: h.at,
        }));
    }
    store.insert_post_details_bulk(&details).await?;

    // Staff run every demo product.
    for &product_id in product_ids.values() {
        for (u, &user_id) in forum.users.iter().zip(&user_ids) {
            if u.role.can_manage_catalog() {
                store.add_product_manager(product_id, user_id).await?;
            }
        }
    }
    import_releases(store, forum, &product_ids, &post_ids, &user_ids).await?;
    // The points the generated history would have earned.
    store.backfill_points().await?;
    import_beta_groups(store, forum, &product_ids).await?;
    import_waves(store, forum, &product_ids, &user_ids).await?;
    // The catalog first: the campaigns sell its SKUs (at the cost it knows).
    if let Some(staff) = forum.users.iter().position(|u| u.handle == DEMO_STAFF_HANDLE) {
        super::demo_pricing::load(store, &product_ids, user_ids[staff], 2026).await?;
        super::demo_events::load(store, forum, &user_ids, user_ids[staff]).await?;
    }
    import_campaigns(store, forum, &product_ids, &user_ids).await?;
    super::demo_devices::load(store, forum, &product_ids, &user_ids).await?;
    super::demo_referrals::load(store, forum, &user_ids, &fan_hash, canyu_app::now_millis()).await?;
    super::demo_voices::load(store, forum, &user_ids, &fan_hash, canyu_app::now_millis()).await?;
    if let Some(staff) = forum.users.iter().position(|u| u.handle == DEMO_STAFF_HANDLE) {
        super::demo_voices::amas(store, forum, &user_ids, user_ids[staff], canyu_app::now_millis()).await?;
    }
    demographics(store, forum, &user_ids).await?;
    import_moderation(store, forum, &post_ids, &user_ids).await?;
    Ok(())
}

/// What a community's moderators find on a normal morning: the first product's most voted
/// post pinned, and its newest post reported by two fans, waiting in the queue.
async fn import_moderation(
    store: &Store,
    forum: &DemoForum,
    post_ids: &[i64],
    user_ids: &[i64],
) -> CliResult<()> {
    let Some(first) = forum.products.first() else { return Ok(()) };
    let Some(staff) = forum.users.iter().position(|u| u.role.can_triage()) else { return Ok(()) };
    let of_first: Vec<(usize, &canyu_demo::DemoPost)> =
        forum.posts.iter().enumerate().filter(|(_, p)| p.product == first.slug).collect();
    let Some(top) = of_first.iter().max_by_key(|(i, p)| (p.voters.len(), std::cmp::Reverse(*i))) else {
        return Ok(());
    };
    let Some(newest) = of_first.iter().max_by_key(|(_, p)| p.created_at) else { return Ok(()) };
    let at = newest.1.created_at + 60_000;
    store.moderate_post(post_ids[top.0], user_ids[staff], ModAction::Pin, None, at).await?;
    let reporters =
        forum.users.iter().enumerate().filter(|(i, u)| !u.role.can_triage() && *i != newest.1.author).take(2);
    for (n, (i, _)) in reporters.enumerate() {
        let (reason, note) = if n == 0 { ("off_topic", Some("和车没关系")) } else { ("spam", None) };
        store
            .report(NewReport {
                post_id: post_ids[newest.0],
                comment_id: None,
                reporter_id: user_ids[i],
                reason,
                note,
                now: at + n as i64,
            })
            .await?;
    }
    Ok(())
}

/// Launch night for the first product: a first-come-first-served wave open for the next
/// two hours, and a draw for the Lv2+ edition whose entries close in a day.
async fn import_waves(
    store: &Store,
    forum: &DemoForum,
    product_ids: &HashMap<String, i64>,
    user_ids: &[i64],
) -> CliResult<()> {
    use canyu_core::wave::{Eligibility, WaveRules};
    use canyu_launch::draw::{Seed, commitment};
    let (Some(product), Some(staff)) =
        (forum.products.first(), forum.users.iter().position(|u| u.handle == DEMO_STAFF_HANDLE))
    else {
        return Ok(());
    };
    let now = canyu_app::now_millis();
    let hour = 3_600_000;
    let waves = [
        ("首发 · 第一轮", 500, "fcfs", Eligibility::Everyone, now - 60_000, now + 2 * hour),
        ("米粉专享 · 抽签", 100, "draw", Eligibility::MinLevel(2), now - 60_000, now + 24 * hour),
    ];
    for (sku, quantity, mode, eligibility, starts_at, ends_at) in waves {
        let rules = WaveRules::parse(
            Some(sku),
            quantity,
            mode,
            Some(1),
            starts_at,
            ends_at,
            eligibility,
            Default::default(),
        )
        .map_err(|e| e.to_string())?;
        let wave = store.create_wave(product_ids[&product.slug], &rules, user_ids[staff], now).await?;
        if mode == "draw" {
            let seed = Seed::generate().map_err(|e| e.to_string())?;
            store.set_draw_seed(wave.id, &seed.to_hex(), &commitment(&seed)).await?;
        }
    }
    Ok(())
}

/// Two launch campaigns: the SU7's, taking reservations with a fan lane (50 places for fans
/// with 100 points) and selling deposits in a wave open for two days; and the YU7's, still a
/// teaser whose price is revealed in three days.
async fn import_campaigns(
    store: &Store,
    forum: &DemoForum,
    product_ids: &HashMap<String, i64>,
    user_ids: &[i64],
) -> CliResult<()> {
    use canyu_core::campaign::{OrderLimits, OrderTerms, ReservationRules, Schedule, Sku};
    use canyu_core::wave::{Eligibility, WaveRules};
    let Some(staff) = forum.users.iter().position(|u| u.handle == DEMO_STAFF_HANDLE) else { return Ok(()) };
    let staff = user_ids[staff];
    let now = canyu_app::now_millis();
    let (hour, day) = (3_600_000, 86_400_000);
    // (slug, title, schedule, selling, (code, price) of the standard and Max editions).
    let campaigns = [
        (
            "xiaomi-su7",
            "小米 SU7 上市",
            (now - 3 * day, now - day, now - hour, now + 2 * day),
            true,
            [("SU7-STD", 21_590_000), ("SU7-MAX", 29_990_000)],
        ),
        (
            "xiaomi-yu7",
            "小米 YU7 发布会",
            (now - hour, now + 3 * day, now + 3 * day, now + 10 * day),
            false,
            [("YU7-STD", 25_350_000), ("YU7-MAX", 32_990_000)],
        ),
    ];
    for (slug, title, (teaser, reveal, opens, closes), selling, [(std, std_price), (max, max_price)]) in
        campaigns
    {
        let Some(&product_id) = product_ids.get(slug) else { continue };
        let schedule = Schedule::parse(teaser, reveal, opens, closes).map_err(|e| e.to_string())?;
        let reservations = ReservationRules::parse(&schedule, Some(now), Some(50), Some(100), None, None)
            .map_err(|e| e.to_string())?;
        let skus = [
            Sku::parse(std, "标准版", std_price, Some(500_000), Some(500_000)).map_err(|e| e.to_string())?,
            Sku::parse(max, "Max", max_price, None, Some(500_000)).map_err(|e| e.to_string())?,
        ];
        let campaign = store
            .create_campaign(&canyu_store::NewCampaign {
                product_id,
                title,
                schedule,
                reservations,
                terms: OrderTerms::parse(None, None, OrderLimits::STRICT).map_err(|e| e.to_string())?,
                skus: &skus,
                created_by: staff,
                now,
            })
            .await?;
        if selling {
            let rules = WaveRules::parse(
                Some(std),
                10_000,
                "fcfs",
                Some(1),
                now - 60_000,
                now + 2 * day,
                Eligibility::Everyone,
                Default::default(),
            )
            .map_err(|e| e.to_string())?;
            store.create_campaign_wave(product_id, Some(campaign.id), &rules, staff, now).await?;
        }
    }
    Ok(())
}

/// The most betas a demo fan is admitted to.
pub const DEMO_BETAS_PER_FAN: usize = 2;

/// A beta group per product: 200 seats, fans at Lv3 and up admitted as they apply. The
/// product's most active fans have applied (the rule admits those at Lv3 or above, the
/// others wait for review) and members have started the week's duties on the beta board.
async fn import_beta_groups(
    store: &Store,
    forum: &DemoForum,
    product_ids: &HashMap<String, i64>,
) -> CliResult<()> {
    use canyu_core::beta::{BetaRules, Motivation};
    use canyu_core::points::level_for;
    let now = canyu_app::now_millis();
    let rules = BetaRules::parse(200, Some(3), None, None, None).map_err(|e| e.to_string())?;
    let motivation = Motivation::parse("每天都在用，愿意每周提交问题反馈和建议，帮助新版本更快更稳。")
        .map_err(|e| e.to_string())?;
    // The top fans lead every product's board; admitted everywhere, the first of them got a
    // welcome per product. Real testers run one or two betas.
    let mut betas_of: HashMap<i64, usize> = HashMap::new();
    for p in &forum.products {
        let product_id = product_ids[&p.slug];
        store.configure_beta_group(product_id, rules, now).await?;
        let bugs: Vec<&str> = forum
            .posts
            .iter()
            .filter(|post| post.product == p.slug && post.kind == canyu_core::PostKind::Bug)
            .map(|post| post.title.as_str())
            .take(8)
            .collect();
        for (i, row) in store.leaderboard(Some(product_id), 12).await?.into_iter().enumerate() {
            let Some(fan) = store.user_by_handle(&row.handle).await? else { continue };
            let betas = betas_of.entry(fan.user.id).or_default();
            if fan.user.role != canyu_core::Role::Fan || *betas >= DEMO_BETAS_PER_FAN {
                continue;
            }
            let (level, _) = level_for(fan.user.points);
            let membership =
                store.apply_beta(product_id, fan.user.id, &motivation, level.number, now).await?;
            if membership.status != canyu_core::beta::MemberStatus::Member {
                continue;
            }
            *betas += 1;
            if let Some(title) = bugs.get(i % bugs.len().max(1)) {
                let title = format!("内测版：{title}");
                let title: String = title.chars().take(canyu_core::post::TITLE_MAX_CHARS).collect();
                store
                    .create_post(NewPost {
                        product_id,
                        author_id: fan.user.id,
                        kind: canyu_core::PostKind::Bug,
                        title: &title,
                        body: "升级到本周内测版后复现，步骤和日志见附件说明。",
                        tags: &[],
                        beta: true,
                        created_at: now,
                    })
                    .await?;
            }
        }
    }
    Ok(())
}

/// The weekly train, after the fact: each product's shipped posts grouped by the Friday
/// train they left on, one published release per train.
async fn import_releases(
    store: &Store,
    forum: &DemoForum,
    product_ids: &HashMap<String, i64>,
    post_ids: &[i64],
    user_ids: &[i64],
) -> CliResult<()> {
    use canyu_core::release::{Channel, PlanDate, Weekday};
    use std::collections::BTreeMap;
    let Some(staff) = forum.users.iter().position(|u| u.handle == DEMO_STAFF_HANDLE) else {
        return Ok(());
    };
    let mut trains: BTreeMap<(String, PlanDate), (Vec<i64>, Millis)> = BTreeMap::new();
    for (post, &post_id) in forum.posts.iter().zip(post_ids) {
        if post.status() != canyu_core::PostStatus::Shipped {
            continue;
        }
        let Some(shipped_at) = post.history.last().map(|h| h.at) else { continue };
        let train = PlanDate::next_on_or_after(shipped_at, Weekday::Friday);
        let entry = trains.entry((post.product.clone(), train)).or_insert((Vec::new(), 0));
        entry.0.push(post_id);
        entry.1 = entry.1.max(shipped_at);
    }
    let mut numbers: HashMap<String, usize> = HashMap::new();
    for ((product, train), (posts, last_shipped)) in trains {
        let n = numbers.entry(product.clone()).or_insert(0);
        *n += 1;
        let version = format!("1.{n}.0");
        let notes = format!(
            "本周「橙色星期五」更新：{} 项改进来自米粉的建议。\n\nThis week's Orange Friday update ships {} ideas from fans.",
            posts.len(),
            posts.len()
        );
        store
            .import_release(PastRelease {
                product_id: product_ids[&product],
                version: &version,
                channel: Channel::Stable,
                planned_for: &train.to_iso(),
                notes: &notes,
                post_ids: &posts,
                published_by: user_ids[staff],
                published_at: last_shipped,
            })
            .await?;
    }
    Ok(())
}

/// Two fans in three say something about themselves, as on a real site: the SU7's buyers went
/// from under 20 % to over 40 % women (the case study), so the demo's fans are about 40 % women;
/// mostly 18–34, across city tiers. Deterministic per fan, so every demo counts the same.
async fn demographics(store: &Store, forum: &DemoForum, user_ids: &[i64]) -> CliResult<()> {
    use canyu_core::profile::{AgeBand, CityTier, Gender, Profile};
    for (i, (u, &id)) in forum.users.iter().zip(user_ids).enumerate() {
        if u.role.can_triage() || i % 3 == 2 {
            continue;
        }
        // A cheap spread of the index over 0..100 for each field (different multipliers).
        let pick = |m: usize| (i.wrapping_mul(m) + 17) % 100;
        let gender = match pick(37) {
            0..40 => Gender::Female,
            40..97 => Gender::Male,
            _ => Gender::Other,
        };
        let age_band = match pick(53) {
            0..5 => AgeBand::Under18,
            5..40 => AgeBand::From18To24,
            40..75 => AgeBand::From25To34,
            75..90 => AgeBand::From35To44,
            90..97 => AgeBand::From45To54,
            _ => AgeBand::From55,
        };
        let city_tier = match pick(71) {
            0..25 => Some(CityTier::Tier1),
            25..50 => Some(CityTier::NewTier1),
            50..70 => Some(CityTier::Tier2),
            70..85 => Some(CityTier::Tier3),
            85..97 => Some(CityTier::Tier4Plus),
            _ => None,
        };
        store.set_profile(id, Profile { gender: Some(gender), age_band: Some(age_band), city_tier }).await?;
    }
    Ok(())
}
