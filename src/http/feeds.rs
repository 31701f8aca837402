//! Feeds (RSS 2.0, Atom 1.0, JSON Feed 1.1) and sitemaps over HTTP: find the articles
//! through the service, render them with `crate::feeds`, and answer with caching headers and
//! 304s like the content API.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{
    AppState,
    caching::{Freshness, respond_bytes},
    problem::Problem,
    views::utc,
};
use crate::{
    domain::taxonomy::{Taxonomy, Term},
    error::{AppError, AppResult},
    feeds::{
        FEED_SIZE, FeedInfo, Publication, atom, json_feed as jsonfeed, rss,
        sitemap::{self, IndexEntry},
    },
};

/// Byline's own public base URL: the configured one, or the request's scheme and host.
fn public_base(req: &HttpRequest, publication: &Publication) -> String {
    match &publication.public_url {
        Some(url) => url.clone(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// The articles a scoped feed carries: those of the section, tag or author `slug`.
fn feed_of(scope: &str, slug: String) -> AppResult<Option<Term>> {
    let taxonomy: Taxonomy = scope.parse().map_err(|_| {
        AppError::not_found(format!(
            "no feeds of `{scope}`; feeds are per sections, tags or authors"
        ))
    })?;
    Ok(Some(Term { taxonomy, slug }))
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

async fn feed(
    req: &HttpRequest,
    state: &AppState,
    of: Option<Term>,
    format: Format,
) -> AppResult<HttpResponse> {
    let publication = &state.publication;
    let found = state.content.feed_articles(of, FEED_SIZE).await?;
    let self_url = format!("{}{}", public_base(req, publication), req.path());
    let info = FeedInfo::new(publication, &found.subject, self_url, &found.articles);
    let (bytes, content_type) = match format {
        Format::Rss => (
            rss::render(&info, &found.articles, publication)?,
            rss::CONTENT_TYPE,
        ),
        Format::Atom => (
            atom::render(&info, &found.articles, publication)?,
            atom::CONTENT_TYPE,
        ),
        Format::Json => (
            jsonfeed::render(&info, &found.articles, publication)?,
            jsonfeed::CONTENT_TYPE,
        ),
    };
    // A list: an article can drop out without any date moving, so ETags decide.
    let mut freshness = Freshness::default();
    for article in &found.articles {
        freshness.touch(
            utc(article.last_changed()),
            &format!("article:{}", article.id),
        );
    }
    freshness.surrogate_keys.push("feeds".into());
    freshness.surrogate_keys.push("articles".into());
    freshness
        .surrogate_keys
        .extend(found.subject.surrogate_key());
    respond_bytes(
        req,
        &state.settings.cache_control,
        content_type,
        bytes,
        freshness,
    )
}

/// The newest articles as RSS 2.0.
///
/// The 50 newest published articles, with links to the frontend's article pages. Drafts,
/// scheduled and embargoed articles never appear.
#[utoipa::path(
    operation_id = "rss_feed",
    tag = "feeds",
    responses(
        (status = 200, description = "An RSS 2.0 feed", content_type = "application/rss+xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
    )
)]
#[get("/rss.xml")]
pub async fn rss_feed(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    feed(&req, &state, None, Format::Rss).await
}

/// The newest articles as Atom 1.0.
#[utoipa::path(
    operation_id = "atom_feed",
    tag = "feeds",
    responses(
        (status = 200, description = "An Atom 1.0 feed", content_type = "application/atom+xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
    )
)]
#[get("/atom.xml")]
pub async fn atom_feed(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    feed(&req, &state, None, Format::Atom).await
}

/// The newest articles as JSON Feed 1.1.
#[utoipa::path(
    operation_id = "json_feed",
    tag = "feeds",
    responses(
        (status = 200, description = "A JSON Feed 1.1 document", content_type = "application/feed+json", body = jsonfeed::JsonFeed),
        (status = 304, description = "Not modified since the ETag sent"),
    )
)]
#[get("/feed.json")]
pub async fn json_feed(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    feed(&req, &state, None, Format::Json).await
}

