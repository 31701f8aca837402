//! The response cache: a repeated public read is answered from memory (seen in `/metrics`),
//! every write evicts what it changed before it returns, time brings scheduled and embargoed
//! articles out while lists are cached, and keyed readers never share entries with the
//! public.

use std::time::{Duration as StdDuration, Instant};

use byline::{auth::Role, domain};
use chrono::{Duration, SecondsFormat};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, article, current_version, spawn_app_with},
    on_both_backends,
};

async fn scrape(app: &TestApp) -> String {
    app.get("/metrics").await.text().await.expect("metrics")
}

/// The value of `series` in `/metrics`, 0 when absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().expect("a number"))
}

/// Hits and misses so far.
async fn counts(app: &TestApp) -> (f64, f64) {
    let text = scrape(app).await;
    (
        sample(&text, "byline_response_cache_hits_total"),
        sample(&text, "byline_response_cache_misses_total"),
    )
}

/// One request with an optional bearer key and extra headers.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.request(method, format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.expect("request")
}

/// GETs `path` anonymously until the cache answers it (the cache serves once the visibility
/// clock has read the database, just after start), and returns that answer's body.
async fn cached(app: &TestApp, path: &str) -> String {
    let deadline = Instant::now() + StdDuration::from_secs(10);
    loop {
        let (hits, _) = counts(app).await;
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 200, "GET {path}");
        let body = response.text().await.expect("body");
        if counts(app).await.0 > hits {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "GET {path} never came from the cache"
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
    }
}

async fn key(app: &TestApp, role: Role) -> String {
    app.content
        .create_key(format!("{role:?}"), role)
        .await
        .expect("key")
        .1
}

/// An admin write on article `id` with its current version as `If-Match`.
async fn write(
    app: &TestApp,
    editor: &str,
    method: Method,
    id: &str,
    action: &str,
    body: Option<Value>,
) -> u16 {
    let version = current_version(&app.content, id).await.expect("version");
    let path = format!("/admin/v1/articles/{id}{action}");
    let tag = format!("\"v{version}\"");
    let response = send(
        app,
        method,
        &path,
        Some(editor),
        body.as_ref(),
        &[("If-Match", &tag)],
    )
    .await;
    let status = response.status().as_u16();
    assert!(
        status < 300,
        "{path}: {status} {}",
        response.text().await.unwrap_or_default()
    );
    status
}

async fn publish(app: &TestApp, slug: &str) -> String {
    app.content
        .create_article(article(slug, domain::now()), None)
        .await
        .expect("article")
        .id
}

fn graphql_path(query: &str) -> String {
    format!(
        "/graphql?query={}",
        url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    )
}

const LIST: &str = "/v1/articles?fields=slug,title";
const TAG_FEED: &str = "/feeds/tags/eu/feed.json";

