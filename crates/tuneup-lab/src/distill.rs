//! `tuneup distill --teacher RUN ... EXP.toml`: the experiment's model (the student) trained on
//! the teachers' softened predictions as well as the labels.

use std::path::Path;

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::data::DataInfo;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::{DistillInfo, RunExtra};
use tuneup_train::Teachers;

use crate::Lab;
use crate::predictor::member;
use crate::record::{Request, Trained, With, check_model, record_and_train};

/// How a teacher's data differs from the student's, if it does.
fn differs(teacher: &DataInfo, student: &DataInfo) -> Option<String> {
    if teacher.classes != student.classes {
        Some(format!(
            "classes {:?} vs the student's {:?}",
            teacher.classes, student.classes
        ))
    } else if teacher.sample_shape != student.sample_shape
        || teacher.feature_names != student.feature_names
    {
        Some(format!(
            "input {:?} vs the student's {:?}",
            teacher.sample_shape, student.sample_shape
        ))
    } else {
        None
    }
}

/// A distillation, checked before the store is read: the flags, the student's experiment,
/// data and model.
pub struct Checked {
    pub exp: Experiment,
    data: tuneup_core::data::Prepared,
    params: usize,
    display: String,
    alpha: f64,
    temperature: f64,
}

/// Checks the flags and the student.
pub fn check(
    exp_path: &Path,
    teacher_ids: &[i64],
    alpha: f64,
    temperature: f64,
) -> anyhow::Result<Checked> {
    if teacher_ids.is_empty() {
        return Err(InputError::new("give at least one --teacher RUN").into());
    }
    if !(0.0..=1.0).contains(&alpha) {
        return Err(InputError::new(format!(
            "--alpha: expected a weight in [0, 1], found {alpha}"
        ))
        .into());
    }
    if !(temperature.is_finite() && temperature > 0.0) {
        return Err(InputError::new(format!(
            "--temperature: expected a positive value, found {temperature}"
        ))
        .into());
    }
    let exp = Experiment::load(exp_path)?;
    if exp.task != Task::Classification {
        return Err(InputError::in_file(
            exp_path,
            "distillation needs classification (soft class probabilities)",
        )
        .key("task")
        .into());
    }
    let data = tuneup_core::data::prepare(&exp)?;
    let params = check_model(&exp, &data, exp_path)?;
    Ok(Checked {
        exp,
        data,
        params,
        display: exp_path.display().to_string(),
        alpha,
        temperature,
    })
}

/// Loads the teachers (each must read the student's data), then trains the student as a
/// child of the first teacher.
pub fn run(lab: Lab, c: &Checked, teacher_ids: &[i64]) -> anyhow::Result<Trained> {
    crate::worker::reap_runs(lab)?;
    let (alpha, temperature) = (c.alpha, c.temperature);
    let mut models = Vec::new();
    let mut teacher_params = Vec::new();
    for &id in teacher_ids {
        let m = member(lab.store, id, false)?;
        teacher_params.push(lab.store.run(id)?.params);
        for model in m.models {
            if let Some(d) = differs(&model.info, &c.data.info) {
                return Err(InputError::new(format!(
                    "teacher run {id} does not fit the student's data: {d}"
                ))
                .into());
            }
            models.push((model.exp.model, model.info, model.checkpoint));
        }
    }
    let teachers = Teachers::load(&models, temperature, alpha).map_err(|e| anyhow!(e))?;
    lab.say(format!(
        "distilling {} teacher model(s) of runs {teacher_ids:?} into a {} of {} parameters (alpha {alpha}, T {temperature})",
        teachers.len(),
        c.exp.model.kind(),
        c.params
    ));
    let extra = RunExtra {
        distill: Some(DistillInfo {
            teachers: teacher_ids.to_vec(),
            teacher_params,
            alpha,
            temperature,
        }),
        ..Default::default()
    };
    let req = Request {
        exp: &c.exp,
        data: &c.data,
        display: &c.display,
        parent: Some(teacher_ids[0]),
        resume: None,
    };
    let with = With {
        teachers: Some(&teachers),
        extra,
        ..Default::default()
    };
    record_and_train(lab, req, with)
}
