//! The harness: every test gets its own database (a temp SQLite file, or a fresh PostgreSQL
//! database) and a real server on 127.0.0.1:0.

use std::sync::atomic::{AtomicBool, Ordering};

use byline::{
    auth::{Caller, Role},
    config::{DatabaseUrl, Settings},
    db::Db,
    domain::{
        Key, Relations,
        article::{ArticleStatus, BodyFormat, TagKind},
    },
    service::{
        ContentService,
        audience::Audience,
        editorial::NewArticle,
        taxonomy::{NewAuthor, NewSection, NewTag},
    },
    startup::Application,
};
use chrono::{Duration, NaiveDateTime};
use diesel::{Connection, RunQueryDsl, pg::PgConnection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the PostgreSQL tests create their databases.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// CI sets this so that an unreachable PostgreSQL fails the run instead of skipping.
fn postgres_required() -> bool {
    std::env::var("BYLINE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// A database of its own for one test; dropped with the test.
pub enum TestDatabase {
    Sqlite {
        _dir: tempfile::TempDir,
        url: DatabaseUrl,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: DatabaseUrl,
    },
}

impl TestDatabase {
    pub fn create(backend: Backend) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = DatabaseUrl::Sqlite(dir.path().join("byline.db"));
                Some(TestDatabase::Sqlite { _dir: dir, url })
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let mut admin = match PgConnection::establish(&admin_url) {
                    Ok(conn) => conn,
                    Err(e) if !postgres_required() => {
                        if !WARNED.swap(true, Ordering::Relaxed) {
                            eprintln!(
                                "PostgreSQL at {admin_url} is unreachable ({e}); PostgreSQL tests are skipped"
                            );
                        }
                        return None;
                    }
                    Err(e) => panic!(
                        "PostgreSQL is required (BYLINE_REQUIRE_POSTGRES=1) but {admin_url} is unreachable: {e}"
                    ),
                };
                let name = format!("byline_test_{}", uuid::Uuid::new_v4().simple());
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(base, _)| base.to_owned())
                    .unwrap_or(admin_url.clone());
                let url = DatabaseUrl::Postgres(format!("{base}/{name}"));
                Some(TestDatabase::Postgres {
                    admin_url,
                    name,
                    url,
                })
            }
        }
    }

    pub fn url(&self) -> &DatabaseUrl {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }

    /// The URL as the command line takes it.
    pub fn url_arg(&self) -> String {
        match self.url() {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

/// A running Byline over a database of its own.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub content: ContentService,
    pub backend: Backend,
    pub database: TestDatabase,
}

/// A migrated database and the service over it, without a server.
pub fn open_content(backend: Backend) -> Option<(TestDatabase, ContentService)> {
    let database = TestDatabase::create(backend)?;
    let db = Db::connect(database.url(), 4).expect("connect to the test database");
    db.migrate().expect("migrate the test database");
    Some((database, ContentService::new(db)))
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// `spawn_app` with settings changed by `configure`.
pub async fn spawn_app_with(
    backend: Backend,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    spawn_app_over(backend, |content| content, configure).await
}

/// `spawn_app` over the service `service` makes of the default one (e.g. other search
/// limits); `TestApp::content` is that service, sharing its search gate with the server.
pub async fn spawn_app_over(
    backend: Backend,
    service: impl FnOnce(ContentService) -> ContentService,
    configure: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    let (database, content) = open_content(backend)?;
    let content = service(content);
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url().clone(),
        workers: Some(1),
        ..Settings::default()
    };
    configure(&mut settings);
    let app = Application::build(settings, content.clone()).expect("bind the test server");
    let base = app.base_url();
    actix_web::rt::spawn(app.run_until_stopped());
    Some(TestApp {
        base,
        client: reqwest::Client::new(),
        content,
        backend,
        database,
    })
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request")
    }

    /// GET and parse JSON, asserting the status.
    pub async fn get_json(&self, path: &str, status: u16) -> serde_json::Value {
        let response = self.get(path).await;
        let got = response.status().as_u16();
        let body = response.text().await.expect("body");
        assert_eq!(got, status, "GET {path} answered {got}: {body}");
        serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("GET {path} is not JSON ({e}): {body}"))
    }

    /// Slugs of `data` in a list response.
    pub async fn slugs(&self, path: &str) -> Vec<String> {
        let body = self.get_json(path, 200).await;
        body["data"]
            .as_array()
            .expect("data array")
            .iter()
            .map(|a| a["slug"].as_str().expect("slug").to_owned())
            .collect()
    }

    /// The JSON answer of an anonymous GraphQL `query` sent as `POST /graphql`.
    pub async fn graphql_json(&self, query: &str) -> serde_json::Value {
        self.client
            .post(format!("{}/graphql", self.base))
            .json(&serde_json::json!({ "query": query }))
            .send()
            .await
            .expect("POST /graphql")
            .json()
            .await
            .expect("a JSON answer")
    }

    /// A section `news`, authors `desk` and `reporter`, tags `eu` (organization), `brussels`
    /// (place) and `budget` (topic).
    pub async fn seed_taxonomy(&self) {
        seed_taxonomy(&self.content).await;
    }
}

