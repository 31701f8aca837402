//! The command line: `serve`, `migrate`, `seed`. Each command is a thin shell over the
//! library; errors come back as one line, never a panic.

use std::{io::Write, time::Duration};

use clap::{Args, Parser, Subcommand};

use crate::{
    config::{DEFAULT_BIND, DEFAULT_CACHE_CONTROL, DatabaseUrl, Settings},
    db::{Db, DbLimits},
    error::{AppError, AppResult},
    seed,
    service::{ContentService, search_limits::SearchLimits},
    startup::Application,
    webhooks::{dispatcher::DispatchSettings, retry::RetryPolicy},
};

/// Byline: a headless news content API (REST, GraphQL) on SQLite or PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "byline", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API (applies pending migrations first).
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Load content: the demo newsroom, or a generated dataset for benchmarks.
    Seed(Box<SeedArgs>),
    /// Manage API keys: create (the key is printed once), list, revoke.
    Keys(KeysArgs),
}

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub action: KeysAction,
}

#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Create a key and print it; it is stored only as a hash and cannot be shown again.
    Create {
        /// content, partner, contributor, editor or admin.
        #[arg(long)]
        role: crate::auth::Role,
        /// Who or what the key is for, e.g. "cms" or "ana@newsroom".
        #[arg(long)]
        name: String,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key by id; it stops working at once.
    Revoke {
        /// The key's id, as `keys list` shows it.
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `postgres://…`, `sqlite://PATH` or a file path. Default: an SQLite file in ./data/.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = crate::config::DEFAULT_SQLITE_PATH)]
    pub database_url: String,
}

