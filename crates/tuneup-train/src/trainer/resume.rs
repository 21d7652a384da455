//! Where a run stood after an epoch (model, optimizer, where the loop stood), saved beside its
//! checkpoint as `last.bpk`, `optim.bpk` and `state.json`, so that it can be continued for more
//! epochs with the same numbers as one long run.

use std::path::{Path, PathBuf};

use burn::optim::ModuleOptimizer;

use crate::model::Net;

/// Where the loop stood after an epoch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResumeState {
    pub epoch: usize,
    pub global_step: usize,
    pub first_loss: Option<f64>,
    pub since_best: usize,
    pub best_epoch: Option<usize>,
    pub best_watched: Option<f64>,
    pub scheduler: tuneup_core::schedule::SchedulerState,
}

/// The files of a run's resume point, from its checkpoint path: the last model, the optimizer,
/// the loop's state.
pub(crate) fn resume_files(checkpoint: &Path) -> (PathBuf, PathBuf, PathBuf) {
    (
        checkpoint.with_file_name("last.bpk"),
        checkpoint.with_file_name("optim.bpk"),
        checkpoint.with_file_name("state.json"),
    )
}

/// Reads a run's resume point.
pub fn read_resume_state(checkpoint: &Path) -> Result<ResumeState, String> {
    let (_, _, state) = resume_files(checkpoint);
    let text = std::fs::read_to_string(&state)
        .map_err(|e| format!("cannot read {}: {e}", state.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", state.display()))
}

/// Saves the resume point beside `checkpoint`, each file written whole or not at all.
pub(crate) fn save(
    checkpoint: &Path,
    model: &Net,
    optim: &ModuleOptimizer,
    state: &ResumeState,
) -> Result<(), String> {
    let (last, optim_path, state_path) = resume_files(checkpoint);
    crate::checkpoint::save(model, &last)?;
    tuneup_core::fsio::write_with(&optim_path, |tmp| optim.save(tmp))
        .map_err(|e| format!("cannot write {}: {e}", optim_path.display()))?;
    let json = serde_json::to_string(state).unwrap_or_default();
    tuneup_core::fsio::write_atomic(&state_path, json.as_bytes()).map_err(|e| e.to_string())
}
