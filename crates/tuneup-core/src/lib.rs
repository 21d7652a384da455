//! tuneup's domain: experiment specs, data loading and splitting, metrics, the diagnosis and its
//! remedies, augmentation, cross-validation folds, ensemble arithmetic, the paired test, the zoo's
//! counts, search spaces, samplers and pruners: pure functions of their inputs and a seed.
//!
//! Owns the vocabulary every other crate speaks. May import no other tuneup crate, nor burn, nor
//! SQL: the training part (`tuneup-train`), the store (`tuneup-store`), the lab (`tuneup-lab`)
//! and the binary depend on it, never the other way round.

pub mod augment;
pub mod cv;
pub mod data;
pub mod diagnose;
pub mod direction;
pub mod duration;
pub mod ensemble;
pub mod error;
pub mod failpoint;
pub mod fsio;
pub mod gbdt;
pub mod lr_find;
pub mod metrics;
pub mod paired;
pub mod paired_metric;
pub mod rng;
pub mod run;
pub mod schedule;
pub mod scores;
pub mod sealed;
pub mod selection;
pub mod spec;
pub mod stop;
pub mod table;
pub mod text;
pub mod zoo;

pub use error::InputError;
pub mod tune;
