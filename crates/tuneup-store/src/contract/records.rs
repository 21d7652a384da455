//! Records written and read back: every field, the legal transitions, finished records left
//! alone.

use serde_json::json;
use tuneup_core::data::{DataInfo, Normalizer};
use tuneup_core::diagnose::Verdict;
use tuneup_core::diagnose::remedies::Change;
use tuneup_core::ensemble::Method;
use tuneup_core::spec::{DataFormat, Experiment, Task};
use tuneup_core::tune::{Params, Search};

use super::Backend;
use crate::records::*;

/// A small resolved experiment for records.
pub fn experiment(name: &str) -> Experiment {
    Experiment::parse(
        &format!(
            "name = \"{name}\"\ntask = \"classification\"\n[data]\ntrain = \"d.csv\"\n[model]\nkind = \"mlp\"\nhidden = [8]\n"
        ),
        std::path::Path::new("/data"),
    )
    .expect("a valid experiment")
}

pub fn search() -> Search {
    let t: toml::Table = toml::from_str(
        "sampler = \"random\"\n[space]\n\"optimizer.lr\" = { float = [1e-4, 1e-1], log = true }\n",
    )
    .expect("toml");
    Search::parse(&t).expect("a valid search")
}

pub(crate) fn new_run<'a>(exp: &'a Experiment, kind: RunKind, parent: Option<i64>) -> NewRun<'a> {
    NewRun {
        name: exp.name.as_deref(),
        parent_id: parent,
        kind,
        experiment_path: "e.toml",
        experiment: exp,
        model: exp.model.kind(),
        metric_name: "accuracy",
    }
}

pub(crate) fn epoch(e: usize, v: f64) -> EpochRecord {
    EpochRecord {
        epoch: e,
        fit_loss: 1.0,
        train_loss: 0.9,
        train_error: 0.2,
        val_loss: 1.1,
        val_error: 0.3,
        val_metric: v,
        lr: 0.001,
        seconds: 0.5,
        fit_seconds: 0.25,
    }
}

fn info() -> DataInfo {
    DataInfo {
        task: Task::Classification,
        sample_shape: vec![4],
        classes: vec!["a".into(), "b".into()],
        feature_names: (0..4).map(|i| format!("f{i}")).collect(),
        target_name: Some("label".into()),
        id_name: None,
        format: DataFormat::Csv,
        normalizer: Normalizer {
            mean: vec![0.0; 4],
            std: vec![1.0; 4],
            block: 1,
        },
        y_mean: 0.0,
        y_std: 1.0,
        positive: Some(1),
        tabular: None,
        log_target: false,
    }
}

/// Runs: created running, epochs recorded (NaN kept), finished once with every field, read back
/// typed; a missing run is `NoSuchRun`.
pub fn runs_round_trip(b: &dyn Backend) {
    let store = b.open(&b.fresh()).expect("a fresh store");
    let exp = experiment("a");
    let id = store
        .create_run(&new_run(&exp, RunKind::Train, None))
        .unwrap();
    store.record_epoch(id, &epoch(1, 0.7)).unwrap();
    store.record_epoch(id, &epoch(2, f64::NAN)).unwrap();
    let running = store.run(id).unwrap();
    assert_eq!(running.state, RunState::Running);
    assert_eq!(running.kind, RunKind::Train);
    assert_eq!(running.experiment, exp, "{}", b.name());
    let s = Scores {
        loss: 0.1,
        error: 0.05,
        metric: 0.95,
    };
    let info = info();
    let ckpt = std::path::PathBuf::from("/ckpt/best.bpk");
    let extra = RunExtra {
        snapshots: vec![Snapshot {
            epoch: 2,
            checkpoint: "/ckpt/snapshot-2.bpk".into(),
        }],
        ..Default::default()
    };
    let splits = Splits {
        train: 10,
        val: 5,
        train_dev: None,
        test: Some(3),
    };
    let fin = Finish {
        params: Some(10),
        best_epoch: Some(1),
        train: Some(s),
        val: Some(s),
        test: Some(Scores {
            metric: f64::NAN,
            ..s
        }),
        checkpoint: Some(&ckpt),
        data_info: Some(&info),
        splits: Some(splits),
        extra: Some(&extra),
        ..Finish::bare(RunState::Complete, None, 1.5)
    };
    assert!(store.finish_run(id, &fin).unwrap());
    // Finished runs are immutable.
    let again = Finish {
        state: RunState::Failed,
        ..fin.clone()
    };
    assert!(!store.finish_run(id, &again).unwrap());
    let run = store.run(id).unwrap();
    assert_eq!(run.state, RunState::Complete);
    assert_eq!((run.val, run.train), (Some(s), Some(s)));
    assert_eq!(run.test, None, "a split with a NaN score reads as unscored");
    assert_eq!(run.checkpoint.as_deref(), Some(ckpt.as_path()));
    assert_eq!(run.data_info.as_ref(), Some(&info));
    assert_eq!((run.splits, &run.extra), (Some(splits), &extra));
    assert_eq!(
        (run.params, run.best_epoch, run.seconds),
        (Some(10), Some(1), Some(1.5))
    );
    let eps = store.epochs(id).unwrap();
    assert_eq!(eps[0], epoch(1, 0.7));
    assert!(eps[1].val_metric.is_nan());
    assert!(matches!(
        store.run(9999),
        Err(crate::StoreError::NoSuchRun(9999))
    ));
    assert!(store.epochs(9999).unwrap().is_empty());
}

