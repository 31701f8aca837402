//! Deleting an article, leaving a tombstone when the public had seen it.

use super::{check_version, load_row, require_edit};
use crate::{
    auth::Caller,
    db::{queries::editorial, rows::TombstoneRow},
    domain::{self, version::BaseVersion},
    error::AppResult,
    service::{ContentService, outbox},
};

impl ContentService {
    /// Deletes an article; once-published articles leave a tombstone so the public API
    /// answers 410 Gone.
    pub async fn delete_article(
        &self,
        caller: &Caller,
        id: &str,
        if_match: impl Into<BaseVersion>,
    ) -> AppResult<()> {
        let (caller, id, if_match) = (caller.clone(), id.to_owned(), if_match.into());
        self.write(move |conn, changed| {
            let old = load_row(conn, &id)?;
            require_edit(&caller, &old)?;
            check_version(&old, &if_match)?;
            let now = domain::now();
            // Only an article the public saw leaves a tombstone (410 and a kill notice).
            if old.publication().seen_since(now).is_some() {
                editorial::insert_tombstone(
                    conn,
                    &TombstoneRow {
                        article_id: old.id.clone(),
                        slug: old.slug.clone(),
                        deleted_at: now,
                    },
                )?;
                editorial::bury_retired_slugs(conn, &old.id, now)?;
            }
            editorial::delete_article(conn, &old.id)?;
            outbox::article_changed(conn, changed, Some(&old), None, now)?;
            Ok(())
        })
        .await
    }
}
