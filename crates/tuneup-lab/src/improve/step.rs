//! One step of a chain: is there budget (and a reason) to go on; the current best diagnosed;
//! the first remedy not yet tried; its child run; the paired judgement; the ledger row.

use serde_json::Value;
use tuneup_core::diagnose::remedies::RemedyId;
use tuneup_core::diagnose::{Diagnosis, Remedy, Verdict};
use tuneup_store::{NewStep, Step, StepKind, StepState};

use super::child::Child;
use super::describe::{brief, cut_short, short};
use super::{Best, Chain, STUDY_SHARE};
use crate::diagnose::{Options, diagnose_with_curves, shape_and_outputs};

/// What the loop does next.
pub(super) enum Next {
    Stop(String),
    /// A child was kept: the new best.
    Kept(Best),
    Continue,
}

/// How much room a next candidate has: the run whose curves the diagnosis reads (a CV run's
/// first fold), what a candidate costs in runs, the seconds left once an epoch of the best is
/// set aside.
struct Room {
    diag_run: i64,
    per_candidate: f64,
    remaining: f64,
}

/// Why the chain stops before another step, or the room the next step has.
fn room(chain: &Chain, best: &Best, ledger: &[Step]) -> anyhow::Result<Result<Room, String>> {
    let store = chain.lab.store;
    // A step its worker left unfinished is tried again: its run does not count.
    let runs_done = ledger
        .iter()
        .filter(|s| s.run_id.is_some() && s.kind.trains() && s.state != StepState::Interrupted)
        .count();
    if chain.opts.max_runs.is_some_and(|m| runs_done >= m) {
        return Ok(Err(format!("--max-runs {runs_done} reached")));
    }
    if let Some(t) = chain.opts.target_metric {
        let higher = chain.direction.higher_is_better();
        if (higher && best.value >= t) || (!higher && best.value <= t) {
            let metric = chain.base.metric().name();
            return Ok(Err(format!(
                "target {metric} {t} reached ({:.4})",
                best.value
            )));
        }
    }
    let remaining = chain.left() - chain.reserve;
    if remaining < 1.0 {
        return Ok(Err("budget spent".into()));
    }
    // A child stops after the epoch that passes its time budget, so it gets the time left less
    // one epoch of the current best; with less than three such epochs left, no child could be
    // trained far enough to be judged. Under cross-validation a candidate costs one run per
    // fold; the first fold's run gives the diagnosis its learning curves and the loop its
    // timing.
    let (diag_run, per_candidate) = match &chain.cv {
        Some(spec) => {
            let folds = store
                .run(best.run)?
                .fold_runs()
                .unwrap_or_default()
                .to_vec();
            (
                folds.first().copied().unwrap_or(best.run),
                (spec.folds * spec.repeats) as f64,
            )
        }
        None => (best.run, 1.0),
    };
    let e = store.epochs(diag_run)?;
    let epoch_secs = per_candidate
        * if e.is_empty() {
            0.0
        } else {
            e.iter().map(|r| r.seconds).sum::<f64>() / e.len() as f64
        };
    if remaining < 3.0 * epoch_secs {
        return Ok(Err(format!(
            "budget spent ({remaining:.0} s left, under three epochs of the best run at {epoch_secs:.0} s each)"
        )));
    }
    Ok(Ok(Room {
        diag_run,
        per_candidate,
        remaining: remaining - epoch_secs,
    }))
}

/// The best run's diagnosis; after the verdict's own remedies (or when the diagnosis is good,
/// within the target's noise) and while budget is left: what could still help, the larger
/// gap's remedies first.
fn diagnosis(
    chain: &Chain,
    best: &Best,
    room: &Room,
    ledger: &[Step],
) -> anyhow::Result<Diagnosis> {
    let opts = Options {
        estimate: super::achievable::estimate(chain, best.run, ledger)?,
        ..Options::default()
    };
    let diagnosed = diagnose_with_curves(chain.lab.store, best.run, room.diag_run, &opts)?;
    let mut d = diagnosed.diagnosis;
    let (shape, outputs) = shape_and_outputs(&diagnosed.run);
    let more = tuneup_core::diagnose::remedies::remedies(
        Verdict::HighBiasAndVariance,
        &d.curves,
        d.avoidable_bias.as_ref(),
        d.variance.as_ref(),
        &diagnosed.run.experiment,
        shape.as_deref(),
        outputs,
    );
    for r in more {
        if !d.remedies.iter().any(|x| x.id == r.id) {
            d.remedies.push(r);
        }
    }
    Ok(d)
}

/// Whether a run is boosted trees (the other family is the nets).
fn trees(exp: &tuneup_core::spec::Experiment) -> bool {
    matches!(exp.model.arch, tuneup_core::spec::Arch::Gbdt(_))
}

