//! Full-text search on both databases: relevance order on a small hand-made corpus, phrases,
//! exclusion and `or`, snippets, filters with `q`, pages over relevance, the visibility rule,
//! bad queries, the index following edits, and GraphQL answering as REST does.

use byline::{
    db::schema::{article_authors, article_tags, articles, authors, tags},
    domain::{self, article::ArticleStatus},
    service::{audience::Audience, editorial::NewArticle},
};
use chrono::{Duration, NaiveDateTime};
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, article},
    on_both_backends,
    visibility::insert_raw,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// `q` (or any value) for a query string.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What an article of the corpus says and where it sits.
struct Story {
    slug: &'static str,
    title: &'static str,
    standfirst: &'static str,
    body: &'static str,
    hours_ago: i64,
    section: &'static str,
    authors: &'static [&'static str],
    tags: &'static [&'static str],
    language: &'static str,
}

const STORY: Story = Story {
    slug: "",
    title: "",
    standfirst: "A standfirst.",
    body: "",
    hours_ago: 1,
    section: "news",
    authors: &["desk"],
    tags: &["eu"],
    language: "en",
};

/// The hand-made corpus the ranking tests search.
const CORPUS: &[Story] = &[
    Story {
        slug: "fisheries-in-title",
        title: "Fisheries quota deal reached",
        standfirst: "Ministers agreed on catch limits.",
        body: "The agreement covers the North Sea and the Baltic.",
        hours_ago: 5,
        ..STORY
    },
    Story {
        slug: "fisheries-in-standfirst",
        title: "Coastal regions seek support",
        standfirst: "Fisheries communities want more funds.",
        body: "Regional leaders wrote to the commission.",
        hours_ago: 3,
        section: "economy",
        ..STORY
    },
    Story {
        slug: "fisheries-in-body",
        title: "Late-night talks end in Brussels",
        standfirst: "Negotiators met until dawn.",
        body: "The talks also touched on fisheries policy.",
        hours_ago: 1,
        authors: &["reporter"],
        ..STORY
    },
    Story {
        slug: "fisheries-and-norway",
        title: "Fisheries talks with Norway stall",
        standfirst: "No date was set for the next round.",
        body: "Oslo wants a larger share of mackerel.",
        hours_ago: 6,
        tags: &["eu", "budget"],
        ..STORY
    },
    Story {
        slug: "grid-phrase",
        title: "Parliament backs reform",
        standfirst: "A large majority voted in favour.",
        body: "Members approved the energy grid reform package.",
        hours_ago: 2,
        ..STORY
    },
    Story {
        slug: "grid-scattered",
        title: "Operators warn of delays",
        standfirst: "Connections take years.",
        body: "The energy ministers discussed the grid and a reform of tariffs.",
        hours_ago: 4,
        ..STORY
    },
    Story {
        slug: "hydrogen",
        title: "Hydrogen valleys funded",
        standfirst: "Twelve regions were chosen.",
        body: "The money comes from the innovation fund.",
        hours_ago: 7,
        ..STORY
    },
    Story {
        slug: "ammonia",
        title: "Ammonia imports rise",
        standfirst: "Fertiliser makers cut output.",
        body: "Prices doubled within a year.",
        hours_ago: 8,
        ..STORY
    },
    Story {
        slug: "peche-fr",
        title: "Les négociations sur la pêche avancent",
        standfirst: "Les ministres se sont réunis.",
        body: "Les quotas et les fisheries étaient au menu.",
        hours_ago: 9,
        language: "fr",
        ..STORY
    },
    Story {
        slug: "twin-older",
        title: "Zeppelin hangar reopens",
        standfirst: "Visitors return.",
        body: "The hangar was closed for repairs.",
        hours_ago: 12,
        ..STORY
    },
    Story {
        slug: "twin-newer",
        title: "Zeppelin hangar reopens",
        standfirst: "Visitors return.",
        body: "The hangar was closed for repairs.",
        hours_ago: 11,
        ..STORY
    },
];

fn new_article(story: &Story, now: NaiveDateTime) -> NewArticle {
    NewArticle {
        title: story.title.into(),
        standfirst: Some(story.standfirst.into()),
        body: story.body.into(),
        section: Some(story.section.into()),
        authors: story.authors.iter().map(|s| (*s).to_owned()).collect(),
        tags: story.tags.iter().map(|s| (*s).to_owned()).collect(),
        published_at: Some(now - Duration::hours(story.hours_ago)),
        language: story.language.into(),
        ..article(story.slug, now)
    }
}

