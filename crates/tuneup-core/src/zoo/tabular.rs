//! The tabular model's size: embeddings, the numbers' batch norm, the MLP.

use super::Size;
use crate::spec::{Norm, Tabular, embedding_width};

pub(super) fn size(
    s: &mut Size,
    a: &Tabular,
    norm: Norm,
    shape: &[usize],
    cats: &[usize],
    outputs: usize,
) -> Result<(), String> {
    let [features] = shape else {
        return Err(format!(
            "the tabular model reads a table's rows; this data is {shape:?}: use a CNN for images"
        ));
    };
    let Some(numbers) = features.checked_sub(cats.len()) else {
        return Err(format!(
            "{} categorical columns but only {features} features",
            cats.len()
        ));
    };
    let mut input = numbers;
    for &levels in cats {
        let w = embedding_width(levels, a.emb_width);
        s.params += levels * w;
        input += w;
    }
    if norm == Norm::Batch && numbers > 0 {
        s.norm(norm, numbers, numbers);
    }
    let mut prev = input;
    for &w in &a.hidden {
        s.linear(prev, w);
        s.norm(norm, w, w);
        prev = w;
    }
    s.linear(prev, outputs);
    Ok(())
}
