//! The training loop: seeded mini-batch training with per-epoch evaluation, the best checkpoint
//! kept on disk, and divergence (NaN / inf loss) ending the run as failed rather than crashing.

use std::path::Path;
use std::time::Instant;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLoss;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig, decay::WeightDecayConfig,
};
use burn::tensor::{Int, Tensor, TensorData};
use tuneup_core::data::{Prepared, Y};
use tuneup_core::rng::Rng;
pub use tuneup_core::run::EpochRecord;
use tuneup_core::scores::{self, Scores};
use tuneup_core::spec::{Experiment, OptimizerSpec};

use crate::eval;
use crate::model::Net;

/// Progress events; the training part never prints.
pub trait Observer {
    fn epoch_start(&mut self, _epoch: usize, _epochs: usize, _batches: usize) {}
    fn batch(&mut self, _batch: usize, _loss: f64) {}
    fn epoch_end(&mut self, _record: &EpochRecord) {}
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
    pub seconds: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The model does not fit the data (e.g. a CNN on vectors).
    #[error("model: {0}")]
    Model(String),
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}

fn optimizer(spec: &OptimizerSpec) -> ModuleOptimizer {
    match spec {
        OptimizerSpec::Sgd {
            momentum,
            nesterov,
            weight_decay,
            ..
        } => {
            let mut c = SgdConfig::new();
            if *momentum > 0.0 {
                // PyTorch's defaults: no dampening.
                c = c.with_momentum(Some(
                    MomentumConfig::new()
                        .with_momentum(*momentum)
                        .with_dampening(0.0)
                        .with_nesterov(*nesterov),
                ));
            }
            if *weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(*weight_decay as f32)));
            }
            c.init()
        }
        OptimizerSpec::Adam {
            beta1,
            beta2,
            eps,
            weight_decay,
            ..
        } => {
            let mut c = AdamConfig::new()
                .with_beta_1(*beta1 as f32)
                .with_beta_2(*beta2 as f32)
                .with_epsilon(*eps as f32);
            if *weight_decay > 0.0 {
                c = c.with_weight_decay(Some(WeightDecayConfig::new(*weight_decay as f32)));
            }
            c.init()
        }
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
    let started = Instant::now();
    let info = &data.info;
    let metric = exp.metric();
    let sample_len: usize = info.sample_shape.iter().product();
    let device = crate::cpu().autodiff();
    device.seed(exp.seed);
    let mut model = Net::new(&exp.model, &info.sample_shape, info.outputs(), &device)
        .map_err(TrainError::Model)?;
    let params = model.num_params();
    let mut optim = optimizer(&exp.optimizer);
    let lr = exp.optimizer.lr();
    let ce = CrossEntropyLoss::new(None, &device);

    let n = data.train.len();
    let batch = exp.train.batch_size.min(n);
    let batches = n.div_ceil(batch);
    let mut train_eval_idx: Vec<usize> = (0..n).collect();
    Rng::derive(exp.seed, 2).shuffle(&mut train_eval_idx);
    train_eval_idx.truncate(TRAIN_EVAL_SAMPLES);
    train_eval_idx.sort_unstable();
    let y_std = |v: f32| (v - info.y_mean) / info.y_std;

    let mut epochs = Vec::new();
    let mut best: Option<(usize, f64, Net)> = None;
    let mut status = RunStatus::Complete;
    'epochs: for epoch in 1..=exp.train.epochs {
        let t0 = Instant::now();
        observer.epoch_start(epoch, exp.train.epochs, batches);
        let mut order: Vec<usize> = (0..n).collect();
        Rng::derive(exp.seed, 100 + epoch as u64).shuffle(&mut order);
        let mut loss_sum = 0.0;
        for (step, idx) in order.chunks(batch).enumerate() {
            let b = idx.len();
            let mut xs = Vec::with_capacity(b * sample_len);
            for &i in idx {
                xs.extend_from_slice(&data.train.x[i * sample_len..(i + 1) * sample_len]);
            }
            let x = Tensor::<2>::from_data(TensorData::new(xs, [b, sample_len]), &device);
            let out = model.forward(x);
            let loss: Tensor<1> = match &data.train.y {
                Y::Classes(y) => {
                    let t: Vec<i64> = idx.iter().map(|&i| y[i] as i64).collect();
                    ce.forward(
                        out,
                        Tensor::<1, Int>::from_data(TensorData::new(t, [b]), &device),
                    )
                }
                Y::Values(y) => {
                    let t: Vec<f32> = idx.iter().map(|&i| y_std(y[i])).collect();
                    let t = Tensor::<2>::from_data(TensorData::new(t, [b, 1]), &device);
                    (out - t).powf_scalar(2.0).mean()
                }
                Y::None => unreachable!("training data is labelled"),
            };
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
                break 'epochs;
            }
            loss_sum += value * b as f64;
            observer.batch(step + 1, value);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
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
            lr,
            seconds: t0.elapsed().as_secs_f64(),
        };
        observer.epoch_end(&rec);
        let improved = match &best {
            None => true,
            Some((_, m, _)) => metric.better(va.metric, *m) || (m.is_nan() && !va.metric.is_nan()),
        };
        if improved {
            crate::checkpoint::save(&model, checkpoint).map_err(TrainError::Checkpoint)?;
            best = Some((epoch, va.metric, model.clone()));
        }
        epochs.push(rec);
    }

    let (best_epoch, train, val, train_dev, test) = match &best {
        Some((e, _, m)) => {
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
        None => (None, None, None, None, None),
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
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn subset_y(y: &Y, idx: &[usize]) -> Y {
    match y {
        Y::Classes(c) => Y::Classes(idx.iter().map(|&i| c[i]).collect()),
        Y::Values(v) => Y::Values(idx.iter().map(|&i| v[i]).collect()),
        Y::None => Y::None,
    }
}
