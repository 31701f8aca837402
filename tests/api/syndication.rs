//! Partner syndication: IPTC ninjs 3.1 checked against IPTC's JSON Schema, the change stream
//! in order of change with withdrawal notices, visibility, keys and conditional GETs.

use std::{collections::BTreeMap, time::Duration as StdDuration};

use byline::{
    auth::{Caller, Role},
    domain::{
        self,
        article::{Article, HeroImage, TagKind},
    },
    service::{ContentService, editorial::ArticlePatch, editorial::Transition, taxonomy::NewTag},
};
use chrono::{DateTime, Duration};
use serde_json::{Value, json};

use crate::{
    feeds::{publish, seed_visibility_cases, uri},
    helpers::{TestApp, current_version},
    on_both_backends, on_both_backends_with,
    visibility::insert_raw,
};

const SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/schemas/ninjs-schema_3.1.json"
);
const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/api/schemas/ninjs-3.1-example-text-article.json"
);

/// The schema points `places[].geoJSON` at geojson.org; the tests have no network and
/// Byline never sends GeoJSON, so any value stands in for it.
struct GeoJsonStandIn;

impl jsonschema::Retrieve for GeoJsonStandIn {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            Ok(json!({}))
        } else {
            Err(format!("no network in tests: {}", uri.as_str()).into())
        }
    }
}

/// IPTC's ninjs 3.1 schema, with formats (`date-time`, `uri`) checked too.
pub(crate) fn ninjs_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(SCHEMA).expect("read the ninjs schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(GeoJsonStandIn)
        .build(&schema)
        .expect("the ninjs schema compiles")
}

pub(crate) fn assert_ninjs(validator: &jsonschema::Validator, item: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(item)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid ninjs 3.1: {errors:#?}\n{item:#}"
    );
}

#[test]
fn the_validator_takes_iptc_s_example_and_refuses_what_ninjs_does_not_allow() {
    let validator = ninjs_validator();
    let example: Value =
        serde_json::from_str(&std::fs::read_to_string(EXAMPLE).expect("example")).expect("json");
    assert_ninjs(&validator, &example);
    let mut bad_status = example.clone();
    bad_status["pubStatus"] = json!("withdrawn");
    assert!(!validator.is_valid(&bad_status), "pubStatus is an enum");
    let mut unknown = example.clone();
    unknown["headline"] = json!("not a ninjs property");
    assert!(!validator.is_valid(&unknown), "no properties beyond ninjs");
    let mut no_uri = example.clone();
    no_uri.as_object_mut().expect("object").remove("uri");
    assert!(!validator.is_valid(&no_uri), "uri is required");
    let mut bad_date = example;
    bad_date["versionCreated"] = json!("yesterday");
    assert!(!validator.is_valid(&bad_date), "dates are checked");
}

/// A key of `role`, as a bearer token.
async fn key(content: &ContentService, role: Role) -> String {
    content
        .create_key(format!("{role} key"), role)
        .await
        .expect("key")
        .1
}

/// The caller an editor key stands for, for workflow steps.
async fn editor(content: &ContentService) -> Caller {
    let plain = key(content, Role::Editor).await;
    content.authenticate(&plain).await.expect("editor")
}

async fn get_as(app: &TestApp, key: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request")
}

/// GETs `path` with `key` and parses the JSON body, asserting the status.
async fn json_as(app: &TestApp, key: &str, path: &str, status: u16) -> Value {
    let response = get_as(app, Some(key), path).await;
    let got = response.status().as_u16();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path} is not JSON ({e}): {body}"))
}

fn uris(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| i["uri"].as_str().expect("uri").to_owned())
        .collect()
}

fn status_by_uri(page: &Value) -> BTreeMap<String, String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|i| {
            (
                i["uri"].as_str().expect("uri").to_owned(),
                i["pubStatus"].as_str().expect("pubStatus").to_owned(),
            )
        })
        .collect()
}

