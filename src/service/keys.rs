//! API keys: minted and shown once, listed without secrets, revoked, and checked on every
//! authenticated request.

use chrono::NaiveDateTime;

use super::{ContentService, validate::Checks};
use crate::{
    auth::{Caller, Role, keys},
    db::{queries, rows::ApiKeyRow},
    domain,
    error::{AppError, AppResult},
};

/// A key as listed: never its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub role: Role,
    /// The public part, to recognise the key.
    pub prefix: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

fn api_key(row: ApiKeyRow) -> AppResult<ApiKey> {
    Ok(ApiKey {
        role: row.role.parse().map_err(AppError::internal)?,
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    })
}

impl ContentService {
    /// Mints a key; the returned text is the only time the secret exists outside a hash.
    pub async fn create_key(&self, name: String, role: Role) -> AppResult<(ApiKey, String)> {
        let mut checks = Checks::default();
        checks.text("name", &name, 1, 200);
        checks.finish()?;
        let minted = keys::mint();
        let row = ApiKeyRow {
            id: domain::new_id(),
            name: name.trim().to_owned(),
            role: role.as_str().to_owned(),
            prefix: minted.prefix,
            secret_hash: minted.secret_hash,
            created_at: domain::now(),
            revoked_at: None,
        };
        let key = api_key(row.clone())?;
        self.db
            .write(move |conn| Ok(queries::keys::insert(conn, &row)?))
            .await?;
        Ok((key, minted.plaintext))
    }

    pub async fn list_keys(&self) -> AppResult<Vec<ApiKey>> {
        self.db
            .read(|conn| queries::keys::all(conn)?.into_iter().map(api_key).collect())
            .await
    }

    pub async fn revoke_key(&self, id: &str) -> AppResult<()> {
        let id = id.to_owned();
        self.db
            .write(
                move |conn| match queries::keys::revoke(conn, &id, domain::now())? {
                    0 => Err(AppError::not_found(format!(
                        "no active key has the id `{id}`"
                    ))),
                    _ => Ok(()),
                },
            )
            .await
    }

    /// True when at least one unrevoked admin key exists.
    pub async fn has_admin_key(&self) -> AppResult<bool> {
        self.db
            .read(|conn| Ok(queries::keys::active_with_role(conn, Role::Admin.as_str())? > 0))
            .await
    }

    /// The caller a presented key belongs to; 401 when it is malformed, unknown or revoked.
    pub async fn authenticate(&self, presented: &str) -> AppResult<Caller> {
        let invalid = || AppError::unauthenticated("the API key is not valid");
        let (prefix, secret) = keys::split(presented.trim()).ok_or_else(invalid)?;
        let (prefix, secret) = (prefix.to_owned(), secret.to_owned());
        let row = self
            .db
            .read_short(move |conn| Ok(queries::keys::by_prefix(conn, &prefix)?))
            .await?
            .ok_or_else(invalid)?;
        if !keys::secret_matches(&secret, &row.secret_hash) {
            return Err(invalid());
        }
        if row.revoked_at.is_some() {
            return Err(AppError::unauthenticated("the API key has been revoked"));
        }
        Ok(Caller {
            role: row.role.parse().map_err(AppError::internal)?,
            key_id: row.id,
            name: row.name,
        })
    }
}
