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
