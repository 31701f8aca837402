//! Sections, authors and tags: creation, and public reads carrying visible-article counts.

use super::{ContentService, outbox, read::relations::public_article_counts, validate::Checks};
use crate::{
    db::{
        DbConnection, convert,
        queries::taxonomy,
        rows::{AuthorRow, SectionRow, TagRow},
    },
    domain::{
        self, Key,
        article::{Author, AuthorLink, Section, Tag, TagKind},
        page::{Cursor, Page},
        taxonomy::Taxonomy,
        webhook::EventType,
    },
    error::{AppError, AppResult},
};

#[derive(Debug, Clone)]
pub struct NewSection {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewAuthor {
    pub slug: String,
    pub name: String,
    pub role: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub links: Vec<AuthorLink>,
}

#[derive(Debug, Clone)]
pub struct NewTag {
    pub slug: String,
    pub name: String,
    pub kind: TagKind,
    pub description: Option<String>,
}

pub fn section_row(new: NewSection) -> AppResult<SectionRow> {
    let mut checks = Checks::default();
    checks.slug("slug", &new.slug);
    checks.text("name", &new.name, 1, 200);
    checks.optional_text("description", new.description.as_deref(), 2000);
    checks.finish()?;
    let now = domain::now();
    Ok(SectionRow {
        id: domain::new_id(),
        slug: new.slug,
        name: new.name,
        description: new.description,
        created_at: now,
        updated_at: now,
    })
}

/// Most links one author profile may list.
pub const MAX_AUTHOR_LINKS: usize = 20;

pub fn author_row(new: NewAuthor) -> AppResult<AuthorRow> {
    let mut checks = Checks::default();
    checks.slug("slug", &new.slug);
    checks.text("name", &new.name, 1, 200);
    checks.optional_text("role", new.role.as_deref(), 200);
    checks.optional_text("bio", new.bio.as_deref(), 5000);
    checks.optional_url("avatar_url", new.avatar_url.as_deref());
    checks.list_len("links", new.links.len(), MAX_AUTHOR_LINKS);
    for (i, link) in new.links.iter().enumerate().take(MAX_AUTHOR_LINKS) {
        checks.url(&format!("links[{i}].url"), &link.url);
        checks.text(&format!("links[{i}].label"), &link.label, 1, 100);
    }
    checks.finish()?;
    let now = domain::now();
    Ok(AuthorRow {
        id: domain::new_id(),
        slug: new.slug,
        name: new.name,
        role: new.role,
        bio: new.bio,
        avatar_url: new.avatar_url,
        links: serde_json::to_string(&new.links).map_err(AppError::internal)?,
        created_at: now,
        updated_at: now,
    })
}

pub fn tag_row(new: NewTag) -> AppResult<TagRow> {
    let mut checks = Checks::default();
    checks.slug("slug", &new.slug);
    checks.text("name", &new.name, 1, 200);
    checks.optional_text("description", new.description.as_deref(), 2000);
    checks.finish()?;
    let now = domain::now();
    Ok(TagRow {
        id: domain::new_id(),
        slug: new.slug,
        name: new.name,
        description: new.description,
        kind: new.kind.as_str().to_owned(),
        created_at: now,
        updated_at: now,
    })
}

fn describe(key: &Key) -> String {
    match key {
        Key::Slug(slug) => format!("slug `{slug}`"),
        Key::Id(id) => format!("id `{id}`"),
    }
}

fn slug_cursor(of: Taxonomy, slug: &str, id: &str) -> Cursor {
    Cursor {
        sort: of.as_str().to_owned(),
        key: slug.to_owned(),
        id: id.to_owned(),
    }
}

fn slug_after(cursor: Option<&str>, of: Taxonomy) -> AppResult<Option<String>> {
    let Some(Cursor { key, .. }) = Cursor::decode(cursor, of.as_str())? else {
        return Ok(None);
    };
    match crate::domain::slug::Slug::parse(&key) {
        Ok(_) => Ok(Some(key)),
        Err(_) => Err(AppError::invalid_parameter(
            "cursor",
            "the cursor is malformed; pass the cursor of a previous page",
        )),
    }
}

fn sections_with_counts(conn: &mut DbConnection, rows: Vec<SectionRow>) -> AppResult<Vec<Section>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts = public_article_counts(conn, Taxonomy::Section, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            convert::section(r, Some(n))
        })
        .collect())
}

fn authors_with_counts(conn: &mut DbConnection, rows: Vec<AuthorRow>) -> AppResult<Vec<Author>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts = public_article_counts(conn, Taxonomy::Author, &ids)?;
    rows.into_iter()
        .map(|r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            convert::author(r, Some(n))
        })
        .collect()
}

fn tags_with_counts(conn: &mut DbConnection, rows: Vec<TagRow>) -> AppResult<Vec<Tag>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let counts = public_article_counts(conn, Taxonomy::Tag, &ids)?;
    rows.into_iter()
        .map(|r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            convert::tag(r, Some(n))
        })
        .collect()
}

