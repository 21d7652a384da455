//! tuneup's training part: the models (burn modules), the training loop, evaluation and
//! checkpoints. The only crate that sees burn; everything it returns is plain Rust.

pub mod checkpoint;
pub mod eval;
pub mod model;
pub mod trainer;

pub use eval::Outputs;
pub use model::Net;
pub use trainer::{
    EpochRecord, Observer, Outcome, ResumeState, RunStatus, TrainError, lr_range_test,
    read_resume_state, train, train_from,
};

use burn::tensor::Device;

/// The CPU device (burn's pure-Rust `flex` backend).
pub fn cpu() -> Device {
    Device::flex()
}
