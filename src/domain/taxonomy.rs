//! Which taxonomy: sections, authors or tags, the three ways articles are grouped. URLs name
//! one by its plural (`/v1/sections`, `/feeds/tags/{slug}/rss.xml`, `/admin/v1/authors`),
//! GraphQL by its type name (`Section`, in global ids too).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use super::article::text_enum;

/// Sections, tags or authors, by the plural that names them in URLs.
// Declared in the order the feed routes document them; the OpenAPI enum lists them so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Taxonomy {
    #[serde(rename = "sections")]
    Section,
    #[serde(rename = "tags")]
    Tag,
    #[serde(rename = "authors")]
    Author,
}

text_enum!(Taxonomy { Section => "sections", Tag => "tags", Author => "authors" });

impl Taxonomy {
    /// The GraphQL type of its terms, also the prefix of their global ids.
    pub fn type_name(self) -> &'static str {
        match self {
            Taxonomy::Section => "Section",
            Taxonomy::Tag => "Tag",
            Taxonomy::Author => "Author",
        }
    }

    /// One of its terms, in prose and as the key of a webhook payload: `section`, `tag` or
    /// `author`.
    pub fn singular(self) -> &'static str {
        match self {
            Taxonomy::Section => "section",
            Taxonomy::Tag => "tag",
            Taxonomy::Author => "author",
        }
    }
}

/// One section, tag or author, by slug.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    pub taxonomy: Taxonomy,
    pub slug: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(
            Taxonomy::ALL,
            &[Taxonomy::Section, Taxonomy::Tag, Taxonomy::Author]
        );
        for &t in Taxonomy::ALL {
            assert_eq!(t.as_str().parse::<Taxonomy>(), Ok(t));
            assert_eq!(t.to_string(), t.as_str());
            assert_eq!(
                serde_json::to_value(t).expect("json"),
                serde_json::json!(t.as_str())
            );
            assert_eq!(t.type_name().to_lowercase(), t.singular());
            assert_eq!(format!("{}s", t.singular()), t.as_str());
        }
        assert_eq!(Taxonomy::Section.as_str(), "sections");
        assert_eq!(Taxonomy::Tag.type_name(), "Tag");
        assert!("section".parse::<Taxonomy>().is_err());
        assert!("Tags".parse::<Taxonomy>().is_err());
    }
}
