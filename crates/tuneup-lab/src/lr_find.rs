//! The learning-rate range test of an experiment (`tuneup lr-find`): its (rate, loss) curve,
//! smoothed, and the rate it suggests.

use std::path::Path;

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::lr_find::{self, Suggestion};
use tuneup_core::spec::Experiment;

use crate::Monitor;

/// The curve, and what the test concludes (`None`: the loss diverged too early to say).
pub struct Found {
    pub lrs: Vec<f64>,
    pub raw: Vec<f64>,
    pub smoothed: Vec<f64>,
    pub suggestion: Option<Suggestion>,
}

/// Runs the range test from `start` to `end` over `iters` steps on a fresh model.
pub fn run(
    monitor: &dyn Monitor,
    exp_path: &Path,
    start: f64,
    end: f64,
    iters: usize,
) -> anyhow::Result<Found> {
    if !(start > 0.0 && end > start && start.is_finite() && end.is_finite()) {
        return Err(InputError::new(format!(
            "--start and --end: expected 0 < start < end, found {start} and {end}"
        ))
        .into());
    }
    if iters < 20 {
        return Err(
            InputError::new(format!("--iters: expected at least 20, found {iters}")).into(),
        );
    }
    let exp = Experiment::load(exp_path)?;
    let data = tuneup_core::data::prepare(&exp)?;
    crate::record::check_model(&exp, &data, exp_path)?;
    monitor.say(&format!(
        "lr-find: {iters} steps from {start:e} to {end:e} ({} optimizer, batch {})",
        exp.optimizer.kind(),
        exp.train.batch_size
    ));
    let points =
        tuneup_train::lr_range_test(&exp, &data, start, end, iters).map_err(|e| anyhow!(e))?;
    let lrs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let raw: Vec<f64> = points.iter().map(|p| p.1).collect();
    let smoothed = lr_find::smooth(&raw);
    let suggestion = lr_find::suggest(&lrs, &smoothed);
    Ok(Found {
        lrs,
        raw,
        smoothed,
        suggestion,
    })
}
