//! Remedies for variance: more data (augmentation), early stopping, dropout, weight decay,
//! normalization, label smoothing, a smaller model; and for data mismatch, training data more
//! like the validation data.

use serde_json::{Value, json};

use super::{
    Category::{Data, Variance},
    Change, Remedy, RemedyId, change, is_table, not_yet, remedy, round,
};
use crate::spec::{Experiment, Norm, Task};

pub(super) fn early_stopping(exp: &Experiment, overfit_at: Option<usize>) -> Remedy {
    let id = RemedyId::EarlyStopping;
    match overfit_at {
        Some(k) => remedy(
            id,
            Variance,
            "Stop at the early-stopping point",
            "validation loss has risen since this epoch; the best checkpoint is kept, so fewer epochs give the same model sooner",
            vec![change("train.epochs", json!(exp.train.epochs), json!(k))],
        ),
        None => remedy(
            id,
            Variance,
            "Early stopping with patience",
            "stop when validation stops improving and keep the best weights",
            vec![change("early_stopping.patience", json!(null), json!(5))],
        ),
    }
}

pub(super) fn dropout(exp: &Experiment) -> Remedy {
    let d = exp.model.max_dropout();
    let to = if d == 0.0 { 0.2 } else { (d + 0.2).min(0.5) };
    let mut changes = vec![change(
        "model.dropout",
        exp.model.dropout_value(),
        json!(round(to)),
    )];
    // The tabular model drops embedding values too (fastai's emb_drop).
    if let crate::spec::Arch::Tabular(t) = &exp.model.arch {
        let e = if t.emb_dropout == 0.0 {
            0.1
        } else {
            (t.emb_dropout + 0.1).min(0.5)
        };
        changes.push(change(
            "model.emb_dropout",
            json!(t.emb_dropout),
            json!(round(e)),
        ));
    }
    remedy(
        RemedyId::Dropout,
        Variance,
        "Dropout",
        "randomly dropping units regularises the model",
        changes,
    )
}

pub(super) fn weight_decay(exp: &Experiment) -> Remedy {
    let w = exp.optimizer.weight_decay();
    let to = if w == 0.0 { 1e-4 } else { w * 10.0 };
    remedy(
        RemedyId::WeightDecay,
        Variance,
        "Weight decay (L2)",
        "penalising large weights regularises the model",
        vec![change("optimizer.weight_decay", json!(w), json!(round(to)))],
    )
}

/// Augmentation that fits the samples, or `None` when the experiment already augments.
/// Images: small shifts and rotations (no flips: they change digits and text). Long vectors
/// (signals): shifts and noise. Tables and short vectors: noise and mixup.
fn augmentation(exp: &Experiment, shape: Option<&[usize]>) -> Option<Vec<Change>> {
    if exp.augment.is_on() {
        return None;
    }
    let a = &exp.augment;
    let c = |k: &str, from: Value, to: Value| change(&format!("augment.{k}"), from, to);
    if super::is_text(exp) {
        // Wei and Zou 2019's rates for a few thousand texts: 10% of the tokens.
        return Some(vec![
            c("token_delete", json!(a.token_delete), json!(0.1)),
            c("token_swap", json!(a.token_swap), json!(0.1)),
        ]);
    }
    Some(match shape {
        Some([_, h, w]) => vec![
            c("shift", json!(a.shift), json!((h.min(w) / 14).max(1))),
            c("rotate", json!(a.rotate), json!(10.0)),
            c("scale", json!(a.scale), json!(0.1)),
        ],
        Some([n]) | Some([1, n]) if *n > 32 && !is_table(exp) => vec![
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

/// Augmentation that fits the samples; when it is already on, stronger (mixing, or clean
/// samples at the end); when that is on too, more real data.
pub(super) fn more_data(exp: &Experiment, shape: Option<&[usize]>) -> Remedy {
    if let Some(changes) = augmentation(exp, shape) {
        return remedy(
            RemedyId::Augmentation,
            Variance,
            "More data: data augmentation",
            "the most reliable cure for variance: the model sees new variations of each sample every epoch (`tuneup augment-preview` shows them; `tuneup curve` forecasts whether more data helps)",
            changes,
        );
    }
    let a = &exp.augment;
    let mut changes = Vec::new();
    if super::is_text(exp) {
        // Stronger: token dropout and insertion on top.
        if a.token_dropout == 0.0 {
            changes.push(change(
                "augment.token_dropout",
                json!(a.token_dropout),
                json!(0.1),
            ));
        }
        if a.token_insert == 0.0 {
            changes.push(change(
                "augment.token_insert",
                json!(a.token_insert),
                json!(0.1),
            ));
        }
    } else if !a.mixes() {
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
            json!((exp.train.epochs / 5).max(1)),
        ));
    }
    if changes.is_empty() {
        return not_yet(
            RemedyId::MoreData,
            Variance,
            "More data",
            "augmentation is already on; more real data is the next step",
            "collecting more data",
        );
    }
    remedy(
        RemedyId::Augmentation,
        Variance,
        "Stronger augmentation",
        "augmentation is on but the gap remains: mix samples (mixup), or end on clean samples",
        changes,
    )
}

pub(super) fn normalization(exp: &Experiment) -> Remedy {
    let id = RemedyId::Normalization;
    if !exp.model.arch.spec().takes_norm() {
        return not_yet(
            id,
            Variance,
            "Batch / layer normalization",
            "this architecture has no normalization to choose",
            "another architecture",
        );
    }
    match exp.model.norm() {
        Norm::None => remedy(
            id,
            Variance,
            "Batch normalization",
            "normalization regularises and steadies training (batch statistics add noise)",
            vec![change("model.norm", json!("none"), json!("batch"))],
        ),
        _ => not_yet(
            id,
            Variance,
            "Batch / layer normalization",
            "the model is already normalised",
            "nothing: already on",
        ),
    }
}

pub(super) fn label_smoothing(exp: &Experiment) -> Option<Remedy> {
    (exp.task == Task::Classification && exp.train.label_smoothing == 0.0).then(|| {
        remedy(
            RemedyId::LabelSmoothing,
            Variance,
            "Label smoothing",
            "softer targets keep the model from over-confident fits of the training labels",
            vec![change("train.label_smoothing", json!(0.0), json!(0.1))],
        )
    })
}

pub(super) fn smaller_model(exp: &Experiment) -> Option<Remedy> {
    exp.model.is_wide().then(|| {
        remedy(
            RemedyId::SmallerModel,
            Variance,
            "Smaller model",
            "less capacity overfits less (try after regularization)",
            vec![change("model.width_mult", json!(1.0), json!(0.5))],
        )
    })
}

pub(super) fn match_training_data() -> Remedy {
    not_yet(
        RemedyId::MatchTrainingData,
        Data,
        "Make the training data more like the validation data",
        "validation comes from another distribution than training: collect or synthesise training data like it",
        "data collection or synthesis outside tuneup",
    )
}
