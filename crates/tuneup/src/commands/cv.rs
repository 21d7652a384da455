//! `tuneup cv EXP.toml [--folds K] [--repeats R]`: one model per fold, each a child run; the
//! metric's mean and spread; out-of-fold predictions for every training row; the fold models'
//! ensemble on the test set. [`Folds`] and [`record`] are shared with `tuneup improve`, which
//! judges candidates by cross-validation when the validation set is small.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use serde_json::{Value, json};
use tuneup_core::InputError;
use tuneup_core::cv::{self, CvSpec, Scheme};
use tuneup_core::data::{self, Prepared};
use tuneup_core::ensemble::{MemberPred, Method};
use tuneup_core::run::{RunState, Scores};
use tuneup_core::scores;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{Finish, NewRun, Store};

use super::ensemble::{Member, Model, Predictor, predict, write_oof};
use crate::output::{json_num, num};

/// The rows of an experiment's training data (its test hold-out set aside) dealt into folds.
pub struct Folds {
    pub source: data::Source,
    pub spec: CvSpec,
    pub scheme: &'static str,
    /// Per repeat, each row's fold.
    pub assignments: Vec<Vec<usize>>,
}

/// One fold: its repeat and index, the rows it validates on and the data it trains with.
pub struct Plan {
    pub repeat: usize,
    pub fold: usize,
    pub val_rows: Vec<usize>,
    pub data: Prepared,
}

impl Folds {
    pub fn new(exp: &Experiment, spec: CvSpec, exp_path: &Path) -> anyhow::Result<Folds> {
        if exp.data.val.is_some() {
            return Err(InputError::in_file(
                exp_path,
                "cross-validation splits the training data into folds: remove data.val",
            )
            .key("data.val")
            .into());
        }
        let source = data::load_source(exp, true)?;
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
        let scheme = if spec.group.is_some() {
            "group k-fold"
        } else if labels.is_some() {
            "stratified k-fold"
        } else {
            "k-fold"
        };
        let mut assignments = Vec::new();
        for r in 0..spec.repeats {
            let s = match (&source.groups, &labels) {
                (Some(g), _) => Scheme::Group(g),
                (None, Some(l)) => Scheme::Stratified(l),
                (None, None) => Scheme::KFold,
            };
            let fold = cv::assign(n, spec.folds, s, cv::repeat_seed(split_seed, r))
                .map_err(|m| InputError::in_file(&exp.data.train, m).key("cv.folds"))?;
            assignments.push(fold);
        }
        Ok(Folds {
            source,
            spec,
            scheme,
            assignments,
        })
    }

    /// The rows cross-validated.
    pub fn n(&self) -> usize {
        self.source.full.len()
    }

    /// Every fold's data for `exp` (the folds' experiment, or one that reads the same rows in
    /// another shape), its model checked before anything is recorded.
    pub fn plans(&self, exp: &Experiment, exp_path: &Path) -> anyhow::Result<Vec<Plan>> {
        let n = self.n();
        let mut plans = Vec::new();
        for (r, fold) in self.assignments.iter().enumerate() {
            for f in 0..self.spec.folds {
                let val_rows: Vec<usize> = (0..n).filter(|&i| fold[i] == f).collect();
                let data = data::prepare_fold(exp, &self.source, &val_rows)?;
                super::train::check_model(exp, &data, exp_path)?;
                plans.push(Plan {
                    repeat: r,
                    fold: f,
                    val_rows,
                    data,
                });
            }
        }
        Ok(plans)
    }
}

/// A recorded cross-validation run.
pub struct Done {
    pub run_id: i64,
    pub summary: Value,
    /// Pooled out-of-fold scores (every row predicted by a model that did not see it); `None`
    /// when a fold failed.
    pub oof: Option<Scores>,
    pub oof_path: PathBuf,
    /// The fold models averaged on the test set.
    pub test: Option<Scores>,
    pub fold_runs: Vec<i64>,
    pub failed: Vec<i64>,
}

