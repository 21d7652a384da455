//! The achievable error's estimate for a chain without a target error: the lowest validation
//! (or out-of-fold) error that another judged run of the chain reached on the same rows
//! (`tuneup_core::diagnose::target`).

use tuneup_core::diagnose::Estimate;
use tuneup_core::diagnose::target::lowest;
use tuneup_store::Step;

use super::Chain;

/// The estimate for diagnosing `run`, from the chain's other judged runs; `None` when the
/// experiment gives its own target error or no other run has been measured yet.
pub(super) fn estimate(
    chain: &Chain,
    run: i64,
    ledger: &[Step],
) -> anyhow::Result<Option<Estimate>> {
    if chain.base.target_error.is_some() {
        return Ok(None);
    }
    let store = chain.lab.store;
    let mut found = Vec::new();
    for s in ledger
        .iter()
        .filter(|s| s.kind.trains() && s.state.judged())
    {
        let Some(id) = s.run_id.filter(|id| *id != run) else {
            continue;
        };
        let r = store.run(id)?;
        let (Some(val), Some(splits)) = (r.val, r.splits.as_ref()) else {
            continue;
        };
        found.push(Estimate {
            error: val.error,
            n: splits.val,
            from: format!("run {id}, {}", r.model),
        });
    }
    Ok(lowest(found))
}
