//! Feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) parsed back by `feed-rs` and checked field by
//! field; sitemaps parsed as XML and checked against the sitemaps.org and Google News
//! formats; visibility and conditional GETs on every path.

use std::collections::{BTreeSet, HashMap};

use byline::{
    config::{FeedContent, Settings},
    db::queries,
    domain::{self, article::Article},
    service::{
        ContentService,
        editorial::{NewArticle, References, prepare},
    },
    startup::Application,
};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use crate::{
    helpers::{Backend, TestApp, article, open_content},
    on_both_backends,
    visibility::insert_raw,
};

pub const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
pub const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
pub const FORMATS: [&str; 3] = ["rss.xml", "atom.xml", "feed.json"];

/// Like `helpers::spawn_app`, with settings changed by `tweak`.
pub async fn spawn_with(backend: Backend, tweak: fn(&mut Settings)) -> Option<TestApp> {
    let (database, content) = open_content(backend)?;
    let mut settings = Settings {
        bind: "127.0.0.1:0".into(),
        database: database.url().clone(),
        workers: Some(1),
        ..Settings::default()
    };
    tweak(&mut settings);
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

/// `on_both_backends!` for a server whose settings `tweak` changes.
#[macro_export]
macro_rules! on_both_backends_with {
    ($name:ident, $tweak:expr, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::helpers::Backend;

            async fn scenario($app: $crate::helpers::TestApp) $body

            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::feeds::spawn_with(Backend::Sqlite, $tweak).await;
                scenario(app.expect("sqlite app")).await;
            }

            #[actix_web::test]
            async fn postgres() {
                if let Some(app) = $crate::feeds::spawn_with(Backend::Postgres, $tweak).await {
                    scenario(app).await;
                }
            }
        }
    };
}

/// Publishes an article `hours_ago`, as `tweak` makes it.
pub async fn publish(
    content: &ContentService,
    slug: &str,
    hours_ago: i64,
    tweak: impl FnOnce(&mut NewArticle),
) -> Article {
    let now = domain::now();
    let mut new = article(slug, now);
    new.published_at = Some(now - Duration::hours(hours_ago));
    tweak(&mut new);
    content.create_article(new, None).await.expect("publish")
}

/// Articles in every state the visibility rule decides on, with whether each is visible.
pub async fn seed_visibility_cases(content: &ContentService) -> Vec<(String, String, bool)> {
    let now = domain::now();
    let h = Duration::hours;
    type Tweak = Box<dyn FnOnce(&mut byline::db::rows::ArticleRow) + Send>;
    let cases: Vec<(&str, bool, Tweak)> = vec![
        (
            "visible-published",
            true,
            Box::new(move |r| r.published_at = Some(now - h(2))),
        ),
        (
            "visible-embargo-lifted",
            true,
            Box::new(move |r| {
                r.published_at = Some(now - h(5));
                r.embargo_until = Some(now - h(1));
            }),
        ),
        (
            "visible-scheduled-due",
            true,
            Box::new(move |r| {
                r.status = "scheduled".into();
                r.published_at = Some(now - h(1));
                r.first_published_at = None;
            }),
        ),
        (
            "hidden-draft",
            false,
            Box::new(move |r| {
                r.status = "draft".into();
                r.published_at = None;
                r.first_published_at = None;
            }),
        ),
        (
            "hidden-dated-draft",
            false,
            Box::new(move |r| {
                r.status = "draft".into();
                r.published_at = Some(now - h(3));
                r.first_published_at = None;
            }),
        ),
        (
            "hidden-scheduled-later",
            false,
            Box::new(move |r| {
                r.status = "scheduled".into();
                r.published_at = Some(now + h(4));
                r.publish_at = Some(now + h(4));
                r.first_published_at = None;
            }),
        ),
        (
            "hidden-embargoed",
            false,
            Box::new(move |r| {
                r.published_at = Some(now - h(5));
                r.embargo_until = Some(now + h(2));
            }),
        ),
        (
            "hidden-scheduled-due-embargoed",
            false,
            Box::new(move |r| {
                r.status = "scheduled".into();
                r.published_at = Some(now - h(1));
                r.embargo_until = Some(now + h(6));
                r.first_published_at = None;
            }),
        ),
        (
            "hidden-published-future",
            false,
            Box::new(move |r| r.published_at = Some(now + h(3))),
        ),
        (
            "hidden-archived",
            false,
            Box::new(move |r| {
                // Out for a while, then archived: the public saw it.
                r.status = "archived".into();
                r.published_at = Some(now - h(30));
                r.public_since = r.published_at;
            }),
        ),
    ];
    let mut seeded = Vec::new();
    for (slug, visible, tweak) in cases {
        let id = insert_raw(content, slug, now, move |row| {
            tweak(row);
            // Sync clients ask for everything changed lately; hidden rows must not leak there.
            row.updated_at = now - Duration::minutes(1);
        })
        .await;
        seeded.push((slug.to_owned(), id, visible));
    }
    seeded
}

