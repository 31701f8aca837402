//! Managing sections, authors and tags: editors and admins create, change and delete them.
//! Changes are whole records built from the current one and the given fields, validated by
//! the same row builders as creation.

use serde::Deserialize;

use super::{
    ContentService, outbox,
    taxonomy::{NewAuthor, NewSection, NewTag, author_row, section_row, tag_row},
};
use crate::{
    auth::{Action, Caller},
    db::{convert, queries::taxonomy},
    domain::{
        self, Key,
        article::{Author, AuthorLink, Section, Tag, TagKind},
        taxonomy::Taxonomy,
        webhook::EventType,
    },
    error::{AppError, AppResult, ErrorKind},
};

/// Fields to change; absent ones stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyPatch {
    pub slug: Option<String>,
    pub name: Option<String>,
    /// Sections and tags.
    pub description: Option<String>,
    /// Tags: topic, person, organization, place or event.
    pub kind: Option<TagKind>,
    /// Authors.
    pub role: Option<String>,
    /// Authors.
    pub bio: Option<String>,
    /// Authors.
    pub avatar_url: Option<String>,
    /// Authors.
    pub links: Option<Vec<AuthorLink>>,
}

/// Articles that still use a section, author or tag keep it: the delete is a conflict.
fn refuse_if_used(conn: &mut crate::db::DbConnection, of: Taxonomy, id: &str) -> AppResult<()> {
    if taxonomy::in_use(conn, of, id)? {
        return Err(AppError::new(
            ErrorKind::Conflict,
            format!(
                "articles still use this {}; change them first",
                of.singular()
            ),
        ));
    }
    Ok(())
}

impl ContentService {
    pub async fn create_section_as(&self, caller: &Caller, new: NewSection) -> AppResult<Section> {
        caller.require(Action::ManageTaxonomy)?;
        self.create_section(new).await
    }

    pub async fn create_author_as(&self, caller: &Caller, new: NewAuthor) -> AppResult<Author> {
        caller.require(Action::ManageTaxonomy)?;
        self.create_author(new).await
    }

    pub async fn create_tag_as(&self, caller: &Caller, new: NewTag) -> AppResult<Tag> {
        caller.require(Action::ManageTaxonomy)?;
        self.create_tag(new).await
    }

    pub async fn update_section(
        &self,
        caller: &Caller,
        slug: &str,
        patch: TaxonomyPatch,
    ) -> AppResult<Section> {
        caller.require(Action::ManageTaxonomy)?;
        let old = self.section(Key::Slug(slug.to_owned())).await?;
        let mut row = section_row(NewSection {
            slug: patch.slug.unwrap_or(old.slug),
            name: patch.name.unwrap_or(old.name),
            description: patch.description.or(old.description),
        })?;
        (row.id, row.created_at, row.updated_at) = (old.id, old.created_at, domain::now());
        self.write(move |conn, changed| {
            taxonomy::update_section(conn, &row)?;
            let now = row.updated_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::SectionUpdated,
                &row.id,
                &row.slug,
                now,
            )?;
            Ok(convert::section(row, None))
        })
        .await
    }

    pub async fn update_author(
        &self,
        caller: &Caller,
        slug: &str,
        patch: TaxonomyPatch,
    ) -> AppResult<Author> {
        caller.require(Action::ManageTaxonomy)?;
        let old = self.author(Key::Slug(slug.to_owned())).await?;
        let mut row = author_row(NewAuthor {
            slug: patch.slug.unwrap_or(old.slug),
            name: patch.name.unwrap_or(old.name),
            role: patch.role.or(old.role),
            bio: patch.bio.or(old.bio),
            avatar_url: patch.avatar_url.or(old.avatar_url),
            links: patch.links.unwrap_or(old.links),
        })?;
        (row.id, row.created_at, row.updated_at) = (old.id, old.created_at, domain::now());
        self.write(move |conn, changed| {
            taxonomy::update_author(conn, &row)?;
            let now = row.updated_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::AuthorUpdated,
                &row.id,
                &row.slug,
                now,
            )?;
            convert::author(row, None)
        })
        .await
    }

    pub async fn update_tag(
        &self,
        caller: &Caller,
        slug: &str,
        patch: TaxonomyPatch,
    ) -> AppResult<Tag> {
        caller.require(Action::ManageTaxonomy)?;
        let old = self.tag(Key::Slug(slug.to_owned())).await?;
        let mut row = tag_row(NewTag {
            slug: patch.slug.unwrap_or(old.slug),
            name: patch.name.unwrap_or(old.name),
            kind: patch.kind.unwrap_or(old.kind),
            description: patch.description.or(old.description),
        })?;
        (row.id, row.created_at, row.updated_at) = (old.id, old.created_at, domain::now());
        self.write(move |conn, changed| {
            taxonomy::update_tag(conn, &row)?;
            let now = row.updated_at;
            outbox::term_changed(
                conn,
                changed,
                EventType::TagUpdated,
                &row.id,
                &row.slug,
                now,
            )?;
            convert::tag(row, None)
        })
        .await
    }

    pub async fn delete_section(&self, caller: &Caller, slug: &str) -> AppResult<()> {
        caller.require(Action::ManageTaxonomy)?;
        let id = self.section(Key::Slug(slug.to_owned())).await?.id;
        let slug = slug.to_owned();
        self.write(move |conn, changed| {
            refuse_if_used(conn, Taxonomy::Section, &id)?;
            taxonomy::delete_section(conn, &id)?;
            let now = domain::now();
            outbox::term_changed(conn, changed, EventType::SectionDeleted, &id, &slug, now)
        })
        .await
    }

    pub async fn delete_author(&self, caller: &Caller, slug: &str) -> AppResult<()> {
        caller.require(Action::ManageTaxonomy)?;
        let id = self.author(Key::Slug(slug.to_owned())).await?.id;
        let slug = slug.to_owned();
        self.write(move |conn, changed| {
            refuse_if_used(conn, Taxonomy::Author, &id)?;
            taxonomy::delete_author(conn, &id)?;
            let now = domain::now();
            outbox::term_changed(conn, changed, EventType::AuthorDeleted, &id, &slug, now)
        })
        .await
    }

    pub async fn delete_tag(&self, caller: &Caller, slug: &str) -> AppResult<()> {
        caller.require(Action::ManageTaxonomy)?;
        let id = self.tag(Key::Slug(slug.to_owned())).await?.id;
        let slug = slug.to_owned();
        self.write(move |conn, changed| {
            refuse_if_used(conn, Taxonomy::Tag, &id)?;
            taxonomy::delete_tag(conn, &id)?;
            let now = domain::now();
            outbox::term_changed(conn, changed, EventType::TagDeleted, &id, &slug, now)
        })
        .await
    }
}