/// The newest articles of a section, tag or author as RSS 2.0.
#[utoipa::path(
    operation_id = "scoped_rss_feed",
    tag = "feeds",
    params(
        ("scope" = inline(Taxonomy), Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug"),
    ),
    responses(
        (status = 200, description = "An RSS 2.0 feed", content_type = "application/rss+xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No such section, tag or author", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{scope}/{slug}/rss.xml")]
pub async fn scoped_rss_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (scope, slug) = path.into_inner();
    feed(&req, &state, feed_of(&scope, slug)?, Format::Rss).await
}

/// The newest articles of a section, tag or author as Atom 1.0.
#[utoipa::path(
    operation_id = "scoped_atom_feed",
    tag = "feeds",
    params(
        ("scope" = inline(Taxonomy), Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug"),
    ),
    responses(
        (status = 200, description = "An Atom 1.0 feed", content_type = "application/atom+xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No such section, tag or author", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{scope}/{slug}/atom.xml")]
pub async fn scoped_atom_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (scope, slug) = path.into_inner();
    feed(&req, &state, feed_of(&scope, slug)?, Format::Atom).await
}

/// The newest articles of a section, tag or author as JSON Feed 1.1.
#[utoipa::path(
    operation_id = "scoped_json_feed",
    tag = "feeds",
    params(
        ("scope" = inline(Taxonomy), Path, description = "`sections`, `tags` or `authors`"),
        ("slug" = String, Path, description = "The section's, tag's or author's slug"),
    ),
    responses(
        (status = 200, description = "A JSON Feed 1.1 document", content_type = "application/feed+json", body = jsonfeed::JsonFeed),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No such section, tag or author", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/{scope}/{slug}/feed.json")]
pub async fn scoped_json_feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<HttpResponse> {
    let (scope, slug) = path.into_inner();
    feed(&req, &state, feed_of(&scope, slug)?, Format::Json).await
}

fn sitemap_freshness(last: Option<chrono::NaiveDateTime>) -> Freshness {
    Freshness {
        last_modified: last.map(utc),
        surrogate_keys: vec!["sitemaps".into(), "articles".into()],
        ..Freshness::default()
    }
}

/// The sitemap index.
///
/// Points at the article sitemap pages (`/sitemaps/articles-{page}.xml`, at most 50 000 URLs
/// each) and the Google News sitemap.
#[utoipa::path(
    operation_id = "sitemap_index",
    tag = "feeds",
    responses(
        (status = 200, description = "A sitemaps.org sitemap index", content_type = "application/xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> AppResult<HttpResponse> {
    let publication = &state.publication;
    let pages = state
        .content
        .sitemap_pages(publication.sitemap_page_size)
        .await?;
    let base = public_base(&req, publication);
    let mut entries: Vec<IndexEntry> = pages
        .iter()
        .map(|page| IndexEntry {
            loc: format!("{base}/sitemaps/articles-{}.xml", page.number),
            lastmod: page.last_changed,
        })
        .collect();
    entries.push(IndexEntry {
        loc: format!("{base}/sitemaps/news.xml"),
        lastmod: None,
    });
    let last = pages.iter().filter_map(|p| p.last_changed).max();
    respond_bytes(
        &req,
        &state.settings.cache_control,
        sitemap::CONTENT_TYPE,
        sitemap::index(&entries)?,
        sitemap_freshness(last),
    )
}

/// One page of the article sitemap.
#[utoipa::path(
    operation_id = "sitemap_page",
    tag = "feeds",
    params(("page" = u32, Path, description = "The page number, from 1, as the sitemap index lists it")),
    responses(
        (status = 200, description = "A sitemaps.org URL set", content_type = "application/xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
        (status = 404, description = "No such page", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sitemaps/articles-{page}.xml")]
pub async fn sitemap_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    page: web::Path<String>,
) -> AppResult<HttpResponse> {
    let number: u32 = page
        .parse()
        .map_err(|_| AppError::not_found(format!("the sitemap has no page `{page}`")))?;
    let publication = &state.publication;
    let entries = state
        .content
        .sitemap_page(number, publication.sitemap_page_size)
        .await?;
    let last = entries.iter().map(|e| e.last_changed).max();
    respond_bytes(
        &req,
        &state.settings.cache_control,
        sitemap::CONTENT_TYPE,
        sitemap::urlset(&entries, publication)?,
        sitemap_freshness(last),
    )
}

/// The Google News sitemap.
///
/// Articles published in the last 48 hours, at most 1 000, with their publication, date and
/// title.
#[utoipa::path(
    operation_id = "news_sitemap",
    tag = "feeds",
    responses(
        (status = 200, description = "A Google News sitemap", content_type = "application/xml", body = String),
        (status = 304, description = "Not modified since the ETag sent"),
    )
)]
#[get("/sitemaps/news.xml")]
pub async fn news_sitemap(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let publication = &state.publication;
    let entries = state.content.news_sitemap_entries().await?;
    let last = entries.iter().map(|e| e.last_changed).max();
    respond_bytes(
        &req,
        &state.settings.cache_control,
        sitemap::CONTENT_TYPE,
        sitemap::news(&entries, publication)?,
        sitemap_freshness(last),
    )
}
