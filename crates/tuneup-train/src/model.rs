//! The models: an MLP for vectors and a small CNN for images, built from a [`ModelSpec`], with
//! optional batch / layer normalization and dropout per layer.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::pool::{AvgPool2d, AvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
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

/// A 2-D conv (padding k/2; a bias only without a norm after it) and its norm.
#[derive(Module, Debug)]
pub struct ConvNorm {
    conv: Conv2d,
    norm: Vec<NormLayer>,
}

impl ConvNorm {
    #[allow(clippy::too_many_arguments)]
    fn new(
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

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.conv.forward(x);
        match self.norm.first() {
            Some(n) => n.forward(x),
            None => x,
        }
    }
}

/// A ResNet basic block: two 3x3 convs, the shortcut (a 1x1 projection where the shape
/// changes), the activation after the sum.
#[derive(Module, Debug)]
pub struct BasicBlock {
    first: ConvNorm,
    second: ConvNorm,
    shortcut: Vec<ConvNorm>,
}

/// A MobileNetV2 inverted residual: 1x1 expansion, 3x3 depthwise, linear 1x1 projection.
#[derive(Module, Debug)]
pub struct InvertedResidual {
    expand: Vec<ConvNorm>,
    depthwise: ConvNorm,
    project: ConvNorm,
    #[module(skip)]
    residual: bool,
}

/// A SqueezeNet fire module: 1x1 squeeze, then 1x1 and 3x3 expand side by side.
#[derive(Module, Debug)]
pub struct Fire {
    squeeze: ConvNorm,
    expand1: ConvNorm,
    expand3: ConvNorm,
}

/// A ShuffleNet unit: grouped 1x1, channel shuffle, 3x3 depthwise, grouped 1x1; added to the
/// input (stride 1) or concatenated with its 3x3 average pool (stride 2).
#[derive(Module, Debug)]
pub struct ShuffleUnit {
    first: ConvNorm,
    depthwise: ConvNorm,
    second: ConvNorm,
    pool: Vec<AvgPool2d>,
    #[module(skip)]
    shuffle: usize,
}

/// One block of a staged image net.
#[derive(Module, Debug)]
pub enum Block {
    Basic(BasicBlock),
    Inverted(InvertedResidual),
    Fire(Fire),
    Shuffle(ShuffleUnit),
    Pool(MaxPool2d),
}

impl Block {
    fn forward(&self, x: Tensor<4>, a: Activation) -> Tensor<4> {
        match self {
            Block::Basic(b) => {
                let y = b.second.forward(act(a, b.first.forward(x.clone())));
                let s = match b.shortcut.first() {
                    Some(p) => p.forward(x),
                    None => x,
                };
                act(a, y + s)
            }
            Block::Inverted(b) => {
                let mut y = x.clone();
                if let Some(e) = b.expand.first() {
                    y = act(a, e.forward(y));
                }
                let y = b.project.forward(act(a, b.depthwise.forward(y)));
                if b.residual { y + x } else { y }
            }
            Block::Fire(f) => {
                let s = act(a, f.squeeze.forward(x));
                let e1 = f.expand1.forward(s.clone());
                let e3 = f.expand3.forward(s);
                act(a, Tensor::cat(vec![e1, e3], 1))
            }
            Block::Shuffle(u) => {
                let mut y = act(a, u.first.forward(x.clone()));
                if u.shuffle > 1 {
                    let [b, c, h, w] = y.dims();
                    let g = u.shuffle;
                    y = y
                        .reshape([b, g, c / g, h, w])
                        .swap_dims(1, 2)
                        .reshape([b, c, h, w]);
                }
                let y = u.second.forward(u.depthwise.forward(y));
                match u.pool.first() {
                    Some(p) => act(a, Tensor::cat(vec![p.forward(x), y], 1)),
                    None => act(a, y + x),
                }
            }
            Block::Pool(p) => p.forward(x),
        }
    }
}

/// A stem conv, blocks, global average pooling, dropout, the output layer: ResNet, MobileNet,
/// SqueezeNet and ShuffleNet-style nets.
#[derive(Module, Debug)]
pub struct Staged {
    stem: ConvNorm,
    blocks: Vec<Block>,
    dropout: Dropout,
    out: Linear,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    input: [usize; 3],
}

