//! The MLP: linear layers; after each hidden one, normalization (optional), the activation,
//! dropout.

use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec};

use super::layers::{NormLayer, act, linear_l1, total};

#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    /// One per hidden layer, or none.
    norms: Vec<NormLayer>,
    /// One per hidden layer.
    dropouts: Vec<Dropout>,
    #[module(skip)]
    activation: Activation,
}

impl Mlp {
    pub(super) fn new(
        a: &tuneup_core::spec::Mlp,
        m: &ModelSpec,
        input: usize,
        outputs: usize,
        device: &Device,
    ) -> Mlp {
        let mut widths = vec![input];
        widths.extend(&a.hidden);
        widths.push(outputs);
        let layers = widths
            .windows(2)
            .map(|w| LinearConfig::new(w[0], w[1]).init(device))
            .collect();
        Mlp {
            layers,
            norms: a
                .hidden
                .iter()
                .filter_map(|w| NormLayer::new(m.norm, *w, false, device))
                .collect(),
            dropouts: (0..a.hidden.len())
                .map(|i| DropoutConfig::new(m.dropout.at(i)).init())
                .collect(),
            activation: m.activation,
        }
    }

    pub(super) fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        let last = self.layers.len() - 1;
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(x);
            if i < last {
                if let Some(n) = self.norms.get(i) {
                    x = n.forward(x);
                }
                x = self.dropouts[i].forward(act(self.activation, x));
            }
        }
        x
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.norms.iter().collect()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(self.layers.iter().map(linear_l1))
    }
}
