//! The models: an MLP for vectors and a small CNN for images, built from a [`ModelSpec`], with
//! optional batch / layer normalization and dropout per layer.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, GroupNorm, GroupNormConfig, LayerNorm,
    LayerNormConfig, Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d,
};
use burn::tensor::{Device, Tensor, activation};
use tuneup_core::spec::{Activation, ModelSpec, Norm, PoolPlacement};

fn act<const D: usize>(a: Activation, x: Tensor<D>) -> Tensor<D> {
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
    fn new(norm: Norm, features: usize, conv: bool, device: &Device) -> Option<NormLayer> {
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

    fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        match self {
            NormLayer::Batch(n) => n.forward(x),
            NormLayer::Layer(n) => n.forward(x),
            NormLayer::Group(n) => n.forward(x),
        }
    }
}

/// Linear layers of the given widths; after each hidden one: normalization (optional), the
/// activation, dropout.
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
    fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
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
}

/// Convs (each with optional normalization, the activation, 2x2 max-pooling where asked, and
/// dropout), one hidden linear layer, the output layer.
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

impl Cnn {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
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
}

/// 1-D convs over a signal (each with optional normalization and the activation), an optional
/// hidden linear layer, the output layer.
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
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
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
}

/// A residual MLP: input layer, blocks `x + W2 act(W1 norm(x))`, output layer.
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
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
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
}

/// Any of tuneup's models. Input is always `[batch, sample_len]`; convs reshape it.
#[derive(Module, Debug)]
pub enum Net {
    Mlp(Mlp),
    Cnn(Cnn),
    Conv1d(Conv1dNet),
    ResMlp(ResMlp),
}

/// The spatial size after one conv (stride 1) and, where asked, a 2x2 pool.
fn conv_out(size: usize, k: usize, same: bool) -> usize {
    if same { size } else { size + 1 - k }
}

