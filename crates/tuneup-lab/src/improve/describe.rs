//! How a chain's steps read: values shortened for the ledger, a diagnosis in brief, fold run
//! names, whether the time budget cut a run short.

use serde_json::Value;
use tuneup_core::diagnose::Diagnosis;
use tuneup_store::{DiagnosisBrief, Storage};

use crate::cv::Plan;

/// A value as the ledger shows it: floats to 4 significant digits, a study's `[search]` as its
/// keys, sampler and pruner, anything long cut at 60 characters.
pub fn short(v: &Value) -> String {
    if let Some(space) = v.get("space").and_then(Value::as_object) {
        let kind = |k: &str| {
            v[k]["kind"]
                .as_str()
                .or(v[k].as_str())
                .unwrap_or("-")
                .to_string()
        };
        return format!(
            "a study over {} ({} sampler, {} pruner, {} trials)",
            space.keys().cloned().collect::<Vec<_>>().join(", "),
            kind("sampler"),
            kind("pruner"),
            v["trials"]
        );
    }
    if let Some(f) = v.as_f64().filter(|_| v.is_f64()) {
        return format!("{}", significant(f));
    }
    let s = v.to_string();
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn significant(f: f64) -> f64 {
    if f == 0.0 || !f.is_finite() {
        return f;
    }
    let p = 10f64.powi(3 - f.abs().log10().floor() as i32);
    (f * p).round() / p
}

/// The brief of a diagnosis a ledger row keeps.
pub fn brief(d: &Diagnosis) -> DiagnosisBrief {
    DiagnosisBrief {
        verdict: d.verdict,
        train_error: d.errors.train.as_ref().map(|m| m.value),
        val_error: d.errors.val.as_ref().map(|m| m.value),
        target_error: Some(d.errors.target.value),
        avoidable_bias: d.avoidable_bias.as_ref().map(|a| a.gap.value),
        variance: d.variance.as_ref().map(|a| a.gap.value),
        reasons: d.reasons.clone(),
    }
}

/// A fold run's name: the CV run's, with the fold (and repeat).
pub fn fold_name(cv_name: &str, plan: &Plan, folds: usize) -> String {
    let base = cv_name.trim_end_matches(" (cv)");
    if plan.repeat > 0 {
        format!(
            "{base} fold {}/{folds} repeat {}",
            plan.fold + 1,
            plan.repeat + 1
        )
    } else {
        format!("{base} fold {}/{folds}", plan.fold + 1)
    }
}

/// Whether the time budget stopped a run (or a CV run's fold) before its last epoch: the epoch
/// it stopped at and the epochs asked for. Runs with early stopping are not judged (they may end
/// early by design).
pub fn cut_short(store: &dyn Storage, run_id: i64) -> anyhow::Result<Option<(usize, usize)>> {
    let run = store.run(run_id)?;
    let runs = run
        .fold_runs()
        .map(<[i64]>::to_vec)
        .unwrap_or_else(|| vec![run_id]);
    let mut worst: Option<(usize, usize)> = None;
    for id in runs {
        let exp = store.run(id)?.experiment;
        // Boosting stops early by itself: fewer rounds than planned says nothing of the budget.
        let planned = match &exp.model.arch {
            tuneup_core::spec::Arch::Gbdt(g) if g.early_stopping_rounds > 0 => continue,
            tuneup_core::spec::Arch::Gbdt(g) => g.rounds,
            _ => exp.train.epochs,
        };
        if exp.early_stopping.is_some() || exp.train.time_budget.is_none() {
            continue;
        }
        let last = store.epochs(id)?.last().map(|e| e.epoch).unwrap_or(0);
        if last < planned && worst.is_none_or(|(w, _)| last < w) {
            worst = Some((last, planned));
        }
    }
    Ok(worst)
}