/// Records a cross-validation run of `exp` named `name` (a child of `parent`), tells
/// `on_start` its id, trains each fold with `train_fold(plan, cv_run)` (which returns the
/// fold's recorded run, normally a child of the CV run), and finishes the CV run: out-of-fold predictions written beside it,
/// its validation scores the pooled out-of-fold ones, its test scores the fold models'
/// average.
#[allow(clippy::too_many_arguments)]
pub fn record(
    store: &Store,
    exp: &Experiment,
    exp_display: &str,
    folds: &Folds,
    plans: Vec<Plan>,
    name: &str,
    parent: Option<i64>,
    on_start: &mut dyn FnMut(i64),
    train_fold: &mut dyn FnMut(&Plan, i64) -> anyhow::Result<i64>,
) -> anyhow::Result<Done> {
    let spec = &folds.spec;
    let n = folds.n();
    let started = std::time::Instant::now();
    let config = serde_json::to_value(exp)?;
    let cv_run = store.create_run(&NewRun {
        name: Some(name),
        parent_id: parent,
        experiment_path: exp_display,
        config: &config,
        model: exp.model.kind(),
        metric_name: &exp.metric().name(),
    })?;
    on_start(cv_run);
    eprintln!(
        "run {cv_run}: {}, {} folds x {} repeat(s) on {n} rows",
        folds.scheme, spec.folds, spec.repeats
    );
    let metric = exp.metric();
    let mut per_fold = Vec::new();
    let mut fold_runs = Vec::new();
    let mut fold_models = Vec::new();
    // The folds' training scores, averaged (what the diagnosis reads as the training error).
    let mut fold_train: Vec<Scores> = Vec::new();
    // Out-of-fold predictions, summed over repeats.
    let k = match exp.task {
        Task::Classification => 0,
        Task::Regression => 1,
    };
    let mut oof: Vec<f64> = Vec::new();
    let mut info0 = None;
    let mut failed = Vec::new();
    for plan in &plans {
        let data = &plan.data;
        eprintln!(
            "-- repeat {} fold {} ({} train / {} val)",
            plan.repeat + 1,
            plan.fold + 1,
            data.train.len(),
            data.val.len()
        );
        let run = store.run(train_fold(plan, cv_run)?)?;
        if run.state != RunState::Complete || run.val.is_none() {
            eprintln!(
                "   run {} failed: {}",
                run.id,
                run.failure.clone().unwrap_or_default()
            );
            failed.push(run.id);
            continue;
        }
        let ckpt = run
            .checkpoint
            .clone()
            .ok_or_else(|| anyhow!("fold run {} has no checkpoint", run.id))?;
        let fold_exp: Experiment = serde_json::from_value(run.config.clone())?;
        let net = tuneup_train::checkpoint::load(&fold_exp.model, &data.info, Path::new(&ckpt))
            .map_err(|e| anyhow!(e))?;
        let len = data.info.sample_shape.iter().product();
        let out = tuneup_train::eval::outputs(&net, &data.val, len, None);
        let pred = MemberPred::from_outputs(&data.info, &out.values);
        let width = if k == 0 { data.info.classes.len() } else { 1 };
        if oof.is_empty() {
            oof = vec![0.0; n * width];
        }
        let vals = pred.values();
        for (j, &row) in plan.val_rows.iter().enumerate() {
            for c in 0..width {
                oof[row * width + c] += vals[j * width + c] / spec.repeats as f64;
            }
        }
        per_fold.push(json!({
            "repeat": plan.repeat + 1, "fold": plan.fold + 1, "run_id": run.id, "n_val": plan.val_rows.len(),
            "val_metric": run.val.map(|s| json_num(s.metric)), "val_error": run.val.map(|s| json_num(s.error)),
            "train_error": run.train.map(|s| json_num(s.error)),
            "test_metric": run.test.map(|s| json_num(s.metric)),
        }));
        fold_runs.push(run.id);
        fold_train.extend(run.train);
        fold_models.push(Model {
            exp: fold_exp,
            info: data.info.clone(),
            checkpoint: ckpt.into(),
        });
        if info0.is_none() {
            info0 = Some(data.info.clone());
        }
    }
    let Some(info) = info0 else {
        store.finish_run(
            cv_run,
            &Finish::bare(
                RunState::Failed,
                Some("every fold failed"),
                started.elapsed().as_secs_f64(),
            ),
        )?;
        return Ok(Done {
            run_id: cv_run,
            summary: json!({"failed_runs": failed}),
            oof: None,
            oof_path: PathBuf::new(),
            test: None,
            fold_runs,
            failed,
        });
    };
    let vals: Vec<f64> = per_fold
        .iter()
        .filter_map(|p| p["val_metric"].as_f64())
        .collect();
    let (mean, std) = cv::mean_std(&vals);
    // Pooled out-of-fold scores: every training row predicted by a model that did not see it.
    let ids = folds.source.full.ids.clone();
    let y = data::encode(&info, folds.source.full.clone(), true)?.y;
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
    let dir = store.artifacts_dir().join(format!("run-{cv_run}"));
    std::fs::create_dir_all(&dir)?;
    let oof_path = std::path::absolute(dir.join("oof.csv"))?;
    if failed.is_empty() {
        write_oof(&oof_path, &info, &ids, &folds.assignments[0], &y, &pred)?;
    }
    // The fold models together on the test set.
    let test = match &folds.source.test {
        Some(t) if !fold_models.is_empty() => {
            let p = Predictor {
                run_id: cv_run,
                exp: exp.clone(),
                info: info.clone(),
                members: vec![Member {
                    run_id: cv_run,
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
        "scheme": folds.scheme, "folds": spec.folds, "repeats": spec.repeats, "group": spec.group,
        "metric": metric.name(), "mean": json_num(mean), "std": json_num(std),
        "per_fold": per_fold, "folds_runs": fold_runs, "failed_runs": failed,
        "oof": failed.is_empty().then(|| oof_path.display().to_string()),
        "oof_metric": oof_scores.map(|s| json_num(s.metric)), "oof_error": oof_scores.map(|s| json_num(s.error)),
        "test_metric": test.map(|s| json_num(s.metric)), "test_error": test.map(|s| json_num(s.error)),
    });
    // The CV run reads like a run for the diagnosis: training error averaged over the folds,
    // validation = the pooled out-of-fold predictions (every row).
    let mean_of =
        |f: fn(&Scores) -> f64| cv::mean_std(&fold_train.iter().map(f).collect::<Vec<_>>()).0;
    let train = (!fold_train.is_empty()).then(|| Scores {
        loss: mean_of(|s| s.loss),
        error: mean_of(|s| s.error),
        metric: mean_of(|s| s.metric),
    });
    let n_train_avg = n - n / spec.folds;
    let splits = json!({"train": n_train_avg, "val": n, "test": folds.source.test.as_ref().map(|t| t.len())});
    let info_json = serde_json::to_value(&info)?;
    let extra = json!({ "cv": summary });
    store.finish_run(
        cv_run,
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
    Ok(Done {
        run_id: cv_run,
        summary,
        oof: oof_scores,
        oof_path,
        test,
        fold_runs,
        failed,
    })
}

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
    let folds = Folds::new(&exp, spec, exp_path)?;
    let plans = folds.plans(&exp, exp_path)?;
    let spec = &folds.spec;
    let n = folds.n();
    let scheme_name = folds.scheme;
    let store = Store::open(store_path).context("opening the run store")?;
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
    let display = exp_path.display().to_string();
    let done = record(
        &store,
        &exp,
        &display,
        &folds,
        plans,
        &name,
        None,
        &mut |_| {},
        &mut |plan, cv_run| {
            super::train::record_and_train(&store, &exp, &plan.data, &display, Some(cv_run), None)
                .map(|t| t.run_id)
        },
    )?;
    if done.fold_runs.is_empty() {
        return Err(anyhow!("every fold failed"));
    }
    let parent = done.run_id;
    let summary = done.summary;
    let per_fold = summary["per_fold"].as_array().cloned().unwrap_or_default();
    let failed = done.failed;
    let oof_path = done.oof_path;
    let (oof_scores, test, fold_runs) = (done.oof, done.test, done.fold_runs);
    let metric = exp.metric();
    let (mean, std) = (
        summary["mean"].as_f64().unwrap_or(f64::NAN),
        summary["std"].as_f64().unwrap_or(f64::NAN),
    );
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
        per_fold.len()
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
