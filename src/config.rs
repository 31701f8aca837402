//! Typed settings. The database URL's scheme picks the backend.

use std::{fmt, path::PathBuf, str::FromStr};

/// Where the embedded default database lives, relative to the working directory.
pub const DEFAULT_SQLITE_PATH: &str = "data/byline.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// A parsed `DATABASE_URL`: `postgres://…`, `sqlite://PATH`, or a plain file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn backend_name(&self) -> &'static str {
        match self {
            DatabaseUrl::Postgres(_) => "postgresql",
            DatabaseUrl::Sqlite(_) => "sqlite",
        }
    }
}

impl Default for DatabaseUrl {
    fn default() -> Self {
        DatabaseUrl::Sqlite(PathBuf::from(DEFAULT_SQLITE_PATH))
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.to_owned()));
        }
        if let Some(path) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(
                    "a sqlite:// URL needs a file path, e.g. sqlite://data/byline.db".into(),
                );
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = raw.split_once("://") {
            return Err(format!(
                "unsupported database URL scheme `{scheme}://`: use postgres://…, sqlite://PATH or a file path"
            ));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(raw)))
    }
}

impl fmt::Display for DatabaseUrl {
    /// Shown in logs, so a PostgreSQL password never appears.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Postgres(url) => {
                if let Some((scheme, rest)) = url.split_once("://")
                    && let Some((userinfo, host)) = rest.rsplit_once('@')
                    && let Some((user, _password)) = userinfo.split_once(':')
                {
                    return write!(f, "{scheme}://{user}:***@{host}");
                }
                f.write_str(url)
            }
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
        }
    }
}

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database: DatabaseUrl,
    /// Connections kept by the pool.
    pub pool_size: u32,
    /// `Cache-Control` sent with public reads.
    pub cache_control: String,
    /// Origins allowed by CORS; `*` allows any.
    pub cors_origins: Vec<String>,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Whether GraphQL answers introspection queries.
    pub graphql_introspection: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: DEFAULT_BIND.into(),
            database: DatabaseUrl::default(),
            pool_size: 8,
            cache_control: DEFAULT_CACHE_CONTROL.into(),
            cors_origins: vec!["*".into()],
            workers: None,
            graphql_introspection: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_schemes_pick_the_backend() {
        assert_eq!(
            "postgres://u@h/db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            "sqlite://x/y.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite("x/y.db".into()))
        );
        assert_eq!(
            "y.db".parse::<DatabaseUrl>(),
            Ok(DatabaseUrl::Sqlite("y.db".into()))
        );
        assert!("mysql://h/db".parse::<DatabaseUrl>().is_err());
        assert!("".parse::<DatabaseUrl>().is_err());
    }

    #[test]
    fn postgres_password_is_hidden_when_shown() {
        let url: DatabaseUrl = "postgres://bob:secret@db:5432/x"
            .parse()
            .unwrap_or_default();
        assert_eq!(url.to_string(), "postgres://bob:***@db:5432/x");
    }
}
