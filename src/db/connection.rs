//! The one connection type for both backends, and the pool manager that opens it.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use diesel::{
    connection::{Instrumentation, InstrumentationEvent, SimpleConnection},
    pg::PgConnection,
    prelude::*,
    sqlite::SqliteConnection,
};

use crate::config::DatabaseUrl;

/// A connection to PostgreSQL or SQLite; queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Counts every SQL statement a pool's connections run, so tests can prove that loading a
/// page costs a constant number of queries.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Opens connections of the backend named by the URL, set up the way Byline needs them.
pub struct ConnectionManager {
    url: DatabaseUrl,
    counter: StatementCounter,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl, counter: StatementCounter) -> Self {
        ConnectionManager { url, counter }
    }

    fn open(&self) -> ConnectionResult<DbConnection> {
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => {
                DbConnection::Pg(PgConnection::establish(&with_connect_timeout(url))?)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL: readers never block the writer. FULL sync: an acknowledged write
                // survives a crash. The busy timeout makes a second writer wait, not fail.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                DbConnection::Sqlite(conn)
            }
        };
        conn.set_instrumentation(self.counter.clone());
        Ok(conn)
    }
}

/// A PostgreSQL outage should answer quickly, not hang on TCP.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=2")
    } else {
        format!("{url}?connect_timeout=2")
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || diesel::r2d2::R2D2Connection::is_broken(conn)
    }
}
