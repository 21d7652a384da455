//! Metrics on predicted labels, following scikit-learn's definitions (`sklearn.metrics`): the
//! labels taken into account are those present in the truth or the predictions, and a ratio
//! with a zero denominator is 0 (scikit-learn's `zero_division="warn"` value).

use super::{Average, MetricError};

/// The confusion matrix over `n` classes: `m[t][p]` counts truth t predicted as p.
pub fn confusion(truth: &[u32], pred: &[u32], n: usize) -> Vec<Vec<u64>> {
    let mut m = vec![vec![0u64; n]; n];
    for (&t, &p) in truth.iter().zip(pred) {
        m[t as usize][p as usize] += 1;
    }
    m
}

/// Classes present in the truth or the predictions, ascending (scikit-learn's `unique_labels`).
fn present(m: &[Vec<u64>]) -> Vec<usize> {
    (0..m.len())
        .filter(|&c| m[c].iter().sum::<u64>() > 0 || m.iter().any(|row| row[c] > 0))
        .collect()
}

fn div(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

pub fn accuracy(truth: &[u32], pred: &[u32]) -> f64 {
    div(
        truth.iter().zip(pred).filter(|(t, p)| t == p).count() as f64,
        truth.len() as f64,
    )
}

/// Mean recall over the classes present in the truth (`balanced_accuracy_score`).
pub fn balanced_accuracy(m: &[Vec<u64>]) -> f64 {
    let recalls: Vec<f64> = (0..m.len())
        .filter(|&c| m[c].iter().sum::<u64>() > 0)
        .map(|c| m[c][c] as f64 / m[c].iter().sum::<u64>() as f64)
        .collect();
    div(recalls.iter().sum(), recalls.len() as f64)
}

/// Which of precision, recall, F-beta.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prf {
    Precision,
    Recall,
    F(f64),
}

/// Precision, recall or F-beta with an averaging (`precision_recall_fscore_support`).
pub fn prf(
    m: &[Vec<u64>],
    which: Prf,
    average: Average,
    positive: Option<usize>,
) -> Result<f64, MetricError> {
    let n = m.len();
    let tp = |c: usize| m[c][c] as f64;
    let support = |c: usize| m[c].iter().sum::<u64>() as f64;
    let predicted = |c: usize| m.iter().map(|row| row[c]).sum::<u64>() as f64;
    let score = |tp: f64, pred: f64, sup: f64| -> f64 {
        let p = div(tp, pred);
        let r = div(tp, sup);
        match which {
            Prf::Precision => p,
            Prf::Recall => r,
            Prf::F(beta) => {
                // F = (1 + b²) tp / ((1 + b²) tp + b² fn + fp), 0 when undefined.
                let b2 = beta * beta;
                div(
                    (1.0 + b2) * tp,
                    (1.0 + b2) * tp + b2 * (sup - tp) + (pred - tp),
                )
            }
        }
    };
    match average {
        Average::Binary => {
            let present = present(m);
            if present.len() > 2 || n > 2 && positive.is_none() {
                return Err(MetricError(format!(
                    "{} classes: the binary form needs two; use the _macro, _micro or _weighted form",
                    present.len().max(n)
                )));
            }
            let c = positive.unwrap_or(n - 1);
            Ok(score(tp(c), predicted(c), support(c)))
        }
        Average::Micro => {
            let labels = present(m);
            let (t, p, s) = labels.iter().fold((0.0, 0.0, 0.0), |a, &c| {
                (a.0 + tp(c), a.1 + predicted(c), a.2 + support(c))
            });
            Ok(score(t, p, s))
        }
        Average::Macro | Average::Weighted => {
            let labels = present(m);
            let scores: Vec<(f64, f64)> = labels
                .iter()
                .map(|&c| (score(tp(c), predicted(c), support(c)), support(c)))
                .collect();
            if average == Average::Macro {
                Ok(div(scores.iter().map(|s| s.0).sum(), scores.len() as f64))
            } else {
                let total: f64 = scores.iter().map(|s| s.1).sum();
                Ok(div(scores.iter().map(|s| s.0 * s.1).sum(), total))
            }
        }
    }
}

/// Matthews correlation coefficient, multi-class form (Gorodkin 2004; `matthews_corrcoef`).
pub fn mcc(m: &[Vec<u64>]) -> f64 {
    let n = m.len();
    let s: f64 = m.iter().flatten().map(|v| *v as f64).sum();
    let c: f64 = (0..n).map(|k| m[k][k] as f64).sum();
    let t: Vec<f64> = (0..n).map(|k| m[k].iter().sum::<u64>() as f64).collect();
    let p: Vec<f64> = (0..n)
        .map(|k| m.iter().map(|row| row[k]).sum::<u64>() as f64)
        .collect();
    let cov_ytyp = c * s - t.iter().zip(&p).map(|(a, b)| a * b).sum::<f64>();
    let cov_ypyp = s * s - p.iter().map(|v| v * v).sum::<f64>();
    let cov_ytyt = s * s - t.iter().map(|v| v * v).sum::<f64>();
    if cov_ypyp * cov_ytyt == 0.0 {
        0.0
    } else {
        cov_ytyp / (cov_ytyt * cov_ypyp).sqrt()
    }
}

/// Cohen's kappa, unweighted (`cohen_kappa_score`).
pub fn cohen_kappa(m: &[Vec<u64>]) -> f64 {
    let n = m.len();
    let s: f64 = m.iter().flatten().map(|v| *v as f64).sum();
    let po = (0..n).map(|k| m[k][k] as f64).sum::<f64>() / s;
    let pe = (0..n)
        .map(|k| {
            (m[k].iter().sum::<u64>() as f64) * (m.iter().map(|row| row[k]).sum::<u64>() as f64)
        })
        .sum::<f64>()
        / (s * s);
    if pe == 1.0 {
        f64::NAN
    } else {
        (po - pe) / (1.0 - pe)
    }
}
