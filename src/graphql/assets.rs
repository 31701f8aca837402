//! The asset library over GraphQL, for staff keys: the same service calls as
//! `/admin/v1/assets`. Uploads follow the GraphQL multipart request spec
//! (`POST /graphql` as `multipart/form-data` with `operations`, `map` and the file).

use std::io::Read;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject, Upload};
use chrono::{DateTime, Utc};

use super::{
    errors::{GqlResultExt, bad_input},
    mutation::{caller, content, maybe},
    nodes::{FocalPointObject, RenditionObject},
};
use crate::{
    domain::{
        asset::{Asset, AssetDescription, AssetPatch, FocalPoint},
        image::ImageAsset,
    },
    service::assets::MAX_ASSET_PAGE,
};

/// An image of the library, as staff see it.
pub struct AssetNode(Asset);

#[Object(name = "Asset")]
impl AssetNode {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// SHA-256 of the original's bytes: the same file uploaded again is this asset.
    async fn content_hash(&self) -> &str {
        &self.0.content_hash
    }

    /// The original's type, sniffed from its bytes.
    async fn media_type(&self) -> &str {
        &self.0.media_type
    }

    /// Upright width, after the EXIF orientation.
    async fn width(&self) -> u32 {
        self.0.width
    }

    async fn height(&self) -> u32 {
        self.0.height
    }

    /// Size of the original in bytes.
    async fn byte_size(&self) -> u64 {
        self.0.byte_size
    }

    /// Text alternative for screen readers.
    async fn alt(&self) -> Option<&str> {
        self.0.alt.as_deref()
    }

    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }

    /// Photographer or agency.
    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }

    async fn copyright(&self) -> Option<&str> {
        self.0.copyright.as_deref()
    }

    /// Licence or usage terms.
    async fn licence(&self) -> Option<&str> {
        self.0.licence.as_deref()
    }

    async fn focal_point(&self) -> Option<FocalPointObject> {
        self.0
            .focal_point
            .map(|f| FocalPointObject { x: f.x, y: f.y })
    }

    /// The original as uploaded, metadata and all: staff only.
    async fn original_url(&self, ctx: &Context<'_>) -> String {
        format!(
            "{}/admin/v1/assets/{}/original",
            content(ctx).rendition_urls().base,
            self.0.id
        )
    }

    /// JPEG renditions at the standard widths, narrowest first. They answer the public only
    /// once a public article shows the image.
    async fn renditions(&self, ctx: &Context<'_>) -> Vec<RenditionObject> {
        library(ctx, &self.0)
            .renditions
            .into_iter()
            .map(RenditionObject::from)
            .collect()
    }

    /// `srcset` of the renditions.
    async fn srcset(&self, ctx: &Context<'_>) -> String {
        library(ctx, &self.0).srcset()
    }

    /// Any standard rendition: replace `{rendition}` with e.g. `800w-16x9.webp`.
    async fn rendition_url_template(&self, ctx: &Context<'_>) -> String {
        library(ctx, &self.0).url_template
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.and_utc()
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at.and_utc()
    }
}

fn library(ctx: &Context<'_>, asset: &Asset) -> ImageAsset {
    content(ctx).rendition_urls().asset(asset)
}

/// A page of the library, newest first.
#[derive(SimpleObject)]
pub struct AssetPage {
    nodes: Vec<AssetNode>,
    /// Pass as `after` for the next page.
    end_cursor: Option<String>,
    has_next_page: bool,
}

/// The result of an upload: the asset, and whether these bytes were new.
#[derive(SimpleObject)]
pub struct UploadAssetPayload {
    asset: AssetNode,
    /// False when the same file was already in the library (that asset is returned, its
    /// description unchanged).
    created: bool,
}

/// Where the subject of an image is, as fractions from the top left (0 to 1).
#[derive(InputObject, Clone, Copy)]
pub struct FocalPointInput {
    pub x: f64,
    pub y: f64,
}

impl From<FocalPointInput> for FocalPoint {
    fn from(f: FocalPointInput) -> Self {
        FocalPoint { x: f.x, y: f.y }
    }
}

