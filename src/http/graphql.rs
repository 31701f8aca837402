//! The GraphQL endpoint: `POST /graphql`, `GET /graphql?query=…` (cacheable by CDNs), and
//! GraphiQL for browsers.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use futures_util::StreamExt;

use super::{AppState, auth::optional_caller, caching};
use crate::auth::Caller;
use crate::graphql::{MAX_BODY_BYTES, errors::ensure_codes, loaders::Loaders, nesting};

fn request_error(status: actix_web::http::StatusCode, message: &str) -> HttpResponse {
    error_with_code(status, message, "BAD_USER_INPUT")
}

fn error_with_code(status: actix_web::http::StatusCode, message: &str, code: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    }))
}

/// The caller of the request; a key that is presented but invalid is refused outright.
async fn caller_of(req: &HttpRequest) -> Result<Option<Caller>, HttpResponse> {
    optional_caller(req).await.map_err(|e| {
        let mut response = error_with_code(
            actix_web::http::StatusCode::UNAUTHORIZED,
            &e.detail,
            "UNAUTHENTICATED",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer realm=\"byline\""),
        );
        response
    })
}

/// GET requests must not change anything (caches and prefetchers replay them).
fn has_mutation(request: &mut async_graphql::Request) -> bool {
    request.parsed_query().is_ok_and(|doc| {
        doc.operations
            .iter()
            .any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Mutation)
    })
}

async fn execute(
    state: &AppState,
    mut request: async_graphql::Request,
    caller: Option<Caller>,
) -> async_graphql::Response {
    request = request.data(Loaders::new(&state.content));
    if let Some(caller) = caller {
        request = request.data(caller);
    }
    let mut response = state.graphql.execute(request).await;
    ensure_codes(&mut response);
    response
}

/// Run a GraphQL query or mutation (JSON body `{query, variables, operationName, extensions}`).
#[utoipa::path(
    operation_id = "graphql_post",
    tag = "graphql",
    // The multipart form (for `uploadAsset`) is the GraphQL multipart request spec's, a part
    // of the GraphQL contract (`Upload` in schema/schema.graphql), and is described here in
    // words only: openapi-python-client 0.29 generates code that does not type-check for a
    // body of two content types.
    request_body(
        description = "A GraphQL request as JSON. `uploadAsset` is sent instead as a GraphQL multipart request (`multipart/form-data` with the parts `operations`, `map` and the file, https://github.com/jaydenseric/graphql-multipart-request-spec), with a staff key",
        content = Object,
        content_type = "application/json",
    ),
    responses(
        (status = 200, description = "A GraphQL response; errors carry `extensions.code`", body = Object),
        (status = 400, description = "The body is not a GraphQL request", body = Object),
        (status = 401, description = "A multipart request without an API key, or a key that is not valid", body = Object),
        (status = 413, description = "The body is larger than 64 KiB (a multipart request: larger than the upload limit)", body = Object),
        (status = 422, description = "A multipart body that is not a GraphQL multipart request: no `operations` or `map` part, a map naming a file that is not there, or a batch", body = Object),
    )
)]
#[post("/graphql")]
pub async fn graphql_post(
    req: HttpRequest,
    state: web::Data<AppState>,
    mut payload: web::Payload,
) -> HttpResponse {
    let caller = match caller_of(&req).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    if is_multipart(&req) {
        return multipart_post(&req, &state, payload, caller).await;
    }
    let body = match read_body(&mut payload, MAX_BODY_BYTES, "64 KiB").await {
        Ok(body) => body,
        Err(response) => return response,
    };
    // A GraphQL-over-HTTP body is one JSON object. Byline does not batch (docs/architecture.md,
    // "GraphQL requests"): serde would also read a struct from an array by position, so
    // `["{ __typename }"]` would run.
    let refusal = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => None,
        Some(b'[') => Some(
            "batched requests (a JSON array) are not supported: send each operation as its own JSON object {\"query\": …, \"variables\": …}",
        ),
        None => Some("the body is empty: send one JSON object {\"query\": …, \"variables\": …}"),
        Some(_) => Some(
            "the body must be one JSON object {\"query\": …, \"variables\": …, \"operationName\": …}",
        ),
    };
    if let Some(message) = refusal {
        return request_error(actix_web::http::StatusCode::BAD_REQUEST, message);
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                &format!("the body is not a GraphQL request: {e}"),
            );
        }
    };
    if let Err(why) = nesting::check_request(&request) {
        return request_error(actix_web::http::StatusCode::BAD_REQUEST, &why);
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(execute(&state, request, caller).await)
}

