//! The training loop: seeded mini-batch training with per-epoch evaluation, the best checkpoint
//! kept on disk, a resume point after every epoch, and divergence (NaN / inf loss) ending the
//! run as failed rather than crashing.

mod checks;
mod distill;
pub(crate) mod loss;
pub(crate) mod optimizer;
mod probe;
mod resume;

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::nn::loss::CrossEntropyLoss;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use tuneup_core::augment::{BatchMaker, loader};
use tuneup_core::data::Prepared;
use tuneup_core::rng::Rng;
pub use tuneup_core::run::EpochRecord;
use tuneup_core::schedule::Scheduler;
use tuneup_core::scores::{self, Scores};
use tuneup_core::spec::{Experiment, Keep, Monitor};

use checks::diverged;
pub(crate) use checks::{improves, subset_y, train_eval_idx};
use distill::Targets;
pub use distill::Teachers;
pub use resume::{ResumeState, read_resume_state};

use crate::eval;
use crate::model::Net;

/// Progress events; the training part never prints.
pub trait Observer {
    fn epoch_start(&mut self, _epoch: usize, _epochs: usize, _batches: usize) {}
    fn batch(&mut self, _batch: usize, _loss: f64) {}
    fn epoch_end(&mut self, _record: &EpochRecord) {}
    /// Asked after each epoch: whether to stop the run here (a tuning study's pruner). The run
    /// ends as if its epochs were done, and the outcome records the epoch in `pruned`.
    fn stop(&mut self, _record: &EpochRecord) -> bool {
        false
    }
}

impl Observer for () {}

#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    Complete,
    /// Training stopped: the epoch (1-based), the step within it, and why.
    Failed {
        epoch: usize,
        step: usize,
        reason: String,
    },
}

/// What a training run produced. Errors and metrics are those of the best epoch's weights
/// (by the validation metric), which is also the checkpoint kept on disk.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: RunStatus,
    pub epochs: Vec<EpochRecord>,
    pub best_epoch: Option<usize>,
    pub params: usize,
    pub train: Option<Scores>,
    pub val: Option<Scores>,
    pub train_dev: Option<Scores>,
    pub test: Option<Scores>,
    /// The epoch early stopping ended the run at.
    pub stopped_early: Option<usize>,
    pub seconds: f64,
    /// Snapshot checkpoints (`train.snapshots`): (epoch, path), one per restart cycle.
    pub snapshots: Vec<(usize, PathBuf)>,
    /// The epoch after which `train.time_budget` ran out.
    pub out_of_time: Option<usize>,
    /// The epoch after which the observer stopped the run (a pruned trial).
    pub pruned: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The model does not fit the data (e.g. a CNN on vectors).
    #[error("model: {0}")]
    Model(String),
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

/// What to train and from where.
pub struct Job<'a> {
    pub exp: &'a Experiment,
    pub data: &'a Prepared,
    /// Where the best weights go (the resume point's files go beside them).
    pub checkpoint: &'a Path,
    /// Continue the run whose best checkpoint is here (its `last.bpk`, `optim.bpk`,
    /// `state.json` and `best.bpk` are read; nothing of it is written).
    pub resume: Option<&'a Path>,
    /// Distil from these teachers.
    pub teachers: Option<&'a Teachers>,
    /// Seconds the run must finish within: projected past them after its first batches, it
    /// stops there and fails, saying so ([`probe`]).
    pub finish_within: Option<f64>,
}

/// Trains the experiment's model on prepared data (or continues a run), distilling from
/// teachers when given. Without augmentation the teachers' targets are computed once for every
/// training sample and cached; with it, on each batch as augmented.
pub fn train(job: &Job, observer: &mut dyn Observer) -> Result<Outcome, TrainError> {
    if let tuneup_core::spec::Arch::Gbdt(spec) = &job.exp.model.arch {
        return crate::gbdt::train(job, spec, observer);
    }
    let started = Instant::now();
    let mut s = Session::new(job, started)?;
    for epoch in s.start_epoch..=job.exp.train.epochs {
        if !s.epoch(epoch, observer)? {
            break;
        }
    }
    s.finish()
}

/// A freshly initialised model (the experiment's seed) with its optimizer, loss and batch
/// maker: where training and the LR range test start.
pub(crate) struct Fresh<'a> {
    pub device: Device,
    pub model: Net,
    pub optim: ModuleOptimizer,
    pub ce: CrossEntropyLoss,
    pub maker: BatchMaker<'a>,
}

