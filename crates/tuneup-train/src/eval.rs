//! Forward passes without gradients, in batches, returning plain `Vec<f32>` outputs.

use burn::module::Module;
use burn::tensor::{Tensor, TensorData};
use tuneup_core::data::Part;

use crate::model::Net;

/// Raw model outputs for a split: `rows x width`, row-major (logits, or standardised values).
#[derive(Debug, Clone)]
pub struct Outputs {
    pub values: Vec<f32>,
    pub width: usize,
}

const EVAL_BATCH: usize = 1024;

/// Runs `model` over the samples `idx` of `part` (all when `None`) in evaluation mode.
pub(crate) fn outputs(
    model: &Net,
    part: &Part,
    sample_len: usize,
    idx: Option<&[usize]>,
) -> Outputs {
    let model = model.valid();
    let device = crate::cpu();
    let n = idx.map(|i| i.len()).unwrap_or(part.len());
    let mut values = Vec::new();
    let mut width = 0;
    let mut start = 0;
    while start < n {
        let end = (start + EVAL_BATCH).min(n);
        let xs: Vec<f32> = match idx {
            Some(idx) => idx[start..end]
                .iter()
                .flat_map(|&i| part.x[i * sample_len..(i + 1) * sample_len].iter().copied())
                .collect(),
            None => part.x[start * sample_len..end * sample_len].to_vec(),
        };
        let x = Tensor::<2>::from_data(TensorData::new(xs, [end - start, sample_len]), &device);
        let out = model.forward(x);
        width = out.dims()[1];
        values.extend(
            out.into_data()
                .try_into_vec::<f32>()
                .expect("float outputs"),
        );
        start = end;
    }
    Outputs { values, width }
}
