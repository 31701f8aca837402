//! The article and the parts it is made of.

use std::{fmt, str::FromStr};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::{language::Language, slug::Slug};

/// Where an article is in the editorial workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

/// The kind of entity a tag names: newsrooms tag entities, not only keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Topic,
    Person,
    Organization,
    Place,
    Event,
}

/// The markup an article body was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    Markdown,
    Html,
    /// A block document (`domain::blocks`) sent as its JSON text: written, never stored,
    /// since it is kept as the HTML it is written as (which reads back as the same blocks).
    Blocks,
}

/// Text names shared by the database, the wire and the command line.
macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(format!(
                        "unknown value `{other}`; expected one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use text_enum;

text_enum!(ArticleStatus { Draft => "draft", Scheduled => "scheduled", Published => "published", Archived => "archived" });
text_enum!(TagKind { Topic => "topic", Person => "person", Organization => "organization", Place => "place", Event => "event" });
text_enum!(BodyFormat { Markdown => "markdown", Html => "html", Blocks => "blocks" });

/// The lead picture of an article, as editors give it: an image of the asset library
/// (`asset_id`), or one hosted elsewhere (`url`). Alt text, caption and credit given here are
/// the article's own; absent, an asset's are shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeroImage {
    /// An image of the asset library (`POST /admin/v1/assets`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 36)]
    pub asset_id: Option<String>,
    /// Absolute URL of an image hosted elsewhere (not with `asset_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Text alternative for screen readers.
    pub alt: Option<String>,
    pub caption: Option<String>,
    /// Photographer or agency.
    pub credit: Option<String>,
}

/// A dated note shown with the article when something in it was corrected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Correction {
    pub note: String,
    /// When the correction was made (UTC).
    pub corrected_at: NaiveDateTime,
}

/// A link on an author's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuthorLink {
    pub label: String,
    pub url: String,
}

/// Reading speed used for `reading_time_minutes`.
pub const WORDS_PER_MINUTE: usize = 230;

/// Minutes a reader needs for `word_count` words, at least one.
pub fn reading_time_minutes(word_count: usize) -> usize {
    word_count.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// A section of the publication, e.g. "News & Analysis".
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Articles the caller may see in this section. (counted for taxonomy reads, not for embedded objects).
    pub article_count: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A byline: a reporter, or a desk such as "EU Insider Newsroom".
#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Vec<AuthorLink>,
    /// Articles the caller may see by this author. (counted for taxonomy reads, not for embedded objects).
    pub article_count: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A tag naming a topic or an entity (person, organization, place, event).
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: TagKind,
    /// Articles the caller may see with this tag. (counted for taxonomy reads, not for embedded objects).
    pub article_count: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An article with its section, ordered authors and ordered tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_format: BodyFormat,
    pub body_source: String,
    /// Sanitized HTML, rendered when the article was saved.
    pub body_html: String,
    pub body_text: String,
    pub section_id: Option<String>,
    /// Loaded with `Relations::Load`.
    pub section: Option<Section>,
    pub authors: Vec<Author>,
    pub tags: Vec<Tag>,
    pub status: ArticleStatus,
    pub published_at: Option<NaiveDateTime>,
    pub first_published_at: Option<NaiveDateTime>,
    pub publish_at: Option<NaiveDateTime>,
    pub embargo_until: Option<NaiveDateTime>,
    pub language: String,
    pub dateline: Option<String>,
    pub hero_image: Option<HeroImage>,
    /// The asset `hero_image` names, loaded with the article.
    pub hero_asset: Option<super::asset::Asset>,
    /// The assets the body shows (`asset:` references in `body_html`), loaded with it.
    pub body_assets: Vec<super::asset::Asset>,
    /// The body as a block document, JSON as stored (empty for a card without bodies).
    pub body_blocks: String,
    /// The related articles the body links to that are public now, loaded with it.
    pub body_related: Vec<super::blocks::resolve::RelatedSummary>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub version: i32,
    pub corrections: Vec<Correction>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The orders an article list can be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArticleSort {
    /// Newest first (the default).
    #[default]
    PublishedDesc,
    /// Oldest first.
    PublishedAsc,
    /// Most recently changed first, for clients that sync.
    UpdatedDesc,
}

text_enum!(ArticleSort { PublishedDesc => "-published_at", PublishedAsc => "published_at", UpdatedDesc => "-updated_at" });

/// Most tags one list filter may name (each becomes a condition of the query).
pub const MAX_FILTER_TAGS: usize = 20;

/// Narrows an article list; every field is optional and they combine with AND. Every field
/// is a checked domain value, so no adapter can pass an unchecked string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub section: Option<Slug>,
    pub tags: Vec<Slug>,
    /// With several tags: `true` needs all of them, `false` any of them.
    pub all_tags: bool,
    pub author: Option<Slug>,
    pub language: Option<Language>,
    pub published_after: Option<NaiveDateTime>,
    pub published_before: Option<NaiveDateTime>,
    pub updated_since: Option<NaiveDateTime>,
    /// Staff reads only: articles in this workflow state.
    pub status: Option<ArticleStatus>,
}

impl Article {
    /// When the article first went out, as of `now`: a scheduled article whose time has come
    /// is out, though the scheduler may not have recorded it yet.
    pub fn first_published(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        match self.status {
            ArticleStatus::Scheduled => self
                .first_published_at
                .or(self.published_at.filter(|t| *t <= now)),
            _ => self.first_published_at,
        }
    }

    /// When anything a reader sees of this article last changed: its own edits, the moment it
    /// became visible (publication or embargo lift), and edits of its embedded section,
    /// authors and tags.
    pub fn last_changed(&self) -> NaiveDateTime {
        let related = self
            .authors
            .iter()
            .map(|a| a.updated_at)
            .chain(self.tags.iter().map(|t| t.updated_at))
            .chain(self.section.iter().map(|s| s.updated_at));
        [Some(self.updated_at), self.published_at, self.embargo_until]
            .into_iter()
            .flatten()
            .chain(related)
            .max()
            .unwrap_or(self.updated_at)
    }
}
