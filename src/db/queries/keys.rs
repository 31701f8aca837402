//! API key rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, rows::ApiKeyRow, schema::api_keys};

pub fn insert(conn: &mut DbConnection, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn by_prefix(conn: &mut DbConnection, prefix: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .filter(api_keys::prefix.eq(prefix))
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Every key, oldest first.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table
        .order((api_keys::created_at.asc(), api_keys::id.asc()))
        .select(ApiKeyRow::as_select())
        .load(conn)
}

/// Marks a key revoked; returns how many keys changed (0 when unknown or already revoked).
pub fn revoke(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        api_keys::table
            .filter(api_keys::id.eq(id))
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Some(at)))
    .execute(conn)
}

pub fn active_with_role(conn: &mut DbConnection, role: &str) -> QueryResult<i64> {
    api_keys::table
        .filter(api_keys::role.eq(role))
        .filter(api_keys::revoked_at.is_null())
        .count()
        .get_result(conn)
}
