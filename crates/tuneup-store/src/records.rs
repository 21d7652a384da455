//! What the store keeps, as typed records: runs (with their kind, state, resolved experiment and
//! data description parsed once), studies and trials, and the improve ledger's steps. Every
//! storage implementation reads and writes these.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tuneup_core::data::DataInfo;
use tuneup_core::diagnose::Verdict;
use tuneup_core::diagnose::power_law::{Forecast, PowerLaw};
use tuneup_core::diagnose::remedies::Change;
use tuneup_core::ensemble::Method;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::{Search, Trial};

pub use tuneup_core::run::{EpochRecord, RunState, Scores};
pub use tuneup_core::tune::TrialState;

/// What made a run: plain training, a cross-validation run (its folds are its children), an
/// ensemble of recorded runs, a distilled student, a learning curve or a zoo bench (their
/// points / models are its children).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Train,
    Cv,
    Ensemble,
    Distill,
    Curve,
    ZooBench,
}

impl RunKind {
    pub const ALL: [RunKind; 6] = [
        RunKind::Train,
        RunKind::Cv,
        RunKind::Ensemble,
        RunKind::Distill,
        RunKind::Curve,
        RunKind::ZooBench,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Train => "train",
            RunKind::Cv => "cv",
            RunKind::Ensemble => "ensemble",
            RunKind::Distill => "distill",
            RunKind::Curve => "curve",
            RunKind::ZooBench => "zoo_bench",
        }
    }

    pub fn parse(s: &str) -> Option<RunKind> {
        RunKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Samples per split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Splits {
    pub train: usize,
    pub val: usize,
    #[serde(default)]
    pub train_dev: Option<usize>,
    #[serde(default)]
    pub test: Option<usize>,
}

/// A run as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: i64,
    pub name: Option<String>,
    pub parent_id: Option<i64>,
    pub kind: RunKind,
    pub state: RunState,
    pub failure: Option<String>,
    /// Where the experiment came from (a file, `improve CHAIN`, `(ensemble)`).
    pub experiment_path: String,
    /// The resolved experiment.
    pub experiment: Experiment,
    /// What the model needs to read new data.
    pub data_info: Option<DataInfo>,
    pub model: String,
    pub metric_name: String,
    pub created_at: f64,
    pub seconds: Option<f64>,
    pub params: Option<i64>,
    pub best_epoch: Option<i64>,
    pub train: Option<Scores>,
    pub val: Option<Scores>,
    pub train_dev: Option<Scores>,
    pub test: Option<Scores>,
    /// The best weights.
    pub checkpoint: Option<PathBuf>,
    pub splits: Option<Splits>,
    pub extra: RunExtra,
    /// The process that records it (`host:pid:start`); none in stores older than version 6.
    pub worker: Option<String>,
    /// When its worker last said it was alive (the store's clock); none in older stores.
    pub heartbeat: Option<f64>,
}

impl Run {
    /// The fold runs of a cross-validation run.
    pub fn fold_runs(&self) -> Option<&[i64]> {
        self.extra.cv.as_ref().map(|c| c.fold_runs.as_slice())
    }

    pub fn is_cv(&self) -> bool {
        self.extra.cv.is_some()
    }

    /// Trained from teachers (resuming it would train without them).
    pub fn is_distilled(&self) -> bool {
        self.extra.distill.is_some()
    }
}

/// What a kind of run records beyond the numbers every run has.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunExtra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<CvSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<EnsembleInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distill: Option<DistillInfo>,
    /// Snapshot checkpoints (`train.snapshots`), one per restart cycle.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub snapshots: Vec<Snapshot>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curve: Option<Curve>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zoo_bench: Option<ZooBench>,
}

impl RunExtra {
    pub fn is_empty(&self) -> bool {
        *self == RunExtra::default()
    }
}

/// A cross-validation run's folds and pooled numbers. Values that are not finite are `None`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CvSummary {
    pub scheme: String,
    pub folds: usize,
    pub repeats: usize,
    pub group: Option<String>,
    pub metric: String,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub per_fold: Vec<FoldResult>,
    /// The fold runs (children of the CV run), in fold order.
    #[serde(rename = "folds_runs")]
    pub fold_runs: Vec<i64>,
    pub failed_runs: Vec<i64>,
    /// Out-of-fold predictions (CSV), when every fold completed.
    pub oof: Option<PathBuf>,
    pub oof_metric: Option<f64>,
    pub oof_error: Option<f64>,
    pub test_metric: Option<f64>,
    pub test_error: Option<f64>,
}

