//! Remedies for avoidable bias: train longer, a bigger model (or distillation when the budget
//! binds), a better optimizer or rate, a schedule, another architecture.

use serde_json::json;

use super::{
    Category::Bias, Change, Remedy, RemedyId, change, not_yet, remedy, round, within_budget,
};
use crate::spec::{Arch, Experiment, ModelSpec, OptimizerSpec, Task};

pub(super) fn train_longer(exp: &Experiment, improving: bool) -> Remedy {
    let epochs = exp.train.epochs;
    remedy(
        RemedyId::TrainLonger,
        Bias,
        "Train longer",
        if improving {
            "validation loss was still falling at the last epoch (`tuneup resume RUN --epochs N` continues this run)"
        } else {
            "more optimisation steps lower training error"
        },
        vec![change("train.epochs", json!(epochs), json!(epochs * 2))],
    )
}

/// A bigger model in one key (`model.width_mult`), or a first hidden layer for a linear model;
/// under the parameter / FLOP budget when one is set and the input is known: the largest of 2x,
/// 1.5x, 1.25x that fits. `Err` says why no bigger model fits.
fn bigger(
    exp: &Experiment,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Result<Vec<Change>, String> {
    if let Arch::Mlp(m) = &exp.model.arch {
        if m.hidden.is_empty() {
            return Ok(vec![change("model.hidden", json!(m.hidden), json!([128]))]);
        }
    }
    let budgeted = exp.max_params.is_some() || exp.max_flops.is_some();
    let (Some(shape), Some(outputs), true) = (shape, outputs, budgeted) else {
        return Ok(vec![change("model.width_mult", json!(1.0), json!(2.0))]);
    };
    let fits = |f: f64| within_budget(exp, &exp.model.widened(f), shape, outputs);
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

pub(super) fn bigger_model(
    exp: &Experiment,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Remedy {
    let id = RemedyId::BiggerModel;
    match bigger(exp, shape, outputs) {
        Ok(changes) => remedy(
            id,
            Bias,
            "Bigger model",
            "more capacity lowers training error (avoidable bias)",
            changes,
        ),
        Err(why) => not_yet(
            id,
            Bias,
            "Bigger model",
            &why,
            "a smaller student distilled from a bigger teacher (`tuneup distill`), or a lighter zoo architecture",
        ),
    }
}

/// When the budget binds, a bigger teacher (free of it) passes what it learns to a model within
/// it: knowledge distillation (Hinton et al. 2015), classification only.
pub(super) fn distillation(exp: &Experiment, bigger_model: &Remedy) -> Option<Remedy> {
    let binds = (exp.max_params.is_some() || exp.max_flops.is_some()) && !bigger_model.available;
    (exp.task == Task::Classification && binds).then(|| {
        remedy(
            RemedyId::Distillation,
            Bias,
            "Knowledge distillation from a bigger teacher",
            "the parameter budget leaves no room to grow: train a teacher 3x as wide without the budget, then this model on its softened predictions (`tuneup distill` does it by hand)",
            vec![change(
                super::DISTILL_KEY,
                json!(null),
                json!({"teacher_width_mult": 3.0, "alpha": 0.5, "temperature": 4.0}),
            )],
        )
    })
}

/// Adam instead of plain SGD; otherwise a larger learning rate.
pub(super) fn better_optimizer(exp: &Experiment) -> Remedy {
    let lr = exp.optimizer.lr();
    match &exp.optimizer {
        OptimizerSpec::Sgd { .. } => remedy(
            RemedyId::BetterOptimizer,
            Bias,
            "Switch to Adam",
            "adaptive steps usually fit faster than plain SGD",
            vec![
                change("optimizer.kind", json!("sgd"), json!("adam")),
                change("optimizer.lr", json!(lr), json!(1e-3)),
            ],
        ),
        _ => remedy(
            RemedyId::RaiseLearningRate,
            Bias,
            "Try a larger learning rate",
            "a rate too small fits slowly; try 3x (an LR range test would pick it)",
            vec![change("optimizer.lr", json!(lr), json!(round(lr * 3.0)))],
        ),
    }
}

/// Cosine annealing for a constant rate.
pub(super) fn lr_schedule(exp: &Experiment) -> Remedy {
    let id = RemedyId::LrSchedule;
    if exp.schedule.kind() == "constant" {
        remedy(
            id,
            Bias,
            "A learning-rate schedule: cosine annealing",
            "decaying the rate lets training settle lower (`tuneup schedule` plots it)",
            vec![change("schedule.kind", json!("constant"), json!("cosine"))],
        )
    } else {
        not_yet(
            id,
            Bias,
            "Another learning-rate schedule",
            "one-cycle or warm restarts may settle lower",
            "a study over schedules: a [search] table with \"schedule.kind\" and `tuneup tune`",
        )
    }
}

/// A zoo architecture whose inductive bias fits the samples better than a dense net: the 1-D
/// CNN for signals (long vectors), the CNN for images. The change replaces the `[model]` table
/// (and reads a CSV's rows as one-channel signals). Within the budget, when one is set.
pub(super) fn model_selection(
    exp: &Experiment,
    shape: Option<&[usize]>,
    outputs: Option<usize>,
) -> Remedy {
    let id = RemedyId::ModelSelection;
    let (candidates, shape_change, why) = candidates(exp, shape);
    let fits = |spec: &ModelSpec| {
        let (Some(sh), Some(o)) = (shape, outputs) else {
            return true;
        };
        let sh: Vec<usize> = match (&shape_change, sh) {
            (Some(to), _) => serde_json::from_value(to.clone()).unwrap_or_default(),
            (None, [n]) => vec![1, *n],
            (None, other) => other.to_vec(),
        };
        crate::zoo::size(spec, &sh, o).is_err() || within_budget(exp, spec, &sh, o)
    };
    let pick = |name: &&str| {
        crate::zoo::catalogue()
            .into_iter()
            .find(|e| e.name == *name)
            .map(|e| e.spec)
    };
    match candidates.iter().filter_map(pick).find(fits) {
        Some(spec) => {
            let mut changes = vec![change(
                "model",
                serde_json::to_value(&exp.model).unwrap_or_default(),
                serde_json::to_value(&spec).unwrap_or_default(),
            )];
            if let Some(to) = shape_change {
                changes.push(change("data.shape", json!(null), to));
            }
            let title = format!("Another architecture from the zoo: {}", spec.kind());
            remedy(id, Bias, &title, why, changes)
        }
        None => not_yet(
            id,
            Bias,
            "Another architecture from the zoo",
            "a model whose inductive bias fits the data better (`tuneup zoo` lists them)",
            "a zoo architecture for these samples that fits the budget",
        ),
    }
}

/// The zoo entries to try in order of preference, the `data.shape` change that reads the
/// samples as they need, and why.
fn candidates(
    exp: &Experiment,
    shape: Option<&[usize]>,
) -> (
    &'static [&'static str],
    Option<serde_json::Value>,
    &'static str,
) {
    let dense = matches!(exp.model.arch, Arch::Mlp(_) | Arch::Resmlp(_));
    if super::is_text(exp) {
        // From the bag of words towards models of word order, the current kind left out.
        const TEXT: &[&str] = &["textcnn", "bigru", "transformer", "embbag", "fasttext"];
        const WITHOUT: [&[&str]; 5] = [
            &["bigru", "transformer", "embbag", "fasttext"],
            &["textcnn", "transformer", "embbag", "fasttext"],
            &["textcnn", "bigru", "embbag", "fasttext"],
            &["textcnn", "bigru", "transformer", "fasttext"],
            &["textcnn", "bigru", "transformer", "embbag"],
        ];
        let at = TEXT
            .iter()
            .position(|k| *k == exp.model.kind())
            .unwrap_or(0);
        return (
            WITHOUT[at],
            None,
            "a model of word order: Kim's CNN sees phrases, the GRU and the Transformer whole sentences, where a bag of words sees only which words occur",
        );
    }
    if super::is_table(exp) {
        return if dense {
            (
                &["tabular"],
                None,
                "the tabular model learns an embedding per categorical level (fastai's: entity embeddings, Guo & Berkhahn 2016) and batch-normalises the numbers",
            )
        } else {
            (
                &["mlp", "resmlp"],
                None,
                "a dense net over one-hot levels: on small tables it can beat learned embeddings",
            )
        };
    }
    let square = |n: usize| {
        let s = (n as f64).sqrt().round() as usize;
        (s >= 8 && s * s == n).then_some(s)
    };
    const IMAGES: &[&str] = &[
        "cnn",
        "resnet",
        "mobilenet",
        "squeezenet",
        "cnn-small",
        "shufflenet",
    ];
    match shape {
        Some([n]) if dense && square(*n).is_some() => {
            let s = square(*n).unwrap_or(1);
            (
                IMAGES,
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
            IMAGES,
            None,
            "a CNN shares its weights across the image: a stroke is a stroke wherever it is (under a parameter budget: the lightweight MobileNet / SqueezeNet / ShuffleNet-style nets)",
        ),
        _ => (&[], None, ""),
    }
}

/// Text models: read twice as many tokens of each text (up to 4096), when the texts are cut.
pub(super) fn longer_texts(exp: &Experiment) -> Option<Remedy> {
    if !super::is_text(exp) {
        return None;
    }
    let now = exp.data.text.clone().unwrap_or_default().max_len;
    (now < 4096).then(|| {
        remedy(
            RemedyId::LongerTexts,
            Bias,
            "Read more of each text: a longer maximum length",
            "the tokens past max_len never reach the model; twice as many cost about twice the time per epoch",
            vec![change(
                "data.text.max_len",
                json!(now),
                json!((now * 2).min(4096)),
            )],
        )
    })
}
