//! The public section, author and tag endpoints over HTTP: slug order, cursor walks, the
//! kind filter, visible-article counts, the JSON shape, caching and errors.

use std::time::Duration as StdDuration;

use byline::{
    domain::{self, article::ArticleStatus, article::TagKind},
    service::taxonomy::{NewAuthor, NewSection, NewTag},
};
use chrono::Duration;
use serde_json::Value;

use crate::{
    articles_api::{
        DEFAULT_CACHE_CONTROL, assert_cacheable, assert_problem, get_with, header, parse_time,
        surrogate_keys,
    },
    helpers::{TestApp, article},
    on_both_backends,
};

const LISTS: [&str; 3] = ["/v1/authors", "/v1/tags", "/v1/sections"];

/// The seeded taxonomy plus entries created after it whose slugs sort first and last, so
/// slug order is not creation order.
async fn seed_more(app: &TestApp) {
    app.seed_taxonomy().await;
    for (slug, kind) in [
        ("zagreb", TagKind::Place),
        ("agriculture", TagKind::Topic),
        ("ursula-example", TagKind::Person),
    ] {
        app.content
            .create_tag(NewTag {
                slug: slug.into(),
                name: format!("Tag {slug}"),
                kind,
                description: Some(format!("About {slug}")),
            })
            .await
            .expect("tag");
    }
    for slug in ["zz-correspondent", "agency"] {
        app.content
            .create_author(NewAuthor {
                slug: slug.into(),
                name: format!("Author {slug}"),
                role: None,
                bio: None,
                avatar_url: None,
                links: vec![],
            })
            .await
            .expect("author");
    }
    app.content
        .create_section(NewSection {
            slug: "analysis".into(),
            name: "Analysis".into(),
            description: Some("Longer reads".into()),
        })
        .await
        .expect("section");
}

const ALL_TAGS: [&str; 6] = [
    "agriculture",
    "brussels",
    "budget",
    "eu",
    "ursula-example",
    "zagreb",
];
const ALL_AUTHORS: [&str; 4] = ["agency", "desk", "reporter", "zz-correspondent"];
const ALL_SECTIONS: [&str; 3] = ["analysis", "economy", "news"];

/// Walks every page of `path` (which has a query string), returning the slugs served and
/// checking each page's size.
async fn walk(app: &TestApp, path: &str, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}&limit={limit}&cursor={c}"),
            None => format!("{path}&limit={limit}"),
        };
        let body = app.get_json(&url, 200).await;
        assert_eq!(body["meta"]["limit"], limit, "{url}");
        let items = body["data"].as_array().expect("data");
        assert!(items.len() <= limit, "{url}: {} items", items.len());
        seen.extend(
            items
                .iter()
                .map(|t| t["slug"].as_str().expect("slug").to_owned()),
        );
        match body["meta"]["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), limit, "{url}: a short page before the end");
                cursor = Some(next.to_owned());
            }
            None => break,
        }
        assert!(seen.len() <= 50, "the walk over {path} does not end");
    }
    seen
}

on_both_backends!(taxonomy_lists_are_ordered_by_slug, |app| {
    seed_more(&app).await;
    for (path, expected) in [
        ("/v1/tags", &ALL_TAGS[..]),
        ("/v1/authors", &ALL_AUTHORS[..]),
        ("/v1/sections", &ALL_SECTIONS[..]),
    ] {
        let body = app.get_json(path, 200).await;
        assert_eq!(app.slugs(path).await, expected, "{path}");
        assert_eq!(body["meta"]["limit"], 20);
        assert_eq!(body["meta"]["next_cursor"], Value::Null);
    }
});

on_both_backends!(cursor_walks_with_limit_one_see_each_entry_once, |app| {
    seed_more(&app).await;
    assert_eq!(walk(&app, "/v1/tags?", 1).await, ALL_TAGS);
    assert_eq!(walk(&app, "/v1/tags?", 4).await, ALL_TAGS);
    assert_eq!(walk(&app, "/v1/authors?", 1).await, ALL_AUTHORS);
    assert_eq!(walk(&app, "/v1/sections?", 1).await, ALL_SECTIONS);
    assert_eq!(
        walk(&app, "/v1/tags?kind=place", 1).await,
        ["brussels", "zagreb"]
    );
    // A page that ends exactly at the last entry has no next cursor.
    let body = app.get_json("/v1/sections?limit=3", 200).await;
    assert_eq!(body["data"].as_array().expect("data").len(), 3);
    assert_eq!(body["meta"]["next_cursor"], Value::Null);
});

on_both_backends!(tag_kind_filter_returns_only_tags_of_that_kind, |app| {
    seed_more(&app).await;
    for (kind, expected) in [
        ("place", &["brussels", "zagreb"][..]),
        ("topic", &["agriculture", "budget"][..]),
        ("organization", &["eu"][..]),
        ("person", &["ursula-example"][..]),
        ("event", &[][..]),
    ] {
        let body = app.get_json(&format!("/v1/tags?kind={kind}"), 200).await;
        let items = body["data"].as_array().expect("data");
        let slugs: Vec<&str> = items
            .iter()
            .map(|t| t["slug"].as_str().expect("slug"))
            .collect();
        assert_eq!(slugs, expected, "kind={kind}");
        assert!(items.iter().all(|t| t["kind"] == kind), "kind={kind}");
    }
});

