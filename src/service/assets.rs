//! The asset library: uploads (stored once by content hash), their descriptions, and
//! renditions. Who may see a rendition is decided here: the public only of assets a public
//! article shows (an image used only by a draft has no public URL that answers), staff of
//! any.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use bytes::Bytes;
use chrono::NaiveDateTime;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::{ContentService, validate::Checks};
use crate::{
    auth::{Action, Caller, keys::hex},
    db::{convert, queries::assets, rows::AssetRow},
    domain::{
        self,
        asset::{Asset, AssetDescription, AssetPatch},
    },
    error::{AppError, AppResult, ErrorKind},
    media::{
        decode,
        rendition::{self, Spec},
        store::MediaStore,
    },
};

const SIGNING_SECRET: &str = "rendition-url-key";
/// Assets in one page of the admin list, at most.
pub const MAX_ASSET_PAGE: i64 = 100;
/// The longest alt text, caption, credit, copyright or licence.
const MAX_TEXT: usize = 2_000;

/// An upload's outcome: the asset, and whether it is new (the same bytes again are the
/// asset they were before).
pub struct Uploaded {
    pub asset: Asset,
    pub created: bool,
}

/// What a rendition URL answers.
pub enum Rendition {
    /// The encoded image.
    Image {
        bytes: Bytes,
        media_type: &'static str,
    },
    /// The asset changed since the URL was made (its focal point moved): where it is now.
    Moved { fingerprint: String },
}

fn no_asset() -> AppError {
    AppError::not_found("no image is published under this address")
}

fn check_description(description: &AssetDescription) -> AppResult<()> {
    let mut checks = Checks::default();
    for (field, value) in [
        ("alt", &description.alt),
        ("caption", &description.caption),
        ("credit", &description.credit),
        ("copyright", &description.copyright),
        ("licence", &description.licence),
    ] {
        checks.optional_text(field, value.as_deref(), MAX_TEXT);
    }
    if description.focal_point.is_some_and(|f| !f.is_valid()) {
        checks.fail("focal_point", "x and y are fractions from 0 to 1");
    }
    checks.finish()
}

fn row_of(
    id: String,
    hash: String,
    probe: (&str, u32, u32, usize),
    description: AssetDescription,
    by: &Caller,
    now: NaiveDateTime,
) -> AssetRow {
    let (media_type, width, height, size) = probe;
    described(
        AssetRow {
            id,
            content_hash: hash,
            media_type: media_type.to_owned(),
            width: width as i32,
            height: height as i32,
            byte_size: size as i64,
            alt: None,
            caption: None,
            credit: None,
            copyright: None,
            licence: None,
            focal_x: None,
            focal_y: None,
            uploaded_by: Some(by.name.clone()),
            created_at: now,
            updated_at: now,
        },
        description,
    )
}

/// `row` saying what `description` says of the image.
fn described(row: AssetRow, description: AssetDescription) -> AssetRow {
    let focal = description.focal_point;
    AssetRow {
        alt: description.alt,
        caption: description.caption,
        credit: description.credit,
        copyright: description.copyright,
        licence: description.licence,
        focal_x: focal.map(|f| f.x),
        focal_y: focal.map(|f| f.y),
        ..row
    }
}