impl Net {
    /// Builds a freshly initialised model for samples of `sample_shape` and `outputs` outputs.
    /// Errors (as text) when the spec does not fit the input (a CNN on vectors, a spatial size
    /// that shrinks to nothing).
    pub fn new(
        spec: &ModelSpec,
        sample_shape: &[usize],
        outputs: usize,
        device: &Device,
    ) -> Result<Net, String> {
        // Whether the model fits the input (images for the CNN, signals for the 1-D CNN, no
        // spatial size shrinking to nothing) is the zoo's size check, shared with `tuneup zoo`.
        tuneup_core::zoo::size(spec, sample_shape, outputs)?;
        let input: usize = sample_shape.iter().product();
        match spec {
            ModelSpec::Mlp {
                hidden,
                activation,
                dropout,
                norm,
            } => {
                let mut widths = vec![input];
                widths.extend(hidden);
                widths.push(outputs);
                let layers = widths
                    .windows(2)
                    .map(|w| LinearConfig::new(w[0], w[1]).init(device))
                    .collect();
                Ok(Net::Mlp(Mlp {
                    layers,
                    norms: hidden
                        .iter()
                        .filter_map(|w| NormLayer::new(*norm, *w, false, device))
                        .collect(),
                    dropouts: (0..hidden.len())
                        .map(|i| DropoutConfig::new(dropout.at(i)).init())
                        .collect(),
                    activation: *activation,
                }))
            }
            ModelSpec::Cnn {
                channels,
                kernel_size,
                same_padding,
                pool,
                hidden,
                activation,
                dropout,
                conv_dropout,
                norm,
            } => {
                let &[c, h, w] = sample_shape else {
                    unreachable!("the zoo's size check accepts images only")
                };
                let k = *kernel_size;
                let pool_each = *pool == PoolPlacement::Each;
                let mut convs = Vec::new();
                let (mut ch, mut hh, mut ww) = (c, h, w);
                for (i, &out_c) in channels.iter().enumerate() {
                    let padding = if *same_padding {
                        PaddingConfig2d::Same
                    } else {
                        PaddingConfig2d::Valid
                    };
                    convs.push(
                        Conv2dConfig::new([ch, out_c], [k, k])
                            .with_padding(padding)
                            .init(device),
                    );
                    hh = conv_out(hh, k, *same_padding);
                    ww = conv_out(ww, k, *same_padding);
                    if pool_each || i + 1 == channels.len() {
                        hh /= 2;
                        ww /= 2;
                    }
                    ch = out_c;
                }
                let flat = ch * hh * ww;
                Ok(Net::Cnn(Cnn {
                    norms: channels
                        .iter()
                        .filter_map(|c| NormLayer::new(*norm, *c, true, device))
                        .collect(),
                    conv_dropouts: (0..channels.len())
                        .map(|i| DropoutConfig::new(conv_dropout.at(i)).init())
                        .collect(),
                    fc_norm: NormLayer::new(*norm, *hidden, false, device)
                        .into_iter()
                        .collect(),
                    convs,
                    pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
                    fc: LinearConfig::new(flat, *hidden).init(device),
                    out: LinearConfig::new(*hidden, outputs).init(device),
                    dropout: DropoutConfig::new(*dropout).init(),
                    activation: *activation,
                    pool_each,
                    input: [c, h, w],
                }))
            }
            ModelSpec::Conv1d {
                channels,
                kernel_size,
                stride,
                padding,
                hidden,
                activation,
                dropout,
                norm,
            } => {
                let (c, l) = tuneup_core::zoo::signal(sample_shape)?;
                let mut convs = Vec::new();
                let mut norms = Vec::new();
                let (mut ch, mut len) = (c, l);
                for &out in channels {
                    convs.push(
                        Conv1dConfig::new(ch, out, *kernel_size)
                            .with_stride(*stride)
                            .with_padding(PaddingConfig1d::Explicit(*padding, *padding))
                            .init(device),
                    );
                    norms.extend(NormLayer::new(*norm, out, true, device));
                    len = (len + 2 * padding - kernel_size) / stride + 1;
                    ch = out;
                }
                let flat = ch * len;
                let (hidden_layers, hidden_norm, last) = if *hidden > 0 {
                    (
                        vec![LinearConfig::new(flat, *hidden).init(device)],
                        NormLayer::new(*norm, *hidden, false, device)
                            .into_iter()
                            .collect(),
                        *hidden,
                    )
                } else {
                    (Vec::new(), Vec::new(), flat)
                };
                Ok(Net::Conv1d(Conv1dNet {
                    convs,
                    norms,
                    hidden: hidden_layers,
                    hidden_norm,
                    out: LinearConfig::new(last, outputs).init(device),
                    dropout: DropoutConfig::new(*dropout).init(),
                    activation: *activation,
                    input: [c, l],
                }))
            }
            ModelSpec::Resmlp {
                width,
                blocks,
                activation,
                dropout,
                norm,
            } => Ok(Net::ResMlp(ResMlp {
                input: LinearConfig::new(input, *width).init(device),
                norms: (0..*blocks)
                    .filter_map(|_| NormLayer::new(*norm, *width, false, device))
                    .collect(),
                first: (0..*blocks)
                    .map(|_| LinearConfig::new(*width, *width).init(device))
                    .collect(),
                second: (0..*blocks)
                    .map(|_| LinearConfig::new(*width, *width).init(device))
                    .collect(),
                out: LinearConfig::new(*width, outputs).init(device),
                dropout: DropoutConfig::new(*dropout).init(),
                activation: *activation,
            })),
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Net::Mlp(m) => m.forward(x),
            Net::Cnn(c) => c.forward(x),
            Net::Conv1d(c) => c.forward(x),
            Net::ResMlp(r) => r.forward(x),
        }
    }

    /// Trainable parameters, as PyTorch counts them: burn's count less batch norm's running
    /// mean and variance (buffers, not parameters).
    pub fn trainable_params(&self) -> usize {
        let norms: Vec<&NormLayer> = match self {
            Net::Mlp(m) => m.norms.iter().collect(),
            Net::Cnn(c) => c.norms.iter().chain(&c.fc_norm).collect(),
            Net::Conv1d(c) => c.norms.iter().chain(&c.hidden_norm).collect(),
            Net::ResMlp(r) => r.norms.iter().collect(),
        };
        let buffers: usize = norms
            .iter()
            .map(|n| match n {
                NormLayer::Batch(b) => 2 * b.gamma.val().dims()[0],
                _ => 0,
            })
            .sum();
        self.num_params() - buffers
    }

