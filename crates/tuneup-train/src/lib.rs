//! tuneup's training part: the models (burn modules, one file per architecture), the training
//! loop, evaluation and checkpoints, on burn's `flex` CPU backend.
//!
//! Owns every burn type: nothing of burn crosses this crate's boundary. Callers get plain Rust:
//! an [`Outcome`] of numbers, a [`TrainedModel`] handle whose outputs are `Vec<f32>`, parameter
//! counts, the LR range test's (rate, loss) pairs. May import `tuneup-core` only: never the
//! store, the lab or the binary.

pub mod bench;
mod checkpoint;
mod eval;
mod gbdt;
mod lr_find;
mod model;
mod predict;
mod trainer;

pub use eval::Outputs;
pub use lr_find::lr_range_test;
pub use model::count_params;
pub use predict::TrainedModel;
pub use trainer::{
    EpochRecord, Job, Observer, Outcome, ResumeState, RunStatus, Teachers, TrainError,
    read_resume_state, train,
};

use burn::tensor::Device;

/// The CPU device (burn's pure-Rust `flex` backend).
fn cpu() -> Device {
    Device::flex()
}
