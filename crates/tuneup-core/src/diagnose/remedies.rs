//! The remedies that fit a verdict, ranked, each with the concrete change it would make to the
//! experiment. Remedies whose experiment keys tuneup does not have yet are listed with
//! `available = false` and what is missing, so the list stays the seed's list.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Assessed, CurveFinding, Verdict};
use crate::spec::{Experiment, ModelSpec, OptimizerSpec};

/// One key of the experiment file and the value a remedy would give it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub from: Value,
    pub to: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remedy {
    /// Stable name, for the improve loop.
    pub id: String,
    /// `bias`, `variance`, `optimization` or `data`.
    pub category: String,
    pub title: String,
    pub why: String,
    pub changes: Vec<Change>,
    /// False when tuneup cannot apply it yet; `missing` says what it needs.
    pub available: bool,
    pub missing: Option<String>,
}

fn change(key: &str, from: Value, to: Value) -> Change {
    Change {
        key: key.into(),
        from,
        to,
    }
}

fn remedy(id: &str, category: &str, title: &str, why: &str, changes: Vec<Change>) -> Remedy {
    Remedy {
        id: id.into(),
        category: category.into(),
        title: title.into(),
        why: why.into(),
        changes,
        available: true,
        missing: None,
    }
}

fn not_yet(id: &str, category: &str, title: &str, why: &str, missing: &str) -> Remedy {
    Remedy {
        id: id.into(),
        category: category.into(),
        title: title.into(),
        why: why.into(),
        changes: vec![],
        available: false,
        missing: Some(missing.into()),
    }
}

/// A bigger model in one key (`model.width_mult`), or a first hidden layer for a linear model.
fn bigger(exp: &Experiment) -> Vec<Change> {
    match &exp.model {
        ModelSpec::Mlp { hidden, .. } if hidden.is_empty() => {
            vec![change("model.hidden", json!(hidden), json!([128]))]
        }
        _ => vec![change("model.width_mult", json!(1.0), json!(2.0))],
    }
}

fn smaller(exp: &Experiment) -> Option<Vec<Change>> {
    let wide = match &exp.model {
        ModelSpec::Mlp { hidden, .. } => hidden.iter().any(|w| *w >= 16),
        ModelSpec::Cnn { hidden, .. } => *hidden >= 16,
    };
    wide.then(|| vec![change("model.width_mult", json!(1.0), json!(0.5))])
}

fn dropout_of(exp: &Experiment) -> f64 {
    match &exp.model {
        ModelSpec::Mlp { dropout, .. } | ModelSpec::Cnn { dropout, .. } => *dropout,
    }
}

fn weight_decay_of(exp: &Experiment) -> f64 {
    exp.optimizer.weight_decay()
}

fn round(v: f64) -> f64 {
    let p = 10f64.powi(3 - v.abs().log10().ceil() as i32);
    (v * p).round() / p
}

