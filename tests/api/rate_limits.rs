//! Rate limits: the draft-10 `RateLimit-Policy` / `RateLimit` fields on every surface, 429
//! problems with `Retry-After` past the limit, a bucket per key apart from the address one,
//! `X-Forwarded-For` only behind trusted proxies, and probes exempt.

use byline::{auth::Role, http::rate_limit::RateLimits};

use crate::helpers::{Backend, TestApp, spawn_app_with};

const GRAPHQL_QUERY: &str = "{ sections { pageInfo { hasNextPage } } }";

/// One request of each kind the limiter covers, optionally with a key.
#[derive(Debug, Clone, Copy)]
enum Surface {
    Rest,
    GraphqlPost,
    GraphqlGet,
    Feed,
    Sitemap,
}

const PUBLIC_SURFACES: [Surface; 5] = [
    Surface::Rest,
    Surface::GraphqlPost,
    Surface::GraphqlGet,
    Surface::Feed,
    Surface::Sitemap,
];

async fn send(app: &TestApp, surface: Surface, key: Option<&str>) -> reqwest::Response {
    let url = |path: &str| format!("{}{path}", app.base);
    let mut request = match surface {
        Surface::Rest => app.client.get(url("/v1/articles?limit=1")),
        Surface::GraphqlPost => app
            .client
            .post(url("/graphql"))
            .json(&serde_json::json!({ "query": GRAPHQL_QUERY })),
        Surface::GraphqlGet => app.client.get(url(
            "/graphql?query=%7B%20sections%20%7B%20pageInfo%20%7B%20hasNextPage%20%7D%20%7D%20%7D",
        )),
        Surface::Feed => app.client.get(url("/feeds/rss.xml")),
        Surface::Sitemap => app.client.get(url("/sitemap.xml")),
    };
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request")
}

async fn syndication(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/syndication/v1/articles", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("request")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
}

/// The `r` of a `RateLimit` field for `policy`.
fn remaining(response: &reqwest::Response, policy: &str) -> u32 {
    let field = header(response, "ratelimit");
    let rest = field
        .strip_prefix(&format!("\"{policy}\";r="))
        .unwrap_or_else(|| panic!("RateLimit `{field}` is not for {policy}"));
    let (r, t) = rest.split_once(";t=").expect("r and t");
    assert!(t.parse::<u64>().expect("t is seconds") >= 1, "{field}");
    r.parse().expect("r is a number")
}

/// A 429 problem with the fields and a `Retry-After` of whole seconds.
async fn assert_refused(response: reqwest::Response, policy: &str, what: &str) {
    assert_eq!(response.status().as_u16(), 429, "{what}");
    assert_eq!(
        header(&response, "content-type"),
        "application/problem+json",
        "{what}"
    );
    let retry_after: u64 = header(&response, "retry-after").parse().expect("seconds");
    assert!(retry_after >= 1, "{what}");
    assert_eq!(remaining(&response, policy), 0, "{what}");
    assert_eq!(
        header(&response, "ratelimit"),
        format!("\"{policy}\";r=0;t={retry_after}"),
        "{what}"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["type"], "/problems/rate-limited", "{what}");
    assert_eq!(body["status"], 429, "{what}");
}

async fn spawn_limited(backend: Backend, limits: RateLimits) -> Option<TestApp> {
    spawn_app_with(backend, move |s| s.rate_limits = limits).await
}

crate::on_both_backends!(every_surface_announces_its_rate_limit, |app| {
    byline::seed::demo::load(&app.content).await.expect("demo");
    for surface in PUBLIC_SURFACES {
        let response = send(&app, surface, None).await;
        assert_eq!(response.status().as_u16(), 200, "{surface:?}");
        assert_eq!(
            header(&response, "ratelimit-policy"),
            "\"anonymous\";q=600;w=60",
            "{surface:?}"
        );
        // Units come back every 100 ms, so only an upper bound holds without timing.
        assert!(remaining(&response, "anonymous") < 600, "{surface:?}");
    }
    let (_, partner) = app
        .content
        .create_key("wire".into(), Role::Partner)
        .await
        .expect("key");
    let response = syndication(&app, &partner).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        header(&response, "ratelimit-policy"),
        "\"partner\";q=1200;w=60"
    );
    assert_eq!(remaining(&response, "partner"), 1199);
    // Browsers may read the fields.
    let response = app
        .client
        .get(format!("{}/v1/articles", app.base))
        .header("Origin", "https://frontend.example")
        .send()
        .await
        .expect("request");
    let exposed = header(&response, "access-control-expose-headers").to_lowercase();
    for name in ["ratelimit", "ratelimit-policy", "retry-after"] {
        assert!(exposed.split(", ").any(|h| h == name), "{exposed}");
    }
});