/// Walks the whole stream from the start, `limit` at a time, validating every item.
async fn walk(app: &TestApp, key: &str, limit: u32) -> (Vec<Value>, Option<String>) {
    let validator = ninjs_validator();
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/syndication/v1/articles?limit={limit}&cursor={c}"),
            None => format!("/syndication/v1/articles?limit={limit}"),
        };
        let page = json_as(app, key, &path, 200).await;
        for item in page["data"].as_array().expect("data") {
            assert_ninjs(&validator, item);
            items.push(item.clone());
        }
        cursor = page["meta"]["next_cursor"].as_str().map(str::to_owned);
        if page["meta"]["has_more"] != json!(true) {
            return (items, cursor);
        }
    }
    panic!("the stream did not end");
}

fn no_settling(s: &mut byline::config::Settings) {
    s.syndication_settle = StdDuration::ZERO;
}

on_both_backends!(syndication_needs_a_key_allowed_to_read_it, |app| {
    app.seed_taxonomy().await;
    let story = publish(&app.content, "story", 1, |_| {}).await;
    let paths = [
        "/syndication/v1/articles".to_owned(),
        format!("/syndication/v1/articles/{}", story.id),
    ];
    for path in &paths {
        for bad in [None, Some("byl_nope_nope"), Some("not-a-key")] {
            let response = get_as(&app, bad, path).await;
            assert_eq!(response.status().as_u16(), 401, "{path} with {bad:?}");
            assert!(response.headers().get("www-authenticate").is_some());
            assert_eq!(
                response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
        }
        for role in [Role::Content, Role::Contributor] {
            let key = key(&app.content, role).await;
            let response = get_as(&app, Some(&key), path).await;
            assert_eq!(response.status().as_u16(), 403, "{path} as {role}");
            let problem: Value = response.json().await.expect("problem");
            assert_eq!(problem["type"], "/problems/forbidden");
        }
        for role in [Role::Partner, Role::Editor, Role::Admin] {
            let key = key(&app.content, role).await;
            let response = get_as(&app, Some(&key), path).await;
            assert_eq!(response.status().as_u16(), 200, "{path} as {role}");
            assert_eq!(
                response
                    .headers()
                    .get("cache-control")
                    .and_then(|v| v.to_str().ok()),
                Some("private, no-cache"),
                "partners' answers stay out of shared caches"
            );
        }
    }
});

on_both_backends_with!(
    articles_are_served_as_valid_ninjs_field_by_field,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        for (slug, kind) in [("ursula", TagKind::Person), ("summit", TagKind::Event)] {
            app.content
                .create_tag(NewTag {
                    slug: slug.into(),
                    name: slug.to_uppercase(),
                    kind,
                    description: None,
                })
                .await
                .expect("tag");
        }
        let story = publish(&app.content, "summit-story", 2, |a| {
            a.title = "Leaders meet & agree".into();
            a.standfirst = Some("A deal at last.".into());
            a.authors = vec!["desk".into(), "reporter".into()];
            a.tags = vec![
                "eu".into(),
                "brussels".into(),
                "budget".into(),
                "ursula".into(),
                "summit".into(),
            ];
            a.hero_image = Some(HeroImage {
                asset_id: None,
                url: Some("https://img.example/summit.jpg".into()),
                alt: Some("Leaders at the table".into()),
                caption: Some("The summit opens.".into()),
                credit: Some("Wire Photo".into()),
            });
            a.seo_title = Some("Leaders agree".into());
            a.canonical_url = Some("https://origin.example/summit".into());
        })
        .await;
        let editor = editor(&app.content).await;
        let story = app
            .content
            .add_correction(
                &editor,
                &story.id,
                "An earlier version misspelt a name.".into(),
                Some(story.version),
            )
            .await
            .expect("correction");
        let partner = key(&app.content, Role::Partner).await;
        let page = json_as(&app, &partner, "/syndication/v1/articles", 200).await;
        let validator = ninjs_validator();
        let item = &page["data"][0];
        assert_ninjs(&validator, item);
        assert_eq!(page["data"].as_array().map(Vec::len), Some(1));
        let expected_subjects = json!([
            {"name": "News & Analysis", "literal": "news", "rel": "section"},
            {"name": "BUDGET", "literal": "budget"},
        ]);
        assert_eq!(item["uri"], uri(&story.id));
        assert_eq!(item["type"], "text");
        assert_eq!(item["representationType"], "full");
        assert_eq!(item["pubStatus"], "usable");
        assert_eq!(item["version"], story.version.to_string());
        assert_eq!(item["language"], "en");
        assert_eq!(item["copyrightHolder"], "Byline");
        assert_eq!(item["slugline"], "summit-story");
        assert_eq!(item["located"], "BRUSSELS");
        assert_eq!(item["by"], "EU Insider Newsroom and Ilse Verhoeven");
        assert_eq!(
            item["headlines"],
            json!([
                {"role": "main", "contentType": "text/plain", "value": "Leaders meet & agree"},
                {"role": "seo", "contentType": "text/plain", "value": "Leaders agree"},
            ])
        );
        assert_eq!(
            item["descriptions"],
            json!([{"role": "summary", "contentType": "text/plain", "value": "A deal at last."}])
        );
        assert_eq!(item["bodies"][0]["role"], "main");
        assert_eq!(item["bodies"][0]["contentType"], "text/html");
        assert_eq!(item["bodies"][0]["value"], story.body_html);
        assert_eq!(item["bodies"][0]["wordCount"], story.word_count);
        assert_eq!(item["bodies"][1]["contentType"], "text/plain");
        assert_eq!(item["bodies"][1]["value"], story.body_text);
        assert_eq!(
            item["organisations"],
            json!([{"name": "EU", "literal": "eu"}])
        );
        assert_eq!(
            item["places"],
            json!([{"name": "BRUSSELS", "literal": "brussels"}])
        );
        assert_eq!(
            item["people"],
            json!([{"name": "URSULA", "literal": "ursula"}])
        );
        assert_eq!(
            item["events"],
            json!([{"name": "SUMMIT", "literal": "summit"}])
        );
        assert_eq!(item["subjects"], expected_subjects);
        assert_eq!(
            item["altIds"],
            json!([
                {"role": "slug", "value": "summit-story"},
                {"role": "url", "value": "https://example.com/news/summit-story"},
                {"role": "canonical", "value": "https://origin.example/summit"},
            ])
        );
        let image = &item["associations"][0];
        assert_eq!(image["name"], "featureimage");
        assert_eq!(image["type"], "picture");
        assert_eq!(image["uri"], "https://img.example/summit.jpg");
        assert_eq!(image["by"], "Wire Photo");
        assert_eq!(
            image["renditions"][0]["href"],
            "https://img.example/summit.jpg"
        );
        assert!(
            item["edNote"]
                .as_str()
                .is_some_and(|n| n.contains("An earlier version misspelt a name.")),
            "corrections travel as edNote"
        );
        let first_created =
            DateTime::parse_from_rfc3339(item["firstCreated"].as_str().expect("date"))
                .expect("firstCreated");
        assert_eq!(
            first_created.timestamp(),
            story
                .first_published_at
                .expect("published")
                .and_utc()
                .timestamp()
        );
        let version_created =
            DateTime::parse_from_rfc3339(item["versionCreated"].as_str().expect("date"))
                .expect("versionCreated");
        assert_eq!(
            version_created.timestamp(),
            story.updated_at.and_utc().timestamp(),
            "the correction is the latest change"
        );
        assert_eq!(item["standard"]["name"], "ninjs");
        assert_eq!(item["standard"]["version"], "3.1");
        // The same item on its own, bare.
        let one = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{}", story.id),
            200,
        )
        .await;
        assert_ninjs(&validator, &one);
        assert_eq!(&one, item);
        // Ids that are not UUIDs are a 400; unknown ones a 404.
        json_as(&app, &partner, "/syndication/v1/articles/summit-story", 400).await;
        json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{}", uuid::Uuid::now_v7()),
            404,
        )
        .await;
    }
);

