//! The query root: the same capabilities as the REST content API.

use async_graphql::{Context, ID, Object, connection::Connection};

use super::{
    errors::{GqlResultExt, bad_input},
    ids::{self, NodeKind},
    nodes::{
        ArticleFilter, ArticleNode, ArticleSort, AuthorNode, Node, SectionNode, TagKindEnum,
        TagNode, connection, connection_parts_wanted, page_size,
    },
};
use crate::{
    auth::Caller,
    domain::{self, Key, Relations, query::ArticleQuery, taxonomy::Taxonomy},
    error::ErrorKind,
    service::{ContentService, audience::Audience, read::search::parse_query},
};

/// Reads of published content (and, with an editor key, of any article).
#[derive(Default)]
pub struct ContentQuery;

fn key(
    slug: Option<String>,
    id: Option<ID>,
    kind: impl Into<NodeKind>,
) -> async_graphql::Result<Key> {
    let kind = kind.into();
    match (slug, id) {
        (Some(slug), None) => Ok(Key::Slug(slug)),
        (None, Some(id)) => {
            // Both the UUID of the REST API and the global id are accepted.
            if let Ok(uuid) = domain::parse_id(&id) {
                return Ok(Key::Id(uuid));
            }
            match ids::decode(&id)? {
                (found, uuid) if found == kind => Ok(Key::Id(uuid)),
                _ => Err(bad_input("id", "the id belongs to another type")),
            }
        }
        _ => Err(bad_input("slug", "give exactly one of `slug` and `id`")),
    }
}

/// A missing item is `null`, not an error; other failures are errors.
fn optional<T>(result: Result<T, crate::error::AppError>) -> async_graphql::Result<Option<T>> {
    match result {
        Ok(item) => Ok(Some(item)),
        Err(err) if matches!(err.kind, ErrorKind::NotFound | ErrorKind::Gone) => Ok(None),
        Err(err) => Err(super::errors::gql(err)),
    }
}

fn content<'a>(ctx: &'a Context<'_>) -> &'a ContentService {
    ctx.data_unchecked::<ContentService>()
}

#[Object]
impl ContentQuery {
    /// One article by `slug` (old slugs resolve too) or `id`: published ones for everyone, any
    /// state for editor keys or with a `previewToken`; `null` when there is none.
    async fn article(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
        #[graphql(
            desc = "A preview token minted by an editor: reads this one article in any state."
        )]
        preview_token: Option<String>,
    ) -> async_graphql::Result<Option<ArticleNode>> {
        let key = key(slug, id, NodeKind::Article)?;
        let audience = Audience::for_request(ctx.data_opt::<Caller>(), preview_token.as_deref());
        if !audience.is_public() {
            // Not for shared caches, nor for the server's own (`http::graphql` reads this).
            ctx.insert_http_header("cache-control", "private, no-store");
        }
        // A retired slug resolves to the article under its current slug.
        let found = optional(content(ctx).article(&audience, key, Relations::Skip).await)?;
        Ok(found.map(|found| ArticleNode::new(found.into_article(), Relations::Skip)))
    }

    /// Published articles, filtered and sorted, as a Relay connection (at most 100 a page).
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArticleFilter>,
        #[graphql(default)] sort: ArticleSort,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ArticleNode>> {
        let filter = filter.unwrap_or_default().into_domain()?;
        let (relations, bodies) = connection_parts_wanted(ctx);
        let query = ArticleQuery::list(filter, sort.into())
            .page(after.clone(), page_size(first)?)
            .with_relations(relations)
            .with_bodies(bodies);
        let page = content(ctx)
            .articles(&Audience::Public, query)
            .await
            .gql_args()?;
        Ok(connection(page, after.is_some(), |hit| {
            ArticleNode::listed(hit.article, relations, bodies)
        }))
    }

    /// Full-text search over published articles, with every filter of `articles`: best match
    /// first (or by date with `sort`), each result with a highlighted snippet. `query` reads
    /// like a web search: every word must appear, "quoted words" together, `-word` excluded,
    /// `or` between alternatives; at most 500 characters.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<ArticleFilter>,
        #[graphql(default)] sort: super::search::SearchSortEnum,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, super::search::SearchResultNode>> {
        let text = parse_query("query", &query).gql()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let (relations, bodies) = super::search::parts_wanted(ctx);
        let query = ArticleQuery::search(text, filter, sort.into())
            .page(after.clone(), page_size(first)?)
            .with_relations(relations)
            .with_bodies(bodies);
        let page = content(ctx)
            .articles(&Audience::Public, query)
            .await
            .gql_args()?;
        Ok(connection(page, after.is_some(), |hit| {
            super::search::SearchResultNode::new(hit, relations, bodies)
        }))
    }

    /// One author, by `slug` or `id`.
    async fn author(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> async_graphql::Result<Option<AuthorNode>> {
        let key = key(slug, id, Taxonomy::Author)?;
        Ok(optional(content(ctx).author(key).await)?.map(AuthorNode))
    }

    /// Authors by slug.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuthorNode>> {
        let page = content(ctx)
            .list_authors(after.as_deref(), page_size(first)?)
            .await
            .gql_args()?;
        Ok(connection(page, after.is_some(), AuthorNode))
    }

    /// One tag, by `slug` or `id`.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> async_graphql::Result<Option<TagNode>> {
        let key = key(slug, id, Taxonomy::Tag)?;
        Ok(optional(content(ctx).tag(key).await)?.map(TagNode))
    }

    /// Tags by slug, optionally of one kind.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        kind: Option<TagKindEnum>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, TagNode>> {
        let page = content(ctx)
            .list_tags(kind.map(Into::into), after.as_deref(), page_size(first)?)
            .await
            .gql_args()?;
        Ok(connection(page, after.is_some(), TagNode))
    }

    /// One section, by `slug` or `id`.
    async fn section(
        &self,
        ctx: &Context<'_>,
        slug: Option<String>,
        id: Option<ID>,
    ) -> async_graphql::Result<Option<SectionNode>> {
        let key = key(slug, id, Taxonomy::Section)?;
        Ok(optional(content(ctx).section(key).await)?.map(SectionNode))
    }

    /// Sections by slug.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn sections(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SectionNode>> {
        let page = content(ctx)
            .list_sections(after.as_deref(), page_size(first)?)
            .await
            .gql_args()?;
        Ok(connection(page, after.is_some(), SectionNode))
    }

    /// Anything by its global id; `null` when there is none (or it is not published).
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        let (kind, uuid) = ids::decode(&id)?;
        let content = content(ctx);
        let key = Key::Id(uuid);
        Ok(match kind {
            NodeKind::Article => {
                let found = content.article(&Audience::Public, key, Relations::Skip);
                optional(found.await)?
                    .map(|f| Node::Article(ArticleNode::new(f.into_article(), Relations::Skip)))
            }
            NodeKind::Taxonomy(Taxonomy::Author) => {
                optional(content.author(key).await)?.map(|a| Node::Author(AuthorNode(a)))
            }
            NodeKind::Taxonomy(Taxonomy::Tag) => {
                optional(content.tag(key).await)?.map(|t| Node::Tag(TagNode(t)))
            }
            NodeKind::Taxonomy(Taxonomy::Section) => {
                optional(content.section(key).await)?.map(|s| Node::Section(SectionNode(s)))
            }
        })
    }
}
