//! Images on posts and comments, on every configured backend: what is served has no EXIF and
//! stands upright; posts and comments show their images in order; a bad file (wrong type, a
//! renamed executable, an SVG, too large, an image bomb, a broken file) is refused with a 4xx
//! and stores nothing; an image is attached once, by its uploader; the page forms upload with
//! their CSRF token and nothing is read without it.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

use canyu_media::testing;
use common::{TestApp, backends, error_code, meta_csrf, set_cookie, spawn_app, to_json};
use serde_json::{Value, json};

async fn upload(app: &TestApp, token: Option<&str>, bytes: Vec<u8>, content_type: &str) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/api/v1/media"))
        .header("content-type", content_type)
        .header("accept-language", "en")
        .body(bytes);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    to_json(req.send().await.unwrap()).await
}

async fn fetch(app: &TestApp, url: &str) -> reqwest::Response {
    app.client.get(app.url(url)).send().await.unwrap()
}

/// Files in the media folder (a refused upload leaves none).
fn stored_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.media_dir.path()).unwrap().count()
}

#[tokio::test]
async fn photos_are_served_upright_without_exif_on_posts_and_comments() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.seed_catalog().await;
        let fan = app.register("拍照的人").await;
        let other = app.register("别人").await;

        // A 40×20 photo taken sideways (EXIF orientation 6) with a GPS position.
        let photo = testing::jpeg_with_exif(40, 20, 6);
        assert!(testing::has_exif(&photo));
        // Declared as anything: the type is read from the bytes.
        let (s, img) = upload(&app, Some(&fan), photo, "application/octet-stream").await;
        assert_eq!(s, 201, "{backend:?} {img}");
        assert_eq!((img["width"].as_i64(), img["height"].as_i64()), (Some(20), Some(40)), "upright");
        assert_eq!(img["content_type"], "image/jpeg");
        for url in [img["url"].as_str().unwrap(), img["thumbnail_url"].as_str().unwrap()] {
            let res = fetch(&app, url).await;
            assert_eq!(res.status(), 200, "{url}");
            assert_eq!(res.headers()["content-type"], "image/jpeg");
            assert_eq!(res.headers()["x-content-type-options"], "nosniff");
            assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
            let served = res.bytes().await.unwrap();
            assert!(!testing::has_exif(&served), "EXIF (and the location) gone from {url}");
            assert!(served.starts_with(&[0xff, 0xd8]), "a JPEG");
        }

        let shot = upload(&app, Some(&fan), testing::png(300, 600, false), "image/png").await.1;
        let (photo_id, shot_id) = (img["id"].as_i64().unwrap(), shot["id"].as_i64().unwrap());
        let (s, post) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "bug", "title": "仪表盘花屏", "body": "见图",
                       "images": [shot_id, photo_id]}),
            )
            .await;
        assert_eq!(s, 201, "{post}");
        let ids: Vec<i64> =
            post["images"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, [shot_id, photo_id], "in the order given");
        let post_id = post["id"].as_i64().unwrap();
        let (_, shown) = app.get(&format!("/api/v1/posts/{post_id}"), None).await;
        assert_eq!(shown["images"].as_array().unwrap().len(), 2);
        let (_, list) = app.get("/api/v1/posts?product=xiaomi-su7", None).await;
        let listed = list["items"].as_array().unwrap().iter().find(|p| p["id"] == post_id).unwrap();
        assert_eq!(listed["images"].as_array().unwrap().len(), 2, "lists carry images too");
        let page = fetch(&app, &format!("/posts/{post_id}")).await.text().await.unwrap();
        assert!(page.contains(shot["thumbnail_url"].as_str().unwrap()), "the post page shows the thumbnail");
        assert!(page.contains(shot["url"].as_str().unwrap()), "linking to the full image");

        // An image goes with one post, by its uploader; a refused post writes nothing.
        let posts_before = app.post_count().await;
        let (s, e) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "再用一次", "body": "同一张图", "images": [photo_id]}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "image_not_found"), "already on a post");
        let mine =
            upload(&app, Some(&fan), testing::png(8, 8, false), "image/png").await.1["id"].as_i64().unwrap();
        let (s, e) = app
            .post(
                "/api/v1/posts",
                Some(&other),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "借图", "body": "别人的图", "images": [mine]}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "image_not_found"), "someone else's upload");
        let mut ten = Vec::new();
        for _ in 0..10 {
            ten.push(
                upload(&app, Some(&fan), testing::png(8, 8, false), "image/png").await.1["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        let (s, e) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "十张图", "body": "太多了", "images": ten}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "too_many_images"));
        assert_eq!(app.post_count().await, posts_before, "refused posts write nothing");

        // Comments carry up to three.
        let (s, c) = app
            .post(
                &format!("/api/v1/posts/{post_id}/comments"),
                Some(&fan),
                json!({"body": "补一张近照", "images": [mine]}),
            )
            .await;
        assert_eq!(s, 201, "{c}");
        assert_eq!(c["images"][0]["id"], mine);
        let (s, e) = app
            .post(
                &format!("/api/v1/posts/{post_id}/comments"),
                Some(&fan),
                json!({"body": "四张", "images": &ten[..4]}),
            )
            .await;
        assert_eq!((s, error_code(&e)), (422, "too_many_images"));
        let (_, comments) = app.get(&format!("/api/v1/posts/{post_id}/comments"), None).await;
        let items = comments["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["images"].as_array().unwrap().len(), 1);

        // A withdrawn comment shows no images to fans.
        let comment_id = c["id"].as_i64().unwrap();
        let (s, _) = app
            .call(reqwest::Method::DELETE, &format!("/api/v1/comments/{comment_id}"), Some(&fan), None)
            .await;
        assert_eq!(s, 204);
        let (_, comments) = app.get(&format!("/api/v1/posts/{post_id}/comments"), Some(&other)).await;
        assert!(comments["items"][0]["images"].as_array().unwrap().is_empty());

        // Nothing served for a key that is not one.
        for url in ["/media/../../etc/passwd", "/media/abc.jpg", &format!("/media/{}.jpg", "0".repeat(64))] {
            assert_eq!(fetch(&app, url).await.status(), 404, "{url}");
        }
    }
}

#[tokio::test]
async fn refused_uploads_store_nothing() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.seed_catalog().await;
        let fan = app.register("坏文件").await;
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".repeat(100);
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.to_vec();
        let mut truncated = testing::jpeg_with_exif(64, 64, 1);
        truncated.truncate(truncated.len() / 3);
        let mut oversize = testing::png(4, 4, false);
        oversize.resize(canyu_core::media::MAX_IMAGE_BYTES + 1, 0);
        let cases: Vec<(&str, Vec<u8>, &str, u16, &str)> = vec![
            ("a PDF", b"%PDF-1.7\n1 0 obj\n".to_vec(), "application/pdf", 415, "image_unsupported_type"),
            ("an executable named photo.jpg", elf, "image/jpeg", 415, "image_unsupported_type"),
            ("an SVG with a script", svg, "image/svg+xml", 415, "image_unsupported_type"),
            ("nothing at all", Vec::new(), "image/png", 415, "image_unsupported_type"),
            ("over 10 MB", oversize, "image/png", 413, "image_too_large"),
            (
                "an image bomb",
                testing::png_header_claiming(100_000, 100_000),
                "image/png",
                422,
                "image_dimensions_too_large",
            ),
            ("a photo cut off", truncated, "image/jpeg", 422, "image_corrupt"),
        ];
        for (what, bytes, content_type, status, code) in cases {
            let (s, e) = upload(&app, Some(&fan), bytes, content_type).await;
            assert_eq!((s, error_code(&e)), (status, code), "{backend:?}: {what}: {e}");
        }
        let (s, e) = upload(&app, None, testing::png(4, 4, false), "image/png").await;
        assert_eq!((s, error_code(&e)), (401, "unauthenticated"));
        assert_eq!(app.store.media_count().await.unwrap(), 0, "no row for a refused upload");
        assert_eq!(stored_files(&app), 0, "no file for a refused upload");
    }
}

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
async fn browser(app: &TestApp, handle: &str) -> (String, String) {
    let login = app.client.get(app.url("/login")).send().await.unwrap();
    let anon = set_cookie(&login, "canyu_csrf").unwrap();
    let token = meta_csrf(&login.text().await.unwrap()).unwrap();
    let res = app
        .client
        .post(app.url("/login"))
        .header("cookie", &anon)
        .form(&[("handle", handle), ("password", "fan-password-1"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookie = set_cookie(&res, "canyu_session").unwrap();
    let page =
        app.client.get(app.url("/")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
    (cookie, meta_csrf(&page).unwrap())
}

fn post_form(csrf: Option<&str>, title: &str, files: Vec<(&str, Vec<u8>)>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    if let Some(csrf) = csrf {
        form = form.text("csrf", csrf.to_string());
    }
    form = form
        .text("product", "xiaomi-su7")
        .text("kind", "bug")
        .text("title", title.to_string())
        .text("body", "车机截图如下")
        .text("tags", "");
    for (name, bytes) in files {
        form = form.part("images", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    }
    form
}

#[tokio::test]
async fn page_forms_upload_images_after_their_csrf_token() {
    let app = spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
    app.seed_catalog().await;
    app.register("fan_with_photos").await;
    let (cookie, csrf) = browser(&app, "fan_with_photos").await;
    let send = |form: reqwest::multipart::Form, path: &str| {
        app.client
            .post(app.url(path))
            .header("cookie", &cookie)
            .header("accept-language", "zh-CN")
            .multipart(form)
            .send()
    };

    // Without the token (a forged cross-site form), or with a wrong one: refused, nothing read.
    for token in [None, Some("forged")] {
        let res = send(
            post_form(token, "伪造", vec![("a.png", testing::png(8, 8, false))]),
            "/products/xiaomi-su7/new",
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 403, "{token:?}");
    }
    // A route that takes no files refuses a multipart body outright.
    let res = send(post_form(Some(&csrf), "x", Vec::new()), "/posts/1/vote").await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.store.media_count().await.unwrap(), 0);
    assert_eq!(app.post_count().await, 0);

    // A file that is not an image: the form comes back with the text kept and the reason,
    // naming the file; the good image before it is kept for the next try.
    let res = send(
        post_form(
            Some(&csrf),
            "车机花屏",
            vec![("ok.png", testing::png(20, 20, false)), ("病毒.jpg", b"MZ\x90\0\x03\0\0\0".repeat(50))],
        ),
        "/products/xiaomi-su7/new",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 415);
    let page = res.text().await.unwrap();
    assert!(page.contains("病毒.jpg：只能上传 JPEG、PNG、WebP 或 GIF 图片。"), "{page}");
    assert!(page.contains("value=\"车机花屏\""), "the title is kept");
    assert!(page.contains("name=\"image\""), "the good image is sent again with the form");
    assert_eq!(app.post_count().await, 0);
    let kept: i64 =
        page.split("name=\"image\" value=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();

    // The fan tries again with the kept image and a photo: the post has both, in that order.
    let form = post_form(Some(&csrf), "车机花屏", vec![("IMG_0001.JPG", testing::jpeg_with_exif(30, 10, 1))])
        .text("image", kept.to_string());
    let res = send(form, "/products/xiaomi-su7/new").await.unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let post_id: i64 = location.trim_start_matches("/posts/").parse().unwrap();
    let (_, post) = app.get(&format!("/api/v1/posts/{post_id}"), None).await;
    let images = post["images"].as_array().unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0]["id"], kept);

    // A comment with a photo, through the post page's form.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("body", "补充一张")
        .part("images", reqwest::multipart::Part::bytes(testing::png(12, 12, true)).file_name("alpha.png"));
    let res = send(form, &format!("/posts/{post_id}/comments")).await.unwrap();
    assert_eq!(res.status(), 303);
    let (_, comments) = app.get(&format!("/api/v1/posts/{post_id}/comments"), None).await;
    assert_eq!(comments["items"][0]["images"][0]["content_type"], "image/png", "transparency kept");
    // An empty file input sends an empty part: a plain comment.
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .text("body", "没有图")
        .part("images", reqwest::multipart::Part::bytes(Vec::new()).file_name(""));
    assert_eq!(send(form, &format!("/posts/{post_id}/comments")).await.unwrap().status(), 303);
}

#[tokio::test]
async fn uploads_nobody_attached_are_deleted_after_a_day() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        app.seed_catalog().await;
        let fan = app.register("传了没发").await;
        let used = upload(&app, Some(&fan), testing::png(16, 16, false), "image/png").await.1;
        let left = upload(&app, Some(&fan), testing::png(17, 17, false), "image/png").await.1;
        // The same picture as the used one, uploaded again and left: its file stays for the post.
        let again = upload(&app, Some(&fan), testing::png(16, 16, false), "image/png").await.1;
        assert_eq!(used["url"], again["url"], "content-addressed");
        let (s, _) = app
            .post(
                "/api/v1/posts",
                Some(&fan),
                json!({"product": "xiaomi-su7", "kind": "idea", "title": "有图", "body": "一张", "images": [used["id"]]}),
            )
            .await;
        assert_eq!(s, 201);
        assert_eq!(canyu_app::media::collect_unattached(&app.state).await.unwrap(), 0, "too soon");
        app.clock_offset.store(25 * 3600 * 1000, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(
            canyu_app::media::collect_unattached(&app.state).await.unwrap(),
            2,
            "{backend:?}: one image and its thumbnail"
        );
        assert_eq!(app.store.media_count().await.unwrap(), 1);
        assert_eq!(fetch(&app, left["url"].as_str().unwrap()).await.status(), 404);
        assert_eq!(fetch(&app, used["url"].as_str().unwrap()).await.status(), 200);
        assert_eq!(fetch(&app, used["thumbnail_url"].as_str().unwrap()).await.status(), 200);
    }
}