on_both_backends_with!(
    the_change_stream_pages_in_order_of_change,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let mut ids = Vec::new();
        for i in 0..5i64 {
            // Changed oldest first; the last two at the same instant (ties go by id).
            let changed = now - Duration::minutes(10 - i.min(3));
            let id = insert_raw(&app.content, &format!("story-{i}"), now, move |row| {
                row.published_at = Some(now - Duration::hours(5));
                row.updated_at = changed;
            })
            .await;
            ids.push(uri(&id));
        }
        let (last_two_first, last_two_second) = (ids[3].clone(), ids[4].clone());
        assert!(
            last_two_first < last_two_second,
            "UUID v7 sort in creation order"
        );
        let partner = key(&app.content, Role::Partner).await;
        let mut seen = Vec::new();
        let mut cursor = None::<String>;
        for (expected_len, expected_more) in [(2, true), (2, true), (1, false)] {
            let path = match &cursor {
                Some(c) => format!("/syndication/v1/articles?limit=2&cursor={c}"),
                None => "/syndication/v1/articles?limit=2".to_owned(),
            };
            let page = json_as(&app, &partner, &path, 200).await;
            assert_eq!(uris(&page).len(), expected_len, "{page:#}");
            assert_eq!(page["meta"]["has_more"], expected_more);
            assert_eq!(page["meta"]["limit"], 2);
            seen.extend(uris(&page));
            cursor = page["meta"]["next_cursor"].as_str().map(str::to_owned);
            assert!(cursor.is_some(), "every page says where to resume");
        }
        assert_eq!(seen, ids);
        // Nothing new: the same cursor comes back, to poll with later.
        let cursor = cursor.expect("cursor");
        let idle = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles?cursor={cursor}"),
            200,
        )
        .await;
        assert_eq!(uris(&idle), Vec::<String>::new());
        assert_eq!(idle["meta"]["next_cursor"], cursor);
        assert_eq!(idle["meta"]["has_more"], false);
        // `since` starts the walk at a time.
        let since = (now - Duration::minutes(8)).and_utc().to_rfc3339();
        let page = json_as(
            &app,
            &partner,
            &format!(
                "/syndication/v1/articles?since={}",
                since.replace('+', "%2B")
            ),
            200,
        )
        .await;
        assert_eq!(uris(&page), ids[2..].to_vec());
        // Bad input is a 400 naming the parameter.
        let list_cursor = app.get_json("/v1/articles?limit=1", 200).await["meta"]["next_cursor"]
            .as_str()
            .map(str::to_owned)
            .expect("a content API cursor");
        for (query, parameter) in [
            ("since=yesterday", "since"),
            ("cursor=garbage", "cursor"),
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            (&format!("cursor={list_cursor}") as &str, "cursor"),
        ] {
            let problem = json_as(
                &app,
                &partner,
                &format!("/syndication/v1/articles?{query}"),
                400,
            )
            .await;
            assert_eq!(problem["parameter"], parameter, "{query}");
        }
    }
);

