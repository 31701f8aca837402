//! The public article endpoints over HTTP: every filter alone and combined, sort orders,
//! field selection, includes, the article JSON, caching headers and conditional requests,
//! problem details for every malformed parameter, CORS and compression.

use std::{
    collections::{BTreeSet, HashMap},
    time::Duration as StdDuration,
};

use byline::domain::{
    self,
    article::{ArticleStatus, Correction, HeroImage},
};
use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use serde_json::Value;

use crate::{
    helpers::{TestApp, article},
    on_both_backends,
};

pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

// ---------------------------------------------------------------------------------------
// Shared helpers (the taxonomy tests use them too).
// ---------------------------------------------------------------------------------------

/// GET with extra request headers.
pub async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.base));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request")
}

/// A response header as text, if present.
pub fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("header is ASCII").to_owned())
}

/// Asserts that `path` answers an RFC 9457 problem with `status`, naming `parameter` (or
/// naming none); returns the problem.
pub async fn assert_problem(
    app: &TestApp,
    path: &str,
    status: u16,
    parameter: Option<&str>,
) -> Value {
    let response = app.get(path).await;
    let got = response.status().as_u16();
    let content_type = header(&response, "content-type").unwrap_or_default();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "GET {path} answered {got}: {body}");
    assert_eq!(
        content_type, "application/problem+json",
        "GET {path} content type"
    );
    let problem: Value = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("GET {path} problem is not JSON ({e}): {body}"));
    let expected_type = match status {
        400 => "/problems/invalid-parameter",
        404 => "/problems/not-found",
        other => panic!("no problem type expected for {other}"),
    };
    assert_eq!(problem["type"], expected_type, "GET {path}: {body}");
    assert_eq!(problem["status"], status, "GET {path}: {body}");
    for key in ["title", "detail"] {
        assert!(
            problem[key].as_str().is_some_and(|s| !s.is_empty()),
            "GET {path}: problem without {key}: {body}"
        );
    }
    match parameter {
        Some(name) => assert_eq!(problem["parameter"], name, "GET {path}: {body}"),
        None => assert!(
            problem.get("parameter").is_none(),
            "GET {path}: unexpected parameter: {body}"
        ),
    }
    problem
}

/// The `Surrogate-Key` header as a set of keys.
pub fn surrogate_keys(response: &reqwest::Response) -> BTreeSet<String> {
    header(response, "surrogate-key")
        .expect("Surrogate-Key")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// An RFC 3339 time from the API.
pub fn parse_time(value: &Value) -> DateTime<Utc> {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"));
    assert!(text.ends_with('Z'), "{text} is not in UTC with Z");
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text} is not RFC 3339: {e}"))
        .with_timezone(&Utc)
}

/// The `Last-Modified` header as a time.
pub fn last_modified(response: &reqwest::Response) -> DateTime<Utc> {
    let text = header(response, "last-modified").expect("Last-Modified");
    DateTime::parse_from_rfc2822(&text)
        .unwrap_or_else(|e| panic!("Last-Modified `{text}` is not an HTTP date: {e}"))
        .with_timezone(&Utc)
}

/// Whole seconds, as HTTP dates carry them.
pub fn to_second(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Checks the caching headers of a 200 and the 304s its validators earn; returns
/// `(etag, last_modified)` and the surrogate keys.
pub async fn assert_cacheable(app: &TestApp, path: &str) -> (String, String, BTreeSet<String>) {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "GET {path}");
    let etag = header(&response, "etag").expect("ETag");
    assert!(
        etag.len() == 18
            && etag.starts_with('"')
            && etag.ends_with('"')
            && etag[1..17].bytes().all(|b| b.is_ascii_hexdigit()),
        "GET {path}: ETag {etag} is not a strong xxh3 tag"
    );
    let modified = header(&response, "last-modified").expect("Last-Modified");
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some(DEFAULT_CACHE_CONTROL),
        "GET {path}"
    );
    let keys = surrogate_keys(&response);
    assert!(
        header(&response, "content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let body = response.bytes().await.expect("body");
    assert!(!body.is_empty());

    // The same ETag back: 304, no body, the validators repeated.
    for sent in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"nope\", {etag}"),
    ] {
        let again = get_with(app, path, &[("If-None-Match", &sent)]).await;
        assert_eq!(
            again.status().as_u16(),
            304,
            "GET {path} with If-None-Match {sent}"
        );
        assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
        assert_eq!(
            header(&again, "cache-control").as_deref(),
            Some(DEFAULT_CACHE_CONTROL)
        );
        assert!(again.bytes().await.expect("body").is_empty(), "304 body");
    }
    // The Last-Modified date back: 304 for one article, whose date moves with every change of
    // what it shows. Lists and taxonomy (whose counts move with other content) answer
    // conditional requests by ETag only.
    let single_article = path.starts_with("/v1/articles/");
    let again = get_with(app, path, &[("If-Modified-Since", &modified)]).await;
    assert_eq!(
        again.status().as_u16(),
        if single_article { 304 } else { 200 },
        "GET {path} with If-Modified-Since {modified}"
    );
    if single_article {
        assert!(again.bytes().await.expect("body").is_empty(), "304 body");
    }
    // Another ETag: 200 with the body, even when the date alone would match (the ETag wins).
    let other = "\"0123456789abcdef\"";
    for headers in [
        vec![("If-None-Match", other)],
        vec![("If-None-Match", other), ("If-Modified-Since", &modified)],
    ] {
        let fresh = get_with(app, path, &headers).await;
        assert_eq!(fresh.status().as_u16(), 200, "GET {path} with {headers:?}");
        assert_eq!(header(&fresh, "etag").as_deref(), Some(etag.as_str()));
        assert_eq!(fresh.bytes().await.expect("body"), body);
    }
    // A date before the content changed: 200.
    let before = (DateTime::parse_from_rfc2822(&modified).expect("HTTP date") - Duration::hours(1))
        .with_timezone(&Utc)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let fresh = get_with(app, path, &[("If-Modified-Since", &before)]).await;
    assert_eq!(
        fresh.status().as_u16(),
        200,
        "GET {path} with If-Modified-Since {before}"
    );
    (etag, modified, keys)
}

// ---------------------------------------------------------------------------------------
// The corpus: six visible stories with known sections, bylines, tags, languages and times,
// created in an order that differs from their publication order, plus two hidden ones
// that match every filter.
// ---------------------------------------------------------------------------------------

