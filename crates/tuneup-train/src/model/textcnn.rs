//! Kim 2014's CNN over token embeddings: for each filter size, `width` filters, the
//! activation, the maximum over the text's positions; the pooled features (and the row's other
//! features) into the output layer.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec, Textcnn};
use tuneup_core::zoo::TextBlock;

use super::layers::{act, total};
use super::text::{Head, masked_max, others, split};

#[derive(Module, Debug)]
pub struct TextCnn {
    embedding: Embedding,
    convs: Vec<Conv1d>,
    head: Head,
    #[module(skip)]
    len: usize,
    #[module(skip)]
    activation: Activation,
}

impl TextCnn {
    pub(super) fn new(
        a: &Textcnn,
        m: &ModelSpec,
        shape: &[usize],
        t: TextBlock,
        outputs: usize,
        device: &Device,
    ) -> TextCnn {
        TextCnn {
            embedding: EmbeddingConfig::new(t.vocab, a.dim).init(device),
            convs: a
                .kernel_sizes
                .iter()
                .map(|&k| Conv1dConfig::new(a.dim, a.width, k).init(device))
                .collect(),
            head: Head::new(
                a.width * a.kernel_sizes.len(),
                others(shape, t),
                outputs,
                m.output_dropout(),
                device,
            ),
            len: t.len,
            activation: m.activation,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let t = split(x, self.len);
        let h = self.embedding.forward(t.ids); // [b, l, d]
        let [b, l, d] = h.dims();
        let mut h = h.swap_dims(1, 2); // [b, d, l]
        let longest = self.convs.iter().map(|c| c.kernel_size).max().unwrap_or(1);
        let mut mask = t.mask;
        if l < longest {
            // Too short for the widest filter: padded with zeros (masked).
            let device = h.device();
            h = Tensor::cat(vec![h, Tensor::zeros([b, d, longest - l], &device)], 2);
            mask = Tensor::cat(vec![mask, Tensor::zeros([b, longest - l], &device)], 1);
        }
        let pooled: Vec<Tensor<2>> = self
            .convs
            .iter()
            .map(|c| {
                let y = act(self.activation, c.forward(h.clone())); // [b, w, p]
                let [_, w, p] = y.dims();
                // A position counts when the filter's first token is text.
                let m = mask.clone().slice([0..b, 0..p]);
                masked_max(y.swap_dims(1, 2), &m).reshape([b, w])
            })
            .collect();
        self.head.forward(Tensor::cat(pooled, 1), t.others)
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.convs
                .iter()
                .map(|c| c.weight.val().abs().sum())
                .chain([self.head.l1()]),
        )
    }
}
