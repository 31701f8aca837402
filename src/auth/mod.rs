//! Who is calling and what they may do: API keys and roles.

pub mod keys;

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// What a key may do. Roles are listed from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads published content.
    Content,
    /// Reads published content and the syndication endpoints.
    Partner,
    /// Creates and edits their own drafts.
    Contributor,
    /// Edits, publishes, schedules, embargoes and corrects any article; manages authors, tags
    /// and sections; previews drafts.
    Editor,
    /// Everything, including keys and webhooks.
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Content,
        Role::Partner,
        Role::Contributor,
        Role::Editor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Content => "content",
            Role::Partner => "partner",
            Role::Contributor => "contributor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The one table of who may do what.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match action {
            ReadPublished => true,
            ReadSyndication => matches!(self, Partner | Editor | Admin),
            WriteOwnDrafts | UploadAssets => matches!(self, Contributor | Editor | Admin),
            EditAnyArticle | Publish | ManageTaxonomy | ReadDrafts | ManageAssets => {
                matches!(self, Editor | Admin)
            }
            ManageKeys | ManageWebhooks => self == Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| {
            format!("unknown role `{s}`; expected one of: content, partner, contributor, editor, admin")
        })
    }
}

/// Things a caller may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadPublished,
    ReadSyndication,
    /// Create drafts and edit the drafts one created.
    WriteOwnDrafts,
    EditAnyArticle,
    /// Publish, schedule, unpublish, archive, embargo, correct.
    Publish,
    ManageTaxonomy,
    /// Read drafts, scheduled and embargoed articles through the read endpoints.
    ReadDrafts,
    ManageKeys,
    ManageWebhooks,
    /// Upload images to the asset library, list and read them.
    UploadAssets,
    /// Change and delete assets.
    ManageAssets,
}

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: String,
    pub name: String,
    pub role: Role,
}

impl Caller {
    pub fn can(&self, action: Action) -> bool {
        self.role.allows(action)
    }

    /// `Ok` when allowed, else a 403 naming what is missing.
    pub fn require(&self, action: Action) -> crate::error::AppResult<()> {
        if self.can(action) {
            Ok(())
        } else {
            Err(crate::error::AppError::forbidden(format!(
                "the {} role may not do this ({action:?})",
                self.role
            )))
        }
    }
}
