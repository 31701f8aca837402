//! The admin API of the asset library: upload (multipart), list, read, describe, delete, the
//! original (staff only), and signatures for renditions outside the standard set.

use actix_multipart::form::{MultipartForm, bytes::Bytes as FilePart, text::Text};
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    AppState,
    auth::Authenticated,
    json_body::JsonObject,
    views::{ItemEnvelope, ListEnvelope, ListMeta},
};
use crate::{
    domain::{
        asset::{AssetDescription, AssetPatch, FocalPoint},
        image::ImageAsset,
    },
    error::{AppError, AppResult, FieldError},
    media::rendition::Spec,
    service::assets::MAX_ASSET_PAGE,
};

/// Registers the asset routes in the `/admin/v1` scope.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(upload_asset)
        .service(list_assets)
        .service(get_asset)
        .service(update_asset)
        .service(delete_asset)
        .service(get_asset_original)
        .service(sign_rendition);
}

/// An image of the library, as staff see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetJson {
    pub id: String,
    /// SHA-256 of the original's bytes: the same file uploaded again is this asset.
    pub content_hash: String,
    /// The original's type, sniffed from its bytes.
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
    /// The original as uploaded, metadata and all: staff only.
    pub original_url: String,
    /// JPEG renditions at the standard widths. They answer the public only once a public
    /// article shows the image; staff keys get them at any time.
    pub renditions: Vec<crate::domain::image::ImageRendition>,
    /// `srcset` of `renditions`.
    pub srcset: String,
    /// Any standard rendition: replace `{rendition}` with e.g. `800w-16x9.webp`.
    pub rendition_url_template: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl AssetJson {
    fn of(state: &AppState, asset: crate::domain::asset::Asset) -> AssetJson {
        let urls = state.content.rendition_urls();
        let image: ImageAsset = urls.asset(&asset);
        AssetJson {
            original_url: format!("{}/admin/v1/assets/{}/original", urls.base, asset.id),
            srcset: image.srcset(),
            renditions: image.renditions,
            rendition_url_template: image.url_template,
            id: asset.id,
            content_hash: asset.content_hash,
            media_type: asset.media_type,
            width: asset.width,
            height: asset.height,
            byte_size: asset.byte_size,
            alt: asset.alt,
            caption: asset.caption,
            credit: asset.credit,
            copyright: asset.copyright,
            licence: asset.licence,
            focal_point: asset.focal_point,
            created_at: asset.created_at.and_utc(),
            updated_at: asset.updated_at.and_utc(),
        }
    }
}

/// An upload: the image file and what to say of it.
#[derive(MultipartForm)]
#[multipart(deny_unknown_fields, duplicate_field = "deny")]
pub struct UploadForm {
    file: FilePart,
    #[multipart(limit = "4KiB")]
    alt: Option<Text<String>>,
    #[multipart(limit = "4KiB")]
    caption: Option<Text<String>>,
    #[multipart(limit = "4KiB")]
    credit: Option<Text<String>>,
    #[multipart(limit = "4KiB")]
    copyright: Option<Text<String>>,
    #[multipart(limit = "4KiB")]
    licence: Option<Text<String>>,
    #[multipart(limit = "64B")]
    focal_x: Option<Text<String>>,
    #[multipart(limit = "64B")]
    focal_y: Option<Text<String>>,
}

/// The multipart body of an upload, for the document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadFormSchema {
    /// A JPEG, PNG or WebP image (its type is read from its bytes).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(max_length = 2000)]
    alt: Option<String>,
    #[schema(max_length = 2000)]
    caption: Option<String>,
    #[schema(max_length = 2000)]
    credit: Option<String>,
    #[schema(max_length = 2000)]
    copyright: Option<String>,
    #[schema(max_length = 2000)]
    licence: Option<String>,
    /// Where the subject is, from the left edge (0) to the right (1); with `focal_y`.
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1.0)]
    focal_x: Option<String>,
    /// From the top edge (0) to the bottom (1); with `focal_x`.
    #[schema(value_type = Option<f64>, minimum = 0.0, maximum = 1.0)]
    focal_y: Option<String>,
}

