//! When the diagnosis's remedies and the other model family's are spent and budget is left:
//! more seeds of the best run, each judged like any child, for the final ensemble to vote with
//! (bagging over seeds: the same model's errors differ from seed to seed, and averaging them
//! is the surest gain left, Lakshminarayanan et al. 2017's deep ensembles).

use serde_json::json;
use tuneup_core::diagnose::remedies::{Category, Change, Remedy, RemedyId};
use tuneup_core::ensemble::Method;
use tuneup_store::{Step, StepState};

use super::judge::{held, vote};
use super::{Best, Chain};

/// Whether a ledger step is a finished seed of `best`.
fn seed_of(s: &Step, best: i64) -> bool {
    s.parent_run == Some(best)
        && s.remedy.as_deref() == Some(RemedyId::MoreSeeds.as_str())
        && s.state != StepState::Interrupted
        && s.state != StepState::Running
}

/// The next seed of the best run, when the final ensemble is on, fewer than `ensemble - 1`
/// seeds of it were trained, and a full run of it (every fold under cross-validation: `diag_run`
/// is its first fold, `per_candidate` the runs a candidate costs) fits in `remaining` seconds;
/// else why not.
pub(super) fn next_seed(
    chain: &Chain,
    best: &Best,
    ledger: &[Step],
    (diag_run, per_candidate, remaining): (i64, f64, f64),
) -> anyhow::Result<Result<Remedy, String>> {
    let wanted = chain.opts.ensemble.saturating_sub(1);
    if wanted == 0 {
        return Ok(Err(
            "more seeds of the best would need the final ensemble (--ensemble 2 or more)".into(),
        ));
    }
    if let Some(ids) = &chain.remedies {
        if !ids.contains(&RemedyId::MoreSeeds) {
            return Ok(Err("more_seeds is not among --remedies".into()));
        }
    }
    let done = ledger.iter().filter(|s| seed_of(s, best.run)).count();
    if done >= wanted {
        return Ok(Err(format!(
            "the best run's {done} further seeds for the final ensemble are trained"
        )));
    }
    // The run the loop times candidates by (a CV run's first fold), once per fold.
    let cost = chain.lab.store.run(diag_run)?.seconds.unwrap_or(0.0) * per_candidate;
    if cost > remaining {
        return Ok(Err(format!(
            "another seed of the best (about {cost:.0} s) does not fit the time left"
        )));
    }
    let seed = best.exp.seed;
    let to = seed.wrapping_add(1000 * (done as u64 + 1));
    // The split stays where it was: the seed also draws the validation rows (and folds).
    let mut changes = vec![Change {
        key: "seed".into(),
        from: json!(seed),
        to: json!(to),
    }];
    if best.exp.data.split_seed.is_none() {
        changes.push(Change {
            key: "data.split_seed".into(),
            from: json!(null),
            to: json!(seed),
        });
    }
    Ok(Ok(Remedy {
        id: RemedyId::MoreSeeds,
        category: Category::Variance,
        title: format!(
            "Another seed of the best run ({} of {wanted}), for the final ensemble",
            done + 1
        ),
        why: "the remedies are spent and budget is left: the same model trained from another \
              seed errs on other samples, and the final ensemble's vote averages them"
            .into(),
        changes,
        available: true,
        missing: None,
    }))
}

/// A seed's judgement: not as a new best (a seed that scores higher is luck, the winner's curse
/// in small), but as what it adds to a vote: the soft vote of the best run and its seeds so far
/// against the best alone, by the chain's paired test. The final ensemble step then chooses
/// among them. Returns the ledger's reason.
pub(super) fn bag(
    chain: &Chain,
    best: &Best,
    ledger: &[Step],
    (run, v): (i64, f64),
) -> anyhow::Result<String> {
    let store = chain.lab.store;
    let mut ids = vec![best.run];
    ids.extend(
        ledger
            .iter()
            .filter(|s| seed_of(s, best.run) && s.state.judged())
            .filter_map(|s| s.run_id),
    );
    ids.push(run);
    let mut members = Vec::new();
    for id in &ids {
        members.push(held(store, *id)?);
    }
    let voted = vote(&members, Method::Soft, vec![1.0; members.len()]);
    let metric = chain.base.metric();
    let rows = tuneup_core::paired_metric::HeldOut {
        info: &members[0].info,
        metric,
        y: &members[0].y,
    };
    let bagged = rows.value(&voted, None);
    let j = rows.judge(&members[0].pred, &voted, chain.direction, chain.opts.z);
    let shown: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let w = chain.val_word;
    let name = metric.name();
    Ok(format!(
        "this seed alone: {w} {name} {v:.4}; the soft vote of runs {} (the best and its seeds): \
         {w} {name} {bagged:.4} vs {:.4}, {}; not a new best (seeds differ by chance), a \
         candidate of the final ensemble",
        shown.join(", "),
        best.value,
        j.wording
    ))
}