async fn publish(app: &TestApp, stories: &[Story]) {
    let now = domain::now();
    for story in stories {
        app.content
            .create_article(new_article(story, now), None)
            .await
            .expect("create article");
    }
}

async fn seed_corpus(app: &TestApp) {
    app.seed_taxonomy().await;
    publish(app, CORPUS).await;
}

/// Slugs of a `/v1/search` answer, in order.
async fn search(app: &TestApp, q: &str, rest: &str) -> Vec<String> {
    app.slugs(&format!("/v1/search?q={}{rest}", encode(q)))
        .await
}

async fn graphql(app: &TestApp, query: &str, variables: Value) -> Value {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.expect("json")
}

const GRAPHQL_SEARCH: &str = "query($q: String!, $filter: ArticleFilter, $sort: SearchSort = RELEVANCE, $first: Int, $after: String) {
  search(query: $q, filter: $filter, sort: $sort, first: $first, after: $after) {
    edges { cursor node { snippet article { slug title authors { slug } } } }
    pageInfo { hasNextPage endCursor }
  }
}";

/// `(slug, snippet)` of every result GraphQL finds, walking pages of `first`.
async fn graphql_walk(app: &TestApp, q: &str, sort: &str, first: usize) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = graphql(
            app,
            GRAPHQL_SEARCH,
            json!({ "q": q, "sort": sort, "first": first, "after": after }),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        let search = &body["data"]["search"];
        for edge in search["edges"].as_array().expect("edges") {
            found.push((
                edge["node"]["article"]["slug"]
                    .as_str()
                    .expect("slug")
                    .to_owned(),
                edge["node"]["snippet"]
                    .as_str()
                    .expect("snippet")
                    .to_owned(),
            ));
        }
        if search["pageInfo"]["hasNextPage"] != json!(true) {
            return found;
        }
        after = search["pageInfo"]["endCursor"].clone();
        assert!(found.len() <= 200, "the walk does not end");
    }
}

/// `(slug, snippet)` of every result REST finds, walking pages of `limit`.
async fn rest_walk(app: &TestApp, path: &str, limit: usize) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut cursor = String::new();
    loop {
        let body = app
            .get_json(&format!("{path}&limit={limit}{cursor}"), 200)
            .await;
        for item in body["data"].as_array().expect("data") {
            found.push((
                item["slug"].as_str().expect("slug").to_owned(),
                item["snippet"].as_str().expect("snippet").to_owned(),
            ));
        }
        match body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return found,
        }
        assert!(found.len() <= 200, "the walk does not end");
    }
}

fn position(slugs: &[String], slug: &str) -> usize {
    slugs
        .iter()
        .position(|s| s == slug)
        .unwrap_or_else(|| panic!("{slug} is not in {slugs:?}"))
}

// ---------------------------------------------------------------------------------------
// Relevance, phrases, exclusion, `or`
// ---------------------------------------------------------------------------------------

on_both_backends!(title_beats_standfirst_beats_body, |app| {
    seed_corpus(&app).await;
    let found = search(&app, "fisheries", "").await;
    assert_eq!(found.len(), 5, "{found:?}");
    for title in ["fisheries-in-title", "fisheries-and-norway"] {
        assert!(
            position(&found, title) < position(&found, "fisheries-in-standfirst"),
            "{found:?}"
        );
    }
    // The body match is the newest story, yet it ranks below the title and standfirst matches.
    assert!(
        position(&found, "fisheries-in-standfirst") < position(&found, "fisheries-in-body"),
        "{found:?}"
    );
    assert!(found.iter().any(|s| s == "peche-fr"));
});

on_both_backends!(equal_matches_come_newest_first, |app| {
    seed_corpus(&app).await;
    assert_eq!(
        search(&app, "zeppelin hangar", "").await,
        ["twin-newer", "twin-older"]
    );
});

on_both_backends!(phrases_need_the_words_together, |app| {
    seed_corpus(&app).await;
    assert_eq!(search(&app, "\"energy grid\"", "").await, ["grid-phrase"]);
    let mut both = search(&app, "energy grid", "").await;
    both.sort();
    assert_eq!(both, ["grid-phrase", "grid-scattered"]);
    // An unbalanced quote closes at the end, as websearch_to_tsquery reads it.
    assert_eq!(search(&app, "\"grid reform", "").await, ["grid-phrase"]);
});

