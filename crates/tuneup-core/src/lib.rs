//! tuneup's domain: experiment specs, data loading and splitting, metrics.
//!
//! Builds and tests without burn or SQLite; the training part (`tuneup-train`) and the store
//! (`tuneup-store`) depend on this crate, never the other way round.

pub mod augment;
pub mod cv;
pub mod data;
pub mod diagnose;
pub mod direction;
pub mod duration;
pub mod ensemble;
pub mod error;
pub mod fsio;
pub mod lr_find;
pub mod paired;
pub mod metrics;
pub mod rng;
pub mod run;
pub mod schedule;
pub mod scores;
pub mod spec;
pub mod zoo;

pub use error::InputError;
pub mod tune;
