//! Remedies for boosted trees (`kind = "gbdt"`), and the trees as a remedy for nets on tables.
//!
//! Trees have no optimizer, dropout or augmentation: their bias remedies are more rounds, more
//! leaves, a higher rate and another model family; their variance remedies the ones boosting
//! practice uses (Friedman 2001, 2002; LightGBM's parameter tuning guide): leaves that need
//! more rows and an L2 penalty, row and feature subsampling, fewer leaves, smaller steps with
//! more rounds.

use serde_json::{Value, json};

use super::{Category, Remedy, RemedyId, change, remedy, round};
use crate::diagnose::{Assessed, CurveFinding, Verdict};
use crate::spec::{Arch, Experiment, Gbdt, ModelSpec};

/// The remedies for a gbdt run's verdict, best first (the larger gap's first when both).
pub(super) fn remedies(
    verdict: Verdict,
    curves: &[CurveFinding],
    bias: Option<&Assessed>,
    variance: Option<&Assessed>,
    exp: &Experiment,
    g: &Gbdt,
) -> Vec<Remedy> {
    let improving = curves
        .iter()
        .any(|c| matches!(c, CurveFinding::StillImproving { .. }));
    let bias_list = || {
        let mut v = vec![more_leaves(g), higher_rate(g), net(exp, Category::Bias)];
        if improving || g.early_stopping_rounds == 0 {
            v.insert(0, more_rounds(g));
        }
        v.push(tuning(g, Category::Bias));
        v
    };
    let variance_list = || {
        let mut v = vec![
            regularize(g),
            subsample(g),
            fewer_leaves(g),
            smaller_steps(g),
            net(exp, Category::Variance),
        ];
        if g.early_stopping_rounds == 0 {
            v.insert(0, early_stopping());
        }
        v.push(tuning(g, Category::Variance));
        v
    };
    let mut out = match verdict {
        Verdict::HighBias => bias_list(),
        Verdict::HighVariance => variance_list(),
        Verdict::HighBiasAndVariance => {
            let b = bias.map(|a| a.gap.value).unwrap_or(0.0);
            let v = variance.map(|a| a.gap.value).unwrap_or(0.0);
            if b >= v {
                bias_list().into_iter().chain(variance_list()).collect()
            } else {
                variance_list().into_iter().chain(bias_list()).collect()
            }
        }
        Verdict::UnstableOptimization => vec![smaller_steps(g)],
        Verdict::UnderTrained => vec![more_rounds(g), higher_rate(g)],
        Verdict::DataMismatch => vec![super::variance::match_training_data()],
        Verdict::Good => vec![],
    };
    let mut seen = std::collections::HashSet::<RemedyId>::new();
    // A knob already at its limit (4 leaves, rate 0.5, subsampling 0.3) changes nothing.
    out.retain(|r| r.changes.iter().any(|c| c.from != c.to) && seen.insert(r.id));
    out
}

fn key(k: &str) -> String {
    format!("model.{k}")
}

fn more_rounds(g: &Gbdt) -> Remedy {
    remedy(
        RemedyId::TrainLonger,
        Category::Bias,
        "More boosting rounds",
        "the validation metric was still improving at the last round",
        vec![change(&key("rounds"), json!(g.rounds), json!(g.rounds * 2))],
    )
}

fn more_leaves(g: &Gbdt) -> Remedy {
    let to = (g.max_leaves * 2).min(1024);
    let mut changes = vec![change(&key("max_leaves"), json!(g.max_leaves), json!(to))];
    if g.max_depth > 0 {
        changes.push(change(&key("max_depth"), json!(g.max_depth), json!(0)));
    }
    remedy(
        RemedyId::BiggerModel,
        Category::Bias,
        "More leaves per tree",
        "deeper trees capture interactions of more features (lower training error)",
        changes,
    )
}

fn higher_rate(g: &Gbdt) -> Remedy {
    let to = round((g.learning_rate * 2.0).min(0.5));
    remedy(
        RemedyId::RaiseLearningRate,
        Category::Bias,
        "A higher learning rate",
        "larger steps fit more within the rounds (and early stopping)",
        vec![change(
            &key("learning_rate"),
            json!(g.learning_rate),
            json!(to),
        )],
    )
}

fn regularize(g: &Gbdt) -> Remedy {
    let l2 = if g.l2 == 0.0 { 1.0 } else { round(g.l2 * 10.0) };
    remedy(
        RemedyId::TreeRegularization,
        Category::Variance,
        "Regularize the leaves: more rows per leaf, an L2 penalty",
        "a leaf fitted on few rows follows their noise; an L2 penalty shrinks its value",
        vec![
            change(&key("min_leaf"), json!(g.min_leaf), json!(g.min_leaf * 2)),
            change(&key("l2"), json!(g.l2), json!(l2)),
        ],
    )
}

