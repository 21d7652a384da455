//! What a run is, as recorded: its state, its per-epoch curves, its final numbers. Shared by the
//! training part (which produces them) and the store (which keeps them).

use serde::{Deserialize, Serialize};

/// A run's state. Legal transitions: Running → Complete, Running → Failed. A finished run is
/// never changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Complete,
    Failed,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Complete => "complete",
            RunState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<RunState> {
        [RunState::Running, RunState::Complete, RunState::Failed]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One epoch's numbers, as the diagnosis reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    pub epoch: usize,
    /// Mean training objective over the epoch's batches, as the optimiser saw it (with dropout).
    pub fit_loss: f64,
    /// Loss and error on the training split in evaluation mode (a fixed sample of at most
    /// 10,000 training samples).
    pub train_loss: f64,
    pub train_error: f64,
    pub val_loss: f64,
    pub val_error: f64,
    /// The experiment's metric on the validation split.
    pub val_metric: f64,
    pub lr: f64,
    /// The whole epoch: training, then evaluation.
    pub seconds: f64,
    /// The training part of it (the batches: building, forward, backward, step).
    #[serde(default)]
    pub fit_seconds: f64,
}

/// Loss, error and metric of one split (see [`crate::scores::Scores`]), as stored.
pub use crate::scores::Scores;
