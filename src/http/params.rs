//! Query-string values parsed into domain types, each failure a 400 naming its parameter.

use chrono::NaiveDateTime;

use crate::{
    domain::{self, language::Language, page::page_size, slug::Slug},
    error::{AppError, AppResult},
};

/// `limit`: a page size, checked by the domain's one rule for page sizes.
pub fn limit(raw: Option<&str>) -> AppResult<u32> {
    let bad = |why: String| AppError::invalid_parameter("limit", format!("limit {why}"));
    let parsed = raw
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("must be a whole number, got `{s}`")))
        })
        .transpose()?;
    page_size(parsed).map_err(bad)
}

/// An RFC 3339 timestamp, as UTC at microsecond precision.
pub fn timestamp(name: &str, raw: Option<&str>) -> AppResult<Option<NaiveDateTime>> {
    raw.map(|s| {
        domain::time::parse(s)
            .map_err(|why| AppError::invalid_parameter(name, format!("{name} {why}")))
    })
    .transpose()
}

pub fn slug(name: &str, raw: Option<&str>) -> AppResult<Option<Slug>> {
    raw.map(|s| {
        Slug::parse(s)
            .map_err(|why| AppError::invalid_parameter(name, format!("{name} `{s}` {why}")))
    })
    .transpose()
}

/// The items of a comma-separated list: spaces and tabs around them and empty ones ignored
/// (what the OpenAPI document's list patterns say, `openapi_types::list_of`).
fn list_items(raw: &str) -> Vec<&str> {
    raw.split(',')
        .map(|item| item.trim_matches([' ', '\t']))
        .filter(|item| !item.is_empty())
        .collect()
}

/// A comma-separated list of at most `max` slugs; empty items are ignored.
pub fn slug_list(name: &str, raw: Option<&str>, max: usize) -> AppResult<Vec<Slug>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items = list_items(raw);
    if items.len() > max {
        return Err(AppError::invalid_parameter(
            name,
            format!(
                "{name} names {} items; at most {max} are allowed",
                items.len()
            ),
        ));
    }
    items
        .into_iter()
        .filter_map(|s| slug(name, Some(s)).transpose())
        .collect()
}

pub fn language(raw: Option<&str>) -> AppResult<Option<Language>> {
    raw.map(|tag| {
        Language::parse(tag)
            .map_err(|why| AppError::invalid_parameter("lang", format!("lang {why}")))
    })
    .transpose()
}

/// An id in the path: a UUID, as stored.
pub fn id(raw: &str) -> AppResult<String> {
    domain::parse_id(raw).map_err(|why| AppError::invalid_parameter("id", why))
}

/// A comma-separated list of names, each one of `allowed`.
pub fn name_list(name: &str, raw: Option<&str>, allowed: &[&str]) -> AppResult<Vec<String>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items = list_items(raw);
    // Each allowed name once at most: anything longer repeats itself.
    if items.len() > allowed.len() {
        return Err(AppError::invalid_parameter(
            name,
            format!(
                "{name} names {} items; at most {} are allowed",
                items.len(),
                allowed.len()
            ),
        ));
    }
    items
        .into_iter()
        .map(|item| {
            if allowed.contains(&item) {
                Ok(item.to_owned())
            } else {
                Err(AppError::invalid_parameter(
                    name,
                    format!(
                        "unknown {name} `{item}`; expected any of: {}",
                        allowed.join(", ")
                    ),
                ))
            }
        })
        .collect()
}

/// An enumerated value parsed with its `FromStr`, the error naming the parameter.
pub fn choice<T: std::str::FromStr<Err = String>>(
    name: &str,
    raw: Option<&str>,
) -> AppResult<Option<T>> {
    raw.map(|s| {
        s.parse::<T>()
            .map_err(|why| AppError::invalid_parameter(name, format!("{name}: {why}")))
    })
    .transpose()
}
