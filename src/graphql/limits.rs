//! Caps on the shape of a query that depth and complexity limits do not catch: how many
//! root fields and aliases one request may hold (alias batching multiplies work cheaply).

use std::sync::Arc;

use async_graphql::{
    ServerError, ServerResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery},
    parser::types::{ExecutableDocument, Selection, SelectionSet},
};

pub const MAX_ROOT_FIELDS: usize = 20;
pub const MAX_ALIASES: usize = 30;

pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension)
    }
}

struct ShapeLimitsExtension;

fn count_aliases(set: &SelectionSet, document: &ExecutableDocument, depth: usize) -> usize {
    // Fragments can nest; the depth limit bounds this walk on hostile documents.
    if depth > 64 {
        return 0;
    }
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + count_aliases(&field.node.selection_set.node, document, depth + 1)
            }
            Selection::InlineFragment(fragment) => {
                count_aliases(&fragment.node.selection_set.node, document, depth + 1)
            }
            Selection::FragmentSpread(spread) => document
                .fragments
                .get(&spread.node.fragment_name.node)
                .map_or(0, |f| {
                    count_aliases(&f.node.selection_set.node, document, depth + 1)
                }),
        })
        .sum()
}

fn too_big(message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", "BAD_USER_INPUT");
    error
}

#[async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        for (_, operation) in document.operations.iter() {
            let roots = operation.node.selection_set.node.items.len();
            if roots > MAX_ROOT_FIELDS {
                return Err(too_big(format!(
                    "the query selects {roots} root fields; at most {MAX_ROOT_FIELDS} are allowed"
                )));
            }
            let aliases = count_aliases(&operation.node.selection_set.node, &document, 0);
            if aliases > MAX_ALIASES {
                return Err(too_big(format!(
                    "the query uses {aliases} aliases; at most {MAX_ALIASES} are allowed"
                )));
            }
        }
        Ok(document)
    }
}