impl ContentService {
    /// Stores an uploaded image: sniffed, decoded once in full (a corrupt, truncated or
    /// oversized one is refused), kept under its content hash, then described by a row.
    /// The file is in the store before the row exists, and is removed again if the row
    /// cannot be written, so there is never a row without its file; a file left by a crash
    /// between the two has no row and is taken by the next upload of the same bytes.
    pub async fn upload_asset(
        &self,
        caller: &Caller,
        bytes: Vec<u8>,
        description: AssetDescription,
    ) -> AppResult<Uploaded> {
        caller.require(Action::UploadAssets)?;
        let media = self.media().clone();
        if bytes.len() > media.settings.max_upload_bytes {
            return Err(AppError::new(
                ErrorKind::TooLarge,
                format!(
                    "the upload is {} bytes; at most {} are accepted",
                    bytes.len(),
                    media.settings.max_upload_bytes
                ),
            ));
        }
        check_description(&description)?;
        let hash = hex(&Sha256::digest(&bytes));
        let known = hash.clone();
        if let Some(row) = self
            .db
            .read(move |conn| Ok(assets::by_hash(conn, &known)?))
            .await?
        {
            return Ok(Uploaded {
                asset: convert::asset(row),
                created: false,
            });
        }
        let limits = media.settings.decode;
        let turn = media.turn().await?;
        let (bytes, probe) = actix_web::web::block(move || {
            let decoded = decode::decode(&bytes, &limits)?;
            let probe = (
                decode::media_type(decoded.format),
                decoded.image.width(),
                decoded.image.height(),
                bytes.len(),
            );
            Ok::<_, AppError>((bytes, probe))
        })
        .await
        .map_err(AppError::internal)??;
        drop(turn);
        let key = MediaStore::original_key(&hash);
        media.store.put(&key, bytes).await?;
        let row = row_of(
            domain::new_id(),
            hash.clone(),
            probe,
            description,
            caller,
            domain::now(),
        );
        let written = self
            .write(move |conn, _changed| {
                // The same bytes uploaded at the same moment by someone else: theirs.
                if let Some(existing) = assets::by_hash(conn, &row.content_hash)? {
                    return Ok((existing, false));
                }
                assets::insert(conn, &row)?;
                Ok((row, true))
            })
            .await;
        match written {
            Ok((row, created)) => Ok(Uploaded {
                asset: convert::asset(row),
                created,
            }),
            Err(e) => {
                let still_used = self
                    .db
                    .read(move |conn| Ok(assets::by_hash(conn, &hash)?.is_some()))
                    .await
                    .unwrap_or(true);
                if !still_used {
                    let _ = media.store.delete(&key).await;
                }
                Err(e)
            }
        }
    }

    pub async fn asset(&self, caller: &Caller, id: &str) -> AppResult<Asset> {
        caller.require(Action::UploadAssets)?;
        let id = id.to_owned();
        self.db
            .read(move |conn| Ok(assets::by_id(conn, &id)?))
            .await?
            .map(convert::asset)
            .ok_or_else(|| AppError::not_found("no asset has this id"))
    }

    /// A page of the library, newest first; the cursor is the last asset of the page before.
    pub async fn list_assets(
        &self,
        caller: &Caller,
        after: Option<String>,
        limit: i64,
    ) -> AppResult<(Vec<Asset>, Option<String>)> {
        caller.require(Action::UploadAssets)?;
        let after = match after {
            Some(cursor) => Some(parse_cursor(&cursor)?),
            None => None,
        };
        let limit = limit.clamp(1, MAX_ASSET_PAGE);
        let mut rows = self
            .db
            .read(move |conn| Ok(assets::list(conn, after, limit + 1)?))
            .await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next = more
            .then(|| rows.last().map(|r| cursor_of(r.created_at, &r.id)))
            .flatten();
        Ok((rows.into_iter().map(convert::asset).collect(), next))
    }

    /// Changes an asset's description. Articles showing it carry the new text at once, and
    /// renditions whose crop moved get new URLs.
    pub async fn update_asset(
        &self,
        caller: &Caller,
        id: &str,
        patch: AssetPatch,
    ) -> AppResult<Asset> {
        caller.require(Action::ManageAssets)?;
        let id = id.to_owned();
        self.write(move |conn, changed| {
            let row = assets::by_id(conn, &id)?
                .ok_or_else(|| AppError::not_found("no asset has this id"))?;
            let description = convert::asset(row.clone()).description().patched(patch);
            check_description(&description)?;
            let updated = AssetRow {
                updated_at: domain::now(),
                ..described(row, description)
            };
            assets::update(conn, &updated)?;
            changed.asset_changed(&updated.id);
            Ok(convert::asset(updated))
        })
        .await
    }

    /// Deletes an asset no article uses (409 while one does), and its files.
    pub async fn delete_asset(&self, caller: &Caller, id: &str) -> AppResult<()> {
        caller.require(Action::ManageAssets)?;
        let id = id.to_owned();
        let row = self
            .write(move |conn, _changed| {
                let row = assets::by_id(conn, &id)?
                    .ok_or_else(|| AppError::not_found("no asset has this id"))?;
                if assets::in_use(conn, &id)? {
                    return Err(AppError::new(
                        ErrorKind::Conflict,
                        "an article uses this asset: remove it from the article first",
                    ));
                }
                assets::delete(conn, &id)?;
                Ok(row)
            })
            .await?;
        // Renditions are left to the store's lifecycle rules: their keys name this asset
        // only, and nothing serves them without its row.
        self.media()
            .store
            .delete(&MediaStore::original_key(&row.content_hash))
            .await
    }

