//! Per-sample scores for the paired test: each held-out sample right or wrong
//! (classification), or minus its squared error (regression), of a run's model.

use tuneup_store::Storage;

use crate::held_out::held_out;
use crate::predictor::member;

/// Per held-out sample, higher is better: right or wrong (classification), minus the squared
/// error (regression), of a run's best checkpoint (a CV run: its out-of-fold predictions).
pub(super) fn per_sample(store: &dyn Storage, run_id: i64) -> anyhow::Result<Vec<f64>> {
    let m = member(store, run_id, false)?;
    let classes = m.models[0].info.classes.len();
    let (preds, y, _) = held_out(store, std::slice::from_ref(&m))?;
    Ok(tuneup_core::ensemble::per_sample(&preds[0], &y, classes))
}
