//! Keyset pagination: opaque cursors and pages.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// Where the previous page ended: the sort key and id of its last item. Sent to clients as
/// an opaque string; it names its sort so it cannot be replayed against another order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "s")]
    pub sort: String,
    #[serde(rename = "k")]
    pub key: String,
    #[serde(rename = "i")]
    pub id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// Decodes a client's cursor, checking that it belongs to `sort`. None, or an empty one
    /// (`cursor=`, as a client that keeps an empty `next_cursor` sends it), starts at the
    /// first page.
    pub fn decode(raw: Option<&str>, sort: &str) -> AppResult<Option<Cursor>> {
        match raw {
            None | Some("") => Ok(None),
            Some(raw) => Cursor::decode_given(raw, sort).map(Some),
        }
    }

    fn decode_given(raw: &str, sort: &str) -> AppResult<Cursor> {
        let bad = || {
            AppError::invalid_parameter(
                "cursor",
                "the cursor is malformed; pass the cursor of a previous page",
            )
        };
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        // Only what the service itself puts in cursors gets through to a query.
        let key_ok = cursor.key.len() <= 200 && !cursor.key.contains('\0');
        if uuid::Uuid::parse_str(&cursor.id).is_err() || !key_ok {
            return Err(bad());
        }
        if cursor.sort != sort {
            return Err(AppError::invalid_parameter(
                "cursor",
                format!("the cursor belongs to sort `{}`, not `{sort}`", cursor.sort),
            ));
        }
        Ok(cursor)
    }
}

/// How many items a page holds: the default when none is asked for, else checked against
/// the allowed range.
pub fn page_size(requested: Option<i64>) -> Result<u32, String> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => Ok(n as u32),
        Some(n) => Err(format!("must be between 1 and {MAX_LIMIT}, got {n}")),
    }
}

/// One page of results, each with the cursor that resumes after it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// `cursors[i]` resumes after `items[i]`.
    pub cursors: Vec<String>,
    /// Whether another page follows.
    pub has_more: bool,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only proves a next page exists.
    pub fn from_overfetch(
        mut rows: Vec<T>,
        limit: u32,
        cursor_of: impl Fn(&T) -> Cursor,
    ) -> Page<T> {
        let has_more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let cursors = rows.iter().map(|row| cursor_of(row).encode()).collect();
        Page {
            items: rows,
            cursors,
            has_more,
        }
    }

    /// The cursor of the next page, if there is one.
    pub fn next_cursor(&self) -> Option<String> {
        if self.has_more {
            self.cursors.last().cloned()
        } else {
            None
        }
    }

    /// The same page over items made from these, one for each.
    pub fn try_map_all<U, E>(
        self,
        f: impl FnOnce(Vec<T>) -> Result<Vec<U>, E>,
    ) -> Result<Page<U>, E> {
        let items = f(self.items)?;
        debug_assert_eq!(items.len(), self.cursors.len());
        Ok(Page {
            items,
            cursors: self.cursors,
            has_more: self.has_more,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor {
            sort: "-published_at".into(),
            key: "2026-01-01 00:00:00".into(),
            id: "01a21649-143e-776e-b3ac-b0674a4dcbef".into(),
        };
        let encoded = c.encode();
        assert_eq!(
            Cursor::decode(Some(&encoded), "-published_at").ok(),
            Some(Some(c.clone()))
        );
        assert!(Cursor::decode(Some(&encoded), "published_at").is_err());
        assert!(Cursor::decode(Some("%%%"), "-published_at").is_err());
        assert!(Cursor::decode(Some("e30"), "-published_at").is_err());
        assert!(Cursor::decode(Some(" "), "-published_at").is_err());
    }

    #[test]
    fn no_cursor_and_an_empty_one_start_at_the_first_page() {
        assert_eq!(Cursor::decode(None, "-published_at").ok(), Some(None));
        assert_eq!(Cursor::decode(Some(""), "-published_at").ok(), Some(None));
    }

    #[test]
    fn limits_are_bounded() {
        assert_eq!(page_size(None).ok(), Some(DEFAULT_LIMIT));
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(101)).is_err());
        assert_eq!(page_size(Some(100)).ok(), Some(100));
    }
}