impl DatabaseArgs {
    fn parse(&self) -> AppResult<DatabaseUrl> {
        self.database_url.parse().map_err(|why: String| {
            AppError::invalid_parameter("database-url", format!("bad --database-url: {why}"))
        })
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on.
    #[arg(long, env = "BYLINE_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    /// Load the demo newsroom when the database has no articles.
    #[arg(long)]
    pub demo: bool,
    /// Database connections kept open.
    #[arg(long, env = "BYLINE_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// `Cache-Control` sent with public reads.
    #[arg(long, env = "BYLINE_CACHE_CONTROL", default_value = DEFAULT_CACHE_CONTROL)]
    pub cache_control: String,
    /// Comma-separated origins allowed by CORS (`*` for any).
    #[arg(
        long,
        env = "BYLINE_CORS_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Seconds between runs of the scheduler that publishes due scheduled articles.
    #[arg(long, env = "BYLINE_SCHEDULER_INTERVAL", default_value_t = 5)]
    pub scheduler_interval: u64,
    /// Answer GraphQL introspection queries (`false` hides the schema).
    #[arg(long, env = "BYLINE_GRAPHQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphql_introspection: bool,
    /// The frontend's home page: the link of feeds and ninjs items.
    #[arg(long, env = "BYLINE_SITE_URL", default_value = crate::config::DEFAULT_SITE_URL)]
    pub site_url: String,
    /// The publication's name, in feed titles, ninjs and the Google News sitemap.
    #[arg(long, env = "BYLINE_SITE_NAME", default_value = crate::config::DEFAULT_SITE_NAME)]
    pub site_name: String,
    /// Where the frontend shows an article, e.g. `https://example.com/{section}/{slug}`;
    /// placeholders {slug} {section} {id} {year} {month} {day}; a path is relative to --site-url.
    #[arg(long, env = "BYLINE_ARTICLE_URL_TEMPLATE", default_value = crate::config::DEFAULT_ARTICLE_URL_TEMPLATE)]
    pub article_url_template: String,
    /// What feeds carry of each article: `full` (the body) or `summary`.
    #[arg(long, env = "BYLINE_FEED_CONTENT", default_value = "full")]
    pub feed_content: crate::config::FeedContent,
    /// Byline's own public base URL, for feed self links and the sitemap index (default: the
    /// scheme and host of each request).
    #[arg(long, env = "BYLINE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Public reads need an API key of any role (`content` keys are made for this).
    #[arg(long, env = "BYLINE_REQUIRE_CONTENT_KEY", default_value_t = false, action = clap::ArgAction::Set)]
    pub require_content_key: bool,
    /// Deliver webhooks from this instance (`false`: leave the outbox to other instances).
    #[arg(long, env = "BYLINE_WEBHOOKS", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhooks: bool,
    /// Seconds a webhook receiver has to answer.
    #[arg(long, env = "BYLINE_WEBHOOK_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout: u64,
    /// Seconds before the first retry of a failed delivery; each later wait doubles (up to an
    /// hour), with jitter.
    #[arg(long, env = "BYLINE_WEBHOOK_FIRST_RETRY", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub webhook_first_retry: u64,
    /// Seconds after an event is due beyond which failed deliveries are not retried.
    #[arg(long, env = "BYLINE_WEBHOOK_RETRY_FOR", default_value_t = 86_400)]
    pub webhook_retry_for: u64,
    /// Days finished webhook deliveries stay on record for the admin API.
    #[arg(long, env = "BYLINE_WEBHOOK_KEEP_DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    pub webhook_keep_days: u64,
    /// Private webhook targets to allow, comma-separated: address ranges (`10.0.0.0/8`, or one
    /// address) and host names (`hooks.internal`, trusted wherever it resolves). By default
    /// webhooks reach public addresses only.
    #[arg(long, env = "BYLINE_WEBHOOK_ALLOW_PRIVATE", default_value = "")]
    pub webhook_allow_private: crate::domain::webhook_target::TargetPolicy,
    /// Searches that run at once, over REST, GraphQL and the admin API together (default:
    /// half of --pool-size, so the other connections always serve other reads).
    #[arg(long, env = "BYLINE_SEARCH_CONCURRENCY", value_parser = clap::value_parser!(u32).range(1..))]
    pub search_concurrency: Option<u32>,
    /// Milliseconds a search waits for a turn when all are taken; then it gets a 503 with
    /// Retry-After.
    #[arg(long, env = "BYLINE_SEARCH_WAIT_MS", default_value_t = 500)]
    pub search_wait_ms: u64,
    /// Milliseconds one search statement may run on PostgreSQL before it is stopped (a 503);
    /// 0 for no limit. SQLite has no such limit.
    #[arg(long, env = "BYLINE_SEARCH_TIMEOUT_MS", default_value_t = 5000)]
    pub search_timeout_ms: u64,
    /// Milliseconds any one statement may run: PostgreSQL stops it (a 503); on both backends a
    /// request stops waiting for the database a little after this. 0 for no limit.
    #[arg(long, env = "BYLINE_STATEMENT_TIMEOUT_MS", default_value_t = 5000)]
    pub statement_timeout_ms: u64,
    /// Seconds a request's body may take to arrive before a 408.
    #[arg(long, env = "BYLINE_BODY_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub body_timeout: u64,
    /// Seconds a whole request may take before a 503.
    #[arg(long, env = "BYLINE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// On SIGTERM or Ctrl-C: seconds `/readyz` answers 503 while requests are still served,
    /// so load balancers stop sending before the listener closes.
    #[arg(long, env = "BYLINE_SHUTDOWN_DRAIN", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub shutdown_drain: u64,
    /// On shutdown: seconds requests in flight and webhook attempts may take to finish.
    #[arg(long, env = "BYLINE_SHUTDOWN_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub shutdown_timeout: u64,
    /// Megabytes of public answers kept in memory and served until a change evicts them
    /// (0: no response cache). Default: 64. On PostgreSQL every instance on the database
    /// hears every other's changes (LISTEN/NOTIFY) and serves nothing cached while it cannot.
    #[arg(long, env = "BYLINE_RESPONSE_CACHE_MB", default_value_t = crate::config::DEFAULT_RESPONSE_CACHE_MB, value_parser = clap::value_parser!(u64).range(0..=1_048_576))]
    pub response_cache_mb: u64,
    /// Realtime streams (`GET /v1/stream`) open at once on this instance; one more is
    /// answered 503 with `Retry-After`. Default: 10000.
    #[arg(long, env = "BYLINE_STREAM_MAX_CONNECTIONS", default_value_t = crate::config::DEFAULT_STREAM_MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub stream_max_connections: u64,
    /// Minutes of the realtime stream a client reconnecting with `Last-Event-ID` gets
    /// replayed; one further behind gets a `reset` event and refetches. Default: 60.
    #[arg(long, env = "BYLINE_STREAM_RETENTION_MINUTES", default_value_t = crate::config::DEFAULT_STREAM_RETENTION_MINUTES, value_parser = clap::value_parser!(u64).range(1..=10_080))]
    pub stream_retention_minutes: u64,
    /// Threads running database work, all workers together (default: --pool-size + 2).
    #[arg(long, env = "BYLINE_BLOCKING_THREADS", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub blocking_threads: Option<u64>,
    #[command(flatten)]
    pub sqlite: crate::db::tuning::SqliteTuningArgs,
    #[command(flatten)]
    pub rate_limits: crate::http::rate_limit::RateLimitArgs,
    #[command(flatten)]
    pub metrics: crate::http::metrics::MetricsArgs,
    #[command(flatten)]
    pub media: crate::media::args::MediaArgs,
}

impl ServeArgs {
    /// The search limits these arguments ask for.
    fn search_limits(&self) -> SearchLimits {
        let defaults = SearchLimits::for_pool(self.pool_size);
        let limits = SearchLimits {
            concurrency: self.search_concurrency.unwrap_or(defaults.concurrency),
            wait: Duration::from_millis(self.search_wait_ms),
            statement_timeout: (self.search_timeout_ms > 0)
                .then(|| Duration::from_millis(self.search_timeout_ms)),
        };
        if limits.concurrency >= self.pool_size && self.pool_size > 1 {
            tracing::warn!(
                search_concurrency = limits.concurrency,
                pool_size = self.pool_size,
                "searches may take every pool connection; set --search-concurrency below --pool-size"
            );
        }
        tracing::info!(
            concurrency = limits.concurrency,
            wait_ms = self.search_wait_ms,
            statement_timeout_ms = self.search_timeout_ms,
            "search limits"
        );
        limits
    }
}

#[derive(Debug, Args)]
#[group(id = "content", required = true, multiple = false, args = ["demo", "synthetic"])]
pub struct SeedArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Load the demo newsroom (skipped when the database has articles).
    #[arg(long)]
    pub demo: bool,
    /// Generate N articles with proportional authors, tags and sections (into an empty database).
    #[arg(long, value_name = "N")]
    pub synthetic: Option<usize>,
    /// Seed of the generator: the same seed gives the same content.
    #[arg(long, value_name = "S", default_value_t = 42, requires = "synthetic")]
    pub rng_seed: u64,
    /// Where the demo's pictures go: the store `serve` reads.
    #[command(flatten)]
    pub media: crate::media::args::MediaArgs,
}