fn text(field: Option<Text<String>>) -> Option<String> {
    field
        .map(Text::into_inner)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn focal_point(x: Option<String>, y: Option<String>) -> AppResult<Option<FocalPoint>> {
    let invalid = |field: &str, message: &str| {
        AppError::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    };
    let fraction = |name: &str, raw: &str| {
        raw.parse::<f64>()
            .ok()
            .filter(|v| (0.0..=1.0).contains(v))
            .ok_or_else(|| invalid(name, "a fraction from 0 to 1"))
    };
    match (x, y) {
        (None, None) => Ok(None),
        (Some(x), Some(y)) => Ok(Some(FocalPoint {
            x: fraction("focal_x", &x)?,
            y: fraction("focal_y", &y)?,
        })),
        _ => Err(invalid("focal_x", "send focal_x and focal_y together")),
    }
}

/// Upload an image (contributors, editors, admins). The same bytes again answer 200 with the
/// asset they already are.
#[utoipa::path(
    operation_id = "upload_asset",
    tag = "admin",
    request_body(content = UploadFormSchema, content_type = "multipart/form-data"),
    security(("api_key" = [])),
    responses(
        (status = 201, description = "Stored", body = ItemEnvelope<AssetJson>),
        (status = 200, description = "These bytes were uploaded before: that asset", body = ItemEnvelope<AssetJson>),
        (status = 413, description = "Larger than allowed, in bytes or in pixels"),
        (status = 415, description = "The body is not multipart/form-data"),
        (status = 422, description = "Not a JPEG, PNG or WebP image, or a corrupt or truncated one"),
    )
)]
#[post("/assets")]
pub async fn upload_asset(
    state: web::Data<AppState>,
    caller: Authenticated,
    form: MultipartForm<UploadForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let description = AssetDescription {
        alt: text(form.alt),
        caption: text(form.caption),
        credit: text(form.credit),
        copyright: text(form.copyright),
        licence: text(form.licence),
        focal_point: focal_point(text(form.focal_x), text(form.focal_y))?,
    };
    let bytes = form.file.data.to_vec();
    let uploaded = state
        .content
        .upload_asset(&caller.0, bytes, description)
        .await?;
    let data = AssetJson::of(&state, uploaded.asset);
    Ok(if uploaded.created {
        HttpResponse::Created().json(ItemEnvelope { data })
    } else {
        HttpResponse::Ok().json(ItemEnvelope { data })
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AssetListQuery {
    /// `meta.next_cursor` of the page before.
    #[param(max_length = 200)]
    pub cursor: Option<String>,
    /// Assets per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// The library, newest first.
#[utoipa::path(
    operation_id = "list_assets",
    tag = "admin",
    params(AssetListQuery),
    security(("api_key" = [])),
    responses((status = 200, description = "A page of assets", body = ListEnvelope<AssetJson>))
)]
#[get("/assets")]
pub async fn list_assets(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AssetListQuery>,
) -> AppResult<HttpResponse> {
    let AssetListQuery { cursor, limit } = query.into_inner();
    let limit = limit.unwrap_or(20);
    if !(1..=MAX_ASSET_PAGE as u32).contains(&limit) {
        return Err(AppError::invalid_parameter("limit", "from 1 to 100"));
    }
    let (assets, next_cursor) = state
        .content
        .list_assets(&caller.0, cursor, i64::from(limit))
        .await?;
    Ok(HttpResponse::Ok().json(ListEnvelope {
        data: assets
            .into_iter()
            .map(|a| AssetJson::of(&state, a))
            .collect(),
        meta: ListMeta { next_cursor, limit },
    }))
}

/// One asset.
#[utoipa::path(
    operation_id = "get_asset",
    tag = "admin",
    params(("id" = String, Path, description = "The asset's id", max_length = 36)),
    security(("api_key" = [])),
    responses((status = 200, description = "The asset", body = ItemEnvelope<AssetJson>))
)]
#[get("/assets/{id}")]
pub async fn get_asset(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let asset = state.content.asset(&caller.0, &id).await?;
    Ok(HttpResponse::Ok().json(ItemEnvelope {
        data: AssetJson::of(&state, asset),
    }))
}

