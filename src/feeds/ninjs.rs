//! IPTC ninjs 3.1 (<https://iptc.org/standards/ninjs/>): articles for partners, and
//! withdrawal notices (`pubStatus: canceled`) for articles taken down after they were out.
//! A test validates the output against IPTC's JSON Schema.

use crate::domain::body_images::body_html;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Publication, article_uri, byline, rfc3339};
use crate::{
    domain::{
        article::{Article, TagKind},
        image::Image,
    },
    service::syndication::{Change, Withdrawal, WithdrawalReason, change_time},
};

pub const SCHEMA_URI: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json";

/// `rel` of the subject that names the article's section.
pub const SECTION_REL: &str = "section";

/// A news item in ninjs 3.1.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ninjs {
    /// `urn:uuid:` and the article's id: the same for every version and for its withdrawal.
    pub uri: String,
    /// Always `text`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `full` for an article, `partial` for a withdrawal notice.
    pub representation_type: &'static str,
    pub standard: NinjsStandard,
    /// The article's version number (it rises with every saved change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When the article was first published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_created: Option<String>,
    /// When this version became what partners see: the change time of the change stream.
    pub version_created: String,
    /// The embargo the article was held under (always passed when served).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embargoed_until: Option<String>,
    /// `usable`, or `canceled` for a withdrawn article: take it down.
    pub pub_status: &'static str,
    /// BCP 47.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright_holder: Option<String>,
    /// Corrections, or why the article was withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ed_note: Option<String>,
    /// The article's slug.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slugline: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headlines: Vec<NinjsText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<NinjsText>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<NinjsBody>,
    /// The byline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The dateline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub located: Option<String>,
    /// Tags naming people.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<NinjsEntity>,
    /// Tags naming organisations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<NinjsEntity>,
    /// Tags naming places.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<NinjsEntity>,
    /// Tags naming events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<NinjsEntity>,
    /// Topic tags, and the section (`rel: section`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<NinjsEntity>,
    /// The hero image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<NinjsAssociation>,
    /// The slug, the frontend URL (`url`) and the canonical URL, when set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alt_ids: Vec<NinjsAltId>,
}

/// Which standard the item follows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NinjsStandard {
    pub name: &'static str,
    pub version: &'static str,
    pub schema: &'static str,
}

impl Default for NinjsStandard {
    fn default() -> Self {
        NinjsStandard {
            name: "ninjs",
            version: "3.1",
            schema: SCHEMA_URI,
        }
    }
}

/// A headline or a description.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NinjsText {
    pub role: &'static str,
    pub content_type: &'static str,
    pub value: String,
}

/// A body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NinjsBody {
    /// `main` (HTML) or `plaintext`.
    pub role: &'static str,
    pub content_type: &'static str,
    pub word_count: i32,
    pub char_count: i32,
    pub value: String,
}

/// A person, organisation, place, event or subject named by a tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NinjsEntity {
    pub name: String,
    /// The tag's (or section's) slug.
    pub literal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rel: Option<&'static str>,
}

/// An alternative identifier.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NinjsAltId {
    pub role: &'static str,
    pub value: String,
}

/// The hero image, as an associated picture.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NinjsAssociation {
    /// `featureimage` for the lead picture, `image1`, `image2`, … for the body's.
    pub name: String,
    /// The image URL.
    pub uri: String,
    /// `picture`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The text alternative (`alt`) and caption (`caption`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<NinjsText>,
    /// The credit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The image's copyright notice, for an image of the asset library that has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copyright_notice: Option<String>,
    /// The image's licence or usage terms, as given at upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_terms: Option<String>,
    /// A link to the licence, when the licence given is a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights_info: Option<NinjsRightsInfo>,
    /// An image of the asset library: its JPEG renditions, `w{width}`, narrowest first (`uri`
    /// names the default one). An image hosted elsewhere: `original`, its URL.
    pub renditions: Vec<NinjsRendition>,
}

/// Rights of an associated object, as ninjs 3.1 expresses them: a link to them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NinjsRightsInfo {
    pub linked_rights: String,
}

/// A file of an associated object.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NinjsRendition {
    /// `w{width}` (e.g. `w640`) for a rendition, `original` for an image hosted elsewhere.
    pub name: String,
    pub href: String,
    /// The IANA media type, when known (renditions are `image/jpeg`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<&'static str>,
    /// Width in pixels, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

fn text(role: &'static str, value: &str) -> NinjsText {
    NinjsText {
        role,
        content_type: "text/plain",
        value: value.to_owned(),
    }
}

fn count(s: &str) -> i32 {
    i32::try_from(s.chars().count()).unwrap_or(i32::MAX)
}

/// The hero image as an associated picture: every ready-made rendition with its size and
/// type, and the rights the asset library holds for it.
/// A picture as an association named `name`.
fn picture(image: Image, name: String) -> NinjsAssociation {
    let mut descriptions = Vec::new();
    if let Some(alt) = image.alt.as_deref() {
        descriptions.push(text("alt", alt));
    }
    if let Some(caption) = image.caption.as_deref() {
        descriptions.push(text("caption", caption));
    }
    let (renditions, copyright_notice, usage_terms) = match image.asset {
        Some(asset) => (
            asset
                .renditions
                .into_iter()
                .map(|r| NinjsRendition {
                    name: format!("w{}", r.width),
                    href: r.url,
                    content_type: Some(r.media_type),
                    width: Some(r.width),
                    height: Some(r.height),
                })
                .collect(),
            asset.copyright,
            asset.licence,
        ),
        None => (
            vec![NinjsRendition {
                name: "original".into(),
                href: image.url.clone(),
                content_type: None,
                width: None,
                height: None,
            }],
            None,
            None,
        ),
    };
    NinjsAssociation {
        name,
        uri: image.url,
        kind: "picture",
        descriptions,
        by: image.credit,
        rights_info: usage_terms
            .as_deref()
            .and_then(super::media::licence_link)
            .map(|link| NinjsRightsInfo {
                linked_rights: link.to_owned(),
            }),
        copyright_notice,
        usage_terms,
        renditions,
    }
}

