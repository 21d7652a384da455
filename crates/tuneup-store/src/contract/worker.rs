//! What a `store-worker` process does to a shared store, for the process tests.

use std::io::Write;

use serde_json::json;

use super::records::{epoch, experiment, new_run, search};
use crate::records::*;
use crate::{Storage, StoreError};

/// A worker's job, as its command line gives it: `LOCATION concurrent STUDY COUNT` or
/// `LOCATION churn`.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Take `count` trials of the study (each also a run and a ledger step), as fast as it can.
    Concurrent { study: String, count: usize },
    /// Write runs, trials and steps in a loop until killed, printing each finished round.
    Churn,
}

impl Job {
    pub fn parse(args: &[String]) -> Option<(String, Job)> {
        match args {
            [loc, j, study, n] if j == "concurrent" => Some((
                loc.clone(),
                Job::Concurrent {
                    study: study.clone(),
                    count: n.parse().ok()?,
                },
            )),
            [loc, j] if j == "churn" => Some((loc.clone(), Job::Churn)),
            _ => None,
        }
    }

    pub fn args(&self, location: &str) -> Vec<String> {
        match self {
            Job::Concurrent { study, count } => vec![
                location.into(),
                "concurrent".into(),
                study.clone(),
                count.to_string(),
            ],
            Job::Churn => vec![location.into(), "churn".into()],
        }
    }
}

/// One round of writes: a trial of study `s` (its run with three epochs, finished) and a ledger
/// step; returns the trial's number.
pub(crate) fn round(store: &dyn Storage, s: &Study, worker: &str) -> Result<usize, StoreError> {
    let (number, _) = store
        .ask_trial(s.id, worker, &mut |history, number| {
            // The sampler sees every earlier trial, whoever runs it.
            assert_eq!(history.len(), number, "the history has every earlier trial");
            let mut p = tuneup_core::tune::Params::new();
            p.insert("n".into(), json!(number));
            Some(p)
        })?
        .expect("the choice always gives parameters");
    let exp = experiment(&format!("trial {number}"));
    let run = store.create_run(&new_run(&exp, RunKind::Train, None))?;
    store.set_trial_run(s.id, number, run)?;
    for e in 1..=3 {
        store.record_epoch(run, &epoch(e, 0.5))?;
        store.report_value(s.id, number, e, 0.5)?;
    }
    let score = Scores {
        loss: 0.5,
        error: 0.5,
        metric: 0.5,
    };
    let fin = Finish {
        val: Some(score),
        ..Finish::bare(RunState::Complete, None, 0.1)
    };
    store.finish_run(run, &fin)?;
    let end = TrialEnd {
        state: TrialState::Complete,
        value: Some(0.5),
        failure: None,
    };
    store.finish_trial(s.id, number, &end)?;
    let step = store.begin_step(&NewStep {
        chain: &s.name,
        kind: StepKind::Remedy,
        parent_run: None,
        remedy: Some("tuning"),
        title: None,
        changes: None,
        diagnosis: None,
        best_before: None,
        worker,
    })?;
    store.set_step_run(&s.name, step, run)?;
    store.end_step(&s.name, step, StepState::Kept, Some(0.5), "ok")?;
    Ok(number)
}

/// Opens the study the process tests share (the same one in every process).
pub(crate) fn shared_study(store: &dyn Storage, name: &str) -> Result<Study, StoreError> {
    let search = search();
    let new = NewStudy {
        name,
        experiment_path: "e.toml",
        text: "",
        search: &search,
    };
    Ok(store.open_study(&new)?.0)
}

/// Does `job` on the store at `location` (opened with `open`).
pub fn work(
    location: &str,
    job: &Job,
    open: &dyn Fn(&str) -> Result<Box<dyn Storage>, StoreError>,
) -> Result<(), StoreError> {
    let store = open(location)?;
    let worker = format!("worker-{}", std::process::id());
    match job {
        Job::Concurrent { study, count } => {
            let s = shared_study(store.as_ref(), study)?;
            for _ in 0..*count {
                round(store.as_ref(), &s, &worker)?;
            }
        }
        Job::Churn => {
            let s = shared_study(store.as_ref(), "churn")?;
            let mut out = std::io::stdout();
            loop {
                let n = round(store.as_ref(), &s, &worker)?;
                let _ = writeln!(out, "{n}");
                let _ = out.flush();
            }
        }
    }
    Ok(())
}
