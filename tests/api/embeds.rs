//! Embeds that survive: a known provider's address alone on a line becomes its embed, a known
//! player's iframe is kept, and anything the sanitizer would remove (an unknown iframe
//! first of all) is refused with a message naming it, over REST and GraphQL alike.

use byline::auth::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    assets::{key, send},
    on_both_backends,
};

on_both_backends!(embeds_survive_and_removals_are_refused_by_name, |app| {
    app.seed_taxonomy().await;
    let editor = key(&app, Role::Editor).await;
    let body = "The vote, in full:\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n\n\
                And the reaction:\n\nhttps://bsky.app/profile/europarl.bsky.social/post/3kabc123xyz\n\n\
                https://public.flourish.studio/visualisation/1234567/";
    let (status, created) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"slug": "embedded", "title": "Embedded", "body": body, "status": "published"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let read = app.get_json("/v1/articles/embedded", 200).await;
    let html = read["data"]["body_html"].as_str().expect("html");
    for expected in [
        "<iframe src=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\"",
        "<blockquote class=\"bluesky-embed\" data-bluesky-uri=\"at://europarl.bsky.social/app.bsky.feed.post/3kabc123xyz\">",
        "<iframe src=\"https://flo.uri.sh/visualisation/1234567/embed\"",
    ] {
        assert!(html.contains(expected), "{expected} missing: {html}");
    }

    // An HTML body keeps a known player, and an unknown iframe is refused, naming it.
    let (status, kept) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"title": "Player", "body_format": "html",
                    "body": "<p>Listen:</p><iframe src=\"https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk\"></iframe>"})),
    )
    .await;
    assert_eq!(status, 201, "{kept}");
    assert!(
        kept["data"]["body_html"]
            .as_str()
            .expect("html")
            .contains("open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk")
    );
    let (status, problem) = send(
        &app,
        Method::POST,
        "/admin/v1/articles",
        Some(&editor),
        Some(json!({"title": "Tracker", "body_format": "html",
                    "body": "<p onmouseover=\"x()\">Map:</p><iframe src=\"https://maps.example/tracker\"></iframe><style>p{}</style>"})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");
    let messages: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert_eq!(e["field"], "body");
            e["message"].as_str().expect("message")
        })
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("onmouseover"), "{messages:?}");
    assert!(
        messages[1].contains("https://maps.example/tracker") && messages[1].contains("YouTube"),
        "{messages:?}"
    );
    assert!(messages[2].contains("<style>"), "{messages:?}");

    // A change to an existing article is held to the same rule.
    let article = app.get_json("/v1/articles/embedded?fields=id", 200).await;
    let id = article["data"]["id"].as_str().expect("id");
    let (status, problem) = send(
        &app,
        Method::PATCH,
        &format!("/admin/v1/articles/{id}"),
        Some(&editor),
        Some(json!({"version": created["data"]["version"], "body_format": "html", "body": "<iframe src=\"https://evil.example/\"></iframe>"})),
    )
    .await;
    assert_eq!(status, 422, "{problem}");

    // GraphQL: the same refusal, coded.
    let response: Value = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&editor)
        .json(&json!({"query": "mutation { createArticle(input: {title: \"G\", bodyFormat: HTML, body: \"<iframe src='https://evil.example/'></iframe>\"}) { id } }"}))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        response["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{response}"
    );
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("evil.example")
            || response.to_string().contains("evil.example"),
        "{response}"
    );
});
