//! Searches under load: a small cap on searches running at once, every search path (REST
//! `/v1/search`, `q` on `/v1/articles`, GraphQL `search`, `/admin/v1/search`) refused with a
//! 503 and `Retry-After` once it is full, never a 500, and other reads served throughout.
//! On PostgreSQL, a search that runs past the statement time limit is stopped.

use std::time::Duration;

use byline::{
    auth::Role,
    domain,
    service::{ContentService, editorial::NewArticle, search_limits::SearchLimits},
};
use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, article, spawn_app_over};

/// A server whose searches run one at a time and wait `wait` for a turn.
async fn spawn_capped(
    backend: Backend,
    wait: Duration,
    statement_timeout: Option<Duration>,
) -> Option<TestApp> {
    let limits = SearchLimits {
        concurrency: 1,
        wait,
        statement_timeout,
    };
    spawn_app_over(
        backend,
        move |content: ContentService| content.with_search_limits(limits),
        // Every search here must reach the gate: none may be answered from the cache.
        |settings| settings.response_cache_bytes = 0,
    )
    .await
}

/// Harbour stories to find, and an editor's key.
async fn seed(app: &TestApp) -> String {
    app.seed_taxonomy().await;
    let now = domain::now();
    for i in 0..12 {
        let new = NewArticle {
            title: format!("Harbour news {i}"),
            body: "The harbour master spoke of the harbour fees and the pilots.".into(),
            ..article(&format!("harbour-{i:02}"), now)
        };
        app.content
            .create_article(new, None)
            .await
            .expect("create article");
    }
    let (_, key) = app
        .content
        .create_key("desk".into(), Role::Editor)
        .await
        .expect("editor key");
    key
}

/// A response, read whole.
struct Answer {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    body: Value,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (status, content_type, retry_after) = (
        response.status().as_u16(),
        header("content-type"),
        header("retry-after"),
    );
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        content_type,
        retry_after,
        body,
    }
}

/// The four ways to search, each asking for `harbour`.
#[derive(Debug, Clone, Copy)]
enum SearchPath {
    Search,
    ArticlesQ,
    GraphQl,
    Admin,
}

const SEARCH_PATHS: [SearchPath; 4] = [
    SearchPath::Search,
    SearchPath::ArticlesQ,
    SearchPath::GraphQl,
    SearchPath::Admin,
];

async fn search(app: &TestApp, path: SearchPath, editor: &str) -> Answer {
    let url = |path: &str| format!("{}{path}", app.base);
    send(match path {
        SearchPath::Search => app.client.get(url("/v1/search?q=harbour")),
        SearchPath::ArticlesQ => app.client.get(url("/v1/articles?q=harbour")),
        SearchPath::Admin => app
            .client
            .get(url("/admin/v1/search?q=harbour"))
            .header("Authorization", format!("Bearer {editor}")),
        SearchPath::GraphQl => app.client.post(url("/graphql")).json(&json!({
            "query": "{ search(query: \"harbour\") { edges { node { snippet article { slug } } } } }"
        })),
    })
    .await
}

/// A search answered with results.
fn assert_found(path: SearchPath, answer: &Answer) {
    assert_eq!(answer.status, 200, "{path:?}: {}", answer.body);
    let found = match path {
        SearchPath::GraphQl => {
            assert!(answer.body["errors"].is_null(), "{path:?}: {}", answer.body);
            answer.body["data"]["search"]["edges"]
                .as_array()
                .map(Vec::len)
        }
        _ => answer.body["data"].as_array().map(Vec::len),
    };
    assert_eq!(found, Some(12), "{path:?}: {}", answer.body);
}

/// A search refused because the cap is full: a 503 problem with `Retry-After` on REST, an
/// `UNAVAILABLE` error with `retryAfter` on GraphQL.
fn assert_refused(path: SearchPath, answer: &Answer) {
    if let SearchPath::GraphQl = path {
        assert_eq!(answer.status, 200, "{path:?}: {}", answer.body);
        let error = &answer.body["errors"][0];
        assert_eq!(
            error["extensions"]["code"], "UNAVAILABLE",
            "{}",
            answer.body
        );
        assert_eq!(error["extensions"]["retryAfter"], 1, "{}", answer.body);
        assert!(answer.body["data"]["search"].is_null(), "{}", answer.body);
        return;
    }
    assert_eq!(answer.status, 503, "{path:?}: {}", answer.body);
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/problem+json"),
        "{path:?}"
    );
    assert_eq!(answer.retry_after.as_deref(), Some("1"), "{path:?}");
    assert_eq!(answer.body["type"], "/problems/busy", "{path:?}");
    assert_eq!(answer.body["status"], 503, "{path:?}");
}