fn open_media(args: &crate::media::args::MediaArgs) -> AppResult<crate::media::Media> {
    let settings = args
        .settings()
        .map_err(|why| AppError::invalid_parameter("media-resizer-url", why))?;
    crate::media::Media::open(settings)
        .map_err(|e| AppError::unavailable(format!("the media store cannot be opened: {e}")))
}

/// Connects and brings the schema up to date.
fn open(url: &DatabaseUrl, pool_size: u32, limits: DbLimits) -> AppResult<Db> {
    open_tuned(url, pool_size, limits, Default::default())
}

/// [`open`] with SQLite connections opened with `tuning`.
fn open_tuned(
    url: &DatabaseUrl,
    pool_size: u32,
    limits: DbLimits,
    tuning: crate::db::SqliteTuning,
) -> AppResult<Db> {
    let db = Db::connect_tuned(url, pool_size, limits, tuning)?;
    let applied = db.migrate()?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), "applied migrations");
    }
    Ok(db)
}

async fn load_demo(content: &ContentService) -> AppResult<()> {
    match seed::demo::load(content).await? {
        seed::demo::DemoOutcome::Loaded { articles } => {
            println!("Loaded the demo newsroom: {articles} articles.")
        }
        seed::demo::DemoOutcome::AlreadyHasContent => {
            println!("The database already has articles; demo content not loaded.")
        }
    }
    Ok(())
}

pub async fn run(cli: Cli) -> AppResult<()> {
    match cli.command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate(args) => {
            let url = args.parse()?;
            let db = Db::connect_with(&url, 1, DbLimits::unbounded())?;
            let applied = db.migrate()?;
            println!("{} migration(s) applied to {url}.", applied.len());
            Ok(())
        }
        Command::Seed(args) => {
            let url = args.database.parse()?;
            let db = open(&url, 2, DbLimits::unbounded())?;
            if let Some(count) = args.synthetic {
                let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let report = actix_web::rt::task::spawn_blocking(move || {
                    seed::synthetic::generate(&db, count, args.rng_seed, show_progress)
                })
                .await
                .map_err(AppError::internal)??;
                println!(
                    "Generated {} articles, {} authors, {} tags, {} sections into {url} in {:.1} s.",
                    report.articles,
                    report.authors,
                    report.tags,
                    report.sections,
                    report.elapsed.as_secs_f64()
                );
            } else {
                let media = open_media(&args.media)?;
                load_demo(&ContentService::new(db).with_media(media)).await?;
            }
            Ok(())
        }
        Command::Keys(args) => keys(args).await,
    }
}

async fn keys(args: KeysArgs) -> AppResult<()> {
    let url = args.database.parse()?;
    let content = ContentService::new(open(&url, 1, DbLimits::default())?);
    let mut out = std::io::stdout();
    match args.action {
        KeysAction::Create { role, name } => {
            let (key, secret) = content.create_key(name, role).await?;
            let _ = writeln!(
                out,
                "Created {} key `{}` (id {}). Store it now; it is not shown again:\n{secret}",
                key.role, key.name, key.id
            );
        }
        KeysAction::List => {
            for key in content.list_keys().await? {
                let state = key
                    .revoked_at
                    .map_or_else(|| "active".to_owned(), |t| format!("revoked {t}"));
                let _ = writeln!(
                    out,
                    "{}  {:<11}  byl_{}_…  {}  {}",
                    key.id, key.role, key.prefix, key.name, state
                );
            }
        }
        KeysAction::Revoke { id } => {
            content.revoke_key(&id).await?;
            let _ = writeln!(out, "Revoked key {id}.");
        }
    }
    Ok(())
}

