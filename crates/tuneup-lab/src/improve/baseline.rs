//! A chain's first step: the baseline trained (a CV run when the chain judges by
//! cross-validation), or the best run the ledger already kept.

use tuneup_core::InputError;
use tuneup_store::{NewStep, StepKind, StepState};

use super::{Best, Chain};
use crate::RunFailed;
use crate::cv::{CvRequest, Folds, Plan, record, train_fold};
use crate::record::{Request, With, record_and_train};

/// The best run kept so far (a chain resumed), or the baseline trained now.
pub(super) fn best_or_baseline(
    chain: &mut Chain,
    base_folds: Option<(Folds, Vec<Plan>)>,
) -> anyhow::Result<Best> {
    let lab = chain.lab;
    let ledger = lab.store.ledger(&chain.name)?;
    let kept = ledger
        .iter()
        .rev()
        .find(|s| s.state == StepState::Kept && s.run_id.is_some() && s.kind != StepKind::Ensemble);
    let Some(s) = kept else {
        return baseline(chain, base_folds);
    };
    let run_id = s.run_id.expect("filtered");
    let run = lab.store.run(run_id)?;
    if run.is_cv() != chain.cv.is_some() {
        return Err(InputError::new(format!(
            "chain `{}` judges its candidates by {}; rerun it with --cv {}, or start another chain (--chain NAME)",
            chain.name,
            if run.is_cv() { "cross-validation" } else { "the validation split" },
            if run.is_cv() { "auto (or the number of folds it used)" } else { "off" },
        ))
        .key("--cv")
        .into());
    }
    Ok(Best {
        run: run_id,
        value: s.value.unwrap_or(f64::NAN),
        exp: run.experiment,
    })
}

/// Trains and records the baseline as step 0.
fn baseline(chain: &mut Chain, base_folds: Option<(Folds, Vec<Plan>)>) -> anyhow::Result<Best> {
    let lab = chain.lab;
    let name = chain.name.clone();
    let step = chain.begin(NewStep {
        chain: "",
        kind: StepKind::Baseline,
        parent_run: None,
        remedy: None,
        title: Some("baseline"),
        changes: None,
        diagnosis: None,
        best_before: None,
        worker: "",
    })?;
    let metric = chain.base.metric().name();
    lab.say(format!(
        "== step {step}: baseline ({} {metric}), budget left {:.0} s",
        chain.base.model.kind(),
        chain.left()
    ));
    let mut exp = chain.base.clone();
    exp.name = Some(format!("{name} step {step}: baseline"));
    let display = format!("improve {name}");
    let link = |id: i64| {
        let _ = lab.store.set_step_run(&name, step, id);
    };
    let result = match base_folds {
        Some((folds, plans)) => {
            let cv_name = format!("{name} step {step}: baseline (cv)");
            let req = CvRequest {
                exp: &exp,
                display: &display,
                name: &cv_name,
                parent: None,
            };
            let done = record(
                lab,
                req,
                &folds,
                plans,
                &mut |id| link(id),
                &mut |plan, cv_run| {
                    let mut fe = exp.clone();
                    fe.name = Some(super::describe::fold_name(&cv_name, plan, folds.spec.folds));
                    train_fold(lab, &fe, plan, &display, cv_run, None)
                },
            )?;
            let how = format!(
                " ({}, {} folds over {} rows)",
                folds.scheme,
                folds.spec.folds,
                folds.n()
            );
            done.value().map(|v| (done.run_id, v, how))
        }
        None => {
            let req = Request {
                exp: &exp,
                data: &chain.base_data,
                display: &display,
                parent: None,
                resume: None,
            };
            let with = With {
                on_start: Some(Box::new(link)),
                ..Default::default()
            };
            let t = record_and_train(lab, req, with)?;
            t.validation().map(|v| (t.run_id, v, String::new()))
        }
    };
    match result {
        Ok((run, value, how)) => {
            let reason = format!("{} {metric} {value:.4}{how}", chain.val_word);
            chain.end(step, StepState::Kept, Some(value), &reason)?;
            Ok(Best { run, value, exp })
        }
        Err(why) => {
            chain.end(step, StepState::Failed, None, &why)?;
            Err(RunFailed(format!("the baseline failed: {why}")).into())
        }
    }
}
