//! One integration-test binary: real servers over real databases, SQLite always and
//! PostgreSQL whenever reachable.

mod helpers;

mod cli;
mod contracts;
mod health;
mod migrations;
mod pagination;
mod relations;
mod visibility;
