//! Boosting round by round: gradients of the loss at the current scores, a tree per group on
//! them (rows and features subsampled when asked, seeded), the scores moved by the trees.

use super::bins::Binned;
use super::grow::Grow;
use super::hist::{Limits, offsets};
use super::{Booster, Objective};
use crate::rng::Rng;
use crate::spec::Gbdt;

/// What is learned: class indices of `classes` classes, or (standardised) values.
#[derive(Debug, Clone)]
pub enum Target {
    Classes { y: Vec<u32>, classes: usize },
    Values(Vec<f32>),
}

/// A booster being trained.
pub struct Fit {
    pub booster: Booster,
    params: Gbdt,
    seed: u64,
    x: Vec<f32>,
    rows: usize,
    data: Binned,
    offsets: Vec<usize>,
    target: Target,
    /// Current raw scores of the training rows (`rows x groups`).
    raw: Vec<f32>,
}

impl Fit {
    /// Bins the training rows (`x`: `rows x features`, row-major; `categorical[f]`: the level
    /// count of a categorical feature) and starts from the prior; boosts with the knobs of
    /// `params` (`rounds` and early stopping are the caller's), seeded with `seed`.
    pub fn new(
        x: &[f32],
        categorical: &[Option<usize>],
        target: Target,
        params: &Gbdt,
        seed: u64,
    ) -> Fit {
        let features = categorical.len();
        let rows = x.len() / features.max(1);
        let data = Binned::fit(x, rows, categorical, params.max_bins);
        let offsets = offsets(&data);
        let (objective, base) = prior(&target);
        let g = objective.groups();
        let raw: Vec<f32> = (0..rows).flat_map(|_| base.iter().copied()).collect();
        debug_assert_eq!(raw.len(), rows * g);
        Fit {
            booster: Booster {
                objective,
                features,
                base,
                trees: Vec::new(),
                round_gains: Vec::new(),
            },
            params: params.clone(),
            seed,
            x: x.to_vec(),
            rows,
            data,
            offsets,
            target,
            raw,
        }
    }

    /// The training rows' raw scores after the rounds so far.
    pub fn train_raw(&self) -> &[f32] {
        &self.raw
    }

    /// One round: a tree per group. Returns the index of its first tree in `booster.trees`.
    pub fn round(&mut self) -> usize {
        let p = &self.params;
        let round = self.booster.rounds();
        let g = self.booster.groups();
        let features = self.booster.features;
        let mut rng = Rng::derive(self.seed, 0x6b64 + round as u64);
        let mut in_bag: Vec<u32> = (0..self.rows as u32).collect();
        if p.subsample < 1.0 {
            rng.shuffle(&mut in_bag);
            in_bag.truncate(((self.rows as f64 * p.subsample).ceil() as usize).max(1));
            in_bag.sort_unstable();
        }
        let first = self.booster.trees.len();
        let mut gains = Vec::new();
        let (grads, hesss) = self.gradients();
        for k in 0..g {
            let mut use_feature = vec![true; features];
            if p.colsample < 1.0 && features > 1 {
                let keep = ((features as f64 * p.colsample).ceil() as usize).clamp(1, features);
                let mut order: Vec<usize> = (0..features).collect();
                rng.shuffle(&mut order);
                use_feature = vec![false; features];
                order[..keep].iter().for_each(|&f| use_feature[f] = true);
            }
            let grow = Grow {
                data: &self.data,
                offsets: &self.offsets,
                grad: &grads[k],
                hess: &hesss[k],
                limits: Limits {
                    l2: p.l2,
                    min_leaf: p.min_leaf.max(1) as u32,
                    min_hess: 1e-3,
                    cat_l2: 10.0,
                    cat_smooth: 10.0,
                },
                max_leaves: p.max_leaves.max(2),
                max_depth: p.max_depth,
                learning_rate: p.learning_rate,
                use_feature: &use_feature,
            };
            let mut rows = in_bag.clone();
            let grown = grow.tree(&mut rows);
            for r in 0..self.rows {
                let row = &self.x[r * features..(r + 1) * features];
                self.raw[r * g + k] += grown.tree.value(row);
            }
            gains.extend(grown.gains);
            self.booster.trees.push(grown.tree);
        }
        self.booster.round_gains.push(gains);
        first
    }

    /// Gradients and hessians of the loss per group, per training row.
    fn gradients(&self) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let n = self.rows;
        match &self.target {
            Target::Values(y) => (
                vec![(0..n).map(|r| self.raw[r] - y[r]).collect()],
                vec![vec![1.0; n]],
            ),
            Target::Classes { y, classes: 2 } => {
                let p: Vec<f32> = self.raw.iter().map(|f| sigmoid(*f)).collect();
                (
                    vec![(0..n).map(|r| p[r] - (y[r] == 1) as u8 as f32).collect()],
                    vec![p.iter().map(|p| (p * (1.0 - p)).max(1e-16)).collect()],
                )
            }
            Target::Classes { y, classes } => {
                let k = *classes;
                let mut g = vec![vec![0.0; n]; k];
                let mut h = vec![vec![0.0; n]; k];
                for r in 0..n {
                    let s = &self.raw[r * k..(r + 1) * k];
                    let m = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    let e: Vec<f32> = s.iter().map(|v| (v - m).exp()).collect();
                    let z: f32 = e.iter().sum();
                    for c in 0..k {
                        let p = e[c] / z;
                        g[c][r] = p - (y[r] as usize == c) as u8 as f32;
                        h[c][r] = (p * (1.0 - p)).max(1e-16);
                    }
                }
                (g, h)
            }
        }
    }
}

fn sigmoid(f: f32) -> f32 {
    1.0 / (1.0 + (-f).exp())
}

/// The objective and the starting scores: the mean value, the log-odds of the second class, or
/// the log of each class's share.
fn prior(target: &Target) -> (Objective, Vec<f32>) {
    match target {
        Target::Values(y) => {
            let mean = y.iter().map(|v| *v as f64).sum::<f64>() / y.len().max(1) as f64;
            (Objective::Squared, vec![mean as f32])
        }
        Target::Classes { y, classes } => {
            let mut counts = vec![0usize; *classes];
            y.iter().for_each(|c| counts[*c as usize] += 1);
            let n = y.len().max(1) as f64;
            let share = |c: usize| (counts[c] as f64 / n).clamp(1e-6, 1.0 - 1e-6);
            if *classes == 2 {
                let p = share(1);
                (Objective::Logistic, vec![(p / (1.0 - p)).ln() as f32])
            } else {
                (
                    Objective::Softmax { classes: *classes },
                    (0..*classes).map(|c| share(c).ln() as f32).collect(),
                )
            }
        }
    }
}
