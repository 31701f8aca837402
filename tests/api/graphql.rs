//! The GraphQL API over real servers: the same answers as REST for every filter and order,
//! Relay connection walks, DataLoader batching counted in SQL statements, the limits on
//! hostile queries, introspection, automatic persisted queries, the visibility rule on every
//! path, errors with codes, and HTTP caching of `GET /graphql`.

use base64::{Engine, engine::general_purpose::STANDARD};
use byline::{
    config::Settings,
    domain::{self, article::ArticleStatus},
    startup::Application,
};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestApp, article, open_content, spawn_app},
    on_both_backends,
    visibility::insert_raw,
};

const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A server over an empty SQLite database, for requests that never reach the database.
async fn sqlite_app() -> TestApp {
    spawn_app(Backend::Sqlite).await.expect("sqlite app")
}

/// Like `helpers::spawn_app`, with introspection on or off.
async fn spawn_app_with_introspection(backend: Backend, introspection: bool) -> Option<TestApp> {
    let (database, content) = open_content(backend)?;
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url().clone(),
        workers: Some(1),
        graphql_introspection: introspection,
        ..Settings::default()
    };
    let app = Application::build(settings, content.clone()).expect("bind the test server");
    let base = app.base_url();
    actix_web::rt::spawn(app.run_until_stopped());
    Some(TestApp {
        base,
        client: reqwest::Client::new(),
        content,
        backend,
        database,
    })
}

/// POSTs a JSON body to `/graphql`; the status and the JSON answer.
async fn post_body(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(body)
        .send()
        .await
        .expect("POST /graphql");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("POST /graphql answered {status}, not JSON ({e}): {text}"));
    (status, json)
}

/// POSTs `{"query", "variables"}` to `/graphql`, asserts HTTP 200 and returns the response.
async fn graphql(app: &TestApp, query: &str, variables: Value) -> Value {
    let mut body = json!({ "query": query });
    if !variables.is_null() {
        body["variables"] = variables;
    }
    let (status, response) = post_body(app, &body).await;
    assert_eq!(status, 200, "{query}\nanswered {status}: {response}");
    response
}

/// A query without variables.
async fn query(app: &TestApp, query: &str) -> Value {
    graphql(app, query, Value::Null).await
}

/// The `data` of a response that must carry no error.
fn data(response: &Value) -> &Value {
    assert!(
        response.get("errors").is_none(),
        "unexpected errors: {response}"
    );
    &response["data"]
}

/// Asserts that the response failed and every error is coded BAD_USER_INPUT; the first error.
fn bad_input(response: &Value) -> &Value {
    let errors = response["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("expected errors: {response}"));
    assert!(!errors.is_empty(), "expected errors: {response}");
    for error in errors {
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "error without the code: {response}"
        );
    }
    &errors[0]
}

/// The first error's message, lower-cased.
fn message(error: &Value) -> String {
    error["message"]
        .as_str()
        .expect("error message")
        .to_lowercase()
}

/// Slugs of `edges[].node.slug` of a connection.
fn edge_slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("not a connection: {connection}"))
        .iter()
        .map(|edge| edge["node"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn url_encode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The same instant as RFC 3339 in UTC with a `Z`, as both APIs take it.
fn iso(raw: &Value) -> String {
    DateTime::parse_from_rfc3339(raw.as_str().expect("a time"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Base64 of `Kind:uuid`, the Relay global id.
fn global_id(kind: &str, uuid: &str) -> String {
    STANDARD.encode(format!("{kind}:{uuid}"))
}

const ARTICLES_PAGE: &str =
    "query Page($filter: ArticleFilter, $sort: ArticleSort!, $first: Int, $after: String) {
  articles(filter: $filter, sort: $sort, first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { slug } }
  }
}";

/// One page of `articles`, the connection.
async fn articles_page(
    app: &TestApp,
    filter: &Value,
    sort: &str,
    first: usize,
    after: Option<&str>,
) -> Value {
    let variables = json!({ "filter": filter, "sort": sort, "first": first, "after": after });
    let response = graphql(app, ARTICLES_PAGE, variables).await;
    data(&response)["articles"].clone()
}

/// Every article of a GraphQL filter and sort, walked `first` at a time.
async fn graphql_walk(app: &TestApp, filter: &Value, sort: &str, first: usize) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..200 {
        let page = articles_page(app, filter, sort, first, after.as_deref()).await;
        slugs.extend(edge_slugs(&page));
        if page["pageInfo"]["hasNextPage"] != true {
            return slugs;
        }
        after = Some(
            page["pageInfo"]["endCursor"]
                .as_str()
                .expect("endCursor with a next page")
                .to_owned(),
        );
    }
    panic!("the GraphQL walk did not end");
}

/// Every article of a REST query, walked `limit` at a time.
async fn rest_walk(app: &TestApp, params: &str, limit: usize) -> Vec<String> {
    let mut slugs = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let mut path = format!("/v1/articles?limit={limit}&fields=slug");
        if !params.is_empty() {
            path.push('&');
            path.push_str(params);
        }
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={}", url_encode(cursor)));
        }
        let body = app.get_json(&path, 200).await;
        slugs.extend(
            body["data"]
                .as_array()
                .expect("data array")
                .iter()
                .map(|a| a["slug"].as_str().expect("slug").to_owned()),
        );
        match body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return slugs,
        }
    }
    panic!("the REST walk did not end");
}

const SORTS: [(&str, &str); 3] = [
    ("PUBLISHED_AT_DESC", "-published_at"),
    ("PUBLISHED_AT_ASC", "published_at"),
    ("UPDATED_AT_DESC", "-updated_at"),
];

