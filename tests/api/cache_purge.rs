//! `cache.purge` webhooks, on both backends: every write that changed public responses queues
//! one, delivered signed to a local receiver with the surrogate keys those responses carry;
//! an article coming out by time (a schedule, an embargo lift) is purged after its moment and
//! not before; edits of articles the public never saw queue none; subscriptions over REST and
//! GraphQL get only the events they asked for; two clocks handling the same moment queue one.

use std::{
    collections::BTreeSet,
    time::{Duration as StdDuration, Instant},
};

use byline::{
    auth::Role,
    db::{
        Db,
        queries::visibility::changes_between,
        schema::{webhook_deliveries, webhook_events},
    },
    domain::{self, article::ArticleStatus, webhook::EventType},
    service::{ContentService, editorial::NewArticle, editorial::Transition},
};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::{
    articles_api::surrogate_keys,
    helpers::{Backend, article, open_content, seed_taxonomy},
    on_both_backends_spawned,
    webhooks::{
        LOCAL_RECEIVERS, Received, Receiver, SECRET, admin_send, fast, graphql, key, settled,
        signature_is_valid, spawn_allowing, start_dispatcher, subscribe,
    },
};

/// The keys an article's own change purges while it is or was visible: its own, every list,
/// and the taxonomy counts.
fn article_keys(id: &str) -> BTreeSet<String> {
    [
        format!("article:{id}"),
        "articles".into(),
        "syndication".into(),
        "graphql".into(),
        "authors".into(),
        "sections".into(),
        "tags".into(),
    ]
    .into()
}

