//! `kind = "gbdt"`: gradient-boosted decision trees for tables (`crate::gbdt`).

use serde::{Deserialize, Serialize};

use super::{ArchSpec, ModelSpec, scaled};
use crate::spec::KeyError;
use crate::spec::raw::RawModel;

/// Boosted trees: up to `rounds` rounds of trees with at most `max_leaves` leaves, each
/// shrunk by `learning_rate`, stopped when the validation metric has not improved for
/// `early_stopping_rounds` rounds (the best round's trees are kept). `train.epochs`,
/// `train.batch_size`, `[optimizer]`, `[schedule]` and `[augment]` do not apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Gbdt {
    pub rounds: usize,
    pub learning_rate: f64,
    pub max_leaves: usize,
    /// 0: no limit.
    pub max_depth: usize,
    /// Training rows at least in a leaf.
    pub min_leaf: usize,
    /// L2 regularization of the leaf values.
    pub l2: f64,
    /// Fraction of the training rows each round is grown on.
    pub subsample: f64,
    /// Fraction of the features each tree may split on.
    pub colsample: f64,
    /// Bins per numeric feature.
    pub max_bins: usize,
    /// Rounds without a better validation metric before stopping; 0: never stop early.
    pub early_stopping_rounds: usize,
}

impl Default for Gbdt {
    fn default() -> Self {
        Gbdt {
            rounds: 1000,
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: 0,
            min_leaf: 20,
            l2: 0.0,
            subsample: 1.0,
            colsample: 1.0,
            max_bins: 255,
            early_stopping_rounds: 50,
        }
    }
}

impl Gbdt {
    pub(crate) const KEYS: &[&str] = &[
        "rounds",
        "learning_rate",
        "max_leaves",
        "max_depth",
        "min_leaf",
        "l2",
        "subsample",
        "colsample",
        "max_bins",
        "early_stopping_rounds",
    ];

    pub(crate) fn from_raw(m: &RawModel, width: f64, _depth: f64) -> Result<Gbdt, KeyError> {
        let d = Gbdt::default();
        let g = m;
        Ok(Gbdt {
            rounds: g.rounds.unwrap_or(d.rounds),
            learning_rate: g.learning_rate.unwrap_or(d.learning_rate),
            max_leaves: scaled(g.max_leaves.unwrap_or(d.max_leaves), width),
            max_depth: g.max_depth.unwrap_or(d.max_depth),
            min_leaf: g.min_leaf.unwrap_or(d.min_leaf),
            l2: g.l2.unwrap_or(d.l2),
            subsample: g.subsample.unwrap_or(d.subsample),
            colsample: g.colsample.unwrap_or(d.colsample),
            max_bins: g.max_bins.unwrap_or(d.max_bins),
            early_stopping_rounds: g.early_stopping_rounds.unwrap_or(d.early_stopping_rounds),
        })
    }
}

impl ArchSpec for Gbdt {
    /// A wider model: more leaves per tree.
    fn widen(&mut self, factor: f64) {
        self.max_leaves = scaled(self.max_leaves, factor).max(2);
    }

    fn validate(&self, _: &ModelSpec) -> Result<(), KeyError> {
        let err = |k: &str, m: String| Err((format!("model.{k}"), m));
        if self.rounds == 0 {
            return err("rounds", "expected at least 1 round".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return err(
                "learning_rate",
                format!("expected a rate in (0, 1], found {}", self.learning_rate),
            );
        }
        if self.max_leaves < 2 {
            return err(
                "max_leaves",
                format!("expected at least 2 leaves, found {}", self.max_leaves),
            );
        }
        if self.min_leaf == 0 {
            return err("min_leaf", "expected at least 1 row per leaf".into());
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return err("l2", format!("expected a value >= 0, found {}", self.l2));
        }
        for (k, v) in [("subsample", self.subsample), ("colsample", self.colsample)] {
            if !(v > 0.0 && v <= 1.0) {
                return err(k, format!("expected a fraction in (0, 1], found {v}"));
            }
        }
        if !(2..crate::gbdt::MAX_BINS).contains(&self.max_bins) {
            return err(
                "max_bins",
                format!(
                    "expected 2 to {} bins, found {}",
                    crate::gbdt::MAX_BINS - 1,
                    self.max_bins
                ),
            );
        }
        Ok(())
    }

    fn is_wide(&self) -> bool {
        self.max_leaves >= 16
    }

    fn takes_activation(&self) -> bool {
        false
    }

    fn takes_norm(&self) -> bool {
        false
    }

    fn takes_dropout(&self) -> bool {
        false
    }
}