/// What an uploader says of an image.
#[derive(InputObject, Default)]
pub struct AssetDescriptionInput {
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    pub focal_point: Option<FocalPointInput>,
}

impl From<AssetDescriptionInput> for AssetDescription {
    fn from(d: AssetDescriptionInput) -> Self {
        AssetDescription {
            alt: d.alt,
            caption: d.caption,
            credit: d.credit,
            copyright: d.copyright,
            licence: d.licence,
            focal_point: d.focal_point.map(FocalPoint::from),
        }
    }
}

/// Fields of an asset to change: absent ones stay, `null` clears.
#[derive(InputObject)]
pub struct AssetPatchInput {
    pub alt: MaybeUndefined<String>,
    pub caption: MaybeUndefined<String>,
    pub credit: MaybeUndefined<String>,
    pub copyright: MaybeUndefined<String>,
    pub licence: MaybeUndefined<String>,
    pub focal_point: MaybeUndefined<FocalPointInput>,
}

impl From<AssetPatchInput> for AssetPatch {
    fn from(p: AssetPatchInput) -> Self {
        AssetPatch {
            alt: maybe(p.alt),
            caption: maybe(p.caption),
            credit: maybe(p.credit),
            copyright: maybe(p.copyright),
            licence: maybe(p.licence),
            focal_point: maybe(p.focal_point),
        }
    }
}

/// An asset id: a UUID.
fn asset_id(id: &ID) -> async_graphql::Result<String> {
    crate::domain::parse_id(id).map_err(|_| bad_input("id", "not an asset id (a UUID)"))
}

/// Reads of the library (contributors and above).
#[derive(Default)]
pub struct AssetQuery;

#[Object]
impl AssetQuery {
    /// One asset of the library, by id.
    async fn asset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AssetNode> {
        let id = asset_id(&id)?;
        let asset = content(ctx).asset(caller(ctx)?, &id).await.gql()?;
        Ok(AssetNode(asset))
    }

    /// The library, newest first.
    async fn assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        #[graphql(validator(max_length = 200))] after: Option<String>,
    ) -> async_graphql::Result<AssetPage> {
        let limit = i64::from(first).clamp(1, MAX_ASSET_PAGE);
        let after = after.filter(|cursor| !cursor.is_empty());
        let (assets, next) = content(ctx)
            .list_assets(caller(ctx)?, after, limit)
            .await
            .gql_args()?;
        Ok(AssetPage {
            has_next_page: next.is_some(),
            end_cursor: next,
            nodes: assets.into_iter().map(AssetNode).collect(),
        })
    }
}

/// Writes to the library: contributors upload, editors and admins describe and delete.
#[derive(Default)]
pub struct AssetMutation;

#[Object]
impl AssetMutation {
    /// Uploads an image (JPEG, PNG or WebP, sniffed from its bytes), sent as a file of a
    /// `multipart/form-data` request. The same bytes uploaded again return the asset already
    /// in the library.
    async fn upload_asset(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        #[graphql(default)] description: AssetDescriptionInput,
    ) -> async_graphql::Result<UploadAssetPayload> {
        let caller = caller(ctx)?;
        let mut bytes = Vec::new();
        file.value(ctx)
            .and_then(|upload| upload.into_read().read_to_end(&mut bytes))
            .map_err(|e| bad_input("file", format!("the file could not be read: {e}")))?;
        let uploaded = content(ctx)
            .upload_asset(caller, bytes, description.into())
            .await
            .gql()?;
        Ok(UploadAssetPayload {
            asset: AssetNode(uploaded.asset),
            created: uploaded.created,
        })
    }

    /// Changes an asset's description; articles showing it carry the new text at once.
    async fn update_asset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        patch: AssetPatchInput,
    ) -> async_graphql::Result<AssetNode> {
        let id = asset_id(&id)?;
        let asset = content(ctx)
            .update_asset(caller(ctx)?, &id, patch.into())
            .await
            .gql()?;
        Ok(AssetNode(asset))
    }

    /// Deletes an asset no article uses (a `CONFLICT` error while one does).
    async fn delete_asset(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let id = asset_id(&id)?;
        content(ctx).delete_asset(caller(ctx)?, &id).await.gql()?;
        Ok(true)
    }
}
