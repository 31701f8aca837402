//! Reads through the editorial rules: staff reads and lists, public lookups with redirects
//! and 410s, and previews.

use super::{load_row, require_edit};
use crate::{
    auth::{Action, Caller},
    db::{
        queries::{self, editorial},
        rows::ArticleRow,
    },
    domain::{
        self, Relations,
        article::{Article, ArticleFilter, ArticleSort},
        page::Page,
    },
    error::{AppError, AppResult, ErrorKind},
    service::{ContentService, articles::hydrate, visibility},
};

/// The articles a caller may list or search in the admin API: every article in any state for
/// those who read drafts (editors, admins), only the ones they created for contributors; a
/// 403 for everyone else.
pub(in crate::service) fn scope_to_caller(
    caller: &Caller,
    filter: &mut ArticleFilter,
) -> AppResult<()> {
    if !caller.can(Action::ReadDrafts) {
        caller.require(Action::WriteOwnDrafts)?;
        filter.created_by = Some(caller.key_id.clone());
    }
    Ok(())
}

/// What the public API answers for a key that names no visible article.
pub enum PublicLookup {
    Found(Box<Article>),
    /// The slug was retired; the article lives on under this slug.
    MovedTo(String),
}

impl ContentService {
    /// Any article, in any state, for a caller allowed to see it.
    pub async fn article_as(&self, caller: &Caller, id: &str) -> AppResult<Article> {
        if !caller.can(Action::ReadDrafts) {
            caller.require(Action::WriteOwnDrafts)?;
        }
        let (caller, id) = (caller.clone(), id.to_owned());
        self.db
            .read(move |conn| {
                let row = load_row(conn, &id)?;
                if !caller.can(Action::ReadDrafts) {
                    require_edit(&caller, &row).map_err(|_| {
                        AppError::not_found(format!("no article has the id `{id}`"))
                    })?;
                }
                hydrate(conn, vec![row])?
                    .pop()
                    .ok_or_else(|| AppError::not_found("no such article"))
            })
            .await
    }

    /// Every article, any state, most recently changed first (contributors: their own).
    pub async fn list_articles_as(
        &self,
        caller: &Caller,
        mut filter: ArticleFilter,
        cursor: Option<&str>,
        limit: u32,
    ) -> AppResult<Page<Article>> {
        scope_to_caller(caller, &mut filter)?;
        self.list_articles_unfiltered(filter, ArticleSort::UpdatedDesc, cursor, limit)
            .await
    }

    /// One article for the public, or where its slug went, or why it is gone (410).
    pub async fn find_public_article(
        &self,
        key: domain::Key,
        relations: Relations,
    ) -> AppResult<PublicLookup> {
        match self.public_article(key.clone(), relations).await {
            Ok(article) => return Ok(PublicLookup::Found(Box::new(article))),
            Err(e) if e.kind != ErrorKind::NotFound || !key.is_well_formed() => return Err(e),
            Err(_) => {}
        }
        let gone = || AppError::new(ErrorKind::Gone, "this article has been withdrawn");
        let now = domain::now();
        let withdrawn = move |row: &ArticleRow| visibility::row_is_retired(row, now);
        let verdict = self
            .db
            .read(move |conn| {
                let (slug, id) = match &key {
                    domain::Key::Slug(s) => (Some(s.clone()), None),
                    domain::Key::Id(i) => (None, Some(i.clone())),
                };
                if let Some(slug) = &slug
                    && let Some(target) = editorial::retired_slug_target(conn, slug)?
                {
                    return Ok(Some(load_row(conn, &target)?));
                }
                if editorial::tombstone_exists(conn, slug.as_deref(), id.as_deref())? {
                    return Err(gone());
                }
                let row = queries::articles::find(conn, None, &key)?;
                match row {
                    Some(row) if withdrawn(&row) => Err(gone()),
                    _ => Err(AppError::not_found(
                        "no published article has this slug or id",
                    )),
                }
            })
            .await?;
        match verdict {
            Some(target) => match self
                .public_article(domain::Key::Id(target.id.clone()), relations)
                .await
            {
                Ok(_) => Ok(PublicLookup::MovedTo(target.slug)),
                Err(e) if e.kind == ErrorKind::NotFound && withdrawn(&target) => Err(gone()),
                Err(e) => Err(e),
            },
            None => Err(AppError::not_found(
                "no published article has this slug or id",
            )),
        }
    }
}

/// Who is reading an article through the read endpoints.
pub enum Reader<'a> {
    /// Anyone: published articles only, with redirects for old slugs and 410 for withdrawn ones.
    Public,
    /// A key allowed to read drafts (editors, admins).
    Staff(&'a Caller),
    /// Whoever holds a preview token for this one article.
    Preview(&'a str),
}

impl ContentService {
    /// One article through the read endpoints, as this reader may see it.
    pub async fn read_article(
        &self,
        reader: Reader<'_>,
        key: domain::Key,
        relations: Relations,
    ) -> AppResult<PublicLookup> {
        let any_state = |key: domain::Key| async move {
            if !key.is_well_formed() {
                return Err(AppError::not_found("no article has this slug or id"));
            }
            self.db
                .read(move |conn| {
                    let row = queries::articles::find(conn, None, &key)?
                        .ok_or_else(|| AppError::not_found("no article has this slug or id"))?;
                    hydrate(conn, vec![row])?
                        .pop()
                        .ok_or_else(|| AppError::not_found("no such article"))
                })
                .await
        };
        match reader {
            Reader::Public => self.find_public_article(key, relations).await,
            Reader::Staff(caller) => {
                caller.require(Action::ReadDrafts)?;
                any_state(key)
                    .await
                    .map(|a| PublicLookup::Found(Box::new(a)))
            }
            Reader::Preview(token) => {
                let article = any_state(key).await?;
                self.check_preview_token(token, &article.id).await?;
                Ok(PublicLookup::Found(Box::new(article)))
            }
        }
    }
}
