//! Short tuning studies as remedies: a `[search]` shaped by the diagnosis.

use serde_json::{Value, json};

use super::{
    Category::{Bias, Variance},
    Remedy, RemedyId, change, remedy, round, within_budget,
};
use crate::spec::{Arch, Experiment, Task};

/// A study over the learning rate, width, depth and epochs.
pub(super) fn tuning(exp: &Experiment, shape: Option<&[usize]>, outputs: Option<usize>) -> Remedy {
    remedy(
        RemedyId::Tuning,
        Bias,
        "Hyperparameter search: learning rate, width, depth, epochs",
        "a short TPE study with successive halving (`tuneup tune` runs one over any [search])",
        vec![change(
            "search",
            json!(null),
            search(exp, bias_space(exp, shape, outputs)),
        )],
    )
}

/// A study over the regularization and augmentation strengths.
pub(super) fn tuning_regularization(exp: &Experiment) -> Remedy {
    remedy(
        RemedyId::TuningRegularization,
        Variance,
        "Hyperparameter search: regularization and augmentation strengths",
        "a short TPE study with successive halving over weight decay, dropout, label smoothing and the augmentation already on",
        vec![change(
            "search",
            json!(null),
            search(exp, variance_space(exp)),
        )],
    )
}

/// TPE with a few random trials first, and ASHA so that bad trials stop after a few epochs.
fn search(exp: &Experiment, space: serde_json::Map<String, Value>) -> Value {
    let epochs = exp.train.epochs.max(1);
    json!({
        "sampler": {"kind": "tpe", "n_startup_trials": 4},
        "pruner": {"kind": "asha", "min_resource": (epochs / 8).max(1), "reduction_factor": 3},
        "trials": 12,
        "space": space,
    })
}

/// For bias: the learning rate, the width (up to what the parameter / FLOP budget allows), the
/// depth of a dense net and the epochs.
fn bias_space(
    exp: &Experiment,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> serde_json::Map<String, Value> {
    let mut space = serde_json::Map::new();
    let epochs = exp.train.epochs.max(1);
    let lr = exp.optimizer.lr();
    space.insert(
        "optimizer.lr".into(),
        json!({"float": [round(lr / 10.0), round(lr * 10.0)], "log": true}),
    );
    let budgeted = exp.max_params.is_some() || exp.max_flops.is_some();
    let widest = match (shape, outputs, budgeted) {
        (Some(shape), Some(outputs), true) => [3.0, 2.0, 1.5, 1.25, 1.0]
            .into_iter()
            .find(|f| within_budget(exp, &exp.model.widened(*f), shape, outputs))
            .unwrap_or(1.0),
        _ => 3.0,
    };
    space.insert(
        "model.width_mult".into(),
        json!({"float": [0.5, widest], "log": true}),
    );
    let hidden = match &exp.model.arch {
        Arch::Mlp(m) => Some(&m.hidden),
        Arch::Tabular(t) => {
            space.insert(
                "model.emb_width".into(),
                json!({"float": [0.5, 2.0], "log": true}),
            );
            Some(&t.hidden)
        }
        _ => None,
    };
    if let Some(hidden) = hidden {
        if let Some(&last) = hidden.last() {
            let mut choices = vec![json!(hidden)];
            if hidden.len() > 1 {
                choices.push(json!(hidden[..hidden.len() - 1]));
            }
            let mut deeper = hidden.clone();
            deeper.push(last);
            choices.push(json!(deeper));
            space.insert("model.hidden".into(), json!({ "choices": choices }));
        }
    }
    space.insert("train.epochs".into(), json!({"int": [epochs, epochs * 2]}));
    space
}

/// For variance: the regularization strengths (weight decay, dropout, label smoothing) and the
/// strength of the augmentation already on.
fn variance_space(exp: &Experiment) -> serde_json::Map<String, Value> {
    let mut space = serde_json::Map::new();
    space.insert(
        "optimizer.weight_decay".into(),
        json!({"float": [1e-6, 1e-2], "log": true}),
    );
    space.insert(
        "model.dropout".into(),
        json!({"float": [0.0, 0.5], "step": 0.05}),
    );
    if exp.model.kind() == "tabular" {
        space.insert(
            "model.emb_dropout".into(),
            json!({"float": [0.0, 0.5], "step": 0.05}),
        );
    }
    if exp.task == Task::Classification {
        space.insert(
            "train.label_smoothing".into(),
            json!({"float": [0.0, 0.2], "step": 0.05}),
        );
    }
    let a = &exp.augment;
    if a.mixup > 0.0 {
        space.insert(
            "augment.mixup".into(),
            json!({"float": [0.0, round((a.mixup * 3.0).min(1.0))]}),
        );
    }
    if a.noise > 0.0 {
        space.insert(
            "augment.noise".into(),
            json!({"float": [0.0, round(a.noise * 3.0)]}),
        );
    }
    if a.rotate > 0.0 {
        space.insert(
            "augment.rotate".into(),
            json!({"float": [0.0, round(a.rotate * 2.0)], "step": 1.0}),
        );
    }
    if a.shift > 0 {
        space.insert("augment.shift".into(), json!({"int": [0, a.shift * 2]}));
    }
    space
}