on_both_backends!(a_leading_minus_excludes, |app| {
    seed_corpus(&app).await;
    let found = search(&app, "fisheries -norway", "").await;
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(!found.iter().any(|s| s == "fisheries-and-norway"));
    let found = search(&app, "energy -\"grid reform\"", "").await;
    assert_eq!(found, ["grid-scattered"]);
});

on_both_backends!(or_finds_either, |app| {
    seed_corpus(&app).await;
    let mut either = search(&app, "hydrogen or ammonia", "").await;
    either.sort();
    assert_eq!(either, ["ammonia", "hydrogen"]);
    assert_eq!(
        search(&app, "hydrogen OR \"ammonia imports\"", "")
            .await
            .len(),
        2
    );
    assert!(search(&app, "hydrogen ammonia", "").await.is_empty());
});

on_both_backends!(words_match_in_any_form_and_in_names, |app| {
    seed_corpus(&app).await;
    // Stemming: a plural finds the singular.
    assert_eq!(search(&app, "reforms", "&limit=100").await.len(), 2);
    // French, stemmed on both sides.
    assert_eq!(search(&app, "négociation", "").await, ["peche-fr"]);
    // Tag names (`BUDGET`) and author names (`Ilse Verhoeven`).
    assert_eq!(search(&app, "budget", "").await, ["fisheries-and-norway"]);
    assert_eq!(search(&app, "verhoeven", "").await, ["fisheries-in-body"]);
    // Only stop words: nothing to look for, nothing found.
    assert!(search(&app, "the", "").await.is_empty());
});

// ---------------------------------------------------------------------------------------
// Snippets
// ---------------------------------------------------------------------------------------

on_both_backends!(snippets_mark_matches_and_are_html_safe, |app| {
    seed_corpus(&app).await;
    let now = domain::now();
    insert_raw(&app.content, "hostile-text", now, |row| {
        row.title = "Quotas".into();
        row.body_text =
            "Tom & Jerry <script>alert('pwned')</script> discussed krill \"quotas\" <b>again</b>."
                .into();
    })
    .await;
    let body = app.get_json("/v1/search?q=krill&fields=slug", 200).await;
    let snippet = body["data"][0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<mark>krill</mark>"), "{snippet}");
    assert!(!snippet.contains("<script"), "{snippet}");
    let without_marks = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<') && !without_marks.contains('>'),
        "{snippet}"
    );
    // Every `&` starts an entity.
    for (i, _) in snippet.match_indices('&') {
        let rest = &snippet[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "{snippet}"
        );
    }
    // `fields` leaves the snippet in.
    assert_eq!(
        body["data"][0].as_object().expect("object").len(),
        2,
        "{body}"
    );
    // Every result of a body match shows the match.
    let body = app.get_json("/v1/search?q=fisheries", 200).await;
    for item in body["data"].as_array().expect("data") {
        let snippet = item["snippet"].as_str().expect("snippet");
        assert!(
            snippet.to_lowercase().contains("<mark>fisheries</mark>"),
            "{}: {snippet}",
            item["slug"]
        );
    }
});

// ---------------------------------------------------------------------------------------
// Filters, orders, /v1/articles?q=
// ---------------------------------------------------------------------------------------

on_both_backends!(filters_combine_with_q, |app| {
    seed_corpus(&app).await;
    for (filter, expected) in [
        ("&section=economy", vec!["fisheries-in-standfirst"]),
        ("&author=reporter", vec!["fisheries-in-body"]),
        ("&tag=budget", vec!["fisheries-and-norway"]),
        ("&tag=eu,budget&tag_mode=all", vec!["fisheries-and-norway"]),
        ("&lang=fr", vec!["peche-fr"]),
        ("&section=economy&author=reporter", vec![]),
    ] {
        assert_eq!(
            search(&app, "fisheries", filter).await,
            expected,
            "{filter}"
        );
        assert_eq!(
            app.slugs(&format!("/v1/articles?q=fisheries{filter}"))
                .await,
            expected,
            "/v1/articles {filter}"
        );
    }
    let now = domain::now();
    let after = (now - Duration::minutes(210)).and_utc().to_rfc3339();
    let mut recent = search(
        &app,
        "fisheries",
        &format!("&published_after={}", encode(&after)),
    )
    .await;
    recent.sort();
    assert_eq!(recent, ["fisheries-in-body", "fisheries-in-standfirst"]);
});