on_both_backends_with!(
    withdrawn_articles_reach_partners_as_kill_notices,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let validator = ninjs_validator();
        let editor = editor(&app.content).await;
        let partner = key(&app.content, Role::Partner).await;
        let mut stories: Vec<Article> = Vec::new();
        for (i, slug) in ["unpublished", "archived", "deleted", "edited"]
            .iter()
            .enumerate()
        {
            stories.push(publish(&app.content, slug, 10 - i as i64, |_| {}).await);
        }
        let draft = app
            .content
            .create_article(
                {
                    let mut a = crate::helpers::article("never-out", domain::now());
                    a.status = byline::domain::article::ArticleStatus::Draft;
                    a.published_at = None;
                    a
                },
                None,
            )
            .await
            .expect("draft");
        let (before, cursor) = walk(&app, &partner, 100).await;
        assert_eq!(before.len(), 4);
        assert!(before.iter().all(|i| i["pubStatus"] == "usable"));
        let cursor = cursor.expect("cursor");
        // Withdraw three, edit the fourth, each a moment apart so the order is clear.
        let pause = || actix_web::rt::time::sleep(StdDuration::from_millis(20));
        app.content
            .transition_article(
                &editor,
                &stories[0].id,
                Transition::Unpublish,
                Some(stories[0].version),
            )
            .await
            .expect("unpublish");
        pause().await;
        app.content
            .transition_article(
                &editor,
                &stories[1].id,
                Transition::Archive,
                Some(stories[1].version),
            )
            .await
            .expect("archive");
        pause().await;
        app.content
            .delete_article(&editor, &stories[2].id, Some(stories[2].version))
            .await
            .expect("delete");
        pause().await;
        app.content
            .update_article(
                &editor,
                &stories[3].id,
                ArticlePatch {
                    title: Some("Edited title".into()),
                    ..ArticlePatch::default()
                },
                Some(stories[3].version),
            )
            .await
            .expect("edit");
        let page = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles?cursor={cursor}"),
            200,
        )
        .await;
        let expected: Vec<String> = stories.iter().map(|s| uri(&s.id)).collect();
        assert_eq!(uris(&page), expected, "in order of change");
        let items = page["data"].as_array().expect("data");
        for item in items {
            assert_ninjs(&validator, item);
        }
        for (item, why) in items[..3]
            .iter()
            .zip(["unpublished", "archived", "deleted"])
        {
            assert_eq!(item["pubStatus"], "canceled", "{why}");
            assert_eq!(item["representationType"], "partial");
            assert!(
                item["edNote"].as_str().is_some_and(|n| n.contains(why)),
                "{item:#}"
            );
            // A kill notice says which article, never what it said.
            for field in [
                "headlines",
                "bodies",
                "descriptions",
                "by",
                "slugline",
                "altIds",
            ] {
                assert!(item.get(field).is_none(), "{why} notice carries {field}");
            }
        }
        assert_eq!(items[3]["pubStatus"], "usable");
        assert_eq!(items[3]["headlines"][0]["value"], "Edited title");
        // Each on its own says the same; a draft that was never out is unknown.
        for (story, status) in stories
            .iter()
            .zip(["canceled", "canceled", "canceled", "usable"])
        {
            let one = json_as(
                &app,
                &partner,
                &format!("/syndication/v1/articles/{}", story.id),
                200,
            )
            .await;
            assert_ninjs(&validator, &one);
            assert_eq!(one["pubStatus"], status, "{}", story.slug);
        }
        json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{}", draft.id),
            404,
        )
        .await;
        // Published again, the article is usable again, later in the stream.
        let next = page["meta"]["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
        app.content
            .transition_article(
                &editor,
                &stories[0].id,
                Transition::Publish,
                current_version(&app.content, &stories[0].id).await,
            )
            .await
            .expect("republish");
        let page = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles?cursor={next}"),
            200,
        )
        .await;
        assert_eq!(
            status_by_uri(&page),
            BTreeMap::from([(uri(&stories[0].id), "usable".to_owned())])
        );
        // A whole walk shows each article once, as it now stands.
        let (all, _) = walk(&app, &partner, 2).await;
        let statuses: BTreeMap<String, String> = all
            .iter()
            .map(|i| {
                (
                    i["uri"].as_str().expect("uri").to_owned(),
                    i["pubStatus"].as_str().expect("status").to_owned(),
                )
            })
            .collect();
        assert_eq!(all.len(), 4);
        assert_eq!(statuses[&uri(&stories[0].id)], "usable");
        assert_eq!(statuses[&uri(&stories[1].id)], "canceled");
        assert_eq!(statuses[&uri(&stories[2].id)], "canceled");
        assert!(!statuses.contains_key(&uri(&draft.id)));
    }
);