impl ContentService {
    pub async fn create_section(&self, new: NewSection) -> AppResult<Section> {
        let row = section_row(new)?;
        self.write(move |conn, changed| {
            taxonomy::insert_sections(conn, std::slice::from_ref(&row))?;
            let now = row.created_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::SectionCreated,
                &row.id,
                &row.slug,
                now,
            )?;
            Ok(convert::section(row, Some(0)))
        })
        .await
    }

    pub async fn create_author(&self, new: NewAuthor) -> AppResult<Author> {
        let row = author_row(new)?;
        self.write(move |conn, changed| {
            taxonomy::insert_authors(conn, std::slice::from_ref(&row))?;
            let now = row.created_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::AuthorCreated,
                &row.id,
                &row.slug,
                now,
            )?;
            convert::author(row, Some(0))
        })
        .await
    }

    pub async fn create_tag(&self, new: NewTag) -> AppResult<Tag> {
        let row = tag_row(new)?;
        self.write(move |conn, changed| {
            taxonomy::insert_tags(conn, std::slice::from_ref(&row))?;
            let now = row.created_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::TagCreated,
                &row.id,
                &row.slug,
                now,
            )?;
            convert::tag(row, Some(0))
        })
        .await
    }

    /// Sections in slug order, with how many public articles each has.
    pub async fn list_sections(
        &self,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<Section>> {
        let after = slug_after(cursor, Taxonomy::Section)?;
        self.db
            .read(move |conn| {
                let rows = taxonomy::list_sections(conn, after, i64::from(limit) + 1)?;
                let page = Page::from_overfetch(rows, limit, |r| {
                    slug_cursor(Taxonomy::Section, &r.slug, &r.id)
                });
                page.try_map_all(|rows| sections_with_counts(conn, rows))
            })
            .await
    }

    /// Authors in slug order, with how many public articles each has.
    pub async fn list_authors(&self, cursor: Option<&str>, limit: u32) -> AppResult<Page<Author>> {
        let after = slug_after(cursor, Taxonomy::Author)?;
        self.db
            .read(move |conn| {
                let rows = taxonomy::list_authors(conn, after, i64::from(limit) + 1)?;
                let page = Page::from_overfetch(rows, limit, |r| {
                    slug_cursor(Taxonomy::Author, &r.slug, &r.id)
                });
                page.try_map_all(|rows| authors_with_counts(conn, rows))
            })
            .await
    }

    /// Tags (of one kind, if given) in slug order, with how many public articles each has.
    pub async fn list_tags(
        &self,
        kind: Option<TagKind>,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<Tag>> {
        let after = slug_after(cursor, Taxonomy::Tag)?;
        self.db
            .read(move |conn| {
                let rows = taxonomy::list_tags(
                    conn,
                    kind.map(|k| k.as_str().to_owned()),
                    after,
                    i64::from(limit) + 1,
                )?;
                let page = Page::from_overfetch(rows, limit, |r| {
                    slug_cursor(Taxonomy::Tag, &r.slug, &r.id)
                });
                page.try_map_all(|rows| tags_with_counts(conn, rows))
            })
            .await
    }

    /// One section by slug or id, with its number of public articles.
    pub async fn section(&self, key: Key) -> AppResult<Section> {
        if !key.is_well_formed() {
            return Err(AppError::not_found(format!(
                "no section has the {}",
                describe(&key)
            )));
        }
        self.db
            .read(move |conn| {
                let row = taxonomy::section_by_key(conn, &key)?.ok_or_else(|| {
                    AppError::not_found(format!("no section has the {}", describe(&key)))
                })?;
                sections_with_counts(conn, vec![row])?
                    .pop()
                    .ok_or_else(|| AppError::not_found("no such section"))
            })
            .await
    }

    /// One author by slug or id, with its number of public articles.
    pub async fn author(&self, key: Key) -> AppResult<Author> {
        if !key.is_well_formed() {
            return Err(AppError::not_found(format!(
                "no author has the {}",
                describe(&key)
            )));
        }
        self.db
            .read(move |conn| {
                let row = taxonomy::author_by_key(conn, &key)?.ok_or_else(|| {
                    AppError::not_found(format!("no author has the {}", describe(&key)))
                })?;
                authors_with_counts(conn, vec![row])?
                    .pop()
                    .ok_or_else(|| AppError::not_found("no such author"))
            })
            .await
    }

    /// One tag by slug or id, with its number of public articles.
    pub async fn tag(&self, key: Key) -> AppResult<Tag> {
        if !key.is_well_formed() {
            return Err(AppError::not_found(format!(
                "no tag has the {}",
                describe(&key)
            )));
        }
        self.db
            .read(move |conn| {
                let row = taxonomy::tag_by_key(conn, &key)?.ok_or_else(|| {
                    AppError::not_found(format!("no tag has the {}", describe(&key)))
                })?;
                tags_with_counts(conn, vec![row])?
                    .pop()
                    .ok_or_else(|| AppError::not_found("no such tag"))
            })
            .await
    }
}
