//! The CNN: convs (each with optional normalization, the activation, 2x2 max-pooling where
//! asked, and dropout), one hidden linear layer, the output layer.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec, PoolPlacement};

use super::layers::{NormLayer, act, linear_l1, total};

#[derive(Module, Debug)]
pub struct Cnn {
    convs: Vec<Conv2d>,
    /// One per conv, or none.
    norms: Vec<NormLayer>,
    /// One per conv.
    conv_dropouts: Vec<Dropout>,
    pool: MaxPool2d,
    fc: Linear,
    /// The hidden linear layer's normalization, or none.
    fc_norm: Vec<NormLayer>,
    out: Linear,
    dropout: Dropout,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    pool_each: bool,
    #[module(skip)]
    input: [usize; 3],
}

/// The spatial size after one conv (stride 1).
fn conv_out(size: usize, k: usize, same: bool) -> usize {
    if same { size } else { size + 1 - k }
}

impl Cnn {
    pub(super) fn new(
        a: &tuneup_core::spec::Cnn,
        m: &ModelSpec,
        shape: &[usize],
        outputs: usize,
        device: &Device,
    ) -> Cnn {
        let &[c, h, w] = shape else {
            unreachable!("the zoo's size check accepts images only")
        };
        let k = a.kernel_size;
        let pool_each = a.pool == PoolPlacement::Each;
        let mut convs = Vec::new();
        let (mut ch, mut hh, mut ww) = (c, h, w);
        for (i, &out_c) in a.channels.iter().enumerate() {
            let padding = if a.same_padding {
                PaddingConfig2d::Same
            } else {
                PaddingConfig2d::Valid
            };
            convs.push(
                Conv2dConfig::new([ch, out_c], [k, k])
                    .with_padding(padding)
                    .init(device),
            );
            hh = conv_out(hh, k, a.same_padding);
            ww = conv_out(ww, k, a.same_padding);
            if pool_each || i + 1 == a.channels.len() {
                hh /= 2;
                ww /= 2;
            }
            ch = out_c;
        }
        let flat = ch * hh * ww;
        Cnn {
            norms: a
                .channels
                .iter()
                .filter_map(|c| NormLayer::new(m.norm, *c, true, device))
                .collect(),
            conv_dropouts: (0..a.channels.len())
                .map(|i| DropoutConfig::new(a.conv_dropout.at(i)).init())
                .collect(),
            fc_norm: NormLayer::new(m.norm, a.hidden, false, device)
                .into_iter()
                .collect(),
            convs,
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
            fc: LinearConfig::new(flat, a.hidden).init(device),
            out: LinearConfig::new(a.hidden, outputs).init(device),
            dropout: DropoutConfig::new(m.output_dropout()).init(),
            activation: m.activation,
            pool_each,
            input: [c, h, w],
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let [c, h, w] = self.input;
        let mut x: Tensor<4> = x.reshape([b, c, h, w]);
        let last = self.convs.len() - 1;
        for (i, conv) in self.convs.iter().enumerate() {
            x = conv.forward(x);
            if let Some(n) = self.norms.get(i) {
                x = n.forward(x);
            }
            x = act(self.activation, x);
            if self.pool_each || i == last {
                x = self.pool.forward(x);
            }
            x = self.conv_dropouts[i].forward(x);
        }
        let mut x: Tensor<2> = self.fc.forward(x.flatten(1, 3));
        if let Some(n) = self.fc_norm.first() {
            x = n.forward(x);
        }
        let x = self.dropout.forward(act(self.activation, x));
        self.out.forward(x)
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.norms.iter().chain(&self.fc_norm).collect()
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.convs
                .iter()
                .map(|k| k.weight.val().abs().sum())
                .chain([linear_l1(&self.fc), linear_l1(&self.out)]),
        )
    }
}
