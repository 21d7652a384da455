//! What the loop checks as it goes, shared by the nets' loop and the boosted trees': a batch
//! loss that diverged, a monitored value that improved, the training rows scored each epoch.

use tuneup_core::data::Y;
use tuneup_core::rng::Rng;
use tuneup_core::spec::Experiment;

use super::RunStatus;

/// At most this many training samples are scored each epoch (all of them at the end).
const TRAIN_EVAL_SAMPLES: usize = 10_000;

/// A batch loss that is not finite, or that exploded past `divergence_factor` times the first
/// batch's: the run's failure. The first finite loss is remembered.
pub(super) fn diverged(
    value: f64,
    first_loss: &mut Option<f64>,
    exp: &Experiment,
    epoch: usize,
    step: usize,
) -> Option<RunStatus> {
    let step = step + 1;
    if !value.is_finite() {
        return Some(RunStatus::Failed {
            epoch,
            step,
            reason: format!(
                "loss became {value} at epoch {epoch}, step {step} (diverged: try a lower learning rate)"
            ),
        });
    }
    let l0 = *first_loss.get_or_insert(value);
    let factor = exp.train.divergence_factor;
    (l0 > 0.0 && value > factor * l0).then(|| RunStatus::Failed {
        epoch,
        step,
        reason: format!(
            "loss exploded to {value:.4e} at epoch {epoch}, step {step} ({factor}x the first batch's {l0:.4}; diverged: try a lower learning rate or clipping)"
        ),
    })
}

/// Whether the monitored value `watched` beats the best so far by more than `delta` (a first
/// value always does; a number beats a NaN).
pub(crate) fn improves(watched: f64, best: Option<f64>, higher: bool, delta: f64) -> bool {
    match best {
        None => true,
        Some(b) if b.is_nan() => !watched.is_nan(),
        Some(b) if higher => watched > b + delta,
        Some(b) => watched < b - delta,
    }
}

/// The training rows scored each epoch (or boosting round): a seeded sample of at most
/// [`TRAIN_EVAL_SAMPLES`], in order.
pub(crate) fn train_eval_idx(n: usize, seed: u64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    Rng::derive(seed, 2).shuffle(&mut idx);
    idx.truncate(TRAIN_EVAL_SAMPLES);
    idx.sort_unstable();
    idx
}

pub(crate) fn subset_y(y: &Y, idx: &[usize]) -> Y {
    match y {
        Y::Classes(c) => Y::Classes(idx.iter().map(|&i| c[i]).collect()),
        Y::Values(v) => Y::Values(idx.iter().map(|&i| v[i]).collect()),
        Y::None => Y::None,
    }
}
