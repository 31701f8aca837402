//! What the OpenAPI document says about values the handlers take as text and parse with
//! `http::params` (so that a malformed one is a 400 naming it, not a generic extractor error):
//! one schema per parameter name, the same everywhere that name appears, built from the
//! domain's own lists of allowed values; and the problem answers every operation may give.

use utoipa::openapi::{
    OpenApi, Ref, RefOr, ResponseBuilder,
    path::{Operation, Parameter, ParameterIn},
    schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type},
};

use super::{admin_search::WORKFLOW_FIELDS, auth::if_match_pattern, views::ARTICLE_FIELDS};
use crate::domain::{
    article::{ArticleSort, ArticleStatus, MAX_FILTER_TAGS, TagKind},
    page::MAX_LIMIT,
    slug::MAX_SLUG_LEN,
};

/// A slug as `domain::slug::Slug::parse` takes it.
const SLUG: &str = "[a-z0-9]+(-[a-z0-9]+)*";

fn text() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn one_of(values: impl IntoIterator<Item = String>) -> ObjectBuilder {
    text().enum_values(Some(values))
}

/// A comma-separated list of up to `max` items, each matching `item`, as `http::params`
/// reads lists: spaces and tabs around items and empty items are ignored (so an empty value is
/// no list at all).
fn list_of(item: &str, max: usize) -> ObjectBuilder {
    text().pattern(Some(format!(
        r"^[ \t,]*({item}([ \t]*,[ \t,]*{item}){{0,{}}}[ \t,]*)?$",
        max - 1
    )))
}

fn names(values: &[&str]) -> String {
    format!("({})", values.join("|"))
}

/// The schema of the parameter `name` of operation `path`, when the document types it.
fn schema_for(path: &str, parameter: &Parameter) -> Option<ObjectBuilder> {
    let search = path.ends_with("/search");
    let sorts = || {
        let dated = ArticleSort::ALL.iter().map(|s| s.as_str().to_owned());
        search
            .then(|| "relevance".to_owned())
            .into_iter()
            .chain(dated)
    };
    let schema = match (parameter.name.as_str(), &parameter.parameter_in) {
        ("limit", _) => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(MAX_LIMIT)),
        ("version" | "page", ParameterIn::Path) => ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(i32::MAX)),
        // Every id Byline makes is a UUID (`domain::new_id`): articles, keys, webhooks.
        ("id", ParameterIn::Path) => {
            text().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        }
        ("slug", ParameterIn::Path) | ("section" | "author", ParameterIn::Query) => text()
            .pattern(Some(format!("^{SLUG}$")))
            .max_length(Some(MAX_SLUG_LEN)),
        // Each tag at most `MAX_SLUG_LEN` long: no longer run of slug characters follows.
        ("tag", ParameterIn::Query) => list_of(
            &format!("(?![a-z0-9-]{{{}}}){SLUG}", MAX_SLUG_LEN + 1),
            MAX_FILTER_TAGS,
        ),
        ("tag_mode", _) => one_of(["all".into(), "any".into()]),
        // Cursors are unpadded base64url (`domain::page::Cursor`); an empty one is none.
        ("cursor", ParameterIn::Query) => text().pattern(Some("^[A-Za-z0-9_-]*$")),
        ("lang", _) => text().pattern(Some("^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")),
        ("published_after" | "published_before" | "updated_since" | "since", _) => {
            text().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
        }
        ("sort", _) => one_of(sorts()),
        ("status", _) => one_of(ArticleStatus::ALL.iter().map(|s| s.to_string())),
        ("kind", ParameterIn::Query) => one_of(TagKind::ALL.iter().map(|k| k.to_string())),
        ("include", _) => list_of(&names(&["authors", "tags", "section"]), 3),
        ("fields", _) if !path.starts_with("/admin/") => {
            list_of(&names(ARTICLE_FIELDS), ARTICLE_FIELDS.len())
        }
        ("fields", _) if path == "/admin/v1/search" => {
            let all: Vec<&str> = ARTICLE_FIELDS
                .iter()
                .chain(WORKFLOW_FIELDS)
                .copied()
                .collect();
            list_of(&names(&all), all.len())
        }
        ("q", ParameterIn::Query) => text()
            .min_length(Some(1))
            .max_length(Some(500))
            .pattern(Some(r"^[^-]*\w")),
        ("If-Match", ParameterIn::Header) => text().pattern(Some(if_match_pattern())),
        _ => return None,
    };
    Some(schema.description(parameter.description.clone()))
}

/// Types the parameters named in [`schema_for`] on every operation.
pub struct ParameterSchemas;

impl utoipa::Modify for ParameterSchemas {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (_, operation) in operations(item) {
                for parameter in operation.parameters.iter_mut().flatten() {
                    if let RefOr::T(parameter) = parameter
                        && let Some(schema) = schema_for(path, parameter)
                    {
                        parameter.schema = Some(RefOr::T(Schema::Object(schema.build())));
                    }
                }
            }
        }
    }
}

/// The problem answers (`application/problem+json`) any operation may give, added to each
/// operation that does not describe that status itself: a rate limit (429) and an
/// unavailable database (503) everywhere but the probes; a malformed request (400) and a
/// missing key (401, when public reads need one) on every API operation; a missing resource
/// (404) wherever the path names one; and on writes, the conflicts and checks of the
/// editorial workflow (403, 409, 412, 422, 428).
pub struct ProblemResponses;

impl utoipa::Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        let problem = ResponseBuilder::new()
            .description(
                "A problem (RFC 9457): `type`, `title`, `status` and `detail` say what went wrong",
            )
            .content(
                "application/problem+json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .responses
            .insert("Problem".into(), RefOr::T(problem));
        for (path, item) in openapi.paths.paths.iter_mut() {
            if ["/healthz", "/readyz", "/metrics", "/openapi.yaml"].contains(&path.as_str()) {
                continue;
            }
            let names_one = path.contains('{');
            for (write, operation) in operations(item) {
                let mut statuses = vec!["400", "401", "429", "503"];
                if names_one {
                    statuses.push("404");
                }
                if write && path.starts_with("/admin/") {
                    statuses.extend(["403", "409", "412", "422", "428"]);
                }
                for status in statuses {
                    operation
                        .responses
                        .responses
                        .entry(status.into())
                        .or_insert_with(|| Ref::from_response_name("Problem").into());
                }
            }
        }
    }
}

/// A path's operations, each with whether it writes.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (bool, &mut Operation)> {
    [
        (false, item.get.as_mut()),
        (true, item.post.as_mut()),
        (true, item.patch.as_mut()),
        (true, item.put.as_mut()),
        (true, item.delete.as_mut()),
    ]
    .into_iter()
    .filter_map(|(write, op)| op.map(|op| (write, op)))
}
