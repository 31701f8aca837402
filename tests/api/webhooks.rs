//! Webhooks against a local receiver, on both backends: subscriptions managed by admins,
//! signed deliveries, retries after 500s and timeouts, the bound on retries, visibility (no
//! draft, scheduled or embargoed article announced before its time), withdrawal notices,
//! taxonomy events, the outbox sharing its change's transaction, and real `byline serve`
//! processes: nothing lost across a kill and restart, and two instances on one PostgreSQL
//! delivering each event once. Targets inside the network are refused: at subscription
//! (addresses in every spelling, internal names, credentials) and at delivery (a name that
//! resolves to one), unless the operator allows them, as these tests allow the receivers'
//! 127.0.0.1; redirects are never followed.

use std::{
    collections::{HashMap, VecDeque},
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration as StdDuration, Instant},
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use byline::{
    auth::{Caller, Role},
    db::Db,
    domain::{self, article::ArticleStatus, webhook::EventType, webhook_target::TargetPolicy},
    error::AppError,
    service::{ContentService, editorial::Transition, outbox, webhooks::NewWebhook},
    webhooks::{
        dispatcher::{DispatchSettings, Dispatcher},
        resolver::Hosts,
        retry::RetryPolicy,
    },
};
use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{
    helpers::{
        Backend, TestApp, TestDatabase, article, open_content, seed_taxonomy, spawn_app_over,
    },
    on_both_backends, on_both_backends_spawned,
};

// ---------------------------------------------------------------------------------------
// A receiver
// ---------------------------------------------------------------------------------------

/// How the receiver answers the next request.
#[derive(Clone, Copy)]
pub(crate) enum Reply {
    Status(u16),
    /// Answers 200, but only after this long.
    Hang(StdDuration),
    /// Answers 307, sending the request on to the receiver on this local port.
    Redirect(u16),
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) delivery: String,
    pub(crate) event: String,
    pub(crate) timestamp: String,
    pub(crate) signature: String,
    pub(crate) body: Vec<u8>,
    pub(crate) at: Instant,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

#[derive(Default)]
struct ReceiverState {
    script: Mutex<VecDeque<Reply>>,
    received: Mutex<Vec<Received>>,
}

/// A local HTTP server that records every request and answers as scripted (200 by default).
pub(crate) struct Receiver {
    pub(crate) url: String,
    port: u16,
    state: Arc<ReceiverState>,
}

async fn receive(
    state: web::Data<Arc<ReceiverState>>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    state.received.lock().expect("lock").push(Received {
        delivery: header("byline-delivery"),
        event: header("byline-event"),
        timestamp: header("byline-timestamp"),
        signature: header("byline-signature"),
        body: body.to_vec(),
        at: Instant::now(),
    });
    let reply = state.script.lock().expect("lock").pop_front();
    match reply.unwrap_or(Reply::Status(200)) {
        Reply::Status(code) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(code).expect("status"))
                .finish()
        }
        Reply::Hang(wait) => {
            actix_web::rt::time::sleep(wait).await;
            HttpResponse::Ok().finish()
        }
        Reply::Redirect(port) => HttpResponse::TemporaryRedirect()
            .insert_header(("Location", format!("http://127.0.0.1:{port}/hook")))
            .finish(),
    }
}