impl<'a> Fresh<'a> {
    pub(crate) fn new(exp: &'a Experiment, data: &'a Prepared) -> Result<Fresh<'a>, TrainError> {
        let info = &data.info;
        let device = crate::cpu().autodiff();
        device.seed(exp.seed);
        let model = Net::new(
            &exp.model,
            &info.sample_shape,
            &info.inputs(),
            info.outputs(),
            &device,
        )
        .map_err(TrainError::Model)?;
        let optim = optimizer::optimizer(&exp.optimizer, &exp.train);
        let ce = CrossEntropyLoss::new(None, &device);
        let maker = BatchMaker::new(
            &data.train,
            info,
            &exp.augment,
            exp.train.label_smoothing,
            exp.seed,
        );
        Ok(Fresh {
            device,
            model,
            optim,
            ce,
            maker,
        })
    }
}

/// A run in progress: the model, its optimizer and schedule, and where the loop stands.
struct Session<'a> {
    job: &'a Job<'a>,
    exp: &'a Experiment,
    data: &'a Prepared,
    device: Device,
    model: Option<Net>,
    optim: ModuleOptimizer,
    ce: CrossEntropyLoss,
    maker: BatchMaker<'a>,
    params: usize,
    sample_len: usize,
    batch: usize,
    batches: usize,
    cached_targets: Option<Vec<f32>>,
    train_eval_idx: Vec<usize>,
    scheduler: Scheduler,
    snapshot_epochs: Vec<usize>,
    snapshots: Vec<(usize, PathBuf)>,
    /// What "best" means: the early-stopping monitor when there is one, else the metric.
    monitor: Monitor,
    higher_better: bool,
    epochs: Vec<EpochRecord>,
    /// The best epoch, its monitored value, and (keep = "last" only) the final model; the best
    /// weights themselves live in the checkpoint file, never in a clone that would share batch
    /// norm's running statistics with the model still training.
    best: Option<(usize, f64, Option<Net>)>,
    since_best: usize,
    stopped_early: Option<usize>,
    out_of_time: Option<usize>,
    pruned: Option<usize>,
    first_loss: Option<f64>,
    global_step: usize,
    start_epoch: usize,
    status: RunStatus,
    started: Instant,
    probe: probe::Probe,
}

