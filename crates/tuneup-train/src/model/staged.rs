//! Staged image nets (ResNet, MobileNet, SqueezeNet and ShuffleNet-style): a stem conv, blocks,
//! global average pooling, dropout, the output layer. Each family's block is in its own file.

use burn::module::Module;
use burn::nn::pool::MaxPool2d;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, ModelSpec};

use super::layers::{ConvNorm, NormLayer, act, linear_l1, total};
use super::mobilenet::InvertedResidual;
use super::resnet::BasicBlock;
use super::shufflenet::ShuffleUnit;
use super::squeezenet::Fire;

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
            Block::Basic(b) => b.forward(x, a),
            Block::Inverted(b) => b.forward(x, a),
            Block::Fire(f) => f.forward(x, a),
            Block::Shuffle(u) => u.forward(x, a),
            Block::Pool(p) => p.forward(x),
        }
    }

    /// The block's convs, in order.
    fn convs(&self) -> Vec<&ConvNorm> {
        match self {
            Block::Basic(b) => b.convs(),
            Block::Inverted(b) => b.convs(),
            Block::Fire(f) => f.convs(),
            Block::Shuffle(u) => u.convs(),
            Block::Pool(_) => vec![],
        }
    }
}

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
    /// The 3x3 stem conv on the input image, then `body` (built before the stem, as the nets'
    /// weights have always been drawn), the head.
    pub(super) fn new(
        m: &ModelSpec,
        shape: &[usize],
        stem: usize,
        body: Vec<Block>,
        channels: usize,
        outputs: usize,
        device: &Device,
    ) -> Staged {
        let &[c, h, w] = shape else {
            unreachable!("the zoo's size check accepts images only")
        };
        Staged {
            stem: ConvNorm::new(c, stem, 3, 1, 1, m.norm, device),
            blocks: body,
            dropout: DropoutConfig::new(m.output_dropout()).init(),
            out: LinearConfig::new(channels, outputs).init(device),
            activation: m.activation,
            input: [c, h, w],
        }
    }

    pub(super) fn forward(&self, x: Tensor<2>) -> Tensor<2> {
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

    fn convs(&self) -> Vec<&ConvNorm> {
        let mut v = vec![&self.stem];
        v.extend(self.blocks.iter().flat_map(Block::convs));
        v
    }

    pub(super) fn l1(&self) -> Tensor<1> {
        total(
            self.convs()
                .into_iter()
                .map(ConvNorm::l1)
                .chain([linear_l1(&self.out)]),
        )
    }

    pub(super) fn norms(&self) -> Vec<&NormLayer> {
        self.convs()
            .into_iter()
            .flat_map(|c| c.norm.iter())
            .collect()
    }
}
