//! Answers match the schemas the OpenAPI document gives them, however `fields` and `include`
//! shape the article (the contract fuzzer's response-schema check, for the reads it found
//! answering otherwise).

use byline::{auth::Role, domain, http::openapi};
use serde_json::{Value, json};

use crate::{helpers::article, on_both_backends};

/// A validator of what the document says `method path` answers with `status` as JSON: the
/// document itself is the root, so that its `$ref`s resolve as in any OpenAPI tool.
fn documented_response(method: &str, path: &str, status: u16) -> jsonschema::Validator {
    let mut document: Value =
        serde_json::from_str(&openapi::document().to_json().expect("JSON")).expect("document");
    let escaped = path
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D");
    assert!(
        document["paths"][path][method]["responses"][status.to_string()]["content"]
            ["application/json"]["schema"]
            .is_object(),
        "{method} {path} documents no JSON {status}"
    );
    document["$ref"] = json!(format!(
        "#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
    ));
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&document)
        .expect("the document compiles as a JSON Schema")
}

fn assert_matches(validator: &jsonschema::Validator, what: &str, body: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match its documented schema: {errors:#?}\n{body:#}"
    );
}

on_both_backends!(
    article_reads_shaped_by_fields_and_include_match_their_schemas,
    |app| {
        app.seed_taxonomy().await;
        let mut new = article("shaped", domain::now());
        new.tags = vec!["eu".into(), "budget".into()];
        let id = app
            .content
            .create_article(new, None)
            .await
            .expect("article")
            .id;
        // (operation, request, the article fields the answer must hold; None: all of them)
        let by_slug = ("/v1/articles/{slug}", "/v1/articles/shaped");
        let by_id = ("/v1/articles/id/{id}", format!("/v1/articles/id/{id}"));
        let list = ("/v1/articles", "/v1/articles?limit=5");
        let search = ("/v1/search", "/v1/search?q=body");
        let cases: Vec<(&str, String, Option<Vec<&str>>)> = vec![
            (
                by_slug.0,
                format!("{}?include=authors,authors&fields=body_html", by_slug.1),
                Some(vec!["body_html"]),
            ),
            (
                by_slug.0,
                format!("{}?fields=body_html,body_html,slug", by_slug.1),
                Some(vec!["body_html", "slug"]),
            ),
            (
                by_slug.0,
                format!(
                    "{}?include=tags,section,tags&fields=tags,section",
                    by_slug.1
                ),
                Some(vec!["section", "tags"]),
            ),
            (
                by_slug.0,
                format!("{}?include=authors,authors", by_slug.1),
                None,
            ),
            (by_slug.0, by_slug.1.to_owned(), None),
            (
                by_id.0,
                format!("{}?include=section,section&fields=body_html,id", by_id.1),
                Some(vec!["body_html", "id"]),
            ),
            (
                list.0,
                format!("{}&include=authors,authors&fields=body_html", list.1),
                Some(vec!["body_html"]),
            ),
            (list.0, format!("{}&include=tags,tags", list.1), None),
            (
                search.0,
                format!("{}&include=authors,authors&fields=body_html", search.1),
                Some(vec!["body_html", "snippet"]),
            ),
            (search.0, search.1.to_owned(), None),
        ];
        for (operation, request, fields) in cases {
            let body = app.get_json(&request, 200).await;
            assert_matches(&documented_response("get", operation, 200), &request, &body);
            let articles = match body["data"].as_array() {
                Some(list) => list.clone(),
                None => vec![body["data"].clone()],
            };
            assert!(!articles.is_empty(), "{request} found the article");
            for item in &articles {
                let mut keys: Vec<&str> = item
                    .as_object()
                    .expect("an article object")
                    .keys()
                    .map(String::as_str)
                    .collect();
                keys.sort_unstable();
                match &fields {
                    Some(expected) => assert_eq!(&keys, expected, "{request}"),
                    None => assert!(keys.len() > 15, "{request}: the whole article: {keys:?}"),
                }
                // Repeating a name in `include` embeds it once, as naming it once does.
                if request.contains("include=authors") && item.get("authors").is_some() {
                    assert_eq!(item["authors"][0]["slug"], "desk", "{request}");
                    assert!(item["authors"][1].is_null(), "{request}");
                }
                if request.contains("include=tags") && item.get("tags").is_some() {
                    assert_eq!(item["tags"][1]["slug"], "budget", "{request}");
                }
            }
        }
    }
);

on_both_backends!(
    admin_search_results_shaped_by_fields_match_their_schema,
    |app| {
        app.seed_taxonomy().await;
        app.content
            .create_article(article("found", domain::now()), None)
            .await
            .expect("article");
        let (_, key) = app
            .content
            .create_key("editor".into(), Role::Editor)
            .await
            .expect("key");
        let validator = documented_response("get", "/admin/v1/search", 200);
        for (query, fields) in [
            (
                "q=body&fields=slug,status",
                Some(vec!["slug", "snippet", "status"]),
            ),
            (
                "q=body&fields=version,version",
                Some(vec!["snippet", "version"]),
            ),
            ("q=body", None),
        ] {
            let request = format!("/admin/v1/search?{query}");
            let response = app
                .client
                .get(format!("{}{request}", app.base))
                .header("Authorization", format!("Bearer {key}"))
                .send()
                .await
                .expect("request");
            assert_eq!(response.status().as_u16(), 200, "{request}");
            let body: Value = response.json().await.expect("JSON");
            assert_matches(&validator, &request, &body);
            let item = &body["data"][0];
            let mut keys: Vec<&str> = item
                .as_object()
                .expect("a result")
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort_unstable();
            match fields {
                Some(expected) => assert_eq!(keys, expected, "{request}"),
                None => assert!(keys.len() > 20, "{request}: the whole article: {keys:?}"),
            }
        }
    }
);
