//! One error type for the whole service, and the one table that maps each kind of error to
//! an HTTP status, an RFC 9457 problem `type`, and a GraphQL `extensions.code`.

use serde::Serialize;

/// What went wrong, independent of the surface (REST, GraphQL, CLI) that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A request parameter or input value is malformed.
    InvalidInput,
    /// A body failed validation; see the field errors.
    Validation,
    /// No valid credentials were presented.
    Unauthenticated,
    /// The credentials do not allow this.
    Forbidden,
    /// The thing asked for does not exist (or is not visible to the caller).
    NotFound,
    /// The thing existed and was withdrawn (unpublished or deleted).
    Gone,
    /// An upload is larger than allowed (bytes, or pixels once decoded).
    TooLarge,

    /// An `If-Match` or `version` no longer matches: someone else saved first.
    PreconditionFailed,
    /// A write must say which version it changes (`If-Match` or `version`).
    PreconditionRequired,
    /// The write clashes with existing content (a taken slug, a stale version).
    Conflict,
    /// The database or another dependency cannot be reached right now.
    Unavailable,
    /// Too much of one costly kind of work (searches) is running, another writer holds the
    /// SQLite lock, or a statement ran past its time limit; retry shortly. Other requests
    /// are still served.
    Busy,
    /// The caller sent more requests than its rate limit allows; retry after `Retry-After`.
    RateLimited,
    /// A bug or an unexpected failure; the cause is logged, never shown.
    Internal,
}

/// How an [`ErrorKind`] is presented on each surface.
pub struct KindInfo {
    pub status: u16,
    pub slug: &'static str,
    pub title: &'static str,
    pub graphql_code: &'static str,
    /// Seconds after which a retry may succeed: REST `Retry-After`, GraphQL
    /// `extensions.retryAfter`.
    pub retry_after: Option<u32>,
}

impl ErrorKind {
    pub fn info(self) -> KindInfo {
        let (status, slug, title, graphql_code) = match self {
            ErrorKind::InvalidInput => (
                400,
                "invalid-parameter",
                "Invalid parameter",
                "BAD_USER_INPUT",
            ),
            ErrorKind::Validation => (
                422,
                "validation-failed",
                "Validation failed",
                "BAD_USER_INPUT",
            ),
            ErrorKind::Unauthenticated => {
                (401, "unauthenticated", "Unauthenticated", "UNAUTHENTICATED")
            }
            ErrorKind::Forbidden => (403, "forbidden", "Forbidden", "FORBIDDEN"),
            ErrorKind::NotFound => (404, "not-found", "Not found", "NOT_FOUND"),
            ErrorKind::Gone => (410, "gone", "Gone", "NOT_FOUND"),
            ErrorKind::TooLarge => (413, "too-large", "Content too large", "BAD_USER_INPUT"),

            ErrorKind::PreconditionFailed => {
                (412, "version-conflict", "Version conflict", "CONFLICT")
            }
            ErrorKind::PreconditionRequired => (
                428,
                "version-required",
                "Version required",
                "BAD_USER_INPUT",
            ),
            ErrorKind::Conflict => (409, "conflict", "Conflict", "CONFLICT"),
            ErrorKind::Unavailable => (503, "unavailable", "Service unavailable", "UNAVAILABLE"),
            // The same GraphQL code as Unavailable: for a client both mean "retry later".
            ErrorKind::Busy => (503, "busy", "Too busy", "UNAVAILABLE"),
            ErrorKind::RateLimited => (429, "rate-limited", "Too many requests", "RATE_LIMITED"),
            ErrorKind::Internal => (500, "internal", "Internal error", "INTERNAL"),
        };
        let retry_after = match self {
            ErrorKind::Unavailable => Some(5),
            // A search slot frees up within about one search's time.
            ErrorKind::Busy => Some(1),
            // The least wait; the rate limiter sends the exact one (`http::rate_limit`).
            ErrorKind::RateLimited => Some(1),
            _ => None,
        };
        KindInfo {
            status,
            slug,
            title,
            graphql_code,
            retry_after,
        }
    }
}

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field, as named in the request.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The error every layer returns.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct AppError {
    pub kind: ErrorKind,
    /// Human-readable, safe to show to the caller.
    pub detail: String,
    /// The offending query parameter or argument, when there is one.
    pub parameter: Option<String>,
    /// Field errors of a failed validation.
    pub errors: Vec<FieldError>,
}

