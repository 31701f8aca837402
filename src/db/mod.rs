//! The data layer: the pool, `Db::read`/`Db::write` that keep Diesel off the async workers,
//! the schema, row types and the queries.

pub mod body_backfill;
mod connection;
pub mod convert;
pub mod listen;
pub mod migrations;
mod pool_stats;
pub mod probe;
pub mod queries;
pub mod rows;
pub mod schema;
pub mod timeout;
pub mod timestamps;
mod transaction;
pub mod tuning;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

pub use connection::{DbConnection, ManagedConnection, MultiBackend, StatementCounter};
pub use pool_stats::PoolStats;
pub use tuning::SqliteTuning;

use crate::{
    config::DatabaseUrl,
    error::{AppError, AppResult},
};

pub type Pool = r2d2::Pool<connection::ConnectionManager>;

/// How long a request waits for a pooled connection before it gets a 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// Bounds on the database work of one request.
#[derive(Debug, Clone, Copy)]
pub struct DbLimits {
    /// Longest one statement may run: PostgreSQL stops it (`statement_timeout`); on both
    /// backends the request stops waiting for its work a little after this (a 503), even when
    /// the server does not answer at all.
    pub statement_timeout: Option<Duration>,
}

impl Default for DbLimits {
    fn default() -> Self {
        DbLimits {
            statement_timeout: Some(Duration::from_secs(5)),
        }
    }
}

impl DbLimits {
    /// No limits: for the command line (migrations and synthetic loads may run long).
    pub fn unbounded() -> Self {
        DbLimits {
            statement_timeout: None,
        }
    }
}

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    manager: connection::ConnectionManager,
    url: DatabaseUrl,
    counter: StatementCounter,
    limits: DbLimits,
    /// Checkout waits and timeouts, for `/metrics`.
    pool_stats: PoolStats,
    /// SQLite has one writer at a time: writers of this process queue here instead of
    /// racing for the file lock.
    sqlite_writer: Option<Arc<Mutex<()>>>,
    probe: probe::Probe,
}

impl Db {
    /// Connects with the default limits; see [`Db::connect_with`].
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> AppResult<Db> {
        Db::connect_with(url, pool_size, DbLimits::default())
    }

    /// Connects (creating the SQLite file and its folder if needed) and checks that the
    /// database answers. Fails fast with a one-line reason.
    pub fn connect_with(url: &DatabaseUrl, pool_size: u32, limits: DbLimits) -> AppResult<Db> {
        Db::connect_tuned(url, pool_size, limits, SqliteTuning::default())
    }

