//! The SqueezeNet fire module: 1x1 squeeze, then 1x1 and 3x3 expand side by side.

use burn::module::Module;
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, Norm, Squeezenet};

use super::layers::{ConvNorm, act};
use super::staged::Block;

#[derive(Module, Debug)]
pub struct Fire {
    squeeze: ConvNorm,
    expand1: ConvNorm,
    expand3: ConvNorm,
}

impl Fire {
    pub(super) fn forward(&self, x: Tensor<4>, a: Activation) -> Tensor<4> {
        let s = act(a, self.squeeze.forward(x));
        let e1 = self.expand1.forward(s.clone());
        let e3 = self.expand3.forward(s);
        act(a, Tensor::cat(vec![e1, e3], 1))
    }

    pub(super) fn convs(&self) -> Vec<&ConvNorm> {
        vec![&self.squeeze, &self.expand1, &self.expand3]
    }
}

/// 2x2 max-pooling, then the stage's fire modules, for each stage. Returns the blocks and
/// their output channels.
pub(super) fn body(a: &Squeezenet, norm: Norm, device: &Device) -> (Vec<Block>, usize) {
    let mut body = Vec::new();
    let mut ch = a.stem;
    for &out in &a.channels {
        body.push(Block::Pool(
            MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
        ));
        for _ in 0..a.blocks {
            let (sq, e1) = tuneup_core::zoo::fire(out);
            body.push(Block::Fire(Fire {
                squeeze: ConvNorm::new(ch, sq, 1, 1, 1, norm, device),
                expand1: ConvNorm::new(sq, e1, 1, 1, 1, norm, device),
                expand3: ConvNorm::new(sq, out - e1, 3, 1, 1, norm, device),
            }));
            ch = out;
        }
    }
    (body, ch)
}
