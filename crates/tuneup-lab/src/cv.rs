//! Cross-validation: one model per fold, each a child run of a CV run; the metric's mean and
//! spread; out-of-fold predictions for every training row; the fold models averaged on the test
//! set. [`Folds`] and [`record`] serve `tuneup cv` and the improve loop, which judges candidates
//! by cross-validation when the validation set is small.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::cv::{self, CvSpec, Scheme};
use tuneup_core::data::{self, DataInfo, Prepared};
use tuneup_core::ensemble::{MemberPred, Method};
use tuneup_core::run::{RunState, Scores};
use tuneup_core::scores;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{CvSummary, Finish, FoldResult, MemberKind, NewRun, RunExtra, RunKind, Splits};

use crate::Lab;
use crate::held_out::write_oof;
use crate::predictor::{Member, Model, Predictor};
use crate::record::{Request, With, check_model, record_and_train};

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

impl Plan {
    /// The fold's index over repeats (repeat x folds + fold).
    pub fn index(&self, folds: usize) -> usize {
        self.repeat * folds + self.fold
    }
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
                Some(class_indices(l))
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
                check_model(exp, &data, exp_path)?;
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

/// Each label as the index of its class, classes sorted as the model sorts them.
fn class_indices(labels: &[String]) -> Vec<u32> {
    let mut classes: Vec<String> = labels
        .iter()
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    data::sort_classes(&mut classes);
    labels
        .iter()
        .map(|x| classes.iter().position(|c| c == x).unwrap_or(0) as u32)
        .collect()
}

/// A recorded cross-validation run.
pub struct Done {
    pub run_id: i64,
    pub summary: CvSummary,
    /// Pooled out-of-fold scores (every row predicted by a model that did not see it); `None`
    /// when a fold failed.
    pub oof: Option<Scores>,
    pub oof_path: PathBuf,
    /// The fold models averaged on the test set.
    pub test: Option<Scores>,
    pub fold_runs: Vec<i64>,
    pub failed: Vec<i64>,
    /// The first failed fold's reason.
    pub why: Option<String>,
}

impl Done {
    /// The finite out-of-fold value of a CV run whose folds all completed, or why there is
    /// none.
    pub fn value(&self) -> Result<f64, String> {
        match self.oof {
            Some(s) if s.metric.is_finite() && self.failed.is_empty() => Ok(s.metric),
            _ => Err(format!(
                "cross-validation run {}: fold runs {:?} failed{}{}",
                self.run_id,
                self.failed,
                if self.fold_runs.is_empty() {
                    " (every fold)"
                } else {
                    ""
                },
                self.why
                    .as_deref()
                    .map(|w| format!("; the first: {w}"))
                    .unwrap_or_default()
            )),
        }
    }
}

/// What a CV run is: its experiment, where it came from, its name and parent.
pub struct CvRequest<'a> {
    pub exp: &'a Experiment,
    pub display: &'a str,
    pub name: &'a str,
    pub parent: Option<i64>,
}

/// The folds' results as they come in: out-of-fold predictions (summed over repeats), each
/// fold's numbers and model.
struct Pool {
    n: usize,
    repeats: usize,
    oof: Vec<f64>,
    per_fold: Vec<FoldResult>,
    fold_runs: Vec<i64>,
    fold_models: Vec<Model>,
    /// The folds' training scores (averaged, they are what the diagnosis reads as the training
    /// error).
    fold_train: Vec<Scores>,
    info: Option<DataInfo>,
    failed: Vec<i64>,
    why: Option<String>,
}

