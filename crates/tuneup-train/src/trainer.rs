//! The training loop: seeded mini-batch training with per-epoch evaluation, the best checkpoint
//! kept on disk, and divergence (NaN / inf loss) ending the run as failed rather than crashing.

use std::path::Path;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    AdaGradConfig, AdamConfig, AdamWConfig, GradientsParams, LambConfig, LionConfig,
    ModuleOptimizer, RmsPropConfig, SgdConfig, decay::WeightDecayConfig,
};
use burn::tensor::{Int, Tensor, TensorData, activation};
use tuneup_core::augment::{Batch, BatchMaker, BatchTarget, loader};
use tuneup_core::data::{Prepared, Y};
use tuneup_core::metrics::Direction;
use tuneup_core::rng::Rng;
pub use tuneup_core::run::EpochRecord;
use tuneup_core::schedule::Scheduler;
use tuneup_core::scores::{self, Scores};
use tuneup_core::spec::{Experiment, Keep, Monitor, OptimizerSpec, TrainSpec};

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
    pub snapshots: Vec<(usize, std::path::PathBuf)>,
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

/// burn's optimizer for a spec; PyTorch's defaults were filled in by the spec.
fn optimizer(spec: &OptimizerSpec, train: &TrainSpec) -> ModuleOptimizer {
    let l2 = |w: f64| (w > 0.0).then(|| WeightDecayConfig::new(w as f32));
    let optim = match spec {
        OptimizerSpec::Sgd {
            momentum,
            dampening,
            nesterov,
            weight_decay,
            ..
        } => {
            let mut c = SgdConfig::new().with_weight_decay(l2(*weight_decay));
            if *momentum > 0.0 {
                c = c.with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(*momentum)
                        .with_dampening(*dampening)
                        .with_nesterov(*nesterov),
                ));
            }
            c.init()
        }
        OptimizerSpec::Adam {
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            ..
        } => AdamConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_amsgrad(*amsgrad)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Adamw {
            beta1,
            beta2,
            eps,
            weight_decay,
            amsgrad,
            ..
        } => AdamWConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_amsgrad(*amsgrad)
            .with_weight_decay(*weight_decay as f32)
            .init(),
        OptimizerSpec::Adagrad {
            lr_decay,
            eps,
            weight_decay,
            ..
        } => AdaGradConfig::new()
            .with_lr_decay(*lr_decay)
            .with_epsilon(*eps as f32)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Rmsprop {
            alpha,
            eps,
            momentum,
            centered,
            weight_decay,
            ..
        } => RmsPropConfig::new()
            .with_alpha(*alpha as f32)
            .with_epsilon(*eps as f32)
            .with_momentum(*momentum as f32)
            .with_centered(*centered)
            .with_weight_decay(l2(*weight_decay))
            .init(),
        OptimizerSpec::Lion {
            beta1,
            beta2,
            weight_decay,
            ..
        } => LionConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_weight_decay(*weight_decay as f32)
            .init(),
        OptimizerSpec::Lamb {
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        } => LambConfig::new()
            .with_beta_1(*beta1 as f32)
            .with_beta_2(*beta2 as f32)
            .with_epsilon(*eps as f32)
            .with_weight_decay(*weight_decay as f32)
            .init(),
    };
    match (train.clip_norm, train.clip_value) {
        (Some(n), _) => optim.with_grad_clipping(GradientClippingConfig::Norm(n as f32).init()),
        (None, Some(v)) => optim.with_grad_clipping(GradientClippingConfig::Value(v as f32).init()),
        (None, None) => optim,
    }
}

/// At most this many training samples are scored each epoch (all of them at the end).
const TRAIN_EVAL_SAMPLES: usize = 10_000;

/// Trains the experiment's model on prepared data; keeps the best checkpoint at `checkpoint`.
pub fn train(
    exp: &Experiment,
    data: &Prepared,
    checkpoint: &Path,
    observer: &mut dyn Observer,
) -> Result<Outcome, TrainError> {
    train_from(exp, data, checkpoint, None, observer)
}

