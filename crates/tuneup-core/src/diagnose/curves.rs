//! What the per-epoch curves say: diverged, exploding, oscillating, overfitting since epoch k,
//! still improving at the end, or a plateau.

use serde::{Deserialize, Serialize};

use super::Thresholds;
use crate::run::EpochRecord;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CurveFinding {
    /// The loss became NaN or infinite (the run stopped).
    Diverged {
        epoch: Option<usize>,
        detail: String,
    },
    /// The training loss climbed far above its minimum.
    Exploding {
        epoch: usize,
        min_loss: f64,
        loss: f64,
    },
    /// The training loss went up from one epoch to the next in many epochs.
    Oscillating { rises: usize, transitions: usize },
    /// Validation loss has risen since its minimum at `since_epoch` while training loss kept
    /// falling: the early-stopping point.
    Overfitting {
        since_epoch: usize,
        best_val_loss: f64,
        last_val_loss: f64,
    },
    /// Validation loss was still falling over the last epochs: more epochs would help.
    StillImproving { window: usize, relative_drop: f64 },
    /// Training and validation loss changed little over the last epochs.
    Plateau { window: usize, relative_change: f64 },
}

fn rel_change(from: f64, to: f64) -> f64 {
    if from.abs() < 1e-12 {
        0.0
    } else {
        (to - from) / from.abs()
    }
}

/// Reads the curves. `failure` is the run's failure reason, if it failed.
pub fn read_curves(
    epochs: &[EpochRecord],
    failure: Option<&str>,
    t: &Thresholds,
) -> Vec<CurveFinding> {
    let mut out = Vec::new();
    let nan_epoch = epochs
        .iter()
        .find(|e| !(e.fit_loss.is_finite() && e.train_loss.is_finite() && e.val_loss.is_finite()))
        .map(|e| e.epoch);
    if let Some(f) = failure {
        if f.contains("diverged") || f.contains("NaN") || f.contains("inf") {
            let epoch = f
                .split("epoch ")
                .nth(1)
                .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|s| s.parse().ok())
                .or(nan_epoch);
            out.push(CurveFinding::Diverged {
                epoch,
                detail: f.to_string(),
            });
        }
    } else if let Some(e) = nan_epoch {
        out.push(CurveFinding::Diverged {
            epoch: Some(e),
            detail: format!("non-finite loss at epoch {e}"),
        });
    }
    let fit: Vec<f64> = epochs
        .iter()
        .map(|e| e.fit_loss)
        .filter(|v| v.is_finite())
        .collect();
    if fit.len() >= 2 {
        let (imin, min) = fit
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |a, (i, v)| if v < a.1 { (i, v) } else { a },
            );
        if let Some((i, v)) = fit
            .iter()
            .copied()
            .enumerate()
            .skip(imin + 1)
            .find(|(_, v)| *v > min * t.explode_factor && *v > min + 1e-9)
        {
            out.push(CurveFinding::Exploding {
                epoch: epochs[i].epoch,
                min_loss: min,
                loss: v,
            });
        }
        // Oscillation is read from the clean training loss (the training rows scored after the
        // epoch, without augmentation or mixing) when every epoch has one: the loss of the
        // batches as trained moves with mixup's and augmentation's draws by design. Rises of a
        // loss that is already under 1% of its first value are jitter at the floor, not
        // instability.
        let clean: Vec<f64> = epochs.iter().map(|e| e.train_loss).collect();
        let curve = if clean.len() == fit.len() && clean.iter().all(|v| v.is_finite()) {
            clean
        } else {
            fit.clone()
        };
        let floor = 0.01 * curve[0].abs();
        if curve.len() >= 4 {
            let transitions = curve.len() - 1;
            let rises = curve
                .windows(2)
                .filter(|w| w[1] > floor && rel_change(w[0], w[1]) > t.oscillation_rise)
                .count();
            if rises as f64 >= t.oscillation_fraction * transitions as f64 {
                out.push(CurveFinding::Oscillating { rises, transitions });
            }
        }
    }
    let finite = epochs
        .iter()
        .all(|e| e.val_loss.is_finite() && e.train_loss.is_finite());
    if epochs.len() >= 3 && finite {
        let last = epochs.len() - 1;
        let (k, best) = epochs
            .iter()
            .enumerate()
            .fold((0, f64::INFINITY), |a, (i, e)| {
                if e.val_loss < a.1 { (i, e.val_loss) } else { a }
            });
        let last_val = epochs[last].val_loss;
        if k < last
            && rel_change(best, last_val) > t.overfit_rise
            && epochs[last].train_loss < epochs[k].train_loss
        {
            out.push(CurveFinding::Overfitting {
                since_epoch: epochs[k].epoch,
                best_val_loss: best,
                last_val_loss: last_val,
            });
        }
        let window =
            ((epochs.len() as f64 * t.window_fraction).ceil() as usize).clamp(2, epochs.len() - 1);
        let start = last - window;
        let val_drop = -rel_change(epochs[start].val_loss, last_val);
        let train_change = rel_change(epochs[start].train_loss, epochs[last].train_loss).abs();
        if k >= start && val_drop > t.plateau_change {
            out.push(CurveFinding::StillImproving {
                window,
                relative_drop: val_drop,
            });
        } else if val_drop.abs() <= t.plateau_change && train_change <= t.plateau_change {
            out.push(CurveFinding::Plateau {
                window,
                relative_change: val_drop.abs().max(train_change),
            });
        }
    }
    out
}

