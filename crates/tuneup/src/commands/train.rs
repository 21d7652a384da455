//! `tuneup train EXP.toml`: validate everything, record a run, train, record the outcome.

use std::panic::AssertUnwindSafe;
use std::path::Path;

use anyhow::Context;
use serde_json::json;
use tuneup_core::InputError;
use tuneup_core::data::Prepared;
use tuneup_core::run::RunState;
use tuneup_core::spec::Experiment;
use tuneup_store::{Finish, NewRun, Store};
use tuneup_train::{Outcome, RunStatus};

use crate::RunFailed;
use crate::output::{duration, json_num, num};
use crate::progress::Progress;

/// A recorded, finished training run.
pub struct Trained {
    pub run_id: i64,
    /// `None` when training stopped on an internal error (recorded as the failure).
    pub outcome: Option<Outcome>,
    pub state: RunState,
    pub failure: Option<String>,
}

/// Checks that the model fits the data (before anything is recorded).
pub fn check_model(exp: &Experiment, data: &Prepared, exp_path: &Path) -> anyhow::Result<usize> {
    super::augment::check(exp, data, exp_path)?;
    let params =
        tuneup_train::model::count_params(&exp.model, &data.info.sample_shape, data.info.outputs())
            .map_err(|m| InputError::in_file(exp_path, m).key("model.kind"))?;
    check_budget(exp, &data.info.sample_shape, data.info.outputs(), exp_path)?;
    Ok(params)
}

/// An error at an experiment file's key, with the key's line when it is written there.
pub fn key_error(exp_path: &Path, key: &str, msg: impl Into<String>) -> InputError {
    let mut e = InputError::in_file(exp_path, msg).key(key);
    let text = std::fs::read_to_string(exp_path).unwrap_or_default();
    if let Some(line) = tuneup_core::spec::locate_key(&text, key) {
        e = e.line(line);
    }
    e
}

/// A model over the experiment's parameter or FLOP budget is refused with the numbers.
pub fn check_budget(
    exp: &Experiment,
    shape: &[usize],
    outputs: usize,
    exp_path: &Path,
) -> Result<(), InputError> {
    let Ok(size) = tuneup_core::zoo::size(&exp.model, shape, outputs) else {
        return Ok(());
    };
    let refuse = |key: &str, msg: String| key_error(exp_path, key, msg);
    if let Some(max) = exp.max_params.filter(|m| size.params > *m) {
        return Err(refuse(
            "max_params",
            format!(
                "the {} model has {} parameters, over the budget of {max} ({:.1}x): use a smaller width_mult, or see `tuneup zoo` for smaller models",
                exp.model.kind(),
                size.params,
                size.params as f64 / max as f64
            ),
        ));
    }
    if let Some(max) = exp.max_flops.filter(|m| size.flops > *m) {
        return Err(refuse(
            "max_flops",
            format!(
                "the {} model needs {} FLOPs per sample, over the budget of {max} ({:.1}x)",
                exp.model.kind(),
                size.flops,
                size.flops as f64 / max as f64
            ),
        ));
    }
    Ok(())
}

/// Records a run (child of `parent`, if given), trains it with progress on stderr, records how
/// it ended. A panic inside training is recorded as a failed run, never left as `running`.
pub fn record_and_train(
    store: &Store,
    exp: &Experiment,
    data: &Prepared,
    exp_display: &str,
    parent: Option<i64>,
    resume: Option<&Path>,
) -> anyhow::Result<Trained> {
    record_and_train_with(
        store,
        exp,
        data,
        exp_display,
        parent,
        resume,
        With::default(),
    )
}

/// What [`record_and_train_with`] adds to a plain run.
#[derive(Default)]
pub struct With<'a> {
    /// Distil from these teachers.
    pub teachers: Option<&'a tuneup_train::trainer::Teachers>,
    /// Recorded beside the run (merged with what training adds).
    pub extra: Option<serde_json::Value>,
    /// Asked after each epoch whether to stop (a study's pruner).
    pub stopper: Option<crate::progress::Stopper<'a>>,
    /// Called with the run's id once it is recorded (a study links its trial to it).
    pub on_start: Option<Box<dyn FnOnce(i64) + 'a>>,
}

