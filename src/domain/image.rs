//! A picture as readers get it: the article's own words for it (alt text, caption, credit,
//! falling back to the library's), and, for an image of the asset library, its size, focal
//! point, rights and ready-made rendition URLs.

use serde::Serialize;

use super::{
    article::Article,
    asset::{Asset, FocalPoint},
};
use crate::media::rendition::{Format, Spec};

/// The rendition an image's `url` names: the widest standard width up to this.
const DEFAULT_WIDTH: u32 = 1280;

/// One ready-made rendition.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ImageRendition {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub media_type: &'static str,
}

/// What the asset library knows of an image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageAsset {
    pub id: String,
    pub width: u32,
    pub height: u32,
    pub focal_point: Option<FocalPoint>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    /// JPEG renditions at the standard widths the original reaches, narrowest first.
    pub renditions: Vec<ImageRendition>,
    /// Any other standard rendition: `{rendition}` replaced by e.g. `800w-16x9.webp`.
    /// Always Byline's own `/media/…`, also beside an external resizer.
    pub url_template: String,
}

/// A picture of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Absolute URL: the image's own, or its default rendition.
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub asset: Option<ImageAsset>,
}

/// Where rendition URLs start, and which widths are standard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenditionUrls {
    /// Byline's public base URL, without a trailing slash.
    pub base: String,
    pub widths: Vec<u32>,
    /// An external resizer that makes the listed renditions instead of Byline.
    pub resizer: Option<crate::media::resizer::ExternalResizer>,
    /// Where the frontend shows an article, for the related articles a body links to (they
    /// are written out with the body's images, on every read).
    pub article_links: Option<std::sync::Arc<crate::feeds::url::ArticleUrlTemplate>>,
}

impl RenditionUrls {
    pub fn path(asset: &Asset, spec: &Spec) -> String {
        format!("/media/{}/{}/{spec}", asset.id, asset.fingerprint())
    }

    /// Where a listed rendition is: the external resizer's signed URL when there is one,
    /// else Byline's own.
    fn rendition_url(&self, asset: &Asset, spec: &Spec, width: u32, height: u32) -> String {
        match &self.resizer {
            Some(resizer) => {
                let focal = asset.focal_point.unwrap_or_default();
                resizer.url(&crate::media::resizer::Request {
                    key: &crate::media::store::MediaStore::original_key(&asset.content_hash),
                    asset_id: &asset.id,
                    width,
                    height,
                    focal_x: focal.x,
                    focal_y: focal.y,
                    extension: spec.format.extension(),
                })
            }
            None => format!("{}{}", self.base, Self::path(asset, spec)),
        }
    }

    /// The library's view of `asset`, with its renditions.
    pub fn asset(&self, asset: &Asset) -> ImageAsset {
        let mut widths: Vec<u32> = self
            .widths
            .iter()
            .copied()
            .filter(|w| *w <= asset.width)
            .collect();
        if widths.is_empty()
            && let Some(narrowest) = self.widths.first()
        {
            // Smaller than every standard width: one rendition, at its own size.
            widths.push(*narrowest);
        }
        let renditions = widths
            .into_iter()
            .map(|width| {
                let spec = Spec {
                    width,
                    aspect: None,
                    format: Format::Jpeg,
                };
                let (w, h) = spec.size_for(asset.width, asset.height);
                ImageRendition {
                    url: self.rendition_url(asset, &spec, w, h),
                    width: w,
                    height: h,
                    media_type: Format::Jpeg.media_type(),
                }
            })
            .collect();
        ImageAsset {
            id: asset.id.clone(),
            width: asset.width,
            height: asset.height,
            focal_point: asset.focal_point,
            copyright: asset.copyright.clone(),
            licence: asset.licence.clone(),
            renditions,
            url_template: format!(
                "{}/media/{}/{}/{{rendition}}",
                self.base,
                asset.id,
                asset.fingerprint()
            ),
        }
    }
}

impl ImageAsset {
    /// The URL of the widest rendition up to [`DEFAULT_WIDTH`].
    pub fn default_url(&self) -> String {
        self.renditions
            .iter()
            .rev()
            .find(|r| r.width <= DEFAULT_WIDTH)
            .or(self.renditions.first())
            .map(|r| r.url.clone())
            .unwrap_or_default()
    }

    /// `srcset` of the renditions, for `<img>`.
    pub fn srcset(&self) -> String {
        self.renditions
            .iter()
            .map(|r| format!("{} {}w", r.url, r.width))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Image {
    /// The article's lead picture as readers get it: an asset's with its renditions, or the
    /// URL an editor gave. `None` when there is none (or its asset is gone).
    pub fn hero_of(article: &Article, urls: &RenditionUrls) -> Option<Image> {
        let hero = article.hero_image.as_ref()?;
        match (&hero.asset_id, &article.hero_asset) {
            (Some(_), Some(asset)) => {
                let library = urls.asset(asset);
                Some(Image {
                    url: library.default_url(),
                    alt: hero.alt.clone().or_else(|| asset.alt.clone()),
                    caption: hero.caption.clone().or_else(|| asset.caption.clone()),
                    credit: hero.credit.clone().or_else(|| asset.credit.clone()),
                    asset: Some(library),
                })
            }
            (Some(_), None) => None,
            (None, _) => Some(Image {
                url: hero.url.clone()?,
                alt: hero.alt.clone(),
                caption: hero.caption.clone(),
                credit: hero.credit.clone(),
                asset: None,
            }),
        }
    }
}
