//! The OpenAPI document is part of the API contract: any change shows up as a diff of
//! `tests/snapshots/openapi.json`. Regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p canyu-web --test openapi`.
#![allow(clippy::unwrap_used)] // a test that unwraps fails with the error as its message

mod common;

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let app = common::spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
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

/// Every `(METHOD, path)` the application's router serves, read from the router itself
/// (axum's `Debug` lists each route's path and its method endpoints), so a route registered
/// anywhere (`api::routes()`, `crate::router`, a plain `.route(...)` next to the documented
/// ones) is seen. HEAD, which axum adds to every GET, is left out.
fn served_routes(router: &axum::Router) -> std::collections::BTreeSet<(String, String)> {
    let debug = format!("{router:?}");
    let start = debug.find("path_router: PathRouter {").expect("axum's Router Debug names its path router");
    let end = debug[start..].find("fallback_router:").map_or(debug.len(), |i| start + i);
    let path_router = &debug[start..end];
    let (routes, node) =
        path_router.split_once("node: Node {").expect("axum's PathRouter Debug shows its node");
    let mut paths = std::collections::BTreeMap::new();
    for entry in node.split("RouteId(").skip(1) {
        let (id, rest) = entry.split_once("): \"").expect("a route id and its path");
        let path = rest.split('"').next().expect("a quoted path");
        paths.insert(id.to_string(), path.to_string());
    }
    let mut served = std::collections::BTreeSet::new();
    for entry in routes.split("RouteId(").skip(1) {
        let (id, endpoint) = entry.split_once("): ").expect("a route id and its endpoint");
        let path = paths.get(id).unwrap_or_else(|| panic!("no path for route {id}"));
        if !endpoint.starts_with("MethodRouter(") {
            // A service nested at a path answers every method.
            served.insert(("ANY".to_string(), path.clone()));
            continue;
        }
        let fields = endpoint.split("allow_header").next().expect("method fields");
        let method = |name: &str| {
            let at = fields.find(&format!(" {name}: ")).unwrap_or_else(|| panic!("no {name} field"));
            !fields[at + name.len() + 3..].starts_with("None")
        };
        let methods = ["get", "delete", "options", "patch", "post", "put", "trace", "connect"];
        for name in methods.into_iter().filter(|name| method(name)) {
            served.insert((name.to_uppercase(), path.clone()));
        }
        if method("head") && !method("get") {
            served.insert(("HEAD".to_string(), path.clone()));
        }
    }
    served
}

