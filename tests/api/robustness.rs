//! Robustness as an attacker and a bad day in production would test it: inputs nested or
//! listed without end, PostgreSQL connections killed under the server, a second process
//! writing the SQLite file, slow bodies, long URIs, and a graceful shutdown.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

use byline::{auth::Role, config::RequestLimits};
use diesel::{Connection, RunQueryDsl, pg::PgConnection};

use crate::helpers::{Backend, TestApp, TestDatabase, spawn_app, spawn_app_with};

async fn admin_key(app: &TestApp) -> String {
    app.content
        .create_key("robustness".into(), Role::Admin)
        .await
        .expect("create key")
        .1
}

/// A GraphQL request over POST, answered as (status, body).
async fn graphql_post(app: &TestApp, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

fn assert_refused_with_code(status: u16, body: &serde_json::Value, what: &str) {
    assert_eq!(status, 400, "{what}: {body}");
    let code = &body["errors"][0]["extensions"]["code"];
    assert_eq!(code, "BAD_USER_INPUT", "{what}: {body}");
}

#[actix_web::test]
async fn deeply_nested_graphql_inputs_are_refused_and_the_server_lives() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let list = "[".repeat(1_500) + &"]".repeat(1_500);
    let object = "{a:".repeat(1_500) + "1" + &"}".repeat(1_500);
    let queries = [
        format!("{{ articles(first: {list}) {{ totalCount }} }}"),
        format!("{{ articles(filter: {object}) {{ totalCount }} }}"),
        format!("{{ __typename @include(if: {list}) }}"),
        format!("{{ articles(unknown: {object}) {{ totalCount }} }}"),
        format!("query($v: Int = {list}) {{ __typename }}"),
        format!("mutation {{ publishArticle(id: {list}) {{ id }} }}"),
    ];
    for query in &queries {
        let started = Instant::now();
        let (status, body) = graphql_post(&app, serde_json::json!({ "query": query })).await;
        assert_refused_with_code(status, &body, &query[..30]);
        eprintln!("refused {} in {:?}", &query[..30], started.elapsed());
        // Over GET as well (mutations included: the nesting check comes first).
        let url = format!(
            "{}/graphql?{}",
            app.base,
            serde_urlencoded::to_string([("query", query.as_str())]).expect("encode")
        );
        let response = app.client.get(url).send().await.expect("request");
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        assert_refused_with_code(status, &body, &query[..30]);
    }
    // Variables nested deeply in JSON: serde's bound or Byline's, never a crash.
    let mut deep = serde_json::json!(1);
    for _ in 0..100 {
        deep = serde_json::json!([deep]);
    }
    let (status, body) = graphql_post(
        &app,
        serde_json::json!({ "query": "query($v: [Int]) { __typename }", "variables": { "v": deep } }),
    )
    .await;
    assert_refused_with_code(status, &body, "deep variables");
    let raw = format!(
        "{{\"query\":\"{{ __typename }}\",\"variables\":{{\"v\":{}1{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let response = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    // The standard introspection shape (TypeRef nests ofType nine deep) is not "too deep".
    let type_ref = (0..9).fold("kind name".to_owned(), |inner, _| {
        format!("kind name ofType {{ {inner} }}")
    });
    let (status, body) = graphql_post(
        &app,
        serde_json::json!({ "query": format!("{{ __type(name: \"Article\") {{ fields {{ type {{ {type_ref} }} }} }} }}") }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("braces"),
        "{body}"
    );
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[actix_web::test]
async fn deeply_nested_bodies_are_refused_with_a_field_error() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.seed_taxonomy().await;
    let key = admin_key(&app).await;
    for (format, body) in [
        ("html", "<div>".repeat(20_000)),
        ("markdown", "- ".repeat(20_000) + "x"),
        ("markdown", ">".repeat(20_000) + " x"),
    ] {
        let response = app
            .client
            .post(format!("{}/admin/v1/articles", app.base))
            .bearer_auth(&key)
            .json(&serde_json::json!({ "title": "Deep", "body": body, "body_format": format }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 422, "{format}");
        let problem: serde_json::Value = response.json().await.expect("json");
        assert_eq!(problem["errors"][0]["field"], "body", "{problem}");
    }
    // A deeply nested JSON body is a 400 problem, not a crash.
    let response = app
        .client
        .post(format!("{}/admin/v1/articles", app.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("[".repeat(100_000))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
}

#[actix_web::test]
async fn list_inputs_have_documented_bounds() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let tags = (0..1_000).map(|i| format!("t{i}")).collect::<Vec<_>>();
    for path in ["/v1/articles", "/v1/search?q=budget"] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let response = app.get(&format!("{path}{sep}tag={}", tags.join(","))).await;
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let problem: serde_json::Value = response.json().await.expect("json");
        assert_eq!(problem["parameter"], "tag", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or("")
                .contains("at most 20"),
            "{problem}"
        );
    }
    let (status, body) = graphql_post(
        &app,
        serde_json::json!({
            "query": "query($t: [String!]) { articles(filter: {tags: $t}) { edges { cursor } } }",
            "variables": { "t": tags },
        }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["argument"], "filter.tags",
        "{body}"
    );
    let key = admin_key(&app).await;
    let response = app
        .client
        .post(format!("{}/admin/v1/articles", app.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({ "title": "Many tags", "body": "x", "tags": tags }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 422);
    let problem: serde_json::Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "tags", "{problem}");
}

/// Terminates every connection the server holds to its test database.
fn kill_server_connections(database: &TestDatabase) -> usize {
    let TestDatabase::Postgres {
        admin_url, name, ..
    } = database
    else {
        unreachable!("PostgreSQL only")
    };
    let mut admin = PgConnection::establish(admin_url).expect("admin connection");
    #[derive(diesel::QueryableByName)]
    struct Killed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let killed: Vec<Killed> = diesel::sql_query(format!(
        "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .load(&mut admin)
    .expect("terminate backends");
    killed.first().map_or(0, |k| k.n as usize)
}

#[actix_web::test]
async fn killed_postgres_connections_answer_503_never_500_and_recover() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    app.seed_taxonomy().await;
    let paths = [
        "/v1/articles?limit=5",
        "/v1/sections",
        "/v1/tags",
        "/readyz",
    ];
    // Warm the pool so several connections sit idle.
    let warm = (0..16).map(|i| app.get(paths[i % paths.len()]));
    futures_util::future::join_all(warm).await;
    for round in 0..3 {
        let killed = kill_server_connections(&app.database);
        assert!(killed > 0, "round {round}: nothing to kill");
        let started = Instant::now();
        let mut statuses = Vec::new();
        let mut recovered_after = None;
        for i in 0..40 {
            let response = app.get(paths[i % paths.len()]).await;
            let status = response.status().as_u16();
            if status == 503 {
                assert!(response.headers().contains_key("retry-after"));
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json"
                );
                eprintln!(
                    "{}: {}",
                    paths[i % paths.len()],
                    response.text().await.unwrap_or_default()
                );
            } else if status == 200 && recovered_after.is_none() {
                recovered_after = Some(started.elapsed());
            }
            statuses.push(status);
        }
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 503),
            "round {round}: {statuses:?}"
        );
        let failures = statuses.iter().filter(|s| **s == 503).count();
        eprintln!(
            "round {round}: killed {killed}, {failures} × 503, first 200 after {recovered_after:?}"
        );
        assert!(
            failures <= 1,
            "round {round}: only the first request may meet a dead connection: {statuses:?}"
        );
        assert_eq!(*statuses.last().expect("statuses"), 200);
    }
}

#[actix_web::test]
async fn a_second_process_writing_sqlite_causes_no_errors() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    app.seed_taxonomy().await;
    let key = admin_key(&app).await;
    let url = app.database.url_arg();
    // Another process writes the same file over and over: keys, each in its own transaction.
    let writer = std::thread::spawn(move || {
        let mut failures = Vec::new();
        for i in 0..15 {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_byline"))
                .args(["keys", "create", "--role", "content", "--name"])
                .arg(format!("other-{i}"))
                .args(["--database-url", &url])
                .output()
                .expect("run byline keys create");
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        failures
    });
    let mut statuses = Vec::new();
    let started = Instant::now();
    while !writer.is_finished() || statuses.len() < 20 {
        let response = app
            .client
            .post(format!("{}/admin/v1/articles", app.base))
            .bearer_auth(&key)
            .json(&serde_json::json!({
                "title": format!("Concurrent {}", statuses.len()),
                "body": "Written while another process writes.",
                "section": "news", "authors": ["desk"], "tags": ["eu", "budget"],
            }))
            .send()
            .await
            .expect("request");
        statuses.push(response.status().as_u16());
        if started.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    let failures = writer.join().expect("writer thread");
    assert!(
        failures.is_empty(),
        "the other process failed: {failures:?}"
    );
    let errors: Vec<_> = statuses.iter().filter(|s| **s != 201).collect();
    eprintln!(
        "{} writes beside the other process, {} not 201",
        statuses.len(),
        errors.len()
    );
    assert!(errors.is_empty(), "{statuses:?}");
}

/// Sends a request head and then the body one byte a second; answers what the server said.
fn slow_body_request(base: &str, path: &str, key: &str, body_len: usize) -> (String, Duration) {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nAuthorization: Bearer {key}\r\nContent-Length: {body_len}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("head");
    let started = Instant::now();
    let mut answer = Vec::new();
    stream.set_nonblocking(true).expect("nonblocking");
    for _ in 0..body_len {
        let _ = stream.write_all(b" ");
        std::thread::sleep(Duration::from_millis(250));
        let mut chunk = [0u8; 4096];
        if let Ok(n) = stream.read(&mut chunk)
            && n > 0
        {
            answer.extend_from_slice(&chunk[..n]);
            break;
        }
    }
    stream.set_nonblocking(false).expect("blocking");
    let mut rest = [0u8; 4096];
    if let Ok(n) = stream.read(&mut rest) {
        answer.extend_from_slice(&rest[..n]);
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[actix_web::test]
async fn slow_bodies_get_a_408_problem() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.request_limits = RequestLimits {
            body_timeout: Duration::from_secs(2),
            ..RequestLimits::default()
        };
    })
    .await
    .expect("app");
    let key = admin_key(&app).await;
    for path in ["/graphql", "/admin/v1/articles"] {
        let base = app.base.clone();
        let path_owned = path.to_owned();
        let key = key.clone();
        let (answer, elapsed) = actix_web::rt::task::spawn_blocking(move || {
            slow_body_request(&base, &path_owned, &key, 60)
        })
        .await
        .expect("slow client");
        eprintln!("{path}: answered after {elapsed:?}");
        assert!(answer.starts_with("HTTP/1.1 408"), "{path}: {answer}");
        assert!(answer.contains("application/problem+json"), "{answer}");
        assert!(answer.contains("/problems/request-timeout"), "{answer}");
        assert!(elapsed < Duration::from_secs(15), "{path}: {elapsed:?}");
    }
    // A body that arrives in time is served as usual.
    let response = app
        .client
        .post(format!("{}/admin/v1/articles", app.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({ "title": "On time", "body": "x" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 201);
}

#[actix_web::test]
async fn long_uris_and_oversize_bodies_are_problem_json() {
    let app = spawn_app(Backend::Sqlite).await.expect("app");
    let key = admin_key(&app).await;
    let response = app
        .get(&format!("/v1/articles?q={}", "a".repeat(20_000)))
        .await;
    assert_eq!(response.status().as_u16(), 414);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    // Workflow actions read their body as bytes: too large is a 413 problem as well.
    let id = "0190b1a0-0000-7000-8000-000000000000";
    let response = app
        .client
        .post(format!("{}/admin/v1/articles/{id}/publish", app.base))
        .bearer_auth(&key)
        .header("if-match", "\"v1\"")
        .header("content-type", "application/json")
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/payload-too-large");
}

#[actix_web::test]
async fn readiness_is_bounded_and_ignores_a_busy_pool() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    let ready = app.get_json("/readyz", 200).await;
    assert!(ready["checks"]["database_ms"].is_number(), "{ready}");
    // A table locked by another session: reads of it stop at the statement limit with a
    // 503, and readiness (which needs no table) still says ready.
    let TestDatabase::Postgres { url, .. } = &app.database else {
        unreachable!()
    };
    let byline::config::DatabaseUrl::Postgres(url) = url.clone() else {
        unreachable!()
    };
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let locker = std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).expect("connect");
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE").execute(conn)?;
            locked_tx.send(()).expect("signal");
            let _ = release_rx.recv_timeout(Duration::from_secs(30));
            Ok(())
        })
        .expect("lock");
    });
    locked_rx.recv().expect("locked");
    let started = Instant::now();
    let read = app.get("/v1/articles").await;
    let read_took = started.elapsed();
    let status = read.status().as_u16();
    assert_eq!(status, 503, "{}", read.text().await.unwrap_or_default());
    let started = Instant::now();
    let ready = app.get("/readyz").await;
    let ready_took = started.elapsed();
    assert_eq!(ready.status().as_u16(), 200);
    eprintln!("locked table: read 503 after {read_took:?}, /readyz 200 after {ready_took:?}");
    release_tx.send(()).expect("release");
    locker.join().expect("locker");
    assert_eq!(app.get("/v1/articles").await.status().as_u16(), 200);
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

#[actix_web::test]
async fn a_graceful_shutdown_drains_first_and_finishes_requests_in_flight() {
    let (database, content) = crate::helpers::open_content(Backend::Sqlite).expect("db");
    let settings = byline::config::Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url().clone(),
        workers: Some(1),
        shutdown_drain: Duration::from_secs(2),
        ..byline::config::Settings::default()
    };
    let app = byline::startup::Application::build(settings, content).expect("bind");
    let base = app.base_url();
    let shutdown = app.shutdown();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("ready")
            .status(),
        200
    );
    let stopping = actix_web::rt::spawn(shutdown);
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    // Draining: not ready, still serving, and keep-alive connections are told to close.
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    let served = client
        .get(format!("{base}/v1/articles"))
        .send()
        .await
        .expect("read");
    assert_eq!(served.status(), 200);
    assert_eq!(
        served
            .headers()
            .get("connection")
            .map(|v| v.to_str().unwrap_or("")),
        Some("close")
    );
    stopping.await.expect("shutdown");
    server.await.expect("server task").expect("server");
    assert!(client.get(format!("{base}/healthz")).send().await.is_err());
}

