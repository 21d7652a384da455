//! Running an experiment and recording it: everything that can be wrong with the input is
//! checked before a run is recorded; the run is recorded as running, trained with each epoch
//! written as it ends, and finished once, whatever happens (a panic inside training is recorded
//! as a failed run, never left running).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tuneup_core::InputError;
use tuneup_core::data::{DataInfo, Prepared};
use tuneup_core::run::{EpochRecord, RunState};
use tuneup_core::spec::Experiment;
use tuneup_store::{Finish, NewRun, RunExtra, RunKind, Snapshot, Splits, StoreError};
use tuneup_train::{Job, Observer, Outcome, RunStatus, Teachers};

use crate::Lab;

/// A recorded, finished training run.
pub struct Trained {
    pub run_id: i64,
    /// `None` when training stopped on an internal error (recorded as the failure).
    pub outcome: Option<Outcome>,
    pub state: RunState,
    pub failure: Option<String>,
}

impl Trained {
    /// The finite validation value of a complete run, or why there is none.
    pub fn validation(&self) -> Result<f64, String> {
        match (self.state, self.outcome.as_ref().and_then(|o| o.val)) {
            (RunState::Complete, Some(v)) if v.metric.is_finite() => Ok(v.metric),
            _ => Err(self
                .failure
                .clone()
                .unwrap_or_else(|| "no validation score".into())),
        }
    }
}

/// Asked after each epoch whether to stop (a study's pruner).
pub type Stopper<'a> = Box<dyn FnMut(&EpochRecord) -> bool + 'a>;

/// What a run is: the experiment, its prepared data, where it came from, its parent, the run it
/// continues.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    pub exp: &'a Experiment,
    pub data: &'a Prepared,
    /// Recorded as the run's experiment path (a file, `improve CHAIN` ...).
    pub display: &'a str,
    pub parent: Option<i64>,
    /// Continue the run whose best checkpoint is here.
    pub resume: Option<&'a Path>,
}

/// What a run adds to plain training.
#[derive(Default)]
pub struct With<'a> {
    /// Distil from these teachers.
    pub teachers: Option<&'a Teachers>,
    /// Recorded beside the run (snapshots are added to it).
    pub extra: RunExtra,
    /// Asked after each epoch whether to stop (a study's pruner).
    pub stopper: Option<Stopper<'a>>,
    /// Called with the run's id once it is recorded (a study links its trial to it).
    pub on_start: Option<Box<dyn FnOnce(i64) + 'a>>,
    /// Seconds it must finish within: projected past them after its first batches, the run
    /// stops there and is recorded as failed, saying why (the improve loop's candidates).
    pub finish_within: Option<f64>,
    /// A continued run: the run it continues and its last epoch, whose epoch records are copied
    /// first so that the new run's curves start at epoch 1, like one long run's.
    pub history_from: Option<(i64, usize)>,
}

/// Checks that the model fits the data and the experiment's budgets (before anything is
/// recorded); returns its parameter count.
pub fn check_model(exp: &Experiment, data: &Prepared, exp_path: &Path) -> anyhow::Result<usize> {
    exp.augment
        .check_data(&data.info)
        .map_err(|(key, msg)| key_error(exp_path, &key, msg))?;
    let params = tuneup_train::count_params(
        &exp.model,
        &data.info.sample_shape,
        &data.info.inputs(),
        data.info.outputs(),
    )
    .map_err(|m| InputError::in_file(exp_path, m).key("model.kind"))?;
    check_budget(exp, &data.info, exp_path)?;
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
pub fn check_budget(exp: &Experiment, info: &DataInfo, exp_path: &Path) -> Result<(), InputError> {
    let (shape, inputs) = (&info.sample_shape, info.inputs());
    let Ok(size) = tuneup_core::zoo::size_for(&exp.model, shape, &inputs, info.outputs()) else {
        return Ok(());
    };
    let kind = exp.model.kind();
    if let Some(max) = exp.max_params.filter(|m| size.params > *m) {
        return Err(key_error(
            exp_path,
            "max_params",
            format!(
                "the {kind} model has {} parameters, over the budget of {max} ({:.1}x): use a smaller width_mult, or see `tuneup zoo` for smaller models",
                size.params,
                size.params as f64 / max as f64
            ),
        ));
    }
    if let Some(max) = exp.max_flops.filter(|m| size.flops > *m) {
        return Err(key_error(
            exp_path,
            "max_flops",
            format!(
                "the {kind} model needs {} FLOPs per sample, over the budget of {max} ({:.1}x)",
                size.flops,
                size.flops as f64 / max as f64
            ),
        ));
    }
    Ok(())
}

/// Records each epoch as it ends, shows it, and asks the stopper.
struct Recorder<'a> {
    lab: Lab<'a>,
    run_id: i64,
    display: Box<dyn Observer>,
    stopper: Option<Stopper<'a>>,
    store_error: Option<StoreError>,
}

