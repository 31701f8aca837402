//! The admin API and the editorial workflow, over real servers on both backends: who may do
//! what (the role matrix), optimistic concurrency, revisions, scheduling, embargoes, slug
//! redirects, 410s, previews, validation, taxonomy management, corrections and the `keys`
//! command line.

use std::{
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration as StdDuration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use byline::{
    auth::{Caller, Role},
    config::Settings,
    db::{Db, queries},
    domain::{self, Key, Relations, article::ArticleStatus},
    service::{
        ContentService,
        audience::Audience,
        editorial::{NewArticle, Transition},
        taxonomy::{NewAuthor, NewSection, NewTag},
    },
    startup::Application,
};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::{Method, header::HeaderMap};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{
    helpers::{Backend, TestApp, TestDatabase, article, current_version, seed_taxonomy},
    on_both_backends,
    visibility::insert_raw,
};

// ---------------------------------------------------------------------------------------
// Plumbing
// ---------------------------------------------------------------------------------------

/// A response, read whole.
struct Resp {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}), status {}: {}", self.status, self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and returns `data`.
    fn data(&self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        self.json()["data"].clone()
    }

    /// Asserts an RFC 9457 problem with this status, and returns it.
    fn problem(&self, status: u16, what: &str) -> Value {
        assert_eq!(self.status, status, "{what}: {}", self.body);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{what}: content type"
        );
        let problem = self.json();
        assert_eq!(problem["status"], status, "{what}: {problem}");
        problem
    }

    /// Field names of a 422 problem.
    fn fields(&self, what: &str) -> Vec<String> {
        let problem = self.problem(422, what);
        assert_eq!(problem["type"], "/problems/validation-failed", "{what}");
        let mut fields: Vec<String> = problem["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{what}: no errors list: {problem}"))
            .iter()
            .map(|e| e["field"].as_str().expect("field").to_owned())
            .collect();
        fields.sort();
        fields.dedup();
        fields
    }
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn read(response: reqwest::Response) -> Resp {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

/// One request: `key` is sent as a bearer token, `if_match` as `If-Match`.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
    if_match: Option<&str>,
) -> Resp {
    let mut request = no_redirects().request(method, format!("{}{path}", app.base));
    if let Some(key) = key {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    read(request.send().await.expect("request")).await
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> Resp {
    call(app, Method::GET, path, key, None, None).await
}

async fn post(app: &TestApp, path: &str, key: &str, body: Option<&Value>) -> Resp {
    call(app, Method::POST, path, Some(key), body, None).await
}

async fn patch(app: &TestApp, path: &str, key: &str, body: &Value, if_match: Option<&str>) -> Resp {
    call(app, Method::PATCH, path, Some(key), Some(body), if_match).await
}

/// A DELETE; an article's is sent with `If-Match` of its current version, as a client that
/// has just read it.
async fn delete(app: &TestApp, path: &str, key: &str) -> Resp {
    let tag = match path.strip_prefix("/admin/v1/articles/") {
        Some(id) => current_tag(app, id).await,
        None => None,
    };
    call(app, Method::DELETE, path, Some(key), None, tag.as_deref()).await
}

/// A key of this role: its secret, and the caller it authenticates as.
async fn key(content: &ContentService, name: &str, role: Role) -> (String, Caller) {
    let (_, secret) = content
        .create_key(name.into(), role)
        .await
        .expect("create key");
    let caller = content.authenticate(&secret).await.expect("authenticate");
    (secret, caller)
}

/// The body of a new draft in section `news` by `desk`, tagged `eu`.
fn draft_json(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": format!("Title of {slug}"),
        "standfirst": "A standfirst.",
        "body": format!("Body of **{slug}**, first version."),
        "section": "news",
        "authors": ["desk"],
        "tags": ["eu"],
    })
}

/// A draft through the service layer, as `NewArticle`.
fn draft(slug: &str) -> NewArticle {
    NewArticle {
        status: ArticleStatus::Draft,
        published_at: None,
        ..article(slug, domain::now())
    }
}

/// Creates an article through the API and returns its admin JSON.
async fn create(app: &TestApp, key: &str, body: Value) -> Value {
    post(app, "/admin/v1/articles", key, Some(&body))
        .await
        .data(201, "create article")
}

/// Creates a published article through the API; returns (id, slug).
async fn create_published(app: &TestApp, key: &str, slug: &str) -> String {
    let mut body = draft_json(slug);
    body["status"] = json!("published");
    let created = create(app, key, body).await;
    assert_eq!(created["status"], "published");
    created["id"].as_str().expect("id").to_owned()
}

async fn admin_article(app: &TestApp, key: &str, id: &str) -> Value {
    get(app, &format!("/admin/v1/articles/{id}"), Some(key))
        .await
        .data(200, "admin GET")
}

/// A workflow action, sent as a client that has just read the article: with `If-Match` of
/// its current version.
async fn action(app: &TestApp, key: &str, id: &str, name: &str, body: Option<Value>) -> Resp {
    let tag = current_tag(app, id).await;
    call(
        app,
        Method::POST,
        &format!("/admin/v1/articles/{id}/{name}"),
        Some(key),
        body.as_ref(),
        tag.as_deref(),
    )
    .await
}

/// `If-Match` of the article's current version, if there is such an article.
async fn current_tag(app: &TestApp, id: &str) -> Option<String> {
    current_version(&app.content, id)
        .await
        .map(|v| format!("\"v{v}\""))
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap_or_else(|e| panic!("not a time ({e}): {value}"))
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Public status of `/v1/articles/{slug}`.
async fn public_status(app: &TestApp, slug: &str) -> u16 {
    get(app, &format!("/v1/articles/{slug}"), None).await.status
}

/// Polls until `/v1/articles/{slug}` answers `status`, for at most `limit`.
async fn wait_for_public(app: &TestApp, slug: &str, status: u16, limit: StdDuration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if public_status(app, slug).await == status {
            return true;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(200)).await;
    }
    false
}

/// A server over an existing database, as `byline serve` builds it (without the scheduler).
async fn serve_on(database: &TestDatabase) -> (String, ContentService) {
    let db = Db::connect(database.url(), 4).expect("connect");
    db.migrate().expect("migrate");
    let content = ContentService::new(db);
    let settings = Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url().clone(),
        workers: Some(1),
        ..Settings::default()
    };
    let app = Application::build(settings, content.clone()).expect("bind");
    let base = app.base_url();
    actix_web::rt::spawn(app.run_until_stopped());
    (base, content)
}

/// Runs `scenario(backend)` as `NAME::sqlite` and `NAME::postgres`, for scenarios that set
/// up their own database and servers.
macro_rules! on_both_databases {
    ($name:ident, $scenario:ident) => {
        mod $name {
            use crate::helpers::Backend;

            #[actix_web::test]
            async fn sqlite() {
                super::$scenario(Backend::Sqlite).await;
            }

            #[actix_web::test]
            async fn postgres() {
                super::$scenario(Backend::Postgres).await;
            }
        }
    };
}

// ---------------------------------------------------------------------------------------
// 1. The role matrix
// ---------------------------------------------------------------------------------------

/// What a request in the matrix acts on; a fresh one is made for every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum On {
    Nothing,
    /// A draft the contributor key created.
    ContributorsDraft,
    /// A draft an editor key created.
    EditorsDraft,
    /// An article the contributor key created and an editor then published.
    ContributorsPublished,
    Section,
    Author,
    Tag,
    Key,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    None,
    Draft,
    PublishedArticle,
    Retitle,
    Schedule,
    Embargo,
    Note,
    NewSection,
    NewAuthor,
    NewTag,
    Rename,
    NewKey,
}

struct Row {
    method: &'static str,
    /// `{}` stands for the target's id (articles, keys) or slug (taxonomy).
    path: &'static str,
    on: On,
    body: Body,
    /// Expected status for content, partner, contributor, editor, admin keys.
    expect: [u16; 5],
}

const fn row(
    method: &'static str,
    path: &'static str,
    on: On,
    body: Body,
    expect: [u16; 5],
) -> Row {
    Row {
        method,
        path,
        on,
        body,
        expect,
    }
}

