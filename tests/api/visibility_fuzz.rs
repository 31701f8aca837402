//! A randomized visibility test: ~30 articles driven through a few hundred random editorial
//! transitions over the real admin API (create, publish, schedule, embargo and lift it,
//! unpublish, archive, delete, rename, retag, correct), against a model of each article.
//!
//! Each body from the second on links to the article before it as a related article, so the
//! body's HTML and blocks must show that link only while its target is visible.
//!
//! After every step: the REST and GraphQL article lists, the touched article by slug (also
//! with `fields=body_blocks`), old
//! slugs and id, and the partner's poll of the change stream. Every few steps and at the end,
//! every public surface: REST lists by section, tag, author, date and search; taxonomy counts
//! (REST lists and items, GraphQL) and GraphQL's nested lists; REST and GraphQL search;
//! GraphQL `article(slug:)` (with `bodyBlocks`), `article(id:)`, `node(id:)`; RSS, Atom and JSON Feed, site-wide
//! and scoped; the sitemap index, its pages and the news sitemap; a new partner's walk of the
//! stream and `/syndication/v1/articles/{id}`; each article's picture (a rendition of an
//! asset only it uses). Each must show exactly the articles the model
//! says are visible, under their current slug and title, and no response may carry a slug,
//! title, standfirst, body, correction or picture (its asset's id, so any rendition URL) of
//! any other (nor, outside withdrawal notices, its id). Feeds and the news sitemap carry each
//! visible article's picture. Articles the public never saw answer 404 and never reach the
//! partner stream; a withdrawal of one it saw reaches the stream as a `canceled` notice in the
//! very next poll.
//!
//! The seed is fixed and printed; `BYLINE_FUZZ_SEED=<u64>` replays another one.
//!
//! Mismatches carry a class naming the two integrity bugs this test was written to catch
//! (never-public articles treated as withdrawn; kill notices late while a future embargo or
//! publication time holds a withdrawn article), fixed by `articles.public_since`.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
    time::{Duration as StdDuration, Instant},
};

use base64::{Engine, engine::general_purpose::STANDARD};
use byline::{auth::Role, db::Db, http::rate_limit::RateLimits, service::webhooks::NewWebhook};
use chrono::{Duration, SecondsFormat, Utc};
use rand::{Rng, SeedableRng, rngs::StdRng};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app_with};

const DEFAULT_SEED: u64 = 0x00B7_11E5_F022;
const STEPS: usize = 250;
const MAX_ARTICLES: usize = 30;
/// A full sweep of every public surface after this many steps (and after the last).
const SWEEP_EVERY: usize = 10;
/// Every body holds this word, so a search for it should find exactly the visible articles.
const SEARCH_WORD: &str = "parliament";
const SECTIONS: [&str; 2] = ["news", "economy"];
const AUTHORS: [&str; 2] = ["desk", "reporter"];
const TAGS: [&str; 3] = ["eu", "brussels", "budget"];
const FEED_FORMATS: [&str; 3] = ["rss.xml", "atom.xml", "feed.json"];
/// `Settings::site_url` and `article_url_template` as the test server has them.
const SITE: &str = "https://example.com";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const IMAGE_NS: &str = "http://www.google.com/schemas/sitemap-image/1.1";

fn seed() -> u64 {
    match std::env::var("BYLINE_FUZZ_SEED") {
        Ok(raw) => raw
            .parse()
            .unwrap_or_else(|e| panic!("BYLINE_FUZZ_SEED=`{raw}` is not a u64: {e}")),
        Err(_) => DEFAULT_SEED,
    }
}

// ---------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Draft,
    Published,
    Scheduled,
    Archived,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Published => "published",
            Status::Scheduled => "scheduled",
            Status::Archived => "archived",
        }
    }
}

/// Where `published_at` stands: every time the test sets is hours away from now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    Past,
    Future,
}

/// One article as the test believes it stands.
#[derive(Debug, Clone)]
struct Article {
    /// Its number in the run; every token of its text carries it.
    n: usize,
    id: String,
    /// Every slug it had, the current one last.
    slugs: Vec<String>,
    title: String,
    section: &'static str,
    authors: Vec<&'static str>,
    tags: Vec<&'static str>,
    notes: usize,
    status: Status,
    published: Option<When>,
    /// An embargo in the future (lifted embargoes are `false`).
    embargoed: bool,
    ever_visible: bool,
    /// Published or scheduled at least once (perhaps only under an embargo or a later time).
    released: bool,
    deleted: bool,
    version: i64,
    /// The asset of its lead picture, an image of the asset library no other article uses …
    asset: String,
    /// … and the path of its rendition (the picture's URL: the asset is smaller than every
    /// standard width, so this is its only rendition).
    picture: String,
    /// What happened to it, step by step, for failure messages.
    history: Vec<String>,
}

impl Article {
    fn visible(&self) -> bool {
        !self.deleted
            && matches!(self.status, Status::Published | Status::Scheduled)
            && self.published == Some(When::Past)
            && !self.embargoed
    }

    /// Seen by the public once, and no longer.
    fn withdrawn(&self) -> bool {
        self.ever_visible && !self.visible()
    }

    /// Held back by a time still to come (an embargo, or a publication time moved later):
    /// the circumstance of former bug 2, whose kill notices waited for that time or never came.
    fn held_for_later(&self) -> bool {
        !self.deleted && (self.embargoed || self.published == Some(When::Future))
    }

    /// How a missing kill notice for this withdrawn article counts.
    fn missing_notice_class(&self) -> Class {
        if self.held_for_later() {
            Class::LateKillNotice
        } else {
            Class::Finding
        }
    }

    fn slug(&self) -> &str {
        self.slugs.last().map_or("", String::as_str)
    }

    fn old_slugs(&self) -> &[String] {
        &self.slugs[..self.slugs.len().saturating_sub(1)]
    }

    fn url(&self) -> String {
        format!("{SITE}/{}/{}", self.section, self.slug())
    }

    /// Strings only this article contains (its text, and its picture's asset id, which every
    /// rendition URL of it holds): none may reach the public while it is hidden.
    fn tokens(&self) -> Vec<String> {
        let n = self.n;
        let mut tokens = vec![
            format!("ttlq{n:02}"),
            format!("sfq{n:02}"),
            format!("bdyq{n:02}"),
            format!("notq{n:02}"),
            self.asset.clone(),
        ];
        tokens.extend(self.slugs.iter().cloned());
        tokens
    }

    fn state(&self) -> String {
        let verdict = if self.visible() {
            "visible"
        } else if self.withdrawn() {
            "withdrawn (was public)"
        } else {
            "never public"
        };
        format!(
            "{}{}, published_at {}, {}; {verdict}",
            if self.deleted { "deleted, was " } else { "" },
            self.status.as_str(),
            match self.published {
                None => "none",
                Some(When::Past) => "past",
                Some(When::Future) => "future",
            },
            if self.embargoed {
                "embargoed"
            } else {
                "no embargo"
            },
        )
    }

    fn describe(&self) -> String {
        format!(
            "article #{:02} `{}` (id {}), now {}; history: {}",
            self.n,
            self.slug(),
            self.id,
            self.state(),
            self.history.join(" → ")
        )
    }

    fn has(&self, filter: Filter) -> bool {
        match filter {
            Filter::All => true,
            Filter::Section(s) => self.section == s,
            Filter::Tag(t) => self.tags.contains(&t),
            Filter::AnyTag(a, b) => self.tags.contains(&a) || self.tags.contains(&b),
            Filter::Author(a) => self.authors.contains(&a),
        }
    }
}

/// A taxonomy's path, its slugs, and the filter one of them stands for.
type TaxonomyKind = (
    &'static str,
    &'static [&'static str],
    fn(&'static str) -> Filter,
);