/// [`record_and_train`] with teachers, extra record, a per-epoch stopper.
pub fn record_and_train_with(
    store: &Store,
    exp: &Experiment,
    data: &Prepared,
    exp_display: &str,
    parent: Option<i64>,
    resume: Option<&Path>,
    with: With,
) -> anyhow::Result<Trained> {
    let With {
        teachers,
        extra,
        stopper,
        on_start,
    } = with;
    let metric = exp.metric();
    let config = serde_json::to_value(exp)?;
    let run_id = store.create_run(&NewRun {
        name: exp.name.as_deref(),
        parent_id: parent,
        experiment_path: exp_display,
        config: &config,
        model: exp.model.kind(),
        metric_name: &metric.name(),
    })?;
    let checkpoint = std::path::absolute(
        store
            .artifacts_dir()
            .join(format!("run-{run_id}"))
            .join("best.bpk"),
    )?;
    eprintln!(
        "run {run_id}: {} on {} train / {} val{}{} samples, {} epochs, batch {}",
        exp.model.kind(),
        data.train.len(),
        data.val.len(),
        data.train_dev
            .as_ref()
            .map(|t| format!(" / {} train-dev", t.len()))
            .unwrap_or_default(),
        data.test
            .as_ref()
            .map(|t| format!(" / {} test", t.len()))
            .unwrap_or_default(),
        exp.train.epochs,
        exp.train.batch_size
    );
    if let Some(a) = super::augment::summary(exp) {
        eprintln!("  augment: {a}");
    }
    if let Some(f) = on_start {
        f(run_id);
    }
    let mut progress = Progress::new(store, run_id, &metric.name());
    progress.stopper = stopper;
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        tuneup_train::trainer::train_with(exp, data, &checkpoint, resume, teachers, &mut progress)
    }));
    progress.finish();
    let store_error = progress.store_error.take();
    let data_info = serde_json::to_value(&data.info)?;
    let splits = json!({
        "train": data.train.len(),
        "val": data.val.len(),
        "train_dev": data.train_dev.as_ref().map(|p| p.len()),
        "test": data.test.as_ref().map(|p| p.len()),
    });
    let ckpt = checkpoint.display().to_string();
    let failure = match result {
        Ok(Ok(o)) => Ok(o),
        Ok(Err(e)) => Err(e.to_string()),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("internal error: {msg}"))
        }
    };
    let outcome = match failure {
        Ok(o) => o,
        Err(failure) => {
            fail(store, run_id, &failure)?;
            return Ok(Trained {
                run_id,
                outcome: None,
                state: RunState::Failed,
                failure: Some(failure),
            });
        }
    };
    if let Some(e) = store_error {
        return Err(e).context("recording epochs");
    }
    let (state, failure) = match &outcome.status {
        RunStatus::Complete => (RunState::Complete, None),
        RunStatus::Failed { reason, .. } => (RunState::Failed, Some(reason.clone())),
    };
    store.finish_run(
        run_id,
        &Finish {
            state,
            failure: failure.as_deref(),
            seconds: outcome.seconds,
            params: Some(outcome.params),
            best_epoch: outcome.best_epoch,
            train: outcome.train,
            val: outcome.val,
            train_dev: outcome.train_dev,
            test: outcome.test,
            checkpoint: outcome.best_epoch.map(|_| ckpt.as_str()),
            data_info: Some(&data_info),
            splits: Some(&splits),
            extra: {
                let mut x = extra.unwrap_or_else(|| json!({}));
                if !outcome.snapshots.is_empty() {
                    x["snapshots"] = json!(
                        outcome
                            .snapshots
                            .iter()
                            .map(
                                |(e, p)| json!({"epoch": e, "checkpoint": p.display().to_string()})
                            )
                            .collect::<Vec<_>>()
                    );
                }
                (x != json!({})).then_some(x)
            }
            .as_ref(),
        },
    )?;
    Ok(Trained {
        run_id,
        outcome: Some(outcome),
        state,
        failure,
    })
}

pub fn run(exp_path: &Path, store_path: &Path, json_out: bool) -> anyhow::Result<()> {
    // Everything that can be wrong with the input is checked before a run is recorded.
    let exp = Experiment::load(exp_path)?;
    let data = tuneup_core::data::prepare(&exp)?;
    check_model(&exp, &data, exp_path)?;
    let store = Store::open(store_path).context("opening the run store")?;
    let trained = record_and_train(
        &store,
        &exp,
        &data,
        &exp_path.display().to_string(),
        None,
        None,
    )?;
    report(&store, &exp, trained, json_out)
}

