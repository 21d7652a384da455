//! fastai's tabular model: an embedding per many-level categorical column (its codes are the
//! last features of a row), embedding dropout, batch norm on the numbers, then the MLP.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, EmbeddingConfig, Initializer};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{ModelSpec, Norm, Tabular, embedding_width};

use super::layers::NormLayer;
use super::mlp::Mlp;

#[derive(Module, Debug)]
pub struct TabularNet {
    embeddings: Vec<Embedding>,
    emb_dropout: Dropout,
    /// Batch norm of the numbers (none without batch norm, or without numbers).
    cont_norm: Vec<NormLayer>,
    mlp: Mlp,
    #[module(skip)]
    numbers: usize,
}

impl TabularNet {
    pub(super) fn new(
        a: &Tabular,
        m: &ModelSpec,
        features: usize,
        cats: &[usize],
        outputs: usize,
        device: &Device,
    ) -> TabularNet {
        let numbers = features - cats.len();
        // fastai initialises embeddings with a truncated normal of std 0.01.
        let embeddings: Vec<Embedding> = cats
            .iter()
            .map(|&levels| {
                EmbeddingConfig::new(levels, embedding_width(levels, a.emb_width))
                    .with_initializer(Initializer::Normal {
                        mean: 0.0,
                        std: 0.01,
                    })
                    .init(device)
            })
            .collect();
        let emb: usize = cats.iter().map(|&l| embedding_width(l, a.emb_width)).sum();
        let mlp_spec = tuneup_core::spec::Mlp {
            hidden: a.hidden.clone(),
        };
        TabularNet {
            embeddings,
            emb_dropout: DropoutConfig::new(a.emb_dropout).init(),
            cont_norm: (m.norm == Norm::Batch && numbers > 0)
                .then(|| NormLayer::new(Norm::Batch, numbers, false, device))
                .flatten()
                .into_iter()
                .collect(),
            mlp: Mlp::new(&mlp_spec, m, numbers + emb, outputs, device),
            numbers,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [batch, width] = x.dims();
        let mut parts = Vec::with_capacity(2);
        if !self.embeddings.is_empty() {
            let codes = x.clone().slice([0..batch, self.numbers..width]).int();
            let embedded: Vec<Tensor<2>> = self
                .embeddings
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let col = codes.clone().slice([0..batch, i..i + 1]);
                    let out = e.forward(col);
                    let d = out.dims()[2];
                    out.reshape([batch, d])
                })
                .collect();
            parts.push(self.emb_dropout.forward(Tensor::cat(embedded, 1)));
        }
        if self.numbers > 0 {
            let mut cont = x.slice([0..batch, 0..self.numbers]);
            if let Some(n) = self.cont_norm.first() {
                cont = n.forward(cont);
            }
            parts.push(cont);
        }
        self.mlp.forward(Tensor::cat(parts, 1))
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.cont_norm.iter().chain(self.mlp.norms()).collect()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        self.mlp.l1()
    }
}
