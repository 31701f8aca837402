//! schema.org `NewsArticle` as JSON-LD, for a frontend to put in a page's
//! `<script type="application/ld+json">` as it is: the properties Google's article rich
//! results read (headline, image, dates, author, publisher) and the rest schema.org has for
//! news (section, keywords, language, dateline, corrections).

use serde::Serialize;

use super::{Publication, rfc3339};
use crate::{
    domain::{
        article::{Article, Author},
        image::Image,
    },
    media::rendition::{Format, Spec},
};

/// Crops Google asks for in an article's images (16:9, 4:3 and 1:1), each at least
/// [`IMAGE_WIDTH`] wide when the original is.
const IMAGE_ASPECTS: [(u32, u32); 3] = [(16, 9), (4, 3), (1, 1)];
/// Google wants images at least 1 200 pixels wide; the narrowest standard width from there.
const IMAGE_WIDTH: u32 = 1200;
/// Author roles that name a newsroom, an agency or a desk rather than a person.
const ORGANISATION_ROLES: [&str; 6] = [
    "agency",
    "wire",
    "organization",
    "organisation",
    "desk",
    "newsroom",
];

/// A `NewsArticle`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewsArticle {
    /// Always `https://schema.org`.
    #[serde(rename = "@context")]
    pub context: &'static str,
    /// Always `NewsArticle`.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    /// The frontend's page of the article.
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "mainEntityOfPage")]
    pub main_entity_of_page: String,
    pub url: String,
    pub headline: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The lead picture: for a library image, crops at 16:9, 4:3 and 1:1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image: Vec<ImageObject>,
    #[serde(rename = "datePublished", skip_serializing_if = "Option::is_none")]
    pub date_published: Option<String>,
    #[serde(rename = "dateModified")]
    pub date_modified: String,
    pub author: Vec<Agent>,
    pub publisher: Agent,
    #[serde(rename = "articleSection", skip_serializing_if = "Option::is_none")]
    pub article_section: Option<String>,
    /// The tags' names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(rename = "inLanguage")]
    pub in_language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dateline: Option<String>,
    #[serde(rename = "wordCount")]
    pub word_count: i32,
    #[serde(rename = "isAccessibleForFree")]
    pub is_accessible_for_free: bool,
    /// The corrections log, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub correction: Vec<CorrectionComment>,
}

/// A `Person` or an `Organization`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Agent {
    /// `Person` or `Organization`.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The author's profiles elsewhere.
    #[serde(rename = "sameAs", skip_serializing_if = "Vec::is_empty")]
    pub same_as: Vec<String>,
}

/// An `ImageObject`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImageObject {
    /// Always `ImageObject`.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    #[serde(rename = "creditText", skip_serializing_if = "Option::is_none")]
    pub credit_text: Option<String>,
    #[serde(rename = "copyrightNotice", skip_serializing_if = "Option::is_none")]
    pub copyright_notice: Option<String>,
    /// The licence, when it is a URL (schema.org's `license` is a URL or a document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
}

/// A `CorrectionComment`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CorrectionComment {
    /// Always `CorrectionComment`.
    #[serde(rename = "@type")]
    pub kind: &'static str,
    pub text: String,
    #[serde(rename = "datePublished")]
    pub date_published: String,
}

fn agent(author: &Author) -> Agent {
    let organisation = author
        .role
        .as_deref()
        .is_some_and(|role| ORGANISATION_ROLES.contains(&role.trim().to_lowercase().as_str()));
    Agent {
        kind: if organisation {
            "Organization"
        } else {
            "Person"
        },
        name: author.name.clone(),
        url: None,
        same_as: author.links.iter().map(|link| link.url.clone()).collect(),
    }
}

/// The lead picture's `ImageObject`s: three crops of a library image, or the editor's URL.
fn images(image: Image, widths: &[u32]) -> Vec<ImageObject> {
    let described = |url: String, size: Option<(u32, u32)>| ImageObject {
        kind: "ImageObject",
        url,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        caption: image.caption.clone().or_else(|| image.alt.clone()),
        credit_text: image.credit.clone(),
        copyright_notice: image.asset.as_ref().and_then(|a| a.copyright.clone()),
        license: image
            .asset
            .as_ref()
            .and_then(|a| a.licence.clone())
            .filter(|l| super::url::is_absolute_http(l)),
    };
    let Some(asset) = &image.asset else {
        return vec![described(image.url.clone(), None)];
    };
    let width = widths
        .iter()
        .copied()
        .find(|w| *w >= IMAGE_WIDTH)
        .or(widths.last().copied())
        .unwrap_or(IMAGE_WIDTH);
    IMAGE_ASPECTS
        .iter()
        .map(|aspect| {
            let spec = Spec {
                width,
                aspect: Some(*aspect),
                format: Format::Jpeg,
            };
            let size = spec.size_for(asset.width, asset.height);
            let url = asset.url_template.replace("{rendition}", &spec.to_string());
            described(url, Some(size))
        })
        .collect()
}

/// The article as a `NewsArticle`. `article` is one the caller may see; its relations are
/// loaded.
pub fn news_article(article: &Article, publication: &Publication) -> NewsArticle {
    let url = article
        .canonical_url
        .clone()
        .unwrap_or_else(|| publication.article_url(article));
    let now = crate::domain::now();
    NewsArticle {
        context: "https://schema.org",
        kind: "NewsArticle",
        id: url.clone(),
        main_entity_of_page: url.clone(),
        url,
        headline: article.title.clone(),
        description: article
            .seo_description
            .clone()
            .or_else(|| article.standfirst.clone()),
        image: Image::hero_of(article, &publication.images)
            .map(|image| images(image, &publication.images.widths))
            .unwrap_or_default(),
        date_published: article
            .first_published(now)
            .or(article.published_at)
            .map(rfc3339),
        date_modified: rfc3339(article.updated_at),
        author: article.authors.iter().map(agent).collect(),
        publisher: Agent {
            kind: "Organization",
            name: publication.site_name.clone(),
            url: Some(publication.site_url.clone()),
            same_as: Vec::new(),
        },
        article_section: article.section.as_ref().map(|s| s.name.clone()),
        keywords: article.tags.iter().map(|t| t.name.clone()).collect(),
        in_language: article.language.clone(),
        dateline: article.dateline.clone(),
        word_count: article.word_count,
        is_accessible_for_free: true,
        correction: article
            .corrections
            .iter()
            .map(|c| CorrectionComment {
                kind: "CorrectionComment",
                text: c.note.clone(),
                date_published: rfc3339(c.corrected_at),
            })
            .collect(),
    }
}
