//! The OpenAPI document is part of the API contract: any change shows up as a diff of
//! `tests/snapshots/openapi.json`. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p canyu-web --test openapi`.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let app = common::spawn_app(canyu_store::Backend::Sqlite).await;
    let served: serde_json::Value =
        app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let generated = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    assert_eq!(served, generated);
    // The core API shape of DESIGN.md is present.
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/products",
        "/api/v1/posts",
        "/api/v1/posts/{id}",
        "/api/v1/posts/{id}/vote",
        "/api/v1/posts/{id}/comments",
        "/api/v1/posts/{id}/status",
    ] {
        assert!(served["paths"][path].is_object(), "missing {path}");
    }
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &pretty).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert!(
        expected == pretty,
        "the OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1 to accept"
    );
}
