//! GraphQL object types over the domain types. Related objects resolve through the
//! request's loaders; nested article lists call the same service method as `articles`.

use async_graphql::{
    Context, Enum, ID, InputObject, Interface, Object, SimpleObject,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};

use super::{
    errors::{GqlResultExt, bad_input},
    ids::{NodeKind, encode},
    loaders::{CountKey, Loaders},
};
use crate::{
    domain::{
        self, Bodies, Relations,
        article::{
            self as content, Article, Author, AuthorLink, Correction, Section, Tag, TagKind,
        },
        language::Language,
        page::Page,
        query::ArticleQuery,
        slug::Slug,
        taxonomy::Taxonomy,
    },
    service::{ContentService, audience::Audience},
};

fn utc(t: chrono::NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

fn loaders<'a>(ctx: &'a Context<'_>) -> &'a Loaders {
    ctx.data_unchecked::<Loaders>()
}

/// Orders of an article list.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum ArticleSort {
    /// Newest first.
    #[default]
    PublishedAtDesc,
    /// Oldest first.
    PublishedAtAsc,
    /// Most recently changed first, for clients that sync.
    UpdatedAtDesc,
}

impl From<ArticleSort> for content::ArticleSort {
    fn from(sort: ArticleSort) -> Self {
        match sort {
            ArticleSort::PublishedAtDesc => content::ArticleSort::PublishedDesc,
            ArticleSort::PublishedAtAsc => content::ArticleSort::PublishedAsc,
            ArticleSort::UpdatedAtDesc => content::ArticleSort::UpdatedDesc,
        }
    }
}

/// How several tags combine.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum TagMode {
    /// Every tag (the default).
    #[default]
    All,
    /// At least one tag.
    Any,
}

/// Narrows an article list, like the REST parameters of `GET /v1/articles`.
#[derive(InputObject, Default, Clone)]
pub struct ArticleFilter {
    /// Section slug.
    pub section: Option<String>,
    /// Tag slugs.
    pub tags: Option<Vec<String>>,
    /// With several tags: ALL (default) or ANY.
    pub tag_mode: Option<TagMode>,
    /// Author slug.
    pub author: Option<String>,
    /// BCP 47 language tag, e.g. `en`.
    pub language: Option<String>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    /// Only articles changed at or after this time.
    pub updated_since: Option<DateTime<Utc>>,
}

fn slug_arg(argument: &str, raw: Option<String>) -> async_graphql::Result<Option<Slug>> {
    raw.map(|s| Slug::parse(&s).map_err(|why| bad_input(argument, format!("`{s}` {why}"))))
        .transpose()
}

/// The slug of a stored section, author or tag (checked when it was saved).
fn stored_slug(slug: &str) -> async_graphql::Result<Slug> {
    Slug::parse(slug).map_err(|why| super::errors::gql(crate::error::AppError::internal(why)))
}

/// A time argument, as stored.
pub fn time_arg(
    argument: &str,
    t: Option<DateTime<Utc>>,
) -> async_graphql::Result<Option<chrono::NaiveDateTime>> {
    t.map(|t| domain::time::storable(t).map_err(|why| bad_input(argument, why)))
        .transpose()
}

impl ArticleFilter {
    pub fn into_domain(self) -> async_graphql::Result<content::ArticleFilter> {
        let tags = self.tags.unwrap_or_default();
        if tags.len() > content::MAX_FILTER_TAGS {
            return Err(bad_input(
                "filter.tags",
                format!(
                    "names {} tags; at most {} are allowed",
                    tags.len(),
                    content::MAX_FILTER_TAGS
                ),
            ));
        }
        Ok(content::ArticleFilter {
            section: slug_arg("filter.section", self.section)?,
            tags: tags
                .into_iter()
                .filter_map(|t| slug_arg("filter.tags", Some(t)).transpose())
                .collect::<async_graphql::Result<_>>()?,
            all_tags: self.tag_mode.unwrap_or_default() == TagMode::All,
            author: slug_arg("filter.author", self.author)?,
            language: self
                .language
                .map(|l| Language::parse(&l).map_err(|why| bad_input("filter.language", why)))
                .transpose()?,
            published_after: time_arg("filter.publishedAfter", self.published_after)?,
            published_before: time_arg("filter.publishedBefore", self.published_before)?,
            updated_since: time_arg("filter.updatedSince", self.updated_since)?,
            status: None,
        })
    }
}

