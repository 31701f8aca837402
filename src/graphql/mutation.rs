//! The mutation root: the admin API's writes and workflow over GraphQL, through the same
//! service calls as `/admin/v1`. The caller is the request's bearer key.

use async_graphql::{Context, ID, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

use super::{
    errors::{GqlResultExt, bad_input, gql},
    ids::{self, NodeKind},
    nodes::{ArticleNode, AuthorNode, SectionNode, TagKindEnum, TagNode, time_arg},
};
use crate::{
    auth::Caller,
    domain::{
        Relations,
        article::{ArticleStatus, AuthorLink, BodyFormat, HeroImage},
    },
    error::AppError,
    service::{
        ContentService,
        editorial::{ArticlePatch, NewArticle, Transition, body_or_blocks},
        taxonomy::{NewAuthor, NewSection, NewTag},
        taxonomy_admin::TaxonomyPatch,
    },
};

/// The admin API's writes and workflow.
#[derive(Default)]
pub struct ContentMutation;

pub(super) fn caller<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Caller> {
    ctx.data_opt::<Caller>().ok_or_else(|| {
        gql(AppError::unauthenticated(
            "mutations need an API key: `Authorization: Bearer byl_…`",
        ))
    })
}

pub(super) fn content<'a>(ctx: &'a Context<'_>) -> &'a ContentService {
    ctx.data_unchecked::<ContentService>()
}

/// An article id: the REST UUID or the global id.
fn article_id(id: &ID) -> async_graphql::Result<String> {
    if let Ok(uuid) = crate::domain::parse_id(id) {
        return Ok(uuid);
    }
    match ids::decode(id)? {
        (NodeKind::Article, uuid) => Ok(uuid),
        (NodeKind::Taxonomy(_), _) => Err(bad_input("id", "not an article id")),
    }
}

/// Markup of an article body.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq)]
pub enum BodyFormatEnum {
    Markdown,
    Html,
    /// A block document as JSON text (`schema/body-blocks.schema.json`); `bodyBlocks` sends
    /// one as a JSON value instead.
    Blocks,
}

impl From<BodyFormatEnum> for BodyFormat {
    fn from(f: BodyFormatEnum) -> Self {
        match f {
            BodyFormatEnum::Markdown => BodyFormat::Markdown,
            BodyFormatEnum::Html => BodyFormat::Html,
            BodyFormatEnum::Blocks => BodyFormat::Blocks,
        }
    }
}

/// The lead picture of an article.
#[derive(InputObject, Clone)]
pub struct HeroImageInput {
    /// An image of the asset library.
    pub asset_id: Option<String>,
    /// An image hosted elsewhere (not with `assetId`).
    pub url: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

impl From<HeroImageInput> for HeroImage {
    fn from(h: HeroImageInput) -> Self {
        HeroImage {
            asset_id: h.asset_id,
            url: h.url,
            alt: h.alt,
            caption: h.caption,
            credit: h.credit,
        }
    }
}

/// A new article: a draft unless `publish` is true (contributors: drafts only).
#[derive(InputObject)]
pub struct CreateArticleInput {
    /// Made from the title when absent.
    pub slug: Option<String>,
    pub title: String,
    pub standfirst: Option<String>,
    /// MARKDOWN (default), HTML or BLOCKS; stored HTML is sanitized either way.
    pub body_format: Option<BodyFormatEnum>,
    /// The body's text, in `bodyFormat`; required unless `bodyBlocks` is given.
    pub body: Option<String>,
    /// A block document (schema/body-blocks.schema.json) instead of body/bodyFormat.
    pub body_blocks: Option<Json<serde_json::Value>>,
    /// Section slug.
    pub section: Option<String>,
    /// Author slugs, in byline order.
    #[graphql(default)]
    pub authors: Vec<String>,
    /// Tag slugs, in display order.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Publish at once.
    #[graphql(default)]
    pub publish: bool,
    pub embargo_until: Option<DateTime<Utc>>,
    /// BCP 47 language tag (default `en`).
    pub language: Option<String>,
    pub dateline: Option<String>,
    pub hero_image: Option<HeroImageInput>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
}

/// Fields to change; omitted fields stay, `null` clears an optional one.
#[derive(InputObject, Default)]
pub struct ArticlePatchInput {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub standfirst: MaybeUndefined<String>,
    pub body_format: Option<BodyFormatEnum>,
    pub body: Option<String>,
    /// A block document (schema/body-blocks.schema.json) instead of body/bodyFormat.
    pub body_blocks: Option<Json<serde_json::Value>>,
    pub section: MaybeUndefined<String>,
    pub authors: Option<Vec<String>>,
    pub tags: Option<Vec<String>>,
    pub language: Option<String>,
    pub dateline: MaybeUndefined<String>,
    pub hero_image: MaybeUndefined<HeroImageInput>,
    pub seo_title: MaybeUndefined<String>,
    pub seo_description: MaybeUndefined<String>,
    pub canonical_url: MaybeUndefined<String>,
}

/// A GraphQL patch field as the service's: absent stays, `null` clears.
pub(super) fn maybe<T, U: From<T>>(value: MaybeUndefined<T>) -> Option<Option<U>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v.into())),
    }
}