pub fn uri(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// GETs a feed, checks its content type, and parses it with `feed-rs`.
pub async fn get_feed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let expected = match path.rsplit('/').next() {
        Some("rss.xml") => "application/rss+xml",
        Some("atom.xml") => "application/atom+xml",
        _ => "application/feed+json",
    };
    assert!(
        content_type.starts_with(expected),
        "{path} is {content_type}"
    );
    let body = response.bytes().await.expect("body");
    feed_rs::parser::parse(body.as_ref())
        .unwrap_or_else(|e| panic!("{path} does not parse as a feed ({e}): {body:?}"))
}

fn entry_ids(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.id.clone()).collect()
}

fn secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

fn text(t: &Option<feed_rs::model::Text>) -> String {
    t.as_ref().map(|t| t.content.clone()).unwrap_or_default()
}

on_both_backends!(feeds_carry_visible_articles_field_by_field, |app| {
    app.seed_taxonomy().await;
    let newer = publish(&app.content, "budget-talks", 1, |a| {
        a.title = "Budget talks resume & stall".into();
        a.standfirst = Some("Ministers meet again.".into());
        a.body = "Talks **resume** in <b>Brussels</b>.\n\nA second paragraph.".into();
        a.authors = vec!["desk".into(), "reporter".into()];
        a.tags = vec!["eu".into(), "brussels".into()];
        a.hero_image = Some(byline::domain::article::HeroImage {
            asset_id: None,
            url: Some("https://img.example/budget.jpg".into()),
            alt: Some("The Berlaymont".into()),
            caption: None,
            credit: None,
        });
    })
    .await;
    let older = publish(&app.content, "older-story", 3, |a| {
        a.section = Some("economy".into());
        a.standfirst = None;
        a.tags = vec!["budget".into()];
    })
    .await;
    for format in FORMATS {
        let path = format!("/feeds/{format}");
        let feed = get_feed(&app, &path).await;
        assert_eq!(text(&feed.title), "Byline", "{format} title");
        assert_eq!(
            entry_ids(&feed),
            vec![uri(&newer.id), uri(&older.id)],
            "{format}: newest first"
        );
        let (first, second) = (&feed.entries[0], &feed.entries[1]);
        assert_eq!(
            text(&first.title),
            "Budget talks resume & stall",
            "{format}"
        );
        assert_eq!(
            first.links.first().map(|l| l.href.as_str()),
            Some("https://example.com/news/budget-talks"),
            "{format} link"
        );
        assert_eq!(
            second.links.first().map(|l| l.href.as_str()),
            Some("https://example.com/economy/older-story"),
            "{format} link"
        );
        assert_eq!(
            first.published.map(|t| t.timestamp()),
            newer.published_at.map(secs),
            "{format} published"
        );
        let authors: Vec<String> = first
            .authors
            .iter()
            .filter_map(|p| p.name.clone())
            .collect();
        assert_eq!(
            authors,
            vec!["EU Insider Newsroom", "Ilse Verhoeven"],
            "{format} authors"
        );
        assert_eq!(
            text(&first.summary),
            "Ministers meet again.",
            "{format} summary"
        );
        // Without a standfirst the summary is the start of the text.
        assert_eq!(
            text(&second.summary),
            byline::feeds::summary(&older),
            "{format} summary"
        );
        assert!(text(&second.summary).starts_with("Body of older-story"));
        let body = first
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        // Trailing whitespace of HTML is not content; parsers trim it.
        assert_eq!(
            body.trim_end(),
            newer.body_html.trim_end(),
            "{format} content"
        );
        assert!(body.contains("<strong>resume</strong>"), "{body}");
        let categories: Vec<(String, Option<String>)> = first
            .categories
            .iter()
            .map(|c| (c.term.clone(), c.label.clone()))
            .collect();
        match format {
            // RSS: the names, with the section or tag as `domain`.
            "rss.xml" => {
                let with_domain: Vec<(String, Option<String>)> = first
                    .categories
                    .iter()
                    .map(|c| (c.term.clone(), c.scheme.clone()))
                    .collect();
                assert_eq!(
                    with_domain,
                    vec![
                        ("News & Analysis".into(), Some("section".into())),
                        ("EU".into(), Some("tag".into())),
                        ("BRUSSELS".into(), Some("tag".into())),
                    ]
                );
            }
            // Atom: slugs as terms, names as labels.
            "atom.xml" => {
                assert_eq!(
                    categories,
                    vec![
                        ("news".into(), Some("News & Analysis".into())),
                        ("eu".into(), Some("EU".into())),
                        ("brussels".into(), Some("BRUSSELS".into())),
                    ]
                );
                assert_eq!(
                    first.updated.map(|t| t.timestamp()),
                    Some(secs(newer.last_changed()))
                );
                let newest = newer.last_changed().max(older.last_changed());
                assert_eq!(feed.updated.map(|t| t.timestamp()), Some(secs(newest)));
            }
            // JSON Feed: tags are names.
            _ => {
                let terms: Vec<String> = categories.into_iter().map(|(t, _)| t).collect();
                assert_eq!(terms, vec!["News & Analysis", "EU", "BRUSSELS"]);
            }
        }
    }
    // What feed-rs does not surface, read from the documents themselves.
    let json = app.get_json("/feeds/feed.json", 200).await;
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["home_page_url"], "https://example.com");
    assert_eq!(json["feed_url"], format!("{}/feeds/feed.json", app.base));
    assert_eq!(json["items"][0]["image"], "https://img.example/budget.jpg");
    assert_eq!(json["items"][0]["language"], "en");
    assert!(json["items"][0]["content_text"].is_null());
    let rss = app.get("/feeds/rss.xml").await.text().await.expect("rss");
    let doc = roxmltree::Document::parse(&rss).expect("rss is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "rss");
    assert_eq!(root.attribute("version"), Some("2.0"));
    let self_link = doc
        .descendants()
        .find(|n| {
            n.tag_name().namespace() == Some("http://www.w3.org/2005/Atom")
                && n.attribute("rel") == Some("self")
        })
        .expect("atom:link rel=self");
    assert_eq!(
        self_link.attribute("href"),
        Some(format!("{}/feeds/rss.xml", app.base).as_str())
    );
    let guid = doc
        .descendants()
        .find(|n| n.has_tag_name("guid"))
        .expect("guid");
    assert_eq!(guid.attribute("isPermaLink"), Some("false"));
    let atom = app.get("/feeds/atom.xml").await.text().await.expect("atom");
    let doc = roxmltree::Document::parse(&atom).expect("atom is XML");
    let root = doc.root_element();
    assert_eq!(
        (root.tag_name().namespace(), root.tag_name().name()),
        (Some("http://www.w3.org/2005/Atom"), "feed")
    );
    let id = root
        .children()
        .find(|n| n.has_tag_name(("http://www.w3.org/2005/Atom", "id")))
        .and_then(|n| n.text());
    assert_eq!(id, Some(format!("{}/feeds/atom.xml", app.base).as_str()));
});

