//! Faults of a PostgreSQL store: the server restarted in the middle of a study (the worker's
//! writes wait, reconnect and go on, nothing lost or duplicated), and a stale trial claimed by
//! exactly one of two processes.

use std::time::Duration;

use serde_json::json;
use tuneup_store::contract::{records_experiment, records_search};
use tuneup_store::postgres::test_server::{self, Private};
use tuneup_store::*;

fn params(n: usize) -> tuneup_core::tune::Params {
    let mut p = tuneup_core::tune::Params::new();
    p.insert("n".into(), json!(n));
    p
}

fn epoch(e: usize) -> EpochRecord {
    EpochRecord {
        epoch: e,
        fit_loss: 0.5,
        train_loss: 0.5,
        train_error: 0.1,
        val_loss: 0.6,
        val_error: 0.2,
        val_metric: 0.8,
        lr: 0.01,
        seconds: 0.1,
        fit_seconds: 0.1,
    }
}

#[test]
fn a_server_restart_mid_study_loses_nothing() {
    let mut server = Private::start("restart");
    server.admin("CREATE DATABASE restart");
    let url = format!("{}/restart", server.url);
    let artifacts = tempfile::tempdir().unwrap();
    let store = PgStore::open(&url, Some(artifacts.path())).unwrap();
    let search = records_search();
    let exp = records_experiment("restart");
    let study = store
        .open_study(&NewStudy {
            name: "s",
            experiment_path: "e.toml",
            text: "",
            search: &search,
        })
        .unwrap()
        .0;
    let (n0, _) = store
        .ask_trial(study.id, "w", &mut |_, n| Some(params(n)))
        .unwrap()
        .unwrap();
    let run = store
        .create_run(&NewRun {
            name: None,
            parent_id: None,
            kind: RunKind::Train,
            experiment_path: "e.toml",
            experiment: &exp,
            model: "mlp",
            metric_name: "accuracy",
        })
        .unwrap();
    store.record_epoch(run, &epoch(1)).unwrap();
    store.report_value(study.id, n0, 1, 0.8).unwrap();

    // The server goes down; the worker's next write waits for it and goes on once it is back.
    server.stop();
    let worker = std::thread::spawn(move || {
        store.record_epoch(run, &epoch(2)).unwrap();
        store.report_value(study.id, n0, 2, 0.8).unwrap();
        let fin = Finish::bare(RunState::Complete, None, 1.0);
        assert!(store.finish_run(run, &fin).unwrap());
        let end = TrialEnd {
            state: TrialState::Complete,
            value: Some(0.8),
            failure: None,
        };
        assert!(store.finish_trial(study.id, n0, &end).unwrap());
        let next = store
            .ask_trial(study.id, "w", &mut |history, n| {
                assert_eq!(history.len(), n);
                Some(params(n))
            })
            .unwrap()
            .unwrap()
            .0;
        (store, next)
    });
    std::thread::sleep(Duration::from_secs(2));
    server.start_again();
    let (store, next) = worker.join().unwrap();
    assert_eq!(next, 1, "numbering goes on after the restart");
    let trials = store.trials(study.id).unwrap();
    assert_eq!(trials.len(), 2);
    assert_eq!(trials[0].trial.state, TrialState::Complete);
    assert_eq!(trials[0].trial.intermediate, vec![(1, 0.8), (2, 0.8)]);
    assert_eq!(store.epochs(run).unwrap().len(), 2);
    assert_eq!(store.run(run).unwrap().state, RunState::Complete);
    assert_eq!(store.runs().unwrap().len(), 1, "no run recorded twice");
}

#[test]
fn a_stale_trial_is_claimed_once() {
    let url = test_server::fresh_db();
    let a = tuneup_store::open(&url).unwrap();
    let b = tuneup_store::open(&url).unwrap();
    let search = records_search();
    let new = NewStudy {
        name: "s",
        experiment_path: "e.toml",
        text: "",
        search: &search,
    };
    let study = a.open_study(&new).unwrap().0;
    let (n, _) = a
        .ask_trial(study.id, "gone-host:1:1", &mut |_, n| Some(params(n)))
        .unwrap()
        .unwrap();
    let seen = a.trials(study.id).unwrap()[0].heartbeat;
    assert!(seen.is_some(), "a trial starts with a heartbeat");
    let item = Live::Trial {
        study_id: study.id,
        number: n,
    };
    // Both processes found it stale with the same heartbeat; one update wins.
    assert!(b.interrupt(item, seen, "interrupted: stale").unwrap());
    assert!(!a.interrupt(item, seen, "interrupted: stale").unwrap());
    let t = &a.trials(study.id).unwrap()[0];
    assert_eq!(t.trial.state, TrialState::Interrupted);
    // A trial that beat after it was read is not claimed.
    let (m, _) = a
        .ask_trial(study.id, &worker_id(), &mut |_, n| Some(params(n)))
        .unwrap()
        .unwrap();
    let old = a.trials(study.id).unwrap()[1].heartbeat;
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(a.beat().unwrap(), 1, "this process's running trial beats");
    let item = Live::Trial {
        study_id: study.id,
        number: m,
    };
    assert!(!b.interrupt(item, old, "interrupted: stale").unwrap());
    assert_eq!(
        a.trials(study.id).unwrap()[1].trial.state,
        TrialState::Running
    );
}