/// `tuneup resume RUN --epochs N`: continue a run for more epochs from where it stood (model,
/// optimizer and schedule state), recorded as a child run.
pub fn resume(store: &Store, run_id: i64, epochs: usize, json_out: bool) -> anyhow::Result<()> {
    let parent = store.run(run_id)?;
    if parent.state != RunState::Complete {
        return Err(InputError::new(format!(
            "run {run_id} is {}; only complete runs can be resumed",
            parent.state.as_str()
        ))
        .into());
    }
    if parent
        .extra
        .as_ref()
        .is_some_and(|e| e.get("distill").is_some())
    {
        return Err(InputError::new(format!(
            "run {run_id} was distilled from teachers; resuming it would train without them: distill again with more epochs"
        ))
        .into());
    }
    let mut exp: Experiment =
        serde_json::from_value(parent.config.clone()).context("reading the run's experiment")?;
    let ckpt = std::path::PathBuf::from(parent.checkpoint.clone().unwrap_or_default());
    let from = tuneup_train::read_resume_state(&ckpt)
        .map_err(|e| InputError::new(format!("run {run_id} has no resume point: {e}")))?;
    if epochs <= from.epoch {
        return Err(InputError::new(format!(
            "--epochs {epochs}: run {run_id} already trained {} epochs; give more",
            from.epoch
        ))
        .key("--epochs")
        .into());
    }
    exp.train.epochs = epochs;
    let data = tuneup_core::data::prepare(&exp)?;
    eprintln!(
        "resuming run {run_id} from epoch {} to {epochs}",
        from.epoch
    );
    let trained = record_and_train(
        store,
        &exp,
        &data,
        &parent.experiment_path,
        Some(run_id),
        Some(&ckpt),
    )?;
    report(store, &exp, trained, json_out)
}

/// Prints a finished run's summary (and its JSON with --json); a failed run is an error.
pub fn report(
    store: &Store,
    exp: &Experiment,
    trained: Trained,
    json_out: bool,
) -> anyhow::Result<()> {
    let metric = exp.metric();
    let Trained {
        run_id,
        outcome,
        state,
        failure,
    } = trained;
    let Some(outcome) = outcome else {
        return Err(RunFailed(format!(
            "run {run_id} failed: {}",
            failure.unwrap_or_default()
        ))
        .into());
    };
    let ckpt = store.run(run_id)?.checkpoint;
    let summary = {
        let mut s = format!("run {run_id} {}", state.as_str());
        if let Some(f) = &failure {
            s.push_str(&format!(": {f}"));
        }
        s.push('\n');
        if let (Some(tr), Some(va)) = (outcome.train, outcome.val) {
            s.push_str(&format!(
                "  best epoch   {} of {}\n  train error  {}\n  val error    {}\n  val {:<8} {}\n",
                outcome.best_epoch.unwrap_or(0),
                outcome.epochs.last().map(|e| e.epoch).unwrap_or(0),
                num(tr.error),
                num(va.error),
                metric.name(),
                num(va.metric)
            ));
        }
        if let Some(td) = outcome.train_dev {
            s.push_str(&format!("  train-dev error {}\n", num(td.error)));
        }
        if let Some(te) = outcome.test {
            s.push_str(&format!(
                "  test error   {}\n  test {:<7} {}\n",
                num(te.error),
                metric.name(),
                num(te.metric)
            ));
        }
        if let Some(e) = outcome.out_of_time {
            s.push_str(&format!(
                "  stopped after epoch {e}: the time budget of {}s is spent\n",
                exp.train.time_budget.unwrap_or(0.0)
            ));
        }
        if let Some(e) = outcome.stopped_early {
            let patience = exp.early_stopping.as_ref().map(|e| e.patience).unwrap_or(0);
            s.push_str(&format!(
                "  stopped early at epoch {e} (no improvement for {patience} epochs)\n"
            ));
        }
        s.push_str(&format!(
            "  params       {}\n  time         {}\n",
            outcome.params,
            duration(outcome.seconds)
        ));
        s
    };
    if json_out {
        eprint!("{summary}");
        let scores = crate::output::scores_json;
        let out = json!({
            "run_id": run_id,
            "status": state.as_str(),
            "failure": failure,
            "train_error": outcome.train.map(|s| json_num(s.error)),
            "val_error": outcome.val.map(|s| json_num(s.error)),
            "train_dev_error": outcome.train_dev.map(|s| json_num(s.error)),
            "test_error": outcome.test.map(|s| json_num(s.error)),
            "metric": {"name": metric.name(), "value": outcome.val.map(|s| json_num(s.metric)), "test": outcome.test.map(|s| json_num(s.metric))},
            "train": scores(outcome.train),
            "val": scores(outcome.val),
            "train_dev": scores(outcome.train_dev),
            "test": scores(outcome.test),
            "params": outcome.params,
            "seconds": outcome.seconds,
            "epochs": outcome.epochs.last().map(|e| e.epoch).unwrap_or(0),
            "best_epoch": outcome.best_epoch,
            "stopped_early": outcome.stopped_early,
            "out_of_time": outcome.out_of_time,
            "checkpoint": ckpt,
        });
        println!("{out}");
    } else {
        print!("{summary}");
    }
    match failure {
        Some(f) => Err(RunFailed(format!("run {run_id} failed: {f}")).into()),
        None => Ok(()),
    }
}

fn fail(store: &Store, run_id: i64, reason: &str) -> anyhow::Result<()> {
    store.finish_run(run_id, &Finish::bare(RunState::Failed, Some(reason), 0.0))?;
    Ok(())
}
