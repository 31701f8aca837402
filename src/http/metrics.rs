//! `/metrics` on HTTP: who may read it, the handler that serves the registry, and the
//! middleware that counts every request by route pattern.

use std::{
    future::{Ready, ready},
    net::IpAddr,
    rc::Rc,
    time::Instant,
};

use actix_web::{
    HttpRequest, HttpResponse,
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    get,
    http::{
        Method,
        header::{self, HeaderMap},
    },
    web,
};
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;

use super::AppState;
use crate::{
    error::{AppError, AppResult},
    metrics::RequestLabels,
};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const PROMETHEUS_TEXT: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Who may read `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsAccess {
    /// Whether `/metrics` answers at all.
    pub enabled: bool,
    /// With a key, every scraper must send `Authorization: Bearer <key>`, from anywhere;
    /// without one, only loopback peers that are not relaying someone else may read.
    pub key: Option<String>,
}

impl Default for MetricsAccess {
    fn default() -> Self {
        MetricsAccess {
            enabled: true,
            key: None,
        }
    }
}

/// `byline serve` flags for [`MetricsAccess`].
#[derive(Debug, Clone, clap::Args)]
pub struct MetricsArgs {
    /// Serve Prometheus metrics at /metrics (to loopback peers only, unless --metrics-key).
    #[arg(long, env = "BYLINE_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,
    /// A secret that opens /metrics to any peer sending `Authorization: Bearer <secret>`
    /// (and then to no peer without it, loopback included).
    #[arg(long, env = "BYLINE_METRICS_KEY", hide_env_values = true)]
    pub metrics_key: Option<String>,
}

impl MetricsArgs {
    pub fn settings(&self) -> MetricsAccess {
        MetricsAccess {
            enabled: self.metrics,
            key: self
                .metrics_key
                .as_ref()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty()),
        }
    }
}

/// What `/metrics` says to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Metrics are turned off: 404.
    Disabled,
    /// A key is configured and the request did not send it: 401.
    NeedsKey,
    /// No key is configured and the request is not from this machine: 403.
    LoopbackOnly,
}

/// Headers a proxy adds when it relays a request: a loopback peer sending one is a proxy on
/// this machine speaking for someone else.
const RELAY_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// Who may read: the one rule, kept apart from HTTP so a non-loopback peer can be tested.
pub fn verdict(access: &MetricsAccess, peer: Option<IpAddr>, headers: &HeaderMap) -> Verdict {
    if !access.enabled {
        return Verdict::Disabled;
    }
    if let Some(key) = &access.key {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        return if bool::from(sent.as_bytes().ct_eq(key.as_bytes())) {
            Verdict::Allowed
        } else {
            Verdict::NeedsKey
        };
    }
    let relayed = RELAY_HEADERS.iter().any(|h| headers.contains_key(*h));
    if peer.is_some_and(|ip| ip.is_loopback()) && !relayed {
        Verdict::Allowed
    } else {
        Verdict::LoopbackOnly
    }
}

/// Prometheus metrics.
///
/// HTTP requests by route pattern, the database pool, searches, webhook deliveries and
/// rate-limit refusals. Loopback peers only, unless `--metrics-key` is set; OpenMetrics text
/// when `Accept` asks for it. Never rate limited.
#[utoipa::path(
    operation_id = "get_metrics",
    tag = "health",
    responses(
        (status = 200, description = "The Prometheus text format (0.0.4), or OpenMetrics 1.0 text", body = String, content_type = "text/plain"),
        (status = 401, description = "`--metrics-key` is set and the request did not send it", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not from a loopback peer (and no `--metrics-key` is set)", body = super::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are turned off (`--metrics false`)", body = super::problem::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn read_metrics(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let peer = req.peer_addr().map(|a| a.ip());
    match verdict(&state.settings.metrics, peer, req.headers()) {
        Verdict::Allowed => {}
        Verdict::Disabled => return Err(AppError::not_found("no route for GET /metrics")),
        Verdict::NeedsKey => {
            return Err(AppError::unauthenticated(
                "metrics need the metrics key: `Authorization: Bearer …`",
            ));
        }
        Verdict::LoopbackOnly => {
            return Err(AppError::forbidden(
                "metrics answer loopback peers only; set --metrics-key to read them from elsewhere",
            ));
        }
    }
    let openmetrics = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    state.metrics.refresh().await;
    let text = state
        .metrics
        .encode(openmetrics)
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(if openmetrics {
            OPENMETRICS
        } else {
            PROMETHEUS_TEXT
        })
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(text))
}

/// The method as a label: the usual ones by name, anything else as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The middleware: counts every request, whoever answered it (a handler, the rate limiter,
/// the key check), by method, route pattern and status, and times it to the response head.
pub struct RecordRequests;

impl<S, B> Transform<S, ServiceRequest> for RecordRequests
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = RecordRequestsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RecordRequestsService {
            service: Rc::new(service),
        }))
    }
}

pub struct RecordRequestsService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for RecordRequestsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let started = Instant::now();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let method = method_label(req.method());
        let route = req
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let response = self.service.call(req);
        Box::pin(async move {
            let response = response.await;
            if let Some(state) = state {
                let status = match &response {
                    Ok(r) => r.status(),
                    Err(e) => e.as_response_error().status_code(),
                };
                state.metrics.record_request(
                    RequestLabels {
                        method,
                        route,
                        status: status.as_u16(),
                    },
                    started.elapsed().as_secs_f64(),
                );
            }
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                header::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn by_default_only_loopback_peers_that_relay_nobody_may_read() {
        let open = MetricsAccess::default();
        let local = Some(IpAddr::from([127, 0, 0, 1]));
        let remote = Some(IpAddr::from([192, 0, 2, 10]));
        assert_eq!(verdict(&open, local, &headers(&[])), Verdict::Allowed);
        assert_eq!(
            verdict(&open, Some("::1".parse().expect("ip")), &headers(&[])),
            Verdict::Allowed
        );
        assert_eq!(verdict(&open, remote, &headers(&[])), Verdict::LoopbackOnly);
        assert_eq!(verdict(&open, None, &headers(&[])), Verdict::LoopbackOnly);
        // A proxy on this machine relaying an outside request is not "local".
        assert_eq!(
            verdict(&open, local, &headers(&[("x-forwarded-for", "192.0.2.10")])),
            Verdict::LoopbackOnly
        );
        assert_eq!(
            verdict(&open, local, &headers(&[("forwarded", "for=192.0.2.10")])),
            Verdict::LoopbackOnly
        );
    }

    #[test]
    fn a_key_opens_metrics_to_any_peer_that_sends_it_and_only_to_those() {
        let keyed = MetricsAccess {
            enabled: true,
            key: Some("s3cret".into()),
        };
        let remote = Some(IpAddr::from([192, 0, 2, 10]));
        let local = Some(IpAddr::from([127, 0, 0, 1]));
        let with_key = headers(&[("authorization", "Bearer s3cret")]);
        assert_eq!(verdict(&keyed, remote, &with_key), Verdict::Allowed);
        assert_eq!(verdict(&keyed, local, &headers(&[])), Verdict::NeedsKey);
        assert_eq!(
            verdict(
                &keyed,
                remote,
                &headers(&[("authorization", "Bearer s3cre")])
            ),
            Verdict::NeedsKey
        );
        let off = MetricsAccess {
            enabled: false,
            key: None,
        };
        assert_eq!(verdict(&off, local, &headers(&[])), Verdict::Disabled);
    }
}
