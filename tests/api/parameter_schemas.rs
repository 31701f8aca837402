//! Query parameters take what the OpenAPI document's schemas for them say, no more and no
//! less: a value the schema allows is never refused, one it refuses is a 400 naming the
//! parameter (the contract fuzzer's positive- and negative-data checks, for the lists, `q` and
//! cursors it found disagreeing).

use byline::{auth::Role, domain, http::openapi};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, article},
    on_both_backends,
};

/// The document's parameter `name` of `GET path`.
fn documented_parameter(path: &str, name: &str) -> Value {
    let document: Value =
        serde_json::from_str(&openapi::document().to_json().expect("JSON")).expect("document");
    document["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("GET {path} has parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("GET {path} documents `{name}`"))
        .clone()
}

fn validator(parameter: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(&parameter["schema"]).expect("the parameter's schema compiles")
}

/// GET `path` with `name=value` (percent-encoded) added: the status and body. Requests of
/// `/admin/` paths carry an editor's key.
async fn get_with(app: &TestApp, path: &str, name: &str, value: &str) -> (u16, Value) {
    let url = reqwest::Url::parse_with_params(&format!("{}{path}", app.base), [(name, value)])
        .expect("url");
    let mut request = app.client.get(url);
    if path.starts_with("/admin/") {
        let (_, key) = app
            .content
            .create_key("editor".into(), Role::Editor)
            .await
            .expect("key");
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Sends each value as `name` on `request` (a request of the operation `GET path`): 200
/// exactly when the documented schema allows it, else a 400 problem naming `name`.
async fn assert_taken_as_documented(
    app: &TestApp,
    (path, request): (&str, &str),
    name: &str,
    values: &[String],
) {
    let schema = validator(&documented_parameter(path, name));
    for value in values {
        let documented = schema.is_valid(&json!(value));
        let (status, body) = get_with(app, request, name, value).await;
        if documented {
            assert_eq!(
                status, 200,
                "{request} {name}={value:?} is documented: {body}"
            );
        } else {
            assert_eq!(
                status, 400,
                "{request} {name}={value:?} is not documented: {body}"
            );
            assert_eq!(
                body["parameter"], name,
                "{request} {name}={value:?}: {body}"
            );
        }
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

on_both_backends!(
    list_parameters_take_exactly_their_documented_values,
    |app| {
        app.seed_taxonomy().await;
        app.content
            .create_article(article("listed", domain::now()), None)
            .await
            .expect("article");
        let shared = [
            "",
            ",",
            " , ,",
            "\t",
            " x",
            "x,",
            ",x",
            "x,,x",
            "x , x",
            "x\t,\tx",
            "x x",
            "x;x",
            "x\n",
            "x,\u{a0}x",
            "\u{a0}x",
            "x,\u{3000}",
            "X",
            "x-",
            "-x",
            "x--x",
        ];
        let with =
            |item: &str| -> Vec<String> { shared.iter().map(|v| v.replace('x', item)).collect() };
        let mut tags = with("eu");
        tags.extend(strings(&[
            "eu-budget",
            "brussels,budget",
            "budget,eu,budget",
        ]));
        // Tag slugs are at most 120 characters long.
        tags.push(format!("eu,{}", "a".repeat(120)));
        tags.push(format!("eu,{},budget", "a".repeat(121)));
        tags.push(format!("{}-b", "a".repeat(119)));
        tags.push(vec!["eu"; 20].join(","));
        tags.push(vec!["eu"; 21].join(","));
        tags.push(vec!["eu"; 21].join(",,"));
        let list = ("/v1/articles", "/v1/articles");
        let one = ("/v1/articles/{slug}", "/v1/articles/listed");
        let search = ("/v1/search", "/v1/search?q=body");
        assert_taken_as_documented(&app, list, "tag", &tags).await;
        assert_taken_as_documented(&app, search, "tag", &tags).await;

        let mut includes = with("authors");
        includes.extend(strings(&[
            "authors,tags,section",
            "tags,tags",
            "authors,authors,authors,authors",
            "authors,,authors,,authors",
            "author",
            "body",
        ]));
        let mut fields = with("slug");
        fields.extend(strings(&["body_html,body_html", "status", "body", "Slug"]));
        fields.push(vec!["title"; 20].join(","));
        fields.push(vec!["title"; 21].join(","));
        for operation in [list, one, search] {
            assert_taken_as_documented(&app, operation, "include", &includes).await;
            assert_taken_as_documented(&app, operation, "fields", &fields).await;
        }
        // The admin search's `fields` also names the workflow's.
        fields.extend(strings(&[
            "status,version",
            "status,,publish_at , body_source",
            "secret",
        ]));
        let admin_search = ("/admin/v1/search", "/admin/v1/search?q=body");
        assert_taken_as_documented(&app, admin_search, "fields", &fields).await;
        assert_taken_as_documented(&app, admin_search, "tag", &tags).await;
    }
);

on_both_backends!(search_documents_q_as_required, |app| {
    for path in ["/v1/search", "/admin/v1/search"] {
        let q = documented_parameter(path, "q");
        assert_eq!(q["required"], true, "{path} documents q as required");
    }
    let (status, problem) = get_with(&app, "/v1/search", "limit", "5").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["parameter"], "q");
});

on_both_backends!(cursors_are_documented_as_what_the_server_issues, |app| {
    app.seed_taxonomy().await;
    let now = domain::now();
    for i in 0..3 {
        app.content
            .create_article(article(&format!("cursor-{i}"), now), None)
            .await
            .expect("article");
    }
    let first = app.get_json("/v1/articles?limit=1", 200).await;
    let issued = first["meta"]["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    for path in ["/v1/articles", "/v1/tags", "/v1/search"] {
        let schema = validator(&documented_parameter(path, "cursor"));
        assert!(schema.is_valid(&json!(issued)), "{path} documents {issued}");
        assert!(schema.is_valid(&json!("")), "{path}: an empty cursor");
        for refused in ["%%%", "abc=", "a b", "é"] {
            assert!(!schema.is_valid(&json!(refused)), "{path}: {refused}");
        }
    }
    for refused in ["%%%", "abc=", "a b", "é"] {
        let (status, problem) = get_with(&app, "/v1/articles", "cursor", refused).await;
        assert_eq!(status, 400, "cursor={refused:?}: {problem}");
        assert_eq!(problem["parameter"], "cursor");
    }
    let (status, next) = get_with(&app, "/v1/articles?limit=1", "cursor", &issued).await;
    assert_eq!(status, 200, "{next}");
});
