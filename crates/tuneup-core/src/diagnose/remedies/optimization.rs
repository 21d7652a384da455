//! Remedies for unstable optimization: smaller steps, a gentler start.

use serde_json::json;

use super::{Category::Optimization, Remedy, RemedyId, change, remedy, round};
use crate::spec::Experiment;

pub(super) fn lower_learning_rate(exp: &Experiment) -> Remedy {
    let lr = exp.optimizer.lr();
    remedy(
        RemedyId::LowerLearningRate,
        Optimization,
        "Lower the learning rate",
        "the loss diverged, exploded or oscillated: steps are too large",
        vec![change("optimizer.lr", json!(lr), json!(round(lr / 10.0)))],
    )
}

pub(super) fn warmup_and_clipping(exp: &Experiment) -> Remedy {
    remedy(
        RemedyId::WarmupAndClipping,
        Optimization,
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
    )
}