/// The expectation table: every admin endpoint × every role. Without a key, with a malformed,
/// unknown or revoked key, every row answers 401.
///
/// Contributors create drafts and read, edit, delete and restore the drafts they created;
/// someone else's article is hidden from their reads (404) and refused to their writes (403),
/// and so is their own once published. Editors may do everything but keys; admins everything.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //   method    path                                           target                   body                 content partner contrib editor admin
    row("POST",   "/admin/v1/articles",                           On::Nothing,             Body::Draft,            [403, 403, 201, 201, 201]),
    row("POST",   "/admin/v1/articles",                           On::Nothing,             Body::PublishedArticle, [403, 403, 403, 201, 201]),
    row("GET",    "/admin/v1/articles",                           On::Nothing,             Body::None,             [403, 403, 200, 200, 200]),
    row("GET",    "/admin/v1/articles/{}",                        On::ContributorsDraft,   Body::None,             [403, 403, 200, 200, 200]),
    row("GET",    "/admin/v1/articles/{}",                        On::EditorsDraft,        Body::None,             [403, 403, 404, 200, 200]),
    row("PATCH",  "/admin/v1/articles/{}",                        On::ContributorsDraft,   Body::Retitle,          [403, 403, 200, 200, 200]),
    row("PATCH",  "/admin/v1/articles/{}",                        On::EditorsDraft,        Body::Retitle,          [403, 403, 403, 200, 200]),
    row("PATCH",  "/admin/v1/articles/{}",                        On::ContributorsPublished, Body::Retitle,        [403, 403, 403, 200, 200]),
    row("DELETE", "/admin/v1/articles/{}",                        On::ContributorsDraft,   Body::None,             [403, 403, 204, 204, 204]),
    row("DELETE", "/admin/v1/articles/{}",                        On::EditorsDraft,        Body::None,             [403, 403, 403, 204, 204]),
    row("DELETE", "/admin/v1/articles/{}",                        On::ContributorsPublished, Body::None,           [403, 403, 403, 204, 204]),
    row("POST",   "/admin/v1/articles/{}/publish",                On::ContributorsDraft,   Body::None,             [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/schedule",               On::ContributorsDraft,   Body::Schedule,         [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/unpublish",              On::ContributorsPublished, Body::None,           [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/archive",                On::ContributorsPublished, Body::None,           [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/embargo",                On::ContributorsDraft,   Body::Embargo,          [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/corrections",            On::ContributorsPublished, Body::Note,           [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/preview-token",          On::ContributorsDraft,   Body::None,             [403, 403, 403, 201, 201]),
    row("GET",    "/admin/v1/articles/{}/revisions",              On::ContributorsDraft,   Body::None,             [403, 403, 200, 200, 200]),
    row("GET",    "/admin/v1/articles/{}/revisions",              On::EditorsDraft,        Body::None,             [403, 403, 404, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/revisions/1/restore",    On::ContributorsDraft,   Body::None,             [403, 403, 200, 200, 200]),
    row("POST",   "/admin/v1/articles/{}/revisions/1/restore",    On::EditorsDraft,        Body::None,             [403, 403, 403, 200, 200]),
    row("POST",   "/admin/v1/sections",                           On::Nothing,             Body::NewSection,       [403, 403, 403, 201, 201]),
    row("PATCH",  "/admin/v1/sections/{}",                        On::Section,             Body::Rename,           [403, 403, 403, 200, 200]),
    row("DELETE", "/admin/v1/sections/{}",                        On::Section,             Body::None,             [403, 403, 403, 204, 204]),
    row("POST",   "/admin/v1/authors",                            On::Nothing,             Body::NewAuthor,        [403, 403, 403, 201, 201]),
    row("PATCH",  "/admin/v1/authors/{}",                         On::Author,              Body::Rename,           [403, 403, 403, 200, 200]),
    row("DELETE", "/admin/v1/authors/{}",                         On::Author,              Body::None,             [403, 403, 403, 204, 204]),
    row("POST",   "/admin/v1/tags",                               On::Nothing,             Body::NewTag,           [403, 403, 403, 201, 201]),
    row("PATCH",  "/admin/v1/tags/{}",                            On::Tag,                 Body::Rename,           [403, 403, 403, 200, 200]),
    row("DELETE", "/admin/v1/tags/{}",                            On::Tag,                 Body::None,             [403, 403, 403, 204, 204]),
    row("GET",    "/admin/v1/keys",                               On::Nothing,             Body::None,             [403, 403, 403, 403, 200]),
    row("POST",   "/admin/v1/keys",                               On::Nothing,             Body::NewKey,           [403, 403, 403, 403, 201]),
    row("DELETE", "/admin/v1/keys/{}",                            On::Key,                 Body::None,             [403, 403, 403, 403, 204]),
];

struct MatrixKeys {
    by_role: Vec<(Role, String, Caller)>,
    contributor: Caller,
    editor: Caller,
    admin: Caller,
    revoked: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A fresh target for one request: the id or slug the path names, and the article's version.
async fn target(app: &TestApp, keys: &MatrixKeys, on: On) -> (String, i32) {
    let content = &app.content;
    let article = |by: Caller| async move {
        content
            .create_article_as(&by, draft(&unique("matrix")))
            .await
            .expect("fixture article")
    };
    match on {
        On::Nothing => (String::new(), 0),
        On::ContributorsDraft => {
            let a = article(keys.contributor.clone()).await;
            (a.id, a.version)
        }
        On::EditorsDraft => {
            let a = article(keys.editor.clone()).await;
            (a.id, a.version)
        }
        On::ContributorsPublished => {
            let a = article(keys.contributor.clone()).await;
            let a = content
                .transition_article(&keys.editor, &a.id, Transition::Publish, Some(a.version))
                .await
                .expect("publish fixture");
            (a.id, a.version)
        }
        On::Section => {
            let slug = unique("section");
            content
                .create_section(NewSection {
                    slug: slug.clone(),
                    name: "Fixture".into(),
                    description: None,
                })
                .await
                .expect("section");
            (slug, 0)
        }
        On::Author => {
            let slug = unique("author");
            content
                .create_author(NewAuthor {
                    slug: slug.clone(),
                    name: "Fixture".into(),
                    role: None,
                    bio: None,
                    avatar_url: None,
                    links: vec![],
                })
                .await
                .expect("author");
            (slug, 0)
        }
        On::Tag => {
            let slug = unique("tag");
            content
                .create_tag(NewTag {
                    slug: slug.clone(),
                    name: "Fixture".into(),
                    kind: byline::domain::article::TagKind::Topic,
                    description: None,
                })
                .await
                .expect("tag");
            (slug, 0)
        }
        On::Key => {
            let (key, _) = content
                .create_key(unique("victim"), Role::Content)
                .await
                .expect("key");
            (key.id, 0)
        }
    }
}

fn body_of(body: Body) -> Option<Value> {
    let soon = Utc::now() + Duration::hours(2);
    match body {
        Body::None => None,
        Body::Draft => Some(draft_json(&unique("created"))),
        Body::PublishedArticle => {
            let mut b = draft_json(&unique("created"));
            b["status"] = json!("published");
            Some(b)
        }
        Body::Retitle => Some(json!({"title": "A new title"})),
        Body::Schedule => Some(json!({"publish_at": rfc3339(soon)})),
        Body::Embargo => Some(json!({"embargo_until": rfc3339(soon)})),
        Body::Note => Some(json!({"note": "An earlier version gave the wrong date."})),
        Body::NewSection => Some(json!({"slug": unique("new-section"), "name": "New"})),
        Body::NewAuthor => Some(json!({"slug": unique("new-author"), "name": "New"})),
        Body::NewTag => Some(json!({"slug": unique("new-tag"), "name": "New", "kind": "event"})),
        Body::Rename => Some(json!({"name": "Renamed"})),
        Body::NewKey => Some(json!({"name": unique("new-key"), "role": "content"})),
    }
}

fn is_article(on: On) -> bool {
    matches!(
        on,
        On::ContributorsDraft | On::EditorsDraft | On::ContributorsPublished
    )
}

/// Runs one request of the matrix against a fresh target and checks the answer; returns a
/// description of the mismatch, if any.
async fn matrix_cell(
    app: &TestApp,
    keys: &MatrixKeys,
    r: &Row,
    key: Option<&str>,
    who: &str,
    expected: u16,
) -> Option<String> {
    let (target_id, version) = target(app, keys, r.on).await;
    let path = r.path.replace("{}", &target_id);
    let method = Method::from_bytes(r.method.as_bytes()).expect("method");
    let body = body_of(r.body);
    let tag = format!("\"v{version}\"");
    // Every change to an article names the version it is based on.
    let if_match = (is_article(r.on) && r.method != "GET").then_some(tag.as_str());
    let resp = call(app, method, &path, key, body.as_ref(), if_match).await;
    let cell = format!("{} {} ({:?}) as {who}", r.method, r.path, r.on);
    if resp.status != expected {
        return Some(format!(
            "{cell}: expected {expected}, got {}: {}",
            resp.status, resp.body
        ));
    }
    if expected >= 400 {
        if resp.header("content-type") != Some("application/problem+json") {
            return Some(format!("{cell}: {expected} is not problem+json"));
        }
        if expected == 401
            && !resp
                .header("www-authenticate")
                .is_some_and(|v| v.starts_with("Bearer"))
        {
            return Some(format!("{cell}: 401 without WWW-Authenticate: Bearer"));
        }
        // A refused request changes nothing.
        if is_article(r.on) {
            let now = app
                .content
                .article(
                    &Audience::for_admin(&keys.admin).expect("admin"),
                    Key::Id(target_id.clone()),
                    Relations::Skip,
                )
                .await
                .map(|found| found.into_article().version);
            if now.as_ref().ok() != Some(&version) {
                return Some(format!("{cell}: refused, but the article is now {now:?}"));
            }
        }
    }
    None
}

async fn run_matrix(app: &TestApp) -> Vec<String> {
    app.seed_taxonomy().await;
    let mut by_role = Vec::new();
    for role in Role::ALL {
        let (secret, caller) = key(&app.content, &format!("{role}-key"), role).await;
        by_role.push((role, secret, caller));
    }
    let caller_of = |role: Role| {
        by_role
            .iter()
            .find(|(r, _, _)| *r == role)
            .map(|(_, _, c)| c.clone())
            .expect("role")
    };
    let (revoked, revoked_caller) = key(&app.content, "revoked-admin", Role::Admin).await;
    app.content
        .revoke_key(&revoked_caller.key_id)
        .await
        .expect("revoke");
    let keys = MatrixKeys {
        contributor: caller_of(Role::Contributor),
        editor: caller_of(Role::Editor),
        admin: caller_of(Role::Admin),
        by_role,
        revoked,
    };
    let unknown = format!("byl_{}_{}", "A".repeat(12), "b".repeat(32));
    let anonymous: [(&str, Option<&str>); 4] = [
        ("no key", None),
        ("a malformed key", Some("not-a-key")),
        ("an unknown key", Some(unknown.as_str())),
        ("a revoked key", Some(keys.revoked.as_str())),
    ];
    let mut mismatches = Vec::new();
    for r in MATRIX {
        for (who, key) in anonymous {
            if let Some(m) = matrix_cell(app, &keys, r, key, who, 401).await {
                mismatches.push(m);
            }
        }
        for (i, (role, secret, _)) in keys.by_role.iter().enumerate() {
            let who = format!("{role}");
            if let Some(m) = matrix_cell(app, &keys, r, Some(secret), &who, r.expect[i]).await {
                mismatches.push(m);
            }
        }
    }
    mismatches
}

on_both_backends!(
    every_admin_endpoint_answers_each_role_as_the_table_says,
    |app| {
        let mismatches = run_matrix(&app).await;
        assert!(
            mismatches.is_empty(),
            "{} cell(s) differ:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }
);

on_both_backends!(keys_work_as_x_api_key_and_only_admins_manage_keys, |app| {
    let (admin, _) = key(&app.content, "admin", Role::Admin).await;
    let response = app
        .client
        .get(format!("{}/admin/v1/keys", app.base))
        .header("X-Api-Key", &admin)
        .send()
        .await
        .expect("request");
    let listed = read(response).await.data(200, "keys with X-Api-Key");
    let listed = listed.as_array().expect("keys").clone();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none(), "no secret in lists");
    assert!(!listed[0].to_string().contains(&admin[17..]), "no secret");
    let created = post(
        &app,
        "/admin/v1/keys",
        &admin,
        Some(&json!({"name": "cms", "role": "editor"})),
    )
    .await
    .data(201, "create key");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("byl_"));
    assert_eq!(created["role"], "editor");
    // The new key works at once, and stops when revoked.
    assert_eq!(
        get(&app, "/admin/v1/articles", Some(&secret)).await.status,
        200
    );
    let id = created["id"].as_str().expect("id");
    assert_eq!(
        delete(&app, &format!("/admin/v1/keys/{id}"), &admin)
            .await
            .status,
        204
    );
    get(&app, "/admin/v1/articles", Some(&secret))
        .await
        .problem(401, "revoked key");
    delete(&app, &format!("/admin/v1/keys/{id}"), &admin)
        .await
        .problem(404, "revoking twice");
});

// ---------------------------------------------------------------------------------------
// 2. Optimistic concurrency
// ---------------------------------------------------------------------------------------

on_both_backends!(
    patch_needs_the_current_version_as_if_match_or_field,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let created = create(&app, &editor, draft_json("concurrency")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/admin/v1/articles/{id}");

        let seen = get(&app, &path, Some(&editor)).await;
        assert_eq!(seen.status, 200);
        let etag = seen.header("etag").expect("ETag").to_owned();
        assert_eq!(etag, "\"v1\"");

        let missing = patch(&app, &path, &editor, &json!({"title": "No version"}), None).await;
        let problem = missing.problem(428, "PATCH without a version");
        assert_eq!(problem["type"], "/problems/version-required");

        let stale = patch(
            &app,
            &path,
            &editor,
            &json!({"title": "Stale"}),
            Some("\"v7\""),
        )
        .await;
        let problem = stale.problem(412, "PATCH with a stale If-Match");
        assert_eq!(problem["type"], "/problems/version-conflict");

        let saved = patch(
            &app,
            &path,
            &editor,
            &json!({"title": "With the ETag"}),
            Some(&etag),
        )
        .await;
        let data = saved.data(200, "PATCH with the ETag");
        assert_eq!(data["title"], "With the ETag");
        assert_eq!(data["version"], 2);
        assert_eq!(saved.header("etag"), Some("\"v2\""));

        // The old ETag is stale now.
        patch(
            &app,
            &path,
            &editor,
            &json!({"title": "Again"}),
            Some(&etag),
        )
        .await
        .problem(412, "PATCH with the previous ETag");

        // `version` in the body works as well as If-Match, and is checked the same way.
        let by_field = patch(
            &app,
            &path,
            &editor,
            &json!({"title": "By field", "version": 2}),
            None,
        )
        .await;
        assert_eq!(by_field.data(200, "PATCH with version 2")["version"], 3);
        assert_eq!(by_field.header("etag"), Some("\"v3\""));
        patch(
            &app,
            &path,
            &editor,
            &json!({"title": "Stale field", "version": 2}),
            None,
        )
        .await
        .problem(412, "PATCH with a stale version field");

        // Nothing the refused requests sent was saved.
        let now = admin_article(&app, &editor, &id).await;
        assert_eq!(now["title"], "By field");
        assert_eq!(now["version"], 3);
    }
);

on_both_backends!(every_change_to_an_article_needs_its_version, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let soon = rfc3339(Utc::now() + Duration::hours(2));
    let id = create_published(&app, &editor, "versioned").await;
    let base = format!("/admin/v1/articles/{id}");
    // (action, body): each is refused without a version and with a stale one, then
    // saved with the current one as `If-Match`, then with it as a `version` field.
    let steps = [
        ("corrections", json!({"note": "A name was misspelt."})),
        ("unpublish", json!({})),
        ("embargo", json!({"embargo_until": soon})),
        ("embargo", json!({"embargo_until": null})),
        ("schedule", json!({"publish_at": soon})),
        ("publish", json!({})),
        ("archive", json!({})),
    ];
    let mut version = 1;
    for (i, (name, body)) in steps.iter().enumerate() {
        let path = format!("{base}/{name}");
        let what = format!("{name} #{i}");
        let missing = call(&app, Method::POST, &path, Some(&editor), Some(body), None).await;
        let problem = missing.problem(428, &format!("{what} without a version"));
        assert_eq!(problem["type"], "/problems/version-required");
        let stale = format!("\"v{}\"", version + 7);
        call(
            &app,
            Method::POST,
            &path,
            Some(&editor),
            Some(body),
            Some(&stale),
        )
        .await
        .problem(412, &format!("{what} with a stale If-Match"));
        let mut stale_field = body.clone();
        stale_field["version"] = json!(version + 7);
        call(
            &app,
            Method::POST,
            &path,
            Some(&editor),
            Some(&stale_field),
            None,
        )
        .await
        .problem(412, &format!("{what} with a stale version field"));
        assert_eq!(
            admin_article(&app, &editor, &id).await["version"],
            version,
            "{what}: refused requests change nothing"
        );
        let saved = if i % 2 == 0 {
            let tag = format!("\"v{version}\"");
            call(
                &app,
                Method::POST,
                &path,
                Some(&editor),
                Some(body),
                Some(&tag),
            )
            .await
        } else {
            let mut with_field = body.clone();
            with_field["version"] = json!(version);
            call(
                &app,
                Method::POST,
                &path,
                Some(&editor),
                Some(&with_field),
                None,
            )
            .await
        };
        version += 1;
        assert_eq!(saved.data(200, &what)["version"], version, "{what}");
        assert_eq!(
            saved.header("etag"),
            Some(format!("\"v{version}\"").as_str())
        );
    }
    // A preview token changes nothing, so it needs no version.
    post(&app, &format!("{base}/preview-token"), &editor, None)
        .await
        .data(201, "preview token without a version");
    // Nor does a DELETE go through without one.
    let missing = call(&app, Method::DELETE, &base, Some(&editor), None, None).await;
    missing.problem(428, "DELETE without a version");
    call(
        &app,
        Method::DELETE,
        &base,
        Some(&editor),
        None,
        Some("\"v1\""),
    )
    .await
    .problem(412, "DELETE with a stale version");
    let tag = format!("\"v{version}\"");
    let deleted = call(&app, Method::DELETE, &base, Some(&editor), None, Some(&tag)).await;
    assert_eq!(
        deleted.status, 204,
        "DELETE with the version: {}",
        deleted.body
    );
    assert_eq!(public_status(&app, "versioned").await, 410);
});

on_both_backends!(bodies_are_read_as_their_json_schema_reads_them, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let id = create_published(&app, &editor, "schema-read").await;
    let base = format!("/admin/v1/articles/{id}");
    // JSON Schema's integers include whole numbers written with a fraction.
    let whole = json!({"standfirst": "Whole.", "version": 1.0});
    let saved = patch(&app, &base, &editor, &whole, None).await;
    assert_eq!(saved.data(200, "version 1.0")["version"], 2);
    let half = json!({"standfirst": "Half.", "version": 2.5});
    patch(&app, &base, &editor, &half, None)
        .await
        .problem(400, "version 2.5");
    // An action's optional body may be absent or `null`; a wrong field is still refused.
    let publish = format!("{base}/unpublish");
    let null = call(
        &app,
        Method::POST,
        &publish,
        Some(&editor),
        Some(&Value::Null),
        Some("\"v2\""),
    )
    .await;
    assert_eq!(null.data(200, "null body")["status"], "draft");
    // serde would read a struct from an array of its fields; no body schema allows one.
    let embargo = format!("{base}/embargo");
    for array in [json!([null, null]), json!(["2030-01-01T00:00:00Z"])] {
        call(
            &app,
            Method::POST,
            &embargo,
            Some(&editor),
            Some(&array),
            Some("*"),
        )
        .await
        .problem(400, &format!("embargo body {array}"));
    }
    for array in [json!([]), json!([3])] {
        call(
            &app,
            Method::POST,
            &publish,
            Some(&editor),
            Some(&array),
            Some("*"),
        )
        .await
        .problem(400, &format!("unpublish body {array}"));
    }
    let tag_array = json!(["an-array", "An array", "topic"]);
    post(&app, "/admin/v1/tags", &editor, Some(&tag_array))
        .await
        .problem(400, "tag body as an array");
    let extra = json!({"version": 3, "publish_at": "2030-01-01T00:00:00Z"});
    call(
        &app,
        Method::POST,
        &format!("{base}/publish"),
        Some(&editor),
        Some(&extra),
        None,
    )
    .await
    .problem(400, "publish with a schedule's field");
    // Tags need a kind; sections take no author fields.
    let tag = json!({"slug": "no-kind", "name": "No kind"});
    post(&app, "/admin/v1/tags", &editor, Some(&tag))
        .await
        .problem(400, "tag without kind");
    let section = json!({"slug": "bios", "name": "Bios", "bio": "A section has no bio."});
    post(&app, "/admin/v1/sections", &editor, Some(&section))
        .await
        .problem(400, "section with a bio");
});

on_both_backends!(two_editors_saving_the_same_version_cannot_both_win, |app| {
    app.seed_taxonomy().await;
    let (alice, _) = key(&app.content, "alice", Role::Editor).await;
    let (bob, _) = key(&app.content, "bob", Role::Editor).await;
    for round in 0..5 {
        let created = create(&app, &alice, draft_json(&format!("race-{round}"))).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/admin/v1/articles/{id}");
        // Both read version 1 ...
        let seen_a = get(&app, &path, Some(&alice)).await;
        let seen_b = get(&app, &path, Some(&bob)).await;
        let (tag_a, tag_b) = (
            seen_a.header("etag").expect("etag").to_owned(),
            seen_b.header("etag").expect("etag").to_owned(),
        );
        assert_eq!(tag_a, tag_b);
        // ... and both save on top of it at the same time.
        let body_a = json!({"title": "Alice's title"});
        let body_b = json!({"title": "Bob's title"});
        let (a, b) = tokio::join!(
            patch(&app, &path, &alice, &body_a, Some(&tag_a)),
            patch(&app, &path, &bob, &body_b, Some(&tag_b)),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 412],
            "round {round}: {} / {}",
            a.body,
            b.body
        );
        let winner = if a.status == 200 {
            "Alice's title"
        } else {
            "Bob's title"
        };
        let now = admin_article(&app, &alice, &id).await;
        assert_eq!(now["title"], winner);
        assert_eq!(now["version"], 2);
        let revisions = get(&app, &format!("{path}/revisions"), Some(&alice))
            .await
            .data(200, "revisions");
        assert_eq!(
            revisions.as_array().expect("list").len(),
            2,
            "one save recorded"
        );
    }
});

on_both_backends!(if_match_accepts_the_etag_of_a_compressed_response, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let created = create(&app, &editor, draft_json("gzip-etag")).await;
    let path = format!("/admin/v1/articles/{}", created["id"].as_str().expect("id"));
    // Browsers always ask for compression.
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .header("Authorization", format!("Bearer {editor}"))
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .expect("request");
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    let saved = patch(
        &app,
        &path,
        &editor,
        &json!({"title": "From a browser"}),
        Some(&etag),
    )
    .await;
    assert_eq!(saved.status, 200, "If-Match {etag}: {}", saved.body);
});

// ---------------------------------------------------------------------------------------
// 3. Revisions and restore
// ---------------------------------------------------------------------------------------

on_both_backends!(
    every_save_is_a_revision_and_restoring_one_makes_a_new_one,
    |app| {
        app.seed_taxonomy().await;
        let (alice, _) = key(&app.content, "alice@newsroom", Role::Editor).await;
        let (bob, _) = key(&app.content, "bob@newsroom", Role::Admin).await;
        let (carol, _) = key(&app.content, "carol@newsroom", Role::Contributor).await;

        let created = create(&app, &carol, draft_json("first-slug")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let path = format!("/admin/v1/articles/{id}");
        let first_body = created["body_source"].as_str().expect("body").to_owned();

        patch(
            &app,
            &path,
            &carol,
            &json!({"title": "Second title", "body": "A *rewritten* body.", "slug": "second-slug"}),
            Some("\"v1\""),
        )
        .await
        .data(200, "contributor edits own draft");
        patch(
            &app,
            &path,
            &alice,
            &json!({"standfirst": "Edited."}),
            Some("\"v2\""),
        )
        .await
        .data(200, "editor edits");
        action(&app, &bob, &id, "publish", None)
            .await
            .data(200, "publish");
        action(
            &app,
            &alice,
            &id,
            "corrections",
            Some(json!({"note": "Fixed a name."})),
        )
        .await
        .data(200, "correct");

        let revisions = get(&app, &format!("{path}/revisions"), Some(&alice))
            .await
            .data(200, "revisions");
        let listed: Vec<(i64, String)> = revisions
            .as_array()
            .expect("list")
            .iter()
            .map(|r| {
                (
                    r["version"].as_i64().expect("version"),
                    r["actor"].as_str().expect("actor").to_owned(),
                )
            })
            .collect();
        let expected: Vec<(i64, String)> = [
            (1, "carol@newsroom"),
            (2, "carol@newsroom"),
            (3, "alice@newsroom"),
            (4, "bob@newsroom"),
            (5, "alice@newsroom"),
        ]
        .into_iter()
        .map(|(v, a)| (v, a.to_owned()))
        .collect();
        assert_eq!(listed, expected);
        let first = &revisions[0];
        assert_eq!(first["snapshot"]["article"]["title"], "Title of first-slug");
        assert!(first["created_at"].is_string());
        assert_eq!(revisions[1]["snapshot"]["article"]["title"], "Second title");

        // A restore is a change like any other: it names the version it replaces.
        let restore_v1 = format!("{path}/revisions/1/restore");
        post(&app, &restore_v1, &alice, None)
            .await
            .problem(428, "restore without a version");
        call(
            &app,
            Method::POST,
            &restore_v1,
            Some(&alice),
            None,
            Some("\"v4\""),
        )
        .await
        .problem(412, "restore with a stale version");
        let restored = call(
            &app,
            Method::POST,
            &restore_v1,
            Some(&alice),
            None,
            Some("\"v5\""),
        )
        .await
        .data(200, "restore v1");
        assert_eq!(restored["version"], 6);
        assert_eq!(restored["title"], "Title of first-slug");
        assert_eq!(restored["slug"], "first-slug");
        assert_eq!(restored["body_source"], first_body.as_str());
        assert_eq!(restored["standfirst"], "A standfirst.");
        // Content comes back; the workflow state and corrections stay.
        assert_eq!(restored["status"], "published");
        assert_eq!(
            restored["corrections"]
                .as_array()
                .expect("corrections")
                .len(),
            1
        );

        let revisions = get(&app, &format!("{path}/revisions"), Some(&alice))
            .await
            .data(200, "revisions after restore");
        let revisions = revisions.as_array().expect("list");
        assert_eq!(revisions.len(), 6);
        assert_eq!(revisions[5]["version"], 6);
        assert_eq!(revisions[5]["actor"], "alice@newsroom");
        assert_eq!(
            revisions[5]["snapshot"]["article"]["title"],
            "Title of first-slug"
        );

        // The public sees the restored content under the restored slug; the other one redirects.
        let public = get(&app, "/v1/articles/first-slug", None)
            .await
            .data(200, "public");
        assert_eq!(public["title"], "Title of first-slug");
        let moved = get(&app, "/v1/articles/second-slug", None).await;
        assert_eq!(moved.status, 301);
        assert_eq!(moved.header("location"), Some("/v1/articles/first-slug"));

        // Unknown versions are 404s.
        call(
            &app,
            Method::POST,
            &format!("{path}/revisions/99/restore"),
            Some(&alice),
            None,
            Some("\"v6\""),
        )
        .await
        .problem(404, "restore an unknown version");
    }
);

// ---------------------------------------------------------------------------------------
// 4. Scheduling
// ---------------------------------------------------------------------------------------

on_both_backends!(
    a_scheduled_article_appears_at_its_time_without_the_scheduler,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let created = create(&app, &editor, draft_json("scheduled-soon")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let at = (Utc::now() + Duration::seconds(3)).trunc_subsecs(0);
        let scheduled = action(
            &app,
            &editor,
            &id,
            "schedule",
            Some(json!({"publish_at": rfc3339(at)})),
        )
        .await
        .data(200, "schedule");
        assert_eq!(scheduled["status"], "scheduled");
        assert_eq!(time(&scheduled["publish_at"]), at);

        // Before its time: not there, by slug, by id or in lists.
        assert_eq!(public_status(&app, "scheduled-soon").await, 404);
        assert_eq!(
            get(&app, &format!("/v1/articles/id/{id}"), None)
                .await
                .status,
            404
        );
        assert!(
            !app.slugs("/v1/articles?limit=100")
                .await
                .contains(&"scheduled-soon".to_owned())
        );

        // At its time it is public, with no scheduler running in this server.
        assert!(
            wait_for_public(&app, "scheduled-soon", 200, StdDuration::from_secs(10)).await,
            "the scheduled article never became visible"
        );
        assert!(Utc::now() >= at);
        assert!(
            app.slugs("/v1/articles?limit=100")
                .await
                .contains(&"scheduled-soon".to_owned())
        );
        let public = get(&app, "/v1/articles/scheduled-soon", None)
            .await
            .data(200, "public");
        assert_eq!(time(&public["published_at"]), at);
        assert_eq!(
            admin_article(&app, &editor, &id).await["status"],
            "scheduled"
        );

        // The scheduler then records the publication, dated at the scheduled time.
        let published = app.content.publish_due_articles().await.expect("scheduler");
        assert_eq!(published, 1);
        let after = admin_article(&app, &editor, &id).await;
        assert_eq!(after["status"], "published");
        assert!(after["publish_at"].is_null());
        assert_eq!(time(&after["published_at"]), at);
        assert_eq!(time(&after["first_published_at"]), at);
        let revisions = get(
            &app,
            &format!("/admin/v1/articles/{id}/revisions"),
            Some(&editor),
        )
        .await
        .data(200, "revisions");
        let last = revisions
            .as_array()
            .expect("list")
            .last()
            .expect("one")
            .clone();
        assert_eq!(last["actor"], "scheduler");

        // Running it again changes nothing.
        assert_eq!(app.content.publish_due_articles().await.expect("again"), 0);
        let again = admin_article(&app, &editor, &id).await;
        assert_eq!(again["version"], after["version"]);
        assert_eq!(again["first_published_at"], after["first_published_at"]);
    }
);

on_both_backends!(scheduling_in_the_past_or_without_a_time_is_refused, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let created = create(&app, &editor, draft_json("not-in-the-past")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let past = rfc3339(Utc::now() - Duration::minutes(5));
    let refused = action(
        &app,
        &editor,
        &id,
        "schedule",
        Some(json!({"publish_at": past})),
    )
    .await;
    assert_eq!(refused.fields("schedule in the past"), ["publish_at"]);
    action(&app, &editor, &id, "schedule", Some(json!({})))
        .await
        .problem(400, "schedule without publish_at");
    let unchanged = admin_article(&app, &editor, &id).await;
    assert_eq!(unchanged["status"], "draft");
    assert_eq!(unchanged["version"], 1);
});

async fn missed_schedule_is_published_after_a_restart(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return;
    };
    // Before the "restart": a scheduled article whose time passes while nothing runs.
    let at = domain::now() - Duration::minutes(30);
    let (id, admin) = {
        let db = Db::connect(database.url(), 2).expect("connect");
        db.migrate().expect("migrate");
        let content = ContentService::new(db);
        seed_taxonomy(&content).await;
        let id = insert_raw(&content, "missed-while-down", domain::now(), move |row| {
            row.status = ArticleStatus::Scheduled.as_str().into();
            row.published_at = Some(at);
            row.publish_at = Some(at);
            row.first_published_at = None;
        })
        .await;
        let (admin, _) = key(&content, "admin", Role::Admin).await;
        (id, admin)
    };
    // The restart: a new server with its scheduler, as `byline serve` starts them.
    let (base, content) = serve_on(&database).await;
    byline::startup::spawn_scheduler(content.clone(), StdDuration::from_secs(3600));
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut seen = Value::Null;
    while start.elapsed() < StdDuration::from_secs(10) {
        let response = client
            .get(format!("{base}/admin/v1/articles/{id}"))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("request");
        seen = read(response).await.data(200, "admin GET");
        if seen["status"] == "published" {
            break;
        }
        actix_web::rt::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert_eq!(seen["status"], "published", "{seen}");
    let at = at.and_utc();
    assert_eq!(time(&seen["published_at"]), at);
    assert_eq!(time(&seen["first_published_at"]), at);
}

on_both_databases!(
    a_schedule_missed_while_stopped_is_published_at_start,
    missed_schedule_is_published_after_a_restart
);

on_both_backends!(
    an_article_scheduled_for_later_has_not_been_first_published,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let created = create(&app, &editor, draft_json("tomorrow")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let at = rfc3339(Utc::now() + Duration::days(1));
        let scheduled = action(
            &app,
            &editor,
            &id,
            "schedule",
            Some(json!({"publish_at": at})),
        )
        .await
        .data(200, "schedule");
        assert_eq!(scheduled["status"], "scheduled");
        assert!(scheduled["first_published_at"].is_null(), "{scheduled}");
        let read = admin_article(&app, &editor, &id).await;
        assert!(read["first_published_at"].is_null(), "{read}");
        let previewed = get(&app, "/v1/articles/tomorrow", Some(&editor))
            .await
            .data(200, "editor read");
        assert!(previewed["first_published_at"].is_null(), "{previewed}");
    }
);

on_both_backends!(
    a_due_scheduled_article_shows_its_first_publication_before_the_scheduler_runs,
    |app| {
        app.seed_taxonomy().await;
        let at = domain::now() - Duration::minutes(1);
        insert_raw(&app.content, "due-not-flipped", domain::now(), move |row| {
            row.status = ArticleStatus::Scheduled.as_str().into();
            row.published_at = Some(at);
            row.publish_at = Some(at);
            row.first_published_at = None;
        })
        .await;
        let public = get(&app, "/v1/articles/due-not-flipped", None)
            .await
            .data(200, "due scheduled article");
        assert_eq!(
            time(&public["first_published_at"]),
            at.and_utc(),
            "{public}"
        );
    }
);

// ---------------------------------------------------------------------------------------
// 5. Embargo
// ---------------------------------------------------------------------------------------

on_both_backends!(an_embargo_hides_a_published_article_until_lifted, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let id = create_published(&app, &editor, "embargoed").await;
    assert_eq!(public_status(&app, "embargoed").await, 200);

    let until = (Utc::now() + Duration::hours(6)).trunc_subsecs(0);
    let held = action(
        &app,
        &editor,
        &id,
        "embargo",
        Some(json!({"embargo_until": rfc3339(until)})),
    )
    .await
    .data(200, "embargo");
    assert_eq!(time(&held["embargo_until"]), until);
    assert_eq!(held["status"], "published");
    assert_eq!(public_status(&app, "embargoed").await, 404);
    assert_eq!(
        get(&app, &format!("/v1/articles/id/{id}"), None)
            .await
            .status,
        404
    );
    assert!(
        !app.slugs("/v1/articles?limit=100")
            .await
            .contains(&"embargoed".to_owned())
    );
    assert!(
        !app.slugs("/v1/articles?limit=100&tag=eu")
            .await
            .contains(&"embargoed".to_owned())
    );

    let lifted = action(
        &app,
        &editor,
        &id,
        "embargo",
        Some(json!({"embargo_until": null})),
    )
    .await
    .data(200, "lift");
    assert!(lifted["embargo_until"].is_null());
    assert_eq!(public_status(&app, "embargoed").await, 200);
    assert!(
        app.slugs("/v1/articles?limit=100")
            .await
            .contains(&"embargoed".to_owned())
    );
});

on_both_backends!(an_embargo_in_the_past_is_refused, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let id = create_published(&app, &editor, "no-past-embargo").await;
    let past = rfc3339(Utc::now() - Duration::hours(1));
    let refused = action(
        &app,
        &editor,
        &id,
        "embargo",
        Some(json!({"embargo_until": past})),
    )
    .await;
    assert_eq!(refused.fields("embargo in the past"), ["embargo_until"]);
    assert_eq!(public_status(&app, "no-past-embargo").await, 200);
});

