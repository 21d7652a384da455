//! The remedies that fit a verdict, ranked, each with the concrete change it would make to the
//! experiment. Remedies whose experiment keys tuneup does not have yet are listed with
//! `available = false` and what is missing, so the list stays the seed's list.
//!
//! One file per family ([`bias`], [`variance`], [`optimization`], [`tuning`]); [`rank`] puts
//! them in order for a verdict.

mod bias;
mod optimization;
mod rank;
#[cfg(test)]
mod tests;
mod trees;
mod tuning;
mod variance;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::Experiment;

pub use rank::remedies;

macro_rules! remedy_ids {
    ($($variant:ident = $name:literal),* $(,)?) => {
        /// A remedy's stable name (the improve loop's `--remedies`, the ledger's `remedy`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum RemedyId {
            $($variant,)*
        }

        impl RemedyId {
            pub const ALL: &[RemedyId] = &[$(RemedyId::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RemedyId::$variant => $name,)*
                }
            }
        }
    };
}

remedy_ids! {
    Augmentation = "augmentation",
    BetterOptimizer = "better_optimizer",
    BiggerModel = "bigger_model",
    BoostedTrees = "boosted_trees",
    Distillation = "distillation",
    Dropout = "dropout",
    EarlyStopping = "early_stopping",
    LabelSmoothing = "label_smoothing",
    LongerTexts = "longer_texts",
    LowerLearningRate = "lower_learning_rate",
    LrSchedule = "lr_schedule",
    MatchTrainingData = "match_training_data",
    ModelSelection = "model_selection",
    MoreData = "more_data",
    MoreSeeds = "more_seeds",
    Normalization = "normalization",
    RaiseLearningRate = "raise_learning_rate",
    SmallerModel = "smaller_model",
    Subsampling = "subsampling",
    TrainLonger = "train_longer",
    TreeRegularization = "tree_regularization",
    Tuning = "tuning",
    TuningRegularization = "tuning_regularization",
    WarmupAndClipping = "warmup_and_clipping",
    WeightDecay = "weight_decay",
}

impl RemedyId {
    pub fn parse(s: &str) -> Option<RemedyId> {
        RemedyId::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// Whether the remedy runs a tuning study.
    pub fn is_study(self) -> bool {
        matches!(self, RemedyId::Tuning | RemedyId::TuningRegularization)
    }
}

impl fmt::Display for RemedyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for RemedyId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// What a remedy works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Bias,
    Variance,
    Optimization,
    Data,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::Bias => "bias",
            Category::Variance => "variance",
            Category::Optimization => "optimization",
            Category::Data => "data",
        })
    }
}

/// One key of the experiment file and the value a remedy would give it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub from: Value,
    pub to: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remedy {
    pub id: RemedyId,
    pub category: Category,
    pub title: String,
    pub why: String,
    pub changes: Vec<Change>,
    /// False when tuneup cannot apply it yet; `missing` says what it needs.
    pub available: bool,
    pub missing: Option<String>,
}

/// The pseudo-key of the distillation remedy: not an experiment key but what the improve loop
/// does, `{ teacher_width_mult, alpha, temperature }`: train a teacher (the experiment widened,
/// free of the budget), then the unchanged experiment as its student.
pub const DISTILL_KEY: &str = "distill";

/// The experiment `changes` make of `exp`: each key set (or, for `null`, removed) in the
/// resolved experiment's text, which is parsed again as any experiment file is.
pub fn apply(exp: &Experiment, changes: &[Change]) -> Result<Experiment, crate::InputError> {
    let edits: Vec<(&str, Option<toml::Value>)> = changes
        .iter()
        .map(|c| (c.key.as_str(), crate::tune::space::to_toml(&c.to)))
        .collect();
    crate::spec::edit::with_keys(exp, &edits)
}

fn change(key: &str, from: Value, to: Value) -> Change {
    Change {
        key: key.into(),
        from,
        to,
    }
}

fn remedy(
    id: RemedyId,
    category: Category,
    title: &str,
    why: &str,
    changes: Vec<Change>,
) -> Remedy {
    Remedy {
        id,
        category,
        title: title.into(),
        why: why.into(),
        changes,
        available: true,
        missing: None,
    }
}

fn not_yet(id: RemedyId, category: Category, title: &str, why: &str, missing: &str) -> Remedy {
    Remedy {
        id,
        category,
        title: title.into(),
        why: why.into(),
        changes: vec![],
        available: false,
        missing: Some(missing.into()),
    }
}

/// A value rounded to three significant digits (for proposed rates and strengths).
fn round(v: f64) -> f64 {
    let p = 10f64.powi(3 - v.abs().log10().ceil() as i32);
    (v * p).round() / p
}

/// Whether the experiment's data is a table read column by column (text categories, missing
/// cells ...): the tabular model's, or one with `[data.columns]`.
/// Whether the model reads text (token ids).
fn is_text(exp: &Experiment) -> bool {
    exp.model.arch.reads_text()
}

fn is_table(exp: &Experiment) -> bool {
    exp.model.kind() == "tabular" || !exp.data.columns.is_empty()
}

/// Whether a model fits the experiment's parameter / FLOP budget on these samples.
fn within_budget(
    exp: &Experiment,
    spec: &crate::spec::ModelSpec,
    shape: &[usize],
    outputs: usize,
) -> bool {
    crate::zoo::size(spec, shape, outputs).is_ok_and(|s| {
        exp.max_params.is_none_or(|m| s.params <= m) && exp.max_flops.is_none_or(|m| s.flops <= m)
    })
}
