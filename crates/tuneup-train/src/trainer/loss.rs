//! The training objective on a batch.

use burn::nn::loss::CrossEntropyLoss;
use burn::tensor::{Int, Tensor, TensorData, activation};
use tuneup_core::augment::{Batch, BatchTarget};

use crate::model::Net;

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
