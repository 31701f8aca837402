//! Where originals and renditions live: a folder on the local filesystem by default, or an
//! S3-compatible bucket shared by several instances (`object_store` for both). Keys are
//! content-addressed (`originals/{sha256}`) or name the rendition exactly
//! (`renditions/{asset}/{fingerprint}/{spec}`), so a put never changes what a key meant, and
//! every put is atomic (the local store writes a temporary file and renames it; S3 shows an
//! object once complete): a crash leaves no half file that could be served.

use std::sync::Arc;

use bytes::Bytes;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, path::Path};

use crate::error::{AppError, AppResult};

/// An S3-compatible bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Where the media of this instance is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSettings {
    Local(std::path::PathBuf),
    S3(S3Settings),
}

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

fn failed(e: object_store::Error) -> AppError {
    tracing::warn!(error = %e, "the media store failed");
    AppError::unavailable("the media store cannot be reached; retry shortly")
}

impl MediaStore {
    pub fn open(settings: &StoreSettings) -> std::io::Result<MediaStore> {
        let inner: Arc<dyn ObjectStore> = match settings {
            StoreSettings::Local(dir) => {
                std::fs::create_dir_all(dir)?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(dir)
                        .map_err(std::io::Error::other)?,
                )
            }
            StoreSettings::S3(s3) => Arc::new(
                object_store::aws::AmazonS3Builder::new()
                    .with_endpoint(&s3.endpoint)
                    .with_allow_http(true)
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .build()
                    .map_err(std::io::Error::other)?,
            ),
        };
        Ok(MediaStore { inner })
    }

    pub fn original_key(content_hash: &str) -> String {
        format!("originals/{content_hash}")
    }

    pub fn rendition_key(asset_id: &str, fingerprint: &str, spec: &str) -> String {
        format!("renditions/{asset_id}/{fingerprint}/{spec}")
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.inner
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(failed)
    }

    /// The object, or `None` when there is none under `key`.
    pub async fn get(&self, key: &str) -> AppResult<Option<Bytes>> {
        match self.inner.get(&Path::from(key)).await {
            Ok(found) => found.bytes().await.map(Some).map_err(failed),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Removes the object; one that is not there is removed already.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}