on_both_backends!(scoped_feeds_carry_only_their_section_tag_or_author, |app| {
    app.seed_taxonomy().await;
    let news = publish(&app.content, "in-news", 1, |a| {
        a.tags = vec!["eu".into(), "brussels".into()];
        a.authors = vec!["reporter".into()];
    })
    .await;
    let economy = publish(&app.content, "in-economy", 2, |a| {
        a.section = Some("economy".into());
        a.tags = vec!["budget".into()];
    })
    .await;
    let both_tagged = publish(&app.content, "tagged-eu", 3, |a| {
        a.tags = vec!["eu".into()];
    })
    .await;
    let cases: Vec<(&str, &str, Vec<&Article>)> = vec![
        (
            "sections/news",
            "Byline: News & Analysis",
            vec![&news, &both_tagged],
        ),
        ("sections/economy", "Byline: Economy", vec![&economy]),
        ("tags/brussels", "Byline: BRUSSELS", vec![&news]),
        ("tags/eu", "Byline: EU", vec![&news, &both_tagged]),
        ("tags/budget", "Byline: BUDGET", vec![&economy]),
        ("authors/reporter", "Byline: Ilse Verhoeven", vec![&news]),
        (
            "authors/desk",
            "Byline: EU Insider Newsroom",
            vec![&economy, &both_tagged],
        ),
    ];
    for (scope, title, expected) in cases {
        for format in FORMATS {
            let feed = get_feed(&app, &format!("/feeds/{scope}/{format}")).await;
            assert_eq!(text(&feed.title), title, "{scope}/{format}");
            let expected: Vec<String> = expected.iter().map(|a| uri(&a.id)).collect();
            assert_eq!(entry_ids(&feed), expected, "{scope}/{format}");
        }
    }
});

