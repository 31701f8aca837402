//! The `byline` binary: parse the command line, set up logging, run the command.

use std::process::ExitCode;

use clap::Parser;

// jemalloc gives memory freed after a burst of requests back to the system; glibc's arenas
// keep it (see "Memory under load" in docs/architecture.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    byline::telemetry::init();
    let cli = byline::cli::Cli::parse();
    match actix_web::rt::System::new().block_on(byline::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("byline: {err}");
            ExitCode::FAILURE
        }
    }
}