fn subsample(g: &Gbdt) -> Remedy {
    let less = |v: f64| round((v * 0.8).max(0.3));
    remedy(
        RemedyId::Subsampling,
        Category::Variance,
        "Subsample rows and features",
        "each round on 80% of the rows and each tree on 80% of the features decorrelates the trees (stochastic gradient boosting, Friedman 2002)",
        vec![
            change(
                &key("subsample"),
                json!(g.subsample),
                json!(less(g.subsample)),
            ),
            change(
                &key("colsample"),
                json!(g.colsample),
                json!(less(g.colsample)),
            ),
        ],
    )
}

fn fewer_leaves(g: &Gbdt) -> Remedy {
    remedy(
        RemedyId::SmallerModel,
        Category::Variance,
        "Fewer leaves per tree",
        "smaller trees fit less noise",
        vec![change(
            &key("max_leaves"),
            json!(g.max_leaves),
            json!((g.max_leaves / 2).max(4)),
        )],
    )
}

fn smaller_steps(g: &Gbdt) -> Remedy {
    remedy(
        RemedyId::LowerLearningRate,
        Category::Variance,
        "Smaller steps, more rounds",
        "shrinkage: a lower learning rate with proportionally more rounds generalises better (Friedman 2001)",
        vec![
            change(
                &key("learning_rate"),
                json!(g.learning_rate),
                json!(round(g.learning_rate / 2.0)),
            ),
            change(&key("rounds"), json!(g.rounds), json!(g.rounds * 2)),
        ],
    )
}

fn early_stopping() -> Remedy {
    remedy(
        RemedyId::EarlyStopping,
        Category::Variance,
        "Stop boosting when validation stops improving",
        "the best round's trees are kept; the rounds after it only fit noise",
        vec![change(&key("early_stopping_rounds"), json!(0), json!(50))],
    )
}

/// Another model family for a table: the tabular net (entity embeddings) instead of trees; the
/// ensemble step can then combine the two.
fn net(exp: &Experiment, category: Category) -> Remedy {
    family(
        exp,
        "tabular",
        (RemedyId::ModelSelection, category),
        "Another model family: the tabular net",
        "a neural net learns smooth functions and embeddings that trees approximate in steps; it also makes a strong ensemble partner for the trees",
    )
}

/// For a network on a table (or on short vectors): the trees.
pub(super) fn boosted_trees(exp: &Experiment, category: Category) -> Remedy {
    family(
        exp,
        "gbdt",
        (RemedyId::BoostedTrees, category),
        "Another model family: gradient-boosted trees",
        "on tables boosted trees are the strongest single model more often than nets (native categorical levels and missing values, no scaling), and an ensemble partner for the net",
    )
}

/// The experiment's `[model]` replaced by the zoo entry `name`.
fn family(
    exp: &Experiment,
    name: &str,
    (id, category): (RemedyId, Category),
    title: &str,
    why: &str,
) -> Remedy {
    let spec = crate::zoo::catalogue()
        .into_iter()
        .find(|e| e.name == name)
        .map(|e| e.spec)
        .unwrap_or_else(|| ModelSpec::new(Arch::Gbdt(Gbdt::default())));
    remedy(
        id,
        category,
        title,
        why,
        vec![change(
            "model",
            serde_json::to_value(&exp.model).unwrap_or_default(),
            serde_json::to_value(&spec).unwrap_or_default(),
        )],
    )
}

/// A short study over the trees' knobs: for bias the rate and the size of the trees, for
/// variance their regularization.
fn tuning(g: &Gbdt, category: Category) -> Remedy {
    let mut space = serde_json::Map::new();
    let (id, title) = if category == Category::Bias {
        space.insert(
            key("learning_rate"),
            json!({"float": [0.02, 0.3], "log": true}),
        );
        space.insert(key("max_leaves"), json!({"int": [8, 256], "log": true}));
        space.insert(key("min_leaf"), json!({"int": [2, 100], "log": true}));
        (
            RemedyId::Tuning,
            "Hyperparameter search: learning rate, leaves, rows per leaf",
        )
    } else {
        space.insert(key("min_leaf"), json!({"int": [5, 200], "log": true}));
        space.insert(key("l2"), json!({"float": [0.001, 30.0], "log": true}));
        space.insert(key("subsample"), json!({"float": [0.5, 1.0]}));
        space.insert(key("colsample"), json!({"float": [0.3, 1.0]}));
        space.insert(key("max_leaves"), json!({"int": [4, 64], "log": true}));
        (
            RemedyId::TuningRegularization,
            "Hyperparameter search: rows per leaf, L2, subsampling, leaves",
        )
    };
    let search: Value = json!({
        "sampler": {"kind": "tpe", "n_startup_trials": 4},
        "pruner": {"kind": "asha", "min_resource": (g.rounds / 8).max(1), "reduction_factor": 3},
        "trials": 12,
        "space": space,
    });
    remedy(
        id,
        category,
        title,
        "a short TPE study with successive halving over the rounds (`tuneup tune` runs one over any [search])",
        vec![change("search", json!(null), search)],
    )
}
