//! The remedies that fit a verdict, ranked, each with the concrete change it would make to the
//! experiment. Remedies whose experiment keys tuneup does not have yet are listed with
//! `available = false` and what is missing, so the list stays the seed's list.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Assessed, CurveFinding, Verdict};
use crate::spec::{Experiment, ModelSpec, Norm, OptimizerSpec, Task};

/// Every remedy's id, for `tuneup improve --remedies`.
pub const IDS: &[&str] = &[
    "augmentation",
    "better_optimizer",
    "bigger_model",
    "distillation",
    "dropout",
    "early_stopping",
    "label_smoothing",
    "lower_learning_rate",
    "lr_schedule",
    "match_training_data",
    "model_selection",
    "more_data",
    "normalization",
    "raise_learning_rate",
    "smaller_model",
    "train_longer",
    "tuning",
    "tuning_regularization",
    "warmup_and_clipping",
    "weight_decay",
];

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

/// The pseudo-key of the distillation remedy: not an experiment key but what the improve loop
/// does, `{ teacher_width_mult, alpha, temperature }`: train a teacher (the experiment widened,
/// free of the budget), then the unchanged experiment as its student.
pub const DISTILL_KEY: &str = "distill";

/// The experiment `changes` make of `exp`: each key set (or, for `null`, removed) in the
/// resolved experiment's text, which is parsed again as any experiment file is.
pub fn apply(exp: &Experiment, changes: &[Change]) -> Result<Experiment, crate::InputError> {
    use crate::tune::space::{set_key, to_toml};
    let err = |m: String| crate::InputError::new(m);
    let mut doc: toml::Table =
        toml::from_str(&exp.to_toml_text()).map_err(|e| err(e.to_string()))?;
    for c in changes {
        match to_toml(&c.to) {
            Some(v) => set_key(&mut doc, &c.key, v).map_err(err)?,
            None => remove_key(&mut doc, &c.key),
        }
    }
    let text = toml::to_string(&doc).map_err(|e| err(e.to_string()))?;
    Experiment::parse(&text, std::path::Path::new(""))
}

