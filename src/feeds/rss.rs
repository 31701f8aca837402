//! RSS 2.0 (with `content:encoded`, `dc:creator` and an `atom:link` to itself), written by the
//! `rss` crate.

use rss::{
    Category, Channel, Guid, Item,
    extension::{atom::AtomExtension, dublincore::DublinCoreExtension},
};

use super::{FeedInfo, Publication, article_uri, summary};
use crate::{
    config::FeedContent,
    domain::article::Article,
    error::{AppError, AppResult},
};

pub const CONTENT_TYPE: &str = "application/rss+xml; charset=utf-8";

/// `domain` of the categories that name a section, and of those that name a tag.
pub const SECTION_DOMAIN: &str = "section";
pub const TAG_DOMAIN: &str = "tag";

fn rfc2822(t: chrono::NaiveDateTime) -> String {
    t.and_utc().to_rfc2822()
}

fn item(article: &Article, publication: &Publication) -> Item {
    let mut categories = Vec::new();
    if let Some(section) = &article.section {
        categories.push(Category {
            name: section.name.clone(),
            domain: Some(SECTION_DOMAIN.into()),
        });
    }
    categories.extend(article.tags.iter().map(|t| Category {
        name: t.name.clone(),
        domain: Some(TAG_DOMAIN.into()),
    }));
    let creators: Vec<String> = article.authors.iter().map(|a| a.name.clone()).collect();
    Item {
        title: Some(article.title.clone()),
        link: Some(publication.article_url(article)),
        description: Some(summary(article)),
        guid: Some(Guid {
            value: article_uri(&article.id),
            permalink: false,
        }),
        pub_date: article.published_at.map(rfc2822),
        categories,
        content: match publication.content {
            FeedContent::Full => Some(article.body_html.clone()),
            FeedContent::Summary => None,
        },
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

/// The feed as an RSS 2.0 document.
pub fn render(
    info: &FeedInfo,
    articles: &[Article],
    publication: &Publication,
) -> AppResult<Vec<u8>> {
    let channel = Channel {
        title: info.title.clone(),
        link: info.home_url.clone(),
        description: info.description.clone(),
        last_build_date: info.updated.map(rfc2822),
        generator: Some("Byline".into()),
        atom_ext: Some(AtomExtension {
            links: vec![rss::extension::atom::Link {
                href: info.self_url.clone(),
                rel: "self".into(),
                mime_type: Some("application/rss+xml".into()),
                ..Default::default()
            }],
        }),
        items: articles.iter().map(|a| item(a, publication)).collect(),
        ..Channel::default()
    };
    channel.write_to(Vec::new()).map_err(AppError::internal)
}