/// Checks `first` against the page size limit.
pub fn page_size(first: Option<i32>) -> async_graphql::Result<u32> {
    domain::page::page_size(first.map(i64::from))
        .map_err(|why| bad_input("first", format!("first {why}")))
}

/// Turns a service page into a Relay connection.
pub fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    resumed: bool,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut conn = Connection::new(resumed, page.has_more);
    conn.edges.extend(
        page.items
            .into_iter()
            .zip(page.cursors)
            .map(|(item, cursor)| Edge::new(cursor, node(item))),
    );
    conn
}

/// Articles of an author, tag or section: the same query as `articles`, narrowed.
async fn nested_articles(
    ctx: &Context<'_>,
    filter: content::ArticleFilter,
    sort: ArticleSort,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Connection<String, ArticleNode>> {
    let content = ctx.data_unchecked::<ContentService>();
    let (relations, bodies) = connection_parts_wanted(ctx);
    let query = ArticleQuery::list(filter, sort.into())
        .page(after.clone(), page_size(first)?)
        .with_relations(relations)
        .with_bodies(bodies);
    let page = content
        .articles(&Audience::Public, query)
        .await
        .gql_args()?;
    Ok(connection(page, after.is_some(), |hit| {
        ArticleNode::listed(hit.article, relations, bodies)
    }))
}

/// Anything with a global id.
// Variants are built per resolved node and dropped at once; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id, for `node(id:)`."))]
pub enum Node {
    Article(ArticleNode),
    Author(AuthorNode),
    Tag(TagNode),
    Section(SectionNode),
}

/// Where an article is in the editorial workflow.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ArticleStatus")]
pub enum ArticleStatusEnum {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl From<content::ArticleStatus> for ArticleStatusEnum {
    fn from(s: content::ArticleStatus) -> Self {
        match s {
            content::ArticleStatus::Draft => ArticleStatusEnum::Draft,
            content::ArticleStatus::Scheduled => ArticleStatusEnum::Scheduled,
            content::ArticleStatus::Published => ArticleStatusEnum::Published,
            content::ArticleStatus::Archived => ArticleStatusEnum::Archived,
        }
    }
}

/// A published article.
pub struct ArticleNode {
    pub article: Article,
    /// Whether section, authors and tags came with the article (a list that asked for them
    /// loads them for the whole page at once) or are left to the loaders.
    pub relations: Relations,
    /// Whether the bodies were read: a page whose nodes did not ask for them skips them.
    pub bodies: Bodies,
}

impl ArticleNode {
    pub fn new(article: Article, relations: Relations) -> Self {
        ArticleNode {
            article,
            relations,
            bodies: Bodies::Load,
        }
    }

    /// A node of a page read with `bodies`.
    pub fn listed(article: Article, relations: Relations, bodies: Bodies) -> Self {
        ArticleNode {
            bodies,
            ..ArticleNode::new(article, relations)
        }
    }

    /// The body, or an error if the page was read without bodies (the look-ahead missed
    /// that they were asked for): never an empty body that looks real.
    fn body<'a>(&self, body: &'a str) -> async_graphql::Result<&'a str> {
        match self.bodies {
            Bodies::Load => Ok(body),
            Bodies::Skip => Err(async_graphql::Error::new(
                "the body was not read with this page",
            )),
        }
    }
}

/// What a page's article nodes (`node`, from the connection's look-ahead) ask for: related
/// objects (then the page loads them in one query per relation, however long it is) and
/// bodies (else the rows are read without them).
pub fn parts_wanted(node: async_graphql::Lookahead<'_>) -> (Relations, Bodies) {
    let asks = |fields: &[&str]| fields.iter().any(|f| node.field(f).exists());
    let relations = if asks(&["section", "authors", "tags", "jsonLd"]) {
        Relations::Load
    } else {
        Relations::Skip
    };
    let bodies = if asks(&["bodyHtml", "bodyText", "bodyImages", "bodyBlocks"]) {
        Bodies::Load
    } else {
        Bodies::Skip
    };
    (relations, bodies)
}

/// [`parts_wanted`] of a connection's `edges { node }`.
pub fn connection_parts_wanted(ctx: &Context<'_>) -> (Relations, Bodies) {
    parts_wanted(ctx.look_ahead().field("edges").field("node"))
}

