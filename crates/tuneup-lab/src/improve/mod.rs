//! The development cycle, automated (`tuneup improve`): train the baseline, diagnose it, try
//! the remedies the diagnosis ranks first as child runs, keep a child only if it beats the
//! current best on the held-out samples beyond noise (a paired test on the same samples),
//! repeat from the new best until the budget, the target or the remedies run out; then
//! ensemble the chain's best runs and evaluate the final model on the test set once. Every
//! step is a ledger row, written before the step's work starts, so an interrupted chain resumes
//! where it stopped.
//!
//! When the validation split is small (under [`CV_BELOW`] rows, where one sample moves the
//! metric by more than 0.2%), every candidate is judged by K-fold cross-validation over the
//! training and validation rows instead: a candidate is a CV run whose out-of-fold predictions
//! cover every row, the paired test runs over all of them, and the final model is the best
//! candidate's fold models averaged.
//!
//! One concern per file: [`setup`] (options, the chain's judge, resuming), [`baseline`],
//! [`step`] (one remedy tried and judged), [`child`] (the child run; its study and distillation
//! in [`study_step`] and [`distill`]), [`judge`], [`ensemble_step`], [`describe`] (how steps
//! read), [`history`].

mod achievable;
mod baseline;
mod child;
pub mod describe;
mod distill;
mod ensemble_step;
pub mod history;
mod honest;
mod judge;
mod seeds;
mod setup;
mod step;
mod study_step;

use std::path::Path;
use std::time::Instant;

use tuneup_core::cv::CvSpec;
use tuneup_core::data::Prepared;
use tuneup_core::diagnose::remedies::RemedyId;
use tuneup_core::spec::Experiment;
use tuneup_core::tune::Direction;
use tuneup_store::{NewStep, StepKind, StepState};

use crate::Lab;

pub use history::history;

/// Under this many validation rows, `--cv auto` judges candidates by cross-validation.
pub const CV_BELOW: usize = 500;

/// The share of the budget left that a tuning study may spend.
const STUDY_SHARE: f64 = 0.5;

/// What `tuneup improve` was asked for.
pub struct Options<'a> {
    /// An experiment file, or a data file (its `init` baseline is the start).
    pub source: &'a Path,
    pub budget: &'a str,
    pub max_runs: Option<usize>,
    pub target_metric: Option<f64>,
    pub max_params: Option<usize>,
    pub chain: Option<&'a str>,
    /// The one-sided z a child's paired gain must reach to be kept.
    pub z: f64,
    /// Ensemble up to this many of the chain's runs at the end (0 or 1: off).
    pub ensemble: usize,
    /// Only these remedy ids.
    pub remedies: Option<&'a [String]>,
    /// `auto`, `off` or a number of folds: judge candidates by cross-validation.
    pub cv: &'a str,
    /// For a data file: the target column, a test file, whether to drop rows without a target.
    pub data: crate::init::Choices<'a>,
}

/// How a chain ended this time.
pub struct Ended {
    pub chain: String,
    pub stop_reason: String,
    /// The chain had already finished: nothing was done.
    pub already_finished: bool,
}

/// The current best of a chain: its run, held-out value, experiment.
#[derive(Clone)]
struct Best {
    run: i64,
    value: f64,
    exp: Experiment,
}

/// A chain in progress.
struct Chain<'a> {
    lab: Lab<'a>,
    opts: &'a Options<'a>,
    name: String,
    me: String,
    base: Experiment,
    base_data: Prepared,
    cv: Option<CvSpec>,
    remedies: Option<Vec<RemedyId>>,
    direction: Direction,
    /// `validation` or `out-of-fold`: what a value is measured on.
    val_word: &'static str,
    session: Instant,
    spent_before: f64,
    budget: f64,
    /// The last 5% of the budget is kept for the ensemble and the final evaluation.
    reserve: f64,
    /// The best run's per-sample scores, once read.
    per_best: Option<judge::Held>,
}

