//! Several instances on one database. On PostgreSQL, two real `byline serve` processes with
//! their response caches on: a write through one is shown by the other within a second
//! (LISTEN/NOTIFY), a withdrawn article stops being served by the other within a second, and
//! an instance whose listening session is killed drops its cache and listens again. On
//! SQLite, nothing listens and nothing is sent.

use std::{
    process::{Child, Command},
    time::{Duration as StdDuration, Instant},
};

use byline::{
    auth::Role,
    db::Db,
    domain,
    service::{ContentService, peers::CHANNEL},
};
use chrono::{Duration, SecondsFormat};
use diesel::{Connection, RunQueryDsl, pg::PgConnection, sql_types::Integer};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, TestDatabase, article, current_version, seed_taxonomy},
    on_both_backends,
};

/// How soon another instance must show a change.
const DEADLINE: StdDuration = StdDuration::from_secs(1);
const LIST: &str = "/v1/articles?fields=slug,title";

/// One `byline serve` process, stopped when dropped.
struct Instance {
    child: Child,
    base: String,
    client: reqwest::Client,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// Starts `byline serve` on `database` with its defaults (the response cache on), and
    /// waits until it listens for the other instances' changes.
    async fn start(database: &TestDatabase) -> Instance {
        Instance::start_with(database, &[]).await
    }

