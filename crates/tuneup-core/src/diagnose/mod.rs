//! Bias / variance diagnosis (Ng, "Machine Learning Yearning"; the seed's development cycle):
//! from a run's training, train-dev and validation errors against a target (human-level or
//! best-known) error, with the uncertainty of each, and from what its curves say, a verdict and
//! the remedies that fit it. Plain Rust over recorded numbers: no burn, no store.

pub mod curves;
pub mod interval;
pub mod power_law;
pub mod remedies;
pub mod target;

use serde::{Deserialize, Serialize};

pub use curves::{CurveFinding, describe_finding, read_curves};
pub use interval::{Gap, Measured};
pub use remedies::{Change, Remedy, remedies};
pub use target::{Estimate, TargetSource};

use crate::run::EpochRecord;
use crate::spec::{Experiment, Task};

/// The knobs of the diagnosis. Defaults are documented in the README.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// z of the intervals (1.96: 95%).
    pub z: f64,
    /// A gap (bias, variance, mismatch) counts only when it is beyond noise and at least the
    /// minimum gap: for classification the smaller of `min_gap` (an absolute error-rate
    /// difference, 0.01 = 1 point) and `min_gap_relative` times the validation error, so that
    /// low-error problems (MNIST at 1%) are judged on their own scale ...
    pub min_gap: f64,
    /// ... and for regression `min_gap_relative` times the validation RMSE.
    pub min_gap_relative: f64,
    /// Fraction of the last epochs the curve checks look at.
    pub window_fraction: f64,
    /// Relative loss change under which the curves count as flat.
    pub plateau_change: f64,
    /// Relative rise of validation loss over its minimum that counts as overfitting.
    pub overfit_rise: f64,
    /// A training loss this many times its minimum is exploding.
    pub explode_factor: f64,
    /// An epoch-to-epoch rise of the training loss larger than this (relative) ...
    pub oscillation_rise: f64,
    /// ... in at least this fraction of the epochs is oscillation.
    pub oscillation_fraction: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            z: 1.96,
            min_gap: 0.01,
            min_gap_relative: 0.25,
            window_fraction: 0.2,
            plateau_change: 0.01,
            overfit_rise: 0.05,
            explode_factor: 10.0,
            oscillation_rise: 0.05,
            oscillation_fraction: 0.3,
        }
    }
}

impl Thresholds {
    /// Reads thresholds from a TOML file; keys left out keep their defaults.
    pub fn load(path: &std::path::Path) -> Result<Thresholds, crate::InputError> {
        let bytes = crate::error::read_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| crate::InputError::in_file(path, "not UTF-8 text: expected TOML"))?;
        let t: Thresholds = toml::from_str(&text).map_err(|e| {
            let mut err = crate::InputError::in_file(path, e.message().trim().to_string());
            if let Some(span) = e.span() {
                err = err.line(text[..span.start.min(text.len())].matches('\n').count() + 1);
            }
            err
        })?;
        t.validate().map_err(|(k, m)| {
            let mut err = crate::InputError::in_file(path, m).key(k.clone());
            if let Some(l) = crate::spec::locate_key(&text, &k) {
                err = err.line(l);
            }
            err
        })?;
        Ok(t)
    }

    /// Every threshold in its range, or the key and what was expected.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let checks: [(&str, f64, f64, f64); 9] = [
            ("z", self.z, 0.0, 10.0),
            ("min_gap", self.min_gap, 0.0, 1.0),
            ("min_gap_relative", self.min_gap_relative, 0.0, 10.0),
            ("window_fraction", self.window_fraction, 0.0, 1.0),
            ("plateau_change", self.plateau_change, 0.0, 1.0),
            ("overfit_rise", self.overfit_rise, 0.0, 10.0),
            ("explode_factor", self.explode_factor, 1.0, 1e12),
            ("oscillation_rise", self.oscillation_rise, 0.0, 10.0),
            ("oscillation_fraction", self.oscillation_fraction, 0.0, 1.0),
        ];
        for (k, v, lo, hi) in checks {
            if !(v.is_finite() && v >= lo && v <= hi) {
                return Err((
                    k.to_string(),
                    format!("expected a value in [{lo}, {hi}], found {v}"),
                ));
            }
        }
        Ok(())
    }
}

/// One measured error: its value and the samples it was measured on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observed {
    pub error: f64,
    pub n: usize,
}