on_both_backends_with!(hidden_articles_never_reach_partners, no_settling, |app| {
    app.seed_taxonomy().await;
    let cases = seed_visibility_cases(&app.content).await;
    let partner = key(&app.content, Role::Partner).await;
    let mut expected = BTreeMap::new();
    for (slug, id, visible) in &cases {
        if *visible {
            expected.insert(uri(id), "usable".to_owned());
        } else if slug == "hidden-archived" {
            // Archived after it was out: partners must take it down.
            expected.insert(uri(id), "canceled".to_owned());
        }
    }
    for limit in [1, 100] {
        let (items, _) = walk(&app, &partner, limit).await;
        let got: BTreeMap<String, String> = items
            .iter()
            .map(|i| {
                (
                    i["uri"].as_str().expect("uri").to_owned(),
                    i["pubStatus"].as_str().expect("status").to_owned(),
                )
            })
            .collect();
        assert_eq!(got, expected, "walking {limit} at a time");
        assert_eq!(items.len(), expected.len(), "each article once");
    }
    let since = (domain::now() - Duration::days(2)).and_utc().to_rfc3339();
    let page = json_as(
        &app,
        &partner,
        &format!(
            "/syndication/v1/articles?limit=100&since={}",
            since.replace('+', "%2B")
        ),
        200,
    )
    .await;
    assert_eq!(status_by_uri(&page), expected, "since");
    for (slug, id, _) in &cases {
        let path = format!("/syndication/v1/articles/{id}");
        match expected.get(&uri(id)) {
            Some(status) => {
                let one = json_as(&app, &partner, &path, 200).await;
                assert_eq!(&one["pubStatus"], status.as_str(), "{slug}");
            }
            None => {
                json_as(&app, &partner, &path, 404).await;
            }
        }
    }
});

