//! Pictures inside an article's body. Editors place an image of the library with
//! `![alt](asset:ID "caption")` in Markdown or `<img src="asset:ID">` in HTML; the stored
//! HTML keeps that reference, and each read writes it out as the image's current renditions
//! (`src`, `srcset`, `width`, `height`, `alt`), so a new focal point or a new public base URL
//! never leaves stale URLs in stored bodies. Nothing of the `asset:` scheme reaches readers:
//! a reference whose asset is not loaded is left out.

use std::borrow::Cow;

use super::{
    article::Article,
    asset::Asset,
    image::{Image, RenditionUrls},
};

/// The scheme of a library reference in a body.
pub const SCHEME: &str = "asset:";
/// Most library images one body may show (each is a row to load with the article).
pub const MAX_BODY_IMAGES: usize = 100;

/// One `<img>` of stored HTML that names a library image.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference<'a> {
    /// Byte range of the whole tag, `<img` to `>`.
    start: usize,
    end: usize,
    asset_id: &'a str,
    alt: Option<&'a str>,
    title: Option<&'a str>,
}

/// Reads an attribute's value from a tag the sanitizer wrote (`name="value"`, quotes inside
/// escaped).
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let at = tag.find(&needle)? + needle.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// Every library reference in `html`, in order.
fn references(html: &str) -> Vec<Reference<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = html[from..].find("<img ") {
        let start = from + offset;
        let Some(len) = html[start..].find('>') else {
            break;
        };
        let end = start + len + 1;
        let tag = &html[start..end];
        if let Some(src) = attribute(tag, "src")
            && let Some(asset_id) = src.strip_prefix(SCHEME)
        {
            found.push(Reference {
                start,
                end,
                asset_id,
                alt: attribute(tag, "alt").filter(|a| !a.is_empty()),
                title: attribute(tag, "title").filter(|t| !t.is_empty()),
            });
        }
        from = end;
    }
    found
}

/// The distinct asset ids a body's HTML names, in first-use order.
pub fn asset_ids(html: &str) -> Vec<String> {
    if !html.contains(SCHEME) {
        return Vec::new();
    }
    let mut ids: Vec<String> = Vec::new();
    for reference in references(html) {
        if !ids.iter().any(|id| id == reference.asset_id) {
            ids.push(reference.asset_id.to_owned());
        }
    }
    ids
}

fn asset_of<'a>(assets: &'a [Asset], id: &str) -> Option<&'a Asset> {
    assets.iter().find(|a| a.id == id)
}

/// The body's HTML as readers get it: each library reference written out as its renditions,
/// each related article as a link to it while it is public (else left out).
pub fn body_html<'a>(article: &'a Article, urls: &RenditionUrls) -> Cow<'a, str> {
    let images = written_out(&article.body_html, &article.body_assets, urls);
    let html = images.as_deref().unwrap_or(&article.body_html);
    let related = super::blocks::resolve::related_written_out(html, &article.body_related, |r| {
        related_link(r, urls)
    });
    match (related, images) {
        (Some(html), _) | (None, Some(html)) => Cow::Owned(html),
        (None, None) => Cow::Borrowed(&article.body_html),
    }
}

/// Where a related article is on the frontend: its URL from the configured template, or its
/// slug where none was given (unit tests).
pub fn related_link(
    related: &super::blocks::resolve::RelatedSummary,
    urls: &RenditionUrls,
) -> String {
    match &urls.article_links {
        Some(template) => template.url(&crate::feeds::url::UrlFields {
            id: &related.id,
            slug: &related.slug,
            section: related.section.as_deref(),
            published_at: related.published_at,
        }),
        None => related.slug.clone(),
    }
}

/// `html` with its library references written out as `assets`' renditions; `None` when it
/// has none (the stored HTML is what readers get).
pub fn written_out(html: &str, assets: &[Asset], urls: &RenditionUrls) -> Option<String> {
    if !html.contains(SCHEME) {
        return None;
    }
    let mut out = String::with_capacity(html.len() + 512);
    let mut copied = 0;
    for reference in references(html) {
        out.push_str(&html[copied..reference.start]);
        copied = reference.end;
        let Some(asset) = asset_of(assets, reference.asset_id) else {
            continue;
        };
        let library = urls.asset(asset);
        let default = library
            .renditions
            .iter()
            .rev()
            .find(|r| r.url == library.default_url())
            .or(library.renditions.last());
        let (width, height) = default.map_or((asset.width, asset.height), |r| (r.width, r.height));
        // Text already escaped by the sanitizer is copied as it is; the asset's own alt text
        // is escaped here.
        let alt = match reference.alt {
            Some(alt) => alt.to_owned(),
            None => html_escape::encode_double_quoted_attribute(asset.alt.as_deref().unwrap_or(""))
                .into_owned(),
        };
        out.push_str(&format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"(max-width: {width}px) 100vw, {width}px\" width=\"{width}\" height=\"{height}\" alt=\"{alt}\" loading=\"lazy\">",
            html_escape::encode_double_quoted_attribute(&library.default_url()),
            html_escape::encode_double_quoted_attribute(&library.srcset()),
        ));
    }
    out.push_str(&html[copied..]);
    Some(out)
}

/// The library images of the body, in order of first use, each with the words the body
/// gives it (alt text, and the Markdown title as its caption), falling back to the library's.
pub fn body_images(article: &Article, urls: &RenditionUrls) -> Vec<Image> {
    if !article.body_html.contains(SCHEME) {
        return Vec::new();
    }
    let mut seen: Vec<&str> = Vec::new();
    let mut images = Vec::new();
    for reference in references(&article.body_html) {
        if seen.contains(&reference.asset_id) {
            continue;
        }
        seen.push(reference.asset_id);
        let Some(asset) = asset_of(&article.body_assets, reference.asset_id) else {
            continue;
        };
        let decode = |text: &str| html_escape::decode_html_entities(text).into_owned();
        let library = urls.asset(asset);
        images.push(Image {
            url: library.default_url(),
            alt: reference.alt.map(decode).or_else(|| asset.alt.clone()),
            caption: reference
                .title
                .map(decode)
                .or_else(|| asset.caption.clone()),
            credit: asset.credit.clone(),
            asset: Some(library),
        });
    }
    images
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_from_sanitized_img_tags_only() {
        let html = "<p>Before <img src=\"asset:a1\" alt=\"A &quot;flag&quot;\" title=\"Cap\"> \
                    <img src=\"https://example.com/x.jpg\" alt=\"x\"> asset:not-a-tag \
                    <img alt=\"\" src=\"asset:b2\"><img src=\"asset:a1\" alt=\"again\"></p>";
        let refs = references(html);
        let ids: Vec<&str> = refs.iter().map(|r| r.asset_id).collect();
        assert_eq!(ids, ["a1", "b2", "a1"]);
        assert_eq!(refs[0].alt, Some("A &quot;flag&quot;"));
        assert_eq!(refs[0].title, Some("Cap"));
        assert_eq!(
            refs[1].alt, None,
            "an empty alt falls back to the library's"
        );
        assert_eq!(asset_ids(html), ["a1", "b2"]);
        assert!(asset_ids("<p>no pictures</p>").is_empty());
    }
}