impl Receiver {
    pub(crate) fn start(script: &[Reply]) -> Receiver {
        let state = Arc::new(ReceiverState::default());
        state.script.lock().expect("lock").extend(script);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let port = listener.local_addr().expect("address").port();
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(shared.clone()))
                .default_service(web::to(receive))
        })
        .workers(2)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Receiver {
            url: format!("http://127.0.0.1:{port}/hook"),
            port,
            state,
        }
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.state.received.lock().expect("lock").clone()
    }

    /// Waits (up to `limit`) until `done` holds for what was received; returns it.
    pub(crate) async fn wait_for(
        &self,
        limit: StdDuration,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; received: {:?}",
                received
                    .iter()
                    .map(|r| (&r.event, &r.delivery))
                    .collect::<Vec<_>>()
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Plumbing
// ---------------------------------------------------------------------------------------

pub(crate) const SECRET: &str = "whsec_a_receivers_shared_secret";

/// A dispatcher that polls often and retries quickly, so tests finish fast.
pub(crate) fn fast() -> DispatchSettings {
    DispatchSettings {
        timeout: StdDuration::from_secs(1),
        poll_interval: StdDuration::from_millis(50),
        batch: 16,
        retry: RetryPolicy {
            first_delay: StdDuration::from_millis(200),
            max_delay: StdDuration::from_secs(1),
            give_up_after: StdDuration::from_secs(60),
        },
        ..DispatchSettings::default()
    }
}

/// What these tests allow beyond public targets: the receivers' address, as
/// `--webhook-allow-private 127.0.0.1/32` would.
pub(crate) const LOCAL_RECEIVERS: &str = "127.0.0.1/32";

fn allowing(targets: &str) -> TargetPolicy {
    targets.parse().expect("a target policy")
}

/// A server whose webhooks may also reach `targets` (`--webhook-allow-private`).
pub(crate) async fn spawn_allowing(backend: Backend, targets: &str) -> Option<TestApp> {
    let targets = allowing(targets);
    spawn_app_over(backend, |c| c.with_webhook_targets(targets), |_| {}).await
}

/// `on_both_backends!` over a server whose webhooks may reach the local receivers.
macro_rules! with_local_receivers {
    ($name:ident, |$app:ident| $body:block) => {
        on_both_backends_spawned!(
            $name,
            |backend| spawn_allowing(backend, LOCAL_RECEIVERS),
            |$app| $body
        );
    };
}

pub(crate) fn start_dispatcher(app: &TestApp, settings: DispatchSettings) {
    byline::webhooks::dispatcher::spawn_dispatcher(app.content.clone(), settings);
}

pub(crate) async fn key(content: &ContentService, role: Role) -> (String, Caller) {
    let (_, secret) = content
        .create_key(format!("{role} key"), role)
        .await
        .expect("create key");
    let caller = content.authenticate(&secret).await.expect("authenticate");
    (secret, caller)
}

pub(crate) async fn subscribe(content: &ContentService, url: &str, events: &[EventType]) -> String {
    let (_, admin) = key(content, Role::Admin).await;
    let (hook, secret) = content
        .create_webhook(
            &admin,
            NewWebhook {
                url: url.into(),
                events: events.iter().map(|e| e.as_str().to_owned()).collect(),
                secret: Some(SECRET.into()),
                description: None,
                active: None,
            },
        )
        .await
        .expect("subscribe");
    assert_eq!(secret, SECRET);
    hook.id
}

const ARTICLE_EVENTS: [EventType; 4] = [
    EventType::ArticlePublished,
    EventType::ArticleUpdated,
    EventType::ArticleUnpublished,
    EventType::ArticleDeleted,
];

/// The usual start of a delivery test: the test taxonomy, a receiver answering as scripted,
/// subscribed to every article event, and a dispatcher with `settings`. Returns the receiver
/// and the subscription's id.
async fn newsroom_with_receiver(
    app: &TestApp,
    script: &[Reply],
    settings: DispatchSettings,
) -> (Receiver, String) {
    seed_taxonomy(&app.content).await;
    let receiver = Receiver::start(script);
    let hook = subscribe(&app.content, &receiver.url, &ARTICLE_EVENTS).await;
    start_dispatcher(app, settings);
    (receiver, hook)
}

/// Checks the signature the way a receiver would, with its own HMAC.
pub(crate) fn signature_is_valid(r: &Received, secret: &str) -> bool {
    let Some(hex) = r.signature.strip_prefix("v1=") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(r.timestamp.as_bytes());
    mac.update(b".");
    mac.update(&r.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

async fn admin_get(app: &TestApp, path: &str, key: &str) -> (u16, Value) {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The deliveries of a subscription through the admin API.
pub(crate) async fn deliveries(app: &TestApp, hook: &str) -> Vec<Value> {
    let (admin, _) = key(&app.content, Role::Admin).await;
    let (status, body) = admin_get(
        app,
        &format!("/admin/v1/webhooks/{hook}/deliveries?limit=100"),
        &admin,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().expect("data").clone()
}

/// Waits until no delivery of `hook` is pending.
pub(crate) async fn settled(app: &TestApp, hook: &str, limit: StdDuration) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let list = deliveries(app, hook).await;
        if list.iter().all(|d| d["status"] != "pending") {
            return list;
        }
        assert!(
            start.elapsed() < limit,
            "deliveries still pending: {list:#?}"
        );
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    }
}

fn events_of(received: &[Received]) -> Vec<String> {
    received.iter().map(|r| r.event.clone()).collect()
}

// ---------------------------------------------------------------------------------------
// Subscriptions
// ---------------------------------------------------------------------------------------

on_both_backends!(admins_manage_subscriptions_through_the_api, |app| {
    let (admin, _) = key(&app.content, Role::Admin).await;
    let (editor, _) = key(&app.content, Role::Editor).await;
    let url = |path: &str| format!("{}{path}", app.base);
    let send = |method: reqwest::Method, path: &str, key: Option<&str>, body: Option<Value>| {
        let mut request = app.client.request(method, url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            (status, content_type, body)
        }
    };
    use reqwest::Method;

    let new = json!({
        "url": "https://partner.example/hooks/byline",
        "events": ["article.published", "article.deleted"],
        "description": "Partner wire desk",
    });
    // Only admins.
    let (status, kind, _) = send(Method::POST, "/admin/v1/webhooks", None, Some(new.clone())).await;
    assert_eq!((status, kind.as_str()), (401, "application/problem+json"));
    let (status, _, _) = send(
        Method::POST,
        "/admin/v1/webhooks",
        Some(&editor),
        Some(new.clone()),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = send(Method::GET, "/admin/v1/webhooks", Some(&editor), None).await;
    assert_eq!(status, 403);

    // Created with a generated secret, shown once.
    let (status, _, created) =
        send(Method::POST, "/admin/v1/webhooks", Some(&admin), Some(new)).await;
    assert_eq!(status, 201, "{created}");
    let hook = &created["data"];
    let id = hook["id"].as_str().expect("id").to_owned();
    assert!(
        hook["secret"]
            .as_str()
            .expect("secret")
            .starts_with("whsec_")
    );
    assert_eq!(
        hook["events"],
        json!(["article.published", "article.deleted"])
    );
    assert_eq!(hook["active"], true);

    let (status, _, list) = send(Method::GET, "/admin/v1/webhooks", Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    assert!(
        list["data"][0].get("secret").is_none(),
        "secrets are not listed"
    );

    // Changed: events, paused.
    let (status, _, changed) = send(
        Method::PATCH,
        &format!("/admin/v1/webhooks/{id}"),
        Some(&admin),
        Some(json!({ "events": ["tag.created"], "active": false })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["data"]["events"], json!(["tag.created"]));
    assert_eq!(changed["data"]["active"], false);
    let (status, _, one) = send(
        Method::GET,
        &format!("/admin/v1/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!((status, one["data"]["active"].clone()), (200, json!(false)));

    // Bad input: a clear 422 naming each field, or 400 for an unknown one.
    let (status, kind, problem) = send(
        Method::POST,
        "/admin/v1/webhooks",
        Some(&admin),
        Some(json!({ "url": "ftp://x", "events": ["article.nope"], "secret": "short" })),
    )
    .await;
    assert_eq!(
        (status, kind.as_str()),
        (422, "application/problem+json"),
        "{problem}"
    );
    let mut fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    fields.sort();
    fields.dedup();
    assert_eq!(fields, ["events", "secret", "url"]);
    let (status, _, problem) = send(
        Method::POST,
        "/admin/v1/webhooks",
        Some(&admin),
        Some(json!({ "url": "https://x.example", "events": [] })),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let (status, kind, _) = send(
        Method::POST,
        "/admin/v1/webhooks",
        Some(&admin),
        Some(json!({ "url": "https://x.example", "events": ["tag.created"], "colour": "red" })),
    )
    .await;
    assert_eq!((status, kind.as_str()), (400, "application/problem+json"));

    // Deleted.
    let (status, _, _) = send(
        Method::DELETE,
        &format!("/admin/v1/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, kind, _) = send(
        Method::GET,
        &format!("/admin/v1/webhooks/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
    let (status, _, _) = send(
        Method::GET,
        &format!("/admin/v1/webhooks/{id}/deliveries?cursor=nonsense"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, 404);
    // Ids that cannot exist (a NUL byte PostgreSQL would reject) are a plain 404.
    for path in [
        "/admin/v1/webhooks/%00",
        "/admin/v1/webhooks/not-an-id/deliveries",
    ] {
        let (status, kind, _) = send(Method::GET, path, Some(&admin), None).await;
        assert_eq!(
            (status, kind.as_str()),
            (404, "application/problem+json"),
            "{path}"
        );
    }
    let (status, _, _) = send(
        Method::PATCH,
        "/admin/v1/webhooks/%00",
        Some(&admin),
        Some(json!({ "active": false })),
    )
    .await;
    assert_eq!(status, 404);
});

// ---------------------------------------------------------------------------------------
// Internal targets
// ---------------------------------------------------------------------------------------

/// Targets inside the server's network, spelled the ways an attacker would try, and a part of
/// the reason each is refused with.
const INTERNAL_TARGETS: [(&str, &str); 30] = [
    ("http://127.0.0.1/hook", "127.0.0.1 is loopback"),
    ("http://127.0.0.1:8080/admin", "127.0.0.1 is loopback"),
    ("http://[::1]:8080/", "::1 is loopback"),
    ("http://0.0.0.0/", "0.0.0.0 is unspecified"),
    ("http://[::]/", ":: is unspecified"),
    (
        "http://169.254.169.254/latest/meta-data/",
        "169.254.169.254 is link-local",
    ),
    ("http://[fe80::1]/", "fe80::1 is link-local"),
    ("http://10.0.0.1/", "10.0.0.1 is private"),
    ("http://172.16.0.1/", "172.16.0.1 is private"),
    ("https://192.168.1.1/", "192.168.1.1 is private"),
    ("http://100.64.0.1/", "100.64.0.1 is shared address space"),
    ("http://[fc00::1]/", "fc00::1 is unique local"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254 is unique local"),
    ("http://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is loopback"),
    (
        "http://[::ffff:a9fe:a9fe]/",
        "::ffff:169.254.169.254 is link-local",
    ),
    ("http://224.0.0.1/", "224.0.0.1 is multicast"),
    ("http://255.255.255.255/", "255.255.255.255 is broadcast"),
    ("http://192.0.2.1/", "192.0.2.1 is documentation"),
    ("http://240.0.0.1/", "240.0.0.1 is reserved"),
    // The spellings WHATWG parsing reads as 127.0.0.1.
    ("http://2130706433/", "127.0.0.1 is loopback"),
    ("http://0x7f000001/", "127.0.0.1 is loopback"),
    ("http://127.1/", "127.0.0.1 is loopback"),
    ("http://0177.0.0.1/", "127.0.0.1 is loopback"),
    // Names.
    ("http://localhost:8080/", "`localhost` is the server itself"),
    ("http://localhost./", "`localhost` is the server itself"),
    (
        "http://api.localhost/",
        "`api.localhost` is the server itself",
    ),
    (
        "http://metadata.google.internal/computeMetadata/v1/",
        "a cloud metadata service",
    ),
    ("http://metadata/", "a name without a domain"),
    // Credentials.
    (
        "http://user:pass@hooks.example.com/",
        "user name or password",
    ),
    ("https://token@hooks.example.com/", "user name or password"),
];

/// Sends `body` with an admin key; the status and the JSON answer.
pub(crate) async fn admin_send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    key: &str,
    body: Value,
) -> (u16, Value) {
    let response = app
        .client
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The one field error of a 422 problem (REST) or of a GraphQL error, as (field, message).
fn field_error(errors: &Value) -> (String, String) {
    let list = errors.as_array().expect("field errors");
    assert_eq!(list.len(), 1, "one field error: {errors}");
    let text = |name: &str| list[0][name].as_str().unwrap_or_default().to_owned();
    (text("field"), text("message"))
}

on_both_backends!(subscriptions_to_internal_targets_are_refused, |app| {
    use reqwest::Method;
    let (admin, _) = key(&app.content, Role::Admin).await;
    let (status, created) = admin_send(
        &app,
        Method::POST,
        "/admin/v1/webhooks",
        &admin,
        json!({ "url": "https://hooks.example.com/in", "events": ["article.published"] }),
    )
    .await;
    assert_eq!(status, 201, "a public target is accepted: {created}");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    let create = "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"article.published\"] }) { secret } }";
    let update = "mutation($id: ID!, $url: String!) { updateWebhook(id: $id, input: { url: $url }) { url } }";

    for (target, why) in INTERNAL_TARGETS {
        let attempts = [
            (
                Method::POST,
                "/admin/v1/webhooks".to_owned(),
                json!({ "url": target, "events": ["article.published"] }),
            ),
            (
                Method::PATCH,
                format!("/admin/v1/webhooks/{id}"),
                json!({ "url": target }),
            ),
        ];
        for (method, path, body) in attempts {
            let (status, problem) = admin_send(&app, method.clone(), &path, &admin, body).await;
            assert_eq!(status, 422, "{method} {target}: {problem}");
            let (field, message) = field_error(&problem["errors"]);
            assert_eq!(field, "url", "{method} {target}");
            assert!(message.contains(why), "{method} {target}: {message}");
        }
        for (query, vars) in [
            (create, json!({ "url": target })),
            (update, json!({ "id": id, "url": target })),
        ] {
            let answer = graphql(&app, Some(&admin), query, vars).await;
            let error = &answer["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "BAD_USER_INPUT",
                "{target}: {answer}"
            );
            let (field, message) = field_error(&error["extensions"]["fields"]);
            assert_eq!(field, "url", "{target}");
            assert!(message.contains(why), "{target}: {message}");
            assert!(answer["data"].is_null(), "{target}: {answer}");
        }
    }
    // Nothing was stored or changed.
    let (status, list) = admin_get(&app, "/admin/v1/webhooks", &admin).await;
    assert_eq!(status, 200);
    let urls: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|h| h["url"].as_str())
        .collect();
    assert_eq!(urls, ["https://hooks.example.com/in"]);
});

on_both_backends_spawned!(
    a_name_that_resolves_to_a_private_address_is_refused_at_delivery,
    |backend| spawn_allowing(backend, "hooks.internal"),
    |app| {
        seed_taxonomy(&app.content).await;
        let rebound = Receiver::start(&[]);
        let trusted = Receiver::start(&[]);
        // For this dispatcher both names resolve to the receivers' 127.0.0.1 (no DNS here
        // knows either): one looks public, the other is listed by name.
        let loopback = std::net::Ipv4Addr::LOCALHOST.into();
        let mut hosts = Hosts::default();
        hosts.insert("rebound.example.com", loopback);
        hosts.insert("hooks.internal", loopback);
        let rebound_url = format!("http://rebound.example.com:{}/hook", rebound.port);
        let trusted_url = format!("http://hooks.internal:{}/hook", trusted.port);
        // Both are accepted at subscription...
        let refused = subscribe(&app.content, &rebound_url, &[EventType::ArticlePublished]).await;
        let allowed = subscribe(&app.content, &trusted_url, &[EventType::ArticlePublished]).await;
        // ...but listing a name opens neither its address nor other internal names.
        let (_, admin) = key(&app.content, Role::Admin).await;
        for url in [rebound.url.as_str(), "http://other.internal/hook"] {
            let attempt = NewWebhook {
                url: url.into(),
                events: vec!["article.published".into()],
                secret: None,
                description: None,
                active: None,
            };
            let refusal = app.content.create_webhook(&admin, attempt).await;
            assert!(
                refusal.is_err_and(|e| e.errors.iter().any(|f| f.field == "url")),
                "{url}"
            );
        }
        let mut settings = fast();
        settings.retry.give_up_after = StdDuration::ZERO;
        Dispatcher::with_hosts(app.content.clone(), settings, hosts).spawn();

        app.content
            .create_article(article("rebinding", domain::now()), None)
            .await
            .expect("publish");
        // The listed name is reached through the table's address: nothing resolves it again.
        let got = trusted
            .wait_for(
                StdDuration::from_secs(10),
                "the listed name's delivery",
                |r| !r.is_empty(),
            )
            .await;
        assert_eq!(got[0].event, "article.published");
        let list = settled(&app, &refused, StdDuration::from_secs(10)).await;
        assert_eq!(list.len(), 1, "{list:#?}");
        let reason = "the target resolves to a private address 127.0.0.1 (loopback); refused";
        assert_eq!(list[0]["status"], "failed", "{list:#?}");
        assert_eq!(list[0]["last_error"], reason);
        let attempts = list[0]["attempts"].as_array().expect("attempts");
        assert_eq!(attempts.len(), 1, "{attempts:#?}");
        assert_eq!(attempts[0]["error"], reason);
        assert!(attempts[0]["response_status"].is_null());
        assert!(
            rebound.received().is_empty(),
            "the refused target got nothing"
        );
        let list = settled(&app, &allowed, StdDuration::from_secs(10)).await;
        assert_eq!(list[0]["status"], "delivered", "{list:#?}");
    }
);

with_local_receivers!(redirects_are_not_followed, |app| {
    // The receiver points elsewhere (here another allowed receiver; it could as well be
    // 169.254.169.254): the answer is recorded and nobody else is asked.
    let elsewhere = Receiver::start(&[]);
    let mut settings = fast();
    settings.retry.give_up_after = StdDuration::ZERO;
    let (receiver, hook) =
        newsroom_with_receiver(&app, &[Reply::Redirect(elsewhere.port)], settings).await;
    app.content
        .create_article(article("moved-away", domain::now()), None)
        .await
        .expect("publish");
    let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
    assert_eq!(list[0]["status"], "failed", "{list:#?}");
    assert_eq!(list[0]["last_error"], "the receiver answered 307");
    assert_eq!(list[0]["attempts"][0]["response_status"], 307);
    assert_eq!(receiver.received().len(), 1);
    assert!(
        elsewhere.received().is_empty(),
        "the redirect was not followed"
    );
});

// ---------------------------------------------------------------------------------------
// Deliveries
// ---------------------------------------------------------------------------------------

with_local_receivers!(a_publication_is_delivered_signed_with_the_article, |app| {
    let (receiver, hook) = newsroom_with_receiver(&app, &[], fast()).await;
    let created = app
        .content
        .create_article(article("summit-ends", domain::now()), None)
        .await
        .expect("publish");

    let got = receiver
        .wait_for(StdDuration::from_secs(10), "the publication", |r| {
            !r.is_empty()
        })
        .await;
    let request = &got[0];
    assert_eq!(request.event, "article.published");
    assert!(
        signature_is_valid(request, SECRET),
        "the signature verifies"
    );
    assert!(!signature_is_valid(request, "whsec_some_other_secret"));
    let now = chrono::Utc::now().timestamp();
    let sent_at: i64 = request.timestamp.parse().expect("a Unix timestamp");
    assert!((now - sent_at).abs() < 60, "the timestamp is current");
    let body = request.json();
    assert_eq!(body["type"], "article.published");
    assert_eq!(
        body["delivery_id"],
        request.delivery.as_str(),
        "the delivery id is signed too"
    );
    let article = &body["data"]["article"];
    assert_eq!(article["id"], created.id.as_str());
    assert_eq!(article["slug"], "summit-ends");
    assert_eq!(article["title"], "Title of summit-ends");
    assert!(
        article["body_html"]
            .as_str()
            .expect("body")
            .contains("<strong>summit-ends</strong>")
    );
    assert_eq!(article["section"]["slug"], "news", "relations are embedded");

    let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], request.delivery.as_str());
    assert_eq!(list[0]["status"], "delivered");
    assert_eq!(list[0]["event"], "article.published");
    assert_eq!(list[0]["attempts"][0]["response_status"], 200);
    // Nothing else arrives: one event, one delivery.
    actix_web::rt::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);
});

with_local_receivers!(
    failed_deliveries_are_retried_with_backoff_and_recorded,
    |app| {
        let (receiver, hook) =
            newsroom_with_receiver(&app, &[Reply::Status(500), Reply::Status(503)], fast()).await;
        app.content
            .create_article(article("retried", domain::now()), None)
            .await
            .expect("publish");

        let got = receiver
            .wait_for(StdDuration::from_secs(15), "three attempts", |r| {
                r.len() >= 3
            })
            .await;
        assert!(
            got.iter().all(|r| r.delivery == got[0].delivery),
            "one delivery id on every retry"
        );
        assert!(got.iter().all(|r| signature_is_valid(r, SECRET)));
        // Backoff: the waits are at least half the nominal 200 ms and 400 ms.
        assert!(got[1].at - got[0].at >= StdDuration::from_millis(100));
        assert!(got[2].at - got[1].at >= StdDuration::from_millis(200));

        let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
        let attempts = list[0]["attempts"].as_array().expect("attempts");
        let codes: Vec<&Value> = attempts.iter().map(|a| &a["response_status"]).collect();
        assert_eq!(codes, [&json!(500), &json!(503), &json!(200)]);
        assert_eq!(attempts[0]["error"], "the receiver answered 500");
        assert_eq!(list[0]["status"], "delivered");
        assert_eq!(receiver.received().len(), 3);
    }
);

with_local_receivers!(
    a_receiver_that_does_not_answer_in_time_is_tried_again,
    |app| {
        let (receiver, hook) =
            newsroom_with_receiver(&app, &[Reply::Hang(StdDuration::from_secs(3))], fast()).await;
        app.content
            .create_article(article("slow-receiver", domain::now()), None)
            .await
            .expect("publish");

        receiver
            .wait_for(StdDuration::from_secs(15), "a second attempt", |r| {
                r.len() >= 2
            })
            .await;
        let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
        let attempts = list[0]["attempts"].as_array().expect("attempts");
        assert_eq!(attempts[0]["response_status"], Value::Null);
        assert!(
            attempts[0]["error"]
                .as_str()
                .expect("error")
                .contains("timed out"),
            "{attempts:?}"
        );
        assert_eq!(attempts[1]["response_status"], 200);
        assert_eq!(list[0]["status"], "delivered");
    }
);

with_local_receivers!(retries_stop_after_their_time_is_up, |app| {
    let mut settings = fast();
    settings.retry.give_up_after = StdDuration::from_secs(1);
    let (receiver, hook) = newsroom_with_receiver(&app, &[Reply::Status(500); 50], settings).await;
    app.content
        .create_article(article("never-answered", domain::now()), None)
        .await
        .expect("publish");

    let list = settled(&app, &hook, StdDuration::from_secs(15)).await;
    assert_eq!(list[0]["status"], "failed");
    assert_eq!(list[0]["last_error"], "the receiver answered 500");
    let tries = list[0]["attempts"].as_array().map(Vec::len).unwrap_or(0);
    assert!(tries >= 2, "retried before giving up: {tries}");
    actix_web::rt::time::sleep(StdDuration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        tries,
        "nothing is sent after giving up"
    );
});

// ---------------------------------------------------------------------------------------
// Visibility
// ---------------------------------------------------------------------------------------

with_local_receivers!(unpublished_work_is_never_announced_before_its_time, |app| {
    let (receiver, _) = newsroom_with_receiver(&app, &[], fast()).await;
    let (_, editor) = key(&app.content, Role::Editor).await;
    let now = domain::now();

    // A draft, edited: nothing to announce.
    let draft = app
        .content
        .create_article(
            byline::service::editorial::NewArticle {
                status: ArticleStatus::Draft,
                published_at: None,
                ..article("draft-story", now)
            },
            None,
        )
        .await
        .expect("draft");
    app.content
        .update_article(
            &editor,
            &draft.id,
            serde_json::from_value(json!({ "title": "Still a draft", "version": 1 }))
                .expect("patch"),
            None,
        )
        .await
        .expect("edit draft");
    // Embargoed until two seconds from now, and scheduled for two seconds from now.
    let lifts = now + Duration::seconds(2);
    app.content
        .create_article(
            byline::service::editorial::NewArticle {
                embargo_until: Some(lifts),
                ..article("embargoed-story", now)
            },
            None,
        )
        .await
        .expect("embargoed");
    app.content
        .create_article(
            byline::service::editorial::NewArticle {
                status: ArticleStatus::Scheduled,
                published_at: Some(lifts),
                ..article("scheduled-story", now)
            },
            None,
        )
        .await
        .expect("scheduled");
    let started = Instant::now();

    let got = receiver
        .wait_for(StdDuration::from_secs(15), "both announcements", |r| {
            r.len() >= 2
        })
        .await;
    let slugs: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["data"]["article"]["slug"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert!(slugs.contains(&"embargoed-story".to_owned()), "{slugs:?}");
    assert!(slugs.contains(&"scheduled-story".to_owned()), "{slugs:?}");
    assert!(!slugs.contains(&"draft-story".to_owned()));
    let waited = got.iter().map(|r| r.at - started).min().unwrap_or_default();
    assert!(
        waited >= StdDuration::from_millis(1500),
        "nothing went out before its time ({waited:?} after the writes)"
    );
    assert!(got.iter().all(|r| r.event == "article.published"));
});

with_local_receivers!(
    withdrawals_reach_receivers_as_notices_without_content,
    |app| {
        let (receiver, _) = newsroom_with_receiver(&app, &[], fast()).await;
        let (_, editor) = key(&app.content, Role::Editor).await;
        let pulled = app
            .content
            .create_article(article("pulled-story", domain::now()), None)
            .await
            .expect("publish");
        let deleted = app
            .content
            .create_article(article("deleted-story", domain::now()), None)
            .await
            .expect("publish");
        receiver
            .wait_for(StdDuration::from_secs(10), "two publications", |r| {
                r.len() >= 2
            })
            .await;

        app.content
            .transition_article(
                &editor,
                &pulled.id,
                Transition::Unpublish,
                Some(pulled.version),
            )
            .await
            .expect("unpublish");
        app.content
            .delete_article(&editor, &deleted.id, Some(deleted.version))
            .await
            .expect("delete");
        let got = receiver
            .wait_for(StdDuration::from_secs(10), "two notices", |r| r.len() >= 4)
            .await;
        let notices: HashMap<String, Value> = got[2..]
            .iter()
            .map(|r| (r.event.clone(), r.json()["data"]["article"].clone()))
            .collect();
        assert_eq!(
            notices.get("article.unpublished"),
            Some(&json!({ "id": pulled.id, "slug": "pulled-story" }))
        );
        assert_eq!(
            notices.get("article.deleted"),
            Some(&json!({ "id": deleted.id, "slug": "deleted-story" }))
        );
    }
);

with_local_receivers!(
    an_article_put_back_under_embargo_is_not_sent_until_it_lifts,
    |app| {
        // The receiver is failing when the article comes out, so its announcement waits for a
        // retry; meanwhile the article goes back under embargo.
        let mut settings = fast();
        settings.retry.first_delay = StdDuration::from_millis(1500);
        let (receiver, hook) = newsroom_with_receiver(&app, &[Reply::Status(500)], settings).await;
        let (_, editor) = key(&app.content, Role::Editor).await;
        let story = app
            .content
            .create_article(article("recalled-story", domain::now()), None)
            .await
            .expect("publish");
        receiver
            .wait_for(
                StdDuration::from_secs(10),
                "the failed first attempt",
                |r| !r.is_empty(),
            )
            .await;
        let lifts = domain::now() + Duration::seconds(3);
        app.content
            .transition_article(
                &editor,
                &story.id,
                Transition::Embargo(Some(lifts)),
                Some(story.version),
            )
            .await
            .expect("embargo");
        let embargoed_at = Instant::now();

        let got = receiver
            .wait_for(
                StdDuration::from_secs(15),
                "the announcement after the lift",
                |r| r.iter().skip(1).any(|r| r.event == "article.published"),
            )
            .await;
        for r in got.iter().skip(1) {
            let carries_article = r.json()["data"]["article"].get("title").is_some();
            if carries_article {
                assert!(
                    r.at - embargoed_at >= StdDuration::from_millis(2500),
                    "the article went out under embargo: {} after {:?}",
                    r.event,
                    r.at - embargoed_at
                );
            }
        }
        assert!(events_of(&got).contains(&"article.unpublished".to_owned()));
        let list = settled(&app, &hook, StdDuration::from_secs(10)).await;
        assert!(list.iter().all(|d| d["status"] != "failed"), "{list:#?}");
    }
);

// ---------------------------------------------------------------------------------------
// Authors, tags, sections
// ---------------------------------------------------------------------------------------

with_local_receivers!(taxonomy_changes_are_delivered, |app| {
    let receiver = Receiver::start(&[]);
    subscribe(
        &app.content,
        &receiver.url,
        &[
            EventType::TagCreated,
            EventType::TagUpdated,
            EventType::TagDeleted,
        ],
    )
    .await;
    start_dispatcher(&app, fast());
    let (editor, _) = key(&app.content, Role::Editor).await;
    let admin_call = |method: reqwest::Method, path: &str, body: Option<Value>| {
        let mut request = app
            .client
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(&editor);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move { request.send().await.expect("request").status().as_u16() }
    };
    let created = admin_call(
        reqwest::Method::POST,
        "/admin/v1/tags",
        Some(json!({ "slug": "ecb", "name": "ECB", "kind": "organization" })),
    )
    .await;
    assert_eq!(created, 201);
    receiver
        .wait_for(StdDuration::from_secs(10), "tag.created", |r| !r.is_empty())
        .await;
    let renamed = admin_call(
        reqwest::Method::PATCH,
        "/admin/v1/tags/ecb",
        Some(json!({ "name": "European Central Bank" })),
    )
    .await;
    assert_eq!(renamed, 200);
    receiver
        .wait_for(StdDuration::from_secs(10), "tag.updated", |r| r.len() >= 2)
        .await;
    assert_eq!(
        admin_call(reqwest::Method::DELETE, "/admin/v1/tags/ecb", None).await,
        204
    );
    let got = receiver
        .wait_for(StdDuration::from_secs(10), "tag.deleted", |r| r.len() >= 3)
        .await;
    assert_eq!(
        events_of(&got),
        ["tag.created", "tag.updated", "tag.deleted"]
    );
    assert_eq!(got[0].json()["data"]["tag"]["name"], "ECB");
    assert_eq!(
        got[1].json()["data"]["tag"]["name"],
        "European Central Bank"
    );
    assert_eq!(got[2].json()["data"]["tag"]["slug"], "ecb");
    assert!(got[2].json()["data"]["tag"].get("name").is_none());
});

// ---------------------------------------------------------------------------------------
// The outbox
// ---------------------------------------------------------------------------------------

fn outbox_rows(db: &Db) -> i64 {
    use byline::db::schema::webhook_events;
    use diesel::prelude::*;
    db.read_blocking(|conn| Ok(webhook_events::table.count().get_result::<i64>(conn)?))
        .expect("count events")
}

async fn outbox_shares_the_transaction_of_its_change(backend: Backend) {
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    let db = content.db().clone();
    subscribe(
        &content,
        "https://receiver.example/hook",
        &[EventType::TagCreated],
    )
    .await;
    let now = domain::now();
    // A change that fails after writing its event leaves no event behind…
    let failed = db.write_blocking(|conn| -> Result<(), AppError> {
        outbox::record(
            conn,
            EventType::TagCreated,
            &domain::new_id(),
            "gone",
            now,
            now,
        )?;
        Err(AppError::not_found(
            "the change failed after its event was written",
        ))
    });
    assert!(failed.is_err());
    assert_eq!(outbox_rows(&db), 0, "a rolled-back change has no event");
    // …and one that commits keeps it, as do the service's own changes.
    db.write_blocking(|conn| {
        outbox::record(
            conn,
            EventType::TagCreated,
            &domain::new_id(),
            "kept",
            now,
            now,
        )
    })
    .expect("commit");
    assert_eq!(outbox_rows(&db), 1);
    seed_taxonomy(&content).await;
    assert_eq!(outbox_rows(&db), 4, "three tags created, one event each");
}

/// Finished deliveries are forgotten after the time kept; unfinished ones never.
async fn old_finished_deliveries_are_pruned(backend: Backend) {
    use byline::db::schema::webhook_deliveries;
    use diesel::prelude::*;
    let Some((_database, content)) = open_content(backend) else {
        return;
    };
    let db = content.db().clone();
    subscribe(
        &content,
        "https://receiver.example/hook",
        &[EventType::TagCreated],
    )
    .await;
    seed_taxonomy(&content).await;
    assert_eq!(outbox_rows(&db), 3);
    let keep_nothing = StdDuration::ZERO;
    actix_web::rt::time::sleep(StdDuration::from_millis(5)).await;
    let pruned = content
        .prune_webhook_history(keep_nothing)
        .await
        .expect("prune");
    assert_eq!(
        (pruned, outbox_rows(&db)),
        (0, 3),
        "pending deliveries are kept"
    );
    // Two of the three delivered; those two go, with their deliveries.
    db.write_blocking(|conn| {
        let ids: Vec<String> = webhook_deliveries::table
            .select(webhook_deliveries::id)
            .order(webhook_deliveries::id)
            .limit(2)
            .load(conn)?;
        diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(ids)))
            .set(webhook_deliveries::status.eq("delivered"))
            .execute(conn)?;
        Ok(())
    })
    .expect("mark delivered");
    let kept_a_day = content
        .prune_webhook_history(StdDuration::from_secs(86_400))
        .await
        .expect("prune");
    assert_eq!(kept_a_day, 0, "recent history stays");
    let pruned = content
        .prune_webhook_history(keep_nothing)
        .await
        .expect("prune");
    assert_eq!((pruned, outbox_rows(&db)), (2, 1));
    let deliveries: i64 = db
        .read_blocking(|conn| Ok(webhook_deliveries::table.count().get_result(conn)?))
        .expect("count");
    assert_eq!(deliveries, 1);
}

#[actix_web::test]
async fn old_finished_deliveries_are_pruned_on_sqlite() {
    old_finished_deliveries_are_pruned(Backend::Sqlite).await;
}

#[actix_web::test]
async fn old_finished_deliveries_are_pruned_on_postgres() {
    old_finished_deliveries_are_pruned(Backend::Postgres).await;
}

#[actix_web::test]
async fn the_outbox_shares_the_transaction_of_its_change_on_sqlite() {
    outbox_shares_the_transaction_of_its_change(Backend::Sqlite).await;
}

#[actix_web::test]
async fn the_outbox_shares_the_transaction_of_its_change_on_postgres() {
    outbox_shares_the_transaction_of_its_change(Backend::Postgres).await;
}

// ---------------------------------------------------------------------------------------
// Real processes
// ---------------------------------------------------------------------------------------

/// A `byline serve` process over `database`, delivering with a 1 s timeout (so a lease
/// lasts 6 s) and 1 s before the first retry.
fn serve(database: &TestDatabase) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_byline"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            &database.url_arg(),
        ])
        .args(["--webhook-timeout", "1", "--webhook-first-retry", "1"])
        .args(["--webhook-allow-private", LOCAL_RECEIVERS])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start byline serve");
    let stdout = child.stdout.take().expect("stdout");
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("Byline is serving") {
                let _ = ready.send(());
            }
        }
    });
    started
        .recv_timeout(StdDuration::from_secs(60))
        .expect("byline serve starts");
    child
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

async fn nothing_is_lost_across_a_kill_and_restart(backend: Backend) {
    let Some((database, content)) = open_content(backend) else {
        return;
    };
    let content = content.with_webhook_targets(allowing(LOCAL_RECEIVERS));
    seed_taxonomy(&content).await;
    // The first request hangs, so the first process is mid-delivery when it is killed.
    let receiver = Receiver::start(&[Reply::Hang(StdDuration::from_secs(20))]);
    let hook = subscribe(&content, &receiver.url, &ARTICLE_EVENTS).await;
    let first = serve(&database);
    content
        .create_article(article("in-flight", domain::now()), None)
        .await
        .expect("publish");
    receiver
        .wait_for(StdDuration::from_secs(15), "the first attempt", |r| {
            !r.is_empty()
        })
        .await;
    stop(first);
    // Written while no process runs.
    content
        .create_article(article("while-down", domain::now()), None)
        .await
        .expect("publish");
    let second = serve(&database);
    let got = receiver
        .wait_for(StdDuration::from_secs(30), "both articles", |r| {
            let slugs: Vec<String> = r
                .iter()
                .filter_map(|r| {
                    r.json()["data"]["article"]["slug"]
                        .as_str()
                        .map(str::to_owned)
                })
                .collect();
            slugs.contains(&"while-down".to_owned())
                && slugs.iter().filter(|s| *s == "in-flight").count() >= 2
        })
        .await;
    let in_flight: Vec<&Received> = got
        .iter()
        .filter(|r| r.json()["data"]["article"]["slug"] == "in-flight")
        .collect();
    assert_eq!(
        in_flight[0].delivery, in_flight[1].delivery,
        "the same delivery, tried again"
    );

    // The receiver answers before the dispatcher records the outcome: give it the moment.
    let (_, admin) = key(&content, Role::Admin).await;
    let deadline = std::time::Instant::now() + StdDuration::from_secs(15);
    let interrupted = loop {
        let page = content
            .webhook_deliveries(&admin, &hook, None, 100)
            .await
            .expect("deliveries");
        let delivery = page
            .items
            .into_iter()
            .find(|d| d.id == in_flight[0].delivery)
            .expect("the interrupted delivery");
        let settled = delivery.status == byline::domain::webhook::DeliveryStatus::Delivered;
        if settled || std::time::Instant::now() > deadline {
            break delivery;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    };
    stop(second);
    assert_eq!(
        interrupted.status,
        byline::domain::webhook::DeliveryStatus::Delivered
    );
    assert!(
        interrupted.attempts[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("interrupted")),
        "{:?}",
        interrupted.attempts
    );
    assert_eq!(
        interrupted.attempts.last().and_then(|a| a.response_status),
        Some(200)
    );
}

#[actix_web::test]
async fn nothing_is_lost_across_a_kill_and_restart_on_sqlite() {
    nothing_is_lost_across_a_kill_and_restart(Backend::Sqlite).await;
}

#[actix_web::test]
async fn nothing_is_lost_across_a_kill_and_restart_on_postgres() {
    nothing_is_lost_across_a_kill_and_restart(Backend::Postgres).await;
}

/// Two processes on one PostgreSQL database: every delivery is made once.
#[actix_web::test]
async fn two_instances_on_one_postgres_deliver_each_event_once() {
    let Some((database, content)) = open_content(Backend::Postgres) else {
        return;
    };
    let content = content.with_webhook_targets(allowing(LOCAL_RECEIVERS));
    seed_taxonomy(&content).await;
    let receiver = Receiver::start(&[]);
    subscribe(&content, &receiver.url, &ARTICLE_EVENTS).await;
    let second_receiver = Receiver::start(&[]);
    subscribe(
        &content,
        &second_receiver.url,
        &[EventType::ArticlePublished],
    )
    .await;
    let (a, b) = (serve(&database), serve(&database));
    let articles = 40;
    for i in 0..articles {
        content
            .create_article(article(&format!("story-{i}"), domain::now()), None)
            .await
            .expect("publish");
    }
    for r in [&receiver, &second_receiver] {
        r.wait_for(StdDuration::from_secs(60), "every publication", |got| {
            got.len() >= articles
        })
        .await;
    }
    // Give a double delivery time to show up.
    actix_web::rt::time::sleep(StdDuration::from_secs(2)).await;
    stop(a);
    stop(b);
    for r in [&receiver, &second_receiver] {
        let got = r.received();
        let mut ids: Vec<&str> = got.iter().map(|r| r.delivery.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(got.len(), articles, "each delivery made once");
        assert_eq!(ids.len(), articles);
    }
}

// ---------------------------------------------------------------------------------------
// GraphQL
// ---------------------------------------------------------------------------------------

pub(crate) async fn graphql(
    app: &TestApp,
    key: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

with_local_receivers!(graphql_manages_subscriptions_and_shows_deliveries, |app| {
    seed_taxonomy(&app.content).await;
    let receiver = Receiver::start(&[Reply::Status(500)]);
    start_dispatcher(&app, fast());
    let (admin, _) = key(&app.content, Role::Admin).await;
    let (editor, _) = key(&app.content, Role::Editor).await;
    let create = "mutation($url: String!) { createWebhook(input: { url: $url, events: [\"article.published\"] }) { secret webhook { id url events active } } }";
    let vars = json!({ "url": receiver.url });

    let refused = graphql(&app, Some(&editor), create, vars.clone()).await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    let anonymous = graphql(&app, None, create, vars.clone()).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
    let bad = graphql(
        &app,
        Some(&admin),
        "mutation { createWebhook(input: { url: \"nope\", events: [\"article.nope\"] }) { secret } }",
        json!({}),
    )
    .await;
    assert!(bad["errors"][0]["extensions"]["code"].is_string(), "{bad}");
    assert!(bad["data"].is_null(), "{bad}");

    let created = graphql(&app, Some(&admin), create, vars).await;
    let hook = &created["data"]["createWebhook"];
    assert!(
        hook["secret"]
            .as_str()
            .expect("secret")
            .starts_with("whsec_"),
        "{created}"
    );
    assert_eq!(hook["webhook"]["events"], json!(["article.published"]));
    let id = hook["webhook"]["id"].as_str().expect("id").to_owned();

    app.content
        .create_article(article("graphql-announced", domain::now()), None)
        .await
        .expect("publish");
    receiver
        .wait_for(StdDuration::from_secs(10), "the retry", |r| r.len() >= 2)
        .await;
    settled(&app, &id, StdDuration::from_secs(10)).await;
    let listed = graphql(
        &app,
        Some(&admin),
        "query($id: ID!) { webhook(id: $id) { url deliveries(first: 5) { hasNextPage nodes { event status attempts { attempt responseStatus error } } } } }",
        json!({ "id": id }),
    )
    .await;
    let delivery = &listed["data"]["webhook"]["deliveries"]["nodes"][0];
    assert_eq!(delivery["event"], "article.published", "{listed}");
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["attempts"][0]["responseStatus"], 500);
    assert_eq!(delivery["attempts"][1]["responseStatus"], 200);

    let paused = graphql(
        &app,
        Some(&admin),
        "mutation($id: ID!) { updateWebhook(id: $id, input: { active: false }) { active } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(paused["data"]["updateWebhook"]["active"], false, "{paused}");
    let deleted = graphql(
        &app,
        Some(&admin),
        "mutation($id: ID!) { deleteWebhook(id: $id) }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(deleted["data"]["deleteWebhook"], true, "{deleted}");
    let listed = graphql(&app, Some(&admin), "{ webhooks { id } }", json!({})).await;
    assert_eq!(listed["data"]["webhooks"], json!([]));
});

with_local_receivers!(
    a_paused_subscription_receives_nothing_until_resumed,
    |app| {
        // The first attempt fails, so the first article's delivery is queued for a retry when the
        // subscription is paused.
        let mut settings = fast();
        settings.retry.first_delay = StdDuration::from_millis(600);
        let (receiver, hook) = newsroom_with_receiver(&app, &[Reply::Status(500)], settings).await;
        let (_, admin) = key(&app.content, Role::Admin).await;
        let pause = |active: bool| {
            let patch = byline::service::webhooks::WebhookPatch {
                active: Some(active),
                ..Default::default()
            };
            app.content.update_webhook(&admin, &hook, patch)
        };
        app.content
            .create_article(article("before-the-pause", domain::now()), None)
            .await
            .expect("publish");
        receiver
            .wait_for(StdDuration::from_secs(10), "the failed attempt", |r| {
                !r.is_empty()
            })
            .await;
        pause(false).await.expect("pause");
        app.content
            .create_article(article("during-the-pause", domain::now()), None)
            .await
            .expect("publish");
        actix_web::rt::time::sleep(StdDuration::from_millis(1500)).await;
        assert_eq!(receiver.received().len(), 1, "nothing is sent while paused");

        pause(true).await.expect("resume");
        app.content
            .create_article(article("after-the-pause", domain::now()), None)
            .await
            .expect("publish");
        let got = receiver
            .wait_for(
                StdDuration::from_secs(10),
                "the held retry and the new article",
                |r| r.len() >= 3,
            )
            .await;
        let slugs: Vec<&str> = got[1..]
            .iter()
            .filter_map(|r| {
                let body = r.json();
                body["data"]["article"]["slug"].as_str().map(str::to_owned)
            })
            .map(|s| {
                if s == "before-the-pause" {
                    "before"
                } else if s == "after-the-pause" {
                    "after"
                } else {
                    "other"
                }
            })
            .collect();
        let mut sorted = slugs.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            ["after", "before"],
            "the held delivery goes out, the paused event never"
        );
    }
);
