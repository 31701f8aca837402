//! HTTP method semantics: a served path refuses other methods with 405 and `Allow`, plain
//! `OPTIONS` answers 204 with `Allow`, CORS preflights still work, `HEAD` answers like
//! `GET` without a body, unknown paths stay 404, and every documented operation is routed.

use reqwest::{Method, header};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, spawn_app};

const SOME_ID: &str = "0190f0c2-5b7a-7c3e-9d4f-1a2b3c4d5e6f";

struct Answer {
    status: u16,
    allow: Option<String>,
    content_type: Option<String>,
    body: String,
}

async fn send(app: &TestApp, method: &str, path: &str) -> Answer {
    send_with(app, method, path, &[]).await
}

async fn send_with(app: &TestApp, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request");
    let header = |name: header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let content_type = header(header::CONTENT_TYPE);
    let (status, allow) = (response.status().as_u16(), header(header::ALLOW));
    // The realtime stream's answer never ends: its status and headers are the answer.
    let endless = content_type.as_deref() == Some("text/event-stream");
    let body = if endless {
        String::new()
    } else {
        response.text().await.expect("body")
    };
    Answer {
        status,
        allow,
        content_type,
        body,
    }
}

async fn app() -> TestApp {
    spawn_app(Backend::Sqlite).await.expect("sqlite app")
}

#[actix_web::test]
async fn other_methods_on_a_served_path_answer_405_with_allow() {
    let app = app().await;
    let article = format!("/admin/v1/articles/{SOME_ID}");
    let publish = format!("/admin/v1/articles/{SOME_ID}/publish");
    let cases = [
        ("TRACE", "/v1/articles", "GET, HEAD, OPTIONS"),
        ("POST", "/v1/articles", "GET, HEAD, OPTIONS"),
        ("DELETE", "/v1/articles/some-slug", "GET, HEAD, OPTIONS"),
        ("PUT", article.as_str(), "GET, HEAD, PATCH, DELETE, OPTIONS"),
        ("TRACE", publish.as_str(), "POST, OPTIONS"),
        ("GET", publish.as_str(), "POST, OPTIONS"),
        ("DELETE", "/admin/v1/keys", "GET, HEAD, POST, OPTIONS"),
        ("GET", "/admin/v1/tags/world", "PATCH, DELETE, OPTIONS"),
        ("POST", "/feeds/rss.xml", "GET, HEAD, OPTIONS"),
        (
            "TRACE",
            "/feeds/sections/news/atom.xml",
            "GET, HEAD, OPTIONS",
        ),
        ("PATCH", "/sitemaps/articles-1.xml", "GET, HEAD, OPTIONS"),
        ("PUT", "/graphql", "GET, HEAD, POST, OPTIONS"),
        ("DELETE", "/graphql", "GET, HEAD, POST, OPTIONS"),
        ("TRACE", "/graphql", "GET, HEAD, POST, OPTIONS"),
        ("POST", "/healthz", "GET, HEAD, OPTIONS"),
    ];
    for (method, path, allow) in cases {
        let answer = send(&app, method, path).await;
        assert_eq!(answer.status, 405, "{method} {path}: {}", answer.body);
        assert_eq!(answer.allow.as_deref(), Some(allow), "{method} {path}");
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/problem+json"),
            "{method} {path}"
        );
        let problem: Value = serde_json::from_str(&answer.body).expect("problem");
        assert_eq!(problem["type"], "/problems/method-not-allowed");
        assert_eq!(problem["status"], 405);
    }
}

#[actix_web::test]
async fn unknown_paths_stay_404_whatever_the_method() {
    let app = app().await;
    for (method, path) in [
        ("TRACE", "/nowhere"),
        ("GET", "/nowhere"),
        ("POST", "/v1/nowhere/at/all"),
        ("OPTIONS", "/v2/articles"),
        ("DELETE", "/v1/articles/a/b"),
    ] {
        let answer = send(&app, method, path).await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        assert_eq!(answer.allow, None, "{method} {path}");
        assert_eq!(
            answer.content_type.as_deref(),
            Some("application/problem+json")
        );
    }
}