/// What the diagnosis reads from a run.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    pub task: Task,
    /// Human-level or best-known error; `None`: the estimate below, else 0, said so.
    pub target_error: Option<f64>,
    /// Another model's validation error on the same rows: the achievable error's estimate
    /// when no target error is given ([`target`]).
    pub estimate: Option<Estimate>,
    pub train: Option<Observed>,
    pub train_dev: Option<Observed>,
    pub val: Option<Observed>,
    pub epochs: &'a [EpochRecord],
    /// The failure reason of a failed run.
    pub failure: Option<&'a str>,
    /// The shape of one sample (`[features]` or `[channels, height, width]`), when known: it
    /// decides which augmentation a remedy proposes.
    pub sample_shape: Option<&'a [usize]>,
    /// The model's outputs (classes, or 1), when known: with the shape, it sizes remedies
    /// against a parameter budget.
    pub outputs: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    UnstableOptimization,
    HighBiasAndVariance,
    HighBias,
    HighVariance,
    DataMismatch,
    UnderTrained,
    Good,
}

impl Verdict {
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::UnstableOptimization => "unstable optimization",
            Verdict::HighBiasAndVariance => "high bias and high variance",
            Verdict::HighBias => "high bias",
            Verdict::HighVariance => "high variance",
            Verdict::DataMismatch => "data mismatch",
            Verdict::UnderTrained => "under-trained",
            Verdict::Good => "good (within the target's noise)",
        }
    }
}

/// A gap between two errors, whether it is beyond noise and large enough to act on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Assessed {
    pub gap: Gap,
    /// The interval lies above 0 and the gap is at least the minimum.
    pub high: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    pub target: Measured,
    /// True when no target error was given (it was estimated, or 0 assumed).
    pub target_assumed: bool,
    /// Where the target came from.
    #[serde(default)]
    pub target_source: TargetSource,
    pub train: Option<Measured>,
    pub train_dev: Option<Measured>,
    pub val: Option<Measured>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub task: Task,
    pub errors: Errors,
    /// train − target.
    pub avoidable_bias: Option<Assessed>,
    /// (train-dev, or validation) − train.
    pub variance: Option<Assessed>,
    /// validation − train-dev (only with a train-dev split).
    pub data_mismatch: Option<Assessed>,
    /// The smallest gap that counts, in error units.
    pub min_gap: f64,
    pub curves: Vec<CurveFinding>,
    pub verdict: Verdict,
    /// Why, in numbers.
    pub reasons: Vec<String>,
    pub remedies: Vec<Remedy>,
    pub thresholds: Thresholds,
}

fn assess(a: &Measured, b: &Measured, z: f64, min_gap: f64) -> Assessed {
    let gap = Gap::between(a, b, z);
    Assessed {
        gap,
        high: gap.low > 0.0 && gap.value >= min_gap,
    }
}

fn pct(task: Task, v: f64) -> String {
    match task {
        Task::Classification => format!("{:.2}%", v * 100.0),
        Task::Regression => format!("{v:.4}"),
    }
}

fn gap_text(task: Task, name: &str, a: &Assessed, min_gap: f64) -> String {
    let g = &a.gap;
    let verdict = if a.high {
        "beyond noise"
    } else if g.low <= 0.0 {
        "within noise"
    } else {
        "below the minimum gap"
    };
    format!(
        "{name} {} (95% interval {} to {}; minimum {}): {verdict}",
        pct(task, g.value),
        pct(task, g.low),
        pct(task, g.high),
        pct(task, min_gap)
    )
}

/// The errors measured with their intervals, and the gaps between them.
struct Gaps {
    target: Measured,
    target_source: TargetSource,
    /// Says how the target was chosen, when it was not given.
    target_note: Option<String>,
    train: Option<Measured>,
    train_dev: Option<Measured>,
    val: Option<Measured>,
    min_gap: f64,
    avoidable_bias: Option<Assessed>,
    variance: Option<Assessed>,
    data_mismatch: Option<Assessed>,
}

