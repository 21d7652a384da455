//! The final model's honest value: the chain chose it among its candidates on the same held-out
//! rows, so the value it was chosen on is optimistic (the winner's curse). The bootstrap
//! bias-corrected estimate over every candidate the chain judged (`tuneup_core::selection`)
//! says what choosing that way gives on rows the choice never saw, with no more training.

use tuneup_core::selection::{Honest, bootstrap_bias_corrected};
use tuneup_store::{Step, Storage};

use super::Chain;
use super::judge::{Held, held, vote};

/// Resamples of the held-out rows.
const REPS: usize = 300;

/// The honest value of the chain's choice ending in `final_run`, or why there is none.
pub(super) fn honest(
    chain: &Chain,
    final_run: i64,
    ledger: &[Step],
) -> anyhow::Result<Result<Honest, String>> {
    let store = chain.lab.store;
    let last = match final_held(store, final_run) {
        Ok(h) => h,
        Err(e) => return Ok(Err(format!("the final model's held-out predictions: {e}"))),
    };
    let mut ids: Vec<i64> = ledger
        .iter()
        .filter(|s| s.kind.trains() && s.state.judged())
        .filter_map(|s| s.run_id)
        .filter(|id| *id != final_run)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut candidates = vec![last.pred];
    for id in ids {
        // A candidate whose held-out rows differ (another split) cannot be compared here.
        if let Ok(h) = held(store, id) {
            if h.y == last.y {
                candidates.push(h.pred);
            }
        }
    }
    let judged = tuneup_core::paired_metric::HeldOut {
        info: &last.info,
        metric: chain.base.metric(),
        y: &last.y,
    };
    Ok(
        bootstrap_bias_corrected(&judged, &candidates, chain.direction, REPS, chain.base.seed)
            .ok_or_else(|| "no resample could be scored".to_string()),
    )
}

/// A run's held-out predictions; an ensemble run's are its members' combined as it combines
/// them.
fn final_held(store: &dyn Storage, run: i64) -> anyhow::Result<Held> {
    let Some(e) = store.run(run)?.extra.ensemble else {
        return held(store, run);
    };
    let mut members = Vec::new();
    for id in &e.members {
        members.push(held(store, *id)?);
    }
    if members.is_empty() {
        anyhow::bail!("ensemble run {run} has no members");
    }
    let pred = vote(&members, e.method, e.weights);
    let first = members.swap_remove(0);
    Ok(Held { pred, ..first })
}

/// The honest value in words, for the final step.
pub(super) fn describe(h: &Result<Honest, String>, metric: &str) -> String {
    match h {
        Ok(h) => format!(
            "honest {metric} {:.4} (95% {:.4} to {:.4}; bootstrap bias-corrected over the \
             chain's {} candidates, {} resamples)",
            h.value, h.low, h.high, h.candidates, h.reps
        ),
        Err(why) => format!("no honest value ({why})"),
    }
}