/// For each `(REST query string, GraphQL filter)` and each order: the same slugs in the same
/// order, in one page and walked a few at a time. Every filter but the empty one narrows.
async fn assert_parity(app: &TestApp, cases: &[(String, Value)], visible: usize) {
    for (rest, filter) in cases {
        for (gql_sort, rest_sort) in SORTS {
            let params = if rest.is_empty() {
                format!("sort={rest_sort}")
            } else {
                format!("{rest}&sort={rest_sort}")
            };
            let expected = rest_walk(app, &params, 100).await;
            assert!(!expected.is_empty(), "REST `{params}` found nothing");
            if filter == &json!({}) {
                assert_eq!(expected.len(), visible);
            } else {
                assert!(
                    expected.len() < visible,
                    "REST `{params}` does not narrow the list: {expected:?}"
                );
            }
            let one_page = edge_slugs(&articles_page(app, filter, gql_sort, 100, None).await);
            assert_eq!(
                one_page, expected,
                "GraphQL {filter} {gql_sort} differs from REST `{params}`"
            );
            let walked = graphql_walk(app, filter, gql_sort, 3).await;
            assert_eq!(
                walked, expected,
                "GraphQL {filter} {gql_sort} walked 3 at a time differs from REST `{params}`"
            );
            assert_eq!(
                rest_walk(app, &params, 3).await,
                expected,
                "REST `{params}` walked 3 at a time"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. Parity with REST
// ---------------------------------------------------------------------------------------

on_both_backends!(
    graphql_articles_list_the_same_slugs_in_the_same_order_as_rest_on_demo_content,
    |app| {
        byline::seed::demo::load(&app.content)
            .await
            .expect("demo loads");
        let newest = app
            .get_json("/v1/articles?limit=100&fields=slug,published_at", 200)
            .await;
        let newest = newest["data"].as_array().expect("data").clone();
        assert_eq!(newest.len(), 12, "the demo shows 12 articles");
        let changed = app
            .get_json(
                "/v1/articles?limit=100&fields=slug,updated_at&sort=-updated_at",
                200,
            )
            .await;
        let updated_since = iso(&changed["data"][5]["updated_at"]);
        let after = iso(&newest[8]["published_at"]);
        let before = iso(&newest[2]["published_at"]);
        let cases = vec![
            (String::new(), json!({})),
            (
                "section=news-analysis".into(),
                json!({ "section": "news-analysis" }),
            ),
            (
                "tag=budget,brussels&tag_mode=all".into(),
                json!({ "tags": ["budget", "brussels"], "tagMode": "ALL" }),
            ),
            (
                "tag=budget,brussels".into(),
                json!({ "tags": ["budget", "brussels"] }),
            ),
            (
                "tag=budget,brussels&tag_mode=any".into(),
                json!({ "tags": ["budget", "brussels"], "tagMode": "ANY" }),
            ),
            (
                "author=ilse-verhoeven".into(),
                json!({ "author": "ilse-verhoeven" }),
            ),
            ("lang=fr".into(), json!({ "language": "fr" })),
            ("lang=en".into(), json!({ "language": "en" })),
            (
                format!("published_after={after}"),
                json!({ "publishedAfter": after }),
            ),
            (
                format!("published_before={before}"),
                json!({ "publishedBefore": before }),
            ),
            (
                format!("published_after={after}&published_before={before}"),
                json!({ "publishedAfter": after, "publishedBefore": before }),
            ),
            (
                format!("updated_since={updated_since}"),
                json!({ "updatedSince": updated_since }),
            ),
            (
                format!(
                    "section=news-analysis&tag=council-of-the-eu,brussels&tag_mode=any\
                     &author=eu-insider-newsroom&lang=en&published_after={after}"
                ),
                json!({
                    "section": "news-analysis",
                    "tags": ["council-of-the-eu", "brussels"],
                    "tagMode": "ANY",
                    "author": "eu-insider-newsroom",
                    "language": "en",
                    "publishedAfter": after,
                }),
            ),
        ];
        assert_parity(&app, &cases, 12).await;
    }
);

on_both_backends!(
    graphql_articles_match_rest_when_articles_share_publication_times,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let base = now - Duration::hours(10);
        for i in 0..12_i64 {
            let mut new = article(&format!("tied-{i:02}"), now);
            // Three groups of four share a publication time: ties break by id.
            new.published_at = Some(base + Duration::hours(i / 4));
            new.section = Some(if i % 3 == 0 { "economy" } else { "news" }.into());
            new.authors = if i % 2 == 0 {
                vec!["desk".into()]
            } else {
                vec!["reporter".into(), "desk".into()]
            };
            new.tags = match i % 4 {
                0 => vec!["eu".into()],
                1 => vec!["eu".into(), "budget".into()],
                2 => vec!["budget".into(), "brussels".into()],
                _ => vec!["brussels".into()],
            };
            new.language = if i % 5 == 0 { "fr" } else { "en" }.into();
            app.content
                .create_article(new, None)
                .await
                .expect("article");
        }
        let changed = app
            .get_json(
                "/v1/articles?limit=100&fields=slug,updated_at&sort=-updated_at",
                200,
            )
            .await;
        let updated_since = iso(&changed["data"][5]["updated_at"]);
        let at = |hours: i64| {
            (base + Duration::hours(hours))
                .and_utc()
                .to_rfc3339_opts(SecondsFormat::Micros, true)
        };
        let (after, before) = (at(1), at(2));
        let cases = vec![
            (String::new(), json!({})),
            ("section=economy".into(), json!({ "section": "economy" })),
            (
                "tag=eu,budget&tag_mode=all".into(),
                json!({ "tags": ["eu", "budget"], "tagMode": "ALL" }),
            ),
            (
                "tag=eu,budget&tag_mode=any".into(),
                json!({ "tags": ["eu", "budget"], "tagMode": "ANY" }),
            ),
            ("author=reporter".into(), json!({ "author": "reporter" })),
            ("lang=fr".into(), json!({ "language": "fr" })),
            (
                format!("published_after={after}"),
                json!({ "publishedAfter": after }),
            ),
            (
                format!("published_before={before}"),
                json!({ "publishedBefore": before }),
            ),
            (
                format!("published_after={after}&published_before={before}"),
                json!({ "publishedAfter": after, "publishedBefore": before }),
            ),
            (
                format!("updated_since={updated_since}"),
                json!({ "updatedSince": updated_since }),
            ),
            (
                format!(
                    "section=news&tag=eu,brussels&tag_mode=any&author=desk&lang=en\
                     &published_after={after}"
                ),
                json!({
                    "section": "news",
                    "tags": ["eu", "brussels"],
                    "tagMode": "ANY",
                    "author": "desk",
                    "language": "en",
                    "publishedAfter": after,
                }),
            ),
        ];
        assert_parity(&app, &cases, 12).await;
    }
);

// ---------------------------------------------------------------------------------------
// 2. Connection walk
// ---------------------------------------------------------------------------------------

on_both_backends!(
    walking_articles_seven_at_a_time_visits_each_once_in_order_and_every_cursor_resumes,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let total = 65_usize;
        for i in 0..total {
            let mut new = article(&format!("walk-{i:02}"), now);
            new.published_at = Some(now - Duration::minutes(i as i64 + 1));
            app.content
                .create_article(new, None)
                .await
                .expect("article");
        }
        let newest_first: Vec<String> = (0..total).map(|i| format!("walk-{i:02}")).collect();
        let oldest_first: Vec<String> = newest_first.iter().rev().cloned().collect();
        for (sort, expected) in [
            ("PUBLISHED_AT_DESC", newest_first),
            ("PUBLISHED_AT_ASC", oldest_first),
        ] {
            let mut walked = Vec::new();
            let mut cursors = Vec::new();
            let mut after: Option<String> = None;
            let mut pages = 0;
            loop {
                let page = articles_page(&app, &json!({}), sort, 7, after.as_deref()).await;
                pages += 1;
                assert!(pages <= 20, "the walk does not end");
                let slugs = edge_slugs(&page);
                assert!(
                    !slugs.is_empty() && slugs.len() <= 7,
                    "page {pages}: {slugs:?}"
                );
                let edges = page["edges"].as_array().expect("edges");
                cursors.extend(
                    edges
                        .iter()
                        .map(|e| e["cursor"].as_str().expect("cursor").to_owned()),
                );
                assert_eq!(
                    page["pageInfo"]["endCursor"],
                    edges.last().expect("an edge")["cursor"],
                    "endCursor is the last edge's cursor"
                );
                if pages == 1 {
                    assert_eq!(page["pageInfo"]["hasPreviousPage"], false);
                }
                walked.extend(slugs);
                if page["pageInfo"]["hasNextPage"] != true {
                    break;
                }
                after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(pages, total.div_ceil(7), "{sort}: pages of 7");
            assert_eq!(walked, expected, "{sort}: every article once, in order");
            // Every edge's cursor resumes right after its own article.
            for (position, cursor) in cursors.iter().enumerate() {
                let page = articles_page(&app, &json!({}), sort, 7, Some(cursor)).await;
                let end = (position + 8).min(total);
                assert_eq!(
                    edge_slugs(&page),
                    expected[position + 1..end],
                    "{sort}: after the cursor of edge {position}"
                );
                assert_eq!(
                    page["pageInfo"]["hasNextPage"],
                    end < total,
                    "{sort}: hasNextPage after edge {position}"
                );
            }
        }
        // A cursor names its order: replaying it against another order is the caller's error.
        let page = articles_page(&app, &json!({}), "PUBLISHED_AT_DESC", 7, None).await;
        let cursor = page["pageInfo"]["endCursor"].as_str().expect("endCursor");
        let response = graphql(
            &app,
            ARTICLES_PAGE,
            json!({ "sort": "UPDATED_AT_DESC", "first": 7, "after": cursor }),
        )
        .await;
        bad_input(&response);
        let response = graphql(
            &app,
            ARTICLES_PAGE,
            json!({ "sort": "PUBLISHED_AT_DESC", "first": 7, "after": "not-a-cursor" }),
        )
        .await;
        bad_input(&response);
    }
);

on_both_backends!(a_malformed_after_cursor_names_the_after_argument, |app| {
    let response = graphql(
        &app,
        ARTICLES_PAGE,
        json!({ "sort": "PUBLISHED_AT_DESC", "first": 7, "after": "not-a-cursor" }),
    )
    .await;
    let error = bad_input(&response);
    assert_eq!(error["extensions"]["argument"], "after", "{response}");
});

// ---------------------------------------------------------------------------------------
// 3. DataLoader batching
// ---------------------------------------------------------------------------------------

fn full_page_query(first: usize) -> String {
    format!(
        "{{ articles(first: {first}) {{ edges {{ node {{ slug section {{ name }} \
         authors {{ name }} tags {{ name kind }} }} }} }} }}"
    )
}

/// 50 published articles, each with two authors, three tags and a section, newest first.
async fn seed_batched(app: &TestApp) {
    app.seed_taxonomy().await;
    let now = domain::now();
    for i in 0..50_i64 {
        let mut new = article(&format!("batched-{i:02}"), now);
        new.published_at = Some(now - Duration::minutes(i + 1));
        new.authors = vec!["desk".into(), "reporter".into()];
        new.tags = vec!["budget".into(), "eu".into(), "brussels".into()];
        new.section = Some(if i % 2 == 0 { "news" } else { "economy" }.into());
        app.content
            .create_article(new, None)
            .await
            .expect("article");
    }
}

/// Runs `full_page_query(first)`, checks every relation and returns the statements it ran.
async fn statements_for_full_page(app: &TestApp, first: usize) -> u64 {
    let before = app.content.db().statements_run();
    let response = query(app, &full_page_query(first)).await;
    let ran = app.content.db().statements_run() - before;
    let edges = data(&response)["articles"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(edges.len(), first);
    for (i, edge) in edges.iter().enumerate() {
        let node = &edge["node"];
        assert_eq!(node["slug"], format!("batched-{i:02}"));
        let section = if i % 2 == 0 {
            "News & Analysis"
        } else {
            "Economy"
        };
        assert_eq!(node["section"]["name"], section, "{node}");
        assert_eq!(
            node["authors"],
            json!([{ "name": "EU Insider Newsroom" }, { "name": "Ilse Verhoeven" }]),
            "byline order is kept"
        );
        assert_eq!(
            node["tags"],
            json!([
                { "name": "BUDGET", "kind": "TOPIC" },
                { "name": "EU", "kind": "ORGANIZATION" },
                { "name": "BRUSSELS", "kind": "PLACE" },
            ]),
            "tag order is kept"
        );
    }
    ran
}

on_both_backends!(
    a_page_of_50_with_sections_authors_and_tags_costs_three_statements_like_a_page_of_10,
    |app| {
        seed_batched(&app).await;
        // The first page also reads the rows of its sections, authors and tags.
        let cold = statements_for_full_page(&app, 50).await;
        assert_eq!(cold, 6, "a cold page ran {cold} statements");
        for first in [50_usize, 10] {
            let ran = statements_for_full_page(&app, first).await;
            // The page, then which authors and which tags its articles have; the terms
            // themselves come from the term memo.
            assert_eq!(ran, 3, "first: {first} ran {ran} statements");
        }
    }
);

on_both_backends!(
    a_page_of_up_to_30_with_sections_authors_and_tags_costs_three_statements,
    |app| {
        seed_batched(&app).await;
        statements_for_full_page(&app, 30).await;
        for first in [1_usize, 10, 30] {
            let ran = statements_for_full_page(&app, first).await;
            // The page, then which authors and which tags its articles have.
            assert_eq!(ran, 3, "first: {first} ran {ran} statements");
        }
    }
);

on_both_backends!(a_page_of_slugs_alone_costs_one_statement, |app| {
    seed_batched(&app).await;
    for first in [50_usize, 10] {
        let before = app.content.db().statements_run();
        let response = query(
            &app,
            &format!(
                "{{ articles(first: {first}) {{ edges {{ cursor node {{ slug title }} }} }} }}"
            ),
        )
        .await;
        let ran = app.content.db().statements_run() - before;
        assert_eq!(edge_slugs(&data(&response)["articles"]).len(), first);
        assert_eq!(ran, 1, "first: {first}: slugs alone ran {ran} statements");
    }
});

// ---------------------------------------------------------------------------------------
// 4. Limits: each refused as BAD_USER_INPUT, never a 500
// ---------------------------------------------------------------------------------------

/// `{ author(slug: "desk") { articles(first: 1) { edges { node { authors { articles … } } } } } }`
/// with exactly `depth` nested fields, the innermost a scalar (`__typename` does not count
/// toward depth, so it cannot be the leaf).
fn nested_query(depth: usize) -> String {
    // Each step and the scalar its type offers as a leaf (a connection has none).
    const CYCLE: [(&str, &str); 4] = [
        ("articles(first: 1)", ""),
        ("edges", "cursor"),
        ("node", "slug"),
        ("authors", "slug"),
    ];
    // Starting from an article shifts the cycle when the author path would end on a connection.
    for (root, start) in [
        ("author(slug: \"desk\")", 0),
        ("article(slug: \"inside-limits\")", 3),
    ] {
        let mut fields = vec![(root, "slug")];
        while fields.len() + 1 < depth {
            fields.push(CYCLE[(start + fields.len() - 1) % CYCLE.len()]);
        }
        let leaf = fields.last().map_or("slug", |(_, leaf)| *leaf);
        if leaf.is_empty() {
            continue;
        }
        let mut query = leaf.to_owned();
        for (field, _) in fields.iter().rev() {
            query = format!("{field} {{ {query} }}");
        }
        return format!("{{ {query} }}");
    }
    unreachable!("one of the roots ends on an object with a scalar")
}

/// `{ articles(first: 1) { edges { node { a0: slug … } } } }` with `n` aliases.
fn aliased_query(n: usize) -> String {
    let aliases: Vec<String> = (0..n).map(|i| format!("a{i}: slug")).collect();
    format!(
        "{{ articles(first: 1) {{ edges {{ node {{ {} }} }} }} }}",
        aliases.join(" ")
    )
}

/// `{ s0: sections(first: 1) { … } s1: … }` with `n` root fields.
fn root_fields_query(n: usize) -> String {
    let roots: Vec<String> = (0..n)
        .map(|i| format!("s{i}: sections(first: 1) {{ edges {{ node {{ slug }} }} }}"))
        .collect();
    format!("{{ {} }}", roots.join(" "))
}

#[actix_web::test]
async fn a_query_nested_beyond_depth_twelve_is_bad_user_input() {
    let app = sqlite_app().await;
    for depth in [13, 40] {
        let response = query(&app, &nested_query(depth)).await;
        let error = bad_input(&response);
        assert!(message(error).contains("deep"), "depth {depth}: {response}");
        assert!(response["data"].is_null(), "nothing ran: {response}");
    }
}

#[actix_web::test]
async fn a_query_beyond_the_complexity_limit_is_bad_user_input() {
    let app = sqlite_app().await;
    let response = query(
        &app,
        "{ authors(first: 100) { edges { node { articles(first: 100) { edges { node { title } } } } } } }",
    )
    .await;
    let error = bad_input(&response);
    assert!(message(error).contains("complex"), "{response}");
    assert!(response["data"].is_null(), "nothing ran: {response}");
}

#[actix_web::test]
async fn first_above_100_or_below_1_is_bad_user_input_naming_first() {
    let app = sqlite_app().await;
    for first in [101, 0, -1] {
        for list in ["articles", "authors", "tags", "sections"] {
            let response = query(
                &app,
                &format!("{{ {list}(first: {first}) {{ edges {{ cursor }} }} }}"),
            )
            .await;
            let error = bad_input(&response);
            assert_eq!(
                error["extensions"]["argument"], "first",
                "{list}(first: {first}): {response}"
            );
        }
    }
}

#[actix_web::test]
async fn more_than_30_aliases_are_bad_user_input() {
    let app = sqlite_app().await;
    let response = query(&app, &aliased_query(31)).await;
    let error = bad_input(&response);
    assert!(message(error).contains("aliases"), "{response}");
    // Aliases inside fragments count as well.
    let aliases: Vec<String> = (0..31).map(|i| format!("a{i}: slug")).collect();
    let response = query(
        &app,
        &format!(
            "{{ articles(first: 1) {{ edges {{ node {{ ...F }} }} }} }} \
             fragment F on Article {{ {} }}",
            aliases.join(" ")
        ),
    )
    .await;
    let error = bad_input(&response);
    assert!(message(error).contains("aliases"), "{response}");
}

#[actix_web::test]
async fn more_than_20_root_fields_are_bad_user_input() {
    let app = sqlite_app().await;
    let response = query(&app, &root_fields_query(21)).await;
    let error = bad_input(&response);
    assert!(message(error).contains("root fields"), "{response}");
    let plain = format!("{{ {} }}", ["__typename"; 21].join(" "));
    let response = query(&app, &plain).await;
    let error = bad_input(&response);
    assert!(message(error).contains("root fields"), "{response}");
}

#[actix_web::test]
async fn root_fields_inside_a_fragment_count_toward_the_root_field_limit() {
    let app = sqlite_app().await;
    let roots: Vec<String> = (0..25)
        .map(|i| format!("s{i}: sections(first: 1) {{ edges {{ node {{ slug }} }} }}"))
        .collect();
    for document in [
        format!("{{ ... on QueryRoot {{ {} }} }}", roots.join(" ")),
        format!(
            "{{ ...Roots }} fragment Roots on QueryRoot {{ {} }}",
            roots.join(" ")
        ),
    ] {
        let response = query(&app, &document).await;
        let error = bad_input(&response);
        assert!(message(error).contains("root fields"), "{response}");
    }
}

/// `{ articles(first: 1) { edges { node { ...F0 } } } }` where each fragment spreads the
/// next one twice: a small document that expands to 2^levels selections.
fn fragment_bomb(levels: usize) -> String {
    let mut document = String::from("{ articles(first: 1) { edges { node { ...F0 } } } }");
    for i in 0..levels {
        let next = i + 1;
        document.push_str(&format!(
            " fragment F{i} on Article {{ ...F{next} ...F{next} }}"
        ));
    }
    document.push_str(&format!(" fragment F{levels} on Article {{ slug }}"));
    document
}

#[actix_web::test]
async fn a_small_fragment_bomb_is_refused_as_too_complex() {
    let app = sqlite_app().await;
    let response = query(&app, &fragment_bomb(14)).await;
    let error = bad_input(&response);
    assert!(
        message(error).contains("expands to more than"),
        "{response}"
    );
}

#[actix_web::test]
async fn a_fragment_bomb_is_refused_quickly() {
    let app = sqlite_app().await;
    let document = fragment_bomb(26);
    assert!(document.len() < 2 * 1024);
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": document }))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer within 5 s: {e}"));
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    bad_input(&body);
}

#[actix_web::test]
async fn huge_first_arguments_are_refused_without_overflowing_the_complexity_formula() {
    let app = sqlite_app().await;
    let max = i32::MAX;
    let document = format!(
        "{{ authors(first: {max}) {{ edges {{ node {{ articles(first: {max}) {{ edges {{ node {{ \
         authors {{ articles(first: {max}) {{ edges {{ node {{ slug }} }} }} }} }} }} }} }} }} }} }}"
    );
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": document }))
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await;
    let response = response.unwrap_or_else(|e| panic!("no answer at all: {e}"));
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    bad_input(&body);
}

#[actix_web::test]
async fn a_body_over_64_kib_is_refused_with_413() {
    let app = sqlite_app().await;
    let padding = format!("# {}\n", "x".repeat(70 * 1024));
    let (status, body) = post_body(
        &app,
        &json!({ "query": format!("{padding}{{ __typename }}") }),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    bad_input(&body);
    // Just under the limit is fine.
    let padding = format!("# {}\n", "x".repeat(60 * 1024));
    let response = query(&app, &format!("{padding}{{ __typename }}")).await;
    assert_eq!(data(&response)["__typename"], "QueryRoot");
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_refused_with_400() {
    let app = sqlite_app().await;
    // Also JSON that is not one object: an array (serde would read a request from it by
    // position), a batch (not supported), a string, a number.
    for (body, says) in [
        ("{ articles { edges { cursor } } }", "not a graphql request"),
        ("not json at all", "one json object"),
        ("", "empty"),
        ("  \n ", "empty"),
        ("[]", "batched requests"),
        (r#"["{ __typename }"]"#, "batched requests"),
        (r#"[{"query": "{ __typename }"}]"#, "batched requests"),
        (
            r#" [{"query": "{ __typename }"}, {"query": "{ __typename }"}]"#,
            "batched requests",
        ),
        ("\"{ __typename }\"", "one json object"),
        ("42", "one json object"),
        ("null", "one json object"),
        (
            r#"{"query": "{ __typename }"} {"query": "{ __typename }"}"#,
            "not a graphql request",
        ),
    ] {
        let response = app
            .client
            .post(format!("{}/graphql", app.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("POST");
        assert_eq!(response.status().as_u16(), 400, "body {body:?}");
        let answer: Value = response.json().await.expect("a JSON error");
        let error = message(bad_input(&answer));
        assert!(error.contains(says), "body {body:?}: {answer}");
    }
}

#[actix_web::test]
async fn a_syntax_error_is_bad_user_input() {
    let app = sqlite_app().await;
    let response = query(&app, "{ articles(first: 1) { edges { node { slug } }").await;
    bad_input(&response);
    assert!(response["data"].is_null(), "{response}");
}

#[actix_web::test]
async fn an_unknown_field_is_bad_user_input() {
    let app = sqlite_app().await;
    let response = query(&app, "{ articles(first: 1) { edges { node { nope } } } }").await;
    let error = bad_input(&response);
    assert!(message(error).contains("nope"), "{response}");
    let response = query(&app, "{ nope }").await;
    bad_input(&response);
}

on_both_backends!(queries_just_inside_every_limit_are_answered, |app| {
    app.seed_taxonomy().await;
    let now = domain::now();
    app.content
        .create_article(article("inside-limits", now), None)
        .await
        .expect("article");
    for depth in [11, 12] {
        let response = query(&app, &nested_query(depth)).await;
        let found = data(&response);
        assert!(
            !found["author"].is_null() || !found["article"].is_null(),
            "depth {depth}: {found}"
        );
    }
    let response = query(&app, &aliased_query(30)).await;
    let node = &data(&response)["articles"]["edges"][0]["node"];
    assert_eq!(node["a0"], "inside-limits");
    assert_eq!(node["a29"], "inside-limits");
    let response = query(&app, &root_fields_query(20)).await;
    assert_eq!(
        data(&response)["s19"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
    for first in [1, 100] {
        let response = query(
            &app,
            &format!("{{ articles(first: {first}) {{ edges {{ node {{ slug }} }} }} }}"),
        )
        .await;
        assert_eq!(edge_slugs(&data(&response)["articles"]), ["inside-limits"]);
    }
});

// ---------------------------------------------------------------------------------------
// 5. Introspection
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn introspection_answers_by_default() {
    let app = sqlite_app().await;
    let response = query(&app, INTROSPECTION[0]).await;
    assert_eq!(
        data(&response)["__schema"]["queryType"]["name"],
        "QueryRoot"
    );
    let response = query(&app, INTROSPECTION[1]).await;
    assert_eq!(data(&response)["__type"]["name"], "Article");
}

const INTROSPECTION: [&str; 2] = [
    "{ __schema { queryType { name } } }",
    "{ __type(name: \"Article\") { name } }",
];

async fn introspection_turned_off(backend: Backend) {
    let Some(app) = spawn_app_with_introspection(backend, false).await else {
        return;
    };
    for document in INTROSPECTION {
        let response = query(&app, document).await;
        assert!(
            response["data"]["__schema"].is_null() && response["data"]["__type"].is_null(),
            "the schema leaked: {response}"
        );
    }
    // Ordinary queries still answer.
    app.seed_taxonomy().await;
    app.content
        .create_article(article("still-served", domain::now()), None)
        .await
        .expect("article");
    let response = query(&app, "{ articles(first: 5) { edges { node { slug } } } }").await;
    assert_eq!(edge_slugs(&data(&response)["articles"]), ["still-served"]);
    let response = query(&app, "{ __typename }").await;
    assert_eq!(data(&response)["__typename"], "QueryRoot");
}

mod introspection_turned_off_hides_the_schema_while_queries_still_answer {
    use super::*;

    #[actix_web::test]
    async fn sqlite() {
        introspection_turned_off(Backend::Sqlite).await;
    }

    #[actix_web::test]
    async fn postgres() {
        introspection_turned_off(Backend::Postgres).await;
    }
}

#[actix_web::test]
async fn introspection_turned_off_answers_with_an_error() {
    let app = spawn_app_with_introspection(Backend::Sqlite, false)
        .await
        .expect("sqlite app");
    for document in INTROSPECTION {
        let response = query(&app, document).await;
        let error = bad_input(&response);
        assert!(error["message"].is_string(), "{document}: {response}");
    }
}

// ---------------------------------------------------------------------------------------
// 6. Automatic persisted queries
// ---------------------------------------------------------------------------------------

const APQ_QUERY: &str = "{ articles(first: 5) { edges { node { slug } } } }";
/// `printf '%s' "$APQ_QUERY" | sha256sum`
const APQ_HASH: &str = "5761078f8b3940978938bdf1b868e7bb0c54414e38355fde246c1eee0e6ba53b";
/// `aliased_query(31)`, over the alias limit.
const APQ_TOO_MANY_ALIASES: &str = "{ articles(first: 1) { edges { node { a0: slug a1: slug a2: slug a3: slug a4: slug a5: slug a6: slug a7: slug a8: slug a9: slug a10: slug a11: slug a12: slug a13: slug a14: slug a15: slug a16: slug a17: slug a18: slug a19: slug a20: slug a21: slug a22: slug a23: slug a24: slug a25: slug a26: slug a27: slug a28: slug a29: slug a30: slug } } } }";
const APQ_TOO_MANY_ALIASES_HASH: &str =
    "b3fb1930ead54ce08ec16895d1801d061fabf485fd8db04c05e4135034b554df";

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

on_both_backends!(
    a_persisted_query_is_unknown_then_registered_with_its_text_then_run_by_hash_alone,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        for slug in ["apq-one", "apq-two"] {
            app.content
                .create_article(article(slug, now), None)
                .await
                .expect("article");
        }
        assert_eq!(aliased_query(31), APQ_TOO_MANY_ALIASES);
        // Hash alone, never seen.
        let (status, response) =
            post_body(&app, &json!({ "extensions": persisted(APQ_HASH) })).await;
        assert_eq!(status, 200, "{response}");
        let error = bad_input(&response);
        assert_eq!(error["message"], "PersistedQueryNotFound", "{response}");
        // The text with the wrong hash is refused.
        let wrong = "0".repeat(64);
        let (status, response) = post_body(
            &app,
            &json!({ "query": APQ_QUERY, "extensions": persisted(&wrong) }),
        )
        .await;
        assert_eq!(status, 200, "{response}");
        bad_input(&response);
        // Text and hash: runs and registers.
        let (status, registered) = post_body(
            &app,
            &json!({ "query": APQ_QUERY, "extensions": persisted(APQ_HASH) }),
        )
        .await;
        assert_eq!(status, 200, "{registered}");
        let mut slugs = edge_slugs(&data(&registered)["articles"]);
        slugs.sort();
        assert_eq!(slugs, ["apq-one", "apq-two"]);
        // Hash alone, now known.
        let (status, replayed) =
            post_body(&app, &json!({ "extensions": persisted(APQ_HASH) })).await;
        assert_eq!(status, 200, "{replayed}");
        assert_eq!(data(&replayed), data(&registered));
        // And over GET, where a CDN can cache it.
        let extensions = url_encode(&persisted(APQ_HASH).to_string());
        let response = app.get(&format!("/graphql?extensions={extensions}")).await;
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.headers().get("etag").is_some());
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(data(&body), data(&registered));
        // A persisted query meets the same limits as a sent one, by hash too.
        for body in [
            json!({ "query": APQ_TOO_MANY_ALIASES, "extensions": persisted(APQ_TOO_MANY_ALIASES_HASH) }),
            json!({ "extensions": persisted(APQ_TOO_MANY_ALIASES_HASH) }),
        ] {
            let (status, response) = post_body(&app, &body).await;
            assert_eq!(status, 200, "{response}");
            let error = bad_input(&response);
            assert!(message(error).contains("aliases"), "{response}");
        }
    }
);

// ---------------------------------------------------------------------------------------
// 7. Visibility through every path
// ---------------------------------------------------------------------------------------

on_both_backends!(
    drafts_scheduled_and_embargoed_articles_appear_on_no_graphql_path,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let visible = insert_raw(&app.content, "visible", now, move |row| {
            row.status = ArticleStatus::Published.as_str().into();
            row.published_at = Some(now - Duration::hours(2));
            row.embargo_until = None;
        })
        .await;
        let draft = insert_raw(&app.content, "draft", now, move |row| {
            row.status = ArticleStatus::Draft.as_str().into();
            row.published_at = None;
        })
        .await;
        let scheduled = insert_raw(&app.content, "scheduled-later", now, move |row| {
            row.status = ArticleStatus::Scheduled.as_str().into();
            row.published_at = Some(now + Duration::hours(4));
        })
        .await;
        let embargoed = insert_raw(&app.content, "embargoed", now, move |row| {
            row.status = ArticleStatus::Published.as_str().into();
            row.published_at = Some(now - Duration::hours(5));
            row.embargo_until = Some(now + Duration::hours(2));
        })
        .await;
        let hidden = [
            ("draft", draft),
            ("scheduled-later", scheduled),
            ("embargoed", embargoed),
        ];

        // Lists, in every order and through every filter.
        for (sort, _) in SORTS {
            for filter in [
                json!({}),
                json!({ "section": "news" }),
                json!({ "tags": ["eu"] }),
                json!({ "author": "desk" }),
                json!({ "language": "en" }),
                json!({ "publishedAfter": "2000-01-01T00:00:00Z" }),
                json!({ "updatedSince": "2000-01-01T00:00:00Z" }),
            ] {
                let page = articles_page(&app, &filter, sort, 100, None).await;
                assert_eq!(edge_slugs(&page), ["visible"], "{sort} {filter}");
            }
        }

        // One article by slug, by REST id, by global id, and node(id:).
        let one = "query One($slug: String, $id: ID) { article(slug: $slug, id: $id) { slug } }";
        let node = "query Node($id: ID!) { node(id: $id) { id ... on Article { slug } } }";
        for (slug, id, shown) in hidden
            .iter()
            .map(|(slug, id)| (*slug, id.as_str(), false))
            .chain([("visible", visible.as_str(), true)])
        {
            let global = global_id("Article", id);
            let expected = if shown {
                json!({ "slug": slug })
            } else {
                Value::Null
            };
            let by_slug = graphql(&app, one, json!({ "slug": slug })).await;
            assert_eq!(data(&by_slug)["article"], expected, "{slug} by slug");
            let by_uuid = graphql(&app, one, json!({ "id": id })).await;
            assert_eq!(data(&by_uuid)["article"], expected, "{slug} by UUID");
            let by_global = graphql(&app, one, json!({ "id": global })).await;
            assert_eq!(data(&by_global)["article"], expected, "{slug} by global id");
            let by_node = graphql(&app, node, json!({ "id": global })).await;
            let found = &data(&by_node)["node"];
            if shown {
                assert_eq!(found["slug"], slug);
                assert_eq!(found["id"], global);
            } else {
                assert!(found.is_null(), "{slug} through node(id:): {found}");
            }
        }

        // Nested lists and counts, looked up one by one and listed.
        // Small pages keep the three nested lists below the complexity limit.
        let counted = "articleCount articles(first: 10) { edges { node { slug } } }";
        let nested = format!("{{ {counted} }}");
        let singles = query(
            &app,
            &format!(
                "{{ author(slug: \"desk\") {nested} tag(slug: \"eu\") {nested} \
                 section(slug: \"news\") {nested} }}"
            ),
        )
        .await;
        for owner in ["author", "tag", "section"] {
            let found = &data(&singles)[owner];
            assert_eq!(found["articleCount"], 1, "{owner}: {found}");
            assert_eq!(edge_slugs(&found["articles"]), ["visible"], "{owner}");
        }
        let lists = query(
            &app,
            &format!(
                "{{ authors(first: 10) {{ edges {{ node {{ slug {counted} }} }} }} \
                 tags(first: 10) {{ edges {{ node {{ slug {counted} }} }} }} \
                 sections(first: 10) {{ edges {{ node {{ slug {counted} }} }} }} }}"
            ),
        )
        .await;
        for (list, owner) in [("authors", "desk"), ("tags", "eu"), ("sections", "news")] {
            let found = data(&lists)[list]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| &e["node"])
                .find(|n| n["slug"] == owner)
                .unwrap_or_else(|| panic!("{owner} is listed"))
                .clone();
            assert_eq!(found["articleCount"], 1, "{list} {owner}: {found}");
            assert_eq!(
                edge_slugs(&found["articles"]),
                ["visible"],
                "{list} {owner}"
            );
        }
        // The same through node(id:) of the author, tag and section.
        for (owner, field) in [("author", "desk"), ("tag", "eu"), ("section", "news")] {
            let lookup = query(&app, &format!("{{ {owner}(slug: \"{field}\") {{ id }} }}")).await;
            let id = data(&lookup)[owner]["id"].as_str().expect("id").to_owned();
            let kind = match owner {
                "author" => "Author",
                "tag" => "Tag",
                _ => "Section",
            };
            let response = graphql(
                &app,
                &format!("query Node($id: ID!) {{ node(id: $id) {{ ... on {kind} {nested} }} }}"),
                json!({ "id": id }),
            )
            .await;
            let found = &data(&response)["node"];
            assert_eq!(found["articleCount"], 1, "{owner} via node: {found}");
            assert_eq!(
                edge_slugs(&found["articles"]),
                ["visible"],
                "{owner} via node"
            );
        }
    }
);

// ---------------------------------------------------------------------------------------
// 8. Errors
// ---------------------------------------------------------------------------------------

on_both_backends!(a_missing_article_or_node_is_null_without_errors, |app| {
    app.seed_taxonomy().await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let response = query(
        &app,
        &format!(
            "{{ bySlug: article(slug: \"nope\") {{ slug }} \
             byUuid: article(id: \"{unknown}\") {{ slug }} \
             byGlobal: article(id: \"{global}\") {{ slug }} \
             node(id: \"{global}\") {{ id }} \
             author(slug: \"nobody\") {{ slug }} \
             tag(slug: \"nothing\") {{ slug }} \
             section(slug: \"nowhere\") {{ slug }} }}",
            global = global_id("Article", &unknown)
        ),
    )
    .await;
    assert!(
        response.get("errors").is_none(),
        "a missing item is no error: {response}"
    );
    for field in [
        "bySlug", "byUuid", "byGlobal", "node", "author", "tag", "section",
    ] {
        assert!(response["data"][field].is_null(), "{field}: {response}");
    }
});

#[actix_web::test]
async fn malformed_arguments_are_bad_user_input_naming_the_argument() {
    let app = sqlite_app().await;
    let list =
        "query List($filter: ArticleFilter) { articles(filter: $filter) { edges { cursor } } }";
    for (filter, argument) in [
        (json!({ "section": "Not A Slug" }), "filter.section"),
        (json!({ "tags": ["eu", "Not A Slug"] }), "filter.tags"),
        (json!({ "author": "Not A Slug" }), "filter.author"),
        (json!({ "language": "not a language" }), "filter.language"),
    ] {
        let response = graphql(&app, list, json!({ "filter": filter })).await;
        let error = bad_input(&response);
        assert_eq!(error["extensions"]["argument"], argument, "{response}");
    }
    // Not a date at all: refused by the scalar before any resolver.
    let response = graphql(
        &app,
        list,
        json!({ "filter": { "publishedAfter": "yesterday" } }),
    )
    .await;
    bad_input(&response);
    let uuid = uuid::Uuid::now_v7().to_string();
    for (document, argument) in [
        ("{ node(id: \"garbage\") { id } }".to_owned(), Some("id")),
        (
            format!(
                "{{ node(id: \"{}\") {{ id }} }}",
                global_id("Widget", &uuid)
            ),
            Some("id"),
        ),
        (
            format!(
                "{{ node(id: \"{}\") {{ id }} }}",
                global_id("Article", "not-a-uuid")
            ),
            Some("id"),
        ),
        (
            format!(
                "{{ article(id: \"{}\") {{ slug }} }}",
                global_id("Author", &uuid)
            ),
            Some("id"),
        ),
        (
            format!("{{ article(slug: \"a\", id: \"{uuid}\") {{ slug }} }}"),
            None,
        ),
        ("{ article { slug } }".to_owned(), None),
    ] {
        let response = query(&app, &document).await;
        let error = bad_input(&response);
        if let Some(argument) = argument {
            assert_eq!(
                error["extensions"]["argument"], argument,
                "{document}: {response}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 9. GET /graphql: caching and GraphiQL
// ---------------------------------------------------------------------------------------

on_both_backends!(
    get_graphql_answers_with_etag_and_cache_control_and_304_when_unchanged,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        app.content
            .create_article(article("cached-one", now), None)
            .await
            .expect("article");
        let path = format!("/graphql?query={}", url_encode(APQ_QUERY));
        let response = app.get(&path).await;
        assert_eq!(response.status().as_u16(), 200);
        let etag = response
            .headers()
            .get("etag")
            .expect("an ETag")
            .to_str()
            .expect("ASCII")
            .to_owned();
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some(DEFAULT_CACHE_CONTROL)
        );
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(edge_slugs(&data(&body)["articles"]), ["cached-one"]);

        let again = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(again.status().as_u16(), 304);
        assert_eq!(
            again.headers().get("etag").and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
        assert!(again.bytes().await.expect("body").is_empty());

        // New content, new ETag: the old one no longer matches.
        app.content
            .create_article(article("cached-two", now), None)
            .await
            .expect("article");
        let changed = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("GET");
        assert_eq!(changed.status().as_u16(), 200);
        assert_ne!(
            changed.headers().get("etag").and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );

        // Variables travel in the query string too.
        let with_variables = format!(
            "/graphql?query={}&variables={}",
            url_encode("query One($slug: String) { article(slug: $slug) { slug } }"),
            url_encode(&json!({ "slug": "cached-two" }).to_string())
        );
        let body = app.get_json(&with_variables, 200).await;
        assert_eq!(data(&body)["article"]["slug"], "cached-two");

        // An answer with errors is not for caches.
        let response = app
            .get(&format!("/graphql?query={}", url_encode("{ nope }")))
            .await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response
                .headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        let body: Value = response.json().await.expect("JSON");
        bad_input(&body);
    }
);

#[actix_web::test]
async fn get_graphql_from_a_browser_without_a_query_is_graphiql() {
    let app = sqlite_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.base))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status().as_u16(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.expect("HTML");
    assert!(page.to_lowercase().contains("graphiql"), "{page}");
    assert!(page.contains("/graphql"), "the page points at the endpoint");
}

#[actix_web::test]
async fn get_graphql_with_several_operations_runs_the_one_named_by_post() {
    let app = sqlite_app().await;
    let document = "query A { a: __typename } query B { b: __typename }";
    let (status, response) =
        post_body(&app, &json!({ "query": document, "operationName": "B" })).await;
    assert_eq!(status, 200);
    assert_eq!(data(&response), &json!({ "b": "QueryRoot" }));
}

#[actix_web::test]
async fn get_graphql_runs_the_operation_named_by_operation_name() {
    let app = sqlite_app().await;
    let document = "query A { a: __typename } query B { b: __typename }";
    let body = app
        .get_json(
            &format!("/graphql?query={}&operationName=B", url_encode(document)),
            200,
        )
        .await;
    assert_eq!(data(&body), &json!({ "b": "QueryRoot" }));
}

/// graphql-js 16's `getIntrospectionQuery({ descriptions, specifiedByUrl, directiveIsRepeatable,
/// schemaDescription, inputValueDeprecation })`, as GraphiQL and codegen tools send it.
const STANDARD_INTROSPECTION: &str = include_str!("queries/introspection-graphql-js-16.graphql");

/// Every named type `schema/schema.graphql` defines.
fn sdl_type_names() -> std::collections::BTreeSet<String> {
    let sdl = include_str!("../../schema/schema.graphql");
    sdl.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            match words.next()? {
                "type" | "input" | "enum" | "scalar" | "union" | "interface" => words
                    .next()
                    .map(|name| name.trim_end_matches('{').to_owned()),
                _ => None,
            }
        })
        .collect()
}

#[actix_web::test]
async fn the_standard_introspection_queries_pass_the_limits() {
    let app = sqlite_app().await;
    // With and without `inputValueDeprecation` (graphql-js's option; graphql-core sends the
    // shorter form).
    let without_input_deprecation = STANDARD_INTROSPECTION
        .replace("args(includeDeprecated: true)", "args")
        .replace("inputFields(includeDeprecated: true)", "inputFields")
        .replace(
            "  defaultValue\n  isDeprecated\n  deprecationReason\n",
            "  defaultValue\n",
        );
    for text in [STANDARD_INTROSPECTION.to_owned(), without_input_deprecation] {
        let response = query(&app, &text).await;
        let schema = &data(&response)["__schema"];
        assert_eq!(schema["queryType"]["name"], "QueryRoot");
        let served: std::collections::BTreeSet<String> = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        let missing: Vec<_> = sdl_type_names().difference(&served).cloned().collect();
        assert!(
            missing.is_empty(),
            "types of schema.graphql not introspected: {missing:?}"
        );
    }
    // Counting introspection on its own opens no way round the depth limit for content.
    let response = query(
        &app,
        &format!(
            "{{ __typename {} }}",
            &nested_query(13)[1..nested_query(13).len() - 1]
        ),
    )
    .await;
    assert!(message(bad_input(&response)).contains("deep"), "{response}");
}

/// The introspection queries GraphQL tools send, committed under `queries/` exactly as the
/// tools print them (graphql 16.15.0 from npm, graphql-core 3.2.8 from PyPI).
const CLIENT_INTROSPECTION: [(&str, &str); 6] = [
    // GraphiQL 4 (`@graphiql/react` 0.32), as Byline's own GraphiQL page sends it:
    // `getIntrospectionQuery({ inputValueDeprecation, schemaDescription })` with both props unset.
    (
        "GraphiQL 4",
        include_str!("queries/introspection-graphiql-4.graphql"),
    ),
    // GraphiQL 4 with its `inputValueDeprecation` and `schemaDescription` props set.
    (
        "GraphiQL 4, every prop",
        include_str!("queries/introspection-graphiql-4-all-options.graphql"),
    ),
    // graphql-js 16.15 `getIntrospectionQuery` with every option (Apollo, graphql-codegen).
    (
        "graphql-js 16, every option",
        include_str!("queries/introspection-graphql-js-16-all-options.graphql"),
    ),
    (
        "graphql-js 16 (earlier text)",
        include_str!("queries/introspection-graphql-js-16.graphql"),
    ),
    // graphql-core 3.2 `get_introspection_query()`, and with every option.
    (
        "graphql-core 3",
        include_str!("queries/introspection-graphql-core-3.graphql"),
    ),
    (
        "graphql-core 3, every option",
        include_str!("queries/introspection-graphql-core-3-all-options.graphql"),
    ),
];

#[actix_web::test]
async fn the_introspection_queries_of_graphiql_graphql_js_and_graphql_core_pass() {
    let app = sqlite_app().await;
    let mut queries: Vec<(String, String)> = CLIENT_INTROSPECTION
        .iter()
        .map(|(client, text)| ((*client).to_owned(), (*text).to_owned()))
        .collect();
    // GraphiQL retries without `subscriptionType` when the first answer fails.
    queries.push((
        "GraphiQL 4, without subscriptions".to_owned(),
        CLIENT_INTROSPECTION[0]
            .1
            .replace("subscriptionType { name }", ""),
    ));
    for (client, text) in queries {
        // Sent as the tools send it, with the operation's name.
        let (status, response) = post_body(
            &app,
            &json!({ "query": text, "operationName": "IntrospectionQuery", "variables": {} }),
        )
        .await;
        assert_eq!(status, 200, "{client}: {response}");
        assert!(response.get("errors").is_none(), "{client}: {response}");
        let schema = &response["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "QueryRoot", "{client}");
        assert_eq!(schema["mutationType"]["name"], "MutationRoot", "{client}");
        let served: std::collections::BTreeSet<String> = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_owned))
            .collect();
        let missing: Vec<_> = sdl_type_names().difference(&served).cloned().collect();
        assert!(
            missing.is_empty(),
            "{client}: not introspected: {missing:?}"
        );
    }
}

#[actix_web::test]
async fn ordinary_fields_nested_inside_introspection_count_toward_the_depth_limit() {
    let app = sqlite_app().await;
    // `__schema types` and eleven content fields: thirteen on the path.
    let inner = nested_query(11);
    let hidden = format!(
        "{{ __schema {{ types {{ {} }} }} }}",
        &inner[1..inner.len() - 1]
    );
    let response = query(&app, &hidden).await;
    let error = bad_input(&response);
    assert!(message(error).contains("deep"), "{response}");
    assert!(response["data"].is_null(), "nothing ran: {response}");
    // The same through fragments on the introspection types.
    let through_fragments = format!(
        "{{ __type(name: \"Article\") {{ ...T }} }} \
         fragment T on __Type {{ fields {{ ...F }} }} \
         fragment F on __Field {{ {} }}",
        &inner[1..inner.len() - 1]
    );
    let response = query(&app, &through_fragments).await;
    assert!(message(bad_input(&response)).contains("deep"), "{response}");
    // Shallow, it is refused as what it is: a field the introspection types do not have.
    let response = query(&app, "{ __schema { types { articles { totalCount } } } }").await;
    bad_input(&response);
    assert!(response["data"].is_null(), "nothing ran: {response}");
    // A deep ordinary query beside introspection is refused too.
    let response = query(
        &app,
        &format!(
            "{{ __schema {{ queryType {{ name }} }} {} }}",
            &nested_query(13)[1..nested_query(13).len() - 1]
        ),
    )
    .await;
    assert!(message(bad_input(&response)).contains("deep"), "{response}");
}

// ---------------------------------------------------------------------------------------
// Mutations name the version they change
// ---------------------------------------------------------------------------------------

/// POSTs a mutation with an editor's key; the JSON answer.
async fn mutate(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(key)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("POST /graphql");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("JSON")
}

#[actix_web::test]
async fn article_mutations_need_the_version_they_change() {
    let app = sqlite_app().await;
    app.seed_taxonomy().await;
    let (_, editor) = app
        .content
        .create_key("desk".into(), byline::auth::Role::Editor)
        .await
        .expect("key");
    let created = app
        .content
        .create_article(article("gql-versioned", domain::now()), None)
        .await
        .expect("article");
    let id = global_id("Article", &created.id);

    // Without `version` the document does not validate: the argument is `Int!`.
    for without in [
        "mutation($id: ID!) { unpublishArticle(id: $id) { version } }",
        "mutation($id: ID!) { deleteArticle(id: $id) }",
        "mutation($id: ID!) { addCorrection(id: $id, note: \"x\") { version } }",
        "mutation($id: ID!) { restoreRevision(id: $id, revision: 1) { version } }",
    ] {
        let answer = mutate(&app, &editor, without, json!({ "id": id })).await;
        let error = &answer["errors"][0];
        assert!(message(error).contains("version"), "{without}: {answer}");
        assert!(answer["data"].is_null(), "{without}: {answer}");
    }
    let unpublish = "mutation($id: ID!, $v: Int!) { unpublishArticle(id: $id, version: $v) { version status } }";
    let stale = mutate(
        &app,
        &editor,
        unpublish,
        json!({ "id": id, "v": created.version + 3 }),
    )
    .await;
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "CONFLICT",
        "{stale}"
    );
    let saved = mutate(
        &app,
        &editor,
        unpublish,
        json!({ "id": id, "v": created.version }),
    )
    .await;
    assert!(saved["errors"].is_null(), "{saved}");
    assert_eq!(
        saved["data"]["unpublishArticle"]["version"],
        created.version + 1
    );
    let delete = "mutation($id: ID!, $v: Int!) { deleteArticle(id: $id, version: $v) }";
    let stale = mutate(
        &app,
        &editor,
        delete,
        json!({ "id": id, "v": created.version }),
    )
    .await;
    assert_eq!(
        stale["errors"][0]["extensions"]["code"], "CONFLICT",
        "{stale}"
    );
    let deleted = mutate(
        &app,
        &editor,
        delete,
        json!({ "id": id, "v": created.version + 1 }),
    )
    .await;
    assert_eq!(deleted["data"]["deleteArticle"], true, "{deleted}");
}

on_both_backends!(
    graphql_pages_read_bodies_when_asked_for_however_the_query_names_them,
    |app| {
        // A page whose nodes do not ask for a body is read without the body columns; a body
        // asked for directly, by alias, through a fragment or an inline fragment is there.
        byline::seed::demo::load(&app.content)
            .await
            .expect("demo loads");
        let rest = app.get_json("/v1/articles?limit=5", 200).await;
        let bodies: Vec<&str> = rest["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| a["body_html"].as_str().expect("body"))
            .collect();
        for q in [
            "{ articles(first: 5) { edges { node { slug bodyHtml } } } }",
            "{ articles(first: 5) { edges { node { slug b: bodyHtml } } } }",
            "fragment F on Article { bodyHtml } { articles(first: 5) { edges { node { slug ...F } } } }",
            "{ articles(first: 5) { edges { node { slug ... on Article { bodyHtml } } } } }",
        ] {
            let response = query(&app, q).await;
            let edges = data(&response)["articles"]["edges"]
                .as_array()
                .expect("edges")
                .clone();
            assert_eq!(edges.len(), 5, "{q}");
            for (edge, body) in edges.iter().zip(&bodies) {
                let node = &edge["node"];
                let got = node.get("bodyHtml").or(node.get("b")).expect("a body");
                assert_eq!(got, body, "{q}");
            }
        }
        let response = query(
            &app,
            "{ search(query: \"budget\", first: 3) { edges { node { article { slug bodyText } } } } }",
        )
        .await;
        let edges = data(&response)["search"]["edges"]
            .as_array()
            .expect("edges");
        assert!(!edges.is_empty());
        for edge in edges {
            assert!(
                !edge["node"]["article"]["bodyText"]
                    .as_str()
                    .expect("body")
                    .is_empty()
            );
        }
        let response = query(
            &app,
            "{ authors(first: 3) { edges { node { articles(first: 2) { edges { node { bodyText } } } } } } }",
        )
        .await;
        let text = data(&response).to_string();
        assert!(!text.contains("\"bodyText\":\"\""), "{text}");
        assert!(text.contains("bodyText"));
    }
);
