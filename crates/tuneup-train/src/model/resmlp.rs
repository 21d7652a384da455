//! The residual MLP: an input layer, blocks `x + W2 act(W1 norm(x))`, the output layer.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec};

use super::layers::{NormLayer, act, linear_l1, total};

#[derive(Module, Debug)]
pub struct ResMlp {
    input: Linear,
    norms: Vec<NormLayer>,
    first: Vec<Linear>,
    second: Vec<Linear>,
    out: Linear,
    dropout: Dropout,
    #[module(skip)]
    activation: Activation,
}

impl ResMlp {
    pub(super) fn new(
        a: &tuneup_core::spec::Resmlp,
        m: &ModelSpec,
        input: usize,
        outputs: usize,
        device: &Device,
    ) -> ResMlp {
        let (width, blocks) = (a.width, a.blocks);
        ResMlp {
            input: LinearConfig::new(input, width).init(device),
            norms: (0..blocks)
                .filter_map(|_| NormLayer::new(m.norm, width, false, device))
                .collect(),
            first: (0..blocks)
                .map(|_| LinearConfig::new(width, width).init(device))
                .collect(),
            second: (0..blocks)
                .map(|_| LinearConfig::new(width, width).init(device))
                .collect(),
            out: LinearConfig::new(width, outputs).init(device),
            dropout: DropoutConfig::new(m.output_dropout()).init(),
            activation: m.activation,
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let mut h = act(self.activation, self.input.forward(x));
        for (i, (a, b)) in self.first.iter().zip(&self.second).enumerate() {
            let mut y = h.clone();
            if let Some(n) = self.norms.get(i) {
                y = n.forward(y);
            }
            let y = self.dropout.forward(act(self.activation, a.forward(y)));
            h = h + b.forward(y);
        }
        self.out.forward(act(self.activation, h))
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.norms.iter().collect()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            [&self.input, &self.out]
                .into_iter()
                .chain(&self.first)
                .chain(&self.second)
                .map(linear_l1),
        )
    }
}
