//! With `require_content_key`, public reads need a key of any role; probes stay open.

use byline::auth::Role;

use crate::helpers::{Backend, TestApp, spawn_app_with};

async fn status(app: &TestApp, path: &str, key: Option<&str>) -> u16 {
    let mut request = app.client.get(format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.expect("request").status().as_u16()
}

async fn reads_need_a_key_when_configured(backend: Backend) {
    let Some(app) = spawn_app_with(backend, |s| s.require_content_key = true).await else {
        return;
    };
    byline::seed::demo::load(&app.content).await.expect("demo");
    let (_, content_key) = app
        .content
        .create_key("frontend".into(), Role::Content)
        .await
        .expect("key");
    let (revoked, revoked_key) = app
        .content
        .create_key("old".into(), Role::Content)
        .await
        .expect("key");
    app.content.revoke_key(&revoked.id).await.expect("revoke");
    for path in [
        "/v1/articles",
        "/v1/tags",
        "/graphql?query=%7Bsections%7BpageInfo%7BhasNextPage%7D%7D%7D",
        "/feeds/rss.xml",
    ] {
        assert_eq!(status(&app, path, None).await, 401, "{path} without a key");
        assert_eq!(
            status(&app, path, Some("byl_nonsense")).await,
            401,
            "{path} with a malformed key"
        );
        assert_eq!(
            status(&app, path, Some(&revoked_key)).await,
            401,
            "{path} with a revoked key"
        );
        assert_eq!(
            status(&app, path, Some(&content_key)).await,
            200,
            "{path} with a content key"
        );
    }
    for path in ["/healthz", "/readyz", "/openapi.yaml"] {
        assert_eq!(status(&app, path, None).await, 200, "{path} stays open");
    }
}

#[actix_web::test]
async fn reads_need_a_key_when_configured_on_sqlite() {
    reads_need_a_key_when_configured(Backend::Sqlite).await;
}

#[actix_web::test]
async fn reads_need_a_key_when_configured_on_postgres() {
    reads_need_a_key_when_configured(Backend::Postgres).await;
}

#[actix_web::test]
async fn reads_are_open_by_default() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await.expect("app");
    assert_eq!(status(&app, "/v1/articles", None).await, 200);
}