#[derive(Debug, Clone, Copy)]
enum Filter {
    All,
    Section(&'static str),
    Tag(&'static str),
    AnyTag(&'static str, &'static str),
    Author(&'static str),
}

fn title(n: usize, take: usize) -> String {
    format!("Story {n:02} take {take} ttlq{n:02}")
}

fn slug(n: usize, take: usize) -> String {
    format!("fz-{n:02}-v{take:02}")
}

/// The body of article `n`; from the second on, it links to the one before as a related
/// article (raw HTML in the Markdown), which the public may see only while that one is
/// visible.
fn body(n: usize, related: Option<&str>) -> String {
    let related = related
        .map(|id| {
            format!("\n\n<aside class=\"related-article\" data-article-id=\"{id}\"></aside>\n")
        })
        .unwrap_or_default();
    format!(
        "Members of {SEARCH_WORD} debated item **bdyq{n:02}** at length.\n\n\
         The {SEARCH_WORD} adjourned.{related}"
    )
}

fn future(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn global_id(id: &str) -> String {
    STANDARD.encode(format!("Article:{id}"))
}

// ---------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------

/// What kind of mismatch a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// Any other mismatch.
    Finding,
    /// Former bug 1: an article the public never saw is treated as withdrawn (410 Gone, a
    /// `canceled` notice in the partner stream).
    NeverPublicTreatedAsWithdrawn,
    /// Former bug 2: a withdrawal of an article the public saw reaches the partner stream late
    /// or never, while a future embargo or publication time holds the article (re-embargoed or
    /// rescheduled, then perhaps unpublished or archived). A missing notice in any other
    /// circumstance is a `Finding`.
    LateKillNotice,
}

struct Report {
    failures: Vec<String>,
}

impl Report {
    fn flag(
        &mut self,
        class: Class,
        step: usize,
        surface: &str,
        article: Option<&Article>,
        expected: &str,
        got: &str,
    ) {
        let who = article.map(Article::describe).unwrap_or_default();
        let message =
            format!("step {step}: {surface}: expected {expected}, got {got}\n      {who}");
        self.failures.push(format!("[{class:?}] {message}"));
    }
}

// ---------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------

/// A response, read whole; `text` is every header value and the body, for leak scans.
struct Resp {
    status: u16,
    location: Option<String>,
    body: String,
    text: String,
}

impl Resp {
    fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

struct Api {
    base: String,
    /// Shows redirects instead of following them.
    client: reqwest::Client,
    admin: String,
    partner: String,
}

impl Api {
    async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        if_match: Option<i64>,
    ) -> Resp {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(version) = if_match {
            request = request.header("If-Match", format!("\"v{version}\""));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut text = String::new();
        for (name, value) in response.headers() {
            let _ = writeln!(text, "{name}: {}", value.to_str().unwrap_or_default());
        }
        let body = response.text().await.expect("body");
        text.push_str(&body);
        Resp {
            status,
            location,
            body,
            text,
        }
    }

    /// Uploads a small picture of its own for article `n` (distinct bytes, so no other
    /// article shares the asset); its id and the path of a rendition.
    async fn upload_picture(&self, n: usize) -> (String, String) {
        let pixels = image::RgbImage::from_fn(32, 16, |x, y| {
            image::Rgb([n as u8, (x * 8) as u8, (y * 16) as u8])
        });
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(pixels)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png).file_name("p.png"),
        );
        let response = self
            .client
            .post(format!("{}/admin/v1/assets", self.base))
            .bearer_auth(&self.admin)
            .multipart(form)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status().as_u16(), 201, "the picture of #{n:02}");
        let data: Value = response.json().await.expect("json");
        let id = data["data"]["id"].as_str().expect("id").to_owned();
        let url = data["data"]["renditions"][0]["url"].as_str().expect("url");
        let path = url
            .strip_prefix(&self.base)
            .expect("under the base")
            .to_owned();
        (id, path)
    }

    async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, None, None).await
    }

    async fn partner_get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, Some(&self.partner), None, None)
            .await
    }

    async fn graphql(&self, query: &str) -> Resp {
        let body = json!({ "query": query });
        self.send(Method::POST, "/graphql", None, Some(&body), None)
            .await
    }
}

// ---------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------

/// What the partner last heard of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Usable { slug: String, title: String },
    Canceled,
}

#[derive(Default)]
struct Stats {
    done: BTreeMap<&'static str, usize>,
    refused: BTreeMap<&'static str, usize>,
    /// Visible articles taken down, by how.
    withdrawals: BTreeMap<&'static str, usize>,
    /// Articles the public never saw that were then unpublished, archived or deleted.
    never_public_withdrawals: usize,
    sweeps: usize,
    requests_checked: usize,
    /// Events of the realtime stream checked.
    stream_events: usize,
    /// `cache.purge` events checked, and the articles they named.
    purges: usize,
    purged: BTreeSet<String>,
}

struct World {
    articles: Vec<Article>,
    report: Report,
    step: usize,
    partner: BTreeMap<String, Seen>,
    partner_cursor: Option<String>,
    stats: Stats,
    /// The `cache.purge` events checked so far (ids sort in the order they were queued).
    last_purge: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Publish,
    Schedule,
    Embargo,
    Lift,
    Unpublish,
    Archive,
    Delete,
    Rename,
    Retag,
    Correct,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Publish => "publish",
            Op::Schedule => "schedule",
            Op::Embargo => "embargo",
            Op::Lift => "lift embargo",
            Op::Unpublish => "unpublish",
            Op::Archive => "archive",
            Op::Delete => "delete",
            Op::Rename => "rename",
            Op::Retag => "retag",
            Op::Correct => "correct",
        }
    }
}

/// The transitions worth trying on an article, with weights: every one is allowed by the
/// workflow, but repeating a state (unpublishing a draft) teaches little.
fn choose_op(rng: &mut StdRng, a: &Article) -> Op {
    let weights = [
        (Op::Publish, 3.0),
        (Op::Schedule, 1.5),
        (Op::Embargo, if a.embargoed { 0.5 } else { 2.0 }),
        (Op::Lift, if a.embargoed { 2.5 } else { 0.3 }),
        (
            Op::Unpublish,
            if a.status == Status::Draft { 0.3 } else { 2.0 },
        ),
        (
            Op::Archive,
            if a.status == Status::Archived {
                0.2
            } else {
                1.2
            },
        ),
        (Op::Delete, 0.6),
        (Op::Rename, 1.2),
        (Op::Retag, 0.8),
        (Op::Correct, 0.8),
    ];
    let total: f64 = weights.iter().map(|w| w.1).sum();
    let mut pick = rng.random_range(0.0..total);
    for (op, weight) in weights {
        if pick < weight {
            return op;
        }
        pick -= weight;
    }
    Op::Publish
}

fn pick_taxonomy(rng: &mut StdRng) -> (&'static str, Vec<&'static str>, Vec<&'static str>) {
    let section = SECTIONS[rng.random_range(0..SECTIONS.len())];
    let authors: Vec<&'static str> = match rng.random_range(0..3) {
        0 => vec!["desk"],
        1 => vec!["reporter"],
        _ => vec!["reporter", "desk"],
    };
    let tags = TAGS
        .iter()
        .copied()
        .filter(|_| rng.random_bool(0.45))
        .collect();
    (section, authors, tags)
}

impl World {
    fn expected(&self, filter: Filter) -> BTreeSet<usize> {
        self.articles
            .iter()
            .enumerate()
            .filter(|(_, a)| a.visible() && a.has(filter))
            .map(|(i, _)| i)
            .collect()
    }

    fn by_slug(&self, slug: &str) -> Option<usize> {
        self.articles
            .iter()
            .position(|a| a.slug() == slug)
            .or_else(|| {
                self.articles
                    .iter()
                    .position(|a| a.slugs.iter().any(|s| s == slug))
            })
    }

    fn by_id(&self, id: &str) -> Option<usize> {
        self.articles.iter().position(|a| a.id == id)
    }

    fn flag(
        &mut self,
        class: Class,
        surface: &str,
        article: Option<usize>,
        expected: &str,
        got: &str,
    ) {
        let article = article.map(|i| &self.articles[i]);
        self.report
            .flag(class, self.step, surface, article, expected, got);
    }

    /// Fails the run with everything this step found.
    fn raise(&mut self, seed: u64, backend: Backend) {
        if self.report.failures.is_empty() {
            return;
        }
        let mut message = format!(
            "visibility fuzz on {backend:?}, seed {seed} (BYLINE_FUZZ_SEED={seed} replays it), \
             failed at step {}:\n",
            self.step
        );
        for failure in &self.report.failures {
            let _ = writeln!(message, "  - {failure}");
        }
        panic!("{message}");
    }