on_both_backends!(
    taxonomy_parameter_errors_are_400_problems_naming_them,
    |app| {
        seed_more(&app).await;
        for kind in ["animal", "Place", "places"] {
            assert_problem(&app, &format!("/v1/tags?kind={kind}"), 400, Some("kind")).await;
        }
        let tags_cursor = app.get_json("/v1/tags?limit=1", 200).await["meta"]["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
        for list in LISTS {
            for (query, parameter) in [
                ("limit=0", "limit"),
                ("limit=1000", "limit"),
                ("limit=abc", "limit"),
                ("cursor=not-a-cursor", "cursor"),
                ("cursor=e30", "cursor"),
            ] {
                assert_problem(&app, &format!("{list}?{query}"), 400, Some(parameter)).await;
            }
        }
        // A tags cursor does not page authors or sections.
        for list in ["/v1/authors", "/v1/sections"] {
            assert_problem(
                &app,
                &format!("{list}?cursor={tags_cursor}"),
                400,
                Some("cursor"),
            )
            .await;
        }
        for path in [
            "/v1/authors/nobody",
            "/v1/tags/nothing",
            "/v1/sections/nowhere",
            "/v1/tags/Not-A-Slug",
        ] {
            assert_problem(&app, path, 404, None).await;
        }
    }
);

on_both_backends!(article_count_is_the_number_of_visible_articles, |app| {
    seed_more(&app).await;
    let now = domain::now();
    // Visible: three in news, one in economy.
    for (slug, section, authors, tags) in [
        ("one", "news", &["desk"][..], &["eu", "brussels"][..]),
        ("two", "news", &["desk", "reporter"][..], &["eu"][..]),
        ("three", "news", &["reporter"][..], &["budget"][..]),
        ("four", "economy", &["reporter"][..], &["budget", "eu"][..]),
    ] {
        let mut new = article(slug, now);
        new.section = Some(section.into());
        new.authors = authors.iter().map(|s| (*s).to_owned()).collect();
        new.tags = tags.iter().map(|s| (*s).to_owned()).collect();
        app.content
            .create_article(new, None)
            .await
            .expect("article");
    }
    // Hidden: a draft, a scheduled one and an embargoed one, all tagged and bylined.
    let hidden = |slug: &str| {
        let mut new = article(slug, now);
        new.section = Some("analysis".into());
        new.authors = vec!["desk".into(), "agency".into()];
        new.tags = vec!["eu".into(), "zagreb".into()];
        new
    };
    let mut draft = hidden("draft");
    draft.status = ArticleStatus::Draft;
    draft.published_at = None;
    let mut scheduled = hidden("scheduled");
    scheduled.status = ArticleStatus::Scheduled;
    scheduled.published_at = Some(now + Duration::hours(2));
    let mut embargoed = hidden("embargoed");
    embargoed.embargo_until = Some(now + Duration::hours(2));
    for new in [draft, scheduled, embargoed] {
        app.content.create_article(new, None).await.expect("hidden");
    }

    let expected = [
        ("tags", "eu", 3),
        ("tags", "brussels", 1),
        ("tags", "budget", 2),
        ("tags", "zagreb", 0),
        ("tags", "agriculture", 0),
        ("authors", "desk", 2),
        ("authors", "reporter", 3),
        ("authors", "agency", 0),
        ("sections", "news", 3),
        ("sections", "economy", 1),
        ("sections", "analysis", 0),
    ];
    for (kind, slug, count) in expected {
        let single = app.get_json(&format!("/v1/{kind}/{slug}"), 200).await;
        assert_eq!(single["data"]["article_count"], count, "/v1/{kind}/{slug}");
        let listed = app.get_json(&format!("/v1/{kind}?limit=100"), 200).await;
        let entry = listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|e| e["slug"] == slug)
            .unwrap_or_else(|| panic!("{slug} listed in /v1/{kind}"))
            .clone();
        assert_eq!(entry["article_count"], count, "/v1/{kind} entry {slug}");
        // The count agrees with the article list filtered the same way.
        let filter = match kind {
            "tags" => "tag",
            "authors" => "author",
            _ => "section",
        };
        let articles = app
            .slugs(&format!("/v1/articles?limit=100&{filter}={slug}"))
            .await;
        assert_eq!(articles.len(), count, "/v1/articles?{filter}={slug}");
    }
    // Every listed entry carries a count, including on paged and kind-filtered lists.
    let places = app.get_json("/v1/tags?kind=place&limit=1", 200).await;
    assert_eq!(places["data"][0]["slug"], "brussels");
    assert_eq!(places["data"][0]["article_count"], 1);
});

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

