//! Logging through `tracing`; `RUST_LOG` overrides the default level.

use tracing_subscriber::EnvFilter;

/// Byline's own lines from `info`, others' from `warn`. actix-http's connection dispatcher
/// logs every malformed request a client sends (bad request lines, oversize heads, broken
/// bodies) at ERROR: those are the client's mistakes, answered with a 4xx, not the
/// operator's business (a fuzzing run wrote ~1 550 of them). Server-side causes are logged by
/// Byline where they arise.
pub const DEFAULT_LOG_FILTER: &str = "byline=info,warn,actix_http::h1::dispatcher=off";

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
