//! Query-string values parsed into domain types, each failure a 400 naming its parameter.

use chrono::{DateTime, NaiveDateTime, SubsecRound};

use crate::{
    domain::{page::page_limit, slug::Slug},
    error::{AppError, AppResult},
    service::validate::is_language_tag,
};

pub fn limit(raw: Option<&str>) -> AppResult<u32> {
    let parsed = raw
        .map(|s| {
            s.trim().parse::<i64>().map_err(|_| {
                AppError::invalid_parameter(
                    "limit",
                    format!("limit must be a whole number, got `{s}`"),
                )
            })
        })
        .transpose()?;
    page_limit(parsed)
}

/// An RFC 3339 timestamp, as UTC at microsecond precision.
pub fn timestamp(name: &str, raw: Option<&str>) -> AppResult<Option<NaiveDateTime>> {
    raw.map(|s| {
        DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|t| t.naive_utc().trunc_subsecs(6))
            .filter(|t| crate::domain::is_storable_time(*t))
            .ok_or_else(|| {
                AppError::invalid_parameter(
                    name,
                    format!("{name} must be an RFC 3339 time between the years 1 and 9999 (UTC), such as 2026-11-26T09:00:00Z, got `{s}`"),
                )
            })
    })
    .transpose()
}

pub fn slug(name: &str, raw: Option<&str>) -> AppResult<Option<String>> {
    raw.map(|s| {
        Slug::parse(s)
            .map(Slug::into_string)
            .map_err(|why| AppError::invalid_parameter(name, format!("{name} `{s}` {why}")))
    })
    .transpose()
}

/// A comma-separated list of at most `max` slugs; empty items are ignored.
pub fn slug_list(name: &str, raw: Option<&str>, max: usize) -> AppResult<Vec<String>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
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
        .map(|s| slug(name, Some(s)).map(Option::unwrap_or_default))
        .collect()
}

pub fn language(raw: Option<&str>) -> AppResult<Option<String>> {
    match raw {
        Some(tag) if !is_language_tag(tag) => Err(AppError::invalid_parameter(
            "lang",
            format!("lang must be a BCP 47 language tag such as `en`, got `{tag}`"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// A comma-separated list of names, each one of `allowed`.
pub fn name_list(name: &str, raw: Option<&str>, allowed: &[&str]) -> AppResult<Vec<String>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let items: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
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
