//! `[train]` and `[early_stopping]`: how long, in what batches, what to keep.

use serde::{Deserialize, Serialize};

use super::{KeyError, Task};

/// Stop when the monitored quantity has not improved for `patience` epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStopping {
    /// `metric` (the experiment's metric on validation) or `val_loss`.
    #[serde(default = "default_monitor")]
    pub monitor: Monitor,
    #[serde(default = "default_patience")]
    pub patience: usize,
    /// An improvement smaller than this does not count.
    #[serde(default)]
    pub min_delta: f64,
    /// Epochs before stopping is considered.
    #[serde(default)]
    pub warmup: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    Metric,
    ValLoss,
}

fn default_monitor() -> Monitor {
    Monitor::Metric
}
fn default_patience() -> usize {
    10
}

/// Which weights a run ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Keep {
    /// The best epoch's (by the early-stopping monitor, else the metric).
    #[default]
    Best,
    Last,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSpec {
    #[serde(default = "default_epochs")]
    pub epochs: usize,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Clip the gradients' global L2 norm to this.
    #[serde(default)]
    pub clip_norm: Option<f64>,
    /// Clip each gradient value to [-v, v].
    #[serde(default)]
    pub clip_value: Option<f64>,
    /// A batch loss this many times the first batch's ends the run as exploding.
    #[serde(default = "default_divergence")]
    pub divergence_factor: f64,
    /// `best` (default) or `last` epoch's weights.
    #[serde(default)]
    pub keep: Keep,
    /// Label smoothing (Szegedy et al. 2016): targets `1 - e + e/K` for the class, `e/K` for
    /// the others. Classification only.
    #[serde(default)]
    pub label_smoothing: f64,
    /// L1 penalty `l1 * sum |w|` over the weights of linear and conv layers (not biases, not
    /// normalization). For an L2 penalty use `optimizer.weight_decay` with adam / sgd; for
    /// decoupled weight decay, `kind = "adamw"`.
    #[serde(default)]
    pub l1: f64,
    /// Threads that build (and augment) batches while the model trains; 0 builds them on the
    /// training thread.
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// Snapshot ensembles (Huang et al. 2017): keep the weights at the end of every cosine
    /// restart cycle (`schedule.kind = "cosine_restarts"`); `tuneup ensemble RUN --snapshots`.
    #[serde(default)]
    pub snapshots: bool,
    /// Stop after the epoch that passes this many seconds of training (the best weights so far
    /// are kept, as with early stopping): for fixed-budget comparisons such as `tuneup zoo bench`.
    #[serde(default)]
    pub time_budget: Option<f64>,
}

fn default_workers() -> usize {
    1
}

fn default_divergence() -> f64 {
    1e4
}

fn default_epochs() -> usize {
    10
}
fn default_batch() -> usize {
    64
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            epochs: default_epochs(),
            batch_size: default_batch(),
            clip_norm: None,
            clip_value: None,
            divergence_factor: default_divergence(),
            keep: Keep::Best,
            label_smoothing: 0.0,
            l1: 0.0,
            workers: default_workers(),
            snapshots: false,
            time_budget: None,
        }
    }
}

impl TrainSpec {
    /// The knobs in range and consistent with the task, early stopping and the schedule.
    pub(crate) fn validate(
        &self,
        task: Task,
        early_stopping: Option<&EarlyStopping>,
        schedule_kind: &str,
    ) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if let Some(es) = early_stopping {
            if !(es.min_delta >= 0.0) {
                return err(
                    "early_stopping.min_delta",
                    format!("expected a value >= 0, found {}", es.min_delta),
                );
            }
        }
        for (k, v) in [
            ("train.clip_norm", self.clip_norm),
            ("train.clip_value", self.clip_value),
        ] {
            if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return err(k, format!("expected a positive value, found {v}"));
            }
        }
        if self.clip_norm.is_some() && self.clip_value.is_some() {
            return err(
                "train.clip_value",
                "clip by norm or by value, not both".into(),
            );
        }
        if !(self.divergence_factor > 1.0) {
            return err(
                "train.divergence_factor",
                format!("expected a factor > 1, found {}", self.divergence_factor),
            );
        }
        if self.epochs == 0 {
            return err("train.epochs", "expected at least 1 epoch".into());
        }
        if self.batch_size == 0 {
            return err("train.batch_size", "expected a positive batch size".into());
        }
        let ls = self.label_smoothing;
        if !(0.0..1.0).contains(&ls) {
            return err(
                "train.label_smoothing",
                format!("expected a value in [0, 1), found {ls}"),
            );
        }
        if ls > 0.0 && task == Task::Regression {
            return err(
                "train.label_smoothing",
                "label smoothing applies to classification".into(),
            );
        }
        if !(self.l1.is_finite() && self.l1 >= 0.0) {
            return err(
                "train.l1",
                format!("expected a value >= 0, found {}", self.l1),
            );
        }
        if let Some(b) = self.time_budget.filter(|b| !(b.is_finite() && *b > 0.0)) {
            return err(
                "train.time_budget",
                format!("expected a positive number of seconds, found {b}"),
            );
        }
        if self.snapshots && schedule_kind != "cosine_restarts" {
            return err(
                "train.snapshots",
                format!(
                    "snapshot ensembles keep one model per cosine restart cycle: set schedule.kind = \"cosine_restarts\" (it is \"{}\")",
                    schedule_kind
                ),
            );
        }
        Ok(())
    }
}
