//! What the text models share: a row split into its other features and its token ids (the last
//! `len` features), the padding mask, masked pooling over positions, and the output head over
//! the pooled text and the other features.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Int, Tensor};
use tuneup_core::zoo::TextBlock;

/// A batch of rows, split.
pub(super) struct TextIn {
    /// The row's other features (`None` when the row is only text).
    pub others: Option<Tensor<2>>,
    /// `[batch, len]` token ids.
    pub ids: Tensor<2, Int>,
    /// `[batch, len]`: 1 at a token, 0 at padding. The first position always counts, so an
    /// empty text is one padding token (no row is all padding).
    pub mask: Tensor<2>,
}

pub(super) fn split(x: Tensor<2>, len: usize) -> TextIn {
    let [b, width] = x.dims();
    let text = x.clone().slice([0..b, width - len..width]);
    let mask = text.clone().not_equal_elem(0.0).float();
    let first = Tensor::<2>::ones([b, 1], &x.device());
    let mask = mask.slice_assign([0..b, 0..1], first);
    TextIn {
        others: (width > len).then(|| x.slice([0..b, 0..width - len])),
        ids: text.int(),
        mask,
    }
}

/// The mean over the unmasked positions of `[batch, len, dim]`.
pub(super) fn masked_mean(h: Tensor<3>, mask: &Tensor<2>) -> Tensor<2> {
    let [b, l, d] = h.dims();
    let m: Tensor<3> = mask.clone().reshape([b, l, 1]);
    let sum: Tensor<2> = (h * m).sum_dim(1).reshape([b, d]);
    let count = mask.clone().sum_dim(1); // [b, 1]
    sum / count
}

/// The maximum over the unmasked positions of `[batch, len, dim]`.
pub(super) fn masked_max(h: Tensor<3>, mask: &Tensor<2>) -> Tensor<2> {
    let [b, l, d] = h.dims();
    let pad = mask
        .clone()
        .reshape([b, l, 1])
        .equal_elem(0.0)
        .expand([b, l, d]);
    h.mask_fill(pad, -1.0e4).max_dim(1).reshape([b, d])
}

/// The output layer over the pooled text and the row's other features, with dropout before it.
#[derive(Module, Debug)]
pub(super) struct Head {
    dropout: Dropout,
    out: Linear,
}

impl Head {
    pub(super) fn new(
        pooled: usize,
        others: usize,
        outputs: usize,
        p: f64,
        device: &Device,
    ) -> Head {
        Head {
            dropout: DropoutConfig::new(p).init(),
            out: LinearConfig::new(pooled + others, outputs).init(device),
        }
    }

    pub(super) fn forward(&self, pooled: Tensor<2>, others: Option<Tensor<2>>) -> Tensor<2> {
        let x = match others {
            Some(o) => Tensor::cat(vec![pooled, o], 1),
            None => pooled,
        };
        self.out.forward(self.dropout.forward(x))
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        super::layers::linear_l1(&self.out)
    }
}

/// The block of a text model's input, or why it has none.
pub(super) fn block(text: Option<TextBlock>, kind: &str) -> Result<TextBlock, String> {
    text.ok_or_else(|| format!("model kind `{kind}` reads text, and this data has none"))
}

/// Other features of a row of `shape` with `t`'s token ids.
pub(super) fn others(shape: &[usize], t: TextBlock) -> usize {
    shape.iter().product::<usize>() - t.len
}