on_both_backends!(
    a_malformed_action_body_is_a_400_not_an_embargo_lift,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let id = create_published(&app, &editor, "typo-embargo").await;
        let until = rfc3339(Utc::now() + Duration::hours(6));
        action(
            &app,
            &editor,
            &id,
            "embargo",
            Some(json!({"embargo_until": until})),
        )
        .await
        .data(200, "embargo");
        // A typo in the field name must not lift the embargo.
        let typo = action(
            &app,
            &editor,
            &id,
            "embargo",
            Some(json!({"embargo_untill": until})),
        )
        .await;
        assert_eq!(typo.status, 400, "misspelt field: {}", typo.body);
        assert_eq!(
            public_status(&app, "typo-embargo").await,
            404,
            "still embargoed"
        );
        // Nor may a stale version hidden next to an unknown field be ignored.
        let stale = action(
            &app,
            &editor,
            &id,
            "publish",
            Some(json!({"version": 1, "colour": "red"})),
        )
        .await;
        assert_eq!(stale.status, 400, "unknown field: {}", stale.body);
        // Malformed JSON, and an embargo call that names no time at all, are refused too.
        let malformed = app
            .client
            .post(format!("{}/admin/v1/articles/{id}/embargo", app.base))
            .bearer_auth(&editor)
            .header("Content-Type", "application/json")
            .body("{\"embargo_until\": ")
            .send()
            .await
            .expect("request");
        read(malformed).await.problem(400, "malformed action body");
        for body in [None, Some(json!({}))] {
            action(&app, &editor, &id, "embargo", body)
                .await
                .problem(400, "embargo without embargo_until");
        }
        assert_eq!(
            public_status(&app, "typo-embargo").await,
            404,
            "still embargoed"
        );
        let after = admin_article(&app, &editor, &id).await;
        assert!(!after["embargo_until"].is_null());
        assert_eq!(after["version"], 2, "only the first embargo was saved");
    }
);