/// An article, whole.
pub fn article(article: &Article, publication: &Publication) -> Ninjs {
    let entity = |t: &crate::domain::article::Tag| NinjsEntity {
        name: t.name.clone(),
        literal: t.slug.clone(),
        rel: None,
    };
    let of_kind = |kind: TagKind| -> Vec<NinjsEntity> {
        article
            .tags
            .iter()
            .filter(|t| t.kind == kind)
            .map(entity)
            .collect()
    };
    let mut subjects: Vec<NinjsEntity> = article
        .section
        .iter()
        .map(|s| NinjsEntity {
            name: s.name.clone(),
            literal: s.slug.clone(),
            rel: Some(SECTION_REL),
        })
        .collect();
    subjects.extend(of_kind(TagKind::Topic));
    let mut descriptions = Vec::new();
    if let Some(standfirst) = article
        .standfirst
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        descriptions.push(text("summary", standfirst));
    }
    if let Some(seo) = article.seo_description.as_deref() {
        descriptions.push(text("seo", seo));
    }
    let mut headlines = vec![text("main", &article.title)];
    if let Some(seo) = article.seo_title.as_deref() {
        headlines.push(text("seo", seo));
    }
    let mut alt_ids = vec![
        NinjsAltId {
            role: "slug",
            value: article.slug.clone(),
        },
        NinjsAltId {
            role: "url",
            value: publication.article_url(article),
        },
    ];
    if let Some(canonical) = &article.canonical_url {
        alt_ids.push(NinjsAltId {
            role: "canonical",
            value: canonical.clone(),
        });
    }
    let corrections: Vec<String> = article
        .corrections
        .iter()
        .map(|c| format!("Correction ({}): {}", rfc3339(c.corrected_at), c.note))
        .collect();
    // The lead picture, then the body's images in order (`image1`, …), as ninjs names them.
    let associations = crate::domain::image::Image::hero_of(article, &publication.images)
        .map(|hero| picture(hero, "featureimage".into()))
        .into_iter()
        .chain(
            crate::domain::body_images::body_images(article, &publication.images)
                .into_iter()
                .enumerate()
                .map(|(n, image)| picture(image, format!("image{}", n + 1))),
        )
        .collect();
    let html = body_html(article, &publication.images);
    Ninjs {
        uri: article_uri(&article.id),
        kind: "text",
        representation_type: "full",
        standard: NinjsStandard::default(),
        version: Some(article.version.to_string()),
        first_created: article
            .first_published_at
            .or(article.published_at)
            .map(rfc3339),
        // Served only while visible: every time has come.
        version_created: rfc3339(change_time(
            article.updated_at,
            article.published_at,
            article.embargo_until,
            chrono::NaiveDateTime::MAX,
        )),
        embargoed_until: article.embargo_until.map(rfc3339),
        pub_status: "usable",
        language: Some(article.language.clone()),
        copyright_holder: Some(publication.site_name.clone()),
        ed_note: (!corrections.is_empty()).then(|| corrections.join("\n")),
        slugline: Some(article.slug.clone()),
        headlines,
        descriptions,
        bodies: vec![
            NinjsBody {
                role: "main",
                content_type: "text/html",
                word_count: article.word_count,
                char_count: count(&html),
                value: html.into_owned(),
            },
            NinjsBody {
                role: "plaintext",
                content_type: "text/plain",
                word_count: article.word_count,
                char_count: count(&article.body_text),
                value: article.body_text.clone(),
            },
        ],
        by: byline(article),
        located: article.dateline.clone(),
        people: of_kind(TagKind::Person),
        organisations: of_kind(TagKind::Organization),
        places: of_kind(TagKind::Place),
        events: of_kind(TagKind::Event),
        subjects,
        associations,
        alt_ids,
    }
}

/// A withdrawal notice: only which article to take down, and when; nothing of its content.
pub fn withdrawal(w: &Withdrawal, publication: &Publication) -> Ninjs {
    let why = match w.reason {
        WithdrawalReason::Unpublished => "unpublished",
        WithdrawalReason::Archived => "archived",
        WithdrawalReason::Held => "held",
        WithdrawalReason::Deleted => "deleted",
    };
    Ninjs {
        uri: article_uri(&w.id),
        kind: "text",
        representation_type: "partial",
        standard: NinjsStandard::default(),
        version: None,
        first_created: None,
        version_created: rfc3339(w.at),
        embargoed_until: None,
        pub_status: "canceled",
        language: None,
        copyright_holder: Some(publication.site_name.clone()),
        ed_note: Some(format!(
            "Withdrawn ({why}) by {}: do not use, and take down copies already published.",
            publication.site_name
        )),
        slugline: None,
        headlines: Vec::new(),
        descriptions: Vec::new(),
        bodies: Vec::new(),
        by: None,
        located: None,
        people: Vec::new(),
        organisations: Vec::new(),
        places: Vec::new(),
        events: Vec::new(),
        subjects: Vec::new(),
        associations: Vec::new(),
        alt_ids: Vec::new(),
    }
}

/// A change of the stream, as ninjs.
pub fn change(change: &Change, publication: &Publication) -> Ninjs {
    match change {
        Change::Published(a) => article(a, publication),
        Change::Withdrawn(w) => withdrawal(w, publication),
    }
}
