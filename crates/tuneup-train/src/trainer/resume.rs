//! Where a run stood after an epoch (model, optimizer, where the loop stood), saved beside its
//! checkpoint as `last.bpk`, `optim.bpk` and `state.json`, so that it can be continued for more
//! epochs with the same numbers as one long run.

use std::path::{Path, PathBuf};

use burn::optim::ModuleOptimizer;

use tuneup_core::spec::Keep;

use super::optimizer;
use crate::TrainError;
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
    let bytes = tuneup_core::sealed::read(&state).map_err(crate::checkpoint::what_to_do)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", state.display()))
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
    let bytes = optim
        .into_bytes()
        .map_err(|e| format!("cannot write {}: {e}", optim_path.display()))?;
    tuneup_core::sealed::write(&optim_path, &bytes).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(state).unwrap_or_default();
    tuneup_core::sealed::write(&state_path, json.as_bytes()).map_err(|e| e.to_string())
}

impl super::Session<'_> {
    /// Continues the run whose best checkpoint is `from`: its last model, optimizer, schedule
    /// and loop state, its best weights as this run's best so far, its snapshots.
    pub(super) fn resume_from(&mut self, from: &Path) -> Result<(), TrainError> {
        let (exp, info) = (self.exp, &self.data.info);
        let state = read_resume_state(from).map_err(TrainError::Checkpoint)?;
        let (last, optim_path, _) = resume_files(from);
        let load = |p: &Path| {
            crate::checkpoint::load_on(&exp.model, info, p, &self.device)
                .map_err(TrainError::Checkpoint)
        };
        self.model = Some(load(&last)?);
        let optim = optimizer::optimizer(&exp.optimizer, &exp.train);
        let bytes = tuneup_core::sealed::read(&optim_path)
            .map_err(|e| TrainError::Checkpoint(crate::checkpoint::what_to_do(e)))?;
        self.optim = optim
            .from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes))
            .map_err(|e| {
                TrainError::Checkpoint(format!("cannot read {}: {e}", optim_path.display()))
            })?;
        let best_model = load(from)?;
        // The resumed run's earlier snapshots are its parent's; keep their paths.
        for &e in self.snapshot_epochs.iter() {
            let p = from.with_file_name(format!("snapshot-{e}.bpk"));
            if p.exists() {
                self.snapshots.push((e, p));
            }
        }
        self.scheduler.restore(state.scheduler);
        self.since_best = state.since_best;
        self.first_loss = state.first_loss;
        self.global_step = state.global_step;
        self.start_epoch = state.epoch + 1;
        if let Some(e) = state.best_epoch {
            if exp.train.keep == Keep::Best {
                crate::checkpoint::save(&best_model, self.job.checkpoint)
                    .map_err(TrainError::Checkpoint)?;
            }
            self.best = Some((e, state.best_watched.unwrap_or(f64::NAN), None));
        }
        Ok(())
    }
}
