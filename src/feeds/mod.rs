//! Standard formats for readers without a frontend in between: RSS 2.0, Atom 1.0 and JSON
//! Feed 1.1, sitemaps (sitemaps.org and Google News), and IPTC ninjs 3.1 for partners. Each
//! builds its bytes from what the service returns; none reads the database or decides what
//! is visible.

pub mod atom;
pub mod json_feed;
pub mod json_ld;
pub mod media;
pub mod ninjs;
pub mod rss;
pub mod sitemap;
pub mod url;

use chrono::{NaiveDateTime, SecondsFormat};

use crate::{
    config::{FeedContent, MAX_SITEMAP_PAGE_SIZE, Settings},
    domain::article::Article,
    service::feeds::{FeedSubject, SitemapEntry},
};
use url::{ArticleUrlTemplate, UrlFields, is_absolute_http};

/// How many articles a feed carries: the newest visible ones.
pub const FEED_SIZE: u32 = 50;

/// What the formats need to know about the publication, checked once from the settings.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The frontend's home page, without a trailing slash.
    pub site_url: String,
    pub site_name: String,
    pub article_urls: ArticleUrlTemplate,
    pub content: FeedContent,
    /// Byline's own public base URL, when configured.
    pub public_url: Option<String>,
    /// URLs in one sitemap page.
    pub sitemap_page_size: u32,
    /// Where image renditions are, for pictures of the asset library.
    pub images: crate::domain::image::RenditionUrls,
}

impl Publication {
    /// The publication the settings describe; an error names the setting at fault.
    pub fn from_settings(settings: &Settings) -> Result<Publication, String> {
        let site_url = settings.site_url.trim().trim_end_matches('/').to_owned();
        if !is_absolute_http(&site_url) {
            return Err(format!(
                "BYLINE_SITE_URL (--site-url) must be an absolute http(s) URL, got `{}`",
                settings.site_url
            ));
        }
        let public_url = match settings.public_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) if is_absolute_http(url) => Some(url.trim_end_matches('/').to_owned()),
            Some(url) => {
                return Err(format!(
                    "BYLINE_PUBLIC_URL (--public-url) must be an absolute http(s) URL, got `{url}`"
                ));
            }
        };
        let site_name = settings.site_name.trim().to_owned();
        if site_name.is_empty() {
            return Err("BYLINE_SITE_NAME (--site-name) must not be empty".into());
        }
        let article_urls = ArticleUrlTemplate::parse(&settings.article_url_template, &site_url)
            .map_err(|why| {
                format!("BYLINE_ARTICLE_URL_TEMPLATE (--article-url-template): {why}")
            })?;
        Ok(Publication {
            site_url,
            site_name,
            article_urls: article_urls.clone(),
            content: settings.feed_content,
            images: crate::domain::image::RenditionUrls {
                base: public_url.clone().unwrap_or_default(),
                widths: crate::media::DEFAULT_WIDTHS.to_vec(),
                resizer: None,
                article_links: Some(std::sync::Arc::new(article_urls.clone())),
            },
            public_url,
            sitemap_page_size: settings.sitemap_page_size.clamp(1, MAX_SITEMAP_PAGE_SIZE),
        })
    }

    /// Where the frontend shows this article.
    pub fn article_url(&self, article: &Article) -> String {
        self.article_urls.url(&UrlFields {
            id: &article.id,
            slug: &article.slug,
            section: article.section.as_ref().map(|s| s.slug.as_str()),
            published_at: article.published_at.unwrap_or(article.updated_at),
        })
    }

    /// Where the frontend shows the article a sitemap entry names.
    pub fn entry_url(&self, entry: &SitemapEntry) -> String {
        self.article_urls.url(&UrlFields {
            id: &entry.id,
            slug: &entry.slug,
            section: entry.section.as_deref(),
            published_at: entry.published_at,
        })
    }
}

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    pub title: String,
    pub description: String,
    /// This feed's own URL.
    pub self_url: String,
    /// The frontend's page for what the feed is about.
    pub home_url: String,
    /// The newest change among the feed's articles: the feed changes when it does. `None`
    /// for an empty feed.
    pub updated: Option<NaiveDateTime>,
}

impl FeedInfo {
    /// Title and description of a feed of `subject`, updated with its newest article.
    pub fn new(
        publication: &Publication,
        subject: &FeedSubject,
        self_url: String,
        articles: &[Article],
    ) -> FeedInfo {
        let site = &publication.site_name;
        let (title, description) = match subject {
            FeedSubject::All => (site.clone(), format!("The latest articles from {site}")),
            FeedSubject::Section(s) => (
                format!("{site}: {}", s.name),
                format!("The latest articles in {} from {site}", s.name),
            ),
            FeedSubject::Tag(t) => (
                format!("{site}: {}", t.name),
                format!("The latest articles about {} from {site}", t.name),
            ),
            FeedSubject::Author(a) => (
                format!("{site}: {}", a.name),
                format!("The latest articles by {} from {site}", a.name),
            ),
        };
        FeedInfo {
            title,
            description,
            self_url,
            home_url: publication.site_url.clone(),
            updated: articles.iter().map(Article::last_changed).max(),
        }
    }
}

/// The article's summary as plain text: its standfirst, or the start of its text.
pub fn summary(article: &Article) -> String {
    match article.standfirst.as_deref().map(str::trim) {
        Some(standfirst) if !standfirst.is_empty() => standfirst.to_owned(),
        _ => excerpt(&article.body_text, 300),
    }
}

/// The first `max` characters of `text` or fewer, cut at a word, with an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', ' ']))
}

/// A UTC time as RFC 3339 (`2026-11-26T09:00:00Z`), which Atom, JSON Feed, ninjs and
/// sitemaps (W3C Datetime) all take.
pub fn rfc3339(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The stable identifier of an article in feeds and ninjs: it survives slug changes.
pub fn article_uri(id: &str) -> String {
    format!("urn:uuid:{id}")
}

/// The names of an article's authors as one byline: "A", "A and B", "A, B and C".
pub fn byline(article: &Article) -> Option<String> {
    let names: Vec<&str> = article.authors.iter().map(|a| a.name.as_str()).collect();
    match names.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_a_word() {
        assert_eq!(excerpt("short text", 300), "short text");
        assert_eq!(excerpt("one two three four", 9), "one two…");
        assert_eq!(excerpt("  spaced\n\nout  ", 300), "spaced out");
    }
}
