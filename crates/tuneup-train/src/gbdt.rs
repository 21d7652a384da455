//! Training boosted trees (`kind = "gbdt"`) as a run like the networks': every round is an
//! "epoch" of the record (training and validation loss, error and metric), the pruner and the
//! time budget are asked after each, the validation metric stops it early, and the best round's
//! trees are kept, written sealed as the run's checkpoint. Plain Rust (`tuneup_core::gbdt`).

use std::path::Path;
use std::time::Instant;

use tuneup_core::data::{DataInfo, Part, Y};
use tuneup_core::gbdt::{Booster, Fit, Target, to_outputs};
use tuneup_core::scores::{self, Scores};
use tuneup_core::spec::{Gbdt, Keep, Monitor};

use crate::trainer::{
    EpochRecord, Job, Observer, Outcome, RunStatus, TrainError, improves, subset_y, train_eval_idx,
};

/// Which features are categorical level codes (the native layout puts them last), with their
/// level counts.
pub(crate) fn categorical(info: &DataInfo) -> Vec<Option<usize>> {
    let features: usize = info.sample_shape.iter().product();
    let cats = info.cat_levels();
    let mut c = vec![None; features];
    let first = features.saturating_sub(cats.len());
    for (k, l) in cats.iter().enumerate() {
        c[first + k] = Some(*l);
    }
    c
}

