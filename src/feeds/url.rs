//! Article URLs on the frontend: Byline renders no pages, so feeds, sitemaps and ninjs link to
//! wherever the frontend shows an article, built from a configured template.

use chrono::{Datelike, NaiveDateTime};

/// What `{section}` becomes for an article that has no section.
pub const NO_SECTION: &str = "articles";

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["slug", "section", "id", "year", "month", "day"];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Slug,
    Section,
    Id,
    Year,
    Month,
    Day,
}

/// A parsed article URL template, e.g. `https://example.com/{section}/{slug}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleUrlTemplate {
    parts: Vec<Part>,
}

/// What an article URL is made of.
#[derive(Debug, Clone, Copy)]
pub struct UrlFields<'a> {
    pub id: &'a str,
    pub slug: &'a str,
    /// The section's slug, if the article has a section.
    pub section: Option<&'a str>,
    pub published_at: NaiveDateTime,
}

/// True for an absolute `http://` or `https://` URL with a host.
pub fn is_absolute_http(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !r.chars().any(char::is_whitespace)
    })
}

impl ArticleUrlTemplate {
    /// Parses `template`; a template that is a path (`/{section}/{slug}`) is taken relative to
    /// `site_url`.
    pub fn parse(template: &str, site_url: &str) -> Result<ArticleUrlTemplate, String> {
        let template = template.trim();
        let absolute = if template.starts_with('/') {
            format!("{}{template}", site_url.trim_end_matches('/'))
        } else {
            template.to_owned()
        };
        let mut parts = Vec::new();
        let mut rest = absolute.as_str();
        while let Some(open) = rest.find(['{', '}']) {
            if rest[open..].starts_with('}') {
                return Err(format!(
                    "the article URL template `{template}` has a stray `}}`"
                ));
            }
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close = after.find('}').ok_or_else(|| {
                format!("the article URL template `{template}` has an unclosed `{{`")
            })?;
            parts.push(match &after[..close] {
                "slug" => Part::Slug,
                "section" => Part::Section,
                "id" => Part::Id,
                "year" => Part::Year,
                "month" => Part::Month,
                "day" => Part::Day,
                other => {
                    return Err(format!(
                        "the article URL template `{template}` names `{{{other}}}`; placeholders are {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ));
                }
            });
            rest = &after[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        let parsed = ArticleUrlTemplate { parts };
        if !parsed
            .parts
            .iter()
            .any(|p| matches!(p, Part::Slug | Part::Id))
        {
            return Err(format!(
                "the article URL template `{template}` needs {{slug}} or {{id}}, or every article would have the same URL"
            ));
        }
        let sample = parsed.url(&UrlFields {
            id: "0190a5b4-0000-7000-8000-000000000000",
            slug: "sample",
            section: Some("news"),
            published_at: NaiveDateTime::default(),
        });
        if !is_absolute_http(&sample) {
            return Err(format!(
                "the article URL template `{template}` must make an absolute http(s) URL, or be a path below the site URL; it makes `{sample}`"
            ));
        }
        Ok(parsed)
    }

    /// The URL of one article. Slugs, ids and dates are URL-safe as they are.
    pub fn url(&self, fields: &UrlFields<'_>) -> String {
        let mut url = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => url.push_str(text),
                Part::Slug => url.push_str(fields.slug),
                Part::Section => url.push_str(fields.section.unwrap_or(NO_SECTION)),
                Part::Id => url.push_str(fields.id),
                Part::Year => url.push_str(&format!("{:04}", fields.published_at.year())),
                Part::Month => url.push_str(&format!("{:02}", fields.published_at.month())),
                Part::Day => url.push_str(&format!("{:02}", fields.published_at.day())),
            }
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default()
    }

    #[test]
    fn templates_fill_every_placeholder() {
        let t = ArticleUrlTemplate::parse(
            "https://news.example/{year}/{month}/{day}/{section}/{slug}-{id}",
            "https://ignored.example",
        )
        .expect("valid");
        let fields = UrlFields {
            id: "abc",
            slug: "a-story",
            section: Some("world"),
            published_at: at(2026, 3, 7),
        };
        assert_eq!(
            t.url(&fields),
            "https://news.example/2026/03/07/world/a-story-abc"
        );
        let no_section = UrlFields {
            section: None,
            ..fields
        };
        assert_eq!(
            t.url(&no_section),
            "https://news.example/2026/03/07/articles/a-story-abc"
        );
    }

    #[test]
    fn paths_are_relative_to_the_site() {
        let t =
            ArticleUrlTemplate::parse("/{section}/{slug}", "https://site.example/").expect("ok");
        let fields = UrlFields {
            id: "x",
            slug: "s",
            section: Some("news"),
            published_at: at(2026, 1, 1),
        };
        assert_eq!(t.url(&fields), "https://site.example/news/s");
    }

    #[test]
    fn bad_templates_are_refused_with_a_reason() {
        let site = "https://example.com";
        assert!(ArticleUrlTemplate::parse("/{sectoin}/{slug}", site).is_err());
        assert!(ArticleUrlTemplate::parse("/{slug", site).is_err());
        assert!(ArticleUrlTemplate::parse("/slug}", site).is_err());
        assert!(ArticleUrlTemplate::parse("/{section}", site).is_err());
        assert!(ArticleUrlTemplate::parse("example.com/{slug}", site).is_err());
        assert!(ArticleUrlTemplate::parse("/{slug}", "not a url").is_err());
    }
}
