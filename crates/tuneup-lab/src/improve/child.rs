//! A step's child: the experiment the remedy makes of the best one, trained within the time
//! left; judged by cross-validation when the chain is (one run per fold under a CV run); longer
//! training continues the parent where it can; a study or distillation when the remedy asks for
//! one.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::Value;
use tuneup_core::cv::CvSpec;
use tuneup_core::diagnose::remedies::{Change, DISTILL_KEY, Remedy, apply};
use tuneup_core::spec::Experiment;

use super::describe::fold_name;
use super::{Chain, STUDY_SHARE};
use crate::cv::{CvRequest, Folds, record};
use crate::record::{Request, With, check_model, record_and_train};
use tuneup_store::RunExtra;

/// A step's child run, with what it needs besides the remedy.
pub(super) struct Child<'a> {
    pub chain: &'a Chain<'a>,
    pub step: usize,
    /// The run the child starts from (for a CV chain's study: the parent's first fold).
    pub parent: i64,
}

/// A child's run, held-out value, experiment and a note for the ledger; or why it failed.
pub(super) type ChildResult = Result<(i64, f64, Experiment, String), String>;

impl Child<'_> {
    /// `improve CHAIN`, the experiment path the chain's runs record.
    pub(super) fn display(&self) -> String {
        format!("improve {}", self.chain.name)
    }

    /// Trains the child the remedy makes of `parent_exp` within `remaining` seconds; a remedy
    /// that adds a `[search]` runs a short study instead and returns its best trial.
    pub(super) fn run(
        &self,
        parent_exp: &Experiment,
        remedy: &Remedy,
        remaining: f64,
    ) -> anyhow::Result<ChildResult> {
        let chain = self.chain;
        let distill = remedy.changes.iter().find(|c| c.key == DISTILL_KEY);
        let changes: Vec<Change> = remedy
            .changes
            .iter()
            .filter(|c| c.key != DISTILL_KEY)
            .cloned()
            .collect();
        let mut child = match apply(parent_exp, &changes) {
            Ok(c) => c,
            Err(e) => {
                return Ok(Err(format!(
                    "the change does not make a valid experiment: {e}"
                )));
            }
        };
        child.name = Some(format!("{} step {}: {}", chain.name, self.step, remedy.id));
        if let Some(spec) = &chain.cv {
            let how = distill.map(|d| &d.to);
            return self.run_cv(spec, parent_exp, child, how, &changes, remaining);
        }
        let own;
        let data = if tuneup_core::data::same_encoding(&child, &chain.base) {
            &chain.base_data
        } else {
            own = match tuneup_core::data::prepare(&child) {
                Ok(d) => d,
                Err(e) => return Ok(Err(e.to_string())),
            };
            &own
        };
        if let Err(e) = check_model(&child, data, chain.opts.source) {
            return Ok(Err(e.to_string()));
        }
        // A distilled best's children keep its teachers (`[distill]`), when they still read
        // the same data; a child that no longer does (another input shape) fails as a step.
        let teachers = match &child.distill {
            Some(spec) => match crate::distill::load_teachers(chain.lab, spec, &data.info) {
                Ok(t) => Some(t),
                Err(e) => return Ok(Err(format!("the student's teachers: {e}"))),
            },
            None => None,
        };
        if let Some(search) = child.search.take() {
            return self.study(child, search, data, remaining * STUDY_SHARE);
        }
        if let Some(d) = distill {
            return Ok(self
                .distill(&child, &d.to, data, remaining, self.parent, true)?
                .and_then(|(s, note)| s.validation().map(|v| (s.run_id, v, child, note))));
        }
        child.train.time_budget = Some(remaining.max(1.0));
        // Longer training with a rate that does not depend on the epoch count continues the
        // parent from its last epoch: the same numbers as one long run, for the new epochs'
        // time only.
        let resume = self.resume_point(self.parent, parent_exp, &child, &changes)?;
        let display = self.display();
        let req = Request {
            exp: &child,
            data,
            display: &display,
            parent: Some(self.parent),
            resume: resume.as_ref().map(|(p, _)| p.as_path()),
        };
        // A candidate that cannot finish in the time left stops after a probe of its first
        // batches (gradient-boosted trees are not probed).
        let with = With {
            teachers: teachers.as_ref().map(|(t, _)| t),
            extra: RunExtra {
                distill: teachers.as_ref().map(|(_, info)| info.clone()),
                ..RunExtra::default()
            },
            finish_within: Some(remaining.max(1.0)),
            history_from: resume.as_ref().map(|(_, e)| (self.parent, *e)),
            ..With::default()
        };
        let t = record_and_train(chain.lab, req, self.linked(with))?;
        let note = resume
            .map(|(_, e)| format!("continued run {} from its epoch {e}; ", self.parent))
            .unwrap_or_default();
        Ok(t.validation().map(|v| (t.run_id, v, child, note)))
    }

    /// `with`, the run linked to the step as soon as it is recorded.
    pub(super) fn linked<'w>(&'w self, with: With<'w>) -> With<'w> {
        let (lab, name, step) = (self.chain.lab, self.chain.name.as_str(), self.step);
        With {
            on_start: Some(Box::new(move |run_id: i64| {
                let _ = lab.store.set_step_run(name, step, run_id);
            })),
            ..with
        }
    }

    /// The child judged by cross-validation: one run per fold, recorded under a CV run (the
    /// step's run) whose out-of-fold predictions cover every row. Longer training continues
    /// each of the parent's fold runs; a study searches on the first fold (its best trial is
    /// that fold's run) and the other folds train its best configuration; distillation trains
    /// a teacher per fold, on that fold's training rows only.
    fn run_cv(
        &self,
        spec: &CvSpec,
        parent_exp: &Experiment,
        mut child: Experiment,
        distill: Option<&Value>,
        changes: &[Change],
        remaining: f64,
    ) -> anyhow::Result<ChildResult> {
        let started = Instant::now();
        let chain = self.chain;
        let lab = chain.lab;
        let parent_folds = lab
            .store
            .run(self.parent)?
            .fold_runs()
            .unwrap_or_default()
            .to_vec();
        let folds = match Folds::new(&child, spec.clone(), chain.opts.source) {
            Ok(f) => f,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let plans = match folds.plans(&child, chain.opts.source) {
            Ok(p) => p,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let mut note = String::new();
        let mut first_run = None;
        if let Some(search) = child.search.take() {
            let on_fold = Child {
                parent: parent_folds.first().copied().unwrap_or(self.parent),
                ..*self
            };
            let data = &plans[0].data;
            match on_fold.study(child.clone(), search, data, remaining * STUDY_SHARE)? {
                Ok((run_id, _, exp, n)) => {
                    let name = child.name.take();
                    child = exp;
                    child.name = name;
                    child.train.time_budget = None;
                    first_run = Some(run_id);
                    note = format!("{n}searched on fold 1, the other folds train its best; ");
                }
                Err(why) => return Ok(Err(why)),
            }
        }
        if let Some(how) = distill {
            let teacher = super::distill::teacher_of(&child, how);
            if let Err(e) = check_model(&teacher, &plans[0].data, chain.opts.source) {
                return Ok(Err(format!("the teacher: {e}")));
            }
        }
        let to_train = plans.len() - usize::from(first_run.is_some());
        let per_fold =
            ((remaining - started.elapsed().as_secs_f64()) / to_train.max(1) as f64).max(1.0);
        let display = self.display();
        let name = format!(
            "{} (cv)",
            child.name.clone().unwrap_or_else(|| chain.name.clone())
        );
        let mut resumed_from = None;
        let mut fold_notes = Vec::new();
        let req = CvRequest {
            exp: &child,
            display: &display,
            name: &name,
            parent: Some(self.parent),
        };
        let link = |id: i64| {
            let _ = lab.store.set_step_run(&chain.name, self.step, id);
        };
        let done = record(
            lab,
            req,
            &folds,
            plans,
            &mut |id| link(id),
            &mut |plan, cv_run| {
                let i = plan.index(spec.folds);
                if let (0, Some(r)) = (i, first_run) {
                    return Ok(r);
                }
                let mut fe = child.clone();
                fe.name = Some(fold_name(&name, plan, spec.folds));
                fe.train.time_budget = Some(per_fold);
                if let Some(how) = distill {
                    return match self.distill(&fe, how, &plan.data, per_fold, cv_run, false)? {
                        Ok((s, n)) => {
                            fold_notes.push(n);
                            Ok(s.run_id)
                        }
                        Err(why) => Err(anyhow::anyhow!(why)),
                    };
                }
                let resume = match parent_folds.get(i) {
                    Some(&p) => self.resume_point(p, parent_exp, &fe, changes)?,
                    None => None,
                };
                if let Some((_, e)) = &resume {
                    resumed_from = Some(*e);
                }
                let req = Request {
                    exp: &fe,
                    data: &plan.data,
                    display: &display,
                    parent: Some(cv_run),
                    resume: resume.as_ref().map(|(p, _)| p.as_path()),
                };
                // Each fold is probed like a single candidate, against its share of the time.
                let with = With {
                    finish_within: Some(per_fold),
                    history_from: resume
                        .as_ref()
                        .and_then(|(_, e)| Some((*parent_folds.get(i)?, *e))),
                    ..With::default()
                };
                record_and_train(lab, req, with).map(|t| t.run_id)
            },
        )?;
        if let Some(e) = resumed_from {
            note.push_str(&format!(
                "continued each fold of run {} from its epoch {e}; ",
                self.parent
            ));
        }
        if let Some(n) = fold_notes.first() {
            note.push_str(&format!("fold 1: {n}"));
        }
        child.train.time_budget = None;
        Ok(done.value().map(|v| (done.run_id, v, child, note)))
    }

    /// The parent's resume point (its checkpoint and last epoch) when the child only trains it
    /// longer and the learning rate does not depend on the number of epochs.
    fn resume_point(
        &self,
        parent: i64,
        parent_exp: &Experiment,
        child: &Experiment,
        changes: &[Change],
    ) -> anyhow::Result<Option<(PathBuf, usize)>> {
        let only_epochs = !changes.is_empty() && changes.iter().all(|c| c.key == "train.epochs");
        let epoch_free = matches!(
            parent_exp.schedule.kind(),
            "constant" | "exponential" | "multiplicative" | "plateau"
        );
        if !only_epochs || !epoch_free || child.train.epochs <= parent_exp.train.epochs {
            return Ok(None);
        }
        let run = self.chain.lab.store.run(parent)?;
        let Some(recorded) = run.checkpoint.clone().filter(|_| !run.is_distilled()) else {
            return Ok(None);
        };
        let ckpt = crate::artifacts::bring(self.chain.lab.store, &recorded)?;
        Ok(match tuneup_train::read_resume_state(&ckpt) {
            Ok(s) if s.epoch < child.train.epochs => Some((ckpt, s.epoch)),
            _ => None,
        })
    }
}
