//! The paired test for any metric: the same held-out rows predicted by the best model and by a
//! candidate. A metric that is a mean over samples is tested per sample (accuracy: McNemar on
//! right / wrong; MSE and RMSE: the per-sample squared errors). Any other metric — F1, ROC-AUC,
//! log loss, MCC, R², BLEU — is not a sum over samples, so it is tested by a paired bootstrap:
//! the rows are resampled with replacement, both models scored on each resample with the metric
//! itself, and the observed gain is divided by the spread of the resampled gains (a z, so the
//! loop's `--z` threshold means the same for every metric).

use crate::data::{DataInfo, Y};
use crate::direction::Direction;
use crate::ensemble::{MemberPred, per_sample, to_outputs};
use crate::metrics::Metric;
use crate::paired::{Judgement, judge};
use crate::rng::Rng;

/// The held-out rows both models are judged on.
pub struct HeldOut<'a> {
    pub info: &'a DataInfo,
    pub metric: Metric,
    pub y: &'a Y,
}

/// Whether `metric` is a mean over samples the per-sample test fits.
pub fn per_sample_fits(metric: Metric) -> bool {
    matches!(metric, Metric::Accuracy | Metric::Mse | Metric::Rmse)
}

impl HeldOut<'_> {
    /// The metric of `p` on the rows `idx` (all rows when `None`).
    pub fn value(&self, p: &MemberPred, idx: Option<&[usize]>) -> f64 {
        let score = |p: &MemberPred, y: &Y| {
            let out = to_outputs(self.info, p);
            crate::scores::score(self.info, self.metric, &out, y)
                .map(|s| s.metric)
                .unwrap_or(f64::NAN)
        };
        match idx {
            None => score(p, self.y),
            Some(idx) => score(
                &subset(p, idx, self.info.classes.len()),
                &subset_y(self.y, idx),
            ),
        }
    }

    /// Whether `child` beats `parent` beyond noise (see the module's text).
    pub fn judge(
        &self,
        parent: &MemberPred,
        child: &MemberPred,
        direction: Direction,
        z_min: f64,
    ) -> Judgement {
        let (v, best) = (self.value(child, None), self.value(parent, None));
        if per_sample_fits(self.metric) {
            let k = self.info.classes.len();
            let classification = matches!(self.y, Y::Classes(_));
            return judge(
                &per_sample(parent, self.y, k),
                &per_sample(child, self.y, k),
                v,
                best,
                direction,
                classification,
                z_min,
            );
        }
        let n = match self.y {
            Y::Classes(t) => t.len(),
            Y::Values(t) => t.len(),
            Y::None => 0,
        };
        let reps = if n > 5_000 { 200 } else { 500 };
        let gain = |c: f64, p: f64| match direction {
            Direction::Maximize => c - p,
            Direction::Minimize => p - c,
        };
        let observed = gain(v, best);
        let mut r = Rng::new(0x0b00_7570 ^ n as u64);
        let mut gains = Vec::with_capacity(reps);
        let mut idx = vec![0usize; n];
        for _ in 0..reps {
            for i in idx.iter_mut() {
                *i = r.below(n);
            }
            let g = gain(
                self.value(child, Some(&idx)),
                self.value(parent, Some(&idx)),
            );
            if g.is_finite() {
                gains.push(g);
            }
        }
        let m = gains.iter().sum::<f64>() / gains.len().max(1) as f64;
        let sd = (gains.iter().map(|g| (g - m).powi(2)).sum::<f64>()
            / (gains.len().max(2) - 1) as f64)
            .sqrt();
        let z = if sd > 0.0 && observed.is_finite() {
            observed / sd
        } else {
            0.0
        };
        gains.sort_by(f64::total_cmp);
        let q = |f: f64| {
            gains
                .get(((gains.len() as f64 - 1.0) * f).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let better = direction.better(v, best);
        let keep = better && z >= z_min;
        let wording = format!(
            "paired bootstrap ({} resamples of {n} rows): gain {observed:+.4}, 95% [{:+.4}, {:+.4}], z = {z:.2} {} {z_min:.2}: {}",
            gains.len(),
            q(0.025),
            q(0.975),
            if z >= z_min { ">=" } else { "<" },
            if keep {
                "beyond noise, kept"
            } else if better {
                "within noise, rejected"
            } else {
                "not better, rejected"
            }
        );
        Judgement { keep, z, wording }
    }
}

fn subset(p: &MemberPred, idx: &[usize], classes: usize) -> MemberPred {
    match p {
        MemberPred::Proba(v) => {
            let k = classes.max(1);
            MemberPred::Proba(
                idx.iter()
                    .flat_map(|&i| v[i * k..(i + 1) * k].iter().copied())
                    .collect(),
            )
        }
        MemberPred::Values(v) => MemberPred::Values(idx.iter().map(|&i| v[i]).collect()),
    }
}

fn subset_y(y: &Y, idx: &[usize]) -> Y {
    match y {
        Y::Classes(t) => Y::Classes(idx.iter().map(|&i| t[i]).collect()),
        Y::Values(t) => Y::Values(idx.iter().map(|&i| t[i]).collect()),
        Y::None => Y::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> DataInfo {
        DataInfo::for_tests(&["a", "b", "c"], 0.0, 1.0)
    }

    /// Confident predictions of `right` of 300 rows (the others a wrong class).
    fn preds(truth: &[u32], right: impl Fn(usize) -> bool) -> MemberPred {
        let mut v = Vec::new();
        for (i, &t) in truth.iter().enumerate() {
            let c = if right(i) { t } else { (t + 1) % 3 };
            for k in 0..3 {
                v.push(if k == c { 0.8 } else { 0.1 });
            }
        }
        MemberPred::Proba(v)
    }

    #[test]
    fn f1_is_judged_by_the_bootstrap_and_tells_noise_from_gain() {
        let truth: Vec<u32> = (0..300).map(|i| (i % 3) as u32).collect();
        let y = Y::Classes(truth.clone());
        let info = info();
        let h = HeldOut {
            info: &info,
            metric: Metric::from_name("f1_macro").unwrap(),
            y: &y,
        };
        let parent = preds(&truth, |i| i % 5 != 0);
        // 8% more rows right: beyond noise.
        let better = preds(&truth, |i| {
            i % 5 != 0 || i % 25 == 0 || i % 3 == 1 && i % 5 == 0
        });
        let j = h.judge(&parent, &better, Direction::Maximize, 1.0);
        assert!(
            j.keep && j.wording.contains("paired bootstrap"),
            "{}",
            j.wording
        );
        // Two rows swapped: the same F1 within noise, not kept.
        let same = preds(&truth, |i| (i % 5 != 0 || i == 5) && i != 1);
        let j = h.judge(&parent, &same, Direction::Maximize, 1.0);
        assert!(!j.keep, "{}", j.wording);
        // Accuracy keeps McNemar.
        let h = HeldOut {
            metric: Metric::Accuracy,
            ..h
        };
        assert!(
            h.judge(&parent, &better, Direction::Maximize, 1.0)
                .wording
                .starts_with("paired z")
        );
    }
}