impl Staged {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let [c, h, w] = self.input;
        let mut x = act(self.activation, self.stem.forward(x.reshape([b, c, h, w])));
        for block in &self.blocks {
            x = block.forward(x, self.activation);
        }
        let [_, ch, _, _] = x.dims();
        let x: Tensor<2> = x.mean_dim(3).mean_dim(2).reshape([b, ch]);
        self.out.forward(self.dropout.forward(x))
    }

    fn weights(&self) -> Vec<Tensor<1>> {
        let conv = |c: &ConvNorm| c.conv.weight.val().abs().sum();
        let mut v = vec![conv(&self.stem)];
        for b in &self.blocks {
            match b {
                Block::Basic(b) => v.extend(
                    [&b.first, &b.second]
                        .into_iter()
                        .chain(&b.shortcut)
                        .map(conv),
                ),
                Block::Inverted(b) => {
                    v.extend(b.expand.iter().chain([&b.depthwise, &b.project]).map(conv))
                }
                Block::Fire(f) => v.extend([&f.squeeze, &f.expand1, &f.expand3].map(conv)),
                Block::Shuffle(u) => v.extend([&u.first, &u.depthwise, &u.second].map(conv)),
                Block::Pool(_) => {}
            }
        }
        v.push(self.out.weight.val().abs().sum());
        v
    }

    fn norms(&self) -> Vec<&NormLayer> {
        let mut v: Vec<&NormLayer> = self.stem.norm.iter().collect();
        for b in &self.blocks {
            let convs: Vec<&ConvNorm> = match b {
                Block::Basic(b) => [&b.first, &b.second]
                    .into_iter()
                    .chain(&b.shortcut)
                    .collect(),
                Block::Inverted(b) => b.expand.iter().chain([&b.depthwise, &b.project]).collect(),
                Block::Fire(f) => vec![&f.squeeze, &f.expand1, &f.expand3],
                Block::Shuffle(u) => vec![&u.first, &u.depthwise, &u.second],
                Block::Pool(_) => vec![],
            };
            v.extend(convs.into_iter().flat_map(|c| c.norm.iter()));
        }
        v
    }
}

/// Stacked GRUs over a signal's steps, the last step's state, dropout, the output layer.
#[derive(Module, Debug)]
pub struct GruNet {
    grus: Vec<Gru>,
    dropout: Dropout,
    out: Linear,
    #[module(skip)]
    input: [usize; 2],
}

impl GruNet {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, _] = x.dims();
        let [c, l] = self.input;
        // [batch, channels, steps] -> [batch, steps, channels]
        let mut x: Tensor<3> = x.reshape([b, c, l]).swap_dims(1, 2);
        for g in &self.grus {
            x = g.forward(x, None);
        }
        let [_, _, h] = x.dims();
        let last: Tensor<2> = x.slice([0..b, l - 1..l, 0..h]).reshape([b, h]);
        self.out.forward(self.dropout.forward(last))
    }
}

