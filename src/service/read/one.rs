//! One article by slug or id, as its audience may see it: the public gets what the
//! visibility rule lets through, a redirect for a retired slug, and 410 Gone for an article
//! it saw that was withdrawn for good; staff, contributors and preview tokens read any state
//! within their scope.

use super::{relations, terms::TermMemo};
use crate::{
    db::{
        DbConnection,
        queries::{self, editorial, visibility::Scope},
        rows::ArticleRow,
    },
    domain::{self, Key, Relations, article::Article},
    error::{AppError, AppResult, ErrorKind},
    service::{ContentService, audience::Audience},
};

/// What a read of one article found.
#[derive(Debug)]
pub enum Lookup {
    Found(Box<Article>),
    /// The slug asked for was retired: this is the article under its current slug.
    Moved(Box<Article>),
}

impl Lookup {
    /// The article, wherever its slug now is.
    pub fn into_article(self) -> Article {
        match self {
            Lookup::Found(article) | Lookup::Moved(article) => *article,
        }
    }
}

fn not_published() -> AppError {
    AppError::not_found("no published article has this slug or id")
}

fn gone() -> AppError {
    AppError::new(ErrorKind::Gone, "this article has been withdrawn")
}

impl ContentService {
    /// The article `key` names, as `audience` may see it.
    pub async fn article(
        &self,
        audience: &Audience,
        key: Key,
        relations: Relations,
    ) -> AppResult<Lookup> {
        // Anything but a valid slug or a UUID (say, a NUL byte PostgreSQL rejects) cannot
        // exist, so it is not looked up.
        if !key.is_well_formed() {
            return Err(match audience {
                Audience::Public => not_published(),
                _ => AppError::not_found("no article has this slug or id"),
            });
        }
        let now = domain::now();
        match audience {
            Audience::Public => {
                let memo = self.terms.clone();
                self.db
                    .read_short(move |conn| public_lookup(conn, &key, relations, now, &memo))
                    .await
            }
            Audience::Staff(_) | Audience::Contributor(_) => {
                let scope = audience.list_scope(now);
                self.any_state(scope, key, relations).await
            }
            Audience::Preview(token) => {
                let minted_for = self.preview_token_article(token).await?;
                let found = self.any_state(Scope::Any, key, relations).await?;
                if let Lookup::Found(article) = &found
                    && article.id != minted_for
                {
                    return Err(AppError::forbidden(
                        "the preview token is for another article",
                    ));
                }
                Ok(found)
            }
        }
    }

    /// The article in `scope`, in whatever state it is.
    async fn any_state(&self, scope: Scope, key: Key, relations: Relations) -> AppResult<Lookup> {
        let memo = self.terms.clone();
        self.db
            .read_short(move |conn| {
                let row = queries::articles::find(conn, &scope, &key)?
                    .ok_or_else(|| AppError::not_found("no article has this slug or id"))?;
                found(conn, row, relations, &memo).map(Lookup::Found)
            })
            .await
    }
}

fn found(
    conn: &mut DbConnection,
    row: ArticleRow,
    relations: Relations,
    memo: &TermMemo,
) -> AppResult<Box<Article>> {
    relations::load(conn, vec![row], relations, Some(memo))?
        .pop()
        .map(Box::new)
        .ok_or_else(|| AppError::internal("an article was lost loading its relations"))
}

/// The public's answer for `key`: the visible article; the visible article a retired slug
/// now lives under; 410 for one the public saw that was unpublished, archived or deleted;
/// else 404, as for anything the public never saw (so nothing reveals that it exists).
fn public_lookup(
    conn: &mut DbConnection,
    key: &Key,
    relations: Relations,
    now: chrono::NaiveDateTime,
    memo: &TermMemo,
) -> AppResult<Lookup> {
    let public = Scope::Public(now);
    if let Some(row) = queries::articles::find(conn, &public, key)? {
        return found(conn, row, relations, memo).map(Lookup::Found);
    }
    let retired = |row: &ArticleRow| row.publication().is_retired(now);
    let (slug, id) = match key {
        Key::Slug(s) => (Some(s.as_str()), None),
        Key::Id(i) => (None, Some(i.as_str())),
    };
    if let Some(slug) = slug
        && let Some(target) = editorial::retired_slug_target(conn, slug)?
    {
        if let Some(row) = queries::articles::find_by_id(conn, &public, &target)? {
            return found(conn, row, relations, memo).map(Lookup::Moved);
        }
        return match queries::articles::find_by_id(conn, &Scope::Any, &target)? {
            Some(row) if retired(&row) => Err(gone()),
            _ => Err(not_published()),
        };
    }
    if editorial::tombstone_exists(conn, slug, id)? {
        return Err(gone());
    }
    match queries::articles::find(conn, &Scope::Any, key)? {
        Some(row) if retired(&row) => Err(gone()),
        _ => Err(not_published()),
    }
}