/// One line for a person.
pub fn describe_finding(c: &CurveFinding) -> String {
    match c {
        CurveFinding::Diverged { detail, .. } => format!("diverged: {detail}"),
        CurveFinding::Exploding {
            epoch,
            min_loss,
            loss,
        } => {
            format!("training loss exploded to {loss:.4} at epoch {epoch} (minimum {min_loss:.4})")
        }
        CurveFinding::Oscillating { rises, transitions } => {
            format!("training loss rose in {rises} of {transitions} epochs (oscillating)")
        }
        CurveFinding::Overfitting {
            since_epoch,
            best_val_loss,
            last_val_loss,
        } => format!(
            "overfitting since epoch {since_epoch}: validation loss rose from {best_val_loss:.4} to {last_val_loss:.4} while training loss fell (early-stopping point: epoch {since_epoch})"
        ),
        CurveFinding::StillImproving {
            window,
            relative_drop,
        } => format!(
            "still improving: validation loss fell {:.1}% over the last {window} epochs",
            relative_drop * 100.0
        ),
        CurveFinding::Plateau {
            window,
            relative_change,
        } => format!(
            "plateau: losses changed under {:.1}% over the last {window} epochs",
            (relative_change * 100.0).max(0.1)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn curve(train: &[f64], val: &[f64]) -> Vec<EpochRecord> {
        train
            .iter()
            .zip(val)
            .enumerate()
            .map(|(i, (t, v))| EpochRecord {
                epoch: i + 1,
                fit_loss: *t,
                train_loss: *t,
                train_error: t / 4.0,
                val_loss: *v,
                val_error: v / 4.0,
                val_metric: 1.0 - v / 4.0,
                lr: 1e-3,
                seconds: 1.0,
                fit_seconds: 0.0,
            })
            .collect()
    }

    fn kinds(f: &[CurveFinding]) -> Vec<&'static str> {
        f.iter()
            .map(|f| match f {
                CurveFinding::Diverged { .. } => "diverged",
                CurveFinding::Exploding { .. } => "exploding",
                CurveFinding::Oscillating { .. } => "oscillating",
                CurveFinding::Overfitting { .. } => "overfitting",
                CurveFinding::StillImproving { .. } => "improving",
                CurveFinding::Plateau { .. } => "plateau",
            })
            .collect()
    }

    #[test]
    fn overfitting_names_the_early_stopping_point() {
        let c = curve(
            &[1.0, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05],
            &[1.0, 0.7, 0.5, 0.55, 0.6, 0.7, 0.8],
        );
        let f = read_curves(&c, None, &Thresholds::default());
        assert!(
            matches!(f[0], CurveFinding::Overfitting { since_epoch: 3, .. }),
            "{f:?}"
        );
    }

    #[test]
    fn still_improving_and_plateau() {
        let c = curve(
            &[1.0, 0.8, 0.6, 0.45, 0.35, 0.28],
            &[1.0, 0.85, 0.7, 0.6, 0.5, 0.42],
        );
        assert_eq!(
            kinds(&read_curves(&c, None, &Thresholds::default())),
            vec!["improving"]
        );
        let c = curve(
            &[1.0, 0.5, 0.4, 0.4, 0.4, 0.4],
            &[1.0, 0.6, 0.5, 0.5, 0.5, 0.5],
        );
        assert_eq!(
            kinds(&read_curves(&c, None, &Thresholds::default())),
            vec!["plateau"]
        );
    }

    #[test]
    fn diverged_exploding_oscillating() {
        let c = curve(&[1.0, 0.8], &[1.0, 0.9]);
        let f = read_curves(
            &c,
            Some("loss became NaN at epoch 3, step 5 (diverged: try a lower learning rate)"),
            &Thresholds::default(),
        );
        assert!(
            matches!(f[0], CurveFinding::Diverged { epoch: Some(3), .. }),
            "{f:?}"
        );
        let c = curve(&[1.0, 0.5, 8.0, 30.0], &[1.0, 0.6, 9.0, 40.0]);
        assert!(kinds(&read_curves(&c, None, &Thresholds::default())).contains(&"exploding"));
        let c = curve(
            &[1.0, 1.4, 0.9, 1.3, 0.8, 1.2, 0.9],
            &[1.0, 1.3, 1.0, 1.3, 0.9, 1.2, 1.0],
        );
        assert!(kinds(&read_curves(&c, None, &Thresholds::default())).contains(&"oscillating"));
    }

    #[test]
    fn mixup_and_the_loss_floor_are_not_oscillation() {
        // Mixup: the loss of the mixed batches jumps with the draws, the clean training loss
        // falls steadily.
        let mut c = curve(
            &[1.0, 0.8, 0.6, 0.5, 0.4, 0.35, 0.3],
            &[1.0, 0.85, 0.7, 0.6, 0.55, 0.5, 0.5],
        );
        for (e, fit) in c.iter_mut().zip([1.0, 1.3, 0.9, 1.2, 0.8, 1.1, 0.9]) {
            e.fit_loss = fit;
        }
        assert!(!kinds(&read_curves(&c, None, &Thresholds::default())).contains(&"oscillating"));
        // A training loss at 1e-4 of its start, jittering: fitted, not unstable.
        let c = curve(
            &[1.0, 0.1, 1e-4, 2e-4, 1e-4, 3e-4, 1e-4, 2e-4],
            &[1.0, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
        );
        assert!(!kinds(&read_curves(&c, None, &Thresholds::default())).contains(&"oscillating"));
    }
}
