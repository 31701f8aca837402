//! An image of the asset library: uploaded once, described once (alt text, caption, credit,
//! rights), used by any number of articles, and handed out in renditions.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Where the subject of an image is, as fractions of its width and height from the top left
/// (0 to 1): crops keep it in frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocalPoint {
    /// 0 is the left edge, 1 the right.
    pub x: f64,
    /// 0 is the top edge, 1 the bottom.
    pub y: f64,
}

impl Default for FocalPoint {
    fn default() -> Self {
        FocalPoint { x: 0.5, y: 0.5 }
    }
}

impl FocalPoint {
    pub fn is_valid(&self) -> bool {
        (0.0..=1.0).contains(&self.x) && (0.0..=1.0).contains(&self.y)
    }
}

/// An image in the library.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: String,
    /// SHA-256 of the original's bytes (hex): the same file uploaded twice is one asset.
    pub content_hash: String,
    /// The original's media type, sniffed from its bytes.
    pub media_type: String,
    /// Upright, after the EXIF orientation.
    pub width: u32,
    pub height: u32,
    pub byte_size: u64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    pub focal_point: Option<FocalPoint>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Asset {
    /// Names this version of the asset in rendition URLs: it changes when what renditions
    /// show changes (the focal point moves crops), so a URL can be cached for good.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let focal = self.focal_point.unwrap_or_default();
        let digest = Sha256::digest(format!("{}|{}|{}", self.content_hash, focal.x, focal.y));
        crate::auth::keys::hex(&digest[..6])
    }
}

/// What an uploader says of an image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetDescription {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    pub focal_point: Option<FocalPoint>,
}

/// Fields of an asset to change; absent ones stay, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetPatch {
    /// Text alternative for screen readers.
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub alt: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub caption: Option<Option<String>>,
    /// Photographer or agency.
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub credit: Option<Option<String>>,
    /// Copyright notice, e.g. "© 2026 Jane Doe".
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub copyright: Option<Option<String>>,
    /// Licence or usage terms, e.g. "CC BY 4.0" or "Editorial use only".
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<String>)]
    pub licence: Option<Option<String>>,
    #[serde(default, deserialize_with = "super::json::double_option")]
    #[schema(value_type = Option<FocalPoint>)]
    pub focal_point: Option<Option<FocalPoint>>,
}

impl AssetDescription {
    /// This description with `patch` applied.
    pub fn patched(self, patch: AssetPatch) -> AssetDescription {
        AssetDescription {
            alt: patch.alt.unwrap_or(self.alt),
            caption: patch.caption.unwrap_or(self.caption),
            credit: patch.credit.unwrap_or(self.credit),
            copyright: patch.copyright.unwrap_or(self.copyright),
            licence: patch.licence.unwrap_or(self.licence),
            focal_point: patch.focal_point.unwrap_or(self.focal_point),
        }
    }
}

impl Asset {
    pub fn description(&self) -> AssetDescription {
        AssetDescription {
            alt: self.alt.clone(),
            caption: self.caption.clone(),
            credit: self.credit.clone(),
            copyright: self.copyright.clone(),
            licence: self.licence.clone(),
            focal_point: self.focal_point,
        }
    }
}
