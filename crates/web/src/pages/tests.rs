//! The pages through the whole router (middleware included), without a browser: escaping,
//! forms, redirects, permissions and languages. `e2e/` covers what needs JavaScript.

use crate::auth::{Auth, AuthVia, start_session};
use crate::client_ip::ClientIp;
use crate::state::AppState;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use canyu_app::accounts::PasswordCost;
use canyu_app::accounts::Registration;
use canyu_app::board::PostInput;
use canyu_app::testing::store::testing::fresh_store;
use canyu_app::testing::store::{Backend, User};
use canyu_app::testing::text::SearchIndex;
use canyu_app::{AppConfig, now_millis};
use canyu_core::Role;
use http_body_util::BodyExt;
use std::net::IpAddr;
use std::sync::Arc;
use tower::ServiceExt;

pub(super) struct App {
    pub(super) state: AppState,
    /// The database under the app, for setting up what a test needs.
    pub(super) store: canyu_app::testing::store::Store,
    /// Added to the real clock: lets a test move a campaign from phase to phase.
    pub(super) clock_offset: Arc<std::sync::atomic::AtomicI64>,
}

pub(super) struct Page {
    pub(super) status: StatusCode,
    pub(super) location: Option<String>,
    pub(super) cookies: Vec<String>,
    pub(super) csp: Option<String>,
    pub(super) html: String,
}

impl Page {
    /// The CSRF token the page embeds.
    pub(super) fn csrf(&self) -> String {
        let start = self.html.find("name=\"csrf-token\" content=\"").expect("csrf meta") + 27;
        self.html[start..].split('"').next().unwrap_or_default().to_string()
    }

    /// The text of the first element marked `data-testid="{id}"`.
    pub(super) fn testid(&self, id: &str) -> Option<String> {
        let at = self.html.find(&format!("data-testid=\"{id}\""))?;
        let rest = &self.html[at..];
        let start = rest.find('>')? + 1;
        let end = rest[start..].find('<')?;
        Some(rest[start..start + end].to_string())
    }
}