// ---------------------------------------------------------------------------------------
// 6. first_published_at
// ---------------------------------------------------------------------------------------

on_both_backends!(
    first_published_at_never_changes_after_the_first_publication,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let created = create(&app, &editor, draft_json("first-publication")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        assert!(created["first_published_at"].is_null());

        let first = action(&app, &editor, &id, "publish", None)
            .await
            .data(200, "publish");
        let first_at = time(&first["first_published_at"]);
        assert_eq!(time(&first["published_at"]), first_at);
        let public = get(&app, "/v1/articles/first-publication", None)
            .await
            .data(200, "public");
        assert_eq!(time(&public["first_published_at"]), first_at);

        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        let down = action(&app, &editor, &id, "unpublish", None)
            .await
            .data(200, "unpublish");
        assert_eq!(down["status"], "draft");
        assert_eq!(time(&down["first_published_at"]), first_at);
        assert!(time(&down["updated_at"]) > time(&first["updated_at"]));

        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        let again = action(&app, &editor, &id, "publish", None)
            .await
            .data(200, "publish again");
        assert_eq!(time(&again["first_published_at"]), first_at);
        assert!(
            time(&again["published_at"]) > first_at,
            "published_at is the new time"
        );
        assert!(time(&again["updated_at"]) > time(&down["updated_at"]));

        actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        let edited = patch(
            &app,
            &format!("/admin/v1/articles/{id}"),
            &editor,
            &json!({"title": "Edited"}),
            Some(&format!("\"v{}\"", again["version"])),
        )
        .await
        .data(200, "edit");
        assert_eq!(time(&edited["first_published_at"]), first_at);
        assert!(time(&edited["updated_at"]) > time(&again["updated_at"]));
        let public = get(&app, "/v1/articles/first-publication", None)
            .await
            .data(200, "public");
        assert_eq!(time(&public["first_published_at"]), first_at);
        assert_eq!(public["updated_at"], edited["updated_at"]);
    }
);

