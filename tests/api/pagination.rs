//! Keyset pagination: walks across hundreds of articles in each order, with ties on the sort
//! key, see every visible article once, in order, even while new ones are published.

use std::collections::HashSet;

use byline::{
    auth::{Caller, Role},
    db::{queries, schema::articles},
    domain::{self, Key, Relations},
    service::{
        audience::Audience,
        editorial::{ArticlePatch, References, Transition, prepare},
    },
};
use chrono::Duration;
use diesel::prelude::*;

use crate::{
    helpers::{TestApp, article, spawn_app_with},
    on_both_backends, on_both_backends_spawned,
};

const ARTICLES: usize = 300;

/// 300 published articles; every third shares its publication time with a neighbour.
async fn seed_many(app: &TestApp) {
    seed_many_tagged(app, |_| vec![]).await;
}

/// [`seed_many`], article `i` tagged with the slugs `tags_of(i)`.
async fn seed_many_tagged(app: &TestApp, tags_of: impl Fn(usize) -> Vec<&'static str>) {
    app.seed_taxonomy().await;
    let section = app
        .content
        .section(byline::domain::Key::Slug("news".into()))
        .await
        .expect("section")
        .id;
    let author = app
        .content
        .author(byline::domain::Key::Slug("desk".into()))
        .await
        .expect("author")
        .id;
    let mut tag_ids = std::collections::HashMap::new();
    for slug in ["eu", "brussels", "budget"] {
        let tag = app.content.tag(Key::Slug(slug.into())).await.expect("tag");
        tag_ids.insert(slug, tag.id);
    }
    let now = domain::now();
    let mut rows = Vec::new();
    let (mut bylines, mut tagging) = (Vec::new(), Vec::new());
    for i in 0..ARTICLES {
        let refs = References {
            section_id: Some(section.clone()),
            author_ids: vec![author.clone()],
            tag_ids: tags_of(i).iter().map(|t| tag_ids[t].clone()).collect(),
        };
        let mut p = prepare(article(&format!("story-{i:03}"), now), refs, now).expect("valid");
        p.row.published_at = Some(now - Duration::minutes((i - i % 3) as i64 + 10));
        p.row.updated_at = now - Duration::seconds((i / 2) as i64);
        rows.push(p.row);
        bylines.extend(p.bylines);
        tagging.extend(p.tagging);
    }
    app.content
        .db()
        .write(move |conn| {
            Ok(queries::articles::insert_many(
                conn, &rows, &bylines, &tagging,
            )?)
        })
        .await
        .expect("insert");
}

/// Walks every page of `path`, returning `(slug, sort key)` in the order served.
async fn walk(
    app: &TestApp,
    path: &str,
    key: &str,
    on_page: Option<&dyn Fn(usize) -> bool>,
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        if let Some(hook) = on_page
            && hook(page)
        {
            let now = domain::now();
            app.content
                .create_article(
                    article(&format!("breaking-{page}"), now + Duration::hours(1)),
                    None,
                )
                .await
                .expect("publish during walk");
        }
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let body = app.get_json(&url, 200).await;
        for item in body["data"].as_array().expect("data") {
            seen.push((
                item["slug"].as_str().expect("slug").to_owned(),
                item[key].as_str().expect("key").to_owned(),
            ));
        }
        match body["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(page < 100, "the walk does not end");
    }
    seen
}

fn assert_complete_and_ordered(seen: &[(String, String)], descending: bool) {
    let slugs: HashSet<&str> = seen.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(slugs.len(), seen.len(), "a slug was served twice");
    for i in 0..ARTICLES {
        assert!(
            slugs.contains(format!("story-{i:03}").as_str()),
            "story-{i:03} was skipped"
        );
    }
    for pair in seen.windows(2) {
        let ordered = if descending {
            pair[0].1 >= pair[1].1
        } else {
            pair[0].1 <= pair[1].1
        };
        assert!(ordered, "out of order: {pair:?}");
    }
}

