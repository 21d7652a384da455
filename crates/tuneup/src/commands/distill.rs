//! `tuneup distill --teacher RUN [--teacher RUN ...] EXP.toml`: train the experiment's model
//! (the student) on the teachers' softened predictions as well as the labels.

use std::path::Path;

use anyhow::{Context, anyhow};
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::spec::{Experiment, Task};
use tuneup_store::Store;
use tuneup_train::trainer::Teachers;

pub fn run(
    exp_path: &Path,
    store_path: &Path,
    teacher_ids: &[i64],
    alpha: f64,
    temperature: f64,
    json_out: bool,
) -> anyhow::Result<()> {
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
    let params = super::train::check_model(&exp, &data, exp_path)?;
    if !store_path.exists() {
        return Err(InputError::in_file(
            store_path,
            "no run store here yet: train the teachers first",
        )
        .into());
    }
    let store = Store::open(store_path).context("opening the run store")?;
    let mut models = Vec::new();
    let mut teacher_params = Vec::new();
    for &id in teacher_ids {
        let m = super::ensemble::member(&store, id, false)?;
        let run = store.run(id)?;
        teacher_params.push(run.params);
        for model in m.models {
            let i = &model.info;
            let s = &data.info;
            let differs = if i.classes != s.classes {
                Some(format!(
                    "classes {:?} vs the student's {:?}",
                    i.classes, s.classes
                ))
            } else if i.sample_shape != s.sample_shape || i.feature_names != s.feature_names {
                Some(format!(
                    "input {:?} vs the student's {:?}",
                    i.sample_shape, s.sample_shape
                ))
            } else {
                None
            };
            if let Some(d) = differs {
                return Err(InputError::new(format!(
                    "teacher run {id} does not fit the student's data: {d}"
                ))
                .into());
            }
            let net =
                tuneup_train::checkpoint::load(&model.exp.model, &model.info, &model.checkpoint)
                    .map_err(|e| anyhow!(e))?;
            models.push((net, model.info));
        }
    }
    let teachers = Teachers {
        models,
        temperature,
        alpha,
    };
    let extra = json!({"distill": {"teachers": teacher_ids, "teacher_params": teacher_params, "alpha": alpha, "temperature": temperature}});
    eprintln!(
        "distilling {} teacher model(s) of runs {teacher_ids:?} into a {} of {params} parameters (alpha {alpha}, T {temperature})",
        teachers.models.len(),
        exp.model.kind()
    );
    let t = super::train::record_and_train_with(
        &store,
        &exp,
        &data,
        &exp_path.display().to_string(),
        Some(teacher_ids[0]),
        None,
        super::train::With {
            teachers: Some(&teachers),
            extra: Some(extra),
            ..Default::default()
        },
    )?;
    super::train::report(&store, &exp, t, json_out)
}