/// `raw` as askama writes it into HTML.
pub(super) fn esc(raw: &str) -> String {
    raw.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

const IP: ClientIp = ClientIp(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

impl App {
    pub(super) async fn new() -> App {
        let (store, _) = fresh_store(Backend::Sqlite).await.expect("store");
        let index = SearchIndex::open_in_ram().expect("index");
        let config = AppConfig {
            password_cost: PasswordCost::Fast,
            auth_attempts_per_minute: 10_000,
            writes_per_minute: 10_000,
            ..AppConfig::default()
        };
        let mut app = canyu_app::App::new(store.clone(), Arc::new(index), config);
        let clock_offset = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let offset = clock_offset.clone();
        app.set_clock(Arc::new(move || now_millis() + offset.load(std::sync::atomic::Ordering::Relaxed)));
        let state = AppState::new(app);
        store.create_category("car", "汽车", "Cars").await.expect("category");
        store
            .create_product(canyu_app::testing::store::NewProduct {
                slug: "xiaomi-su7",
                name: "小米 SU7",
                category_slug: "car",
                tagline: "C 级高性能生态科技轿车",
                created_at: 0,
            })
            .await
            .expect("product");
        App { state, store, clock_offset }
    }

    pub(super) async fn user(&self, handle: &str, role: Role) -> (User, String) {
        let user = canyu_app::accounts::register(
            &self.state,
            IP.0,
            Registration { handle: handle.into(), password: "fan-password-1".into(), email: None },
            Default::default(),
        )
        .await
        .expect("register");
        if role != Role::Fan {
            self.store.set_role(user.id, role).await.expect("role");
        }
        let user = self.store.user_by_id(user.id).await.expect("db").expect("user");
        let cookie = start_session(&self.state, &user).await.expect("session");
        let cookie = cookie.to_str().expect("ascii").split(';').next().expect("pair").to_string();
        (user, cookie)
    }

    pub(super) async fn post(&self, author: &User, title: &str, body: &str) -> i64 {
        let auth = Auth { user: author.clone(), via: AuthVia::Token };
        let input = PostInput {
            product: "xiaomi-su7".into(),
            kind: "idea".into(),
            title: title.into(),
            body: body.into(),
            tags: vec!["续航".into()],
            beta: false,
            images: Vec::new(),
        };
        canyu_app::board::create_post(&self.state, &auth, input).await.expect("post").id
    }

    pub(super) async fn send(&self, req: Request<Body>) -> Page {
        let res: Response = crate::router(self.state.clone()).oneshot(req).await.expect("response");
        let status = res.status();
        let header = |name| res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        let location = header(header::LOCATION);
        let csp = header(header::CONTENT_SECURITY_POLICY);
        let cookies = res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        Page { status, location, cookies, csp, html: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub(super) async fn get(&self, path: &str, cookie: Option<&str>, lang: &str) -> Page {
        let mut req = Request::get(path).header(header::ACCEPT_LANGUAGE, lang);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    pub(super) async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Page {
        self.form_in(path, cookie, fields, "zh-CN").await
    }

    /// [`App::form`] with the browser asking for `lang`.
    pub(super) async fn form_in(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        lang: &str,
    ) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let req = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT_LANGUAGE, lang)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    pub(super) async fn bearer_get(&self, path: &str, token: &str) -> Page {
        let req = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .expect("request");
        self.send(req).await
    }

    pub(super) async fn csrf(&self, cookie: &str) -> String {
        self.get("/settings", Some(cookie), "zh-CN").await.csrf()
    }
}

#[tokio::test]
async fn home_and_board_render_in_both_languages_with_security_headers() {
    let app = App::new().await;
    let (fan, _) = app.user("米粉_01", Role::Fan).await;
    app.post(&fan, "希望增加电池续航显示", "锁屏显示**续航**").await;

    let zh = app.get("/", None, "zh-CN").await;
    assert_eq!(zh.status, StatusCode::OK);
    assert!(zh.html.contains("<html lang=\"zh-CN\">"));
    assert!(zh.html.contains("全生态产品") && zh.html.contains("小米 SU7") && zh.html.contains("1 个帖子"));
    assert!(zh.html.contains("希望增加电池续航显示"));
    assert!(zh.csp.as_deref().is_some_and(|c| c.contains("script-src 'self'")));
    assert!(zh.cookies.iter().any(|c| c.starts_with("canyu_csrf=")), "anonymous visitors get a CSRF cookie");
    assert!(!zh.html.contains("<script>") && !zh.html.contains(" style="), "no inline script or style");

    let en = app.get("/products/xiaomi-su7?sort=new", None, "en").await;
    assert!(en.html.contains("<html lang=\"en\">"));
    assert!(en.html.contains("New post") && en.html.contains("Roadmap") && en.html.contains(">Idea<"));
    // The switcher keeps the page and its query.
    assert!(
        en.html.contains(&format!("href=\"{}\"", esc("/products/xiaomi-su7?sort=new&lang=zh"))),
        "{}",
        en.html
    );

    let search = app.get("/products/xiaomi-su7?q=%E7%BB%AD%E8%88%AA", None, "zh-CN").await;
    assert!(search.html.contains("data-testid=\"search-results\""));
    assert!(search.html.contains("<mark>续航</mark>"), "highlighted: {}", search.html);
    // All words must match; with none found, the page offers any of them, and that page
    // says it is matching any word.
    let none =
        app.get("/products/xiaomi-su7?q=%E7%BB%AD%E8%88%AA+%E6%8B%96%E6%8B%89%E6%9C%BA", None, "zh-CN").await;
    assert!(none.testid("search-empty").is_some(), "{}", none.html);
    let any = none.html.split("data-testid=\"search-any\"").next().and_then(|h| h.rsplit("href=\"").next());
    let any = any
        .and_then(|h| h.split('"').next())
        .expect("a link to any word")
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    assert!(any.contains("match=any"), "{any}");
    let any = app.get(&any, None, "zh-CN").await;
    assert!(any.html.contains("<mark>续航</mark>") && any.html.contains("匹配任一词"), "{}", any.html);

    // The header's search covers every product, each result naming its product.
    assert!(search.html.contains("data-testid=\"header-search\""));
    let everywhere = app.get("/search?q=%E7%BB%AD%E8%88%AA", None, "zh-CN").await;
    assert_eq!(everywhere.status, StatusCode::OK);
    assert!(
        everywhere.html.contains("<mark>续航</mark>") && everywhere.html.contains("product-chip"),
        "{}",
        everywhere.html
    );
    let blank = app.get("/search", None, "zh-CN").await;
    assert!(
        blank.html.contains("data-testid=\"global-search-box\"") && !blank.html.contains("search-results")
    );
}

#[tokio::test]
async fn user_text_is_escaped_and_markdown_is_sanitised() {
    let app = App::new().await;
    let (fan, cookie) = app.user("evil_fan", Role::Fan).await;
    app.store.update_bio(fan.id, "<b onmouseover=alert(1)>bio</b>").await.expect("bio");
    let id = app
        .post(
            &fan,
            "<script>alert('t')</script>标题",
            "<img src=x onerror=alert(1)><script>alert(2)</script>**正文**",
        )
        .await;

    let page = app.get(&format!("/posts/{id}"), Some(&cookie), "zh-CN").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains(&esc("<script>alert('t')</script>标题")), "{}", page.html);
    assert!(page.html.contains("<strong>正文</strong>"));
    assert!(!page.html.contains("onerror") && !page.html.contains("<script>alert"));

    let profile = app.get("/users/evil_fan", None, "zh-CN").await;
    assert!(profile.html.contains(&esc("<b onmouseover=alert(1)>bio</b>")));
    assert!(!profile.html.contains("<b onmouseover"));
}

#[tokio::test]
async fn new_post_form_keeps_input_on_error_and_redirects_on_success() {
    let app = App::new().await;
    let (_, cookie) = app.user("fan_new", Role::Fan).await;
    let form = app.get("/products/xiaomi-su7/new", Some(&cookie), "zh-CN").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();

    let refused = app
        .form(
            "/products/xiaomi-su7/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("product", "xiaomi-su7"),
                ("kind", "bug"),
                ("title", " "),
                ("body", "正文<b>"),
                ("tags", "续航，相机"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("标题不能为空。"));
    assert!(refused.html.contains(&format!("{}</textarea>", esc("正文<b>"))));
    assert!(refused.html.contains("value=\"续航，相机\""));
    assert!(refused.html.contains("value=\"bug\" checked"));

    let made = app
        .form(
            "/products/xiaomi-su7/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("product", "xiaomi-su7"),
                ("kind", "idea"),
                ("title", "座椅加热"),
                ("body", "冬天好用"),
                ("tags", "舒适, 座椅"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let to = made.location.expect("location");
    assert!(to.starts_with("/posts/"));
    let post = app.store.post(to[7..].parse().expect("id")).await.expect("db").expect("post");
    assert_eq!(post.tags, ["座椅", "舒适"]);

    // Without the token, nothing happens.
    let forged = app
        .form("/products/xiaomi-su7/new", &cookie, &[("title", "x"), ("body", "y"), ("kind", "idea")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn login_redirects_only_to_local_paths() {
    let app = App::new().await;
    app.user("fan_login", Role::Fan).await;
    let page = app.get("/login?next=/posts/1", None, "zh-CN").await;
    let anon = page.cookies.iter().find(|c| c.starts_with("canyu_csrf=")).expect("csrf cookie");
    let anon = anon.split(';').next().expect("pair").to_string();
    let csrf = page.csrf();
    assert!(page.html.contains("name=\"next\" value=\"/posts/1\""));

    let wrong = app
        .form("/login", &anon, &[("csrf", &csrf), ("handle", "fan_login"), ("password", "nope-nope")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.html.contains("用户名或密码错误。") && wrong.html.contains("value=\"fan_login\""));

    for (next, expected) in
        [("/posts/1", "/posts/1"), ("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil", "/")]
    {
        let ok = app
            .form(
                "/login",
                &anon,
                &[("csrf", &csrf), ("handle", "fan_login"), ("password", "fan-password-1"), ("next", next)],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(ok.location.as_deref(), Some(expected), "next={next}");
        assert!(ok.cookies.iter().any(|c| c.starts_with("canyu_session=")));
    }
}

#[tokio::test]
async fn vote_form_toggles_and_comment_form_posts() {
    let app = App::new().await;
    let (fan, cookie) = app.user("fan_vote", Role::Fan).await;
    let id = app.post(&fan, "标题", "正文").await;
    let csrf = app.get(&format!("/posts/{id}"), Some(&cookie), "zh-CN").await.csrf();

    let voted = app
        .form(&format!("/posts/{id}/vote"), &cookie, &[("csrf", &csrf), ("next", "/products/xiaomi-su7")])
        .await;
    assert_eq!(voted.status, StatusCode::SEE_OTHER);
    assert_eq!(voted.location.as_deref(), Some("/products/xiaomi-su7"));
    assert_eq!(app.store.post(id).await.unwrap().unwrap().votes, 1);
    app.form(&format!("/posts/{id}/vote"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(app.store.post(id).await.unwrap().unwrap().votes, 0);

    let empty = app.form(&format!("/posts/{id}/comments"), &cookie, &[("csrf", &csrf), ("body", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("评论不能为空。"));
    let ok = app.form(&format!("/posts/{id}/comments"), &cookie, &[("csrf", &csrf), ("body", "同求")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(ok.location.expect("location").starts_with(&format!("/posts/{id}#c")));

    // Fans get no status form and cannot post one.
    let page = app.get(&format!("/posts/{id}"), Some(&cookie), "zh-CN").await;
    assert!(page.html.contains("同求") && !page.html.contains("data-testid=\"status-form\""));
    let refused =
        app.form(&format!("/posts/{id}/status"), &cookie, &[("csrf", &csrf), ("status", "planned")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn moderators_change_status_and_triage_in_batches() {
    let app = App::new().await;
    let (fan, fan_cookie) = app.user("fan_t", Role::Fan).await;
    let (_, mod_cookie) = app.user("mod_t", Role::Moderator).await;
    let a = app.post(&fan, "甲", "正文").await;
    let b = app.post(&fan, "乙", "正文").await;

    assert_eq!(app.get("/triage", Some(&fan_cookie), "zh-CN").await.status, StatusCode::FORBIDDEN);
    let anon = app.get("/triage", None, "zh-CN").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert_eq!(anon.location.as_deref(), Some("/login?next=%2Ftriage"));

    let post = app.get(&format!("/posts/{a}"), Some(&mod_cookie), "zh-CN").await;
    assert!(post.html.contains("data-testid=\"status-form\""));
    assert!(!post.html.contains("<option value=\"new\">"), "only valid targets");
    let csrf = post.csrf();
    let moved = app
        .form(
            &format!("/posts/{a}/status"),
            &mod_cookie,
            &[("csrf", &csrf), ("status", "shipped"), ("note", "已上线")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/posts/{a}"), Some(&fan_cookie), "zh-CN").await;
    assert!(page.html.contains("data-testid=\"timeline-note\">已上线</p>"));

    let queue = app.get("/triage", Some(&mod_cookie), "zh-CN").await;
    assert!(queue.html.contains("乙") && !queue.html.contains(">甲<"));
    let a_s = a.to_string();
    let b_s = b.to_string();
    let report = app
        .form(
            "/triage",
            &mod_cookie,
            &[("csrf", &csrf), ("ids", &a_s), ("ids", &b_s), ("status", "planned"), ("note", "")],
        )
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.html.contains(&format!("data-post-id=\"{a}\" data-ok=\"false\"")), "{}", report.html);
    assert!(report.html.contains("帖子当前的状态不能变更为该状态。"));
    assert!(report.html.contains(&format!("data-post-id=\"{b}\" data-ok=\"true\"")));
    assert!(report.html.contains("新建 → 已计划"));
    assert!(report.html.contains("队列已清空"));
}

#[tokio::test]
async fn error_pages_are_localised() {
    let app = App::new().await;
    let zh = app.get("/posts/999", None, "zh-CN").await;
    assert_eq!(zh.status, StatusCode::NOT_FOUND);
    assert!(zh.html.contains("帖子不存在。") && zh.html.contains("data-error-code=\"post_not_found\""));
    let en = app.get("/products/nope", None, "en").await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(en.html.contains("Not found."));
    assert_eq!(app.get("/posts/abc", None, "en").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assets_are_served_with_long_cache() {
    let app = App::new().await;
    for (path, ty) in [("/assets/app.css", "text/css"), ("/assets/app.js", "text/javascript")] {
        let req = Request::get(path).body(Body::empty()).expect("request");
        let res = crate::router(app.state.clone()).oneshot(req).await.expect("response");
        assert_eq!(res.status(), StatusCode::OK);
        let h = res.headers();
        assert!(h[header::CONTENT_TYPE].to_str().unwrap().starts_with(ty));
        assert!(h[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    }
    let home = app.get("/", None, "zh-CN").await;
    assert!(home.html.contains(&format!("/assets/app.css?v={}", crate::assets::version())));
}

/// The staff forms' numbers, dates and times look like the text fields beside them, from the
/// design's variables, in the stylesheet's last section.
#[test]
fn staff_form_controls_are_styled() {
    let css = include_str!("../../assets/app.css");
    let (_, section) = css.rsplit_once("/* staff forms */").expect("a staff forms section");
    for selector in [
        "input[type=\"number\"]",
        "input[type=\"date\"]",
        "input[type=\"datetime-local\"]",
        "input[type=\"time\"]",
    ] {
        assert!(section.contains(selector), "{selector} is not styled");
    }
    assert!(section.contains("::-webkit-date-and-time-value") && section.contains("var(--accent-ring)"));
    assert!(!section.contains("/* ----"), "the section is the last one");
}