impl<'a> Session<'a> {
    /// A fresh model (the experiment's seed), or the run to continue with its optimizer and
    /// where its loop stood.
    fn new(job: &'a Job<'a>, started: Instant) -> Result<Session<'a>, TrainError> {
        let (exp, data) = (job.exp, job.data);
        let info = &data.info;
        let Fresh {
            device,
            model,
            optim,
            ce,
            maker,
        } = Fresh::new(exp, data)?;
        let params = model.trainable_params();
        let n = data.train.len();
        let batch = exp.train.batch_size.min(n);
        let batches = n.div_ceil(batch);
        let cached_targets = job
            .teachers
            .filter(|_| !exp.augment.is_on())
            .map(|t| t.soft_targets(&data.train.x, info));
        let train_eval_idx = train_eval_idx(n, exp.seed);
        let scheduler =
            Scheduler::new(&exp.schedule, exp.optimizer.lr(), exp.train.epochs, batches);
        // Snapshot epochs: those after which the rate restarts (rises), and the last.
        let snapshot_epochs: Vec<usize> = if exp.train.snapshots {
            let seq = scheduler.sequence(exp.train.epochs, batches);
            (1..=exp.train.epochs)
                .filter(|&e| e == exp.train.epochs || seq[e * batches] > seq[e * batches - 1])
                .collect()
        } else {
            Vec::new()
        };
        let monitor = exp
            .early_stopping
            .as_ref()
            .map(|e| e.monitor)
            .unwrap_or(Monitor::Metric);
        let higher_better =
            monitor == Monitor::Metric && exp.metric().direction().higher_is_better();
        let mut s = Session {
            job,
            exp,
            data,
            device,
            model: Some(model),
            optim,
            ce,
            maker,
            params,
            sample_len: info.sample_shape.iter().product(),
            batch,
            batches,
            cached_targets,
            train_eval_idx,
            scheduler,
            snapshot_epochs,
            snapshots: Vec::new(),
            monitor,
            higher_better,
            epochs: Vec::new(),
            best: None,
            since_best: 0,
            stopped_early: None,
            out_of_time: None,
            pruned: None,
            first_loss: None,
            global_step: 0,
            start_epoch: 1,
            status: RunStatus::Complete,
            started,
            probe: probe::Probe::new(job.finish_within, batches),
        };
        if let Some(from) = job.resume {
            s.resume_from(from)?;
        }
        Ok(s)
    }

    /// One epoch: the batches, the evaluation, what to keep. `false` when the run stops here.
    fn epoch(&mut self, epoch: usize, observer: &mut dyn Observer) -> Result<bool, TrainError> {
        let t0 = Instant::now();
        let exp = self.exp;
        // Each epoch's randomness (dropout) depends on the seed and the epoch only, so a resumed
        // run draws what one long run would.
        self.device
            .seed(exp.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let epoch_lr = self.scheduler.lr(self.global_step, epoch - 1);
        observer.epoch_start(epoch, exp.train.epochs, self.batches);
        let loss_sum = self.fit(epoch, observer);
        let fit_seconds = t0.elapsed().as_secs_f64();
        if self.status != RunStatus::Complete {
            return Ok(false);
        }
        let Some((va, rec)) = self.evaluate(epoch, epoch_lr, loss_sum, t0, fit_seconds) else {
            return Ok(false);
        };
        observer.epoch_end(&rec);
        if self.pruned.is_none() && observer.stop(&rec) {
            self.pruned = Some(epoch);
        }
        self.epochs.push(rec);
        self.keep(epoch, va)
    }

    /// The epoch's batches, built (and augmented) by the loader's worker threads meanwhile. The
    /// model moves through the optimizer step (no clone, so its tensors are updated in place).
    /// Returns the summed loss; a diverged batch sets the status.
    fn fit(&mut self, epoch: usize, observer: &mut dyn Observer) -> f64 {
        let exp = self.exp;
        let n = self.data.train.len();
        let mut order: Vec<usize> = (0..n).collect();
        Rng::derive(exp.seed, 100 + epoch as u64).shuffle(&mut order);
        let mix = self.maker.mix_in_epoch(epoch, exp.train.epochs);
        let mut loss_sum = 0.0;
        let mut slot = self.model.take();
        let Session {
            job,
            data,
            ref device,
            ref mut optim,
            ref ce,
            ref maker,
            sample_len,
            batch,
            ref cached_targets,
            ref scheduler,
            ref mut first_loss,
            ref mut global_step,
            ref mut status,
            ref mut probe,
            start_epoch,
            batches,
            started,
            ..
        } = *self;
        let probing = epoch == start_epoch;
        let epochs_left = exp.train.epochs + 1 - start_epoch;
        let teachers = Targets {
            teachers: job.teachers,
            cached: cached_targets.as_deref(),
            info: &data.info,
        };
        loader::for_each_batch(
            maker,
            &order,
            batch,
            epoch,
            mix,
            exp.train.workers,
            |step, b| {
                // Ctrl-C / SIGTERM: the batch before this one was the last.
                if let Some(by) = tuneup_core::stop::by() {
                    *status = RunStatus::Failed {
                        epoch,
                        step,
                        reason: format!("interrupted by {by} in epoch {epoch} at batch {step}"),
                    };
                    return false;
                }
                let m = slot.take().expect("the model");
                let kd = teachers.of(&b);
                let loss = loss::batch_loss(&m, &b, sample_len, ce, exp.train.l1, kd, device);
                let value = loss.clone().into_scalar::<f32>() as f64;
                if let Some(failed) = diverged(value, first_loss, exp, epoch, step) {
                    *status = failed;
                    slot = Some(m);
                    return false;
                }
                loss_sum += value * b.rows as f64;
                observer.batch(step + 1, value);
                let grads = GradientsParams::from_grads(loss.backward(), &m);
                slot = Some(optim.step(scheduler.lr(*global_step, epoch - 1), m, grads));
                *global_step += 1;
                if probing {
                    if let Some(reason) = probe.after_batch(step, batches, epochs_left, started) {
                        *status = RunStatus::Failed {
                            epoch,
                            step: step + 1,
                            reason,
                        };
                        return false;
                    }
                }
                true
            },
        );
        self.model = slot;
        loss_sum
    }

    /// Scores the model on (a sample of) the training split and on validation; `None` when
    /// validation outputs are not finite (the status says so).
    fn evaluate(
        &mut self,
        epoch: usize,
        lr: f64,
        loss_sum: f64,
        t0: Instant,
        fit_seconds: f64,
    ) -> Option<(Scores, EpochRecord)> {
        let (data, info) = (self.data, &self.data.info);
        let metric = self.exp.metric();
        let model = self.model.as_ref().expect("the model");
        let train_out = eval::outputs(
            model,
            &data.train,
            self.sample_len,
            Some(&self.train_eval_idx),
        );
        let train_y = subset_y(&data.train.y, &self.train_eval_idx);
        let val_out = eval::outputs(model, &data.val, self.sample_len, None);
        let (Some(tr), Some(va)) = (
            scores::score(info, metric, &train_out.values, &train_y),
            scores::score(info, metric, &val_out.values, &data.val.y),
        ) else {
            unreachable!("train and validation splits are labelled")
        };
        if !va.loss.is_finite() || val_out.values.iter().any(|v| !v.is_finite()) {
            self.status = RunStatus::Failed {
                epoch,
                step: self.batches,
                reason: format!("validation outputs are not finite after epoch {epoch} (diverged)"),
            };
            return None;
        }
        let rec = EpochRecord {
            epoch,
            fit_loss: loss_sum / data.train.len() as f64,
            train_loss: tr.loss,
            train_error: tr.error,
            val_loss: va.loss,
            val_error: va.error,
            val_metric: va.metric,
            lr,
            seconds: t0.elapsed().as_secs_f64(),
            fit_seconds,
        };
        Some((va, rec))
    }

    /// After an epoch's evaluation: the schedule steps, the best checkpoint, early stopping, the
    /// time budget, snapshots, the resume point. `false` when the run stops here.
    fn keep(&mut self, epoch: usize, va: Scores) -> Result<bool, TrainError> {
        let exp = self.exp;
        let watched = if self.monitor == Monitor::Metric {
            va.metric
        } else {
            va.loss
        };
        self.scheduler.epoch_end(
            epoch - 1,
            va.metric,
            exp.metric().direction().higher_is_better(),
        );
        let delta = exp
            .early_stopping
            .as_ref()
            .map(|e| e.min_delta)
            .unwrap_or(0.0);
        let higher = self.higher_better;
        let improved = improves(watched, self.best.as_ref().map(|b| b.1), higher, delta);
        let last = epoch == exp.train.epochs;
        let model = self.model.as_ref().expect("the model");
        let checkpoint = self.job.checkpoint;
        let save =
            |m: &Net, p: &Path| crate::checkpoint::save(m, p).map_err(TrainError::Checkpoint);
        if improved {
            self.since_best = 0;
            if exp.train.keep == Keep::Best {
                save(model, checkpoint)?;
            }
            self.best = Some((epoch, watched, None));
        } else {
            self.since_best += 1;
        }
        if let Some(es) = &exp.early_stopping {
            if epoch > es.warmup && self.since_best >= es.patience && !last {
                self.stopped_early = Some(epoch);
            }
        }
        if let Some(b) = exp.train.time_budget {
            if self.started.elapsed().as_secs_f64() >= b && !last && self.stopped_early.is_none() {
                self.out_of_time = Some(epoch);
            }
        }
        let stopping =
            self.stopped_early.is_some() || self.out_of_time.is_some() || self.pruned.is_some();
        if self.snapshot_epochs.contains(&epoch) {
            let p = checkpoint.with_file_name(format!("snapshot-{epoch}.bpk"));
            save(model, &p)?;
            self.snapshots.retain(|(e, _)| *e != epoch);
            self.snapshots.push((epoch, p));
        }
        if exp.train.keep == Keep::Last && (last || stopping) {
            save(model, checkpoint)?;
            self.best = Some((epoch, watched, Some(model.clone())));
        }
        let state = ResumeState {
            epoch,
            global_step: self.global_step,
            first_loss: self.first_loss,
            since_best: self.since_best,
            best_epoch: self.best.as_ref().map(|b| b.0),
            best_watched: self.best.as_ref().map(|b| b.1).filter(|v| v.is_finite()),
            scheduler: self.scheduler.state(),
        };
        resume::save(checkpoint, model, &self.optim, &state).map_err(TrainError::Checkpoint)?;
        Ok(!stopping)
    }

    /// The outcome: the best weights as saved, scored on every split. An in-memory clone shares
    /// batch norm's running statistics with the model that went on training, so the best is
    /// read back from its checkpoint.
    fn finish(mut self) -> Result<Outcome, TrainError> {
        let (exp, data) = (self.exp, self.data);
        let final_model = match &mut self.best {
            Some((_, _, m)) => match m.take() {
                Some(m) => Some(m),
                None => Some(
                    crate::checkpoint::load_on(
                        &exp.model,
                        &data.info,
                        self.job.checkpoint,
                        &self.device,
                    )
                    .map_err(TrainError::Checkpoint)?,
                ),
            },
            None => None,
        };
        let metric = exp.metric();
        let (best_epoch, train, val, train_dev, test) = match (&self.best, &final_model) {
            (Some((e, _, _)), Some(m)) => {
                let score = |part: &tuneup_core::data::Part| {
                    let out = eval::outputs(m, part, self.sample_len, None);
                    scores::score(&data.info, metric, &out.values, &part.y)
                };
                (
                    Some(*e),
                    score(&data.train),
                    score(&data.val),
                    data.train_dev.as_ref().and_then(score),
                    data.test.as_ref().and_then(score),
                )
            }
            _ => (None, None, None, None, None),
        };
        Ok(Outcome {
            status: self.status,
            epochs: self.epochs,
            best_epoch,
            params: self.params,
            train,
            val,
            train_dev,
            test,
            stopped_early: self.stopped_early,
            seconds: self.started.elapsed().as_secs_f64(),
            snapshots: self.snapshots,
            out_of_time: self.out_of_time,
            pruned: self.pruned,
        })
    }
}