on_both_backends!(
    feeds_of_unknown_sections_tags_or_authors_are_404_problems,
    |app| {
        app.seed_taxonomy().await;
        for scope in ["sections", "tags", "authors", "things"] {
            for slug in ["nowhere", "Not%20A%20Slug"] {
                for format in FORMATS {
                    let path = format!("/feeds/{scope}/{slug}/{format}");
                    let response = app.get(&path).await;
                    assert_eq!(response.status().as_u16(), 404, "{path}");
                    assert_eq!(
                        response
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok()),
                        Some("application/problem+json"),
                        "{path}"
                    );
                    let problem: serde_json::Value = response.json().await.expect("problem");
                    assert_eq!(problem["status"], 404, "{path}");
                    assert_eq!(problem["type"], "/problems/not-found", "{path}");
                }
            }
        }
        for path in ["/feeds/rss.json", "/feeds/sections/news/index.xml"] {
            assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
        }
    }
);

on_both_backends!(feeds_carry_the_fifty_newest_articles, |app| {
    app.seed_taxonomy().await;
    let now = domain::now();
    let mut ids = Vec::new();
    for i in 0..55i64 {
        let id = insert_raw(&app.content, &format!("story-{i:02}"), now, move |row| {
            row.published_at = Some(now - Duration::minutes(10 + i));
        })
        .await;
        ids.push(uri(&id));
    }
    for path in [
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/feeds/tags/eu/feed.json",
    ] {
        let feed = get_feed(&app, path).await;
        assert_eq!(entry_ids(&feed), ids[..50].to_vec(), "{path}");
    }
});

on_both_backends!(feeds_and_sitemaps_never_show_hidden_articles, |app| {
    app.seed_taxonomy().await;
    let cases = seed_visibility_cases(&app.content).await;
    let visible: BTreeSet<String> = cases.iter().filter(|c| c.2).map(|c| uri(&c.1)).collect();
    for scope in ["", "sections/news/", "tags/eu/", "authors/desk/"] {
        for format in FORMATS {
            let path = format!("/feeds/{scope}{format}");
            let feed = get_feed(&app, &path).await;
            let listed: BTreeSet<String> = entry_ids(&feed).into_iter().collect();
            assert_eq!(listed, visible, "{path}");
        }
    }
    let visible_urls: BTreeSet<String> = cases
        .iter()
        .filter(|c| c.2)
        .map(|c| format!("https://example.com/news/{}", c.0))
        .collect();
    let pages = sitemap_index(&app).await;
    let mut listed = BTreeSet::new();
    for page in pages.iter().filter(|p| p.loc.contains("/articles-")) {
        for url in urlset(&app, &page.loc).await {
            assert!(listed.insert(url.loc.clone()), "{} listed twice", url.loc);
        }
    }
    assert_eq!(listed, visible_urls, "article sitemaps");
    let news: BTreeSet<String> = news_sitemap(&app)
        .await
        .into_iter()
        .map(|n| n.loc)
        .collect();
    assert_eq!(news, visible_urls, "news sitemap");
});

