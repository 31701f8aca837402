//! The realtime stream (`GET /v1/stream`) with a real SSE client: events leave when the
//! public can see a change (a draft's edit sends nothing, an embargoed article's event
//! leaves at the lift), withdrawals are announced, filters hold, `Last-Event-ID` replays
//! what was missed, and the bounds answer as documented.

use std::time::{Duration, Instant};

use byline::auth::Role;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    assets::{key, send},
    helpers::{Backend, TestApp, spawn_app_with},
    on_both_backends,
};

/// One event as the client parsed it.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A Server-Sent Events client over reqwest: frames are read as they arrive.
pub struct SseClient {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

impl SseClient {
    pub async fn connect(app: &TestApp, query: &str, last_event_id: Option<&str>) -> SseClient {
        SseClient::connect_to(&app.client, &app.base, query, last_event_id).await
    }

    /// [`SseClient::connect`] to the server at `base`.
    pub async fn connect_to(
        client: &reqwest::Client,
        base: &str,
        query: &str,
        last_event_id: Option<&str>,
    ) -> SseClient {
        let mut request = client
            .get(format!("{base}/v1/stream{query}"))
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("GET /v1/stream");
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().expect("type"),
            "text/event-stream"
        );
        SseClient {
            body: Box::pin(response.bytes_stream()),
            buffer: String::new(),
        }
    }

    /// The next event (comments, heartbeats and `retry:` skipped), or `None` when none
    /// came within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Event> {
        let deadline = Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut event = Event {
                    id: None,
                    event: "message".into(),
                    data: Value::Null,
                };
                let mut has_data = false;
                for line in frame.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        event.id = Some(id.to_owned());
                    } else if let Some(name) = line.strip_prefix("event: ") {
                        event.event = name.to_owned();
                    } else if let Some(data) = line.strip_prefix("data: ") {
                        event.data = serde_json::from_str(data).expect("data is JSON");
                        has_data = true;
                    }
                }
                if has_data {
                    return Some(event);
                }
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(_) | Err(_) => return None,
            }
        }
    }

    /// Every event that has arrived by now (waiting a little for what is on its way).
    pub async fn drain(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.next(Duration::from_millis(20)).await {
            events.push(event);
        }
        events
    }

    /// The next event of an article (others skipped), within `wait`.
    pub async fn next_of(&mut self, id: &str, wait: Duration) -> Option<Event> {
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let event = self.next(left).await?;
            if event.data["article"]["id"] == id {
                return Some(event);
            }
        }
    }
}

async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    let (status, created) = send(
        app,
        Method::POST,
        "/admin/v1/articles",
        Some(key),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    created["data"].clone()
}

