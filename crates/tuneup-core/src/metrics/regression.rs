//! Regression metrics, following scikit-learn's definitions.

use super::MetricError;

fn mean(v: impl Iterator<Item = f64>, n: usize) -> f64 {
    v.sum::<f64>() / n as f64
}

pub fn mse(t: &[f64], p: &[f64]) -> f64 {
    mean(t.iter().zip(p).map(|(a, b)| (a - b).powi(2)), t.len())
}

pub fn mae(t: &[f64], p: &[f64]) -> f64 {
    mean(t.iter().zip(p).map(|(a, b)| (a - b).abs()), t.len())
}

/// R²; when the truth is constant, 1 for a perfect fit and 0 otherwise (`force_finite=True`).
pub fn r2(t: &[f64], p: &[f64]) -> f64 {
    let m = mean(t.iter().copied(), t.len());
    let ss_tot: f64 = t.iter().map(|v| (v - m).powi(2)).sum();
    let ss_res: f64 = t.iter().zip(p).map(|(a, b)| (a - b).powi(2)).sum();
    if ss_tot == 0.0 {
        if ss_res == 0.0 { 1.0 } else { 0.0 }
    } else {
        1.0 - ss_res / ss_tot
    }
}

/// Mean absolute percentage error as a fraction: |y − ŷ| / max(|y|, eps), eps the float64
/// machine epsilon (`mean_absolute_percentage_error`).
pub fn mape(t: &[f64], p: &[f64]) -> f64 {
    mean(
        t.iter()
            .zip(p)
            .map(|(a, b)| (a - b).abs() / a.abs().max(f64::EPSILON)),
        t.len(),
    )
}

/// Root mean squared error of log(1 + y) (`root_mean_squared_log_error`).
pub fn rmsle(t: &[f64], p: &[f64]) -> Result<f64, MetricError> {
    if let Some(v) = t.iter().chain(p).find(|v| **v <= -1.0) {
        return Err(MetricError(format!(
            "RMSLE needs values above -1 (log of 1 + y); found {v}"
        )));
    }
    Ok(mean(
        t.iter()
            .zip(p)
            .map(|(a, b)| (a.ln_1p() - b.ln_1p()).powi(2)),
        t.len(),
    )
    .sqrt())
}
