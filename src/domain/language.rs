//! Languages: BCP 47 tags such as `en`, `pt-BR`, `zh-Hant`.

use std::fmt;

/// A checked BCP 47 language tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Language(String);

impl Language {
    pub fn parse(raw: &str) -> Result<Language, String> {
        if is_language_tag(raw) {
            Ok(Language(raw.to_owned()))
        } else {
            Err(format!(
                "must be a BCP 47 language tag such as `en`, got `{raw}`"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A primary subtag of 2-3 lower-case letters, then subtags of 1-8 letters or digits.
pub fn is_language_tag(value: &str) -> bool {
    let mut parts = value.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn language_tags() {
        for good in ["en", "fr", "pt-BR", "zh-Hant", "es-419"] {
            assert!(super::is_language_tag(good), "{good}");
        }
        for bad in ["", "EN", "english", "en_GB", "en-", "e"] {
            assert!(!super::is_language_tag(bad), "{bad}");
        }
    }
}
