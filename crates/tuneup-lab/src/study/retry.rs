//! `[search] retry_stale = N`: a trial whose worker stopped is tried again with the same
//! parameters, up to N times, from the last checkpoint of its run when one is reachable (on this
//! host, or copied into a server store after each epoch), else from the start.

use std::path::PathBuf;

use tuneup_core::tune::{Params, TrialState};
use tuneup_store::StoredTrial;

use crate::Lab;

/// The interrupted trial to try again: the lowest-numbered one whose parameters no other trial
/// carried further (every trial with them was interrupted) and which have been interrupted at
/// most `retries` times.
pub fn retriable(stored: &[StoredTrial], retries: usize) -> Option<&StoredTrial> {
    if retries == 0 {
        return None;
    }
    stored
        .iter()
        .filter(|t| t.trial.state == TrialState::Interrupted)
        .find(|t| {
            let same: Vec<&StoredTrial> = stored
                .iter()
                .filter(|o| o.trial.params == t.trial.params)
                .collect();
            same.iter()
                .all(|o| o.trial.state == TrialState::Interrupted)
                && same.len() <= retries
        })
}

/// The most advanced resume point among the runs of the interrupted trials with `params`:
/// its best checkpoint's path (the resume files lie beside it) and the epoch it reached.
pub fn resume_point(lab: Lab, stored: &[StoredTrial], params: &Params) -> Option<(PathBuf, usize)> {
    stored
        .iter()
        .filter(|t| t.trial.state == TrialState::Interrupted && &t.trial.params == params)
        .filter_map(|t| t.run_id)
        .filter_map(|run| {
            let recorded = lab
                .store
                .artifacts_dir()
                .join(format!("run-{run}"))
                .join("best.bpk");
            let local = crate::artifacts::bring(lab.store, &recorded).ok()?;
            let state = tuneup_train::read_resume_state(&local).ok()?;
            Some((local, state.epoch))
        })
        .max_by_key(|(_, epoch)| *epoch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tuneup_core::tune::Trial;

    fn trial(n: usize, x: i64, state: TrialState) -> StoredTrial {
        let mut params = Params::new();
        params.insert("x".into(), json!(x));
        StoredTrial {
            trial: Trial {
                number: n,
                state,
                params,
                value: None,
                intermediate: vec![],
            },
            run_id: None,
            failure: None,
            worker: "w".into(),
            started_at: 0.0,
            finished_at: None,
            heartbeat: None,
        }
    }

    #[test]
    fn an_interrupted_point_is_retried_up_to_n_times() {
        use TrialState::*;
        let one = [trial(0, 1, Complete), trial(1, 2, Interrupted)];
        assert_eq!(retriable(&one, 0).map(|t| t.trial.number), None);
        assert_eq!(retriable(&one, 1).map(|t| t.trial.number), Some(1));
        // Retried once and interrupted again: a second retry only when N >= 2.
        let twice = [trial(0, 2, Interrupted), trial(1, 2, Interrupted)];
        assert_eq!(retriable(&twice, 1).map(|t| t.trial.number), None);
        assert_eq!(retriable(&twice, 2).map(|t| t.trial.number), Some(0));
        // Being retried (running) or done: not again.
        let taken = [trial(0, 2, Interrupted), trial(1, 2, Running)];
        assert_eq!(retriable(&taken, 3).map(|t| t.trial.number), None);
    }
}