/// The purge a request carries: its keys, `everything` and reason, after checking that it is
/// a signed `cache.purge`.
fn purge_of(request: &Received) -> (BTreeSet<String>, bool, String) {
    assert_eq!(request.event, "cache.purge");
    assert!(signature_is_valid(request, SECRET), "the purge is signed");
    let body = request.json();
    assert_eq!(body["type"], "cache.purge", "{body}");
    let data = &body["data"];
    let keys = data["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("keys: {body}"))
        .iter()
        .map(|k| k.as_str().expect("a key").to_owned())
        .collect();
    let everything = data["everything"].as_bool().expect("everything");
    let reason = data["reason"].as_str().expect("reason").to_owned();
    (keys, everything, reason)
}

/// Waits for the `n`th request and returns its purge.
async fn nth_purge(receiver: &Receiver, n: usize, what: &str) -> (BTreeSet<String>, bool, String) {
    let got = receiver
        .wait_for(StdDuration::from_secs(10), what, |r| r.len() >= n)
        .await;
    purge_of(&got[n - 1])
}

on_both_backends_spawned!(
    a_publish_an_edit_an_unpublish_and_a_tag_rename_each_purge_their_keys,
    |backend| spawn_allowing(backend, LOCAL_RECEIVERS),
    |app| {
        seed_taxonomy(&app.content).await;
        let (admin, _) = key(&app.content, Role::Admin).await;
        let (_, editor) = key(&app.content, Role::Editor).await;
        // Subscribed over REST to the purge only, and over GraphQL to publications only.
        let cdn = Receiver::start(&[]);
        let (status, created) = admin_send(
            &app,
            reqwest::Method::POST,
            "/admin/v1/webhooks",
            &admin,
            json!({ "url": cdn.url, "events": ["cache.purge"], "secret": SECRET }),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["data"]["events"], json!(["cache.purge"]));
        let hook = created["data"]["id"].as_str().expect("id").to_owned();
        let wire = Receiver::start(&[]);
        let subscribed = graphql(
            &app,
            Some(&admin),
            "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"article.published\"] }) { webhook { events } } }",
            json!({ "url": wire.url }),
        )
        .await;
        assert_eq!(
            subscribed["data"]["createWebhook"]["webhook"]["events"],
            json!(["article.published"]),
            "{subscribed}"
        );
        let listed = graphql(
            &app,
            Some(&admin),
            "query { webhooks { events } }",
            json!({}),
        )
        .await;
        let events: Vec<Value> = listed["data"]["webhooks"]
            .as_array()
            .unwrap_or_else(|| panic!("{listed}"))
            .iter()
            .map(|w| w["events"].clone())
            .collect();
        assert!(events.contains(&json!(["cache.purge"])), "{listed}");
        start_dispatcher(&app, fast());

        // A publication.
        let story = app
            .content
            .create_article(article("purged-story", domain::now()), None)
            .await
            .expect("publish");
        let expected = article_keys(&story.id);
        let (keys, everything, reason) = nth_purge(&cdn, 1, "the publication's purge").await;
        assert_eq!(
            (&keys, everything, reason.as_str()),
            (&expected, false, "write")
        );
        // The keys are the ones the changed responses carry, as they are.
        let one = app.get("/v1/articles/purged-story").await;
        assert!(surrogate_keys(&one).contains(&format!("article:{}", story.id)));
        let list = app.get("/v1/articles").await;
        assert!(surrogate_keys(&list).contains("articles"));

        // An edit of the public article.
        let edited = app
            .content
            .update_article(
                &editor,
                &story.id,
                serde_json::from_value(json!({ "title": "A new title", "version": story.version }))
                    .expect("patch"),
                None,
            )
            .await
            .expect("edit");
        let (keys, _, reason) = nth_purge(&cdn, 2, "the edit's purge").await;
        assert_eq!((&keys, reason.as_str()), (&expected, "write"));

        // An unpublish: the article's id, which the public saw.
        app.content
            .transition_article(
                &editor,
                &story.id,
                Transition::Unpublish,
                Some(edited.version),
            )
            .await
            .expect("unpublish");
        let (keys, _, _) = nth_purge(&cdn, 3, "the unpublish's purge").await;
        assert_eq!(keys, expected);

        // A tag renamed: its own answers and everything that shows it.
        let tag = app.get_json("/v1/tags/eu", 200).await;
        let tag_id = tag["data"]["id"].as_str().expect("tag id").to_owned();
        let (editor_key, _) = key(&app.content, Role::Editor).await;
        let (status, _) = admin_send(
            &app,
            reqwest::Method::PATCH,
            "/admin/v1/tags/eu",
            &editor_key,
            json!({ "name": "European Union" }),
        )
        .await;
        assert_eq!(status, 200);
        let (keys, everything, _) = nth_purge(&cdn, 4, "the rename's purge").await;
        let renamed: BTreeSet<String> = [
            format!("tag:{tag_id}"),
            "tags".into(),
            "articles".into(),
            "syndication".into(),
            "graphql".into(),
        ]
        .into();
        assert_eq!((keys, everything), (renamed, false));

        // One purge per write, each delivered; the other subscription got its one event only.
        let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
        assert_eq!(list.len(), 4, "{list:#?}");
        assert!(list.iter().all(|d| d["status"] == "delivered"), "{list:#?}");
        assert!(list.iter().all(|d| d["event"] == "cache.purge"));
        assert_eq!(cdn.received().len(), 4);
        let announced = wire
            .wait_for(StdDuration::from_secs(10), "the publication", |r| {
                !r.is_empty()
            })
            .await;
        assert_eq!(announced.len(), 1);
        assert_eq!(announced[0].event, "article.published");
    }
);

on_both_backends_spawned!(
    articles_coming_out_by_time_are_purged_after_their_moment,
    |backend| spawn_allowing(backend, LOCAL_RECEIVERS),
    |app| {
        seed_taxonomy(&app.content).await;
        let cdn = Receiver::start(&[]);
        let hook = subscribe(&app.content, &cdn.url, &[EventType::CachePurge]).await;
        start_dispatcher(&app, fast());
        let (wall, clock) = (domain::now(), Instant::now());
        let at = wall + Duration::seconds(2);
        // The moment as an `Instant` (taken after `wall`, so if anything a little late).
        let due = clock + (at - wall).to_std().expect("ahead");
        let scheduled = app
            .content
            .create_article(
                NewArticle {
                    status: ArticleStatus::Scheduled,
                    published_at: Some(at),
                    ..article("scheduled-purge", wall)
                },
                None,
            )
            .await
            .expect("schedule");
        let embargoed = app
            .content
            .create_article(
                NewArticle {
                    embargo_until: Some(at),
                    ..article("embargoed-purge", wall)
                },
                None,
            )
            .await
            .expect("embargo");

        let got = cdn
            .wait_for(StdDuration::from_secs(15), "both purges", |r| r.len() >= 2)
            .await;
        let mut reasons = Vec::new();
        for request in &got {
            assert!(
                request.at >= due,
                "purged {:?} before its moment",
                due - request.at
            );
            let (keys, everything, reason) = purge_of(request);
            assert!(!everything);
            let id = if reason == "scheduled_publication" {
                &scheduled.id
            } else {
                &embargoed.id
            };
            assert_eq!(keys, article_keys(id), "{reason}");
            assert_eq!(
                request.json()["occurred_at"],
                json!(at.and_utc()),
                "{reason}"
            );
            reasons.push(reason);
        }
        reasons.sort();
        assert_eq!(reasons, ["embargo_lift", "scheduled_publication"]);
        // The writes that scheduled them queued nothing; each moment queued one.
        let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
        assert_eq!(list.len(), 2, "{list:#?}");
        let mut subjects: Vec<&str> = list
            .iter()
            .map(|d| d["subject_id"].as_str().expect("subject"))
            .collect();
        subjects.sort();
        let mut ids = vec![scheduled.id.as_str(), embargoed.id.as_str()];
        ids.sort();
        assert_eq!(subjects, ids);
    }
);

// ---------------------------------------------------------------------------------------
// In the database
// ---------------------------------------------------------------------------------------

/// The `cache.purge` events queued so far, with their deliveries.
fn purges(db: &Db) -> (i64, i64) {
    db.read_blocking(|conn| {
        let events = webhook_events::table
            .filter(webhook_events::event.eq("cache.purge"))
            .count()
            .get_result(conn)?;
        let deliveries = webhook_deliveries::table
            .inner_join(webhook_events::table)
            .filter(webhook_events::event.eq("cache.purge"))
            .count()
            .get_result(conn)?;
        Ok((events, deliveries))
    })
    .expect("count purges")
}

async fn edits_of_articles_nobody_saw_queue_no_purge(backend: Backend) {
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    seed_taxonomy(&content).await;
    let cdn = "https://cdn.example/purge";
    subscribe(&content, cdn, &[EventType::CachePurge]).await;
    let (_, editor) = key(&content, Role::Editor).await;
    let now = domain::now();
    let later = now + Duration::hours(1);
    let unseen = [
        NewArticle {
            status: ArticleStatus::Draft,
            published_at: None,
            ..article("a-draft", now)
        },
        NewArticle {
            status: ArticleStatus::Scheduled,
            published_at: Some(later),
            ..article("scheduled-later", now)
        },
        NewArticle {
            embargo_until: Some(later),
            ..article("embargoed-later", now)
        },
    ];
    for new in unseen {
        let slug = new.slug.clone();
        let created = content.create_article(new, None).await.expect("create");
        content
            .update_article(
                &editor,
                &created.id,
                serde_json::from_value(json!({ "title": "Edited", "version": created.version }))
                    .expect("patch"),
                None,
            )
            .await
            .expect("edit");
        assert_eq!(purges(content.db()), (0, 0), "{slug:?} was purged");
    }
    // The same edit of a public article is purged: the count above could have moved.
    let public = content
        .create_article(article("a-public-one", now), None)
        .await
        .expect("publish");
    assert_eq!(purges(content.db()), (1, 1));
    content
        .update_article(
            &editor,
            &public.id,
            serde_json::from_value(json!({ "title": "Edited", "version": public.version }))
                .expect("patch"),
            None,
        )
        .await
        .expect("edit");
    assert_eq!(purges(content.db()), (2, 2));
}

#[actix_web::test]
async fn edits_of_articles_nobody_saw_queue_no_purge_on_sqlite() {
    edits_of_articles_nobody_saw_queue_no_purge(Backend::Sqlite).await;
}

#[actix_web::test]
async fn edits_of_articles_nobody_saw_queue_no_purge_on_postgres() {
    edits_of_articles_nobody_saw_queue_no_purge(Backend::Postgres).await;
}

/// Waits until `content`'s clock has handled the moment `at`.
async fn handled(content: &ContentService, at: NaiveDateTime) {
    let moment = at.and_utc().timestamp_micros();
    let start = Instant::now();
    while content.visibility_clock().valid_until() <= moment {
        assert!(
            start.elapsed() < StdDuration::from_secs(15),
            "the clock has not handled the moment"
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
    }
}

async fn two_clocks_queue_one_purge_per_moment(backend: Backend) {
    let Some((database, first)) = open_content(backend) else {
        return;
    };
    // A second instance on the same database, with a clock of its own.
    let second = ContentService::new(Db::connect(database.url(), 4).expect("connect"));
    seed_taxonomy(&first).await;
    subscribe(
        &first,
        "https://cdn.example/purge",
        &[EventType::CachePurge],
    )
    .await;
    let at = domain::now() + Duration::seconds(1);
    let story = first
        .create_article(
            NewArticle {
                status: ArticleStatus::Scheduled,
                published_at: Some(at),
                ..article("one-moment", domain::now())
            },
            None,
        )
        .await
        .expect("schedule");
    assert_eq!(purges(first.db()), (0, 0));
    // Both clocks read the moment from the database when they start.
    actix_web::rt::spawn(first.clone().run_visibility_clock());
    actix_web::rt::spawn(second.clone().run_visibility_clock());
    handled(&first, at).await;
    handled(&second, at).await;
    assert_eq!(purges(first.db()), (1, 1), "one event, one delivery");
    // Handling the moment again, on both at once (a retry, a late clock), adds nothing.
    let window = (at - Duration::seconds(1), domain::now());
    let (releases, _) = first
        .db()
        .read_blocking(move |conn| Ok(changes_between(conn, window.0, window.1)?))
        .expect("releases");
    assert_eq!(releases.len(), 1);
    let (a, b) = futures_util::future::join(
        first.queue_release_purges(&releases, window.0, window.1),
        second.queue_release_purges(&releases, window.0, window.1),
    )
    .await;
    assert_eq!((a.expect("first"), b.expect("second")), (0, 0));
    assert_eq!(purges(first.db()), (1, 1));
    let subject: String = first
        .db()
        .read_blocking(|conn| {
            Ok(webhook_events::table
                .filter(webhook_events::event.eq("cache.purge"))
                .select(webhook_events::subject_id)
                .first(conn)?)
        })
        .expect("subject");
    assert_eq!(subject, story.id);
}

#[actix_web::test]
async fn two_clocks_queue_one_purge_per_moment_on_sqlite() {
    two_clocks_queue_one_purge_per_moment(Backend::Sqlite).await;
}

#[actix_web::test]
async fn two_clocks_queue_one_purge_per_moment_on_postgres() {
    two_clocks_queue_one_purge_per_moment(Backend::Postgres).await;
}