/// When the best's remedies are spent: the best judged run of the other model family (by its
/// held-out value), its diagnosis and its first open remedy, with the room to try it (its own
/// first fold's curves under cross-validation). `None` when the chain has no such run or it has
/// no remedy left either.
fn other_family(
    chain: &Chain,
    best: &Best,
    room: &Room,
    ledger: &[Step],
) -> anyhow::Result<Option<(Best, Room, Diagnosis, Remedy)>> {
    let store = chain.lab.store;
    let d = chain.direction;
    let mut alt: Option<Best> = None;
    for s in ledger
        .iter()
        .filter(|s| s.kind.trains() && s.state.judged())
    {
        let (Some(run), Some(value)) = (s.run_id, s.value) else {
            continue;
        };
        if run == best.run || !value.is_finite() {
            continue;
        }
        let exp = store.run(run)?.experiment;
        if trees(&exp) == trees(&best.exp) {
            continue;
        }
        if alt.as_ref().is_none_or(|a| d.loss(value) < d.loss(a.value)) {
            alt = Some(Best { run, value, exp });
        }
    }
    let Some(alt) = alt else {
        return Ok(None);
    };
    let diag_run = match &chain.cv {
        Some(_) => store
            .run(alt.run)?
            .fold_runs()
            .and_then(|f| f.first().copied())
            .unwrap_or(alt.run),
        None => alt.run,
    };
    let room = Room {
        diag_run,
        per_candidate: room.per_candidate,
        remaining: room.remaining,
    };
    let diagnosis = diagnosis(chain, &alt, &room, ledger)?;
    Ok(choose(chain, &alt, &diagnosis, &room, ledger)?.map(|r| (alt, room, diagnosis, r)))
}

/// The key and value of each change, to tell one change from another.
fn targets(changes: &[tuneup_core::diagnose::remedies::Change]) -> Vec<(String, Value)> {
    changes
        .iter()
        .map(|c| (c.key.clone(), c.to.clone()))
        .collect()
}

/// The first remedy not yet tried from the best run. Chain-wide memory: a change that did not
/// help from an earlier best waits until the changes not yet tried anywhere have had their
/// turn (a remedy whose change differs, augmentation for a CNN after augmentation for a dense
/// net, is a new change). A study needs room for a few full runs of the current best within
/// its share (under cross-validation it searches on the first fold, and the other folds
/// follow).
fn choose(
    chain: &Chain,
    best: &Best,
    d: &Diagnosis,
    room: &Room,
    ledger: &[Step],
) -> anyhow::Result<Option<Remedy>> {
    let tried = |r: &Remedy| {
        ledger.iter().any(|s| {
            s.parent_run == Some(best.run)
                && s.remedy.as_deref() == Some(r.id.as_str())
                && s.state != StepState::Interrupted
                && s.state != StepState::Running
        })
    };
    let failed_before = |r: &Remedy| {
        let mine = targets(&r.changes);
        ledger.iter().any(|s| {
            s.remedy.as_deref() == Some(r.id.as_str())
                && matches!(s.state, StepState::Rejected | StepState::Failed)
                && s.changes.as_deref().map(targets) == Some(mine.clone())
        })
    };
    let best_secs = chain.lab.store.run(room.diag_run)?.seconds.unwrap_or(0.0);
    let affordable = |r: &Remedy| {
        !r.changes.iter().any(|c| c.key == "search")
            || (room.remaining * STUDY_SHARE >= 3.0 * best_secs
                && room.remaining * (1.0 - STUDY_SHARE) >= (room.per_candidate - 1.0) * best_secs)
    };
    let open: Vec<&Remedy> = d
        .remedies
        .iter()
        .filter(|r| r.available && !r.changes.is_empty() && !tried(r) && affordable(r))
        // A change to the value a key already has (dropout at its cap) is no remedy.
        .filter(|r| r.changes.iter().any(|c| c.from != c.to))
        .filter(|r| {
            chain
                .remedies
                .as_ref()
                .is_none_or(|ids| ids.contains(&r.id))
        })
        .collect();
    Ok(open
        .iter()
        .find(|r| !failed_before(r))
        .or(open.first())
        .map(|r| (*r).clone()))
}

