//! Atom 1.0 (RFC 4287), written by the `atom_syndication` crate.

use atom_syndication::{
    Category, Content, Entry, Feed, FixedDateTime, Generator, Link, Person, Text,
};
use chrono::NaiveDateTime;

use super::{FeedInfo, Publication, article_uri, summary};
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

fn entry(article: &Article, publication: &Publication) -> Entry {
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
        links: vec![link(
            &publication.article_url(article),
            "alternate",
            "text/html",
        )],
        summary: Some(Text::plain(summary(article))),
        content: match publication.content {
            FeedContent::Full => Some(Content {
                value: Some(article.body_html.clone()),
                content_type: Some("html".into()),
                lang: Some(article.language.clone()),
                ..Content::default()
            }),
            FeedContent::Summary => None,
        },
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
        entries: articles.iter().map(|a| entry(a, publication)).collect(),
        ..Feed::default()
    };
    feed.write_to(Vec::new()).map_err(AppError::internal)
}
