//! The data layer: the pool, `Db::read`/`Db::write` that keep Diesel off the async workers,
//! the schema, row types and the queries.

mod connection;
pub mod convert;
pub mod migrations;
mod pool_stats;
pub mod queries;
pub mod rows;
pub mod schema;
pub mod timeout;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use diesel::Connection;

pub use connection::{DbConnection, MultiBackend, StatementCounter};
pub use pool_stats::PoolStats;

use crate::{
    config::DatabaseUrl,
    error::{AppError, AppResult},
};

pub type Pool = r2d2::Pool<connection::ConnectionManager>;

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    counter: StatementCounter,
    /// Checkout waits and timeouts, for `/metrics`.
    pool_stats: PoolStats,
    /// SQLite has one writer at a time: writers of this process queue here instead of
    /// racing for the file lock.
    sqlite_writer: Option<Arc<Mutex<()>>>,
}

impl Db {
    /// Connects (creating the SQLite file and its folder if needed) and checks that the
    /// database answers. Fails fast with a one-line reason.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> AppResult<Db> {
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
        let manager = connection::ConnectionManager::new(url.clone(), counter.clone());
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
            .connection_timeout(Duration::from_secs(2))
            // No ping per checkout: it would cost a round trip on every request. Broken
            // connections are dropped by `has_broken` instead.
            .test_on_check_out(false)
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .event_handler(Box::new(pool_stats.clone()))
            .build(manager)
            .map_err(|e| {
                AppError::unavailable(format!(
                    "cannot connect to {url}: {}",
                    first_line(&e.to_string())
                ))
            })?;
        let sqlite_writer = matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(())));
        Ok(Db {
            pool,
            url: url.clone(),
            counter,
            pool_stats,
            sqlite_writer,
        })
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
        let pool = self.pool.clone();
        actix_web::rt::task::spawn_blocking(move || work(&mut *pool.get()?))
            .await
            .map_err(AppError::internal)?
    }

    /// Runs database work in one transaction on the blocking pool.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
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
        let mut conn = self.pool.get()?;
        (*conn).transaction(work)
    }

    /// The blocking form of [`Db::read`], for the command line.
    pub fn read_blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T>,
    {
        work(&mut *self.pool.get()?)
    }

    /// Applies pending migrations.
    pub fn migrate(&self) -> AppResult<Vec<String>> {
        let _turn = self
            .sqlite_writer
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        migrations::run_pending(&mut *self.pool.get()?)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.read(|conn| {
            diesel::connection::SimpleConnection::batch_execute(conn, "SELECT 1")
                .map_err(AppError::from)
        })
        .await
        .is_ok()
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}