on_both_backends!(a_repeated_public_read_is_answered_from_the_cache, |app| {
    app.seed_taxonomy().await;
    publish(&app, "repeated").await;
    let first = cached(&app, "/v1/articles?limit=5&fields=slug").await;

    // The same request with its parameters in another order is the same entry.
    let (hits, misses) = counts(&app).await;
    let again = app.get("/v1/articles?fields=slug&limit=5").await;
    let etag = again
        .headers()
        .get("etag")
        .expect("etag")
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(again.text().await.expect("body"), first);
    assert_eq!(counts(&app).await, (hits + 1.0, misses));

    // A conditional request is answered 304 from the entry, with its validators.
    let revalidated = send(
        &app,
        Method::GET,
        "/v1/articles?limit=5&fields=slug",
        None,
        None,
        &[("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(revalidated.status().as_u16(), 304);
    assert_eq!(revalidated.headers()["etag"].to_str().ok(), Some(&*etag));
    assert!(revalidated.headers().contains_key("surrogate-key"));
    assert_eq!(counts(&app).await, (hits + 2.0, misses));

    // Another request is another entry: a miss, then a hit.
    let text = scrape(&app).await;
    assert!(
        sample(&text, "byline_response_cache_entries") >= 1.0,
        "{text}"
    );
    assert!(sample(&text, "byline_response_cache_bytes") > 0.0);
    app.get("/v1/articles/repeated").await;
    assert_eq!(counts(&app).await, (hits + 2.0, misses + 1.0));
    app.get("/v1/articles/repeated").await;
    assert_eq!(counts(&app).await, (hits + 3.0, misses + 1.0));
});

on_both_backends!(an_edit_shows_at_once_on_every_cached_surface, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let id = publish(&app, "edited").await;
    let graphql_list = graphql_path("{ articles(first: 5) { edges { node { title } } } }");
    let graphql_one = graphql_path(r#"{ article(slug: "edited") { title } }"#);
    let paths = [
        "/v1/articles/edited",
        LIST,
        TAG_FEED,
        "/feeds/rss.xml",
        &graphql_list,
        &graphql_one,
    ];
    for path in paths {
        let body = cached(&app, path).await;
        assert!(body.contains("Title of edited"), "{path}: {body}");
    }

    write(
        &app,
        &editor,
        Method::PATCH,
        &id,
        "",
        Some(json!({"title": "A new title"})),
    )
    .await;
    for path in paths {
        let body = app.get(path).await.text().await.expect("body");
        assert!(
            body.contains("A new title"),
            "{path} after the edit: {body}"
        );
        assert!(
            !body.contains("Title of edited"),
            "{path} after the edit: {body}"
        );
    }

    // A renamed tag shows on the article at once too.
    let tagged = "/v1/articles/edited?include=tags";
    assert!(cached(&app, tagged).await.contains("\"EU\""));
    let renamed = send(
        &app,
        Method::PATCH,
        "/admin/v1/tags/eu",
        Some(&editor),
        Some(&json!({"name": "European Union"})),
        &[],
    )
    .await;
    assert_eq!(renamed.status().as_u16(), 200);
    let body = app.get(tagged).await.text().await.expect("body");
    assert!(body.contains("European Union"), "{body}");
});

on_both_backends!(
    withdrawn_articles_are_gone_from_cache_once_the_write_returns,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let later = (domain::now() + Duration::hours(3))
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        let withdrawals: [(&str, Method, &str, Option<Value>, u16); 4] = [
            ("unpublished", Method::POST, "/unpublish", None, 410),
            ("archived", Method::POST, "/archive", None, 410),
            (
                "embargoed",
                Method::POST,
                "/embargo",
                Some(json!({"embargo_until": later})),
                404,
            ),
            ("deleted", Method::DELETE, "", None, 410),
        ];
        for (slug, method, action, body, status) in withdrawals {
            let id = publish(&app, slug).await;
            let page = format!("/v1/articles/{slug}");
            let by_id = format!("/v1/articles/id/{id}");
            for path in [page.as_str(), &by_id, LIST, TAG_FEED, "/sitemap.xml"] {
                cached(&app, path).await;
            }
            write(&app, &editor, method, &id, action, body).await;
            for path in [&page, &by_id] {
                assert_eq!(
                    app.get(path).await.status().as_u16(),
                    status,
                    "{slug}: {path}"
                );
            }
            for path in [LIST, TAG_FEED] {
                let body = app.get(path).await.text().await.expect("body");
                assert!(!body.contains(slug), "{slug} still in {path}: {body}");
            }
        }
    }
);

on_both_backends!(
    scheduled_and_embargoed_articles_come_out_of_cached_lists_on_time,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let at = domain::now() + Duration::seconds(2);
        let when = at.and_utc().to_rfc3339_opts(SecondsFormat::Micros, true);
        let scheduled = {
            let mut new = article("scheduled-soon", domain::now());
            new.status = byline::domain::article::ArticleStatus::Draft;
            new.published_at = None;
            let id = app
                .content
                .create_article(new, None)
                .await
                .expect("draft")
                .id;
            write(
                &app,
                &editor,
                Method::POST,
                &id,
                "/schedule",
                Some(json!({"publish_at": when})),
            )
            .await;
            id
        };
        let mut embargoed = article("embargoed-soon", domain::now());
        embargoed.embargo_until = Some(at);
        app.content
            .create_article(embargoed, None)
            .await
            .expect("embargoed");

        let before = cached(&app, LIST).await;
        assert!(!before.contains("-soon"), "{before}");
        cached(&app, TAG_FEED).await;

        // Polled until a deadline; the cache may not hold the lists past the moment.
        let deadline = at + Duration::seconds(3);
        loop {
            let list = app.get(LIST).await.text().await.expect("body");
            let feed = app.get(TAG_FEED).await.text().await.expect("body");
            let out =
                |body: &str| body.contains("scheduled-soon") && body.contains("embargoed-soon");
            if out(&list) && out(&feed) {
                break;
            }
            assert!(
                domain::now() < deadline,
                "not out a second after their time: {list} {feed}"
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        }
        assert_eq!(
            app.get(&format!("/v1/articles/id/{scheduled}"))
                .await
                .status()
                .as_u16(),
            200
        );
    }
);

on_both_backends!(
    keyed_readers_and_previews_never_share_entries_with_the_public,
    |app| {
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let reader = key(&app, Role::Content).await;
        publish(&app, "shared").await;
        let page = "/v1/articles/shared";
        cached(&app, LIST).await;

        // An editor's read neither comes from nor fills the public entry.
        let text = scrape(&app).await;
        let bypassed = sample(&text, "byline_response_cache_bypassed_total");
        let seen = send(&app, Method::GET, page, Some(&editor), None, &[]).await;
        assert_eq!(seen.headers()["cache-control"], "private, no-store");
        let (hits, misses) = counts(&app).await;
        let text = scrape(&app).await;
        assert_eq!(
            sample(&text, "byline_response_cache_bypassed_total"),
            bypassed + 1.0
        );
        app.get(page).await;
        assert_eq!(
            counts(&app).await,
            (hits, misses + 1.0),
            "the editor filled nothing"
        );
        app.get(page).await;
        let seen = send(&app, Method::GET, page, Some(&editor), None, &[]).await;
        assert_eq!(seen.headers()["cache-control"], "private, no-store");

        // A content key reads what the public reads, from entries of its own.
        let (hits, misses) = counts(&app).await;
        send(&app, Method::GET, LIST, Some(&reader), None, &[]).await;
        assert_eq!(counts(&app).await, (hits, misses + 1.0));

        // A draft read with a preview token is never kept for the public, over REST or GraphQL.
        let mut draft = article("secret-draft", domain::now());
        draft.status = byline::domain::article::ArticleStatus::Draft;
        let id = app
            .content
            .create_article(draft, None)
            .await
            .expect("draft")
            .id;
        let minted = send(
            &app,
            Method::POST,
            &format!("/admin/v1/articles/{id}/preview-token"),
            Some(&editor),
            None,
            &[],
        )
        .await;
        let token: Value = minted.json().await.expect("token");
        let token = token["data"]["token"]
            .as_str()
            .or_else(|| token["token"].as_str())
            .expect("token")
            .to_owned();
        for _ in 0..2 {
            let previewed = app
                .get(&format!("/v1/articles/secret-draft?preview_token={token}"))
                .await;
            assert_eq!(previewed.status().as_u16(), 200);
            assert_eq!(previewed.headers()["cache-control"], "private, no-store");
        }
        assert_eq!(
            app.get("/v1/articles/secret-draft").await.status().as_u16(),
            404
        );
        let previewing = graphql_path(&format!(
            r#"{{ article(slug: "secret-draft", previewToken: "{token}") {{ title }} }}"#
        ));
        for _ in 0..2 {
            let answer = app.get(&previewing).await;
            assert_eq!(answer.headers()["cache-control"], "no-store");
            let body = answer.text().await.expect("body");
            assert!(body.contains("Title of secret-draft"), "{body}");
        }
        let public = graphql_path(r#"{ article(slug: "secret-draft") { title } }"#);
        let body = app.get(&public).await.text().await.expect("body");
        assert!(!body.contains("Title of secret-draft"), "{body}");
    }
);

mod memory_bound {
    use super::*;

    /// A small cache keeps to its bound by evicting, and says so in `/metrics`.
    #[actix_web::test]
    async fn the_cache_stays_within_its_byte_bound() {
        let max = 48 * 1024;
        let app = spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
            s.response_cache_bytes = max;
            s.rate_limits = byline::http::rate_limit::RateLimits::unlimited();
        })
        .await
        .expect("app");
        app.seed_taxonomy().await;
        for i in 0..30 {
            publish(&app, &format!("article-{i}")).await;
        }
        cached(&app, LIST).await;
        for round in 0..2 {
            for i in 0..30 {
                app.get(&format!(
                    "/v1/articles/article-{i}?include=authors,tags&r={round}"
                ))
                .await;
            }
        }
        let text = scrape(&app).await;
        let held = sample(&text, "byline_response_cache_bytes");
        assert!(
            held <= max as f64,
            "{held} bytes held over a bound of {max}"
        );
        assert_eq!(sample(&text, "byline_response_cache_max_bytes"), max as f64);
        assert!(
            sample(
                &text,
                "byline_response_cache_evictions_total{cause=\"size\"}"
            ) > 0.0,
            "{text}"
        );
    }
}

mod partner_stream {
    use super::*;

    /// The change stream shows a change only once it has settled; a poll made while it
    /// settles must not keep the stream without it.
    #[actix_web::test]
    async fn a_settling_change_reaches_a_cached_partner_stream() {
        let settle = StdDuration::from_millis(800);
        let app = spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
            s.syndication_settle = settle;
            s.rate_limits = byline::http::rate_limit::RateLimits::unlimited();
        })
        .await
        .expect("app");
        app.seed_taxonomy().await;
        let editor = key(&app, Role::Editor).await;
        let partner = key(&app, Role::Partner).await;
        let id = publish(&app, "wired").await;
        let stream = "/syndication/v1/articles";
        let poll = || async {
            let response = send(&app, Method::GET, stream, Some(&partner), None, &[]).await;
            assert_eq!(response.status().as_u16(), 200);
            response.text().await.expect("body")
        };
        // Once settled, the stream is kept for the partner role: a repeated poll is a hit.
        let deadline = Instant::now() + StdDuration::from_secs(10);
        loop {
            let (hits, _) = counts(&app).await;
            let body = poll().await;
            if body.contains("Title of wired") && counts(&app).await.0 > hits {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the stream was never cached: {body}"
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        }
        write(
            &app,
            &editor,
            Method::PATCH,
            &id,
            "",
            Some(json!({"title": "Wired again"})),
        )
        .await;
        // Polled through the settling window and after it: the edit must come through.
        let deadline = Instant::now() + settle + StdDuration::from_secs(3);
        loop {
            let body = poll().await;
            if body.contains("Wired again") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the edit never reached the stream: {body}"
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        }
    }
}
