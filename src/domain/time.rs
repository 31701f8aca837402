//! Times as both databases store them: UTC at microsecond precision, years 1 to 9999. REST
//! and GraphQL read every time a client sends through these.

use chrono::{DateTime, Datelike, NaiveDateTime, SubsecRound, Utc};

/// Whether both databases store and compare this time alike (years 1 to 9999).
pub fn is_storable(t: NaiveDateTime) -> bool {
    (1..=9999).contains(&t.year())
}

/// A time a client sent, as stored: truncated to microseconds, within the years 1 to 9999.
pub fn storable(t: DateTime<Utc>) -> Result<NaiveDateTime, String> {
    let t = t.naive_utc().trunc_subsecs(6);
    if is_storable(t) {
        Ok(t)
    } else {
        Err("must be between the years 1 and 9999".into())
    }
}

/// An RFC 3339 time, as stored (see [`storable`]).
pub fn parse(raw: &str) -> Result<NaiveDateTime, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .and_then(|t| storable(t.with_timezone(&Utc)).ok())
        .ok_or_else(|| {
            format!(
                "must be an RFC 3339 time between the years 1 and 9999 (UTC), such as 2026-11-26T09:00:00Z, got `{raw}`"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_within_four_digit_years() {
        let t = parse("2026-11-26T09:00:00.1234567+01:00").expect("time");
        assert_eq!(t.to_string(), "2026-11-26 08:00:00.123456");
        for bad in ["2026-11-26", "9999-12-31T23:00:00-02:00", "yesterday", ""] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