    /// `sum |w|` over the weights of the linear and conv layers (not biases, not norms): the L1
    /// penalty's sum.
    pub fn l1(&self) -> Tensor<1> {
        let lin = |l: &Linear| l.weight.val().abs().sum();
        match self {
            Net::Mlp(m) => m
                .layers
                .iter()
                .map(lin)
                .reduce(|a, b| a + b)
                .expect("an output layer"),
            Net::Cnn(c) => c
                .convs
                .iter()
                .map(|k| k.weight.val().abs().sum())
                .chain([lin(&c.fc), lin(&c.out)])
                .reduce(|a, b| a + b)
                .expect("layers"),
            Net::Conv1d(c) => c
                .convs
                .iter()
                .map(|k| k.weight.val().abs().sum())
                .chain(c.hidden.iter().map(lin))
                .chain([lin(&c.out)])
                .reduce(|a, b| a + b)
                .expect("layers"),
            Net::ResMlp(r) => [&r.input, &r.out]
                .into_iter()
                .chain(&r.first)
                .chain(&r.second)
                .map(lin)
                .reduce(|a, b| a + b)
                .expect("layers"),
        }
    }
}

/// The parameter count of a spec for an input, without training it.
pub fn count_params(
    spec: &ModelSpec,
    sample_shape: &[usize],
    outputs: usize,
) -> Result<usize, String> {
    Ok(Net::new(spec, sample_shape, outputs, &crate::cpu())?.trainable_params())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_match_pytorch() {
        // torch: sum(p.numel()) of nn.Sequential(Linear(784,512), ReLU, Linear(512,512), ReLU,
        // Linear(512,10)) = 669,706; the CNN of shared/peers/torch_throughput.py = 1,199,882.
        let mlp = ModelSpec::Mlp {
            hidden: vec![512, 512],
            activation: Activation::Relu,
            dropout: Default::default(),
            norm: Norm::None,
        };
        assert_eq!(count_params(&mlp, &[784], 10).unwrap(), 669_706);
        let cnn = ModelSpec::Cnn {
            channels: vec![32, 64],
            kernel_size: 3,
            same_padding: false,
            pool: PoolPlacement::Last,
            hidden: 128,
            activation: Activation::Relu,
            dropout: 0.0,
            conv_dropout: Default::default(),
            norm: Norm::None,
        };
        assert_eq!(count_params(&cnn, &[1, 28, 28], 10).unwrap(), 1_199_882);
        // Normalization adds a scale and a shift per feature / channel (torch counts the same:
        // BatchNorm1d(512) x 2 = 2,048; BatchNorm2d(32) + BatchNorm2d(64) + BatchNorm1d(128) =
        // 448; running statistics are buffers, not parameters). Layer norm: the same counts.
        for norm in [Norm::Batch, Norm::Layer] {
            let with = |spec: &ModelSpec| spec.with_norm(norm);
            assert_eq!(
                count_params(&with(&mlp), &[784], 10).unwrap(),
                669_706 + 2_048
            );
            assert_eq!(
                count_params(&with(&cnn), &[1, 28, 28], 10).unwrap(),
                1_199_882 + 448
            );
        }
    }

    #[test]
    fn every_zoo_model_has_the_zoo_count() {
        // burn's trainable parameters against the layer-by-layer count of tuneup-core's zoo.
        for e in tuneup_core::zoo::catalogue() {
            let shape: &[usize] = match e.input {
                "images" => &[1, 28, 28],
                "signals" => &[40],
                _ => &[64],
            };
            for norm in [Norm::None, Norm::Batch, Norm::Layer] {
                let spec = e.spec.with_norm(norm);
                let want = tuneup_core::zoo::size(&spec, shape, 10).unwrap().params;
                assert_eq!(
                    count_params(&spec, shape, 10).unwrap(),
                    want,
                    "{} with {norm:?}",
                    e.name
                );
            }
        }
    }

    #[test]
    fn cnn_on_vectors_is_refused() {
        let cnn = ModelSpec::Cnn {
            channels: vec![8],
            kernel_size: 3,
            same_padding: true,
            pool: PoolPlacement::Each,
            hidden: 8,
            activation: Activation::Relu,
            dropout: 0.0,
            conv_dropout: Default::default(),
            norm: Norm::None,
        };
        assert!(count_params(&cnn, &[64], 10).unwrap_err().contains("mlp"));
    }
}
