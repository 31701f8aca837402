//! Builds the running application: binds the listener (port 0 in tests), wires state,
//! middleware and routes.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use actix_cors::Cors;
use actix_web::{
    App, HttpServer,
    body::BoxBody,
    dev::{Server, Service, ServiceRequest, ServiceResponse},
    http::{Method, header},
    middleware, web,
};

use crate::{
    config::Settings,
    error::AppError,
    http::{self, AppState},
    service::ContentService,
};

/// HEAD is GET without the body (RFC 9110 §9.3.2), on every route.
fn answer_head_like_get<S>(
    mut req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let response = srv.call(req);
    async move {
        let response = response.await?;
        Ok(if head {
            response.map_body(|_, _| BoxBody::new(()))
        } else {
            response
        })
    }
}

/// With `require_content_key`, every read needs a valid key of any role. Probes and the API
/// contract stay open; admin routes check keys themselves.
fn require_read_key<S>(
    req: ServiceRequest,
    srv: &S,
) -> impl std::future::Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let path = req.path();
    let open = ["/healthz", "/readyz", "/metrics", "/openapi.yaml"].contains(&path)
        || path.starts_with("/admin/");
    let gate = state.filter(|s| s.settings.require_content_key && !open);
    let key = http::auth::presented_key(req.request());
    let response = srv.call(req);
    async move {
        if let Some(state) = gate {
            let Some(key) = key else {
                return Err(AppError::unauthenticated(
                    "reads need an API key: `Authorization: Bearer byl_…`",
                )
                .into());
            };
            state.content.authenticate(&key).await?;
        }
        response.await
    }
}

/// A bound, not yet running server.
pub struct Application {
    server: Server,
    port: u16,
    host: String,
    draining: Arc<AtomicBool>,
    drain: Duration,
    /// Hears other instances' changes while the server runs (PostgreSQL, cache on).
    listening: Option<crate::service::peers::listen::Running>,
}

fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"])
        .allowed_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::IF_NONE_MATCH,
            header::IF_MODIFIED_SINCE,
            header::IF_MATCH,
            header::HeaderName::from_static("x-api-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LAST_MODIFIED,
            header::CACHE_CONTROL,
            header::LOCATION,
            header::RETRY_AFTER,
            http::rate_limit::RATELIMIT_POLICY.clone(),
            http::rate_limit::RATELIMIT.clone(),
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        cors.allow_any_origin()
    } else {
        origins
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin))
    }
}

impl Application {
    /// Binds `settings.bind` and prepares the server over `content`.
    pub fn build(settings: Settings, content: ContentService) -> std::io::Result<Application> {
        let listener = TcpListener::bind(&settings.bind)?;
        let address = listener.local_addr()?;
        let workers = settings.workers;
        let (blocking_threads, pool_size) = (settings.blocking_threads, settings.pool_size);
        let drain = settings.shutdown_drain;
        let shutdown_timeout = settings.shutdown_timeout;
        let draining = Arc::new(AtomicBool::new(false));
        // Rendition URLs are absolute, and the same for every request (cached answers are
        // shared): the configured public URL, else the address bound.
        let base = settings
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{address}"));
        let mut publication = crate::feeds::Publication::from_settings(&settings)
            .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
        let content = content
            .with_public_base(&base)
            .with_article_links(publication.article_urls.clone());
        publication.images = content.rendition_urls().clone();
        let graphql = crate::graphql::build_schema(
            content.clone(),
            publication.clone(),
            settings.graphql_introspection,
        );
        let response_cache = http::response_cache::build(
            settings.response_cache_bytes,
            &content,
            settings.syndication_settle,
        );
        // Also without the cache: the clock queues the CDN's `cache.purge` when time brings
        // an article out.
        actix_web::rt::spawn(content.clone().run_visibility_clock());
        // The response cache and the term memo keep what another instance's change would make
        // stale; the memo is there with the cache off too.
        let listening = crate::service::peers::listen::spawn(&content);
        // The realtime stream hears what the caches hear: writes here and on other
        // instances, and the clock's embargo lifts.
        let stream = crate::service::stream::StreamHub::new(settings.stream_settle);
        content
            .invalidations()
            .subscribe(std::sync::Arc::new(stream.clone()));
        actix_web::rt::spawn(stream.clone().run(content.clone()));
        let state = web::Data::new(AppState {
            stream,
            rate_limits: http::rate_limit::RateLimiter::new(&settings.rate_limits),
            metrics: crate::metrics::Metrics::new(&content, response_cache.clone()),
            response_cache,
            content,
            graphql,
            publication,
            settings,
            draining: draining.clone(),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap_fn(http::bounds::problem_for_plain_errors)
                // Inside the limiter (hits count against quotas and carry its headers), CORS
                // and compression (entries hold identity bodies, encoded per request).
                .wrap(http::response_cache::ResponseCaching)
                .wrap(http::rate_limit::RateLimit)
                .wrap(cors(&state.settings.cors_origins))
                .wrap(middleware::Compress::default())
                .wrap_fn(|req, srv| {
                    let response = srv.call(req);
                    async move {
                        response
                            .await
                            .map(|r| http::caching::tag_encoding(r).map_into_boxed_body())
                    }
                })
                .wrap_fn(require_read_key)
                .wrap_fn(answer_head_like_get)
                .wrap_fn(http::bounds::bound_request)
                .wrap(http::metrics::RecordRequests)
                .wrap(tracing_actix_web::TracingLogger::default())
                .configure(http::routes)
                .default_service(web::to(http::methods::unrouted))
        });
        if let Some(n) = workers {
            server = server.workers(n);
        }
        let workers = workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        server = server.worker_max_blocking_threads(blocking_threads_per_worker(
            blocking_threads,
            pool_size,
            workers,
        ));
        // Signals are handled by `stop_on_signals`, which drains before stopping.
        let server = server
            .disable_signals()
            .shutdown_timeout(shutdown_timeout.as_secs().max(1))
            .listen(listener)?
            .run();
        Ok(Application {
            server,
            port: address.port(),
            host: address.ip().to_string(),
            draining,
            drain,
            listening,
        })
    }

