//! The MobileNetV2 inverted residual: 1x1 expansion, 3x3 depthwise, linear 1x1 projection.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use tuneup_core::spec::{Activation, Mobilenet, Norm};

use super::layers::{ConvNorm, act};
use super::staged::Block;

#[derive(Module, Debug)]
pub struct InvertedResidual {
    expand: Vec<ConvNorm>,
    depthwise: ConvNorm,
    project: ConvNorm,
    #[module(skip)]
    residual: bool,
}

impl InvertedResidual {
    pub(super) fn forward(&self, x: Tensor<4>, a: Activation) -> Tensor<4> {
        let mut y = x.clone();
        if let Some(e) = self.expand.first() {
            y = act(a, e.forward(y));
        }
        let y = self.project.forward(act(a, self.depthwise.forward(y)));
        if self.residual { y + x } else { y }
    }

    pub(super) fn convs(&self) -> Vec<&ConvNorm> {
        self.expand
            .iter()
            .chain([&self.depthwise, &self.project])
            .collect()
    }
}

/// The stages of inverted residual blocks. Returns the blocks and their output channels.
pub(super) fn body(a: &Mobilenet, norm: Norm, device: &Device) -> (Vec<Block>, usize) {
    let mut body = Vec::new();
    let mut ch = a.stem;
    for (i, &out) in a.channels.iter().enumerate() {
        for b in 0..a.blocks {
            let stride = if i > 0 && b == 0 { 2 } else { 1 };
            let hidden = ch * a.expansion;
            body.push(Block::Inverted(InvertedResidual {
                expand: (a.expansion != 1)
                    .then(|| ConvNorm::new(ch, hidden, 1, 1, 1, norm, device))
                    .into_iter()
                    .collect(),
                depthwise: ConvNorm::new(hidden, hidden, 3, stride, hidden, norm, device),
                project: ConvNorm::new(hidden, out, 1, 1, 1, norm, device),
                residual: stride == 1 && ch == out,
            }));
            ch = out;
        }
    }
    (body, ch)
}
