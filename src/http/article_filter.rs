//! The filter parameters every article list and search takes (`/v1/articles`, `/v1/search`,
//! `/admin/v1/search`), parsed once into the domain's `ArticleFilter`.

use serde::Deserialize;
use utoipa::IntoParams;

use super::params;
use crate::{
    domain::article::{ArticleFilter, MAX_FILTER_TAGS},
    error::{AppError, AppResult},
};

/// Filters of article lists and searches; they combine with AND.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArticleFilterParams {
    /// Section slug.
    section: Option<String>,
    /// One or more tag slugs, comma-separated.
    tag: Option<String>,
    /// With several tags: `all` (default) needs every tag, `any` needs one of them.
    tag_mode: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// BCP 47 language tag, e.g. `en`.
    lang: Option<String>,
    /// Only articles published at or after this RFC 3339 time.
    published_after: Option<String>,
    /// Only articles published before this RFC 3339 time.
    published_before: Option<String>,
    /// Only articles changed at or after this RFC 3339 time (for clients that sync).
    updated_since: Option<String>,
}

impl ArticleFilterParams {
    pub fn filter(&self) -> AppResult<ArticleFilter> {
        let all_tags = match self.tag_mode.as_deref() {
            None | Some("all") => true,
            Some("any") => false,
            Some(other) => {
                return Err(AppError::invalid_parameter(
                    "tag_mode",
                    format!("tag_mode must be `all` or `any`, got `{other}`"),
                ));
            }
        };
        Ok(ArticleFilter {
            section: params::slug("section", self.section.as_deref())?,
            tags: params::slug_list("tag", self.tag.as_deref(), MAX_FILTER_TAGS)?,
            all_tags,
            author: params::slug("author", self.author.as_deref())?,
            language: params::language(self.lang.as_deref())?,
            published_after: params::timestamp("published_after", self.published_after.as_deref())?,
            published_before: params::timestamp(
                "published_before",
                self.published_before.as_deref(),
            )?,
            updated_since: params::timestamp("updated_since", self.updated_since.as_deref())?,
            status: None,
        })
    }
}
