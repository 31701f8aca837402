//! The JSON wire format of the REST API. Only this module knows how content looks on the
//! wire; handlers build these views from domain types.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{
        RefOr,
        schema::{AnyOfBuilder, Ref, Schema},
    },
};

use crate::domain::{
    article::{Article, Author, AuthorLink, Section, Tag, TagKind},
    asset::FocalPoint,
    image::{Image, ImageRendition, RenditionUrls},
};

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A section of the publication.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionJson {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Published articles in this section (on section endpoints only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_count: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A byline: a reporter or a desk.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorJson {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Vec<AuthorLink>,
    /// Published articles by this author (on author endpoints only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_count: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A topic or an entity (person, organization, place, event) articles are tagged with.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagJson {
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub name: String,
    pub kind: TagKind,
    pub description: Option<String>,
    /// Published articles with this tag (on tag endpoints only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_count: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A related object: its slug, or the whole object when asked for with `include`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Related<T> {
    Slug(String),
    Object(T),
}

/// Search-engine metadata of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeoJson {
    pub title: Option<String>,
    pub description: Option<String>,
}

/// A dated correction note shown with the article.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionJson {
    pub note: String,
    pub corrected_at: DateTime<Utc>,
}

/// A published article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleJson {
    /// UUID v7.
    #[schema(format = Uuid)]
    pub id: String,
    pub slug: String,
    pub title: String,
    pub standfirst: Option<String>,
    /// Sanitized HTML of the body; images of the library in it are written out with their
    /// renditions (`src`, `srcset`, `width`, `height`, `alt`).
    pub body_html: String,
    /// The body as plain text, one paragraph a line.
    pub body_text: String,
    /// The library images the body shows, in order, each with its renditions, caption and
    /// credit.
    pub body_images: Vec<HeroImageJson>,
    /// The body as a typed block document (`schema/body-blocks.schema.json`), for native
    /// apps: the same content as `body_html`, with library images and related articles
    /// resolved (a related article that is not public is left out). Only when `fields`
    /// names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_blocks: Option<crate::domain::blocks::BodyDocument>,
    pub section: Option<Related<SectionJson>>,
    /// In byline order.
    pub authors: Vec<Related<AuthorJson>>,
    /// In display order.
    pub tags: Vec<Related<TagJson>>,
    pub published_at: Option<DateTime<Utc>>,
    pub first_published_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// BCP 47 language tag.
    pub language: String,
    /// Where the story was filed from, e.g. `BRUSSELS`.
    pub dateline: Option<String>,
    pub hero_image: Option<HeroImageJson>,
    pub seo: SeoJson,
    pub canonical_url: Option<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub corrections: Vec<CorrectionJson>,
    /// schema.org `NewsArticle` as JSON-LD, for the page's
    /// `<script type="application/ld+json">`: only when `fields` names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub json_ld: Option<crate::feeds::json_ld::NewsArticle>,
}

/// `fields=` names, and how an article with only some of them serializes: straight from the
/// view, field by field, without a `serde_json::Value` tree in between. One list, so a field
/// that can be named is a field that can be written.
macro_rules! article_fields {
    ($($field:ident),* $(,)?) => {
        /// The field names `fields=` accepts.
        pub const ARTICLE_FIELDS: &[&str] = &[$(stringify!($field)),*];

        impl Serialize for SelectedArticleJson {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(self.fields.count_ones() as usize))?;
                let mut bit = 1u32;
                $(
                    if self.fields & bit != 0 {
                        map.serialize_entry(stringify!($field), &self.article.$field)?;
                    }
                    bit <<= 1;
                )*
                let _ = bit;
                map.end()
            }
        }
    };
}

article_fields!(
    id,
    slug,
    title,
    standfirst,
    body_html,
    body_text,
    body_images,
    body_blocks,
    section,
    authors,
    tags,
    published_at,
    first_published_at,
    updated_at,
    language,
    dateline,
    hero_image,
    seo,
    canonical_url,
    word_count,
    reading_time_minutes,
    corrections,
    json_ld,
);

/// An article with only the fields a caller named: bit `i` of `fields` stands for
/// `ARTICLE_FIELDS[i]`.
#[derive(Debug)]
pub struct SelectedArticleJson {
    pub article: Box<ArticleJson>,
    pub fields: u32,
}