const SUMMIT: &str = "summit-opens";
const TALKS: &str = "budget-talks-stall";
const TRAM: &str = "brussels-tram-plan";
const VOTE: &str = "budget-vote-looms";
const BIG: &str = "eu-budget-in-brussels";
const BRIEF: &str = "unfiled-brief";

struct Story {
    slug: &'static str,
    section: Option<&'static str>,
    authors: &'static [&'static str],
    tags: &'static [&'static str],
    language: &'static str,
    /// Hours after the corpus base time.
    published_hour: i64,
}

/// In creation order, so `-updated_at` is this order reversed.
const STORIES: &[Story] = &[
    Story {
        slug: TRAM,
        section: Some("news"),
        authors: &["reporter"],
        tags: &["brussels"],
        language: "fr",
        published_hour: 3,
    },
    Story {
        slug: BRIEF,
        section: None,
        authors: &["desk"],
        tags: &[],
        language: "pt-BR",
        published_hour: 6,
    },
    Story {
        slug: SUMMIT,
        section: Some("news"),
        authors: &["desk"],
        tags: &["eu", "brussels"],
        language: "en",
        published_hour: 1,
    },
    Story {
        slug: BIG,
        section: Some("news"),
        authors: &["reporter"],
        tags: &["eu", "brussels", "budget"],
        language: "en",
        published_hour: 5,
    },
    Story {
        slug: TALKS,
        section: Some("economy"),
        authors: &["reporter"],
        tags: &["eu", "budget"],
        language: "en",
        published_hour: 2,
    },
    Story {
        slug: VOTE,
        section: Some("economy"),
        authors: &["desk", "reporter"],
        tags: &["budget"],
        language: "en",
        published_hour: 4,
    },
];

/// Newest first by publication.
const BY_PUBLISHED_DESC: [&str; 6] = [BRIEF, BIG, VOTE, TRAM, TALKS, SUMMIT];

struct Corpus {
    /// Midnight UTC three days ago; stories are published whole hours after it.
    base: NaiveDateTime,
    ids: HashMap<&'static str, String>,
}

