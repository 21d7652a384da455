//! The pruning observer of a trial: after each epoch its value is recorded, then the pruner
//! decides from it and the other trials' values whether the trial stops here.

use tuneup_core::run::EpochRecord;
use tuneup_core::tune::{Direction, Pruner, Trial};
use tuneup_store::{StoredTrial, Study};

use crate::Lab;
use crate::record::Stopper;

/// The per-epoch hook of trial `number`.
pub(super) fn stopper<'a>(
    lab: Lab<'a>,
    study: &'a Study,
    number: usize,
    direction: Direction,
    max_steps: usize,
) -> Stopper<'a> {
    let pruner = study.search.pruner.clone();
    Box::new(move |rec: &EpochRecord| -> bool {
        let v = rec.val_metric;
        if lab
            .store
            .report_value(study.id, number, rec.epoch, v)
            .is_err()
        {
            return false;
        }
        if pruner == Pruner::None {
            // Nothing to compare against, so no history read: only a NaN stops the trial (as
            // `Pruner::prune` decides for every pruner).
            return !v.is_finite();
        }
        let Ok(all) = lab.store.trials(study.id) else {
            return false;
        };
        let (mine, others): (Vec<StoredTrial>, Vec<StoredTrial>) =
            all.into_iter().partition(|t| t.trial.number == number);
        let others: Vec<Trial> = others.into_iter().map(|t| t.trial).collect();
        mine.first()
            .is_some_and(|m| pruner.prune(&m.trial, rec.epoch, &others, direction, max_steps))
    })
}
