//! A recorded study as `tuneup study` shows it: its search, direction, trials, best trial,
//! parameter importance, and the best trial's experiment file.

use std::path::Path;

use anyhow::Context;
use tuneup_core::InputError;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::importance::importance;
use tuneup_core::tune::search::with_params;
use tuneup_core::tune::{Direction, Trial};
use tuneup_store::{Storage, StoredTrial, Study};

/// A study read back.
pub struct View {
    pub study: Study,
    pub direction: Direction,
    pub trials: Vec<StoredTrial>,
    /// Permutation importance of each parameter (random-forest surrogate), with 5 complete
    /// trials or more.
    pub importance: Option<Vec<(String, f64)>>,
}

impl View {
    pub fn best(&self) -> Option<&StoredTrial> {
        super::best(&self.trials, self.direction)
    }

    /// The best trial's experiment file, ready to train.
    pub fn export_best(&self) -> anyhow::Result<String> {
        let name = &self.study.name;
        let Some(b) = self.best() else {
            return Err(InputError::new(format!(
                "study `{name}` has no complete trial to export yet"
            ))
            .into());
        };
        let doc = with_params(&self.study.text, &b.trial.params)?;
        Ok(format!(
            "# The best trial ({}) of study `{name}`: validation {} {:.4}.\n# Exported by `tuneup study {name} --export`.\n\n{}",
            b.trial.number,
            if self.direction == Direction::Maximize {
                "max"
            } else {
                "min"
            },
            b.trial.value.unwrap_or(f64::NAN),
            doc
        ))
    }
}

/// The study called `name`, or an error listing the studies there are.
pub fn load(store: &dyn Storage, name: &str) -> anyhow::Result<View> {
    let Some(study) = store.study(name)? else {
        let names: Vec<String> = store.studies()?.into_iter().map(|(n, _)| n).collect();
        return Err(InputError::new(format!(
            "no study `{name}` in this store{}",
            if names.is_empty() {
                " (it has none: start one with `tuneup tune EXP.toml`)".to_string()
            } else {
                format!(" (it has {})", names.join(", "))
            }
        ))
        .into());
    };
    let base = Experiment::parse(
        &study.text,
        Path::new(&study.experiment_path)
            .parent()
            .unwrap_or(Path::new("")),
    )
    .context("reading the study's experiment")?;
    let direction = super::direction(&base, &study.search);
    let trials = store.trials(study.id)?;
    let views: Vec<Trial> = trials.iter().map(|t| t.trial.clone()).collect();
    let search = &study.search;
    let importance = importance(&search.space, &views, direction, search.seed.unwrap_or(0));
    Ok(View {
        study,
        direction,
        trials,
        importance,
    })
}