async fn act(app: &TestApp, key: &str, article: &Value, action: &str, mut body: Value) -> Value {
    body["version"] = article["version"].clone();
    let id = article["id"].as_str().expect("id");
    let (status, done) = send(
        app,
        Method::POST,
        &format!("/admin/v1/articles/{id}/{action}"),
        Some(key),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{action}: {done}");
    done["data"].clone()
}

const QUIET: Duration = Duration::from_millis(1500);
const SOON: Duration = Duration::from_secs(6);

on_both_backends!(the_stream_sends_what_becomes_public_when_it_does, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let mut everything = SseClient::connect(&app, "", None).await;
    let mut economy = SseClient::connect(&app, "?section=economy", None).await;
    // Let the hub begin reading before anything changes.
    tokio::time::sleep(Duration::from_millis(600)).await;

    // A draft, and its edit: nothing.
    let draft = create(
        &app,
        &editor,
        json!({"slug": "quiet-draft", "title": "Quiet", "body": "x", "section": "news"}),
    )
    .await;
    let id = draft["id"].as_str().expect("id").to_owned();
    let (status, renamed) = send(
        &app,
        Method::PATCH,
        &format!("/admin/v1/articles/{id}"),
        Some(&editor),
        Some(json!({"version": draft["version"], "title": "Still quiet"})),
    )
    .await;
    assert_eq!(status, 200, "{renamed}");
    assert!(
        everything.next_of(&id, QUIET).await.is_none(),
        "a draft sent an event"
    );

    // Published: one event, to those who follow its section or everything.
    let public = act(&app, &editor, &renamed["data"], "publish", json!({})).await;
    let event = everything
        .next_of(&id, SOON)
        .await
        .expect("published event");
    assert_eq!(event.event, "article.published", "{event:?}");
    assert_eq!(event.data["article"]["slug"], "quiet-draft");
    assert_eq!(event.data["article"]["title"], "Still quiet");
    assert!(event.id.is_some());
    let first_id = event.id.clone().expect("id");
    assert!(
        economy.next_of(&id, QUIET).await.is_none(),
        "news reached the economy filter"
    );

    // Edited while public: an update.
    let (status, edited) = send(
        &app,
        Method::PATCH,
        &format!("/admin/v1/articles/{id}"),
        Some(&editor),
        Some(json!({"version": public["version"], "title": "Loud now"})),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    let event = everything.next_of(&id, SOON).await.expect("updated event");
    assert_eq!(event.event, "article.updated");
    assert_eq!(event.data["article"]["title"], "Loud now");

    // Put back under an embargo: a withdrawal that names nothing but the article.
    let lift = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    let held = act(
        &app,
        &editor,
        &edited["data"],
        "embargo",
        json!({"embargo_until": lift}),
    )
    .await;
    let event = everything.next_of(&id, SOON).await.expect("withdrawal");
    assert_eq!(event.event, "article.withdrawn", "{event:?}");
    assert_eq!(event.data["reason"], "held");
    assert!(event.data["article"].get("title").is_none(), "{event:?}");
    // At the lift, and not before: public again.
    let lift_at =
        chrono::DateTime::parse_from_rfc3339(held["embargo_until"].as_str().expect("embargo"))
            .expect("time");
    let event = everything
        .next_of(&id, Duration::from_secs(10))
        .await
        .expect("lift event");
    let now = chrono::Utc::now();
    assert!(now >= lift_at, "an event before the embargo lifted");
    println!(
        "stream on {:?}: the lift's event arrived {} ms after the lift",
        app.backend,
        (now - lift_at.with_timezone(&chrono::Utc)).num_milliseconds()
    );
    assert_eq!(event.event, "article.published", "{event:?}");

    // An economy story reaches the economy filter.
    let economic = create(&app, &editor, json!({"slug": "rates", "title": "Rates", "body": "x", "section": "economy", "status": "published"})).await;
    let rates = economic["id"].as_str().expect("id").to_owned();
    let event = economy.next_of(&rates, SOON).await.expect("economy event");
    assert_eq!(event.data["article"]["section"], "economy");

    // Reconnecting after the first event replays what came after it, in order.
    let mut again = SseClient::connect(&app, "", Some(&first_id)).await;
    let mut replayed = Vec::new();
    while let Some(event) = again.next(QUIET).await {
        replayed.push((
            event.event.clone(),
            event.data["article"]["id"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        ));
    }
    assert!(
        replayed.contains(&("article.published".to_owned(), rates.clone())),
        "{replayed:?}"
    );
    assert!(replayed.iter().any(|(_, a)| *a == id), "{replayed:?}");
});

on_both_backends!(a_bad_stream_request_is_a_problem, |app| {
    for (query, last) in [
        ("?article=not-an-id", None),
        ("?section=", None),
        ("", Some("not-an-event-id")),
    ] {
        let mut request = app.client.get(format!("{}/v1/stream{query}", app.base));
        if let Some(last) = last {
            request = request.header("Last-Event-ID", last);
        }
        let response = request.send().await.expect("GET");
        assert_eq!(response.status().as_u16(), 400, "{query} {last:?}");
        assert_eq!(
            response.headers()["content-type"].to_str().expect("type"),
            "application/problem+json"
        );
    }
});

#[actix_web::test]
async fn streams_past_the_limit_are_refused_with_retry_after() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.stream_max_connections = 1;
        s.stream_heartbeat = Duration::from_millis(100);
    })
    .await
    else {
        return;
    };
    let _first = SseClient::connect(&app, "", None).await;
    let second = app
        .client
        .get(format!("{}/v1/stream", app.base))
        .send()
        .await
        .expect("GET");
    assert_eq!(second.status().as_u16(), 503);
    assert!(second.headers().contains_key("retry-after"));
    drop(_first);
    // The slot is given back when the client goes.
    let mut freed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let third = app
            .client
            .get(format!("{}/v1/stream", app.base))
            .send()
            .await
            .expect("GET");
        if third.status().as_u16() == 200 {
            freed = true;
            break;
        }
    }
    assert!(freed, "a closed stream kept its slot");
}
