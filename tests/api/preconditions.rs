//! `If-Match` on article changes: RFC 9110 entity tags (the article's `ETag`, also with its
//! coding or weakened, and lists of them) and `*`, exactly what the OpenAPI document's
//! pattern says; anything else is a 400 naming `If-Match`, none a 428, a stale one a 412.

use byline::{
    auth::Role, domain, domain::article::ArticleStatus, http::openapi,
    service::editorial::NewArticle,
};
use reqwest::{Method, header::HeaderValue};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, article, current_version},
    on_both_backends,
};

/// An editor's key, as a bearer token.
async fn editor(app: &TestApp) -> String {
    app.content
        .create_key("editor".into(), Role::Editor)
        .await
        .expect("editor key")
        .1
}

/// A new draft (in the taxonomy `seed_taxonomy` makes), at version 1; its id.
async fn new_draft(app: &TestApp, slug: &str) -> String {
    let draft = NewArticle {
        status: ArticleStatus::Draft,
        published_at: None,
        ..article(slug, domain::now())
    };
    app.content
        .create_article(draft, None)
        .await
        .expect("draft")
        .id
}

/// One request as `key`, with `If-Match` sent byte for byte when given: status and body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    if_match: Option<HeaderValue>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.base))
        .header("Authorization", format!("Bearer {key}"));
    if let Some(value) = if_match {
        request = request.header("If-Match", value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn value(text: &str) -> Option<HeaderValue> {
    Some(HeaderValue::from_str(text).expect("a header value"))
}

/// The schema the OpenAPI document gives `If-Match`: the same on every operation that takes
/// it, so the one of `DELETE /admin/v1/articles/{id}` stands for all.
fn documented_if_match() -> jsonschema::Validator {
    let document: Value =
        serde_json::from_str(&openapi::document().to_json().expect("JSON")).expect("document");
    let mut schemas = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "If-Match" {
                    let mut schema = parameter["schema"].clone();
                    schema
                        .as_object_mut()
                        .expect("schema")
                        .remove("description");
                    schemas.push((format!("{method} {path}"), schema));
                }
            }
        }
    }
    assert!(schemas.len() >= 4, "If-Match is documented: {schemas:?}");
    for (operation, schema) in &schemas {
        assert_eq!(schema, &schemas[0].1, "If-Match of {operation}");
    }
    jsonschema::validator_for(&schemas[0].1).expect("the If-Match schema compiles")
}

/// Header values and whether the server must take them (as the document must say).
const IF_MATCH_VALUES: &[(&str, bool)] = &[
    ("\"v1\"", true),
    ("W/\"v1\"", true),
    ("\"v1-gzip\"", true),
    ("W/\"v1-br\"", true),
    ("*", true),
    ("\"v0\"", true),
    ("\"v999999999\"", true),
    ("\"v000000001\"", true),
    ("\"v7\", \"v8\"", true),
    ("\"v7\",\"v8-gzip\",W/\"v9\"", true),
    (",\"v7\",, ,", true),
    ("\"v7\" ,\t\"v8\"", true),
    ("9", false),
    ("v1", false),
    ("\"1\"", false),
    ("'v1'", false),
    ("\"v1", false),
    ("v1\"", false),
    ("W/v1", false),
    ("w/\"v1\"", false),
    ("W/ \"v1\"", false),
    ("\"V1\"", false),
    ("\"v\"", false),
    ("\"v-1\"", false),
    ("\"v1.0\"", false),
    ("\"v1-\"", false),
    ("\"v1-GZIP\"", false),
    ("\"v1-gzip-br\"", false),
    ("\"v1_gzip\"", false),
    ("\"v1234567890\"", false),
    ("\"\"", false),
    ("", false),
    (",", false),
    (", ,", false),
    ("**", false),
    ("*, \"v1\"", false),
    ("\"v1\" \"v2\"", false),
    ("\"v1\";", false),
    ("\"v1\u{ff11}\"", false),
];

on_both_backends!(
    if_match_takes_entity_tags_and_star_exactly_as_documented,
    |app| {
        app.seed_taxonomy().await;
        let key = editor(&app).await;
        let id = new_draft(&app, "preconditions").await;
        let path = format!("/admin/v1/articles/{id}");
        let documented = documented_if_match();
        for (text, taken) in IF_MATCH_VALUES {
            assert_eq!(
                documented.is_valid(&json!(text)),
                *taken,
                "the document's If-Match pattern on {text:?}"
            );
            let before = current_version(&app.content, &id).await;
            let body = json!({"standfirst": format!("If-Match: {text}")});
            let (status, answer) =
                send(&app, Method::PATCH, &path, &key, value(text), Some(&body)).await;
            if *taken {
                assert!(
                    status == 200 || status == 412,
                    "If-Match: {text:?} answered {status}: {answer}"
                );
            } else {
                assert_eq!(status, 400, "If-Match: {text:?}: {answer}");
                assert_eq!(answer["parameter"], "If-Match", "{text:?}: {answer}");
                assert_eq!(
                    current_version(&app.content, &id).await,
                    before,
                    "a refused If-Match changes nothing"
                );
            }
        }
        // Every kind of change reads If-Match the same way.
        let publish = format!("{path}/publish");
        let restore = format!("{path}/revisions/1/restore");
        for (method, target) in [
            (Method::POST, &publish),
            (Method::POST, &restore),
            (Method::DELETE, &path),
        ] {
            let (status, answer) = send(&app, method, target, &key, value("9"), None).await;
            assert_eq!(status, 400, "{target} with If-Match: 9: {answer}");
            assert_eq!(answer["parameter"], "If-Match");
        }
    }
);