/// One fold of a cross-validation run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FoldResult {
    /// 1-based.
    pub repeat: usize,
    /// 1-based.
    pub fold: usize,
    pub run_id: i64,
    pub n_val: usize,
    pub val_metric: Option<f64>,
    pub val_error: Option<f64>,
    pub train_error: Option<f64>,
    pub test_metric: Option<f64>,
}

/// How an ensemble's members are combined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnsembleInfo {
    pub members: Vec<i64>,
    #[serde(default)]
    pub kinds: Vec<MemberKind>,
    #[serde(default)]
    pub models: usize,
    pub method: Method,
    pub weights: Vec<f64>,
    /// The held-out predictions the weights were fitted on (`validation`, `out-of-fold`).
    #[serde(default)]
    pub fitted_on: Option<String>,
    /// Each member contributes its snapshot models.
    #[serde(default)]
    pub snapshots: bool,
}

/// What a member of an ensemble brings: one run's model, a CV run's fold models, or a run's
/// snapshot models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberKind {
    #[serde(rename = "run")]
    Run,
    #[serde(rename = "cv folds")]
    CvFolds,
    #[serde(rename = "snapshots")]
    Snapshots,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Run => "run",
            MemberKind::CvFolds => "cv folds",
            MemberKind::Snapshots => "snapshots",
        }
    }
}

/// The teachers a student was distilled from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillInfo {
    pub teachers: Vec<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teacher_params: Vec<Option<i64>>,
    pub alpha: f64,
    pub temperature: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub epoch: usize,
    pub checkpoint: PathBuf,
}

/// A learning curve over training-set size: its points (child runs), the power-law fit and the
/// forecasts with more data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub sizes: Vec<f64>,
    pub seeds: usize,
    pub points: Vec<CurvePoint>,
    pub fit: Option<PowerLaw>,
    pub forecasts: Vec<Forecast>,
    /// Validation error at the largest size (mean over seeds).
    pub current_error: Option<f64>,
    pub more_data_helps: Option<bool>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub run_id: i64,
    pub fraction: f64,
    pub seed: u64,
    pub n_train: usize,
    pub state: RunState,
    pub train_error: Option<f64>,
    pub val_error: Option<f64>,
}

/// Every zoo model that fits the data, trained for the same time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZooBench {
    pub budget_seconds: f64,
    pub rows: Vec<BenchRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    pub model: String,
    pub kind: String,
    pub run_id: i64,
    pub params: usize,
    pub flops: u64,
    pub epochs: usize,
    pub val_metric: Option<f64>,
    pub test_metric: Option<f64>,
    pub train_samples_per_s: Option<f64>,
    pub infer_ms_per_sample: Option<f64>,
}

/// What a new run starts with.
pub struct NewRun<'a> {
    pub name: Option<&'a str>,
    pub parent_id: Option<i64>,
    pub kind: RunKind,
    pub experiment_path: &'a str,
    pub experiment: &'a Experiment,
    pub model: &'a str,
    pub metric_name: &'a str,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct Finish<'a> {
    pub state: RunState,
    pub failure: Option<&'a str>,
    pub seconds: f64,
    pub params: Option<usize>,
    pub best_epoch: Option<usize>,
    pub train: Option<Scores>,
    pub val: Option<Scores>,
    pub train_dev: Option<Scores>,
    pub test: Option<Scores>,
    pub checkpoint: Option<&'a std::path::Path>,
    pub data_info: Option<&'a DataInfo>,
    pub splits: Option<Splits>,
    pub extra: Option<&'a RunExtra>,
}

impl<'a> Finish<'a> {
    /// An ending with nothing but its state, failure and time; set the rest with `..`.
    pub fn bare(state: RunState, failure: Option<&'a str>, seconds: f64) -> Finish<'a> {
        Finish {
            state,
            failure,
            seconds,
            params: None,
            best_epoch: None,
            train: None,
            val: None,
            train_dev: None,
            test: None,
            checkpoint: None,
            data_info: None,
            splits: None,
            extra: None,
        }
    }
}

/// A study as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    pub id: i64,
    pub name: String,
    pub experiment_path: String,
    /// The experiment file's text when the study was created (trials are made from it).
    pub text: String,
    pub search: Search,
    pub created_at: f64,
    /// How many trials it wants and until when, so that workers that join it know (none: a
    /// study only its own command serves).
    pub plan: Option<StudyPlan>,
}

