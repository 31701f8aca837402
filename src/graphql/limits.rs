//! Caps on the shape of a query, checked right after parsing and before async-graphql's own
//! recursion check and validation (which, like any naive walk, is exponential on fragments that spread each other
//! twice). Fragments are measured once each, so the check is linear in the document's size:
//! root fields, aliases and the total number of fields once fragments are expanded. With
//! introspection turned off, `__schema` and `__type` are refused here with a clear error.

use std::{collections::HashMap, sync::Arc};

use super::nesting;
use async_graphql::{
    Request, ServerError, ServerResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

pub const MAX_ROOT_FIELDS: usize = 20;
/// How deeply ordinary fields may nest (introspection is counted on its own).
pub const MAX_DEPTH: usize = 12;
/// How deeply `__schema` and `__type` and the fields of the introspection types below them may
/// nest: the standard introspection queries (graphql-js 16, GraphiQL 4, graphql-core 3) reach
/// 14, because `TypeRef` follows `ofType` nine deep. Only the fields of the introspection
/// types (known by name, and by the `__` type conditions of fragments) count here: an
/// ordinary field nested under them counts toward [`MAX_DEPTH`] with its whole path, so this
/// opens no way round that limit.
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
pub const MAX_ALIASES: usize = 30;
/// Fields once every fragment is expanded; far above any real page query.
pub const MAX_EXPANDED_FIELDS: usize = 5_000;

pub struct ShapeLimits {
    pub introspection: bool,
}

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension {
            introspection: self.introspection,
        })
    }
}

struct ShapeLimitsExtension {
    introspection: bool,
}

/// What a selection set adds up to once fragments are expanded.
#[derive(Clone, Copy, Default)]
struct Size {
    fields: usize,
    aliases: usize,
    introspects: bool,
    /// Deepest nesting of ordinary fields (`__typename` does not count, as in async-graphql).
    depth: usize,
    /// Deepest nesting under `__schema` or `__type`, counting those.
    introspection_depth: usize,
}

impl Size {
    /// Two sets of selections at the same level.
    fn add(self, other: Size) -> Size {
        Size {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            introspects: self.introspects || other.introspects,
            depth: self.depth.max(other.depth),
            introspection_depth: self.introspection_depth.max(other.introspection_depth),
        }
    }
}

/// Sizes of named fragments, each computed once. A cycle (invalid anyway) counts as huge.
struct Measure<'a> {
    document: &'a ExecutableDocument,
    fragments: HashMap<String, Option<Size>>,
}

const HUGE: Size = Size {
    fields: usize::MAX,
    aliases: usize::MAX,
    introspects: false,
    depth: usize::MAX,
    introspection_depth: usize::MAX,
};

/// The fields of the introspection types (`__Schema`, `__Type`, `__Field`, `__InputValue`,
/// `__EnumValue`, `__Directive`). Under `__schema` or `__type` only these count as
/// introspection; any other name is an ordinary field and counts toward [`MAX_DEPTH`] with
/// every field above it (such a query is invalid anyway, and is refused before validation).
const INTROSPECTION_FIELDS: &[&str] = &[
    "args",
    "defaultValue",
    "deprecationReason",
    "description",
    "directives",
    "enumValues",
    "fields",
    "inputFields",
    "interfaces",
    "isDeprecated",
    "isOneOf",
    "isRepeatable",
    "kind",
    "locations",
    "mutationType",
    "name",
    "ofType",
    "possibleTypes",
    "queryType",
    "specifiedByURL",
    "subscriptionType",
    "type",
    "types",
];

/// Whether a type condition names an introspection type (`__Type`, `__InputValue`, …).
fn introspective(type_name: &str) -> bool {
    type_name.starts_with("__")
}

impl Measure<'_> {
    /// A named fragment, measured once: whether its fields are introspection fields follows
    /// from its type condition, not from where it is spread.
    fn fragment(&mut self, name: &str) -> Size {
        match self.fragments.get(name) {
            Some(Some(size)) => return *size,
            Some(None) => return HUGE,
            None => {}
        }
        self.fragments.insert(name.to_owned(), None);
        let document = self.document;
        let size = document.fragments.get(name).map_or(Size::default(), |f| {
            let inside = introspective(f.node.type_condition.node.on.node.as_str());
            self.set(&f.node.selection_set.node, inside)
        });
        self.fragments.insert(name.to_owned(), Some(size));
        size
    }

    /// `inside`: the set belongs to an introspection type.
    fn set(&mut self, set: &SelectionSet, inside: bool) -> Size {
        set.items.iter().fold(Size::default(), |total, item| {
            let size = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let aliases = usize::from(field.node.alias.is_some());
                    let introspection = name == "__schema"
                        || name == "__type"
                        || (inside && INTROSPECTION_FIELDS.contains(&name));
                    let inner = self.set(&field.node.selection_set.node, introspection);
                    let common = Size {
                        fields: inner.fields.saturating_add(1),
                        aliases: inner.aliases.saturating_add(aliases),
                        introspects: introspection || inner.introspects,
                        ..Size::default()
                    };
                    if name == "__typename" {
                        common
                    } else if introspection {
                        Size {
                            // An ordinary field below counts with its whole path.
                            depth: match inner.depth {
                                0 => 0,
                                below => below.saturating_add(1),
                            },
                            introspection_depth: inner
                                .depth
                                .max(inner.introspection_depth)
                                .saturating_add(1),
                            ..common
                        }
                    } else {
                        Size {
                            depth: inner.depth.saturating_add(1),
                            introspection_depth: inner.introspection_depth,
                            ..common
                        }
                    }
                }
                Selection::InlineFragment(fragment) => {
                    let inside = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(inside, |t| introspective(t.node.on.node.as_str()));
                    self.set(&fragment.node.selection_set.node, inside)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            total.add(size)
        })
    }

    /// Root fields of a selection set, looking through fragments at the top level.
    fn roots(&mut self, set: &SelectionSet, depth: usize) -> usize {
        if depth > 32 {
            return usize::MAX;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(f) => self.roots(&f.node.selection_set.node, depth + 1),
                Selection::FragmentSpread(spread) => {
                    let document = self.document;
                    document
                        .fragments
                        .get(&spread.node.fragment_name.node)
                        .map_or(0, |f| self.roots(&f.node.selection_set.node, depth + 1))
                }
            })
            .fold(0usize, usize::saturating_add)
    }
}

