//! Public renditions: `GET /media/{asset}/{fingerprint}/{rendition}`. A rendition's URL
//! names its bytes for good (the fingerprint changes when the asset's crops would), so it is
//! served `immutable` for a year with a strong ETag. Only assets a public article shows
//! answer; a staff key sees any, with `private, no-store`, so an edge never keeps an image
//! the public may not see.

use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{AppState, auth::MaybeAuthenticated, caching};
use crate::{auth::Action, error::AppResult, media::rendition::Spec, service::assets::Rendition};

/// The path of one rendition of an asset, as article reads list it.
pub fn rendition_path(asset_id: &str, fingerprint: &str, spec: &Spec) -> String {
    format!("/media/{asset_id}/{fingerprint}/{spec}")
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RenditionQuery {
    /// The signature of a rendition outside the standard widths and crops
    /// (`POST /admin/v1/assets/{id}/signed-renditions` makes one).
    #[param(max_length = 100)]
    pub sig: Option<String>,
}

/// One rendition of an image: made on its first request, then served from the media store.
#[utoipa::path(
    operation_id = "get_rendition",
    tag = "media",
    params(
        ("asset_id" = String, Path, description = "The asset's id", format = Uuid),
        ("fingerprint" = String, Path, description = "The asset's version, as article reads give it", pattern = "^[0-9a-f]{12}$"),
        ("rendition" = String, Path, description = "Width, optional crop and format: `640w.jpg`, `640w-16x9.webp`", pattern = r"^[1-9][0-9]{1,3}w(-[1-9][0-9]?x[1-9][0-9]?)?\.(jpg|webp|png)$"),
        RenditionQuery,
    ),
    responses(
        (status = 200, description = "The image", content(
            (Vec<u8> = "image/jpeg"),
            (Vec<u8> = "image/png"),
            (Vec<u8> = "image/webp"),
        )),
        (status = 301, description = "The asset changed since this URL was made: its current URL"),
        (status = 403, description = "A size outside the standard set without a valid signature"),
        (status = 304, description = "Not modified"),
    )
)]
#[get("/media/{asset_id}/{fingerprint}/{rendition}")]
pub async fn get_rendition(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    query: web::Query<RenditionQuery>,
    caller: MaybeAuthenticated,
) -> AppResult<HttpResponse> {
    let (asset_id, fingerprint, rendition) = path.into_inner();
    let spec = Spec::parse(&rendition)?;
    let staff = caller.0.as_ref().is_some_and(|c| c.can(Action::ReadDrafts));
    let answer = state
        .content
        .rendition(!staff, &asset_id, &fingerprint, spec, query.sig.as_deref())
        .await?;
    let cache_control = if staff {
        "private, no-store"
    } else {
        IMMUTABLE
    };
    match answer {
        Rendition::Moved { fingerprint } => {
            let mut location = rendition_path(&asset_id, &fingerprint, &spec);
            if let Some(sig) = &query.sig {
                location = format!("{location}?sig={sig}");
            }
            Ok(HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
                .finish())
        }
        Rendition::Image { bytes, media_type } => {
            let etag = caching::strong_etag(&bytes);
            if caching::is_unchanged(
                req.headers().get(header::IF_NONE_MATCH),
                None,
                &etag,
                None,
                false,
            ) {
                return Ok(HttpResponse::NotModified()
                    .insert_header((header::ETAG, etag))
                    .insert_header((header::CACHE_CONTROL, cache_control))
                    .finish());
            }
            Ok(HttpResponse::Ok()
                .content_type(media_type)
                .insert_header((header::ETAG, etag))
                .insert_header((header::CACHE_CONTROL, cache_control))
                .insert_header(("X-Content-Type-Options", "nosniff"))
                .body(bytes))
        }
    }
}
