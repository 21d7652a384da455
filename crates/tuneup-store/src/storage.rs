//! The storage contract: what every store (embedded SQLite, a PostgreSQL server) does, in four
//! parts (runs and their files, studies, the improve ledger, liveness) so that each
//! implementation keeps one concern per file.
//! [`crate::contract`] holds the tests every implementation must pass.
//!
//! The rules every implementation keeps:
//! - a finished run, trial or step is never changed again (`finish_*` / `end_step` return
//!   `false` for one that already ended);
//! - asking for a trial and beginning a step are atomic: processes sharing a store get distinct
//!   numbers, and a trial's sampler sees every trial recorded before it, running ones included;
//! - every write is a single statement or a transaction, so a process killed at any point leaves
//!   the store readable with every finished record intact;
//! - a process that records a running run, trial or step keeps it alive with heartbeats (the
//!   store's clock, every [`crate::heartbeat_every`]) until it ends; whoever finds one stale ends
//!   it with [`Liveness::interrupt`], a conditional update only one process can win.

use std::path::PathBuf;

use tuneup_core::tune::Params;

use crate::StoreError;
use crate::records::*;

/// Runs, their per-epoch curves and where their checkpoints live.
pub trait RunStore {
    /// Records a new running run; returns its id.
    fn create_run(&self, r: &NewRun) -> Result<i64, StoreError>;
    /// Records (or replaces) one epoch of a run.
    fn record_epoch(&self, run_id: i64, e: &EpochRecord) -> Result<(), StoreError>;
    /// Ends a running run; `false` when it had already ended (it is left as it was).
    fn finish_run(&self, run_id: i64, f: &Finish) -> Result<bool, StoreError>;
    fn run(&self, id: i64) -> Result<Run, StoreError>;
    /// Every run, in id order.
    fn runs(&self) -> Result<Vec<Run>, StoreError>;
    /// A run's epochs, in order.
    fn epochs(&self, run_id: i64) -> Result<Vec<EpochRecord>, StoreError>;
    /// The local folder where this process writes checkpoints and other run files.
    fn artifacts_dir(&self) -> PathBuf;
    /// Makes the file at `name` (a path relative to [`RunStore::artifacts_dir`], as
    /// `run-7/best.bpk`) reachable from every host: a store on a server keeps a copy; a store in
    /// a file, whose folder is the only place, does nothing.
    fn save_artifact(&self, name: &str) -> Result<(), StoreError>;
    /// Brings the file `name`, or every file of the folder `name` (as `run-7`), into
    /// [`RunStore::artifacts_dir`] where it is not there (written on another host); `false` when
    /// the store has no such file.
    fn fetch_artifact(&self, name: &str) -> Result<bool, StoreError>;
    /// Where the store is, for messages.
    fn location(&self) -> String;
}

/// Studies, their trials and the trials' intermediate values.
pub trait StudyStore {
    /// The study called `s.name`, created with this experiment and search when there is none.
    /// Returns the study and whether it was created now.
    fn open_study(&self, s: &NewStudy) -> Result<(Study, bool), StoreError>;
    fn study(&self, name: &str) -> Result<Option<Study>, StoreError>;
    /// Every study's name and trial count, in creation order.
    fn studies(&self) -> Result<Vec<(String, usize)>, StoreError>;
    /// A study's trials in number order, with their intermediate values.
    fn trials(&self, study_id: i64) -> Result<Vec<StoredTrial>, StoreError>;
    /// Takes the next trial atomically: `choose` sees the history and the next number and
    /// returns the parameters (or `None`: nothing left to try), recorded as a running trial of
    /// `worker`. Returns the trial's number and parameters.
    fn ask_trial(
        &self,
        study_id: i64,
        worker: &str,
        choose: &mut dyn FnMut(&[StoredTrial], usize) -> Option<Params>,
    ) -> Result<Option<(usize, Params)>, StoreError>;
    fn set_trial_run(&self, study_id: i64, number: usize, run_id: i64) -> Result<(), StoreError>;
    /// Records what the study wants (trials, deadline), for workers that join it.
    fn set_study_plan(&self, study_id: i64, plan: &StudyPlan) -> Result<(), StoreError>;
    /// Records a running trial's value at a step (an epoch).
    fn report_value(
        &self,
        study_id: i64,
        number: usize,
        step: usize,
        value: f64,
    ) -> Result<(), StoreError>;
    /// Ends a running trial; `false` when it had already ended.
    fn finish_trial(
        &self,
        study_id: i64,
        number: usize,
        end: &TrialEnd,
    ) -> Result<bool, StoreError>;
}

/// The improve loop's ledger: one row per step of a chain.
pub trait LedgerStore {
    /// Starts the chain's next step (number = last + 1) as running, atomically; returns its
    /// number.
    fn begin_step(&self, s: &NewStep) -> Result<usize, StoreError>;
    fn set_step_run(&self, chain: &str, step: usize, run_id: i64) -> Result<(), StoreError>;
    /// Ends a running step; `false` when it had already ended.
    fn end_step(
        &self,
        chain: &str,
        step: usize,
        state: StepState,
        value: Option<f64>,
        reason: &str,
    ) -> Result<bool, StoreError>;
    /// The chain's steps in order.
    fn ledger(&self, chain: &str) -> Result<Vec<Step>, StoreError>;
    /// Every chain's name and step count, oldest first.
    fn chains(&self) -> Result<Vec<(String, usize)>, StoreError>;
}

/// Whether the worker of a running record is still at it.
pub trait Liveness {
    /// The store's clock, in seconds since the Unix epoch: heartbeats are written and judged
    /// with it, never with a worker's own clock.
    fn clock(&self) -> Result<f64, StoreError>;
    /// Refreshes, now, the heartbeat of every running run, trial and step this process
    /// recorded; returns how many. A background thread calls it while any is running.
    fn beat(&self) -> Result<usize, StoreError>;
    /// Ends a running record as interrupted (a run as failed) with `why`, when its heartbeat is
    /// still `seen` (nothing beat since the caller read it): one conditional update, so of two
    /// processes that find it stale only one ends it. `false` when it beat or ended meanwhile.
    fn interrupt(&self, item: Live<'_>, seen: Option<f64>, why: &str) -> Result<bool, StoreError>;
    /// A number that changes whenever another connection commits a change to the store: a
    /// reader polls it (cheaply) to learn that something happened, then reads what it shows.
    /// It may also change for writes that touch nothing the reader shows.
    fn revision(&self) -> Result<u64, StoreError>;
}

/// A whole store: runs, studies, the ledger and liveness.
pub trait Storage: RunStore + StudyStore + LedgerStore + Liveness {}

impl<T: RunStore + StudyStore + LedgerStore + Liveness> Storage for T {}