/// Where a run stood after an epoch: saved beside its checkpoint (`last.bpk`, `optim.bpk`,
/// `state.json`) so that it can be resumed for more epochs with the same numbers as one long run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResumeState {
    pub epoch: usize,
    pub global_step: usize,
    pub first_loss: Option<f64>,
    pub since_best: usize,
    pub best_epoch: Option<usize>,
    pub best_watched: Option<f64>,
    pub scheduler: tuneup_core::schedule::SchedulerState,
}

/// The files of a run's resume point, from its checkpoint path.
pub fn resume_files(
    checkpoint: &Path,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    (
        checkpoint.with_file_name("last.bpk"),
        checkpoint.with_file_name("optim.bpk"),
        checkpoint.with_file_name("state.json"),
    )
}

/// Reads a run's resume point (for `tuneup resume`).
pub fn read_resume_state(checkpoint: &Path) -> Result<ResumeState, String> {
    let (_, _, state) = resume_files(checkpoint);
    let text = std::fs::read_to_string(&state)
        .map_err(|e| format!("cannot read {}: {e}", state.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", state.display()))
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Knowledge distillation (Hinton et al. 2015): the loss becomes
/// `alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T)) + (1 - alpha) * CE`, with the
/// teachers' softened probabilities averaged over teachers.
pub struct Teachers {
    /// Each teacher model with the data description it reads inputs by.
    pub models: Vec<(Net, tuneup_core::data::DataInfo)>,
    pub temperature: f64,
    pub alpha: f64,
}

impl Teachers {
    /// The teachers' averaged softened probabilities for samples `x` given in the student's
    /// normalisation (`student`), `rows x classes`.
    pub fn soft_targets(&self, x: &[f32], student: &tuneup_core::data::DataInfo) -> Vec<f32> {
        let len: usize = student.sample_shape.iter().product();
        let rows = x.len() / len.max(1);
        let k = student.outputs();
        let mut acc = vec![0f64; rows * k];
        let expand = |n: &tuneup_core::data::Normalizer, j: usize| {
            let g = j / n.block.max(1);
            (n.mean[g], n.std[g])
        };
        for (net, info) in &self.models {
            // Back to raw units with the student's statistics, into the teacher's.
            let mut xt = Vec::with_capacity(x.len());
            for (i, v) in x.iter().enumerate() {
                let j = i % len;
                let (ms, ss) = expand(&student.normalizer, j);
                let (mt, st) = expand(&info.normalizer, j);
                xt.push((v * ss + ms - mt) / st);
            }
            let part = tuneup_core::data::Part {
                x: xt,
                y: tuneup_core::data::Y::None,
                ids: vec![String::new(); rows],
            };
            let out = eval::outputs(net, &part, len, None);
            let scaled: Vec<f32> = out
                .values
                .iter()
                .map(|z| (*z as f64 / self.temperature) as f32)
                .collect();
            for (a, p) in acc.iter_mut().zip(scores::softmax_rows_f64(&scaled, k)) {
                *a += p / self.models.len() as f64;
            }
        }
        acc.into_iter().map(|p| p as f32).collect()
    }
}

/// Trains, or continues a run from `resume`: the checkpoint path of the run to continue (its
/// `last.bpk`, `optim.bpk`, `state.json` and `best.bpk` are read; nothing of it is written).
pub fn train_from(
    exp: &Experiment,
    data: &Prepared,
    checkpoint: &Path,
    resume: Option<&Path>,
    observer: &mut dyn Observer,
) -> Result<Outcome, TrainError> {
    train_with(exp, data, checkpoint, resume, None, observer)
}

/// [`train_from`], distilling from `teachers` when given. Without augmentation the teachers'
/// targets are computed once for every training sample and cached; with it, on each batch as
/// augmented.
pub fn train_with(
    exp: &Experiment,
    data: &Prepared,
    checkpoint: &Path,
    resume: Option<&Path>,
    teachers: Option<&Teachers>,
    observer: &mut dyn Observer,
) -> Result<Outcome, TrainError> {
    let started = Instant::now();
    let info = &data.info;
    let metric = exp.metric();
    let sample_len: usize = info.sample_shape.iter().product();
    let device = crate::cpu().autodiff();
    device.seed(exp.seed);
    let mut model = Net::new(&exp.model, &info.sample_shape, info.outputs(), &device)
        .map_err(TrainError::Model)?;
    let params = model.trainable_params();
    let mut optim = optimizer(&exp.optimizer, &exp.train);
    let ce = CrossEntropyLoss::new(None, &device);
    let resumed: Option<(ResumeState, Net)> = match resume {
        Some(from) => {
            let state = read_resume_state(from).map_err(TrainError::Checkpoint)?;
            let (last, optim_path, _) = resume_files(from);
            let load = |p: &Path| {
                crate::checkpoint::load_on(&exp.model, info, p, &device)
                    .map_err(TrainError::Checkpoint)
            };
            model = load(&last)?;
            optim = optim.load(&optim_path).map_err(|e| {
                TrainError::Checkpoint(format!("cannot read {}: {e}", optim_path.display()))
            })?;
            let best_model = load(from)?;
            Some((state, best_model))
        }
        None => None,
    };

    let n = data.train.len();
    let batch = exp.train.batch_size.min(n);
    let batches = n.div_ceil(batch);
    let maker = BatchMaker::new(
        &data.train,
        info,
        &exp.augment,
        exp.train.label_smoothing,
        exp.seed,
    );
    let cached_targets: Option<Vec<f32>> = teachers
        .filter(|_| !exp.augment.is_on())
        .map(|t| t.soft_targets(&data.train.x, info));
    let k = info.outputs();
    let distill = |b: &Batch| -> Option<(Vec<f32>, f64, f64)> {
        let t = teachers?;
        let probs = match &cached_targets {
            Some(all) => b
                .idx
                .iter()
                .flat_map(|&i| all[i * k..(i + 1) * k].iter().copied())
                .collect(),
            None => t.soft_targets(&b.x, info),
        };
        Some((probs, t.temperature, t.alpha))
    };
    let mut train_eval_idx: Vec<usize> = (0..n).collect();
    Rng::derive(exp.seed, 2).shuffle(&mut train_eval_idx);
    train_eval_idx.truncate(TRAIN_EVAL_SAMPLES);
    train_eval_idx.sort_unstable();

    let mut scheduler =
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
    let mut snapshots = Vec::new();
    if let Some(from) = resume {
        // The resumed run's earlier snapshots are its parent's; keep their paths.
        for &e in snapshot_epochs.iter() {
            let p = from.with_file_name(format!("snapshot-{e}.bpk"));
            if p.exists() {
                snapshots.push((e, p));
            }
        }
    }
    // What "best" means: the early-stopping monitor when there is one, else the metric.
    let monitor = exp
        .early_stopping
        .as_ref()
        .map(|e| e.monitor)
        .unwrap_or(Monitor::Metric);
    let higher_better =
        monitor == Monitor::Metric && metric.direction() == Direction::HigherIsBetter;
    let better = |a: f64, b: f64, delta: f64| {
        if higher_better {
            a > b + delta
        } else {
            a < b - delta
        }
    };
    let mut epochs = Vec::new();
    // The best epoch, its monitored value, and (keep = "last" only) the final model; the best
    // weights themselves live in the checkpoint file, never in a clone that would share batch
    // norm's running statistics with the model still training.
    let mut best: Option<(usize, f64, Option<Net>)> = None;
    let mut since_best = 0usize;
    let mut stopped_early = None;
    let mut out_of_time = None;
    let mut pruned = None;
    let mut first_loss: Option<f64> = None;
    let mut global_step = 0usize;
    let mut start_epoch = 1;
    if let Some((s, best_model)) = resumed {
        scheduler.restore(s.scheduler);
        since_best = s.since_best;
        first_loss = s.first_loss;
        global_step = s.global_step;
        start_epoch = s.epoch + 1;
        if let Some(e) = s.best_epoch {
            if exp.train.keep == Keep::Best {
                crate::checkpoint::save(&best_model, checkpoint).map_err(TrainError::Checkpoint)?;
            }
            best = Some((e, s.best_watched.unwrap_or(f64::NAN), None));
            drop(best_model);
        }
    }
    let mut status = RunStatus::Complete;
    'epochs: for epoch in start_epoch..=exp.train.epochs {
        let t0 = Instant::now();
        // Each epoch's randomness (dropout) depends on the seed and the epoch only, so a resumed
        // run draws what one long run would.
        device.seed(exp.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let epoch_lr = scheduler.lr(global_step, epoch - 1);
        observer.epoch_start(epoch, exp.train.epochs, batches);
        let mut order: Vec<usize> = (0..n).collect();
        Rng::derive(exp.seed, 100 + epoch as u64).shuffle(&mut order);
        let mut loss_sum = 0.0;
        let mix = maker.mix_in_epoch(epoch, exp.train.epochs);
        // Batches are built (and augmented) by the loader's worker threads meanwhile. The model
        // moves through the optimizer step (no clone, so its tensors are updated in place).
        let mut slot = Some(model);
        loader::for_each_batch(
            &maker,
            &order,
            batch,
            epoch,
            mix,
            exp.train.workers,
            |step, b| {
                let rows = b.rows;
                let m = slot.take().expect("the model");
                let kd = distill(&b);
                let loss = batch_loss(&m, &b, sample_len, &ce, exp.train.l1, kd, &device);
                let value = loss.clone().into_scalar::<f32>() as f64;
                if !value.is_finite() {
                    status = RunStatus::Failed {
                        epoch,
                        step: step + 1,
                        reason: format!(
                            "loss became {value} at epoch {epoch}, step {} (diverged: try a lower learning rate)",
                            step + 1
                        ),
                    };
                    slot = Some(m);
                    return false;
                }
                let l0 = *first_loss.get_or_insert(value);
                if l0 > 0.0 && value > exp.train.divergence_factor * l0 {
                    status = RunStatus::Failed {
                        epoch,
                        step: step + 1,
                        reason: format!(
                            "loss exploded to {value:.4e} at epoch {epoch}, step {} ({}x the first batch's {l0:.4}; diverged: try a lower learning rate or clipping)",
                            step + 1,
                            exp.train.divergence_factor
                        ),
                    };
                    slot = Some(m);
                    return false;
                }
                loss_sum += value * rows as f64;
                observer.batch(step + 1, value);
                let grads = GradientsParams::from_grads(loss.backward(), &m);
                slot = Some(optim.step(scheduler.lr(global_step, epoch - 1), m, grads));
                global_step += 1;
                true
            },
        );
        model = slot.expect("the model");
        let fit_seconds = t0.elapsed().as_secs_f64();
        if status != RunStatus::Complete {
            break 'epochs;
        }
        let train_out = eval::outputs(&model, &data.train, sample_len, Some(&train_eval_idx));
        let train_y = subset_y(&data.train.y, &train_eval_idx);
        let val_out = eval::outputs(&model, &data.val, sample_len, None);
        let (Some(tr), Some(va)) = (
            scores::score(info, metric, &train_out.values, &train_y),
            scores::score(info, metric, &val_out.values, &data.val.y),
        ) else {
            unreachable!("train and validation splits are labelled")
        };
        if !va.loss.is_finite() || val_out.values.iter().any(|v| !v.is_finite()) {
            status = RunStatus::Failed {
                epoch,
                step: batches,
                reason: format!("validation outputs are not finite after epoch {epoch} (diverged)"),
            };
            break;
        }
        let rec = EpochRecord {
            epoch,
            fit_loss: loss_sum / n as f64,
            train_loss: tr.loss,
            train_error: tr.error,
            val_loss: va.loss,
            val_error: va.error,
            val_metric: va.metric,
            lr: epoch_lr,
            seconds: t0.elapsed().as_secs_f64(),
            fit_seconds,
        };
        observer.epoch_end(&rec);
        if pruned.is_none() && observer.stop(&rec) {
            pruned = Some(epoch);
        }
        let watched = if monitor == Monitor::Metric {
            va.metric
        } else {
            va.loss
        };
        scheduler.epoch_end(
            epoch - 1,
            va.metric,
            metric.direction() == Direction::HigherIsBetter,
        );
        let delta = exp
            .early_stopping
            .as_ref()
            .map(|e| e.min_delta)
            .unwrap_or(0.0);
        let improved = match &best {
            None => true,
            Some((_, m, _)) => better(watched, *m, delta) || (m.is_nan() && !watched.is_nan()),
        };
        epochs.push(rec);
        let last = epoch == exp.train.epochs;
        if improved {
            since_best = 0;
            if exp.train.keep == Keep::Best {
                crate::checkpoint::save(&model, checkpoint).map_err(TrainError::Checkpoint)?;
            }
            best = Some((epoch, watched, None));
        } else {
            since_best += 1;
        }
        if let Some(es) = &exp.early_stopping {
            if epoch > es.warmup && since_best >= es.patience && !last {
                stopped_early = Some(epoch);
            }
        }
        if let Some(b) = exp.train.time_budget {
            if started.elapsed().as_secs_f64() >= b && !last && stopped_early.is_none() {
                out_of_time = Some(epoch);
            }
        }
        let stopping = stopped_early.is_some() || out_of_time.is_some() || pruned.is_some();
        if snapshot_epochs.contains(&epoch) {
            let p = checkpoint.with_file_name(format!("snapshot-{epoch}.bpk"));
            crate::checkpoint::save(&model, &p).map_err(TrainError::Checkpoint)?;
            snapshots.retain(|(e, _)| *e != epoch);
            snapshots.push((epoch, p));
        }
        if exp.train.keep == Keep::Last && (last || stopping) {
            crate::checkpoint::save(&model, checkpoint).map_err(TrainError::Checkpoint)?;
            best = Some((epoch, watched, Some(model.clone())));
        }
        // The resume point: model, optimizer, and where the loop stood.
        let (last_path, optim_path, state_path) = resume_files(checkpoint);
        crate::checkpoint::save(&model, &last_path).map_err(TrainError::Checkpoint)?;
        let optim_tmp = optim_path.with_extension("tmp");
        optim.save(&optim_tmp).map_err(|e| {
            TrainError::Checkpoint(format!("cannot write {}: {e}", optim_tmp.display()))
        })?;
        std::fs::rename(&optim_tmp, &optim_path)
            .map_err(|e| TrainError::Checkpoint(e.to_string()))?;
        let state = ResumeState {
            epoch,
            global_step,
            first_loss,
            since_best,
            best_epoch: best.as_ref().map(|b| b.0),
            best_watched: best.as_ref().map(|b| b.1).filter(|v| v.is_finite()),
            scheduler: scheduler.state(),
        };
        write_atomic(
            &state_path,
            serde_json::to_string(&state).unwrap_or_default().as_bytes(),
        )
        .map_err(TrainError::Checkpoint)?;
        if stopping {
            break;
        }
    }

    // The best weights as saved: an in-memory clone shares batch norm's running statistics
    // with the model that went on training, so it is read back from its checkpoint.
    let final_model = match &mut best {
        Some((_, _, m)) => match m.take() {
            Some(m) => Some(m),
            None => Some(
                crate::checkpoint::load_on(&exp.model, info, checkpoint, &device)
                    .map_err(TrainError::Checkpoint)?,
            ),
        },
        None => None,
    };
    let (best_epoch, train, val, train_dev, test) = match (&best, &final_model) {
        (Some((e, _, _)), Some(m)) => {
            let score = |part: &tuneup_core::data::Part| {
                let out = eval::outputs(m, part, sample_len, None);
                scores::score(info, metric, &out.values, &part.y)
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
        status,
        epochs,
        best_epoch,
        params,
        train,
        val,
        train_dev,
        test,
        stopped_early,
        seconds: started.elapsed().as_secs_f64(),
        snapshots,
        out_of_time,
        pruned,
    })
}

/// The training objective on a batch: cross-entropy (soft targets with label smoothing or
/// mixing), or MSE on standardised targets; plus the L1 penalty when asked.
pub(crate) fn batch_loss(
    model: &Net,
    b: &Batch,
    sample_len: usize,
    ce: &CrossEntropyLoss,
    l1: f64,
    distill: Option<(Vec<f32>, f64, f64)>,
    device: &burn::tensor::Device,
) -> Tensor<1> {
    let rows = b.rows;
    let x = Tensor::<2>::from_data(TensorData::new(b.x.clone(), [rows, sample_len]), device);
    let out = model.forward(x);
    // Distillation: alpha T^2 KL(p_t || softmax(z_s / T)); KL = sum p_t ln p_t - sum p_t ln q.
    let kd = distill.map(|(probs, t, alpha)| {
        let k = probs.len() / rows.max(1);
        let entropy: f64 = probs
            .iter()
            .filter(|p| **p > 0.0)
            .map(|p| (*p as f64) * (*p as f64).ln())
            .sum::<f64>()
            / rows as f64;
        let pt = Tensor::<2>::from_data(TensorData::new(probs, [rows, k]), device);
        let log_q = activation::log_softmax(out.clone().div_scalar(t), 1);
        let kl = (log_q * pt).sum_dim(1).mean().neg().add_scalar(entropy);
        (kl.mul_scalar(alpha * t * t), alpha)
    });
    let loss = match &b.target {
        BatchTarget::Classes(y) => {
            let t: Vec<i64> = y.iter().map(|&c| c as i64).collect();
            ce.forward(
                out,
                Tensor::<1, Int>::from_data(TensorData::new(t, [rows]), device),
            )
        }
        BatchTarget::Soft { probs, classes } => {
            let t =
                Tensor::<2>::from_data(TensorData::new(probs.clone(), [rows, *classes]), device);
            (activation::log_softmax(out, 1) * t)
                .sum_dim(1)
                .mean()
                .neg()
        }
        BatchTarget::Values(v) => {
            let t = Tensor::<2>::from_data(TensorData::new(v.clone(), [rows, 1]), device);
            (out - t).powf_scalar(2.0).mean()
        }
    };
    let loss = match kd {
        Some((kl, alpha)) => kl.reshape([1]) + loss.mul_scalar(1.0 - alpha),
        None => loss,
    };
    if l1 > 0.0 {
        loss + model.l1().mul_scalar(l1)
    } else {
        loss
    }
}

/// The learning-rate range test: a fresh model (the experiment's seed), the rate growing
/// exponentially from `start` to `end` over `iters` steps, stopped early once the smoothed loss
/// diverges. Returns (rate, loss) per step. Nothing is written: the experiment's later training
/// starts from fresh weights as always.
pub fn lr_range_test(
    exp: &Experiment,
    data: &Prepared,
    start: f64,
    end: f64,
    iters: usize,
) -> Result<Vec<(f64, f64)>, TrainError> {
    let info = &data.info;
    let device = crate::cpu().autodiff();
    device.seed(exp.seed);
    let mut model = Net::new(&exp.model, &info.sample_shape, info.outputs(), &device)
        .map_err(TrainError::Model)?;
    let mut optim = optimizer(&exp.optimizer, &exp.train);
    let ce = CrossEntropyLoss::new(None, &device);
    let n = data.train.len();
    let batch = exp.train.batch_size.min(n);
    let sample_len: usize = info.sample_shape.iter().product();
    let maker = BatchMaker::new(
        &data.train,
        info,
        &exp.augment,
        exp.train.label_smoothing,
        exp.seed,
    );
    let mut out = Vec::with_capacity(iters);
    let mut losses = Vec::with_capacity(iters);
    let mut epoch = 0u64;
    'outer: loop {
        let mut order: Vec<usize> = (0..n).collect();
        Rng::derive(exp.seed, 100 + epoch).shuffle(&mut order);
        let mix = maker.mix_in_epoch(epoch as usize + 1, exp.train.epochs);
        for (step, idx) in order.chunks(batch).enumerate() {
            let i = out.len();
            if i == iters {
                break 'outer;
            }
            let lr = tuneup_core::lr_find::rate(start, end, i, iters);
            let b = maker.make(idx, epoch as usize + 1, step, mix);
            let loss = batch_loss(&model, &b, sample_len, &ce, exp.train.l1, None, &device);
            let value = loss.clone().into_scalar::<f32>() as f64;
            out.push((lr, value));
            losses.push(value);
            if !value.is_finite()
                || tuneup_core::lr_find::diverged(&tuneup_core::lr_find::smooth(&losses))
            {
                break 'outer;
            }
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
        }
        epoch += 1;
    }
    Ok(out)
}

fn subset_y(y: &Y, idx: &[usize]) -> Y {
    match y {
        Y::Classes(c) => Y::Classes(idx.iter().map(|&i| c[i]).collect()),
        Y::Values(v) => Y::Values(idx.iter().map(|&i| v[i]).collect()),
        Y::None => Y::None,
    }
}
