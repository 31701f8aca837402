//! What a `cache.purge` webhook carries: the surrogate keys of the public responses a change
//! affected, as `Surrogate-Key` headers name them, and why they changed.

use serde::{Deserialize, Serialize};

/// Why public responses changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PurgeReason {
    /// A write committed (an edit, a publication, a withdrawal, a taxonomy change…).
    Write,
    /// A scheduled article's publication time came.
    ScheduledPublication,
    /// An embargo lifted.
    EmbargoLift,
}

/// The `data` of a `cache.purge` event, stored with the event and sent as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purge {
    /// Surrogate keys to purge, sorted; each is a value public responses carry in
    /// `Surrogate-Key` (`article:{id}`, `tag:{id}`, `articles`, `tags`, …).
    pub keys: Vec<String>,
    /// Purge everything, whatever the keys say.
    pub everything: bool,
    pub reason: PurgeReason,
}