    /// [`Instance::start`] with more `serve` flags.
    async fn start_with(database: &TestDatabase, flags: &[&str]) -> Instance {
        let mut serve = Command::new(env!("CARGO_BIN_EXE_byline"));
        serve
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                &database.url_arg(),
                "--rate-limit-anonymous",
                "0",
                "--rate-limit-admin",
                "0",
            ])
            .args(flags)
            .env("RUST_LOG", "warn");
        // The database is named, so the working directory does not matter.
        let (child, health) = crate::cli::spawn_serve(serve, &std::env::temp_dir(), "Health:");
        let base = health.trim_end_matches("/readyz").to_owned();
        let instance = Instance {
            child,
            base,
            client: reqwest::Client::new(),
        };
        instance.wait_listening(StdDuration::from_secs(10)).await;
        instance
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> (u16, String) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    async fn get(&self, path: &str) -> (u16, String) {
        self.send(Method::GET, path, None, None, None).await
    }

    async fn metric(&self, series: &str) -> f64 {
        let (_, text) = self.get("/metrics").await;
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .map_or(0.0, |v| v.parse().expect("a number"))
    }

    async fn wait_listening(&self, within: StdDuration) {
        let deadline = Instant::now() + within;
        while self.metric("byline_invalidation_listener_listening").await != 1.0 {
            assert!(
                Instant::now() < deadline,
                "{} never listened for other instances' changes",
                self.base
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
        }
    }

    /// GETs `path` until the cache answers it; returns that answer.
    async fn cached(&self, path: &str) -> (u16, String) {
        let deadline = Instant::now() + StdDuration::from_secs(10);
        loop {
            let hits = self.metric("byline_response_cache_hits_total").await;
            let answer = self.get(path).await;
            if self.metric("byline_response_cache_hits_total").await > hits {
                return answer;
            }
            assert!(
                Instant::now() < deadline,
                "GET {path} never came from {}'s cache",
                self.base
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
        }
    }

    /// Polls `path` until `shows` holds of its answer, within [`DEADLINE`] of `since`;
    /// returns how long after `since` it first held.
    async fn shows_within(
        &self,
        path: &str,
        since: Instant,
        what: &str,
        shows: impl Fn(u16, &str) -> bool,
    ) -> StdDuration {
        loop {
            let (status, body) = self.get(path).await;
            let seen = since.elapsed();
            if shows(status, &body) {
                return seen;
            }
            assert!(
                seen < DEADLINE,
                "{} still did not show {what} at {path} {} ms after the write: {status} {body}",
                self.base,
                seen.as_millis()
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(5)).await;
        }
    }
}

/// A migrated PostgreSQL database with the test taxonomy, and a service on it for setup
/// (its writes notify the instances too, like any instance's).
async fn shared_database() -> Option<(TestDatabase, ContentService)> {
    let database = TestDatabase::create(Backend::Postgres)?;
    let db = Db::connect(database.url(), 2).expect("connect");
    db.migrate().expect("migrate");
    let content = ContentService::new(db);
    seed_taxonomy(&content).await;
    Some((database, content))
}

async fn editor(content: &ContentService) -> String {
    content
        .create_key("editor".into(), Role::Editor)
        .await
        .expect("key")
        .1
}

async fn publish(content: &ContentService, slug: &str) -> String {
    content
        .create_article(article(slug, domain::now()), None)
        .await
        .expect("article")
        .id
}

/// `If-Match` of the article's current version.
async fn tag(content: &ContentService, id: &str) -> String {
    let version = current_version(content, id).await.expect("version");
    format!("\"v{version}\"")
}

/// An article write through `instance`, asserting success; returns when it answered.
async fn write_through(
    instance: &Instance,
    content: &ContentService,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Instant {
    let if_match = match path.strip_prefix("/admin/v1/articles/") {
        Some(rest) => Some(tag(content, rest.split('/').next().unwrap_or(rest)).await),
        None => None,
    };
    let (status, answer) = instance
        .send(method, path, Some(key), body.as_ref(), if_match.as_deref())
        .await;
    assert!(status < 300, "{path}: {status} {answer}");
    Instant::now()
}

#[actix_web::test]
async fn a_write_through_one_instance_is_shown_by_the_other_within_a_second() {
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let key = editor(&content).await;
    let id = publish(&content, "first").await;
    let page = "/v1/articles/first";
    let (a, b) = (
        Instance::start(&database).await,
        Instance::start(&database).await,
    );
    for instance in [&a, &b] {
        instance.cached(LIST).await;
        instance.cached(page).await;
    }

    // A new article published through A appears in B's cached list.
    let second = json!({
        "slug": "second",
        "title": "Title of second",
        "standfirst": "A standfirst.",
        "body": "Body of second.",
        "section": "news",
        "authors": ["desk"],
        "tags": ["eu"],
        "status": "published",
    });
    let written = write_through(
        &a,
        &content,
        &key,
        Method::POST,
        "/admin/v1/articles",
        Some(second),
    )
    .await;
    let mut worst = b
        .shows_within(LIST, written, "the new article", |_, body| {
            body.contains("\"second\"")
        })
        .await;

    // Edits through A, each read through B from B's cache first.
    let path = format!("/admin/v1/articles/{id}");
    let writes = 20;
    for i in 0..writes {
        let (_, before) = b.cached(page).await;
        let title = format!("Edited title {i}");
        assert!(!before.contains(&title));
        b.cached(LIST).await;
        let written = write_through(
            &a,
            &content,
            &key,
            Method::PATCH,
            &path,
            Some(json!({"title": title})),
        )
        .await;
        let seen = b
            .shows_within(page, written, "the edit", |status, body| {
                status == 200 && body.contains(&title)
            })
            .await;
        let listed = b
            .shows_within(LIST, written, "the edit in the list", |_, body| {
                body.contains(&title)
            })
            .await;
        worst = worst.max(seen).max(listed);
        // A's own cache was evicted as its write returned.
        assert!(a.get(page).await.1.contains(&title));
    }
    eprintln!(
        "a write through one instance reached the other's cache within {} ms at worst, over {} writes",
        worst.as_millis(),
        writes + 1
    );
    assert!(
        b.metric("byline_invalidation_notifications_received_total")
            .await
            >= f64::from(writes),
        "B heard the notifications"
    );
}

#[actix_web::test]
async fn a_term_renamed_through_one_instance_is_shown_by_the_other_with_its_cache_off() {
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let key = editor(&content).await;
    publish(&content, "tagged").await;
    let page = "/v1/articles/tagged?include=tags";
    let no_cache = ["--response-cache-mb", "0"];
    let (a, b) = (
        Instance::start_with(&database, &no_cache).await,
        Instance::start_with(&database, &no_cache).await,
    );
    // B's term memo has the tag now: its pages no longer read the tag's row.
    for _ in 0..3 {
        assert!(b.get(page).await.1.contains("\"EU\""));
    }
    let (status, answer) = a
        .send(
            Method::PATCH,
            "/admin/v1/tags/eu",
            Some(&key),
            Some(&json!({"name": "European Union"})),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let written = Instant::now();
    let seen = b
        .shows_within(page, written, "the renamed tag", |status, body| {
            status == 200 && body.contains("European Union")
        })
        .await;
    eprintln!(
        "a tag renamed through one instance was shown by the other after {} ms",
        seen.as_millis()
    );
    assert!(a.get(page).await.1.contains("European Union"));
}

#[actix_web::test]
async fn an_article_withdrawn_through_one_instance_stops_being_served_by_the_other_within_a_second()
{
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let key = editor(&content).await;
    let later = (domain::now() + Duration::hours(3))
        .and_utc()
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let withdrawals = [
        ("unpublished", "/unpublish", None),
        (
            "embargoed",
            "/embargo",
            Some(json!({"embargo_until": later})),
        ),
    ];
    let mut ids = Vec::new();
    for (slug, _, _) in &withdrawals {
        ids.push(publish(&content, slug).await);
    }
    let (a, b) = (
        Instance::start(&database).await,
        Instance::start(&database).await,
    );
    let mut worst = StdDuration::ZERO;
    for ((slug, action, body), id) in withdrawals.into_iter().zip(ids) {
        let page = format!("/v1/articles/{slug}");
        let (status, _) = b.cached(&page).await;
        assert_eq!(status, 200);
        let (_, list) = b.cached(LIST).await;
        assert!(list.contains(slug));
        let written = write_through(
            &a,
            &content,
            &key,
            Method::POST,
            &format!("/admin/v1/articles/{id}{action}"),
            body,
        )
        .await;
        let gone = b
            .shows_within(&page, written, "the withdrawal", |status, _| status != 200)
            .await;
        let unlisted = b
            .shows_within(LIST, written, "the withdrawal in the list", |_, body| {
                !body.contains(slug)
            })
            .await;
        worst = worst.max(gone).max(unlisted);
        // And it stays gone: B does not cache the old answer again.
        let (status, _) = b.get(&page).await;
        assert!(matches!(status, 404 | 410), "{slug}: {status}");
    }
    eprintln!(
        "a withdrawal through one instance reached the other within {} ms at worst",
        worst.as_millis()
    );
}

#[derive(diesel::QueryableByName)]
struct SessionRow {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

/// The server pids of `instance`'s listening sessions (found by their `application_name`).
fn listening_sessions(database: &TestDatabase, instance: &Instance) -> Vec<i32> {
    let url = database.url_arg();
    let mut conn = PgConnection::establish(&url).expect("connect");
    diesel::sql_query(format!(
        "SELECT pid FROM pg_stat_activity WHERE application_name LIKE \
         'byline invalidations pid={} %' AND datname = current_database()",
        instance.pid()
    ))
    .load::<SessionRow>(&mut conn)
    .expect("pg_stat_activity")
    .into_iter()
    .map(|row| row.pid)
    .collect()
}

#[actix_web::test]
async fn an_instance_whose_listening_session_is_killed_drops_its_cache_and_listens_again() {
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let key = editor(&content).await;
    let id = publish(&content, "kept").await;
    let page = "/v1/articles/kept";
    let (a, b) = (
        Instance::start(&database).await,
        Instance::start(&database).await,
    );
    b.cached(page).await;
    b.cached(LIST).await;
    assert!(b.metric("byline_response_cache_entries").await > 0.0);
    let sessions = listening_sessions(&database, &b);
    assert_eq!(sessions.len(), 1, "B listens on one session of its own");
    assert!(
        listening_sessions(&database, &a).len() == 1,
        "A has its own"
    );

    let mut admin = PgConnection::establish(&database.url_arg()).expect("connect");
    diesel::sql_query(format!("SELECT pg_terminate_backend({})", sessions[0]))
        .execute(&mut admin)
        .expect("terminate");

    // B notices, drops everything it held, and listens again on a new session.
    let deadline = Instant::now() + StdDuration::from_secs(10);
    while b
        .metric("byline_invalidation_listener_reconnects_total")
        .await
        < 1.0
    {
        assert!(Instant::now() < deadline, "B never listened again");
        actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
    }
    b.wait_listening(StdDuration::from_secs(1)).await;
    assert_eq!(
        b.metric("byline_response_cache_entries").await,
        0.0,
        "B dropped every cached answer"
    );
    let again = listening_sessions(&database, &b);
    assert_eq!(again.len(), 1);
    assert_ne!(again, sessions, "a new session");
    assert_eq!(
        a.metric("byline_invalidation_listener_reconnects_total")
            .await,
        0.0,
        "A was not touched"
    );

    // A later write through A still reaches B's cache.
    b.cached(page).await;
    let written = write_through(
        &a,
        &content,
        &key,
        Method::PATCH,
        &format!("/admin/v1/articles/{id}"),
        Some(json!({"title": "Heard after the reconnect"})),
    )
    .await;
    let seen = b
        .shows_within(page, written, "the edit after the reconnect", |_, body| {
            body.contains("Heard after the reconnect")
        })
        .await;
    eprintln!(
        "after the reconnect, a write reached the other instance within {} ms",
        seen.as_millis()
    );
}

/// A write's notification as PostgreSQL delivers it to a plain listening session: from the
/// writing service, naming what changed; a change that affects no public answer (a new
/// draft) sends none.
#[actix_web::test]
async fn a_public_change_is_notified_once_committed_and_a_draft_sends_nothing() {
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let mut listener = PgConnection::establish(&database.url_arg()).expect("connect");
    diesel::sql_query(format!("LISTEN {CHANNEL}"))
        .execute(&mut listener)
        .expect("listen");
    let mut draft = article("quiet", domain::now());
    draft.status = byline::domain::article::ArticleStatus::Draft;
    draft.published_at = None;
    content.create_article(draft, None).await.expect("draft");
    let id = publish(&content, "loud").await;
    // Delivered after the commit, on the listener's socket: poll until it has arrived.
    // Notifications come in commit order, so a draft's would come first.
    let mut heard: Vec<Value> = Vec::new();
    let deadline = Instant::now() + StdDuration::from_secs(5);
    while heard.is_empty() {
        assert!(Instant::now() < deadline, "no notification arrived");
        actix_web::rt::time::sleep(StdDuration::from_millis(10)).await;
        heard.extend(listener.notifications_iter().map(|n| {
            serde_json::from_str::<Value>(&n.expect("notification").payload).expect("JSON")
        }));
    }
    assert_eq!(
        heard.len(),
        1,
        "one notification, for the public article: {heard:?}"
    );
    assert_eq!(heard[0]["from"], content.instance().as_str());
    let keys = heard[0]["keys"].as_array().expect("keys");
    assert!(keys.contains(&json!(format!("article:{id}"))), "{keys:?}");
    assert!(keys.contains(&json!("articles")), "{keys:?}");
}

on_both_backends!(
    only_a_postgresql_instance_listens_for_other_instances,
    |app| {
        let metrics = app.get("/metrics").await.text().await.expect("metrics");
        let listening = metrics
            .lines()
            .find_map(|line| line.strip_prefix("byline_invalidation_listener_listening "));
        match app.backend {
            Backend::Sqlite => assert_eq!(listening, None, "nothing to listen to: {metrics}"),
            Backend::Postgres => {
                let deadline = Instant::now() + StdDuration::from_secs(10);
                let mut listening = listening.map(str::to_owned);
                while listening.as_deref() != Some("1") {
                    assert!(Instant::now() < deadline, "never listened: {listening:?}");
                    actix_web::rt::time::sleep(StdDuration::from_millis(20)).await;
                    let metrics = app.get("/metrics").await.text().await.expect("metrics");
                    listening = metrics
                        .lines()
                        .find_map(|line| {
                            line.strip_prefix("byline_invalidation_listener_listening ")
                        })
                        .map(str::to_owned);
                }
            }
        }
        // Writes work either way (on SQLite nothing is sent).
        app.seed_taxonomy().await;
        let id = publish(&app.content, "written").await;
        let (status, body) = (
            app.get("/v1/articles/written").await.status().as_u16(),
            app.get(&format!("/v1/articles/id/{id}"))
                .await
                .text()
                .await
                .expect("body"),
        );
        assert_eq!(status, 200);
        assert!(body.contains("written"));
    }
);

#[actix_web::test]
async fn a_stream_on_one_instance_hears_a_write_through_another_that_died_after_it() {
    let Some((database, content)) = shared_database().await else {
        return;
    };
    let key = editor(&content).await;
    let (mut a, b) = (
        Instance::start(&database).await,
        Instance::start(&database).await,
    );
    let mut stream = crate::stream::SseClient::connect_to(&b.client, &b.base, "", None).await;
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    let body = json!({
        "slug": "from-a", "title": "From A", "body": "Written through A.",
        "section": "news", "status": "published",
    });
    let (status, created) = a
        .send(
            Method::POST,
            "/admin/v1/articles",
            Some(&key),
            Some(&body),
            None,
        )
        .await;
    assert_eq!(status, 201, "{created}");
    // A is gone the moment the write was acknowledged; the event still reaches B's client.
    let _ = a.child.kill();
    let _ = a.child.wait();
    let created: Value = serde_json::from_str(&created).expect("JSON");
    let id = created["data"]["id"].as_str().expect("id");
    let event = stream
        .next_of(id, StdDuration::from_secs(6))
        .await
        .expect("B streams the write made through A");
    assert_eq!(event.event, "article.published");
    assert_eq!(event.data["article"]["slug"], "from-a");
}