on_both_backends!(
    cursor_walks_see_every_article_once_in_each_sort_order,
    |app| {
        seed_many(&app).await;
        let newest = walk(
            &app,
            "/v1/articles?limit=37&fields=slug,published_at",
            "published_at",
            None,
        )
        .await;
        assert_eq!(newest.len(), ARTICLES);
        assert_complete_and_ordered(&newest, true);
        let oldest = walk(
            &app,
            "/v1/articles?limit=41&sort=published_at&fields=slug,published_at",
            "published_at",
            None,
        )
        .await;
        assert_complete_and_ordered(&oldest, false);
        let reversed: Vec<_> = oldest.iter().rev().map(|(s, _)| s.clone()).collect();
        let newest_slugs: Vec<_> = newest.iter().map(|(s, _)| s.clone()).collect();
        assert_eq!(
            reversed, newest_slugs,
            "ascending is the exact reverse of descending"
        );
        let updated = walk(
            &app,
            "/v1/articles?limit=29&sort=-updated_at&fields=slug,updated_at",
            "updated_at",
            None,
        )
        .await;
        assert_complete_and_ordered(&updated, true);
    }
);

on_both_backends!(cursor_walk_is_stable_while_articles_are_published, |app| {
    seed_many(&app).await;
    // An article published on pages 2 and 5 lands before the walk's position: it must not
    // shift the pages that follow.
    let publish_on = |page: usize| page == 2 || page == 5;
    let seen = walk(
        &app,
        "/v1/articles?limit=25&fields=slug,published_at",
        "published_at",
        Some(&publish_on),
    )
    .await;
    assert_complete_and_ordered(&seen, true);
});

fn admin() -> Caller {
    Caller {
        key_id: String::new(),
        name: "tests".into(),
        role: Role::Admin,
    }
}

/// The article with `slug` in any state, as staff read it.
async fn staff_read(app: &TestApp, slug: &str) -> byline::domain::article::Article {
    let audience = Audience::for_admin(&admin()).expect("audience");
    app.content
        .article(&audience, Key::Slug(slug.into()), Relations::Load)
        .await
        .expect("article")
        .into_article()
}

/// The slugs of a tag's list walked in small pages must be the whole list's, in the whole
/// list's order, with the articles of other tags left out: the tag's list is read through its
/// own index (`article_tags_tag_published_idx`), whose copy of `published_at` must follow
/// every change.
async fn assert_tag_walk_is_the_whole_walk_filtered(app: &TestApp, tag: &str) {
    for sort in ["", "&sort=published_at"] {
        let whole = walk(
            app,
            &format!("/v1/articles?limit=100&fields=slug,published_at{sort}"),
            "published_at",
            None,
        )
        .await;
        let mut tagged = HashSet::new();
        for (slug, _) in &whole {
            if staff_read(app, slug)
                .await
                .tags
                .iter()
                .any(|t| t.slug == tag)
            {
                tagged.insert(slug.clone());
            }
        }
        let expected: Vec<_> = whole
            .into_iter()
            .filter(|(s, _)| tagged.contains(s))
            .collect();
        let walked = walk(
            app,
            &format!("/v1/articles?limit=7&tag={tag}&fields=slug,published_at{sort}"),
            "published_at",
            None,
        )
        .await;
        assert_eq!(walked, expected, "tag={tag}{sort}");
    }
}

on_both_backends!(a_tag_list_follows_publication_times_and_retagging, |app| {
    seed_many_tagged(&app, |i| match (i % 2, i % 3) {
        (0, 0) => vec!["eu", "budget"],
        (0, _) => vec!["eu"],
        (_, 0) => vec!["budget"],
        _ => vec![],
    })
    .await;
    assert_tag_walk_is_the_whole_walk_filtered(&app, "eu").await;
    assert_tag_walk_is_the_whole_walk_filtered(&app, "budget").await;

    // The newest eu article, its time moved a year back by a write outside the service,
    // moves to the end of the list.
    let moved = staff_read(&app, "story-000").await.id;
    let year_ago = domain::now() - Duration::days(365);
    app.content
        .db()
        .write(move |conn| {
            Ok(
                diesel::update(articles::table.filter(articles::id.eq(moved)))
                    .set(articles::published_at.eq(year_ago))
                    .execute(conn)?,
            )
        })
        .await
        .expect("move back");
    // One scheduled for later leaves it; one untagged gains the tag.
    let scheduled = staff_read(&app, "story-010").await;
    app.content
        .transition_article(
            &admin(),
            &scheduled.id,
            Transition::Schedule(domain::now() + Duration::days(1)),
            Some(scheduled.version),
        )
        .await
        .expect("schedule");
    let retagged = staff_read(&app, "story-001").await;
    let patch: ArticlePatch =
        serde_json::from_value(serde_json::json!({ "tags": ["eu"] })).expect("patch");
    app.content
        .update_article(&admin(), &retagged.id, patch, Some(retagged.version))
        .await
        .expect("retag");

    let newest = app.slugs("/v1/articles?tag=eu&limit=100").await;
    assert!(
        !newest.iter().any(|s| s == "story-010"),
        "scheduled: hidden"
    );
    assert!(newest.iter().any(|s| s == "story-001"), "retagged: listed");
    let oldest = app
        .slugs("/v1/articles?tag=eu&limit=1&sort=published_at")
        .await;
    assert_eq!(oldest, ["story-000"], "moved back: listed last");
    assert_tag_walk_is_the_whole_walk_filtered(&app, "eu").await;
});