/// Every kind of run with its typed record: a CV run and its fold (a child), an ensemble;
/// runs listed in id order.
pub fn run_kinds_and_extras(b: &dyn Backend) {
    let store = b.open(&b.fresh()).expect("a fresh store");
    let exp = experiment("k");
    let id = store
        .create_run(&new_run(&exp, RunKind::Train, None))
        .unwrap();
    let cv = store.create_run(&new_run(&exp, RunKind::Cv, None)).unwrap();
    let fold = store
        .create_run(&new_run(&exp, RunKind::Train, Some(cv)))
        .unwrap();
    let cv_extra = RunExtra {
        cv: Some(CvSummary {
            scheme: "stratified k-fold".into(),
            folds: 2,
            repeats: 1,
            fold_runs: vec![fold],
            mean: Some(0.9),
            std: None,
            ..Default::default()
        }),
        ..Default::default()
    };
    let failed = Finish {
        extra: Some(&cv_extra),
        ..Finish::bare(RunState::Failed, Some("a fold failed"), 2.0)
    };
    assert!(store.finish_run(cv, &failed).unwrap());
    let ens = store
        .create_run(&new_run(&exp, RunKind::Ensemble, None))
        .unwrap();
    let ens_extra = RunExtra {
        ensemble: Some(EnsembleInfo {
            members: vec![id, cv],
            kinds: vec![MemberKind::Run, MemberKind::CvFolds],
            models: 3,
            method: Method::Weighted,
            weights: vec![0.25, 0.75],
            fitted_on: Some("validation".into()),
            snapshots: false,
        }),
        distill: None,
        ..Default::default()
    };
    let done = Finish {
        extra: Some(&ens_extra),
        ..Finish::bare(RunState::Complete, None, 0.0)
    };
    assert!(store.finish_run(ens, &done).unwrap());
    let r = store.run(cv).unwrap();
    assert_eq!((r.kind, r.state), (RunKind::Cv, RunState::Failed));
    assert_eq!(r.failure.as_deref(), Some("a fold failed"));
    assert_eq!(r.fold_runs(), Some(&[fold][..]));
    assert_eq!(store.run(fold).unwrap().parent_id, Some(cv));
    assert_eq!(store.run(ens).unwrap().extra, ens_extra);
    let all = store.runs().unwrap();
    assert_eq!(
        all.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id, cv, fold, ens]
    );
    assert_eq!(all[0].state, RunState::Running);
}

fn params(lr: f64) -> Params {
    let mut p = Params::new();
    p.insert("optimizer.lr".into(), json!(lr));
    p
}

