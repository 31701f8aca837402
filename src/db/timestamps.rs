//! Reading timestamp columns without chrono's format parser.
//!
//! SQLite keeps a `TIMESTAMP` as text, and Diesel reads it with
//! `NaiveDateTime::parse_from_str`, which parses its format string again for every value: a
//! page of 20 cards reads ~400 timestamps, and that parsing was 13 % of the CPU of an
//! uncached list (`docs/benchmarks.md`). The row structs read their timestamp fields through
//! [`Timestamp`] and [`NullableTimestamp`] instead (`#[diesel(deserialize_as = …)]`), which
//! read the one layout Diesel writes (`YYYY-MM-DD HH:MM:SS[.fraction]`) directly and hand any
//! other text to Diesel's own reader, so every value Diesel could read still reads the same.
//! PostgreSQL's binary timestamps go to Diesel unchanged.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::{
    deserialize::{self, FromSql, FromSqlRow},
    pg::Pg,
    sql_types,
    sqlite::Sqlite,
};

use super::connection::{MultiBackend, MultiRawValue};

/// A `TIMESTAMP` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct Timestamp(pub NaiveDateTime);

/// A nullable `TIMESTAMP` column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct NullableTimestamp(pub Option<NaiveDateTime>);

impl From<Timestamp> for NaiveDateTime {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl From<NullableTimestamp> for Option<NaiveDateTime> {
    fn from(t: NullableTimestamp) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1 to 9 fraction digits; `None` for any
/// other text, or an impossible date or time.
fn parse_diesel_layout(text: &[u8]) -> Option<NaiveDateTime> {
    fn number(digits: &[u8]) -> Option<u32> {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    }
    if text.len() < 19
        || text[4] != b'-'
        || text[7] != b'-'
        || text[10] != b' '
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let year = i32::try_from(number(&text[0..4])?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(&text[5..7])?, number(&text[8..10])?)?;
    let nanos = match &text[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        number(&text[11..13])?,
        number(&text[14..16])?,
        number(&text[17..19])?,
        nanos,
    )?;
    Some(NaiveDateTime::new(date, time))
}

impl FromSql<sql_types::Timestamp, Sqlite> for Timestamp {
    fn from_sql(
        mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        // Only text can be in Diesel's layout; SQLite's numbers (Julian days) go to Diesel.
        if value.value_type() == Some(diesel::sqlite::SqliteType::Text)
            && let Some(t) = parse_diesel_layout(value.read_text().as_bytes())
        {
            return Ok(Timestamp(t));
        }
        <NaiveDateTime as FromSql<sql_types::Timestamp, Sqlite>>::from_sql(value).map(Timestamp)
    }
}

impl FromSql<sql_types::Timestamp, Pg> for Timestamp {
    fn from_sql(
        value: <Pg as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<sql_types::Timestamp, Pg>>::from_sql(value).map(Timestamp)
    }
}

impl FromSql<sql_types::Timestamp, MultiBackend> for Timestamp {
    fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, sql_types::Timestamp>()
    }
}

impl<DB> FromSql<sql_types::Nullable<sql_types::Timestamp>, DB> for NullableTimestamp
where
    DB: diesel::backend::Backend,
    Timestamp: FromSql<sql_types::Timestamp, DB>,
{
    fn from_sql(value: DB::RawValue<'_>) -> deserialize::Result<Self> {
        Timestamp::from_sql(value).map(|t| NullableTimestamp(Some(t.0)))
    }

    fn from_nullable_sql(value: Option<DB::RawValue<'_>>) -> deserialize::Result<Self> {
        match value {
            Some(value) => Self::from_sql(value),
            None => Ok(NullableTimestamp(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_diesel_layout;
    use chrono::NaiveDateTime;

    /// What Diesel's own reader makes of `text` with the layout Diesel writes.
    fn chrono(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, "%F %T%.f").ok()
    }

    #[test]
    fn reads_what_diesel_writes_as_chrono_does() {
        for text in [
            "2026-12-02 17:19:06.821293",
            "2026-12-02 17:19:06",
            "2026-12-02 00:00:00.1",
            "1970-01-01 23:59:59.123456789",
            "9999-12-31 23:59:59.999999",
            "2024-02-29 12:00:00.000001",
        ] {
            assert_eq!(parse_diesel_layout(text.as_bytes()), chrono(text), "{text}");
            assert!(chrono(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_every_other_text_to_diesel() {
        for text in [
            "",
            "2026-12-02",
            "2026-12-02T17:19:06",
            "2026-12-02 17:19:06Z",
            "2026-12-02 17:19:06+01:00",
            "2026-12-02 17:19:06.",
            "2026-12-02 17:19:06.1234567890",
            "2026-13-02 17:19:06",
            "2025-02-29 17:19:06",
            "2026-12-02 24:00:00",
            "2026-12-02 17:19:6x",
            "+026-12-02 17:19:06",
            "2459000.5",
        ] {
            assert_eq!(parse_diesel_layout(text.as_bytes()), None, "{text}");
        }
    }
}