// ---------------------------------------------------------------------------------------
// 7. Slug changes
// ---------------------------------------------------------------------------------------

on_both_backends!(
    a_renamed_article_redirects_its_old_slug_until_it_is_reused,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let id = create_published(&app, &editor, "old-slug").await;
        patch(
            &app,
            &format!("/admin/v1/articles/{id}"),
            &editor,
            &json!({"slug": "new-slug"}),
            Some("\"v1\""),
        )
        .await
        .data(200, "rename");

        let moved = get(&app, "/v1/articles/old-slug", None).await;
        assert_eq!(moved.status, 301);
        assert_eq!(moved.header("location"), Some("/v1/articles/new-slug"));
        let moved = get(&app, "/v1/articles/old-slug?fields=title", None).await;
        assert_eq!(moved.status, 301);
        assert_eq!(
            moved.header("location"),
            Some("/v1/articles/new-slug?fields=title")
        );
        let current = get(&app, "/v1/articles/new-slug", None)
            .await
            .data(200, "new slug");
        assert_eq!(current["id"], id.as_str());

        // Another article may take the old slug; then it is served, not redirected.
        let other = create_published(&app, &editor, "old-slug").await;
        let served = get(&app, "/v1/articles/old-slug", None)
            .await
            .data(200, "reused slug");
        assert_eq!(served["id"], other.as_str());
        assert_eq!(
            get(&app, "/v1/articles/new-slug", None)
                .await
                .data(200, "still")["id"],
            id.as_str()
        );

        // A slug taken by a current article cannot be taken by a rename.
        patch(
            &app,
            &format!("/admin/v1/articles/{id}"),
            &editor,
            &json!({"slug": "old-slug"}),
            Some("\"v2\""),
        )
        .await
        .problem(409, "rename onto a taken slug");
    }
);

