//! Content for a new database: the hand-written demo newsroom, or a large generated dataset
//! for benchmarks.

pub mod demo;
pub mod synthetic;
