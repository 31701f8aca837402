//! `GET /admin/v1/search` on both databases: editors find articles in every state while the
//! public search finds only what is out, contributors find what they created, other roles
//! and missing keys are refused, bad queries are a 400.

use byline::{
    auth::Role,
    domain::{self, article::ArticleStatus},
};
use chrono::Duration;
use serde_json::{Value, json};

use crate::{helpers::TestApp, on_both_backends, visibility::insert_raw};

/// Status, body and `Cache-Control` of a GET, with `key` as a bearer token.
async fn get(app: &TestApp, path: &str, key: Option<&str>) -> (u16, Value, Option<String>) {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let cache_control = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Value = response.json().await.expect("json body");
    if status >= 400 {
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{path}: {body}"
        );
    }
    (status, body, cache_control)
}

/// Sorted slugs an admin search answers with, asserting a 200.
async fn slugs(app: &TestApp, path: &str, key: &str) -> Vec<String> {
    let (status, body, _) = get(app, path, Some(key)).await;
    assert_eq!(status, 200, "{path}: {body}");
    let mut slugs: Vec<String> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["slug"].as_str().expect("slug").to_owned())
        .collect();
    slugs.sort();
    slugs
}

async fn key(app: &TestApp, name: &str, role: Role) -> String {
    app.content
        .create_key(name.into(), role)
        .await
        .expect("create key")
        .1
}

/// Zeppelin stories in every state: (slug, status, publication and embargo in hours from now).
const STATES: [(&str, ArticleStatus, Option<i64>, Option<i64>); 5] = [
    (
        "zeppelin-published",
        ArticleStatus::Published,
        Some(-2),
        None,
    ),
    ("zeppelin-draft", ArticleStatus::Draft, None, None),
    (
        "zeppelin-scheduled",
        ArticleStatus::Scheduled,
        Some(4),
        None,
    ),
    (
        "zeppelin-embargoed",
        ArticleStatus::Published,
        Some(-5),
        Some(2),
    ),
    (
        "zeppelin-archived",
        ArticleStatus::Archived,
        Some(-30),
        None,
    ),
];

on_both_backends!(
    editors_find_every_state_the_public_only_what_is_out,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        for (slug, status, published, embargo) in STATES {
            insert_raw(&app.content, slug, now, move |row| {
                row.title = format!("Zeppelin sighting: {slug}");
                row.status = status.as_str().into();
                row.published_at = published.map(|h| now + Duration::hours(h));
                row.embargo_until = embargo.map(|h| now + Duration::hours(h));
            })
            .await;
        }
        let (editor, admin) = (
            key(&app, "desk", Role::Editor).await,
            key(&app, "root", Role::Admin).await,
        );
        let mut every: Vec<String> = STATES.iter().map(|s| s.0.to_owned()).collect();
        every.sort();
        for key in [&editor, &admin] {
            assert_eq!(
                slugs(&app, "/admin/v1/search?q=zeppelin&limit=100", key).await,
                every
            );
            assert_eq!(
                slugs(&app, "/admin/v1/search?q=zeppelin&sort=-updated_at", key).await,
                every
            );
        }
        // The public finds only the published one, through every public search path.
        assert_eq!(
            app.slugs("/v1/search?q=zeppelin").await,
            ["zeppelin-published"]
        );
        assert_eq!(
            app.slugs("/v1/articles?q=zeppelin").await,
            ["zeppelin-published"]
        );
        for hidden in ["draft", "scheduled", "embargoed", "archived"] {
            assert!(
                app.slugs(&format!("/v1/search?q={hidden}"))
                    .await
                    .is_empty()
            );
            assert_eq!(
                slugs(&app, &format!("/admin/v1/search?q={hidden}"), &editor).await,
                [format!("zeppelin-{hidden}")]
            );
        }
        // `status` narrows to one state; date orders leave out articles without a date.
        for (status, expected) in [
            ("draft", vec!["zeppelin-draft"]),
            ("scheduled", vec!["zeppelin-scheduled"]),
            (
                "published",
                vec!["zeppelin-embargoed", "zeppelin-published"],
            ),
            ("archived", vec!["zeppelin-archived"]),
        ] {
            let path = format!("/admin/v1/search?q=zeppelin&status={status}");
            assert_eq!(slugs(&app, &path, &editor).await, expected, "{status}");
        }
        assert_eq!(
            slugs(
                &app,
                "/admin/v1/search?q=zeppelin&sort=-published_at",
                &editor
            )
            .await
            .len(),
            4
        );
        // The newsroom's view, with snippets, never cached.
        let (status, body, cache_control) = get(
            &app,
            "/admin/v1/search?q=zeppelin&status=draft",
            Some(&editor),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(cache_control.as_deref(), Some("private, no-store"));
        let found = &body["data"][0];
        assert_eq!(found["status"], "draft", "{body}");
        assert!(found["version"].is_number(), "{body}");
        assert!(found["section"]["slug"].is_string(), "{body}");
        assert!(
            found["snippet"]
                .as_str()
                .is_some_and(|s| s.to_lowercase().contains("<mark>zeppelin</mark>")),
            "{body}"
        );
        let (_, body, _) = get(
            &app,
            "/admin/v1/search?q=zeppelin&status=draft&fields=slug,status",
            Some(&editor),
        )
        .await;
        assert_eq!(
            body["data"][0],
            json!({ "slug": "zeppelin-draft", "status": "draft", "snippet": body["data"][0]["snippet"] })
        );
        // Pages walk every result once.
        let mut walked = Vec::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/admin/v1/search?q=zeppelin&limit=2{cursor}");
            let (status, body, _) = get(&app, &path, Some(&editor)).await;
            assert_eq!(status, 200, "{body}");
            for item in body["data"].as_array().expect("data") {
                walked.push(item["slug"].as_str().expect("slug").to_owned());
            }
            match body["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
            assert!(walked.len() <= 10, "the walk does not end");
        }
        walked.sort();
        assert_eq!(walked, every);
    }
);