on_both_backends!(feeds_and_sitemaps_answer_conditional_requests, |app| {
    app.seed_taxonomy().await;
    publish(&app.content, "first", 2, |_| {}).await;
    let paths = [
        "/feeds/rss.xml",
        "/feeds/atom.xml",
        "/feeds/feed.json",
        "/feeds/sections/news/rss.xml",
        "/feeds/tags/eu/atom.xml",
        "/feeds/authors/desk/feed.json",
        "/sitemap.xml",
        "/sitemaps/articles-1.xml",
        "/sitemaps/news.xml",
    ];
    let mut etags = HashMap::new();
    for path in paths {
        let first = app.get(path).await;
        assert_eq!(first.status().as_u16(), 200, "{path}");
        let etag = first
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("etag")
            .to_owned();
        assert!(first.headers().get("cache-control").is_some(), "{path}");
        let again = app
            .client
            .get(format!("{}{path}", app.base))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(
            again.headers().get("etag").and_then(|v| v.to_str().ok()),
            Some(etag.as_str())
        );
        assert!(again.bytes().await.expect("body").is_empty());
        etags.insert(path, etag);
    }
    // A new article changes every one of them (dates in sitemaps are to the second).
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    publish(&app.content, "second", 1, |_| {}).await;
    for path in paths {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .header("If-None-Match", &etags[path])
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 200, "{path} after a change");
    }
});

on_both_backends_with!(
    summary_feeds_link_through_the_configured_template,
    |s| {
        s.feed_content = FeedContent::Summary;
        s.site_url = "https://front.example/".into();
        s.site_name = "Brussels Wire".into();
        s.article_url_template = "https://read.example/{year}/{month}/{day}/{id}/{slug}".into();
        s.public_url = Some("https://api.example".into());
    },
    |app| {
        app.seed_taxonomy().await;
        let story = publish(&app.content, "dated-story", 2, |_| {}).await;
        let published = story.published_at.expect("published");
        let url = format!(
            "https://read.example/{}/{}",
            published.format("%Y/%m/%d"),
            format_args!("{}/dated-story", story.id)
        );
        for format in FORMATS {
            let feed = get_feed(&app, &format!("/feeds/{format}")).await;
            assert_eq!(text(&feed.title), "Brussels Wire", "{format}");
            let entry = &feed.entries[0];
            assert_eq!(
                entry.links.first().map(|l| l.href.clone()),
                Some(url.clone()),
                "{format}"
            );
            assert_eq!(text(&entry.summary), "A standfirst.", "{format}");
            let body = entry.content.as_ref().and_then(|c| c.body.clone());
            match format {
                // JSON Feed needs some content: the summary, as text.
                "feed.json" => assert_eq!(body.as_deref(), Some("A standfirst.")),
                _ => assert_eq!(body, None, "{format} carries no body"),
            }
        }
        let json = app.get_json("/feeds/feed.json", 200).await;
        assert_eq!(json["home_page_url"], "https://front.example");
        assert_eq!(json["feed_url"], "https://api.example/feeds/feed.json");
        assert!(json["items"][0]["content_html"].is_null());
        let index = sitemap_index(&app).await;
        assert_eq!(
            index.iter().map(|e| e.loc.as_str()).collect::<Vec<_>>(),
            vec![
                "https://api.example/sitemaps/articles-1.xml",
                "https://api.example/sitemaps/news.xml"
            ]
        );
        let news = news_sitemap(&app).await;
        assert_eq!(news.len(), 1);
        assert_eq!(news[0].loc, url);
        assert_eq!(news[0].name, "Brussels Wire");
    }
);