    /// [`Db::connect_with`], with SQLite connections opened with `tuning`.
    pub fn connect_tuned(
        url: &DatabaseUrl,
        pool_size: u32,
        limits: DbLimits,
        tuning: SqliteTuning,
    ) -> AppResult<Db> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                AppError::unavailable(format!(
                    "cannot create the database folder {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let counter = StatementCounter::default();
        let pool_stats = PoolStats::default();
        let manager = connection::ConnectionManager::new(
            url.clone(),
            counter.clone(),
            limits.statement_timeout,
        )
        .with_sqlite_tuning(tuning);
        // Open one connection first: the pool would only say that it timed out, not why.
        r2d2::ManageConnection::connect(&manager).map_err(|e| {
            AppError::unavailable(format!(
                "cannot connect to {url}: {}",
                first_line(&e.to_string())
            ))
        })?;
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // Connections open on demand, never in the background: r2d2 opens them on worker
            // threads, and one still inside libpq's TLS handshake when a command exits crashed
            // the process (SIGSEGV in OpenSSL's exit handlers).
            .min_idle(Some(0))
            .connection_timeout(CHECKOUT_TIMEOUT)
            // No ping per checkout: it would cost a round trip on every request. Broken
            // connections are dropped by `has_broken` instead.
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .event_handler(Box::new(pool_stats.clone()))
            .build(manager.clone())
            .map_err(|e| {
                AppError::unavailable(format!(
                    "cannot connect to {url}: {}",
                    first_line(&e.to_string())
                ))
            })?;
        let sqlite_writer = matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            probe: probe::Probe::new(manager.clone()),
            manager,
            url: url.clone(),
            counter,
            limits,
            pool_stats,
            sqlite_writer,
        })
    }

    /// A connection from the pool. Shortly after one was found lost (a database restart
    /// kills them all), each is tested first and dead ones are dropped, so only the request
    /// that found the first one sees a 503.
    fn checkout(&self) -> AppResult<r2d2::PooledConnection<connection::ConnectionManager>> {
        let mut conn = self.pool.get()?;
        if !self.manager.loss_clock().suspicious() {
            return Ok(conn);
        }
        for _ in 0..=self.pool.max_size() {
            if r2d2::ManageConnection::is_valid(&self.manager, &mut conn).is_ok() {
                return Ok(conn);
            }
            conn.discard();
            drop(conn);
            conn = self.pool.get()?;
        }
        Ok(conn)
    }

    /// How long a request waits for its database work: the statement limit, plus the
    /// checkout and a margin; `None` when statements are unbounded.
    fn wait_limit(&self) -> Option<Duration> {
        self.limits
            .statement_timeout
            .map(|limit| limit + CHECKOUT_TIMEOUT + Duration::from_secs(1))
    }

    /// Runs blocking read work on the blocking pool, waiting at most [`Db::wait_limit`].
    /// Work that overruns keeps its thread and connection until the database answers; the
    /// request gets a 503 at once.
    async fn read_on_blocking_pool<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce() -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let task = actix_web::rt::task::spawn_blocking(work);
        let joined = match self.wait_limit() {
            Some(limit) => actix_web::rt::time::timeout(limit, task)
                .await
                .map_err(|_| {
                    tracing::warn!(
                        limit_ms = limit.as_millis() as u64,
                        "the database did not answer in time"
                    );
                    AppError::unavailable("the database did not answer in time")
                })?,
            None => task.await,
        };
        joined.map_err(AppError::internal)?
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Connections the pool keeps at most.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Connections open now and how many of them are idle.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    /// Checkout waits and timeouts so far.
    pub fn pool_stats(&self) -> &PoolStats {
        &self.pool_stats
    }

    /// SQL statements run through this handle so far.
    pub fn statements_run(&self) -> u64 {
        self.counter.get()
    }

    /// Runs read-only database work on the blocking pool.
    pub async fn read<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.clone();
        self.read_on_blocking_pool(move || db.read_blocking(work))
            .await
    }

    /// Runs a short, keyed read (an article, a page of a list, the relations of a page).
    ///
    /// On SQLite it runs right here on the calling worker when a pooled connection is idle:
    /// such a read takes tens of microseconds, and handing it to a blocking thread and back
    /// cost more than the read itself (the profile in `docs/benchmarks.md`). SQLite has no
    /// statement timeout, so the blocking pool's wait limit never stopped the work either, and
    /// a read in WAL mode does not wait for writers. Everything else, and PostgreSQL (whose
    /// reads wait on the network), goes through [`Db::read`]. Searches and other long reads
    /// must use [`Db::read`]: a long read here would hold up the worker's other requests.
    pub async fn read_short<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(mut conn) = self.idle_sqlite_connection() {
            return work(&mut conn);
        }
        self.read(work).await
    }

    /// An idle pooled SQLite connection, if one is free right now and none was lost lately
    /// (then [`Db::checkout`] tests them, which is not for the worker to wait on).
    fn idle_sqlite_connection(
        &self,
    ) -> Option<r2d2::PooledConnection<connection::ConnectionManager>> {
        if !matches!(self.url, DatabaseUrl::Sqlite(_)) || self.manager.loss_clock().suspicious() {
            return None;
        }
        self.pool.try_get()
    }

    /// Runs database work in one transaction on the blocking pool.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        // Not abandoned at the wait limit like a read: a write answered 503 that commits
        // later would be retried and saved twice. Each statement is bounded by the database
        // (statement_timeout, SQLite's busy timeout); only the request timeout, when the
        // database stops answering altogether, gives up on one.
        let db = self.clone();
        actix_web::rt::task::spawn_blocking(move || db.write_blocking(work))
            .await
            .map_err(AppError::internal)?
    }

    /// The blocking form of [`Db::write`], for the command line.
    pub fn write_blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T>,
    {
        let _turn = self
            .sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let mut conn = self.checkout()?;
        transaction::write_transaction(&mut conn, work)
    }

    /// The blocking form of [`Db::read`], for the command line.
    pub fn read_blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T>,
    {
        let mut conn = self.checkout()?;
        work(&mut conn)
    }

    /// Applies pending migrations.
    pub fn migrate(&self) -> AppResult<Vec<String>> {
        let _turn = self
            .sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        // Migrations may run longer than requests are allowed to, so on a connection of
        // their own without the statement limit.
        let mut conn =
            connection::ConnectionManager::new(self.url.clone(), self.counter.clone(), None)
                .open()
                .map_err(|e| {
                    AppError::unavailable(format!("cannot connect to {}: {e}", self.url))
                })?;
        let applied = migrations::run_pending(&mut conn)?;
        let derived = body_backfill::run(&mut conn).map_err(|e| {
            AppError::internal(format!(
                "deriving the block documents of stored bodies failed: {e}"
            ))
        })?;
        if derived > 0 {
            tracing::info!(derived, "block documents derived from stored bodies");
        }
        Ok(applied)
    }

    /// Whether the database answers, on a connection outside the pool (a pool busy with
    /// requests is not a database in trouble), within `limit`.
    pub async fn probe(&self, limit: Duration) -> probe::ProbeReport {
        self.probe.run(limit).await
    }
}

/// The first line of an error message, trimmed: driver errors run over several lines.
pub(crate) fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}