impl From<ArticlePatchInput> for ArticlePatch {
    fn from(p: ArticlePatchInput) -> Self {
        ArticlePatch {
            slug: p.slug,
            title: p.title,
            standfirst: maybe(p.standfirst),
            body_format: p.body_format.map(Into::into),
            body: p.body,
            body_blocks: p.body_blocks.map(|Json(doc)| doc),
            section: maybe(p.section),
            authors: p.authors,
            tags: p.tags,
            language: p.language,
            dateline: maybe(p.dateline),
            hero_image: maybe(p.hero_image),
            seo_title: maybe(p.seo_title),
            seo_description: maybe(p.seo_description),
            canonical_url: maybe(p.canonical_url),
            version: None,
        }
    }
}

/// A section, author or tag to create. `kind` is for tags; `role`, `bio`, `avatarUrl` and
/// `links` for authors.
#[derive(InputObject)]
pub struct TaxonomyInput {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: Option<TagKindEnum>,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Option<Vec<AuthorLinkInput>>,
}

/// Fields of a section, author or tag to change.
#[derive(InputObject, Default)]
pub struct TaxonomyPatchInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<TagKindEnum>,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Option<Vec<AuthorLinkInput>>,
}

#[derive(InputObject, Clone)]
pub struct AuthorLinkInput {
    pub label: String,
    pub url: String,
}

fn links(given: Option<Vec<AuthorLinkInput>>) -> Option<Vec<AuthorLink>> {
    given.map(|links| {
        links
            .into_iter()
            .map(|l| AuthorLink {
                label: l.label,
                url: l.url,
            })
            .collect()
    })
}

impl From<TaxonomyPatchInput> for TaxonomyPatch {
    fn from(p: TaxonomyPatchInput) -> Self {
        TaxonomyPatch {
            slug: p.slug,
            name: p.name,
            description: p.description,
            kind: p.kind.map(Into::into),
            role: p.role,
            bio: p.bio,
            avatar_url: p.avatar_url,
            links: links(p.links),
        }
    }
}

/// A token that lets a frontend read one unpublished article.
#[derive(SimpleObject)]
pub struct PreviewToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

async fn transition(
    ctx: &Context<'_>,
    id: ID,
    transition: Transition,
    version: i32,
) -> async_graphql::Result<ArticleNode> {
    let article = content(ctx)
        .transition_article(caller(ctx)?, &article_id(&id)?, transition, Some(version))
        .await
        .gql()?;
    Ok(ArticleNode::new(article, Relations::Load))
}

