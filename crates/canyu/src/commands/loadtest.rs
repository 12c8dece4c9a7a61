//! `canyu loadtest`: fixtures for benchmarks — thousands of fans with API tokens, a wave to
//! sell — written straight through the store. Only on an instance marked as a test instance
//! (`canyu loadtest init`), so they cannot land in a real site's database by mistake.

use crate::commands::{open_store, settings};
use crate::config::CommonArgs;
use crate::error::CliResult;
use canyu_app::accounts::PasswordCost;
use canyu_app::accounts::{random_token, token_digest};
use canyu_core::Role;
use canyu_core::campaign::{OrderLimits, OrderTerms, ReservationRules, Schedule, Sku};
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_store::{NewCampaign, NewProduct, NewUser, Store};
use clap::Subcommand;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// The `instance_meta` key that marks a test instance.
pub const TEST_INSTANCE_KEY: &str = "loadtest_instance";
/// Fans are `lt_000001`, `lt_000002`, …
const FAN_PREFIX: &str = "lt_";
/// Accounts (and their tokens) per transaction.
const CHUNK: usize = 10_000;

#[derive(Subcommand)]
#[command(after_help = "Fixtures are refused unless the instance was marked with `canyu loadtest init`. \
Marking is for throw-away benchmark databases only: the fans it creates hold working API tokens.")]
pub enum LoadtestCommand {
    /// Mark this instance (its database) as a test instance, so fixtures may be created.
    /// Never run it on a real site.
    Init,
    /// Create fan accounts `lt_000001`, `lt_000002`, … (continuing after existing ones), each
    /// with an API token; write the tokens, one per line, to FILE. Test instances only.
    Fans {
        #[arg(long)]
        count: usize,
        /// Where the plaintext tokens go (created with mode 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Create a first-come-first-served wave (and its product, if missing) and print its id.
    /// Test instances only.
    Wave {
        /// Product slug; created in category `loadtest` when missing.
        #[arg(long)]
        product: String,
        #[arg(long)]
        quantity: i64,
        #[arg(long, default_value_t = 1)]
        per_fan_limit: i64,
        /// Seconds from now until the wave opens (0: open now).
        #[arg(long, default_value_t = 0)]
        starts_in: i64,
        /// How long the wave stays open.
        #[arg(long, default_value_t = 60)]
        minutes: i64,
        /// Make it the wave of a launch campaign (price revealed, SKU `bench` with a ¥5,000 big
        /// deposit), so orders carry deposit terms and the campaign has a live counter. Prints
        /// `<wave id> <campaign id>`.
        #[arg(long)]
        campaign: bool,
    },
    /// Create an AMA in its live phase (questions open an hour ago, answering from a minute
    /// ago, ending in 23 hours) hosted by staff account `lt_ama_host`, with QUESTIONS questions
    /// from asker accounts `lt_asker_…` (none of them a `loadtest fans` fan, so every fan may
    /// vote on every question). Prints `<ama id> <host API token> <question ids, comma-separated>`.
    /// Test instances only.
    Ama {
        #[arg(long, default_value_t = 50)]
        questions: usize,
    },
}

pub async fn run(common: &CommonArgs, cmd: LoadtestCommand) -> CliResult<()> {
    let settings = settings(common)?;
    let store = open_store(&settings).await?;
    let result = match cmd {
        LoadtestCommand::Init => init(&store).await,
        LoadtestCommand::Fans { count, out } => {
            require_test_instance(&store).await?;
            fans(&store, count, out).await
        }
        LoadtestCommand::Wave { product, quantity, per_fan_limit, starts_in, minutes, campaign } => {
            require_test_instance(&store).await?;
            wave(&store, &product, quantity, per_fan_limit, (starts_in, minutes), campaign).await
        }
        LoadtestCommand::Ama { questions } => {
            require_test_instance(&store).await?;
            ama(&store, questions).await
        }
    };
    store.close().await;
    result
}

async fn init(store: &Store) -> CliResult<()> {
    store.set_meta(TEST_INSTANCE_KEY, &canyu_app::now_millis().to_string()).await?;
    eprintln!(
        "warning: this instance is now marked as a test instance: `canyu loadtest` may fill it with \
         fixture accounts that hold working API tokens. Use it for benchmarks only."
    );
    println!("marked {} database as a test instance", store.backend().name());
    Ok(())
}

async fn require_test_instance(store: &Store) -> CliResult<()> {
    if store.meta(TEST_INSTANCE_KEY).await?.is_none() {
        return Err("refused: this instance is not marked as a test instance; load-test fixtures \
                    are for throw-away benchmark databases (mark one with `canyu loadtest init`)"
            .into());
    }
    Ok(())
}

async fn fans(store: &Store, count: usize, out: PathBuf) -> CliResult<()> {
    if count == 0 {
        return Err("--count must be at least 1".into());
    }
    let started = Instant::now();
    // One Argon2 hash for everyone (of a password nobody is told): hashing 200,000 times
    // would take longer than the benchmark. The fans sign in with their tokens.
    let hash = canyu_app::accounts::hash_password(PasswordCost::Standard, random_token(24))
        .await
        .map_err(|e| format!("hashing failed: {e}"))?;
    let first = store.count_users_with_handle_prefix(FAN_PREFIX).await? as usize + 1;
    let mut file = open_private(&out)?;
    let now = canyu_app::now_millis();
    let expires = now + canyu_app::AppConfig::default().api_token_ttl.as_millis() as i64;
    let mut done = 0;
    while done < count {
        let n = CHUNK.min(count - done);
        let handles: Vec<String> =
            (first + done..first + done + n).map(|i| format!("{FAN_PREFIX}{i:06}")).collect();
        let users: Vec<NewUser> = handles
            .iter()
            .map(|h| NewUser {
                handle: h,
                email: None,
                password_hash: &hash,
                role: Role::Fan,
                bio: "",
                created_at: now,
            })
            .collect();
        let secrets: Vec<String> = (0..n).map(|_| format!("cy_{}", random_token(32))).collect();
        let digests: Vec<String> = secrets.iter().map(|s| token_digest(s)).collect();
        store.create_users_with_api_tokens_bulk(&users, &digests, "loadtest", now, expires).await?;
        let mut text = secrets.join("\n");
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        done += n;
    }
    file.flush().map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "created {count} fans ({FAN_PREFIX}{first:06}…) with API tokens in {secs:.1} s ({:.0}/s); tokens in {}",
        count as f64 / secs.max(1e-9),
        out.display()
    );
    Ok(())
}

