//! `tuneup cv EXP.toml [--folds K] [--repeats R]`: one model per fold, each a child run; the
//! metric's mean and spread; out-of-fold predictions for every training row; the fold models'
//! ensemble on the test set.

use std::path::Path;

use anyhow::{Context, anyhow};
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::cv::{self, Scheme};
use tuneup_core::data;
use tuneup_core::ensemble::{MemberPred, Method};
use tuneup_core::run::{RunState, Scores};
use tuneup_core::scores;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{Finish, NewRun, Store};

use super::ensemble::{Member, Model, Predictor, predict, write_oof};
use crate::output::{json_num, num};

pub fn run(
    exp_path: &Path,
    store_path: &Path,
    folds: Option<usize>,
    repeats: Option<usize>,
    json_out: bool,
) -> anyhow::Result<()> {
    let exp = Experiment::load(exp_path)?;
    let mut spec = exp.cv.clone().unwrap_or_default();
    if let Some(k) = folds {
        spec.folds = k;
    }
    if let Some(r) = repeats {
        spec.repeats = r;
    }
    spec.validate()
        .map_err(|(k, m)| InputError::new(format!("--{}: {m}", k.trim_start_matches("cv."))))?;
    if exp.data.val.is_some() {
        return Err(InputError::in_file(
            exp_path,
            "cross-validation splits the training data into folds: remove data.val",
        )
        .key("data.val")
        .into());
    }
    let source = data::load_source(&exp, true)?;
    let n = source.full.len();
    let split_seed = exp.data.split_seed.unwrap_or(exp.seed);
    // Each class as an index, for stratification (sorted like the model's classes).
    let labels: Option<Vec<u32>> = match &source.full.targets {
        data::Targets::Labels(l) if exp.task == Task::Classification && spec.stratified => {
            let mut classes: Vec<String> = l
                .iter()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            data::sort_classes(&mut classes);
            Some(
                l.iter()
                    .map(|x| classes.iter().position(|c| c == x).unwrap_or(0) as u32)
                    .collect(),
            )
        }
        _ => None,
    };
    let scheme_name = if spec.group.is_some() {
        "group k-fold"
    } else if labels.is_some() {
        "stratified k-fold"
    } else {
        "k-fold"
    };
    let mut assignments = Vec::new();
    for r in 0..spec.repeats {
        let scheme = match (&source.groups, &labels) {
            (Some(g), _) => Scheme::Group(g),
            (None, Some(l)) => Scheme::Stratified(l),
            (None, None) => Scheme::KFold,
        };
        let fold = cv::assign(n, spec.folds, scheme, cv::repeat_seed(split_seed, r))
            .map_err(|m| InputError::in_file(&exp.data.train, m).key("cv.folds"))?;
        assignments.push(fold);
    }
    // Every fold's data and model are checked before anything is recorded.
    let mut plans = Vec::new();
    for (r, fold) in assignments.iter().enumerate() {
        for f in 0..spec.folds {
            let val_rows: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
            let data = data::prepare_fold(&exp, &source, &val_rows)?;
            super::train::check_model(&exp, &data, exp_path)?;
            plans.push((r, f, val_rows, data));
        }
    }
    let store = Store::open(store_path).context("opening the run store")?;
    let started = std::time::Instant::now();
    let name = format!(
        "cv: {} ({} folds{})",
        exp.name
            .as_deref()
            .unwrap_or(&exp_path.display().to_string()),
        spec.folds,
        if spec.repeats > 1 {
            format!(" x {} repeats", spec.repeats)
        } else {
            String::new()
        }
    );
    let config = serde_json::to_value(&exp)?;
    let parent = store.create_run(&NewRun {
        name: Some(&name),
        parent_id: None,
        experiment_path: &exp_path.display().to_string(),
        config: &config,
        model: exp.model.kind(),
        metric_name: &exp.metric().name(),
    })?;
    eprintln!(
        "run {parent}: {scheme_name}, {} folds x {} repeat(s) on {n} rows",
        spec.folds, spec.repeats
    );
    let metric = exp.metric();
    let mut per_fold = Vec::new();
    let mut fold_runs = Vec::new();
    let mut fold_models = Vec::new();
    // Out-of-fold predictions, summed over repeats.
    let k = match exp.task {
        Task::Classification => 0,
        Task::Regression => 1,
    };
    let mut oof: Vec<f64> = Vec::new();
    let mut info0 = None;
    let mut failed = Vec::new();
    for (r, f, val_rows, data) in plans {
        eprintln!(
            "-- repeat {} fold {} ({} train / {} val)",
            r + 1,
            f + 1,
            data.train.len(),
            data.val.len()
        );
        let child = exp.clone();
        let t = super::train::record_and_train(
            &store,
            &child,
            &data,
            &exp_path.display().to_string(),
            Some(parent),
            None,
        )?;
        let Some(o) = t.outcome.filter(|_| t.state == RunState::Complete) else {
            eprintln!(
                "   run {} failed: {}",
                t.run_id,
                t.failure.clone().unwrap_or_default()
            );
            failed.push(t.run_id);
            continue;
        };
        let run = store.run(t.run_id)?;
        let ckpt = run
            .checkpoint
            .clone()
            .ok_or_else(|| anyhow!("fold run {} has no checkpoint", t.run_id))?;
        let net = tuneup_train::checkpoint::load(&exp.model, &data.info, Path::new(&ckpt))
            .map_err(|e| anyhow!(e))?;
        let len = data.info.sample_shape.iter().product();
        let out = tuneup_train::eval::outputs(&net, &data.val, len, None);
        let pred = MemberPred::from_outputs(&data.info, &out.values);
        let width = if k == 0 { data.info.classes.len() } else { 1 };
        if oof.is_empty() {
            oof = vec![0.0; n * width];
        }
        let vals = pred.values();
        for (j, &row) in val_rows.iter().enumerate() {
            for c in 0..width {
                oof[row * width + c] += vals[j * width + c] / spec.repeats as f64;
            }
        }
        per_fold.push(json!({
            "repeat": r + 1, "fold": f + 1, "run_id": t.run_id, "n_val": val_rows.len(),
            "val_metric": o.val.map(|s| json_num(s.metric)), "val_error": o.val.map(|s| json_num(s.error)),
            "train_error": o.train.map(|s| json_num(s.error)),
            "test_metric": o.test.map(|s| json_num(s.metric)),
        }));
        fold_runs.push(t.run_id);
        fold_models.push(Model {
            exp: exp.clone(),
            info: data.info.clone(),
            checkpoint: ckpt.into(),
        });
        if info0.is_none() {
            info0 = Some(data.info.clone());
        }
    }
    let Some(info) = info0 else {
        store.finish_run(
            parent,
            &Finish::bare(
                RunState::Failed,
                Some("every fold failed"),
                started.elapsed().as_secs_f64(),
            ),
        )?;
        return Err(anyhow!("every fold failed"));
    };
    let vals: Vec<f64> = per_fold
        .iter()
        .filter_map(|p| p["val_metric"].as_f64())
        .collect();
    let (mean, std) = cv::mean_std(&vals);
    let train_err: Vec<f64> = per_fold
        .iter()
        .filter_map(|p| p["train_error"].as_f64())
        .collect();
    // Pooled out-of-fold scores: every training row predicted by a model that did not see it.
    let ids = source.full.ids.clone();
    let y = data::encode(&info, source.full.clone(), true)?.y;
    let pred = if k == 0 {
        MemberPred::Proba(oof)
    } else {
        MemberPred::Values(oof)
    };
    let oof_scores = if failed.is_empty() {
        scores::score(
            &info,
            metric,
            &tuneup_core::ensemble::to_outputs(&info, &pred),
            &y,
        )
    } else {
        None
    };
    let dir = store.artifacts_dir().join(format!("run-{parent}"));
    std::fs::create_dir_all(&dir)?;
    let oof_path = std::path::absolute(dir.join("oof.csv"))?;
    if failed.is_empty() {
        write_oof(&oof_path, &info, &ids, &assignments[0], &y, &pred)?;
    }
    // The fold models together on the test set.
    let test = match &source.test {
        Some(t) if !fold_models.is_empty() => {
            let p = Predictor {
                run_id: parent,
                exp: exp.clone(),
                info: info.clone(),
                members: vec![Member {
                    run_id: parent,
                    kind: "cv folds",
                    models: fold_models.clone(),
                }],
                method: Method::Soft,
                weights: vec![1.0],
            };
            let (out, part) = predict(&p, t, true)?;
            scores::score(&info, metric, &out, &part.y)
        }
        _ => None,
    };
    let summary = json!({
        "scheme": scheme_name, "folds": spec.folds, "repeats": spec.repeats, "group": spec.group,
        "metric": metric.name(), "mean": json_num(mean), "std": json_num(std),
        "per_fold": per_fold, "folds_runs": fold_runs, "failed_runs": failed,
        "oof": failed.is_empty().then(|| oof_path.display().to_string()),
        "oof_metric": oof_scores.map(|s| json_num(s.metric)), "oof_error": oof_scores.map(|s| json_num(s.error)),
        "test_metric": test.map(|s| json_num(s.metric)), "test_error": test.map(|s| json_num(s.error)),
    });
    // The parent reads like a run for the diagnosis: training error averaged over the folds,
    // validation = the pooled out-of-fold predictions (every row).
    let (tm, _) = cv::mean_std(&train_err);
    let train = (!train_err.is_empty()).then_some(Scores {
        loss: f64::NAN,
        error: tm,
        metric: f64::NAN,
    });
    let n_train_avg = n - n / spec.folds;
    let splits =
        json!({"train": n_train_avg, "val": n, "test": source.test.as_ref().map(|t| t.len())});
    let info_json = serde_json::to_value(&info)?;
    let extra = json!({ "cv": summary });
    store.finish_run(
        parent,
        &Finish {
            train,
            val: oof_scores,
            test,
            data_info: Some(&info_json),
            splits: Some(&splits),
            extra: Some(&extra),
            ..Finish::bare(
                if failed.is_empty() {
                    RunState::Complete
                } else {
                    RunState::Failed
                },
                (!failed.is_empty()).then_some("some folds failed (see their runs)"),
                started.elapsed().as_secs_f64(),
            )
        },
    )?;
    if json_out {
        println!("{}", json!({"run_id": parent, "cv": summary}));
        return Ok(());
    }
    println!("run {parent}: {name}, {scheme_name}");
    println!(
        "  {:>6} {:>4} {:>6} {:>7} {:>12} {:>10}",
        "repeat",
        "fold",
        "run",
        "n val",
        metric.name(),
        "train err"
    );
    for p in &per_fold {
        println!(
            "  {:>6} {:>4} {:>6} {:>7} {:>12} {:>10}",
            p["repeat"].to_string(),
            p["fold"].to_string(),
            p["run_id"].to_string(),
            p["n_val"].to_string(),
            num(p["val_metric"].as_f64().unwrap_or(f64::NAN)),
            num(p["train_error"].as_f64().unwrap_or(f64::NAN))
        );
    }
    println!(
        "  {} {} ± {} (mean ± std over {} folds)",
        metric.name(),
        num(mean),
        num(std),
        vals.len()
    );
    if let Some(s) = oof_scores {
        println!(
            "  out-of-fold (all {n} rows): {} {}, error {}  -> {}",
            metric.name(),
            num(s.metric),
            num(s.error),
            oof_path.display()
        );
    }
    if let Some(s) = test {
        println!(
            "  test, the {} fold models averaged: {} {}",
            fold_runs.len(),
            metric.name(),
            num(s.metric)
        );
    }
    if !failed.is_empty() {
        println!("  failed folds: runs {failed:?}");
    }
    Ok(())
}
