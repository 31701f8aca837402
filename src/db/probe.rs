//! The readiness probe's own connection: it answers whether the database does, within a
//! bounded time, whatever the pool is doing (a pool busy with slow requests is not a
//! database in trouble, and a frozen database must not hang the probe).

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use diesel::connection::SimpleConnection;

use super::{
    connection::{ConnectionManager, ManagedConnection},
    first_line,
};

/// What one probe found.
#[derive(Debug, Clone)]
pub struct ProbeReport {
    /// Whether the database answered `SELECT 1` in time.
    pub ok: bool,
    /// How long it took (or how long the probe waited).
    pub elapsed: Duration,
    /// What went wrong, in one line.
    pub problem: Option<String>,
}

/// One connection kept for probing, opened on first use and reopened after a failure.
#[derive(Clone)]
pub struct Probe {
    manager: ConnectionManager,
    conn: Arc<Mutex<Option<ManagedConnection>>>,
}

impl Probe {
    pub fn new(manager: ConnectionManager) -> Self {
        Probe {
            manager,
            conn: Arc::new(Mutex::new(None)),
        }
    }

    /// Probes the database, waiting at most `limit`.
    pub async fn run(&self, limit: Duration) -> ProbeReport {
        let started = Instant::now();
        let probe = self.clone();
        let task = actix_web::rt::task::spawn_blocking(move || probe.check());
        let problem = match actix_web::rt::time::timeout(limit, task).await {
            Ok(Ok(Ok(()))) => None,
            Ok(Ok(Err(problem))) => Some(problem),
            Ok(Err(_)) => Some("the probe failed".to_owned()),
            Err(_) => Some(format!(
                "the database did not answer within {} ms",
                limit.as_millis()
            )),
        };
        ProbeReport {
            ok: problem.is_none(),
            elapsed: started.elapsed(),
            problem,
        }
    }

    fn check(&self) -> Result<(), String> {
        // A probe still waiting on a frozen database holds the lock: say so, don't queue.
        let Ok(mut slot) = self.conn.try_lock() else {
            return Err("an earlier probe is still waiting for the database".to_owned());
        };
        // A kept connection that fails says little (the server may have been restarted
        // since): the answer is what a fresh connection finds.
        if let Some(conn) = slot.as_mut() {
            if conn.batch_execute("SELECT 1").is_ok() {
                return Ok(());
            }
            *slot = None;
        }
        let mut conn = self
            .manager
            .open()
            .map_err(|e| format!("cannot connect: {}", first_line(&e.to_string())))?;
        conn.batch_execute("SELECT 1").map_err(|e| {
            format!(
                "the database failed a query: {}",
                first_line(&e.to_string())
            )
        })?;
        *slot = Some(conn);
        Ok(())
    }
}
