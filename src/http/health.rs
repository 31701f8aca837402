//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::{AppState, problem::Problem};
use crate::error::{AppError, AppResult};

/// Longest the readiness probe waits for the database.
const READY_PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Health status.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthJson {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgresql` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
    /// What the readiness probe found (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<ReadyChecks>,
}

/// What the readiness probe found.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadyChecks {
    /// Milliseconds the database took to answer `SELECT 1` on the probe's own connection.
    pub database_ms: f64,
    /// Connections the pool holds open.
    pub pool_connections: u32,
    /// Of those, connections idle right now.
    pub pool_idle: u32,
    /// Connections the pool may open.
    pub pool_max: u32,
}

/// The process is alive.
#[utoipa::path(operation_id = "healthz", tag = "health", responses((status = 200, description = "Alive", body = HealthJson)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthJson {
            status: "ok",
            database: None,
            checks: None,
        })
}

/// The database answers (within a second, on a connection of the probe's own, so a pool busy
/// with requests does not count as trouble) and the server is not shutting down.
#[utoipa::path(
    operation_id = "readyz",
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthJson),
        (status = 503, description = "The database does not answer in time, or the server is draining before it stops", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    if state.is_draining() {
        return Err(AppError::unavailable(
            "the server is shutting down and finishing the requests it has",
        ));
    }
    let db = state.content.db();
    let report = db.probe(READY_PROBE_LIMIT).await;
    if let Some(problem) = report.problem {
        return Err(AppError::unavailable(problem));
    }
    let pool = db.pool_state();
    let (pool_connections, pool_idle) = (pool.connections, pool.idle_connections);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthJson {
            status: "ok",
            database: Some(db.url().backend_name()),
            checks: Some(ReadyChecks {
                database_ms: (report.elapsed.as_secs_f64() * 1e6).round() / 1e3,
                pool_connections,
                pool_idle,
                pool_max: db.pool_size(),
            }),
        }))
}
