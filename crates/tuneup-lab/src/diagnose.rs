//! The bias / variance report card of a recorded run: its errors with intervals, the verdict,
//! the remedies that fit.

use std::path::Path;

use tuneup_core::InputError;
use tuneup_core::diagnose::{self, Diagnosis, Evidence, Observed, Thresholds};
use tuneup_core::run::{EpochRecord, Scores};
use tuneup_store::{Run, Storage};

/// How to judge: the target error (else the experiment's), the thresholds.
pub struct Options {
    pub target_error: Option<f64>,
    /// The achievable error's estimate, used when no target error is given (the improve loop's
    /// other runs on the same rows).
    pub estimate: Option<diagnose::Estimate>,
    pub thresholds: Thresholds,
}

impl Options {
    /// Thresholds from a file (if given), then the flags on top; every value checked.
    pub fn from_flags(
        target_error: Option<f64>,
        file: Option<&Path>,
        min_gap: Option<f64>,
        min_gap_relative: Option<f64>,
        z: Option<f64>,
    ) -> Result<Options, InputError> {
        if let Some(t) = target_error.filter(|t| !(t.is_finite() && *t >= 0.0)) {
            return Err(InputError::new(format!(
                "--target-error: expected an error >= 0, found {t}"
            )));
        }
        let mut t = match file {
            Some(p) => Thresholds::load(p)?,
            None => Thresholds::default(),
        };
        t.min_gap = min_gap.unwrap_or(t.min_gap);
        t.min_gap_relative = min_gap_relative.unwrap_or(t.min_gap_relative);
        t.z = z.unwrap_or(t.z);
        t.validate()
            .map_err(|(k, m)| InputError::new(format!("--{}: {m}", k.replace('_', "-"))))?;
        Ok(Options {
            target_error,
            estimate: None,
            thresholds: t,
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target_error: None,
            estimate: None,
            thresholds: Thresholds::default(),
        }
    }
}

/// A recorded run's sample shape and model outputs (from its data description), when known.
pub fn shape_and_outputs(run: &Run) -> (Option<Vec<usize>>, Option<usize>) {
    let info = run.data_info.as_ref();
    (
        info.map(|i| i.sample_shape.clone()),
        info.map(|i| i.outputs()),
    )
}

/// A diagnosed run: the run, its curves, the diagnosis.
pub struct Diagnosed {
    pub run: Run,
    pub epochs: Vec<EpochRecord>,
    pub diagnosis: Diagnosis,
}

/// Diagnoses run `id`.
pub fn diagnose_run(store: &dyn Storage, id: i64, opts: &Options) -> anyhow::Result<Diagnosed> {
    diagnose_with_curves(store, id, id, opts)
}

/// [`diagnose_run`] with the learning curves of another run: a cross-validation run's errors
/// (training error averaged over the folds, validation error out-of-fold over every row) with
/// one fold's curves.
pub fn diagnose_with_curves(
    store: &dyn Storage,
    id: i64,
    curves: i64,
    opts: &Options,
) -> anyhow::Result<Diagnosed> {
    let run = store.run(id)?;
    let epochs = store.epochs(curves)?;
    let exp = &run.experiment;
    let split_n = |f: fn(&tuneup_store::Splits) -> Option<usize>| {
        run.splits.as_ref().and_then(f).unwrap_or(0)
    };
    let obs = |s: Option<Scores>, n: usize| s.map(|s| Observed { error: s.error, n });
    let (shape, outputs) = shape_and_outputs(&run);
    let ev = Evidence {
        task: exp.task,
        target_error: opts.target_error.or(exp.target_error),
        estimate: opts.estimate.clone(),
        train: obs(run.train, split_n(|s| Some(s.train))),
        train_dev: obs(run.train_dev, split_n(|s| s.train_dev)),
        val: obs(run.val, split_n(|s| Some(s.val))),
        epochs: &epochs,
        failure: run.failure.as_deref(),
        sample_shape: shape.as_deref(),
        outputs,
    };
    let diagnosis = diagnose::diagnose(&ev, exp, &opts.thresholds);
    Ok(Diagnosed {
        run,
        epochs,
        diagnosis,
    })
}