impl Gaps {
    fn new(ev: &Evidence, t: &Thresholds) -> Gaps {
        let z = t.z;
        let m = |o: &Observed| Measured::of(ev.task, o.error, o.n, z);
        let (target, target_source, target_note) =
            target::target(ev.task, ev.target_error, ev.estimate.as_ref(), z);
        let train = ev.train.as_ref().map(m);
        let train_dev = ev.train_dev.as_ref().map(m);
        let val = ev.val.as_ref().map(m);
        let min_gap = match ev.task {
            Task::Classification => match val {
                Some(v) => t.min_gap.min(t.min_gap_relative * v.value),
                None => t.min_gap,
            },
            Task::Regression => t.min_gap_relative * val.map(|v| v.value).unwrap_or(0.0),
        };
        let avoidable_bias = train.as_ref().map(|tr| assess(tr, &target, z, min_gap));
        let variance = match (&train, train_dev.as_ref().or(val.as_ref())) {
            (Some(tr), Some(other)) => Some(assess(other, tr, z, min_gap)),
            _ => None,
        };
        let data_mismatch = match (&train_dev, &val) {
            (Some(td), Some(v)) => Some(assess(v, td, z, min_gap)),
            _ => None,
        };
        Gaps {
            target,
            target_source,
            target_note,
            train,
            train_dev,
            val,
            min_gap,
            avoidable_bias,
            variance,
            data_mismatch,
        }
    }

    /// Each gap in words.
    fn reasons(&self, task: Task) -> Vec<String> {
        let mut reasons = Vec::new();
        if let Some(a) = &self.avoidable_bias {
            let name = "avoidable bias (train − target)";
            reasons.push(gap_text(task, name, a, self.min_gap));
        }
        if let Some(a) = &self.variance {
            let other = if self.train_dev.is_some() {
                "train-dev"
            } else {
                "validation"
            };
            let name = format!("variance ({other} − train)");
            reasons.push(gap_text(task, &name, a, self.min_gap));
        }
        if let Some(a) = &self.data_mismatch {
            let name = "data mismatch (validation − train-dev)";
            reasons.push(gap_text(task, name, a, self.min_gap));
        }
        reasons
    }
}

/// Whether a curve finding says the optimisation itself is unstable.
fn unstable(c: &CurveFinding) -> bool {
    matches!(
        c,
        CurveFinding::Diverged { .. }
            | CurveFinding::Exploding { .. }
            | CurveFinding::Oscillating { .. }
    )
}

/// The verdict, from the curves first (unstable training), then the gaps, then whether the
/// curves still improve.
fn verdict(g: &Gaps, curves: &[CurveFinding]) -> Verdict {
    let high = |a: &Option<Assessed>| a.is_some_and(|a| a.high);
    let (bias_high, var_high) = (high(&g.avoidable_bias), high(&g.variance));
    if curves.iter().any(unstable) {
        Verdict::UnstableOptimization
    } else if bias_high && var_high {
        Verdict::HighBiasAndVariance
    } else if bias_high {
        Verdict::HighBias
    } else if var_high {
        Verdict::HighVariance
    } else if high(&g.data_mismatch) {
        Verdict::DataMismatch
    } else if curves
        .iter()
        .any(|c| matches!(c, CurveFinding::StillImproving { .. }))
    {
        Verdict::UnderTrained
    } else {
        Verdict::Good
    }
}

/// Diagnoses a run. `exp` is the run's experiment, used to write each remedy's concrete change.
pub fn diagnose(ev: &Evidence, exp: &Experiment, t: &Thresholds) -> Diagnosis {
    let g = Gaps::new(ev, t);
    let curves = read_curves(ev.epochs, ev.failure, t);
    let task = ev.task;
    let mut reasons = Vec::new();
    reasons.extend(g.target_note.clone());
    reasons.extend(g.reasons(task));
    if matches!(g.target_source, TargetSource::Estimated { .. }) {
        reasons.extend(target::unavoidable(task, &g.target, g.val.as_ref()));
    }
    let verdict = verdict(&g, &curves);
    if let Some(u) = curves.iter().find(|c| unstable(c)) {
        let why = format!("the training curves are unstable: {}", describe_finding(u));
        reasons.insert(0, why);
    }
    reasons.extend(curves.iter().filter(|c| !unstable(c)).map(describe_finding));
    let remedies = remedies(
        verdict,
        &curves,
        g.avoidable_bias.as_ref(),
        g.variance.as_ref(),
        exp,
        ev.sample_shape,
        ev.outputs,
    );
    Diagnosis {
        task,
        errors: Errors {
            target: g.target,
            target_assumed: ev.target_error.is_none(),
            target_source: g.target_source.clone(),
            train: g.train,
            train_dev: g.train_dev,
            val: g.val,
        },
        avoidable_bias: g.avoidable_bias,
        variance: g.variance,
        data_mismatch: g.data_mismatch,
        min_gap: g.min_gap,
        curves,
        verdict,
        reasons,
        remedies,
        thresholds: t.clone(),
    }
}

#[cfg(test)]
mod tests;
