//! The learning-rate range test (Smith 2015, "Cyclical Learning Rates for Training Neural
//! Networks"; fastai's `lr_find`): the rate grows exponentially from `start` to `end` over a short
//! run, the loss is smoothed, and two rates are suggested: where the smoothed loss falls fastest
//! (steepest) and the middle of the longest descent (fastai's "valley").

use serde::{Deserialize, Serialize};

/// The rate at step `i` of `n`: exponential from `start` to `end`.
pub fn rate(start: f64, end: f64, i: usize, n: usize) -> f64 {
    start * (end / start).powf(i as f64 / (n.max(2) - 1) as f64)
}

/// Exponential moving average with bias correction (beta 0.98, as fastai).
pub fn smooth(losses: &[f64]) -> Vec<f64> {
    let beta: f64 = 0.98;
    let mut avg = 0.0;
    losses
        .iter()
        .enumerate()
        .map(|(i, l)| {
            avg = beta * avg + (1.0 - beta) * l;
            avg / (1.0 - beta.powi(i as i32 + 1))
        })
        .collect()
}

/// Where to stop: once the smoothed loss exceeds 4× its minimum (fastai's divergence rule).
pub fn diverged(smoothed: &[f64]) -> bool {
    let Some(last) = smoothed.last() else {
        return false;
    };
    let min = smoothed.iter().cloned().fold(f64::INFINITY, f64::min);
    !last.is_finite() || *last > 4.0 * min
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Where the smoothed loss falls fastest against log(rate).
    pub steepest: f64,
    /// Middle of the longest stretch of falling loss (fastai's `valley`).
    pub valley: f64,
    /// The rate at the minimum smoothed loss, divided by 10 (fastai's `minimum`).
    pub min_over_10: f64,
}

/// Suggestions from the recorded rates and smoothed losses; the first tenth and the last five
/// points are left out, as fastai does. `None` with too few points.
pub fn suggest(lrs: &[f64], smoothed: &[f64]) -> Option<Suggestion> {
    let n = lrs.len().min(smoothed.len());
    let lo = n / 10;
    let hi = n.saturating_sub(5);
    if hi <= lo + 3 {
        return None;
    }
    let (l, s) = (&lrs[lo..hi], &smoothed[lo..hi]);
    let grads: Vec<f64> = (1..l.len())
        .map(|i| (s[i] - s[i - 1]) / (l[i].ln() - l[i - 1].ln()))
        .collect();
    let steep = grads
        .iter()
        .enumerate()
        .fold(0, |b, (i, g)| if *g < grads[b] { i } else { b });
    // fastai's valley: the longest decreasing subsequence; a point a third and a half of the way in.
    let m = s.len();
    let mut lds = vec![1usize; m];
    let (mut max_start, mut max_end) = (0usize, 0usize);
    for i in 1..m {
        for j in 0..i {
            if s[i] < s[j] && lds[i] < lds[j] + 1 {
                lds[i] = lds[j] + 1;
            }
            if lds[max_end] < lds[i] {
                max_end = i;
                max_start = max_end - lds[max_end];
            }
        }
    }
    let sections = (max_end - max_start) as f64 / 3.0;
    let idx = (max_start + sections as usize + (sections / 2.0) as usize).min(m - 1);
    let imin = s
        .iter()
        .enumerate()
        .fold(0, |b, (i, v)| if *v < s[b] { i } else { b });
    Some(Suggestion {
        steepest: l[steep],
        valley: l[idx],
        min_over_10: l[imin] / 10.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_rates_and_smoothing() {
        assert!((rate(1e-7, 10.0, 0, 100) - 1e-7).abs() < 1e-20);
        assert!((rate(1e-7, 10.0, 99, 100) - 10.0).abs() < 1e-9);
        let s = smooth(&[2.0, 2.0, 2.0]);
        assert!(
            s.iter().all(|v| (v - 2.0).abs() < 1e-12),
            "bias correction keeps a constant constant"
        );
        assert!(diverged(&[1.0, 0.5, 2.5]));
        assert!(!diverged(&[1.0, 0.5, 1.5]));
    }

    #[test]
    fn suggestions_on_a_textbook_curve() {
        // Loss flat, then falling fastest around 1e-3, bottoming near 1e-1, then exploding.
        let n = 100;
        let lrs: Vec<f64> = (0..n).map(|i| rate(1e-6, 10.0, i, n)).collect();
        let loss: Vec<f64> = lrs
            .iter()
            .map(|lr| {
                let x = lr.log10();
                2.0 - 1.5 / (1.0 + (-(x + 3.0) * 3.0).exp())
                    + if x > -1.0 {
                        (x + 1.0).powi(2) * 3.0
                    } else {
                        0.0
                    }
            })
            .collect();
        let s = suggest(&lrs, &loss).unwrap();
        assert!(s.steepest > 3e-4 && s.steepest < 3e-3, "{s:?}");
        assert!(s.valley > 1e-4 && s.valley < 1e-1, "{s:?}");
    }
}
