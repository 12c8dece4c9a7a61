//! `spawn_app()`: the real server on port 0 with a fresh database, once per backend.
#![allow(dead_code)]

use canyu_app::accounts::PasswordCost;
use canyu_app::testing::store::testing::fresh_store;
use canyu_app::testing::store::{Backend, NewUser, Store};
use canyu_app::testing::text::SearchIndex;
use canyu_app::{App, AppConfig};
use canyu_web::AppState;
use reqwest::{Client, Method, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[allow(unused_imports)]
pub use canyu_app::testing::store::testing::backends;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub backend: Backend,
    pub client: Client,
    /// Added to the real clock; lets a test jump past token expiry.
    pub clock_offset: Arc<AtomicI64>,
    /// The server's state, for running its background jobs (sweeps) on demand.
    pub state: AppState,
    /// With the Redis engine: the Redis URL and the key prefix every node of this app shares.
    pub redis: Option<(String, String)>,
    /// The folder uploaded images are kept in (every node of this app shares it).
    pub media_dir: Arc<tempfile::TempDir>,
}

pub fn test_config() -> AppConfig {
    AppConfig {
        password_cost: PasswordCost::Fast,
        auth_attempts_per_minute: 100_000,
        writes_per_minute: 100_000,
        orders_per_minute: 100_000,
        ..AppConfig::default()
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, test_config()).await
}

pub async fn spawn_app_with(backend: Backend, config: AppConfig) -> TestApp {
    let (store, _) = fresh_store(backend).await.expect("fresh database");
    serve_store(store, backend, config).await
}

/// `spawn_app` with the Redis stock engine and campaign claims in Redis (a fresh key prefix),
/// as several nodes serve one site; `None`, saying so, without `CANYU_TEST_REDIS_URL`.
pub async fn spawn_app_on_redis(backend: Backend) -> Option<TestApp> {
    let url = match std::env::var("CANYU_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!("note: CANYU_TEST_REDIS_URL is not set; skipping the Redis engine run of this test");
            return None;
        }
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
    let prefix = format!("canyu-web-test-{}-{nanos}", std::process::id());
    let (store, _) = fresh_store(backend).await.expect("fresh database");
    Some(serve(store, backend, test_config(), Some((url, prefix)), None).await)
}

async fn serve_store(store: Store, backend: Backend, config: AppConfig) -> TestApp {
    serve(store, backend, config, None, None).await
}

