//! The error the diagnosis measures bias against: the user's human-level or best-known error
//! when given; otherwise an *estimate* of the achievable error, or 0 when there is nothing to
//! estimate it from.
//!
//! The estimate is the lowest validation error that another model reached on the same rows
//! (in the improve loop: any other judged run of the chain, e.g. the boosted-trees reference a
//! net's chain tries first on a table), with that measurement's interval. It is an upper bound
//! of the Bayes error, not the Bayes error: what is shown achievable *here*. Training error
//! above it, beyond both intervals, is bias another model has shown can be removed; training
//! error at or below it is not, so a noisy table (diabetes onset: train 0.20, validation 0.22,
//! boosted trees 0.23) is no longer read as high bias because the target was taken as 0.

use serde::{Deserialize, Serialize};

use super::interval::Measured;
use super::pct;
use crate::spec::Task;

/// An achievable error measured by another model on the same validation rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Its validation error (error rate, or RMSE).
    pub error: f64,
    /// The rows it was measured on.
    pub n: usize,
    /// Which model: e.g. `run 12 (gbdt)`.
    pub from: String,
}

/// Where the diagnosis's target error came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TargetSource {
    /// `target_error` in the experiment or `--target-error`.
    Given,
    /// Estimated from another model's validation error.
    Estimated { from: String },
    /// Nothing given and nothing to estimate from: 0.
    #[default]
    Assumed,
}

/// The target error with its interval, where it came from, and the sentence that says so.
pub(super) fn target(
    task: Task,
    given: Option<f64>,
    estimate: Option<&Estimate>,
    z: f64,
) -> (Measured, TargetSource, Option<String>) {
    if let Some(t) = given {
        return (Measured::exact(t), TargetSource::Given, None);
    }
    let Some(e) = estimate else {
        let why = "no target error given (target_error or --target-error) and no other model \
                   measured on the same rows: taken as 0";
        return (
            Measured::exact(0.0),
            TargetSource::Assumed,
            Some(why.into()),
        );
    };
    let m = Measured::of(task, e.error, e.n, z);
    let shown = |v: f64| pct(task, v);
    let why = format!(
        "no target error given: achievable error estimated at {} (95% interval {} to {}), the \
         lowest validation error another model reached on the same rows ({}); bias is measured \
         against it",
        shown(m.value),
        shown(m.low),
        shown(m.high),
        e.from
    );
    (
        m,
        TargetSource::Estimated {
            from: e.from.clone(),
        },
        Some(why),
    )
}

/// The share of the validation error that no model here has removed, in words (only for an
/// estimated target).
pub(super) fn unavoidable(task: Task, target: &Measured, val: Option<&Measured>) -> Option<String> {
    let v = val?;
    if v.value <= 0.0 {
        return None;
    }
    let part = (target.value / v.value).min(1.0);
    let shown = |x: f64| pct(task, x);
    Some(format!(
        "of the validation error {}, {} ({:.0}%) is at or below the estimate: no model here has \
         removed it (noise in the labels or features missing from the data may be why)",
        shown(v.value),
        shown(target.value.min(v.value)),
        part * 100.0
    ))
}

/// The lowest error among other models' measurements (the estimate), if any.
pub fn lowest(candidates: impl IntoIterator<Item = Estimate>) -> Option<Estimate> {
    candidates
        .into_iter()
        .filter(|e| e.error.is_finite() && e.n > 0)
        .min_by(|a, b| a.error.total_cmp(&b.error))
}
