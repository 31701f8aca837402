//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>), as serde structs.

use crate::domain::body_images::body_html;
use serde::Serialize;
use utoipa::ToSchema;

use super::{FeedInfo, Publication, article_uri, rfc3339, summary};
use crate::{
    config::FeedContent,
    domain::article::Article,
    error::{AppError, AppResult},
};

pub const CONTENT_TYPE: &str = "application/feed+json; charset=utf-8";
pub const VERSION: &str = "https://jsonfeed.org/version/1.1";

/// A JSON Feed 1.1 document.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeed {
    /// Always `https://jsonfeed.org/version/1.1`.
    pub version: &'static str,
    pub title: String,
    /// The frontend's home page.
    pub home_page_url: String,
    /// This feed's own URL.
    pub feed_url: String,
    pub description: String,
    pub items: Vec<JsonFeedItem>,
}

/// One article.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedItem {
    /// `urn:uuid:` and the article's id: stable across slug changes.
    pub id: String,
    /// Where the frontend shows the article.
    pub url: String,
    pub title: String,
    /// The body as sanitized HTML (when feeds carry full content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_html: Option<String>,
    /// The summary as text (when feeds carry summaries only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_text: Option<String>,
    /// The standfirst, or the start of the text.
    pub summary: String,
    /// The hero image's URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    /// RFC 3339: the last change a reader can see.
    pub date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<JsonFeedAuthor>,
    /// The section's name and the tags' names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// BCP 47.
    pub language: String,
}

/// A byline.
#[derive(Debug, Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

fn item(article: &Article, publication: &Publication) -> JsonFeedItem {
    let summary = summary(article);
    let (content_html, content_text) = match publication.content {
        FeedContent::Full => (
            Some(body_html(article, &publication.images).into_owned()),
            None,
        ),
        // JSON Feed needs one of the two contents.
        FeedContent::Summary => (None, Some(summary.clone())),
    };
    JsonFeedItem {
        id: article_uri(&article.id),
        url: publication.article_url(article),
        title: article.title.clone(),
        content_html,
        content_text,
        summary,
        image: crate::domain::image::Image::hero_of(article, &publication.images).map(|h| h.url),
        date_published: article.published_at.map(rfc3339),
        date_modified: rfc3339(article.last_changed()),
        authors: article
            .authors
            .iter()
            .map(|a| JsonFeedAuthor {
                name: a.name.clone(),
                avatar: a.avatar_url.clone(),
            })
            .collect(),
        tags: article
            .section
            .iter()
            .map(|s| s.name.clone())
            .chain(article.tags.iter().map(|t| t.name.clone()))
            .collect(),
        language: article.language.clone(),
    }
}

/// The feed as a JSON Feed document.
pub fn render(
    info: &FeedInfo,
    articles: &[Article],
    publication: &Publication,
) -> AppResult<Vec<u8>> {
    let feed = JsonFeed {
        version: VERSION,
        title: info.title.clone(),
        home_page_url: info.home_url.clone(),
        feed_url: info.self_url.clone(),
        description: info.description.clone(),
        items: articles.iter().map(|a| item(a, publication)).collect(),
    };
    serde_json::to_vec(&feed).map_err(AppError::internal)
}