/// The remedies for a verdict, best first.
pub fn remedies(
    verdict: Verdict,
    curves: &[CurveFinding],
    bias: Option<&Assessed>,
    variance: Option<&Assessed>,
    exp: &Experiment,
) -> Vec<Remedy> {
    let lr = exp.optimizer.lr();
    let epochs = exp.train.epochs;
    let improving = curves
        .iter()
        .any(|c| matches!(c, CurveFinding::StillImproving { .. }));
    let overfit_at = curves.iter().find_map(|c| match c {
        CurveFinding::Overfitting { since_epoch, .. } => Some(*since_epoch),
        _ => None,
    });

    let longer = remedy(
        "train_longer",
        "bias",
        "Train longer",
        if improving {
            "validation loss was still falling at the last epoch (`tuneup resume RUN --epochs N` continues this run)"
        } else {
            "more optimisation steps lower training error"
        },
        vec![change("train.epochs", json!(epochs), json!(epochs * 2))],
    );
    let bigger_model = remedy(
        "bigger_model",
        "bias",
        "Bigger model",
        "more capacity lowers training error (avoidable bias)",
        bigger(exp),
    );
    let better_opt = match &exp.optimizer {
        OptimizerSpec::Sgd { .. } => remedy(
            "better_optimizer",
            "bias",
            "Switch to Adam",
            "adaptive steps usually fit faster than plain SGD",
            vec![
                change("optimizer.kind", json!("sgd"), json!("adam")),
                change("optimizer.lr", json!(lr), json!(1e-3)),
            ],
        ),
        _ => remedy(
            "raise_learning_rate",
            "bias",
            "Try a larger learning rate",
            "a rate too small fits slowly; try 3x (an LR range test would pick it)",
            vec![change("optimizer.lr", json!(lr), json!(round(lr * 3.0)))],
        ),
    };
    let schedule = if exp.schedule.kind() == "constant" {
        remedy(
            "lr_schedule",
            "bias",
            "A learning-rate schedule: cosine annealing",
            "decaying the rate lets training settle lower (`tuneup schedule` plots it)",
            vec![change("schedule.kind", json!("constant"), json!("cosine"))],
        )
    } else {
        not_yet(
            "lr_schedule",
            "bias",
            "Another learning-rate schedule",
            "one-cycle or warm restarts may settle lower",
            "a tuning study over schedules (issue 8)",
        )
    };
    let early_stop = match overfit_at {
        Some(k) => remedy(
            "early_stopping",
            "variance",
            "Stop at the early-stopping point",
            "validation loss has risen since this epoch; the best checkpoint is kept, so fewer epochs give the same model sooner",
            vec![change("train.epochs", json!(epochs), json!(k))],
        ),
        None => remedy(
            "early_stopping",
            "variance",
            "Early stopping with patience",
            "stop when validation stops improving and keep the best weights",
            vec![change("early_stopping.patience", json!(null), json!(5))],
        ),
    };
    let model_selection_bias = not_yet(
        "model_selection",
        "bias",
        "Another architecture from the zoo",
        "a model whose inductive bias fits the data (e.g. a CNN for images or signals)",
        "the model zoo (issue 7)",
    );
    let tuning = not_yet(
        "tuning",
        "bias",
        "Hyperparameter search",
        "search learning rate, width, depth, epochs",
        "the tuning engine (issue 8)",
    );
    let dropout = {
        let d = dropout_of(exp);
        let to = if d == 0.0 { 0.2 } else { (d + 0.2).min(0.5) };
        remedy(
            "dropout",
            "variance",
            "Dropout",
            "randomly dropping units regularises the model",
            vec![change("model.dropout", json!(d), json!(round(to)))],
        )
    };
    let weight_decay = {
        let w = weight_decay_of(exp);
        let to = if w == 0.0 { 1e-4 } else { w * 10.0 };
        remedy(
            "weight_decay",
            "variance",
            "Weight decay (L2)",
            "penalising large weights regularises the model",
            vec![change("optimizer.weight_decay", json!(w), json!(round(to)))],
        )
    };
    let more_data = not_yet(
        "more_data",
        "variance",
        "More data / data augmentation",
        "the most reliable cure for variance; `tuneup curve` forecasts whether more data helps",
        "augmentation (issue 5), or collecting more data",
    );
    let normalization = not_yet(
        "normalization",
        "variance",
        "Batch / layer normalization",
        "normalization regularises and steadies training",
        "normalization layers (issue 5)",
    );
    let smaller_model = smaller(exp).map(|c| {
        remedy(
            "smaller_model",
            "variance",
            "Smaller model",
            "less capacity overfits less (try after regularization)",
            c,
        )
    });
    let lower_lr = remedy(
        "lower_learning_rate",
        "optimization",
        "Lower the learning rate",
        "the loss diverged, exploded or oscillated: steps are too large",
        vec![change("optimizer.lr", json!(lr), json!(round(lr / 10.0)))],
    );
    let warmup = remedy(
        "warmup_and_clipping",
        "optimization",
        "Learning-rate warm-up and gradient clipping",
        "tame the first steps and rare huge gradients",
        vec![
            change(
                "schedule.warmup",
                json!(exp.schedule.warmup),
                json!(exp.schedule.warmup.max(3)),
            ),
            change("train.clip_norm", json!(exp.train.clip_norm), json!(1.0)),
        ],
    );
    let mismatch = not_yet(
        "match_training_data",
        "data",
        "Make the training data more like the validation data",
        "validation comes from another distribution than training: collect or synthesise training data like it",
        "data collection or synthesis outside tuneup",
    );

    let bias_list = |improving: bool| {
        let mut v = if improving {
            vec![longer.clone(), bigger_model.clone()]
        } else {
            vec![bigger_model.clone(), longer.clone()]
        };
        v.extend([
            better_opt.clone(),
            schedule.clone(),
            model_selection_bias.clone(),
            tuning.clone(),
        ]);
        v
    };
    let mut variance_list = vec![
        more_data.clone(),
        dropout.clone(),
        weight_decay.clone(),
        normalization.clone(),
    ];
    if overfit_at.is_some() {
        variance_list.insert(1, early_stop.clone());
    }
    if improving {
        // Validation loss is still falling, so the model has not started to overfit: more
        // epochs come first.
        variance_list.insert(0, longer.clone());
    }
    if let Some(s) = smaller_model.clone() {
        variance_list.push(s);
    }
    variance_list.push(Remedy {
        category: "variance".into(),
        ..model_selection_bias.clone()
    });
    variance_list.push(Remedy {
        category: "variance".into(),
        why: "search regularization strengths".into(),
        ..tuning.clone()
    });

    let mut out = match verdict {
        Verdict::UnstableOptimization => vec![lower_lr, warmup, schedule],
        Verdict::HighBias => bias_list(improving),
        Verdict::HighVariance => variance_list,
        Verdict::HighBiasAndVariance => {
            // Work on the larger gap first (the bigger model and the regularizer are each
            // other's counterweights; fix one, then the other).
            let b = bias.map(|a| a.gap.value).unwrap_or(0.0);
            let v = variance.map(|a| a.gap.value).unwrap_or(0.0);
            let (first, second) = if b >= v {
                (bias_list(improving), variance_list)
            } else {
                (variance_list, bias_list(improving))
            };
            first.into_iter().chain(second).collect()
        }
        Verdict::DataMismatch => vec![mismatch, more_data],
        Verdict::UnderTrained => vec![longer, better_opt, schedule],
        Verdict::Good => vec![],
    };
    // The same remedy can come from both lists; keep its first (higher) place.
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.id.clone()));
    out
}
