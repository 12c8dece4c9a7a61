//! The binary as an operator uses it: subcommands, flags and `CANYU_*` variables.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

use std::path::Path;
use std::process::{Command, Output};

fn canyu(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canyu"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CANYU_DATABASE_URL")
        .output()
        .expect("run canyu")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("canyu-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn demo_reindex_and_user_management() {
    let dir = temp_dir("demo");
    let out = canyu(&dir, &["demo", "--no-serve", "--posts", "60"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("60 posts"), "{}", text(&out));
    assert!(dir.join("canyu.db").exists());

    // Demo data is deterministic and loaded once: a second run keeps it.
    let again = canyu(&dir, &["demo", "--no-serve", "--posts", "60"]);
    assert!(again.status.success(), "{}", text(&again));
    assert!(!text(&again).contains("generating"), "{}", text(&again));

    let out = canyu(&dir, &["reindex"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("indexed 60 posts"), "{}", text(&out));

    let out = canyu(
        &dir,
        &["user", "create", "--handle", "ops_admin", "--password", "long-enough-1", "--role", "admin"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("created admin ops_admin"));
    let dup = canyu(&dir, &["user", "create", "--handle", "OPS_admin", "--password", "long-enough-1"]);
    assert!(!dup.status.success(), "handles are unique regardless of case");
    let bad = canyu(&dir, &["user", "create", "--handle", "x y", "--password", "long-enough-1"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("handle"), "{}", text(&bad));
    let weak = canyu(&dir, &["user", "create", "--handle", "weak_pw", "--password", "short"]);
    assert!(!weak.status.success());
    let role = canyu(&dir, &["user", "set-role", "--handle", "ops_admin", "--role", "moderator"]);
    assert!(role.status.success(), "{}", text(&role));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn settings_come_from_environment_and_file() {
    let dir = temp_dir("env");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_canyu"))
        .arg("migrate")
        .env("CANYU_DATA_DIR", &dir)
        .env_remove("CANYU_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.join("canyu.db").exists(), "CANYU_DATA_DIR is honoured");

    // A settings file in the data folder; a broken one is reported, not ignored.
    std::fs::write(dir.join("canyu.toml"), "listen = \"127.0.0.1:1\"\nnot_a_setting = 1\n").unwrap();
    let out = canyu(&dir, &["migrate"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("canyu.toml"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn postgres_url_is_used_when_given() {
    if std::env::var("CANYU_TEST_POSTGRES_URL").is_err() {
        eprintln!("note: CANYU_TEST_POSTGRES_URL is not set; skipping the PostgreSQL run of this test");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let url = runtime.block_on(async {
        let (store, url) =
            canyu_store::testing::fresh_store(canyu_store::Backend::Postgres).await.expect("database");
        store.close().await;
        url
    });
    let dir = temp_dir("pg");
    let out = Command::new(env!("CARGO_BIN_EXE_canyu"))
        .args(["--data-dir"])
        .arg(&dir)
        .args(["--database-url", &url, "demo", "--no-serve", "--posts", "30"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("30 posts"), "{}", text(&out));
    assert!(!dir.join("canyu.db").exists(), "no SQLite file when PostgreSQL is used");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo's most active fans lead every product's board; they are admitted to at most two
/// betas each, and each welcome in their inbox names its product.
#[test]
fn demo_fans_join_at_most_two_betas_each_welcomed_by_product() {
    let dir = temp_dir("demo-betas");
    let out = canyu(&dir, &["demo", "--no-serve", "--posts", "300"]);
    assert!(out.status.success(), "{}", text(&out));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let welcomes: Vec<Vec<String>> = runtime.block_on(async {
        let store = canyu_store::Store::connect(&canyu_store::sqlite_url_for_dir(&dir)).await.unwrap();
        let mut welcomes = Vec::new();
        for user_id in 1..=200 {
            let inbox = store.notifications(user_id, None, 100).await.unwrap();
            let products: Vec<String> = inbox
                .iter()
                .filter(|n| n.kind == canyu_store::NotificationKind::BetaAdmitted)
                .map(|n| n.data["product_name"].as_str().unwrap_or("").to_string())
                .collect();
            if !products.is_empty() {
                welcomes.push(products);
            }
        }
        store.close().await;
        welcomes
    });
    assert!(welcomes.len() >= 5, "fans were admitted: {welcomes:?}");
    for products in &welcomes {
        assert!(products.len() <= 2, "{products:?}");
        assert!(products.iter().all(|p| !p.is_empty()), "{products:?}");
        let mut distinct = products.clone();
        distinct.dedup();
        assert_eq!(&distinct, products, "one welcome per product");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sales_import_records_each_row_once_and_names_bad_lines() {
    let dir = temp_dir("sales");
    let out = canyu(&dir, &["demo", "--no-serve", "--posts", "20"]);
    assert!(out.status.success(), "{}", text(&out));
    // A SKU of its own to sell (the demo has its own), straight into the database.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = canyu_store::Store::open(&canyu_store::sqlite_url_for_dir(&dir)).await.unwrap();
        let product = store.product_by_slug("xiaomi-su7").await.unwrap().unwrap();
        store
            .create_sku(canyu_store::NewSku {
                product_id: product.id,
                code: "SU7-CLI",
                name: "SU7 标准版",
                tier: "mid",
                unit_cost_fen: 100_000,
                created_by: 1,
                created_at: 0,
            })
            .await
            .unwrap();
        store.close().await;
    });
    let csv = dir.join("jd.csv");
    std::fs::write(
        &csv,
        "external_id,sku,quantity,unit_price_fen,sold_at,city\n\
         jd-1,SU7-CLI,1,120000,2026-11-11T10:00:00+08:00,北京\n\
         \"jd-2\",SU7-CLI,2,119900,2026-11-11T10:05:00+08:00,\"上海, 浦东\"\n\
         jd-2,SU7-CLI,2,119900,2026-11-11T10:05:00+08:00,上海\n\
         jd-3,NOPE,1,1,2026-11-11T10:06:00+08:00,\n\
         jd-4,SU7-CLI,abc,1,2026-11-11T10:07:00+08:00,\n\
         jd-5,SU7-CLI,1,1,11/11/2026,\n",
    )
    .unwrap();
    let import = |file: &Path, channel: &str| {
        canyu(&dir, &["sales", "import", "--channel", channel, "--input", file.to_str().unwrap()])
    };
    let out = import(&csv, "online");
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("6 rows") && said.contains("2 inserted, 1 duplicates, 3 rejected"), "{said}");
    assert!(said.contains("line 5: sku_not_found"), "{said}");
    assert!(said.contains("line 6: invalid_sales_row"), "{said}");
    assert!(said.contains("line 7: invalid_time"), "{said}");
    // The same file again inserts nothing.
    let again = import(&csv, "online");
    assert!(text(&again).contains("0 inserted, 3 duplicates, 3 rejected"), "{}", text(&again));

    let unknown = import(&csv, "suning");
    assert!(!unknown.status.success());
    assert!(
        text(&unknown).contains("channel_not_found") || text(&unknown).contains("channel"),
        "{}",
        text(&unknown)
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "id,sku,qty\n1,SU7-CLI,1\n").unwrap();
    let out = import(&bad, "online");
    assert!(!out.status.success());
    assert!(text(&out).contains("the header must be"), "{}", text(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