impl Observer for Recorder<'_> {
    fn epoch_start(&mut self, epoch: usize, epochs: usize, batches: usize) {
        self.display.epoch_start(epoch, epochs, batches);
    }
    fn batch(&mut self, batch: usize, loss: f64) {
        self.display.batch(batch, loss);
    }
    fn epoch_end(&mut self, r: &EpochRecord) {
        if let Err(e) = self.lab.store.record_epoch(self.run_id, r) {
            self.store_error.get_or_insert(e);
        }
        self.display.epoch_end(r);
    }
    fn stop(&mut self, r: &EpochRecord) -> bool {
        self.stopper.as_mut().is_some_and(|f| f(r))
    }
}

/// The line a run starts with: its model, splits, epochs and batch.
fn header(run_id: i64, exp: &Experiment, data: &Prepared) -> String {
    let extra =
        |name: &str, n: Option<usize>| n.map(|n| format!(" / {n} {name}")).unwrap_or_default();
    let how = match &exp.model.arch {
        tuneup_core::spec::Arch::Gbdt(g) => format!(
            "up to {} rounds of {}-leaf trees, learning rate {}",
            g.rounds, g.max_leaves, g.learning_rate
        ),
        _ => format!(
            "{} epochs, batch {}",
            exp.train.epochs, exp.train.batch_size
        ),
    };
    format!(
        "run {run_id}: {} on {} train / {} val{}{} samples, {how}",
        exp.model.kind(),
        data.train.len(),
        data.val.len(),
        extra("train-dev", data.train_dev.as_ref().map(|t| t.len())),
        extra("test", data.test.as_ref().map(|t| t.len())),
    )
}

/// Records a run, trains it with progress through the monitor, records how it ended.
pub fn record_and_train(lab: Lab, req: Request, with: With) -> anyhow::Result<Trained> {
    let With {
        teachers,
        mut extra,
        stopper,
        on_start,
        finish_within,
        history_from,
    } = with;
    let exp = req.exp;
    // An experiment with `[distill]` is a student: its teachers are loaded here (and checked
    // against its data) unless the caller brought them.
    let own;
    let teachers = match (teachers, &exp.distill) {
        (None, Some(spec)) => {
            let (t, info) = crate::distill::load_teachers(lab, spec, &req.data.info)?;
            lab.say(format!(
                "distilling {} teacher model(s) of runs {:?} (alpha {}, T {})",
                t.len(),
                spec.teachers,
                spec.alpha,
                spec.temperature
            ));
            extra.distill = Some(info);
            own = t;
            Some(&own)
        }
        (t, _) => t,
    };
    let metric = exp.metric().name();
    let run_id = lab.store.create_run(&NewRun {
        name: exp.name.as_deref(),
        parent_id: req.parent,
        kind: if teachers.is_some() {
            RunKind::Distill
        } else {
            RunKind::Train
        },
        experiment_path: req.display,
        experiment: exp,
        model: exp.model.kind(),
        metric_name: &metric,
    })?;
    let checkpoint = checkpoint_path(lab, run_id)?;
    lab.say(header(run_id, exp, req.data));
    if let Some(a) = exp.augment.summary() {
        lab.say(format!("  augment: {a}"));
    }
    if let Some(f) = on_start {
        f(run_id);
    }
    if let Some((from, through)) = history_from {
        for e in lab
            .store
            .epochs(from)?
            .iter()
            .filter(|e| e.epoch <= through)
        {
            lab.store.record_epoch(run_id, e)?;
        }
    }
    let mut recorder = Recorder {
        lab,
        run_id,
        display: lab.monitor.run_display(run_id, &metric),
        stopper,
        store_error: None,
    };
    let job = Job {
        exp,
        data: req.data,
        checkpoint: &checkpoint,
        resume: req.resume,
        teachers,
        finish_within,
    };
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
        tuneup_train::train(&job, &mut recorder)
    }));
    drop(recorder.display);
    let outcome = match result {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return failed(lab, run_id, e.to_string()),
        Err(panic) => {
            return failed(
                lab,
                run_id,
                format!("internal error: {}", panic_text(&panic)),
            );
        }
    };
    if let Some(e) = recorder.store_error {
        return Err(e).context("recording epochs");
    }
    extra.snapshots = outcome
        .snapshots
        .iter()
        .map(|(epoch, p)| Snapshot {
            epoch: *epoch,
            checkpoint: p.clone(),
        })
        .collect();
    let trained = finish(lab, run_id, &checkpoint, req.data, outcome, &extra)?;
    // Stopped by Ctrl-C / SIGTERM: the run is recorded (failed, saying so); nothing more starts.
    tuneup_core::stop::check()?;
    Ok(trained)
}