    /// The original as uploaded (with its metadata): staff only, never public.
    pub async fn asset_original(&self, caller: &Caller, id: &str) -> AppResult<(Bytes, String)> {
        let asset = self.asset(caller, id).await?;
        let bytes = self
            .media()
            .store
            .get(&MediaStore::original_key(&asset.content_hash))
            .await?
            .ok_or_else(|| AppError::internal("an asset's original is missing from the store"))?;
        Ok((bytes, asset.media_type))
    }

    /// The signature a rendition URL outside the standard set carries.
    pub async fn sign_rendition(&self, caller: &Caller, id: &str, spec: Spec) -> AppResult<String> {
        caller.require(Action::UploadAssets)?;
        let secret = self.server_secret(SIGNING_SECRET).await?;
        Ok(URL_SAFE_NO_PAD.encode(signature(&secret, id, spec)?))
    }

    /// The rendition `spec` of asset `id` at `fingerprint`, made on first request and kept.
    /// `public`: the caller is anyone, who sees only assets a public article shows.
    pub async fn rendition(
        &self,
        public: bool,
        id: &str,
        fingerprint: &str,
        spec: Spec,
        signed: Option<&str>,
    ) -> AppResult<Rendition> {
        let media = self.media().clone();
        if !spec.is_standard(&media.settings.widths) {
            let secret = self.server_secret(SIGNING_SECRET).await?;
            let given = signed
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or_else(|| {
                    AppError::forbidden(
                        "this rendition is not a standard size: its URL must be signed",
                    )
                })?;
            verify(&secret, id, spec, &given)?;
        }
        let (key, now) = (id.to_owned(), domain::now());
        let (row, shown) = self
            .db
            .read(move |conn| {
                let row = assets::by_id(conn, &key)?;
                let shown = match &row {
                    Some(_) if public => assets::shown_publicly(conn, &key, now)?,
                    Some(_) => true,
                    None => false,
                };
                Ok((row, shown))
            })
            .await?;
        let asset = match row {
            Some(row) if shown => convert::asset(row),
            _ => return Err(no_asset()),
        };
        let current = asset.fingerprint();
        if current != fingerprint {
            return Ok(Rendition::Moved {
                fingerprint: current,
            });
        }
        let stored_as = MediaStore::rendition_key(&asset.id, &current, &spec.to_string());
        let media_type = spec.format.media_type();
        if let Some(bytes) = media.store.get(&stored_as).await? {
            return Ok(Rendition::Image { bytes, media_type });
        }
        let original = media
            .store
            .get(&MediaStore::original_key(&asset.content_hash))
            .await?
            .ok_or_else(|| AppError::internal("an asset's original is missing from the store"))?;
        let turn = media.turn().await?;
        let limits = media.settings.decode;
        let focal = asset.focal_point.unwrap_or_default();
        let encoded = actix_web::web::block(move || {
            let decoded = decode::decode(&original, &limits)?;
            rendition::render(&decoded.image, focal, spec)
        })
        .await
        .map_err(AppError::internal)??;
        drop(turn);
        media.store.put(&stored_as, encoded.clone()).await?;
        Ok(Rendition::Image {
            bytes: Bytes::from(encoded),
            media_type,
        })
    }
}

fn signature(secret: &str, id: &str, spec: Spec) -> AppResult<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(AppError::internal)?;
    mac.update(format!("{id}/{spec}").as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

fn verify(secret: &str, id: &str, spec: Spec, given: &[u8]) -> AppResult<()> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(AppError::internal)?;
    mac.update(format!("{id}/{spec}").as_bytes());
    mac.verify_slice(given)
        .map_err(|_| AppError::forbidden("the rendition URL's signature is not valid"))
}

fn cursor_of(created_at: NaiveDateTime, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", created_at.and_utc().timestamp_micros()))
}

fn parse_cursor(cursor: &str) -> AppResult<(NaiveDateTime, String)> {
    let invalid = || AppError::invalid_parameter("cursor", "not a cursor this list gave out");
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?)
        .map_err(|_| invalid())?;
    let (micros, id) = raw.split_once('|').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let time = chrono::DateTime::from_timestamp_micros(micros)
        .ok_or_else(invalid)?
        .naive_utc();
    Ok((time, id.to_owned()))
}