fn open_private(path: &PathBuf) -> CliResult<std::io::BufWriter<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

async fn wave(
    store: &Store,
    slug: &str,
    quantity: i64,
    per_fan_limit: i64,
    (starts_in, minutes): (i64, i64),
    with_campaign: bool,
) -> CliResult<()> {
    let en = canyu_core::Locale::En;
    let product = match store.product_by_slug(slug).await? {
        Some(p) => p,
        None => {
            if store.list_categories().await?.iter().all(|c| c.slug != "loadtest") {
                store.create_category("loadtest", "压测", "Load test").await?;
            }
            store
                .create_product(NewProduct {
                    slug,
                    name: slug,
                    category_slug: "loadtest",
                    tagline: "",
                    created_at: canyu_app::now_millis(),
                })
                .await
                .map_err(|e| format!("cannot create product {slug}: {e}"))?
        }
    };
    // The wave's creator: a staff account nobody can sign in to (its hash is not Argon2).
    let staff = match store.user_by_handle("lt_staff").await? {
        Some(u) => u.user.id,
        None => {
            store
                .create_user(NewUser {
                    handle: "lt_staff",
                    email: None,
                    password_hash: "!",
                    role: Role::Staff,
                    bio: "",
                    created_at: canyu_app::now_millis(),
                })
                .await?
                .id
        }
    };
    let now = canyu_app::now_millis();
    let starts_at = now + starts_in.max(0) * 1000;
    let campaign = if with_campaign {
        let schedule = Schedule::parse(now - 3_600_000, now - 3_600_000, now - 3_600_000, now + 3_600_000)
            .map_err(|e| e.message(en))?;
        let reservations =
            ReservationRules::parse(&schedule, None, None, None, None, None).map_err(|e| e.message(en))?;
        let skus = [Sku::parse("bench", "Bench edition", 29_990_000, Some(50_000), Some(500_000))
            .map_err(|e| e.message(en))?];
        Some(
            store
                .create_campaign(&NewCampaign {
                    product_id: product.id,
                    title: "Load test launch",
                    schedule,
                    reservations,
                    terms: OrderTerms::parse(None, None, OrderLimits::default())
                        .map_err(|e| e.message(en))?,
                    skus: &skus,
                    created_by: staff,
                    now,
                })
                .await?
                .id,
        )
    } else {
        None
    };
    let rules = WaveRules::parse(
        campaign.map(|_| "bench"),
        quantity,
        "fcfs",
        Some(per_fan_limit),
        starts_at,
        starts_at + minutes * 60_000,
        Eligibility::Everyone,
        BTreeMap::new(),
    )
    .map_err(|e| e.message(en))?;
    let wave = store.create_campaign_wave(product.id, campaign, &rules, staff, now).await?;
    match campaign {
        Some(c) => println!("{} {c}", wave.id),
        None => println!("{}", wave.id),
    }
    Ok(())
}

