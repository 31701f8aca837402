//! The rules of the content API: who sees what, validation, rendering, pagination. REST
//! handlers and GraphQL resolvers both call `ContentService`; neither holds SQL or a business
//! rule. Every read of articles goes through `read` with an `audience::Audience`.

pub mod assets;
pub mod audience;
#[cfg(test)]
mod body_fixtures;
pub mod deliveries;
pub mod editorial;
pub mod feeds;
pub mod invalidation;
pub mod keys;
pub mod outbox;
pub mod peers;
pub mod preview;
pub mod purge;
pub mod read;
pub mod render;
pub mod sanitize;
pub mod search_limits;
pub mod stream;
pub mod syndication;
pub mod taxonomy;
pub mod taxonomy_admin;
pub mod validate;
pub mod webhooks;

use std::sync::Arc;

use crate::{db::Db, domain::webhook_target::TargetPolicy};
use search_limits::{SearchGate, SearchLimits};

/// The one entry point for reading and writing content.
#[derive(Clone)]
pub struct ContentService {
    db: Db,
    /// Shared by every clone: the cap holds across REST, GraphQL and the admin API.
    search: SearchGate,
    /// Where webhooks may go: checked at subscription, and by the dispatcher at delivery.
    webhook_targets: Arc<TargetPolicy>,
    /// How this process's webhook deliveries went, for `/metrics`.
    deliveries: deliveries::DeliveryTally,
    /// Where committed changes are announced to caches (shared by every clone).
    invalidations: invalidation::Bus,
    /// When time alone next changes what the public sees.
    clock: invalidation::VisibilityClock,
    /// Who this service is to the other instances on its database.
    instance: peers::InstanceId,
    /// Whether it hears every instance's changes now.
    hearing: peers::Hearing,
    /// The sections, authors and tags pages show, kept while no change can be missed.
    terms: read::terms::TermMemo,
    /// Where images are kept and how renditions are made.
    media: crate::media::Media,
    /// Where rendition URLs start (Byline's public base URL) and the standard widths.
    rendition_urls: Arc<crate::domain::image::RenditionUrls>,
}

impl ContentService {
    /// A service with the default search limits for `db`'s pool, whose webhooks reach public
    /// hosts only.
    pub fn new(db: Db) -> Self {
        let search = SearchGate::new(SearchLimits::for_pool(db.pool_size()));
        let invalidations = invalidation::Bus::default();
        let clock = invalidation::VisibilityClock::default();
        invalidations.subscribe(Arc::new(clock.clone()));
        let hearing = peers::Hearing::default();
        let terms = read::terms::TermMemo::new(hearing.clone());
        invalidations.subscribe(Arc::new(terms.clone()));
        ContentService {
            db,
            search,
            deliveries: deliveries::DeliveryTally::default(),
            webhook_targets: Arc::default(),
            invalidations,
            clock,
            instance: peers::InstanceId::random(),
            hearing,
            terms,
            media: default_media(),
            rendition_urls: Arc::new(crate::domain::image::RenditionUrls {
                base: String::new(),
                widths: crate::media::DEFAULT_WIDTHS.to_vec(),
                resizer: None,
                article_links: None,
            }),
        }
    }

    /// Who this service is to the other instances on its database.
    pub fn instance(&self) -> &peers::InstanceId {
        &self.instance
    }

    /// Whether this instance hears every change committed to its database now.
    pub fn hearing(&self) -> &peers::Hearing {
        &self.hearing
    }

    /// Where images are kept and how renditions are made.
    pub fn media(&self) -> &crate::media::Media {
        &self.media
    }

    /// Where rendition URLs start, and the standard widths.
    pub fn rendition_urls(&self) -> &crate::domain::image::RenditionUrls {
        &self.rendition_urls
    }

    /// The same service keeping images as `media` says.
    pub fn with_media(self, media: crate::media::Media) -> Self {
        let rendition_urls = Arc::new(crate::domain::image::RenditionUrls {
            base: self.rendition_urls.base.clone(),
            widths: media.settings.widths.clone(),
            resizer: media.settings.resizer.clone(),
            article_links: self.rendition_urls.article_links.clone(),
        });
        ContentService {
            media,
            rendition_urls,
            ..self
        }
    }

    /// The same service giving rendition URLs under `base` (Byline's public base URL).
    pub fn with_public_base(self, base: &str) -> Self {
        let rendition_urls = Arc::new(crate::domain::image::RenditionUrls {
            base: base.trim_end_matches('/').to_owned(),
            ..(*self.rendition_urls).clone()
        });
        ContentService {
            rendition_urls,
            ..self
        }
    }

    /// The same service linking bodies' related articles to the frontend's article URLs.
    pub fn with_article_links(self, template: crate::feeds::url::ArticleUrlTemplate) -> Self {
        let rendition_urls = Arc::new(crate::domain::image::RenditionUrls {
            article_links: Some(Arc::new(template)),
            ..(*self.rendition_urls).clone()
        });
        ContentService {
            rendition_urls,
            ..self
        }
    }

    /// Where committed changes are announced: caches subscribe here.
    pub fn invalidations(&self) -> &invalidation::Bus {
        &self.invalidations
    }

    /// When time alone next changes what the public sees.
    pub fn visibility_clock(&self) -> &invalidation::VisibilityClock {
        &self.clock
    }

    /// The one door of content writes: `work` runs in one transaction and notes in the
    /// [`Invalidation`](invalidation::Invalidation) what public responses its change affects
    /// (the outbox does, with the change's events) and queues its `cache.purge` for CDNs; in
    /// the same transaction, the other instances on a PostgreSQL database are notified of it
    /// (delivered on commit). Once the transaction has committed, and before this returns,
    /// every cache of this instance hears of it. A rolled-back change tells nobody.
    pub(crate) async fn write<T, F>(&self, work: F) -> crate::error::AppResult<T>
    where
        F: FnOnce(
                &mut crate::db::DbConnection,
                &mut invalidation::Invalidation,
            ) -> crate::error::AppResult<T>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let instance = self.instance.clone();
        let (value, changed) = self
            .db
            .write(move |conn| {
                let mut changed = invalidation::Invalidation::default();
                let value = work(conn, &mut changed)?;
                purge::queue_for_write(conn, &changed)?;
                peers::announce(conn, &instance, &changed)?;
                Ok((value, changed))
            })
            .await?;
        self.invalidations.publish(&changed);
        Ok(value)
    }

    /// The same service letting webhooks reach the private targets `targets` lists
    /// (`--webhook-allow-private`).
    pub fn with_webhook_targets(self, targets: TargetPolicy) -> Self {
        ContentService {
            webhook_targets: Arc::new(targets),
            ..self
        }
    }

    /// Where webhooks may go, for the dispatcher.
    pub fn webhook_targets(&self) -> Arc<TargetPolicy> {
        self.webhook_targets.clone()
    }

    /// The same service with other search limits (and a gate of its own).
    pub fn with_search_limits(self, limits: SearchLimits) -> Self {
        ContentService {
            search: SearchGate::new(limits),
            ..self
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The gate every search passes.
    pub fn search_gate(&self) -> &SearchGate {
        &self.search
    }
}

/// Media kept in a folder of its own under the system's temporary directory: what a service
/// made without settings (tests, tools) uses. `byline serve` passes `--media-dir`.
fn default_media() -> crate::media::Media {
    let dir = std::env::temp_dir().join(format!("byline-media-{}", uuid::Uuid::new_v4().simple()));
    crate::media::Media::open(crate::media::MediaSettings::local(dir))
        .expect("a folder under the temporary directory can be made")
}