pub async fn seed_taxonomy(content: &ContentService) {
    content
        .create_section(NewSection {
            slug: "news".into(),
            name: "News & Analysis".into(),
            description: None,
        })
        .await
        .expect("section");
    content
        .create_section(NewSection {
            slug: "economy".into(),
            name: "Economy".into(),
            description: None,
        })
        .await
        .expect("section");
    for (slug, name) in [
        ("desk", "EU Insider Newsroom"),
        ("reporter", "Ilse Verhoeven"),
    ] {
        let author = NewAuthor {
            slug: slug.into(),
            name: name.into(),
            role: None,
            bio: None,
            avatar_url: None,
            links: vec![],
        };
        content.create_author(author).await.expect("author");
    }
    for (slug, kind) in [
        ("eu", TagKind::Organization),
        ("brussels", TagKind::Place),
        ("budget", TagKind::Topic),
    ] {
        content
            .create_tag(NewTag {
                slug: slug.into(),
                name: slug.to_uppercase(),
                kind,
                description: None,
            })
            .await
            .expect("tag");
    }
}

/// A published article in section `news` by `desk`, tagged `eu`, published an hour ago.
pub fn article(slug: &str, now: NaiveDateTime) -> NewArticle {
    NewArticle {
        slug: Some(slug.into()),
        title: format!("Title of {slug}"),
        standfirst: Some("A standfirst.".into()),
        body_format: BodyFormat::Markdown,
        body: format!("Body of **{slug}** with some words.\n\nA second paragraph."),
        section: Some("news".into()),
        authors: vec!["desk".into()],
        tags: vec!["eu".into()],
        status: ArticleStatus::Published,
        published_at: Some(now - Duration::hours(1)),
        embargo_until: None,
        language: "en".into(),
        dateline: Some("BRUSSELS".into()),
        hero_image: None,
        seo_title: None,
        seo_description: None,
        canonical_url: None,
        corrections: vec![],
    }
}

/// Runs a test body once on SQLite and once on PostgreSQL (when reachable), each in a
/// module of its own so `cargo test NAME::postgres` selects one backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::{Backend, spawn_app};

            async fn scenario($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                scenario(spawn_app(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = spawn_app(Backend::Postgres).await {
                    scenario(app).await;
                }
            }
        }
    };
}

/// `on_both_backends!` over a server of the scenario's own making: `$spawn` starts it for
/// `$backend` (and answers `None` when that backend is unreachable).
#[macro_export]
macro_rules! on_both_backends_spawned {
    ($name:ident, |$backend:ident| $spawn:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::Backend;

            async fn spawn($backend: Backend) -> Option<$crate::helpers::TestApp> {
                $spawn.await
            }

            async fn scenario($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                scenario(spawn(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = spawn(Backend::Postgres).await {
                    scenario(app).await;
                }
            }
        }
    };
}

/// The version an article is at now, as a change must name it (`None` when there is no
/// such article).
pub async fn current_version(content: &ContentService, id: &str) -> Option<i32> {
    let admin = Caller {
        key_id: String::new(),
        name: "tests".into(),
        role: Role::Admin,
    };
    let audience = Audience::for_admin(&admin).expect("admin audience");
    let found = content
        .article(&audience, Key::Id(id.to_owned()), Relations::Skip)
        .await
        .ok()?;
    Some(found.into_article().version)
}
