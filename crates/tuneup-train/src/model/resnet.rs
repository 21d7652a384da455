//! The ResNet's basic block: two 3x3 convs, the shortcut (a 1x1 projection where the shape
//! changes), the activation after the sum.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, Norm, Resnet};

use super::layers::{ConvNorm, act};
use super::staged::Block;

#[derive(Module, Debug)]
pub struct BasicBlock {
    first: ConvNorm,
    second: ConvNorm,
    shortcut: Vec<ConvNorm>,
}

impl BasicBlock {
    pub(super) fn forward(&self, x: Tensor<4>, a: Activation) -> Tensor<4> {
        let y = self.second.forward(act(a, self.first.forward(x.clone())));
        let s = match self.shortcut.first() {
            Some(p) => p.forward(x),
            None => x,
        };
        act(a, y + s)
    }

    pub(super) fn convs(&self) -> Vec<&ConvNorm> {
        [&self.first, &self.second]
            .into_iter()
            .chain(&self.shortcut)
            .collect()
    }
}

/// The stages of basic blocks; a stage after the first halves the size with stride 2. Returns
/// the blocks and their output channels.
pub(super) fn body(a: &Resnet, norm: Norm, device: &Device) -> (Vec<Block>, usize) {
    let mut body = Vec::new();
    let mut ch = a.stem;
    for (i, &out) in a.channels.iter().enumerate() {
        for b in 0..a.blocks {
            let stride = if i > 0 && b == 0 { 2 } else { 1 };
            body.push(Block::Basic(BasicBlock {
                first: ConvNorm::new(ch, out, 3, stride, 1, norm, device),
                second: ConvNorm::new(out, out, 3, 1, 1, norm, device),
                shortcut: (stride != 1 || ch != out)
                    .then(|| ConvNorm::new(ch, out, 1, stride, 1, norm, device))
                    .into_iter()
                    .collect(),
            }));
            ch = out;
        }
    }
    (body, ch)
}