fn refused(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "BAD_USER_INPUT");
    error
}

fn check(document: &ExecutableDocument, introspection: bool) -> ServerResult<()> {
    let mut measure = Measure {
        document,
        fragments: HashMap::new(),
    };
    for (_, operation) in document.operations.iter() {
        let set = &operation.node.selection_set.node;
        let roots = measure.roots(set, 0);
        if roots > MAX_ROOT_FIELDS {
            return Err(refused(format!(
                "the query selects {roots} root fields; at most {MAX_ROOT_FIELDS} are allowed"
            )));
        }
        let size = measure.set(set, false);
        if size.fields > MAX_EXPANDED_FIELDS {
            return Err(refused(format!(
                "the query expands to more than {MAX_EXPANDED_FIELDS} fields"
            )));
        }
        if size.depth > MAX_DEPTH {
            return Err(refused(format!(
                "Query is nested too deep: fields nest {} levels; at most {MAX_DEPTH} are allowed",
                size.depth
            )));
        }
        if size.introspection_depth > MAX_INTROSPECTION_DEPTH {
            return Err(refused(format!(
                "Query is nested too deep: introspection nests {} levels; at most {MAX_INTROSPECTION_DEPTH} are allowed",
                size.introspection_depth
            )));
        }
        if size.aliases > MAX_ALIASES {
            return Err(refused(format!(
                "the query uses {} aliases; at most {MAX_ALIASES} are allowed",
                size.aliases
            )));
        }
        if size.introspects && !introspection {
            return Err(refused(
                "introspection is turned off on this server".to_owned(),
            ));
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    /// Runs after the persisted-query extension has turned a hash into a document; otherwise
    /// parses the text (async-graphql keeps the document, so nothing is parsed twice).
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let mut request = next.run(ctx, request).await?;
        // A persisted query's text arrives from the cache, not from the HTTP layer's check.
        nesting::check_request(&request).map_err(refused)?;
        let document = request
            .parsed_query()
            .map_err(|e| refused(format!("syntax error: {}", e.message)))?;
        check(document, self.introspection)?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(query: &str) -> ServerResult<()> {
        check(
            &async_graphql::parser::parse_query(query).expect("parses"),
            true,
        )
    }

    /// `{ a { a { … { leaf } } } }` with `depth` fields.
    fn chain(depth: usize, field: &str, leaf: &str) -> String {
        let mut query = leaf.to_owned();
        for _ in 1..depth {
            query = format!("{field} {{ {query} }}");
        }
        query
    }

    #[test]
    fn deep_introspection_is_measured_apart_from_ordinary_fields() {
        // 19 introspection fields below `__schema`.
        let deep = format!(
            "{{ __schema {{ types {{ {} }} }} }}",
            chain(18, "ofType", "name")
        );
        assert!(checked(&deep).is_ok());
        let too_deep = format!(
            "{{ __schema {{ types {{ {} }} }} }}",
            chain(20, "ofType", "name")
        );
        assert!(checked(&too_deep).is_err());
    }

    #[test]
    fn ordinary_fields_under_introspection_count_with_their_whole_path() {
        // `__schema types` then ten ordinary fields: twelve on the path, the limit.
        let at_limit = format!(
            "{{ __schema {{ types {{ {} }} }} }}",
            chain(10, "edges", "slug")
        );
        assert!(checked(&at_limit).is_ok());
        let over = format!(
            "{{ __schema {{ types {{ {} }} }} }}",
            chain(11, "edges", "slug")
        );
        let error = checked(&over).expect_err("refused");
        assert!(
            error.message.contains("fields nest 13 levels"),
            "{}",
            error.message
        );
        // The same through fragments: an introspection fragment spreading an ordinary one.
        let through_fragments = format!(
            "{{ __type(name: \"Article\") {{ ...T }} }}
             fragment T on __Type {{ fields {{ type {{ ...O }} }} }}
             fragment O on Article {{ {} }}",
            chain(10, "authors", "slug")
        );
        let error = checked(&through_fragments).expect_err("refused");
        assert!(
            error.message.contains("fields nest 13 levels"),
            "{}",
            error.message
        );
    }

    #[test]
    fn the_standard_introspection_queries_fit() {
        for query in [
            include_str!("../../tests/api/queries/introspection-graphql-js-16.graphql"),
            include_str!("../../tests/api/queries/introspection-graphql-js-16-all-options.graphql"),
            include_str!("../../tests/api/queries/introspection-graphiql-4.graphql"),
            include_str!("../../tests/api/queries/introspection-graphiql-4-all-options.graphql"),
            include_str!("../../tests/api/queries/introspection-graphql-core-3.graphql"),
            include_str!(
                "../../tests/api/queries/introspection-graphql-core-3-all-options.graphql"
            ),
        ] {
            assert!(checked(query).is_ok(), "{query}");
        }
    }
}
