//! Typed settings. The database URL's scheme picks the backend.

use std::{fmt, path::PathBuf, str::FromStr, time::Duration};

/// Where the embedded default database lives, relative to the working directory.
/// Default limit of open realtime streams per instance.
pub const DEFAULT_STREAM_MAX_CONNECTIONS: usize = 10_000;
/// Default replay window of the realtime stream, in minutes.
pub const DEFAULT_STREAM_RETENTION_MINUTES: u64 = 60;
pub const DEFAULT_SQLITE_PATH: &str = "data/byline.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";
/// The frontend's home page until `BYLINE_SITE_URL` says otherwise.
pub const DEFAULT_SITE_URL: &str = "https://example.com";
pub const DEFAULT_SITE_NAME: &str = "Byline";
/// A path is taken relative to the site URL; a full `https://…` template stands alone.
pub const DEFAULT_ARTICLE_URL_TEMPLATE: &str = "/{section}/{slug}";
/// Megabytes the response cache may hold by default.
pub const DEFAULT_RESPONSE_CACHE_MB: u64 = 64;
/// The sitemaps.org limit of URLs in one sitemap file.
pub const MAX_SITEMAP_PAGE_SIZE: u32 = 50_000;

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
    /// Threads running database work, all workers together; `None`: the pool size and two
    /// more (for the readiness probe and work not holding a connection). Each idle-then-busy
    /// thread keeps a stack and a malloc arena, and more threads than connections only wait.
    pub blocking_threads: Option<usize>,
    /// Whether GraphQL answers introspection queries.
    pub graphql_introspection: bool,
    /// The frontend's home page (`BYLINE_SITE_URL`): the link of feeds and ninjs items.
    pub site_url: String,
    /// The publication's name, in feed titles, ninjs and the Google News sitemap.
    pub site_name: String,
    /// Where the frontend shows an article (`BYLINE_ARTICLE_URL_TEMPLATE`), with the
    /// placeholders `{slug}`, `{section}`, `{id}`, `{year}`, `{month}` and `{day}`. A path is
    /// taken relative to `site_url`.
    pub article_url_template: String,
    /// Whether feeds carry whole articles or summaries.
    pub feed_content: FeedContent,
    /// Byline's own public base URL, for feed self links and the sitemap index; `None` takes
    /// the scheme and host of each request.
    pub public_url: Option<String>,
    /// How old a change must be before the syndication change stream serves it, so that a
    /// write committing just after a partner's poll cannot slip behind the partner's cursor.
    pub syndication_settle: std::time::Duration,
    /// URLs in one sitemap page (at most [`MAX_SITEMAP_PAGE_SIZE`]).
    pub sitemap_page_size: u32,
    /// Open realtime streams (`/v1/stream`) this instance serves at once; one more gets 503.
    pub stream_max_connections: usize,
    /// How far back `Last-Event-ID` is replayed; a client further behind is told to refetch.
    pub stream_retention: std::time::Duration,
    /// How often an idle realtime stream sends a comment: it keeps proxies from closing the
    /// stream, and it is how a client that went away is noticed (its slot freed).
    pub stream_heartbeat: std::time::Duration,
    /// The realtime stream's settling time: how old a write must be before it is streamed
    /// (shorter than the partner stream's, since streams want it soon).
    pub stream_settle: std::time::Duration,
    /// Whether public reads need a key of any role (off: anyone may read published content).
    pub require_content_key: bool,
    /// Requests per minute per key role and per anonymous client address.
    pub rate_limits: crate::http::rate_limit::RateLimits,
    /// Who may read `/metrics`.
    pub metrics: crate::http::metrics::MetricsAccess,
    /// How long a request's body and the whole request may take.
    pub request_limits: RequestLimits,
    /// On shutdown: how long `/readyz` answers 503 while requests are still served, so load
    /// balancers stop sending before the listener closes.
    pub shutdown_drain: Duration,
    /// On shutdown: how long requests in flight (and webhook attempts) may take to finish.
    pub shutdown_timeout: Duration,
    /// Bytes the response cache of public reads may hold; 0 turns it off.
    pub response_cache_bytes: u64,
}

/// Time limits of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// From the start of the request until its body has arrived.
    pub body_timeout: Duration,
    /// From the start of the request until the head of the answer is ready.
    pub request_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// What the feeds carry of each article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeedContent {
    /// The whole body as HTML, with the summary.
    #[default]
    Full,
    /// The summary only (the standfirst, or the start of the text).
    Summary,
}

impl FromStr for FeedContent {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "full" => Ok(FeedContent::Full),
            "summary" => Ok(FeedContent::Summary),
            other => Err(format!(
                "unknown feed content `{other}`; expected `full` or `summary`"
            )),
        }
    }
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
            blocking_threads: None,
            graphql_introspection: true,
            site_url: DEFAULT_SITE_URL.into(),
            site_name: DEFAULT_SITE_NAME.into(),
            article_url_template: DEFAULT_ARTICLE_URL_TEMPLATE.into(),
            feed_content: FeedContent::Full,
            public_url: None,
            syndication_settle: std::time::Duration::from_secs(2),
            sitemap_page_size: MAX_SITEMAP_PAGE_SIZE,
            stream_max_connections: DEFAULT_STREAM_MAX_CONNECTIONS,
            stream_retention: Duration::from_secs(DEFAULT_STREAM_RETENTION_MINUTES * 60),
            stream_settle: std::time::Duration::from_millis(500),
            stream_heartbeat: std::time::Duration::from_secs(15),
            require_content_key: false,
            request_limits: RequestLimits::default(),
            shutdown_drain: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(30),
            rate_limits: Default::default(),
            metrics: Default::default(),
            response_cache_bytes: DEFAULT_RESPONSE_CACHE_MB * 1024 * 1024,
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
