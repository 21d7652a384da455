//! The experiment file as written, before validation. `[model]`, `[optimizer]` and
//! `[schedule]` are read as flat tables (a `kind` plus every knob) rather than serde's tagged
//! enums, so that a wrong value or an unknown key is reported at its own line, not at the
//! table header.

mod model;
mod optimizer;
mod schedule;

use serde::Deserialize;

pub(crate) use model::{RawModel, one_rate, rates, scale_widths};

use super::{
    AugmentSpec, CvSpec, DataSpec, DistillSpec, EarlyStopping, Experiment, KeyError, Task,
    TrainSpec, default_seed,
};
use crate::schedule::ScheduleSpec;
use crate::spec::optimizer::OptimizerSpec;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExperiment {
    #[serde(default)]
    name: Option<String>,
    task: Task,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    metric: Option<String>,
    #[serde(default)]
    target_error: Option<f64>,
    #[serde(default)]
    positive_class: Option<String>,
    data: DataSpec,
    model: RawModel,
    #[serde(default)]
    optimizer: Option<optimizer::RawOptimizer>,
    #[serde(default)]
    schedule: Option<schedule::RawSchedule>,
    #[serde(default)]
    early_stopping: Option<EarlyStopping>,
    #[serde(default)]
    train: TrainSpec,
    #[serde(default)]
    augment: AugmentSpec,
    #[serde(default)]
    cv: Option<CvSpec>,
    #[serde(default)]
    max_params: Option<usize>,
    #[serde(default)]
    max_flops: Option<u64>,
    #[serde(default)]
    distill: Option<DistillSpec>,
    #[serde(default)]
    search: Option<toml::Table>,
}

/// A knob set for a kind that does not take it.
pub(crate) fn not_for(table: &str, key: &str, set: bool, kind: &str) -> Result<(), KeyError> {
    if set {
        return Err((
            format!("{table}.{key}"),
            format!("`{key}` does not apply to {table} kind `{kind}`"),
        ));
    }
    Ok(())
}

impl RawExperiment {
    pub(crate) fn into_experiment(self) -> Result<Experiment, KeyError> {
        let model = self.model.into_spec()?;
        let optimizer = match self.optimizer {
            None => OptimizerSpec::default(),
            Some(o) => o.into_spec()?,
        };
        let schedule = match self.schedule {
            None => ScheduleSpec::default(),
            Some(s) => s.into_spec()?,
        };
        Ok(Experiment {
            name: self.name,
            task: self.task,
            seed: self.seed,
            metric: self.metric,
            target_error: self.target_error,
            positive_class: self.positive_class,
            data: self.data,
            model,
            optimizer,
            schedule,
            early_stopping: self.early_stopping,
            train: self.train,
            augment: self.augment,
            cv: self.cv,
            max_params: self.max_params,
            max_flops: self.max_flops,
            distill: self.distill,
            search: match &self.search {
                None => None,
                Some(t) => Some(crate::tune::Search::parse(t)?),
            },
        })
    }
}
