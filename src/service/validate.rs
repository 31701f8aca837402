//! Field checks that collect every problem of an input, so one 422 names them all.

use crate::{
    domain::{language::is_language_tag, slug::Slug},
    error::{AppError, AppResult, FieldError},
};

#[derive(Default, Clone)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// A list of at most `max` items.
    pub fn list_len(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.fail(
                field,
                &format!("lists {len} items; at most {max} are allowed"),
            );
        }
    }

    pub fn fail(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        });
    }

    /// The slug, if valid.
    pub fn slug(&mut self, field: &str, raw: &str) -> Option<String> {
        match Slug::parse(raw) {
            Ok(slug) => Some(slug.into_string()),
            Err(why) => {
                self.fail(field, &why);
                None
            }
        }
    }

    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let len = value.trim().chars().count();
        if len < min {
            self.fail(field, "must not be empty");
        } else if len > max {
            self.fail(field, &format!("must be at most {max} characters"));
        }
    }

    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value
            && value.chars().count() > max
        {
            self.fail(field, &format!("must be at most {max} characters"));
        }
    }

    /// An absolute http(s) URL; whether it is one.
    pub fn url(&mut self, field: &str, value: &str) -> bool {
        let ok = (value.starts_with("https://") || value.starts_with("http://"))
            && value.len() > "https://".len()
            && !value.chars().any(char::is_whitespace)
            && value.len() <= 2048;
        if !ok {
            self.fail(field, "must be an absolute http(s) URL");
        }
        ok
    }

    pub fn optional_url(&mut self, field: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.url(field, value);
        }
    }

    /// A BCP 47 language tag of the common shape: `en`, `fr`, `pt-BR`, `zh-Hant`.
    pub fn language(&mut self, field: &str, value: &str) {
        if !is_language_tag(value) {
            self.fail(
                field,
                "must be a BCP 47 language tag such as `en` or `pt-BR`",
            );
        }
    }

    pub fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.errors))
        }
    }
}