on_both_backends!(articles_with_q_and_date_sorts_come_in_date_order, |app| {
    seed_corpus(&app).await;
    let newest_first = [
        "fisheries-in-body",
        "fisheries-in-standfirst",
        "fisheries-in-title",
        "fisheries-and-norway",
        "peche-fr",
    ];
    assert_eq!(app.slugs("/v1/articles?q=fisheries").await, newest_first);
    assert_eq!(
        search(&app, "fisheries", "&sort=-published_at").await,
        newest_first
    );
    let mut oldest_first = newest_first.to_vec();
    oldest_first.reverse();
    assert_eq!(
        app.slugs("/v1/articles?q=fisheries&sort=published_at")
            .await,
        oldest_first
    );
    let body = app.get_json("/v1/articles?q=fisheries&limit=1", 200).await;
    assert!(body["data"][0]["snippet"].is_string(), "{body}");
    // Relevance is /v1/search's order; /v1/articles keeps its own sorts.
    assert_eq!(
        app.get("/v1/articles?q=fisheries&sort=relevance")
            .await
            .status()
            .as_u16(),
        400
    );
    assert_eq!(
        app.get("/v1/search?q=fisheries&sort=rank")
            .await
            .status()
            .as_u16(),
        400
    );
});

on_both_backends!(search_pages_carry_caching_headers, |app| {
    seed_corpus(&app).await;
    let response = app.get("/v1/search?q=fisheries").await;
    assert_eq!(response.status().as_u16(), 200);
    let etag = response
        .headers()
        .get("etag")
        .expect("etag")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(response.headers().get("cache-control").is_some());
    assert!(
        response
            .headers()
            .get("surrogate-key")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|keys| keys.contains("articles"))
    );
    let again = app
        .client
        .get(format!("{}/v1/search?q=fisheries", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("request");
    assert_eq!(again.status().as_u16(), 304);
});

// ---------------------------------------------------------------------------------------
// Pages over relevance
// ---------------------------------------------------------------------------------------

/// Twelve harbour stories: three strengths of match, two publication times, so that every
/// (score, time) pair is shared by two stories and only the id tells them apart.
async fn seed_harbour(app: &TestApp) {
    app.seed_taxonomy().await;
    let now = domain::now();
    let published = [now - Duration::hours(2), now - Duration::hours(5)];
    for i in 0..12 {
        let body = match i % 3 {
            0 => "The harbour opened.",
            1 => "The harbour opened. The harbour master spoke of the harbour fees.",
            _ => "Ships waited outside while the harbour pilots were on strike.",
        };
        let new = NewArticle {
            title: "Port news".into(),
            standfirst: Some("Shipping update.".into()),
            body: body.into(),
            published_at: Some(published[i % 2]),
            ..article(&format!("harbour-{i:02}"), now)
        };
        app.content
            .create_article(new, None)
            .await
            .expect("create article");
    }
}

on_both_backends!(pages_over_relevance_visit_every_result_once, |app| {
    seed_harbour(&app).await;
    let whole = rest_walk(&app, "/v1/search?q=harbour", 100).await;
    assert_eq!(whole.len(), 12);
    for limit in [1, 2, 5] {
        assert_eq!(
            rest_walk(&app, "/v1/search?q=harbour", limit).await,
            whole,
            "limit {limit}"
        );
    }
    let mut slugs: Vec<&String> = whole.iter().map(|(s, _)| s).collect();
    slugs.sort();
    slugs.dedup();
    assert_eq!(slugs.len(), 12, "every result once");
    // Date orders page too.
    let by_date = rest_walk(&app, "/v1/search?q=harbour&sort=-published_at", 100).await;
    assert_eq!(
        rest_walk(&app, "/v1/search?q=harbour&sort=-published_at", 5).await,
        by_date
    );
    assert_eq!(
        rest_walk(&app, "/v1/articles?q=harbour&sort=published_at", 5)
            .await
            .len(),
        12
    );
    // GraphQL walks the same order.
    assert_eq!(graphql_walk(&app, "harbour", "RELEVANCE", 3).await, whole);
    // A relevance cursor does not fit another order, nor a forged one any.
    let page = app.get_json("/v1/search?q=harbour&limit=2", 200).await;
    let cursor = page["meta"]["next_cursor"].as_str().expect("cursor");
    for path in [
        format!("/v1/search?q=harbour&sort=-published_at&cursor={cursor}"),
        format!("/v1/articles?q=harbour&cursor={cursor}"),
        "/v1/search?q=harbour&cursor=eyJzIjoicmVsZXZhbmNlIn0".to_owned(),
    ] {
        let problem = app.get_json(&path, 400).await;
        assert_eq!(problem["parameter"], "cursor", "{path}");
    }
});

on_both_backends!(
    a_page_of_results_costs_a_fixed_number_of_statements,
    |app| {
        seed_harbour(&app).await;
        // Once, so that the term memo has the sections, authors and tags (another URL than
        // those measured, which the response cache would answer without a statement).
        app.get_json(
            "/v1/search?q=harbour&limit=50&include=authors,tags,section",
            200,
        )
        .await;
        let mut costs = Vec::new();
        for limit in [2, 10] {
            let before = app.content.db().statements_run();
            let body = app
                .get_json(
                    &format!("/v1/search?q=harbour&limit={limit}&include=authors,tags,section"),
                    200,
                )
                .await;
            assert_eq!(body["data"].as_array().expect("data").len(), limit);
            costs.push(app.content.db().statements_run() - before);
        }
        assert_eq!(costs[0], costs[1], "statements per page: {costs:?}");
        // The search, the rows, which authors and which tags they have; on PostgreSQL the
        // search's time limit adds BEGIN, SET LOCAL statement_timeout and COMMIT.
        let budget = match app.backend {
            crate::helpers::Backend::Sqlite => 4,
            crate::helpers::Backend::Postgres => 7,
        };
        assert!(costs[0] <= budget, "statements per page: {costs:?}");
    }
);

// ---------------------------------------------------------------------------------------
// Visibility
// ---------------------------------------------------------------------------------------

/// Slug, status, publication and embargo (hours from now), and whether the public sees it.
type Case = (&'static str, ArticleStatus, Option<i64>, Option<i64>, bool);

on_both_backends!(only_visible_articles_are_found, |app| {
    app.seed_taxonomy().await;
    let now = domain::now();
    let cases: [Case; 9] = [
        (
            "published-past",
            ArticleStatus::Published,
            Some(-2),
            None,
            true,
        ),
        (
            "embargo-lifted",
            ArticleStatus::Published,
            Some(-5),
            Some(-1),
            true,
        ),
        (
            "scheduled-due",
            ArticleStatus::Scheduled,
            Some(-1),
            None,
            true,
        ),
        (
            "published-future",
            ArticleStatus::Published,
            Some(3),
            None,
            false,
        ),
        (
            "published-no-date",
            ArticleStatus::Published,
            None,
            None,
            false,
        ),
        (
            "embargo-pending",
            ArticleStatus::Published,
            Some(-5),
            Some(2),
            false,
        ),
        (
            "scheduled-later",
            ArticleStatus::Scheduled,
            Some(4),
            None,
            false,
        ),
        ("draft", ArticleStatus::Draft, Some(-3), None, false),
        ("archived", ArticleStatus::Archived, Some(-30), None, false),
    ];
    for (slug, status, published, embargo, _) in cases {
        insert_raw(&app.content, slug, now, move |row| {
            row.title = format!("Zeppelin sighting: {slug}");
            row.status = status.as_str().into();
            row.published_at = published.map(|h| now + Duration::hours(h));
            row.embargo_until = embargo.map(|h| now + Duration::hours(h));
        })
        .await;
    }
    let mut expected: Vec<&str> = cases.iter().filter(|c| c.4).map(|c| c.0).collect();
    expected.sort_unstable();
    for path in [
        "/v1/search?q=zeppelin&limit=100",
        "/v1/search?q=zeppelin&limit=100&sort=-updated_at",
        "/v1/search?q=zeppelin%20sighting&limit=100&sort=published_at",
        "/v1/articles?q=zeppelin&limit=100",
        "/v1/articles?q=zeppelin&limit=100&sort=-updated_at",
    ] {
        let mut found = app.slugs(path).await;
        found.sort();
        assert_eq!(found, expected, "{path}");
    }
    let mut found: Vec<String> = graphql_walk(&app, "zeppelin", "UPDATED_AT_DESC", 100)
        .await
        .into_iter()
        .map(|(slug, _)| slug)
        .collect();
    found.sort();
    assert_eq!(found, expected, "GraphQL");
    // Hidden words stay hidden: a draft's own slug word finds nothing.
    assert!(search(&app, "draft", "").await.is_empty());
});

// ---------------------------------------------------------------------------------------
// Bad queries
// ---------------------------------------------------------------------------------------

on_both_backends!(bad_queries_are_a_400_naming_q_or_an_empty_page, |app| {
    seed_corpus(&app).await;
    let long = "fisheries ".repeat(1000);
    let refused: Vec<(&str, String)> = vec![
        ("empty", String::new()),
        ("blank", "   ".into()),
        ("a quote", "\"".into()),
        ("two quotes", "\"\"".into()),
        ("a star", "*".into()),
        ("a colon", ":".into()),
        ("a caret", "^".into()),
        ("operators only", "( ) * ^ : - or".into()),
        ("punctuation only", "{}[]<>|&!~@#$%".into()),
        ("a NUL byte", "\0".into()),
        ("only exclusions", "-fisheries -\"energy grid\"".into()),
        ("501 characters", "a".repeat(501)),
        ("10 000 characters", long.clone()),
    ];
    for (what, q) in &refused {
        for endpoint in ["/v1/search", "/v1/articles"] {
            let response = app.get(&format!("{endpoint}?q={}", encode(q))).await;
            assert_eq!(response.status().as_u16(), 400, "{what} at {endpoint}");
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{what}"
            );
            let problem: Value = response.json().await.expect("json");
            assert_eq!(problem["parameter"], "q", "{what}: {problem}");
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("q ")),
                "{what}: {problem}"
            );
        }
    }
    let missing = app.get_json("/v1/search", 400).await;
    assert_eq!(missing["parameter"], "q");
    // FTS syntax, injection attempts and oddities are plain words: a 200, never a 500.
    let harmless = [
        "the",
        "the or of",
        "NEAR(",
        "NEAR(fisheries krill, 2)",
        "title:fisheries",
        "body:fisheries OR title:norway",
        "fisheries*",
        "fisheries^2",
        "\"unbalanced fisheries",
        "fisheries OR",
        "AND OR NOT",
        "fisheries AND NOT norway",
        "-fisheries or krill",
        "')); DROP TABLE articles; --",
        "\0fisheries",
        "🐟 fisheries",
        "e-mail U.S. 3.5%",
        "fisheries\u{E000}\u{E001}",
    ];
    for q in harmless {
        for endpoint in ["/v1/search", "/v1/articles"] {
            let path = format!("{endpoint}?q={}", encode(q));
            let response = app.get(&path).await;
            let status = response.status().as_u16();
            let body = response.text().await.expect("body");
            assert_eq!(status, 200, "{q:?} at {endpoint}: {body}");
        }
    }
    // Still searchable afterwards.
    assert_eq!(search(&app, "fisheries", "").await.len(), 5);
    assert_eq!(search(&app, "\0fisheries", "").await.len(), 5);
    assert_eq!(search(&app, "title:fisheries", "").await.len(), 0);
    // GraphQL: the same refusals, as BAD_USER_INPUT naming `query`.
    for (what, q) in &refused {
        let body = graphql(&app, GRAPHQL_SEARCH, json!({ "q": q })).await;
        let error = &body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "BAD_USER_INPUT",
            "{what}: {body}"
        );
        assert_eq!(error["extensions"]["argument"], "query", "{what}: {body}");
    }
    for q in harmless {
        let body = graphql(&app, GRAPHQL_SEARCH, json!({ "q": q })).await;
        assert!(body["errors"].is_null(), "{q:?}: {body}");
    }
});

