//! The asset library's rows, and which articles use which assets.

use chrono::NaiveDateTime;
use diesel::{dsl::exists, prelude::*, select};

use super::visibility::public_at;
use crate::db::{
    DbConnection,
    rows::{ArticleAssetRow, AssetRow},
    schema::{article_assets, articles, assets},
};

pub fn insert(conn: &mut DbConnection, row: &AssetRow) -> QueryResult<usize> {
    diesel::insert_into(assets::table).values(row).execute(conn)
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<AssetRow>> {
    assets::table
        .find(id)
        .select(AssetRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_hash(conn: &mut DbConnection, content_hash: &str) -> QueryResult<Option<AssetRow>> {
    assets::table
        .filter(assets::content_hash.eq(content_hash))
        .select(AssetRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<AssetRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    assets::table
        .filter(assets::id.eq_any(ids))
        .select(AssetRow::as_select())
        .load(conn)
}

/// Newest first, after the asset `(created_at, id)` when given.
pub fn list(
    conn: &mut DbConnection,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AssetRow>> {
    let mut query = assets::table
        .select(AssetRow::as_select())
        .order((assets::created_at.desc(), assets::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some((time, id)) = after {
        query = query.filter(
            assets::created_at
                .lt(time)
                .or(assets::created_at.eq(time).and(assets::id.lt(id))),
        );
    }
    query.load(conn)
}

pub fn update(conn: &mut DbConnection, row: &AssetRow) -> QueryResult<usize> {
    diesel::update(assets::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(assets::table.find(id)).execute(conn)
}

/// Whether any article, in any state, uses the asset.
pub fn in_use(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    select(exists(
        article_assets::table.filter(article_assets::asset_id.eq(id)),
    ))
    .get_result(conn)
}

/// Whether an article the public sees at `now` shows the asset: only those assets have public
/// renditions.
pub fn shown_publicly(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    select(exists(
        article_assets::table
            .inner_join(articles::table)
            .filter(article_assets::asset_id.eq(id))
            .filter(public_at(now)),
    ))
    .get_result(conn)
}

/// Makes `asset_ids` the assets the article uses.
pub fn replace_article_assets(
    conn: &mut DbConnection,
    article_id: &str,
    asset_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(article_assets::table.filter(article_assets::article_id.eq(article_id)))
        .execute(conn)?;
    let rows: Vec<ArticleAssetRow> = asset_ids
        .iter()
        .map(|asset_id| ArticleAssetRow {
            article_id: article_id.to_owned(),
            asset_id: asset_id.clone(),
        })
        .collect();
    if !rows.is_empty() {
        super::insert_rows!(conn, article_assets::table, &rows)?;
    }
    Ok(())
}