/// The body, up to `limit` bytes.
async fn read_body(
    payload: &mut web::Payload,
    limit: usize,
    limit_text: &str,
) -> Result<web::BytesMut, HttpResponse> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else {
            return Err(request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                "the request body could not be read",
            ));
        };
        if body.len() + chunk.len() > limit {
            return Err(request_error(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the request body is larger than {limit_text}"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        })
}

/// A GraphQL multipart request (files for `uploadAsset`): staff keys only, so strangers
/// cannot make the server buffer an upload's worth of bytes; one operation, its document
/// no larger than a JSON request's.
async fn multipart_post(
    req: &HttpRequest,
    state: &AppState,
    mut payload: web::Payload,
    caller: Option<Caller>,
) -> HttpResponse {
    let Some(caller) = caller else {
        return error_with_code(
            actix_web::http::StatusCode::UNAUTHORIZED,
            "uploads need an API key: `Authorization: Bearer byl_…`",
            "UNAUTHENTICATED",
        );
    };
    let max_file = state.content.media().settings.max_upload_bytes;
    let limit = max_file + MAX_BODY_BYTES;
    let body = match read_body(&mut payload, limit, &format!("{limit} bytes")).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    // multer's whole-stream bound is size × count: two leaves room for `operations` and
    // `map` beside a file at the limit (the body itself is bounded above).
    let options = async_graphql::http::MultipartOptions::default()
        .max_file_size(max_file)
        .max_num_files(2);
    let request = match async_graphql::http::receive_body(content_type, &body[..], options).await {
        Ok(request) => request,
        Err(async_graphql::ParseRequestError::PayloadTooLarge) => {
            return request_error(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                &format!("a file is larger than {max_file} bytes"),
            );
        }
        // Well-formed multipart that is not a GraphQL multipart request (no `operations` or
        // `map`, a map naming a missing file, a batch): the content, not the syntax, is wrong.
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                &format!("not a GraphQL multipart request: {e}"),
            );
        }
    };
    if request.query.len() > MAX_BODY_BYTES {
        return request_error(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "the `operations` part is larger than 64 KiB",
        );
    }
    if let Err(why) = nesting::check_request(&request) {
        return request_error(actix_web::http::StatusCode::BAD_REQUEST, &why);
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(execute(state, request, Some(caller)).await)
}

/// A GET request's parameters, read with the same field names as a POST body
/// (`query`, `operationName`, and `variables` / `extensions` as JSON text).
fn request_from_query_string(query_string: &str) -> Result<async_graphql::Request, String> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query_string).map_err(|e| e.to_string())?;
    let mut body = serde_json::Map::new();
    for (name, value) in pairs {
        let value = match name.as_str() {
            "query" | "operationName" => serde_json::Value::String(value),
            "variables" | "extensions" => {
                serde_json::from_str(&value).map_err(|e| format!("`{name}` is not JSON: {e}"))?
            }
            _ => continue,
        };
        body.insert(name, value);
    }
    serde_json::from_value(serde_json::Value::Object(body)).map_err(|e| e.to_string())
}

fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// Run a GraphQL query from the query string (`query`, `variables`, `operationName`,
/// `extensions`), cacheable by CDNs; browsers asking for HTML get GraphiQL.
#[utoipa::path(
    operation_id = "graphql_get",
    tag = "graphql",
    params(("query" = Option<String>, Query, description = "The GraphQL query")),
    responses(
        (status = 200, description = "A GraphQL response, or GraphiQL for browsers", body = Object),
        (status = 304, description = "Not modified"),
        (status = 400, description = "The query string is not a GraphQL request", body = Object),
    )
)]
#[get("/graphql")]
pub async fn graphql_get(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if req.query_string().is_empty() && wants_html(&req) {
        let page = async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("Byline GraphiQL")
            .finish();
        return HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(page);
    }
    let caller = match caller_of(&req).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let mut request = match request_from_query_string(req.query_string()) {
        Ok(request) => request,
        Err(e) => {
            return request_error(
                actix_web::http::StatusCode::BAD_REQUEST,
                &format!("not a GraphQL request: {e}"),
            );
        }
    };
    // Before anything parses the document: parsing deep values recurses.
    if let Err(why) = nesting::check_request(&request) {
        return request_error(actix_web::http::StatusCode::BAD_REQUEST, &why);
    }
    if has_mutation(&mut request) {
        let mut refused = request_error(
            actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            "mutations need POST",
        );
        let (allow, methods) = super::methods::allow_header(req.path());
        refused.headers_mut().insert(allow, methods);
        return refused;
    }
    let private = caller.is_some();
    let response = execute(&state, request, caller).await;
    // A resolver that read for someone other than the public (a preview token) says so.
    let private = private || response.http_headers.contains_key("cache-control");
    if !response.is_ok() || private {
        return HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(response);
    }
    caching::respond(
        &req,
        &state.settings.cache_control,
        &response,
        // What a query shows is not listed yet: every public change evicts `graphql`.
        caching::Freshness {
            surrogate_keys: vec![crate::service::invalidation::GRAPHQL.to_owned()],
            ..caching::Freshness::default()
        },
    )
    .unwrap_or_else(|e| actix_web::ResponseError::error_response(&e))
}