    /// No token of a hidden article in `text`. `ids` also looks for hidden articles' ids
    /// (not in the partner stream, where notices carry them and are judged one by one);
    /// `exempt` is what the request itself named.
    fn scan(&mut self, surface: &str, text: &str, ids: bool, exempt: &[&str]) {
        self.stats.requests_checked += 1;
        let mut text = text.to_owned();
        for e in exempt {
            text = text.replace(e, "");
        }
        let mut leaks = Vec::new();
        for (i, a) in self.articles.iter().enumerate() {
            if a.visible() {
                continue;
            }
            let mut tokens = a.tokens();
            if ids {
                tokens.push(a.id.clone());
            }
            for token in tokens {
                if let Some(at) = text.find(&token) {
                    let start = text[..at]
                        .char_indices()
                        .rev()
                        .nth(60)
                        .map_or(0, |(p, _)| p);
                    let end = (at + token.len() + 60).min(text.len());
                    let end = (end..=text.len())
                        .find(|p| text.is_char_boundary(*p))
                        .unwrap_or(text.len());
                    leaks.push((i, token, text[start..end].replace('\n', " ")));
                }
            }
        }
        for (i, token, context) in leaks {
            self.flag(
                Class::Finding,
                surface,
                Some(i),
                "nothing of this hidden article",
                &format!("`{token}` in …{context}…"),
            );
        }
    }

