//! Bounds on every request, whatever route it takes: how long its body may take to arrive
//! (a 408), how long the whole request may take (a 503), how long its URI may be (a 414),
//! `Connection: close` while the server drains before a shutdown, and problem+json for the
//! plain-text errors actix raises itself.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
};

use actix_web::{
    HttpMessage, HttpResponse,
    body::BoxBody,
    dev::{Payload, Service, ServiceRequest, ServiceResponse},
    error::PayloadError,
    http::{StatusCode, header},
    web,
};
use futures_util::Stream;

use super::{AppState, problem};
use crate::config::RequestLimits;

/// Longest URI (path and query) answered; longer ones get a 414. Far above any real read;
/// GraphQL queries that long belong in a POST body or a persisted query.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// A request body that fails once its time is up, and says so through `expired`.
struct DeadlineBody {
    inner: Payload,
    deadline: Pin<Box<actix_web::rt::time::Sleep>>,
    expired: Arc<AtomicBool>,
    finished: bool,
}

impl Stream for DeadlineBody {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.finished {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            self.finished = item.is_none();
            return Poll::Ready(item);
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.expired.store(true, Ordering::Relaxed);
            self.finished = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}

/// Whether the request announces a body (a length above zero, or chunks).
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// The middleware: applies [`RequestLimits`] and the URI bound, and closes connections
/// while draining.
pub fn bound_request<S>(
    mut req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let limits = state
        .as_ref()
        .map_or_else(RequestLimits::default, |s| s.settings.request_limits);
    // No clone of the request may live across the call: routing needs it unshared.
    let uri = req.uri().clone();
    let too_long = uri
        .path_and_query()
        .is_some_and(|pq| pq.as_str().len() > MAX_URI_BYTES);
    // Only requests with a body pay for a deadline on it.
    let expired = has_body(&req).then(|| {
        let expired = Arc::new(AtomicBool::new(false));
        let inner = req.take_payload();
        req.set_payload(Payload::Stream {
            payload: Box::pin(DeadlineBody {
                inner,
                deadline: Box::pin(actix_web::rt::time::sleep(limits.body_timeout)),
                expired: expired.clone(),
                finished: false,
            }),
        });
        expired
    });
    let response = if too_long {
        let answer = problem::protocol_error(
            StatusCode::URI_TOO_LONG,
            format!("the URI is longer than {MAX_URI_BYTES} bytes"),
        );
        Err(req.into_response(answer))
    } else {
        Ok(srv.call(req))
    };
    async move {
        let response = match response {
            Ok(response) => response,
            Err(refused) => return Ok(refused),
        };
        let mut response =
            match actix_web::rt::time::timeout(limits.request_timeout, response).await {
                Ok(response) => response?,
                Err(_) => {
                    tracing::warn!(
                        path = uri.path(),
                        limit_ms = limits.request_timeout.as_millis() as u64,
                        "a request ran past its time limit"
                    );
                    let mut answer = problem::protocol_error(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the request took too long and was stopped; retry later",
                    );
                    answer
                        .headers_mut()
                        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
                    return Err(actix_web::error::InternalError::from_response(
                        "request timeout",
                        answer,
                    )
                    .into());
                }
            };
        if expired.is_some_and(|e| e.load(Ordering::Relaxed)) {
            let answer = problem::protocol_error(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    limits.body_timeout.as_secs_f64()
                ),
            );
            response = response.into_response(answer);
            // The rest of the body may still be on its way: this connection is done.
            response
                .response_mut()
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        if state.is_some_and(|s| s.is_draining()) {
            response
                .response_mut()
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
        }
        Ok(response)
    }
}

/// The middleware that turns actix's plain-text error answers into problem+json.
pub fn problem_for_plain_errors<S>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<BoxBody>, actix_web::Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    let response = srv.call(req);
    async move {
        let response = response.await?;
        if !problem::is_plain_error(response.response()) {
            return Ok(response);
        }
        let (request, answer) = response.into_parts();
        let answer: HttpResponse = problem::as_problem(answer).await;
        Ok(ServiceResponse::new(request, answer))
    }
}