on_both_backends!(taxonomy_json_has_the_documented_shape, |app| {
    seed_more(&app).await;
    let tag = app.get_json("/v1/tags/zagreb", 200).await["data"].clone();
    assert_eq!(
        keys(&tag),
        [
            "article_count",
            "description",
            "id",
            "kind",
            "name",
            "slug",
            "updated_at"
        ]
    );
    assert_eq!(tag["slug"], "zagreb");
    assert_eq!(tag["name"], "Tag zagreb");
    assert_eq!(tag["kind"], "place");
    assert_eq!(tag["description"], "About zagreb");
    assert!(tag["id"].as_str().is_some_and(|id| id.len() == 36));
    parse_time(&tag["updated_at"]);

    let author = app.get_json("/v1/authors/reporter", 200).await["data"].clone();
    assert_eq!(
        keys(&author),
        [
            "article_count",
            "avatar_url",
            "bio",
            "id",
            "links",
            "name",
            "role",
            "slug",
            "updated_at"
        ]
    );
    assert_eq!(author["name"], "Ilse Verhoeven");
    assert_eq!(author["links"], serde_json::json!([]));
    assert_eq!(author["role"], Value::Null);
    parse_time(&author["updated_at"]);

    let section = app.get_json("/v1/sections/news", 200).await["data"].clone();
    assert_eq!(
        keys(&section),
        [
            "article_count",
            "description",
            "id",
            "name",
            "slug",
            "updated_at"
        ]
    );
    assert_eq!(section["name"], "News & Analysis");
    assert_eq!(section["article_count"], 0);
    parse_time(&section["updated_at"]);

    // List entries look like single reads.
    for (list, single) in [
        ("/v1/tags", "/v1/tags/zagreb"),
        ("/v1/authors", "/v1/authors/reporter"),
        ("/v1/sections", "/v1/sections/news"),
    ] {
        let one = app.get_json(single, 200).await["data"].clone();
        let all = app.get_json(list, 200).await;
        assert!(
            all["data"].as_array().expect("data").contains(&one),
            "{single} is listed as is in {list}"
        );
    }
});

on_both_backends!(
    taxonomy_reads_carry_caching_headers_and_answer_304s,
    |app| {
        seed_more(&app).await;
        app.content
            .create_article(article("counted", domain::now()), None)
            .await
            .expect("article");
        for (kind, slug) in [("tag", "eu"), ("author", "desk"), ("section", "news")] {
            let single = format!("/v1/{kind}s/{slug}");
            let item = app.get_json(&single, 200).await["data"].clone();
            let id = item["id"].as_str().expect("id").to_owned();
            let (_, _, keys) = assert_cacheable(&app, &single).await;
            assert!(keys.contains(&format!("{kind}:{id}")), "{single}: {keys:?}");

            let list = format!("/v1/{kind}s");
            let (_, _, keys) = assert_cacheable(&app, &list).await;
            assert!(keys.contains(&format!("{kind}s")), "{list}: {keys:?}");
            let listed = app.get_json(&list, 200).await;
            for entry in listed["data"].as_array().expect("data") {
                let key = format!("{kind}:{}", entry["id"].as_str().expect("id"));
                assert!(keys.contains(&key), "{list}: {key} missing from {keys:?}");
            }
        }
        let filtered = assert_cacheable(&app, "/v1/tags?kind=place&limit=1").await;
        assert!(filtered.2.contains("tags"));

        // Last-Modified of a single entry is its own `updated_at`.
        let response = app.get("/v1/tags/zagreb").await;
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some(DEFAULT_CACHE_CONTROL)
        );
        let keys = surrogate_keys(&response);
        let tag: Value = response.json().await.expect("json");
        let updated = parse_time(&tag["data"]["updated_at"]);
        let again = app.get("/v1/tags/zagreb").await;
        let modified = crate::articles_api::last_modified(&again);
        assert_eq!(modified.timestamp(), updated.timestamp());
        // Its own key, and its kind's list scope: its `article_count` moves with the others.
        let own = format!("tag:{}", tag["data"]["id"].as_str().expect("id"));
        assert_eq!(keys, [own, "tags".to_owned()].into(), "{keys:?}");
    }
);

on_both_backends!(
    taxonomy_reads_are_not_304_after_their_article_count_changes,
    |app| {
        app.seed_taxonomy().await;
        let paths = [
            "/v1/tags/eu",
            "/v1/authors/desk",
            "/v1/sections/news",
            "/v1/tags",
            "/v1/authors",
            "/v1/sections",
        ];
        let mut before = Vec::new();
        for path in paths {
            let response = app.get(path).await;
            before.push(header(&response, "last-modified").expect("Last-Modified"));
        }
        // HTTP dates have whole seconds: let one pass so a correct date can move.
        actix_web::rt::time::sleep(StdDuration::from_millis(1100)).await;
        app.content
            .create_article(article("newly-counted", domain::now()), None)
            .await
            .expect("article");
        assert_eq!(
            app.get_json("/v1/tags/eu", 200).await["data"]["article_count"],
            1
        );
        for (path, modified) in paths.iter().zip(&before) {
            let again = get_with(&app, path, &[("If-Modified-Since", modified)]).await;
            assert_eq!(
                again.status().as_u16(),
                200,
                "{path}: a 304 keeps article_count 0 in caches"
            );
        }
    }
);