impl Pool {
    /// Adds a complete fold run: its held-out predictions into the out-of-fold pool.
    fn add(&mut self, plan: &Plan, run: &tuneup_store::Run) -> anyhow::Result<()> {
        let info = &plan.data.info;
        let ckpt = run
            .checkpoint
            .clone()
            .ok_or_else(|| anyhow!("fold run {} has no checkpoint", run.id))?;
        let model = Model {
            exp: run.experiment.clone(),
            info: info.clone(),
            checkpoint: ckpt,
        };
        let pred = MemberPred::from_outputs(info, &model.outputs(&plan.data.val)?);
        let width = match info.task {
            Task::Classification => info.classes.len(),
            Task::Regression => 1,
        };
        if self.oof.is_empty() {
            self.oof = vec![0.0; self.n * width];
        }
        let vals = pred.values();
        for (j, &row) in plan.val_rows.iter().enumerate() {
            for c in 0..width {
                self.oof[row * width + c] += vals[j * width + c] / self.repeats as f64;
            }
        }
        let finite = |v: f64| v.is_finite().then_some(v);
        self.per_fold.push(FoldResult {
            repeat: plan.repeat + 1,
            fold: plan.fold + 1,
            run_id: run.id,
            n_val: plan.val_rows.len(),
            val_metric: run.val.and_then(|s| finite(s.metric)),
            val_error: run.val.and_then(|s| finite(s.error)),
            train_error: run.train.and_then(|s| finite(s.error)),
            test_metric: run.test.and_then(|s| finite(s.metric)),
        });
        self.fold_runs.push(run.id);
        self.fold_train.extend(run.train);
        self.fold_models.push(model);
        self.info.get_or_insert_with(|| info.clone());
        Ok(())
    }

    /// The folds' mean training scores.
    fn train_scores(&self) -> Option<Scores> {
        let mean_of = |f: fn(&Scores) -> f64| {
            cv::mean_std(&self.fold_train.iter().map(f).collect::<Vec<_>>()).0
        };
        (!self.fold_train.is_empty()).then(|| Scores {
            loss: mean_of(|s| s.loss),
            error: mean_of(|s| s.error),
            metric: mean_of(|s| s.metric),
        })
    }
}

/// Records a cross-validation run of `req.exp` (a child of `req.parent`), tells `on_start` its
/// id, trains each fold with `train_fold(plan, cv_run)` (which returns the fold's recorded run,
/// normally a child of the CV run), and finishes the CV run: out-of-fold predictions written
/// beside it, its validation scores the pooled out-of-fold ones, its test scores the fold
/// models' average.
pub fn record(
    lab: Lab,
    req: CvRequest,
    folds: &Folds,
    plans: Vec<Plan>,
    on_start: &mut dyn FnMut(i64),
    train_fold: &mut dyn FnMut(&Plan, i64) -> anyhow::Result<i64>,
) -> anyhow::Result<Done> {
    let spec = &folds.spec;
    let started = std::time::Instant::now();
    let cv_run = lab.store.create_run(&NewRun {
        name: Some(req.name),
        parent_id: req.parent,
        kind: RunKind::Cv,
        experiment_path: req.display,
        experiment: req.exp,
        model: req.exp.model.kind(),
        metric_name: &req.exp.metric().name(),
    })?;
    on_start(cv_run);
    lab.say(format!(
        "run {cv_run}: {}, {} folds x {} repeat(s) on {} rows",
        folds.scheme,
        spec.folds,
        spec.repeats,
        folds.n()
    ));
    let mut pool = Pool {
        n: folds.n(),
        repeats: spec.repeats,
        oof: Vec::new(),
        per_fold: Vec::new(),
        fold_runs: Vec::new(),
        fold_models: Vec::new(),
        fold_train: Vec::new(),
        info: None,
        failed: Vec::new(),
        why: None,
    };
    for (i, plan) in plans.iter().enumerate() {
        tuneup_core::stop::check()?;
        lab.monitor.overall(crate::Overall {
            done: i as f64,
            total: plans.len() as f64,
            unit: crate::Unit::Folds,
            doing: &format!("repeat {} fold {}", plan.repeat + 1, plan.fold + 1),
        });
        lab.say(format!(
            "-- repeat {} fold {} ({} train / {} val)",
            plan.repeat + 1,
            plan.fold + 1,
            plan.data.train.len(),
            plan.data.val.len()
        ));
        let run = lab.store.run(train_fold(plan, cv_run)?)?;
        if run.state != RunState::Complete || run.val.is_none() {
            lab.say(format!(
                "   run {} failed: {}",
                run.id,
                run.failure.clone().unwrap_or_default()
            ));
            pool.failed.push(run.id);
            pool.why
                .get_or_insert(run.failure.clone().unwrap_or_default());
            continue;
        }
        pool.add(plan, &run)?;
    }
    lab.monitor.overall(crate::Overall {
        done: plans.len() as f64,
        total: plans.len() as f64,
        unit: crate::Unit::Folds,
        doing: "done",
    });
    let seconds = started.elapsed().as_secs_f64();
    finish(lab, req.exp, folds, cv_run, pool, seconds)
}

