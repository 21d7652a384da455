//! Metrics that judge a model, each with a name (as written in the experiment file) and a
//! direction. Plain Rust over predictions; no burn.

use crate::spec::Task;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Fraction of labels predicted exactly (sklearn `accuracy_score`).
    Accuracy,
    /// Unweighted mean of per-class F1 (sklearn `f1_score(average="macro")`).
    F1Macro,
    /// Root mean squared error.
    Rmse,
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
    /// Coefficient of determination (sklearn `r2_score`).
    R2,
}

impl Metric {
    pub fn all() -> &'static [Metric] {
        &[
            Metric::Accuracy,
            Metric::F1Macro,
            Metric::Rmse,
            Metric::Mse,
            Metric::Mae,
            Metric::R2,
        ]
    }

    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::F1Macro => "f1_macro",
            Metric::Rmse => "rmse",
            Metric::Mse => "mse",
            Metric::Mae => "mae",
            Metric::R2 => "r2",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::all().iter().copied().find(|m| m.name() == name)
    }

    pub fn task(self) -> Task {
        match self {
            Metric::Accuracy | Metric::F1Macro => Task::Classification,
            _ => Task::Regression,
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Metric::Accuracy | Metric::F1Macro | Metric::R2 => Direction::HigherIsBetter,
            _ => Direction::LowerIsBetter,
        }
    }

    /// True when `a` is strictly better than `b` under this metric's direction.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self.direction() {
            Direction::HigherIsBetter => a > b,
            Direction::LowerIsBetter => a < b,
        }
    }

    /// Scores class predictions. Panics on length mismatch (callers hold aligned vectors).
    pub fn classification(self, truth: &[u32], pred: &[u32], n_classes: usize) -> f64 {
        assert_eq!(truth.len(), pred.len());
        match self {
            Metric::Accuracy => accuracy(truth, pred),
            Metric::F1Macro => f1_macro(truth, pred, n_classes),
            _ => f64::NAN,
        }
    }

    /// Scores numeric predictions.
    pub fn regression(self, truth: &[f32], pred: &[f32]) -> f64 {
        assert_eq!(truth.len(), pred.len());
        let n = truth.len().max(1) as f64;
        let mse = truth
            .iter()
            .zip(pred)
            .map(|(t, p)| ((*t - *p) as f64).powi(2))
            .sum::<f64>()
            / n;
        match self {
            Metric::Mse => mse,
            Metric::Rmse => mse.sqrt(),
            Metric::Mae => {
                truth
                    .iter()
                    .zip(pred)
                    .map(|(t, p)| ((*t - *p) as f64).abs())
                    .sum::<f64>()
                    / n
            }
            Metric::R2 => {
                let mean = truth.iter().map(|t| *t as f64).sum::<f64>() / n;
                let ss_tot = truth
                    .iter()
                    .map(|t| (*t as f64 - mean).powi(2))
                    .sum::<f64>();
                if ss_tot == 0.0 {
                    f64::NAN
                } else {
                    1.0 - mse * n / ss_tot
                }
            }
            _ => f64::NAN,
        }
    }
}

/// The default metric of a task.
pub fn default_for(task: Task) -> Metric {
    match task {
        Task::Classification => Metric::Accuracy,
        Task::Regression => Metric::Rmse,
    }
}

pub fn accuracy(truth: &[u32], pred: &[u32]) -> f64 {
    if truth.is_empty() {
        return f64::NAN;
    }
    truth.iter().zip(pred).filter(|(t, p)| t == p).count() as f64 / truth.len() as f64
}

/// The error tuneup's diagnosis reads: misclassification rate for classification.
pub fn error_rate(truth: &[u32], pred: &[u32]) -> f64 {
    1.0 - accuracy(truth, pred)
}

fn f1_macro(truth: &[u32], pred: &[u32], n_classes: usize) -> f64 {
    let mut tp = vec![0usize; n_classes];
    let mut fp = vec![0usize; n_classes];
    let mut fn_ = vec![0usize; n_classes];
    for (&t, &p) in truth.iter().zip(pred) {
        if t == p {
            tp[t as usize] += 1;
        } else {
            fp[p as usize] += 1;
            fn_[t as usize] += 1;
        }
    }
    // sklearn's default (zero_division="warn") scores a class with no support and no
    // predictions as 0 and keeps it in the mean.
    let f1: f64 = (0..n_classes)
        .map(|c| {
            let d = 2 * tp[c] + fp[c] + fn_[c];
            if d == 0 {
                0.0
            } else {
                2.0 * tp[c] as f64 / d as f64
            }
        })
        .sum();
    f1 / n_classes as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from scikit-learn 1.5:
    //   accuracy_score([0,1,2,2,1],[0,2,2,2,1]) = 0.8
    //   f1_score([0,1,2,2,1],[0,2,2,2,1], average="macro") = 0.822222...
    //   r2_score([3,-0.5,2,7],[2.5,0.0,2,8]) = 0.948608...
    //   mean_absolute_error(same) = 0.5, mean_squared_error(same) = 0.375
    #[test]
    fn classification_metrics_match_sklearn() {
        let t = [0, 1, 2, 2, 1];
        let p = [0, 2, 2, 2, 1];
        assert!((Metric::Accuracy.classification(&t, &p, 3) - 0.8).abs() < 1e-12);
        assert!((Metric::F1Macro.classification(&t, &p, 3) - 0.8222222222).abs() < 1e-9);
        assert!((error_rate(&t, &p) - 0.2).abs() < 1e-12);
    }

    #[test]
    fn regression_metrics_match_sklearn() {
        let t = [3.0, -0.5, 2.0, 7.0];
        let p = [2.5, 0.0, 2.0, 8.0];
        assert!((Metric::R2.regression(&t, &p) - 0.9486081370449679).abs() < 1e-6);
        assert!((Metric::Mae.regression(&t, &p) - 0.5).abs() < 1e-9);
        assert!((Metric::Mse.regression(&t, &p) - 0.375).abs() < 1e-9);
        assert!((Metric::Rmse.regression(&t, &p) - 0.375f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn directions() {
        assert!(Metric::Accuracy.better(0.9, 0.8));
        assert!(Metric::Rmse.better(0.8, 0.9));
        assert_eq!(Metric::from_name("r2"), Some(Metric::R2));
        assert_eq!(Metric::from_name("nope"), None);
    }
}