/// One step: diagnose the best, try the first open remedy, keep it only when it is better
/// beyond noise.
pub(super) fn next(chain: &mut Chain, best: &Best) -> anyhow::Result<Next> {
    let ledger = chain.lab.store.ledger(&chain.name)?;
    let room = match room(chain, best, &ledger)? {
        Ok(r) => r,
        Err(why) => return Ok(Next::Stop(why)),
    };
    let d = diagnosis(chain, best, &room, &ledger)?;
    let (from, room, d, remedy) = match choose(chain, best, &d, &room, &ledger)? {
        Some(r) => (best.clone(), room, d, r),
        // The best's remedies are spent: the other model family's best run (trees for a net,
        // a net for trees) gets its own remedies, each child judged against the chain's best.
        None => match other_family(chain, best, &room, &ledger)? {
            Some(found) => found,
            // Then more seeds of the best for the final ensemble, while they fit.
            None => match super::seeds::next_seed(
                chain,
                best,
                &ledger,
                (room.diag_run, room.per_candidate, room.remaining),
            )? {
                Ok(r) => (best.clone(), room, d, r),
                Err(seeds) => {
                    let left = chain.left().max(0.0);
                    let why = if d.verdict == Verdict::Good {
                        "the diagnosis is good (within the target's noise)".to_string()
                    } else {
                        format!("no remedy left for {}", d.verdict.describe())
                    };
                    return Ok(Next::Stop(format!(
                        "{why}; {seeds} ({left:.0} s of the budget left)"
                    )));
                }
            },
        },
    };
    let diag = brief(&d);
    let step = chain.begin(NewStep {
        chain: "",
        kind: StepKind::Remedy,
        parent_run: Some(from.run),
        remedy: Some(remedy.id.as_str()),
        title: Some(&remedy.title),
        changes: Some(&remedy.changes),
        diagnosis: Some(&diag),
        best_before: Some(best.value),
        worker: "",
    })?;
    announce(chain, step, best, &d, &remedy, room.remaining);
    if from.run != best.run {
        chain.lab.say(format!(
            "   (from run {}, the best of the other model family: {} {:.4})",
            from.run,
            chain.base.metric().name(),
            from.value
        ));
    }
    let child = Child {
        chain: &*chain,
        step,
        parent: from.run,
    };
    let (run, v, exp, mut note) = match child.run(&from.exp, &remedy, room.remaining)? {
        Ok(r) => r,
        Err(why) => {
            chain.lab.say(format!("   step {step} failed: {why}"));
            chain.end(step, StepState::Failed, None, &why)?;
            return Ok(Next::Continue);
        }
    };
    if let Some((done, of)) = cut_short(chain.lab.store, run)? {
        let fold = if chain.cv.is_some() { " (a fold)" } else { "" };
        note.push_str(&format!(
            "the time budget stopped it at epoch {done} of {of}{fold}; "
        ));
    }
    if remedy.id == RemedyId::MoreSeeds {
        let reason = format!(
            "{note}{}",
            super::seeds::bag(chain, best, &ledger, (run, v))?
        );
        chain.lab.say(format!("   step {step}: {reason}"));
        chain.end(step, StepState::Rejected, Some(v), &reason)?;
        return Ok(Next::Continue);
    }
    judged(chain, step, best, (run, v, exp), &note)
}

/// The step's header line.
fn announce(chain: &Chain, step: usize, best: &Best, d: &Diagnosis, r: &Remedy, remaining: f64) {
    let shown: Vec<String> = r
        .changes
        .iter()
        .map(|c| format!("{} {} -> {}", c.key, short(&c.from), short(&c.to)))
        .collect();
    let err = |m: Option<&tuneup_core::diagnose::Measured>| {
        m.map(|m| format!("{:.4}", m.value)).unwrap_or("-".into())
    };
    chain.lab.say(format!(
        "== step {step}: {} (train err {}, val err {}); trying {}: {}; best {} {:.4}; budget left {remaining:.0} s",
        d.verdict.describe(),
        err(d.errors.train.as_ref()),
        err(d.errors.val.as_ref()),
        r.title,
        shown.join(", "),
        chain.base.metric().name(),
        best.value,
    ));
}

/// The paired judgement of a child against the best, recorded as the step's end.
fn judged(
    chain: &mut Chain,
    step: usize,
    best: &Best,
    (run, v, exp): (i64, f64, tuneup_core::spec::Experiment),
    note: &str,
) -> anyhow::Result<Next> {
    let store = chain.lab.store;
    if chain.per_best.is_none() {
        chain.per_best = Some(super::judge::held(store, best.run)?);
    }
    let child_per = super::judge::held(store, run)?;
    let Some(best_held) = chain.per_best.as_ref() else {
        unreachable!("read above")
    };
    // Accuracy: McNemar; MSE / RMSE: per sample; any other metric: a paired bootstrap.
    let j = tuneup_core::paired_metric::HeldOut {
        info: &child_per.info,
        metric: chain.base.metric(),
        y: &child_per.y,
    }
    .judge(
        &best_held.pred,
        &child_per.pred,
        chain.direction,
        chain.opts.z,
    );
    let reason = format!(
        "{note}{} {} {v:.4} vs {:.4} ({}{:.4}); {}",
        chain.val_word,
        chain.base.metric().name(),
        best.value,
        if v >= best.value { "+" } else { "" },
        v - best.value,
        j.wording
    );
    chain.lab.say(format!("   step {step}: {reason}"));
    let state = if j.keep {
        StepState::Kept
    } else {
        StepState::Rejected
    };
    chain.end(step, state, Some(v), &reason)?;
    if !j.keep {
        return Ok(Next::Continue);
    }
    chain.per_best = Some(child_per);
    Ok(Next::Kept(Best { run, value: v, exp }))
}