pub(crate) fn train(
    job: &Job,
    spec: &Gbdt,
    observer: &mut dyn Observer,
) -> Result<Outcome, TrainError> {
    let started = Instant::now();
    let (exp, data) = (job.exp, job.data);
    let info = &data.info;
    if job.resume.is_some() {
        return Err(TrainError::Model(
            "a gbdt run cannot be resumed: train it again (boosting restarts from round 1)".into(),
        ));
    }
    if job.teachers.is_some() {
        return Err(TrainError::Model(
            "distillation trains a network student; boosted trees can be teachers, not students"
                .into(),
        ));
    }
    let target = match &data.train.y {
        Y::Classes(c) => Target::Classes {
            y: c.clone(),
            classes: info.classes.len(),
        },
        Y::Values(v) => Target::Values(v.iter().map(|y| info.to_model(*y)).collect()),
        Y::None => return Err(TrainError::Model("the training split has no labels".into())),
    };
    let mut fit = Fit::new(&data.train.x, &categorical(info), target, spec, exp.seed);
    let objective = fit.booster.objective;
    let groups = objective.groups();
    let metric = exp.metric();
    let eval_idx = train_eval_idx(data.train.len(), exp.seed);
    let eval_y = subset_y(&data.train.y, &eval_idx);
    let features = fit.booster.features;
    let mut val_raw = fit.booster.raw(&data.val.x);
    let monitor = exp
        .early_stopping
        .as_ref()
        .map(|e| e.monitor)
        .unwrap_or(Monitor::Metric);
    let higher = monitor == Monitor::Metric && metric.direction().higher_is_better();
    let min_delta = exp
        .early_stopping
        .as_ref()
        .map(|e| e.min_delta)
        .unwrap_or(0.0);
    let mut best: Option<(usize, f64)> = None;
    let mut since_best = 0;
    let (mut status, mut epochs) = (RunStatus::Complete, Vec::new());
    let (mut stopped_early, mut out_of_time, mut pruned) = (None, None, None);
    for round in 1..=spec.rounds {
        if let Some(by) = tuneup_core::stop::by() {
            status = RunStatus::Failed {
                epoch: round,
                step: 0,
                reason: format!("interrupted by {by} at round {round}"),
            };
            break;
        }
        let t0 = Instant::now();
        observer.epoch_start(round, spec.rounds, 1);
        let first = fit.round();
        let fit_seconds = t0.elapsed().as_secs_f64();
        for (t, tree) in fit.booster.trees[first..].iter().enumerate() {
            for (r, row) in data.val.x.chunks(features.max(1)).enumerate() {
                val_raw[r * groups + t] += tree.value(row);
            }
        }
        let train_raw = fit.train_raw();
        let eval_raw: Vec<f32> = eval_idx
            .iter()
            .flat_map(|&i| train_raw[i * groups..(i + 1) * groups].iter().copied())
            .collect();
        let (Some(tr), Some(va)) = (
            scores::score(info, metric, &to_outputs(objective, &eval_raw), &eval_y),
            scores::score(info, metric, &to_outputs(objective, &val_raw), &data.val.y),
        ) else {
            unreachable!("train and validation splits are labelled")
        };
        observer.batch(1, tr.loss);
        let rec = EpochRecord {
            epoch: round,
            fit_loss: tr.loss,
            train_loss: tr.loss,
            train_error: tr.error,
            val_loss: va.loss,
            val_error: va.error,
            val_metric: va.metric,
            lr: spec.learning_rate,
            seconds: t0.elapsed().as_secs_f64(),
            fit_seconds,
        };
        observer.epoch_end(&rec);
        if pruned.is_none() && observer.stop(&rec) {
            pruned = Some(round);
        }
        epochs.push(rec);
        let watched = if monitor == Monitor::Metric {
            va.metric
        } else {
            va.loss
        };
        if improves(watched, best.map(|b| b.1), higher, min_delta) {
            best = Some((round, watched));
            since_best = 0;
        } else {
            since_best += 1;
        }
        let last = round == spec.rounds;
        if spec.early_stopping_rounds > 0 && since_best >= spec.early_stopping_rounds && !last {
            stopped_early = Some(round);
        }
        if let Some(b) = exp.train.time_budget {
            if started.elapsed().as_secs_f64() >= b && !last && stopped_early.is_none() {
                out_of_time = Some(round);
            }
        }
        if stopped_early.is_some() || out_of_time.is_some() || pruned.is_some() {
            break;
        }
    }
    let mut booster = fit.booster;
    let best_epoch = match exp.train.keep {
        Keep::Best => best.map(|b| b.0),
        Keep::Last => epochs.last().map(|e: &EpochRecord| e.epoch),
    };
    let (train, val, train_dev, test) = match best_epoch {
        Some(round) => {
            booster.truncate(round);
            save(&booster, job.checkpoint)?;
            let score = |part: &Part| score(&booster, info, metric, part);
            (
                score(&data.train),
                score(&data.val),
                data.train_dev.as_ref().and_then(score),
                data.test.as_ref().and_then(score),
            )
        }
        None => (None, None, None, None),
    };
    Ok(Outcome {
        status,
        epochs,
        best_epoch,
        params: booster.leaves(),
        train,
        val,
        train_dev,
        test,
        stopped_early,
        seconds: started.elapsed().as_secs_f64(),
        snapshots: Vec::new(),
        out_of_time,
        pruned,
    })
}

fn score(
    b: &Booster,
    info: &DataInfo,
    metric: tuneup_core::metrics::Metric,
    part: &Part,
) -> Option<Scores> {
    scores::score(info, metric, &b.outputs(&part.x), &part.y)
}

/// The trees as sealed JSON (written whole or not at all).
fn save(b: &Booster, path: &Path) -> Result<(), TrainError> {
    let bytes = serde_json::to_vec(b).map_err(|e| TrainError::Checkpoint(e.to_string()))?;
    tuneup_core::sealed::write(path, &bytes).map_err(|e| TrainError::Checkpoint(e.to_string()))
}

/// A gbdt run's trees, read back.
pub(crate) fn load(path: &Path) -> Result<Booster, String> {
    let bytes = tuneup_core::sealed::read(path).map_err(|e| match e {
        tuneup_core::sealed::SealError::Damaged(d) => format!("{d}: train that run again"),
        other => other.to_string(),
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a gbdt model: {e}", path.display()))
}