    /// Stops gracefully on SIGTERM or Ctrl-C (see [`Application::shutdown`]).
    pub fn stop_on_signals(&self) {
        let shutdown = self.shutdown();
        actix_web::rt::spawn(async move {
            terminated().await;
            tracing::info!("shutting down: draining, then finishing requests in flight");
            shutdown.await;
        });
    }

    /// A graceful stop: `/readyz` turns 503 and answers carry `Connection: close` for the
    /// drain time while requests are still served; then the listener closes and requests in
    /// flight finish (within the shutdown timeout) before the server stops.
    pub fn shutdown(&self) -> impl std::future::Future<Output = ()> + use<> {
        let draining = self.draining.clone();
        let drain = self.drain;
        let handle = self.server.handle();
        async move {
            draining.store(true, Ordering::Relaxed);
            actix_web::rt::time::sleep(drain).await;
            handle.stop(true).await;
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Serves until stopped; the listener stops with the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _listening = self.listening;
        self.server.await
    }
}

/// Each worker has a blocking pool of its own (tokio's default would allow 512 threads each):
/// split the total between them, the pool size and two more unless told otherwise.
fn blocking_threads_per_worker(total: Option<usize>, pool_size: u32, workers: usize) -> usize {
    let total = total.unwrap_or(pool_size as usize + 2);
    total.div_ceil(workers.max(1)).max(1)
}

/// Resolves at the first SIGTERM or SIGINT.
async fn terminated() {
    #[cfg(unix)]
    {
        use actix_web::rt::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            let term = Box::pin(term.recv());
            let interrupt = Box::pin(actix_web::rt::signal::ctrl_c());
            futures_util::future::select(term, interrupt).await;
            return;
        }
    }
    let _ = actix_web::rt::signal::ctrl_c().await;
}

/// Publishes due scheduled articles now (catching up on any missed while stopped) and then
/// every `interval`. Every instance may run it: each publication is saved once.
pub fn spawn_scheduler(content: ContentService, interval: std::time::Duration) {
    actix_web::rt::spawn(async move {
        loop {
            match content.publish_due_articles().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(published = n, "published scheduled articles"),
                Err(e) => tracing::warn!(error = %e, "the scheduler could not run"),
            }
            actix_web::rt::time::sleep(interval).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::blocking_threads_per_worker;

    #[test]
    fn blocking_threads_are_split_between_workers() {
        assert_eq!(blocking_threads_per_worker(None, 8, 2), 5);
        assert_eq!(blocking_threads_per_worker(None, 8, 1), 10);
        assert_eq!(blocking_threads_per_worker(Some(3), 8, 2), 2);
        assert_eq!(blocking_threads_per_worker(Some(1), 8, 4), 1);
    }
}