/// A server over a private PostgreSQL, with statements limited to `statement_timeout`.
async fn app_over_private(
    postgres: &crate::private_postgres::PrivatePostgres,
    statement_timeout: Duration,
) -> String {
    let url: byline::config::DatabaseUrl = postgres.url().parse().expect("url");
    let limits = byline::db::DbLimits {
        statement_timeout: Some(statement_timeout),
    };
    let db = byline::db::Db::connect_with(&url, 4, limits).expect("connect");
    db.migrate().expect("migrate");
    let content = byline::service::ContentService::new(db);
    crate::helpers::seed_taxonomy(&content).await;
    let settings = byline::config::Settings {
        bind: "127.0.0.1:0".into(),
        database: url,
        workers: Some(1),
        ..byline::config::Settings::default()
    };
    let app = byline::startup::Application::build(settings, content).expect("bind");
    let base = app.base_url();
    actix_web::rt::spawn(app.run_until_stopped());
    base
}

/// One answer of the poller: when (since the poll began), the status, and whether a
/// 503 carried `Retry-After` and problem+json.
type Answer = (Duration, u16, bool);

/// GETs `url` every 20 ms until `stop` is set.
fn poll(
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> actix_web::rt::task::JoinHandle<Vec<Answer>> {
    actix_web::rt::spawn(async move {
        let client = reqwest::Client::new();
        let started = Instant::now();
        let mut answers = Vec::new();
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            let at = started.elapsed();
            if let Ok(response) = client.get(&url).send().await {
                let status = response.status().as_u16();
                let well_formed = status != 503
                    || (response.headers().contains_key("retry-after")
                        && response.headers()["content-type"] == "application/problem+json");
                answers.push((at, status, well_formed));
            }
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        answers
    })
}

#[actix_web::test]
async fn postgres_restarted_under_the_server_answers_503_never_500_and_recovers() {
    let Some(postgres) = crate::private_postgres::PrivatePostgres::start() else {
        return;
    };
    let base = app_over_private(&postgres, Duration::from_secs(2)).await;
    let client = reqwest::Client::new();
    for _ in 0..8 {
        let warm = client.get(format!("{base}/v1/articles")).send().await;
        assert_eq!(warm.expect("warm").status(), 200);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = poll(format!("{base}/v1/articles?limit=3"), stop.clone());
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let postgres = std::sync::Arc::new(postgres);
    let restarting = postgres.clone();
    let restart_started = Instant::now();
    actix_web::rt::task::spawn_blocking(move || restarting.restart_immediately())
        .await
        .expect("restart");
    let restart_took = restart_started.elapsed();
    actix_web::rt::time::sleep(Duration::from_millis(1_500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answers = poller.await.expect("poller");
    let statuses: Vec<u16> = answers.iter().map(|a| a.1).collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "only 200 and 503: {statuses:?}"
    );
    assert!(
        answers.iter().all(|a| a.2),
        "every 503 is problem+json with Retry-After"
    );
    assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    let failures = statuses.iter().filter(|s| **s == 503).count();
    let last_failure = answers.iter().filter(|a| a.1 == 503).map(|a| a.0).max();
    eprintln!(
        "restart took {restart_took:?}; {} requests, {failures} × 503, last 503 at {last_failure:?} of the poll",
        answers.len()
    );
}

#[actix_web::test]
async fn a_frozen_postgres_gets_a_bounded_503_and_readiness_says_so() {
    let Some(postgres) = crate::private_postgres::PrivatePostgres::start() else {
        return;
    };
    let base = app_over_private(&postgres, Duration::from_secs(1)).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{base}{path}")).send();
    assert_eq!(get("/v1/articles").await.expect("read").status(), 200);
    assert_eq!(get("/readyz").await.expect("ready").status(), 200);
    postgres.freeze();
    let started = Instant::now();
    // A request not answered before: the response cache has nothing for it, so it needs the
    // database (the one read above may be served from the cache while PostgreSQL is frozen).
    let read = get("/v1/articles?limit=2").await.expect("read");
    let read_took = started.elapsed();
    assert_eq!(read.status(), 503);
    assert!(read.headers().contains_key("retry-after"));
    let started = Instant::now();
    let ready = get("/readyz").await.expect("readyz");
    let ready_took = started.elapsed();
    assert_eq!(ready.status(), 503);
    let problem: serde_json::Value = ready.json().await.expect("json");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("did not answer"),
        "{problem}"
    );
    let started = Instant::now();
    assert_eq!(get("/healthz").await.expect("healthz").status(), 200);
    let health_took = started.elapsed();
    eprintln!(
        "frozen: read 503 after {read_took:?}, /readyz 503 after {ready_took:?}, /healthz 200 after {health_took:?}"
    );
    assert!(read_took < Duration::from_secs(10), "{read_took:?}");
    assert!(ready_took < Duration::from_secs(3), "{ready_took:?}");
    postgres.thaw();
    let mut recovered = false;
    for _ in 0..100 {
        if get("/v1/articles?limit=2")
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            recovered = true;
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "reads recover once PostgreSQL answers again");
}