#[Object(name = "Article")]
impl ArticleNode {
    /// Global id, for `node(id:)`.
    async fn id(&self) -> ID {
        encode(NodeKind::Article, &self.article.id)
    }
    /// The UUID used by the REST API.
    async fn database_id(&self) -> &str {
        &self.article.id
    }
    async fn slug(&self) -> &str {
        &self.article.slug
    }
    async fn title(&self) -> &str {
        &self.article.title
    }
    async fn standfirst(&self) -> Option<&str> {
        self.article.standfirst.as_deref()
    }
    /// Sanitized HTML of the body; images of the library in it are written out with their
    /// renditions (`src`, `srcset`, `width`, `height`, `alt`).
    async fn body_html(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        self.body(&self.article.body_html)?;
        let urls = ctx.data_unchecked::<ContentService>().rendition_urls();
        Ok(crate::domain::body_images::body_html(&self.article, urls).into_owned())
    }
    /// The library images the body shows, in order, each with its renditions, caption and
    /// credit.
    async fn body_images(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<HeroImageObject>> {
        self.body(&self.article.body_html)?;
        let urls = ctx.data_unchecked::<ContentService>().rendition_urls();
        Ok(crate::domain::body_images::body_images(&self.article, urls)
            .into_iter()
            .map(HeroImageObject::from)
            .collect())
    }
    /// The body as typed blocks, for native apps: the same content as bodyHtml, with library
    /// images and related articles resolved; a related article that is not public is left
    /// out.
    async fn body_blocks(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<super::blocks::BodyDocument> {
        self.body(&self.article.body_html)?;
        let urls = ctx.data_unchecked::<ContentService>().rendition_urls();
        Ok(crate::domain::blocks::resolve::for_reader(&self.article, urls).into())
    }
    /// The body as plain text, one paragraph a line.
    async fn body_text(&self) -> async_graphql::Result<&str> {
        self.body(&self.article.body_text)
    }
    async fn section(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<SectionNode>> {
        if self.relations == Relations::Load {
            return Ok(self.article.section.clone().map(SectionNode));
        }
        let Some(id) = self.article.section_id.clone() else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .sections
            .load_one(id)
            .await
            .gql()?
            .map(SectionNode))
    }
    /// In byline order.
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthorNode>> {
        if self.relations == Relations::Load {
            return Ok(self
                .article
                .authors
                .iter()
                .cloned()
                .map(AuthorNode)
                .collect());
        }
        let authors = loaders(ctx)
            .authors
            .load_one(self.article.id.clone())
            .await
            .gql()?;
        Ok(authors
            .unwrap_or_default()
            .into_iter()
            .map(AuthorNode)
            .collect())
    }
    /// In display order.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagNode>> {
        if self.relations == Relations::Load {
            return Ok(self.article.tags.iter().cloned().map(TagNode).collect());
        }
        let tags = loaders(ctx)
            .tags
            .load_one(self.article.id.clone())
            .await
            .gql()?;
        Ok(tags.unwrap_or_default().into_iter().map(TagNode).collect())
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.article.published_at.map(utc)
    }
    async fn first_published_at(&self) -> Option<DateTime<Utc>> {
        self.article.first_published(crate::domain::now()).map(utc)
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.article.updated_at)
    }
    /// BCP 47 language tag.
    async fn language(&self) -> &str {
        &self.article.language
    }
    /// Where the story was filed from.
    async fn dateline(&self) -> Option<&str> {
        self.article.dateline.as_deref()
    }
    /// schema.org `NewsArticle` as JSON-LD, for the page's `<script type="application/ld+json">`
    /// (the same document as REST's `fields=json_ld`).
    async fn json_ld(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<async_graphql::Json<crate::feeds::json_ld::NewsArticle>> {
        let publication = ctx.data_unchecked::<crate::feeds::Publication>();
        if self.relations == Relations::Load {
            return Ok(async_graphql::Json(crate::feeds::json_ld::news_article(
                &self.article,
                publication,
            )));
        }
        // Read without its relations (a single article): the page's loaders bring them.
        let mut article = self.article.clone();
        article.section = self.section(ctx).await?.map(|s| s.0);
        article.authors = self.authors(ctx).await?.into_iter().map(|a| a.0).collect();
        article.tags = self.tags(ctx).await?.into_iter().map(|t| t.0).collect();
        Ok(async_graphql::Json(crate::feeds::json_ld::news_article(
            &article,
            publication,
        )))
    }
    /// The lead picture, with its renditions when it is an image of the asset library.
    async fn hero_image(&self, ctx: &Context<'_>) -> Option<HeroImageObject> {
        let urls = ctx.data_unchecked::<ContentService>().rendition_urls();
        crate::domain::image::Image::hero_of(&self.article, urls).map(HeroImageObject::from)
    }
    async fn seo_title(&self) -> Option<&str> {
        self.article.seo_title.as_deref()
    }
    async fn seo_description(&self) -> Option<&str> {
        self.article.seo_description.as_deref()
    }
    async fn canonical_url(&self) -> Option<&str> {
        self.article.canonical_url.as_deref()
    }
    async fn word_count(&self) -> i32 {
        self.article.word_count
    }
    async fn reading_time_minutes(&self) -> i32 {
        self.article.reading_time_minutes
    }
    /// Workflow state; the public only ever sees PUBLISHED (or SCHEDULED whose time came).
    async fn status(&self) -> ArticleStatusEnum {
        self.article.status.into()
    }
    /// Pass back as `version` when changing the article.
    async fn version(&self) -> i32 {
        self.article.version
    }
    async fn embargo_until(&self) -> Option<DateTime<Utc>> {
        self.article.embargo_until.map(utc)
    }
    /// Dated correction notes.
    async fn corrections(&self) -> Vec<CorrectionObject> {
        self.article
            .corrections
            .iter()
            .cloned()
            .map(CorrectionObject::from)
            .collect()
    }
}

/// A picture of an article: its lead picture, or an image its body shows.
#[derive(SimpleObject)]
#[graphql(name = "HeroImage")]
pub struct HeroImageObject {
    /// Absolute URL: the image's own, or its default rendition.
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// The asset, for an image of the asset library.
    pub asset_id: Option<String>,
    /// Upright size of the original.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub focal_point: Option<FocalPointObject>,
    pub copyright: Option<String>,
    pub licence: Option<String>,
    /// JPEG renditions at the standard widths, narrowest first.
    pub renditions: Vec<RenditionObject>,
    /// `srcset` of the renditions.
    pub srcset: Option<String>,
    /// Any standard rendition: replace `{rendition}` with e.g. `800w-16x9.webp`.
    pub rendition_url_template: Option<String>,
}

/// Where the subject of an image is, as fractions from the top left.
#[derive(SimpleObject)]
#[graphql(name = "FocalPoint")]
pub struct FocalPointObject {
    pub x: f64,
    pub y: f64,
}

/// One ready-made rendition of an image.
#[derive(SimpleObject)]
#[graphql(name = "ImageRendition")]
pub struct RenditionObject {
    pub url: String,
    pub width: u32,
    pub height: u32,
    pub media_type: String,
}

impl From<crate::domain::image::ImageRendition> for RenditionObject {
    fn from(r: crate::domain::image::ImageRendition) -> Self {
        RenditionObject {
            url: r.url,
            width: r.width,
            height: r.height,
            media_type: r.media_type.to_owned(),
        }
    }
}

impl From<crate::domain::image::Image> for HeroImageObject {
    fn from(image: crate::domain::image::Image) -> Self {
        let asset = image.asset;
        HeroImageObject {
            url: image.url,
            alt: image.alt,
            caption: image.caption,
            credit: image.credit,
            srcset: asset.as_ref().map(|a| a.srcset()),
            asset_id: asset.as_ref().map(|a| a.id.clone()),
            width: asset.as_ref().map(|a| a.width),
            height: asset.as_ref().map(|a| a.height),
            focal_point: asset
                .as_ref()
                .and_then(|a| a.focal_point)
                .map(|f| FocalPointObject { x: f.x, y: f.y }),
            copyright: asset.as_ref().and_then(|a| a.copyright.clone()),
            licence: asset.as_ref().and_then(|a| a.licence.clone()),
            rendition_url_template: asset.as_ref().map(|a| a.url_template.clone()),
            renditions: asset
                .map(|a| {
                    a.renditions
                        .into_iter()
                        .map(RenditionObject::from)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// A dated correction note.
#[derive(SimpleObject)]
#[graphql(name = "Correction")]
pub struct CorrectionObject {
    pub note: String,
    pub corrected_at: DateTime<Utc>,
}

impl From<Correction> for CorrectionObject {
    fn from(c: Correction) -> Self {
        CorrectionObject {
            note: c.note,
            corrected_at: utc(c.corrected_at),
        }
    }
}

/// A link on an author's profile.
#[derive(SimpleObject)]
#[graphql(name = "AuthorLink")]
pub struct AuthorLinkObject {
    pub label: String,
    pub url: String,
}

impl From<AuthorLink> for AuthorLinkObject {
    fn from(l: AuthorLink) -> Self {
        AuthorLinkObject {
            label: l.label,
            url: l.url,
        }
    }
}

/// How many public articles: counted already, or through the batching loader.
async fn article_count(
    ctx: &Context<'_>,
    known: Option<i64>,
    of: Taxonomy,
    id: &str,
) -> async_graphql::Result<i64> {
    if let Some(n) = known {
        return Ok(n);
    }
    Ok(loaders(ctx)
        .counts
        .load_one(CountKey {
            of,
            id: id.to_owned(),
        })
        .await
        .gql()?
        .unwrap_or(0))
}

/// A byline: a reporter or a desk.
pub struct AuthorNode(pub Author);

#[Object(name = "Author")]
impl AuthorNode {
    /// Global id, for `node(id:)`.
    async fn id(&self) -> ID {
        encode(Taxonomy::Author, &self.0.id)
    }
    async fn database_id(&self) -> &str {
        &self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn role(&self) -> Option<&str> {
        self.0.role.as_deref()
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    async fn links(&self) -> Vec<AuthorLinkObject> {
        self.0
            .links
            .iter()
            .cloned()
            .map(AuthorLinkObject::from)
            .collect()
    }
    /// Published articles by this author.
    async fn article_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        article_count(ctx, self.0.article_count, Taxonomy::Author, &self.0.id).await
    }
    /// Published articles by this author.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] sort: ArticleSort,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ArticleNode>> {
        let filter = content::ArticleFilter {
            author: Some(stored_slug(&self.0.slug)?),
            ..Default::default()
        };
        nested_articles(ctx, filter, sort, first, after).await
    }
}

/// A topic or an entity articles are tagged with.
pub struct TagNode(pub Tag);

/// The kind of entity a tag names.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "TagKind")]
pub enum TagKindEnum {
    Topic,
    Person,
    Organization,
    Place,
    Event,
}

impl From<TagKind> for TagKindEnum {
    fn from(k: TagKind) -> Self {
        match k {
            TagKind::Topic => TagKindEnum::Topic,
            TagKind::Person => TagKindEnum::Person,
            TagKind::Organization => TagKindEnum::Organization,
            TagKind::Place => TagKindEnum::Place,
            TagKind::Event => TagKindEnum::Event,
        }
    }
}

impl From<TagKindEnum> for TagKind {
    fn from(k: TagKindEnum) -> Self {
        match k {
            TagKindEnum::Topic => TagKind::Topic,
            TagKindEnum::Person => TagKind::Person,
            TagKindEnum::Organization => TagKind::Organization,
            TagKindEnum::Place => TagKind::Place,
            TagKindEnum::Event => TagKind::Event,
        }
    }
}

#[Object(name = "Tag")]
impl TagNode {
    /// Global id, for `node(id:)`.
    async fn id(&self) -> ID {
        encode(Taxonomy::Tag, &self.0.id)
    }
    async fn database_id(&self) -> &str {
        &self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> TagKindEnum {
        self.0.kind.into()
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Published articles with this tag.
    async fn article_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        article_count(ctx, self.0.article_count, Taxonomy::Tag, &self.0.id).await
    }
    /// Published articles with this tag.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] sort: ArticleSort,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ArticleNode>> {
        let filter = content::ArticleFilter {
            tags: vec![stored_slug(&self.0.slug)?],
            ..Default::default()
        };
        nested_articles(ctx, filter, sort, first, after).await
    }
}

/// A section of the publication.
pub struct SectionNode(pub Section);

#[Object(name = "Section")]
impl SectionNode {
    /// Global id, for `node(id:)`.
    async fn id(&self) -> ID {
        encode(Taxonomy::Section, &self.0.id)
    }
    async fn database_id(&self) -> &str {
        &self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Published articles in this section.
    async fn article_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        article_count(ctx, self.0.article_count, Taxonomy::Section, &self.0.id).await
    }
    /// Published articles in this section.
    #[graphql(
        complexity = "(first.unwrap_or(20).max(1) as usize).saturating_mul(child_complexity).saturating_add(1)"
    )]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] sort: ArticleSort,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, ArticleNode>> {
        let filter = content::ArticleFilter {
            section: Some(stored_slug(&self.0.slug)?),
            ..Default::default()
        };
        nested_articles(ctx, filter, sort, first, after).await
    }
}