// ---------------------------------------------------------------------------------------
// 8. 410 Gone
// ---------------------------------------------------------------------------------------

async fn assert_gone(app: &TestApp, slug: &str, id: &str) {
    let problem = get(app, &format!("/v1/articles/{slug}"), None)
        .await
        .problem(410, &format!("{slug} by slug"));
    assert_eq!(problem["type"], "/problems/gone");
    get(app, &format!("/v1/articles/id/{id}"), None)
        .await
        .problem(410, &format!("{slug} by id"));
}

on_both_backends!(
    withdrawn_and_deleted_articles_are_gone_and_drafts_never_were,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;

        let unpublished = create_published(&app, &editor, "unpublished").await;
        action(&app, &editor, &unpublished, "unpublish", None)
            .await
            .data(200, "unpublish");
        assert_gone(&app, "unpublished", &unpublished).await;

        let archived = create_published(&app, &editor, "archived").await;
        action(&app, &editor, &archived, "archive", None)
            .await
            .data(200, "archive");
        assert_gone(&app, "archived", &archived).await;

        let deleted = create_published(&app, &editor, "deleted").await;
        assert_eq!(
            delete(&app, &format!("/admin/v1/articles/{deleted}"), &editor)
                .await
                .status,
            204
        );
        assert_gone(&app, "deleted", &deleted).await;
        get(
            &app,
            &format!("/admin/v1/articles/{deleted}"),
            Some(&editor),
        )
        .await
        .problem(404, "deleted article in the admin API");

        let draft = create(&app, &editor, draft_json("never-published")).await;
        let draft_id = draft["id"].as_str().expect("id").to_owned();
        assert_eq!(
            delete(&app, &format!("/admin/v1/articles/{draft_id}"), &editor)
                .await
                .status,
            204
        );
        get(&app, "/v1/articles/never-published", None)
            .await
            .problem(404, "deleted draft by slug");
        get(&app, &format!("/v1/articles/id/{draft_id}"), None)
            .await
            .problem(404, "deleted draft by id");

        // Gone articles are not listed either.
        let listed = app.slugs("/v1/articles?limit=100").await;
        assert!(listed.is_empty(), "{listed:?}");
    }
);

on_both_backends!(
    the_old_slug_of_a_deleted_renamed_article_is_gone_too,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let id = create_published(&app, &editor, "before-rename").await;
        patch(
            &app,
            &format!("/admin/v1/articles/{id}"),
            &editor,
            &json!({"slug": "after-rename"}),
            Some("\"v1\""),
        )
        .await
        .data(200, "rename");
        assert_eq!(
            delete(&app, &format!("/admin/v1/articles/{id}"), &editor)
                .await
                .status,
            204
        );
        assert_eq!(public_status(&app, "after-rename").await, 410);
        assert_eq!(public_status(&app, "before-rename").await, 410);
    }
);

// ---------------------------------------------------------------------------------------
// 9. Previews
// ---------------------------------------------------------------------------------------