on_both_backends_with!(
    an_embargoed_article_joins_the_stream_when_its_embargo_lifts,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let lifts = now + Duration::seconds(2);
        let held = insert_raw(&app.content, "held", now, move |row| {
            row.published_at = Some(now - Duration::hours(1));
            row.embargo_until = Some(lifts);
            row.updated_at = now - Duration::hours(1);
        })
        .await;
        let other = insert_raw(&app.content, "other", now, move |row| {
            row.updated_at = now - Duration::minutes(30);
        })
        .await;
        let partner = key(&app.content, Role::Partner).await;
        let page = json_as(&app, &partner, "/syndication/v1/articles", 200).await;
        assert_eq!(uris(&page), vec![uri(&other)]);
        json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{held}"),
            404,
        )
        .await;
        let cursor = page["meta"]["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
        actix_web::rt::time::sleep(StdDuration::from_millis(2500)).await;
        // Written an hour ago, it changes for partners when the embargo lifts: a partner
        // already past that hour still gets it.
        let page = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles?cursor={cursor}"),
            200,
        )
        .await;
        assert_eq!(uris(&page), vec![uri(&held)]);
        assert_ninjs(&ninjs_validator(), &page["data"][0]);
        let embargo = DateTime::parse_from_rfc3339(
            page["data"][0]["embargoedUntil"].as_str().expect("embargo"),
        )
        .expect("date");
        assert_eq!(embargo.timestamp(), lifts.and_utc().timestamp());
        json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{held}"),
            200,
        )
        .await;
    }
);

on_both_backends_with!(
    fresh_changes_wait_out_the_settle_window,
    |s| s.syndication_settle = StdDuration::from_millis(1500),
    |app| {
        app.seed_taxonomy().await;
        let partner = key(&app.content, Role::Partner).await;
        let story = publish(&app.content, "just-now", 0, |a| {
            a.published_at = Some(domain::now());
        })
        .await;
        let page = json_as(&app, &partner, "/syndication/v1/articles", 200).await;
        assert_eq!(uris(&page), Vec::<String>::new(), "too fresh to serve");
        // By id there is nothing to wait for.
        json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{}", story.id),
            200,
        )
        .await;
        actix_web::rt::time::sleep(StdDuration::from_millis(1800)).await;
        let page = json_as(&app, &partner, "/syndication/v1/articles", 200).await;
        assert_eq!(uris(&page), vec![uri(&story.id)]);
    }
);

on_both_backends_with!(
    syndication_answers_conditional_requests,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let story = publish(&app.content, "story", 1, |_| {}).await;
        let partner = key(&app.content, Role::Partner).await;
        for path in [
            "/syndication/v1/articles".to_owned(),
            format!("/syndication/v1/articles/{}", story.id),
        ] {
            let first = get_as(&app, Some(&partner), &path).await;
            assert_eq!(first.status().as_u16(), 200);
            let etag = first
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .expect("etag")
                .to_owned();
            let again = app
                .client
                .get(format!("{}{path}", app.base))
                .bearer_auth(&partner)
                .header("If-None-Match", &etag)
                .send()
                .await
                .expect("request");
            assert_eq!(again.status().as_u16(), 304, "{path}");
            // The key is checked before any 304: no key, no answer.
            let anonymous = app
                .client
                .get(format!("{}{path}", app.base))
                .header("If-None-Match", &etag)
                .send()
                .await
                .expect("request");
            assert_eq!(anonymous.status().as_u16(), 401, "{path}");
        }
    }
);