/// Any of tuneup's models. Input is always `[batch, sample_len]`; convs reshape it.
#[derive(Module, Debug)]
pub enum Net {
    Mlp(Mlp),
    Cnn(Cnn),
    Conv1d(Conv1dNet),
    ResMlp(ResMlp),
    Staged(Staged),
    Gru(GruNet),
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
            ModelSpec::Resnet {
                stem,
                channels,
                blocks,
                activation,
                dropout,
                norm,
            } => {
                let mut body = Vec::new();
                let mut ch = *stem;
                for (i, &out) in channels.iter().enumerate() {
                    for b in 0..*blocks {
                        let stride = if i > 0 && b == 0 { 2 } else { 1 };
                        body.push(Block::Basic(BasicBlock {
                            first: ConvNorm::new(ch, out, 3, stride, 1, *norm, device),
                            second: ConvNorm::new(out, out, 3, 1, 1, *norm, device),
                            shortcut: (stride != 1 || ch != out)
                                .then(|| ConvNorm::new(ch, out, 1, stride, 1, *norm, device))
                                .into_iter()
                                .collect(),
                        }));
                        ch = out;
                    }
                }
                Ok(staged(
                    sample_shape,
                    *stem,
                    *norm,
                    body,
                    ch,
                    outputs,
                    *dropout,
                    *activation,
                    device,
                ))
            }
            ModelSpec::Mobilenet {
                stem,
                channels,
                blocks,
                expansion,
                activation,
                dropout,
                norm,
            } => {
                let mut body = Vec::new();
                let mut ch = *stem;
                for (i, &out) in channels.iter().enumerate() {
                    for b in 0..*blocks {
                        let stride = if i > 0 && b == 0 { 2 } else { 1 };
                        let hidden = ch * expansion;
                        body.push(Block::Inverted(InvertedResidual {
                            expand: (*expansion != 1)
                                .then(|| ConvNorm::new(ch, hidden, 1, 1, 1, *norm, device))
                                .into_iter()
                                .collect(),
                            depthwise: ConvNorm::new(
                                hidden, hidden, 3, stride, hidden, *norm, device,
                            ),
                            project: ConvNorm::new(hidden, out, 1, 1, 1, *norm, device),
                            residual: stride == 1 && ch == out,
                        }));
                        ch = out;
                    }
                }
                Ok(staged(
                    sample_shape,
                    *stem,
                    *norm,
                    body,
                    ch,
                    outputs,
                    *dropout,
                    *activation,
                    device,
                ))
            }
            ModelSpec::Squeezenet {
                stem,
                channels,
                blocks,
                activation,
                dropout,
                norm,
            } => {
                let mut body = Vec::new();
                let mut ch = *stem;
                for &out in channels {
                    body.push(Block::Pool(
                        MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
                    ));
                    for _ in 0..*blocks {
                        let (sq, e1) = tuneup_core::zoo::fire(out);
                        body.push(Block::Fire(Fire {
                            squeeze: ConvNorm::new(ch, sq, 1, 1, 1, *norm, device),
                            expand1: ConvNorm::new(sq, e1, 1, 1, 1, *norm, device),
                            expand3: ConvNorm::new(sq, out - e1, 3, 1, 1, *norm, device),
                        }));
                        ch = out;
                    }
                }
                Ok(staged(
                    sample_shape,
                    *stem,
                    *norm,
                    body,
                    ch,
                    outputs,
                    *dropout,
                    *activation,
                    device,
                ))
            }
            ModelSpec::Shufflenet {
                stem,
                channels,
                blocks,
                groups,
                activation,
                dropout,
                norm,
            } => {
                let mut body = Vec::new();
                let mut ch = *stem;
                for &out in channels {
                    for b in 0..*blocks {
                        let mid = out / 4;
                        let (branch, stride) = if b == 0 { (out - ch, 2) } else { (out, 1) };
                        let g1 = tuneup_core::zoo::shuffle_groups(ch, mid, *groups);
                        body.push(Block::Shuffle(ShuffleUnit {
                            first: ConvNorm::new(ch, mid, 1, 1, g1, *norm, device),
                            depthwise: ConvNorm::new(mid, mid, 3, stride, mid, *norm, device),
                            second: ConvNorm::new(mid, branch, 1, 1, *groups, *norm, device),
                            pool: (stride == 2)
                                .then(|| {
                                    AvgPool2dConfig::new([3, 3])
                                        .with_strides([2, 2])
                                        .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                                        .init()
                                })
                                .into_iter()
                                .collect(),
                            shuffle: g1,
                        }));
                        ch = out;
                    }
                }
                Ok(staged(
                    sample_shape,
                    *stem,
                    *norm,
                    body,
                    ch,
                    outputs,
                    *dropout,
                    *activation,
                    device,
                ))
            }
            ModelSpec::Gru {
                hidden,
                layers,
                dropout,
            } => {
                let (c, l) = tuneup_core::zoo::signal(sample_shape)?;
                Ok(Net::Gru(GruNet {
                    grus: (0..*layers)
                        .map(|i| {
                            GruConfig::new(if i == 0 { c } else { *hidden }, *hidden, true)
                                .init(device)
                        })
                        .collect(),
                    dropout: DropoutConfig::new(*dropout).init(),
                    out: LinearConfig::new(*hidden, outputs).init(device),
                    input: [c, l],
                }))
            }
        }
    }

    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Net::Mlp(m) => m.forward(x),
            Net::Cnn(c) => c.forward(x),
            Net::Conv1d(c) => c.forward(x),
            Net::ResMlp(r) => r.forward(x),
            Net::Staged(s) => s.forward(x),
            Net::Gru(g) => g.forward(x),
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
            Net::Staged(s) => s.norms(),
            Net::Gru(_) => Vec::new(),
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
            Net::Staged(s) => s
                .weights()
                .into_iter()
                .reduce(|a, b| a + b)
                .expect("layers"),
            Net::Gru(g) => g
                .grus
                .iter()
                .flat_map(|g| [&g.update_gate, &g.reset_gate, &g.new_gate])
                .flat_map(|gate| [&gate.input_transform, &gate.hidden_transform])
                .map(lin)
                .chain([lin(&g.out)])
                .reduce(|a, b| a + b)
                .expect("layers"),
        }
    }
}

/// A staged image net: the 3x3 stem conv on the input image, `body`, the head.
#[allow(clippy::too_many_arguments)]
fn staged(
    sample_shape: &[usize],
    stem: usize,
    norm: Norm,
    body: Vec<Block>,
    channels: usize,
    outputs: usize,
    dropout: f64,
    activation: Activation,
    device: &Device,
) -> Net {
    let &[c, h, w] = sample_shape else {
        unreachable!("the zoo's size check accepts images only")
    };
    Net::Staged(Staged {
        stem: ConvNorm::new(c, stem, 3, 1, 1, norm, device),
        blocks: body,
        dropout: DropoutConfig::new(dropout).init(),
        out: LinearConfig::new(channels, outputs).init(device),
        activation,
        input: [c, h, w],
    })
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
    fn every_zoo_model_runs_forward_on_small_and_large_inputs() {
        let device = crate::cpu();
        for e in tuneup_core::zoo::catalogue() {
            let shapes: Vec<Vec<usize>> = match e.input {
                "images" => vec![vec![1, 28, 28], vec![1, 8, 8], vec![3, 12, 10]],
                "signals" => vec![vec![40], vec![2, 17]],
                _ => vec![vec![64]],
            };
            for shape in shapes {
                let net = Net::new(&e.spec, &shape, 7, &device).unwrap();
                let n: usize = shape.iter().product();
                let x = Tensor::<2>::random(
                    [3, n],
                    burn::tensor::Distribution::Normal(0.0, 1.0),
                    &device,
                );
                let y = net.forward(x);
                assert_eq!(y.dims(), [3, 7], "{} on {shape:?}", e.name);
                let v: Vec<f32> = y.into_data().try_into_vec::<f32>().unwrap();
                assert!(v.iter().all(|x| x.is_finite()), "{}", e.name);
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
