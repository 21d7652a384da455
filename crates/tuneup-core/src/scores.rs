//! From a model's raw outputs to loss, error, metric and predictions. Plain Rust, so the same
//! numbers come out whichever part computed the outputs.

use crate::data::{DataInfo, Y};
use crate::metrics::{self, Input, Metric, Needs};
use crate::spec::Task;

/// How well a model did on one split.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scores {
    /// The training objective: mean cross-entropy, or MSE on standardised targets.
    pub loss: f64,
    /// What the diagnosis reads: misclassification rate, or RMSE in target units.
    pub error: f64,
    /// The experiment's metric.
    pub metric: f64,
}

/// Predictions decoded from raw outputs.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictions {
    /// Class indices and per-class probabilities (row-major, `classes` per row).
    Classes { labels: Vec<u32>, proba: Vec<f32> },
    /// Values in the target's units.
    Values(Vec<f32>),
}

/// Numerically stable softmax of each row, in f64.
pub fn softmax_rows_f64(logits: &[f32], k: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(logits.len());
    for row in logits.chunks(k) {
        let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
        let e: Vec<f64> = row.iter().map(|v| (*v as f64 - m).exp()).collect();
        let s: f64 = e.iter().sum();
        out.extend(e.iter().map(|v| v / s));
    }
    out
}

/// The same, as f32 (for submissions).
pub fn softmax_rows(logits: &[f32], k: usize) -> Vec<f32> {
    softmax_rows_f64(logits, k)
        .into_iter()
        .map(|v| v as f32)
        .collect()
}

fn argmax(row: &[f32]) -> u32 {
    let mut best = 0;
    for (i, v) in row.iter().enumerate() {
        if *v > row[best] {
            best = i;
        }
    }
    best as u32
}

pub fn predictions(info: &DataInfo, outputs: &[f32]) -> Predictions {
    match info.task {
        Task::Classification => {
            let k = info.classes.len();
            Predictions::Classes {
                labels: outputs.chunks(k).map(argmax).collect(),
                proba: softmax_rows(outputs, k),
            }
        }
        Task::Regression => {
            Predictions::Values(outputs.iter().map(|o| info.to_units(*o)).collect())
        }
    }
}

/// Scores raw outputs against targets. `None` when the split has no targets.
pub fn score(info: &DataInfo, metric: Metric, outputs: &[f32], y: &Y) -> Option<Scores> {
    match (info.task, y) {
        (Task::Classification, Y::Classes(truth)) => {
            let k = info.classes.len();
            let mut loss = 0.0;
            let mut pred = Vec::with_capacity(truth.len());
            for (row, &t) in outputs.chunks(k).zip(truth) {
                let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
                let lse = m + row.iter().map(|v| (*v as f64 - m).exp()).sum::<f64>().ln();
                loss += lse - row[t as usize] as f64;
                pred.push(argmax(row));
            }
            let n = truth.len().max(1) as f64;
            // Probabilities only where the metric reads them (softmax in f64).
            let proba =
                (metric.needs() == Needs::Probabilities).then(|| softmax_rows_f64(outputs, k));
            let input = Input::Classes {
                truth,
                pred: &pred,
                proba: proba.as_deref(),
                n_classes: k,
                positive: info.positive,
            };
            Some(Scores {
                loss: loss / n,
                error: metrics::error_rate(truth, &pred),
                // A metric that is undefined on this split (ROC AUC with one class present)
                // is recorded as NaN, not a crash.
                metric: metric.compute(&input).unwrap_or(f64::NAN),
            })
        }
        (Task::Regression, Y::Values(truth)) => {
            let pred: Vec<f64> = outputs.iter().map(|o| info.to_units(*o) as f64).collect();
            let truth64: Vec<f64> = truth.iter().map(|v| *v as f64).collect();
            let n = truth.len().max(1) as f64;
            let loss = outputs
                .iter()
                .zip(truth)
                .map(|(o, t)| ((*o as f64) - info.to_model(*t) as f64).powi(2))
                .sum::<f64>()
                / n;
            Some(Scores {
                loss,
                error: metrics::regression::mse(&truth64, &pred).sqrt(),
                metric: metric
                    .compute(&Input::Values {
                        truth: &truth64,
                        pred: &pred,
                    })
                    .unwrap_or(f64::NAN),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(task: Task) -> DataInfo {
        let classes: &[&str] = match task {
            Task::Classification => &["a", "b"],
            Task::Regression => &[],
        };
        let mut i = DataInfo::for_tests(classes, 10.0, 2.0);
        // Regression tests read the two-class list too: only the task differs.
        i.task = task;
        i.classes = vec!["a".into(), "b".into()];
        i
    }

    #[test]
    fn cross_entropy_matches_torch() {
        // torch.nn.functional.cross_entropy(torch.tensor([[2.,0.],[0.,1.]]), torch.tensor([0,0]))
        //   = 0.7201  ((0.126928 + 1.313262) / 2)
        let s = score(
            &info(Task::Classification),
            Metric::Accuracy,
            &[2.0, 0.0, 0.0, 1.0],
            &Y::Classes(vec![0, 0]),
        )
        .unwrap();
        assert!((s.loss - 0.720095).abs() < 1e-5, "{}", s.loss);
        assert_eq!(s.error, 0.5);
        assert_eq!(s.metric, 0.5);
    }

    #[test]
    fn regression_outputs_are_destandardised() {
        let i = info(Task::Regression);
        let s = score(&i, Metric::Mae, &[0.0, 1.0], &Y::Values(vec![10.0, 13.0])).unwrap();
        // predictions 10 and 12: errors 0 and 1
        assert!((s.metric - 0.5).abs() < 1e-9);
        assert!((s.error - (0.5f64).sqrt()).abs() < 1e-9);
        assert!((s.loss - 0.125).abs() < 1e-9);
    }

    #[test]
    fn softmax_rows_sum_to_one() {
        let p = softmax_rows(&[1.0, 2.0, 3.0, 1000.0, 0.0, 0.0], 3);
        assert!((p[..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((p[3] - 1.0).abs() < 1e-6);
    }
}
