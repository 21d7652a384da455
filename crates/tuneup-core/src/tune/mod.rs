//! Hyperparameter search, without burn or SQL: search spaces, samplers over the trial history,
//! pruners over intermediate values. The study loop lives in the lab (`tuneup-lab`), its storage in
//! the store; everything here is a pure function of the space, the history and a seed.

pub mod cmaes;
pub mod importance;
pub mod pruner;
pub mod sampler;
pub mod search;
pub mod space;
#[cfg(test)]
mod tests;
pub mod tpe;

use serde::{Deserialize, Serialize};

pub use pruner::Pruner;
pub use sampler::{Sampler, SamplerSpec};
pub use search::Search;
pub use space::{Dist, Param, Params, Space};

pub use crate::direction::Direction;

/// A trial's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialState {
    Running,
    Complete,
    Pruned,
    Failed,
    /// Its worker died during the trial (killed, crashed): it does not count towards a
    /// study's trials and its point may be tried again.
    Interrupted,
}

impl TrialState {
    pub fn as_str(self) -> &'static str {
        match self {
            TrialState::Running => "running",
            TrialState::Complete => "complete",
            TrialState::Pruned => "pruned",
            TrialState::Failed => "failed",
            TrialState::Interrupted => "interrupted",
        }
    }

    /// Whether the trial has ended (complete, pruned, failed or interrupted).
    pub fn is_finished(self) -> bool {
        self != TrialState::Running
    }

    pub fn parse(s: &str) -> Option<TrialState> {
        Some(match s {
            "running" => TrialState::Running,
            "complete" => TrialState::Complete,
            "pruned" => TrialState::Pruned,
            "failed" => TrialState::Failed,
            "interrupted" => TrialState::Interrupted,
            _ => return None,
        })
    }
}

/// What a sampler or pruner sees of a trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0, 1, 2 ... in the order trials were asked for.
    pub number: usize,
    pub state: TrialState,
    pub params: Params,
    /// The final value (complete trials).
    pub value: Option<f64>,
    /// (step, value) reported while running; steps are epochs.
    #[serde(default)]
    pub intermediate: Vec<(usize, f64)>,
}

impl Trial {
    /// The value at `step`, if reported.
    pub fn at(&self, step: usize) -> Option<f64> {
        self.intermediate
            .iter()
            .find(|(s, _)| *s == step)
            .map(|(_, v)| *v)
    }

    /// The last reported step and value.
    pub fn last(&self) -> Option<(usize, f64)> {
        self.intermediate.last().copied()
    }
}

/// The sampler's seed for one trial: a function of the study seed and the trial number only,
/// so that concurrent workers and resumed studies draw the same way.
pub fn trial_seed(seed: u64, number: usize) -> u64 {
    crate::rng::Rng::derive(seed, 0x7E57 + number as u64).next_u64()
}