/// The partner stream as `(uri, pubStatus)` pairs, walked from the start.
async fn stream_statuses(app: &TestApp, partner: &str) -> BTreeMap<String, String> {
    let (items, _) = walk(app, partner, 100).await;
    items
        .iter()
        .map(|i| {
            (
                i["uri"].as_str().expect("uri").to_owned(),
                i["pubStatus"].as_str().expect("pubStatus").to_owned(),
            )
        })
        .collect()
}

on_both_backends_with!(
    an_article_the_public_never_saw_is_not_found_and_never_reaches_partners,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let editor = editor(&app.content).await;
        let partner = key(&app.content, Role::Partner).await;
        let later = domain::now() + Duration::hours(6);
        // Published under an embargo, then withdrawn in each way before the embargo lifted.
        let mut ids = Vec::new();
        for (slug, withdraw) in [
            ("never-seen-unpublished", Some(Transition::Unpublish)),
            ("never-seen-archived", Some(Transition::Archive)),
            ("never-seen-deleted", None),
        ] {
            let created = publish(&app.content, slug, 1, |a| a.embargo_until = Some(later)).await;
            assert!(created.first_published_at.is_some(), "{slug}: published");
            match withdraw {
                Some(transition) => {
                    app.content
                        .transition_article(&editor, &created.id, transition, Some(created.version))
                        .await
                        .expect("withdraw");
                }
                None => app
                    .content
                    .delete_article(&editor, &created.id, Some(created.version))
                    .await
                    .expect("delete"),
            }
            ids.push((slug, created.id));
        }
        let stream = stream_statuses(&app, &partner).await;
        for (slug, id) in &ids {
            for path in [format!("/v1/articles/{slug}"), format!("/v1/articles/{id}")] {
                let status = app.get(&path).await.status().as_u16();
                assert_eq!(status, 404, "{path}: the public never saw it");
            }
            assert!(
                !stream.contains_key(&uri(id)),
                "{slug} in the stream: {stream:?}"
            );
            json_as(
                &app,
                &partner,
                &format!("/syndication/v1/articles/{id}"),
                404,
            )
            .await;
        }
    }
);

on_both_backends_with!(
    partners_hear_of_every_withdrawal_at_once,
    no_settling,
    |app| {
        app.seed_taxonomy().await;
        let editor = editor(&app.content).await;
        let partner = key(&app.content, Role::Partner).await;
        let later = domain::now() + Duration::hours(6);
        let transition = |id: String, t: Transition| {
            let (content, editor) = (app.content.clone(), editor.clone());
            async move {
                let version = current_version(&content, &id).await;
                content
                    .transition_article(&editor, &id, t, version)
                    .await
                    .expect("transition")
            }
        };
        // Out, then put back under an embargo: partners must take it down now.
        let held = publish(&app.content, "held-back", 2, |_| {}).await;
        assert_eq!(
            stream_statuses(&app, &partner).await[&uri(&held.id)],
            "usable"
        );
        transition(held.id.clone(), Transition::Embargo(Some(later))).await;
        assert_eq!(
            stream_statuses(&app, &partner)
                .await
                .get(&uri(&held.id))
                .map(String::as_str),
            Some("canceled"),
            "a re-embargo withdraws at once"
        );
        // Out, rescheduled for later, then archived: the notice comes now, not at that time.
        let moved = publish(&app.content, "moved-then-archived", 2, |_| {}).await;
        transition(moved.id.clone(), Transition::Unpublish).await;
        transition(moved.id.clone(), Transition::Schedule(later)).await;
        transition(moved.id.clone(), Transition::Archive).await;
        let stream = stream_statuses(&app, &partner).await;
        assert_eq!(
            stream.get(&uri(&moved.id)).map(String::as_str),
            Some("canceled"),
            "{stream:?}"
        );
        let one = json_as(
            &app,
            &partner,
            &format!("/syndication/v1/articles/{}", moved.id),
            200,
        )
        .await;
        assert_eq!(one["pubStatus"], "canceled");
        // The public API: gone for good answers 410; merely held back answers 404.
        assert_eq!(
            app.get("/v1/articles/moved-then-archived").await.status(),
            410
        );
        assert_eq!(app.get("/v1/articles/held-back").await.status(), 404);
    }
);