/// What a study wants, for any worker that joins it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyPlan {
    /// Trials wanted in all (interrupted ones do not count).
    pub trials: usize,
    /// No trial starts after it (the store's clock).
    pub deadline: Option<f64>,
    /// The folder the experiment text's relative paths start from (absolute).
    pub dir: String,
    /// The parent run of every trial's run.
    pub parent: Option<i64>,
}

/// What a new study starts with.
pub struct NewStudy<'a> {
    pub name: &'a str,
    pub experiment_path: &'a str,
    pub text: &'a str,
    pub search: &'a Search,
}

/// A trial with what the store keeps beside what samplers see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredTrial {
    #[serde(flatten)]
    pub trial: Trial,
    pub run_id: Option<i64>,
    pub failure: Option<String>,
    /// Who ran it: `host:pid:start`.
    pub worker: String,
    pub started_at: f64,
    pub finished_at: Option<f64>,
    /// When its worker last said it was alive (the store's clock).
    #[serde(default, skip_serializing)]
    pub heartbeat: Option<f64>,
}

impl StoredTrial {
    pub fn seconds(&self) -> Option<f64> {
        self.finished_at.map(|f| f - self.started_at)
    }
}

/// How a trial ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialEnd<'a> {
    pub state: TrialState,
    pub value: Option<f64>,
    pub failure: Option<&'a str>,
}

/// What a step of an improve chain is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Baseline,
    Remedy,
    Ensemble,
    Final,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Baseline => "baseline",
            StepKind::Remedy => "remedy",
            StepKind::Ensemble => "ensemble",
            StepKind::Final => "final",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        [
            StepKind::Baseline,
            StepKind::Remedy,
            StepKind::Ensemble,
            StepKind::Final,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// A step that trains a candidate (the baseline or a remedy).
    pub fn trains(self) -> bool {
        matches!(self, StepKind::Baseline | StepKind::Remedy)
    }
}

/// Where a step stands. Legal transitions: Running → any other state, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Running,
    Kept,
    Rejected,
    Failed,
    /// Its worker died during the step; the step is tried again.
    Interrupted,
    /// The final step: the chain is finished.
    Done,
}

impl StepState {
    pub const ALL: [StepState; 6] = [
        StepState::Running,
        StepState::Kept,
        StepState::Rejected,
        StepState::Failed,
        StepState::Interrupted,
        StepState::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Running => "running",
            StepState::Kept => "kept",
            StepState::Rejected => "rejected",
            StepState::Failed => "failed",
            StepState::Interrupted => "interrupted",
            StepState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<StepState> {
        StepState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A step that ran to a judgement (kept or rejected).
    pub fn judged(self) -> bool {
        matches!(self, StepState::Kept | StepState::Rejected)
    }
}

/// The parent's diagnosis in brief, as a ledger row keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosisBrief {
    pub verdict: Verdict,
    pub train_error: Option<f64>,
    pub val_error: Option<f64>,
    pub target_error: Option<f64>,
    pub avoidable_bias: Option<f64>,
    pub variance: Option<f64>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// One step of an improve chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub chain: String,
    pub step: usize,
    pub kind: StepKind,
    pub state: StepState,
    /// The best run the step started from.
    pub parent_run: Option<i64>,
    pub run_id: Option<i64>,
    pub remedy: Option<String>,
    pub title: Option<String>,
    /// The exact config changes.
    pub changes: Option<Vec<Change>>,
    pub diagnosis: Option<DiagnosisBrief>,
    /// The step's validation metric (the final step: the test metric).
    pub value: Option<f64>,
    pub best_before: Option<f64>,
    /// Why it was kept or rejected, in numbers.
    pub reason: Option<String>,
    pub worker: String,
    pub started_at: f64,
    pub finished_at: Option<f64>,
    /// When its worker last said it was alive (the store's clock).
    #[serde(default, skip_serializing)]
    pub heartbeat: Option<f64>,
}

impl Step {
    pub fn seconds(&self) -> Option<f64> {
        self.finished_at.map(|f| f - self.started_at)
    }
}

/// What a new step starts with.
pub struct NewStep<'a> {
    pub chain: &'a str,
    pub kind: StepKind,
    pub parent_run: Option<i64>,
    pub remedy: Option<&'a str>,
    pub title: Option<&'a str>,
    pub changes: Option<&'a [Change]>,
    pub diagnosis: Option<&'a DiagnosisBrief>,
    pub best_before: Option<f64>,
    pub worker: &'a str,
}

/// A running record a worker keeps alive with heartbeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Live<'a> {
    Run(i64),
    Trial { study_id: i64, number: usize },
    Step { chain: &'a str, step: usize },
}
