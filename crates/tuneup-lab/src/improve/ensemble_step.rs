//! The chain's runs as an ensemble: greedy selection (on held-out predictions) among the best
//! distinct runs, soft voting; recorded as a ledger step, and as an ensemble run when it beats
//! the best single run beyond noise, like any child.

use tuneup_core::ensemble::{Combiner, MemberPred, Method};
use tuneup_store::{NewStep, Step, StepKind, StepState};

use super::{Best, Chain};
use crate::ensemble::{Spec, record};
use crate::held_out::held_out;
use crate::predictor::{Member, check_compatible, member};

/// Candidates: the other finished runs of the chain, best first, at most `2 * max`.
fn candidates(chain: &Chain, best: &Best, ledger: &[Step]) -> Vec<(i64, f64)> {
    let mut cands: Vec<(i64, f64)> = ledger
        .iter()
        .filter(|s| s.kind.trains() && s.state.judged())
        .filter_map(|s| Some((s.run_id?, s.value?)))
        .filter(|(id, v)| *id != best.run && v.is_finite())
        .collect();
    let d = chain.direction;
    cands.sort_by(|a, b| d.loss(a.1).total_cmp(&d.loss(b.1)));
    cands.dedup_by_key(|c| c.0);
    // Trees and nets err differently: the best run of the other family always gets a chance.
    let store = chain.lab.store;
    let trees = |id: i64| store.run(id).is_ok_and(|r| r.model == "gbdt");
    let best_trees = trees(best.run);
    let other = cands.iter().position(|c| trees(c.0) != best_trees);
    let keep = 2 * chain.opts.ensemble;
    if let Some(i) = other.filter(|i| *i >= keep && keep > 0) {
        let c = cands.remove(i);
        cands.insert(keep - 1, c);
    }
    cands.truncate(keep);
    cands
}

/// Members that can vote with the best run (same task, classes and inputs).
fn members(chain: &Chain, best: &Best, cands: &[(i64, f64)]) -> anyhow::Result<Vec<Member>> {
    let store = chain.lab.store;
    let mut members = vec![member(store, best.run, false)?];
    for (id, _) in cands {
        if let Ok(m) = member(store, *id, false) {
            if check_compatible(&[members[0].clone(), m.clone()]).is_ok() {
                members.push(m);
            }
        }
    }
    Ok(members)
}

/// Runs the ensemble step; returns the ensemble run and its held-out value when it is kept.
pub(super) fn run(
    chain: &Chain,
    best: &Best,
    ledger: &[Step],
) -> anyhow::Result<Option<(i64, f64)>> {
    let lab = chain.lab;
    let cands = candidates(chain, best, ledger);
    if cands.is_empty() {
        return Ok(None);
    }
    let step = chain.begin(NewStep {
        chain: "",
        kind: StepKind::Ensemble,
        parent_run: Some(best.run),
        remedy: None,
        title: Some("ensemble of the chain's best runs"),
        changes: None,
        diagnosis: None,
        best_before: Some(best.value),
        worker: "",
    })?;
    let ids: Vec<String> = cands.iter().map(|c| c.0.to_string()).collect();
    lab.say(format!(
        "== step {step}: ensemble selection among runs {} and {}",
        best.run,
        ids.join(", ")
    ));
    let members = members(chain, best, &cands)?;
    let (preds, y, _) = match held_out(lab.store, &members) {
        Ok(h) => h,
        Err(e) => {
            chain.end(step, StepState::Rejected, None, &e.to_string())?;
            return Ok(None);
        }
    };
    let info = members[0].models[0].info.clone();
    let metric = members[0].models[0].exp.metric();
    let classes = info.classes.len();
    let scores = |p: &MemberPred| {
        let out = tuneup_core::ensemble::to_outputs(&info, p);
        tuneup_core::scores::score(&info, metric, &out, &y)
    };
    let value = |p: &MemberPred| scores(p).map(|s| s.metric).unwrap_or(f64::NAN);
    let d = chain.direction;
    let chosen = tuneup_core::ensemble::greedy_select(&preds, classes, chain.opts.ensemble, |p| {
        -d.loss(value(p))
    });
    if chosen.len() < 2 {
        let why = format!(
            "no other run improves the best run's {} {} when voting with it",
            chain.val_word,
            metric.name()
        );
        lab.say(format!("   step {step}: {why}"));
        chain.end(step, StepState::Rejected, None, &why)?;
        return Ok(None);
    }
    let mut vote = Combiner::new(Method::Soft, classes, vec![1.0; chosen.len()]);
    for &i in &chosen {
        vote.add(&preds[i]);
    }
    let voted = vote.finish();
    let v = value(&voted);
    // Greedy selection only adds a member that raises the held-out score; like any child, the
    // vote is kept only when that gain is beyond noise (on a small validation set a one-sample
    // gain picked among many runs is not evidence).
    let j = tuneup_core::paired_metric::HeldOut {
        info: &info,
        metric,
        y: &y,
    }
    .judge(&preds[0], &voted, d, chain.opts.z);
    let ids: Vec<i64> = chosen.iter().map(|&i| members[i].run_id).collect();
    let shown = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let w = chain.val_word;
    let mut reason = format!(
        "soft vote of runs {shown} (greedy selection on {w} predictions): {w} {} {v:.4} vs {:.4}; {}",
        metric.name(),
        best.value,
        j.wording
    );
    let mut out = None;
    if j.keep {
        let name = format!("{} step {step}: ensemble of runs {shown}", chain.name);
        let rec = record(
            lab,
            Spec {
                ids: &ids,
                members: chosen.iter().map(|&i| members[i].clone()).collect(),
                method: Method::Soft,
                weights: vec![1.0; ids.len()],
                fitted_on: None,
                snapshots: false,
                name: Some(&name),
                parent: Some(best.run),
                val: scores(&voted),
            },
        )?;
        lab.store.set_step_run(&chain.name, step, rec.id)?;
        reason.push_str(&format!("; recorded as run {}", rec.id));
        out = Some((rec.id, v));
    }
    lab.say(format!("   step {step}: {reason}"));
    let state = if j.keep {
        StepState::Kept
    } else {
        StepState::Rejected
    };
    chain.end(step, state, Some(v), &reason)?;
    Ok(out)
}
