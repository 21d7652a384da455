//! The learning-rate range test.

use burn::optim::GradientsParams;
use tuneup_core::data::Prepared;
use tuneup_core::rng::Rng;
use tuneup_core::spec::Experiment;

use crate::trainer::{TrainError, loss::batch_loss};

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
    let crate::trainer::Fresh {
        device,
        mut model,
        mut optim,
        ce,
        maker,
    } = crate::trainer::Fresh::new(exp, data)?;
    let n = data.train.len();
    let batch = exp.train.batch_size.min(n);
    let sample_len: usize = info.sample_shape.iter().product();
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
