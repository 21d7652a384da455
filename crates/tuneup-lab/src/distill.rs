//! `tuneup distill --teacher RUN ... EXP.toml` (or an experiment with `[distill]`): the
//! experiment's model (the student) trained on the teachers' softened predictions as well as
//! the labels.

use std::path::Path;

use anyhow::anyhow;
use tuneup_core::InputError;
use tuneup_core::data::DataInfo;
use tuneup_core::spec::distill::{default_alpha, default_temperature};
use tuneup_core::spec::{DistillSpec, Experiment, Task};
use tuneup_store::DistillInfo;
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

/// A distillation, checked before the store is read: the student's experiment (its
/// `[distill]` set from the flags), data and model.
pub struct Checked {
    pub exp: Experiment,
    data: tuneup_core::data::Prepared,
    display: String,
}

/// Checks the flags and the student. Teachers given as flags replace the experiment's
/// `[distill]` teachers; `--alpha` / `--temperature` override its values.
pub fn check(
    exp_path: &Path,
    teacher_ids: &[i64],
    alpha: Option<f64>,
    temperature: Option<f64>,
) -> anyhow::Result<Checked> {
    let mut exp = Experiment::load(exp_path)?;
    let from_file = exp.distill.clone();
    let teachers = match (teacher_ids, &from_file) {
        ([], Some(d)) => d.teachers.clone(),
        ([], None) => {
            return Err(InputError::in_file(
                exp_path,
                "no teachers: give --teacher RUN, or a [distill] table with teachers = [RUN]",
            )
            .into());
        }
        (ids, _) => ids.to_vec(),
    };
    let spec = DistillSpec {
        teachers,
        alpha: alpha
            .or(from_file.as_ref().map(|d| d.alpha))
            .unwrap_or_else(default_alpha),
        temperature: temperature
            .or(from_file.as_ref().map(|d| d.temperature))
            .unwrap_or_else(default_temperature),
    };
    if let Err((key, msg)) = spec.validate() {
        let flag = key.trim_start_matches("distill.");
        return Err(InputError::new(format!("--{flag}: {msg}")).into());
    }
    if exp.task != Task::Classification {
        return Err(InputError::in_file(
            exp_path,
            "distillation needs classification (soft class probabilities)",
        )
        .key("task")
        .into());
    }
    exp.distill = Some(spec);
    let data = tuneup_core::data::prepare(&exp)?;
    check_model(&exp, &data, exp_path)?;
    Ok(Checked {
        exp,
        data,
        display: exp_path.display().to_string(),
    })
}

/// The teachers of `spec` for a student reading `info`: each run's models (a CV run brings its
/// fold models), each checked against the student's data; and what the student's run records
/// of them.
pub fn load_teachers(
    lab: Lab,
    spec: &DistillSpec,
    info: &DataInfo,
) -> anyhow::Result<(Teachers, DistillInfo)> {
    let mut models = Vec::new();
    let mut teacher_params = Vec::new();
    for &id in &spec.teachers {
        let run = lab.store.run(id).map_err(|_| {
            InputError::new(format!("no run {id} in the store to be a teacher"))
                .key("distill.teachers")
        })?;
        teacher_params.push(run.params);
        let m = member(lab.store, id, false)?;
        for model in m.models {
            if let Some(d) = differs(&model.info, info) {
                return Err(InputError::new(format!(
                    "teacher run {id} does not fit the student's data: {d}"
                ))
                .key("distill.teachers")
                .into());
            }
            models.push((model.exp.model, model.info, model.checkpoint));
        }
    }
    let teachers = Teachers::load(&models, spec.temperature, spec.alpha).map_err(|e| anyhow!(e))?;
    let info = DistillInfo {
        teachers: spec.teachers.clone(),
        teacher_params,
        alpha: spec.alpha,
        temperature: spec.temperature,
    };
    Ok((teachers, info))
}

/// Trains the student (its teachers loaded by [`record_and_train`] from its `[distill]`) as a
/// child of the first teacher.
pub fn run(lab: Lab, c: &Checked) -> anyhow::Result<Trained> {
    crate::worker::reap_runs(lab)?;
    let first = c.exp.distill.as_ref().map(|d| d.teachers[0]);
    let req = Request {
        exp: &c.exp,
        data: &c.data,
        display: &c.display,
        parent: first,
        resume: None,
    };
    record_and_train(lab, req, With::default())
}