/// A token signed with the server's own preview secret, as `mint_preview_token` makes them.
async fn forge_token(content: &ContentService, article_id: &str, expires: i64) -> String {
    let secret = content
        .db()
        .read(|conn| Ok(queries::editorial::secret(conn, "preview-token-key")?))
        .await
        .expect("read secret")
        .expect("a preview secret exists once a token was minted");
    let payload = format!("{article_id}.{expires}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(payload.as_bytes());
    let signature = mac.finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

on_both_backends!(
    drafts_are_read_with_an_editor_key_or_a_preview_token_only,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let (contributor, _) = key(&app.content, "contributor", Role::Contributor).await;
        let (reader, _) = key(&app.content, "reader", Role::Content).await;
        let draft = create(&app, &editor, draft_json("preview-me")).await;
        let id = draft["id"].as_str().expect("id").to_owned();
        let other = create(&app, &editor, draft_json("another-draft")).await;
        let other_id = other["id"].as_str().expect("id").to_owned();

        // The public, and keys that may not read drafts, do not see it.
        get(&app, "/v1/articles/preview-me", None)
            .await
            .problem(404, "public");
        get(&app, &format!("/v1/articles/id/{id}"), None)
            .await
            .problem(404, "public by id");
        get(&app, "/v1/articles/preview-me", Some(&contributor))
            .await
            .problem(404, "contributor key");
        get(&app, "/v1/articles/preview-me", Some(&reader))
            .await
            .problem(404, "content key");

        // An editor's key reads it on the normal endpoint, never cached by shared caches.
        let seen = get(&app, "/v1/articles/preview-me", Some(&editor)).await;
        assert_eq!(seen.data(200, "editor key")["title"], "Title of preview-me");
        assert_eq!(seen.header("cache-control"), Some("private, no-store"));
        let seen = get(&app, &format!("/v1/articles/id/{id}"), Some(&editor)).await;
        assert_eq!(seen.status, 200);
        assert_eq!(seen.header("cache-control"), Some("private, no-store"));

        // A preview token reads that draft, without any key.
        action(&app, &contributor, &id, "preview-token", None)
            .await
            .problem(403, "contributors mint no tokens");
        action(
            &app,
            &editor,
            &id,
            "preview-token",
            Some(json!({"ttl_minutes": 0})),
        )
        .await
        .problem(400, "ttl below 1");
        let minted = action(
            &app,
            &editor,
            &id,
            "preview-token",
            Some(json!({"ttl_minutes": 5})),
        )
        .await
        .data(201, "mint");
        let token = minted["token"].as_str().expect("token").to_owned();
        let expires = time(&minted["expires_at"]);
        assert!(
            expires > Utc::now() + Duration::minutes(4)
                && expires <= Utc::now() + Duration::minutes(5)
        );
        let previewed = get(
            &app,
            &format!("/v1/articles/preview-me?preview_token={token}"),
            None,
        )
        .await;
        assert_eq!(previewed.data(200, "token")["id"], id.as_str());
        assert_eq!(previewed.header("cache-control"), Some("private, no-store"));
        let by_id = get(
            &app,
            &format!("/v1/articles/id/{id}?preview_token={token}"),
            None,
        )
        .await;
        assert_eq!(by_id.status, 200);

        // On another article: 403.
        let problem = get(
            &app,
            &format!("/v1/articles/another-draft?preview_token={token}"),
            None,
        )
        .await
        .problem(403, "token for another article");
        assert_eq!(problem["type"], "/problems/forbidden");
        get(
            &app,
            &format!("/v1/articles/id/{other_id}?preview_token={token}"),
            None,
        )
        .await
        .problem(403, "token for another article by id");

        // Tampered or forged: 401.
        let (payload, signature) = token.split_once('.').expect("two parts");
        let mut bad_signature = signature.to_owned();
        let last = if bad_signature.ends_with('A') {
            "B"
        } else {
            "A"
        };
        bad_signature.replace_range(bad_signature.len() - 1.., last);
        let other_payload = URL_SAFE_NO_PAD.encode(format!("{other_id}.{}", expires.timestamp()));
        for forged in [
            format!("{payload}.{bad_signature}"),
            format!("{other_payload}.{signature}"),
            "nonsense".to_owned(),
            "a.b".to_owned(),
        ] {
            get(
                &app,
                &format!("/v1/articles/preview-me?preview_token={forged}"),
                None,
            )
            .await
            .problem(401, &format!("forged token {forged}"));
        }
        // A made-up token is refused before anything is looked up: a draft and a slug that
        // names nothing answer alike, so the token reveals no article.
        let on_draft = get(&app, "/v1/articles/preview-me?preview_token=a.b", None)
            .await
            .problem(401, "made-up token on a draft");
        let on_nothing = get(&app, "/v1/articles/no-such-thing?preview_token=a.b", None)
            .await
            .problem(401, "made-up token on nothing");
        assert_eq!(on_draft, on_nothing);

        // Expired (ttl_minutes cannot go below 1, so the token is signed here with the server's
        // secret, exactly as the server signs them): 401.
        let expired = forge_token(&app.content, &id, Utc::now().timestamp() - 60).await;
        let problem = get(
            &app,
            &format!("/v1/articles/preview-me?preview_token={expired}"),
            None,
        )
        .await
        .problem(401, "expired token");
        assert!(
            problem["detail"]
                .as_str()
                .expect("detail")
                .contains("expired"),
            "{problem}"
        );
        // The same forgery with a future time is accepted, so the 401 above is the expiry.
        let fresh = forge_token(&app.content, &id, Utc::now().timestamp() + 60).await;
        assert_eq!(
            get(
                &app,
                &format!("/v1/articles/preview-me?preview_token={fresh}"),
                None
            )
            .await
            .status,
            200
        );

        // A published article is still readable by anyone afterwards.
        action(&app, &editor, &id, "publish", None)
            .await
            .data(200, "publish");
        let public = get(&app, "/v1/articles/preview-me", None).await;
        assert_eq!(public.status, 200);
        assert_ne!(public.header("cache-control"), Some("private, no-store"));
    }
);

// ---------------------------------------------------------------------------------------
// 10. Validation
// ---------------------------------------------------------------------------------------

on_both_backends!(invalid_article_fields_are_each_named_in_a_422, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let formats = post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&json!({
            "slug": "Not A Slug!",
            "title": "   ",
            "body": "Some body.",
            "canonical_url": "ftp://example.com/story",
            "language": "English",
            "hero_image": {"url": "not a url"},
        })),
    )
    .await;
    assert_eq!(
        formats.fields("format errors"),
        [
            "canonical_url",
            "hero_image.url",
            "language",
            "slug",
            "title"
        ]
    );

    let references = post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&json!({
            "title": "Good title",
            "body": "Some body.",
            "section": "nowhere",
            "authors": ["desk", "ghost-writer"],
            "tags": ["nope"],
        })),
    )
    .await;
    assert_eq!(
        references.fields("unknown references"),
        ["authors", "section", "tags"]
    );
    let problem = references.json();
    let messages = problem["errors"].to_string();
    assert!(
        messages.contains("ghost-writer")
            && messages.contains("nowhere")
            && messages.contains("nope"),
        "{messages}"
    );

    // The same checks apply to changes.
    let created = create(&app, &editor, draft_json("valid-one")).await;
    let path = format!("/admin/v1/articles/{}", created["id"].as_str().expect("id"));
    let bad_patch = patch(
        &app,
        &path,
        &editor,
        &json!({"title": "", "slug": "Bad Slug", "tags": ["nope"]}),
        Some("\"v1\""),
    )
    .await;
    assert!(bad_patch.status == 422, "{}", bad_patch.body);
    assert_eq!(
        admin_article(&app, &editor, created["id"].as_str().expect("id")).await["version"],
        1
    );

    // Nothing was stored.
    let listed = get(&app, "/admin/v1/articles", Some(&editor))
        .await
        .data(200, "list");
    assert_eq!(listed.as_array().expect("list").len(), 1);
});

on_both_backends!(one_422_names_every_invalid_field_at_once, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let all = post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&json!({
            "slug": "Not A Slug!",
            "title": "",
            "body": "Some body.",
            "section": "nowhere",
            "authors": ["ghost"],
            "tags": ["nope"],
            "canonical_url": "mailto:desk@example.com",
            "language": "EN_gb",
        })),
    )
    .await;
    assert_eq!(
        all.fields("every error"),
        [
            "authors",
            "canonical_url",
            "language",
            "section",
            "slug",
            "tags",
            "title"
        ]
    );
});

on_both_backends!(missing_required_fields_are_named_in_a_422, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let missing = post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&json!({"slug": "no-title"})),
    )
    .await;
    assert_eq!(missing.fields("missing title and body"), ["body", "title"]);
});

on_both_backends!(taken_slugs_conflict_and_malformed_bodies_are_400s, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    create(&app, &editor, draft_json("taken")).await;
    let problem = post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&draft_json("taken")),
    )
    .await
    .problem(409, "slug taken");
    assert_eq!(problem["type"], "/problems/conflict");

    let malformed = app
        .client
        .post(format!("{}/admin/v1/articles", app.base))
        .bearer_auth(&editor)
        .header("Content-Type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("request");
    let problem = read(malformed).await.problem(400, "malformed JSON");
    assert_eq!(problem["type"], "/problems/invalid-parameter");

    let mut unknown = draft_json("unknown-field");
    unknown["colour"] = json!("red");
    let problem = post(&app, "/admin/v1/articles", &editor, Some(&unknown))
        .await
        .problem(400, "unknown field");
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("colour"),
        "{problem}"
    );

    let created = create(&app, &editor, draft_json("patch-target")).await;
    let path = format!("/admin/v1/articles/{}", created["id"].as_str().expect("id"));
    patch(
        &app,
        &path,
        &editor,
        &json!({"colour": "red"}),
        Some("\"v1\""),
    )
    .await
    .problem(400, "unknown field in a patch");
    patch(
        &app,
        &path,
        &editor,
        &json!({"slug": "taken"}),
        Some("\"v1\""),
    )
    .await
    .problem(409, "rename onto a taken slug");
    post(
        &app,
        "/admin/v1/articles",
        &editor,
        Some(&json!({"title": "T", "body": "B", "status": "scheduled"})),
    )
    .await
    .problem(400, "created as scheduled");
    get(&app, "/admin/v1/articles/not-a-uuid", Some(&editor))
        .await
        .problem(400, "bad id");
    get(
        &app,
        &format!("/admin/v1/articles/{}", uuid::Uuid::now_v7()),
        Some(&editor),
    )
    .await
    .problem(404, "unknown id");
    action(
        &app,
        &editor,
        created["id"].as_str().expect("id"),
        "frobnicate",
        None,
    )
    .await
    .problem(404, "unknown action");
});

// ---------------------------------------------------------------------------------------
// 11. Taxonomy admin
// ---------------------------------------------------------------------------------------

