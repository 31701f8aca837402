//! Rows into domain types: text enums and JSON columns parsed, a corrupt row is an error.

use super::rows::{ArticleRow, AssetRow, AuthorRow, SectionRow, TagRow};
use crate::{
    domain::{
        article::{Article, Author, Section, Tag},
        asset::{Asset, FocalPoint},
    },
    error::{AppError, AppResult},
};

fn corrupt(table: &str, id: &str, what: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("{table} row {id} is unreadable: {what}"))
}

pub fn section(row: SectionRow, article_count: Option<i64>) -> Section {
    Section {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        article_count,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

pub fn author(row: AuthorRow, article_count: Option<i64>) -> AppResult<Author> {
    let links = serde_json::from_str(&row.links).map_err(|e| corrupt("authors", &row.id, e))?;
    Ok(Author {
        id: row.id,
        slug: row.slug,
        name: row.name,
        role: row.role,
        bio: row.bio,
        avatar_url: row.avatar_url,
        links,
        article_count,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn tag(row: TagRow, article_count: Option<i64>) -> AppResult<Tag> {
    let kind = row.kind.parse().map_err(|e| corrupt("tags", &row.id, e))?;
    Ok(Tag {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        kind,
        article_count,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// An article without its relations; `service::read::relations` loads them.
pub fn article(row: ArticleRow) -> AppResult<Article> {
    let id = row.id.clone();
    let status = row
        .status
        .parse()
        .map_err(|e| corrupt("articles", &id, e))?;
    let body_format = row
        .body_format
        .parse()
        .map_err(|e| corrupt("articles", &id, e))?;
    let hero_image = match row.hero_image.as_deref() {
        Some(json) => Some(serde_json::from_str(json).map_err(|e| corrupt("articles", &id, e))?),
        None => None,
    };
    let corrections =
        serde_json::from_str(&row.corrections).map_err(|e| corrupt("articles", &id, e))?;
    Ok(Article {
        id: row.id,
        slug: row.slug,
        title: row.title,
        standfirst: row.standfirst,
        body_format,
        body_source: row.body_source,
        body_html: row.body_html,
        body_text: row.body_text,
        section_id: row.section_id,
        section: None,
        authors: Vec::new(),
        tags: Vec::new(),
        status,
        published_at: row.published_at,
        first_published_at: row.first_published_at,
        publish_at: row.publish_at,
        embargo_until: row.embargo_until,
        language: row.language,
        dateline: row.dateline,
        hero_image,
        hero_asset: None,
        body_assets: Vec::new(),
        body_blocks: row.body_blocks,
        body_related: Vec::new(),
        seo_title: row.seo_title,
        seo_description: row.seo_description,
        canonical_url: row.canonical_url,
        word_count: row.word_count,
        reading_time_minutes: row.reading_time_minutes,
        version: row.version,
        corrections,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn asset(row: AssetRow) -> Asset {
    let focal_point = match (row.focal_x, row.focal_y) {
        (Some(x), Some(y)) => Some(FocalPoint { x, y }),
        _ => None,
    };
    Asset {
        id: row.id,
        content_hash: row.content_hash,
        media_type: row.media_type,
        width: row.width.max(0) as u32,
        height: row.height.max(0) as u32,
        byte_size: row.byte_size.max(0) as u64,
        alt: row.alt,
        caption: row.caption,
        credit: row.credit,
        copyright: row.copyright,
        licence: row.licence,
        focal_point,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