// ---------------------------------------------------------------------------------------
// The index follows the content
// ---------------------------------------------------------------------------------------

crate::on_both_backends_spawned!(
    the_database_keeps_the_index_up_to_date,
    // Its changes are SQL behind the service's back, which no cache hears of.
    |backend| crate::helpers::spawn_app_with(backend, |s| s.response_cache_bytes = 0),
    |app| {
        seed_corpus(&app).await;
        let db = app.content.db().clone();
        // A new title.
        db.write(|conn| {
            diesel::update(articles::table.filter(articles::slug.eq("hydrogen")))
                .set(articles::title.eq("Electrolyser plants funded"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("update title");
        assert!(search(&app, "hydrogen", "").await.is_empty());
        assert_eq!(search(&app, "electrolyser", "").await, ["hydrogen"]);
        // A renamed tag.
        db.write(|conn| {
            diesel::update(tags::table.filter(tags::slug.eq("budget")))
                .set(tags::name.eq("Austerity"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("rename tag");
        assert!(search(&app, "budget", "").await.is_empty());
        assert_eq!(
            search(&app, "austerity", "").await,
            ["fisheries-and-norway"]
        );
        // A tag taken off, a byline added.
        let ammonia = app
            .content
            .article(
                &Audience::Public,
                domain::Key::Slug("ammonia".into()),
                domain::Relations::Skip,
            )
            .await
            .expect("ammonia")
            .into_article()
            .id;
        let reporter = app
            .content
            .author(domain::Key::Slug("reporter".into()))
            .await
            .expect("reporter")
            .id;
        let norway = app
            .content
            .article(
                &Audience::Public,
                domain::Key::Slug("fisheries-and-norway".into()),
                domain::Relations::Skip,
            )
            .await
            .expect("norway")
            .into_article()
            .id;
        db.write(move |conn| {
            diesel::delete(article_tags::table.filter(article_tags::article_id.eq(norway)))
                .execute(conn)?;
            diesel::insert_into(article_authors::table)
                .values((
                    article_authors::article_id.eq(ammonia),
                    article_authors::author_id.eq(reporter),
                    article_authors::position.eq(1),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("relink");
        assert!(search(&app, "austerity", "").await.is_empty());
        let mut by_reporter = search(&app, "verhoeven", "").await;
        by_reporter.sort();
        assert_eq!(by_reporter, ["ammonia", "fisheries-in-body"]);
        // A renamed author.
        db.write(|conn| {
            diesel::update(authors::table.filter(authors::slug.eq("reporter")))
                .set(authors::name.eq("Ilse Jansen"))
                .execute(conn)?;
            Ok(())
        })
        .await
        .expect("rename author");
        assert!(search(&app, "verhoeven", "").await.is_empty());
        assert_eq!(search(&app, "jansen", "").await.len(), 2);
        // A deleted article.
        db.write(|conn| {
            diesel::delete(articles::table.filter(articles::slug.eq("ammonia"))).execute(conn)?;
            Ok(())
        })
        .await
        .expect("delete");
        assert_eq!(search(&app, "jansen", "").await, ["fisheries-in-body"]);
        assert!(search(&app, "ammonia", "").await.is_empty());
    }
);

// ---------------------------------------------------------------------------------------
// GraphQL
// ---------------------------------------------------------------------------------------

on_both_backends!(graphql_search_answers_as_rest_does, |app| {
    seed_corpus(&app).await;
    for q in [
        "fisheries",
        "fisheries -norway",
        "\"energy grid\"",
        "hydrogen or ammonia",
        "zeppelin",
    ] {
        let rest = rest_walk(&app, &format!("/v1/search?q={}", encode(q)), 100).await;
        assert!(!rest.is_empty(), "{q}");
        assert_eq!(graphql_walk(&app, q, "RELEVANCE", 100).await, rest, "{q}");
        assert_eq!(graphql_walk(&app, q, "RELEVANCE", 2).await, rest, "{q}");
    }
    let rest = rest_walk(&app, "/v1/search?q=fisheries&sort=published_at", 100).await;
    assert_eq!(
        graphql_walk(&app, "fisheries", "PUBLISHED_AT_ASC", 2).await,
        rest
    );
    // Filters and related objects.
    let body = graphql(
        &app,
        GRAPHQL_SEARCH,
        json!({ "q": "fisheries", "filter": { "author": "reporter" } }),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    let edges = body["data"]["search"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["article"]["slug"], "fisheries-in-body");
    assert_eq!(
        edges[0]["node"]["article"]["authors"],
        json!([{ "slug": "reporter" }])
    );
    assert!(
        edges[0]["node"]["snippet"]
            .as_str()
            .is_some_and(|s| s.contains("<mark>"))
    );
    // A relevance cursor used in another order is refused, naming `after`.
    let first = graphql(
        &app,
        GRAPHQL_SEARCH,
        json!({ "q": "fisheries", "first": 1 }),
    )
    .await;
    let cursor = first["data"]["search"]["pageInfo"]["endCursor"].clone();
    let body = graphql(
        &app,
        GRAPHQL_SEARCH,
        json!({ "q": "fisheries", "sort": "PUBLISHED_AT_DESC", "after": cursor }),
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["argument"], "after",
        "{body}"
    );
});
