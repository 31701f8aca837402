//! The command line: `serve`, `migrate`, `seed`. Each command is a thin shell over the
//! library; errors come back as one line, never a panic.

use std::io::Write;

use clap::{Args, Parser, Subcommand};

use crate::{
    config::{DEFAULT_BIND, DEFAULT_CACHE_CONTROL, DatabaseUrl, Settings},
    db::Db,
    error::{AppError, AppResult},
    seed,
    service::ContentService,
    startup::Application,
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
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Load content: the demo newsroom, or a generated dataset for benchmarks.
    Seed(SeedArgs),
}

#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// `postgres://…`, `sqlite://PATH` or a file path. Default: an SQLite file in ./data/.
    #[arg(long, env = "DATABASE_URL", default_value = crate::config::DEFAULT_SQLITE_PATH)]
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
    /// Answer GraphQL introspection queries (`false` hides the schema).
    #[arg(long, env = "BYLINE_GRAPHQL_INTROSPECTION", default_value_t = true, action = clap::ArgAction::Set)]
    pub graphql_introspection: bool,
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
}

/// Connects and brings the schema up to date.
fn open(url: &DatabaseUrl, pool_size: u32) -> AppResult<Db> {
    let db = Db::connect(url, pool_size)?;
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
        Command::Serve(args) => serve(args).await,
        Command::Migrate(args) => {
            let url = args.parse()?;
            let db = Db::connect(&url, 1)?;
            let applied = db.migrate()?;
            println!("{} migration(s) applied to {url}.", applied.len());
            Ok(())
        }
        Command::Seed(args) => {
            let url = args.database.parse()?;
            let db = open(&url, 2)?;
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
                load_demo(&ContentService::new(db)).await?;
            }
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> AppResult<()> {
    let url = args.database.parse()?;
    let db = open(&url, args.pool_size)?;
    let content = ContentService::new(db);
    if args.demo {
        load_demo(&content).await?;
    }
    let articles = content.count_articles().await?;
    let settings = Settings {
        bind: args.bind.clone(),
        database: url.clone(),
        pool_size: args.pool_size,
        cache_control: args.cache_control,
        cors_origins: args.cors_origins,
        workers: None,
        graphql_introspection: args.graphql_introspection,
    };
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
         Health:   {base}/readyz"
    );
    app.run_until_stopped()
        .await
        .map_err(|e| AppError::internal(format!("server stopped: {e}")))
}
