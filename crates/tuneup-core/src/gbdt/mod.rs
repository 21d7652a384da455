//! Gradient-boosted decision trees for tables, in plain Rust: histogram-based, grown leaf-wise
//! (LightGBM's and scikit-learn's HistGradientBoosting's design), with missing values learned
//! per split ([`bins`]: NaN is its own bin, sent to the side that gains more) and categorical
//! features split natively by their levels ([`hist`]). Squared error for regression, logistic
//! loss for two classes, softmax (one tree per class per round) for more.
//!
//! [`Fit`] adds one round at a time so that the caller scores every round and stops early;
//! [`Booster`] is what is kept: the trees, predicting from raw feature values.

mod bins;
mod fit;
mod grow;
mod hist;
#[cfg(test)]
mod tests;
mod tree;

use serde::{Deserialize, Serialize};

pub use bins::{Binner, MAX_BINS};
pub use fit::{Fit, Target};
pub use tree::{Node, Tree};

/// The loss the trees descend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Squared error on (standardised) values.
    Squared,
    /// Two classes: one score, the log-odds of the second.
    Logistic,
    /// `classes` scores, one per class.
    Softmax { classes: usize },
}

impl Objective {
    /// Scores (trees) per round.
    pub fn groups(self) -> usize {
        match self {
            Objective::Softmax { classes } => classes,
            _ => 1,
        }
    }
}

/// A trained ensemble of trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    pub objective: Objective,
    pub features: usize,
    /// The starting score of each group (the prior).
    pub base: Vec<f32>,
    /// Round by round, `groups` trees per round.
    pub trees: Vec<Tree>,
    /// Each round's trees' split gains (feature, gain): the importance of the trees kept.
    pub round_gains: Vec<Vec<(usize, f64)>>,
}

impl Booster {
    pub fn groups(&self) -> usize {
        self.objective.groups()
    }

    pub fn rounds(&self) -> usize {
        self.trees.len() / self.groups()
    }

    /// Leaves over all trees.
    pub fn leaves(&self) -> usize {
        self.trees.iter().map(Tree::leaves).sum()
    }

    /// Keeps the first `rounds` rounds.
    pub fn truncate(&mut self, rounds: usize) {
        self.trees.truncate(rounds * self.groups());
        self.round_gains.truncate(rounds);
    }

    /// Each feature's split gain summed over the trees kept (LightGBM's "gain" importance).
    pub fn importance(&self) -> Vec<f64> {
        let mut v = vec![0.0; self.features];
        for (f, g) in self.round_gains.iter().flatten() {
            v[*f] += g;
        }
        v
    }

    /// Raw scores (`rows x groups`) of rows of `features` values each.
    pub fn raw(&self, x: &[f32]) -> Vec<f32> {
        let g = self.groups();
        let rows = x.len() / self.features.max(1);
        let mut out: Vec<f32> = (0..rows).flat_map(|_| self.base.iter().copied()).collect();
        for (i, row) in x.chunks(self.features.max(1)).enumerate().take(rows) {
            for (t, tree) in self.trees.iter().enumerate() {
                out[i * g + t % g] += tree.value(row);
            }
        }
        out
    }

    /// Outputs as a network's: logits per class (two classes: `[0, log-odds]`), or the
    /// standardised value.
    pub fn outputs(&self, x: &[f32]) -> Vec<f32> {
        let raw = self.raw(x);
        to_outputs(self.objective, &raw)
    }
}

/// Raw scores as a network's outputs (see [`Booster::outputs`]).
pub fn to_outputs(objective: Objective, raw: &[f32]) -> Vec<f32> {
    match objective {
        Objective::Logistic => raw.iter().flat_map(|f| [0.0, *f]).collect(),
        _ => raw.to_vec(),
    }
}