#[actix_web::test]
async fn plain_options_answers_204_with_allow_and_preflights_stay_cors() {
    let app = app().await;
    let answer = send(&app, "OPTIONS", "/graphql").await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(answer.allow.as_deref(), Some("GET, HEAD, POST, OPTIONS"));
    let answer = send(&app, "OPTIONS", &format!("/admin/v1/articles/{SOME_ID}")).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    assert_eq!(
        answer.allow.as_deref(),
        Some("GET, HEAD, PATCH, DELETE, OPTIONS")
    );

    // A preflight is the CORS middleware's, before any route.
    let response = app
        .client
        .request(
            Method::OPTIONS,
            format!("{}/admin/v1/articles/{SOME_ID}", app.base),
        )
        .header("Origin", "https://newsroom.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "authorization, if-match")
        .send()
        .await
        .expect("preflight");
    assert_eq!(response.status().as_u16(), 200);
    let methods = response
        .headers()
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(methods.contains("PATCH"), "allowed methods: {methods}");
}

#[actix_web::test]
async fn head_answers_like_get_without_a_body() {
    let app = app().await;
    app.seed_taxonomy().await;
    for path in [
        "/v1/sections",
        "/feeds/rss.xml",
        "/healthz",
        "/openapi.yaml",
    ] {
        let get = app.get(path).await;
        let head = app
            .client
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("head");
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        for name in [header::CONTENT_TYPE, header::ETAG, header::CACHE_CONTROL] {
            assert_eq!(
                head.headers().get(&name),
                get.headers().get(&name),
                "HEAD {path}: {name}"
            );
        }
        assert!(
            head.bytes().await.expect("body").is_empty(),
            "HEAD {path} has a body"
        );
    }
    // HEAD comes with GET only: a POST-only path refuses it like any other method.
    let head = app
        .client
        .head(format!("{}/admin/v1/articles/{SOME_ID}/publish", app.base))
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 405);
    assert_eq!(
        head.headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok()),
        Some("POST, OPTIONS")
    );
}

#[actix_web::test]
async fn a_mutation_over_get_is_a_405_with_allow() {
    let app = app().await;
    let answer = send(
        &app,
        "GET",
        "/graphql?query=mutation%20%7B%20deleteSection(slug%3A%20%22x%22)%20%7D",
    )
    .await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    assert_eq!(answer.allow.as_deref(), Some("GET, HEAD, POST, OPTIONS"));
}

/// Every documented operation reaches a handler, so `Allow` (made from the document) names
/// only methods that are served: a check from outside on the route table building both.
#[actix_web::test]
async fn every_documented_operation_is_routed() {
    let app = app().await;
    let doc: Value =
        serde_json::from_str(&byline::http::openapi::document().to_json().expect("json"))
            .expect("parse");
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (template, item) in paths {
        let path = concrete(template);
        for method in ["get", "post", "put", "patch", "delete"] {
            if !item[method].is_object() {
                continue;
            }
            let answer = send(&app, &method.to_uppercase(), &path).await;
            let unrouted = answer.status == 405 && answer.allow.is_some()
                || answer.status == 404 && answer.body.contains("no route for");
            assert!(
                !unrouted,
                "{method} {template} is documented but not routed: {} {}",
                answer.status, answer.body
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "checked {checked} operations");
}

/// A request path for an OpenAPI path template: each `{parameter}` becomes a value its
/// route accepts.
fn concrete(template: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        let value = match &rest[start + 1..end] {
            "id" => SOME_ID,
            "version" | "page" => "1",
            "kind" => "sections",
            "scope" => "sections",
            "action" => "publish",
            _ => "some-slug",
        };
        path.push_str(value);
        rest = &rest[end + 1..];
    }
    path.push_str(rest);
    path
}