    /// A list must hold exactly `expected`, each article once, under its current slug.
    fn compare(&mut self, surface: &str, expected: &BTreeSet<usize>, got: &[String]) {
        let mut seen = BTreeSet::new();
        for slug in got {
            let Some(i) = self.by_slug(slug) else {
                self.flag(
                    Class::Finding,
                    surface,
                    None,
                    "only known slugs",
                    &format!("unknown `{slug}`"),
                );
                continue;
            };
            if !seen.insert(i) {
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    "each article once",
                    &format!("`{slug}` twice"),
                );
            }
            if !expected.contains(&i) {
                let why = if self.articles[i].visible() {
                    "a visible article this list should not hold"
                } else {
                    "a hidden article"
                };
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    "not listed",
                    &format!("`{slug}` listed: {why}"),
                );
            } else if self.articles[i].slug() != slug {
                let current = self.articles[i].slug().to_owned();
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    &format!("current slug `{current}`"),
                    &format!("old slug `{slug}`"),
                );
            }
        }
        for &i in expected {
            if !seen.contains(&i) {
                let slug = self.articles[i].slug().to_owned();
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    &format!("`{slug}` listed"),
                    "it missing",
                );
            }
        }
    }

    fn check_title(&mut self, surface: &str, slug: &str, title: Option<&str>) {
        if let Some(i) = self.by_slug(slug)
            && self.articles[i].visible()
            && title != Some(self.articles[i].title.as_str())
        {
            let expected = format!("title `{}`", self.articles[i].title);
            self.flag(
                Class::Finding,
                surface,
                Some(i),
                &expected,
                &format!("{title:?}"),
            );
        }
    }

    /// The JSON of a 200, or a finding.
    fn ok_json(&mut self, surface: &str, resp: &Resp) -> Option<Value> {
        if resp.status != 200 {
            self.flag(
                Class::Finding,
                surface,
                None,
                "200",
                &format!("{}: {}", resp.status, resp.body),
            );
            return None;
        }
        let json = resp.json();
        if json.is_none() {
            self.flag(Class::Finding, surface, None, "JSON", &resp.body);
        }
        json
    }

    /// GraphQL `data`, or a finding when the answer is not 200 or carries errors.
    fn gql_data(&mut self, surface: &str, resp: &Resp) -> Option<Value> {
        let json = self.ok_json(surface, resp)?;
        if json.get("errors").is_some() {
            self.flag(Class::Finding, surface, None, "no errors", &resp.body);
            return None;
        }
        Some(json["data"].clone())
    }

    // ---- the partner stream -----------------------------------------------------------

    /// One item of the stream, judged; what the partner now knows of it.
    fn judge_item(&mut self, surface: &str, item: &Value) -> Option<(String, Seen)> {
        let uri = item["uri"].as_str().unwrap_or_default();
        let status = item["pubStatus"].as_str().unwrap_or_default();
        let Some(i) = uri.strip_prefix("urn:uuid:").and_then(|id| self.by_id(id)) else {
            self.flag(
                Class::Finding,
                surface,
                None,
                "items of known articles",
                &item.to_string(),
            );
            return None;
        };
        let a = &self.articles[i];
        let id = a.id.clone();
        match status {
            "usable" => {
                if !a.visible() {
                    self.flag(
                        Class::Finding,
                        surface,
                        Some(i),
                        "no usable item for a hidden article",
                        "a usable item",
                    );
                    return None;
                }
                let slug = item["slugline"].as_str().unwrap_or_default().to_owned();
                let title = item["headlines"][0]["value"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if slug != a.slug() || title != a.title {
                    let expected = format!("slugline `{}`, headline `{}`", a.slug(), a.title);
                    self.flag(
                        Class::Finding,
                        surface,
                        Some(i),
                        &expected,
                        &format!("`{slug}`, `{title}`"),
                    );
                }
                Some((id, Seen::Usable { slug, title }))
            }
            "canceled" => {
                if a.visible() {
                    self.flag(
                        Class::Finding,
                        surface,
                        Some(i),
                        "a usable item for a visible article",
                        "a canceled notice",
                    );
                } else if !a.ever_visible {
                    self.flag(
                        Class::NeverPublicTreatedAsWithdrawn,
                        surface,
                        Some(i),
                        "nothing about an article the public never saw",
                        "a canceled notice",
                    );
                }
                Some((id, Seen::Canceled))
            }
            other => {
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    "pubStatus usable or canceled",
                    other,
                );
                None
            }
        }
    }

    /// Every item after `cursor`, page by page; the last cursor.
    async fn pull(
        &mut self,
        api: &Api,
        surface: &str,
        mut cursor: Option<String>,
    ) -> (Vec<Value>, Option<String>) {
        let mut items = Vec::new();
        for _ in 0..50 {
            let path = match &cursor {
                Some(c) => format!("/syndication/v1/articles?limit=100&cursor={c}"),
                None => "/syndication/v1/articles?limit=100".to_owned(),
            };
            let resp = api.partner_get(&path).await;
            self.scan(surface, &resp.text, false, &[]);
            let Some(page) = self.ok_json(surface, &resp) else {
                return (items, cursor);
            };
            items.extend(page["data"].as_array().cloned().unwrap_or_default());
            if let Some(next) = page["meta"]["next_cursor"].as_str() {
                cursor = Some(next.to_owned());
            }
            if page["meta"]["has_more"] != json!(true) {
                return (items, cursor);
            }
        }
        panic!("step {}: {surface}: the stream did not end", self.step);
    }

    /// The partner's poll after a step: what changed reaches it now, withdrawals included.
    async fn poll_partner(&mut self, api: &Api) {
        let surface = "partner stream poll (/syndication/v1/articles?cursor=…)";
        let (items, cursor) = self.pull(api, surface, self.partner_cursor.clone()).await;
        self.partner_cursor = cursor;
        for item in &items {
            if let Some((id, seen)) = self.judge_item(surface, item) {
                self.partner.insert(id, seen);
            }
        }
        for i in 0..self.articles.len() {
            let a = &self.articles[i];
            let seen = self.partner.get(&a.id).cloned();
            let wanted = Seen::Usable {
                slug: a.slug().to_owned(),
                title: a.title.clone(),
            };
            if a.visible() && seen.as_ref() != Some(&wanted) {
                let expected = format!("the partner to hold it as {wanted:?}");
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    &expected,
                    &format!("{seen:?}"),
                );
            } else if !a.visible() && matches!(seen, Some(Seen::Usable { .. })) {
                let class = a.missing_notice_class();
                self.flag(
                    class,
                    surface,
                    Some(i),
                    "a canceled notice in the poll after the withdrawal",
                    "none: the partner still holds it as usable",
                );
            }
        }
    }

    /// A new partner's walk from the start: every visible article whole, a notice for every
    /// withdrawn one, nothing of the rest.
    async fn walk_partner(&mut self, api: &Api) {
        let surface = "partner stream walk from the start (/syndication/v1/articles)";
        let (items, _) = self.pull(api, surface, None).await;
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        for item in &items {
            if let Some((id, s)) = self.judge_item(surface, item)
                && seen.insert(id.clone(), s).is_some()
            {
                let i = self.by_id(&id);
                self.flag(Class::Finding, surface, i, "each article once", "twice");
            }
        }
        for i in 0..self.articles.len() {
            let a = &self.articles[i];
            let got = seen.get(&a.id);
            if a.visible() && !matches!(got, Some(Seen::Usable { .. })) {
                self.flag(
                    Class::Finding,
                    surface,
                    Some(i),
                    "a usable item",
                    &format!("{got:?}"),
                );
            } else if a.withdrawn() && got != Some(&Seen::Canceled) {
                let class = a.missing_notice_class();
                self.flag(
                    class,
                    surface,
                    Some(i),
                    "a canceled notice",
                    &format!("{got:?}"),
                );
            }
        }
    }

    /// `/syndication/v1/articles/{id}` for every article.
    async fn partner_items(&mut self, api: &Api) {
        for i in 0..self.articles.len() {
            let id = self.articles[i].id.clone();
            let surface = format!("GET /syndication/v1/articles/{id}");
            let resp = api
                .partner_get(&format!("/syndication/v1/articles/{id}"))
                .await;
            self.scan(&surface, &resp.text, false, &[&id]);
            let a = &self.articles[i];
            let status = resp.json().map(|v| v["pubStatus"].clone());
            let status = status.as_ref().and_then(Value::as_str);
            let (visible, withdrawn) = (a.visible(), a.withdrawn());
            match (resp.status, status) {
                (200, Some("usable")) if visible => {
                    let item = resp.json().unwrap_or_default();
                    self.judge_item(&surface, &item);
                }
                (200, Some("canceled")) | (404, _) if withdrawn => {}
                (404, _) if !visible => {}
                (200, Some("canceled")) if !visible => self.flag(
                    Class::NeverPublicTreatedAsWithdrawn,
                    &surface,
                    Some(i),
                    "404 for an article the public never saw",
                    "a canceled notice",
                ),
                _ => {
                    let expected = if visible {
                        "200 with a usable item"
                    } else {
                        "404"
                    };
                    self.flag(
                        Class::Finding,
                        &surface,
                        Some(i),
                        expected,
                        &format!("{}: {}", resp.status, resp.body),
                    );
                }
            }
        }
    }

    // ---- the realtime stream -----------------------------------------------------------

    /// Live events: none may name, or carry anything of, an article the public has never
    /// seen (by this step), and every event names an article of the run.
    fn stream_events(&mut self, events: Vec<crate::stream::Event>, first: &mut Option<String>) {
        for event in events {
            self.stats.stream_events += 1;
            if first.is_none() {
                first.clone_from(&event.id);
            }
            let text = format!("{:?} {}", event.id, event.data);
            let surface = format!("GET /v1/stream ({})", event.event);
            let named = event.data["article"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            match self.by_id(&named) {
                Some(i) if !self.articles[i].ever_visible => self.flag(
                    Class::Finding,
                    &surface,
                    Some(i),
                    "no event of an article the public never saw",
                    &text,
                ),
                Some(_) => {}
                None => self.flag(
                    Class::Finding,
                    &surface,
                    None,
                    "an article of the run",
                    &text,
                ),
            }
            for (i, a) in self.articles.iter().enumerate() {
                if a.ever_visible {
                    continue;
                }
                let mut tokens = a.tokens();
                tokens.push(a.id.clone());
                if let Some(token) = tokens.into_iter().find(|t| text.contains(t.as_str())) {
                    let context = format!("`{token}` in {text}");
                    self.flag(
                        Class::Finding,
                        &surface,
                        Some(i),
                        "nothing of a never-public article",
                        &context,
                    );
                    break;
                }
            }
        }
    }

    /// A replay shows the stream as it stands: a visible article under its current slug and
    /// title, a withdrawn one only if the public saw it and does not now.
    fn stream_replay(&mut self, events: &[crate::stream::Event]) {
        for event in events {
            let surface = format!("GET /v1/stream replayed ({})", event.event);
            let named = event.data["article"]["id"].as_str().unwrap_or_default();
            let Some(i) = self.by_id(named) else {
                self.flag(
                    Class::Finding,
                    &surface,
                    None,
                    "an article of the run",
                    &event.data.to_string(),
                );
                continue;
            };
            let a = &self.articles[i];
            let ok = match event.event.as_str() {
                "article.withdrawn" => a.withdrawn(),
                _ => {
                    a.visible()
                        && event.data["article"]["slug"] == a.slug()
                        && event.data["article"]["title"] == a.title
                }
            };
            if !ok {
                let expected = if a.visible() {
                    format!("visible as `{}`, `{}`", a.slug(), a.title)
                } else {
                    "withdrawn".to_owned()
                };
                self.flag(
                    Class::Finding,
                    &surface,
                    Some(i),
                    &expected,
                    &event.data.to_string(),
                );
            }
        }
    }

    // ---- single articles --------------------------------------------------------------

    /// `GET /v1/articles/{slug}` (current and old slugs) and `/v1/articles/id/{id}`.
    async fn rest_lookups(&mut self, api: &Api, i: usize) {
        let a = &self.articles[i];
        let mut keys: Vec<(String, bool)> = vec![
            (a.slug().to_owned(), false),
            (format!("id/{}", a.id), false),
        ];
        keys.extend(a.old_slugs().iter().map(|s| (s.clone(), true)));
        for (key, old) in keys {
            let path = format!("/v1/articles/{key}");
            let resp = api.get(&path).await;
            let surface = format!("GET {path}");
            let requested = key.trim_start_matches("id/");
            self.scan(&surface, &resp.text, true, &[requested]);
            if !old {
                // The body as blocks, with its related article resolved (or left out).
                let blocks = api.get(&format!("{path}?fields=body_blocks")).await;
                self.scan(
                    &format!("{surface}?fields=body_blocks"),
                    &blocks.text,
                    true,
                    &[requested],
                );
            }
            let a = &self.articles[i];
            if a.visible() {
                if old {
                    let wanted = format!("/v1/articles/{}", a.slug());
                    if resp.status != 301 || resp.location.as_deref() != Some(&wanted) {
                        self.flag(
                            Class::Finding,
                            &surface,
                            Some(i),
                            &format!("301 to {wanted}"),
                            &format!("{} to {:?}", resp.status, resp.location),
                        );
                    }
                    continue;
                }
                let data = resp.json().map(|v| v["data"].clone()).unwrap_or_default();
                if resp.status != 200 || data["slug"] != a.slug() || data["title"] != a.title {
                    let expected = format!("200 with `{}`, `{}`", a.slug(), a.title);
                    self.flag(
                        Class::Finding,
                        &surface,
                        Some(i),
                        &expected,
                        &format!("{}: {}", resp.status, resp.body),
                    );
                }
            } else if a.withdrawn() {
                if !matches!(resp.status, 404 | 410) {
                    self.flag(
                        Class::Finding,
                        &surface,
                        Some(i),
                        "404 or 410",
                        &format!("{}: {}", resp.status, resp.body),
                    );
                }
            } else if resp.status == 410 {
                self.flag(
                    Class::NeverPublicTreatedAsWithdrawn,
                    &surface,
                    Some(i),
                    "404 for an article the public never saw",
                    "410",
                );
            } else if resp.status != 404 {
                self.flag(
                    Class::Finding,
                    &surface,
                    Some(i),
                    "404",
                    &format!("{}: {}", resp.status, resp.body),
                );
            }
        }
    }

    /// GraphQL `article(slug:)` (current and old slugs), `article(id:)` and `node(id:)` for
    /// these articles: the article when visible, else `null`.
    async fn graphql_lookups(&mut self, api: &Api, which: &[usize]) {
        let mut fields: Vec<(usize, String)> = Vec::new();
        for &i in which {
            let a = &self.articles[i];
            fields.push((
                i,
                format!(
                    "article(slug: \"{}\") {{ slug title bodyBlocks {{ blocks {{ __typename \
                     ... on RelatedArticleBlock {{ articleId slug title }} }} }} }}",
                    a.slug()
                ),
            ));
            fields.push((i, format!("article(id: \"{}\") {{ slug title }}", a.id)));
            fields.push((
                i,
                format!(
                    "node(id: \"{}\") {{ ... on Article {{ slug title }} }}",
                    global_id(&a.id)
                ),
            ));
            for old in a.old_slugs() {
                fields.push((i, format!("article(slug: \"{old}\") {{ slug title }}")));
            }
        }
        // At most 20 root fields a query.
        for chunk in fields.chunks(20) {
            let mut query = String::from("{ ");
            for (k, (_, field)) in chunk.iter().enumerate() {
                let _ = write!(query, "f{k}: {field} ");
            }
            query.push('}');
            let resp = api.graphql(&query).await;
            let surface = "GraphQL article(slug:) / article(id:) / node(id:)";
            self.scan(surface, &resp.text, true, &[]);
            let Some(data) = self.gql_data(surface, &resp) else {
                continue;
            };
            for (k, (i, field)) in chunk.iter().enumerate() {
                let got = &data[format!("f{k}")];
                let a = &self.articles[*i];
                let ok = if a.visible() {
                    got["slug"] == a.slug() && got["title"] == a.title
                } else {
                    got.is_null()
                };
                if !ok {
                    let expected = if a.visible() {
                        format!("`{}`, `{}`", a.slug(), a.title)
                    } else {
                        "null".to_owned()
                    };
                    let surface = format!("GraphQL {field}");
                    self.flag(
                        Class::Finding,
                        &surface,
                        Some(*i),
                        &expected,
                        &got.to_string(),
                    );
                }
            }
        }
    }

    // ---- lists ------------------------------------------------------------------------

    async fn rest_list(&mut self, api: &Api, query: &str, filter: Filter) {
        let path = format!("/v1/articles?limit=100{query}");
        let surface = format!("GET {path}");
        let resp = api.get(&path).await;
        self.scan(&surface, &resp.text, true, &[]);
        let Some(page) = self.ok_json(&surface, &resp) else {
            return;
        };
        let items = page["data"].as_array().cloned().unwrap_or_default();
        let slugs: Vec<String> = items
            .iter()
            .map(|a| a["slug"].as_str().unwrap_or_default().to_owned())
            .collect();
        let expected = self.expected(filter);
        self.compare(&surface, &expected, &slugs);
        for item in &items {
            let slug = item["slug"].as_str().unwrap_or_default();
            self.check_title(&surface, slug, item["title"].as_str());
        }
        if !page["meta"]["next_cursor"].is_null() {
            self.flag(Class::Finding, &surface, None, "one page", "a next_cursor");
        }
    }

    async fn graphql_list(&mut self, api: &Api) {
        let surface = "GraphQL articles(first: 100)";
        let resp = api
            .graphql("{ articles(first: 100) { edges { node { slug title } } } }")
            .await;
        self.scan(surface, &resp.text, true, &[]);
        let Some(data) = self.gql_data(surface, &resp) else {
            return;
        };
        let edges = data["articles"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let slugs: Vec<String> = edges
            .iter()
            .map(|e| e["node"]["slug"].as_str().unwrap_or_default().to_owned())
            .collect();
        let expected = self.expected(Filter::All);
        self.compare(surface, &expected, &slugs);
        for e in &edges {
            let slug = e["node"]["slug"].as_str().unwrap_or_default();
            self.check_title(surface, slug, e["node"]["title"].as_str());
        }
    }

    async fn searches(&mut self, api: &Api) {
        let expected = self.expected(Filter::All);
        let path = format!("/v1/search?q={SEARCH_WORD}&limit=100");
        let surface = format!("GET {path}");
        let resp = api.get(&path).await;
        self.scan(&surface, &resp.text, true, &[]);
        if let Some(page) = self.ok_json(&surface, &resp) {
            let slugs: Vec<String> = page["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|a| a["slug"].as_str().unwrap_or_default().to_owned())
                .collect();
            self.compare(&surface, &expected, &slugs);
        }
        let surface = "GraphQL search";
        let resp = api
            .graphql(&format!(
                "{{ search(query: \"{SEARCH_WORD}\", first: 100) {{ edges {{ node {{ snippet \
                 article {{ slug title }} }} }} }} }}"
            ))
            .await;
        self.scan(surface, &resp.text, true, &[]);
        if let Some(data) = self.gql_data(surface, &resp) {
            let slugs: Vec<String> = data["search"]["edges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    e["node"]["article"]["slug"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned()
                })
                .collect();
            self.compare(surface, &expected, &slugs);
        }
    }

    /// Counts on `/v1/{sections,tags,authors}` (lists and items) and GraphQL, and GraphQL's
    /// nested `articles` of each.
    async fn taxonomy(&mut self, api: &Api) {
        let kinds: [TaxonomyKind; 3] = [
            ("sections", &SECTIONS, Filter::Section),
            ("tags", &TAGS, Filter::Tag),
            ("authors", &AUTHORS, Filter::Author),
        ];
        for (kind, slugs, filter) in kinds {
            let path = format!("/v1/{kind}?limit=100");
            let surface = format!("GET {path}");
            let resp = api.get(&path).await;
            self.scan(&surface, &resp.text, true, &[]);
            let listed: BTreeMap<String, Value> = self
                .ok_json(&surface, &resp)
                .and_then(|v| v["data"].as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .map(|t| (t["slug"].as_str().unwrap_or_default().to_owned(), t))
                .collect();
            let query = format!(
                "{{ {kind}(first: 10) {{ edges {{ node {{ slug articleCount \
                 articles(first: 50) {{ edges {{ node {{ slug }} }} }} }} }} }} }}"
            );
            let gql_surface = format!("GraphQL {kind} {{ articleCount articles }}");
            let resp = api.graphql(&query).await;
            self.scan(&gql_surface, &resp.text, true, &[]);
            let nodes: BTreeMap<String, Value> = self
                .gql_data(&gql_surface, &resp)
                .and_then(|d| d[kind]["edges"].as_array().cloned())
                .unwrap_or_default()
                .into_iter()
                .map(|e| {
                    let node = e["node"].clone();
                    (node["slug"].as_str().unwrap_or_default().to_owned(), node)
                })
                .collect();
            for &slug in slugs {
                let expected = self.expected(filter(slug));
                let count = expected.len();
                let listed_count = listed.get(slug).map(|t| t["article_count"].clone());
                if listed_count != Some(json!(count)) {
                    let surface = format!("{surface}: article_count of `{slug}`");
                    self.flag(
                        Class::Finding,
                        &surface,
                        None,
                        &count.to_string(),
                        &format!("{listed_count:?}"),
                    );
                }
                let item_path = format!("/v1/{kind}/{slug}");
                let resp = api.get(&item_path).await;
                let item_surface = format!("GET {item_path}");
                self.scan(&item_surface, &resp.text, true, &[]);
                if let Some(item) = self.ok_json(&item_surface, &resp)
                    && item["data"]["article_count"] != json!(count)
                {
                    let got = item["data"]["article_count"].to_string();
                    let item_surface = format!("{item_surface}: article_count");
                    self.flag(
                        Class::Finding,
                        &item_surface,
                        None,
                        &count.to_string(),
                        &got,
                    );
                }
                let node = nodes.get(slug).cloned().unwrap_or_default();
                if node["articleCount"] != json!(count) {
                    let s = format!("{gql_surface}: articleCount of `{slug}`");
                    let got = node["articleCount"].to_string();
                    self.flag(Class::Finding, &s, None, &count.to_string(), &got);
                }
                let nested: Vec<String> = node["articles"]["edges"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|e| e["node"]["slug"].as_str().unwrap_or_default().to_owned())
                    .collect();
                let s = format!("GraphQL {kind}: `{slug}` articles");
                self.compare(&s, &expected, &nested);
            }
        }
    }

    /// RSS, Atom and JSON Feed, site-wide and per section, tag and author.
    async fn feeds(&mut self, api: &Api) {
        let mut scopes: Vec<(String, Filter)> = vec![(String::new(), Filter::All)];
        scopes.extend(SECTIONS.map(|s| (format!("sections/{s}/"), Filter::Section(s))));
        scopes.extend(TAGS.map(|t| (format!("tags/{t}/"), Filter::Tag(t))));
        scopes.extend(AUTHORS.map(|a| (format!("authors/{a}/"), Filter::Author(a))));
        for (scope, filter) in scopes {
            for format in FEED_FORMATS {
                let path = format!("/feeds/{scope}{format}");
                let surface = format!("GET {path}");
                let resp = api.get(&path).await;
                self.scan(&surface, &resp.text, true, &[]);
                if resp.status != 200 {
                    let got = format!("{}: {}", resp.status, resp.body);
                    self.flag(Class::Finding, &surface, None, "200", &got);
                    continue;
                }
                let feed = match feed_rs::parser::parse(resp.body.as_bytes()) {
                    Ok(feed) => feed,
                    Err(e) => {
                        let got = format!("{e}: {}", resp.body);
                        self.flag(Class::Finding, &surface, None, "a feed", &got);
                        continue;
                    }
                };
                let mut slugs = Vec::new();
                for entry in &feed.entries {
                    let found = entry
                        .id
                        .strip_prefix("urn:uuid:")
                        .and_then(|id| self.by_id(id));
                    let Some(i) = found else {
                        let got = format!("entry id `{}`", entry.id);
                        self.flag(Class::Finding, &surface, None, "known entries", &got);
                        continue;
                    };
                    let a = &self.articles[i];
                    slugs.push(a.slug().to_owned());
                    let url = a.url();
                    if a.visible() && !entry.links.iter().any(|l| l.href == url) {
                        let links: Vec<&str> =
                            entry.links.iter().map(|l| l.href.as_str()).collect();
                        let expected = format!("a link to {url}");
                        self.flag(
                            Class::Finding,
                            &surface,
                            Some(i),
                            &expected,
                            &format!("{links:?}"),
                        );
                    }
                }
                let expected = self.expected(filter);
                self.compare(&surface, &expected, &slugs);
                // Every entry carries its picture (RSS and Atom as an enclosure and Media
                // RSS, JSON Feed as `image`).
                for i in expected {
                    let picture = format!("{}{}", api.base, self.articles[i].picture);
                    if !resp.body.contains(&picture) {
                        self.flag(Class::Finding, &surface, Some(i), &picture, "no picture");
                    }
                }
            }
        }
    }

    /// The `<loc>` of each entry of a sitemap (index or URL set), with the `<image:loc>` of
    /// its pictures.
    async fn xml_locs(&mut self, api: &Api, path: &str) -> Option<Vec<(String, Vec<String>)>> {
        let surface = format!("GET {path}");
        let resp = api.get(path).await;
        self.scan(&surface, &resp.text, true, &[]);
        if resp.status != 200 {
            let got = format!("{}: {}", resp.status, resp.body);
            self.flag(Class::Finding, &surface, None, "200", &got);
            return None;
        }
        let text = |n: roxmltree::Node<'_, '_>| n.text().unwrap_or_default().trim().to_owned();
        match roxmltree::Document::parse(&resp.body) {
            Ok(doc) => Some(
                doc.root_element()
                    .children()
                    .filter(roxmltree::Node::is_element)
                    .map(|entry| {
                        let loc = entry
                            .children()
                            .find(|n| n.has_tag_name((SITEMAP_NS, "loc")))
                            .map(text)
                            .unwrap_or_default();
                        let images = entry
                            .children()
                            .filter(|n| n.has_tag_name((IMAGE_NS, "image")))
                            .flat_map(|image| image.children())
                            .filter(|n| n.has_tag_name((IMAGE_NS, "loc")))
                            .map(text)
                            .collect();
                        (loc, images)
                    })
                    .collect(),
            ),
            Err(e) => {
                let got = format!("{e}: {}", resp.body);
                self.flag(Class::Finding, &surface, None, "XML", &got);
                None
            }
        }
    }

    /// The sitemap index, its article pages, and the Google News sitemap.
    async fn sitemaps(&mut self, api: &Api) {
        let Some(index) = self.xml_locs(api, "/sitemap.xml").await else {
            return;
        };
        let index: Vec<String> = index.into_iter().map(|(loc, _)| loc).collect();
        let mut urls = Vec::new();
        let mut pages = 0;
        for loc in index.iter().filter(|l| l.contains("/sitemaps/articles-")) {
            let path = loc.strip_prefix(&api.base).unwrap_or(loc).to_owned();
            pages += 1;
            let page = self.xml_locs(api, &path).await.unwrap_or_default();
            urls.extend(page.into_iter().map(|(loc, _)| loc));
        }
        let expected = self.expected(Filter::All);
        if pages == 0 && !expected.is_empty() {
            let got = format!("{index:?}");
            self.flag(
                Class::Finding,
                "GET /sitemap.xml",
                None,
                "an article page",
                &got,
            );
        }
        let news = self
            .xml_locs(api, "/sitemaps/news.xml")
            .await
            .unwrap_or_default();
        // Each visible article of the news sitemap with its picture, and only its own.
        for (loc, images) in &news {
            let slug = loc.rsplit('/').next().unwrap_or_default();
            if let Some(i) = self.by_slug(slug)
                && self.articles[i].visible()
            {
                let picture = format!("{}{}", api.base, self.articles[i].picture);
                if *images != [picture.clone()] {
                    let got = format!("{images:?}");
                    self.flag(
                        Class::Finding,
                        "GET /sitemaps/news.xml",
                        Some(i),
                        &picture,
                        &got,
                    );
                }
            }
        }
        let news: Vec<String> = news.into_iter().map(|(loc, _)| loc).collect();
        for (surface, locs) in [
            ("article sitemaps (/sitemaps/articles-N.xml)", urls),
            ("GET /sitemaps/news.xml", news),
        ] {
            let mut slugs = Vec::new();
            for loc in &locs {
                let slug = loc.rsplit('/').next().unwrap_or_default().to_owned();
                if let Some(i) = self.by_slug(&slug)
                    && self.articles[i].visible()
                    && *loc != self.articles[i].url()
                {
                    let expected = self.articles[i].url();
                    self.flag(Class::Finding, surface, Some(i), &expected, loc);
                }
                slugs.push(slug);
            }
            self.compare(surface, &expected, &slugs);
        }
    }

    // ---- steps ------------------------------------------------------------------------

    /// After every step: the lists, the article touched, the partner's poll.
    async fn cheap_checks(&mut self, api: &Api, touched: Option<usize>) {
        self.rest_list(api, "", Filter::All).await;
        self.graphql_list(api).await;
        if let Some(i) = touched {
            self.rest_lookups(api, i).await;
            self.graphql_lookups(api, &[i]).await;
        }
        self.poll_partner(api).await;
    }

    /// The `cache.purge` events queued since the last look: a CDN learns every article id in
    /// them, so each must name an article the public sees or saw.
    fn purges(&mut self, db: &Db) {
        use byline::db::schema::webhook_events;
        use diesel::prelude::*;
        let after = self.last_purge.clone().unwrap_or_default();
        let queued: Vec<(String, Option<String>)> = db
            .read_blocking(move |conn| {
                Ok(webhook_events::table
                    .filter(webhook_events::event.eq("cache.purge"))
                    .filter(webhook_events::id.gt(after))
                    .order(webhook_events::id)
                    .select((webhook_events::id, webhook_events::data))
                    .load(conn)?)
            })
            .expect("read the purges");
        for (id, data) in queued {
            self.stats.purges += 1;
            self.last_purge = Some(id);
            let data: Value =
                serde_json::from_str(data.as_deref().unwrap_or_default()).unwrap_or(Value::Null);
            let keys = data["keys"].as_array().cloned().unwrap_or_default();
            for key in keys.iter().filter_map(Value::as_str) {
                let Some(article) = key.strip_prefix("article:") else {
                    continue;
                };
                self.stats.purged.insert(article.to_owned());
                match self.by_id(article) {
                    Some(i) if self.articles[i].ever_visible => {}
                    Some(i) => self.flag(
                        Class::NeverPublicTreatedAsWithdrawn,
                        "cache.purge",
                        Some(i),
                        "no purge of an article the public never saw",
                        key,
                    ),
                    None => self.flag(
                        Class::Finding,
                        "cache.purge",
                        None,
                        "only keys of articles the test made",
                        key,
                    ),
                }
            }
        }
    }

    /// Every public surface, for every article.
    async fn sweep(&mut self, api: &Api) {
        self.stats.sweeps += 1;
        for s in SECTIONS {
            self.rest_list(api, &format!("&section={s}"), Filter::Section(s))
                .await;
        }
        for t in TAGS {
            self.rest_list(api, &format!("&tag={t}"), Filter::Tag(t))
                .await;
        }
        self.rest_list(
            api,
            "&tag=eu,budget&tag_mode=any",
            Filter::AnyTag("eu", "budget"),
        )
        .await;
        for a in AUTHORS {
            self.rest_list(api, &format!("&author={a}"), Filter::Author(a))
                .await;
        }
        self.rest_list(api, "&sort=-updated_at", Filter::All).await;
        self.rest_list(api, "&updated_since=2000-01-01T00:00:00Z", Filter::All)
            .await;
        self.rest_list(api, "&published_after=2000-01-01T00:00:00Z", Filter::All)
            .await;
        self.rest_list(api, "&sort=published_at", Filter::All).await;
        // The fields only asked for: JSON-LD (images, authors, corrections) and body images.
        self.rest_list(api, "&fields=slug,title,json_ld,body_images", Filter::All)
            .await;
        self.rest_list(api, &format!("&q={SEARCH_WORD}"), Filter::All)
            .await;
        self.searches(api).await;
        self.taxonomy(api).await;
        for i in 0..self.articles.len() {
            self.rest_lookups(api, i).await;
        }
        let all: Vec<usize> = (0..self.articles.len()).collect();
        self.graphql_lookups(api, &all).await;
        self.feeds(api).await;
        self.sitemaps(api).await;
        self.walk_partner(api).await;
        self.partner_items(api).await;
        self.pictures(api).await;
    }

    /// Each article's picture answers the public exactly while the article is visible (no
    /// other article uses it), and never says more than "not found" otherwise.
    async fn pictures(&mut self, api: &Api) {
        for i in 0..self.articles.len() {
            let (visible, path) = (self.articles[i].visible(), self.articles[i].picture.clone());
            let resp = api.get(&path).await;
            let expected = if visible { 200 } else { 404 };
            if resp.status != expected {
                self.flag(
                    Class::Finding,
                    "the rendition of the article's picture",
                    Some(i),
                    &expected.to_string(),
                    &format!("{} {}", resp.status, path),
                );
            }
        }
    }

    async fn create(&mut self, api: &Api, rng: &mut StdRng) -> Option<usize> {
        let n = self.articles.len() + 1;
        let (section, authors, tags) = pick_taxonomy(rng);
        let (asset_id, picture) = api.upload_picture(n).await;
        let body = json!({
            "hero_image": {"asset_id": asset_id},
            "slug": slug(n, 1),
            "title": title(n, 1),
            "standfirst": format!("Standfirst sfq{n:02}."),
            "body": body(n, self.articles.last().map(|a| a.id.as_str())),
            "section": section,
            "authors": authors,
            "tags": tags,
        });
        let resp = api
            .send(
                Method::POST,
                "/admin/v1/articles",
                Some(&api.admin),
                Some(&body),
                None,
            )
            .await;
        if resp.status != 201 {
            panic!(
                "step {}: creating article #{n:02} answered {}: {}",
                self.step, resp.status, resp.body
            );
        }
        let data = resp.json().map(|v| v["data"].clone()).unwrap_or_default();
        self.articles.push(Article {
            n,
            id: data["id"].as_str().expect("id").to_owned(),
            slugs: vec![slug(n, 1)],
            title: title(n, 1),
            section,
            authors,
            tags,
            notes: 0,
            status: Status::Draft,
            published: None,
            embargoed: false,
            ever_visible: false,
            released: false,
            deleted: false,
            version: data["version"].as_i64().expect("version"),
            asset: asset_id,
            picture,
            history: vec![format!("s{} create (draft)", self.step)],
        });
        *self.stats.done.entry("create").or_default() += 1;
        let i = self.articles.len() - 1;
        self.cross_check(i, &data);
        Some(i)
    }

    /// The admin view after a change must agree with the model.
    fn cross_check(&mut self, i: usize, data: &Value) {
        let a = &self.articles[i];
        let embargo_set = !data["embargo_until"].is_null();
        if data["status"] != a.status.as_str()
            || data["slug"] != a.slug()
            || data["title"] != a.title
            || embargo_set != a.embargoed
        {
            let expected = format!(
                "status {}, slug `{}`, title `{}`, embargo set: {}",
                a.status.as_str(),
                a.slug(),
                a.title,
                a.embargoed
            );
            let got = format!(
                "status {}, slug {}, title {}, embargo_until {}",
                data["status"], data["slug"], data["title"], data["embargo_until"]
            );
            self.flag(
                Class::Finding,
                "admin view after the change (the model disagrees)",
                Some(i),
                &expected,
                &got,
            );
        }
    }

    /// One random transition of one live article, over the admin API.
    async fn transition(&mut self, api: &Api, rng: &mut StdRng) -> Option<usize> {
        let live: Vec<usize> = (0..self.articles.len())
            .filter(|&i| !self.articles[i].deleted)
            .collect();
        let i = live[rng.random_range(0..live.len())];
        let op = choose_op(rng, &self.articles[i]);
        let a = &self.articles[i];
        let (id, version, n) = (a.id.clone(), a.version, a.n);
        let take = a.slugs.len() + 1;
        let hours = rng.random_range(3..72);
        let taxonomy = pick_taxonomy(rng);
        let action = |name: &str| format!("/admin/v1/articles/{id}/{name}");
        let article_path = format!("/admin/v1/articles/{id}");
        let admin = Some(api.admin.as_str());
        let resp = match op {
            Op::Publish => {
                api.send(Method::POST, &action("publish"), admin, None, Some(version))
                    .await
            }
            Op::Schedule => {
                let body = json!({ "publish_at": future(hours) });
                api.send(
                    Method::POST,
                    &action("schedule"),
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
            Op::Embargo => {
                let body = json!({ "embargo_until": future(hours) });
                api.send(
                    Method::POST,
                    &action("embargo"),
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
            Op::Lift => {
                let body = json!({ "embargo_until": null });
                api.send(
                    Method::POST,
                    &action("embargo"),
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
            Op::Unpublish => {
                api.send(
                    Method::POST,
                    &action("unpublish"),
                    admin,
                    None,
                    Some(version),
                )
                .await
            }
            Op::Archive => {
                api.send(Method::POST, &action("archive"), admin, None, Some(version))
                    .await
            }
            Op::Correct => {
                let note = format!("Correction notq{n:02} number {}.", a.notes + 1);
                let body = json!({ "note": note });
                api.send(
                    Method::POST,
                    &action("corrections"),
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
            Op::Delete => {
                api.send(Method::DELETE, &article_path, admin, None, Some(version))
                    .await
            }
            Op::Rename => {
                let body = json!({ "slug": slug(n, take), "title": title(n, take) });
                api.send(
                    Method::PATCH,
                    &article_path,
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
            Op::Retag => {
                let (section, authors, tags) = &taxonomy;
                let body = json!({ "section": section, "authors": authors, "tags": tags });
                api.send(
                    Method::PATCH,
                    &article_path,
                    admin,
                    Some(&body),
                    Some(version),
                )
                .await
            }
        };
        let step = self.step;
        // A refusal leaves the article as it was; it must be the client's fault (4xx), and
        // never one that says the test lost track (404, 412, 428).
        if !(200..300).contains(&resp.status) {
            let surface = format!("admin {} of #{n:02}", op.name());
            if (400..500).contains(&resp.status) && !matches!(resp.status, 404 | 412 | 428) {
                *self.stats.refused.entry(op.name()).or_default() += 1;
                let a = &mut self.articles[i];
                a.history
                    .push(format!("s{step} {} refused ({})", op.name(), resp.status));
            } else {
                let got = format!("{}: {}", resp.status, resp.body);
                self.flag(
                    Class::Finding,
                    &surface,
                    Some(i),
                    "2xx, or a 4xx refusal",
                    &got,
                );
            }
            return Some(i);
        }
        *self.stats.done.entry(op.name()).or_default() += 1;
        let data = resp.json().map(|v| v["data"].clone()).unwrap_or_default();
        let a = &mut self.articles[i];
        let was_visible = a.visible();
        match op {
            Op::Publish => {
                a.status = Status::Published;
                a.published = Some(When::Past);
                a.released = true;
            }
            Op::Schedule => {
                a.status = Status::Scheduled;
                a.published = Some(When::Future);
                a.released = true;
            }
            Op::Embargo => a.embargoed = true,
            Op::Lift => a.embargoed = false,
            Op::Unpublish => a.status = Status::Draft,
            Op::Archive => a.status = Status::Archived,
            Op::Delete => a.deleted = true,
            Op::Correct => a.notes += 1,
            Op::Rename => {
                a.slugs.push(slug(n, take));
                a.title = title(n, take);
            }
            Op::Retag => {
                let (section, authors, tags) = taxonomy;
                a.section = section;
                a.authors = authors;
                a.tags = tags;
            }
        }
        if a.visible() {
            a.ever_visible = true;
        }
        let detail = match op {
            Op::Rename => format!(" to `{}`", a.slug()),
            Op::Schedule | Op::Embargo => format!(" (+{hours}h)"),
            Op::Retag => format!(" ({}, {:?}, {:?})", a.section, a.authors, a.tags),
            _ => String::new(),
        };
        let verdict = if a.visible() {
            "visible"
        } else if a.ever_visible {
            "withdrawn"
        } else {
            "hidden"
        };
        a.history
            .push(format!("s{step} {}{detail} ({verdict})", op.name()));
        let withdrawn_now = was_visible && !a.visible();
        let never_public_withdrawal =
            !a.ever_visible && a.released && matches!(op, Op::Unpublish | Op::Archive | Op::Delete);
        if let Some(v) = data["version"].as_i64() {
            a.version = v;
        }
        if withdrawn_now {
            let how = match op {
                Op::Embargo => "re-embargo",
                Op::Schedule => "reschedule",
                other => other.name(),
            };
            *self.stats.withdrawals.entry(how).or_default() += 1;
        }
        if never_public_withdrawal {
            self.stats.never_public_withdrawals += 1;
        }
        if op != Op::Delete {
            self.cross_check(i, &data);
        }
        Some(i)
    }
}

async fn run(app: TestApp) {
    let started = Instant::now();
    let seed = seed();
    eprintln!(
        "visibility fuzz on {:?}: seed {seed}, {STEPS} steps",
        app.backend
    );
    app.seed_taxonomy().await;
    let (_, admin) = app
        .content
        .create_key("fuzz admin".into(), Role::Admin)
        .await
        .expect("admin key");
    let (_, partner) = app
        .content
        .create_key("fuzz partner".into(), Role::Partner)
        .await
        .expect("partner key");
    let api = Api {
        base: app.base.clone(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        admin,
        partner,
    };
    // A CDN subscribed to purges (nothing delivers them here: the outbox is what is judged).
    let admin_caller = app.content.authenticate(&api.admin).await.expect("admin");
    app.content
        .create_webhook(
            &admin_caller,
            NewWebhook {
                url: "https://cdn.example/purge".into(),
                events: vec!["cache.purge".into()],
                secret: None,
                description: None,
                active: None,
            },
        )
        .await
        .expect("subscribe the CDN");
    let mut rng = StdRng::seed_from_u64(seed);
    let mut world = World {
        articles: Vec::new(),
        report: Report {
            failures: Vec::new(),
        },
        step: 0,
        partner: BTreeMap::new(),
        partner_cursor: None,
        stats: Stats::default(),
        last_purge: None,
    };
    // The realtime stream, followed for the whole run; the hub starts reading once it has a
    // subscriber.
    let mut stream = crate::stream::SseClient::connect(&app, "", None).await;
    tokio::time::sleep(StdDuration::from_millis(600)).await;
    let mut first_event: Option<String> = None;
    for step in 1..=STEPS {
        world.step = step;
        let live = world.articles.iter().filter(|a| !a.deleted).count();
        let create = world.articles.len() < MAX_ARTICLES && (live == 0 || rng.random_bool(0.16));
        let touched = if create {
            world.create(&api, &mut rng).await
        } else {
            world.transition(&api, &mut rng).await
        };
        world.cheap_checks(&api, touched).await;
        world.purges(app.content.db());
        world.stream_events(stream.drain().await, &mut first_event);
        if step % SWEEP_EVERY == 0 || step == STEPS {
            world.sweep(&api).await;
        }
        world.raise(seed, app.backend);
    }

    // What is still on its way, then a replay from the first event: the stream as it stands.
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    world.stream_events(stream.drain().await, &mut first_event);
    if let Some(first) = first_event.clone() {
        let mut replay = crate::stream::SseClient::connect(&app, "", Some(&first)).await;
        let mut events = Vec::new();
        while let Some(event) = replay.next(StdDuration::from_millis(1500)).await {
            events.push(event);
        }
        world.stream_replay(&events);
    }
    world.raise(seed, app.backend);

    let s = &world.stats;
    let visible = world.articles.iter().filter(|a| a.visible()).count();
    let withdrawn = world.articles.iter().filter(|a| a.withdrawn()).count();
    let ever = world.articles.iter().filter(|a| a.ever_visible).count();
    eprintln!(
        "visibility fuzz on {:?} done in {:.1?}: {} articles ({visible} visible, {withdrawn} \
         withdrawn, {} never public at the end; {ever} ever visible); transitions done {:?}, \
         refused {:?}; withdrawals {:?}, never-public withdrawals {}; {} sweeps, {} responses \
         scanned, {} stream events, {} purges naming {} articles",
        app.backend,
        started.elapsed(),
        world.articles.len(),
        world.articles.len() - ever,
        s.done,
        s.refused,
        s.withdrawals,
        s.never_public_withdrawals,
        s.sweeps,
        s.requests_checked,
        s.stream_events,
        s.purges,
        s.purged.len(),
    );
    // The run is only worth something if it went through the interesting histories; another
    // seed may not, and then says so here.
    let done: usize = s.done.values().sum();
    let coverage = |ok: bool, what: String| {
        assert!(ok, "seed {seed} does not cover enough: {what}");
    };
    coverage(
        done * 10 >= STEPS * 8,
        format!(
            "only {done} of {STEPS} steps were carried out; refused {:?}",
            s.refused
        ),
    );
    coverage(ever >= 5, format!("only {ever} articles were ever visible"));
    for how in ["re-embargo", "reschedule", "unpublish", "archive", "delete"] {
        coverage(
            s.withdrawals.get(how).copied().unwrap_or(0) >= 1,
            format!(
                "no visible article was withdrawn by {how}: {:?}",
                s.withdrawals
            ),
        );
    }
    // Every article the public saw was purged at least once (when it came out by a write).
    let unpurged: Vec<&str> = world
        .articles
        .iter()
        .filter(|a| a.ever_visible && !s.purged.contains(&a.id))
        .map(|a| a.slug())
        .collect();
    assert!(
        unpurged.is_empty(),
        "seed {seed}: no cache.purge named these articles the public saw: {unpurged:?}"
    );
    coverage(
        s.never_public_withdrawals >= 1,
        "no never-public article was withdrawn after a publish or schedule".to_owned(),
    );
    // The response cache is on (as by default) and answered some of these reads: every check
    // above held with it.
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    let hits = metrics
        .lines()
        .find_map(|line| line.strip_prefix("byline_response_cache_hits_total "))
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0);
    coverage(
        hits > 0.0,
        format!("no read came from the response cache: {hits}"),
    );
}

crate::on_both_backends_spawned!(
    random_editorial_histories_never_show_hidden_articles,
    |backend| spawn_app_with(backend, |s| {
        s.syndication_settle = StdDuration::ZERO;
        s.rate_limits = RateLimits::unlimited();
    }),
    |app| {
        run(app).await;
    }
);