impl SelectedArticleJson {
    /// The mask of `names`, each one of [`ARTICLE_FIELDS`] (others are ignored).
    pub fn mask<S: AsRef<str>>(names: &[S]) -> u32 {
        names
            .iter()
            .filter_map(|name| ARTICLE_FIELDS.iter().position(|f| *f == name.as_ref()))
            .fold(0, |mask, i| mask | (1 << i))
    }
}

/// A published article as the public API sends it: whole, or with `fields`, only the fields
/// named (each once, whatever `fields` or `include` repeat).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ShapedArticleJson {
    Whole(Box<ArticleJson>),
    Selected(SelectedArticleJson),
}

/// The name of a schema with only the fields `fields` named: `ArticleJson` →
/// `ArticleFieldsJson`.
fn fields_schema_name(name: &str) -> String {
    format!("{}FieldsJson", name.strip_suffix("Json").unwrap_or(name))
}

/// `schema` with none of its properties required, as `fields` cuts it down; a schema it is
/// composed of (`allOf`, as a flattened view makes) is referred to by its fields name too.
fn without_required(schema: &mut Schema) {
    match schema {
        Schema::Object(object) => object.required.clear(),
        Schema::AllOf(all) => {
            for item in &mut all.items {
                match item {
                    RefOr::T(inner) => without_required(inner),
                    RefOr::Ref(reference) => {
                        if let Some(name) =
                            reference.ref_location.strip_prefix("#/components/schemas/")
                        {
                            *reference = Ref::from_schema_name(fields_schema_name(name));
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// `T`'s schema as `fields` cuts it down: its properties, none of them required.
pub fn fields_schema<T: ToSchema>() -> RefOr<Schema> {
    let mut schema = T::schema();
    if let RefOr::T(inner) = &mut schema {
        without_required(inner);
        let description = match inner {
            Schema::Object(object) => Some(&mut object.description),
            Schema::AllOf(all) => Some(&mut all.description),
            _ => None,
        };
        if let Some(description) = description {
            let whole = description.take().unwrap_or_default();
            *description = Some(format!(
                "{whole} With only the fields named in `fields`: any of them may be left out."
            ));
        }
    }
    schema
}

/// The document's schema of a `T` that `fields` may cut down: `T` whole, or only the fields
/// named (`<T>FieldsJson`).
pub fn shaped_schema<T: ToSchema>(description: &str) -> RefOr<Schema> {
    AnyOfBuilder::new()
        .item(Ref::from_schema_name(T::name()))
        .item(Ref::from_schema_name(fields_schema_name(&T::name())))
        .description(Some(description))
        .into()
}

/// The schemas [`shaped_schema`] refers to.
pub fn shaped_schemas<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
    schemas.push((T::name().into_owned(), T::schema()));
    schemas.push((fields_schema_name(&T::name()), fields_schema::<T>()));
    T::schemas(schemas);
}

impl PartialSchema for ShapedArticleJson {
    fn schema() -> RefOr<Schema> {
        shaped_schema::<ArticleJson>(
            "A published article: whole (`ArticleJson`), or with `fields`, only the fields named (`ArticleFieldsJson`)",
        )
    }
}

impl ToSchema for ShapedArticleJson {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        shaped_schemas::<ArticleJson>(schemas);
    }
}

/// `ArticleJson` as `fields` cuts it down (its properties, none required), for views that
/// flatten an article beside fields of their own (search results): client generators take
/// `allOf` over objects, not over [`ShapedArticleJson`]'s `anyOf`, and a whole article is one
/// of these too.
pub struct ArticleFieldsJson;

impl PartialSchema for ArticleFieldsJson {
    fn schema() -> RefOr<Schema> {
        fields_schema::<ArticleJson>()
    }
}

impl ToSchema for ArticleFieldsJson {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        shaped_schemas::<ArticleJson>(schemas);
    }
}

/// Which related objects to embed whole instead of as slugs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Includes {
    pub authors: bool,
    pub tags: bool,
    pub section: bool,
}

impl SectionJson {
    pub fn from_domain(s: Section) -> Self {
        SectionJson {
            id: s.id,
            slug: s.slug,
            name: s.name,
            description: s.description,
            article_count: s.article_count,
            updated_at: utc(s.updated_at),
        }
    }
}

impl AuthorJson {
    pub fn from_domain(a: Author) -> Self {
        AuthorJson {
            id: a.id,
            slug: a.slug,
            name: a.name,
            role: a.role,
            bio: a.bio,
            avatar_url: a.avatar_url,
            links: a.links,
            article_count: a.article_count,
            updated_at: utc(a.updated_at),
        }
    }
}

impl TagJson {
    pub fn from_domain(t: Tag) -> Self {
        TagJson {
            id: t.id,
            slug: t.slug,
            name: t.name,
            kind: t.kind,
            description: t.description,
            article_count: t.article_count,
            updated_at: utc(t.updated_at),
        }
    }
}

fn related<D, J>(
    item: D,
    embed: bool,
    slug: impl Fn(&D) -> String,
    view: impl Fn(D) -> J,
) -> Related<J> {
    if embed {
        Related::Object(view(item))
    } else {
        Related::Slug(slug(&item))
    }
}

impl ArticleJson {
    pub fn from_domain(a: Article, include: Includes, urls: &RenditionUrls) -> Self {
        let first_published_at = a.first_published(crate::domain::now()).map(utc);
        let hero_image = Image::hero_of(&a, urls).map(HeroImageJson::from);
        let body_images = crate::domain::body_images::body_images(&a, urls)
            .into_iter()
            .map(HeroImageJson::from)
            .collect();
        let body_html = crate::domain::body_images::body_html(&a, urls).into_owned();
        ArticleJson {
            id: a.id,
            slug: a.slug,
            title: a.title,
            standfirst: a.standfirst,
            body_html,
            body_text: a.body_text,
            body_images,
            body_blocks: None,
            section: a.section.map(|s| {
                related(
                    s,
                    include.section,
                    |s| s.slug.clone(),
                    SectionJson::from_domain,
                )
            }),
            authors: a
                .authors
                .into_iter()
                .map(|x| {
                    related(
                        x,
                        include.authors,
                        |x| x.slug.clone(),
                        AuthorJson::from_domain,
                    )
                })
                .collect(),
            tags: a
                .tags
                .into_iter()
                .map(|x| related(x, include.tags, |x| x.slug.clone(), TagJson::from_domain))
                .collect(),
            published_at: a.published_at.map(utc),
            first_published_at,
            updated_at: utc(a.updated_at),
            language: a.language,
            dateline: a.dateline,
            hero_image,
            seo: SeoJson {
                title: a.seo_title,
                description: a.seo_description,
            },
            canonical_url: a.canonical_url,
            word_count: a.word_count,
            reading_time_minutes: a.reading_time_minutes,
            corrections: a
                .corrections
                .into_iter()
                .map(|c| CorrectionJson {
                    note: c.note,
                    corrected_at: utc(c.corrected_at),
                })
                .collect(),
            json_ld: None,
        }
    }
}

/// A picture of an article: its lead picture, or an image its body shows. For an image of the
/// asset library: its size, focal point, rights and ready-made renditions.
#[derive(Debug, Serialize, ToSchema)]
pub struct HeroImageJson {
    /// Absolute URL: the image's own, or its default rendition (JPEG, up to 1280 wide).
    pub url: String,
    /// Text alternative for screen readers.
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// Photographer or agency.
    pub credit: Option<String>,
    /// The asset, for an image of the asset library.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Uuid)]
    pub asset_id: Option<String>,
    /// Upright size of the original.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focal_point: Option<FocalPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// JPEG renditions at the standard widths, narrowest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub renditions: Vec<ImageRendition>,
    /// `srcset` of `renditions`, for `<img>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub srcset: Option<String>,
    /// Any standard rendition: replace `{rendition}` with e.g. `800w-16x9.webp` (widths as
    /// in `renditions`; crops 1x1, 4x3, 3x2, 16x9, 9x16, 4x5 around the focal point; formats
    /// jpg, webp, png).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendition_url_template: Option<String>,
}

impl From<Image> for HeroImageJson {
    fn from(image: Image) -> Self {
        let asset = image.asset;
        HeroImageJson {
            url: image.url,
            alt: image.alt,
            caption: image.caption,
            credit: image.credit,
            srcset: asset.as_ref().map(|a| a.srcset()),
            asset_id: asset.as_ref().map(|a| a.id.clone()),
            width: asset.as_ref().map(|a| a.width),
            height: asset.as_ref().map(|a| a.height),
            focal_point: asset.as_ref().and_then(|a| a.focal_point),
            copyright: asset.as_ref().and_then(|a| a.copyright.clone()),
            licence: asset.as_ref().and_then(|a| a.licence.clone()),
            rendition_url_template: asset.as_ref().map(|a| a.url_template.clone()),
            renditions: asset.map(|a| a.renditions).unwrap_or_default(),
        }
    }
}

/// Metadata of a list page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListMeta {
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// The page size used.
    pub limit: u32,
}

/// A page of items.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListEnvelope<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// One item.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemEnvelope<T> {
    pub data: T,
}

/// A search result: the article (with the fields asked for) and the passage that matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultJson {
    #[serde(flatten)]
    #[schema(value_type = ArticleFieldsJson)]
    pub article: ShapedArticleJson,
    /// HTML-safe text around the matches, each match in `<mark>`…`</mark>`.
    pub snippet: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::article::HeroImage;
    use crate::domain::article::{ArticleStatus, BodyFormat, Correction};

    fn sample_article() -> Article {
        let t = crate::domain::now();
        let author = Author {
            id: "a1".into(),
            slug: "desk".into(),
            name: "The \"Desk\"".into(),
            role: None,
            bio: Some("bio".into()),
            avatar_url: None,
            links: vec![AuthorLink {
                label: "x".into(),
                url: "https://example.com".into(),
            }],
            article_count: None,
            created_at: t,
            updated_at: t,
        };
        Article {
            id: "id-1".into(),
            slug: "a-slug".into(),
            title: "A <title> & \u{e9}".into(),
            standfirst: Some("standfirst".into()),
            body_format: BodyFormat::Markdown,
            body_source: "body".into(),
            body_html: "<p>body</p>".into(),
            body_text: "body".into(),
            section_id: None,
            section: None,
            authors: vec![author],
            tags: Vec::new(),
            status: ArticleStatus::Published,
            published_at: Some(t),
            first_published_at: Some(t),
            publish_at: None,
            embargo_until: None,
            language: "en".into(),
            dateline: Some("BRUSSELS".into()),
            hero_image: Some(HeroImage {
                asset_id: None,
                url: Some("https://example.com/i.jpg".into()),
                alt: Some("alt".into()),
                caption: None,
                credit: None,
            }),
            hero_asset: None,
            body_assets: Vec::new(),
            body_blocks: String::new(),
            body_related: Vec::new(),
            seo_title: None,
            seo_description: Some("seo".into()),
            canonical_url: None,
            word_count: 1,
            reading_time_minutes: 1,
            version: 3,
            corrections: vec![Correction {
                note: "fixed".into(),
                corrected_at: t,
            }],
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn an_article_cut_to_fields_is_the_whole_article_with_only_those_keys() {
        let article = sample_article();
        let whole = serde_json::to_value(ArticleJson::from_domain(
            article.clone(),
            Includes::default(),
            &RenditionUrls::default(),
        ))
        .expect("serializes");
        let whole = whole.as_object().expect("object");
        // `json_ld` and `body_blocks` are only there when named (the shape fills them in).
        let named_only = ["json_ld", "body_blocks"];
        let always: Vec<&str> = ARTICLE_FIELDS
            .iter()
            .copied()
            .filter(|f| !named_only.contains(f))
            .collect();
        assert_eq!(whole.len(), always.len(), "every field can be named");
        assert!(named_only.iter().all(|f| !whole.contains_key(*f)));
        // Every subset of a few fields, and each field alone.
        let mut selections: Vec<Vec<&str>> = always.iter().map(|f| vec![*f]).collect();
        selections.push(always.clone());
        selections.push(vec!["slug", "seo", "corrections", "hero_image", "authors"]);
        for names in selections {
            let cut = SelectedArticleJson {
                article: Box::new(ArticleJson::from_domain(
                    article.clone(),
                    Includes::default(),
                    &RenditionUrls::default(),
                )),
                fields: SelectedArticleJson::mask(&names),
            };
            let cut = serde_json::to_value(cut).expect("serializes");
            let expected: serde_json::Map<_, _> = whole
                .iter()
                .filter(|(k, _)| names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(cut, serde_json::Value::Object(expected), "{names:?}");
        }
    }
}
