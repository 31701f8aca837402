//! Atom 1.0 (RFC 4287), written by the `atom_syndication` crate. An entry's hero image is a
//! `<link rel="enclosure">` (RFC 4287 §4.2.7.2) and a Media RSS `<media:content>` with its
//! size, description, credit and rights.

use crate::domain::body_images::body_html;
use std::collections::BTreeMap;

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
    extension::{Extension, ExtensionMap},
};
use chrono::NaiveDateTime;

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

pub const CONTENT_TYPE: &str = "application/atom+xml; charset=utf-8";

/// `scheme` of the categories that name a section, and of those that name a tag.
pub const SECTION_SCHEME: &str = "urn:byline:section";
pub const TAG_SCHEME: &str = "urn:byline:tag";

fn fixed(t: NaiveDateTime) -> FixedDateTime {
    t.and_utc().fixed_offset()
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.to_owned(),
        rel: rel.to_owned(),
        mime_type: Some(mime_type.to_owned()),
        ..Link::default()
    }
}

/// A Media RSS element as `atom_syndication` writes it. That crate writes an extension's
/// attribute values as given, unescaped (its own elements' attributes it escapes), so they
/// are escaped here: an editor's image URL may well hold `&`.
fn extension(element: MediaElement) -> Extension {
    Extension {
        name: element.name,
        value: element.value,
        attrs: element
            .attrs
            .into_iter()
            .map(|(name, value)| (name, quick_xml::escape::escape(&value).into_owned()))
            .collect(),
        children: element
            .children
            .into_iter()
            .map(|(local, elements)| (local, elements.into_iter().map(extension).collect()))
            .collect(),
    }
}

/// `media:content` of the picture, under the `media` prefix.
fn media_extensions(image: &FeedImage) -> ExtensionMap {
    let content = extension(media::content(image));
    let by_name = BTreeMap::from([("content".to_owned(), vec![content])]);
    BTreeMap::from([(media::MEDIA_PREFIX.to_owned(), by_name)])
}

/// The picture as an enclosure link: Atom needs neither its type nor its length (the size in
/// bytes is not known: renditions are made on first request).
fn enclosure(image: &FeedImage) -> Link {
    Link {
        href: image.url.clone(),
        rel: "enclosure".into(),
        mime_type: image.media_type.map(str::to_owned),
        ..Link::default()
    }
}

fn entry(article: &Article, publication: &Publication) -> Entry {
    let image = FeedImage::of(article, publication);
    let mut categories = Vec::new();
    if let Some(section) = &article.section {
        categories.push(Category {
            term: section.slug.clone(),
            scheme: Some(SECTION_SCHEME.into()),
            label: Some(section.name.clone()),
        });
    }
    categories.extend(article.tags.iter().map(|t| Category {
        term: t.slug.clone(),
        scheme: Some(TAG_SCHEME.into()),
        label: Some(t.name.clone()),
    }));
    Entry {
        title: Text::plain(article.title.clone()),
        id: article_uri(&article.id),
        updated: fixed(article.last_changed()),
        published: article.published_at.map(fixed),
        authors: article
            .authors
            .iter()
            .map(|a| Person {
                name: a.name.clone(),
                ..Person::default()
            })
            .collect(),
        categories,
        links: std::iter::once(link(
            &publication.article_url(article),
            "alternate",
            "text/html",
        ))
        .chain(image.as_ref().map(enclosure))
        .collect(),
        summary: Some(Text::plain(summary(article))),
        content: match publication.content {
            FeedContent::Full => Some(Content {
                value: Some(body_html(article, &publication.images).into_owned()),
                content_type: Some("html".into()),
                lang: Some(article.language.clone()),
                ..Content::default()
            }),
            FeedContent::Summary => None,
        },
        extensions: image.as_ref().map(media_extensions).unwrap_or_default(),
        ..Entry::default()
    }
}

/// The feed as an Atom document. An empty feed is dated at the epoch, so its bytes (and
/// ETag) do not change from one request to the next.
pub fn render(
    info: &FeedInfo,
    articles: &[Article],
    publication: &Publication,
) -> AppResult<Vec<u8>> {
    let entries: Vec<Entry> = articles.iter().map(|a| entry(a, publication)).collect();
    // The Media RSS namespace, declared when an entry uses it.
    let namespaces = entries
        .iter()
        .any(|e| e.extensions.contains_key(media::MEDIA_PREFIX))
        .then(|| (media::MEDIA_PREFIX.to_owned(), media::MEDIA_NS.to_owned()))
        .into_iter()
        .collect();
    let feed = Feed {
        title: Text::plain(info.title.clone()),
        id: info.self_url.clone(),
        updated: fixed(info.updated.unwrap_or_default()),
        subtitle: Some(Text::plain(info.description.clone())),
        generator: Some(Generator {
            value: "Byline".into(),
            ..Generator::default()
        }),
        links: vec![
            link(&info.self_url, "self", "application/atom+xml"),
            link(&info.home_url, "alternate", "text/html"),
        ],
        entries,
        namespaces,
        ..Feed::default()
    };
    feed.write_to(Vec::new()).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_attributes_are_escaped_once() {
        let url = "https://img.example/a.jpg?w=1&h=2&q=\"x\"<y>";
        let image = FeedImage {
            url: url.into(),
            media_type: Some("image/jpeg"),
            width: Some(640),
            height: Some(320),
            description: Some("Fish & chips".into()),
            credit: None,
            copyright: None,
            licence: None,
        };
        let feed = Feed {
            entries: vec![Entry {
                links: vec![enclosure(&image)],
                extensions: media_extensions(&image),
                ..Entry::default()
            }],
            namespaces: BTreeMap::from([(
                media::MEDIA_PREFIX.to_owned(),
                media::MEDIA_NS.to_owned(),
            )]),
            ..Feed::default()
        };
        let xml = String::from_utf8(feed.write_to(Vec::new()).expect("written")).expect("utf-8");
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let content = doc
            .descendants()
            .find(|n| n.has_tag_name((media::MEDIA_NS, "content")))
            .expect("media:content");
        assert_eq!(content.attribute("url"), Some(url));
        assert_eq!(content.attribute("width"), Some("640"));
        let link = doc
            .descendants()
            .find(|n| n.attribute("rel") == Some("enclosure"))
            .expect("enclosure");
        assert_eq!(link.attribute("href"), Some(url));
        let description = content
            .children()
            .find(|n| n.has_tag_name((media::MEDIA_NS, "description")))
            .and_then(|n| n.text());
        assert_eq!(description, Some("Fish & chips"));
    }
}
