//! The one connection type for both backends, and the pool manager that opens it.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use diesel::{
    connection::{Instrumentation, InstrumentationEvent, SimpleConnection},
    pg::PgConnection,
    prelude::*,
    sqlite::SqliteConnection,
};

use super::tuning::SqliteTuning;
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

/// When a connection of the pool was last found lost: after a database restart every idle
/// connection is dead, so for a while each one is tested before it is handed out. Read on
/// every checkout, so an atomic (milliseconds since `base`) rather than a lock.
#[derive(Clone)]
pub struct LossClock {
    base: Instant,
    /// Milliseconds after `base` until which connections are suspect; 0 when none was lost.
    suspect_until: Arc<AtomicU64>,
}

/// How long after a lost connection the pool's connections are tested before use.
const SUSPICION: Duration = Duration::from_secs(30);

impl LossClock {
    fn new() -> Self {
        LossClock {
            base: Instant::now(),
            suspect_until: Arc::new(AtomicU64::new(0)),
        }
    }

    fn millis_now(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record(&self) {
        let until = self
            .millis_now()
            .saturating_add(SUSPICION.as_millis() as u64);
        self.suspect_until.store(until, Ordering::Relaxed);
    }

    /// Whether a connection was lost recently enough that others may be dead too.
    pub fn suspicious(&self) -> bool {
        let until = self.suspect_until.load(Ordering::Relaxed);
        until != 0 && self.millis_now() < until
    }
}

/// What each connection reports as it runs statements: the count, and whether the server
/// went away under it (so the pool drops it instead of handing it out again).
struct ConnectionWatch {
    counter: StatementCounter,
    lost: Arc<AtomicBool>,
    clock: LossClock,
}

impl Instrumentation for ConnectionWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => {
                self.counter.0.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery {
                error: Some(error), ..
            } if crate::error::is_connection_lost(error) => {
                self.lost.store(true, Ordering::Relaxed);
                self.clock.record();
            }
            _ => {}
        }
    }
}

/// A pooled connection: the connection and whether it was found lost.
pub struct ManagedConnection {
    conn: DbConnection,
    lost: Arc<AtomicBool>,
}

impl ManagedConnection {
    /// Marks the connection as dead: the pool drops it when it comes back.
    pub fn discard(&self) {
        self.lost.store(true, Ordering::Relaxed);
    }

    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }
}

impl Deref for ManagedConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for ManagedConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Opens connections of the backend named by the URL, set up the way Byline needs them.
#[derive(Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    counter: StatementCounter,
    clock: LossClock,
    /// PostgreSQL's `statement_timeout` for every statement of the connection.
    statement_timeout: Option<Duration>,
    /// SQLite's page cache and memory map per connection.
    sqlite: SqliteTuning,
}

impl ConnectionManager {
    pub fn new(
        url: DatabaseUrl,
        counter: StatementCounter,
        statement_timeout: Option<Duration>,
    ) -> Self {
        ConnectionManager {
            url,
            counter,
            clock: LossClock::new(),
            statement_timeout,
            sqlite: SqliteTuning::default(),
        }
    }

    /// The same manager with SQLite connections opened with `tuning`.
    pub fn with_sqlite_tuning(mut self, tuning: SqliteTuning) -> Self {
        self.sqlite = tuning;
        self
    }

    pub fn loss_clock(&self) -> &LossClock {
        &self.clock
    }

    /// Opens a connection outside any pool (the readiness probe keeps one of its own).
    pub fn open(&self) -> ConnectionResult<ManagedConnection> {
        let lost = Arc::new(AtomicBool::new(false));
        let mut conn = match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(&with_connect_timeout(url))?;
                if let Some(limit) = self.statement_timeout {
                    // 0 would mean "no limit" to PostgreSQL, so the shortest limit is 1 ms.
                    let ms = limit.as_millis().clamp(1, i32::MAX as u128);
                    conn.batch_execute(&format!("SET statement_timeout = {ms}"))
                        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                }
                DbConnection::Pg(conn)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL: readers never block the writer. FULL sync: an acknowledged write
                // survives a crash. The busy timeout makes a second writer wait, not fail.
                // The cache and map bound what each pooled connection keeps in memory.
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; {}",
                    self.sqlite.pragmas()
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                DbConnection::Sqlite(conn)
            }
        };
        conn.set_instrumentation(ConnectionWatch {
            counter: self.counter.clone(),
            lost: lost.clone(),
            clock: self.clock.clone(),
        });
        Ok(ManagedConnection { conn, lost })
    }
}

/// A PostgreSQL outage should answer quickly, not hang on TCP.
pub(super) fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=2")
    } else {
        format!("{url}?connect_timeout=2")
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = ManagedConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<ManagedConnection, ConnectionError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut ManagedConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectionError::BadConnection(e.to_string()))
    }

    /// A connection whose server went away, or whose transaction state is unknown, is
    /// never handed out again (diesel alone misses a connection the server terminated).
    fn has_broken(&self, conn: &mut ManagedConnection) -> bool {
        std::thread::panicking()
            || conn.is_lost()
            || diesel::r2d2::R2D2Connection::is_broken(&mut conn.conn)
    }
}