/// One `<sitemap>` of an index.
#[derive(Debug)]
pub struct IndexEntry {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// One `<url>` of a URL set.
#[derive(Debug)]
pub struct UrlEntry {
    pub loc: String,
    pub lastmod: Option<DateTime<Utc>>,
}

/// One `<url>` of the Google News sitemap.
#[derive(Debug)]
pub struct NewsEntry {
    pub loc: String,
    pub name: String,
    pub language: String,
    pub publication_date: DateTime<Utc>,
    pub title: String,
}

/// W3C Datetime, as sitemaps take it (we always send full times).
fn w3c(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("`{text}` is not a W3C datetime: {e}"))
        .with_timezone(&Utc)
}

fn check_loc(loc: &str) {
    assert!(
        loc.starts_with("http://") || loc.starts_with("https://"),
        "`{loc}` is not absolute"
    );
    assert!(
        loc.len() < 2048,
        "sitemaps take URLs under 2 048 characters"
    );
}

async fn get_xml(app: &TestApp, path_or_url: &str) -> String {
    let path = path_or_url
        .strip_prefix(&app.base)
        .unwrap_or(path_or_url)
        .to_owned();
    let response = app.get(&path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/xml"),
        "{path} is {content_type}"
    );
    let body = response.text().await.expect("body");
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    body
}

/// Children of `node` in the sitemaps namespace, by name.
fn child<'a, 'i>(
    node: roxmltree::Node<'a, 'i>,
    ns: &str,
    name: &str,
) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children()
        .filter(|c| c.is_element() && c.has_tag_name((ns, name)))
        .collect()
}

fn only_text(node: roxmltree::Node<'_, '_>, ns: &str, name: &str) -> String {
    let found = child(node, ns, name);
    assert_eq!(found.len(), 1, "<{name}> must appear once");
    found[0].text().unwrap_or_default().to_owned()
}