impl AppError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        AppError {
            kind,
            detail: detail.into(),
            parameter: None,
            errors: Vec::new(),
        }
    }

    /// A malformed request parameter, named so the caller knows which one to fix.
    pub fn invalid_parameter(parameter: &str, detail: impl Into<String>) -> Self {
        AppError {
            parameter: Some(parameter.to_owned()),
            ..Self::new(ErrorKind::InvalidInput, detail)
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        AppError {
            errors: errors.clone(),
            ..Self::new(
                ErrorKind::Validation,
                format!("invalid fields: {}", fields.join(", ")),
            )
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, what)
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, detail)
    }

    pub fn busy(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Busy, detail)
    }

    /// An unexpected failure: the cause goes to the log, the caller gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            ErrorKind::Internal,
            "an unexpected error occurred; it has been logged",
        )
    }
}

/// Whether PostgreSQL cancelled a statement for running past `statement_timeout` (SQLSTATE
/// 57014, which Diesel reports without a kind of its own; the server's message is English
/// unless `lc_messages` says otherwise).
pub fn is_statement_timeout(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("statement timeout"))
}

/// Whether the server went away under a connection (PostgreSQL terminated the backend, was
/// restarted, or the network dropped): the connection must not be used again. libpq reports
/// most of these without SQLSTATE, so its messages are read too.
pub fn is_connection_lost(err: &diesel::result::Error) -> bool {
    const LOST: [&str; 9] = [
        "no connection to the server",
        "server closed the connection",
        "terminating connection",
        "connection to server",
        "could not receive data from server",
        "could not send data to server",
        "SSL connection has been closed",
        "SSL SYSCALL error",
        "the database system is shutting down",
    ];
    match err {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        diesel::result::Error::DatabaseError(_, info) => {
            let message = info.message();
            LOST.iter().any(|m| message.contains(m))
        }
        _ => false,
    }
}

/// Whether SQLite could not take its lock within the busy timeout (another process writes).
pub fn is_database_locked(err: &diesel::result::Error) -> bool {
    matches!(err, diesel::result::Error::DatabaseError(_, info)
        if info.message().contains("database is locked") || info.message().contains("database table is locked"))
}

/// What a database error means, whichever backend raised it. SQLite reports some constraint
/// failures without an extended code, so its messages are read too.
pub fn constraint_of(err: &diesel::result::Error) -> Option<diesel::result::DatabaseErrorKind> {
    use diesel::result::{DatabaseErrorKind as D, Error as E};
    match err {
        E::DatabaseError(D::UniqueViolation, _) => Some(D::UniqueViolation),
        E::DatabaseError(D::ForeignKeyViolation, _) => Some(D::ForeignKeyViolation),
        E::DatabaseError(_, info)
            if info.message().starts_with("FOREIGN KEY constraint failed") =>
        {
            Some(D::ForeignKeyViolation)
        }
        E::DatabaseError(_, info) if info.message().starts_with("UNIQUE constraint failed") => {
            Some(D::UniqueViolation)
        }
        _ => None,
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as D, Error as E};
        match (constraint_of(&err), err) {
            (Some(D::UniqueViolation), _) => AppError::new(
                ErrorKind::Conflict,
                "already exists: another record has this slug or name",
            ),
            (Some(_), _) => AppError::validation(vec![FieldError {
                field: "reference".into(),
                message: "refers to something that does not exist".into(),
            }]),
            (None, E::NotFound) => AppError::not_found("not found"),
            (None, err) if is_connection_lost(&err) => {
                tracing::warn!(%err, "a database connection was lost");
                AppError::unavailable("the database connection was lost; retry shortly")
            }
            (None, err) if is_database_locked(&err) => {
                tracing::warn!(%err, "the SQLite write lock could not be had in time");
                AppError::busy("the database is busy with another writer; retry shortly")
            }
            (None, err) if is_statement_timeout(&err) => {
                tracing::warn!(%err, "a statement ran past its time limit");
                AppError::busy(
                    "the request took too long and was stopped; narrow it (rarer words, a filter) or retry later",
                )
            }
            (None, other) => AppError::internal(other),
        }
    }
}

impl From<r2d2::Error> for AppError {
    fn from(err: r2d2::Error) -> Self {
        tracing::warn!(%err, "database pool could not hand out a connection");
        AppError::unavailable("the database is not reachable right now")
    }
}

pub type AppResult<T> = Result<T, AppError>;
