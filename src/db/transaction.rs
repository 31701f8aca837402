//! Write transactions. On SQLite they begin with `BEGIN IMMEDIATE`, taking the write lock
//! up front: a deferred transaction that reads first and then writes cannot wait for the
//! lock (SQLite answers `database is locked` at once, the busy timeout notwithstanding) when
//! another process wrote in between. PostgreSQL needs nothing of the sort.

use diesel::{
    Connection,
    connection::{AnsiTransactionManager, TransactionManager},
};

use super::DbConnection;
use crate::error::{AppError, AppResult};

type Manager = <DbConnection as Connection>::TransactionManager;

/// Runs `work` in one transaction: committed when it returns `Ok`, rolled back otherwise.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    match conn {
        DbConnection::Pg(_) => conn.transaction(work),
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            finish(conn, work)
        }
    }
}

/// Commits or rolls back the transaction begun on `conn`, as `Connection::transaction` does.
fn finish<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> AppResult<T>,
) -> AppResult<T> {
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => match Manager::rollback_transaction(conn) {
            Ok(()) | Err(diesel::result::Error::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(AppError::from(rollback)),
        },
    }
}
