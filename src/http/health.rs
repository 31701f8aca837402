//! Liveness and readiness probes for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::{AppState, problem::Problem};
use crate::error::{AppError, AppResult};

/// Health status.
#[derive(Serialize, utoipa::ToSchema)]
pub struct HealthJson {
    /// `ok`.
    pub status: &'static str,
    /// `sqlite` or `postgresql` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = HealthJson)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthJson {
            status: "ok",
            database: None,
        })
}

/// The database answers, so requests can be served.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = HealthJson),
        (status = 503, description = "The database does not answer", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let db = state.content.db();
    if !db.ping().await {
        return Err(AppError::unavailable("the database does not answer"));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(HealthJson {
            status: "ok",
            database: Some(db.url().backend_name()),
        }))
}
