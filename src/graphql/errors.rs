//! GraphQL errors with a stable `extensions.code`, from the same table as REST problems.

use async_graphql::ErrorExtensions;

use crate::error::AppError;

/// Converts a service error into a GraphQL error carrying its code. Resolvers call this
/// explicitly: async-graphql would otherwise turn any `Display` error into one without a code.
pub fn gql(err: AppError) -> async_graphql::Error {
    let info = err.kind.info();
    async_graphql::Error::new(err.detail.clone()).extend_with(|_, ext| {
        ext.set("code", info.graphql_code);
        if let Some(seconds) = info.retry_after {
            ext.set("retryAfter", seconds);
        }
        if let Some(parameter) = &err.parameter {
            ext.set("argument", parameter.as_str());
        }
        if !err.errors.is_empty() {
            let fields: Vec<async_graphql::Value> = err
                .errors
                .iter()
                .map(|f| {
                    let mut map = async_graphql::indexmap::IndexMap::new();
                    map.insert(
                        async_graphql::Name::new("field"),
                        async_graphql::Value::from(f.field.as_str()),
                    );
                    map.insert(
                        async_graphql::Name::new("message"),
                        async_graphql::Value::from(f.message.as_str()),
                    );
                    async_graphql::Value::Object(map)
                })
                .collect();
            ext.set("fields", async_graphql::Value::List(fields));
        }
    })
}

/// A bad argument, named.
pub fn bad_input(argument: &str, message: impl Into<String>) -> async_graphql::Error {
    gql(AppError::invalid_parameter(argument, message))
}

pub trait GqlResultExt<T> {
    fn gql(self) -> async_graphql::Result<T>;
    /// For list resolvers: names the GraphQL arguments (`after`, `first`) where the service
    /// speaks of `cursor` and `limit`.
    fn gql_args(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, AppError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(gql)
    }

    fn gql_args(self) -> async_graphql::Result<T> {
        self.map_err(|mut err| {
            err.parameter = err.parameter.map(|p| match p.as_str() {
                "cursor" => "after".to_owned(),
                "limit" => "first".to_owned(),
                _ => p,
            });
            gql(err)
        })
    }
}

/// Gives every error of a response a code: errors raised by async-graphql itself (syntax,
/// validation, depth and complexity limits, argument coercion) are the caller's to fix.
pub fn ensure_codes(response: &mut async_graphql::Response) {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "BAD_USER_INPUT");
        }
    }
}
