//! Layers the architectures share: the activation, a normalization layer, a conv with its norm.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, GroupNorm, GroupNormConfig, LayerNorm, LayerNormConfig,
    PaddingConfig2d,
};
use burn::tensor::{Device, Tensor, activation};
use tuneup_core::spec::{Activation, Norm};

pub(crate) fn act<const D: usize>(a: Activation, x: Tensor<D>) -> Tensor<D> {
    match a {
        Activation::Relu => activation::relu(x),
        Activation::Gelu => activation::gelu(x),
        Activation::Tanh => activation::tanh(x),
        Activation::Sigmoid => activation::sigmoid(x),
        Activation::LeakyRelu => activation::leaky_relu(x, 0.01),
    }
}

/// A normalization layer: batch norm, layer norm on features, or (for convs) GroupNorm with one
/// group, the usual layer norm over channels x height x width.
#[derive(Module, Debug)]
pub enum NormLayer {
    Batch(BatchNorm),
    Layer(LayerNorm),
    Group(GroupNorm),
}

impl NormLayer {
    /// For `features` features (`conv`: channels of a conv's output), or none.
    pub(crate) fn new(
        norm: Norm,
        features: usize,
        conv: bool,
        device: &Device,
    ) -> Option<NormLayer> {
        match norm {
            Norm::None => None,
            Norm::Batch => Some(NormLayer::Batch(
                BatchNormConfig::new(features).init(device),
            )),
            Norm::Layer if conv => Some(NormLayer::Group(
                GroupNormConfig::new(1, features).init(device),
            )),
            Norm::Layer => Some(NormLayer::Layer(
                LayerNormConfig::new(features).init(device),
            )),
        }
    }

    pub(crate) fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            NormLayer::Batch(n) => n.forward(x),
            NormLayer::Layer(n) => n.forward(x),
            NormLayer::Group(n) => n.forward(x),
        }
    }

    /// Values that are buffers, not parameters (batch norm's running mean and variance).
    pub(crate) fn buffers(&self) -> usize {
        match self {
            NormLayer::Batch(b) => 2 * b.gamma.val().dims()[0],
            _ => 0,
        }
    }
}

/// A 2-D conv (padding k/2; a bias only without a norm after it) and its norm.
#[derive(Module, Debug)]
pub struct ConvNorm {
    pub(crate) conv: Conv2d,
    pub(crate) norm: Vec<NormLayer>,
}

impl ConvNorm {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        groups: usize,
        norm: Norm,
        device: &Device,
    ) -> ConvNorm {
        let p = k / 2;
        ConvNorm {
            conv: Conv2dConfig::new([cin, cout], [k, k])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .with_groups(groups)
                .with_bias(norm == Norm::None)
                .init(device),
            norm: NormLayer::new(norm, cout, true, device)
                .into_iter()
                .collect(),
        }
    }

    pub(crate) fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        match self.norm.first() {
            Some(n) => n.forward(x),
            None => x,
        }
    }

    /// `sum |w|` of the conv's weights.
    pub(crate) fn l1(&self) -> Tensor<1> {
        self.conv.weight.val().abs().sum()
    }
}

/// `sum |w|` over a linear layer's weights.
pub(crate) fn linear_l1(l: &burn::nn::Linear) -> Tensor<1> {
    l.weight.val().abs().sum()
}

/// Adds up per-layer penalties.
pub(crate) fn total(parts: impl IntoIterator<Item = Tensor<1>>) -> Tensor<1> {
    parts
        .into_iter()
        .reduce(|a, b| a + b)
        .expect("every model has an output layer")
}