/// Either found or refused, never anything else.
fn assert_found_or_refused(path: SearchPath, answer: &Answer) -> bool {
    let refused = match path {
        SearchPath::GraphQl => !answer.body["errors"].is_null(),
        _ => answer.status == 503,
    };
    if refused {
        assert_refused(path, answer);
    } else {
        assert_found(path, answer);
    }
    !refused
}

/// Reads that are not searches, each answered 200 with what was asked for.
async fn assert_reads_answer(app: &TestApp) {
    for path in [
        "/v1/articles/harbour-03",
        "/v1/articles?limit=5",
        "/v1/tags",
    ] {
        let answer = send(app.client.get(format!("{}{path}", app.base))).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    }
    let answer = send(
        app.client
            .post(format!("{}/graphql", app.base))
            .json(&json!({ "query": "{ articles(first: 3) { edges { node { slug } } } }" })),
    )
    .await;
    assert!(answer.body["errors"].is_null(), "{}", answer.body);
}

crate::on_both_backends_spawned!(
    a_full_search_gate_refuses_every_search_path_and_other_reads_go_on,
    |backend| spawn_capped(backend, Duration::from_millis(20), None),
    |app| {
        let editor = seed(&app).await;
        for path in SEARCH_PATHS {
            assert_found(path, &search(&app, path, &editor).await);
        }
        // The test takes the only turn, as a long search would.
        let running = app
            .content
            .search_gate()
            .enter()
            .await
            .expect("a free turn");
        for path in SEARCH_PATHS {
            assert_refused(path, &search(&app, path, &editor).await);
        }
        assert_reads_answer(&app).await;
        // A malformed query is still the caller's to fix: checked before any wait.
        let answer = send(app.client.get(format!("{}/v1/search?q=%22", app.base))).await;
        assert_eq!(answer.status, 400, "{}", answer.body);
        drop(running);
        for path in SEARCH_PATHS {
            assert_found(path, &search(&app, path, &editor).await);
        }
    }
);

crate::on_both_backends_spawned!(
    parallel_searches_over_a_cap_of_one_are_found_or_refused_never_failed,
    |backend| spawn_capped(backend, Duration::from_millis(1), None),
    |app| {
        let editor = seed(&app).await;
        let searches = (0..40).map(|i| {
            let path = SEARCH_PATHS[i % SEARCH_PATHS.len()];
            let (app, editor) = (&app, &editor);
            async move { (path, search(app, path, editor).await) }
        });
        let reads = (0..8).map(|_| assert_reads_answer(&app));
        let (answers, _) = futures_util::join!(join_all(searches), join_all(reads));
        let found = answers
            .iter()
            .filter(|(path, answer)| assert_found_or_refused(*path, answer))
            .count();
        assert!(found >= 1, "the first search always finds a free turn");
        eprintln!(
            "{found} of {} searches found, the rest refused",
            answers.len()
        );
        // Nothing is left holding a turn.
        for path in SEARCH_PATHS {
            assert_found(path, &search(&app, path, &editor).await);
        }
    }
);

/// Waits until a statement of `database` waits for a lock.
async fn until_a_statement_waits_for_a_lock(admin: &mut PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    for _ in 0..200 {
        let waiting: Waiting = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .get_result(admin)
        .expect("pg_stat_activity");
        if waiting.n > 0 {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no statement came to wait for the lock");
}

/// A search held up inside PostgreSQL (its index locked by another session) keeps its turn:
/// the next search is refused at once while other reads are served; the statement time limit
/// then stops the held one, which frees the turn.
#[actix_web::test]
async fn a_search_held_in_postgres_fills_the_cap_until_its_time_limit_stops_it() {
    let Some(app) = spawn_capped(
        Backend::Postgres,
        Duration::from_millis(50),
        Some(Duration::from_millis(1500)),
    )
    .await
    else {
        return;
    };
    let editor = seed(&app).await;
    let mut locker = PgConnection::establish(&app.database.url_arg()).expect("connect");
    diesel::sql_query("BEGIN")
        .execute(&mut locker)
        .expect("begin");
    diesel::sql_query("LOCK TABLE article_search IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .expect("lock");
    let held = search(&app, SearchPath::Search, &editor);
    let others = async {
        let mut watcher = PgConnection::establish(&app.database.url_arg()).expect("connect");
        until_a_statement_waits_for_a_lock(&mut watcher).await;
        for path in SEARCH_PATHS {
            assert_refused(path, &search(&app, path, &editor).await);
        }
        assert_reads_answer(&app).await;
    };
    let (held, ()) = futures_util::join!(held, others);
    // Stopped by the statement time limit: a 503 of its own kind, not a 500.
    assert_refused(SearchPath::Search, &held);
    assert!(
        held.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("took too long")),
        "{}",
        held.body
    );
    diesel::sql_query("ROLLBACK")
        .execute(&mut locker)
        .expect("rollback");
    for path in SEARCH_PATHS {
        assert_found(path, &search(&app, path, &editor).await);
    }
}
