//! A store whose every write passes a crash point before and after it
//! (`store.<write>.before` / `.after`, see `tuneup_core::failpoint`): what `open` returns in
//! test builds, so the kill tests can stop a command at any write. Reads pass straight through.

use std::path::PathBuf;

use tuneup_core::failpoint::hit;
use tuneup_core::tune::Params;

use crate::StoreError;
use crate::records::*;
use crate::storage::{LedgerStore, Liveness, RunStore, Storage, StudyStore};

pub struct Failing(pub Box<dyn Storage>);

/// Passes `store.NAME.before`, writes, passes `store.NAME.after`.
fn around<T>(name: &str, write: impl FnOnce() -> T) -> T {
    hit(&format!("store.{name}.before"));
    let out = write();
    hit(&format!("store.{name}.after"));
    out
}

impl RunStore for Failing {
    fn create_run(&self, r: &NewRun) -> Result<i64, StoreError> {
        around("create_run", || self.0.create_run(r))
    }
    fn record_epoch(&self, run_id: i64, e: &EpochRecord) -> Result<(), StoreError> {
        around("record_epoch", || self.0.record_epoch(run_id, e))
    }
    fn finish_run(&self, run_id: i64, f: &Finish) -> Result<bool, StoreError> {
        around("finish_run", || self.0.finish_run(run_id, f))
    }
    fn run(&self, id: i64) -> Result<Run, StoreError> {
        self.0.run(id)
    }
    fn runs(&self) -> Result<Vec<Run>, StoreError> {
        self.0.runs()
    }
    fn epochs(&self, run_id: i64) -> Result<Vec<EpochRecord>, StoreError> {
        self.0.epochs(run_id)
    }
    fn artifacts_dir(&self) -> PathBuf {
        self.0.artifacts_dir()
    }
    fn save_artifact(&self, name: &str) -> Result<(), StoreError> {
        around("save_artifact", || self.0.save_artifact(name))
    }
    fn fetch_artifact(&self, name: &str) -> Result<bool, StoreError> {
        self.0.fetch_artifact(name)
    }
    fn location(&self) -> String {
        self.0.location()
    }
}

impl StudyStore for Failing {
    fn open_study(&self, s: &NewStudy) -> Result<(Study, bool), StoreError> {
        around("open_study", || self.0.open_study(s))
    }
    fn study(&self, name: &str) -> Result<Option<Study>, StoreError> {
        self.0.study(name)
    }
    fn studies(&self) -> Result<Vec<(String, usize)>, StoreError> {
        self.0.studies()
    }
    fn trials(&self, study_id: i64) -> Result<Vec<StoredTrial>, StoreError> {
        self.0.trials(study_id)
    }
    fn ask_trial(
        &self,
        study_id: i64,
        worker: &str,
        choose: &mut dyn FnMut(&[StoredTrial], usize) -> Option<Params>,
    ) -> Result<Option<(usize, Params)>, StoreError> {
        around("ask_trial", || self.0.ask_trial(study_id, worker, choose))
    }
    fn set_trial_run(&self, study_id: i64, number: usize, run_id: i64) -> Result<(), StoreError> {
        around("set_trial_run", || {
            self.0.set_trial_run(study_id, number, run_id)
        })
    }
    fn set_study_plan(&self, study_id: i64, plan: &StudyPlan) -> Result<(), StoreError> {
        around("set_study_plan", || self.0.set_study_plan(study_id, plan))
    }
    fn report_value(
        &self,
        study_id: i64,
        number: usize,
        step: usize,
        value: f64,
    ) -> Result<(), StoreError> {
        around("report_value", || {
            self.0.report_value(study_id, number, step, value)
        })
    }
    fn finish_trial(
        &self,
        study_id: i64,
        number: usize,
        end: &TrialEnd,
    ) -> Result<bool, StoreError> {
        around("finish_trial", || {
            self.0.finish_trial(study_id, number, end)
        })
    }
}

impl LedgerStore for Failing {
    fn begin_step(&self, s: &NewStep) -> Result<usize, StoreError> {
        around("begin_step", || self.0.begin_step(s))
    }
    fn set_step_run(&self, chain: &str, step: usize, run_id: i64) -> Result<(), StoreError> {
        around("set_step_run", || self.0.set_step_run(chain, step, run_id))
    }
    fn end_step(
        &self,
        chain: &str,
        step: usize,
        state: StepState,
        value: Option<f64>,
        reason: &str,
    ) -> Result<bool, StoreError> {
        around("end_step", || {
            self.0.end_step(chain, step, state, value, reason)
        })
    }
    fn ledger(&self, chain: &str) -> Result<Vec<Step>, StoreError> {
        self.0.ledger(chain)
    }
    fn chains(&self) -> Result<Vec<(String, usize)>, StoreError> {
        self.0.chains()
    }
}

impl Liveness for Failing {
    fn clock(&self) -> Result<f64, StoreError> {
        self.0.clock()
    }
    fn beat(&self) -> Result<usize, StoreError> {
        self.0.beat()
    }
    fn interrupt(&self, item: Live<'_>, seen: Option<f64>, why: &str) -> Result<bool, StoreError> {
        around("interrupt", || self.0.interrupt(item, seen, why))
    }
    fn revision(&self) -> Result<u64, StoreError> {
        self.0.revision()
    }
}
