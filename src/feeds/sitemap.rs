//! Sitemaps (<https://www.sitemaps.org/protocol.html>): the index, article pages, and the
//! Google News sitemap (with each article's lead picture as a Google image sitemap
//! `<image:image>`), written with `quick-xml`, which escapes every text and attribute.

use std::io;

use chrono::NaiveDateTime;
use quick_xml::{
    Writer,
    events::{BytesDecl, BytesText, Event},
};

use super::{Publication, media::hero_url, rfc3339};
use crate::{
    error::{AppError, AppResult},
    service::feeds::SitemapEntry,
};

pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";
pub const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
pub const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
pub const IMAGE_NS: &str = "http://www.google.com/schemas/sitemap-image/1.1";

/// One sitemap the index points at.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub loc: String,
    pub lastmod: Option<NaiveDateTime>,
}

fn document(
    root: &str,
    namespaces: &[(&str, &str)],
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> io::Result<()>,
) -> AppResult<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    writer
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(AppError::internal)?;
    writer
        .create_element(root)
        .with_attributes(namespaces.iter().copied())
        .write_inner_content(body)
        .map_err(AppError::internal)?;
    Ok(writer.into_inner())
}

fn text(writer: &mut Writer<Vec<u8>>, name: &str, value: &str) -> io::Result<()> {
    writer
        .create_element(name)
        .write_text_content(BytesText::new(value))
        .map(|_| ())
}

/// A sitemap index (`<sitemapindex>`).
pub fn index(entries: &[IndexEntry]) -> AppResult<Vec<u8>> {
    document("sitemapindex", &[("xmlns", SITEMAP_NS)], |w| {
        for entry in entries {
            w.create_element("sitemap").write_inner_content(|w| {
                text(w, "loc", &entry.loc)?;
                if let Some(t) = entry.lastmod {
                    text(w, "lastmod", &rfc3339(t))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// A page of article URLs (`<urlset>`).
pub fn urlset(entries: &[SitemapEntry], publication: &Publication) -> AppResult<Vec<u8>> {
    document("urlset", &[("xmlns", SITEMAP_NS)], |w| {
        for entry in entries {
            w.create_element("url").write_inner_content(|w| {
                text(w, "loc", &publication.entry_url(entry))?;
                text(w, "lastmod", &rfc3339(entry.last_changed))
            })?;
        }
        Ok(())
    })
}

/// The language code Google News takes: ISO 639 (`en`, `fr`), except `zh-cn` and `zh-tw`.
pub fn news_language(bcp47: &str) -> String {
    let lower = bcp47.trim().to_ascii_lowercase();
    let mut subtags = lower.split(['-', '_']);
    let primary = subtags.next().unwrap_or_default().to_owned();
    if primary == "zh" {
        let rest: Vec<&str> = subtags.collect();
        let traditional = rest
            .iter()
            .any(|s| matches!(*s, "hant" | "tw" | "hk" | "mo"));
        return if traditional { "zh-tw" } else { "zh-cn" }.to_owned();
    }
    primary
}

/// The Google News sitemap: a `<urlset>` whose URLs carry `<news:news>`, and
/// `<image:image><image:loc>` for an article with a lead picture (its URL as articles give
/// it: the default rendition of a library image, or the editor's URL). Google reads only
/// `image:loc` now; the caption, title and licence tags it once took are retired.
pub fn news(entries: &[SitemapEntry], publication: &Publication) -> AppResult<Vec<u8>> {
    document(
        "urlset",
        &[
            ("xmlns", SITEMAP_NS),
            ("xmlns:news", NEWS_NS),
            ("xmlns:image", IMAGE_NS),
        ],
        |w| {
            for entry in entries {
                w.create_element("url").write_inner_content(|w| {
                    text(w, "loc", &publication.entry_url(entry))?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text(w, "news:name", &publication.site_name)?;
                                text(w, "news:language", &news_language(&entry.language))
                            })?;
                        text(w, "news:publication_date", &rfc3339(entry.published_at))?;
                        text(w, "news:title", &entry.title)
                    })?;
                    let picture = entry.hero_image.as_ref().and_then(|hero| {
                        hero_url(hero, entry.hero_asset.as_ref(), &publication.images)
                    });
                    if let Some(url) = picture {
                        w.create_element("image:image")
                            .write_inner_content(|w| text(w, "image:loc", &url))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_become_google_news_codes() {
        assert_eq!(news_language("en"), "en");
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("pt-BR"), "pt");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
        assert_eq!(news_language("zh-CN"), "zh-cn");
        assert_eq!(news_language("zh"), "zh-cn");
    }
}
