//! RFC 9457 problem details: how every REST error leaves the service, including the ones
//! actix's extractors raise and unknown routes.

use actix_web::{
    HttpRequest, HttpResponse, ResponseError,
    body::BoxBody,
    error::{JsonPayloadError, PathError, QueryPayloadError},
    http::StatusCode,
    web,
};
use serde::Serialize;

use crate::error::{AppError, ErrorKind, FieldError};

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem details body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/invalid-parameter`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request, for a human.
    pub detail: String,
    /// The query or path parameter at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
    /// Each invalid field of a request body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl From<&AppError> for Problem {
    fn from(err: &AppError) -> Self {
        let info = err.kind.info();
        Problem {
            kind: format!("/problems/{}", info.slug),
            title: info.title.to_owned(),
            status: info.status,
            detail: err.detail.clone(),
            parameter: err.parameter.clone(),
            errors: err.errors.clone(),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.info().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_CONTENT_TYPE);
        if let Some(seconds) = self.kind.info().retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        if self.kind == ErrorKind::Unauthenticated {
            response.insert_header(("WWW-Authenticate", "Bearer realm=\"byline\""));
        }
        response.json(Problem::from(self))
    }
}

/// Malformed query strings become a 400 problem naming the parameter where serde says it.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let parameter = detail.split('`').nth(1).unwrap_or("query").to_owned();
    AppError::invalid_parameter(&parameter, format!("invalid query string: {detail}")).into()
}

/// Malformed path segments become a 400 problem.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::invalid_parameter("path", format!("invalid path: {err}")).into()
}

/// Malformed or oversized JSON bodies become a 400 (or 413) problem.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            return actix_web::error::InternalError::from_response(
                "payload too large",
                HttpResponse::PayloadTooLarge()
                    .content_type(PROBLEM_CONTENT_TYPE)
                    .json(Problem {
                        kind: "/problems/payload-too-large".into(),
                        title: "Payload too large".into(),
                        status: 413,
                        detail: err.to_string(),
                        parameter: None,
                        errors: Vec::new(),
                    }),
            )
            .into();
        }
        JsonPayloadError::ContentType => {
            "the body must be JSON (Content-Type: application/json)".to_owned()
        }
        JsonPayloadError::Deserialize(e) => format!("invalid JSON body: {e}"),
        other => format!("invalid body: {other}"),
    };
    AppError::invalid_parameter("body", detail).into()
}

/// The answer for routes that do not exist.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    AppError::not_found(format!("no route for {} {}", req.method(), req.path())).error_response()
}

/// Extractor settings that route every parse failure through the problem mapping.
pub fn extractor_configs(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(query_error))
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(
            web::JsonConfig::default()
                .limit(2 * 1024 * 1024)
                .error_handler(json_error),
        );
}

/// The problem `type` slug and title of an HTTP status raised below the service (by actix,
/// by an extractor, or by the request bounds), for statuses without an [`ErrorKind`].
fn protocol_problem(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("invalid-request", "Invalid request"),
        404 => ("not-found", "Not found"),
        405 => ("method-not-allowed", "Method not allowed"),
        406 => ("not-acceptable", "Not acceptable"),
        408 => ("request-timeout", "Request timeout"),
        411 => ("length-required", "Length required"),
        413 => ("payload-too-large", "Payload too large"),
        414 => ("uri-too-long", "URI too long"),
        415 => ("unsupported-media-type", "Unsupported media type"),
        431 => ("headers-too-large", "Request header fields too large"),
        503 => ("unavailable", "Service unavailable"),
        s if s >= 500 => ("internal", "Internal error"),
        _ => ("invalid-request", "Invalid request"),
    }
}

/// A problem+json answer with `status` and `detail`, for errors raised outside the service.
pub fn protocol_error(status: StatusCode, detail: impl Into<String>) -> HttpResponse {
    let (slug, title) = protocol_problem(status);
    HttpResponse::build(status)
        .content_type(PROBLEM_CONTENT_TYPE)
        .json(Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            parameter: None,
            errors: Vec::new(),
        })
}

/// Whether an error response left without a body of ours (actix's own errors are plain
/// text: an oversize `web::Bytes` body, a method a resource does not answer).
pub fn is_plain_error(response: &HttpResponse) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    response
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|content_type| content_type.starts_with("text/plain"))
}

/// What a plain-text error becomes: the same status as problem+json, with actix's message
/// (which never carries a cause) as the detail where it is short.
pub async fn as_problem(response: HttpResponse) -> HttpResponse {
    let status = response.status();
    let retry_after = response.headers().get("retry-after").cloned();
    let allow = response
        .headers()
        .get(actix_web::http::header::ALLOW)
        .cloned();
    let body = actix_web::body::to_bytes_limited(response.into_body(), 1024).await;
    let detail = match body {
        Ok(Ok(bytes)) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let mut problem = protocol_error(status, detail);
    for (name, value) in [("retry-after", retry_after), ("allow", allow)] {
        if let Some(value) = value {
            problem.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static(name),
                value,
            );
        }
    }
    problem
}