/// Studies and trials: a study opened twice is one study; trials are numbered in order, their
/// sampler sees the history; intermediate values keep NaN; a finished trial ends once; the
/// interrupted state round-trips.
pub fn studies_and_trials(b: &dyn Backend) {
    let store = b.open(&b.fresh()).expect("a fresh store");
    let search = search();
    let new = crate::records::NewStudy {
        name: "s",
        experiment_path: "e.toml",
        text: "task = \"classification\"",
        search: &search,
    };
    let (s, created) = store.open_study(&new).unwrap();
    assert!(created);
    assert_eq!((s.text.as_str(), &s.search), (new.text, &search));
    let other = crate::records::NewStudy {
        experiment_path: "other.toml",
        ..new
    };
    let (again, created) = store.open_study(&other).unwrap();
    assert!(!created);
    assert_eq!(again, s);
    assert_eq!(store.study("nope").unwrap(), None);
    for want in 0..4 {
        let (n, p) = store
            .ask_trial(s.id, "w", &mut |history, number| {
                assert_eq!(history.len(), want);
                assert_eq!(number, want);
                assert!(history.iter().all(|t| t.trial.state == TrialState::Running));
                Some(params(0.1 * (want + 1) as f64))
            })
            .unwrap()
            .unwrap();
        assert_eq!((n, p), (want, params(0.1 * (want + 1) as f64)));
    }
    assert_eq!(store.ask_trial(s.id, "w", &mut |_, _| None).unwrap(), None);
    let run = store
        .create_run(&new_run(&experiment("t"), RunKind::Train, None))
        .unwrap();
    store.set_trial_run(s.id, 1, run).unwrap();
    store.report_value(s.id, 1, 1, 0.5).unwrap();
    store.report_value(s.id, 1, 2, f64::NAN).unwrap();
    let pruned = TrialEnd {
        state: TrialState::Pruned,
        value: Some(0.5),
        failure: Some("pruned at epoch 2"),
    };
    assert!(store.finish_trial(s.id, 1, &pruned).unwrap());
    let complete = TrialEnd {
        state: TrialState::Complete,
        value: Some(0.9),
        failure: None,
    };
    assert!(!store.finish_trial(s.id, 1, &complete).unwrap());
    assert!(store.finish_trial(s.id, 0, &complete).unwrap());
    let lost = TrialEnd {
        state: TrialState::Interrupted,
        value: None,
        failure: Some("interrupted: worker w exited during the trial"),
    };
    assert!(store.finish_trial(s.id, 2, &lost).unwrap());
    let t = store.trials(s.id).unwrap();
    assert_eq!(t.len(), 4);
    assert_eq!(t[0].trial.value, Some(0.9));
    assert_eq!(
        (t[1].trial.state, t[1].run_id),
        (TrialState::Pruned, Some(run))
    );
    assert_eq!(t[1].trial.intermediate[0], (1, 0.5));
    assert!(t[1].trial.intermediate[1].1.is_nan());
    assert_eq!(t[2].trial.state, TrialState::Interrupted);
    assert_eq!(t[3].trial.state, TrialState::Running);
    assert!(t[0].finished_at.is_some() && t[3].finished_at.is_none());
    assert_eq!(store.studies().unwrap(), vec![("s".to_string(), 4)]);
}

/// The ledger: steps numbered per chain, typed changes and diagnosis kept, a step ends once,
/// chains listed oldest first.
pub fn ledger_steps(b: &dyn Backend) {
    let store = b.open(&b.fresh()).expect("a fresh store");
    let changes = vec![Change {
        key: "optimizer.lr".into(),
        from: json!(0.001),
        to: json!(0.003),
    }];
    let diagnosis = DiagnosisBrief {
        verdict: Verdict::HighBias,
        train_error: Some(0.2),
        val_error: Some(0.25),
        target_error: Some(0.0),
        avoidable_bias: Some(0.2),
        variance: None,
        reasons: vec!["train error 20%".into()],
    };
    let base = NewStep {
        chain: "c",
        kind: StepKind::Baseline,
        parent_run: None,
        remedy: None,
        title: Some("baseline"),
        changes: None,
        diagnosis: None,
        best_before: None,
        worker: "w",
    };
    assert_eq!(store.begin_step(&base).unwrap(), 0);
    assert!(
        store
            .end_step("c", 0, StepState::Kept, Some(0.8), "ok")
            .unwrap()
    );
    assert!(
        !store
            .end_step("c", 0, StepState::Failed, None, "no")
            .unwrap()
    );
    let remedy = NewStep {
        kind: StepKind::Remedy,
        parent_run: Some(1),
        remedy: Some("raise_learning_rate"),
        changes: Some(&changes),
        diagnosis: Some(&diagnosis),
        best_before: Some(0.8),
        ..base
    };
    assert_eq!(store.begin_step(&remedy).unwrap(), 1);
    store.set_step_run("c", 1, 7).unwrap();
    let other = NewStep { chain: "d", ..base };
    assert_eq!(store.begin_step(&other).unwrap(), 0);
    let l = store.ledger("c").unwrap();
    assert_eq!(l.len(), 2);
    assert_eq!(
        (l[0].kind, l[0].state, l[0].value),
        (StepKind::Baseline, StepState::Kept, Some(0.8))
    );
    assert_eq!(l[0].reason.as_deref(), Some("ok"));
    assert_eq!(
        (l[1].kind, l[1].state, l[1].run_id),
        (StepKind::Remedy, StepState::Running, Some(7))
    );
    assert_eq!(l[1].changes.as_ref(), Some(&changes));
    assert_eq!(l[1].diagnosis.as_ref(), Some(&diagnosis));
    assert!(
        store
            .end_step("c", 1, StepState::Interrupted, None, "worker gone")
            .unwrap()
    );
    assert_eq!(store.ledger("c").unwrap()[1].state, StepState::Interrupted);
    assert_eq!(
        store.chains().unwrap(),
        vec![("c".to_string(), 2), ("d".to_string(), 1)]
    );
    assert!(store.ledger("none").unwrap().is_empty());
}
