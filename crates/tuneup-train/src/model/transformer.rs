//! A small Transformer encoder over token embeddings: token plus learned position embeddings,
//! burn's pre-norm encoder layers with the padding masked, a final layer norm, the mean over
//! the text's tokens, the output layer.

use burn::module::Module;
use burn::nn::transformer::{
    TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Int, Tensor};
use tuneup_core::spec::{ModelSpec, Transformer};
use tuneup_core::zoo::TextBlock;

use super::text::{Head, masked_mean, others, split};

#[derive(Module, Debug)]
pub struct TransformerNet {
    tokens: Embedding,
    positions: Embedding,
    encoder: TransformerEncoder,
    norm: LayerNorm,
    head: Head,
    #[module(skip)]
    len: usize,
}

impl TransformerNet {
    pub(super) fn new(
        a: &Transformer,
        m: &ModelSpec,
        shape: &[usize],
        t: TextBlock,
        outputs: usize,
        device: &Device,
    ) -> TransformerNet {
        TransformerNet {
            tokens: EmbeddingConfig::new(t.vocab, a.dim).init(device),
            positions: EmbeddingConfig::new(t.len, a.dim).init(device),
            encoder: TransformerEncoderConfig::new(a.dim, a.hidden, a.heads, a.layers)
                .with_dropout(m.output_dropout())
                .with_norm_first(true)
                .init(device),
            norm: LayerNormConfig::new(a.dim).init(device),
            head: Head::new(a.dim, others(shape, t), outputs, m.output_dropout(), device),
            len: t.len,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let t = split(x, self.len);
        let [b, l] = t.ids.dims();
        let device = t.mask.device();
        let pos: Tensor<2, Int> = Tensor::<1, Int>::arange(0..l as i64, &device)
            .reshape([1, l])
            .repeat_dim(0, b);
        let h = self.tokens.forward(t.ids) + self.positions.forward(pos);
        let pad = t.mask.clone().equal_elem(0.0);
        let h = self
            .encoder
            .forward(TransformerEncoderInput::new(h).mask_pad(pad));
        self.head
            .forward(masked_mean(self.norm.forward(h), &t.mask), t.others)
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        self.head.l1()
    }
}
