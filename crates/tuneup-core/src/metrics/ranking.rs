//! Metrics on predicted probabilities (row-major, one column per class), following
//! scikit-learn: `log_loss`, `roc_auc_score`, `average_precision_score`,
//! `top_k_accuracy_score`.

use super::{Average, MetricError};

/// Rows must be probabilities: finite, in [0, 1], summing to 1 within `1e-4` (a CSV written
/// with 6 decimals sums to 1 within 5e-6 per class).
pub fn check_proba(proba: &[f64], k: usize) -> Result<(), MetricError> {
    for (i, row) in proba.chunks(k).enumerate() {
        if let Some(v) = row
            .iter()
            .find(|v| !v.is_finite() || **v < 0.0 || **v > 1.0)
        {
            return Err(MetricError(format!(
                "row {}: probability {v} is not in [0, 1]",
                i + 1
            )));
        }
        let s: f64 = row.iter().sum();
        if (s - 1.0).abs() > 1e-4 {
            return Err(MetricError(format!(
                "row {}: probabilities sum to {s:.6}, not 1 (within 1e-4)",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Mean negative log-likelihood of the true class, probabilities clipped to [eps, 1 - eps] with
/// eps the float64 machine epsilon, as scikit-learn does.
pub fn log_loss(truth: &[u32], proba: &[f64], k: usize) -> Result<f64, MetricError> {
    check_proba(proba, k)?;
    let eps = f64::EPSILON;
    let total: f64 = truth
        .iter()
        .zip(proba.chunks(k))
        .map(|(&t, row)| -(row[t as usize].clamp(eps, 1.0 - eps)).ln())
        .sum();
    Ok(total / truth.len() as f64)
}

/// Area under the ROC curve of scores for a binary truth, with ties counted half (the
/// Mann-Whitney U statistic; equal to scikit-learn's trapezoidal area).
fn binary_auc(is_pos: &[bool], score: &[f64]) -> Result<f64, MetricError> {
    let n_pos = is_pos.iter().filter(|p| **p).count();
    let n_neg = is_pos.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(MetricError(
            "only one class is present in the truth: ROC AUC is not defined".into(),
        ));
    }
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[a].total_cmp(&score[b]));
    // Average ranks (1-based) over ties.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += idx[i..=j].iter().filter(|&&x| is_pos[x]).count() as f64 * avg_rank;
        i = j + 1;
    }
    let u = rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Ok(u / (n_pos as f64 * n_neg as f64))
}

/// Average precision: sum over score thresholds of (R_i − R_{i−1})·P_i, ties taken together.
fn binary_ap(is_pos: &[bool], score: &[f64]) -> Result<f64, MetricError> {
    let n_pos = is_pos.iter().filter(|p| **p).count();
    if n_pos == 0 {
        // scikit-learn warns and returns 0 (recall is undefined).
        return Ok(0.0);
    }
    let mut idx: Vec<usize> = (0..score.len()).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut tp, mut fp, mut ap, mut last_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && score[idx[j + 1]] == score[idx[i]] {
            j += 1;
        }
        for &x in &idx[i..=j] {
            if is_pos[x] { tp += 1.0 } else { fp += 1.0 }
        }
        let recall = tp / n_pos as f64;
        ap += (recall - last_recall) * (tp / (tp + fp));
        last_recall = recall;
        i = j + 1;
    }
    Ok(ap)
}

#[derive(Clone, Copy)]
pub enum Curve {
    Roc,
    Pr,
}

/// ROC AUC or average precision: binary (the positive class's column) or one-vs-rest over the
/// classes present in the truth, macro or weighted by support.
pub fn one_vs_rest(
    truth: &[u32],
    proba: &[f64],
    k: usize,
    curve: Curve,
    average: Average,
    positive: Option<usize>,
) -> Result<f64, MetricError> {
    check_proba(proba, k)?;
    let column = |c: usize| proba.chunks(k).map(|row| row[c]).collect::<Vec<f64>>();
    let f = |is_pos: &[bool], s: &[f64]| match curve {
        Curve::Roc => binary_auc(is_pos, s),
        Curve::Pr => binary_ap(is_pos, s),
    };
    match average {
        Average::Binary => {
            if k > 2 && positive.is_none() {
                return Err(MetricError(format!(
                    "{k} classes: the binary form needs two; use the _ovr (macro) or _ovr_weighted form"
                )));
            }
            let c = positive.unwrap_or(k - 1);
            let is_pos: Vec<bool> = truth.iter().map(|&t| t as usize == c).collect();
            f(&is_pos, &column(c))
        }
        Average::Macro | Average::Weighted => {
            let mut support = vec![0usize; k];
            for &t in truth {
                support[t as usize] += 1;
            }
            let classes: Vec<usize> = (0..k).filter(|&c| support[c] > 0).collect();
            if classes.len() < 2 {
                return Err(MetricError("only one class is present in the truth: the one-vs-rest curves are not defined".into()));
            }
            let mut total = 0.0;
            let mut weight = 0.0;
            for &c in &classes {
                let is_pos: Vec<bool> = truth.iter().map(|&t| t as usize == c).collect();
                let w = if average == Average::Weighted {
                    support[c] as f64
                } else {
                    1.0
                };
                total += w * f(&is_pos, &column(c))?;
                weight += w;
            }
            Ok(total / weight)
        }
        Average::Micro => Err(MetricError(
            "micro averaging is not offered for curve metrics".into(),
        )),
    }
}

/// Fraction of samples whose true class is among the k highest scores. Ties are broken as
/// scikit-learn does (a stable ascending sort, read from the end: the later class wins).
pub fn top_k(truth: &[u32], proba: &[f64], k_classes: usize, k: usize) -> Result<f64, MetricError> {
    check_proba(proba, k_classes)?;
    if k >= k_classes {
        return Ok(1.0);
    }
    let mut hits = 0usize;
    for (&t, row) in truth.iter().zip(proba.chunks(k_classes)) {
        let mut order: Vec<usize> = (0..k_classes).collect();
        order.sort_by(|&a, &b| row[a].total_cmp(&row[b]));
        if order[k_classes - k..].contains(&(t as usize)) {
            hits += 1;
        }
    }
    Ok(hits as f64 / truth.len() as f64)
}
