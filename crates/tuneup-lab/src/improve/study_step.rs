//! A tuning study as a remedy: a short study over the `[search]` the remedy adds, within the
//! study's share of the time left; its best trial is the step's run.

use std::time::{Duration, Instant};

use tuneup_core::data::Prepared;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::{Search, TrialState};
use tuneup_store::NewStudy;

use super::child::{Child, ChildResult};
use super::describe::short;
use crate::study::{Trials, best, count, direction, run_trials, wait_for_others};

impl Child<'_> {
    /// A short study over `search` from `child`, within `seconds`; its best trial is the
    /// step's run.
    pub(super) fn study(
        &self,
        child: Experiment,
        search: Search,
        data: &Prepared,
        seconds: f64,
    ) -> anyhow::Result<ChildResult> {
        let lab = self.chain.lab;
        let name = format!("{}:step{}", self.chain.name, self.step);
        let text = child.to_toml_text();
        let (study, _) = lab.store.open_study(&NewStudy {
            name: &name,
            experiment_path: &self.display(),
            text: &text,
            search: &search,
        })?;
        let trials_wanted = search.trials.unwrap_or(12);
        lab.say(format!(
            "   study {name}: {} sampler, {} pruner, up to {trials_wanted} trials in {seconds:.0} s",
            search.sampler.name(),
            search.pruner.name(),
        ));
        let deadline = Instant::now() + Duration::from_secs_f64(seconds.max(1.0));
        run_trials(
            lab,
            &Trials {
                study: &study,
                dir: std::path::Path::new(""),
                base: &child,
                data,
                trials: trials_wanted,
                deadline: Some(deadline),
                parent: Some(self.parent),
                owner: true,
            },
        )?;
        // Workers that joined the chain (`tuneup worker --chain`) may still be training trials
        // of this study: the chain decides only once they are in (or stale), within the
        // study's time and a heartbeat grace period.
        let grace = Duration::from_secs_f64(tuneup_store::grace());
        wait_for_others(lab, &study, deadline.max(Instant::now()) + grace)?;
        let trials = lab.store.trials(study.id)?;
        let summary = format!(
            "study {name}: {} trials ({} complete, {} pruned, {} failed)",
            trials.len(),
            count(&trials, TrialState::Complete),
            count(&trials, TrialState::Pruned),
            count(&trials, TrialState::Failed),
        );
        let Some(b) = best(&trials, direction(&child, &search)) else {
            return Ok(Err(format!("{summary}; no trial completed")));
        };
        let (Some(run_id), Some(v)) = (b.run_id, b.trial.value) else {
            return Ok(Err(format!("{summary}; the best trial has no run")));
        };
        lab.store
            .set_step_run(&self.chain.name, self.step, run_id)?;
        let exp = lab.store.run(run_id)?.experiment;
        let params: Vec<String> = b
            .trial
            .params
            .iter()
            .map(|(k, v)| format!("{k} = {}", short(v)))
            .collect();
        Ok(Ok((
            run_id,
            v,
            exp,
            format!(
                "{summary}; best trial {} (run {run_id}): {}; ",
                b.trial.number,
                params.join(", ")
            ),
        )))
    }
}