fn remove_key(t: &mut toml::Table, key: &str) {
    match key.split_once('.') {
        None => {
            t.remove(key);
        }
        Some((head, rest)) => {
            if let Some(next) = t.get_mut(head).and_then(|v| v.as_table_mut()) {
                remove_key(next, rest);
            }
        }
    }
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

/// A bigger model in one key (`model.width_mult`), or a first hidden layer for a linear model;
/// under the parameter / FLOP budget when one is set and the input is known: the largest of 2x,
/// 1.5x, 1.25x that fits. `Err` says why no bigger model fits.
fn bigger(
    exp: &Experiment,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Result<Vec<Change>, String> {
    if let ModelSpec::Mlp { hidden, .. } = &exp.model {
        if hidden.is_empty() {
            return Ok(vec![change("model.hidden", json!(hidden), json!([128]))]);
        }
    }
    let budgeted = exp.max_params.is_some() || exp.max_flops.is_some();
    let (Some(shape), Some(outputs), true) = (shape, outputs, budgeted) else {
        return Ok(vec![change("model.width_mult", json!(1.0), json!(2.0))]);
    };
    let fits = |f: f64| {
        crate::zoo::size(&exp.model.widened(f), shape, outputs).is_ok_and(|s| {
            exp.max_params.is_none_or(|m| s.params <= m)
                && exp.max_flops.is_none_or(|m| s.flops <= m)
        })
    };
    match [2.0, 1.5, 1.25].into_iter().find(|f| fits(*f)) {
        Some(f) => Ok(vec![change("model.width_mult", json!(1.0), json!(f))]),
        None => {
            let now = crate::zoo::size(&exp.model, shape, outputs)
                .map(|s| format!("{} parameters, {} FLOPs", s.params, s.flops))
                .unwrap_or_default();
            Err(format!(
                "the budget (max_params {:?}, max_flops {:?}) leaves no room to grow ({now} now)",
                exp.max_params, exp.max_flops
            ))
        }
    }
}

/// A zoo architecture whose inductive bias fits the samples better than a dense net: the 1-D
/// CNN for signals (long vectors), the CNN for images. The change replaces the `[model]` table
/// (and reads a CSV's rows as one-channel signals). Within the budget, when one is set.
fn model_selection(exp: &Experiment, shape: Option<&[usize]>, outputs: Option<usize>) -> Remedy {
    let dense = matches!(exp.model, ModelSpec::Mlp { .. } | ModelSpec::Resmlp { .. });
    let pick = |name: &str| {
        crate::zoo::catalogue()
            .into_iter()
            .find(|e| e.name == name)
            .map(|e| e.spec)
    };
    // Candidates in order of preference; the first within the budget is proposed.
    let square = |n: usize| {
        let s = (n as f64).sqrt().round() as usize;
        (s >= 8 && s * s == n).then_some(s)
    };
    let images: &[&str] = &[
        "cnn",
        "resnet",
        "mobilenet",
        "squeezenet",
        "cnn-small",
        "shufflenet",
    ];
    let (candidates, shape_change, why): (&[&str], _, _) = match shape {
        Some([n]) if dense && square(*n).is_some() => {
            let s = square(*n).unwrap_or(1);
            (
                images,
                Some(json!([1, s, s])),
                "the features are a perfect square: if they are pixels (digits 8x8, a CSV of MNIST), a CNN over them as an image shares its weights across it (the improve loop keeps the change only if it helps)",
            )
        }
        Some([n]) | Some([1, n]) if dense && *n > 32 => (
            &["conv1d", "gru"],
            (shape.map(|s| s.len()) == Some(1)).then(|| json!([1, n])),
            "a 1-D CNN shares its weights along the signal: translated patterns look alike to it (the MNIST-1D paper's CNN: 94% where an MLP gets 68%)",
        ),
        Some([_, _, _]) if dense => (
            images,
            None,
            "a CNN shares its weights across the image: a stroke is a stroke wherever it is (under a parameter budget: the lightweight MobileNet / SqueezeNet / ShuffleNet-style nets)",
        ),
        _ => (&[], None, ""),
    };
    let fits = |spec: &ModelSpec| {
        let s = match (shape, outputs) {
            (Some(sh), Some(o)) => {
                let sh: Vec<usize> = match (&shape_change, sh) {
                    (Some(to), _) => serde_json::from_value(to.clone()).unwrap_or_default(),
                    (None, [n]) => vec![1, *n],
                    (None, other) => other.to_vec(),
                };
                crate::zoo::size(spec, &sh, o).ok()
            }
            _ => None,
        };
        s.is_none_or(|s| {
            exp.max_params.is_none_or(|m| s.params <= m)
                && exp.max_flops.is_none_or(|m| s.flops <= m)
        })
    };
    match candidates.iter().filter_map(|n| pick(n)).find(fits) {
        Some(spec) => {
            let mut changes = vec![change(
                "model",
                serde_json::to_value(&exp.model).unwrap_or_default(),
                serde_json::to_value(&spec).unwrap_or_default(),
            )];
            if let Some(to) = shape_change {
                changes.push(change("data.shape", json!(null), to));
            }
            remedy(
                "model_selection",
                "bias",
                &format!("Another architecture from the zoo: {}", spec.kind()),
                why,
                changes,
            )
        }
        None => not_yet(
            "model_selection",
            "bias",
            "Another architecture from the zoo",
            "a model whose inductive bias fits the data better (`tuneup zoo` lists them)",
            "a zoo architecture for these samples that fits the budget",
        ),
    }
}

/// The `[search]` table of a short study shaped by the diagnosis: for bias the learning rate,
/// the width (up to what the parameter / FLOP budget allows), the depth of a dense net and the
/// epochs; for variance the regularization strengths (weight decay, dropout, label smoothing)
/// and the strength of the augmentation already on. TPE with a few random trials first, and
/// ASHA so that bad trials stop after a few epochs.
fn tuning_search(
    exp: &Experiment,
    bias: bool,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Value {
    let mut space = serde_json::Map::new();
    let epochs = exp.train.epochs.max(1);
    if bias {
        let lr = exp.optimizer.lr();
        space.insert(
            "optimizer.lr".into(),
            json!({"float": [round(lr / 10.0), round(lr * 10.0)], "log": true}),
        );
        let budgeted = exp.max_params.is_some() || exp.max_flops.is_some();
        let widest = match (shape, outputs, budgeted) {
            (Some(shape), Some(outputs), true) => [3.0, 2.0, 1.5, 1.25, 1.0]
                .into_iter()
                .find(|f| {
                    crate::zoo::size(&exp.model.widened(*f), shape, outputs).is_ok_and(|s| {
                        exp.max_params.is_none_or(|m| s.params <= m)
                            && exp.max_flops.is_none_or(|m| s.flops <= m)
                    })
                })
                .unwrap_or(1.0),
            _ => 3.0,
        };
        space.insert(
            "model.width_mult".into(),
            json!({"float": [0.5, widest], "log": true}),
        );
        if let ModelSpec::Mlp { hidden, .. } = &exp.model {
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
    } else {
        space.insert(
            "optimizer.weight_decay".into(),
            json!({"float": [1e-6, 1e-2], "log": true}),
        );
        space.insert(
            "model.dropout".into(),
            json!({"float": [0.0, 0.5], "step": 0.05}),
        );
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
    }
    json!({
        "sampler": {"kind": "tpe", "n_startup_trials": 4},
        "pruner": {"kind": "asha", "min_resource": (epochs / 8).max(1), "reduction_factor": 3},
        "trials": 12,
        "space": space,
    })
}

fn smaller(exp: &Experiment) -> Option<Vec<Change>> {
    let wide = match &exp.model {
        ModelSpec::Mlp { hidden, .. } => hidden.iter().any(|w| *w >= 16),
        ModelSpec::Cnn { hidden, .. } => *hidden >= 16,
        ModelSpec::Conv1d { channels, .. } => channels.iter().any(|c| *c >= 8),
        ModelSpec::Resmlp { width, .. } => *width >= 16,
        ModelSpec::Resnet { channels, .. }
        | ModelSpec::Mobilenet { channels, .. }
        | ModelSpec::Squeezenet { channels, .. }
        | ModelSpec::Shufflenet { channels, .. } => channels.iter().any(|c| *c >= 16),
        ModelSpec::Gru { hidden, .. } => *hidden >= 16,
    };
    wide.then(|| vec![change("model.width_mult", json!(1.0), json!(0.5))])
}

fn dropout_of(exp: &Experiment) -> f64 {
    exp.model.max_dropout()
}

fn norm_of(exp: &Experiment) -> Norm {
    exp.model.norm()
}

/// Augmentation that fits the samples, or `None` when the experiment already augments.
/// Images: small shifts and rotations (no flips: they change digits and text). Long vectors
/// (signals): shifts and noise. Short vectors (tabular rows): noise and mixup.
fn augmentation(exp: &Experiment, shape: Option<&[usize]>) -> Option<Vec<Change>> {
    if exp.augment.is_on() {
        return None;
    }
    let a = &exp.augment;
    let c = |k: &str, from: Value, to: Value| change(&format!("augment.{k}"), from, to);
    Some(match shape {
        Some([_, h, w]) => vec![
            c("shift", json!(a.shift), json!((h.min(w) / 14).max(1))),
            c("rotate", json!(a.rotate), json!(10.0)),
            c("scale", json!(a.scale), json!(0.1)),
        ],
        Some([n]) | Some([1, n]) if *n > 32 => vec![
            c("shift", json!(a.shift), json!((n / 16).max(1))),
            c("noise", json!(a.noise), json!(0.05)),
        ],
        _ => {
            let mut v = vec![c("noise", json!(a.noise), json!(0.1))];
            if exp.task == Task::Classification || a.cutmix == 0.0 {
                v.push(c("mixup", json!(a.mixup), json!(0.2)));
            }
            v
        }
    })
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
    sample_shape: Option<&[usize]>,
    outputs: Option<usize>,
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
    let bigger_model = match bigger(exp, sample_shape, outputs) {
        Ok(changes) => remedy(
            "bigger_model",
            "bias",
            "Bigger model",
            "more capacity lowers training error (avoidable bias)",
            changes,
        ),
        Err(why) => not_yet(
            "bigger_model",
            "bias",
            "Bigger model",
            &why,
            "a smaller student distilled from a bigger teacher (`tuneup distill`), or a lighter zoo architecture",
        ),
    };
    // When the budget binds, a bigger teacher (free of it) passes what it learns to a model
    // within it: knowledge distillation (Hinton et al. 2015), classification only.
    let distillation = (exp.task == Task::Classification
        && (exp.max_params.is_some() || exp.max_flops.is_some())
        && !bigger_model.available)
        .then(|| {
            remedy(
                "distillation",
                "bias",
                "Knowledge distillation from a bigger teacher",
                "the parameter budget leaves no room to grow: train a teacher 3x as wide without the budget, then this model on its softened predictions (`tuneup distill` does it by hand)",
                vec![change(
                    DISTILL_KEY,
                    json!(null),
                    json!({"teacher_width_mult": 3.0, "alpha": 0.5, "temperature": 4.0}),
                )],
            )
        });
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
            "a study over schedules: a [search] table with \"schedule.kind\" and `tuneup tune`",
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
    let model_selection_bias = model_selection(exp, sample_shape, outputs);
    let tuning = remedy(
        "tuning",
        "bias",
        "Hyperparameter search: learning rate, width, depth, epochs",
        "a short TPE study with successive halving (`tuneup tune` runs one over any [search])",
        vec![change(
            "search",
            json!(null),
            tuning_search(exp, true, sample_shape, outputs),
        )],
    );
    let tuning_variance = remedy(
        "tuning_regularization",
        "variance",
        "Hyperparameter search: regularization and augmentation strengths",
        "a short TPE study with successive halving over weight decay, dropout, label smoothing and the augmentation already on",
        vec![change(
            "search",
            json!(null),
            tuning_search(exp, false, sample_shape, outputs),
        )],
    );
    let dropout = {
        let d = dropout_of(exp);
        let to = if d == 0.0 { 0.2 } else { (d + 0.2).min(0.5) };
        remedy(
            "dropout",
            "variance",
            "Dropout",
            "randomly dropping units regularises the model",
            vec![change(
                "model.dropout",
                exp.model.dropout_value(),
                json!(round(to)),
            )],
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
    let more_data = match augmentation(exp, sample_shape) {
        Some(changes) => remedy(
            "augmentation",
            "variance",
            "More data: data augmentation",
            "the most reliable cure for variance: the model sees new variations of each sample every epoch (`tuneup augment-preview` shows them; `tuneup curve` forecasts whether more data helps)",
            changes,
        ),
        None => {
            let a = &exp.augment;
            let mut changes = Vec::new();
            if !a.mixes() {
                if exp.task == Task::Classification {
                    changes.push(change("augment.mixup", json!(a.mixup), json!(0.2)));
                } else {
                    changes.push(change(
                        "augment.noise",
                        json!(a.noise),
                        json!(round((a.noise * 2.0).max(0.1))),
                    ));
                }
            } else if a.mix_off_epochs == 0 {
                changes.push(change(
                    "augment.mix_off_epochs",
                    json!(0),
                    json!((epochs / 5).max(1)),
                ));
            }
            if changes.is_empty() {
                not_yet(
                    "more_data",
                    "variance",
                    "More data",
                    "augmentation is already on; more real data is the next step",
                    "collecting more data",
                )
            } else {
                remedy(
                    "augmentation",
                    "variance",
                    "Stronger augmentation",
                    "augmentation is on but the gap remains: mix samples (mixup), or end on clean samples",
                    changes,
                )
            }
        }
    };
    let normalization = match norm_of(exp) {
        Norm::None => remedy(
            "normalization",
            "variance",
            "Batch normalization",
            "normalization regularises and steadies training (batch statistics add noise)",
            vec![change("model.norm", json!("none"), json!("batch"))],
        ),
        _ => not_yet(
            "normalization",
            "variance",
            "Batch / layer normalization",
            "the model is already normalised",
            "nothing: already on",
        ),
    };
    let label_smoothing = (exp.task == Task::Classification && exp.train.label_smoothing == 0.0)
        .then(|| {
            remedy(
                "label_smoothing",
                "variance",
                "Label smoothing",
                "softer targets keep the model from over-confident fits of the training labels",
                vec![change("train.label_smoothing", json!(0.0), json!(0.1))],
            )
        });
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

    // A dense net on signals or images is the largest lever of all: an architecture whose
    // inductive bias fits the data comes first when the zoo has one within the budget.
    let architecture_first = model_selection_bias.available;
    // A constant learning rate leaves the weights bouncing at its noise floor; annealing it
    // costs nothing extra (the same epochs) and settles lower: for variance it comes right
    // after augmentation, before the remedies that cost more epochs; for bias right after a
    // bigger model and longer training (fastai and timm decay by default).
    let anneal_first = schedule.available && exp.schedule.kind() == "constant";
    let bias_list = |improving: bool| {
        let mut v = if improving {
            vec![longer.clone(), bigger_model.clone()]
        } else {
            vec![bigger_model.clone(), longer.clone()]
        };
        if let Some(d) = &distillation {
            v.push(d.clone());
        }
        if anneal_first {
            // After the two levers of bias itself, before another optimizer.
            v.insert(2, schedule.clone());
            v.push(better_opt.clone());
        } else {
            v.extend([better_opt.clone(), schedule.clone()]);
        }
        if architecture_first {
            v.insert(0, model_selection_bias.clone());
        } else {
            v.push(model_selection_bias.clone());
        }
        v.push(tuning.clone());
        v
    };
    let mut variance_list = vec![
        more_data.clone(),
        dropout.clone(),
        weight_decay.clone(),
        normalization.clone(),
    ];
    if let Some(ls) = label_smoothing {
        variance_list.push(ls);
    }
    if overfit_at.is_some() {
        variance_list.insert(1, early_stop.clone());
    }
    if anneal_first {
        variance_list.insert(0, schedule.clone());
    }
    if let Some(s) = smaller_model.clone() {
        variance_list.push(s);
    }
    let selection = Remedy {
        category: "variance".into(),
        ..model_selection_bias.clone()
    };
    // Augmentation (the most reliable variance remedy) first, then a better-fitting
    // architecture.
    if let Some(i) = variance_list.iter().position(|r| r.id == more_data.id) {
        let aug = variance_list.remove(i);
        variance_list.insert(0, aug);
    }
    if architecture_first {
        variance_list.insert(1.min(variance_list.len()), selection);
    } else {
        variance_list.push(selection);
    }
    if improving {
        // Validation loss is still falling, so the model has not started to overfit: more
        // epochs come first (with a rate that does not depend on the epoch count they
        // continue the run, so they cost only the new epochs).
        variance_list.insert(0, longer.clone());
    }
    variance_list.push(tuning_variance);

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

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(extra: &str) -> Experiment {
        Experiment::parse(
            &format!(
                "task = \"classification\"\n[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\n{extra}"
            ),
            std::path::Path::new(""),
        )
        .unwrap()
    }

    fn variance_remedies(e: &Experiment, shape: Option<&[usize]>) -> Vec<Remedy> {
        remedies(Verdict::HighVariance, &[], None, None, e, shape, Some(10))
    }

    fn keys(r: &Remedy) -> Vec<&str> {
        r.changes.iter().map(|c| c.key.as_str()).collect()
    }

    #[test]
    fn augmentation_fits_the_samples() {
        let e = exp("");
        let find = |shape: &[usize]| {
            variance_remedies(&e, Some(shape))
                .into_iter()
                .find(|r| r.id == "augmentation")
                .unwrap()
        };
        let img = find(&[1, 28, 28]);
        assert!(img.available);
        assert_eq!(
            keys(&img),
            ["augment.shift", "augment.rotate", "augment.scale"]
        );
        assert_eq!(img.changes[0].to, json!(2));
        assert_eq!(
            keys(&find(&[40])),
            ["augment.shift", "augment.noise"],
            "a long vector is a signal"
        );
        assert_eq!(
            keys(&find(&[13])),
            ["augment.noise", "augment.mixup"],
            "a short vector is a tabular row"
        );
        // The first variance remedy is augmentation; normalization and label smoothing are on
        // the list with their keys.
        let all = variance_remedies(&e, Some(&[1, 28, 28]));
        assert_eq!(all[0].id, "augmentation");
        let norm = all.iter().find(|r| r.id == "normalization").unwrap();
        assert_eq!(norm.changes[0].to, json!("batch"));
        assert!(all.iter().any(|r| r.id == "label_smoothing"));
    }

    #[test]
    fn a_dense_net_on_signals_or_images_is_offered_a_convolutional_one() {
        let e = exp("");
        let find = |shape: &[usize]| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                &e,
                Some(shape),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "model_selection")
            .unwrap()
        };
        let sig = find(&[40]);
        assert!(sig.available);
        assert_eq!(sig.changes[0].to["kind"], "conv1d");
        assert_eq!(sig.changes[1].key, "data.shape");
        assert_eq!(sig.changes[1].to, json!([1, 40]));
        assert_eq!(find(&[1, 28, 28]).changes[0].to["kind"], "cnn");
        assert!(!find(&[13]).available, "tabular rows keep their MLP");
        // 64 or 784 features: perhaps pixels; read as an image for a CNN.
        let sq = find(&[64]);
        assert_eq!(sq.changes[0].to["kind"], "cnn");
        assert_eq!(sq.changes[1].key, "data.shape");
        assert_eq!(sq.changes[1].to, json!([1, 8, 8]));
        assert_eq!(find(&[784]).changes[1].to, json!([1, 28, 28]));
    }

    #[test]
    fn an_augmented_experiment_gets_stronger_augmentation_then_more_data() {
        let e = exp("[augment]\nshift = 2\n");
        let r = variance_remedies(&e, Some(&[1, 28, 28]));
        let a = r.iter().find(|r| r.id == "augmentation").unwrap();
        assert_eq!(keys(a), ["augment.mixup"]);
        let e = exp("[augment]\nmixup = 0.2\nmix_off_epochs = 2\n");
        let r = variance_remedies(&e, Some(&[1, 28, 28]));
        let m = r.iter().find(|r| r.id == "more_data").unwrap();
        assert!(!m.available);
        // Per-layer dropout: the next step up from the largest rate.
        let e = exp("hidden = [32, 16]\ndropout = [0.1, 0.3]\n");
        let d = variance_remedies(&e, None)
            .into_iter()
            .find(|r| r.id == "dropout")
            .unwrap();
        assert_eq!(d.changes[0].to, json!(0.5));
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    #[test]
    fn a_bigger_model_stays_under_the_parameter_budget() {
        let e = |budget: &str| {
            Experiment::parse(
                &format!("task = \"classification\"\n{budget}[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\nhidden = [100]\n"),
                std::path::Path::new(""),
            )
            .unwrap()
        };
        let bigger = |exp: &Experiment| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                exp,
                Some(&[64]),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "bigger_model")
            .unwrap()
        };
        // 64-100-10 has 7,510 parameters; x2 = 15,010; x1.5 = 11,260; x1.25 = 9,385.
        assert_eq!(bigger(&e("")).changes[0].to, json!(2.0));
        assert_eq!(bigger(&e("max_params = 12000\n")).changes[0].to, json!(1.5));
        assert_eq!(
            bigger(&e("max_params = 10000\n")).changes[0].to,
            json!(1.25)
        );
        let none = bigger(&e("max_params = 8000\n"));
        assert!(!none.available);
        assert!(none.why.contains("7510"), "{}", none.why);
    }

    #[test]
    fn model_selection_picks_the_first_image_net_within_the_budget() {
        let pick = |budget: &str| {
            let exp = Experiment::parse(
                &format!("task = \"classification\"\n{budget}[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\n"),
                std::path::Path::new(""),
            )
            .unwrap();
            let r = remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                &exp,
                Some(&[1, 28, 28]),
                Some(10),
            )
            .into_iter()
            .find(|r| r.id == "model_selection")
            .unwrap();
            r.available
                .then(|| r.changes[0].to["kind"].as_str().unwrap().to_string())
        };
        // On 1x28x28: cnn 421,642; resnet 77,754; mobilenet 32,282; squeezenet 31,482;
        // cnn-small 26,810; shufflenet 5,482 parameters.
        assert_eq!(pick("").as_deref(), Some("cnn"));
        assert_eq!(pick("max_params = 100000\n").as_deref(), Some("resnet"));
        assert_eq!(pick("max_params = 40000\n").as_deref(), Some("mobilenet"));
        assert_eq!(pick("max_params = 10000\n").as_deref(), Some("shufflenet"));
        assert_eq!(pick("max_params = 5000\n"), None);
    }
}

#[cfg(test)]
mod study_tests {
    use super::*;
    use crate::tune::{Direction, Sampler, SamplerSpec};
    use std::path::Path;

    /// Every available remedy of every example makes a valid experiment, and both studies'
    /// spaces make valid trial experiments at every point drawn.
    #[test]
    fn every_remedy_and_study_point_makes_a_valid_experiment() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let mut studies = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let mut exp = Experiment::parse(&std::fs::read_to_string(&p).unwrap(), &dir).unwrap();
            exp.search = None;
            let shape: Vec<usize> = match exp.model.kind() {
                "cnn" | "resnet" | "mobilenet" | "squeezenet" | "shufflenet" => vec![1, 28, 28],
                _ => vec![40],
            };
            for budget in [None, Some(200_000)] {
                exp.max_params = budget;
                let all = remedies(
                    Verdict::HighBiasAndVariance,
                    &[],
                    None,
                    None,
                    &exp,
                    Some(&shape),
                    Some(10),
                );
                for r in all.iter().filter(|r| r.available && r.id != "distillation") {
                    let child = apply(&exp, &r.changes)
                        .unwrap_or_else(|e| panic!("{} {}: {e}", p.display(), r.id));
                    if r.id.starts_with("tuning") {
                        let search = child.search.clone().expect("a study has a [search]");
                        let text = child.to_toml_text();
                        let sampler =
                            Sampler::new(SamplerSpec::Random, search.space, Direction::Maximize, 7);
                        for n in 0..8 {
                            let params = sampler.ask(&[], n).unwrap();
                            crate::tune::search::trial_experiment(&text, Path::new(""), &params)
                                .unwrap_or_else(|e| {
                                    panic!("{} {} {params:?}: {e}", p.display(), r.id)
                                });
                        }
                        studies += 1;
                    }
                }
                let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
                assert!(ids.contains(&"tuning") && ids.contains(&"tuning_regularization"));
                assert!(ids.iter().all(|i| IDS.contains(i)), "{ids:?}");
            }
        }
        assert!(studies >= 8, "{studies}");
    }

    /// Hand-made curves: the first remedies of a high-variance and a high-bias start.
    #[test]
    fn the_first_remedies_match_the_verdict() {
        use crate::diagnose::{Evidence, Observed, Thresholds, diagnose};
        use crate::run::EpochRecord;
        let exp = Experiment::parse(
            "task = \"classification\"\n[data]\ntrain = \"x.csv\"\n[model]\nkind = \"mlp\"\nhidden = [64]\n",
            Path::new(""),
        )
        .unwrap();
        // Training error falls to 0 while validation loss turns up after epoch 8.
        let overfit: Vec<EpochRecord> = (1..=30)
            .map(|e| {
                let t = 1.0 / e as f64;
                let v = 0.3 + 0.002 * (e as f64 - 8.0).powi(2);
                EpochRecord {
                    epoch: e,
                    fit_loss: t,
                    train_loss: t,
                    train_error: (0.2 * t).min(0.2),
                    val_loss: v,
                    val_error: 0.12,
                    val_metric: 0.88,
                    lr: 1e-3,
                    seconds: 1.0,
                    fit_seconds: 0.5,
                }
            })
            .collect();
        // Both errors flat and high: a plateau.
        let plateau: Vec<EpochRecord> = (1..=30)
            .map(|e| EpochRecord {
                epoch: e,
                fit_loss: 1.2,
                train_loss: 1.2,
                train_error: 0.45,
                val_loss: 1.21,
                val_error: 0.46,
                val_metric: 0.54,
                lr: 1e-3,
                seconds: 1.0,
                fit_seconds: 0.5,
            })
            .collect();
        let first = |train: f64, val: f64, epochs: &[EpochRecord]| {
            let ev = Evidence {
                task: Task::Classification,
                target_error: Some(0.01),
                train: Some(Observed {
                    error: train,
                    n: 4000,
                }),
                train_dev: None,
                val: Some(Observed {
                    error: val,
                    n: 1000,
                }),
                epochs,
                failure: None,
                sample_shape: Some(&[12]),
                outputs: Some(3),
            };
            let d = diagnose(&ev, &exp, &Thresholds::default());
            let ids: Vec<String> = d
                .remedies
                .iter()
                .filter(|r| r.available)
                .map(|r| r.id.clone())
                .collect();
            (d.verdict, ids)
        };
        let (v, ids) = first(0.0, 0.12, &overfit);
        assert_eq!(v, Verdict::HighVariance);
        assert_eq!(
            ids[..3],
            ["augmentation", "lr_schedule", "early_stopping"],
            "{ids:?}"
        );
        let (v, ids) = first(0.45, 0.46, &plateau);
        assert_eq!(v, Verdict::HighBias);
        assert_eq!(
            ids[..3],
            ["bigger_model", "train_longer", "lr_schedule"],
            "{ids:?}"
        );
    }

    #[test]
    fn a_binding_budget_offers_distillation_instead_of_a_bigger_model() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let text = std::fs::read_to_string(dir.join("mnist.toml")).unwrap();
        let mut exp = Experiment::parse(&text, &dir).unwrap();
        let shape = [1, 28, 28];
        let own = crate::zoo::size(&exp.model, &shape, 10).unwrap().params;
        let list = |exp: &Experiment| {
            remedies(
                Verdict::HighBias,
                &[],
                None,
                None,
                exp,
                Some(&shape),
                Some(10),
            )
        };
        let free = list(&exp);
        assert!(!free.iter().any(|r| r.id == "distillation"));
        exp.max_params = Some(own);
        let bound = list(&exp);
        let big = bound.iter().find(|r| r.id == "bigger_model").unwrap();
        assert!(!big.available);
        let d = bound.iter().find(|r| r.id == "distillation").unwrap();
        assert!(d.available);
        assert_eq!(d.changes[0].key, DISTILL_KEY);
        assert_eq!(d.changes[0].to["teacher_width_mult"], 3.0);
    }
}
