//! Distillation as a remedy: a teacher (the child widened, free of the parameter / FLOP
//! budget) trained first within half the time left, then the child as its student.

use std::time::Instant;

use serde_json::Value;
use tuneup_core::data::Prepared;
use tuneup_core::spec::{DistillSpec, Experiment};

use super::child::Child;
use crate::record::{Request, Trained, With, check_model, record_and_train};

/// The teacher of a distillation remedy: the student widened by `teacher_width_mult`, free of
/// the parameter / FLOP budget.
pub(super) fn teacher_of(student: &Experiment, how: &Value) -> Experiment {
    let mut teacher = student.clone();
    teacher.model = teacher
        .model
        .widened(how["teacher_width_mult"].as_f64().unwrap_or(3.0));
    teacher.max_params = None;
    teacher.max_flops = None;
    // The teacher learns from the labels alone (a student's own teachers stay with it).
    teacher.distill = None;
    teacher
}

impl Child<'_> {
    /// Knowledge distillation: the teacher trained first, within half the time left; then
    /// `child` as its student on the softened predictions and the labels. Both are children of
    /// `parent`; the student is the step's run when `link`. Returns the student (or the failed
    /// teacher) and a note for the ledger; or why the teacher cannot be trained.
    pub(super) fn distill(
        &self,
        child: &Experiment,
        how: &Value,
        data: &Prepared,
        remaining: f64,
        parent: i64,
        link: bool,
    ) -> anyhow::Result<Result<(Trained, String), String>> {
        let started = Instant::now();
        let lab = self.chain.lab;
        let width = how["teacher_width_mult"].as_f64().unwrap_or(3.0);
        let alpha = how["alpha"].as_f64().unwrap_or(0.5);
        let temperature = how["temperature"].as_f64().unwrap_or(4.0);
        let mut teacher = teacher_of(child, how);
        teacher.name = Some(format!("{} step {}: teacher", self.chain.name, self.step));
        teacher.train.time_budget = Some((remaining / 2.0).max(1.0));
        if let Err(e) = check_model(&teacher, data, self.chain.opts.source) {
            return Ok(Err(format!("the teacher: {e}")));
        }
        lab.say(format!(
            "   teacher: {} x{width} without the budget",
            teacher.model.kind()
        ));
        let display = self.display();
        let req = Request {
            exp: &teacher,
            data,
            display: &display,
            parent: Some(parent),
            resume: None,
        };
        let t = record_and_train(lab, req, With::default())?;
        let teacher_val = match t.validation() {
            Ok(v) => v,
            Err(why) => {
                let why = format!("the teacher (run {}) failed: {why}", t.run_id);
                let failed = Trained {
                    failure: Some(why.clone()),
                    ..t
                };
                return Ok(Ok((failed, why)));
            }
        };
        // The student's experiment names its teacher (`[distill]`): its configuration says
        // what it was trained from, and `record_and_train` loads the teacher from it.
        let mut student = child.clone();
        student.distill = Some(DistillSpec {
            teachers: vec![t.run_id],
            alpha,
            temperature,
        });
        student.train.time_budget = Some((remaining - started.elapsed().as_secs_f64()).max(1.0));
        let with = With::default();
        let req = Request {
            exp: &student,
            ..req
        };
        let with = if link { self.linked(with) } else { with };
        let s = record_and_train(lab, req, with)?;
        let note = format!(
            "teacher run {} ({} x{width}, validation {teacher_val:.4}), student distilled with alpha {alpha}, T {temperature}; ",
            t.run_id,
            teacher.model.kind()
        );
        Ok(Ok((s, note)))
    }
}