on_both_backends!(cursors_from_another_sort_or_garbage_are_400, |app| {
    seed_many(&app).await;
    let first = app.get_json("/v1/articles?limit=5", 200).await;
    let cursor = first["meta"]["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    for bad in [
        format!("sort=published_at&cursor={cursor}"),
        "cursor=not-a-cursor".into(),
        "cursor=e30".into(),
    ] {
        let body = app.get_json(&format!("/v1/articles?{bad}"), 400).await;
        assert_eq!(body["parameter"], "cursor", "{bad}");
    }
});

/// GET `path` with `key` as a bearer token (if any): the status and the JSON body.
async fn get_as(app: &TestApp, key: Option<&str>, path: &str) -> (u16, serde_json::Value) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} ({e}): {text}"));
    (status, body)
}

// The OpenAPI document types `cursor` as any string, so `cursor=` (a client that sends an
// empty `next_cursor` back, or a form with an empty field) is the first page, on every
// operation that takes a cursor; a malformed cursor that is not empty is still a 400.
on_both_backends_spawned!(
    an_empty_cursor_is_the_first_page_everywhere,
    |backend| spawn_app_with(backend, |s| s.syndication_settle =
        std::time::Duration::ZERO),
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        for i in 0..3 {
            app.content
                .create_article(article(&format!("page-story-{i}"), now), None)
                .await
                .expect("article");
        }
        let (_, admin) = app
            .content
            .create_key("admin".into(), Role::Admin)
            .await
            .expect("admin key");
        let (status, hook) = {
            let response = app
                .client
                .post(format!("{}/admin/v1/webhooks", app.base))
                .header("Authorization", format!("Bearer {admin}"))
                .json(
                    &serde_json::json!({"url": "https://hooks.example", "events": ["tag.created"]}),
                )
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<serde_json::Value>().await.expect("json"),
            )
        };
        assert_eq!(status, 201, "create a webhook: {hook}");
        let hook = hook["data"]["id"].as_str().expect("webhook id").to_owned();
        let lists = [
            "/v1/articles?limit=2".to_owned(),
            "/v1/search?q=body&limit=2".to_owned(),
            "/v1/tags?limit=2".to_owned(),
            "/v1/authors?limit=1".to_owned(),
            "/v1/sections?limit=1".to_owned(),
            "/admin/v1/articles?limit=2".to_owned(),
            "/admin/v1/search?q=body&limit=2".to_owned(),
            format!("/admin/v1/webhooks/{hook}/deliveries?limit=2"),
            "/syndication/v1/articles?limit=2".to_owned(),
        ];
        for path in &lists {
            let (status, first) = get_as(&app, Some(&admin), path).await;
            assert_eq!(status, 200, "{path}: {first}");
            let (status, empty) = get_as(&app, Some(&admin), &format!("{path}&cursor=")).await;
            assert_eq!(status, 200, "{path}&cursor=: {empty}");
            assert_eq!(
                empty["data"], first["data"],
                "{path}&cursor= is the first page"
            );
            assert_eq!(empty["meta"], first["meta"], "{path}&cursor=");
            for bad in ["%20", "not-a-cursor", "e30"] {
                let (status, problem) =
                    get_as(&app, Some(&admin), &format!("{path}&cursor={bad}")).await;
                assert_eq!(status, 400, "{path}&cursor={bad}: {problem}");
                assert_eq!(problem["parameter"], "cursor", "{path}&cursor={bad}");
            }
        }
        // A change stream read from its start with an empty cursor hands back a real one to
        // poll with, never the empty string.
        let (_, changes) = get_as(
            &app,
            Some(&admin),
            "/syndication/v1/articles?limit=10&cursor=",
        )
        .await;
        let next = changes["meta"]["next_cursor"]
            .as_str()
            .expect("a cursor to poll with");
        assert!(!next.is_empty());
        let (_, after) = get_as(
            &app,
            Some(&admin),
            &format!("/syndication/v1/articles?cursor={next}"),
        )
        .await;
        assert_eq!(after["meta"]["next_cursor"].as_str(), Some(next));
    }
);
