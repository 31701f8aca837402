//! What a request no route answered gets: `405 Method Not Allowed` with `Allow` when its
//! path is served with other methods, `204` with `Allow` for a plain `OPTIONS` there (CORS
//! preflights are answered by the CORS middleware before routing), and `404` otherwise.
//!
//! The methods of a path come from the route table itself (`http::routes`), read through
//! the OpenAPI document it builds: each route there is registered and documented by the same
//! call, so `Allow` cannot name a method the path does not answer or miss one it does
//! (`http_methods::every_documented_operation_is_routed` in `tests/api/` checks it from
//! outside). Actix's resource map decides on its own whether a path is served at all.

use std::sync::LazyLock;

use actix_web::{
    HttpRequest, HttpResponse,
    dev::ResourceDef,
    http::{Method, StatusCode, header},
};

use super::problem;

/// One served path and the methods it answers.
struct Route {
    pattern: ResourceDef,
    methods: Vec<Method>,
}

/// Every served path, from the operations of the OpenAPI document.
static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    let doc = super::openapi::document();
    doc.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let operations = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            Route {
                pattern: ResourceDef::new(path.as_str()),
                methods: operations
                    .into_iter()
                    .filter_map(|(method, served)| served.then_some(method))
                    .collect(),
            }
        })
        .collect()
});

/// The order methods are listed in `Allow`.
const ORDER: [Method; 7] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
    Method::OPTIONS,
];

/// The methods `path` answers, or `None` when no route serves it. A path several routes
/// match answers what any of them does, as the router tries them in turn. HEAD comes with GET (see `startup::answer_head_like_get`);
/// OPTIONS with every served path.
pub fn allowed(path: &str) -> Option<Vec<Method>> {
    let mut found = false;
    let mut methods = vec![Method::OPTIONS];
    for route in ROUTES.iter().filter(|r| r.pattern.is_match(path)) {
        found = true;
        methods.extend(route.methods.iter().cloned());
    }
    if !found {
        return None;
    }
    if methods.contains(&Method::GET) {
        methods.push(Method::HEAD);
    }
    Some(
        ORDER
            .into_iter()
            .filter(|method| methods.contains(method))
            .collect(),
    )
}

/// The `Allow` header value of `methods`.
pub fn allow_value(methods: &[Method]) -> header::HeaderValue {
    let list = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    header::HeaderValue::from_str(&list).unwrap_or(header::HeaderValue::from_static(""))
}

/// The `Allow` header of a served path (for handlers that refuse a method themselves).
pub fn allow_header(path: &str) -> (header::HeaderName, header::HeaderValue) {
    let methods = allowed(path).unwrap_or_default();
    (header::ALLOW, allow_value(&methods))
}

/// The default service: what a request gets when no route took it.
pub async fn unrouted(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    let methods = match allowed(path) {
        Some(methods) => methods,
        // Served, by the router's own account, yet missing from the table: say so in the
        // log and still refuse the method rather than deny the path exists.
        None if req.resource_map().has_resource(path) => {
            tracing::error!(path, "a served path is missing from the route table");
            vec![Method::OPTIONS]
        }
        None => return problem::not_found(req).await,
    };
    if req.method() == Method::OPTIONS {
        return HttpResponse::NoContent()
            .insert_header((header::ALLOW, allow_value(&methods)))
            .finish();
    }
    let list = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut answer = problem::protocol_error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{path} answers {list}"),
    );
    answer
        .headers_mut()
        .insert(header::ALLOW, allow_value(&methods));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(path: &str) -> Option<String> {
        allowed(path).map(|methods| allow_value(&methods).to_str().unwrap_or("").to_owned())
    }

    #[test]
    fn paths_answer_the_methods_of_every_route_that_matches_them() {
        assert_eq!(names("/v1/articles").as_deref(), Some("GET, HEAD, OPTIONS"));
        assert_eq!(
            names("/graphql").as_deref(),
            Some("GET, HEAD, POST, OPTIONS")
        );
        assert_eq!(
            names("/admin/v1/articles/0190/publish").as_deref(),
            Some("POST, OPTIONS")
        );
        assert_eq!(
            names("/admin/v1/keys").as_deref(),
            Some("GET, HEAD, POST, OPTIONS")
        );
        assert_eq!(
            names("/admin/v1/tags/world").as_deref(),
            Some("PATCH, DELETE, OPTIONS")
        );
        assert_eq!(names("/admin/v1/articles/0190/frobnicate"), None);
        assert_eq!(names("/admin/v1/bogus"), None);
        assert_eq!(names("/nowhere"), None);
        assert_eq!(names("/v1/articles/a/b"), None);
    }
}