on_both_backends!(if_match_names_versions_and_star_the_current_one, |app| {
    app.seed_taxonomy().await;
    let key = editor(&app).await;
    let id = new_draft(&app, "star").await;
    let path = format!("/admin/v1/articles/{id}");
    let version = || async { current_version(&app.content, &id).await.expect("article") };
    let patch = |tag: Option<&str>, title: &str| {
        let body = json!({ "title": title });
        let path = path.clone();
        let key = key.clone();
        let tag = tag.map(str::to_owned);
        let app = &app;
        async move {
            send(
                app,
                Method::PATCH,
                &path,
                &key,
                tag.as_deref().and_then(value),
                Some(&body),
            )
            .await
        }
    };

    // None is still a 428, a stale one a 412, and neither changes anything.
    let (status, problem) = patch(None, "No version").await;
    assert_eq!(status, 428, "{problem}");
    assert_eq!(problem["type"], "/problems/version-required");
    let (status, problem) = patch(Some("\"v5\", W/\"v6\""), "Stale").await;
    assert_eq!(status, 412, "{problem}");
    assert_eq!(problem["type"], "/problems/version-conflict");
    assert_eq!(version().await, 1);

    // A list goes ahead when it names the current version, in any of its forms.
    let (status, saved) = patch(Some("\"v5\", \"v1-gzip\""), "Listed").await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["data"]["version"], 2);

    // `*` goes ahead against whatever version is current, for every kind of change.
    let (status, saved) = patch(Some("*"), "Starred").await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["data"]["title"], "Starred");
    assert_eq!(saved["data"]["version"], 3);
    let (status, published) = send(
        &app,
        Method::POST,
        &format!("{path}/publish"),
        &key,
        value("*"),
        None,
    )
    .await;
    assert_eq!(status, 200, "publish with *: {published}");
    assert_eq!(published["data"]["status"], "published");
    let (status, restored) = send(
        &app,
        Method::POST,
        &format!("{path}/revisions/1/restore"),
        &key,
        value("*"),
        None,
    )
    .await;
    assert_eq!(status, 200, "restore with *: {restored}");
    assert_eq!(restored["data"]["title"], "Title of star");
    // A `version` field does not override an If-Match that names one.
    let (status, problem) = send(
        &app,
        Method::POST,
        &format!("{path}/archive"),
        &key,
        value("\"v1\""),
        Some(&json!({ "version": version().await })),
    )
    .await;
    assert_eq!(status, 412, "{problem}");
    let (status, _) = send(&app, Method::DELETE, &path, &key, value("*"), None).await;
    assert_eq!(status, 204);
    assert_eq!(current_version(&app.content, &id).await, None);
    // `*` on an article that does not exist is its 404, as any request there.
    let (status, _) = send(&app, Method::DELETE, &path, &key, value("*"), None).await;
    assert_eq!(status, 404);
});

/// The statuses `.ci/schemathesis.toml` lets its `missing_required_header` check accept.
fn fuzzer_statuses_for_a_missing_header() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/schemathesis.toml");
    let config = std::fs::read_to_string(path).expect("read .ci/schemathesis.toml");
    let section = config
        .split("\n[")
        .find(|s| s.starts_with("checks.missing_required_header]"))
        .expect("a [checks.missing_required_header] section");
    let line = section
        .lines()
        .find(|l| l.trim_start().starts_with("expected-statuses"))
        .expect("its expected-statuses");
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

// schemathesis' `missing_required_header` check sends a request without a header the
// document requires and expects 400, 401, 403, 406, 415 or 422 unless told otherwise; an
// article change without `If-Match` is, as documented, 428 Precondition Required.
on_both_backends!(a_missing_required_if_match_is_the_documented_428, |app| {
    app.seed_taxonomy().await;
    let key = editor(&app).await;
    let id = new_draft(&app, "required").await;
    let document: Value =
        serde_json::from_str(&openapi::document().to_json().expect("JSON")).expect("document");
    let mut required = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let requires_if_match = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "If-Match" && p["required"] == true);
            if requires_if_match {
                assert!(
                    operation["responses"]["428"].is_object(),
                    "{method} {path} requires If-Match and documents its 428"
                );
                required.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(
        required.contains(&("DELETE".to_owned(), "/admin/v1/articles/{id}".to_owned())),
        "{required:?}"
    );
    for (method, path) in &required {
        let target = path.replace("{id}", &id).replace("{version}", "1");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let (status, problem) = send(&app, method.clone(), &target, &key, None, None).await;
        assert_eq!(status, 428, "{method} {target}: {problem}");
        assert_eq!(problem["type"], "/problems/version-required");
    }
    assert_eq!(current_version(&app.content, &id).await, Some(1));
    assert!(
        fuzzer_statuses_for_a_missing_header().contains(&"428".to_owned()),
        "the contract fuzzer expects the documented 428"
    );
});
