//! Images: reading uploads (`decode`), making renditions (`rendition`), keeping both
//! (`store`), and what bounds the work. The service decides who may see what
//! (`service::assets`); this module knows pixels and bytes only.

pub mod args;
pub mod decode;
pub mod rendition;
pub mod resizer;
pub mod store;

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};

/// Widths every asset has renditions at without a signature, and that article reads list.
pub const DEFAULT_WIDTHS: [u32; 6] = [320, 480, 640, 960, 1280, 1920];
/// The largest upload accepted by default.
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 25 * 1024 * 1024;
/// How long a rendition waits for a turn before the request is refused with 503.
pub const RENDITION_WAIT: Duration = Duration::from_millis(500);

/// How this instance keeps and makes images.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaSettings {
    pub store: store::StoreSettings,
    /// Standard rendition widths, ascending.
    pub widths: Vec<u32>,
    pub max_upload_bytes: usize,
    pub decode: decode::DecodeLimits,
    /// Renditions (and upload decodes) made at once; the rest wait, then get 503.
    pub concurrency: u32,
    /// An external resizer whose URLs article reads list instead of Byline's own.
    pub resizer: Option<resizer::ExternalResizer>,
}

impl MediaSettings {
    /// Media kept in `dir`, with the default limits.
    pub fn local(dir: impl Into<std::path::PathBuf>) -> MediaSettings {
        MediaSettings {
            store: store::StoreSettings::Local(dir.into()),
            widths: DEFAULT_WIDTHS.to_vec(),
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            decode: decode::DecodeLimits::default(),
            concurrency: 2,
            resizer: None,
        }
    }
}

/// The store, the settings and the gate that bounds pixel work, shared by every clone.
#[derive(Clone)]
pub struct Media {
    pub store: store::MediaStore,
    pub settings: Arc<MediaSettings>,
    gate: Arc<Semaphore>,
}

impl Media {
    pub fn open(settings: MediaSettings) -> std::io::Result<Media> {
        let store = store::MediaStore::open(&settings.store)?;
        let gate = Arc::new(Semaphore::new(settings.concurrency.max(1) as usize));
        Ok(Media {
            store,
            settings: Arc::new(settings),
            gate,
        })
    }

    /// A turn at decoding or resizing: a cold cache of renditions takes at most
    /// `concurrency` threads, never every one that serves article reads.
    pub async fn turn(&self) -> AppResult<OwnedSemaphorePermit> {
        let waited =
            actix_web::rt::time::timeout(RENDITION_WAIT, self.gate.clone().acquire_owned()).await;
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(AppError::internal("the rendition gate was closed")),
            Err(_) => Err(AppError::busy(
                "too many images are being processed right now; retry shortly",
            )),
        }
    }
}
