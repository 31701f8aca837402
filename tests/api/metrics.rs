//! `/metrics`: requests counted by route pattern (never the raw path), pool, search and
//! outbox gauges, OpenMetrics on request, and who may read it.

use byline::{
    auth::Role, domain::webhook::EventType, http::metrics::MetricsAccess,
    service::webhooks::NewWebhook,
};

use crate::helpers::{TestApp, seed_taxonomy, spawn_app_with};

async fn scrape(app: &TestApp) -> String {
    let response = app.get("/metrics").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    response.text().await.expect("text")
}

/// The value of the one sample named exactly `series` (name and labels).
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no `{series}` in:\n{text}"))
        .parse()
        .expect("a number")
}

crate::on_both_backends!(
    requests_are_counted_by_route_pattern_with_pool_gauges,
    |app| {
        byline::seed::demo::load(&app.content).await.expect("demo");
        let listed = app.get_json("/v1/articles?limit=2&fields=slug", 200).await;
        let slugs: Vec<&str> = listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| a["slug"].as_str().expect("slug"))
            .collect();
        for slug in &slugs {
            app.get_json(&format!("/v1/articles/{slug}"), 200).await;
        }
        app.get_json("/v1/articles/no-such-article", 404).await;
        app.get("/nowhere/at/all").await;
        let text = scrape(&app).await;
        let route = r#"method="GET",route="/v1/articles/{slug}""#;
        assert_eq!(
            sample(
                &text,
                &format!("byline_http_requests_total{{{route},status=\"200\"}}")
            ),
            2.0
        );
        assert_eq!(
            sample(
                &text,
                &format!("byline_http_requests_total{{{route},status=\"404\"}}")
            ),
            1.0
        );
        assert_eq!(
            sample(
                &text,
                r#"byline_http_requests_total{method="GET",route="unmatched",status="404"}"#
            ),
            1.0
        );
        assert_eq!(
            sample(
                &text,
                &format!("byline_http_request_duration_seconds_count{{{route}}}")
            ),
            3.0
        );
        // Paths never become labels.
        for slug in &slugs {
            assert!(!text.contains(slug), "{slug} leaked into the metrics");
        }
        assert!(!text.contains("no-such-article") && !text.contains("/nowhere"));
        // The pool: open connections are in use or idle, never more than the pool may open.
        let in_use = sample(&text, r#"byline_db_pool_connections{state="in_use"}"#);
        let idle = sample(&text, r#"byline_db_pool_connections{state="idle"}"#);
        let max = sample(&text, "byline_db_pool_max_connections");
        assert!(max >= 1.0 && in_use >= 0.0 && idle >= 0.0 && in_use + idle <= max);
        assert!(sample(&text, "byline_db_pool_checkout_wait_seconds_count") >= 4.0);
        assert_eq!(sample(&text, "byline_db_pool_checkout_timeouts_total"), 0.0);
        // The search cap and the outbox.
        assert!(sample(&text, "byline_search_slots") >= 1.0);
        assert_eq!(sample(&text, "byline_search_running"), 0.0);
        assert_eq!(sample(&text, "byline_search_waiting"), 0.0);
        assert_eq!(sample(&text, "byline_search_refused_total"), 0.0);
        assert_eq!(sample(&text, "byline_webhook_deliveries_pending"), 0.0);
        // OpenMetrics for scrapers that ask for it.
        let response = app
            .client
            .get(format!("{}/metrics", app.base))
            .header(
                "Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
            )
            .send()
            .await
            .expect("request");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with("application/openmetrics-text")
        );
        assert!(response.text().await.expect("text").ends_with("# EOF\n"));
    }
);

crate::on_both_backends!(the_outbox_depth_is_a_gauge, |app| {
    let (_, secret) = app
        .content
        .create_key("ops".into(), Role::Admin)
        .await
        .expect("key");
    let admin = app.content.authenticate(&secret).await.expect("admin");
    app.content
        .create_webhook(
            &admin,
            NewWebhook {
                url: "https://receiver.example/hook".into(),
                events: vec![EventType::TagCreated.as_str().to_owned()],
                secret: None,
                description: None,
                active: None,
            },
        )
        .await
        .expect("subscribe");
    // Three tags, one delivery each; no dispatcher runs in tests, so they stay pending.
    seed_taxonomy(&app.content).await;
    let text = scrape(&app).await;
    assert_eq!(sample(&text, "byline_webhook_deliveries_pending"), 3.0);
    assert!(sample(&text, "byline_webhook_deliveries_due") <= 3.0);
});

crate::on_both_backends_spawned!(
    with_a_metrics_key_every_scrape_needs_it,
    |backend| spawn_app_with(backend, |s| {
        s.metrics = MetricsAccess {
            enabled: true,
            key: Some("scrape-secret".into()),
        }
    }),
    |app| {
        let url = format!("{}/metrics", app.base);
        let refused = app.client.get(&url).send().await.expect("request");
        assert_eq!(refused.status().as_u16(), 401);
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
        let wrong = app.client.get(&url).bearer_auth("guess").send().await;
        assert_eq!(wrong.expect("request").status().as_u16(), 401);
        let allowed = app
            .client
            .get(&url)
            .bearer_auth("scrape-secret")
            .send()
            .await
            .expect("request");
        assert_eq!(allowed.status().as_u16(), 200);
        assert!(
            allowed
                .text()
                .await
                .expect("text")
                .contains("byline_http_requests_total")
        );
    }
);

crate::on_both_backends_spawned!(
    metrics_can_be_turned_off,
    |backend| spawn_app_with(backend, |s| s.metrics.enabled = false),
    |app| {
        let response = app.get("/metrics").await;
        assert_eq!(response.status().as_u16(), 404);
    }
);
