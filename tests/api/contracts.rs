//! Generated contracts: the committed `openapi.yaml` and `schema/schema.graphql` are what the
//! code produces, and every route the code serves is in the OpenAPI document.

use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Set `BYLINE_UPDATE_CONTRACTS=1` to rewrite the committed file instead of failing.
fn check_committed(relative: &str, generated: &str) {
    let path = Path::new(ROOT).join(relative);
    if std::env::var("BYLINE_UPDATE_CONTRACTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, generated).expect("write contract");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{relative} differs from what the code generates; run `BYLINE_UPDATE_CONTRACTS=1 cargo test --test api contracts` and commit it"
    );
}

#[test]
fn openapi_yaml_is_what_the_code_generates() {
    check_committed("openapi.yaml", &byline::http::openapi::openapi_yaml_text());
}

/// Route attributes (`#[get("/…")]`) in `src/`, as `(method, path)`.
fn routes_in_source() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    let mut stack = vec![Path::new(ROOT).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            for line in source.lines().map(str::trim) {
                for method in ["get", "post", "put", "patch", "delete"] {
                    if let Some(rest) = line.strip_prefix(&format!("#[{method}(\"")) {
                        let route = rest.split('"').next().unwrap_or_default().to_owned();
                        routes.push((method.to_owned(), route));
                    }
                }
            }
        }
    }
    routes
}

#[test]
fn every_served_route_is_in_the_openapi_document() {
    let doc: serde_json::Value = serde_json::from_str(
        &<byline::http::openapi::ApiDoc as utoipa::OpenApi>::openapi()
            .to_json()
            .expect("json"),
    )
    .expect("parse");
    let routes = routes_in_source();
    assert!(routes.len() >= 10, "found the route attributes: {routes:?}");
    for (method, path) in routes {
        assert!(
            doc["paths"][&path][&method].is_object(),
            "{method} {path} is served but not in openapi.yaml"
        );
    }
}

#[test]
fn schema_graphql_is_what_the_code_generates() {
    check_committed("schema/schema.graphql", &byline::graphql::sdl());
}