/// Finishes the CV run from its folds' results.
fn finish(
    lab: Lab,
    exp: &Experiment,
    folds: &Folds,
    cv_run: i64,
    pool: Pool,
    seconds: f64,
) -> anyhow::Result<Done> {
    let spec = &folds.spec;
    let Some(info) = pool.info.clone() else {
        let fin = Finish::bare(RunState::Failed, Some("every fold failed"), seconds);
        lab.store.finish_run(cv_run, &fin)?;
        return Ok(Done {
            run_id: cv_run,
            summary: CvSummary {
                failed_runs: pool.failed.clone(),
                ..Default::default()
            },
            oof: None,
            oof_path: PathBuf::new(),
            test: None,
            fold_runs: pool.fold_runs,
            failed: pool.failed,
            why: pool.why,
        });
    };
    let metric = exp.metric();
    let vals: Vec<f64> = pool.per_fold.iter().filter_map(|p| p.val_metric).collect();
    let (mean, std) = cv::mean_std(&vals);
    // Pooled out-of-fold scores: every training row predicted by a model that did not see it.
    let y = data::encode(&info, folds.source.full.clone(), true)?.y;
    let pred = match exp.task {
        Task::Classification => MemberPred::Proba(pool.oof.clone()),
        Task::Regression => MemberPred::Values(pool.oof.clone()),
    };
    let all_folds = pool.failed.is_empty();
    let oof_scores = all_folds
        .then(|| {
            scores::score(
                &info,
                metric,
                &tuneup_core::ensemble::to_outputs(&info, &pred),
                &y,
            )
        })
        .flatten();
    let dir = lab.store.artifacts_dir().join(format!("run-{cv_run}"));
    std::fs::create_dir_all(&dir)?;
    let oof_path = std::path::absolute(dir.join("oof.csv"))?;
    if all_folds {
        let ids = &folds.source.full.ids;
        write_oof(&oof_path, &info, ids, &folds.assignments[0], &y, &pred)?;
        crate::artifacts::share(lab.store, cv_run)?;
    }
    let test = test_scores(exp, folds, cv_run, &info, &pool.fold_models)?;
    let finite = |v: f64| v.is_finite().then_some(v);
    let summary = CvSummary {
        scheme: folds.scheme.into(),
        folds: spec.folds,
        repeats: spec.repeats,
        group: spec.group.clone(),
        metric: metric.name(),
        mean: finite(mean),
        std: finite(std),
        per_fold: pool.per_fold.clone(),
        fold_runs: pool.fold_runs.clone(),
        failed_runs: pool.failed.clone(),
        oof: all_folds.then(|| oof_path.clone()),
        oof_metric: oof_scores.and_then(|s| finite(s.metric)),
        oof_error: oof_scores.and_then(|s| finite(s.error)),
        test_metric: test.and_then(|s| finite(s.metric)),
        test_error: test.and_then(|s| finite(s.error)),
    };
    // The CV run reads like a run for the diagnosis: training error averaged over the folds,
    // validation = the pooled out-of-fold predictions (every row).
    let n = folds.n();
    let splits = Splits {
        train: n - n / spec.folds,
        val: n,
        train_dev: None,
        test: folds.source.test.as_ref().map(|t| t.len()),
    };
    let extra = RunExtra {
        cv: Some(summary.clone()),
        ..Default::default()
    };
    let state = if all_folds {
        RunState::Complete
    } else {
        RunState::Failed
    };
    let failure = (!all_folds).then_some("some folds failed (see their runs)");
    lab.store.finish_run(
        cv_run,
        &Finish {
            train: pool.train_scores(),
            val: oof_scores,
            test,
            data_info: Some(&info),
            splits: Some(splits),
            extra: Some(&extra),
            ..Finish::bare(state, failure, seconds)
        },
    )?;
    Ok(Done {
        run_id: cv_run,
        summary,
        oof: oof_scores,
        oof_path,
        test,
        fold_runs: pool.fold_runs,
        failed: pool.failed,
        why: pool.why,
    })
}

