//! Small helpers for what tuneup writes: files, number formatting, curves as text.

use std::path::Path;

use anyhow::Context;

/// Writes a file whole or not at all (`tuneup_core::fsio`), naming it in the error.
pub fn write_atomic(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    tuneup_core::fsio::write_atomic(path, contents)
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{v:.4}")
    }
}

pub fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_else(|| "-".into())
}

/// A one-line picture of a curve.
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    // At most 100 characters: longer series are averaged over equal stretches.
    let thinned: Vec<f64>;
    let values = if values.len() > 100 {
        let k = values.len().div_ceil(100);
        thinned = values
            .chunks(k)
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect();
        &thinned[..]
    } else {
        values
    };
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    values
        .iter()
        .map(|v| {
            if !v.is_finite() {
                '·'
            } else if hi - lo < 1e-12 {
                BARS[3]
            } else {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// Seconds as a person reads them.
pub fn duration(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        format!("{}m{:02}s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

/// Formats a number for JSON: NaN becomes null.
pub fn json_num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// A split's loss, error and metric as JSON.
pub fn scores_json(s: Option<tuneup_core::run::Scores>) -> Option<serde_json::Value> {
    s.map(|s| serde_json::json!({"loss": json_num(s.loss), "error": json_num(s.error), "metric": json_num(s.metric)}))
}
