//! tuneup's lab: the development cycle as a library, between the command line and the core,
//! training and store crates. It records runs as it trains them ([`record`]), loads any recorded
//! model to predict ([`predictor`]), cross-validates ([`cv`]), runs tuning studies ([`study`]),
//! ensembles ([`ensemble`]), distils ([`distill`]), and improves a baseline step by step
//! ([`improve`]); around them the learning curve, the zoo bench, the diagnosis of a recorded run
//! and the baseline `init` writes.
//!
//! Owns the orchestration: what is recorded when, in which order, and what a failure leaves.
//! Talks to storage only through `tuneup_store::Storage` and to burn only through
//! `tuneup-train`'s plain-Rust API; never prints (progress goes to a [`Monitor`]). Pure
//! statistics and domain rules live in `tuneup-core`. The binary is argument parsing, one call
//! here, and printing.

pub mod artifacts;
pub mod curve;
pub mod cv;
pub mod diagnose;
pub mod distill;
pub mod ensemble;
pub mod held_out;
pub mod importance;
pub mod improve;
pub mod init;
pub mod lr_find;
mod monitor;
pub mod predictor;
pub mod record;
pub mod score;
pub mod serve;
pub mod study;
pub mod top_losses;
pub mod worker;
pub mod zoo_bench;

pub use monitor::{Monitor, Overall, Quiet, Unit};

use tuneup_store::Storage;

/// The lab's context: the store it records in, the monitor it reports to.
#[derive(Clone, Copy)]
pub struct Lab<'a> {
    pub store: &'a dyn Storage,
    pub monitor: &'a dyn Monitor,
}

impl<'a> Lab<'a> {
    pub fn new(store: &'a dyn Storage, monitor: &'a dyn Monitor) -> Lab<'a> {
        Lab { store, monitor }
    }

    /// Says a line through the monitor.
    pub fn say(&self, line: impl AsRef<str>) {
        self.monitor.say(line.as_ref());
    }
}

/// A run (or a chain's baseline) that ended as failed, recorded as such: not bad input, and not
/// an internal error either. The binary exits with 1.
#[derive(Debug)]
pub struct RunFailed(pub String);

impl std::fmt::Display for RunFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for RunFailed {}