/// The fold models together on the test set, when there is one.
fn test_scores(
    exp: &Experiment,
    folds: &Folds,
    cv_run: i64,
    info: &DataInfo,
    fold_models: &[Model],
) -> anyhow::Result<Option<Scores>> {
    let Some(t) = folds
        .source
        .test
        .as_ref()
        .filter(|_| !fold_models.is_empty())
    else {
        return Ok(None);
    };
    let p = Predictor {
        run_id: cv_run,
        exp: exp.clone(),
        info: info.clone(),
        members: vec![Member {
            run_id: cv_run,
            kind: MemberKind::CvFolds,
            models: fold_models.to_vec(),
        }],
        method: Method::Soft,
        weights: vec![1.0],
    };
    let (out, part) = p.predict(t, true)?;
    Ok(scores::score(info, exp.metric(), &out, &part.y))
}

/// A cross-validation of an experiment file, checked (every fold's data and model) before
/// anything is recorded.
pub struct Checked {
    pub exp: Experiment,
    pub folds: Folds,
    pub plans: Vec<Plan>,
    pub name: String,
    pub display: String,
}

/// Trains `exp` on a fold's data as a child of CV run `cv_run` (continuing the run at
/// `resume`, if given); returns the fold's run.
pub fn train_fold(
    lab: Lab,
    exp: &Experiment,
    plan: &Plan,
    display: &str,
    cv_run: i64,
    resume: Option<&Path>,
) -> anyhow::Result<i64> {
    let req = Request {
        exp,
        data: &plan.data,
        display,
        parent: Some(cv_run),
        resume,
    };
    record_and_train(lab, req, With::default()).map(|t| t.run_id)
}

/// `tuneup cv EXP.toml [--folds K] [--repeats R]`, checked.
pub fn check_file(
    exp_path: &Path,
    folds: Option<usize>,
    repeats: Option<usize>,
) -> anyhow::Result<Checked> {
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
    let f = Folds::new(&exp, spec, exp_path)?;
    let plans = f.plans(&exp, exp_path)?;
    let display = exp_path.display().to_string();
    let name = format!(
        "cv: {} ({} folds{})",
        exp.name.as_deref().unwrap_or(&display),
        f.spec.folds,
        if f.spec.repeats > 1 {
            format!(" x {} repeats", f.spec.repeats)
        } else {
            String::new()
        }
    );
    Ok(Checked {
        exp,
        folds: f,
        plans,
        name,
        display,
    })
}

/// Every fold trained as a child run of one CV run.
pub fn run_checked(lab: Lab, c: Checked) -> anyhow::Result<Done> {
    crate::worker::reap_runs(lab)?;
    let Checked {
        exp,
        folds,
        plans,
        name,
        display,
    } = c;
    let req = CvRequest {
        exp: &exp,
        display: &display,
        name: &name,
        parent: None,
    };
    let done = record(lab, req, &folds, plans, &mut |_| {}, &mut |plan, cv_run| {
        train_fold(lab, &exp, plan, &display, cv_run, None)
    })?;
    if done.fold_runs.is_empty() {
        return Err(anyhow!("every fold failed"));
    }
    Ok(done)
}