on_both_backends!(
    sections_authors_and_tags_are_created_changed_and_deleted,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        let cases = [
            (
                "sections",
                json!({"slug": "culture", "name": "Culture", "description": "Arts."}),
            ),
            (
                "authors",
                json!({"slug": "new-reporter", "name": "New Reporter", "role": "Correspondent", "links": [{"label": "Site", "url": "https://example.com"}]}),
            ),
            (
                "tags",
                json!({"slug": "climate", "name": "Climate", "kind": "topic"}),
            ),
        ];
        for (kind, body) in cases {
            let slug = body["slug"].as_str().expect("slug").to_owned();
            let created = post(&app, &format!("/admin/v1/{kind}"), &editor, Some(&body))
                .await
                .data(201, &format!("create {kind}"));
            assert_eq!(created["slug"], slug.as_str());
            assert_eq!(created["name"], body["name"]);
            assert_eq!(
                app.get_json(&format!("/v1/{kind}/{slug}"), 200).await["data"]["name"],
                body["name"]
            );

            post(&app, &format!("/admin/v1/{kind}"), &editor, Some(&body))
                .await
                .problem(409, &format!("{kind} slug taken"));

            let changed = patch(
                &app,
                &format!("/admin/v1/{kind}/{slug}"),
                &editor,
                &json!({"name": "Renamed"}),
                None,
            )
            .await
            .data(200, &format!("patch {kind}"));
            assert_eq!(changed["name"], "Renamed");
            assert_eq!(changed["id"], created["id"]);
            assert_eq!(
                app.get_json(&format!("/v1/{kind}/{slug}"), 200).await["data"]["name"],
                "Renamed"
            );

            let moved = patch(
                &app,
                &format!("/admin/v1/{kind}/{slug}"),
                &editor,
                &json!({"slug": format!("{slug}-2")}),
                None,
            )
            .await
            .data(200, &format!("re-slug {kind}"));
            assert_eq!(moved["slug"], format!("{slug}-2"));
            let slug = format!("{slug}-2");

            patch(
                &app,
                &format!("/admin/v1/{kind}/{slug}"),
                &editor,
                &json!({"slug": "Bad Slug"}),
                None,
            )
            .await
            .problem(422, &format!("bad {kind} slug"));

            assert_eq!(
                delete(&app, &format!("/admin/v1/{kind}/{slug}"), &editor)
                    .await
                    .status,
                204
            );
            app.get_json(&format!("/v1/{kind}/{slug}"), 404).await;
            delete(&app, &format!("/admin/v1/{kind}/{slug}"), &editor)
                .await
                .problem(404, &format!("{kind} deleted twice"));
        }
        post(
            &app,
            "/admin/v1/tags",
            &editor,
            Some(&json!({"slug": "kindless", "name": "No kind"})),
        )
        .await
        .problem(400, "tag without kind");
        post(
            &app,
            "/admin/v1/widgets",
            &editor,
            Some(&json!({"slug": "w", "name": "W"})),
        )
        .await
        .problem(404, "unknown collection");
    }
);

on_both_backends!(
    deleting_taxonomy_in_use_is_a_conflict_and_unused_ones_go,
    |app| {
        app.seed_taxonomy().await;
        let (editor, _) = key(&app.content, "editor", Role::Editor).await;
        // A draft uses them: drafts count too.
        create(&app, &editor, draft_json("uses-them")).await;
        let problem = delete(&app, "/admin/v1/sections/news", &editor)
            .await
            .problem(409, "delete a section in use");
        assert_eq!(problem["type"], "/problems/conflict");
        app.get_json("/v1/sections/news", 200).await;
        // Authors and tags are RESTRICTed, which SQLite reports without the foreign-key code.
        for (kind, slug) in [("authors", "desk"), ("tags", "eu")] {
            let problem = delete(&app, &format!("/admin/v1/{kind}/{slug}"), &editor)
                .await
                .problem(409, &format!("delete {kind}/{slug} in use"));
            assert_eq!(problem["type"], "/problems/conflict");
            app.get_json(&format!("/v1/{kind}/{slug}"), 200).await;
        }
        for (kind, slug) in [
            ("sections", "economy"),
            ("authors", "reporter"),
            ("tags", "budget"),
        ] {
            assert_eq!(
                delete(&app, &format!("/admin/v1/{kind}/{slug}"), &editor)
                    .await
                    .status,
                204
            );
            app.get_json(&format!("/v1/{kind}/{slug}"), 404).await;
        }
    }
);

// ---------------------------------------------------------------------------------------
// 12. Corrections
// ---------------------------------------------------------------------------------------

on_both_backends!(corrections_appear_on_published_articles_only, |app| {
    app.seed_taxonomy().await;
    let (editor, _) = key(&app.content, "editor", Role::Editor).await;
    let id = create_published(&app, &editor, "corrected").await;
    let note = "An earlier version of this article misspelt the commissioner's name.";
    let corrected = action(
        &app,
        &editor,
        &id,
        "corrections",
        Some(json!({"note": note})),
    )
    .await
    .data(200, "correct");
    assert_eq!(corrected["corrections"][0]["note"], note);
    action(
        &app,
        &editor,
        &id,
        "corrections",
        Some(json!({"note": "A second one."})),
    )
    .await
    .data(200, "correct again");

    let public = get(&app, "/v1/articles/corrected", None)
        .await
        .data(200, "public");
    let corrections = public["corrections"]
        .as_array()
        .expect("corrections")
        .clone();
    assert_eq!(corrections.len(), 2);
    assert_eq!(corrections[0]["note"], note);
    assert_eq!(corrections[1]["note"], "A second one.");
    assert!(time(&corrections[0]["corrected_at"]) <= time(&corrections[1]["corrected_at"]));
    assert!(time(&corrections[0]["corrected_at"]) > Utc::now() - Duration::minutes(1));

    let draft = create(&app, &editor, draft_json("not-yet-out")).await;
    let draft_id = draft["id"].as_str().expect("id");
    let refused = action(
        &app,
        &editor,
        draft_id,
        "corrections",
        Some(json!({"note": note})),
    )
    .await;
    assert_eq!(refused.fields("correction on a draft"), ["note"]);
    let empty = action(
        &app,
        &editor,
        &id,
        "corrections",
        Some(json!({"note": "  "})),
    )
    .await;
    assert_eq!(empty.fields("empty note"), ["note"]);
    action(&app, &editor, &id, "corrections", None)
        .await
        .problem(400, "no note");
});

// ---------------------------------------------------------------------------------------
// 13. The `keys` command line
// ---------------------------------------------------------------------------------------

fn byline_cli(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_byline"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .output()
        .expect("run byline");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn keys_made_on_the_command_line_work_on_the_api(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return;
    };
    let url = database.url_arg();
    let (ok, out, err) = byline_cli(&[
        "keys",
        "create",
        "--role",
        "editor",
        "--name",
        "cli-editor",
        "--database-url",
        &url,
    ]);
    assert!(ok, "keys create: {err}");
    let secret = out.lines().last().expect("a key line").trim().to_owned();
    assert!(secret.starts_with("byl_"), "{out}");
    let id = out
        .split("(id ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the id is printed")
        .to_owned();

    let (base, _content) = serve_on(&database).await;
    let client = reqwest::Client::new();
    let articles = |key: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            client
                .get(format!("{base}/admin/v1/articles"))
                .bearer_auth(key)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    };
    assert_eq!(articles(secret.clone()).await, 200, "the printed key works");
    let keys = client
        .get(format!("{base}/admin/v1/keys"))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("request");
    assert_eq!(keys.status().as_u16(), 403, "an editor key manages no keys");

    let (ok, listed, err) = byline_cli(&["keys", "list", "--database-url", &url]);
    assert!(ok, "keys list: {err}");
    let line = listed
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("key {id} listed: {listed}"));
    assert!(
        line.contains("editor") && line.contains("cli-editor") && line.contains("active"),
        "{line}"
    );
    let secret_part = secret.rsplit('_').next().expect("secret part");
    assert!(
        !listed.contains(secret_part),
        "the secret is never listed: {listed}"
    );
    let prefix = secret.split('_').nth(1).expect("prefix");
    assert!(
        line.contains(prefix),
        "the prefix identifies the key: {line}"
    );

    let (ok, out, err) = byline_cli(&["keys", "revoke", &id, "--database-url", &url]);
    assert!(ok, "keys revoke: {err}");
    assert!(out.contains(&id), "{out}");
    assert_eq!(
        articles(secret.clone()).await,
        401,
        "a revoked key stops working"
    );
    let (_, listed, _) = byline_cli(&["keys", "list", "--database-url", &url]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains(&id) && l.contains("revoked")),
        "{listed}"
    );

    let (ok, _, err) = byline_cli(&["keys", "revoke", &id, "--database-url", &url]);
    assert!(
        !ok && err.contains("no active key"),
        "revoking twice fails: {err}"
    );
    let (ok, _, err) = byline_cli(&[
        "keys",
        "create",
        "--role",
        "boss",
        "--name",
        "x",
        "--database-url",
        &url,
    ]);
    assert!(!ok && err.contains("boss"), "unknown role: {err}");
}

on_both_databases!(
    cli_keys_create_list_and_revoke,
    keys_made_on_the_command_line_work_on_the_api
);

// ---------------------------------------------------------------------------------------
// 14. Browsers
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn cors_preflight_allows_admin_writes_from_browsers() {
    let app = crate::helpers::spawn_app(Backend::Sqlite)
        .await
        .expect("app");
    for method in ["PATCH", "DELETE"] {
        let response = app
            .client
            .request(
                Method::OPTIONS,
                format!("{}/admin/v1/articles/{}", app.base, uuid::Uuid::now_v7()),
            )
            .header("Origin", "https://cms.example.com")
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match",
            )
            .send()
            .await
            .expect("preflight");
        let resp = read(response).await;
        assert_eq!(resp.status, 200, "{method} preflight: {}", resp.body);
        let allowed = resp
            .header("access-control-allow-methods")
            .unwrap_or_default()
            .to_owned();
        assert!(allowed.contains(method), "{method} not in {allowed}");
        let headers = resp
            .header("access-control-allow-headers")
            .unwrap_or_default()
            .to_lowercase();
        assert!(headers.contains("if-match"), "if-match not in {headers}");
    }
}
