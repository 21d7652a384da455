//! Several processes on one store: distinct trial and step numbers with nothing lost, and a
//! process killed mid-write leaving the store readable, its finished records intact.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use super::Backend;
use super::worker::{Job, round, shared_study};
use crate::records::*;

/// Four processes take 15 trials each of one study (each trial with its run and a ledger step
/// of one chain) at the same time: 60 distinct trial numbers 0..59, 60 steps 0..59, 60 finished
/// runs, nothing lost or duplicated.
pub fn concurrent_workers(b: &dyn Backend) {
    const WORKERS: usize = 4;
    const EACH: usize = 15;
    let loc = b.fresh();
    let store = b.open(&loc).expect("a fresh store");
    let study = shared_study(store.as_ref(), "shared").unwrap();
    let job = Job::Concurrent {
        study: "shared".into(),
        count: EACH,
    };
    let children: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(b.worker_exe())
                .args(job.args(&loc))
                .stdout(Stdio::null())
                .spawn()
                .expect("starting store-worker")
        })
        .collect();
    for mut c in children {
        let status = c.wait().unwrap();
        assert!(status.success(), "{}: a worker failed: {status}", b.name());
    }
    let n = WORKERS * EACH;
    let trials = store.trials(study.id).unwrap();
    let numbers: Vec<usize> = trials.iter().map(|t| t.trial.number).collect();
    assert_eq!(numbers, (0..n).collect::<Vec<_>>(), "{}", b.name());
    assert!(trials.iter().all(|t| t.trial.state == TrialState::Complete));
    let workers: std::collections::BTreeSet<&str> =
        trials.iter().map(|t| t.worker.as_str()).collect();
    assert_eq!(workers.len(), WORKERS, "every worker took trials");
    let steps = store.ledger("shared").unwrap();
    assert_eq!(
        steps.iter().map(|s| s.step).collect::<Vec<_>>(),
        (0..n).collect::<Vec<_>>()
    );
    assert!(steps.iter().all(|s| s.state == StepState::Kept));
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), n);
    assert!(runs.iter().all(|r| r.state == RunState::Complete));
    let mut linked: Vec<i64> = trials.iter().filter_map(|t| t.run_id).collect();
    linked.sort();
    assert_eq!(linked, runs.iter().map(|r| r.id).collect::<Vec<_>>());
}

/// A process writing runs, trials and steps in a loop is killed (SIGKILL) three times at
/// different moments; after each kill the store opens, every finished record is whole, at most
/// the one round in flight is left running (and ends as interrupted), and writing goes on with the next numbers.
pub fn reopen_after_kill(b: &dyn Backend) {
    let loc = b.fresh();
    drop(b.open(&loc).expect("a fresh store"));
    for (round_no, wait_for) in [3usize, 7, 12].into_iter().enumerate() {
        let mut child = Command::new(b.worker_exe())
            .args(Job::Churn.args(&loc))
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting store-worker");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for _ in 0..wait_for {
            lines.next().expect("the worker reports rounds").unwrap();
        }
        // Killed somewhere inside its next round.
        std::thread::sleep(std::time::Duration::from_millis(3 * round_no as u64));
        child.kill().unwrap();
        child.wait().unwrap();
        let store = b.open(&loc).expect("the store opens after a kill");
        let study = shared_study(store.as_ref(), "churn").unwrap();
        let trials = store.trials(study.id).unwrap();
        let numbers: Vec<usize> = trials.iter().map(|t| t.trial.number).collect();
        assert_eq!(numbers, (0..trials.len()).collect::<Vec<_>>());
        let running = trials
            .iter()
            .filter(|t| t.trial.state == TrialState::Running)
            .count();
        assert!(running <= 1, "{}: {running} trials left running", b.name());
        for t in trials
            .iter()
            .filter(|t| t.trial.state == TrialState::Complete)
        {
            assert_eq!(t.trial.value, Some(0.5));
            assert_eq!(t.trial.intermediate.len(), 3);
            let run = store
                .run(t.run_id.expect("a complete trial has its run"))
                .unwrap();
            assert_eq!(run.state, RunState::Complete);
            assert_eq!(store.epochs(run.id).unwrap().len(), 3);
        }
        let runs = store.runs().unwrap();
        assert!(runs.iter().filter(|r| r.state == RunState::Running).count() <= 1);
        let steps = store.ledger("churn").unwrap();
        assert!(
            steps
                .iter()
                .filter(|s| s.state == StepState::Running)
                .count()
                <= 1
        );
        assert!(
            steps
                .iter()
                .filter(|s| s.state == StepState::Kept)
                .all(|s| s.value == Some(0.5))
        );
        // What the killed worker left running is ended as a resuming process ends it.
        for t in trials
            .iter()
            .filter(|t| t.trial.state == TrialState::Running)
        {
            let end = TrialEnd {
                state: TrialState::Interrupted,
                value: None,
                failure: Some("interrupted: the worker was killed"),
            };
            assert!(store.finish_trial(study.id, t.trial.number, &end).unwrap());
        }
        for r in runs.iter().filter(|r| r.state == RunState::Running) {
            let fin = Finish::bare(RunState::Failed, Some("killed"), 0.0);
            assert!(store.finish_run(r.id, &fin).unwrap());
        }
        for s in steps.iter().filter(|s| s.state == StepState::Running) {
            assert!(
                store
                    .end_step("churn", s.step, StepState::Interrupted, None, "killed")
                    .unwrap()
            );
        }
        // The store takes writes again, numbered after what is there.
        let before = trials.len();
        let n = round(store.as_ref(), &study, "parent").unwrap();
        assert_eq!(n, before);
    }
}
