//! Preview tokens: a short-lived, signed permission to read one unpublished article, minted
//! by an editor and handed to a frontend. Signed with HMAC-SHA256 under a secret kept in the
//! database, so every instance accepts the tokens of every other.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, NaiveDateTime};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{ContentService, audience::Audience};
use crate::{
    auth::{Action, Caller, keys::hex},
    db::{queries::editorial, rows::ServerSecretRow},
    domain,
    error::{AppError, AppResult},
};

const SECRET_NAME: &str = "preview-token-key";
pub const DEFAULT_TTL_MINUTES: i64 = 60;
pub const MAX_TTL_MINUTES: i64 = 7 * 24 * 60;

fn sign(secret: &str, payload: &str) -> AppResult<Vec<u8>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(AppError::internal)?;
    mac.update(payload.as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

impl ContentService {
    async fn preview_secret(&self) -> AppResult<String> {
        self.server_secret(SECRET_NAME).await
    }

    /// The signing secret `name`, made on first use and shared by every instance; two
    /// instances racing to make it agree on the one that was stored first.
    pub(crate) async fn server_secret(&self, name: &'static str) -> AppResult<String> {
        if let Some(secret) = self
            .db
            .read(move |conn| Ok(editorial::secret(conn, name)?))
            .await?
        {
            return Ok(secret);
        }
        let fresh: [u8; 32] = rand::random();
        let row = ServerSecretRow {
            name: name.into(),
            value: hex(&fresh),
            created_at: domain::now(),
        };
        self.db
            .write(move |conn| {
                if let Some(existing) = editorial::secret(conn, name)? {
                    return Ok(existing);
                }
                editorial::insert_secret(conn, &row)?;
                Ok(row.value)
            })
            .await
    }

    /// A token that lets its bearer read this article until it expires.
    pub async fn mint_preview_token(
        &self,
        caller: &Caller,
        article_id: &str,
        ttl_minutes: Option<i64>,
    ) -> AppResult<(String, NaiveDateTime)> {
        caller.require(Action::ReadDrafts)?;
        let ttl = ttl_minutes.unwrap_or(DEFAULT_TTL_MINUTES);
        if !(1..=MAX_TTL_MINUTES).contains(&ttl) {
            return Err(AppError::invalid_parameter(
                "ttl_minutes",
                format!("ttl_minutes must be between 1 and {MAX_TTL_MINUTES}"),
            ));
        }
        // A token only for an article that exists.
        let audience = Audience::for_admin(caller)?;
        let key = domain::Key::Id(article_id.to_owned());
        self.article(&audience, key, domain::Relations::Skip)
            .await?;
        let expires = domain::now() + Duration::minutes(ttl);
        let payload = format!("{article_id}.{}", expires.and_utc().timestamp());
        let signature = sign(&self.preview_secret().await?, &payload)?;
        let token = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(signature)
        );
        Ok((token, expires))
    }

    /// The article a preview token was minted for: 401 when it is forged or expired. Checked
    /// before anything is looked up, so a made-up token tells nobody whether an article exists.
    pub async fn preview_token_article(&self, token: &str) -> AppResult<String> {
        let invalid = || AppError::unauthenticated("the preview token is not valid");
        let (payload, signature) = token.split_once('.').ok_or_else(invalid)?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?)
            .map_err(|_| invalid())?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.preview_secret().await?.as_bytes())
            .map_err(AppError::internal)?;
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| invalid())?;
        let (id, expires) = payload.rsplit_once('.').ok_or_else(invalid)?;
        let expires: i64 = expires.parse().map_err(|_| invalid())?;
        if domain::now().and_utc().timestamp() >= expires {
            return Err(AppError::unauthenticated("the preview token has expired"));
        }
        Ok(id.to_owned())
    }
}
