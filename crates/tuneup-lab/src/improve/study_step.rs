//! A tuning study as a remedy: a short study over the `[search]` the remedy adds, within the
//! study's share of the time left; its best trial is the step's run.

use std::time::{Duration, Instant};

use tuneup_core::data::Prepared;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::{Pruner, SamplerSpec, Search, TrialState};
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
        let mut search = search;
        let run_secs = lab.store.run(self.parent)?.seconds.unwrap_or(0.0);
        let sizing = sized(
            &mut search,
            data.val.len(),
            seconds,
            run_secs,
            child.train.epochs,
        );
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
            "   study {name}: {} sampler, {} pruner, up to {trials_wanted} trials in {seconds:.0} s ({sizing})",
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
            "study {name}: {} trials ({} complete, {} pruned, {} failed; {sizing})",
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

/// Under this many validation rows one epoch's value is too noisy for successive halving's
/// early cuts (at 1,000 rows a 1-point accuracy gap is about one standard error): the loop's
/// studies prune only clearly bad trials, against the median, after half the epochs.
pub(super) const NOISY_BELOW: usize = 2000;

/// Sizes a remedy's study to its time and its data: as many trials as `seconds` allows at
/// about 60% of a full run each (pruned trials stop early), 6 to 100; TPE's random start a
/// fifth of them (4 to 10); on a small validation set the median pruner after half the epochs
/// instead of ASHA (which, trial after trial, let 1 of 12 finish on a 171-row table). Returns
/// how, in words.
pub(super) fn sized(
    search: &mut Search,
    val_rows: usize,
    seconds: f64,
    run_secs: f64,
    epochs: usize,
) -> String {
    let per_trial = (0.6 * run_secs).max(0.1);
    let trials = ((seconds / per_trial).floor() as usize).clamp(6, 100);
    search.trials = Some(trials);
    if let SamplerSpec::Tpe {
        n_startup_trials, ..
    } = &mut search.sampler
    {
        *n_startup_trials = (trials / 5).clamp(4, 10);
    }
    let epochs = epochs.max(1);
    let pruning = if val_rows < NOISY_BELOW {
        search.pruner = Pruner::Median {
            n_startup_trials: 5,
            n_warmup_steps: epochs / 2,
        };
        format!(
            "median pruning after epoch {}: {val_rows} validation rows are too few for \
             successive halving",
            epochs / 2
        )
    } else {
        search.pruner = Pruner::Asha {
            min_resource: (epochs / 4).max(1),
            reduction_factor: 3,
            min_early_stopping_rate: 0,
        };
        format!("successive halving from epoch {}", (epochs / 4).max(1))
    };
    format!("{trials} trials sized by the budget at about {per_trial:.0} s each; {pruning}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search() -> Search {
        let t: toml::Table = toml::from_str(
            "sampler = { kind = \"tpe\", n_startup_trials = 4 }\n\
             pruner = { kind = \"asha\", min_resource = 1, reduction_factor = 3 }\n\
             trials = 12\n\
             [space]\n\
             \"optimizer.lr\" = { float = [0.001, 0.1], log = true }\n",
        )
        .unwrap();
        Search::parse(&t).unwrap()
    }

    #[test]
    fn studies_are_sized_by_budget_and_data() {
        // 171 rows, 2-second runs, 100 seconds: many trials, the patient pruner.
        let mut s = search();
        let how = sized(&mut s, 35, 100.0, 2.0, 20);
        assert_eq!(s.trials, Some(83));
        assert!(matches!(
            s.pruner,
            Pruner::Median {
                n_warmup_steps: 10,
                ..
            }
        ));
        assert!(matches!(
            s.sampler,
            SamplerSpec::Tpe {
                n_startup_trials: 10,
                ..
            }
        ));
        assert!(how.contains("35 validation rows"), "{how}");
        // MNIST-sized validation, 90-second runs, 10 minutes: at least 6 trials, ASHA.
        let mut s = search();
        sized(&mut s, 12_000, 600.0, 90.0, 8);
        assert_eq!(s.trials, Some(11));
        assert!(matches!(
            s.pruner,
            Pruner::Asha {
                min_resource: 2,
                ..
            }
        ));
        // Never fewer than 6, never more than 100.
        let mut s = search();
        sized(&mut s, 12_000, 10.0, 90.0, 8);
        assert_eq!(s.trials, Some(6));
        let mut s = search();
        sized(&mut s, 12_000, 1e6, 0.5, 8);
        assert_eq!(s.trials, Some(100));
    }
}
