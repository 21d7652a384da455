//! The paired test the improve loop keeps or rejects a candidate by: the same held-out samples
//! scored by both models, the per-sample differences, and whether the gain is beyond noise.

use crate::direction::Direction;

/// The paired gain of `child` over `parent` per sample (higher is better in both lists) and its
/// z: mean difference over its standard error (for 0/1 correctness this is McNemar's
/// statistic, (b − c) / √(b + c)).
pub fn paired(parent: &[f64], child: &[f64]) -> (f64, f64) {
    let n = parent.len().min(child.len());
    if n == 0 {
        return (0.0, 0.0);
    }
    let d: Vec<f64> = (0..n).map(|i| child[i] - parent[i]).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let ss: f64 = d.iter().map(|x| x * x).sum();
    // Standard error of the sum under the null of no difference: √(Σ d²).
    let z = if ss > 0.0 {
        d.iter().sum::<f64>() / ss.sqrt()
    } else {
        0.0
    };
    (mean, z)
}

/// Whether a candidate is kept, and why in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub keep: bool,
    pub z: f64,
    pub wording: String,
}

/// Whether a candidate's paired gain over the best is beyond noise: better (its value `v` over
/// the best's `best` in the metric's direction), z at least `z_min`, and for classification at
/// least two more samples right than wrong (b − c >= 2: a one-sample difference is never beyond
/// noise).
pub fn judge(
    parent: &[f64],
    child: &[f64],
    v: f64,
    best: f64,
    direction: Direction,
    classification: bool,
    z_min: f64,
) -> Judgement {
    let (gain, z) = paired(parent, child);
    let better = direction.better(v, best);
    let enough = !classification || gain * child.len() as f64 >= 2.0 - 1e-9;
    let keep = better && z >= z_min && enough;
    let wording = format!(
        "paired z = {z:.2} {} {z_min:.2}: {}",
        if z >= z_min { ">=" } else { "<" },
        if keep {
            "beyond noise, kept"
        } else if better && !enough {
            "one sample, within noise, rejected"
        } else if better {
            "within noise, rejected"
        } else {
            "not better, rejected"
        }
    );
    Judgement { keep, z, wording }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_on_correctness() {
        // 5 samples the child gets right and the parent wrong, 1 the other way: (5-1)/sqrt(6).
        let parent = [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let child = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let (gain, z) = paired(&parent, &child);
        assert!((gain - 0.5).abs() < 1e-12);
        assert!((z - 4.0 / 6f64.sqrt()).abs() < 1e-12);
        let j = judge(&parent, &child, 0.95, 0.9, Direction::Maximize, true, 1.0);
        assert!(j.keep, "{}", j.wording);
        // One sample is never beyond noise for classification.
        let one = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let j = judge(&child, &one, 0.97, 0.96, Direction::Maximize, true, 0.5);
        assert!(!j.keep);
        assert!(j.wording.contains("one sample"), "{}", j.wording);
        // Worse is rejected whatever z says.
        let j = judge(&child, &parent, 0.5, 0.9, Direction::Maximize, true, -10.0);
        assert!(j.wording.ends_with("not better, rejected"), "{}", j.wording);
        assert_eq!(paired(&[], &[]), (0.0, 0.0));
    }
}
