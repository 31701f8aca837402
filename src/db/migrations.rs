//! Migrations embedded in the binary, one folder per backend with the same steps.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;
use crate::error::{AppError, AppResult};

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// Applies every pending migration; returns the names of those applied.
pub fn run_pending(conn: &mut DbConnection) -> AppResult<Vec<String>> {
    let applied = match conn {
        DbConnection::Pg(c) => c
            .run_pending_migrations(POSTGRES)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE)
            .map(|v| v.iter().map(|m| m.to_string()).collect()),
    };
    applied.map_err(|e| AppError::internal(format!("migration failed: {e}")))
}

/// The names of the embedded migrations of each backend, for the parity test.
pub fn embedded_names() -> (Vec<String>, Vec<String>) {
    use diesel::migration::MigrationSource;
    let names = |source: EmbeddedMigrations| -> Vec<String> {
        MigrationSource::<diesel::pg::Pg>::migrations(&source)
            .map(|ms| ms.iter().map(|m| m.name().to_string()).collect())
            .unwrap_or_default()
    };
    (names(POSTGRES), names(SQLITE))
}
