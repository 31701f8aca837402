//! Reading JSON request bodies as JSON Schema reads them, where serde's defaults differ.

use serde::{Deserialize, Deserializer, de::Error};

/// `Some(None)` for a JSON `null` (clear the field, lift the embargo), `None` when the
/// field is absent (with `#[serde(default)]`).
pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An optional integer that may be written with a zero fraction (`7.0`): JSON Schema's
/// `integer` is a number without a fractional part, and some clients (Python's `json`, for
/// one) write whole floats so.
pub fn optional_integer<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 2f64.powi(53))
            .map(|f| f as i64)
    });
    whole
        .and_then(|n| T::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("{number} is not an integer in range")))
}

/// An optional article version: an integer (see [`optional_integer`]) of at least 1, the
/// first version; anything else is malformed, not merely stale.
pub fn optional_version<'de, D>(deserializer: D) -> Result<Option<i32>, D::Error>
where
    D: Deserializer<'de>,
{
    match optional_integer::<D, i32>(deserializer)? {
        Some(v) if v < 1 => Err(D::Error::custom(format!(
            "version {v}: versions start at 1"
        ))),
        version => Ok(version),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Body {
        #[serde(default, deserialize_with = "super::optional_integer")]
        version: Option<i32>,
    }

    fn read(json: &str) -> Result<Body, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Change {
        #[serde(default, deserialize_with = "super::optional_version")]
        version: Option<i32>,
    }

    #[test]
    fn versions_start_at_one() {
        let read = |json| serde_json::from_str::<Change>(json).ok();
        assert_eq!(read(r#"{"version": 1}"#), Some(Change { version: Some(1) }));
        assert_eq!(read(r#"{}"#), Some(Change { version: None }));
        assert_eq!(read(r#"{"version": 0}"#), None);
        assert_eq!(read(r#"{"version": -3}"#), None);
    }

    #[test]
    fn whole_numbers_are_integers_in_any_notation() {
        for json in [
            r#"{"version": 7}"#,
            r#"{"version": 7.0}"#,
            r#"{"version": 7e0}"#,
        ] {
            assert_eq!(read(json).ok(), Some(Body { version: Some(7) }), "{json}");
        }
        assert_eq!(read("{}").ok(), Some(Body { version: None }));
        assert_eq!(
            read(r#"{"version": null}"#).ok(),
            Some(Body { version: None })
        );
    }

    #[test]
    fn fractions_out_of_range_numbers_and_text_are_refused() {
        for json in [
            r#"{"version": 7.5}"#,
            r#"{"version": 3000000000}"#,
            r#"{"version": 1e300}"#,
            r#"{"version": "7"}"#,
        ] {
            assert!(read(json).is_err(), "{json}");
        }
    }
}
