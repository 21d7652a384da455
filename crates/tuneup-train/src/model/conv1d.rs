//! The 1-D CNN: convs over a signal (each with optional normalization and the activation), an
//! optional hidden linear layer, the output layer.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec};

use super::layers::{NormLayer, act, linear_l1, total};

#[derive(Module, Debug)]
pub struct Conv1dNet {
    convs: Vec<Conv1d>,
    norms: Vec<NormLayer>,
    hidden: Vec<Linear>,
    hidden_norm: Vec<NormLayer>,
    out: Linear,
    dropout: Dropout,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    input: [usize; 2],
}

impl Conv1dNet {
    pub(super) fn new(
        a: &tuneup_core::spec::Conv1d,
        m: &ModelSpec,
        shape: &[usize],
        outputs: usize,
        device: &Device,
    ) -> Result<Conv1dNet, String> {
        let (c, l) = tuneup_core::zoo::signal(shape)?;
        let mut convs = Vec::new();
        let mut norms = Vec::new();
        let (mut ch, mut len) = (c, l);
        for &out in &a.channels {
            convs.push(
                Conv1dConfig::new(ch, out, a.kernel_size)
                    .with_stride(a.stride)
                    .with_padding(PaddingConfig1d::Explicit(a.padding, a.padding))
                    .init(device),
            );
            norms.extend(NormLayer::new(m.norm, out, true, device));
            len = (len + 2 * a.padding - a.kernel_size) / a.stride + 1;
            ch = out;
        }
        let flat = ch * len;
        let (hidden, hidden_norm, last) = if a.hidden > 0 {
            (
                vec![LinearConfig::new(flat, a.hidden).init(device)],
                NormLayer::new(m.norm, a.hidden, false, device)
                    .into_iter()
                    .collect(),
                a.hidden,
            )
        } else {
            (Vec::new(), Vec::new(), flat)
        };
        Ok(Conv1dNet {
            convs,
            norms,
            hidden,
            hidden_norm,
            out: LinearConfig::new(last, outputs).init(device),
            dropout: DropoutConfig::new(m.output_dropout()).init(),
            activation: m.activation,
            input: [c, l],
        })
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let [c, l] = self.input;
        let mut x: Tensor<3> = x.reshape([b, c, l]);
        for (i, conv) in self.convs.iter().enumerate() {
            x = conv.forward(x);
            if let Some(n) = self.norms.get(i) {
                x = n.forward(x);
            }
            x = act(self.activation, x);
        }
        let mut x: Tensor<2> = x.flatten(1, 2);
        if let Some(h) = self.hidden.first() {
            x = h.forward(x);
            if let Some(n) = self.hidden_norm.first() {
                x = n.forward(x);
            }
            x = act(self.activation, x);
        }
        self.out.forward(self.dropout.forward(x))
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.norms.iter().chain(&self.hidden_norm).collect()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.convs
                .iter()
                .map(|k| k.weight.val().abs().sum())
                .chain(self.hidden.iter().map(linear_l1))
                .chain([linear_l1(&self.out)]),
        )
    }
}
