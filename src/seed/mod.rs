//! Content for a new database: the hand-written demo newsroom, or a large generated dataset
//! for benchmarks.

pub mod demo;
mod demo_images;
pub mod synthetic;