#[Object]
impl ContentMutation {
    /// Create an article.
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: CreateArticleInput,
    ) -> async_graphql::Result<ArticleNode> {
        let (body_format, body) = body_or_blocks(
            input.body_format.map(Into::into),
            input.body,
            input.body_blocks.map(|Json(doc)| doc),
        )
        .gql()?;
        let new = NewArticle {
            slug: input.slug,
            title: input.title,
            standfirst: input.standfirst,
            body_format: body_format.unwrap_or(BodyFormat::Markdown),
            // Missing text is checked with every other field (an empty body fails `prepare`).
            body: body.unwrap_or_default(),
            section: input.section,
            authors: input.authors,
            tags: input.tags,
            status: if input.publish {
                ArticleStatus::Published
            } else {
                ArticleStatus::Draft
            },
            published_at: None,
            embargo_until: time_arg("input.embargoUntil", input.embargo_until)?,
            language: input.language.unwrap_or_else(|| "en".into()),
            dateline: input.dateline,
            hero_image: input.hero_image.map(Into::into),
            seo_title: input.seo_title,
            seo_description: input.seo_description,
            canonical_url: input.canonical_url,
            corrections: Vec::new(),
        };
        let article = content(ctx)
            .create_article_as(caller(ctx)?, new)
            .await
            .gql()?;
        Ok(ArticleNode::new(article, Relations::Load))
    }

    /// Change some fields of an article, based on `version` (stale: CONFLICT).
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        patch: ArticlePatchInput,
    ) -> async_graphql::Result<ArticleNode> {
        let article = content(ctx)
            .update_article(caller(ctx)?, &article_id(&id)?, patch.into(), Some(version))
            .await
            .gql()?;
        Ok(ArticleNode::new(article, Relations::Load))
    }

    /// Delete an article; a once-published one answers 410 Gone on the REST API afterwards.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<bool> {
        content(ctx)
            .delete_article(caller(ctx)?, &article_id(&id)?, Some(version))
            .await
            .gql()?;
        Ok(true)
    }

    /// Publish now.
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        transition(ctx, id, Transition::Publish, version).await
    }

    /// Publish at a future time.
    async fn schedule_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        publish_at: DateTime<Utc>,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        let at = time_arg("publishAt", Some(publish_at))?
            .ok_or_else(|| bad_input("publishAt", "required"))?;
        transition(ctx, id, Transition::Schedule(at), version).await
    }

    /// Back to draft (the REST API answers 410 Gone for it).
    async fn unpublish_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        transition(ctx, id, Transition::Unpublish, version).await
    }

    /// Out of circulation.
    async fn archive_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        transition(ctx, id, Transition::Archive, version).await
    }

    /// Hold back until a future time, or lift the embargo with `until: null`.
    async fn set_embargo(
        &self,
        ctx: &Context<'_>,
        id: ID,
        until: Option<DateTime<Utc>>,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        transition(
            ctx,
            id,
            Transition::Embargo(time_arg("until", until)?),
            version,
        )
        .await
    }

    /// Append a dated correction note to a published article.
    async fn add_correction(
        &self,
        ctx: &Context<'_>,
        id: ID,
        note: String,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        let article = content(ctx)
            .add_correction(caller(ctx)?, &article_id(&id)?, note, Some(version))
            .await
            .gql()?;
        Ok(ArticleNode::new(article, Relations::Load))
    }

    /// Make an old version's content current again.
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        id: ID,
        revision: i32,
        version: i32,
    ) -> async_graphql::Result<ArticleNode> {
        let article = content(ctx)
            .restore_revision(caller(ctx)?, &article_id(&id)?, revision, Some(version))
            .await
            .gql()?;
        Ok(ArticleNode::new(article, Relations::Load))
    }

    /// A short-lived token to preview one unpublished article (`previewToken` on `article`).
    async fn create_preview_token(
        &self,
        ctx: &Context<'_>,
        id: ID,
        ttl_minutes: Option<i32>,
    ) -> async_graphql::Result<PreviewToken> {
        let (token, expires) = content(ctx)
            .mint_preview_token(caller(ctx)?, &article_id(&id)?, ttl_minutes.map(i64::from))
            .await
            .gql()?;
        Ok(PreviewToken {
            token,
            expires_at: expires.and_utc(),
        })
    }

    async fn create_section(
        &self,
        ctx: &Context<'_>,
        input: TaxonomyInput,
    ) -> async_graphql::Result<SectionNode> {
        let new = NewSection {
            slug: input.slug,
            name: input.name,
            description: input.description,
        };
        Ok(SectionNode(
            content(ctx)
                .create_section_as(caller(ctx)?, new)
                .await
                .gql()?,
        ))
    }

    async fn create_author(
        &self,
        ctx: &Context<'_>,
        input: TaxonomyInput,
    ) -> async_graphql::Result<AuthorNode> {
        let new = NewAuthor {
            slug: input.slug,
            name: input.name,
            role: input.role,
            bio: input.bio,
            avatar_url: input.avatar_url,
            links: links(input.links).unwrap_or_default(),
        };
        Ok(AuthorNode(
            content(ctx)
                .create_author_as(caller(ctx)?, new)
                .await
                .gql()?,
        ))
    }

    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        input: TaxonomyInput,
    ) -> async_graphql::Result<TagNode> {
        let kind = input
            .kind
            .ok_or_else(|| bad_input("input.kind", "a tag needs a kind"))?
            .into();
        let new = NewTag {
            slug: input.slug,
            name: input.name,
            kind,
            description: input.description,
        };
        Ok(TagNode(
            content(ctx).create_tag_as(caller(ctx)?, new).await.gql()?,
        ))
    }

    async fn update_section(
        &self,
        ctx: &Context<'_>,
        slug: String,
        patch: TaxonomyPatchInput,
    ) -> async_graphql::Result<SectionNode> {
        Ok(SectionNode(
            content(ctx)
                .update_section(caller(ctx)?, &slug, patch.into())
                .await
                .gql()?,
        ))
    }

    async fn update_author(
        &self,
        ctx: &Context<'_>,
        slug: String,
        patch: TaxonomyPatchInput,
    ) -> async_graphql::Result<AuthorNode> {
        Ok(AuthorNode(
            content(ctx)
                .update_author(caller(ctx)?, &slug, patch.into())
                .await
                .gql()?,
        ))
    }

    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        slug: String,
        patch: TaxonomyPatchInput,
    ) -> async_graphql::Result<TagNode> {
        Ok(TagNode(
            content(ctx)
                .update_tag(caller(ctx)?, &slug, patch.into())
                .await
                .gql()?,
        ))
    }

    /// Delete a section no article uses.
    async fn delete_section(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        content(ctx)
            .delete_section(caller(ctx)?, &slug)
            .await
            .gql()?;
        Ok(true)
    }

    /// Delete an author no article uses.
    async fn delete_author(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        content(ctx)
            .delete_author(caller(ctx)?, &slug)
            .await
            .gql()?;
        Ok(true)
    }

    /// Delete a tag no article uses.
    async fn delete_tag(&self, ctx: &Context<'_>, slug: String) -> async_graphql::Result<bool> {
        content(ctx).delete_tag(caller(ctx)?, &slug).await.gql()?;
        Ok(true)
    }
}