/// Change what is said of an image (editors and admins): every article showing it shows the
/// change. Moving the focal point gives its renditions new URLs.
#[utoipa::path(
    operation_id = "update_asset",
    tag = "admin",
    params(("id" = String, Path, description = "The asset's id", max_length = 36)),
    request_body = AssetPatch,
    security(("api_key" = [])),
    responses((status = 200, description = "Saved", body = ItemEnvelope<AssetJson>))
)]
#[patch("/assets/{id}")]
pub async fn update_asset(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<AssetPatch>,
) -> AppResult<HttpResponse> {
    let asset = state
        .content
        .update_asset(&caller.0, &id, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(ItemEnvelope {
        data: AssetJson::of(&state, asset),
    }))
}

/// Delete an image no article uses (editors and admins).
#[utoipa::path(
    operation_id = "delete_asset",
    tag = "admin",
    params(("id" = String, Path, description = "The asset's id", max_length = 36)),
    security(("api_key" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "An article uses it"),
    )
)]
#[delete("/assets/{id}")]
pub async fn delete_asset(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    state.content.delete_asset(&caller.0, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The original file as uploaded, with its metadata (staff only; never public).
#[utoipa::path(
    operation_id = "get_asset_original",
    tag = "admin",
    params(("id" = String, Path, description = "The asset's id", max_length = 36)),
    security(("api_key" = [])),
    responses((status = 200, description = "The original", content_type = "image/jpeg", body = Vec<u8>))
)]
#[get("/assets/{id}/original")]
pub async fn get_asset_original(
    caller: Authenticated,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    let (bytes, media_type) = state.content.asset_original(&caller.0, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type(media_type)
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

/// A rendition outside the standard set.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignRenditionJson {
    /// Width (16 to 4096), optional crop and format: `1000w.jpg`, `1200w-21x9.webp`.
    #[schema(
        max_length = 40,
        pattern = r"^[1-9][0-9]{1,3}w(-[1-9][0-9]?x[1-9][0-9]?)?\.(jpg|webp|png)$"
    )]
    pub rendition: String,
}

/// Its URL, signed.
#[derive(Serialize, ToSchema)]
pub struct SignedRenditionJson {
    pub url: String,
}

/// Sign a rendition URL outside the standard widths and crops, so that a frontend may use it
/// (contributors, editors, admins). Nobody else can make the server compute other sizes.
#[utoipa::path(
    operation_id = "sign_rendition",
    tag = "admin",
    params(("id" = String, Path, description = "The asset's id", max_length = 36)),
    request_body = SignRenditionJson,
    security(("api_key" = [])),
    responses((status = 200, description = "The signed URL", body = ItemEnvelope<SignedRenditionJson>))
)]
#[post("/assets/{id}/signed-renditions")]
pub async fn sign_rendition(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
    body: JsonObject<SignRenditionJson>,
) -> AppResult<HttpResponse> {
    let spec = Spec::parse(&body.into_inner().rendition).map_err(|e| {
        AppError::validation(vec![FieldError {
            field: "rendition".into(),
            message: e.detail,
        }])
    })?;
    let asset = state.content.asset(&caller.0, &id).await?;
    let sig = state
        .content
        .sign_rendition(&caller.0, &asset.id, spec)
        .await?;
    let base = &state.content.rendition_urls().base;
    let url = format!(
        "{base}{}?sig={sig}",
        crate::domain::image::RenditionUrls::path(&asset, &spec)
    );
    Ok(HttpResponse::Ok().json(ItemEnvelope {
        data: SignedRenditionJson { url },
    }))
}