async fn serve(
    store: Store,
    backend: Backend,
    config: AppConfig,
    redis: Option<(String, String)>,
    media_dir: Option<Arc<tempfile::TempDir>>,
) -> TestApp {
    let index = SearchIndex::open_in_ram().expect("search index");
    let mut app = App::new(store.clone(), Arc::new(index), config);
    let media_dir = media_dir.unwrap_or_else(|| Arc::new(tempfile::tempdir().expect("media folder")));
    app.set_media_store(canyu_media::MediaStore::local(media_dir.path()).expect("media store"));
    if let Some((url, prefix)) = &redis {
        let stock = canyu_app::testing::launch::redis_engine::RedisStock::connect(url)
            .await
            .expect("connect to CANYU_TEST_REDIS_URL")
            .with_prefix(prefix)
            .expect("prefix");
        let claims = Arc::new(canyu_app::testing::launch::claims::ClaimBook::redis(stock.clone()));
        app.set_stock_engine(
            canyu_app::testing::launch::redis_stock::RedisStockEngine::start(store.clone(), stock),
            claims,
        );
    }
    let offset = Arc::new(AtomicI64::new(0));
    let o = offset.clone();
    app.set_clock(Arc::new(move || canyu_app::now_millis() + o.load(Ordering::Relaxed)));
    let state = AppState::new(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(canyu_web::serve(listener, state.clone(), std::future::pending()));
    TestApp {
        base: format!("http://{addr}"),
        store,
        backend,
        client: Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        clock_offset: offset,
        state,
        redis,
        media_dir,
    }
}

impl TestApp {
    /// A new server over the same database with nothing in memory, as after a restart. The
    /// old server keeps running; a test should stop using it.
    pub async fn restarted(&self) -> TestApp {
        self.another_node().await
    }

    /// Another node of the same site: a server over the same database (and, with the Redis
    /// engine, the same Redis keys) with nothing in memory.
    pub async fn another_node(&self) -> TestApp {
        let config = self.state.config().clone();
        let app =
            serve(self.store.clone(), self.backend, config, self.redis.clone(), Some(self.media_dir.clone()))
                .await;
        app.clock_offset.store(self.clock_offset.load(Ordering::Relaxed), Ordering::Relaxed);
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A JSON request; returns status and parsed body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method_name = method.as_str().to_ascii_lowercase();
        let mut req = self.client.request(method, self.url(path)).header("accept-language", "en");
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let (status, body) = to_json(res).await;
        assert_code_is_documented(&method_name, path, status, &body);
        (status, body)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, token, Some(body)).await
    }

    /// Registers a fan through the API; returns the bearer token.
    pub async fn register(&self, handle: &str) -> String {
        let (status, body) = self
            .post("/api/v1/auth/register", None, json!({"handle": handle, "password": "fan-password-1"}))
            .await;
        assert_eq!(status, 201, "register {handle}: {body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// Creates an account with `role` directly in the database and logs it in by API.
    pub async fn user_with_role(&self, handle: &str, role: canyu_core::Role) -> String {
        let hash = canyu_app::accounts::hash_password(PasswordCost::Fast, "staff-password-1".into())
            .await
            .expect("hash");
        self.store
            .create_user(NewUser { handle, email: None, password_hash: &hash, role, bio: "", created_at: 0 })
            .await
            .expect("user");
        let (status, body) = self
            .post("/api/v1/auth/login", None, json!({"handle": handle, "password": "staff-password-1"}))
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().expect("token").to_string()
    }

    /// A staff token and a product `xiaomi-su7` in category `car`.
    pub async fn seed_catalog(&self) -> String {
        let staff = self.user_with_role("staff_lead", canyu_core::Role::Staff).await;
        let (s, b) = self
            .post(
                "/api/v1/categories",
                Some(&staff),
                json!({"slug": "car", "name_zh": "汽车", "name_en": "Cars"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = self
            .post(
                "/api/v1/products",
                Some(&staff),
                json!({"slug": "xiaomi-su7", "name": "小米 SU7", "category": "car"}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        staff
    }

    pub async fn create_post(&self, token: &str, title: &str, body: &str) -> i64 {
        let (s, b) = self
            .post(
                "/api/v1/posts",
                Some(token),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": title, "body": body}),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        b["id"].as_i64().expect("id")
    }

    pub async fn post_count(&self) -> i64 {
        self.store.post_count().await.expect("count")
    }
}

/// Orders placed at once, one per token: the `i`-th through `nodes[i % nodes.len()]`, with
/// `Idempotency-Key: {key_prefix}{i}` and `body` (`None`: no body). Join the set for the
/// answers, in the order they come.
pub fn orders_at_once(
    nodes: &[&TestApp],
    wave: i64,
    tokens: Vec<String>,
    key_prefix: &str,
    body: Option<Value>,
) -> tokio::task::JoinSet<(u16, Value)> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, token) in tokens.into_iter().enumerate() {
        let node = nodes[i % nodes.len()];
        let mut req = node
            .client
            .post(node.url(&format!("/api/v1/waves/{wave}/orders")))
            .bearer_auth(token)
            .header("idempotency-key", format!("{key_prefix}{i}"));
        if let Some(body) = &body {
            req = req.json(body);
        }
        tasks.spawn(async move { to_json(req.send().await.expect("request")).await });
    }
    tasks
}

pub async fn to_json(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// The served document's operations as (method, path template split at `/`, responses).
fn documented_operations() -> &'static [(String, Vec<String>, Value)] {
    static OPERATIONS: std::sync::OnceLock<Vec<(String, Vec<String>, Value)>> = std::sync::OnceLock::new();
    OPERATIONS.get_or_init(|| {
        let doc = serde_json::to_value(canyu_web::api::openapi()).expect("document");
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let segments = path.split('/').map(str::to_string).collect();
                out.push((method.clone(), segments, operation["responses"].clone()));
            }
        }
        out
    })
}

/// Every refusal an API test meets must carry a code the OpenAPI document lists for that
/// status of that operation (issue #17): the business refusals the fuzzer never reaches (a
/// sold-out wave, a used F-code) are checked here, on both backends.
fn assert_code_is_documented(method: &str, path: &str, status: u16, body: &Value) {
    let Some(code) = body["error"]["code"].as_str() else { return };
    if !path.starts_with("/api/v1/") || status == 405 {
        return;
    }
    let route = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = route.split('/').collect();
    let operation = documented_operations().iter().find(|(m, template, _)| {
        m == method
            && template.len() == segments.len()
            && template.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
    });
    // A path the document does not have (a probe of a wrong address) has nothing to match;
    // every documented one does.
    let Some((_, _, responses)) = operation else {
        assert!(
            documented_operations().iter().any(|(_, t, _)| t.len() > 2),
            "the document's paths did not load"
        );
        return;
    };
    let description = responses[status.to_string()]["description"].as_str().unwrap_or_default();
    if let Ok(file) = std::env::var("CANYU_RECORD_CODES") {
        // Collect instead of failing: every (operation, status, code) the tests meet.
        use std::io::Write;
        let line = json!({"route": format!("{method} {route}"), "status": status, "code": code}).to_string();
        let mut out = std::fs::OpenOptions::new().create(true).append(true).open(file).expect("record");
        writeln!(out, "{line}").expect("record");
        return;
    }
    assert!(
        description.contains(&format!("`{code}`")),
        "{method} {route}: {status} `{code}` is not among the codes the document lists ({description:?})"
    );
}

/// Asserts the standard error shape and returns the code.
pub fn error_code(body: &Value) -> &str {
    let code = body["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error body: {body}"));
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    code
}

/// The `name=value` of a cookie the response sets, if it sets one.
pub fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The CSRF token a page carries in its `<meta name="csrf-token">`.
pub fn meta_csrf(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf-token\" content=\"")? + "name=\"csrf-token\" content=\"".len();
    Some(html[start..].split('"').next()?.to_string())
}
