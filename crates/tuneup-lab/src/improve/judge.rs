//! Held-out predictions for the paired test: a run's best checkpoint on the validation rows
//! (a CV run: its out-of-fold predictions), with those rows' targets and the data description
//! the metric is scored with (`tuneup_core::paired_metric`).

use tuneup_core::data::{DataInfo, Y};
use tuneup_core::ensemble::{Combiner, MemberPred, Method};
use tuneup_store::Storage;

use crate::held_out::held_out;
use crate::predictor::member;

/// What the paired test reads of one run.
pub(super) struct Held {
    pub pred: MemberPred,
    pub y: Y,
    pub info: DataInfo,
}

pub(super) fn held(store: &dyn Storage, run_id: i64) -> anyhow::Result<Held> {
    let m = member(store, run_id, false)?;
    let info = m.models[0].info.clone();
    let (mut preds, y, _) = held_out(store, std::slice::from_ref(&m))?;
    Ok(Held {
        pred: preds.remove(0),
        y,
        info,
    })
}

/// The members' held-out predictions combined by `method` with `weights` (one per member).
pub(super) fn vote(members: &[Held], method: Method, weights: Vec<f64>) -> MemberPred {
    let classes = members.first().map_or(0, |m| m.info.classes.len());
    let mut v = Combiner::new(method, classes, weights);
    for m in members {
        v.add(&m.pred);
    }
    v.finish()
}
