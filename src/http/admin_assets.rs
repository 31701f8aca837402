//! The admin API of the asset library: upload (multipart), list, read, describe, delete, the
//! original (staff only), and signatures for renditions outside the standard set.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, http::header, patch, post, web};
use futures_util::TryStreamExt;
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

/// The text fields an upload may carry, besides `file`.
const TEXT_FIELDS: [&str; 7] = [
    "alt",
    "caption",
    "credit",
    "copyright",
    "licence",
    "focal_x",
    "focal_y",
];
/// The longest text field, in bytes.
const MAX_TEXT_FIELD: usize = 4096;

fn form_error(field: &str, message: &str) -> AppError {
    AppError::validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// The file and the text fields of an upload, each bounded: the file by the largest upload
/// (checked as it arrives), a text field by 4 KiB. A field without a name, an unknown one or
/// one sent twice is refused (422, naming it).
async fn read_form(
    mut form: Multipart,
    max_file: usize,
) -> AppResult<(Vec<u8>, std::collections::HashMap<&'static str, String>)> {
    let mut file: Option<Vec<u8>> = None;
    let mut texts = std::collections::HashMap::new();
    while let Some(mut field) = form.try_next().await.map_err(multipart_failure)? {
        let name = field.name().unwrap_or_default().to_owned();
        let (known, limit) = match name.as_str() {
            "file" => ("file", max_file),
            other => match TEXT_FIELDS.iter().find(|f| **f == other) {
                Some(known) => (*known, MAX_TEXT_FIELD),
                None => {
                    let shown = if name.is_empty() {
                        "(no name)"
                    } else {
                        name.as_str()
                    };
                    return Err(form_error(shown, "not a field of an upload"));
                }
            },
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.try_next().await.map_err(multipart_failure)? {
            if bytes.len() + chunk.len() > limit {
                return Err(AppError::new(
                    crate::error::ErrorKind::TooLarge,
                    format!("`{known}` is larger than {limit} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if known == "file" {
            if file.replace(bytes).is_some() {
                return Err(form_error("file", "sent twice"));
            }
            continue;
        }
        let text = String::from_utf8(bytes).map_err(|_| form_error(known, "not UTF-8 text"))?;
        if texts.insert(known, text.trim().to_owned()).is_some() {
            return Err(form_error(known, "sent twice"));
        }
    }
    let file = file.ok_or_else(|| form_error("file", "the upload has no `file`"))?;
    texts.retain(|_, v: &mut String| !v.is_empty());
    Ok((file, texts))
}

/// Not multipart at all is a 400; a multipart body with a part that cannot be read (a header
/// the parser refuses, a truncated part) a 422 naming the body.
fn multipart_failure(err: actix_multipart::MultipartError) -> AppError {
    use actix_multipart::MultipartError as E;
    match err {
        E::ContentTypeMissing
        | E::ContentTypeParse
        | E::ContentTypeIncompatible
        | E::BoundaryMissing => AppError::invalid_parameter(
            "body",
            format!("the body must be multipart/form-data: {err}"),
        ),
        other => form_error(
            "body",
            &format!("a part of the form cannot be read: {other}"),
        ),
    }
}

fn focal_point(x: Option<String>, y: Option<String>) -> AppResult<Option<FocalPoint>> {
    let invalid = form_error;
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
    form: Multipart,
) -> AppResult<HttpResponse> {
    let max_file = state.content.media().settings.max_upload_bytes;
    let (bytes, mut texts) = read_form(form, max_file).await?;
    let description = AssetDescription {
        alt: texts.remove("alt"),
        caption: texts.remove("caption"),
        credit: texts.remove("credit"),
        copyright: texts.remove("copyright"),
        licence: texts.remove("licence"),
        focal_point: focal_point(texts.remove("focal_x"), texts.remove("focal_y"))?,
    };
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
    // An empty cursor is the first page, as on every other list.
    let cursor = cursor.filter(|c| !c.is_empty());
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
    responses((status = 200, description = "The original", content(
        (Vec<u8> = "image/jpeg"),
        (Vec<u8> = "image/png"),
        (Vec<u8> = "image/webp"),
    )))
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