fn dispatch_settings(args: &ServeArgs) -> DispatchSettings {
    let secs = std::time::Duration::from_secs;
    let defaults = DispatchSettings::default();
    DispatchSettings {
        timeout: secs(args.webhook_timeout),
        retry: RetryPolicy {
            first_delay: secs(args.webhook_first_retry),
            give_up_after: secs(args.webhook_retry_for),
            ..defaults.retry
        },
        keep_history: secs(args.webhook_keep_days * 24 * 3600),
        ..defaults
    }
}

async fn serve(args: ServeArgs) -> AppResult<()> {
    let url = args.database.parse()?;
    let statement_timeout =
        (args.statement_timeout_ms > 0).then(|| Duration::from_millis(args.statement_timeout_ms));
    let db = open_tuned(
        &url,
        args.pool_size,
        DbLimits { statement_timeout },
        args.sqlite.tuning(),
    )?;
    let media = open_media(&args.media)?;
    let content = ContentService::new(db)
        .with_search_limits(args.search_limits())
        .with_media(media);
    if !args.webhook_allow_private.is_empty() {
        tracing::info!(allowed = %args.webhook_allow_private, "private webhook targets allowed");
    }
    let content = content.with_webhook_targets(args.webhook_allow_private.clone());
    if args.demo {
        load_demo(&content).await?;
    }
    let articles = content.count_articles().await?;
    let admin_hint = if content.has_admin_key().await? {
        String::new()
    } else {
        format!(
            "\n  No admin key yet. Create one with: byline keys create --role admin --name you --database-url {url}"
        )
    };
    // Webhook payloads carry rendition URLs too (the server sets the same base once bound).
    let base = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.bind));
    let content = content.with_public_base(&base);
    crate::startup::spawn_scheduler(
        content.clone(),
        std::time::Duration::from_secs(args.scheduler_interval.max(1)),
    );
    let dispatcher = args.webhooks.then(|| {
        crate::webhooks::dispatcher::spawn_dispatcher(content.clone(), dispatch_settings(&args))
    });
    let settings = Settings {
        bind: args.bind.clone(),
        database: url.clone(),
        pool_size: args.pool_size,
        cache_control: args.cache_control,
        cors_origins: args.cors_origins,
        workers: None,
        blocking_threads: args.blocking_threads.map(|n| n as usize),
        graphql_introspection: args.graphql_introspection,
        site_url: args.site_url,
        site_name: args.site_name,
        article_url_template: args.article_url_template,
        feed_content: args.feed_content,
        public_url: args.public_url,
        require_content_key: args.require_content_key,
        request_limits: crate::config::RequestLimits {
            body_timeout: Duration::from_secs(args.body_timeout),
            request_timeout: Duration::from_secs(args.request_timeout),
        },
        shutdown_drain: Duration::from_secs(args.shutdown_drain),
        shutdown_timeout: Duration::from_secs(args.shutdown_timeout),
        rate_limits: args.rate_limits.settings(),
        metrics: args.metrics.settings(),
        response_cache_bytes: args.response_cache_mb * 1024 * 1024,
        stream_max_connections: usize::try_from(args.stream_max_connections).unwrap_or(usize::MAX),
        stream_retention: Duration::from_secs(args.stream_retention_minutes * 60),
        ..Settings::default()
    };
    crate::feeds::Publication::from_settings(&settings)
        .map_err(|why| AppError::invalid_parameter("site-url", why))?;
    let app = Application::build(settings, content)
        .map_err(|e| AppError::unavailable(format!("cannot listen on {}: {e}", args.bind)))?;
    let base = app.base_url();
    // A closed stdout (a supervisor that stopped reading) must not stop the server.
    let _ = writeln!(
        std::io::stdout(),
        "Byline is serving {articles} articles from {url}\n  \
         REST:     curl {base}/v1/articles?limit=3&fields=slug,title,published_at\n  \
         GraphQL:  {base}/graphql (GraphiQL in a browser)\n  \
         OpenAPI:  {base}/openapi.yaml\n  \
         Health:   {base}/readyz{admin_hint}"
    );
    app.stop_on_signals();
    let stopped = app
        .run_until_stopped()
        .await
        .map_err(|e| AppError::internal(format!("server stopped: {e}")));
    if let Some(dispatcher) = dispatcher {
        dispatcher
            .stop(Duration::from_secs(args.shutdown_timeout))
            .await;
    }
    stopped
}
