//! `canyu-bench referrals`: what the referral vesting job (口碑, issue #23) costs every node
//! every minute. One data set — `--referrers` fans with `--per-referrer` pending invitees
//! each, none of whom ordered — and, in the same run, medians of five rounds each:
//!
//! - `empty`: a round over a site with no referrals (the baseline: the job's fixed cost);
//! - `idle`: a round with every invitee pending and nothing due (the steady state of a site
//!   that vests on orders only, the default);
//! - `idle_level`: the same with `referral_qualify_level` set (the job then also reads the
//!   pending invitees with enough points);
//! - `busy`: one round in which one invitee of every referrer reached the qualifying level:
//!   each is checked for fraud, qualified and rewarded.
//!
//! Usage: canyu-bench referrals --database-url U [--referrers R] [--per-referrer K]

use canyu_app::{App, AppConfig};
use canyu_core::points::Adjustment;
use canyu_core::referral::ReferralStatus;
use canyu_core::{Millis, Role};
use canyu_store::{NewUser, Store};
use std::sync::Arc;
use std::time::Instant;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

async fn median_round(app: &App, rounds: usize) -> BenchResult<f64> {
    let mut ms = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        canyu_app::referrals::vest(app).await?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    Ok(ms[ms.len() / 2])
}

pub async fn run(args: &[String]) -> BenchResult<()> {
    let url = arg(args, "--database-url").ok_or("--database-url")?;
    let referrers: usize = arg(args, "--referrers").map_or(Ok(2_000), |v| v.parse())?;
    let per: usize = arg(args, "--per-referrer").map_or(Ok(10), |v| v.parse())?;
    let store = Store::open(&url).await?;
    let index_dir = tempfile::tempdir()?;
    let index = Arc::new(canyu_text::SearchIndex::open(index_dir.path())?);
    let app = App::new(store.clone(), index.clone(), AppConfig::default());
    let by_level =
        App::new(store.clone(), index, AppConfig { referral_qualify_level: Some(2), ..AppConfig::default() });
    let now: Millis = canyu_app::now_millis() - 30 * 86_400_000;

    let empty = median_round(&app, 5).await?;

    let t = Instant::now();
    let handles: Vec<String> = (0..referrers * (per + 1)).map(|i| format!("bench_ref_{i}")).collect();
    let users: Vec<NewUser<'_>> = handles
        .iter()
        .map(|h| NewUser {
            handle: h,
            email: None,
            password_hash: "x",
            role: Role::Fan,
            bio: "",
            created_at: now,
        })
        .collect();
    let ids = store.create_users_bulk(&users).await?;
    let mut first_invitees = Vec::with_capacity(referrers);
    for r in 0..referrers {
        let referrer = ids[r * (per + 1)];
        for k in 1..=per {
            let invitee = ids[r * (per + 1) + k];
            let network = format!("10.{}.{}.0/24", r % 250, k);
            store.import_referral(referrer, invitee, ReferralStatus::Pending, None, &network, now).await?;
            if k == 1 {
                first_invitees.push(invitee);
            }
        }
    }
    let load_s = t.elapsed().as_secs_f64();

    let idle = median_round(&app, 5).await?;
    let idle_level = median_round(&by_level, 5).await?;

    // One invitee of each referrer reaches level 2 (50 points): due in the next round.
    let admin = ids[0];
    let bump = Adjustment::parse(60, "bench").map_err(|e| e.to_string())?;
    for (i, invitee) in first_invitees.iter().enumerate() {
        store.adjust_points(*invitee, admin, &bump, &format!("bench-{i}"), now).await?;
    }
    let t = Instant::now();
    let round = canyu_app::referrals::vest(&by_level).await?;
    let busy = t.elapsed().as_secs_f64() * 1000.0;

    println!(
        "referrals: referrers={referrers} pending={} load_s={load_s:.1} empty_ms={empty:.2} idle_ms={idle:.2} \
         idle_level_ms={idle_level:.2} busy_ms={busy:.1} busy_rewarded={} busy_per_reward_ms={:.2}",
        referrers * per,
        round.rewarded,
        busy / round.rewarded.max(1) as f64,
    );
    Ok(())
}
