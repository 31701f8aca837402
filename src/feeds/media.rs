//! The hero image as feeds carry it: the one file an item points at (the picture's default
//! rendition, or the URL an editor gave), with its media type and size when they are known,
//! and the Media RSS elements (<https://www.rssboard.org/media-rss>) RSS and Atom both carry.
//! The elements are built once here, then handed to each crate's own extension type.

use std::collections::BTreeMap;

use super::Publication;
use crate::domain::{
    article::{Article, HeroImage},
    asset::Asset,
    image::{Image, RenditionUrls},
};

/// The Media RSS namespace, and the prefix both feeds declare for it.
pub const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";
pub const MEDIA_PREFIX: &str = "media";

/// What a feed says of an article's picture.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedImage {
    /// Absolute URL of the file a reader fetches: the default rendition of a library image,
    /// or the editor's URL.
    pub url: String,
    /// Known for renditions (JPEG); for an editor's URL, told by its extension when it has one.
    pub media_type: Option<&'static str>,
    /// Of the file `url` names, when known (renditions only).
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The caption, else the text alternative.
    pub description: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
}

impl FeedImage {
    /// The article's hero image, when it has one readers may see.
    pub fn of(article: &Article, publication: &Publication) -> Option<FeedImage> {
        Image::hero_of(article, &publication.images).map(FeedImage::from)
    }
}

impl From<Image> for FeedImage {
    fn from(image: Image) -> Self {
        let rendition = image
            .asset
            .as_ref()
            .and_then(|asset| asset.renditions.iter().find(|r| r.url == image.url));
        let media_type = match (&image.asset, rendition) {
            (_, Some(r)) => Some(r.media_type),
            (None, None) => media_type_of_url(&image.url),
            (Some(_), None) => None,
        };
        FeedImage {
            media_type,
            width: rendition.map(|r| r.width),
            height: rendition.map(|r| r.height),
            description: image.caption.or(image.alt),
            credit: image.credit,
            copyright: image.asset.as_ref().and_then(|a| a.copyright.clone()),
            licence: image.asset.and_then(|a| a.licence),
            url: image.url,
        }
    }
}

/// The URL of a hero image as [`Image::hero_of`] resolves it, for reads that load the hero
/// and its asset without the rest of the article (the news sitemap): the asset's default
/// rendition, or the editor's URL; `None` when the asset named is gone.
pub fn hero_url(hero: &HeroImage, asset: Option<&Asset>, urls: &RenditionUrls) -> Option<String> {
    match (&hero.asset_id, asset) {
        (Some(_), Some(asset)) => Some(urls.asset(asset).default_url()),
        (Some(_), None) => None,
        (None, _) => hero.url.clone(),
    }
}

/// The image type an editor's URL names by its extension, for the types browsers show.
pub fn media_type_of_url(url: &str) -> Option<&'static str> {
    let parsed = url::Url::parse(url).ok()?;
    let file = parsed.path_segments()?.next_back()?;
    let (_, extension) = file.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        "webp" => Some("image/webp"),
        "gif" => Some("image/gif"),
        "avif" => Some("image/avif"),
        "svg" => Some("image/svg+xml"),
        _ => None,
    }
}

/// A licence given as a URL (e.g. Creative Commons' page of it) links to it: an absolute
/// http(s) URL, written as a URL parser would write it, so every reader takes it as one.
pub fn licence_link(licence: &str) -> Option<&str> {
    let parsed = url::Url::parse(licence).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && parsed.as_str() == licence).then_some(licence)
}

/// One element of the Media RSS namespace: qualified name, text, attributes (unescaped)
/// and children by local name, the shape both crates' extension types have.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MediaElement {
    pub name: String,
    pub value: Option<String>,
    pub attrs: BTreeMap<String, String>,
    pub children: BTreeMap<String, Vec<MediaElement>>,
}

impl MediaElement {
    fn new(local: &str) -> MediaElement {
        MediaElement {
            name: format!("{MEDIA_PREFIX}:{local}"),
            ..MediaElement::default()
        }
    }

    fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs.insert(name.to_owned(), value.into());
        self
    }

    fn text(mut self, value: &str) -> Self {
        self.value = Some(value.to_owned());
        self
    }

    fn child(&mut self, local: &str, element: MediaElement) {
        self.children
            .entry(local.to_owned())
            .or_default()
            .push(element);
    }
}

/// `<media:content url type medium="image" width height>`, with `media:description`,
/// `media:credit`, `media:copyright` and `media:license` when the picture has them.
pub fn content(image: &FeedImage) -> MediaElement {
    let mut content = MediaElement::new("content")
        .attr("url", &image.url)
        .attr("medium", "image");
    if let Some(media_type) = image.media_type {
        content = content.attr("type", media_type);
    }
    if let (Some(width), Some(height)) = (image.width, image.height) {
        content = content
            .attr("width", width.to_string())
            .attr("height", height.to_string());
    }
    if let Some(description) = &image.description {
        let element = MediaElement::new("description")
            .attr("type", "plain")
            .text(description);
        content.child("description", element);
    }
    if let Some(credit) = &image.credit {
        content.child("credit", MediaElement::new("credit").text(credit));
    }
    if let Some(copyright) = &image.copyright {
        content.child("copyright", MediaElement::new("copyright").text(copyright));
    }
    if let Some(licence) = &image.licence {
        let mut element = MediaElement::new("license").text(licence);
        if let Some(link) = licence_link(licence) {
            element = element.attr("href", link);
        }
        content.child("license", element);
    }
    content
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editors_urls_are_typed_by_their_extension() {
        assert_eq!(
            media_type_of_url("https://img.example/a/b.JPG?w=1&h=2"),
            Some("image/jpeg")
        );
        assert_eq!(
            media_type_of_url("https://img.example/b.webp"),
            Some("image/webp")
        );
        assert_eq!(media_type_of_url("https://img.example/photo"), None);
        assert_eq!(media_type_of_url("https://img.example/x.tar.gz"), None);
        assert_eq!(media_type_of_url("not a url.jpg"), None);
    }

    #[test]
    fn only_licences_that_are_urls_link() {
        let cc = "https://creativecommons.org/licenses/by/4.0/";
        assert_eq!(licence_link(cc), Some(cc));
        assert_eq!(licence_link("CC BY 4.0"), None);
        assert_eq!(licence_link("https://example.com/a licence"), None);
        assert_eq!(licence_link("mailto:rights@example.com"), None);
    }

    #[test]
    fn media_content_names_what_is_known() {
        let image = FeedImage {
            url: "https://img.example/a.jpg".into(),
            media_type: Some("image/jpeg"),
            width: Some(640),
            height: Some(320),
            description: Some("A flag".into()),
            credit: None,
            copyright: Some("© Jane".into()),
            licence: Some("https://creativecommons.org/licenses/by/4.0/".into()),
        };
        let content = content(&image);
        assert_eq!(content.name, "media:content");
        assert_eq!(content.attrs["width"], "640");
        assert_eq!(content.attrs["medium"], "image");
        assert_eq!(
            content.children["license"][0].attrs["href"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        assert!(!content.children.contains_key("credit"));
        let bare = super::content(&FeedImage {
            media_type: None,
            width: None,
            height: None,
            licence: Some("Editorial use only".into()),
            ..image
        });
        assert!(!bare.attrs.contains_key("type") && !bare.attrs.contains_key("width"));
        assert!(!bare.children["license"][0].attrs.contains_key("href"));
    }
}