/// Where run `run_id`'s best weights go: `run-N/best.bpk` in the store's artifacts folder.
fn checkpoint_path(lab: Lab, run_id: i64) -> std::io::Result<PathBuf> {
    std::path::absolute(
        lab.store
            .artifacts_dir()
            .join(format!("run-{run_id}"))
            .join("best.bpk"),
    )
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// A run that stopped on an error before it had an outcome, recorded as failed.
fn failed(lab: Lab, run_id: i64, failure: String) -> anyhow::Result<Trained> {
    lab.store
        .finish_run(run_id, &Finish::bare(RunState::Failed, Some(&failure), 0.0))?;
    Ok(Trained {
        run_id,
        outcome: None,
        state: RunState::Failed,
        failure: Some(failure),
    })
}

/// Records how a trained run ended: its state, scores, checkpoint, data description, splits.
fn finish(
    lab: Lab,
    run_id: i64,
    checkpoint: &Path,
    data: &Prepared,
    outcome: Outcome,
    extra: &RunExtra,
) -> anyhow::Result<Trained> {
    let (state, failure) = match &outcome.status {
        RunStatus::Complete => (RunState::Complete, None),
        RunStatus::Failed { reason, .. } => (RunState::Failed, Some(reason.clone())),
    };
    let splits = Splits {
        train: data.train.len(),
        val: data.val.len(),
        train_dev: data.train_dev.as_ref().map(|p| p.len()),
        test: data.test.as_ref().map(|p| p.len()),
    };
    // A text model's tokenizer beside its weights, for the user (a subword one is a
    // `tokenizer.json` that `[data.text] file` and Hugging Face's tools read).
    if let Some(t) = data.info.text() {
        let (text, name) = t.file_text();
        let dir = lab.store.artifacts_dir().join(format!("run-{run_id}"));
        std::fs::create_dir_all(&dir)?;
        tuneup_core::fsio::write_atomic(&dir.join(name), text.as_bytes())?;
    }
    // The run's files reach the store before the record that points at them.
    crate::artifacts::share(lab.store, run_id)?;
    lab.store.finish_run(
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
            checkpoint: outcome.best_epoch.map(|_| checkpoint),
            data_info: Some(&data.info),
            splits: Some(splits),
            extra: Some(extra),
        },
    )?;
    Ok(Trained {
        run_id,
        outcome: Some(outcome),
        state,
        failure,
    })
}

/// An experiment file read, its data prepared and its model checked: everything that can be
/// wrong with the input, found before anything is recorded.
pub struct Checked {
    pub exp: Experiment,
    pub data: Prepared,
    pub path: PathBuf,
}

/// Reads, prepares and checks an experiment file.
pub fn check_file(exp_path: &Path) -> anyhow::Result<Checked> {
    let exp = Experiment::load(exp_path)?;
    let data = tuneup_core::data::prepare(&exp)?;
    check_model(&exp, &data, exp_path)?;
    Ok(Checked {
        exp,
        data,
        path: exp_path.to_path_buf(),
    })
}

/// `tuneup train EXP.toml`: one recorded run of a checked experiment.
pub fn train_checked(lab: Lab, c: &Checked) -> anyhow::Result<Trained> {
    crate::worker::reap_runs(lab)?;
    let display = c.path.display().to_string();
    let req = Request {
        exp: &c.exp,
        data: &c.data,
        display: &display,
        parent: None,
        resume: None,
    };
    record_and_train(lab, req, With::default())
}

/// `tuneup resume RUN --epochs N`: continues a complete run for more epochs from where it
/// stood (model, optimizer and schedule state), recorded as its child.
pub fn resume(lab: Lab, run_id: i64, epochs: usize) -> anyhow::Result<(Experiment, Trained)> {
    crate::worker::reap_runs(lab)?;
    let parent = lab.store.run(run_id)?;
    if parent.state != RunState::Complete {
        return Err(InputError::new(format!(
            "run {run_id} is {}; only complete runs can be resumed",
            parent.state.as_str()
        ))
        .into());
    }
    if parent.is_distilled() {
        return Err(InputError::new(format!(
            "run {run_id} was distilled from teachers; resuming it would train without them: distill again with more epochs"
        ))
        .into());
    }
    if let tuneup_core::spec::Arch::Gbdt(g) = &parent.experiment.model.arch {
        return Err(InputError::new(format!(
            "run {run_id} is boosted trees, which are not resumed: train again with more model.rounds (it has {}) or a later early stop (model.early_stopping_rounds)",
            g.rounds
        ))
        .into());
    }
    let mut exp = parent.experiment.clone();
    let ckpt = match &parent.checkpoint {
        Some(c) => crate::artifacts::bring(lab.store, c)?,
        None => PathBuf::new(),
    };
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
    lab.say(format!(
        "resuming run {run_id} from epoch {} to {epochs}",
        from.epoch
    ));
    let req = Request {
        exp: &exp,
        data: &data,
        display: &parent.experiment_path,
        parent: Some(run_id),
        resume: Some(&ckpt),
    };
    let with = With {
        history_from: Some((run_id, from.epoch)),
        ..With::default()
    };
    let trained = record_and_train(lab, req, with)?;
    Ok((exp, trained))
}