crate::on_both_backends_spawned!(
    past_the_limit_every_surface_answers_429_problem_with_retry_after,
    |backend| spawn_limited(
        backend,
        RateLimits {
            anonymous: 1,
            partner: 1,
            ..RateLimits::unlimited()
        }
    ),
    |app| {
        assert_eq!(send(&app, Surface::Rest, None).await.status().as_u16(), 200);
        for surface in PUBLIC_SURFACES {
            assert_refused(
                send(&app, surface, None).await,
                "anonymous",
                &format!("{surface:?}"),
            )
            .await;
        }
        let (_, partner) = app
            .content
            .create_key("wire".into(), Role::Partner)
            .await
            .expect("key");
        assert_eq!(syndication(&app, &partner).await.status().as_u16(), 200);
        assert_refused(syndication(&app, &partner).await, "partner", "syndication").await;
        // Probes and metrics are never limited.
        for path in ["/healthz", "/readyz", "/metrics"] {
            let response = app.get(path).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            assert!(response.headers().get("ratelimit").is_none(), "{path}");
        }
    }
);

crate::on_both_backends_spawned!(
    each_key_has_a_bucket_apart_from_the_address_one,
    |backend| spawn_limited(
        backend,
        RateLimits {
            anonymous: 2,
            content: 3,
            ..RateLimits::unlimited()
        }
    ),
    |app| {
        let (_, first) = app
            .content
            .create_key("frontend".into(), Role::Content)
            .await
            .expect("key");
        let (_, second) = app
            .content
            .create_key("app".into(), Role::Content)
            .await
            .expect("key");
        for _ in 0..2 {
            assert_eq!(send(&app, Surface::Rest, None).await.status().as_u16(), 200);
        }
        assert_refused(
            send(&app, Surface::Rest, None).await,
            "anonymous",
            "anonymous",
        )
        .await;
        // From the same address, a key still has its whole quota, and each key its own.
        for key in [&first, &second] {
            let response = send(&app, Surface::Rest, Some(key)).await;
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(
                header(&response, "ratelimit-policy"),
                "\"content\";q=3;w=60"
            );
            assert_eq!(remaining(&response, "content"), 2);
        }
        for surface in [Surface::GraphqlPost, Surface::Feed] {
            let response = send(&app, surface, Some(&first)).await;
            assert_eq!(response.status().as_u16(), 200, "{surface:?}");
        }
        assert_refused(
            send(&app, Surface::Rest, Some(&first)).await,
            "content",
            "key",
        )
        .await;
        assert_eq!(
            send(&app, Surface::Rest, Some(&second))
                .await
                .status()
                .as_u16(),
            200
        );
        // A key that is not valid gets no bucket of its own: it counts as its address.
        let forged = "byl_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        assert_refused(
            send(&app, Surface::Rest, Some(forged)).await,
            "anonymous",
            "forged key",
        )
        .await;
    }
);

async fn from(app: &TestApp, client: &str) -> u16 {
    app.client
        .get(format!("{}/v1/tags", app.base))
        .header("X-Forwarded-For", client)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

crate::on_both_backends_spawned!(
    forwarded_for_names_the_client_only_behind_a_trusted_proxy,
    |backend| spawn_limited(
        backend,
        RateLimits {
            anonymous: 1,
            trusted_proxies: vec!["127.0.0.0/8".parse().expect("net")],
            ..RateLimits::unlimited()
        }
    ),
    |app| {
        assert_eq!(from(&app, "203.0.113.1").await, 200);
        assert_eq!(from(&app, "203.0.113.1").await, 429);
        assert_eq!(from(&app, "203.0.113.2").await, 200);
        // A client cannot pick its bucket by writing the header itself: the proxy appends.
        assert_eq!(from(&app, "198.51.100.1, 203.0.113.2").await, 429);
    }
);

#[actix_web::test]
async fn forwarded_for_is_ignored_without_trusted_proxies() {
    let Some(app) = spawn_limited(
        Backend::Sqlite,
        RateLimits {
            anonymous: 1,
            ..RateLimits::unlimited()
        },
    )
    .await
    else {
        return;
    };
    assert_eq!(from(&app, "203.0.113.1").await, 200);
    assert_eq!(from(&app, "203.0.113.2").await, 429);
}
