//! A bidirectional GRU over token embeddings (burn's `BiGru`, stacked), the mean of its states
//! over the text's tokens, the output layer.

use burn::module::Module;
use burn::nn::gru::{BiGru, BiGruConfig};
use burn::nn::{Embedding, EmbeddingConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Bigru, ModelSpec};
use tuneup_core::zoo::TextBlock;

use super::layers::{linear_l1, total};
use super::text::{Head, masked_mean, others, split};

#[derive(Module, Debug)]
pub struct BigruNet {
    embedding: Embedding,
    grus: Vec<BiGru>,
    head: Head,
    #[module(skip)]
    len: usize,
}

impl BigruNet {
    pub(super) fn new(
        a: &Bigru,
        m: &ModelSpec,
        shape: &[usize],
        t: TextBlock,
        outputs: usize,
        device: &Device,
    ) -> BigruNet {
        BigruNet {
            embedding: EmbeddingConfig::new(t.vocab, a.dim).init(device),
            grus: (0..a.layers)
                .map(|i| {
                    let d = if i == 0 { a.dim } else { 2 * a.hidden };
                    BiGruConfig::new(d, a.hidden, true).init(device)
                })
                .collect(),
            head: Head::new(
                2 * a.hidden,
                others(shape, t),
                outputs,
                m.output_dropout(),
                device,
            ),
            len: t.len,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let t = split(x, self.len);
        let mut h = self.embedding.forward(t.ids);
        for g in &self.grus {
            h = g.forward(h, None).0;
        }
        self.head.forward(masked_mean(h, &t.mask), t.others)
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.grus
                .iter()
                .flat_map(|g| [&g.forward, &g.reverse])
                .flat_map(|g| [&g.update_gate, &g.reset_gate, &g.new_gate])
                .flat_map(|gate| [&gate.input_transform, &gate.hidden_transform])
                .map(linear_l1)
                .chain([self.head.l1()]),
        )
    }
}