/// An account made for fixtures, created once and found by handle afterwards; its password hash
/// is not Argon2, so nobody signs in with a password.
async fn fixture_account(store: &Store, handle: &str, role: Role) -> CliResult<i64> {
    if let Some(u) = store.user_by_handle(handle).await? {
        return Ok(u.user.id);
    }
    let user = NewUser {
        handle,
        email: None,
        password_hash: "!",
        role,
        bio: "",
        created_at: canyu_app::now_millis(),
    };
    Ok(store.create_user(user).await?.id)
}

async fn ama(store: &Store, questions: usize) -> CliResult<()> {
    if questions == 0 {
        return Err("--questions must be at least 1".into());
    }
    let en = canyu_core::Locale::En;
    let host = fixture_account(store, "lt_ama_host", Role::Staff).await?;
    // A fresh token per session: the benchmark answers as the host over the API, and a token
    // per call spares the caller keeping the first one.
    let now = canyu_app::now_millis();
    let token = format!("cy_{}", random_token(32));
    let expires = now + canyu_app::AppConfig::default().api_token_ttl.as_millis() as i64;
    store.create_api_token(host, "loadtest", &token_digest(&token), now, expires).await?;
    let schedule = canyu_core::ama::Schedule::new(now - 3_600_000, now - 60_000, now + 23 * 3_600_000)
        .map_err(|e| e.message(en))?;
    let id = store
        .create_ama(canyu_store::NewAma {
            title: "Load test AMA",
            description: "",
            host_id: host,
            schedule,
            created_by: host,
            now,
        })
        .await?;
    let per_fan = canyu_core::ama::QUESTIONS_PER_FAN;
    let mut ids = Vec::with_capacity(questions);
    for i in 0..questions {
        // As many askers as the per-fan cap needs, shared by every session of the instance.
        let asker = fixture_account(store, &format!("lt_asker_{:03}", i as i64 / per_fan), Role::Fan).await?;
        let body = format!("第 {} 个问题：冬天开空调续航会掉多少？快充什么时候支持？", i + 1);
        ids.push(store.ask_ama_question(id, asker, &body, per_fan, now).await?.to_string());
    }
    println!("{id} {token} {}", ids.join(","));
    Ok(())
}
