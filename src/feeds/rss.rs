//! RSS 2.0 (with `content:encoded`, `dc:creator` and an `atom:link` to itself), written by the
//! `rss` crate. An item's hero image travels twice: as the `<enclosure>` RSS itself defines,
//! and as Media RSS `<media:content>` with its size, description, credit and rights.

use crate::domain::body_images::body_html;
use std::collections::BTreeMap;

use rss::{
    Category, Channel, Enclosure, Guid, Item,
    extension::{Extension, ExtensionMap, atom::AtomExtension, dublincore::DublinCoreExtension},
};

use super::{
    FeedInfo, Publication, article_uri,
    media::{self, FeedImage, MediaElement},
    summary,
};
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

/// A Media RSS element as the `rss` crate writes it (attribute values escaped by the crate).
fn extension(element: MediaElement) -> Extension {
    Extension {
        name: element.name,
        value: element.value,
        attrs: element.attrs,
        children: element
            .children
            .into_iter()
            .map(|(local, elements)| (local, elements.into_iter().map(extension).collect()))
            .collect(),
    }
}

/// The `<enclosure>` of a picture whose type is known (RSS requires one). Its size in bytes
/// is not: renditions are made on first request, and an editor's URL is elsewhere. RSS
/// requires `length` too, and the RSS Advisory Board's profile says a publisher that cannot
/// tell it should write 0, as is common practice.
fn enclosure(image: &FeedImage) -> Option<Enclosure> {
    Some(Enclosure {
        url: image.url.clone(),
        length: "0".into(),
        mime_type: image.media_type?.to_owned(),
    })
}

/// `media:content` of the picture, under the `media` prefix.
fn media_extensions(image: &FeedImage) -> ExtensionMap {
    let content = extension(media::content(image));
    let by_name = BTreeMap::from([("content".to_owned(), vec![content])]);
    BTreeMap::from([(media::MEDIA_PREFIX.to_owned(), by_name)])
}

fn item(article: &Article, publication: &Publication) -> Item {
    let image = FeedImage::of(article, publication);
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
            FeedContent::Full => Some(body_html(article, &publication.images).into_owned()),
            FeedContent::Summary => None,
        },
        dublin_core_ext: (!creators.is_empty()).then(|| DublinCoreExtension {
            creators,
            ..DublinCoreExtension::default()
        }),
        enclosure: image.as_ref().and_then(enclosure),
        extensions: image.as_ref().map(media_extensions).unwrap_or_default(),
        ..Item::default()
    }
}

/// The feed as an RSS 2.0 document.
pub fn render(
    info: &FeedInfo,
    articles: &[Article],
    publication: &Publication,
) -> AppResult<Vec<u8>> {
    let items: Vec<Item> = articles.iter().map(|a| item(a, publication)).collect();
    // The Media RSS namespace, declared when an item uses it.
    let namespaces = items
        .iter()
        .any(|i| i.extensions.contains_key(media::MEDIA_PREFIX))
        .then(|| (media::MEDIA_PREFIX.to_owned(), media::MEDIA_NS.to_owned()))
        .into_iter()
        .collect();
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
        items,
        namespaces,
        ..Channel::default()
    };
    channel.write_to(Vec::new()).map_err(AppError::internal)
}
