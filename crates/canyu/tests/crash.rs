//! kill -9 in the middle of a wave: every order the server acknowledged is in the database
//! after the restart, nothing is oversold, no fan holds more than the limit, and stock
//! that was granted but never acknowledged does not stay taken (the wave still sells out
//! exactly). Runs the real binary on SQLite, and on PostgreSQL when configured.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use canyu_core::Role;
use canyu_core::wave::{Eligibility, WaveRules};
use canyu_store::{NewProduct, NewUser, Store};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const FANS: usize = 400;
const QUANTITY: i64 = 300;
/// Acknowledged orders before the kill.
const KILL_AFTER: usize = 100;

struct Fixture {
    wave_id: i64,
    /// (fan id, API token)
    fans: Vec<(i64, String)>,
}

async fn prepare(store: &Store) -> Fixture {
    store.create_category("phone", "手机", "Phones").await.unwrap();
    let product = store
        .create_product(NewProduct {
            slug: "mi-15",
            name: "Xiaomi 15",
            category_slug: "phone",
            tagline: "",
            created_at: 0,
        })
        .await
        .unwrap();
    let handles: Vec<String> = (0..FANS).map(|i| format!("crash_fan_{i}")).collect();
    let users: Vec<NewUser> = handles
        .iter()
        .map(|h| NewUser {
            handle: h,
            email: None,
            password_hash: "x",
            role: Role::Fan,
            bio: "",
            created_at: 0,
        })
        .collect();
    let ids = store.create_users_bulk(&users).await.unwrap();
    let now = canyu_app::now_millis();
    let mut fans = Vec::new();
    for id in ids {
        let token = canyu_app::accounts::random_token(32);
        let digest = canyu_app::accounts::token_digest(&token);
        store.create_api_token(id, "crash", &digest, now, now + 3_600_000).await.unwrap();
        fans.push((id, token));
    }
    let rules = WaveRules::parse(
        None,
        QUANTITY,
        "fcfs",
        Some(1),
        now - 60_000,
        now + 3_600_000,
        Eligibility::Everyone,
        BTreeMap::new(),
    )
    .unwrap();
    let wave = store.create_wave(product.id, &rules, fans[0].0, now).await.unwrap();
    Fixture { wave_id: wave.id, fans }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start(dir: &Path, database_url: Option<&str>, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canyu"));
    cmd.arg("--data-dir").arg(dir).args(["--listen", &format!("127.0.0.1:{port}")]);
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    cmd.arg("serve")
        .env_remove("CANYU_DATABASE_URL")
        .env("CANYU_ORDERS_PER_MINUTE", "100000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start canyu")
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if client.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("canyu did not become ready at {base}");
}

#[derive(Clone, Debug)]
enum Outcome {
    Acked(i64),
    Refused(u16),
    /// No answer (the server died).
    Lost,
}

async fn order(client: &reqwest::Client, base: &str, wave: i64, token: &str, key: &str) -> Outcome {
    let res = client
        .post(format!("{base}/api/v1/waves/{wave}/orders"))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .send()
        .await;
    match res {
        Ok(r) if r.status().as_u16() == 201 => match r.json::<serde_json::Value>().await {
            Ok(body) => body["id"].as_i64().map_or(Outcome::Lost, Outcome::Acked),
            Err(_) => Outcome::Lost,
        },
        Ok(r) => Outcome::Refused(r.status().as_u16()),
        Err(_) => Outcome::Lost,
    }
}

async fn run(database_url: Option<String>) {
    let dir =
        std::env::temp_dir().join(format!("canyu-crash-{}-{}", std::process::id(), database_url.is_some()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = database_url.clone().unwrap_or_else(|| canyu_store::sqlite_url_for_dir(&dir));
    let store = Store::open(&url).await.unwrap();
    let fixture = Arc::new(prepare(&store).await);
    store.close().await;

    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&dir, database_url.as_deref(), port);
    wait_ready(&client, &base).await;

    // Every fan presses "buy" once; the server is killed after 100 acknowledgements.
    let acked = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(tokio::sync::Notify::new());
    let gate = Arc::new(tokio::sync::Semaphore::new(48));
    let tasks: Vec<_> = (0..FANS)
        .map(|i| {
            let (client, base, fixture, acked, gate) =
                (client.clone(), base.clone(), fixture.clone(), acked.clone(), gate.clone());
            let killed = killed.clone();
            tokio::spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                let (_, token) = &fixture.fans[i];
                let outcome = order(&client, &base, fixture.wave_id, token, &format!("buy-{i}")).await;
                if matches!(outcome, Outcome::Acked(_))
                    && acked.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER
                {
                    killed.notify_one();
                }
                outcome
            })
        })
        .collect();
    killed.notified().await;
    server.kill().expect("kill -9");
    server.wait().unwrap();
    let mut first: Vec<Outcome> = Vec::new();
    for t in tasks {
        first.push(t.await.unwrap());
    }
    let acked_before: HashMap<usize, i64> = first
        .iter()
        .enumerate()
        .filter_map(|(i, o)| if let Outcome::Acked(id) = o { Some((i, *id)) } else { None })
        .collect();
    assert!(acked_before.len() >= KILL_AFTER, "{}", acked_before.len());
    assert!(first.iter().any(|o| matches!(o, Outcome::Lost)), "the kill landed mid-wave");

    // Restart on the same data.
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&dir, database_url.as_deref(), port);
    wait_ready(&client, &base).await;

    // Every acknowledged order is there, and its retry returns it.
    for (&i, &id) in &acked_before {
        let (_, token) = &fixture.fans[i];
        let res = client.get(format!("{base}/api/v1/orders/{id}")).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "acknowledged order {id} lost");
        match order(&client, &base, fixture.wave_id, token, &format!("buy-{i}")).await {
            Outcome::Acked(again) => assert_eq!(again, id, "a retry returns the same order"),
            other => panic!("retry of an acknowledged order: {other:?}"),
        }
    }
    // Everyone else retries with their key: the wave sells out exactly.
    let mut final_orders: HashMap<usize, i64> = acked_before.clone();
    for (i, outcome) in first.iter().enumerate() {
        if acked_before.contains_key(&i) {
            continue;
        }
        let (_, token) = &fixture.fans[i];
        match order(&client, &base, fixture.wave_id, token, &format!("buy-{i}")).await {
            Outcome::Acked(id) => {
                final_orders.insert(i, id);
            }
            Outcome::Refused(409) => {}
            other => panic!("fan {i} (first {outcome:?}) retried: {other:?}"),
        }
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let store = Store::open(&url).await.unwrap();
    let stored = store.wave_orders(fixture.wave_id).await.unwrap();
    let (count, sold) = store.wave_order_counts(fixture.wave_id).await.unwrap();
    assert_eq!((count, sold), (QUANTITY, QUANTITY), "sold out exactly, never over");
    let ids: HashSet<i64> = stored.iter().map(|o| o.id).collect();
    assert!(acked_before.values().all(|id| ids.contains(id)), "every acknowledged order survived");
    assert_eq!(final_orders.len() as i64, QUANTITY, "each order in the database was acknowledged to a retry");
    let mut per_fan: HashMap<i64, i64> = HashMap::new();
    for o in &stored {
        *per_fan.entry(o.user_id).or_default() += 1;
    }
    assert!(per_fan.values().all(|&n| n == 1), "no fan over the limit");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_wave_loses_no_acknowledged_order_on_sqlite() {
    run(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_wave_loses_no_acknowledged_order_on_postgres() {
    if std::env::var("CANYU_TEST_POSTGRES_URL").is_err() {
        eprintln!("note: CANYU_TEST_POSTGRES_URL is not set; skipping the PostgreSQL crash test");
        return;
    }
    let (store, url) = canyu_store::testing::fresh_store(canyu_store::Backend::Postgres).await.unwrap();
    store.close().await;
    run(Some(url)).await;
}
