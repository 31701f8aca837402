//! Pure content types, no IO: ids, slugs, statuses, the article and its parts, cursors,
//! the version a change is based on.

pub mod article;
pub mod asset;
pub mod blocks;
pub mod body_images;
pub mod embeds;
pub mod image;
pub mod json;
pub mod language;
pub mod page;
pub mod purge;
pub mod query;
pub mod search;
pub mod slug;
pub mod taxonomy;
pub mod time;
pub mod version;
pub mod visibility;
pub mod webhook;
pub mod webhook_target;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// How a caller names one piece of content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Slug(String),
    Id(String),
}

impl Key {
    /// Whether the key could name anything: a valid slug or a UUID. Anything else (say, a NUL
    /// byte that PostgreSQL rejects) cannot exist, so lookups answer "not found" without asking.
    pub fn is_well_formed(&self) -> bool {
        match self {
            Key::Slug(slug) => slug::Slug::parse(slug).is_ok(),
            Key::Id(id) => parse_id(id).is_ok(),
        }
    }
}

/// An id a client sent, as stored: a UUID in lower-case hyphenated form. Anything else
/// cannot name anything.
pub fn parse_id(raw: &str) -> Result<String, String> {
    uuid::Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| format!("`{raw}` is not a UUID"))
}

/// Whether an article read also loads its section, authors and tags. GraphQL skips them and
/// loads only what a query asks for, through its batching loaders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relations {
    Load,
    Skip,
}

/// Whether an article read fetches the body columns (source, HTML, text: most of a row's
/// bytes). Lists whose caller asked for fields without a body skip them; skipped bodies
/// read as empty strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Bodies {
    #[default]
    Load,
    Skip,
}

/// A new id: a lower-case UUID v7, so ids sort in creation order on both backends.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The current UTC time at the precision both databases store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
