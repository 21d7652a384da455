//! The experiment file (TOML): what to train, on which data, how.
//!
//! Parsed into typed structs with unknown keys rejected ([`raw`]); then validated once into a
//! resolved [`Experiment`] (defaults filled in, paths made relative to the experiment file's
//! folder; [`validate`]). The resolved experiment is what a run records. One file per table
//! ([`data`], [`model`] with one file per architecture, [`optimizer`], [`train`]; augmentation,
//! schedules, cross-validation and searches live with their own modules), and [`edit`] for the
//! file as text.

pub mod data;
pub mod distill;
pub mod edit;
pub mod model;
pub mod optimizer;
pub(crate) mod raw;
#[cfg(test)]
mod tests;
pub mod text;
pub mod train;
mod validate;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::augment::AugmentSpec;
pub use crate::cv::CvSpec;
use crate::error::InputError;
use crate::metrics::{self, Metric};
use crate::schedule::ScheduleSpec;
pub use data::{ColumnKind, DataFormat, DataSpec, Encoding};
pub use distill::DistillSpec;
pub use edit::locate_key;
pub use model::{
    Activation, Arch, Bigru, Cnn, Conv1d, Embbag, Fasttext, Gbdt, Gru, Mlp, Mobilenet, ModelSpec,
    Norm, PoolPlacement, Rates, Resmlp, Resnet, Shufflenet, Squeezenet, Tabular, Textcnn,
    Transformer, embedding_width,
};
pub use optimizer::OptimizerSpec;
pub use text::{Normalization, TextSpec, TokenizerKind, Truncate};
pub use train::{EarlyStopping, Keep, Monitor, TrainSpec};

/// A key and what is wrong with its value, before the line is known.
pub(crate) type KeyError = (String, String);

/// Classification predicts a class; regression a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    Classification,
    Regression,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// A label for people; runs are listed with it.
    #[serde(default)]
    pub name: Option<String>,
    pub task: Task,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The metric that judges the model (see `tuneup score --list`); defaults to accuracy for
    /// classification and RMSE for regression.
    #[serde(default)]
    pub metric: Option<String>,
    /// Human-level or best-known error (a fraction for classification, target units for
    /// regression), used by the diagnosis as the bar for avoidable bias.
    #[serde(default)]
    pub target_error: Option<f64>,
    /// The positive class of binary metrics (precision, recall, f1, roc_auc ...), as written in
    /// the data; default: the last class in sorted order (`1` of 0/1 labels).
    #[serde(default)]
    pub positive_class: Option<String>,
    pub data: DataSpec,
    pub model: ModelSpec,
    #[serde(default)]
    pub optimizer: OptimizerSpec,
    #[serde(default)]
    pub schedule: ScheduleSpec,
    #[serde(default)]
    pub early_stopping: Option<EarlyStopping>,
    #[serde(default)]
    pub train: TrainSpec,
    /// Data augmentation (variance remedy); all off by default.
    #[serde(default)]
    pub augment: AugmentSpec,
    /// Cross-validation (`tuneup cv`): folds, repeats, stratification, group column.
    #[serde(default)]
    pub cv: Option<CvSpec>,
    /// Parameter budget: a model with more trainable parameters is refused, and "bigger model"
    /// remedies stay under it.
    #[serde(default)]
    pub max_params: Option<usize>,
    /// Budget of forward FLOPs per sample (multiply-adds count 2).
    #[serde(default)]
    pub max_flops: Option<u64>,
    /// Train as the student of recorded runs (`[distill]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distill: Option<DistillSpec>,
    /// A hyperparameter search over this experiment (`tuneup tune`); ignored by `train`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<crate::tune::Search>,
}

pub(crate) fn default_seed() -> u64 {
    42
}

impl Experiment {
    /// Reads, parses and validates an experiment file. Relative data paths are taken from the
    /// experiment file's folder.
    pub fn load(path: &Path) -> Result<Experiment, InputError> {
        let bytes = crate::error::read_file(path)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            InputError::in_file(path, "not UTF-8 text: expected a TOML experiment file")
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        Experiment::parse(&text, base).map_err(|e| e.path(path))
    }

    /// Parses and validates experiment text; `base` is the folder relative paths start from.
    pub fn parse(text: &str, base: &Path) -> Result<Experiment, InputError> {
        let at_key = |(key, msg): KeyError| {
            let mut err = InputError::new(msg).key(key.clone());
            if let Some(line) = locate_key(text, &key) {
                err = err.line(line);
            }
            err
        };
        let raw: raw::RawExperiment =
            toml::from_str(text).map_err(|e| edit::toml_error(text, &e))?;
        let mut exp = raw.into_experiment().map_err(at_key)?;
        exp.resolve(base);
        exp.validate().map_err(at_key)?;
        Ok(exp)
    }

    /// The resolved experiment as experiment-file text, without its `[search]`: every key
    /// explicit (paths absolute where they were resolved), so that parsing it gives this
    /// experiment back. The improve loop edits this text one key at a time.
    pub fn to_toml_text(&self) -> String {
        let mut json = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = json.as_object_mut() {
            o.remove("search");
        }
        match crate::tune::space::to_toml(&json) {
            Some(toml::Value::Table(t)) => toml::to_string(&t).unwrap_or_default(),
            _ => String::new(),
        }
    }

    fn resolve(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() && !base.as_os_str().is_empty() {
                *p = base.join(&*p);
            }
        };
        join(&mut self.data.train);
        if let Some(p) = self.data.val.as_mut() {
            join(p);
        }
        if let Some(p) = self.data.test.as_mut() {
            join(p);
        }
        if let Some(p) = self.data.labels.as_mut() {
            join(p);
        }
        if self.metric.is_none() {
            self.metric = Some(metrics::default_for(self.task).name());
        }
    }

    /// The experiment's metric (validated by [`Experiment::parse`]).
    pub fn metric(&self) -> Metric {
        Metric::from_name(self.metric.as_deref().unwrap_or_default())
            .unwrap_or_else(|| metrics::default_for(self.task))
    }

    /// The resolved experiment as TOML, for people.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}