impl Corpus {
    /// RFC 3339 (with `Z`) of `hours` after the base.
    fn at(&self, hours: i64) -> String {
        (self.base + Duration::hours(hours))
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    fn id(&self, slug: &str) -> &str {
        self.ids.get(slug).expect("known story")
    }
}

async fn pause() {
    // Keeps every story's `updated_at` distinct and in creation order.
    actix_web::rt::time::sleep(StdDuration::from_millis(5)).await;
}

async fn seed_corpus(app: &TestApp) -> Corpus {
    app.seed_taxonomy().await;
    let now = domain::now();
    let base = (now - Duration::days(3)).date().and_time(NaiveTime::MIN);
    let mut ids = HashMap::new();
    for story in STORIES {
        let mut new = article(story.slug, now);
        new.section = story.section.map(str::to_owned);
        new.authors = story.authors.iter().map(|s| (*s).to_owned()).collect();
        new.tags = story.tags.iter().map(|s| (*s).to_owned()).collect();
        new.language = story.language.to_owned();
        new.published_at = Some(base + Duration::hours(story.published_hour));
        let created = app.content.create_article(new, None).await.expect("story");
        ids.insert(story.slug, created.id);
        pause().await;
    }
    // Hidden stories that would match every filter used below.
    let everything = |slug: &str| {
        let mut new = article(slug, now);
        new.authors = vec!["desk".into(), "reporter".into()];
        new.tags = vec!["eu".into(), "brussels".into(), "budget".into()];
        new
    };
    let mut draft = everything("draft-budget-leak");
    draft.status = ArticleStatus::Draft;
    draft.published_at = None;
    app.content
        .create_article(draft, None)
        .await
        .expect("draft");
    let mut embargoed = everything("embargoed-budget-scoop");
    embargoed.published_at = Some(base + Duration::hours(3) + Duration::minutes(30));
    embargoed.embargo_until = Some(now + Duration::days(1));
    app.content
        .create_article(embargoed, None)
        .await
        .expect("embargoed");
    Corpus { base, ids }
}

fn list(slugs: &[&str]) -> Vec<String> {
    slugs.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts the exact slugs, in order, for each query of `/v1/articles`.
async fn assert_lists(app: &TestApp, cases: &[(String, Vec<String>)]) {
    for (query, expected) in cases {
        let got = app.slugs(&format!("/v1/articles?limit=100&{query}")).await;
        assert_eq!(&got, expected, "/v1/articles?{query}");
    }
}

// ---------------------------------------------------------------------------------------
// 1. Filters
// ---------------------------------------------------------------------------------------

on_both_backends!(
    each_filter_alone_returns_exactly_its_articles_newest_first,
    |app| {
        let _corpus = seed_corpus(&app).await;
        let cases = [
            ("", list(&BY_PUBLISHED_DESC)),
            ("section=news", list(&[BIG, TRAM, SUMMIT])),
            ("section=economy", list(&[VOTE, TALKS])),
            ("section=no-such-section", list(&[])),
            ("tag=eu", list(&[BIG, TALKS, SUMMIT])),
            ("tag=brussels", list(&[BIG, TRAM, SUMMIT])),
            ("tag=budget", list(&[BIG, VOTE, TALKS])),
            ("tag=no-such-tag", list(&[])),
            ("author=desk", list(&[BRIEF, VOTE, SUMMIT])),
            ("author=reporter", list(&[BIG, VOTE, TRAM, TALKS])),
            ("author=nobody", list(&[])),
            ("lang=en", list(&[BIG, VOTE, TALKS, SUMMIT])),
            ("lang=fr", list(&[TRAM])),
            ("lang=pt-BR", list(&[BRIEF])),
            ("lang=de", list(&[])),
        ]
        .map(|(q, e)| (q.to_owned(), e));
        assert_lists(&app, &cases).await;
    }
);

on_both_backends!(tag_mode_all_needs_every_tag_and_any_needs_one, |app| {
    let _corpus = seed_corpus(&app).await;
    let cases = [
        ("tag=eu,budget", list(&[BIG, TALKS])),
        ("tag=eu,budget&tag_mode=all", list(&[BIG, TALKS])),
        (
            "tag=eu,budget&tag_mode=any",
            list(&[BIG, VOTE, TALKS, SUMMIT]),
        ),
        ("tag=brussels,budget", list(&[BIG])),
        (
            "tag=brussels,budget&tag_mode=any",
            list(&[BIG, VOTE, TRAM, TALKS, SUMMIT]),
        ),
        ("tag=eu,brussels,budget", list(&[BIG])),
        ("tag=eu&tag_mode=any", list(&[BIG, TALKS, SUMMIT])),
        // A tag nobody uses empties an `all` list but not an `any` one.
        ("tag=eu,no-such-tag", list(&[])),
        (
            "tag=eu,no-such-tag&tag_mode=any",
            list(&[BIG, TALKS, SUMMIT]),
        ),
        // Empty items in the list are ignored.
        ("tag=eu,,budget,", list(&[BIG, TALKS])),
    ]
    .map(|(q, e)| (q.to_owned(), e));
    assert_lists(&app, &cases).await;
});

on_both_backends!(
    published_after_is_inclusive_and_published_before_is_exclusive,
    |app| {
        let c = seed_corpus(&app).await;
        // 05:00+02:00 is 03:00Z.
        let h3_in_cest = (c.base + Duration::hours(5))
            .format("%Y-%m-%dT%H:%M:%S%%2B02:00")
            .to_string();
        let cases = [
            (
                format!("published_after={}", c.at(3)),
                list(&[BRIEF, BIG, VOTE, TRAM]),
            ),
            (
                format!("published_before={}", c.at(3)),
                list(&[TALKS, SUMMIT]),
            ),
            (
                format!("published_after={}&published_before={}", c.at(2), c.at(5)),
                list(&[VOTE, TRAM, TALKS]),
            ),
            (
                format!("published_after={h3_in_cest}"),
                list(&[BRIEF, BIG, VOTE, TRAM]),
            ),
            (
                format!("published_after={}&published_before={}", c.at(5), c.at(2)),
                list(&[]),
            ),
            (format!("published_after={}", c.at(7)), list(&[])),
            (format!("published_before={}", c.at(1)), list(&[])),
            (
                format!("published_after={}", c.at(-100)),
                list(&BY_PUBLISHED_DESC),
            ),
        ];
        assert_lists(&app, &cases).await;
    }
);

on_both_backends!(
    updated_since_returns_articles_changed_at_or_after_the_time,
    |app| {
        let _corpus = seed_corpus(&app).await;
        // BIG was created fourth: it and the two created after it changed since its time.
        let big = app.get_json(&format!("/v1/articles/{BIG}"), 200).await;
        let since = big["data"]["updated_at"]
            .as_str()
            .expect("updated_at")
            .to_owned();
        let future = (Utc::now() + Duration::hours(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
        let cases = [
            (format!("updated_since={since}"), list(&[BIG, VOTE, TALKS])),
            (
                format!("updated_since={since}&sort=-updated_at"),
                list(&[VOTE, TALKS, BIG]),
            ),
            (
                format!("updated_since={}", since.replace('Z', "%2B00:00")),
                list(&[BIG, VOTE, TALKS]),
            ),
            (
                "updated_since=2000-01-01T00:00:00Z".to_owned(),
                list(&BY_PUBLISHED_DESC),
            ),
            (format!("updated_since={future}"), list(&[])),
        ];
        assert_lists(&app, &cases).await;
    }
);

on_both_backends!(several_filters_combine_with_and, |app| {
    let c = seed_corpus(&app).await;
    let cases = [
        (
            "section=news&author=reporter&tag=brussels".to_owned(),
            list(&[BIG, TRAM]),
        ),
        (
            "section=news&author=reporter&tag=brussels&sort=published_at".to_owned(),
            list(&[TRAM, BIG]),
        ),
        (
            "section=news&author=reporter&tag=brussels&lang=en".to_owned(),
            list(&[BIG]),
        ),
        (
            format!("section=economy&tag=budget&published_after={}", c.at(3)),
            list(&[VOTE]),
        ),
        (
            format!(
                "author=reporter&tag=budget&lang=en&published_before={}",
                c.at(5)
            ),
            list(&[VOTE, TALKS]),
        ),
        (
            "author=desk&tag=eu,budget&tag_mode=any&lang=en".to_owned(),
            list(&[VOTE, SUMMIT]),
        ),
        ("section=economy&lang=fr".to_owned(), list(&[])),
    ];
    assert_lists(&app, &cases).await;
});

// ---------------------------------------------------------------------------------------
// 2. Sort orders
// ---------------------------------------------------------------------------------------

on_both_backends!(
    sort_orders_give_newest_oldest_and_recently_updated_first,
    |app| {
        let _corpus = seed_corpus(&app).await;
        let newest = list(&BY_PUBLISHED_DESC);
        let mut oldest = newest.clone();
        oldest.reverse();
        let updated: Vec<String> = STORIES.iter().rev().map(|s| s.slug.to_owned()).collect();
        let orders = [
            ("", &newest),
            ("sort=-published_at", &newest),
            ("sort=published_at", &oldest),
            ("sort=-updated_at", &updated),
        ];
        for (query, expected) in orders {
            assert_eq!(
                &app.slugs(&format!("/v1/articles?{query}")).await,
                expected,
                "{query}"
            );
            // Paged two at a time, the order is the same.
            let mut walked = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let url = match &cursor {
                    Some(c) => format!("/v1/articles?limit=2&{query}&cursor={c}"),
                    None => format!("/v1/articles?limit=2&{query}"),
                };
                let body = app.get_json(&url, 200).await;
                assert_eq!(body["meta"]["limit"], 2);
                for item in body["data"].as_array().expect("data") {
                    walked.push(item["slug"].as_str().expect("slug").to_owned());
                }
                match body["meta"]["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
                assert!(walked.len() <= 6, "the walk does not end");
            }
            assert_eq!(&walked, expected, "{query} paged by 2");
        }
        // The keys themselves are in order.
        let body = app
            .get_json("/v1/articles?sort=-updated_at&fields=updated_at", 200)
            .await;
        let times: Vec<_> = body["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|a| parse_time(&a["updated_at"]))
            .collect();
        assert!(times.windows(2).all(|w| w[0] > w[1]), "{times:?}");
    }
);

// ---------------------------------------------------------------------------------------
// 3. Field selection
// ---------------------------------------------------------------------------------------

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

on_both_backends!(fields_returns_only_the_named_keys, |app| {
    let c = seed_corpus(&app).await;
    let body = app.get_json("/v1/articles?fields=slug,title", 200).await;
    let items = body["data"].as_array().expect("data");
    assert_eq!(items.len(), 6);
    for item in items {
        assert_eq!(keys(item), set(&["slug", "title"]));
    }
    assert_eq!(items[0]["slug"], BRIEF);
    assert_eq!(items[0]["title"], format!("Title of {BRIEF}"));
    assert_eq!(keys(&body["meta"]), set(&["next_cursor", "limit"]));

    // Spaces around names are ignored; the selection works with includes too.
    let body = app
        .get_json(
            &format!("/v1/articles/{VOTE}?fields=%20slug%20,authors&include=authors"),
            200,
        )
        .await;
    assert_eq!(keys(&body["data"]), set(&["slug", "authors"]));
    assert_eq!(body["data"]["authors"][0]["slug"], "desk");

    let id = c.id(TALKS);
    let body = app
        .get_json(&format!("/v1/articles/id/{id}?fields=id,published_at"), 200)
        .await;
    assert_eq!(keys(&body["data"]), set(&["id", "published_at"]));
    assert_eq!(body["data"]["id"], id);
    assert_eq!(body["data"]["published_at"], c.at(2));

    // No selection, or an empty one, is every field.
    for path in [
        format!("/v1/articles/{TALKS}"),
        format!("/v1/articles/{TALKS}?fields="),
    ] {
        assert_eq!(
            keys(&app.get_json(&path, 200).await["data"]).len(),
            21,
            "{path}"
        );
    }
});

on_both_backends!(unknown_field_is_a_400_naming_fields, |app| {
    let c = seed_corpus(&app).await;
    for path in [
        "/v1/articles?fields=slug,nope".to_owned(),
        "/v1/articles?fields=body".to_owned(),
        "/v1/articles?fields=status".to_owned(),
        format!("/v1/articles/{VOTE}?fields=slug,nope"),
        format!("/v1/articles/id/{}?fields=embargo_until", c.id(VOTE)),
    ] {
        let problem = assert_problem(&app, &path, 400, Some("fields")).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("expected any of"),
            "{path}: {problem}"
        );
    }
});

// ---------------------------------------------------------------------------------------
// 4. Includes
// ---------------------------------------------------------------------------------------

on_both_backends!(related_objects_are_slugs_unless_included, |app| {
    let _corpus = seed_corpus(&app).await;
    let plain = app.get_json(&format!("/v1/articles/{VOTE}"), 200).await["data"].clone();
    assert_eq!(plain["section"], "economy");
    assert_eq!(plain["authors"], serde_json::json!(["desk", "reporter"]));
    assert_eq!(plain["tags"], serde_json::json!(["budget"]));
    let big = app.get_json(&format!("/v1/articles/{BIG}"), 200).await["data"].clone();
    assert_eq!(big["tags"], serde_json::json!(["eu", "brussels", "budget"]));
    let brief = app.get_json(&format!("/v1/articles/{BRIEF}"), 200).await["data"].clone();
    assert_eq!(brief["section"], Value::Null);
    assert_eq!(brief["tags"], serde_json::json!([]));

    for path in [
        format!("/v1/articles/{BIG}?include=authors,tags,section"),
        "/v1/articles?tag=budget&include=section,tags,authors&limit=1".to_owned(),
    ] {
        let body = app.get_json(&path, 200).await;
        let item = if body["data"].is_array() {
            body["data"][0].clone()
        } else {
            body["data"].clone()
        };
        assert_eq!(item["slug"], BIG);
        let section = &item["section"];
        assert_eq!(section["slug"], "news", "{path}");
        assert_eq!(section["name"], "News & Analysis");
        assert!(section["id"].as_str().is_some_and(|id| id.len() == 36));
        assert!(
            section.get("article_count").is_none(),
            "embedded objects are not counted"
        );
        let authors = item["authors"].as_array().expect("authors");
        assert_eq!(authors.len(), 1);
        assert_eq!(authors[0]["slug"], "reporter");
        assert_eq!(authors[0]["name"], "Ilse Verhoeven");
        assert!(authors[0]["id"].as_str().is_some_and(|id| id.len() == 36));
        assert!(authors[0].get("article_count").is_none());
        let tags = item["tags"].as_array().expect("tags");
        let tag_view: Vec<(&str, &str, &str)> = tags
            .iter()
            .map(|t| {
                assert!(t["id"].as_str().is_some_and(|id| id.len() == 36));
                assert!(t.get("article_count").is_none());
                (
                    t["slug"].as_str().expect("slug"),
                    t["name"].as_str().expect("name"),
                    t["kind"].as_str().expect("kind"),
                )
            })
            .collect();
        assert_eq!(
            tag_view,
            [
                ("eu", "EU", "organization"),
                ("brussels", "BRUSSELS", "place"),
                ("budget", "BUDGET", "topic"),
            ],
            "{path}: tags keep their display order"
        );
    }

    // Only what is named is embedded.
    let partial = app
        .get_json(&format!("/v1/articles/{VOTE}?include=tags"), 200)
        .await["data"]
        .clone();
    assert_eq!(partial["section"], "economy");
    assert_eq!(partial["authors"], serde_json::json!(["desk", "reporter"]));
    assert_eq!(partial["tags"][0]["slug"], "budget");
    assert_eq!(partial["tags"][0]["kind"], "topic");
    // Byline order is kept when embedded.
    let embedded = app
        .get_json(&format!("/v1/articles/{VOTE}?include=authors"), 200)
        .await["data"]
        .clone();
    assert_eq!(embedded["authors"][0]["slug"], "desk");
    assert_eq!(embedded["authors"][1]["slug"], "reporter");
    assert_eq!(embedded["tags"], serde_json::json!(["budget"]));
});

on_both_backends!(unknown_include_is_a_400_naming_include, |app| {
    let c = seed_corpus(&app).await;
    for path in [
        "/v1/articles?include=comments".to_owned(),
        "/v1/articles?include=authors,comments".to_owned(),
        "/v1/articles?include=author".to_owned(),
        format!("/v1/articles/{VOTE}?include=revisions"),
        format!("/v1/articles/id/{}?include=Tags", c.id(VOTE)),
    ] {
        assert_problem(&app, &path, 400, Some("include")).await;
    }
});

// ---------------------------------------------------------------------------------------
// 5. The article JSON
// ---------------------------------------------------------------------------------------

on_both_backends!(
    article_json_carries_sanitized_body_metadata_and_utc_times,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let published = (now - Duration::days(2))
            .date()
            .and_hms_opt(7, 30, 0)
            .expect("time");
        let corrected = published + Duration::hours(5) + Duration::milliseconds(250);
        let filler = vec!["word"; 500].join(" ");
        // What the sanitizer would take out is refused, each part by name, not dropped.
        let mut dangerous = article("dangerous", now);
        dangerous.body = "Ministers met.\n\n<script>alert('owned')</script>\n\n\
             [Read more](javascript:alert(1)) <img src=x onerror=\"alert(2)\">\n"
            .into();
        let refused = app
            .content
            .create_article(dangerous, None)
            .await
            .expect_err("refused");
        let messages: Vec<&str> = refused.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(refused.errors.iter().all(|e| e.field == "body"));
        for (message, part) in messages
            .iter()
            .zip(["<script>", "javascript:alert(1)", "onerror"])
        {
            assert!(message.contains(part), "{message} should name {part}");
        }
        let mut new = article("full-article", now);
        new.title = "  Ministers meet in Strasbourg  ".into();
        new.body = format!(
            "Ministers met in **Strasbourg** & <em>Brussels</em>.\n\n\
             [Read more](https://example.com/more) <img src=\"https://images.example/x.jpg\" alt=\"x\">\n\n{filler}\n"
        );
        new.language = "fr".into();
        new.dateline = Some("STRASBOURG".into());
        new.published_at = Some(published);
        new.hero_image = Some(HeroImage {
            asset_id: None,
            url: Some("https://images.example/plenary.jpg".into()),
            alt: Some("The plenary chamber".into()),
            caption: Some("MEPs vote".into()),
            credit: Some("EU Insider".into()),
        });
        new.seo_title = Some("Ministers meet".into());
        new.seo_description = Some("What ministers agreed in Strasbourg.".into());
        new.canonical_url = Some("https://news.example/full-article".into());
        new.corrections = vec![Correction {
            note: "An earlier version misnamed the city.".into(),
            corrected_at: corrected,
        }];
        let created = app
            .content
            .create_article(new, None)
            .await
            .expect("article");

        let by_slug = app.get_json("/v1/articles/full-article", 200).await;
        let a = &by_slug["data"];
        assert_eq!(
            keys(a),
            set(&[
                "id",
                "slug",
                "title",
                "standfirst",
                "body_html",
                "body_text",
                "body_images",
                "section",
                "authors",
                "tags",
                "published_at",
                "first_published_at",
                "updated_at",
                "language",
                "dateline",
                "hero_image",
                "seo",
                "canonical_url",
                "word_count",
                "reading_time_minutes",
                "corrections",
            ])
        );
        assert_eq!(a["id"], created.id);
        assert_eq!(a["title"], "Ministers meet in Strasbourg");
        assert_eq!(a["standfirst"], "A standfirst.");

        let html = a["body_html"].as_str().expect("body_html");
        assert!(html.contains("<strong>Strasbourg</strong>"), "{html}");
        assert!(
            html.contains("<em>Brussels</em>") && html.contains("&amp;"),
            "{html}"
        );
        assert!(
            html.contains("rel=\"noopener noreferrer\""),
            "links get rel: {html}"
        );
        let text = a["body_text"].as_str().expect("body_text");
        assert!(
            text.starts_with("Ministers met in Strasbourg & Brussels.\n"),
            "{text}"
        );
        assert!(!text.contains('<'), "{text}");
        let words = text.split_whitespace().count();
        assert_eq!(a["word_count"], words);
        assert_eq!(words, 6 + 2 + 500, "{text}");
        assert_eq!(a["reading_time_minutes"], 3, "508 words at 230 a minute");

        assert_eq!(a["language"], "fr");
        assert_eq!(a["dateline"], "STRASBOURG");
        assert_eq!(
            a["hero_image"],
            serde_json::json!({
                "url": "https://images.example/plenary.jpg",
                "alt": "The plenary chamber",
                "caption": "MEPs vote",
                "credit": "EU Insider",
            })
        );
        assert_eq!(
            a["seo"],
            serde_json::json!({
                "title": "Ministers meet",
                "description": "What ministers agreed in Strasbourg.",
            })
        );
        assert_eq!(a["canonical_url"], "https://news.example/full-article");
        let expected_published = published
            .and_utc()
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        assert_eq!(a["published_at"], expected_published);
        assert_eq!(a["first_published_at"], expected_published);
        assert_eq!(parse_time(&a["published_at"]), published.and_utc());
        assert_eq!(parse_time(&a["updated_at"]), created.updated_at.and_utc());
        let corrections = a["corrections"].as_array().expect("corrections");
        assert_eq!(corrections.len(), 1);
        assert_eq!(
            corrections[0]["note"],
            "An earlier version misnamed the city."
        );
        assert_eq!(
            parse_time(&corrections[0]["corrected_at"]),
            corrected.and_utc()
        );
        assert!(
            corrections[0]["corrected_at"]
                .as_str()
                .is_some_and(|t| t.ends_with(".250Z")),
            "{}",
            corrections[0]["corrected_at"]
        );

        // The same article by id, and by the id in capitals.
        let by_id = app
            .get_json(&format!("/v1/articles/id/{}", created.id), 200)
            .await;
        assert_eq!(by_id, by_slug);
        let upper = app
            .get_json(
                &format!("/v1/articles/id/{}", created.id.to_uppercase()),
                200,
            )
            .await;
        assert_eq!(upper, by_slug);

        // Optional parts are null, lists empty, when absent.
        app.content
            .create_article(article("bare-article", now), None)
            .await
            .expect("article");
        let bare = app.get_json("/v1/articles/bare-article", 200).await["data"].clone();
        assert_eq!(bare["hero_image"], Value::Null);
        assert_eq!(bare["canonical_url"], Value::Null);
        assert_eq!(
            bare["seo"],
            serde_json::json!({"title": null, "description": null})
        );
        assert_eq!(bare["corrections"], serde_json::json!([]));
        assert_eq!(bare["reading_time_minutes"], 1);
    }
);

// ---------------------------------------------------------------------------------------
// 6. Caching
// ---------------------------------------------------------------------------------------

on_both_backends!(
    article_reads_carry_etag_last_modified_cache_control_and_surrogate_keys,
    |app| {
        let c = seed_corpus(&app).await;
        let full = app
            .get_json(
                &format!("/v1/articles/{VOTE}?include=authors,tags,section"),
                200,
            )
            .await["data"]
            .clone();
        let updated = parse_time(&full["updated_at"]);

        for path in [
            format!("/v1/articles/{VOTE}"),
            format!("/v1/articles/id/{}", c.id(VOTE)),
        ] {
            let response = app.get(&path).await;
            assert_eq!(
                to_second(last_modified(&response)),
                to_second(updated),
                "{path}"
            );
            let keys = surrogate_keys(&response);
            let mut expected = set(&[&format!("article:{}", c.id(VOTE))]);
            expected.insert(format!(
                "section:{}",
                full["section"]["id"].as_str().expect("id")
            ));
            for author in full["authors"].as_array().expect("authors") {
                expected.insert(format!("author:{}", author["id"].as_str().expect("id")));
            }
            for tag in full["tags"].as_array().expect("tags") {
                expected.insert(format!("tag:{}", tag["id"].as_str().expect("id")));
            }
            assert_eq!(keys, expected, "{path}");
        }

        // A list: every article on the page, and `articles` for purging every list.
        let response = app.get("/v1/articles?section=economy").await;
        let keys = surrogate_keys(&response);
        assert!(keys.contains("articles"), "{keys:?}");
        for slug in [VOTE, TALKS] {
            assert!(
                keys.contains(&format!("article:{}", c.id(slug))),
                "{slug}: {keys:?}"
            );
        }
        for slug in [SUMMIT, TRAM, BIG, BRIEF] {
            assert!(
                !keys.contains(&format!("article:{}", c.id(slug))),
                "{slug}: {keys:?}"
            );
        }
        // Last-Modified is the newest change on the page: VOTE was created last.
        assert_eq!(to_second(last_modified(&response)), to_second(updated));
        let older = app.get("/v1/articles?tag=brussels").await;
        let big = app.get_json(&format!("/v1/articles/{BIG}"), 200).await;
        assert_eq!(
            to_second(last_modified(&older)),
            to_second(parse_time(&big["data"]["updated_at"])),
            "BIG is the newest change among the Brussels stories"
        );
    }
);

on_both_backends!(
    conditional_article_reads_answer_304_for_their_etag_or_date,
    |app| {
        let c = seed_corpus(&app).await;
        let mut etags = BTreeSet::new();
        for path in [
            format!("/v1/articles/{BIG}"),
            format!("/v1/articles/{BIG}?include=authors,tags"),
            format!("/v1/articles/id/{}", c.id(BIG)),
            format!("/v1/articles/id/{}?fields=slug", c.id(BIG)),
            "/v1/articles".to_owned(),
            "/v1/articles?tag=eu&limit=2".to_owned(),
            "/v1/articles?fields=slug,title".to_owned(),
            "/v1/articles?section=no-such-section-yet".to_owned(),
        ] {
            if path.ends_with("no-such-section-yet") {
                // An empty page has no content to date: an ETag but no Last-Modified.
                let response = app.get(&path).await;
                assert_eq!(response.status().as_u16(), 200);
                assert!(header(&response, "last-modified").is_none());
                let etag = header(&response, "etag").expect("ETag");
                let again = get_with(&app, &path, &[("If-None-Match", &etag)]).await;
                assert_eq!(again.status().as_u16(), 304);
                continue;
            }
            let (etag, _, _) = assert_cacheable(&app, &path).await;
            etags.insert(etag);
        }
        // The id and slug reads of one article are the same bytes; other shapes differ.
        assert_eq!(etags.len(), 6, "{etags:?}");
    }
);

on_both_backends!(
    article_list_is_not_304_after_an_embargoed_article_appears,
    |app| {
        app.seed_taxonomy().await;
        let now = domain::now();
        let mut embargoed = article("embargo-lifts-soon", now);
        embargoed.published_at = Some(now - Duration::hours(2));
        embargoed.embargo_until = Some(now + Duration::seconds(3));
        app.content
            .create_article(embargoed, None)
            .await
            .expect("embargoed");
        actix_web::rt::time::sleep(StdDuration::from_millis(1100)).await;
        app.content
            .create_article(article("already-out", domain::now()), None)
            .await
            .expect("visible");
        let first = app.get("/v1/articles").await;
        let modified = header(&first, "last-modified").expect("Last-Modified");
        let body: Value = first.json().await.expect("json");
        assert_eq!(body["data"].as_array().expect("data").len(), 1);

        actix_web::rt::time::sleep(StdDuration::from_millis(3000)).await;
        assert_eq!(
            app.slugs("/v1/articles").await,
            ["already-out", "embargo-lifts-soon"],
            "the embargo has lifted"
        );
        // The list changed after `modified`, so it must not be answered with a 304.
        let again = get_with(&app, "/v1/articles", &[("If-Modified-Since", &modified)]).await;
        assert_eq!(
            again.status().as_u16(),
            200,
            "a 304 tells the client its one-article list is still current"
        );
    }
);

on_both_backends!(article_is_not_304_after_an_embedded_author_changes, |app| {
    app.seed_taxonomy().await;
    let mut new = article("bylined", domain::now());
    new.authors = vec!["reporter".into()];
    app.content
        .create_article(new, None)
        .await
        .expect("article");
    let path = "/v1/articles/bylined?include=authors";
    let first = app.get(path).await;
    let modified = header(&first, "last-modified").expect("Last-Modified");
    actix_web::rt::time::sleep(StdDuration::from_millis(1100)).await;
    // Renamed through the service, as the admin API does (so the response cache hears of it).
    let admin = byline::auth::Caller {
        key_id: String::new(),
        name: "tests".into(),
        role: byline::auth::Role::Admin,
    };
    let rename = byline::service::taxonomy_admin::TaxonomyPatch {
        name: Some("Ilse V.".into()),
        ..Default::default()
    };
    app.content
        .update_author(&admin, "reporter", rename)
        .await
        .expect("rename");
    let body = app.get_json(path, 200).await;
    assert_eq!(body["data"]["authors"][0]["name"], "Ilse V.");
    let again = get_with(&app, path, &[("If-Modified-Since", &modified)]).await;
    assert_eq!(
        again.status().as_u16(),
        200,
        "a 304 keeps the old byline in caches"
    );
});

// ---------------------------------------------------------------------------------------
// 7. Errors
// ---------------------------------------------------------------------------------------

on_both_backends!(
    malformed_list_parameters_are_400_problems_naming_them,
    |app| {
        let _corpus = seed_corpus(&app).await;
        let first = app.get_json("/v1/articles?limit=2", 200).await;
        let published_cursor = first["meta"]["next_cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
        let cases: Vec<(String, &str)> = vec![
            ("sort=newest".into(), "sort"),
            ("sort=-title".into(), "sort"),
            ("sort=updated_at".into(), "sort"),
            ("limit=0".into(), "limit"),
            ("limit=-1".into(), "limit"),
            ("limit=101".into(), "limit"),
            ("limit=1000".into(), "limit"),
            ("limit=abc".into(), "limit"),
            ("limit=2.5".into(), "limit"),
            ("limit=99999999999999999999".into(), "limit"),
            ("cursor=not-a-cursor".into(), "cursor"),
            ("cursor=%25%25%25".into(), "cursor"),
            ("cursor=e30".into(), "cursor"),
            (
                format!("sort=-updated_at&cursor={published_cursor}"),
                "cursor",
            ),
            ("published_after=yesterday".into(), "published_after"),
            ("published_after=2026-01-01".into(), "published_after"),
            (
                "published_before=2026-13-01T00:00:00Z".into(),
                "published_before",
            ),
            ("published_before=1700000000".into(), "published_before"),
            (
                "updated_since=2026-01-01%2010:00:00".into(),
                "updated_since",
            ),
            // An unescaped `+` arrives as a space.
            (
                "updated_since=2026-01-01T10:00:00+02:00".into(),
                "updated_since",
            ),
            ("tag_mode=some".into(), "tag_mode"),
            ("tag=eu&tag_mode=ALL".into(), "tag_mode"),
            ("lang=English".into(), "lang"),
            ("lang=en_GB".into(), "lang"),
            ("section=Not%20A%20Slug".into(), "section"),
            ("section=news--analysis".into(), "section"),
            ("tag=eu,Not%20A%20Slug".into(), "tag"),
            ("author=Desk".into(), "author"),
            ("fields=slug,nope".into(), "fields"),
            ("include=nope".into(), "include"),
        ];
        for (query, parameter) in cases {
            assert_problem(&app, &format!("/v1/articles?{query}"), 400, Some(parameter)).await;
        }
    }
);

on_both_backends!(
    article_id_must_be_a_uuid_and_unknown_articles_are_404,
    |app| {
        let _corpus = seed_corpus(&app).await;
        for bad in ["xyz", "123", "0193c0de-0000-7000-8000-00000000000g"] {
            assert_problem(&app, &format!("/v1/articles/id/{bad}"), 400, Some("id")).await;
        }
        assert_problem(
            &app,
            "/v1/articles/id/0193c0de-0000-7000-8000-000000000000",
            404,
            None,
        )
        .await;
        for slug in [
            "no-such-article",
            "Not-A-Slug",
            "draft-budget-leak",
            "embargoed-budget-scoop",
        ] {
            assert_problem(&app, &format!("/v1/articles/{slug}"), 404, None).await;
        }
    }
);

on_both_backends!(
    unknown_slugs_are_404_problems_on_every_single_item_endpoint,
    |app| {
        app.seed_taxonomy().await;
        for path in [
            "/v1/articles/no-such-article",
            "/v1/authors/no-such-author",
            "/v1/tags/no-such-tag",
            "/v1/sections/no-such-section",
        ] {
            assert_problem(&app, path, 404, None).await;
        }
    }
);

/// A cursor the API could have issued: base64url JSON of sort, key and id.
fn forged_cursor(sort: &str, key: &str, id: &str) -> String {
    use base64::Engine;
    let json = serde_json::json!({"s": sort, "k": key, "i": id}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Asserts `path` is not a 500: a page, or a 400 problem naming `parameter`.
async fn assert_page_or_400(app: &TestApp, path: &str, parameter: &str) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    if status == 200 {
        return;
    }
    let body: Value = response.json().await.unwrap_or_default();
    assert_eq!(status, 400, "GET {path}: {body}");
    assert_eq!(body["parameter"], parameter, "GET {path}: {body}");
}

on_both_backends!(nul_bytes_in_path_slugs_are_404_not_500, |app| {
    app.seed_taxonomy().await;
    for path in [
        "/v1/articles/a%00b",
        "/v1/authors/a%00b",
        "/v1/tags/a%00b",
        "/v1/sections/a%00b",
    ] {
        let response = app.get(path).await;
        let status = response.status().as_u16();
        assert!(
            status == 404 || status == 400,
            "GET {path} answered {status}"
        );
    }
});

on_both_backends!(forged_cursors_are_never_500, |app| {
    seed_corpus(&app).await;
    for (sort, key, id) in [
        ("-published_at", "-5000-01-01T00:00:00.000000", "x"),
        ("published_at", "-5000-01-01T00:00:00.000000", "x"),
        ("-updated_at", "-5000-01-01T00:00:00.000000", "x"),
        ("-published_at", "2030-01-01T00:00:00.000000", "a\u{0}b"),
    ] {
        let cursor = forged_cursor(sort, key, id);
        assert_page_or_400(
            &app,
            &format!("/v1/articles?sort={sort}&cursor={cursor}"),
            "cursor",
        )
        .await;
    }
    for list in ["tags", "authors", "sections"] {
        let cursor = forged_cursor(list, "a\u{0}b", "x");
        assert_page_or_400(&app, &format!("/v1/{list}?cursor={cursor}"), "cursor").await;
    }
});

on_both_backends!(
    time_bounds_past_year_9999_utc_filter_alike_on_both_backends,
    |app| {
        seed_corpus(&app).await;
        // Valid RFC 3339 whose UTC instant falls in the year 10000.
        let late = "9999-12-31T23:59:59-14:00";
        for query in [
            format!("updated_since={late}"),
            format!("published_after={late}"),
        ] {
            assert_page_or_400(
                &app,
                &format!("/v1/articles?{query}"),
                query.split('=').next().unwrap_or_default(),
            )
            .await;
            let response = app.get(&format!("/v1/articles?{query}")).await;
            if response.status().as_u16() == 200 {
                let body: Value = response.json().await.expect("json");
                assert_eq!(
                    body["data"],
                    serde_json::json!([]),
                    "{query}: nothing is that recent"
                );
            }
        }
        let before = format!("/v1/articles?published_before={late}");
        let response = app.get(&before).await;
        if response.status().as_u16() == 200 {
            assert_eq!(
                app.slugs(&before).await,
                list(&BY_PUBLISHED_DESC),
                "{before}"
            );
        }
    }
);

on_both_backends!(head_is_answered_like_get_without_a_body, |app| {
    seed_corpus(&app).await;
    for path in [
        "/v1/articles",
        "/v1/articles/budget-vote-looms",
        "/v1/tags",
        "/v1/authors/desk",
    ] {
        let get = app.get(path).await;
        let head = app
            .client
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("HEAD");
        assert_eq!(head.status().as_u16(), 200, "HEAD {path}");
        assert_eq!(header(&head, "etag"), header(&get, "etag"), "HEAD {path}");
        assert!(head.bytes().await.expect("body").is_empty(), "HEAD {path}");
    }
});

// ---------------------------------------------------------------------------------------
// 8. CORS and compression
// ---------------------------------------------------------------------------------------

const FRONTEND: &str = "https://frontend.example";

on_both_backends!(cors_lets_a_frontend_origin_read_content_and_errors, |app| {
    let _corpus = seed_corpus(&app).await;
    for (path, status) in [
        ("/v1/articles", 200),
        ("/v1/articles/budget-vote-looms", 200),
        ("/v1/tags", 200),
        ("/v1/articles?limit=0", 400),
        ("/v1/articles/no-such-article", 404),
    ] {
        let response = get_with(&app, path, &[("Origin", FRONTEND)]).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let allowed = header(&response, "access-control-allow-origin");
        assert!(
            allowed.as_deref() == Some(FRONTEND) || allowed.as_deref() == Some("*"),
            "{path}: access-control-allow-origin {allowed:?}"
        );
        if status == 200 {
            let exposed = header(&response, "access-control-expose-headers")
                .unwrap_or_default()
                .to_ascii_lowercase();
            for name in ["etag", "last-modified"] {
                assert!(
                    exposed.contains(name),
                    "{path}: {name} not exposed: {exposed}"
                );
            }
        }
    }
    // A browser's preflight for a conditional read.
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/articles", app.base),
        )
        .header("Origin", FRONTEND)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "if-none-match")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(header(&preflight, "access-control-allow-origin").is_some());
    let methods = header(&preflight, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("GET"), "{methods}");
});

on_both_backends!(lists_are_gzipped_when_the_client_accepts_gzip, |app| {
    let _corpus = seed_corpus(&app).await;
    for path in ["/v1/articles", "/v1/articles/budget-vote-looms", "/v1/tags"] {
        let gzipped = get_with(&app, path, &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(gzipped.status().as_u16(), 200);
        assert_eq!(
            header(&gzipped, "content-encoding").as_deref(),
            Some("gzip"),
            "{path}"
        );
        let vary = gzipped
            .headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().expect("ASCII").to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(", ");
        assert!(vary.contains("accept-encoding"), "{path}: Vary {vary}");
        let bytes = gzipped.bytes().await.expect("body");
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{path}: a gzip stream");

        let plain = app.get(path).await;
        assert!(header(&plain, "content-encoding").is_none(), "{path}");
        let body: Value = plain.json().await.expect("identity body is JSON");
        assert!(body["data"].is_array() || body["data"].is_object());
    }
});

on_both_backends!(gzip_and_identity_bodies_do_not_share_a_strong_etag, |app| {
    let _corpus = seed_corpus(&app).await;
    let plain = app.get("/v1/articles").await;
    let gzipped = get_with(&app, "/v1/articles", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(
        header(&gzipped, "content-encoding").as_deref(),
        Some("gzip")
    );
    let (plain_tag, gzip_tag) = (
        header(&plain, "etag").expect("ETag"),
        header(&gzipped, "etag").expect("ETag"),
    );
    // RFC 9110 §8.8.3: a strong validator differs between representations, and a
    // content coding makes another representation. A weak tag or a distinct one is fine.
    assert!(
        plain_tag != gzip_tag || gzip_tag.starts_with("W/"),
        "both bodies carry the strong ETag {plain_tag}"
    );
});

on_both_backends!(
    a_field_cut_page_is_the_whole_page_cut_with_or_without_bodies,
    |app| {
        // Pages that name no body are read without the body columns: what they carry must
        // still be exactly the whole answer's fields, and a page naming a body gets it.
        byline::seed::demo::load(&app.content)
            .await
            .expect("demo loads");
        let include = "include=authors,tags,section";
        let whole = app
            .get_json(&format!("/v1/articles?limit=50&{include}"), 200)
            .await;
        let whole = whole["data"].as_array().expect("data").clone();
        assert!(whole.len() > 5);
        for fields in [
            "id,slug,title,standfirst,published_at,section,authors,tags,hero_image",
            "slug,word_count,corrections,seo",
            "slug,body_html",
            "body_text,title",
        ] {
            let cut = app
                .get_json(
                    &format!("/v1/articles?limit=50&{include}&fields={fields}"),
                    200,
                )
                .await;
            let cut = cut["data"].as_array().expect("data");
            assert_eq!(cut.len(), whole.len(), "{fields}");
            let names: BTreeSet<String> = fields.split(',').map(str::to_owned).collect();
            for (cut, whole) in cut.iter().zip(&whole) {
                let expected: serde_json::Map<String, Value> = whole
                    .as_object()
                    .expect("object")
                    .iter()
                    .filter(|(k, _)| names.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                assert_eq!(cut, &Value::Object(expected), "{fields}");
                for body in ["body_html", "body_text"] {
                    if names.contains(body) {
                        assert!(!cut[body].as_str().expect(body).is_empty(), "{fields}");
                    }
                }
            }
        }
        // Searches too.
        let whole = app.get_json("/v1/search?q=budget&limit=5", 200).await;
        let cut = app
            .get_json("/v1/search?q=budget&limit=5&fields=slug,body_text", 200)
            .await;
        let whole = whole["data"].as_array().expect("data");
        let cut = cut["data"].as_array().expect("data");
        assert!(!cut.is_empty());
        for (cut, whole) in cut.iter().zip(whole) {
            assert_eq!(keys(cut), set(&["slug", "body_text", "snippet"]));
            assert_eq!(cut["body_text"], whole["body_text"]);
            assert_eq!(cut["snippet"], whole["snippet"]);
        }
        let cut = app
            .get_json("/v1/search?q=budget&limit=5&fields=slug", 200)
            .await;
        assert_eq!(keys(&cut["data"][0]), set(&["slug", "snippet"]));
    }
);
