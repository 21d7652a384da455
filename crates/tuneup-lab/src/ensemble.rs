//! Ensembles of recorded runs, recorded as runs themselves (`predict` and `eval` take them by
//! id): soft or hard voting, or weights fitted on the members' held-out predictions.

use tuneup_core::InputError;
use tuneup_core::data::Dataset;
use tuneup_core::ensemble::{self, Method};
use tuneup_core::run::{RunState, Scores};
use tuneup_core::scores;
use tuneup_store::{EnsembleInfo, Finish, NewRun, RunExtra, RunKind};

use crate::Lab;
use crate::held_out::{HeldOut, held_out};
use crate::predictor::{Member, Predictor, check_compatible, classes_of, member};

/// An ensemble as recorded: its run id, label, description and test scores.
pub struct Recorded {
    pub id: i64,
    pub label: String,
    pub description: EnsembleInfo,
    pub test: Option<Scores>,
}

/// What an ensemble is made of and how it votes.
pub struct Spec<'a> {
    pub ids: &'a [i64],
    pub members: Vec<Member>,
    pub method: Method,
    pub weights: Vec<f64>,
    pub fitted_on: Option<HeldOut>,
    pub snapshots: bool,
    pub name: Option<&'a str>,
    pub parent: Option<i64>,
    /// Its held-out scores, when the caller computed them.
    pub val: Option<Scores>,
}

/// Records an ensemble of `spec.members` (checked compatible) as a run, scored on the first
/// member's test data when it has some.
pub fn record(lab: Lab, spec: Spec) -> anyhow::Result<Recorded> {
    crate::worker::reap_runs(lab)?;
    let first = spec.members[0].models[0].clone();
    let n_models: usize = spec.members.iter().map(|m| m.models.len()).sum();
    let p = Predictor {
        run_id: 0,
        exp: first.exp.clone(),
        info: first.info.clone(),
        members: spec.members.clone(),
        method: spec.method,
        weights: spec.weights.clone(),
    };
    let metric = first.exp.metric();
    let data = tuneup_core::data::load_source(&first.exp, true)?;
    let score_on = |d: &Dataset| -> anyhow::Result<Option<Scores>> {
        let (out, part) = p.predict(d, true)?;
        Ok(scores::score(&p.info, metric, &out, &part.y))
    };
    let test = match &data.test {
        Some(t) => score_on(t)?,
        None => None,
    };
    let label = spec.name.map(str::to_string).unwrap_or_else(|| {
        format!(
            "{} ensemble of runs {}",
            spec.method.as_str(),
            spec.ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let description = EnsembleInfo {
        members: spec.ids.to_vec(),
        kinds: spec.members.iter().map(|m| m.kind).collect(),
        models: n_models,
        method: spec.method,
        weights: spec.weights,
        fitted_on: spec.fitted_on.map(|h| h.as_str().to_string()),
        snapshots: spec.snapshots,
    };
    let id = lab.store.create_run(&NewRun {
        name: Some(&label),
        parent_id: spec.parent,
        kind: RunKind::Ensemble,
        experiment_path: "(ensemble)",
        experiment: &first.exp,
        model: "ensemble",
        metric_name: &metric.name(),
    })?;
    let extra = RunExtra {
        ensemble: Some(description.clone()),
        ..Default::default()
    };
    lab.store.finish_run(
        id,
        &Finish {
            val: spec.val,
            test,
            data_info: Some(&first.info),
            extra: Some(&extra),
            ..Finish::bare(RunState::Complete, None, 0.0)
        },
    )?;
    Ok(Recorded {
        id,
        label,
        description,
        test,
    })
}

/// An ensemble made and recorded.
pub struct Made {
    pub recorded: Recorded,
    pub members: Vec<Member>,
    pub weights: Vec<f64>,
    pub fitted_on: Option<HeldOut>,
    pub metric: tuneup_core::metrics::Metric,
}

/// `tuneup ensemble RUN RUN ...`: the runs (or a run's snapshots, or CV runs' fold models) as
/// one model, weights fitted on held-out predictions when `method` is weighted.
pub fn make(
    lab: Lab,
    ids: &[i64],
    method: &str,
    snapshots: bool,
    name: Option<&str>,
) -> anyhow::Result<Made> {
    let method = Method::parse(method).ok_or_else(|| {
        InputError::new(format!(
            "--method: expected soft, hard or weighted, found `{method}`"
        ))
    })?;
    if ids.is_empty() {
        return Err(InputError::new("give at least one run").into());
    }
    let members = ids
        .iter()
        .map(|id| member(lab.store, *id, snapshots))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let n_models: usize = members.iter().map(|m| m.models.len()).sum();
    if n_models < 2 {
        return Err(InputError::new(
            "an ensemble needs at least two models: several runs, a CV run, or --snapshots",
        )
        .into());
    }
    check_compatible(&members)?;
    let first = members[0].models[0].clone();
    let (weights, fitted_on) = if method == Method::Weighted {
        if members.len() < 2 {
            return Err(InputError::new("weighted ensembles need at least two members").into());
        }
        let (preds, y, on) = held_out(lab.store, &members)?;
        (
            ensemble::fit_weights(&preds, &y, classes_of(&first.info)),
            Some(on),
        )
    } else {
        (vec![1.0; members.len()], None)
    };
    let recorded = record(
        lab,
        Spec {
            ids,
            members: members.clone(),
            method,
            weights: weights.clone(),
            fitted_on,
            snapshots,
            name,
            parent: None,
            val: None,
        },
    )?;
    Ok(Made {
        recorded,
        members,
        weights,
        fitted_on,
        metric: first.exp.metric(),
    })
}
