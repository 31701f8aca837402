//! Who a read is for: decided once per request from the caller and what it presented, and
//! carried by every read to the query's [`Scope`]. Adapters build an `Audience`; they never
//! decide what it may see.

use chrono::NaiveDateTime;

use crate::{
    auth::{Action, Caller},
    db::queries::visibility::Scope,
    error::AppResult,
};

/// Who is reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Anyone: what the visibility rule lets through, with redirects for old slugs and 410
    /// for withdrawn articles.
    Public,
    /// A key allowed to read drafts (editors, admins): every article in any state.
    Staff(Caller),
    /// A contributor's key in the admin API: the articles it created, in any state.
    Contributor(Caller),
    /// Whoever holds a preview token: the one article it was minted for, in any state; lists
    /// stay public.
    Preview(String),
}

impl Audience {
    /// The audience of a public read endpoint: a preview token reads its article in any
    /// state; a key that may read drafts reads every article through the read endpoints;
    /// everyone else is the public.
    pub fn for_request(caller: Option<&Caller>, preview_token: Option<&str>) -> Audience {
        match (preview_token, caller) {
            (Some(token), _) => Audience::Preview(token.to_owned()),
            (None, Some(caller)) if caller.can(Action::ReadDrafts) => {
                Audience::Staff(caller.clone())
            }
            _ => Audience::Public,
        }
    }

    /// The audience of the admin reads: every article for those who read drafts, only the
    /// ones they created for contributors, a 403 for everyone else.
    pub fn for_admin(caller: &Caller) -> AppResult<Audience> {
        if caller.can(Action::ReadDrafts) {
            return Ok(Audience::Staff(caller.clone()));
        }
        caller.require(Action::WriteOwnDrafts)?;
        Ok(Audience::Contributor(caller.clone()))
    }

    /// Whether answers may be kept by shared caches: only what the public sees.
    pub fn is_public(&self) -> bool {
        *self == Audience::Public
    }

    /// The rows this audience's lists may hold at `now`.
    pub(super) fn list_scope(&self, now: NaiveDateTime) -> Scope {
        match self {
            Audience::Public | Audience::Preview(_) => Scope::Public(now),
            Audience::Staff(_) => Scope::Any,
            Audience::Contributor(caller) => Scope::CreatedBy(caller.key_id.clone()),
        }
    }
}
