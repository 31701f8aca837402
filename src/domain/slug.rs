//! Slugs: the stable, URL-safe names of content.

use std::fmt;

/// A validated slug: lower-case ASCII letters and digits in groups joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

pub const MAX_SLUG_LEN: usize = 120;

impl Slug {
    pub fn parse(raw: &str) -> Result<Slug, String> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        if raw.len() > MAX_SLUG_LEN {
            return Err(format!("must be at most {MAX_SLUG_LEN} characters"));
        }
        let groups_ok = raw.split('-').all(|g| {
            !g.is_empty()
                && g.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if !groups_ok {
            return Err("must be lower-case letters and digits joined by single hyphens, e.g. `eu-budget-talks`".into());
        }
        Ok(Slug(raw.to_owned()))
    }

    /// A slug made from a title: accents dropped, other characters turned into hyphens.
    pub fn from_title(title: &str) -> Option<Slug> {
        let slug = slug::slugify(title);
        let cut = if slug.len() > MAX_SLUG_LEN {
            slug[..MAX_SLUG_LEN].trim_end_matches('-')
        } else {
            &slug
        };
        Slug::parse(cut).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_strict() {
        assert!(Slug::parse("eu-budget-2027").is_ok());
        for bad in ["", "EU", "a--b", "-a", "a-", "a b", "é", "a_b"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn titles_become_slugs() {
        assert_eq!(
            Slug::from_title("Ministers clash over €2bn aid").map(Slug::into_string),
            Some("ministers-clash-over-eur2bn-aid".into())
        );
    }
}