impl Chain<'_> {
    /// Seconds of the budget left.
    fn left(&self) -> f64 {
        self.budget - self.spent_before - self.session.elapsed().as_secs_f64()
    }

    /// Begins a ledger step of this chain.
    fn begin(&self, s: NewStep) -> anyhow::Result<usize> {
        let doing = s.title.or(s.remedy).unwrap_or(s.kind.as_str());
        self.lab.monitor.overall(crate::Overall {
            done: self.budget - self.left().max(0.0),
            total: self.budget,
            unit: crate::Unit::Seconds,
            doing,
        });
        Ok(self.lab.store.begin_step(&NewStep {
            chain: &self.name,
            worker: &self.me,
            ..s
        })?)
    }

    fn end(
        &self,
        step: usize,
        state: StepState,
        value: Option<f64>,
        reason: &str,
    ) -> anyhow::Result<()> {
        self.lab
            .store
            .end_step(&self.name, step, state, value, reason)?;
        Ok(())
    }
}

pub use setup::{Checked, check};

/// Runs (or continues) an improve chain, checked by [`check`], until its budget, target or
/// remedies run out.
pub fn run<'a>(lab: Lab<'a>, opts: &'a Options<'a>, checked: Checked) -> anyhow::Result<Ended> {
    let (mut chain, base_folds) = setup::start(lab, opts, checked)?;
    let mut best = baseline::best_or_baseline(&mut chain, base_folds)?;
    let steps_before = lab.store.ledger(&chain.name)?.len();
    let stop_reason = loop {
        tuneup_core::stop::check()?;
        match step::next(&mut chain, &best)? {
            step::Next::Stop(why) => break why,
            step::Next::Kept(b) => best = b,
            step::Next::Continue => {}
        }
    };
    let ledger = lab.store.ledger(&chain.name)?;
    let finished = ledger
        .last()
        .is_some_and(|s| s.kind == StepKind::Final && s.state == StepState::Done);
    if ledger.len() == steps_before && finished {
        return Ok(Ended {
            chain: chain.name,
            stop_reason,
            already_finished: true,
        });
    }
    let mut final_run = (best.run, best.value);
    if opts.ensemble > 1 {
        if let Some(e) = ensemble_step::run(&chain, &best, &ledger)? {
            final_run = e;
        }
    }
    final_step(&chain, final_run, &stop_reason)?;
    Ok(Ended {
        chain: chain.name,
        stop_reason,
        already_finished: false,
    })
}

/// The final model, evaluated on the test set once: a `final` step.
fn final_step(chain: &Chain, (run_id, value): (i64, f64), stop_reason: &str) -> anyhow::Result<()> {
    let lab = chain.lab;
    let run = lab.store.run(run_id)?;
    let metric = chain.base.metric().name();
    let test = run.test.map(|s| s.metric);
    let step = chain.begin(NewStep {
        chain: "",
        kind: StepKind::Final,
        parent_run: Some(run_id),
        remedy: None,
        title: Some("final model on the test set"),
        changes: None,
        diagnosis: None,
        best_before: Some(value),
        worker: "",
    })?;
    lab.store.set_step_run(&chain.name, step, run_id)?;
    let ledger = lab.store.ledger(&chain.name)?;
    let honest = honest::describe(&honest::honest(chain, run_id, &ledger)?, &metric);
    let reason = format!(
        "stopped: {stop_reason}; final model: {} {run_id}{} (chosen on {} {metric} {value:.4}; {honest}){}",
        if run.extra.ensemble.is_some() {
            "ensemble run"
        } else {
            "run"
        },
        if run.is_cv() {
            ", its fold models averaged"
        } else {
            ""
        },
        chain.val_word,
        test.map(|t| format!(", test {metric} {t:.4}"))
            .unwrap_or_else(|| ", no test set".into())
    );
    chain.end(step, StepState::Done, test, &reason)?;
    lab.say(format!("== {reason}"));
    Ok(())
}
