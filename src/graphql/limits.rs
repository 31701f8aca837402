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
/// How deeply the introspection fields `__schema` and `__type` may nest: the standard
/// introspection queries (graphql-js, GraphiQL, graphql-core) reach 14, because `TypeRef`
/// follows `ofType` nine deep. Introspection types lead to no ordinary field, so this opens no
/// way round [`MAX_DEPTH`].
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

impl Measure<'_> {
    fn fragment(&mut self, name: &str) -> Size {
        match self.fragments.get(name) {
            Some(Some(size)) => return *size,
            Some(None) => return HUGE,
            None => {}
        }
        self.fragments.insert(name.to_owned(), None);
        let document = self.document;
        let size = document
            .fragments
            .get(name)
            .map_or(Size::default(), |f| self.set(&f.node.selection_set.node));
        self.fragments.insert(name.to_owned(), Some(size));
        size
    }

    fn set(&mut self, set: &SelectionSet) -> Size {
        set.items.iter().fold(Size::default(), |total, item| {
            let size = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let introspection = name == "__schema" || name == "__type";
                    let inner = self.set(&field.node.selection_set.node);
                    let below = inner.depth.max(inner.introspection_depth);
                    Size {
                        fields: inner.fields.saturating_add(1),
                        aliases: inner
                            .aliases
                            .saturating_add(usize::from(field.node.alias.is_some())),
                        introspects: introspection || inner.introspects,
                        depth: match name {
                            _ if introspection => 0,
                            "__typename" => 0,
                            _ => inner.depth.saturating_add(1),
                        },
                        introspection_depth: if introspection {
                            below.saturating_add(1)
                        } else {
                            inner.introspection_depth
                        },
                    }
                }
                Selection::InlineFragment(fragment) => self.set(&fragment.node.selection_set.node),
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
        let size = measure.set(set);
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
