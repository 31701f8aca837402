//! Pure content types, no IO: ids, slugs, statuses, the article and its parts, cursors.

pub mod article;
pub mod page;
pub mod slug;

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// A new id: a lower-case UUID v7, so ids sort in creation order on both backends.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// The current UTC time at the precision both databases store (microseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}