on_both_backends!(contributors_find_only_the_drafts_they_created, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, "desk", Role::Editor).await;
    let ana = key(&app, "ana", Role::Contributor).await;
    let ben = key(&app, "ben", Role::Contributor).await;
    for (key, slug) in [
        (&ana, "zeppelin-notes-ana"),
        (&ben, "zeppelin-notes-ben"),
        (&editor, "zeppelin-notes-desk"),
    ] {
        let response = app
            .client
            .post(format!("{}/admin/v1/articles", app.base))
            .header("Authorization", format!("Bearer {key}"))
            .json(&json!({
                "slug": slug,
                "title": format!("Zeppelin notes: {slug}"),
                "body": "Notes on the airship hangar.",
                "section": "news",
                "authors": ["desk"],
            }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 201, "create {slug}");
    }
    assert_eq!(
        slugs(&app, "/admin/v1/search?q=zeppelin", &ana).await,
        ["zeppelin-notes-ana"]
    );
    assert_eq!(
        slugs(&app, "/admin/v1/search?q=airship&status=draft", &ben).await,
        ["zeppelin-notes-ben"]
    );
    assert!(
        slugs(&app, "/admin/v1/search?q=zeppelin&status=published", &ana)
            .await
            .is_empty()
    );
    assert_eq!(
        slugs(&app, "/admin/v1/search?q=zeppelin", &editor).await,
        [
            "zeppelin-notes-ana",
            "zeppelin-notes-ben",
            "zeppelin-notes-desk"
        ]
    );
    assert!(app.slugs("/v1/search?q=zeppelin").await.is_empty());
});

on_both_backends!(
    admin_search_refuses_other_roles_no_key_and_bad_queries,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, "desk", Role::Editor).await;
        let (status, body, _) = get(&app, "/admin/v1/search?q=zeppelin", None).await;
        assert_eq!(status, 401, "{body}");
        let (status, body, _) =
            get(&app, "/admin/v1/search?q=zeppelin", Some("byl_nope_nope")).await;
        assert_eq!(status, 401, "{body}");
        for role in [Role::Content, Role::Partner] {
            let reader = key(&app, role.as_str(), role).await;
            let (status, body, _) = get(&app, "/admin/v1/search?q=zeppelin", Some(&reader)).await;
            assert_eq!(status, 403, "{role}: {body}");
            assert_eq!(body["type"], "/problems/forbidden", "{role}");
        }
        for (query, parameter) in [
            ("", "q"),
            ("q=", "q"),
            ("q=%22", "q"),
            ("q=-zeppelin", "q"),
            ("q=zeppelin&status=lost", "status"),
            ("q=zeppelin&fields=secrets", "fields"),
            ("q=zeppelin&limit=0", "limit"),
            ("q=zeppelin&sort=rank", "sort"),
        ] {
            let path = format!("/admin/v1/search?{query}");
            let (status, body, _) = get(&app, &path, Some(&editor)).await;
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["parameter"], parameter, "{path}: {body}");
        }
    }
);