/// GETs `/sitemap.xml` and checks it is a sitemaps.org index.
pub async fn sitemap_index(app: &TestApp) -> Vec<IndexEntry> {
    let body = get_xml(app, "/sitemap.xml").await;
    let doc = roxmltree::Document::parse(&body).expect("the index is XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "sitemapindex")), "root");
    let mut entries = Vec::new();
    for node in root.children().filter(|n| n.is_element()) {
        assert!(node.has_tag_name((SITEMAP_NS, "sitemap")), "only <sitemap>");
        for c in node.children().filter(|n| n.is_element()) {
            assert!(
                c.has_tag_name((SITEMAP_NS, "loc")) || c.has_tag_name((SITEMAP_NS, "lastmod")),
                "unexpected <{}>",
                c.tag_name().name()
            );
        }
        let loc = only_text(node, SITEMAP_NS, "loc");
        check_loc(&loc);
        let lastmod = child(node, SITEMAP_NS, "lastmod")
            .first()
            .map(|n| w3c(n.text().unwrap_or_default()));
        entries.push(IndexEntry { loc, lastmod });
    }
    assert!(entries.len() <= 50_000);
    entries
}

/// GETs a sitemap page and checks it is a sitemaps.org URL set.
pub async fn urlset(app: &TestApp, url: &str) -> Vec<UrlEntry> {
    let body = get_xml(app, url).await;
    let doc = roxmltree::Document::parse(&body).expect("the page is XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "urlset")), "root");
    let mut entries = Vec::new();
    for node in root.children().filter(|n| n.is_element()) {
        assert!(node.has_tag_name((SITEMAP_NS, "url")), "only <url>");
        let loc = only_text(node, SITEMAP_NS, "loc");
        check_loc(&loc);
        let lastmod = child(node, SITEMAP_NS, "lastmod")
            .first()
            .map(|n| w3c(n.text().unwrap_or_default()));
        entries.push(UrlEntry { loc, lastmod });
    }
    assert!(
        entries.len() <= 50_000,
        "a sitemap holds at most 50 000 URLs"
    );
    entries
}

/// GETs `/sitemaps/news.xml` and checks it against the Google News sitemap format.
pub async fn news_sitemap(app: &TestApp) -> Vec<NewsEntry> {
    let body = get_xml(app, "/sitemaps/news.xml").await;
    let doc = roxmltree::Document::parse(&body).expect("the news sitemap is XML");
    let root = doc.root_element();
    assert!(root.has_tag_name((SITEMAP_NS, "urlset")), "root");
    assert_eq!(root.lookup_namespace_uri(Some("news")), Some(NEWS_NS));
    let mut entries = Vec::new();
    for url in root.children().filter(|n| n.is_element()) {
        assert!(url.has_tag_name((SITEMAP_NS, "url")), "only <url>");
        let loc = only_text(url, SITEMAP_NS, "loc");
        check_loc(&loc);
        let news = child(url, NEWS_NS, "news");
        assert_eq!(news.len(), 1, "one <news:news> per URL");
        let publication = child(news[0], NEWS_NS, "publication");
        assert_eq!(publication.len(), 1, "<news:publication>");
        let name = only_text(publication[0], NEWS_NS, "name");
        let language = only_text(publication[0], NEWS_NS, "language");
        assert!(
            language.len() <= 3 && language.chars().all(|c| c.is_ascii_lowercase())
                || language == "zh-cn"
                || language == "zh-tw",
            "`{language}` is not an ISO 639 code"
        );
        let publication_date = w3c(&only_text(news[0], NEWS_NS, "publication_date"));
        let title = only_text(news[0], NEWS_NS, "title");
        entries.push(NewsEntry {
            loc,
            name,
            language,
            publication_date,
            title,
        });
    }
    assert!(
        entries.len() <= 1000,
        "Google News takes at most 1 000 URLs"
    );
    entries
}

on_both_backends_with!(
    sitemap_index_pages_every_visible_article_once,
    |s| s.sitemap_page_size = 2,
    |app| {
        app.seed_taxonomy().await;
        let cases = seed_visibility_cases(&app.content).await;
        let now = domain::now();
        for i in 0..4 {
            insert_raw(&app.content, &format!("extra-{i}"), now, move |row| {
                row.published_at = Some(now - Duration::hours(10 + i));
            })
            .await;
        }
        let mut expected: BTreeSet<String> = cases
            .iter()
            .filter(|c| c.2)
            .map(|c| format!("https://example.com/news/{}", c.0))
            .collect();
        expected.extend((0..4).map(|i| format!("https://example.com/news/extra-{i}")));
        assert_eq!(expected.len(), 7);
        let index = sitemap_index(&app).await;
        let locs: Vec<String> = index.iter().map(|e| e.loc.clone()).collect();
        assert_eq!(
            locs,
            vec![
                format!("{}/sitemaps/articles-1.xml", app.base),
                format!("{}/sitemaps/articles-2.xml", app.base),
                format!("{}/sitemaps/articles-3.xml", app.base),
                format!("{}/sitemaps/articles-4.xml", app.base),
                format!("{}/sitemaps/news.xml", app.base),
            ]
        );
        let mut listed = BTreeSet::new();
        for entry in index.iter().filter(|e| e.loc.contains("/articles-")) {
            let urls = urlset(&app, &entry.loc).await;
            assert!(!urls.is_empty() && urls.len() <= 2, "{}", entry.loc);
            for url in &urls {
                assert!(listed.insert(url.loc.clone()), "{} twice", url.loc);
                assert!(url.lastmod.is_some(), "{} has a lastmod", url.loc);
            }
            // The index dates each page by its newest article.
            let newest = urls.iter().filter_map(|u| u.lastmod).max();
            assert_eq!(entry.lastmod, newest, "{}", entry.loc);
        }
        assert_eq!(listed, expected);
        for missing in [
            "/sitemaps/articles-5.xml",
            "/sitemaps/articles-0.xml",
            "/sitemaps/articles-x.xml",
            "/sitemaps/articles-.xml",
        ] {
            let response = app.get(missing).await;
            assert_eq!(response.status().as_u16(), 404, "{missing}");
        }
    }
);

on_both_backends!(one_sitemap_page_holds_up_to_50000_urls, |app| {
    assert_eq!(byline::config::MAX_SITEMAP_PAGE_SIZE, 50_000);
    assert_eq!(Settings::default().sitemap_page_size, 50_000);
    // An empty publication still has its first page.
    let index = sitemap_index(&app).await;
    assert_eq!(index.len(), 2, "one article page and the news sitemap");
    assert!(index[0].loc.ends_with("/sitemaps/articles-1.xml"));
    assert_eq!(index[0].lastmod, None);
    assert!(urlset(&app, &index[0].loc).await.is_empty());
    assert!(news_sitemap(&app).await.is_empty());
    app.seed_taxonomy().await;
    for i in 0..3 {
        publish(&app.content, &format!("story-{i}"), i + 1, |_| {}).await;
    }
    let index = sitemap_index(&app).await;
    assert_eq!(index.len(), 2, "still one article page");
    assert_eq!(urlset(&app, &index[0].loc).await.len(), 3);
});

on_both_backends!(
    news_sitemap_lists_the_last_48_hours_in_google_news_form,
    |app| {
        app.seed_taxonomy().await;
        seed_visibility_cases(&app.content).await;
        let fresh = publish(&app.content, "fresh", 0, |a| {
            a.title = "Budget & <ceiling> \"talks\" résumé".into();
            a.language = "en-GB".into();
        })
        .await;
        let day_old = publish(&app.content, "day-old", 47, |a| {
            a.language = "fr".into();
        })
        .await;
        publish(&app.content, "too-old", 49, |_| {}).await;
        let news = news_sitemap(&app).await;
        let locs: Vec<&str> = news.iter().map(|n| n.loc.as_str()).collect();
        // Newest first; the visible cases were published 1 to 5 hours ago.
        assert_eq!(locs.first(), Some(&"https://example.com/news/fresh"));
        assert_eq!(locs.last(), Some(&"https://example.com/news/day-old"));
        assert!(!locs.iter().any(|l| l.ends_with("/too-old")));
        assert!(!locs.iter().any(|l| l.contains("/hidden-")), "{locs:?}");
        assert_eq!(news.len(), 5, "{locs:?}");
        let first = &news[0];
        assert_eq!(first.name, "Byline");
        assert_eq!(first.language, "en");
        assert_eq!(first.title, fresh.title, "escaped and read back");
        assert_eq!(
            first.publication_date.timestamp(),
            fresh.published_at.map(secs).expect("published")
        );
        let last = &news[news.len() - 1];
        assert_eq!(last.language, "fr");
        assert_eq!(
            last.publication_date.timestamp(),
            day_old.published_at.map(secs).expect("published")
        );
    }
);

on_both_backends!(news_sitemap_stops_at_1000_articles, |app| {
    let now = domain::now();
    let rows: Vec<_> = (0..1001i64)
        .map(|i| {
            let mut new = article(&format!("bulk-{i:04}"), now);
            new.section = None;
            new.published_at = Some(now - Duration::seconds(60 + i));
            let refs = References {
                section_id: None,
                author_ids: vec![],
                tag_ids: vec![],
            };
            prepare(new, refs, now).expect("valid").row
        })
        .collect();
    app.content
        .db()
        .write(move |conn| Ok(queries::articles::insert_many(conn, &rows, &[], &[])?))
        .await
        .expect("insert");
    let news = news_sitemap(&app).await;
    assert_eq!(news.len(), 1000);
    assert_eq!(news[0].loc, "https://example.com/articles/bulk-0000");
    assert_eq!(news[999].loc, "https://example.com/articles/bulk-0999");
    let index = sitemap_index(&app).await;
    assert_eq!(urlset(&app, &index[0].loc).await.len(), 1001);
});