fn documented_routes(doc: &serde_json::Value) -> std::collections::BTreeSet<(String, String)> {
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "head", "delete", "options", "patch", "post", "put", "trace"] {
            if item.get(method).is_some() {
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    documented
}

/// Issue #16: a route under /api/v1 that the router serves but the document leaves out fails
/// here, whichever way it was added; and a documented operation nobody serves fails too.
#[tokio::test]
async fn every_served_api_route_is_documented_and_every_documented_one_served() {
    let app = common::spawn_app(canyu_app::testing::store::Backend::Sqlite).await;
    let router = canyu_web::router(app.state.clone());
    let served: std::collections::BTreeSet<_> = served_routes(&router)
        .into_iter()
        .filter(|(_, path)| path.starts_with("/api/v1/") || path == "/api/v1")
        // The document itself is served undocumented.
        .filter(|(method, path)| !(method == "GET" && path == "/api/v1/openapi.json"))
        .collect();
    assert!(
        served.len() >= 80,
        "read only {} API routes from the router: has axum's Debug changed?",
        served.len()
    );
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    let documented = documented_routes(&doc);
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served under /api/v1 but missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(unserved.is_empty(), "in the OpenAPI document but not served: {unserved:?}");
    assert_eq!(served.len(), documented.len());
}

/// Issue #25: unique operation ids in lowerCamelCase, a description on every response, a tag
/// on every operation. Fast, so a route added without them fails `cargo test`.
#[test]
fn operation_ids_are_unique_and_every_response_is_described() {
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    let mut ids = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(op) = op.as_object().filter(|_| method != "parameters") else { continue };
            let at = format!("{} {path}", method.to_uppercase());
            match op.get("operationId").and_then(|id| id.as_str()) {
                None => problems.push(format!("{at}: no operationId")),
                Some(id) => {
                    let camel = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && id.chars().all(|c| c.is_ascii_alphanumeric());
                    if !camel {
                        problems.push(format!("{at}: operationId {id:?} is not lowerCamelCase"));
                    }
                    if let Some(other) = ids.insert(id.to_string(), at.clone()) {
                        problems.push(format!("{at}: operationId {id:?} also used by {other}"));
                    }
                }
            }
            if op.get("tags").and_then(|t| t.as_array()).is_none_or(|t| t.is_empty()) {
                problems.push(format!("{at}: no tag"));
            }
            let responses = op.get("responses").and_then(|r| r.as_object());
            for (status, response) in responses.into_iter().flatten() {
                if response.get("description").and_then(|d| d.as_str()).is_none_or(str::is_empty) {
                    problems.push(format!("{at}: response {status} has no description"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(ids.len() >= 80);
}

/// Public reads ask for no token; operations that take an optional caller say so with `{}`;
/// the rest require the bearer token.
#[test]
fn security_is_declared_per_operation() {
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    assert!(doc.get("security").is_none(), "no document-wide requirement: each operation says");
    let security = |method: &str, path: &str| doc["paths"][path][method]["security"].clone();
    // Public reads: no requirement at all, or an optional caller (`{}` among the choices).
    for path in [
        "/api/v1/posts",
        "/api/v1/posts/{id}",
        "/api/v1/posts/{id}/comments",
        "/api/v1/products",
        "/api/v1/products/{slug}",
        "/api/v1/products/{slug}/releases",
        "/api/v1/products/{slug}/demands",
        "/api/v1/releases/{id}",
        "/api/v1/demands",
        "/api/v1/leaderboard",
        "/api/v1/users/{handle}",
        "/api/v1/waves/{id}",
        "/api/v1/waves/{id}/draw",
        "/api/v1/campaigns/{id}",
    ] {
        let requirement = security("get", path);
        let public = requirement.is_null()
            || requirement.as_array().is_some_and(|choices| choices.contains(&serde_json::json!({})));
        assert!(public, "GET {path} must not require a token: {requirement}");
    }
    let optional = serde_json::json!([{}, {"bearer": []}]);
    for path in ["/api/v1/posts", "/api/v1/posts/{id}", "/api/v1/users/{handle}"] {
        assert_eq!(security("get", path), optional, "GET {path}: the caller is optional");
    }
    assert!(security("get", "/api/v1/products").is_null());
    let required = serde_json::json!([{"bearer": []}]);
    for (method, path) in
        [("post", "/api/v1/posts"), ("post", "/api/v1/waves/{id}/orders"), ("get", "/api/v1/me")]
    {
        assert_eq!(security(method, path), required, "{method} {path} needs the token");
    }
    assert!(security("post", "/api/v1/auth/register").is_null());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// The error body's `code` is the named `ErrorCode` schema, enumerating every `ErrorCode`, so
/// clients can switch on it.
#[test]
fn error_codes_are_published() {
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    let code = &doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"];
    assert!(
        code["$ref"] == "#/components/schemas/ErrorCode"
            || code["allOf"][0]["$ref"] == "#/components/schemas/ErrorCode"
            || code["oneOf"][0]["$ref"] == "#/components/schemas/ErrorCode",
        "ErrorDetail.code refers to ErrorCode: {code}"
    );
    let listed: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("ErrorCode is an enum")
        .iter()
        .map(|v| v.as_str().expect("a string"))
        .collect();
    let all: Vec<&str> = canyu_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, all);
}

/// The README's API section lists every error code, as the document does.
#[test]
fn readme_lists_every_error_code() {
    let readme = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(readme).expect("README.md");
    let section = readme.split("### Error codes").nth(1).expect("an Error codes section in README.md");
    let section = section.split("\n### ").next().unwrap_or(section);
    let missing: Vec<&str> = canyu_core::ErrorCode::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|code| !section.contains(&format!("`{code}`")))
        .collect();
    assert!(missing.is_empty(), "README.md's error code table misses {missing:?}");
}

/// Fields parsed by a fixed rule of `canyu_core` publish its values, so generated clients get
/// `"fcfs" | "draw"` rather than `string`, and the lists come from the rules themselves.
#[test]
fn rule_values_are_published_as_named_enums() {
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let values = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is an enum"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(values("WaveMode"), ["fcfs", "draw"]);
    assert_eq!(values("PostKind"), ["idea", "bug", "question"]);
    assert_eq!(values("Eligibility"), canyu_core::wave::Eligibility::KINDS);
    assert_eq!(values("PostStatus").len(), canyu_core::post::PostStatus::ALL.len());
    let refers = |schema: &str, field: &str, to: &str| {
        let property = schemas[schema]["properties"][field].to_string();
        assert!(
            property.contains(&format!("#/components/schemas/{to}")),
            "{schema}.{field} refers to {to}: {property}"
        );
    };
    refers("NewWaveRequest", "mode", "WaveMode");
    refers("NewWaveRequest", "eligibility", "Eligibility");
    refers("WaveView", "mode", "WaveMode");
    refers("NewPostRequest", "kind", "PostKind");
    refers("PostView", "status", "PostStatus");
    refers("StatusRequest", "status", "PostStatus");
}

/// An optional request body is one the client leaves out, never a `null`: generators such as
/// openapi-python-client produce calls that crash on `oneOf: [T, null]` bodies.
#[test]
fn optional_request_bodies_are_not_nullable() {
    let doc = serde_json::to_value(canyu_web::api::openapi()).unwrap();
    let mut optional = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(body) = op.get("requestBody") else { continue };
            if body["required"] != true {
                optional += 1;
            }
            for (media, content) in body["content"].as_object().unwrap() {
                assert!(
                    !content["schema"].to_string().contains("\"null\""),
                    "{method} {path} {media}: a nullable body"
                );
            }
        }
    }
    assert!(optional >= 2, "the optional bodies (order, cancel) were found: {optional}");
}
